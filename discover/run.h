/* SPDX-License-Identifier: MIT */
/* The inside of one discovery run (discover/discover.c): the state every
 * source adapter shares and the few calls they make on it. Not a public
 * header: only the files of discover/ include it.
 *
 * A run owns everything in it: the servers each source found (per slot),
 * the host cache and the probes started early; sd_discover frees them. A
 * source adapter (discover/src_NAME.c) owns only the context of its own
 * requests, which its callback frees. */
#ifndef SD_DISCOVER_RUN_H
#define SD_DISCOVER_RUN_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "discover/discover.h"
#include "net/dns.h"
#include "net/http.h"
#include "net/probe.h"

/* Bounds: at most 64 records of an answer are read, so 128 host names cover
 * them with the guesses and the documents' hosts. */
enum { MAX_HOSTS = 128, MAX_PROBES = 24 };

/* Probes start while sources are still being asked, so some go to servers
 * that end up out of the ranking (an http document an https one replaced):
 * room for those besides the MAX_PROBES ranked. */
enum { PROBE_ROOM = MAX_PROBES + 8 };

/* Where a source's servers go, so that results are merged in a fixed order
 * whatever order the network answered in (the order of this enum). The
 * built-in ISPDB snapshot has slots of its own beside the live ISPDB's and
 * the MX's, as what the live sources say replaces it (merge.c). */
typedef enum slot {
    SLOT_PRESET, SLOT_SRV, SLOT_AC_HTTPS, SLOT_AC_HTTP, SLOT_WK_HTTPS, SLOT_WK_HTTP,
    SLOT_ISPDB, SLOT_ISPDB_SNAPSHOT, SLOT_AUTODISCOVER, SLOT_MX, SLOT_MX_SNAPSHOT, SLOT_COUNT
} slot;

typedef struct run run;

/* A host name some source named, resolved once (discover/hosts.c). */
typedef struct host_entry {
    run *r;
    char *name;
    bool done;
    sd_dns_status status;
    sd_strlist addresses;
    char *canonical;              /* the name at the end of its CNAME chain */
} host_entry;

/* What a probe was started for: its host, port and security. */
typedef struct probe_key {
    const host_entry *host;
    int port;
    sd_security mode;
} probe_key;

struct run {
    const sd_address *addr;
    const sd_discover_options *opts;
    sd_discovery *out;
    sd_resolver *resolver;
    sd_http *http;
    sd_server_list found[SLOT_COUNT];
    host_entry hosts[MAX_HOSTS];
    size_t host_count;
    int64_t last_tick, stalled_ms;   /* see on_tick in discover.c */
    SSL_CTX *probe_tls;           /* made for the first probe */
    bool probe_tls_failed;
    sd_probe_set *probes;
    probe_key probe_keys[PROBE_ROOM];
};

/* ---- what every source calls (discover/hosts.c) --------------------- */

/* Adds what one source asked and answered to the JSON "sources" list. */
void run_report(run *r, unsigned source, const char *what, bool found, int64_t ms,
                const char *fmt, ...) SD_PRINTF(6, 7);
/* Copies a server a source named into its slot (the run owns the copy);
 * an SMTP server's host is resolved and probed at once. */
void run_add_found(run *r, slot where, const sd_server *s);
/* Resolves a host name, once per name, in case it is needed. */
void run_want_host(run *r, const char *host);

/* ---- the host cache and the probes (discover/hosts.c) --------------- */

const host_entry *run_find_host(const run *r, const char *host);
/* Starts (or finds) the probe of a resolved host's port; its index in the
 * probe set, or -1. */
int run_start_probe(run *r, const host_entry *h, int port, sd_security mode);
void run_free_hosts(run *r);

/* ---- merging, probing and ranking (discover/merge.c) ---------------- */

/* Every source has answered: merges the slots into r->out->servers, probes
 * and ranks them. */
void run_finish(run *r);

/* ---- the sources (discover/src_*.c), started in discover.c ---------- */

typedef void source_start_fn(run *r);
source_start_fn src_preset_start, src_snapshot_start, src_srv_start, src_mx_start, src_autoconfig_start,
    src_wellknown_start, src_ispdb_start, src_autodiscover_start, src_guess_start;

/* Shared between sources: the MX source looks the provider behind the MX
 * up in the presets, its autoconfig host and the ISPDB. */
void src_preset_add(run *r, const sd_preset *p, slot where, unsigned source, bool authenticated);
/* Every server of a preset (or of a snapshot section), each a copy of
 * `base` with the server's own facts (discover/src_preset.c). */
void src_preset_servers(run *r, const sd_preset *p, slot where, const sd_server *base);
/* Adds the snapshot's section for the provider behind the MX (its parent
 * or registrable domain), when no preset knew it; its name, or NULL when
 * the snapshot does not know it either (discover/src_snapshot.c). */
const char *src_snapshot_add_for_mx(run *r, const char *parent, const char *base, bool authenticated);
void src_autoconfig_fetch(run *r, slot where, unsigned source, bool trusted_base, const char *url);
void src_ispdb_fetch(run *r, slot where, unsigned source, bool trusted_base, const char *domain);

/* The guesses, best first: each host name with each well-known SMTP port
 * (common/model.h). */
enum { GUESS_HOSTS = 3 };
char *src_guess_host(const run *r, int i);     /* the caller frees it */

#endif
