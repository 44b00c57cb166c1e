/* SPDX-License-Identifier: MIT */
/* One discovery run: every source starts at once on one event loop, in the
 * order of the starters table; when they have answered (or the deadline
 * passed), merge.c merges, probes and ranks what they named. */
#include "discover/discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover/run.h"
#include "net/session.h"
#include "net/tls.h"

/* Once a server is verified, a source whose connection is still not up
 * after this long is not waited for (see on_tick). */
enum { SOURCE_CONNECT_PATIENCE_MS = 2000 };

/* The loop looks at its sockets at least every 200 ms (sd_http_run's
 * tick); a longer gap between two ticks is time in which this process
 * could not notice a connection that was already up (a loaded machine,
 * valgrind running one thread at a time), and does not count against a
 * source's patience. */
enum { TICK_GAP_MS = 400 };

/* Every source's start, in the order they go out: the presets answer at
 * once, and the built-in ISPDB snapshot when they did not; DNS questions go before HTTP ones, whose connections need DNS
 * first. A new source adds its start here (and its row in
 * common/source.c). */
static source_start_fn *const starters[] = {
    src_preset_start,
    src_snapshot_start,
    src_srv_start,
    src_mx_start,
    src_autoconfig_start,
    src_wellknown_start,
    src_ispdb_start,
    src_autodiscover_start,
    src_guess_start,
};

static void start_sources(run *r)
{
    for (size_t i = 0; i < sizeof starters / sizeof *starters; i++)
        starters[i](r);
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

size_t sd_discovery_smtp_count(const sd_discovery *d)
{
    size_t n = 0;
    while (n < d->servers.len && d->servers.items[n].protocol == SD_PROTO_SMTP)
        n++;
    return n;
}

static void free_run(run *r)
{
    sd_probe_free(r->probes);          /* started, but probing was cut short */
    sd_tls_context_free(r->probe_tls);
    run_free_hosts(r);
    for (int i = 0; i < SLOT_COUNT; i++)
        sd_server_list_free(&r->found[i]);
    free(r);
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
    int64_t until = start + opts->timeout_ms;
    if (opts->run_deadline > 0 && opts->run_deadline < until)
        until = opts->run_deadline;
    sd_http_run(r->http, until, on_tick, r);
    /* Every source has answered: what the fetches and look-ups hold is let
     * go before the wait for the probes (a batch runs many at once). */
    sd_http_free(r->http);
    sd_resolver_free(r->resolver);
    run_finish(r);
    free_run(r);
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
