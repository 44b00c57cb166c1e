/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "net/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Each status once: its contract name, the finding of a connection that
 * ended so, and how the diagnosis says it. ERROR and NOT_TRIED have no
 * finding of their own: a host that could not be reached. */
static const struct {
    const char *code;
    sd_finding finding;
    const char *words;
} tcp_statuses[] = {
    [SD_TCP_OK] = {"ok", SD_F_TCP_OK, N_("connected")},
    [SD_TCP_REFUSED] = {"refused", SD_F_TCP_REFUSED, N_("refused")},
    [SD_TCP_TIMEOUT] = {"timeout", SD_F_TCP_TIMEOUT, N_("no answer (timed out)")},
    [SD_TCP_UNREACHABLE] = {"unreachable", SD_F_TCP_UNREACHABLE, N_("no route to the host")},
    [SD_TCP_RESET] = {"reset", SD_F_TCP_RESET, N_("reset")},
    [SD_TCP_ERROR] = {"error", SD_F_TCP_UNREACHABLE, N_("no route to the host")},
    [SD_TCP_NOT_TRIED] = {"not_tried", SD_F_TCP_UNREACHABLE, N_("no route to the host")},
    [SD_TCP_NO_DESCRIPTORS] = {"no_descriptors", SD_F_TCP_UNREACHABLE,
                               N_("not tried: this computer has no file descriptor left for another connection "
                               "(run fewer at once with -j, or raise 'ulimit -n')")},
};

static size_t tcp_status_index(sd_tcp_status s)
{
    return (size_t)s < sizeof tcp_statuses / sizeof *tcp_statuses ? (size_t)s : SD_TCP_ERROR;
}

const char *sd_tcp_status_code(sd_tcp_status s)
{
    return tcp_statuses[tcp_status_index(s)].code;
}

sd_finding sd_tcp_status_finding(sd_tcp_status s)
{
    return tcp_statuses[tcp_status_index(s)].finding;
}

const char *sd_tcp_status_words(sd_tcp_status s)
{
    return _(tcp_statuses[tcp_status_index(s)].words);
}

static sd_tcp_status status_from_errno(int e)
{
    switch (e) {
    case ECONNREFUSED: return SD_TCP_REFUSED;
    case ETIMEDOUT: return SD_TCP_TIMEOUT;
    case ENETUNREACH: case EHOSTUNREACH: case EADDRNOTAVAIL: case EAFNOSUPPORT: case ENETDOWN:
        return SD_TCP_UNREACHABLE;
    case ECONNRESET: return SD_TCP_RESET;
    case EMFILE: case ENFILE: return SD_TCP_NO_DESCRIPTORS;
    default: return SD_TCP_ERROR;
    }
}

static int start_connect(const char *address, int port, sd_tcp_status *status)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof *v6;
    } else {
        *status = SD_TCP_ERROR;
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *status = status_from_errno(errno);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
        *status = status_from_errno(errno);
        close(fd);
        return -1;
    }
    *status = SD_TCP_TIMEOUT;      /* until it connects or fails */
    return fd;
}

/* The overall verdict when no address connected: the most telling one. */
static sd_tcp_status overall(const sd_tcp_attempt *a, size_t n)
{
    static const sd_tcp_status order[] = {SD_TCP_NO_DESCRIPTORS, SD_TCP_RESET, SD_TCP_TIMEOUT, SD_TCP_REFUSED,
                                          SD_TCP_UNREACHABLE, SD_TCP_ERROR};
    for (size_t o = 0; o < sizeof order / sizeof *order; o++)
        for (size_t i = 0; i < n; i++)
            if (a[i].status == order[o])
                return order[o];
    return SD_TCP_ERROR;
}

void sd_conn_init(sd_conn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->cancel_fd = -1;
}

sd_tcp_status sd_conn_open(sd_conn *c, const sd_strlist *addresses, int port, int timeout_ms,
                           sd_tcp_attempt *attempts, size_t *attempt_count)
{
    int cancel_fd = c->cancel_fd;
    int64_t run_deadline = c->run_deadline;
    sd_conn_init(c);
    c->cancel_fd = cancel_fd;
    c->run_deadline = run_deadline;
    c->timeout_ms = timeout_ms;
    c->in.limit = 2 * SD_MAX_LINE;
    size_t n = addresses->len < SD_MAX_ATTEMPTS ? addresses->len : SD_MAX_ATTEMPTS;
    *attempt_count = n;
    if (n == 0)
        return SD_TCP_ERROR;
    struct pollfd fds[SD_MAX_ATTEMPTS];
    int64_t start = sd_now_ms(), deadline = start + timeout_ms;
    bool by_run = run_deadline > 0 && run_deadline < deadline;
    if (by_run)
        deadline = run_deadline;
    if (by_run && deadline <= start) {       /* the run is over: no packet goes out */
        c->run_expired = true;
        for (size_t i = 0; i < n; i++) {
            snprintf(attempts[i].address, sizeof attempts[i].address, "%s", addresses->items[i]);
            attempts[i].status = SD_TCP_TIMEOUT;
            attempts[i].elapsed_ms = 0;
        }
        return SD_TCP_TIMEOUT;
    }
    size_t open_count = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(attempts[i].address, sizeof attempts[i].address, "%s", addresses->items[i]);
        fds[i].fd = start_connect(addresses->items[i], port, &attempts[i].status);
        fds[i].events = POLLOUT;
        attempts[i].elapsed_ms = 0;
        if (fds[i].fd >= 0)
            open_count++;
    }
    int winner = -1;
    while (open_count > 0 && winner < 0) {
        int64_t left = deadline - sd_now_ms();
        if (left <= 0) {
            c->run_expired = by_run;
            break;
        }
        struct pollfd cancel = {.fd = c->cancel_fd, .events = POLLIN};
        if (c->cancel_fd >= 0 && poll(&cancel, 1, 0) > 0) {
            c->cancelled = true;
            break;
        }
        int rc = poll(fds, (nfds_t)n, (int)(left > 100 && c->cancel_fd >= 0 ? 100 : left));
        if (rc < 0 && errno != EINTR)
            break;
        for (size_t i = 0; i < n && rc > 0; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            attempts[i].elapsed_ms = sd_now_ms() - start;
            if (soerr == 0) {
                attempts[i].status = SD_TCP_OK;
                winner = (int)i;
                break;
            }
            attempts[i].status = status_from_errno(soerr);
            close(fds[i].fd);
            fds[i].fd = -1;
            open_count--;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fds[i].fd < 0 || (int)i == winner)
            continue;
        close(fds[i].fd);
        if (winner >= 0)
            attempts[i].status = SD_TCP_NOT_TRIED;
        else
            attempts[i].elapsed_ms = sd_now_ms() - start;
    }
    if (winner < 0)
        return overall(attempts, n);
    c->fd = fds[winner].fd;
    snprintf(c->peer, sizeof c->peer, "%s", attempts[winner].address);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return SD_TCP_OK;
}

void sd_conn_close(sd_conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    sd_buf_free(&c->in);
}

/* Waits for fd, or for the connection's cancel descriptor: 1 ready, 0
 * deadline, -1 error or cancelled. */
static int wait_conn(sd_conn *c, short events, int64_t deadline)
{
    bool by_run = c->run_deadline > 0 && c->run_deadline < deadline;
    if (by_run)
        deadline = c->run_deadline;
    for (;;) {
        int64_t left = deadline - sd_now_ms();
        if (left <= 0) {
            c->run_expired = c->run_expired || by_run;
            return 0;
        }
        struct pollfd p[2] = {{.fd = c->fd, .events = events}, {.fd = c->cancel_fd, .events = POLLIN}};
        int rc = poll(p, c->cancel_fd >= 0 ? 2 : 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc > 0 && c->cancel_fd >= 0 && p[1].revents) {
            c->cancelled = true;
            return -1;
        }
        if (rc == 0)
            continue;           /* the time is up: said above, with which deadline it was */
        return rc < 0 ? -1 : rc;
    }
}

/* Reads what is there into c->in. 1 got bytes, 0 timeout, -1 closed/error. */
static int fill(sd_conn *c, int64_t deadline, const char **why)
{
    char buf[4096];
    for (;;) {
        if (c->ssl) {
            ERR_clear_error();
            int n = SSL_read(c->ssl, buf, sizeof buf);
            if (n > 0) {
                sd_buf_append(&c->in, buf, (size_t)n);
                return 1;
            }
            int e = SSL_get_error(c->ssl, n);
            short ev = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                if (e == SSL_ERROR_SYSCALL && errno == ECONNRESET)
                    c->reset_by_peer = true;
                c->closed_by_peer = true;
                *why = c->reset_by_peer ? _("the connection was reset") : _("the server closed the connection");
                return -1;
            }
            int w = wait_conn(c, ev, deadline);
            if (w <= 0) {
                *why = _("timed out waiting for the server");
                return w == 0 ? 0 : -1;
            }
        } else {
            ssize_t n = recv(c->fd, buf, sizeof buf, 0);
            if (n > 0) {
                sd_buf_append(&c->in, buf, (size_t)n);
                return 1;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                c->reset_by_peer = n < 0 && errno == ECONNRESET;
                c->closed_by_peer = true;
                *why = c->reset_by_peer ? _("the connection was reset") : _("the server closed the connection");
                return -1;
            }
            int w = wait_conn(c, POLLIN, deadline);
            if (w <= 0) {
                *why = _("timed out waiting for the server");
                return w == 0 ? 0 : -1;
            }
        }
    }
}

int sd_conn_read_line(sd_conn *c, char **line, int64_t deadline, const char **why)
{
    *line = NULL;
    for (;;) {
        char *nl = c->in.data ? memchr(c->in.data, '\n', c->in.len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - c->in.data);
            size_t keep = n > 0 && c->in.data[n - 1] == '\r' ? n - 1 : n;
            *line = sd_xstrndup(c->in.data, keep);
            sd_buf_consume(&c->in, n + 1);
            if (c->transcript)
                sd_strlist_add_owned(c->transcript, sd_xasprintf("S: %s", *line));
            return 0;
        }
        if (c->in.len >= SD_MAX_LINE) {
            *why = _("the server sent a line longer than 4096 bytes");
            return -1;
        }
        int rc = fill(c, deadline, why);
        if (rc <= 0)
            return -1;
    }
}

int sd_conn_wait_readable(sd_conn *c, int64_t deadline)
{
    if (c->in.len > 0)
        return 1;
    return wait_conn(c, POLLIN, deadline);
}

int sd_conn_write(sd_conn *c, const char *buf, size_t len, const char **why)
{
    int64_t deadline = sd_now_ms() + c->timeout_ms;
    size_t done = 0;
    while (done < len) {
        ssize_t n;
        short ev = POLLOUT;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_write(c->ssl, buf + done, (int)(len - done));
            if (r > 0) {
                done += (size_t)r;
                continue;
            }
            int e = SSL_get_error(c->ssl, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                *why = _("the connection broke while sending");
                return -1;
            }
            ev = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        } else {
            n = send(c->fd, buf + done, len - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                c->reset_by_peer = errno == ECONNRESET || errno == EPIPE;
                *why = _("the connection broke while sending");
                return -1;
            }
        }
        if (wait_conn(c, ev, deadline) <= 0) {
            *why = _("timed out sending to the server");
            return -1;
        }
    }
    return 0;
}

/* Reads the plain text a non-TLS peer sent back, for the report. */
static char *read_plaintext_reply(sd_conn *c)
{
    char buf[512];
    ssize_t n = recv(c->fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *end = strpbrk(buf, "\r\n");
    if (end)
        *end = '\0';
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return sd_xstrdup(buf);
}

static bool is_version_failure(unsigned long e)
{
    int reason = ERR_GET_REASON(e);
    return reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
           reason == SSL_R_NO_PROTOCOLS_AVAILABLE || reason == SSL_R_VERSION_TOO_LOW;
}

static int tls_fail(sd_tls_info *info, sd_tls_outcome outcome, const char *msg)
{
    info->outcome = outcome;
    free(info->error);
    info->error = sd_xstrdup(msg);
    return -1;
}

/* Watches the first bytes the peer sends before OpenSSL reads them: when
 * they are not a TLS record (a "220" greeting, an HTTP reply), the read is
 * refused, so the text stays in the socket for us to show. Doing this inside
 * OpenSSL's own read leaves no moment in which it could swallow them first. */
typedef struct first_read_watch {
    int fd;
    bool checked;
    bool plaintext;
} first_read_watch;

static long watch_first_read(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
                             int ret, size_t *processed)
{
    (void)argp;
    (void)len;
    (void)argi;
    (void)argl;
    (void)processed;
    first_read_watch *w = (first_read_watch *)BIO_get_callback_arg(b);
    if (oper != BIO_CB_READ || w->checked)
        return ret;
    unsigned char first;
    ssize_t n = recv(w->fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        /* Nothing yet. OpenSSL must not read now: bytes arriving between
         * this peek and its read would be consumed unseen, and the next
         * peek would look at the middle of a record. Say "try again". */
        BIO_set_retry_read(b);
        return -1;
    }
    if (n != 1)
        return ret;                        /* closed or failed: let the read say so */
    w->checked = true;
    if (first >= 0x14 && first <= 0x17)    /* change_cipher_spec, alert, handshake, data */
        return ret;
    w->plaintext = true;
    return -1;
}

int sd_conn_start_tls(sd_conn *c, SSL_CTX *ctx, const char *sni_host, sd_tls_info *info)
{
    /* Bytes already read past the reply that let TLS start came before the
     * handshake, in plain text: whoever sent them (a man in the middle can)
     * would have them read as the first answers inside TLS. */
    if (c->in.len > 0)
        return tls_fail(info, SD_TLS_INJECTED, _("plain text came after the server's 220 reply to STARTTLS, "
                                               "before the TLS handshake"));
    SSL *ssl = sd_tls_new_session(ctx, sni_host, info);
    if (!ssl)
        return tls_fail(info, SD_TLS_FAILED, _("cannot create a TLS session"));
    SSL_set_fd(ssl, c->fd);
    first_read_watch watch = {.fd = c->fd};
    BIO *rbio = SSL_get_rbio(ssl);
    BIO_set_callback_arg(rbio, (char *)&watch);
    BIO_set_callback_ex(rbio, watch_first_read);
    int64_t deadline = sd_now_ms() + c->timeout_ms;
    int rc = 0;
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(ssl);
        if (r == 1)
            break;
        int e = SSL_get_error(ssl, r);
        if (watch.plaintext) {
            info->plaintext_reply = read_plaintext_reply(c);
            rc = tls_fail(info, SD_TLS_PLAINTEXT_REPLY, _("the server answered the TLS ClientHello in plain text"));
            break;
        }
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            int w = wait_conn(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
            if (w <= 0) {
                rc = tls_fail(info, SD_TLS_TIMEOUT, watch.checked ? _("the TLS handshake timed out")
                                                                  : _("no answer to the TLS ClientHello"));
                break;
            }
            continue;
        }
        unsigned long err = ERR_peek_error();
        char msg[256];
        if (err) {
            const char *reason = ERR_reason_error_string(err);
            snprintf(msg, sizeof msg, _("the TLS handshake failed: %s"), reason ? reason : _("unknown error"));
        } else {
            snprintf(msg, sizeof msg, _("the server closed the connection during the TLS handshake"));
        }
        rc = tls_fail(info, is_version_failure(err) ? SD_TLS_VERSION : err ? SD_TLS_FAILED : SD_TLS_CLOSED, msg);
        break;
    }
    BIO_set_callback_ex(rbio, NULL);
    if (rc < 0) {
        SSL_free(ssl);
        return -1;
    }
    c->ssl = ssl;
    info->outcome = SD_TLS_OK;
    sd_tls_describe(ssl, sni_host, info);
    return 0;
}
