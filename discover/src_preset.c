/* SPDX-License-Identifier: MIT */
/* Source "preset": the built-in provider presets, by the address's domain.
 * Answers at once, before anything goes out on the network. */
#include <stdlib.h>

#include "discover/run.h"

/* A preset's servers, each a copy of `base` (its source, trust and marks)
 * with the preset's host, port, security, login form and auth. */
void src_preset_servers(run *r, const sd_preset *p, slot where, const sd_server *base)
{
    for (size_t i = 0; i < p->server_count; i++) {
        const sd_preset_server *ps = &p->servers[i];
        sd_server s = *base;
        s.protocol = ps->protocol;
        s.host = ps->host;
        s.port = ps->port;
        s.security = ps->security;
        s.auth = p->auth;
        s.order = (int)i;
        s.username = sd_address_expand(r->addr, p->username, NULL);
        run_add_found(r, where, &s);
        free(s.username);
    }
}

/* A preset's servers, named by `source` (the MX source adds the presets of
 * the provider behind the MX). */
void src_preset_add(run *r, const sd_preset *p, slot where, unsigned source, bool authenticated)
{
    sd_server base = {
        .sources = source, .trusted = sd_source_trusted(source, authenticated), .provider_id = p->id,
    };
    src_preset_servers(r, p, where, &base);
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
