/* SPDX-License-Identifier: MIT */
#include "net/send.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "net/header.h"

const char *sd_send_stage_name(sd_send_stage s)
{
    switch (s) {
    case SD_SEND_MAIL: return "MAIL FROM";
    case SD_SEND_RCPT: return "RCPT TO";
    case SD_SEND_DATA: return "DATA";
    default: return "done";
    }
}

static bool non_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

static void rfc5322_date(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* Appends text with CRLF line ends, doubling a leading dot (RFC 5321 4.5.2). */
static void append_stuffed(sd_buf *out, const char *text)
{
    bool line_start = true;
    for (const char *p = text; *p; p++) {
        if (*p == '\r')
            continue;
        if (line_start && *p == '.')
            sd_buf_puts(out, ".");
        if (*p == '\n') {
            sd_buf_puts(out, "\r\n");
            line_start = true;
        } else {
            sd_buf_append(out, p, 1);
            line_start = false;
        }
    }
    if (!line_start)
        sd_buf_puts(out, "\r\n");
}

char *sd_message_build(const sd_message_spec *m, const char *domain)
{
    char date[64];
    rfc5322_date(date, sizeof date);
    unsigned char rnd[12];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        memset(rnd, 0x5a, sizeof rnd);
    sd_buf id = {0};
    for (size_t i = 0; i < sizeof rnd; i++)
        sd_buf_printf(&id, "%02x", rnd[i]);
    sd_buf head = {0};
    sd_buf_printf(&head, "Date: %s\nFrom: <%s>\nTo: <%s>\n", date, m->from, m->to);
    if (m->reply_to)
        sd_buf_printf(&head, "Reply-To: <%s>\n", m->reply_to);
    char *subject = sd_header_field("Subject", m->subject);
    sd_buf_printf(&head, "%sMessage-ID: <%s.smtpdoctor@%s>\nMIME-Version: 1.0\n"
                         "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
                         "X-Mailer: smtpdoctor\n\n%s",
                  subject, id.data, domain ? domain : "smtpdoctor.invalid", m->body);
    free(subject);
    sd_buf out = {0};
    append_stuffed(&out, head.data);
    sd_buf_puts(&out, ".\r\n");
    sd_buf_free(&head);
    sd_buf_free(&id);
    return sd_buf_take(&out);
}

void sd_test_message_texts(const char *host, int port, sd_security security, const char *username,
                           char **subject, char **body)
{
    /* The test message is in English whatever the person's language: its
     * reader may be someone else, and its headers are ASCII. */
    *subject = sd_xasprintf("smtpdoctor test: %s port %d with %s", host, port, sd_security_label_english(security));
    *body = sd_xasprintf("This message was sent by smtpdoctor to test these settings:\n\n"
                         "  SMTP server  %s\n  Port         %d\n  Encryption   %s\n  Username     %s\n\n"
                         "If you can read it, sending with these settings works.\n",
                         host, port, sd_security_label_english(security), username ? username : "(none)");
}

char *sd_queue_id(const char *text)
{
    if (!text)
        return NULL;
    const char *p = strstr(text, "queued as ");
    size_t skip = 10;
    if (!p) {
        p = strstr(text, "id=");
        skip = 3;
    }
    if (!p)
        return NULL;
    p += skip;
    size_t n = 0;
    while (p[n] && !isspace((unsigned char)p[n]) && p[n] != ';' && p[n] != ',' && n < 128)
        n++;
    return n ? sd_xstrndup(p, n) : NULL;
}

static int step(sd_conn *c, const char *cmd, sd_smtp_reply *r, const char **why)
{
    sd_smtp_reply_clear(r);
    return sd_smtp_command(c, cmd, NULL, r, why);
}

/* MAIL FROM, RCPT TO for each recipient, DATA and the message. */
static int transaction(sd_conn *c, const sd_smtp_caps *caps, const sd_message_spec *m, bool utf8,
                       const char *message, sd_send_result *res, const char **why)
{
    char *cmd = sd_xasprintf("MAIL FROM:<%s>%s%s", m->from, utf8 ? " SMTPUTF8" : "",
                             caps->eightbitmime ? " BODY=8BITMIME" : "");
    int rc = step(c, cmd, &res->reply, why);
    free(cmd);
    if (rc < 0 || res->reply.code != 250)
        return rc;
    res->stage = SD_SEND_RCPT;
    const char *rcpts[2] = {m->to, m->bcc};
    for (int i = 0; i < 2; i++) {
        if (!rcpts[i])
            continue;
        cmd = sd_xasprintf("RCPT TO:<%s>", rcpts[i]);
        rc = step(c, cmd, &res->reply, why);
        free(cmd);
        if (rc < 0)
            return rc;
        if (res->reply.code != 250 && res->reply.code != 251) {
            res->recipient = sd_xstrdup(rcpts[i]);
            return 0;
        }
    }
    res->stage = SD_SEND_DATA;
    if (step(c, "DATA", &res->reply, why) < 0 || res->reply.code != 354)
        return res->reply.code ? 0 : -1;
    if (c->transcript)
        sd_strlist_add(c->transcript, "C: <the message>");
    rc = sd_conn_write(c, message, strlen(message), why);
    sd_smtp_reply_clear(&res->reply);
    if (rc < 0 || sd_smtp_read_reply(c, &res->reply, why) < 0)
        return -1;
    if (res->reply.code == 250) {
        res->stage = SD_SEND_DONE;
        res->queue_id = sd_queue_id(res->reply.text);
    }
    return 0;
}

int sd_send_message(sd_conn *c, const sd_smtp_caps *caps, const sd_message_spec *m, sd_send_result *res,
                    const char **why)
{
    memset(res, 0, sizeof *res);
    bool utf8 = non_ascii(m->from) || non_ascii(m->to) || non_ascii(m->bcc);
    res->stage = SD_SEND_MAIL;
    if (utf8 && !caps->smtputf8) {
        res->needs_smtputf8 = true;
        *why = "an address needs SMTPUTF8, which the server does not offer";
        return -1;
    }
    /* Built first, so that its size is known before anything is sent: a
     * server that announced a smaller SIZE would only refuse it at the end. */
    const char *at = strrchr(m->from, '@');
    char *message = sd_message_build(m, at ? at + 1 : NULL);
    res->message_size = strlen(message);
    int rc = 0;
    if (caps->size_advertised && caps->size_limit > 0 && res->message_size > (size_t)caps->size_limit)
        res->over_size_limit = true;
    else
        rc = transaction(c, caps, m, utf8, message, res, why);
    free(message);
    return rc;
}

void sd_send_result_clear(sd_send_result *r)
{
    sd_smtp_reply_clear(&r->reply);
    free(r->recipient);
    free(r->queue_id);
    memset(r, 0, sizeof *r);
}
