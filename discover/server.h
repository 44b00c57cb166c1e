/* SPDX-License-Identifier: MIT */
/* A server candidate (one way to reach a mail server: host, port, security,
 * login form) and the list that merges and ranks them. Every source of
 * discovery produces sd_server values; the list merges the ones several
 * sources agree on and orders them best first. */
#ifndef SD_DISCOVER_SERVER_H
#define SD_DISCOVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/model.h"
#include "discover/vouch.h"

typedef struct sd_server {
    sd_protocol protocol;
    char *host;
    int port;
    sd_security security;
    char *username;         /* with placeholders substituted; NULL when unknown */
    unsigned auth;          /* SD_AUTH_* mask; 0 when unknown */
    unsigned sources;       /* SD_SRC_* mask of every source that named it */
    bool trusted;           /* named by at least one authenticated source */
    bool ispdb_named;       /* an ISPDB document fetched over https named it */
    bool from_snapshot;     /* the built-in ISPDB snapshot named it (not the live ISPDB) */
    sd_vouch vouch;         /* who vouches for the host (set by discovery before ranking) */
    bool unresolved;        /* its host name did not resolve in this run */
    bool demoted;           /* ranked below the known providers' hosts (see rank) */
    int group_security;     /* ranking scratch: the best security its source's group offers */
    bool verified;          /* a probe of this run saw it answer as described */
    bool probe_failed;      /* a probe of this run saw it fail */
    bool cert_failed;       /* it answered, but its certificate did not verify for the host */
    char *probe_note;       /* what the probe saw, one sentence; may be NULL */
    char *provider_id;      /* the preset it belongs to, when known */
    int order;              /* position within its best source, for stable ranking */
} sd_server;

/* A list owns its entries and every string in them: `= {0}` is empty, and
 * sd_server_list_free frees all and leaves it empty. An sd_server on its
 * own is its owner's, freed with sd_server_clear. */
typedef struct sd_server_list {
    sd_server *items;
    size_t len, cap;
} sd_server_list;

/* Copies `s` into the list, or merges it into an equal entry (same protocol,
 * host, port and security): sources and auth are joined, trust is kept if
 * either is trusted, and the username of the better source wins. Returns
 * false, adding nothing, for an unsafe host name or a port out of range. */
bool sd_server_list_add(sd_server_list *l, const sd_server *s);
/* Orders the list best first: working before failed, then the source tier
 * (what the domain publishes, presets and ISPDB, MX-based, guesses); within
 * one source that states the provider's order (autoconfig, .well-known,
 * ISPDB, presets, MX-based), that order, a server without encryption last;
 * otherwise implicit TLS before STARTTLS before plain, then the source's
 * preference and its own order.
 * A host nothing vouches for (vouch NONE) never outranks a preset or ISPDB
 * host that resolves: it goes below them, whatever source named it. */
void sd_server_list_rank(sd_server_list *l);
void sd_server_list_free(sd_server_list *l);
/* Moves every entry of `from` into `to` (merging) and empties `from`. */
void sd_server_list_merge(sd_server_list *to, sd_server_list *from);

void sd_server_copy(sd_server *dst, const sd_server *src);   /* deep copy */
void sd_server_clear(sd_server *s);
/* The best (lowest-tier) source of a mask, as a single bit. */
unsigned sd_source_primary(unsigned sources);
int sd_source_tier(unsigned single_source);

#endif
