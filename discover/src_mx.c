/* SPDX-License-Identifier: MIT */
/* Source "mx": the MX tells who runs the mail of a custom domain. Its
 * parent domain and registrable domain (public suffix list) are looked up
 * in the presets (else in the built-in ISPDB snapshot), their autoconfig
 * host and the ISPDB, as Thunderbird does; what they name is trusted only
 * when the MX answer was validated. */
#include <stdlib.h>
#include <string.h>

#include "discover/run.h"

/* The provider behind the MX: a preset of the MX host, of its parent
 * domain or of its registrable domain. */
static const sd_preset *provider_of(const run *r, const char *mx, const char *parent, const char *base)
{
    const sd_preset *p = sd_preset_find_mx(r->opts->presets, mx);
    if (!p)
        p = sd_preset_find_domain(r->opts->presets, parent);
    if (!p)
        p = sd_preset_find_domain(r->opts->presets, base);
    return p;
}

/* The provider's autoconfig host and ISPDB entry, for the MX's parent and
 * registrable domains. */
static void fetch_provider_documents(run *r, const char *parent, const char *base, bool authenticated)
{
    const char *lookups[2] = {parent, sd_str_ieq(parent, base) ? NULL : base};
    for (int i = 0; i < 2; i++) {
        if (!lookups[i] || !strchr(lookups[i], '.'))
            continue;
        char *url = sd_xasprintf("https://autoconfig.%s/mail/config-v1.1.xml", lookups[i]);
        src_autoconfig_fetch(r, SLOT_MX, SD_SRC_MX, authenticated, url);
        free(url);
        src_ispdb_fetch(r, SLOT_MX, SD_SRC_MX, authenticated, lookups[i]);
    }
}

static void on_mx(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)type;
    run *r = arg;
    if (ans->status != SD_DNS_OK || ans->mx_count == 0) {
        run_report(r, SD_SRC_MX, name, false, ans->elapsed_ms, "%s", sd_dns_status_text(ans->status));
        return;
    }
    char *mx = sd_xstrdup(ans->mx[0].host);
    sd_str_lower(mx);
    mx[sd_dns_name_length(mx)] = '\0';
    r->out->mx_host = sd_xstrdup(mx);
    const char *dot = strchr(mx, '.');
    const char *parent = dot ? dot + 1 : mx;
    const char *base = sd_registrable_domain(mx);
    if (!base)
        base = parent;
    const sd_preset *p = provider_of(r, mx, parent, base);
    if (p && !r->out->provider) {
        r->out->provider = p;
        r->out->provider_via_mx = true;
    }
    /* a domain that runs its own mail server has no provider to look up */
    bool elsewhere = !sd_str_ieq(base, r->addr->domain) && !sd_str_ieq(parent, r->addr->domain);
    const char *known = NULL;
    if (p) {
        src_preset_add(r, p, SLOT_MX, SD_SRC_MX, ans->authenticated);
        known = p->name;
    } else if (elsewhere) {
        known = src_snapshot_add_for_mx(r, parent, base, ans->authenticated);
    }
    run_report(r, SD_SRC_MX, name, known != NULL, ans->elapsed_ms, "best MX %s%s%s%s", mx,
               known ? ": provider " : "", known ? known : "", known && !p ? " (built-in ISPDB)" : "");
    if (elsewhere)
        fetch_provider_documents(r, parent, base, ans->authenticated);
    free(mx);
}

void src_mx_start(run *r)
{
    sd_resolver_query(r->resolver, r->addr->domain, SD_DNS_MX, on_mx, r);
}
