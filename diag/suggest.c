/* SPDX-License-Identifier: MIT */
/* "Did you mean smtp.gmail.com?": the known SMTP host closest to a name that
 * does not exist, by edit distance with transpositions. */
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "diag/internal.h"
#include "discover/vouch.h"
#include "net/dns.h"

enum { MAX_NAME = 253, MAX_DISTANCE = 2 };

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of neighbours ("gmial" for "gmail") each cost one. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX_NAME || lb > MAX_NAME)
        return MAX_DISTANCE + 1;
    int *d = sd_xcalloc((la + 1) * (lb + 1), sizeof *d);
#define D(i, j) d[(i) * (lb + 1) + (j)]
    for (size_t i = 0; i <= la; i++)
        D(i, 0) = (int)i;
    for (size_t j = 0; j <= lb; j++)
        D(0, j) = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < best)
                best = D(i, j - 1) + 1;
            if (D(i - 1, j - 1) + cost < best)
                best = D(i - 1, j - 1) + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < best)
                best = D(i - 2, j - 2) + 1;
            D(i, j) = best;
        }
    }
    int result = D(la, lb);
#undef D
    free(d);
    return result;
}

/* The preset SMTP host closest to host (within MAX_DISTANCE), or NULL. */
static const char *closest_preset_host(const char *host, const sd_preset_db *presets, int *best_distance)
{
    const char *best = NULL;
    *best_distance = MAX_DISTANCE + 1;
    for (size_t i = 0; presets && i < presets->len; i++) {
        const sd_preset *p = &presets->items[i];
        for (size_t s = 0; s < p->server_count; s++) {
            const char *candidate = p->servers[s].host;
            if (p->servers[s].protocol != SD_PROTO_SMTP || sd_str_ieq(candidate, host))
                continue;
            int dist = distance(host, candidate);
            if (dist < *best_distance) {
                *best_distance = dist;
                best = candidate;
            }
        }
    }
    return best;
}

char *sd_suggest_host(const char *host, const sd_preset_db *presets)
{
    int d;
    return sd_xstrdup(closest_preset_host(host, presets, &d));
}

/* ---- a name that does not exist ---------------------------------------- */

typedef struct lookup {
    const char *name;
    sd_dns_status status;
} lookup;

static void on_lookup(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    lookup *l = arg;
    l->status = ans->status;
}

void sd_explain_missing_host(const sd_diag_request *req, const char *host, sd_resolver *resolver,
                             sd_missing_host *out)
{
    memset(out, 0, sizeof *out);
    /* A preset's server exists: DNS that denies it denies everything. */
    if (req->presets && sd_preset_find_server_host(req->presets, host)) {
        out->dns_failing = true;
        out->witness = sd_xstrdup(host);
        return;
    }
    /* Typo candidates: the providers' own servers, and the usual names
     * inside the address's own domain. Never a look-alike name found by
     * asking DNS: a look-alike domain that resolves is what an attacker
     * would register. */
    int preset_distance;
    lookup known = {closest_preset_host(host, req->presets, &preset_distance), SD_DNS_TIMEOUT};
    lookup own[2] = {{NULL, SD_DNS_TIMEOUT}, {NULL, SD_DNS_TIMEOUT}};
    char *own_names[2] = {NULL, NULL};
    const char *base = req->address ? sd_registrable_domain(req->address->domain) : NULL;
    if (base) {
        own_names[0] = sd_xasprintf("smtp.%s", base);
        own_names[1] = sd_xasprintf("mail.%s", base);
    }
    for (int i = 0; i < 2; i++)
        if (own_names[i] && !sd_str_ieq(own_names[i], host) && distance(host, own_names[i]) <= MAX_DISTANCE)
            own[i].name = own_names[i];
    if (known.name)
        sd_resolver_lookup_host(resolver, known.name, on_lookup, &known);
    for (int i = 0; i < 2; i++)
        if (own[i].name)
            sd_resolver_lookup_host(resolver, own[i].name, on_lookup, &own[i]);
    if (known.name || own[0].name || own[1].name)
        sd_resolver_run(resolver, sd_step_deadline(req));
    /* Only an answer is evidence: a witness that merely ran out of time
     * (a slow or busy resolver) says nothing about the first answer. */
    bool witness_denied = known.status == SD_DNS_NXDOMAIN || known.status == SD_DNS_NODATA ||
                          known.status == SD_DNS_SERVFAIL || known.status == SD_DNS_REFUSED;
    if (known.name && witness_denied) {
        out->dns_failing = true;
        out->witness = sd_xstrdup(known.name);
    } else if (known.name && known.status == SD_DNS_OK) {
        out->suggestion = sd_xstrdup(known.name);
    }
    for (int i = 0; i < 2 && !out->suggestion && !out->dns_failing; i++)
        if (own[i].name && own[i].status == SD_DNS_OK)
            out->suggestion = sd_xstrdup(own[i].name);
    free(own_names[0]);
    free(own_names[1]);
}

void sd_missing_host_clear(sd_missing_host *m)
{
    free(m->suggestion);
    free(m->witness);
    memset(m, 0, sizeof *m);
}
