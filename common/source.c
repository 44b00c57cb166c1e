/* SPDX-License-Identifier: MIT */
#include "common/source.h"

#include <stddef.h>

/* The one table of sources. A row left out is all zeros, which the unit
 * test refuses (no name, no tier, no preference, no trust). */
const sd_source_info sd_sources[SD_SRC_COUNT] = {
    [SD_SOURCE_USER] = {
        .name = "user", .label = "your settings",
        .tier = SD_TIER_USER, .preference = 1, .trust = SD_TRUST_ALWAYS,
    },
    [SD_SOURCE_AUTOCONFIG] = {
        .name = "autoconfig", .label = "the domain's autoconfig document",
        .tier = SD_TIER_DOMAIN, .preference = 2, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = "an autoconfig document fetched over plain http",
        .reached_by = "a document fetched over plain http",
    },
    [SD_SOURCE_WELLKNOWN] = {
        .name = "wellknown", .label = "the domain's .well-known autoconfig document",
        .tier = SD_TIER_DOMAIN, .preference = 3, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = "a .well-known autoconfig document fetched over plain http",
        .reached_by = "a document fetched over plain http",
    },
    [SD_SOURCE_SRV] = {
        .name = "srv", .label = "DNS SRV records of the domain",
        .tier = SD_TIER_DOMAIN, .preference = 4, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = "a DNS SRV record that DNSSEC did not validate",
        .reached_by = "DNS",
    },
    [SD_SOURCE_AUTODISCOVER] = {
        .name = "autodiscover", .label = "Exchange Autodiscover",
        .tier = SD_TIER_DOMAIN, .preference = 5, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = "an Exchange Autodiscover document that DNS led to",
        .reached_by = "DNS",
    },
    [SD_SOURCE_PRESET] = {
        .name = "preset", .label = "the built-in preset",
        .tier = SD_TIER_KNOWN, .preference = 6, .trust = SD_TRUST_ALWAYS,
    },
    [SD_SOURCE_ISPDB] = {
        .name = "ispdb", .label = "the Thunderbird ISPDB",
        .tier = SD_TIER_KNOWN, .preference = 7, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = "an ISPDB document fetched over plain http",
        .reached_by = "a document fetched over plain http",
    },
    [SD_SOURCE_MX] = {
        .name = "mx", .label = "the provider behind the domain's MX",
        .tier = SD_TIER_MX, .preference = 8, .trust = SD_TRUST_IF_AUTHENTICATED,
        .unverified = "the provider found through the domain's MX record, which DNSSEC did not validate",
        .reached_by = "DNS",
    },
    [SD_SOURCE_GUESS] = {
        .name = "guess", .label = "a guess that answered",
        .tier = SD_TIER_GUESS, .preference = 9, .trust = SD_TRUST_NEVER,
        .unverified = "a guess",
        .reached_by = "guessing",
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
    return s ? s->label : "?";
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
