/* SPDX-License-Identifier: MIT */
/* Sources "autoconfig", "wellknown" and "ispdb": Thunderbird's autoconfig
 * documents, from the domain's autoconfig host, from its .well-known path
 * (https, and http as Thunderbird does) and from the central ISPDB. They
 * share one format (discover/autoconfig.c) and one callback. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "discover/autoconfig.h"
#include "discover/run.h"

/* One document asked for; freed by on_document. */
typedef struct document_fetch {
    run *r;
    slot where;
    unsigned source;
    bool trusted_base;        /* the way to the URL was authenticated (e.g. the MX answer) */
    bool ispdb;               /* the document is the ISPDB's */
    char *url;
} document_fetch;

static void free_fetch(document_fetch *f)
{
    free(f->url);
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

static void report_http_failure(run *r, const document_fetch *f, const sd_http_result *res)
{
    if (res->error && strstr(res->error, "https to http"))
        sd_strlist_add_owned(&r->out->notes, sd_xasprintf("%s: %s", f->url, res->error));
    run_report(r, f->source, f->url, false, res->elapsed_ms, "%s",
               res->status ? (res->status == 404 ? "not found (404)" : "HTTP error")
                           : res->error ? res->error : "failed");
}

static void on_document(void *arg, const sd_http_result *res)
{
    document_fetch *f = arg;
    run *r = f->r;
    sd_autoconfig ac;
    sd_error err;
    if (res->status != 200) {
        report_http_failure(r, f, res);
    } else if (sd_autoconfig_parse(res->body ? res->body : "", res->body_len, r->addr, &ac, &err) < 0) {
        run_report(r, f->source, f->url, false, res->elapsed_ms, "unusable: %s", err.msg);
    } else {
        size_t smtp = 0;
        for (size_t i = 0; i < ac.servers.len; i++) {
            sd_server *s = &ac.servers.items[i];
            s->sources = f->source;
            s->trusted = sd_source_trusted(f->source, res->all_https && f->trusted_base);
            s->ispdb_named = f->ispdb && res->all_https;
            if (s->protocol == SD_PROTO_SMTP)
                smtp++;
            run_add_found(r, f->where, s);
        }
        for (size_t i = 0; i < ac.hints.len; i++)
            if (!sd_strlist_contains_i(&r->out->hints, ac.hints.items[i]))
                sd_strlist_add(&r->out->hints, ac.hints.items[i]);
        note_defects(r, &ac, f->url);
        run_report(r, f->source, f->url, smtp > 0, res->elapsed_ms, "%zu SMTP server%s%s", smtp,
                   smtp == 1 ? "" : "s", res->all_https ? "" : " (over plain http: not trusted)");
        sd_autoconfig_free(&ac);
    }
    free_fetch(f);
}

static void fetch_document(run *r, slot where, unsigned source, bool trusted_base, bool ispdb, const char *url)
{
    document_fetch *f = sd_xcalloc(1, sizeof *f);
    f->r = r;
    f->where = where;
    f->source = source;
    f->trusted_base = trusted_base;
    f->ispdb = ispdb;
    f->url = sd_xstrdup(url);
    sd_http_get(r->http, url, on_document, f);
}

void src_autoconfig_fetch(run *r, slot where, unsigned source, bool trusted_base, const char *url)
{
    fetch_document(r, where, source, trusted_base, false, url);
}

static char *escaped_address(const sd_address *a)
{
    char *e = curl_easy_escape(NULL, a->address, 0);
    char *s = sd_xstrdup(e ? e : "");
    curl_free(e);
    return s;
}

/* A document of the domain's own: its way there is the address's domain
 * itself, so only the transport decides whether it is authenticated. */
static void fetch_own(run *r, slot where, unsigned source, char *url_owned)
{
    src_autoconfig_fetch(r, where, source, true, url_owned);
    free(url_owned);
}

/* https first, then http as Thunderbird does; merge.c lets the http copy
 * count only when the https one named nothing. */
void src_autoconfig_start(run *r)
{
    const char *d = r->addr->domain;
    char *q = escaped_address(r->addr);
    fetch_own(r, SLOT_AC_HTTPS, SD_SRC_AUTOCONFIG,
              sd_xasprintf("https://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s", d, q));
    fetch_own(r, SLOT_AC_HTTP, SD_SRC_AUTOCONFIG,
              sd_xasprintf("http://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s", d, q));
    free(q);
}

void src_wellknown_start(run *r)
{
    const char *d = r->addr->domain;
    char *q = escaped_address(r->addr);
    fetch_own(r, SLOT_WK_HTTPS, SD_SRC_WELLKNOWN,
              sd_xasprintf("https://%s/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%s", d, q));
    fetch_own(r, SLOT_WK_HTTP, SD_SRC_WELLKNOWN,
              sd_xasprintf("http://%s/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%s", d, q));
    free(q);
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

void src_ispdb_fetch(run *r, slot where, unsigned source, bool trusted_base, const char *domain)
{
    if (!ispdb_enabled(r))
        return;
    char *url = ispdb_url_for(r->opts->ispdb_url ? r->opts->ispdb_url : SD_DEFAULT_ISPDB_URL, domain);
    fetch_document(r, where, source, trusted_base, true, url);
    free(url);
}

void src_ispdb_start(run *r)
{
    src_ispdb_fetch(r, SLOT_ISPDB, SD_SRC_ISPDB, true, r->addr->domain);
}
