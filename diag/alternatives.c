/* SPDX-License-Identifier: MIT */
/* Other settings of the same server, and those discovery found: when the
 * settings fail to connect, they are probed at once (one thread each, as
 * discovery's probes), so the remedy can name settings that do work. The
 * probed servers go to the result's `tried`, the first one verified that the
 * user can trust to `working`. */
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "diag/internal.h"
#include "net/probe.h"

enum { MAX_ALTERNATIVES = 12 };

typedef struct alt_plan {
    sd_session_request reqs[MAX_ALTERNATIVES];
    sd_server servers[MAX_ALTERNATIVES];
    sd_dns_outcome dns[MAX_ALTERNATIVES];
    size_t count;
} alt_plan;

static bool alt_listed(const alt_plan *p, const char *host, int port)
{
    for (size_t i = 0; i < p->count; i++)
        if (sd_str_ieq(p->servers[i].host, host) && p->servers[i].port == port)
            return true;
    return false;
}

static void alt_add(alt_plan *p, const sd_diag_result *r, const char *host, int port, sd_security sec,
                    unsigned source, sd_vouch vouch)
{
    if (p->count == MAX_ALTERNATIVES || alt_listed(p, host, port) ||
        (sd_str_ieq(host, r->host) && port == r->port))
        return;
    sd_server *s = &p->servers[p->count++];
    memset(s, 0, sizeof *s);
    s->protocol = SD_PROTO_SMTP;
    s->host = sd_xstrdup(host);
    s->port = port;
    s->security = sec;
    s->sources = source;
    s->vouch = vouch;
}

void sd_find_alternatives(const sd_diag_request *req, sd_diag_result *r, SSL_CTX *ctx,
                          const sd_dns_outcome *main_dns, sd_resolver *resolver)
{
    sd_diag_step(req, N_("trying the other ports"));
    alt_plan *p = sd_xcalloc(1, sizeof *p);
    if (req->alternatives)
        for (size_t i = 0; i < req->alternatives->len; i++) {
            const sd_server *a = &req->alternatives->items[i];
            if (a->protocol == SD_PROTO_SMTP)
                alt_add(p, r, a->host, a->port, a->security, sd_source_primary(a->sources), a->vouch);
        }
    for (const sd_well_known_port *w = sd_well_known_ports; w->port; w++)
        if (w->protocol == SD_PROTO_SMTP)
            alt_add(p, r, r->host, w->port, w->security, SD_SRC_GUESS, SD_VOUCH_NONE);
    /* Addresses: the tested host's are known; look the others up at once. */
    for (size_t i = 0; i < p->count; i++) {
        if (sd_str_ieq(p->servers[i].host, r->host)) {
            p->dns[i].status = main_dns->status;
            for (size_t k = 0; k < main_dns->addresses.len; k++)
                sd_strlist_add(&p->dns[i].addresses, main_dns->addresses.items[k]);
        } else {
            p->dns[i].status = SD_DNS_TIMEOUT;
            sd_resolver_lookup_host(resolver, p->servers[i].host, sd_dns_outcome_collect, &p->dns[i]);
        }
    }
    sd_resolver_run(resolver, sd_step_deadline(req));
    size_t n = 0;
    size_t index[MAX_ALTERNATIVES];
    for (size_t i = 0; i < p->count; i++) {
        if (p->dns[i].status != SD_DNS_OK || p->dns[i].addresses.len == 0)
            continue;
        sd_session_request *q = &p->reqs[n];
        q->host = p->servers[i].host;
        q->addresses = &p->dns[i].addresses;
        q->port = p->servers[i].port;
        q->mode = p->servers[i].security;
        /* Only what a source named SSL/TLS is spoken to first; the usual
         * ports tried on the off chance listen first (net/session.h). */
        q->speak_first = q->mode == SD_SEC_TLS && (p->servers[i].sources & ~SD_SRC_GUESS) != 0;
        q->timeout_ms = req->timeout_ms;
        q->run_deadline = req->run_deadline;
        q->tls_ctx = ctx;
        index[n++] = i;
    }
    sd_probe_set *probes = sd_probe_start(p->reqs, n);
    sd_probe_wait(probes, true);
    for (size_t k = 0; k < n; k++) {
        const sd_session *s = sd_probe_session(probes, k);
        sd_server *srv = &p->servers[index[k]];
        bool cert_ok = s->tls.outcome == SD_TLS_OK && s->tls.verify_error_count == 0 && s->tls.name_matches;
        srv->verified = s->ready && (cert_ok || req->insecure || srv->security == SD_SEC_PLAIN);
        srv->auth = s->caps.auth;
        srv->probe_failed = !s->ready;
        if (!s->ready && s->detail)
            srv->probe_note = sd_xstrdup(s->detail);
        /* "use X instead" only for a host the user can trust: their own
         * host on another port, or one something vouches for */
        bool nameable = sd_str_ieq(srv->host, r->host) || srv->vouch != SD_VOUCH_NONE;
        if (srv->verified && nameable && srv->security != SD_SEC_PLAIN && !r->has_working) {
            r->has_working = true;
            sd_server_copy(&r->working, srv);
        }
    }
    sd_probe_free(probes);
    for (size_t i = 0; i < p->count; i++) {
        sd_server_list_add(&r->tried, &p->servers[i]);
        sd_server_clear(&p->servers[i]);
        sd_dns_outcome_clear(&p->dns[i]);
    }
    free(p);
}
