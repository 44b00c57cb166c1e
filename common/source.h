/* SPDX-License-Identifier: MIT */
/* The sources of discovery in one table: for each, its bit in an SD_SRC_*
 * mask, its contract name, the phrase people read, its ranking tier and
 * preference, and whether its word is trusted. A source is an enumerator
 * and its bit below and one row in common/source.c (the unit test
 * tests/unit/test_source.c fails while the row is missing or incomplete);
 * what asks it is one file, discover/src_NAME.c, whose start function is
 * listed in discover/discover.c (see discover/run.h). The table is static
 * data: nothing here is allocated or freed. */
#ifndef SD_COMMON_SOURCE_H
#define SD_COMMON_SOURCE_H

#include <stdbool.h>

/* One index per source; the order is the order in which JSON lists the
 * sources of a candidate, and so part of the contract. */
typedef enum sd_source_id {
    SD_SOURCE_SRV = 0,
    SD_SOURCE_AUTOCONFIG,
    SD_SOURCE_WELLKNOWN,
    SD_SOURCE_ISPDB,
    SD_SOURCE_MX,
    SD_SOURCE_AUTODISCOVER,
    SD_SOURCE_PRESET,
    SD_SOURCE_GUESS,
    SD_SOURCE_USER,
    SD_SRC_COUNT
} sd_source_id;

/* Where a candidate came from, as a bit mask (a server named by several
 * sources carries several bits). */
#define SD_SRC_BIT(id) (1u << (id))
enum {
    SD_SRC_SRV          = SD_SRC_BIT(SD_SOURCE_SRV),
    SD_SRC_AUTOCONFIG   = SD_SRC_BIT(SD_SOURCE_AUTOCONFIG),
    SD_SRC_WELLKNOWN    = SD_SRC_BIT(SD_SOURCE_WELLKNOWN),
    SD_SRC_ISPDB        = SD_SRC_BIT(SD_SOURCE_ISPDB),
    SD_SRC_MX           = SD_SRC_BIT(SD_SOURCE_MX),
    SD_SRC_AUTODISCOVER = SD_SRC_BIT(SD_SOURCE_AUTODISCOVER),
    SD_SRC_PRESET       = SD_SRC_BIT(SD_SOURCE_PRESET),
    SD_SRC_GUESS        = SD_SRC_BIT(SD_SOURCE_GUESS),
    SD_SRC_USER         = SD_SRC_BIT(SD_SOURCE_USER),
};

/* How far a source is believed when ranking: a lower tier always ranks
 * first (discover/server.c). 0 is no tier, so that a row left out is seen. */
typedef enum sd_tier {
    SD_TIER_UNSET = 0,
    SD_TIER_USER,             /* what the user typed */
    SD_TIER_DOMAIN,           /* what the domain publishes itself */
    SD_TIER_KNOWN,            /* built-in presets and the ISPDB */
    SD_TIER_MX,               /* the provider found behind the MX */
    SD_TIER_GUESS,            /* host names tried because nothing named one */
} sd_tier;

/* Whether a server a source names is `trusted` (authenticated). */
typedef enum sd_source_trust {
    SD_TRUST_UNSET = 0,
    SD_TRUST_ALWAYS,          /* built in, or typed by the user */
    SD_TRUST_IF_AUTHENTICATED,/* when its answer was: https all the way, DNSSEC */
    SD_TRUST_NEVER,           /* a guess */
} sd_source_trust;

typedef struct sd_source_info {
    const char *name;         /* the contract's spelling: "srv", "autoconfig" ... */
    const char *label;        /* for people: "DNS SRV records of the domain" */
    sd_tier tier;
    int preference;           /* 1, 2, ...: which source of a mask is its primary
                                 one, and the tie-break within a tier */
    sd_source_trust trust;
    /* For the credential gate, when the source's answer was not
     * authenticated (NULL for sources that are always trusted): */
    const char *unverified;   /* what named the host: "a DNS SRV record that DNSSEC did not validate" */
    const char *reached_by;   /* how it was found: "DNS", "a document fetched over plain http" */
} sd_source_info;

/* Indexed by sd_source_id; every row is filled (the unit test checks). */
extern const sd_source_info sd_sources[SD_SRC_COUNT];

/* The row of a single source bit; NULL for 0, a mask of several bits or an
 * unknown bit. */
const sd_source_info *sd_source_info_of(unsigned single_bit);
const char *sd_source_name(unsigned single_bit);       /* "srv" ...; "?" if unknown */
const char *sd_source_label(unsigned single_bit);      /* "DNS SRV records ..."; "?" if unknown */
/* Whether a server the source names is trusted, given whether the answer
 * that named it was authenticated. */
bool sd_source_trusted(unsigned single_bit, bool answer_authenticated);

#endif
