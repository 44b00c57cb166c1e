/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE          /* accept4, vasprintf */
#include "common/i18n.h"
#include "net/oauth2.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonread.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "net/auth.h"
#include "net/dns.h"
#include "net/http.h"

extern char **environ;

/* RFC 8628 3.5: without an interval the client waits 5 s; slow_down adds 5. */
enum { DEFAULT_INTERVAL_S = 5, SLOW_DOWN_S = 5, MAX_INTERVAL_S = 60 };
/* The browser's request to the loopback port, and a pasted URL. */
enum { MAX_REDIRECT_REQUEST = 8192, BROWSER_READ_MS = 5000 };
/* What is quoted of an identity provider's error_description. */
enum { MAX_DESCRIPTION = 200 };

void sd_oauth2_token_free(char *token)
{
    if (token)
        OPENSSL_cleanse(token, strlen(token));
    free(token);
}

/* Wipes a buffer that held secrets (a form, a response), then frees it. */
static void buf_wipe(sd_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->len);
    sd_buf_free(b);
}

static void tell(const sd_oauth2_request *req, const char *fmt, ...) SD_PRINTF(2, 3);

static void tell(const sd_oauth2_request *req, const char *fmt, ...)
{
    if (!req->tell)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *line = NULL;
    if (vasprintf(&line, fmt, ap) >= 0)
        req->tell(req->tell_arg, line);
    va_end(ap);
    free(line);
}

/* ---- forms and URLs --------------------------------------------------- */

/* application/x-www-form-urlencoded (and a URL's query): the unreserved
 * characters of RFC 3986 as they are, every other byte %XX. */
static void put_encoded(sd_buf *b, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            sd_buf_append(b, p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sd_buf_append(b, esc, 3);
        }
    }
}

static void form_add(sd_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    if (b->len)
        sd_buf_puts(b, "&");
    sd_buf_puts(b, name);
    sd_buf_puts(b, "=");
    put_encoded(b, value);
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *percent_decode(const char *s, size_t n)
{
    char *out = sd_xmalloc(n + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out[len++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out[len++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[len] = '\0';
    return out;
}

char *sd_oauth2_query_param(const char *url_or_query, const char *name)
{
    const char *q = strchr(url_or_query, '?');
    q = q ? q + 1 : url_or_query;
    size_t name_len = strlen(name);
    while (*q && *q != '#') {
        size_t len = strcspn(q, "&#");
        if (len > name_len && strncmp(q, name, name_len) == 0 && q[name_len] == '=')
            return percent_decode(q + name_len + 1, len - name_len - 1);
        q += len;
        if (*q == '&')
            q++;
    }
    return NULL;
}

/* base64url without padding (RFC 4648 5), as PKCE wants it. */
static char *base64url(const unsigned char *data, size_t len)
{
    char *s = sd_base64_encode(data, len);
    for (char *p = s; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
        else if (*p == '=')
            *p = '\0';
    }
    return s;
}

char *sd_oauth2_pkce_challenge(const char *verifier)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)verifier, strlen(verifier), digest);
    return base64url(digest, sizeof digest);
}

/* n random bytes in base64url: the PKCE verifier (32 bytes give the 43
 * characters RFC 7636 asks for at least) and the state. */
static char *random_word(size_t n, sd_error *err)
{
    unsigned char bytes[64];
    if (n > sizeof bytes || RAND_bytes(bytes, (int)n) != 1) {
        sd_fail(err, _("no random numbers for the sign-in"));
        return NULL;
    }
    char *w = base64url(bytes, n);
    OPENSSL_cleanse(bytes, sizeof bytes);
    return w;
}

/* ---- talking to the identity provider --------------------------------- */

typedef struct http_answer {
    bool done, all_https;
    long status;
    sd_buf body;               /* wiped when freed: it may hold the token */
    char *error;
} http_answer;

static void answer_clear(http_answer *a)
{
    buf_wipe(&a->body);
    free(a->error);
    memset(a, 0, sizeof *a);
}

static void on_answer(void *arg, const sd_http_result *res)
{
    http_answer *a = arg;
    a->done = true;
    a->status = res->status;
    a->all_https = res->all_https;
    if (res->body) {
        sd_buf_append(&a->body, res->body, res->body_len);
        /* the fetch's own copy goes now: it may hold the token */
        OPENSSL_cleanse((char *)res->body, res->body_len);
    }
    a->error = res->error ? sd_xstrdup(res->error) : NULL;
}

/* The host of an https URL, for messages (a new string). */
static char *url_host(const char *url)
{
    const char *h = strncmp(url, "https://", 8) == 0 ? url + 8 : url;
    return sd_xstrndup(h, strcspn(h, "/?#:"));
}

/* POSTs a form to an https endpoint and waits for the answer, at most one
 * request timeout. 0 when an HTTP answer came (any status), else -1. */
static int post_form(const sd_oauth2_request *req, const char *url, const sd_buf *form, http_answer *a,
                     sd_error *err)
{
    memset(a, 0, sizeof *a);
    a->body.limit = SD_HTTP_MAX_BODY;
    if (!url || strncmp(url, "https://", 8) != 0)
        return sd_fail(err, _("the identity provider's endpoint %s is not https: refused"), url ? url : "(none)");
    sd_resolver *resolver = sd_resolver_new(req->dns_servers, req->timeout_ms, err);
    if (!resolver)
        return -1;
    sd_http *h = sd_http_new(resolver, req->ca_file, req->timeout_ms, err);
    if (!h) {
        sd_resolver_free(resolver);
        return -1;
    }
    sd_http_post(h, url, form->data ? form->data : "", "application/x-www-form-urlencoded", on_answer, a);
    sd_http_run(h, sd_now_ms() + req->timeout_ms, NULL, NULL);
    sd_http_free(h);
    sd_resolver_free(resolver);
    char *host = url_host(url);
    int rc = 0;
    if (!a->done || a->status == 0)
        rc = sd_fail(err, _("the identity provider %s did not answer: %s"), host, a->error ? a->error : "timed out");
    else if (!a->all_https)
        rc = sd_fail(err, _("the identity provider %s redirected away from https: refused"), host);
    free(host);
    return rc;
}

/* The error code of an identity provider's answer ("authorization_pending"),
 * or NULL; *description gets its error_description, shortened. */
static char *answer_error(const http_answer *a, char **description)
{
    char *code = sd_json_member(a->body.data, "error");
    char *d = sd_json_member(a->body.data, "error_description");
    if (d && strlen(d) > MAX_DESCRIPTION)
        strcpy(d + MAX_DESCRIPTION - 3, "...");
    *description = d;
    return code;
}

/* One sentence for an error the flow cannot go on from. */
static void fail_with(const sd_oauth2_request *req, const char *code, const char *description, sd_error *err)
{
    const char *d = description ? description : "no description";
    if (strcmp(code, "access_denied") == 0 || strcmp(code, "authorization_declined") == 0)
        sd_fail(err, _("the sign-in was declined in the browser (%s), so there is no token: run again and approve "
                "it, or ask your administrator whether the app may be used"), code);
    else if (strcmp(code, "expired_token") == 0 || strcmp(code, "code_expired") == 0)
        sd_fail(err, _("the code expired before the sign-in was finished (%s): run again and sign in within the "
                "time shown"), code);
    else if (strcmp(code, "invalid_client") == 0)
        sd_fail(err, _("the identity provider does not accept client ID %s (invalid_client: %s): check "
                "--oauth2-client-id and the client secret; a Microsoft Entra app must allow public client flows, "
                "a Google client must be a Desktop client"), req->client_id, d);
    else if (strcmp(code, "unauthorized_client") == 0)
        sd_fail(err, _("client ID %s may not use this sign-in (unauthorized_client: %s): in Microsoft Entra turn "
                "\"Allow public client flows\" on; a Google client must be a Desktop client"), req->client_id, d);
    else if (strcmp(code, "invalid_scope") == 0)
        sd_fail(err, _("the identity provider refused the scope %s (invalid_scope: %s): add it to the app's "
                "permissions"), req->scope, d);
    else if (strcmp(code, "invalid_grant") == 0)
        sd_fail(err, _("the identity provider refused the sign-in's code (invalid_grant: %s): run again"), d);
    else
        sd_fail(err, _("the identity provider refused the sign-in (%s: %s)"), code, d);
}

/* The access token of a 200 answer, or NULL with err set. */
static char *token_of(const sd_oauth2_request *req, const http_answer *a, sd_error *err)
{
    char *token = a->status == 200 ? sd_json_member(a->body.data, "access_token") : NULL;
    if (token && *token && !strpbrk(token, " \t\r\n\001"))
        return token;
    sd_oauth2_token_free(token);
    char *description = NULL, *code = answer_error(a, &description);
    if (code)
        fail_with(req, code, description, err);
    else
        sd_fail(err, _("the identity provider's token endpoint answered HTTP %ld without an access token"), a->status);
    free(code);
    free(description);
    return NULL;
}

/* ---- the device authorization grant (RFC 8628) -------------------------- */

typedef struct device_grant {
    char *device_code, *user_code, *verification_uri;
    int64_t expires_ms;
    int interval_s;
} device_grant;

static void device_grant_clear(device_grant *g)
{
    sd_oauth2_token_free(g->device_code);
    free(g->user_code);
    free(g->verification_uri);
    memset(g, 0, sizeof *g);
}

static long number_member(const char *doc, const char *key, long fallback)
{
    char *v = sd_json_member(doc, key);
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : fallback;
    if (v && (end == v || n <= 0))
        n = fallback;
    free(v);
    return n;
}

static int request_device_code(const sd_oauth2_request *req, device_grant *g, sd_error *err)
{
    memset(g, 0, sizeof *g);
    sd_buf form = {0};
    form_add(&form, "client_id", req->client_id);
    form_add(&form, "scope", req->scope);
    http_answer a;
    int rc = post_form(req, req->device_url, &form, &a, err);
    buf_wipe(&form);
    if (rc == 0 && a.status != 200) {
        char *description = NULL, *code = answer_error(&a, &description);
        if (code)
            fail_with(req, code, description, err);
        else
            sd_fail(err, _("the identity provider's device endpoint answered HTTP %ld"), a.status);
        free(code);
        free(description);
        rc = -1;
    }
    if (rc == 0) {
        g->device_code = sd_json_member(a.body.data, "device_code");
        g->user_code = sd_json_member(a.body.data, "user_code");
        g->verification_uri = sd_json_member(a.body.data, "verification_uri");
        if (!g->verification_uri)            /* Google's older name */
            g->verification_uri = sd_json_member(a.body.data, "verification_url");
        g->expires_ms = number_member(a.body.data, "expires_in", 900) * 1000;
        g->interval_s = (int)number_member(a.body.data, "interval", DEFAULT_INTERVAL_S);
        if (g->interval_s > MAX_INTERVAL_S)
            g->interval_s = MAX_INTERVAL_S;
        if (!g->device_code || !g->user_code || !g->verification_uri) {
            rc = sd_fail(err, _("the identity provider's device endpoint answered without a device code, user "
                              "code and verification address"));
            device_grant_clear(g);
        }
    }
    answer_clear(&a);
    return rc;
}

static void sleep_s(int seconds)
{
    struct timespec ts = {.tv_sec = seconds};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

char *sd_oauth2_device_flow(const sd_oauth2_request *req, sd_error *err)
{
    device_grant g;
    if (request_device_code(req, &g, err) < 0)
        return NULL;
    int64_t limit = req->wait_limit_ms > 0 ? req->wait_limit_ms : SD_OAUTH2_WAIT_LIMIT_MS;
    if (g.expires_ms < limit)
        limit = g.expires_ms;
    int64_t deadline = sd_now_ms() + limit;
    tell(req, _("To sign in, open %s in a browser on any device and enter the code %s"), g.verification_uri,
         g.user_code);
    long long minutes = (long long)((limit + 59999) / 60000);
    tell(req, P_("(smtpdoctor waits up to %lld minute for it; Ctrl-C gives up)",
                 "(smtpdoctor waits up to %lld minutes for it; Ctrl-C gives up)", (unsigned long)minutes), minutes);
    char *token = NULL;
    for (;;) {
        if (sd_now_ms() + g.interval_s * 1000LL > deadline) {
            sd_fail(err, P_("the code expired before the sign-in was finished: run again and sign in within %lld "
                            "minute",
                            "the code expired before the sign-in was finished: run again and sign in within %lld "
                            "minutes", (unsigned long)minutes), minutes);
            break;
        }
        sleep_s(g.interval_s);
        sd_buf form = {0};
        form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:device_code");
        form_add(&form, "client_id", req->client_id);
        form_add(&form, "client_secret", req->client_secret);
        form_add(&form, "device_code", g.device_code);
        http_answer a;
        int rc = post_form(req, req->token_url, &form, &a, err);
        buf_wipe(&form);
        if (rc < 0) {
            answer_clear(&a);
            break;
        }
        char *description = NULL, *code = a.status == 200 ? NULL : answer_error(&a, &description);
        bool wait_more = code && (strcmp(code, "authorization_pending") == 0 || strcmp(code, "slow_down") == 0);
        if (code && strcmp(code, "slow_down") == 0 && g.interval_s < MAX_INTERVAL_S)
            g.interval_s += SLOW_DOWN_S;
        if (!wait_more)
            token = token_of(req, &a, err);
        free(code);
        free(description);
        answer_clear(&a);
        if (!wait_more)
            break;
    }
    device_grant_clear(&g);
    return token;
}

/* ---- the authorization code flow with PKCE and a loopback redirect ------ */

/* A listening socket on 127.0.0.1, on a port the system picks; -1 on failure. */
static int listen_loopback(int *port, sd_error *err)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        sd_fail(err, _("cannot listen on 127.0.0.1 for the browser's redirect: %s"), strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static char *authorization_url(const sd_oauth2_request *req, const char *redirect_uri, const char *state,
                               const char *challenge)
{
    sd_buf q = {0};
    form_add(&q, "response_type", "code");
    form_add(&q, "client_id", req->client_id);
    form_add(&q, "redirect_uri", redirect_uri);
    form_add(&q, "scope", req->scope);
    form_add(&q, "state", state);
    form_add(&q, "code_challenge", challenge);
    form_add(&q, "code_challenge_method", "S256");
    form_add(&q, "login_hint", req->login_hint);
    char *url = sd_xasprintf("%s%c%s", req->authorize_url, strchr(req->authorize_url, '?') ? '&' : '?', q.data);
    sd_buf_free(&q);
    return url;
}

/* xdg-open, where there is a desktop to open the URL on; its output goes
 * nowhere and it is not waited for. */
static pid_t open_in_browser(const char *url)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {"xdg-open", (char *)url, NULL};
    pid_t pid = -1;
    if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

/* The request line's target of the browser's request on fd, read within
 * BROWSER_READ_MS and MAX_REDIRECT_REQUEST bytes; a new string or NULL. */
static char *read_request_target(int fd)
{
    char buf[MAX_REDIRECT_REQUEST + 1];
    size_t len = 0;
    int64_t until = sd_now_ms() + BROWSER_READ_MS;
    while (len < MAX_REDIRECT_REQUEST && !memchr(buf, '\n', len)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = until - sd_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t got = read(fd, buf + len, MAX_REDIRECT_REQUEST - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    char *nl = strchr(buf, '\n');
    char *target = NULL;
    if (nl && strncmp(buf, "GET ", 4) == 0) {
        char *end = strchr(buf + 4, ' ');
        if (end && end < nl)
            target = sd_xstrndup(buf + 4, (size_t)(end - buf - 4));
    }
    OPENSSL_cleanse(buf, sizeof buf);      /* it held the code */
    return target;
}

static void answer_browser(int fd, int status, const char *text)
{
    char *page = sd_xasprintf("<!doctype html><meta charset=\"utf-8\"><title>smtpdoctor</title><p>%s</p>\n", text);
    dprintf(fd, "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n"
                "Connection: close\r\nCache-Control: no-store\r\n\r\n%s",
            status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request", strlen(page), page);
    free(page);
}

/* What came back from the sign-in: the code, or an error. */
typedef struct redirect_result {
    char *code;
    char *error, *description;
    bool wrong_state;
} redirect_result;

static void redirect_result_clear(redirect_result *r)
{
    sd_oauth2_token_free(r->code);
    free(r->error);
    free(r->description);
    memset(r, 0, sizeof *r);
}

/* Reads the parameters of a redirect. 0: not one (no state, code or
 * error: a favicon request, a stray line); 1: one, in *r. */
static int read_redirect(const char *target, const char *state, redirect_result *r)
{
    char *got_state = sd_oauth2_query_param(target, "state");
    char *code = sd_oauth2_query_param(target, "code");
    char *error = sd_oauth2_query_param(target, "error");
    if (!got_state && !code && !error) {
        sd_oauth2_token_free(code);
        return 0;
    }
    memset(r, 0, sizeof *r);
    /* the state binds the redirect to this run's request (RFC 6749 10.12):
     * a code under another state may be someone else's, meant to be used
     * in our name */
    if (!got_state || strcmp(got_state, state) != 0) {
        r->wrong_state = true;
        sd_oauth2_token_free(code);
        free(error);
    } else if (error) {
        r->error = error;
        r->description = sd_oauth2_query_param(target, "error_description");
        if (r->description && strlen(r->description) > MAX_DESCRIPTION)
            strcpy(r->description + MAX_DESCRIPTION - 3, "...");
        sd_oauth2_token_free(code);
    } else if (code && *code) {
        r->code = code;
    } else {
        sd_oauth2_token_free(code);
        r->error = sd_xstrdup("no_code");
    }
    free(got_state);
    return 1;
}

/* A line pasted on the terminal, a byte at a time so that nothing past it
 * is read; NULL at the end of the input. */
static char *read_pasted_line(int fd)
{
    char *line = sd_xmalloc(MAX_REDIRECT_REQUEST + 1);
    size_t len = 0;
    ssize_t got = 0;
    while (len < MAX_REDIRECT_REQUEST) {
        got = read(fd, line + len, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || line[len] == '\n')
            break;
        len++;
    }
    if (got <= 0 && len == 0) {
        free(line);
        return NULL;
    }
    line[len] = '\0';
    char *trimmed = sd_xstrdup(sd_str_trim(line));
    OPENSSL_cleanse(line, MAX_REDIRECT_REQUEST + 1);
    free(line);
    return trimmed;
}

/* Waits for the redirect on the listener, or a pasted URL, until deadline.
 * 0 with *r filled, or -1 with err set. */
static int wait_for_redirect(const sd_oauth2_request *req, int listener, const char *state, int64_t deadline,
                             redirect_result *r, sd_error *err)
{
    int paste_fd = req->paste_fd;
    for (;;) {
        int64_t left = deadline - sd_now_ms();
        if (left <= 0)
        {
            long long minutes = (long long)((req->wait_limit_ms > 0 ? req->wait_limit_ms : SD_OAUTH2_WAIT_LIMIT_MS) / 60000);
            return sd_fail(err, P_("the sign-in was not finished within %lld minute: run again",
                                   "the sign-in was not finished within %lld minutes: run again", (unsigned long)minutes),
                           minutes);
        }
        struct pollfd p[2] = {{.fd = listener, .events = POLLIN}, {.fd = paste_fd, .events = POLLIN}};
        int n = poll(p, paste_fd >= 0 ? 2 : 1, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno != EINTR)
            return sd_fail(err, _("waiting for the browser failed: %s"), strerror(errno));
        if (n > 0 && (p[0].revents & POLLIN)) {
            int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            char *target = read_request_target(fd);
            int got = target ? read_redirect(target, state, r) : 0;
            sd_oauth2_token_free(target);
            if (got == 0)
                answer_browser(fd, 404, _("Not the sign-in's address."));
            else if (r->wrong_state)
                answer_browser(fd, 400, _("Refused: this sign-in was not started by this smtpdoctor run."));
            else if (r->error)
                answer_browser(fd, 400, _("The sign-in did not succeed; smtpdoctor says why in the terminal."));
            else
                answer_browser(fd, 200, _("Signed in. You can close this window and return to smtpdoctor."));
            close(fd);
            if (got)
                return 0;
        }
        if (paste_fd >= 0 && n > 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            char *line = read_pasted_line(paste_fd);
            if (!line) {
                paste_fd = -1;             /* the end of the input: only the browser can answer now */
                continue;
            }
            int got = read_redirect(line, state, r);
            sd_oauth2_token_free(line);
            if (got)
                return 0;
            tell(req, _("That is not the address the browser ended on (it has ?code=...&state=...): paste it again."));
        }
    }
}

static char *exchange_code(const sd_oauth2_request *req, const char *code, const char *redirect_uri,
                           const char *verifier, sd_error *err)
{
    sd_buf form = {0};
    form_add(&form, "grant_type", "authorization_code");
    form_add(&form, "code", code);
    form_add(&form, "redirect_uri", redirect_uri);
    form_add(&form, "client_id", req->client_id);
    form_add(&form, "client_secret", req->client_secret);
    form_add(&form, "code_verifier", verifier);
    http_answer a;
    int rc = post_form(req, req->token_url, &form, &a, err);
    buf_wipe(&form);
    char *token = rc == 0 ? token_of(req, &a, err) : NULL;
    answer_clear(&a);
    return token;
}

char *sd_oauth2_pkce_flow(const sd_oauth2_request *req, sd_error *err)
{
    int port = 0;
    int listener = listen_loopback(&port, err);
    if (listener < 0)
        return NULL;
    char *verifier = random_word(32, err);
    char *state = verifier ? random_word(16, err) : NULL;
    if (!state) {
        close(listener);
        sd_oauth2_token_free(verifier);
        return NULL;
    }
    char *challenge = sd_oauth2_pkce_challenge(verifier);
    char *redirect_uri = sd_xasprintf("http://127.0.0.1:%d/", port);
    char *url = authorization_url(req, redirect_uri, state, challenge);
    int64_t limit = req->wait_limit_ms > 0 ? req->wait_limit_ms : SD_OAUTH2_WAIT_LIMIT_MS;
    tell(req, _("To sign in, open this address in a browser on this computer:"));
    tell(req, "  %s", url);
    if (req->paste_fd >= 0)
        tell(req, _("If the browser is on another computer, sign in there, then paste here the address it ends on "
                  "(%s?...) and press Enter."), redirect_uri);
    long long minutes = (long long)(limit / 60000);
    tell(req, P_("(smtpdoctor waits up to %lld minute; Ctrl-C gives up)",
                 "(smtpdoctor waits up to %lld minutes; Ctrl-C gives up)", (unsigned long)minutes), minutes);
    pid_t opener = req->open_browser ? open_in_browser(url) : -1;
    redirect_result r;
    char *token = NULL;
    if (wait_for_redirect(req, listener, state, sd_now_ms() + limit, &r, err) == 0) {
        if (r.wrong_state)
            sd_fail(err, _("a sign-in answer arrived that this run did not ask for (its state differs): refused, "
                    "since it may carry someone else's code; run again and use the address printed by this run"));
        else if (r.error)
            fail_with(req, r.error, r.description, err);
        else
            token = exchange_code(req, r.code, redirect_uri, verifier, err);
        redirect_result_clear(&r);
    }
    close(listener);
    if (opener > 0)
        waitpid(opener, NULL, WNOHANG);
    free(url);
    free(redirect_uri);
    free(challenge);
    sd_oauth2_token_free(state);
    sd_oauth2_token_free(verifier);
    return token;
}
