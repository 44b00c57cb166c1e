/* SPDX-License-Identifier: MIT */
/* The end of a run: the slots are merged in their fixed order, every
 * candidate is probed (or, when no source named an SMTP server, the
 * guesses are), and the candidates are ranked. */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/i18n.h"
#include "discover/run.h"
#include "net/session.h"
#include "presets/snapshot.h"

/* The built-in ISPDB snapshot counts only when the live source it copies
 * named nothing: the live database may be newer, and a server it no longer
 * lists must not come back from the copy. */
static void replace_snapshot(run *r, slot live, slot copy, const char *who)
{
    if (!r->found[live].len || !r->found[copy].len)
        return;
    sd_server_list_free(&r->found[copy]);
    sd_strlist_add_owned(&r->out->notes, sd_xasprintf(_("%s answered: its servers replace the built-in ISPDB of %s"),
                                                      who, sd_ispdb_snapshot_date()));
}

static void merge_sources(run *r)
{
    /* https first, then http as Thunderbird does: the http copy counts only
     * when the https one gave nothing. */
    if (r->found[SLOT_AC_HTTPS].len)
        sd_server_list_free(&r->found[SLOT_AC_HTTP]);
    if (r->found[SLOT_WK_HTTPS].len)
        sd_server_list_free(&r->found[SLOT_WK_HTTP]);
    replace_snapshot(r, SLOT_ISPDB, SLOT_ISPDB_SNAPSHOT, _("the live ISPDB"));
    replace_snapshot(r, SLOT_MX, SLOT_MX_SNAPSHOT, _("the provider behind the MX"));
    for (int i = 0; i < SLOT_COUNT; i++)
        sd_server_list_merge(&r->out->servers, &r->found[i]);
}

static char *tls_note(const sd_session *s)
{
    if (!s->tls_attempted || s->tls.outcome != SD_TLS_OK)
        return NULL;
    if (s->tls.verify_error_count > 0)
        return sd_xasprintf(_("answers, but its certificate does not verify (%s)"),
                            X509_verify_cert_error_string(s->tls.verify_errors[0]));
    if (!s->tls.name_matches)
        return sd_xstrdup(_("answers, but its certificate does not name this host"));
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
            .sources = SD_SRC_GUESS, .trusted = sd_source_trusted(SD_SRC_GUESS, false),
            .verified = true, .order = guess_order,
        };
        g.probe_note = tls_note(s);
        g.cert_failed = g.probe_note != NULL;
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
        c->cert_failed = c->probe_note != NULL;
    } else {
        c->probe_failed = true;
        c->probe_note = sd_xstrdup(s->detail);
    }
}

/* Whether some name of this run resolved: then the DNS works, and an
 * NXDOMAIN is the name's own. */
static bool dns_works(const run *r)
{
    for (size_t i = 0; i < r->host_count; i++)
        if (r->hosts[i].done && r->hosts[i].status == SD_DNS_OK)
            return true;
    return false;
}

static void mark_unresolvable(run *r)
{
    bool dns_answers = dns_works(r);
    for (size_t i = 0; i < r->out->servers.len; i++) {
        sd_server *c = &r->out->servers.items[i];
        const host_entry *h = run_find_host(r, c->host);
        if (c->protocol != SD_PROTO_SMTP || !h || !h->done || h->status == SD_DNS_OK)
            continue;
        c->unresolved = true;
        bool known = c->provider_id || c->from_snapshot;
        if (known && h->status == SD_DNS_NXDOMAIN && dns_answers) {
            /* Other names resolve, so the DNS works and this name does not
             * exist (any more): a server another source named and a probe
             * verified must rank above it. */
            c->probe_failed = true;
            c->probe_note = sd_xasprintf(_("%s does not exist (NXDOMAIN), while other names resolve"), c->host);
        } else if (known) {
            /* The provider's server exists: the look-up failing says more
             * about this network's DNS than about the provider. */
            c->probe_note = sd_xasprintf(_("%s does not resolve from here (%s)"), c->host,
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
        c->probe_note = sd_xstrdup(_("not checked: a server ranked above it answered first"));
        return;
    }
    int64_t silent_ms, other_ms;
    int other_port;
    sd_probe_silence(set, i, &silent_ms, &other_port, &other_ms);
    c->probe_failed = true;
    c->probe_note = sd_xasprintf(_("no answer to the connection in %lld ms, while port %d of the same host "
                                 "answered in %lld ms: probably filtered"),
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
    const host_entry *h = run_find_host(r, host);
    if (!h || rank->count == MAX_PROBES)
        return;
    int i = run_start_probe(r, h, port, mode);
    if (i < 0)
        return;
    rank->slot[rank->count] = (size_t)i;
    rank->target[rank->count++] = target;
}

static void rank_guesses(run *r, probe_rank *rank)
{
    for (int h = 0; h < GUESS_HOSTS; h++) {
        char *host = src_guess_host(r, h);
        /* the well-known SMTP ports, in their table's order: 465, 587, 25 */
        for (const sd_well_known_port *w = sd_well_known_ports; w->port; w++)
            if (w->protocol == SD_PROTO_SMTP)
                rank_probe(r, rank, host, w->port, SD_SEC_UNKNOWN, -1);
        free(host);
    }
}

/* Applies what each ranked probe saw; returns how many verified. */
static size_t apply_probes(run *r, const probe_rank *rank, size_t *unchecked)
{
    size_t verified = 0;
    for (size_t k = 0; k < rank->count; k++) {
        size_t i = rank->slot[k];
        if (sd_probe_outcome(r->probes, i) != SD_PROBE_DONE) {
            apply_unfinished(r, r->probes, i, rank->target[k]);
            (*unchecked)++;
            continue;
        }
        const sd_session *s = sd_probe_session(r->probes, i);
        apply_probe(r, s, rank->target[k], &r->probe_keys[i], (int)k);
        verified += s->ready;
    }
    return verified;
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
    size_t unchecked = 0;
    size_t verified = apply_probes(r, rank, &unchecked);
    if (guessing)
        run_report(r, SD_SRC_GUESS, r->addr->domain, verified > 0, sd_now_ms() - start,
                   "%zu of %zu guesses answer%s", verified, rank->count - unchecked,
                   unchecked ? " (the rest were not waited for)" : "");   /* -v only, English as its format */
    if (best >= 0 && r->opts->keep_session)
        keep_session(r, (size_t)best);
    /* The others say QUIT in their own threads while the caller goes on. */
    sd_probe_release(r->probes);
    r->out->probes = r->probes;
    r->probes = NULL;
    free(rank);
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

void run_finish(run *r)
{
    sd_discovery *out = r->out;
    merge_sources(r);
    mark_unresolvable(r);
    assign_vouch(r);
    sd_server_list_rank(&out->servers);
    if (r->opts->probe) {
        probe_candidates(r);
        assign_vouch(r);
        sd_server_list_rank(&out->servers);
    }
    collect_hints(out);
}
