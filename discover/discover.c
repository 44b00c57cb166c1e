#include "discover/discover.h"

#include <curl/curl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "discover/autoconfig.h"
#include "discover/vouch.h"
#include "net/dns.h"
#include "net/http.h"
#include "net/probe.h"
#include "net/session.h"
#include "net/tls.h"

/* Bounds: at most 64 records of an answer are read, so 128 host names cover
 * them with the guesses and the documents' hosts. */
enum { MAX_HOSTS = 128, MAX_PROBES = 24, MAX_AUTODISCOVER_REDIRECTS = 2 };

/* Once a server is verified, a source whose connection is still not up
 * after this long is not waited for (see on_tick). */
enum { SOURCE_CONNECT_PATIENCE_MS = 2000 };

/* The loop looks at its sockets at least every 200 ms (sd_http_run's
 * tick); a longer gap between two ticks is time in which this process
 * could not notice a connection that was already up (a loaded machine,
 * valgrind running one thread at a time), and does not count against a
 * source's patience. */
enum { TICK_GAP_MS = 400 };

/* Probes start while sources are still being asked, so some go to servers
 * that end up out of the ranking (an http document an https one replaced):
 * room for those besides the MAX_PROBES ranked. */
enum { PROBE_ROOM = MAX_PROBES + 8 };

/* Where a fetched document's servers go, so that results can be merged in a
 * fixed order whatever order the network answered in. */
typedef enum slot {
    SLOT_PRESET, SLOT_SRV, SLOT_AC_HTTPS, SLOT_AC_HTTP, SLOT_WK_HTTPS, SLOT_WK_HTTP,
    SLOT_ISPDB, SLOT_AUTODISCOVER, SLOT_MX, SLOT_COUNT
} slot;

typedef struct run run;

typedef struct host_entry {
    run *r;
    char *name;
    bool done;
    sd_dns_status status;
    sd_strlist addresses;
    char *canonical;              /* the name at the end of its CNAME chain */
} host_entry;

/* What a probe was started for: its host, port and security. */
typedef struct probe_key {
    const host_entry *host;
    int port;
    sd_security mode;
} probe_key;

struct run {
    const sd_address *addr;
    const sd_discover_options *opts;
    sd_discovery *out;
    sd_resolver *resolver;
    sd_http *http;
    sd_server_list found[SLOT_COUNT];
    host_entry hosts[MAX_HOSTS];
    size_t host_count;
    bool mx_trusted;
    int64_t last_tick, stalled_ms;   /* see TICK_GAP_MS */
    SSL_CTX *probe_tls;           /* made for the first probe */
    bool probe_tls_failed;
    sd_probe_set *probes;
    probe_key probe_keys[PROBE_ROOM];
};

typedef struct fetch_ctx {
    run *r;
    slot where;
    unsigned source;
    bool trusted_base;        /* the way to the URL was authenticated (e.g. the MX answer) */
    bool ispdb;               /* the document is the ISPDB's */
    char *url;
    int redirects;            /* Autodiscover's own redirects */
    char *address;            /* Autodiscover: the address asked about */
} fetch_ctx;

/* ---- bookkeeping ---------------------------------------------------- */

static void report(run *r, unsigned source, const char *what, bool found, int64_t ms,
                   const char *fmt, ...) SD_PRINTF(6, 7);

static void report(run *r, unsigned source, const char *what, bool found, int64_t ms,
                   const char *fmt, ...)
{
    sd_discovery *d = r->out;
    d->reports = sd_xrealloc(d->reports, (d->report_count + 1) * sizeof *d->reports);
    sd_source_report *rep = &d->reports[d->report_count++];
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rep->source = source;
    rep->what = sd_xstrdup(what);
    rep->result = sd_xstrdup(buf);
    rep->found = found;
    rep->elapsed_ms = ms;
}

static void on_host(void *arg, const char *name, int type, const sd_dns_answer *ans);

/* Resolves a candidate's host as soon as it is known, once per name. */
static void want_host(run *r, const char *host)
{
    for (size_t i = 0; i < r->host_count; i++)
        if (sd_str_ieq(r->hosts[i].name, host))
            return;
    if (r->host_count == MAX_HOSTS)
        return;
    host_entry *h = &r->hosts[r->host_count++];
    h->r = r;
    h->name = sd_xstrdup(host);
    sd_resolver_lookup_host(r->resolver, host, on_host, h);
}

static const host_entry *find_host(const run *r, const char *host)
{
    for (size_t i = 0; i < r->host_count; i++)
        if (sd_str_ieq(r->hosts[i].name, host))
            return &r->hosts[i];
    return NULL;
}

/* ---- probes started early ------------------------------------------- */

static int find_probe(const run *r, const host_entry *h, int port, sd_security mode)
{
    size_t n = r->probes ? sd_probe_count(r->probes) : 0;
    for (size_t i = 0; i < n; i++)
        if (r->probe_keys[i].host == h && r->probe_keys[i].port == port && r->probe_keys[i].mode == mode)
            return (int)i;
    return -1;
}

/* Starts the probe of a server whose host has resolved, once per host, port
 * and security; returns its index in the probe set, or -1. */
static int start_probe(run *r, const host_entry *h, int port, sd_security mode)
{
    if (!r->opts->probe || !h->done || h->status != SD_DNS_OK || r->probe_tls_failed)
        return -1;
    int found = find_probe(r, h, port, mode);
    if (found >= 0)
        return found;
    if (!r->probe_tls) {
        sd_error err;
        r->probe_tls = sd_tls_context_new(r->opts->ca_file, TLS1_2_VERSION, &err);
        if (!r->probe_tls) {
            r->probe_tls_failed = true;
            sd_strlist_add(&r->out->notes, err.msg);
            return -1;
        }
        r->probes = sd_probe_new(PROBE_ROOM);
    }
    /* A source that says SSL/TLS is taken at its word, and the ClientHello
     * goes first; guesses (SD_SEC_UNKNOWN) listen first on every port, as a
     * plaintext greeting is possible there (net/session.h). */
    sd_session_request q = {
        .host = h->name, .addresses = &h->addresses, .port = port, .mode = mode,
        .speak_first = mode == SD_SEC_TLS, .timeout_ms = r->opts->timeout_ms, .tls_ctx = r->probe_tls,
        .keep_transcript = r->opts->keep_transcript,
    };
    int i = sd_probe_add(r->probes, &q);
    if (i >= 0)
        r->probe_keys[i] = (probe_key){.host = h, .port = port, .mode = mode};
    return i;
}

/* A source named an SMTP server: its probe starts as soon as its host has
 * resolved (now, or in on_host), not when every source has answered, so
 * the slowest source does not hold up the first connection. */
static void probe_early(run *r, const sd_server *s)
{
    const host_entry *h = find_host(r, s->host);
    if (s->protocol == SD_PROTO_SMTP && h)
        start_probe(r, h, s->port, s->security);
}

static void on_host(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    host_entry *h = arg;
    h->done = true;
    h->status = ans->status;
    for (size_t i = 0; i < ans->addresses.len; i++)
        sd_strlist_add(&h->addresses, ans->addresses.items[i]);
    if (ans->canonical && !h->canonical)
        h->canonical = sd_xstrdup(ans->canonical);
    run *r = h->r;
    for (int where = 0; where < SLOT_COUNT; where++)
        for (size_t i = 0; i < r->found[where].len; i++)
            if (sd_str_ieq(r->found[where].items[i].host, h->name))
                probe_early(r, &r->found[where].items[i]);
}

static void add_found(run *r, slot where, sd_server *s)
{
    /* a rejected host (an unsafe name, a port out of range) is never looked
     * up or probed either */
    if (sd_server_list_add(&r->found[where], s) && s->protocol == SD_PROTO_SMTP) {
        want_host(r, s->host);
        probe_early(r, s);
    }
}

/* ---- presets -------------------------------------------------------- */

static void add_preset(run *r, const sd_preset *p, slot where, unsigned source, bool trusted)
{
    for (size_t i = 0; i < p->server_count; i++) {
        const sd_preset_server *ps = &p->servers[i];
        sd_server s = {
            .protocol = ps->protocol, .host = ps->host, .port = ps->port,
            .security = ps->security, .auth = p->auth, .sources = source,
            .trusted = trusted, .order = (int)i, .provider_id = p->id,
        };
        s.username = sd_address_expand(r->addr, p->username, NULL);
        add_found(r, where, &s);
        free(s.username);
    }
}

/* ---- documents ------------------------------------------------------ */

static fetch_ctx *new_fetch(run *r, slot where, unsigned source, bool trusted_base, const char *url)
{
    fetch_ctx *f = sd_xcalloc(1, sizeof *f);
    f->r = r;
    f->where = where;
    f->source = source;
    f->trusted_base = trusted_base;
    f->url = sd_xstrdup(url);
    return f;
}

static void free_fetch(fetch_ctx *f)
{
    free(f->url);
    free(f->address);
    free(f);
}

static void note_defects(run *r, const sd_autoconfig *ac, const char *url)
{
    for (size_t i = 0; i < ac->defects.len; i++) {
        char *n = sd_xasprintf("%s: %s (tolerated)", url, ac->defects.items[i]);
        if (!sd_strlist_contains_i(&r->out->notes, n))
            sd_strlist_add(&r->out->notes, n);
        free(n);
    }
}

static void on_autoconfig(void *arg, const sd_http_result *res)
{
    fetch_ctx *f = arg;
    run *r = f->r;
    if (res->status != 200) {
        if (res->error && strstr(res->error, "https to http"))
            sd_strlist_add_owned(&r->out->notes, sd_xasprintf("%s: %s", f->url, res->error));
        report(r, f->source, f->url, false, res->elapsed_ms, "%s",
               res->status ? (res->status == 404 ? "not found (404)" : "HTTP error")
                           : res->error ? res->error : "failed");
        free_fetch(f);
        return;
    }
    sd_autoconfig ac;
    sd_error err;
    if (sd_autoconfig_parse(res->body ? res->body : "", res->body_len, r->addr, &ac, &err) < 0) {
        report(r, f->source, f->url, false, res->elapsed_ms, "unusable: %s", err.msg);
        free_fetch(f);
        return;
    }
    size_t smtp = 0;
    for (size_t i = 0; i < ac.servers.len; i++) {
        sd_server *s = &ac.servers.items[i];
        s->sources = f->source;
        s->trusted = res->all_https && f->trusted_base;
        s->ispdb_named = f->ispdb && res->all_https;
        if (s->protocol == SD_PROTO_SMTP)
            smtp++;
        add_found(r, f->where, s);
    }
    for (size_t i = 0; i < ac.hints.len; i++)
        if (!sd_strlist_contains_i(&r->out->hints, ac.hints.items[i]))
            sd_strlist_add(&r->out->hints, ac.hints.items[i]);
    note_defects(r, &ac, f->url);
    report(r, f->source, f->url, smtp > 0, res->elapsed_ms, "%zu SMTP server%s%s", smtp,
           smtp == 1 ? "" : "s", res->all_https ? "" : " (over plain http: not trusted)");
    sd_autoconfig_free(&ac);
    free_fetch(f);
}

static char *escaped_address(const sd_address *a)
{
    char *e = curl_easy_escape(NULL, a->address, 0);
    char *s = sd_xstrdup(e ? e : "");
    curl_free(e);
    return s;
}

static void fetch_document(run *r, slot where, unsigned source, bool trusted_base, bool ispdb, const char *url)
{
    fetch_ctx *f = new_fetch(r, where, source, trusted_base, url);
    f->ispdb = ispdb;
    sd_http_get(r->http, url, on_autoconfig, f);
}

static void fetch_autoconfig(run *r, slot where, unsigned source, bool trusted_base, const char *url)
{
    fetch_document(r, where, source, trusted_base, false, url);
}

static char *ispdb_url_for(const char *base, const char *domain)
{
    const char *mark = strstr(base, "{{domain}}");
    if (mark)
        return sd_xasprintf("%.*s%s%s", (int)(mark - base), base, domain, mark + 10);
    size_t n = strlen(base);
    return sd_xasprintf("%s%s%s", base, n && base[n - 1] == '/' ? "" : "/", domain);
}

static bool ispdb_enabled(const run *r)
{
    return !(r->opts->ispdb_url && sd_str_ieq(r->opts->ispdb_url, "none"));
}

static void fetch_ispdb(run *r, slot where, unsigned source, bool trusted_base, const char *domain)
{
    if (!ispdb_enabled(r))
        return;
    char *url = ispdb_url_for(r->opts->ispdb_url ? r->opts->ispdb_url : SD_DEFAULT_ISPDB_URL, domain);
    fetch_document(r, where, source, trusted_base, true, url);
    free(url);
}

/* ---- Exchange Autodiscover ------------------------------------------ */

static char *xml_escaped(const char *s)
{
    sd_buf b = {0};
    for (; *s; s++) {
        switch (*s) {
        case '<': sd_buf_puts(&b, "&lt;"); break;
        case '>': sd_buf_puts(&b, "&gt;"); break;
        case '&': sd_buf_puts(&b, "&amp;"); break;
        case '"': sd_buf_puts(&b, "&quot;"); break;
        default: sd_buf_append(&b, s, 1);
        }
    }
    return sd_buf_take(&b);
}

static void post_autodiscover(run *r, const char *url, const char *address, int redirects, bool trusted_base);

static void on_autodiscover(void *arg, const sd_http_result *res)
{
    fetch_ctx *f = arg;
    run *r = f->r;
    if (res->status != 200) {
        report(r, SD_SRC_AUTODISCOVER, f->url, false, res->elapsed_ms, "%s",
               res->status == 401 ? "wants a login (401)"
               : res->status ? "HTTP error" : res->error ? res->error : "failed");
        free_fetch(f);
        return;
    }
    sd_server_list list = {0};
    char *redirect_url = NULL, *redirect_addr = NULL;
    sd_error err;
    if (sd_autodiscover_parse(res->body ? res->body : "", res->body_len, r->addr, &list,
                              &redirect_url, &redirect_addr, &err) < 0) {
        report(r, SD_SRC_AUTODISCOVER, f->url, false, res->elapsed_ms, "unusable: %s", err.msg);
    } else if ((redirect_url || redirect_addr) && f->redirects < MAX_AUTODISCOVER_REDIRECTS) {
        report(r, SD_SRC_AUTODISCOVER, f->url, false, res->elapsed_ms, "redirects to %s",
               redirect_url ? redirect_url : redirect_addr);
        /* a redirect is as trustworthy as the document that said it */
        bool trusted = f->trusted_base && res->all_https;
        if (redirect_url && strncmp(redirect_url, "https://", 8) == 0)
            post_autodiscover(r, redirect_url, f->address, f->redirects + 1, trusted);
        else if (redirect_addr)
            post_autodiscover(r, f->url, redirect_addr, f->redirects + 1, trusted);
    } else {
        size_t smtp = 0;
        for (size_t i = 0; i < list.len; i++) {
            sd_server *s = &list.items[i];
            s->sources = SD_SRC_AUTODISCOVER;
            s->trusted = res->all_https && f->trusted_base;
            smtp += s->protocol == SD_PROTO_SMTP;
            add_found(r, SLOT_AUTODISCOVER, s);
        }
        report(r, SD_SRC_AUTODISCOVER, f->url, smtp > 0, res->elapsed_ms, "%zu SMTP server%s", smtp,
               smtp == 1 ? "" : "s");
    }
    sd_server_list_free(&list);
    free(redirect_url);
    free(redirect_addr);
    free_fetch(f);
}

static void post_autodiscover(run *r, const char *url, const char *address, int redirects, bool trusted_base)
{
    char *esc = xml_escaped(address);
    char *body = sd_xasprintf(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\n"
        "  <Request>\n    <EMailAddress>%s</EMailAddress>\n"
        "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\n"
        "  </Request>\n</Autodiscover>\n", esc);
    fetch_ctx *f = new_fetch(r, SLOT_AUTODISCOVER, SD_SRC_AUTODISCOVER, trusted_base, url);
    f->redirects = redirects;
    f->address = sd_xstrdup(address);
    sd_http_post(r->http, url, body, "text/xml; charset=utf-8", on_autodiscover, f);
    free(body);
    free(esc);
}

/* ---- DNS sources ---------------------------------------------------- */

typedef struct srv_ctx {
    run *r;
    sd_protocol protocol;
    sd_security security;
} srv_ctx;

static void on_srv(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)type;
    srv_ctx *c = arg;
    run *r = c->r;
    if (ans->status != SD_DNS_OK) {
        report(r, SD_SRC_SRV, name, false, ans->elapsed_ms, "%s", sd_dns_status_text(ans->status));
        free(c);
        return;
    }
    size_t added = 0;
    for (size_t i = 0; i < ans->srv_count; i++) {
        const sd_dns_srv *rec = &ans->srv[i];
        if (strcmp(rec->target, ".") == 0 || rec->target[0] == '\0') {
            /* RFC 6186: "." says the service is not offered here. */
            report(r, SD_SRC_SRV, name, false, ans->elapsed_ms, "the domain says this service is not offered");
            continue;
        }
        if (rec->port < 1)
            continue;
        sd_server s = {
            .protocol = c->protocol, .host = rec->target, .port = rec->port,
            .security = c->security, .username = r->addr->address, .sources = SD_SRC_SRV,
            .trusted = ans->authenticated,
            /* lower priority first; within one, the heavier weight first */
            .order = rec->priority * 70000 + (65535 - rec->weight),
        };
        char *lower = sd_xstrdup(rec->target);
        sd_str_lower(lower);
        size_t n = strlen(lower);
        if (n && lower[n - 1] == '.')
            lower[n - 1] = '\0';
        s.host = lower;
        add_found(r, SLOT_SRV, &s);
        free(lower);
        added++;
    }
    if (added)
        report(r, SD_SRC_SRV, name, c->protocol == SD_PROTO_SMTP, ans->elapsed_ms, "%zu record%s%s",
               added, added == 1 ? "" : "s", ans->authenticated ? " (DNSSEC-validated)" : "");
    free(c);
}

static void on_autodiscover_srv(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)type;
    run *r = arg;
    if (ans->status != SD_DNS_OK || ans->srv_count == 0) {
        report(r, SD_SRC_AUTODISCOVER, name, false, ans->elapsed_ms, "%s", sd_dns_status_text(ans->status));
        return;
    }
    const sd_dns_srv *best = &ans->srv[0];
    for (size_t i = 1; i < ans->srv_count; i++)
        if (ans->srv[i].priority < best->priority)
            best = &ans->srv[i];
    if (strcmp(best->target, ".") == 0)
        return;
    /* https proves the host is the one DNS named; it says nothing of
     * whether DNS named the right one. Only a validated answer, or a target
     * inside the address's own domain, makes the document authenticated. */
    bool trusted = ans->authenticated || sd_host_in_registrable_domain(best->target, r->addr->domain);
    char *url = sd_xasprintf("https://%s/autodiscover/autodiscover.xml", best->target);
    post_autodiscover(r, url, r->addr->address, 0, trusted);
    free(url);
}

/* The MX tells who runs the mail of a custom domain: look its parent domain
 * and registrable domain up in the presets, their autoconfig host and the
 * ISPDB, as Thunderbird does. */
static void on_mx(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)type;
    run *r = arg;
    if (ans->status != SD_DNS_OK || ans->mx_count == 0) {
        report(r, SD_SRC_MX, name, false, ans->elapsed_ms, "%s", sd_dns_status_text(ans->status));
        return;
    }
    char *mx = sd_xstrdup(ans->mx[0].host);
    sd_str_lower(mx);
    size_t n = strlen(mx);
    if (n && mx[n - 1] == '.')
        mx[n - 1] = '\0';
    r->out->mx_host = sd_xstrdup(mx);
    r->mx_trusted = ans->authenticated;
    const char *dot = strchr(mx, '.');
    const char *parent = dot ? dot + 1 : mx;
    const char *base = sd_registrable_domain(mx);
    if (!base)
        base = parent;
    const sd_preset *p = sd_preset_find_mx(r->opts->presets, mx);
    if (!p)
        p = sd_preset_find_domain(r->opts->presets, parent);
    if (!p)
        p = sd_preset_find_domain(r->opts->presets, base);
    if (p && !r->out->provider) {
        r->out->provider = p;
        r->out->provider_via_mx = true;
    }
    if (p)
        add_preset(r, p, SLOT_MX, SD_SRC_MX, ans->authenticated);
    report(r, SD_SRC_MX, name, p != NULL, ans->elapsed_ms, "best MX %s%s%s", mx,
           p ? ": provider " : "", p ? p->name : "");
    if (sd_str_ieq(base, r->addr->domain) || sd_str_ieq(parent, r->addr->domain)) {
        free(mx);                  /* the domain runs its own mail server */
        return;
    }
    const char *lookups[2] = {parent, sd_str_ieq(parent, base) ? NULL : base};
    for (int i = 0; i < 2; i++) {
        if (!lookups[i] || !strchr(lookups[i], '.'))
            continue;
        char *url = sd_xasprintf("https://autoconfig.%s/mail/config-v1.1.xml", lookups[i]);
        fetch_autoconfig(r, SLOT_MX, SD_SRC_MX, ans->authenticated, url);
        free(url);
        fetch_ispdb(r, SLOT_MX, SD_SRC_MX, ans->authenticated, lookups[i]);
    }
    free(mx);
}

/* ---- starting every source ------------------------------------------ */

static void start_sources(run *r)
{
    const char *d = r->addr->domain;
    const sd_preset *p = sd_preset_find_domain(r->opts->presets, d);
    if (p) {
        r->out->provider = p;
        add_preset(r, p, SLOT_PRESET, SD_SRC_PRESET, true);
        report(r, SD_SRC_PRESET, d, p->server_count > 0, 0, "built-in preset %s", p->name);
    } else {
        report(r, SD_SRC_PRESET, d, false, 0, "no built-in preset");
    }
    static const struct { const char *prefix; sd_protocol proto; sd_security sec; } srvs[] = {
        {"_submissions._tcp", SD_PROTO_SMTP, SD_SEC_TLS},
        {"_submission._tcp", SD_PROTO_SMTP, SD_SEC_STARTTLS},
        {"_imaps._tcp", SD_PROTO_IMAP, SD_SEC_TLS},
        {"_imap._tcp", SD_PROTO_IMAP, SD_SEC_STARTTLS},
        {"_pop3s._tcp", SD_PROTO_POP3, SD_SEC_TLS},
        {"_pop3._tcp", SD_PROTO_POP3, SD_SEC_STARTTLS},
    };
    for (size_t i = 0; i < sizeof srvs / sizeof *srvs; i++) {
        srv_ctx *c = sd_xcalloc(1, sizeof *c);
        c->r = r;
        c->protocol = srvs[i].proto;
        c->security = srvs[i].sec;
        char *name = sd_xasprintf("%s.%s", srvs[i].prefix, d);
        sd_resolver_query(r->resolver, name, SD_DNS_SRV, on_srv, c);
        free(name);
    }
    sd_resolver_query(r->resolver, d, SD_DNS_MX, on_mx, r);

    char *q = escaped_address(r->addr);
    char *url = sd_xasprintf("https://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s", d, q);
    fetch_autoconfig(r, SLOT_AC_HTTPS, SD_SRC_AUTOCONFIG, true, url);
    free(url);
    url = sd_xasprintf("http://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s", d, q);
    fetch_autoconfig(r, SLOT_AC_HTTP, SD_SRC_AUTOCONFIG, true, url);
    free(url);
    url = sd_xasprintf("https://%s/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%s", d, q);
    fetch_autoconfig(r, SLOT_WK_HTTPS, SD_SRC_WELLKNOWN, true, url);
    free(url);
    url = sd_xasprintf("http://%s/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%s", d, q);
    fetch_autoconfig(r, SLOT_WK_HTTP, SD_SRC_WELLKNOWN, true, url);
    free(url);
    free(q);
    fetch_ispdb(r, SLOT_ISPDB, SD_SRC_ISPDB, true, d);

    url = sd_xasprintf("https://autodiscover.%s/autodiscover/autodiscover.xml", d);
    post_autodiscover(r, url, r->addr->address, 0, true);
    free(url);
    url = sd_xasprintf("https://%s/autodiscover/autodiscover.xml", d);
    post_autodiscover(r, url, r->addr->address, 0, true);
    free(url);
    char *name = sd_xasprintf("_autodiscover._tcp.%s", d);
    sd_resolver_query(r->resolver, name, SD_DNS_SRV, on_autodiscover_srv, r);
    free(name);

    /* The host names a guess would try, resolved now in case they are needed. */
    if (r->opts->probe) {
        char *smtp = sd_xasprintf("smtp.%s", d), *mail = sd_xasprintf("mail.%s", d);
        want_host(r, smtp);
        want_host(r, mail);
        want_host(r, d);
        free(smtp);
        free(mail);
    }
}

/* Between the loop's steps: once a probe has found a working server, a
 * source that cannot even connect is not waited for. A domain whose
 * autoconfig host drops packets would otherwise hold every run up for the
 * whole timeout after SRV or a preset gave a working answer in a second. A
 * source that has connected is still waited for: it answers soon, and may
 * know better (the username form, the provider's hints). */
static void on_tick(void *arg)
{
    run *r = arg;
    int64_t now = sd_now_ms();
    if (r->last_tick && now - r->last_tick > TICK_GAP_MS)
        r->stalled_ms += now - r->last_tick - TICK_GAP_MS;
    r->last_tick = now;
    if (!r->probes || !sd_probe_any_ready(r->probes))
        return;
    char why[160];
    snprintf(why, sizeof why, "no connection in %d ms while a server was already verified: not waited for",
             SOURCE_CONNECT_PATIENCE_MS);
    sd_http_cut_unconnected(r->http, SOURCE_CONNECT_PATIENCE_MS + r->stalled_ms, why);
}

/* ---- merging and probing -------------------------------------------- */

static void merge_sources(run *r)
{
    /* https first, then http as Thunderbird does: the http copy counts only
     * when the https one gave nothing. */
    if (r->found[SLOT_AC_HTTPS].len)
        sd_server_list_free(&r->found[SLOT_AC_HTTP]);
    if (r->found[SLOT_WK_HTTPS].len)
        sd_server_list_free(&r->found[SLOT_WK_HTTP]);
    for (int i = 0; i < SLOT_COUNT; i++)
        sd_server_list_merge(&r->out->servers, &r->found[i]);
}

static char *tls_note(const sd_session *s)
{
    if (!s->tls_attempted || s->tls.outcome != SD_TLS_OK)
        return NULL;
    if (s->tls.verify_error_count > 0)
        return sd_xasprintf("answers, but its certificate does not verify (%s)",
                            X509_verify_cert_error_string(s->tls.verify_errors[0]));
    if (!s->tls.name_matches)
        return sd_xstrdup("answers, but its certificate does not name this host");
    return NULL;
}

static void apply_probe(run *r, const sd_session *s, int target, const probe_key *key,
                        int guess_order)
{
    if (target < 0) {
        if (!s->ready)
            return;
        sd_server g = {
            .protocol = SD_PROTO_SMTP, .host = key->host->name, .port = key->port,
            .security = s->detected, .username = r->addr->address, .auth = s->caps.auth,
            .sources = SD_SRC_GUESS, .verified = true, .order = guess_order,
        };
        g.probe_note = tls_note(s);
        sd_server_list_add(&r->out->servers, &g);
        free(g.probe_note);
        return;
    }
    sd_server *c = &r->out->servers.items[target];
    if (s->ready) {
        c->verified = true;
        if (s->caps.auth)
            c->auth = s->caps.auth;
        c->probe_note = tls_note(s);
    } else {
        c->probe_failed = true;
        c->probe_note = sd_xstrdup(s->detail);
    }
}

static void mark_unresolvable(run *r)
{
    for (size_t i = 0; i < r->out->servers.len; i++) {
        sd_server *c = &r->out->servers.items[i];
        const host_entry *h = find_host(r, c->host);
        if (c->protocol != SD_PROTO_SMTP || !h || !h->done || h->status == SD_DNS_OK)
            continue;
        c->unresolved = true;
        if (c->provider_id) {
            /* The provider's server exists: the look-up failing says more
             * about this network's DNS than about the provider. */
            c->probe_note = sd_xasprintf("%s does not resolve from here (%s)", c->host,
                                         sd_dns_status_name(h->status));
        } else if (h->status == SD_DNS_NXDOMAIN || h->status == SD_DNS_NODATA) {
            c->probe_failed = true;
            c->probe_note = sd_xasprintf("%s: %s", c->host, sd_dns_status_text(h->status));
        }
    }
}

/* Who vouches for each candidate's host, for the ranking and for the
 * credential gate later on. */
static void assign_vouch(run *r)
{
    for (size_t i = 0; i < r->out->servers.len; i++) {
        sd_server *c = &r->out->servers.items[i];
        sd_host_facts facts = {
            .host = c->host, .domain = r->addr->domain, .sources = c->sources,
            .authenticated = c->trusted, .ispdb_named = c->ispdb_named,
        };
        c->vouch = sd_vouch_for(&facts, r->opts->presets);
    }
}

/* A candidate whose probe was stopped: ranked below the one that answered,
 * or silent long after another port of its host connected. */
static void apply_unfinished(run *r, const sd_probe_set *set, size_t i, int target)
{
    if (target < 0)
        return;
    sd_server *c = &r->out->servers.items[target];
    if (sd_probe_outcome(set, i) == SD_PROBE_NOT_WAITED) {
        c->probe_note = sd_xstrdup("not checked: a server ranked above it answered first");
        return;
    }
    int64_t silent_ms, other_ms;
    int other_port;
    sd_probe_silence(set, i, &silent_ms, &other_port, &other_ms);
    c->probe_failed = true;
    c->probe_note = sd_xasprintf("no answer to the connection in %lld ms, while port %d of the same host "
                                 "answered in %lld ms: probably filtered",
                                 (long long)silent_ms, other_port, (long long)other_ms);
}

static void keep_session(run *r, size_t i)
{
    const probe_key *key = &r->probe_keys[i];
    sd_kept_session *k = sd_xcalloc(1, sizeof *k);
    k->host = sd_xstrdup(key->host->name);
    k->port = key->port;
    for (size_t a = 0; a < key->host->addresses.len; a++)
        sd_strlist_add(&k->addresses, key->host->addresses.items[a]);
    k->canonical = key->host->canonical ? sd_xstrdup(key->host->canonical) : NULL;
    sd_probe_take(r->probes, i, &k->session);
    r->out->kept = k;
}

/* The ranking of the probes: a ranked candidate's probe (started early, or
 * now), or when no source named a server, the guesses. */
typedef struct probe_rank {
    size_t slot[MAX_PROBES];
    int target[MAX_PROBES];            /* index in servers, or -1 for a guess */
    size_t count;
} probe_rank;

static void rank_probe(run *r, probe_rank *rank, const char *host, int port, sd_security mode,
                       int target)
{
    const host_entry *h = find_host(r, host);
    if (!h || rank->count == MAX_PROBES)
        return;
    int i = start_probe(r, h, port, mode);
    if (i < 0)
        return;
    rank->slot[rank->count] = (size_t)i;
    rank->target[rank->count++] = target;
}

static void rank_guesses(run *r, probe_rank *rank)
{
    const char *d = r->addr->domain;
    char *hosts[3] = {sd_xasprintf("smtp.%s", d), sd_xasprintf("mail.%s", d), sd_xstrdup(d)};
    static const int ports[] = {465, 587, 25};
    for (int h = 0; h < 3; h++)
        for (int p = 0; p < 3; p++)
            rank_probe(r, rank, hosts[h], ports[p], SD_SEC_UNKNOWN, -1);
    for (int h = 0; h < 3; h++)
        free(hosts[h]);
}

static void probe_candidates(run *r)
{
    int64_t start = sd_now_ms();
    probe_rank *rank = sd_xcalloc(1, sizeof *rank);
    size_t smtp = sd_discovery_smtp_count(r->out);
    for (size_t i = 0; i < smtp; i++) {
        const sd_server *c = &r->out->servers.items[i];
        rank_probe(r, rank, c->host, c->port, c->security, (int)i);
    }
    bool guessing = smtp == 0;
    if (guessing)
        rank_guesses(r, rank);
    if (!r->probes) {                  /* nothing resolved, or no TLS context */
        free(rank);
        return;
    }
    int best = sd_probe_decide(r->probes, rank->slot, rank->count, false);
    size_t verified = 0, unchecked = 0;
    for (size_t k = 0; k < rank->count; k++) {
        size_t i = rank->slot[k];
        if (sd_probe_outcome(r->probes, i) != SD_PROBE_DONE) {
            apply_unfinished(r, r->probes, i, rank->target[k]);
            unchecked++;
            continue;
        }
        const sd_session *s = sd_probe_session(r->probes, i);
        apply_probe(r, s, rank->target[k], &r->probe_keys[i], (int)k);
        verified += s->ready;
    }
    if (guessing)
        report(r, SD_SRC_GUESS, r->addr->domain, verified > 0, sd_now_ms() - start,
               "%zu of %zu guesses answer%s", verified, rank->count - unchecked,
               unchecked ? " (the rest were not waited for)" : "");
    if (best >= 0 && r->opts->keep_session)
        keep_session(r, (size_t)best);
    /* The others say QUIT in their own threads while the caller goes on. */
    sd_probe_release(r->probes);
    r->out->probes = r->probes;
    r->probes = NULL;
    free(rank);
}

size_t sd_discovery_smtp_count(const sd_discovery *d)
{
    size_t n = 0;
    while (n < d->servers.len && d->servers.items[n].protocol == SD_PROTO_SMTP)
        n++;
    return n;
}

static void collect_hints(sd_discovery *d)
{
    if (!d->provider)
        return;
    sd_strlist mine = {0};
    for (size_t i = 0; i < d->provider->hints.len; i++)
        sd_strlist_add(&mine, d->provider->hints.items[i]);
    for (size_t i = 0; i < d->hints.len; i++)
        if (!sd_strlist_contains_i(&mine, d->hints.items[i]))
            sd_strlist_add(&mine, d->hints.items[i]);
    sd_strlist_free(&d->hints);
    d->hints = mine;
}

int sd_discover(const sd_address *addr, const sd_discover_options *opts, sd_discovery *out,
                sd_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t start = sd_now_ms();
    run *r = sd_xcalloc(1, sizeof *r);
    r->addr = addr;
    r->opts = opts;
    r->out = out;
    r->resolver = sd_resolver_new(opts->dns_servers, opts->timeout_ms, err);
    if (!r->resolver) {
        free(r);
        return -1;
    }
    r->http = sd_http_new(r->resolver, opts->ca_file, opts->timeout_ms, err);
    if (!r->http) {
        sd_resolver_free(r->resolver);
        free(r);
        return -1;
    }
    start_sources(r);
    sd_http_run(r->http, start + opts->timeout_ms, on_tick, r);
    /* Every source has answered: what the fetches and look-ups hold is let
     * go before the wait for the probes (a batch runs many at once). */
    sd_http_free(r->http);
    sd_resolver_free(r->resolver);
    merge_sources(r);
    mark_unresolvable(r);
    assign_vouch(r);
    sd_server_list_rank(&out->servers);
    if (opts->probe) {
        probe_candidates(r);
        assign_vouch(r);
        sd_server_list_rank(&out->servers);
    }
    sd_probe_free(r->probes);          /* started, but probing was cut short */
    sd_tls_context_free(r->probe_tls);
    collect_hints(out);
    for (size_t i = 0; i < r->host_count; i++) {
        free(r->hosts[i].name);
        sd_strlist_free(&r->hosts[i].addresses);
        free(r->hosts[i].canonical);
    }
    for (int i = 0; i < SLOT_COUNT; i++)
        sd_server_list_free(&r->found[i]);
    free(r);
    out->elapsed_ms = sd_now_ms() - start;
    return 0;
}

void sd_kept_session_free(sd_kept_session *k)
{
    if (!k)
        return;
    free(k->host);
    sd_strlist_free(&k->addresses);
    free(k->canonical);
    sd_session_free(&k->session);
    free(k);
}

void sd_discovery_free(sd_discovery *d)
{
    sd_kept_session_free(d->kept);
    sd_probe_free(d->probes);
    sd_server_list_free(&d->servers);
    free(d->mx_host);
    sd_strlist_free(&d->hints);
    sd_strlist_free(&d->notes);
    for (size_t i = 0; i < d->report_count; i++) {
        free(d->reports[i].what);
        free(d->reports[i].result);
    }
    free(d->reports);
    memset(d, 0, sizeof *d);
}
