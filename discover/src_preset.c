/* SPDX-License-Identifier: MIT */
/* Source "preset": the built-in provider presets, by the address's domain.
 * Answers at once, before anything goes out on the network. */
#include <stdlib.h>

#include "discover/run.h"

/* A preset's servers, named by `source` (the MX source adds the presets of
 * the provider behind the MX). */
void src_preset_add(run *r, const sd_preset *p, slot where, unsigned source, bool authenticated)
{
    for (size_t i = 0; i < p->server_count; i++) {
        const sd_preset_server *ps = &p->servers[i];
        sd_server s = {
            .protocol = ps->protocol, .host = ps->host, .port = ps->port,
            .security = ps->security, .auth = p->auth, .sources = source,
            .trusted = sd_source_trusted(source, authenticated), .order = (int)i,
            .provider_id = p->id,
        };
        s.username = sd_address_expand(r->addr, p->username, NULL);
        run_add_found(r, where, &s);
        free(s.username);
    }
}

void src_preset_start(run *r)
{
    const char *d = r->addr->domain;
    const sd_preset *p = sd_preset_find_domain(r->opts->presets, d);
    if (!p) {
        run_report(r, SD_SRC_PRESET, d, false, 0, "no built-in preset");
        return;
    }
    r->out->provider = p;
    src_preset_add(r, p, SLOT_PRESET, SD_SRC_PRESET, true);
    run_report(r, SD_SRC_PRESET, d, p->server_count > 0, 0, "built-in preset %s", p->name);
}
