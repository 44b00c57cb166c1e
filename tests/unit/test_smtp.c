/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/smtp.h"
#include "tests/unit/harness.h"

/* A connection whose peer is the test: bytes written to fds[1] are what the
 * "server" says. */
static void open_pair(sd_conn *c, int fds[2])
{
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    sd_conn_init(c);
    c->fd = fds[0];
    c->timeout_ms = 500;
    c->in.limit = 2 * SD_MAX_LINE;
}

static void say(int fd, const char *s)
{
    CHECK_INT(write(fd, s, strlen(s)), (long long)strlen(s));
}

static void test_multiline_reply(void)
{
    sd_conn c;
    int fds[2];
    open_pair(&c, fds);
    say(fds[1], "250-mail.example.com Hello\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n"
                "250-AUTH PLAIN LOGIN XOAUTH2 FOO\r\n250-AUTH=LOGIN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
                "250-8BITMIME\r\n250 SMTPUTF8\r\n");
    sd_smtp_reply r;
    const char *why = NULL;
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), 0);
    CHECK_INT(r.code, 250);
    CHECK_INT(r.lines.len, 9);
    sd_smtp_caps caps;
    sd_smtp_parse_caps(&r, &caps);
    CHECK(caps.starttls && caps.pipelining && caps.eightbitmime && caps.smtputf8 && caps.enhancedstatuscodes);
    CHECK_INT(caps.size_limit, 35882577);
    CHECK_INT(caps.auth, SD_AUTH_PLAIN | SD_AUTH_LOGIN | SD_AUTH_XOAUTH2);
    CHECK_INT(caps.auth_names.len, 4);
    sd_smtp_caps_clear(&caps);
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);
}

static void test_enhanced_codes(void)
{
    sd_conn c;
    int fds[2];
    open_pair(&c, fds);
    say(fds[1], "534-5.7.9 Application-specific password required. Learn more at\r\n"
                "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp\r\n"
                "421 Service not available\r\n");
    sd_smtp_reply r;
    const char *why;
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), 0);
    CHECK_INT(r.code, 534);
    CHECK_STR(r.enhanced, "5.7.9");
    CHECK(strstr(r.text, "Application-specific password required") != NULL);
    sd_smtp_reply_clear(&r);
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), 0);
    CHECK_INT(r.code, 421);
    CHECK_STR(r.enhanced, "");
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);
}

static void test_bad_replies(void)
{
    sd_conn c;
    int fds[2];
    sd_smtp_reply r;
    const char *why = NULL;
    open_pair(&c, fds);
    say(fds[1], "HTTP/1.1 400 Bad Request\r\n");
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), -1);
    CHECK_STR(sd_smtp_foreign_protocol(r.first_line), "HTTP");
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);

    open_pair(&c, fds);
    say(fds[1], "250-first\r\n251 mixed codes\r\n");
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), -1);
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);

    /* an endless multi-line reply stops at the line limit */
    open_pair(&c, fds);
    char endless[3001] = "";
    for (int i = 0; i < 300; i++)
        strcat(endless, "250-more\r\n");
    say(fds[1], endless);
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), -1);
    CHECK(strstr(why, "256 lines") != NULL);
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);

    /* a line with no end stops at the size limit */
    open_pair(&c, fds);
    char big[5000];
    memset(big, 'x', sizeof big);
    CHECK(write(fds[1], big, sizeof big) > 0);
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), -1);
    CHECK(strstr(why, "longer than") != NULL);
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);

    /* silence ends at the timeout */
    open_pair(&c, fds);
    c.timeout_ms = 100;
    CHECK_INT(sd_smtp_read_reply(&c, &r, &why), -1);
    CHECK(strstr(why, "timed out") != NULL);
    sd_smtp_reply_clear(&r);
    close(fds[1]);
    sd_conn_close(&c);
}

static void test_foreign_protocols(void)
{
    CHECK_STR(sd_smtp_foreign_protocol("* OK [CAPABILITY IMAP4rev1] Dovecot ready."), "IMAP");
    CHECK_STR(sd_smtp_foreign_protocol("+OK POP3 ready"), "POP3");
    CHECK_STR(sd_smtp_foreign_protocol("SSH-2.0-OpenSSH_9.2"), "SSH");
    CHECK(sd_smtp_foreign_protocol("220 mail.example.com ESMTP") == NULL);
}

/* Out of file descriptors (-j too high for 'ulimit -n'): a connection
 * says so, instead of "error" or "no route to the host". */
static void test_no_descriptors_is_said(void)
{
    struct rlimit saved, low;
    CHECK_INT(getrlimit(RLIMIT_NOFILE, &saved), 0);
    int fill[64], n = 0;
    int probe = open("/dev/null", O_RDONLY);
    CHECK(probe >= 0);
    low = saved;
    low.rlim_cur = (rlim_t)probe + 32;       /* a little room above what is open now */
    close(probe);
    CHECK_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
    while (n < 64 && (fill[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    sd_strlist addresses = {0};
    sd_strlist_add(&addresses, "127.0.0.1");
    sd_conn c;
    sd_conn_init(&c);
    sd_tcp_attempt attempts[SD_MAX_ATTEMPTS];
    size_t count = 0;
    sd_tcp_status st = sd_conn_open(&c, &addresses, 9, 500, attempts, &count);
    while (n > 0)
        close(fill[--n]);
    setrlimit(RLIMIT_NOFILE, &saved);
    CHECK_INT(st, SD_TCP_NO_DESCRIPTORS);
    CHECK_STR(sd_tcp_status_code(st), "no_descriptors");
    CHECK(strstr(sd_tcp_status_words(st), "file descriptor") != NULL);
    sd_conn_close(&c);
    sd_strlist_free(&addresses);
}

TEST_LIST(smtp_tests) = {
    {"smtp: running out of file descriptors is said", test_no_descriptors_is_said},
    {"smtp: multi-line EHLO and capabilities", test_multiline_reply},
    {"smtp: enhanced status codes", test_enhanced_codes},
    {"smtp: malformed, endless and silent replies", test_bad_replies},
    {"smtp: other protocols are recognised", test_foreign_protocols},
    {NULL, NULL},
};
