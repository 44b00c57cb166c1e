/* SPDX-License-Identifier: MIT */
/* Which host names smtpdoctor may put in front of the user, and what a
 * certificate for a foreign name means on a known provider's server.
 *
 * A certificate that is valid but names another host is the shared-hosting
 * case (mail.customer.example answered by server12.hoster.example), and the
 * fix is to use that name; but any server can present a valid certificate
 * for its own name, www.attacker.example included, so the name is suggested
 * only when the user's own setup vouches for it: it lies inside the
 * address's registrable domain, it is a preset's server, the user's host is
 * an alias (CNAME) of it, or the address connected to has it as its
 * forward-confirmed reverse DNS. On a known provider's host (a preset's or
 * the ISPDB's) a certificate for a name outside that provider's domains
 * means the connection was redirected on the way: interception by the
 * network or the hosting company, and no other name is suggested. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/strbuf.h"
#include "diag/diag.h"
#include "diag/internal.h"
#include "discover/vouch.h"
#include "net/dns.h"

bool sd_known_provider_host(const sd_diag_request *req, const char *host)
{
    if (req->presets && sd_preset_find_server_host(req->presets, host))
        return true;
    return req->host_ispdb_named && sd_str_ieq(host, req->host);
}

/* A certificate name covers host: the same, or "*.rest" for one label. */
static bool name_covers(const char *pattern, const char *host)
{
    if (sd_str_ieq(pattern, host))
        return true;
    if (strncmp(pattern, "*.", 2) != 0)
        return false;
    const char *dot = strchr(host, '.');
    return dot && dot != host && sd_str_ieq(dot + 1, pattern + 2);
}

static bool certificate_covers(const sd_tls_info *t, const char *host)
{
    for (size_t i = 0; t->chain_len > 0 && i < t->chain[0].names.len; i++)
        if (name_covers(t->chain[0].names.items[i], host))
            return true;
    return false;
}

/* ---- a known provider's domains --------------------------------------- */

static void add_domain(sd_strlist *domains, const char *name)
{
    if (strncmp(name, "*.", 2) == 0)
        name += 2;
    const char *base = sd_registrable_domain(name);
    if (base && !sd_strlist_contains_i(domains, base))
        sd_strlist_add(domains, base);
}

/* The registrable domains of the provider behind host: its preset's
 * domains and servers, and the host's own. */
static const sd_preset *provider_domains(const sd_diag_request *req, const char *host, sd_strlist *domains)
{
    add_domain(domains, host);
    const sd_preset *p = req->presets ? sd_preset_find_server_host(req->presets, host) : NULL;
    for (size_t i = 0; p && i < p->domains.len; i++)
        add_domain(domains, p->domains.items[i]);
    for (size_t i = 0; p && i < p->server_count; i++)
        add_domain(domains, p->servers[i].host);
    return p;
}

static bool any_name_inside(const sd_tls_info *t, const sd_strlist *domains)
{
    for (size_t i = 0; t->chain_len > 0 && i < t->chain[0].names.len; i++) {
        const char *n = t->chain[0].names.items[i];
        const char *base = sd_registrable_domain(strncmp(n, "*.", 2) == 0 ? n + 2 : n);
        if (base && sd_strlist_contains_i(domains, base))
            return true;
    }
    return false;
}

static char *names_list(const sd_tls_info *t)
{
    sd_buf b = {0};
    size_t n = t->chain_len > 0 ? t->chain[0].names.len : 0;
    for (size_t i = 0; i < n && i < 3; i++)
        sd_buf_printf(&b, "%s%s", i ? ", " : "", t->chain[0].names.items[i]);
    if (n > 3)
        sd_buf_printf(&b, P_(" and %zu more", " and %zu more", n - 3), n - 3);
    return b.data ? sd_buf_take(&b) : sd_xstrdup(_("no name"));
}

static void make_redirect(sd_check *c, const sd_preset *p, const char *host, const sd_tls_info *t)
{
    char *names = names_list(t);
    char *msg = p ? sd_xasprintf(_("%s is a server of %s, but the certificate that answered names %s, outside the "
                                   "domains of %s"), host, p->name, names, p->name)
                  : sd_xasprintf(_("%s is a known provider's server, but the certificate that answered names %s, "
                                   "outside that provider's domains"), host, names);
    free(names);
    c->code = SD_F_CERT_INTERCEPTED;
    c->texts = SD_V_CERT_INTERCEPTED_REDIRECT;
    free(c->message);
    c->message = msg;
    free(c->suggested_host);
    c->suggested_host = NULL;
}

/* ---- evidence for a name ---------------------------------------------- */

typedef struct reverse_lookup {
    sd_strlist names;              /* the peer's PTR names */
    sd_strlist forward[8];         /* the addresses of each of them */
    sd_dns_status status;
} reverse_lookup;

static void on_ptr(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    reverse_lookup *rl = arg;
    rl->status = ans->status;
    for (size_t i = 0; i < ans->names.len && rl->names.len < 8; i++)
        sd_strlist_add(&rl->names, ans->names.items[i]);
}

static void on_forward(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)name;
    (void)type;
    sd_strlist *out = arg;
    for (size_t i = 0; i < ans->addresses.len; i++)
        sd_strlist_add(out, ans->addresses.items[i]);
}

/* The peer's reverse names that its forward look-up confirms and that the
 * certificate covers: the shared-hosting server's own name. */
static char *confirmed_reverse_name(const sd_diag_request *req, const sd_diag_result *r, sd_resolver *resolver)
{
    if (!resolver || !r->peer[0])
        return NULL;
    reverse_lookup rl = {.status = SD_DNS_TIMEOUT};
    sd_resolver_lookup_ptr(resolver, r->peer, on_ptr, &rl);
    sd_resolver_run(resolver, sd_step_deadline(req));
    for (size_t i = 0; i < rl.names.len; i++)
        sd_resolver_lookup_host(resolver, rl.names.items[i], on_forward, &rl.forward[i]);
    if (rl.names.len)
        sd_resolver_run(resolver, sd_step_deadline(req));
    char *found = NULL;
    for (size_t i = 0; i < rl.names.len && !found; i++)
        if (certificate_covers(&r->tls, rl.names.items[i]) && sd_strlist_contains_i(&rl.forward[i], r->peer))
            found = sd_xstrdup(rl.names.items[i]);
    for (size_t i = 0; i < 8; i++)
        sd_strlist_free(&rl.forward[i]);
    sd_strlist_free(&rl.names);
    return found;
}

static bool is_loopback_literal(const char *s)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, s, a) == 1)
        return a[0] == 127;
    static const unsigned char v6_loopback[16] = {[15] = 1};
    return inet_pton(AF_INET6, s, a) == 1 && memcmp(a, v6_loopback, 16) == 0;
}

/* The name to suggest instead of the user's host, or NULL when nothing
 * the user can trust vouches for any name the certificate holds. */
static char *trusted_suggestion(const sd_diag_request *req, const sd_diag_result *r, const char *from_certificate,
                                sd_resolver *resolver)
{
    /* the name the user's host is an alias of, or completes to */
    if (r->canonical && !sd_str_ieq(r->canonical, r->host) && certificate_covers(&r->tls, r->canonical))
        return sd_xstrdup(r->canonical);
    if (from_certificate) {
        const char *domain = req->address ? req->address->domain : NULL;
        if (sd_host_in_registrable_domain(from_certificate, domain) ||
            (req->presets && sd_preset_find_server_host(req->presets, from_certificate)))
            return sd_xstrdup(from_certificate);
        /* "localhost" can only ever be the loopback the user typed */
        if (sd_str_ieq(from_certificate, "localhost") && is_loopback_literal(r->host))
            return sd_xstrdup(from_certificate);
    }
    return confirmed_reverse_name(req, r, resolver);
}

static bool preset_lists_host(const sd_preset *p, const char *host)
{
    for (size_t i = 0; i < p->server_count; i++)
        if (sd_str_ieq(p->servers[i].host, host))
            return true;
    return false;
}

/* Why a known provider's verified certificate looks issued by a root
 * installed on this computer, or NULL: an issuer outside the provider's CA
 * families (when its preset names them), or no Certificate Transparency
 * proof by any route, which every public CA's certificate carries. */
static char *installed_root_sign(const sd_diag_request *req, const sd_diag_result *r)
{
    const sd_tls_info *t = &r->tls;
    const char *issuer = t->chain[0].issuer ? t->chain[0].issuer : "?";
    /* every preset that lists the host may name its CA families (Gmail and
     * Google Workspace share smtp.gmail.com) */
    const sd_preset *named = NULL;
    bool family = false;
    for (size_t i = 0; req->presets && i < req->presets->len && !family; i++) {
        const sd_preset *p = &req->presets->items[i];
        if (!p->ca_families.len || !preset_lists_host(p, r->host))
            continue;
        named = p;
        for (size_t k = 0; k < p->ca_families.len && !family; k++)
            family = sd_str_icontains(issuer, p->ca_families.items[k]);
    }
    if (named && !family)
        return sd_xasprintf(_("the certificate of %s is issued by %s, not by %s, whose certificates %s's servers carry"),
                            r->host, issuer, named->ca_families.items[0], named->name);
    if (t->sct_count == 0)
        return sd_xasprintf(_("the certificate of %s, issued by %s, carries no Certificate Transparency proof, "
                            "which every public certificate authority's certificate carries"), r->host, issuer);
    return NULL;
}

/* A known provider's certificate that verifies only because the system
 * trusts an extra root (a company's TLS inspection, a security product):
 * the system's programs work through it, programs with their own store
 * (Thunderbird, Java and Node programs) refuse it. A warning. */
static void check_installed_root(const sd_diag_request *req, sd_diag_result *r)
{
    const sd_tls_info *t = &r->tls;
    if (t->outcome != SD_TLS_OK || t->chain_len == 0 || t->verify_error_count > 0 || !t->name_matches ||
        !sd_known_provider_host(req, r->host))
        return;
    const char *target = NULL;
    for (size_t i = 0; i < r->checks.len; i++) {
        if (r->checks.items[i].code == SD_F_CERT_INTERCEPTED)
            return;                          /* already said */
        if (strcmp(r->checks.items[i].layer, "tls") == 0)
            target = r->checks.items[i].target;
    }
    char *sign = installed_root_sign(req, r);
    if (!sign)
        return;
    char *at = sd_xstrdup(target ? target : r->host);
    sd_check *c = sd_check_add(&r->checks, "tls", at, SD_CHECK_WARN, SD_F_CERT_INTERCEPTED, sign);
    c->texts = SD_V_CERT_INTERCEPTED_INSPECTION;
    free(at);
}

void sd_review_certificate_names(const sd_diag_request *req, sd_diag_result *r, sd_resolver *resolver)
{
    check_installed_root(req, r);
    for (size_t i = 0; i < r->checks.len; i++) {
        sd_check *c = &r->checks.items[i];
        if (c->code != SD_F_CERT_HOSTNAME_MISMATCH || r->tls.chain_len == 0)
            continue;
        if (sd_known_provider_host(req, r->host)) {
            sd_strlist domains = {0};
            const sd_preset *p = provider_domains(req, r->host, &domains);
            bool inside = any_name_inside(&r->tls, &domains);
            sd_strlist_free(&domains);
            if (!inside) {
                make_redirect(c, p, r->host, &r->tls);
                continue;
            }
        }
        char *suggestion = trusted_suggestion(req, r, c->suggested_host, resolver);
        free(c->suggested_host);
        c->suggested_host = suggestion;
    }
}
