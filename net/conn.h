/* SPDX-License-Identifier: MIT */
/* A TCP connection, optionally with TLS on it, where every operation is
 * bounded by a deadline and every read by a size limit. Connecting tries all
 * addresses of a host at once and classifies each failure (refused, timeout,
 * unreachable, reset), because the diagnosis needs to know which it was. */
#ifndef SD_NET_CONN_H
#define SD_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/finding.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "net/tls.h"

typedef enum sd_tcp_status {
    SD_TCP_OK = 0,
    SD_TCP_REFUSED,
    SD_TCP_TIMEOUT,
    SD_TCP_UNREACHABLE,
    SD_TCP_RESET,
    SD_TCP_ERROR,
    SD_TCP_NOT_TRIED,        /* another address connected first */
    SD_TCP_NO_DESCRIPTORS,   /* this process (or system) has no file descriptor left */
} sd_tcp_status;

enum { SD_MAX_ATTEMPTS = 8, SD_MAX_LINE = 4096 };

typedef struct sd_tcp_attempt {
    char address[64];
    sd_tcp_status status;
    int64_t elapsed_ms;
} sd_tcp_attempt;

typedef struct sd_conn {
    int fd;
    SSL *ssl;                /* non-NULL once TLS is up */
    sd_buf in;               /* bytes read but not yet consumed */
    int timeout_ms;          /* for each read or write step */
    char peer[64];           /* the address that answered */
    sd_strlist *transcript;  /* optional: every line sent and received */
    bool closed_by_peer;
    bool reset_by_peer;
    int cancel_fd;           /* when >= 0 and readable, every wait ends at once */
    bool cancelled;
    int64_t run_deadline;    /* when > 0: no step waits past it (sd_now_ms() time) */
    bool run_expired;        /* a wait ended at the run deadline, not its step's */
} sd_conn;

/* An empty connection: no socket (fd -1, as 0 is a real descriptor, which
 * is why "= {0}" will not do), no TLS, no cancel descriptor. What every
 * sd_conn starts as; sd_conn_close on it does nothing. */
void sd_conn_init(sd_conn *c);

/* Connects to the first address that answers; fills attempts (one per
 * address, at most SD_MAX_ATTEMPTS). Returns the overall status. c is
 * (re)initialised first, keeping only its cancel_fd and run_deadline, so it
 * must hold no open connection; after a failure it has no socket and needs
 * no close. */
sd_tcp_status sd_conn_open(sd_conn *c, const sd_strlist *addresses, int port, int timeout_ms,
                           sd_tcp_attempt *attempts, size_t *attempt_count);
/* Ends TLS (sends close_notify, waits for no answer), closes the socket
 * and frees the read buffer; fd is -1 after, so a second close does
 * nothing. c owns neither cancel_fd nor transcript: both stay. */
void sd_conn_close(sd_conn *c);

/* Reads one line (without CRLF) into a new string, by the deadline (an
 * sd_now_ms() time). Returns 0, or -1 on timeout, close, reset or a line
 * longer than SD_MAX_LINE (see *why). *line is the caller's to free, NULL
 * after a failure. Every *why in this module (and in smtp.h, auth.h and
 * send.h) is a static sentence, never freed. */
int sd_conn_read_line(sd_conn *c, char **line, int64_t deadline, const char **why);
/* Waits, reading nothing, until the peer has sent something (or closed),
 * or until the deadline: 1 it spoke, 0 it stayed silent, -1 cancelled or
 * failed. How a client listens before it decides to speak first. */
int sd_conn_wait_readable(sd_conn *c, int64_t deadline);
/* Sends all of buf. */
int sd_conn_write(sd_conn *c, const char *buf, size_t len, const char **why);

/* Starts TLS as a client on the open connection. Fails with
 * SD_TLS_INJECTED when unread bytes are already buffered: nothing read in
 * plain text may ever be taken as said inside TLS. info is the caller's
 * (sd_tls_info_clear), filled on success and failure alike (outcome,
 * error); on success the connection owns the SSL, on failure there is
 * none. */
int sd_conn_start_tls(sd_conn *c, SSL_CTX *ctx, const char *sni_host, sd_tls_info *info);

/* The words for a status, from one table (static strings): */
const char *sd_tcp_status_code(sd_tcp_status s);     /* contract name: "refused", "timeout", ... */
sd_finding sd_tcp_status_finding(sd_tcp_status s);  /* SD_F_TCP_REFUSED, ... */
const char *sd_tcp_status_words(sd_tcp_status s);    /* for people: "no answer (timed out)", ... */

#endif
