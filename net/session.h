/* SPDX-License-Identifier: MIT */
/* An SMTP session up to the point where AUTH or MAIL could follow: TCP to
 * every address, implicit TLS or the plaintext greeting, EHLO, STARTTLS and
 * EHLO again. It records what each step showed and names the first failure
 * with its finding code, so the same session serves discovery's probes, the
 * diagnosis, AUTH and the test send.
 *
 * The client speaks first (a TLS ClientHello at once) only when the settings
 * say SSL/TLS outright (speak_first). Everywhere else a plaintext greeting is
 * possible, so it listens first: any byte from the server settles it as
 * plaintext, and only a measured silence earns a ClientHello, which finds a
 * port that wants TLS from the first byte. Speaking before the greeting is
 * what Postfix logs as "improper command pipelining" and "non-SMTP command",
 * and what fail2ban-style filters count against the client's address.
 *
 * With mode SD_SEC_UNKNOWN the session finds out what the port does. */
#ifndef SD_NET_SESSION_H
#define SD_NET_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/finding.h"
#include "common/model.h"
#include "net/conn.h"
#include "net/smtp.h"
#include "net/tls.h"

/* How long a port that may greet in plain text must stay silent, past the
 * connect, before the client sends a TLS ClientHello on it. On port 465 that
 * is all it waits: the port is assigned to TLS from the first byte (RFC
 * 8314), so silence there soon means a server waiting for the client. 1.5 s
 * is several round trips even on a slow link, so a plaintext server's 220 has
 * come long before (Postfix, Exim and sendmail greet at once unless told to
 * pause), and is short enough that "your settings say STARTTLS, port 465
 * wants SSL/TLS" still shows within two seconds. On other ports a silent
 * server pausing on purpose (sendmail's greet_pause, Exim's connect delay) is
 * far likelier than one wanting TLS, so the client listens for the whole
 * greeting timeout there, and never for less than this. */
enum { SD_TLS_SILENCE_MS = 1500 };

/* Told the step a session (or a diagnosis) begins: "connecting", "TLS
 * handshake"... A static string; called on the session's thread. */
typedef void (*sd_step_hook)(void *arg, const char *step);

typedef struct sd_session_request {
    const char *host;             /* for SNI, the certificate check and messages */
    const sd_strlist *addresses;  /* already resolved */
    int port;
    sd_security mode;             /* what the settings say; UNKNOWN: find out */
    bool speak_first;             /* with mode TLS: the settings say SSL/TLS outright (the
                                     user typed it, or a source named the server so), and
                                     the ClientHello goes at once. Otherwise the client
                                     listens first, also with mode TLS (an inferred TLS) */
    int timeout_ms;               /* for each step */
    SSL_CTX *tls_ctx;
    bool keep_transcript;
    const int *cancel_fd;         /* optional: readable means give up at once */
    int64_t run_deadline;         /* optional (sd_now_ms() time): no step waits past it, and
                                     conn.run_expired then says the run's deadline ended it */
    void (*on_connected)(void *arg);  /* optional: called once TCP is up */
    void *on_connected_arg;
    sd_step_hook on_step;         /* optional: told each step as it begins, for a progress line */
    void *on_step_arg;
} sd_session_request;

typedef struct sd_session {
    sd_conn conn;
    sd_tcp_status tcp;
    sd_tcp_attempt attempts[SD_MAX_ATTEMPTS];
    size_t attempt_count;
    sd_security detected;         /* what the port turned out to do; UNKNOWN if not seen */
    sd_finding failure;           /* of the first failure; SD_F_NONE when ready */
    char *detail;                 /* one sentence on the failure */
    sd_smtp_reply greeting;
    sd_smtp_reply last_reply;     /* the reply that failed, when a reply failed */
    sd_smtp_caps caps;            /* the EHLO that counts (after STARTTLS when used) */
    bool starttls_offered;        /* in the plaintext EHLO */
    bool tls_attempted;
    sd_tls_info tls;
    sd_strlist transcript;
    bool ready;                   /* the session got through EHLO (and stays so after close) */
    int64_t elapsed_ms;
    sd_step_hook on_step;         /* from the request; sd_session_move keeps it */
    void *on_step_arg;
} sd_session;

/* Runs the session; returns 0 when ready, -1 with s->failure set. req and
 * what it points to are only borrowed during the call (the cancel pipe
 * must stay open for the session's life). *s is always initialised and the caller's: after a
 * failure it holds what was seen (attempts, greeting, TLS, transcript,
 * failure and detail) and may still hold an open connection, so it ends
 * with sd_session_free either way. failure is a static string. */
int sd_session_open(const sd_session_request *req, sd_session *s);
/* Says QUIT (when the session is up) and closes; what the session
 * recorded stays until sd_session_free. */
void sd_session_close(sd_session *s);
/* Closes and frees everything the session holds, leaving it empty (as
 * sd_session_move leaves `from`); freeing it again does nothing. */
void sd_session_free(sd_session *s);
/* Hands a session (its connection and everything it holds) from one owner
 * to another; `from` is left empty, as if never opened. *to must hold
 * nothing: it is overwritten, not freed. */
void sd_session_move(sd_session *to, sd_session *from);

#endif
