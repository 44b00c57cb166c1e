/* SPDX-License-Identifier: MIT */
#include "net/smtp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/model.h"
#include "common/strbuf.h"

void sd_smtp_reply_clear(sd_smtp_reply *r)
{
    sd_strlist_free(&r->lines);
    free(r->text);
    free(r->first_line);
    memset(r, 0, sizeof *r);
}

/* "250-text", "250 text" or a bare "250". */
static bool reply_line(const char *line, int *code, bool *last, const char **text)
{
    if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
        !isdigit((unsigned char)line[2]))
        return false;
    if (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
        return false;
    *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    *last = line[3] != '-';
    *text = line[3] ? line + 4 : line + 3;
    return *code >= 200 && *code <= 599;
}

/* "5.7.8 text" -> "5.7.8" (RFC 3463: class.subject.detail) */
void sd_smtp_enhanced_code(const char *text, char out[16])
{
    out[0] = '\0';
    if (!(text[0] == '2' || text[0] == '4' || text[0] == '5') || text[1] != '.')
        return;
    size_t i = 2, dots = 1;
    while (i < 15 && (isdigit((unsigned char)text[i]) || text[i] == '.')) {
        if (text[i] == '.')
            dots++;
        i++;
    }
    if (dots == 2 && (text[i] == ' ' || text[i] == '\0') && isdigit((unsigned char)text[i - 1])) {
        memcpy(out, text, i);
        out[i] = '\0';
    }
}

int sd_smtp_read_reply(sd_conn *c, sd_smtp_reply *r, const char **why)
{
    memset(r, 0, sizeof *r);
    sd_buf joined = {.limit = 64 * 1024};
    /* One deadline for the whole reply: a server that trickles bytes or
     * lines cannot stretch it. */
    int64_t deadline = sd_now_ms() + c->timeout_ms;
    for (;;) {
        char *line = NULL;
        if (sd_conn_read_line(c, &line, deadline, why) < 0) {
            sd_buf_free(&joined);
            r->malformed = c->in.len >= SD_MAX_LINE;
            return -1;
        }
        if (!r->first_line)
            r->first_line = sd_xstrdup(line);
        int code = 0;
        bool last = true;
        const char *text = NULL;
        if (!reply_line(line, &code, &last, &text) || (r->code && code != r->code)) {
            free(line);
            sd_buf_free(&joined);
            r->code = 0;
            r->malformed = true;
            *why = "the server sent something that is not an SMTP reply";
            return -1;
        }
        r->code = code;
        if (r->lines.len == 0)
            sd_smtp_enhanced_code(text, r->enhanced);
        sd_strlist_add(&r->lines, text);
        if (joined.len)
            sd_buf_puts(&joined, " ");
        sd_buf_puts(&joined, text);
        free(line);
        if (last)
            break;
        if (r->lines.len >= SD_SMTP_MAX_REPLY_LINES) {
            sd_buf_free(&joined);
            r->malformed = true;
            *why = "the server sent a reply of more than 256 lines";
            return -1;
        }
    }
    r->text = sd_buf_take(&joined);
    return 0;
}

int sd_smtp_command(sd_conn *c, const char *command, const char *shown, sd_smtp_reply *r,
                    const char **why)
{
    memset(r, 0, sizeof *r);
    if (c->transcript)
        sd_strlist_add_owned(c->transcript, sd_xasprintf("C: %s", shown ? shown : command));
    char *line = sd_xasprintf("%s\r\n", command);
    int rc = sd_conn_write(c, line, strlen(line), why);
    if (shown)      /* a command shown redacted carries a secret: wipe the copy */
        OPENSSL_cleanse(line, strlen(line));
    free(line);
    if (rc < 0)
        return -1;
    return sd_smtp_read_reply(c, r, why);
}

void sd_smtp_parse_caps(const sd_smtp_reply *ehlo, sd_smtp_caps *caps)
{
    memset(caps, 0, sizeof *caps);
    /* The first line is the server's name; capabilities follow. */
    for (size_t i = 1; i < ehlo->lines.len; i++) {
        char *copy = sd_xstrdup(ehlo->lines.items[i]), *save = NULL;
        char *keyword = strtok_r(copy, " =", &save);
        if (!keyword) {
            free(copy);
            continue;
        }
        if (sd_str_ieq(keyword, "STARTTLS"))
            caps->starttls = true;
        else if (sd_str_ieq(keyword, "PIPELINING"))
            caps->pipelining = true;
        else if (sd_str_ieq(keyword, "8BITMIME"))
            caps->eightbitmime = true;
        else if (sd_str_ieq(keyword, "SMTPUTF8"))
            caps->smtputf8 = true;
        else if (sd_str_ieq(keyword, "ENHANCEDSTATUSCODES"))
            caps->enhancedstatuscodes = true;
        else if (sd_str_ieq(keyword, "CHUNKING"))
            caps->chunking = true;
        else if (sd_str_ieq(keyword, "DSN"))
            caps->dsn = true;
        else if (sd_str_ieq(keyword, "SIZE")) {
            caps->size_advertised = true;
            char *n = strtok_r(NULL, " ", &save);
            caps->size_limit = n ? strtol(n, NULL, 10) : 0;
        } else if (sd_str_ieq(keyword, "AUTH")) {
            /* "AUTH PLAIN LOGIN" and the old "AUTH=PLAIN LOGIN" */
            for (char *m = strtok_r(NULL, " =", &save); m; m = strtok_r(NULL, " =", &save)) {
                caps->auth |= sd_auth_parse(m);
                if (!sd_strlist_contains_i(&caps->auth_names, m) && caps->auth_names.len < 32) {
                    sd_str_lower(m);
                    for (char *p = m; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
                    sd_strlist_add(&caps->auth_names, m);
                }
            }
        }
        free(copy);
    }
}

void sd_smtp_caps_clear(sd_smtp_caps *caps)
{
    sd_strlist_free(&caps->auth_names);
    memset(caps, 0, sizeof *caps);
}

const char *sd_smtp_foreign_protocol(const char *line)
{
    if (!line)
        return NULL;
    if (strncmp(line, "HTTP/", 5) == 0 || strncmp(line, "<!DOCTYPE", 9) == 0 ||
        strncmp(line, "<html", 5) == 0)
        return "HTTP";
    if (strncmp(line, "* OK", 4) == 0 || strncmp(line, "* PREAUTH", 9) == 0 || strncmp(line, "* BYE", 5) == 0)
        return "IMAP";
    if (strncmp(line, "+OK", 3) == 0 || strncmp(line, "-ERR", 4) == 0)
        return "POP3";
    if (strncmp(line, "SSH-", 4) == 0)
        return "SSH";
    return NULL;
}

char *sd_smtp_ehlo_name(const sd_conn *c)
{
    char host[256];
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        if (strchr(host, '.'))
            return sd_xstrdup(host);
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char addr[INET6_ADDRSTRLEN] = "127.0.0.1";
    if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof addr);
            return sd_xasprintf("[IPv6:%s]", addr);
        }
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof addr);
    }
    return sd_xasprintf("[%s]", addr);
}
