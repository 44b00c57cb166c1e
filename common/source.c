/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "common/source.h"

#include <stddef.h>

/* The one table of sources. A row left out is all zeros, which the unit
 * test refuses (no name, no tier, no preference, no trust). */
const sd_source_info sd_sources[SD_SRC_COUNT] = {
    [SD_SOURCE_USER] = {
        .name = "user", .label = N_("your settings"),
        .tier = SD_TIER_USER, .preference = 1, .trust = SD_TRUST_ALWAYS,
    },
    [SD_SOURCE_AUTOCONFIG] = {
        .name = "autoconfig", .label = N_("the domain's autoconfig document"),
        .tier = SD_TIER_DOMAIN, .preference = 2, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = N_("an autoconfig document fetched over plain http"),
        .reached_by = N_("a document fetched over plain http"),
    },
    [SD_SOURCE_WELLKNOWN] = {
        .name = "wellknown", .label = N_("the domain's .well-known autoconfig document"),
        .tier = SD_TIER_DOMAIN, .preference = 3, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = N_("a .well-known autoconfig document fetched over plain http"),
        .reached_by = N_("a document fetched over plain http"),
    },
    [SD_SOURCE_SRV] = {
        .name = "srv", .label = N_("DNS SRV records of the domain"),
        .tier = SD_TIER_DOMAIN, .preference = 4, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = N_("a DNS SRV record that DNSSEC did not validate"),
        .reached_by = "DNS",
    },
    [SD_SOURCE_AUTODISCOVER] = {
        .name = "autodiscover", .label = N_("Exchange Autodiscover"),
        .tier = SD_TIER_DOMAIN, .preference = 5, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = N_("an Exchange Autodiscover document that DNS led to"),
        .reached_by = "DNS",
    },
    [SD_SOURCE_PRESET] = {
        .name = "preset", .label = N_("the built-in preset"),
        .tier = SD_TIER_KNOWN, .preference = 6, .trust = SD_TRUST_ALWAYS,
    },
    [SD_SOURCE_ISPDB] = {
        .name = "ispdb", .label = N_("the Thunderbird ISPDB"),
        .tier = SD_TIER_KNOWN, .preference = 7, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = N_("an ISPDB document fetched over plain http"),
        .reached_by = N_("a document fetched over plain http"),
    },
    [SD_SOURCE_MX] = {
        .name = "mx", .label = N_("the provider behind the domain's MX"),
        .tier = SD_TIER_MX, .preference = 8, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = N_("the provider found through the domain's MX record, which DNSSEC did not validate"),
        .reached_by = "DNS",
    },
    [SD_SOURCE_GUESS] = {
        .name = "guess", .label = N_("a guess that answered"),
        .tier = SD_TIER_GUESS, .preference = 9, .trust = SD_TRUST_NEVER,
        .unverified = N_("a guess"),
        .reached_by = N_("guessing"),
    },
};

const sd_source_info *sd_source_info_of(unsigned bit)
{
    for (int i = 0; i < SD_SRC_COUNT; i++)
        if (bit == SD_SRC_BIT(i))
            return &sd_sources[i];
    return NULL;
}

const char *sd_source_name(unsigned bit)
{
    const sd_source_info *s = sd_source_info_of(bit);
    return s ? s->name : "?";
}

const char *sd_source_label(unsigned bit)
{
    const sd_source_info *s = sd_source_info_of(bit);
    return s ? _(s->label) : "?";
}

bool sd_source_trusted(unsigned bit, bool answer_authenticated)
{
    const sd_source_info *s = sd_source_info_of(bit);
    if (!s)
        return false;
    switch (s->trust) {
    case SD_TRUST_ALWAYS: return true;
    case SD_TRUST_IF_AUTHENTICATED: return answer_authenticated;
    default: return false;
    }
}
