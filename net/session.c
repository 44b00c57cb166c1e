/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "net/session.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static void step(const sd_session *s, const char *what)
{
    if (s->on_step)
        s->on_step(s->on_step_arg, what);
}

static int fail(sd_session *s, sd_finding code, char *detail_owned)
{
    s->failure = code;
    free(s->detail);
    s->detail = detail_owned;
    return -1;
}

/* Connects; `again` for a second connection of the same session, which
 * the caller's on_connected has already heard about. */
static int connect_tcp(const sd_session_request *req, sd_session *s, bool again)
{
    step(s, N_("connecting"));
    s->tcp = sd_conn_open(&s->conn, req->addresses, req->port, req->timeout_ms, s->attempts,
                          &s->attempt_count);
    if (req->keep_transcript)
        s->conn.transcript = &s->transcript;
    if (s->tcp == SD_TCP_OK) {
        if (req->on_connected && !again)
            req->on_connected(req->on_connected_arg);
        return 0;
    }
    return fail(s, sd_tcp_status_finding(s->tcp),
                sd_xasprintf(_("connecting to %s port %d: %s"), req->host, req->port, sd_tcp_status_code(s->tcp)));
}

/* A failed try that the session goes on from (a handshake answered in
 * plain text) is no failure of the session. */
static void forget_failure(sd_session *s)
{
    s->failure = SD_F_NONE;
    free(s->detail);
    s->detail = NULL;
}

/* Classifies a greeting that did not come as "220". */
static int bad_greeting(sd_session *s, const char *why)
{
    const char *first = s->greeting.first_line;
    const char *foreign = sd_smtp_foreign_protocol(first);
    if (foreign)
        return fail(s, SD_F_SMTP_NOT_SMTP, sd_xasprintf(_("a %s server answers on this port, not SMTP"), foreign));
    if (s->greeting.malformed && !first)
        return fail(s, SD_F_SMTP_NOT_SMTP, sd_xasprintf(_("the server does not speak SMTP: %s"), why));
    if (s->greeting.code >= 400)
        return fail(s, SD_F_SMTP_REJECTED, sd_xasprintf(_("the server refused the session: %d %s"),
                                                     s->greeting.code, s->greeting.text));
    if (s->conn.reset_by_peer)
        return fail(s, SD_F_TCP_RESET, sd_xstrdup(_("the connection was reset before the greeting")));
    if (first || s->conn.closed_by_peer)
        return fail(s, first ? SD_F_SMTP_NOT_SMTP : SD_F_SMTP_NO_GREETING,
                    first ? sd_xasprintf(_("the server sent something that is not SMTP: %.80s"), first)
                          : sd_xstrdup(_("the server closed the connection without a greeting")));
    return fail(s, SD_F_SMTP_NO_GREETING, sd_xasprintf(_("no SMTP greeting: %s"), why));
}

static int read_greeting(sd_session *s)
{
    step(s, N_("waiting for the greeting"));
    const char *why = NULL;
    if (sd_smtp_read_reply(&s->conn, &s->greeting, &why) < 0 || s->greeting.code != 220)
        return bad_greeting(s, why ? why : "unexpected reply");
    return 0;
}

static int ehlo(sd_session *s)
{
    step(s, "EHLO");
    char *name = sd_smtp_ehlo_name(&s->conn);
    char *cmd = sd_xasprintf("EHLO %s", name);
    free(name);
    const char *why = NULL;
    sd_smtp_reply_clear(&s->last_reply);
    int rc = sd_smtp_command(&s->conn, cmd, NULL, &s->last_reply, &why);
    free(cmd);
    if (rc < 0)
        return fail(s, s->conn.reset_by_peer ? SD_F_TCP_RESET
                       : s->last_reply.malformed ? SD_F_SMTP_NOT_SMTP : SD_F_SMTP_REJECTED,
                    sd_xasprintf(_("EHLO got no proper answer: %s"), why));
    if (s->last_reply.code != 250)
        return fail(s, SD_F_SMTP_REJECTED, sd_xasprintf(_("the server refused EHLO: %d %s"),
                                                     s->last_reply.code, s->last_reply.text));
    sd_smtp_caps_clear(&s->caps);
    sd_smtp_parse_caps(&s->last_reply, &s->caps);
    return 0;
}

static sd_finding tls_failure_code(const sd_tls_info *t)
{
    return t->outcome == SD_TLS_VERSION ? SD_F_TLS_VERSION_TOO_OLD : SD_F_TLS_HANDSHAKE_FAILED;
}

static int start_tls(const sd_session_request *req, sd_session *s)
{
    step(s, N_("TLS handshake"));
    s->tls_attempted = true;
    sd_tls_info_clear(&s->tls);
    if (sd_conn_start_tls(&s->conn, req->tls_ctx, req->host, &s->tls) == 0)
        return 0;
    return fail(s, tls_failure_code(&s->tls), sd_xstrdup(s->tls.error));
}

/* After "220" to STARTTLS the next bytes must be the server's TLS
 * handshake. Plain text there, already buffered or arriving first, is
 * injected: the session ends, because a plaintext attacker could choose
 * what the client reads as the answers inside TLS. */
static int start_tls_after_starttls(const sd_session_request *req, sd_session *s)
{
    if (start_tls(req, s) == 0)
        return 0;
    if (s->tls.outcome == SD_TLS_INJECTED || s->tls.outcome == SD_TLS_PLAINTEXT_REPLY) {
        s->tls.outcome = SD_TLS_INJECTED;
        return fail(s, SD_F_TLS_STARTTLS_INJECTED,
                    sd_xasprintf(_("%s port %d sent plain text after its 220 reply to STARTTLS, before the TLS "
                                 "handshake"), req->host, req->port));
    }
    return -1;
}

/* After the greeting: EHLO, and STARTTLS when wanted and offered. */
static int plaintext_dialogue(const sd_session_request *req, sd_session *s, sd_security want)
{
    if (ehlo(s) < 0)
        return -1;
    s->starttls_offered = s->caps.starttls;
    if (want == SD_SEC_PLAIN || (want == SD_SEC_UNKNOWN && !s->caps.starttls)) {
        s->detected = s->caps.starttls ? SD_SEC_STARTTLS : SD_SEC_PLAIN;
        return 0;
    }
    if (!s->caps.starttls) {
        s->detected = SD_SEC_PLAIN;
        return fail(s, SD_F_TLS_STARTTLS_UNAVAILABLE,
                    sd_xasprintf(_("%s port %d does not offer STARTTLS"), req->host, req->port));
    }
    s->detected = SD_SEC_STARTTLS;
    const char *why = NULL;
    sd_smtp_reply_clear(&s->last_reply);
    if (sd_smtp_command(&s->conn, "STARTTLS", NULL, &s->last_reply, &why) < 0)
        return fail(s, SD_F_TLS_HANDSHAKE_FAILED, sd_xasprintf(_("STARTTLS got no answer: %s"), why));
    if (s->last_reply.code != 220)
        return fail(s, SD_F_TLS_STARTTLS_UNAVAILABLE, sd_xasprintf(_("the server refused STARTTLS: %d %s"),
                                                                s->last_reply.code, s->last_reply.text));
    if (start_tls_after_starttls(req, s) < 0)
        return -1;
    return ehlo(s);
}

/* The settings say SSL/TLS, and the port greeted in plain text: the
 * plaintext EHLO shows whether STARTTLS is on offer, for the remedy. */
static char *greeting_timeout(const sd_session_request *req)
{
    int seconds = (req->timeout_ms + 999) / 1000;
    return sd_xasprintf(P_("no SMTP greeting within %d second", "no SMTP greeting within %d seconds",
                           (unsigned long)seconds), seconds);
}

static int starttls_expected(const sd_session_request *req, sd_session *s, bool greeted)
{
    if (greeted)
        plaintext_dialogue(req, s, SD_SEC_PLAIN);
    return fail(s, SD_F_TLS_STARTTLS_EXPECTED,
                sd_xasprintf(s->detected == SD_SEC_STARTTLS
                                 ? _("%s port %d greets in plain text (with STARTTLS) instead of starting TLS")
                             : s->detected == SD_SEC_PLAIN
                                 ? _("%s port %d greets in plain text (without TLS) instead of starting TLS")
                                 : _("%s port %d greets in plain text instead of starting TLS"),
                             req->host, req->port));
}

/* The server spoke first, so its greeting decides: a plaintext port. */
static int open_plaintext(const sd_session_request *req, sd_session *s)
{
    if (read_greeting(s) < 0)
        return -1;
    if (req->mode == SD_SEC_TLS)
        return starttls_expected(req, s, true);
    return plaintext_dialogue(req, s, req->mode);
}

/* The settings say SSL/TLS outright: the ClientHello goes first. */
static int open_implicit(const sd_session_request *req, sd_session *s)
{
    if (start_tls(req, s) == 0) {
        s->detected = SD_SEC_TLS;
        if (read_greeting(s) < 0 || ehlo(s) < 0)
            return -1;
        return 0;
    }
    if (s->tls.outcome != SD_TLS_PLAINTEXT_REPLY)
        return -1;
    /* The port greets in plain text. */
    const char *foreign = sd_smtp_foreign_protocol(s->tls.plaintext_reply);
    if (foreign)
        return fail(s, SD_F_SMTP_NOT_SMTP, sd_xasprintf(_("a %s server answers on this port, not SMTP"), foreign));
    if (!s->tls.plaintext_reply || strncmp(s->tls.plaintext_reply, "220", 3) != 0) {
        if (s->tls.plaintext_reply && strncmp(s->tls.plaintext_reply, "4", 1) != 0 &&
            strncmp(s->tls.plaintext_reply, "5", 1) != 0)
            return fail(s, SD_F_SMTP_NOT_SMTP, sd_xasprintf(_("the server sent something that is not SMTP: %.80s"),
                                                         s->tls.plaintext_reply));
    }
    /* A new connection in plain text shows whether STARTTLS is on offer. */
    sd_conn_close(&s->conn);
    sd_tls_info_clear(&s->tls);
    s->tls_attempted = false;
    forget_failure(s);
    bool greeted = connect_tcp(req, s, true) == 0 && read_greeting(s) == 0;
    return starttls_expected(req, s, greeted);
}

/* Port 465 is the port assigned to SMTP with TLS from the first byte. */
static bool tls_first_port(int port)
{
    return sd_port_security(SD_PROTO_SMTP, port) == SD_SEC_TLS;
}

/* How long the client listens before a ClientHello may follow (see
 * SD_TLS_SILENCE_MS). */
static int silence_ms(const sd_session_request *req)
{
    if (tls_first_port(req->port) || req->timeout_ms < SD_TLS_SILENCE_MS)
        return SD_TLS_SILENCE_MS;
    return req->timeout_ms;
}

static bool looks_like_smtp_reply(const char *line)
{
    return line && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' &&
           line[2] >= '0' && line[2] <= '9';
}

/* Plain text answered the ClientHello sent after the silence: the server
 * greets in plain text, only later than the client listened (a greeting
 * paused on purpose), or waits for the client to speak first in another
 * protocol (HTTP does). Either way not a port that wants TLS. */
static int answered_in_plaintext(const sd_session_request *req, sd_session *s, int64_t listened_ms)
{
    char *reply = sd_xstrdup(s->tls.plaintext_reply);
    sd_tls_info_clear(&s->tls);
    s->tls_attempted = false;
    forget_failure(s);
    const char *foreign = sd_smtp_foreign_protocol(reply);
    int rc;
    if (foreign) {
        rc = fail(s, SD_F_SMTP_NOT_SMTP,
                  sd_xasprintf(_("a %s server answers on this port, not SMTP (it said \"%.60s\")"), foreign, reply));
    } else if (reply && !looks_like_smtp_reply(reply)) {
        rc = fail(s, SD_F_SMTP_NOT_SMTP, sd_xasprintf(_("the server sent something that is not SMTP: %.80s"), reply));
    } else if (listened_ms >= req->timeout_ms) {
        rc = fail(s, SD_F_SMTP_NO_GREETING,
                  greeting_timeout(req));
    } else {
        /* A slow plaintext greeting: a new connection that only listens,
         * for the whole greeting timeout, sends it nothing before its 220. */
        sd_conn_close(&s->conn);
        rc = connect_tcp(req, s, true) == 0 ? open_plaintext(req, s) : -1;
    }
    free(reply);
    return rc;
}

/* The port stayed silent for the measured time: a server that wants TLS
 * from the first byte waits like this for the client's ClientHello. */
static int hello_after_silence(const sd_session_request *req, sd_session *s, int64_t listened_ms)
{
    if (start_tls(req, s) == 0) {
        s->detected = SD_SEC_TLS;
        if (req->mode == SD_SEC_TLS || req->mode == SD_SEC_UNKNOWN)
            return read_greeting(s) == 0 ? ehlo(s) : -1;
        return fail(s, SD_F_TLS_IMPLICIT_EXPECTED,
                    sd_xasprintf(_("no plaintext greeting came, but a TLS handshake on port %d succeeded (%s)"),
                                 req->port, s->tls.version ? s->tls.version : "TLS"));
    }
    if (s->tls.outcome == SD_TLS_PLAINTEXT_REPLY)
        return answered_in_plaintext(req, s, listened_ms);
    if (req->mode == SD_SEC_TLS)
        return -1;                   /* the handshake's own failure, as when speaking first */
    sd_tls_info_clear(&s->tls);
    s->tls_attempted = false;
    return fail(s, SD_F_SMTP_NO_GREETING, greeting_timeout(req));
}

/* A plaintext greeting is possible: the client listens first. */
static int open_listening(const sd_session_request *req, sd_session *s)
{
    step(s, N_("waiting for the greeting"));
    int64_t start = sd_now_ms();
    if (sd_conn_wait_readable(&s->conn, start + silence_ms(req)) != 0)
        return open_plaintext(req, s);       /* it spoke or closed (or the wait was cancelled) */
    return hello_after_silence(req, s, sd_now_ms() - start);
}

int sd_session_open(const sd_session_request *req, sd_session *s)
{
    memset(s, 0, sizeof *s);
    sd_conn_init(&s->conn);
    if (req->cancel_fd)
        s->conn.cancel_fd = *req->cancel_fd;
    s->conn.run_deadline = req->run_deadline;
    s->on_step = req->on_step;
    s->on_step_arg = req->on_step_arg;
    int64_t start = sd_now_ms();
    int rc = connect_tcp(req, s, false);
    if (rc == 0)
        rc = req->mode == SD_SEC_TLS && req->speak_first ? open_implicit(req, s) : open_listening(req, s);
    s->ready = rc == 0;
    s->elapsed_ms = sd_now_ms() - start;
    return rc;
}

void sd_session_move(sd_session *to, sd_session *from)
{
    *to = *from;
    /* the transcript moved with the session: the connection writes there */
    if (from->conn.transcript == &from->transcript)
        to->conn.transcript = &to->transcript;
    memset(from, 0, sizeof *from);
    sd_conn_init(&from->conn);
}

void sd_session_close(sd_session *s)
{
    if (s->conn.fd >= 0 && s->ready && !s->conn.closed_by_peer) {
        sd_smtp_reply r;
        const char *why = NULL;
        int saved = s->conn.timeout_ms;
        s->conn.timeout_ms = saved < 2000 ? saved : 2000;     /* QUIT is a courtesy */
        if (sd_smtp_command(&s->conn, "QUIT", NULL, &r, &why) == 0)
            sd_smtp_reply_clear(&r);
        s->conn.timeout_ms = saved;
    }
    sd_conn_close(&s->conn);
}

void sd_session_free(sd_session *s)
{
    sd_session_close(s);
    free(s->detail);
    sd_smtp_reply_clear(&s->greeting);
    sd_smtp_reply_clear(&s->last_reply);
    sd_smtp_caps_clear(&s->caps);
    sd_tls_info_clear(&s->tls);
    sd_strlist_free(&s->transcript);
    memset(s, 0, sizeof *s);
    sd_conn_init(&s->conn);
}
