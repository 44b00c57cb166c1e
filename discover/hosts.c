/* SPDX-License-Identifier: MIT */
/* The host cache of a run and the probes started early: every host a
 * source names is resolved once, and an SMTP server's probe starts as soon
 * as its host has resolved, while slower sources are still being asked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "discover/run.h"
#include "net/session.h"
#include "net/tls.h"

void run_report(run *r, unsigned source, const char *what, bool found, int64_t ms,
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

void run_want_host(run *r, const char *host)
{
    if (run_find_host(r, host) || r->host_count == MAX_HOSTS)
        return;
    host_entry *h = &r->hosts[r->host_count++];
    h->r = r;
    h->name = sd_xstrdup(host);
    sd_resolver_lookup_host(r->resolver, host, on_host, h);
}

const host_entry *run_find_host(const run *r, const char *host)
{
    for (size_t i = 0; i < r->host_count; i++)
        if (sd_str_ieq(r->hosts[i].name, host))
            return &r->hosts[i];
    return NULL;
}

void run_free_hosts(run *r)
{
    for (size_t i = 0; i < r->host_count; i++) {
        free(r->hosts[i].name);
        sd_strlist_free(&r->hosts[i].addresses);
        free(r->hosts[i].canonical);
    }
    r->host_count = 0;
}

static int find_probe(const run *r, const host_entry *h, int port, sd_security mode)
{
    size_t n = r->probes ? sd_probe_count(r->probes) : 0;
    for (size_t i = 0; i < n; i++)
        if (r->probe_keys[i].host == h && r->probe_keys[i].port == port && r->probe_keys[i].mode == mode)
            return (int)i;
    return -1;
}

/* Once per host, port and security; only for a host that has resolved. */
int run_start_probe(run *r, const host_entry *h, int port, sd_security mode)
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
        .run_deadline = r->opts->run_deadline,
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
    const host_entry *h = run_find_host(r, s->host);
    if (s->protocol == SD_PROTO_SMTP && h)
        run_start_probe(r, h, s->port, s->security);
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

void run_add_found(run *r, slot where, const sd_server *s)
{
    /* a rejected host (an unsafe name, a port out of range) is never looked
     * up or probed either */
    if (sd_server_list_add(&r->found[where], s) && s->protocol == SD_PROTO_SMTP) {
        run_want_host(r, s->host);
        probe_early(r, s);
    }
}
