/* SPDX-License-Identifier: MIT */
/* Who vouches for a host name: the third rule of the credential policy
 * (doc: CONTRACT "Credential policy"), and the rule for host names suggested
 * to the user. A host is vouched for when the user named it, when it is a
 * built-in preset's or an ISPDB document's server, when an authenticated
 * source of the address's own domain named it, or when it lies inside the
 * address's own registrable domain (public suffix list). DNS answers count
 * as authenticated only as net/dns.c allows (a trusted DNSSEC AD bit). */
#ifndef SD_DISCOVER_VOUCH_H
#define SD_DISCOVER_VOUCH_H

#include <stdbool.h>

#include "presets/preset.h"

typedef enum sd_vouch {
    SD_VOUCH_NONE = 0,
    SD_VOUCH_USER,            /* the user typed it (diag --host) */
    SD_VOUCH_PRESET,          /* a preset's server */
    SD_VOUCH_ISPDB,           /* named by an ISPDB document fetched over https */
    SD_VOUCH_AUTHENTICATED,   /* named by an authenticated source of the address's domain */
    SD_VOUCH_OWN_DOMAIN,      /* inside the address's registrable domain */
} sd_vouch;

/* What discovery (or the command line) knows about where a host came from. */
typedef struct sd_host_facts {
    const char *host;
    const char *domain;       /* the address's domain (ASCII), or NULL without one */
    unsigned sources;         /* SD_SRC_* of every source that named it */
    bool authenticated;       /* one of them was an authenticated source */
    bool ispdb_named;         /* an ISPDB document fetched over https named it */
} sd_host_facts;

/* The strongest reason to trust the host, or SD_VOUCH_NONE. presets may be
 * NULL. */
sd_vouch sd_vouch_for(const sd_host_facts *f, const sd_preset_db *presets);
/* For JSON: "user", "preset", "ispdb", "authenticated", "own_domain"; NULL
 * for SD_VOUCH_NONE. This and the phrase are static strings. */
const char *sd_vouch_name(sd_vouch v);
/* A phrase for people: "you named it", "a built-in provider preset" ... */
const char *sd_vouch_phrase(sd_vouch v);

/* The registrable domain of a name ("example.co.uk" for "a.b.example.co.uk"),
 * by the public suffix list; NULL for a public suffix itself. Points into
 * name. */
const char *sd_registrable_domain(const char *name);
/* host lies inside domain's registrable domain. */
bool sd_host_in_registrable_domain(const char *host, const char *domain);

#endif
