/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "net/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "net/tls.h"
#include "net/trust.h"

struct sd_http {
    CURLM *multi;
    sd_resolver *resolver;
    char *ca_file;
    int timeout_ms;
    size_t pending;
    struct fetch *transfers;      /* fetches whose transfer is under way */
};

typedef struct fetch {
    sd_http *h;
    char *url;                    /* the current hop */
    char *post_body, *content_type;
    sd_http_callback cb;
    void *arg;
    int64_t started;
    int64_t hop_started;          /* when the current hop's connection began */
    int redirects;
    bool all_https;
    CURL *easy;
    struct curl_slist *resolve, *headers;
    sd_buf body;
    char errbuf[CURL_ERROR_SIZE];
    struct fetch *next;           /* in h->transfers */
} fetch;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

sd_http *sd_http_new(sd_resolver *resolver, const char *ca_file, int timeout_ms, sd_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    sd_http *h = sd_xcalloc(1, sizeof *h);
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h);
        sd_fail(err, "cannot set up libcurl");
        return NULL;
    }
    h->resolver = resolver;
    h->ca_file = sd_xstrdup(ca_file);
    h->timeout_ms = timeout_ms;
    return h;
}

/* curl's CURLOPT_SSL_CTX_FUNCTION: puts the shared trust store into the
 * context curl made for a transfer. */
static CURLcode use_shared_trust(CURL *curl, void *ssl_ctx, void *arg)
{
    (void)curl;
    const sd_http *h = arg;
    sd_error err;
    X509_STORE *store = sd_tls_trust_store(h->ca_file, &err);
    if (!store)
        return CURLE_SSL_CACERT_BADFILE;
    SSL_CTX_set_cert_store((SSL_CTX *)ssl_ctx, store);     /* takes our reference */
    /* the record buffers of a connection waiting on the network are let go */
    SSL_CTX_set_mode((SSL_CTX *)ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
    return CURLE_OK;
}

static void fetch_free(fetch *f)
{
    if (f->easy) {
        curl_multi_remove_handle(f->h->multi, f->easy);
        curl_easy_cleanup(f->easy);
    }
    curl_slist_free_all(f->resolve);
    curl_slist_free_all(f->headers);
    sd_buf_free(&f->body);
    free(f->url);
    free(f->post_body);
    free(f->content_type);
    free(f);
}

void sd_http_free(sd_http *h)
{
    if (!h)
        return;
    while (h->transfers) {
        fetch *f = h->transfers;
        h->transfers = f->next;
        fetch_free(f);
    }
    curl_multi_cleanup(h->multi);
    free(h->ca_file);
    free(h);
}

static void finish(fetch *f, long status, const char *error)
{
    sd_http_result r = {
        .status = status,
        .body = f->body.data,
        .body_len = f->body.len,
        .final_url = f->url,
        .all_https = f->all_https,
        .redirects = f->redirects,
        .error = error,
        .elapsed_ms = sd_now_ms() - f->started,
    };
    f->h->pending--;
    f->cb(f->arg, &r);
    fetch_free(f);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    fetch *f = arg;
    if (sd_buf_append(&f->body, data, size * nmemb) < 0)
        return 0;                 /* too large: curl aborts the transfer */
    return size * nmemb;
}

static void unlink_transfer(fetch *f)
{
    for (fetch **p = &f->h->transfers; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            return;
        }
    }
}

/* Splits a URL into scheme, host and port with curl's URL parser. */
static int url_parts(const char *url, char **scheme, char **host, long *port)
{
    CURLU *u = curl_url();
    int rc = -1;
    char *s = NULL, *hn = NULL, *p = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &hn, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        *scheme = sd_xstrdup(s);
        *host = sd_xstrdup(hn);
        *port = strtol(p, NULL, 10);
        rc = 0;
    }
    curl_free(s);
    curl_free(hn);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

static void start_hop(fetch *f);

static void start_transfer(fetch *f, const char *host, long port, const sd_strlist *addrs)
{
    sd_buf entry = {0};
    /* The host as curl will see it in the URL: IPv6 literals in brackets. */
    sd_buf_printf(&entry, "%s:%ld:", host, port);
    for (size_t i = 0; i < addrs->len; i++)
        sd_buf_printf(&entry, strchr(addrs->items[i], ':') ? "%s[%s]" : "%s%s", i ? "," : "",
                      addrs->items[i]);
    f->resolve = curl_slist_append(NULL, entry.data);
    sd_buf_free(&entry);

    int64_t left = f->h->timeout_ms - (sd_now_ms() - f->started);
    f->hop_started = sd_now_ms();
    CURL *e = curl_easy_init();
    f->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, f->url);
    curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(left > 1 ? left : 1));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE, (long)SD_HTTP_MAX_BODY);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_PRIVATE, f);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    /* One request per server: a connection kept for reuse would only hold
     * its TLS state until the end of the discovery. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    /* Documents are a few KiB and requests smaller: curl's buffers of 16 KiB
     * to receive and 64 KiB to send (allocated for a GET too) are more than
     * they need, per transfer, times every transfer of a batch. The upload
     * buffer cannot be made smaller than 16 KiB. */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    /* curl reads no CA file of its own: its TLS context gets the process's
     * shared trust store (the system's plus --ca-file), read only once. */
    curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, use_shared_trust);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, f->h);
    if (f->post_body) {
        char *header = sd_xasprintf("Content-Type: %s", f->content_type ? f->content_type : "text/xml");
        f->headers = curl_slist_append(NULL, header);
        free(header);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, f->post_body);
    }
    f->next = f->h->transfers;
    f->h->transfers = f;
    curl_multi_add_handle(f->h->multi, e);
}

typedef struct hop_lookup {
    fetch *f;
    char *host;
    long port;
} hop_lookup;

static void on_hop_resolved(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    hop_lookup *l = arg;
    fetch *f = l->f;
    if (ans->status != SD_DNS_OK) {
        char *msg = sd_xasprintf("%s: %s", l->host, sd_dns_status_text(ans->status));
        finish(f, 0, msg);
        free(msg);
    } else {
        start_transfer(f, l->host, l->port, &ans->addresses);
    }
    free(l->host);
    free(l);
}

static void start_hop(fetch *f)
{
    char *scheme = NULL, *host = NULL;
    long port = 0;
    if (url_parts(f->url, &scheme, &host, &port) < 0) {
        finish(f, 0, "the URL cannot be read");
        return;
    }
    if (!sd_str_ieq(scheme, "https"))
        f->all_https = false;
    hop_lookup *l = sd_xcalloc(1, sizeof *l);
    l->f = f;
    l->host = host;
    l->port = port;
    free(scheme);
    sd_buf_reset(&f->body);
    sd_resolver_lookup_host(f->h->resolver, host, on_hop_resolved, l);
}

static void start_fetch(sd_http *h, const char *url, const char *body, const char *ctype,
                        sd_http_callback cb, void *arg)
{
    fetch *f = sd_xcalloc(1, sizeof *f);
    f->h = h;
    f->url = sd_xstrdup(url);
    f->post_body = sd_xstrdup(body);
    f->content_type = sd_xstrdup(ctype);
    f->cb = cb;
    f->arg = arg;
    f->started = sd_now_ms();
    f->all_https = true;
    f->body.limit = SD_HTTP_MAX_BODY;
    h->pending++;
    start_hop(f);
}

void sd_http_get(sd_http *h, const char *url, sd_http_callback cb, void *arg)
{
    start_fetch(h, url, NULL, NULL, cb, arg);
}

void sd_http_post(sd_http *h, const char *url, const char *body, const char *content_type,
                  sd_http_callback cb, void *arg)
{
    start_fetch(h, url, body, content_type, cb, arg);
}

/* A transfer ended: follow a redirect, or report. */
static void on_done(fetch *f, CURLcode code)
{
    long status = 0;
    char *location = NULL;
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK) {
        const char *why = f->body.overflowed || code == CURLE_FILESIZE_EXCEEDED ? "the response is larger than 1 MiB"
                        : f->errbuf[0] ? f->errbuf : curl_easy_strerror(code);
        char *msg = sd_xstrdup(why);
        unlink_transfer(f);
        finish(f, 0, msg);
        free(msg);
        return;
    }
    if (status >= 300 && status < 400) {
        curl_easy_getinfo(f->easy, CURLINFO_REDIRECT_URL, &location);
        char *next = sd_xstrdup(location);
        unlink_transfer(f);
        curl_multi_remove_handle(f->h->multi, f->easy);
        curl_easy_cleanup(f->easy);
        f->easy = NULL;
        curl_slist_free_all(f->resolve);
        f->resolve = NULL;
        curl_slist_free_all(f->headers);
        f->headers = NULL;
        bool was_https = strncmp(f->url, "https:", 6) == 0;
        if (!next) {
            finish(f, status, "a redirect without a Location");
        } else if (++f->redirects > SD_HTTP_MAX_REDIRECTS) {
            finish(f, 0, "too many redirects");
        } else if (was_https && strncmp(next, "https:", 6) != 0) {
            finish(f, 0, "a redirect from https to http was refused");
        } else {
            free(f->url);
            f->url = next;
            next = NULL;
            start_hop(f);
        }
        free(next);
        return;
    }
    unlink_transfer(f);
    finish(f, status, NULL);
}

static void read_completions(sd_http *h)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        fetch *f = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        on_done(f, msg->data.result);
    }
}

/* Whether the transfer's connection is still not up after `ms`. */
static bool unconnected_for(fetch *f, int64_t now, int64_t ms)
{
    curl_off_t connected = 0;
    if (!f->easy || now - f->hop_started < ms)
        return false;
    curl_easy_getinfo(f->easy, CURLINFO_CONNECT_TIME_T, &connected);
    return connected == 0;
}

size_t sd_http_cut_unconnected(sd_http *h, int64_t ms, const char *why)
{
    size_t cut = 0;
    for (;;) {
        int64_t now = sd_now_ms();
        fetch *f = h->transfers;
        while (f && !unconnected_for(f, now, ms))
            f = f->next;
        if (!f)
            return cut;
        /* its callback may start other fetches: look again from the start */
        unlink_transfer(f);
        finish(f, 0, why);
        cut++;
    }
}

enum { MAX_DNS_FDS = 16, TICK_MS = 200 };

void sd_http_run(sd_http *h, int64_t deadline_ms, void (*tick)(void *arg), void *tick_arg)
{
    struct pollfd pfds[MAX_DNS_FDS];
    struct curl_waitfd wfds[MAX_DNS_FDS];
    while (h->pending > 0 || sd_resolver_pending(h->resolver) > 0) {
        int64_t left = deadline_ms - sd_now_ms();
        if (left <= 0)
            break;
        size_t n = sd_resolver_pollfds(h->resolver, pfds, MAX_DNS_FDS);
        for (size_t i = 0; i < n; i++) {
            wfds[i].fd = pfds[i].fd;
            wfds[i].events = (short)((pfds[i].events & POLLIN ? CURL_WAIT_POLLIN : 0) |
                                     (pfds[i].events & POLLOUT ? CURL_WAIT_POLLOUT : 0));
            wfds[i].revents = 0;
        }
        int cap = tick ? TICK_MS : 500;
        int wait = sd_resolver_timeout_ms(h->resolver, (int)(left > cap ? cap : left));
        long curl_wait = -1;
        curl_multi_timeout(h->multi, &curl_wait);
        if (curl_wait >= 0 && curl_wait < wait)
            wait = (int)curl_wait;
        curl_multi_poll(h->multi, wfds, (unsigned)n, wait, NULL);
        for (size_t i = 0; i < n; i++)
            pfds[i].revents = (short)((wfds[i].revents & CURL_WAIT_POLLIN ? POLLIN : 0) |
                                      (wfds[i].revents & CURL_WAIT_POLLOUT ? POLLOUT : 0));
        sd_resolver_process(h->resolver, pfds, n);
        int running = 0;
        curl_multi_perform(h->multi, &running);
        read_completions(h);
        if (tick)
            tick(tick_arg);
    }
    /* The deadline: whatever is left ends now, as a timeout. */
    sd_resolver_cancel(h->resolver);
    while (h->transfers) {
        fetch *f = h->transfers;
        h->transfers = f->next;
        finish(f, 0, "timed out");
    }
}
