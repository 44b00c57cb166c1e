/* SPDX-License-Identifier: MIT */
/* The built-in ISPDB snapshot (presets/snapshot.h) as a source: for the
 * address's domain when no preset knows it, and for the provider behind
 * the MX when no preset knows that. Its servers are the ISPDB's (source
 * "ispdb", or "mx" behind the MX) and go to slots of their own, which
 * merge.c drops when the live ISPDB (or the MX's live sources) answered:
 * the live database may be newer.
 *
 * The snapshot is parsed once per process, and only when a run first
 * needs it, so that a preset answer costs neither the time nor the memory
 * of its 200 providers; the parsed copy lives until the process ends. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "discover/run.h"
#include "presets/snapshot.h"

static sd_preset_db snapshot_db;
static bool snapshot_loaded;
static pthread_once_t snapshot_once = PTHREAD_ONCE_INIT;

static void load_snapshot(void)
{
    sd_error err;
    /* a snapshot that does not parse is a build defect the unit tests
     * catch; at run time it only means no offline answers */
    snapshot_loaded = sd_ispdb_snapshot_load(&snapshot_db, &err) == 0;
}

static const sd_preset *snapshot_find(const char *domain)
{
    if (!domain || !strchr(domain, '.'))
        return NULL;
    pthread_once(&snapshot_once, load_snapshot);
    return snapshot_loaded ? sd_preset_find_domain(&snapshot_db, domain) : NULL;
}

static size_t smtp_count(const sd_preset *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->server_count; i++)
        n += p->servers[i].protocol == SD_PROTO_SMTP;
    return n;
}

/* A snapshot section's servers, as the ISPDB would name them: vouched for
 * like an https ISPDB document, and marked as the built-in copy. */
static void add_section(run *r, const sd_preset *p, slot where, unsigned source, bool authenticated)
{
    sd_server base = {
        .sources = source, .trusted = sd_source_trusted(source, authenticated),
        .ispdb_named = true, .from_snapshot = true,
    };
    src_preset_servers(r, p, where, &base);
}

void src_snapshot_start(run *r)
{
    if (r->found[SLOT_PRESET].len)
        return;                        /* a preset answered: the snapshot ranks below it */
    const char *d = r->addr->domain;
    const sd_preset *p = snapshot_find(d);
    char *what = sd_xasprintf("built-in ISPDB of %s: %s", sd_ispdb_snapshot_date(), d);
    if (p)
        add_section(r, p, SLOT_ISPDB_SNAPSHOT, SD_SRC_ISPDB, true);
    run_report(r, SD_SRC_ISPDB, what, p && smtp_count(p), 0, "%s",
               p ? p->name : "not in the built-in ISPDB");
    free(what);
}

const char *src_snapshot_add_for_mx(run *r, const char *parent, const char *base, bool authenticated)
{
    const sd_preset *p = snapshot_find(parent);
    if (!p)
        p = snapshot_find(base);
    if (!p || !smtp_count(p))
        return NULL;
    add_section(r, p, SLOT_MX_SNAPSHOT, SD_SRC_MX, authenticated);
    return p->name;
}
