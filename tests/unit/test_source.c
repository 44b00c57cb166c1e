/* SPDX-License-Identifier: MIT */
/* The table of discovery sources (common/source.c): a source added to the
 * enum without a complete row fails here, not as a source named NULL and
 * ranked as a guess. */
#include "common/source.h"
#include "discover/server.h"
#include "tests/unit/harness.h"

static void test_every_source_has_a_complete_row(void)
{
    for (int i = 0; i < SD_SRC_COUNT; i++) {
        const sd_source_info *s = sd_source_info_of(SD_SRC_BIT(i));
        CHECK(s == &sd_sources[i]);
        if (!s)
            continue;
        if (!s->name || !*s->name || !s->label || !*s->label)
            harness_fail(__FILE__, __LINE__, "source %d has no name or no label", i);
        if (s->trust != SD_TRUST_ALWAYS && (!s->unverified || !s->reached_by))
            harness_fail(__FILE__, __LINE__, "source %d (%s) may be unauthenticated but has no gate phrases", i,
                         s->name ? s->name : "(null)");
        if (s->tier == SD_TIER_UNSET || s->preference < 1 || s->trust == SD_TRUST_UNSET)
            harness_fail(__FILE__, __LINE__, "source %d (%s) has no tier, preference or trust", i,
                         s->name ? s->name : "(null)");
    }
    CHECK(sd_source_info_of(0) == NULL);
    CHECK(sd_source_info_of(SD_SRC_BIT(SD_SRC_COUNT)) == NULL);
    CHECK(sd_source_info_of(SD_SRC_SRV | SD_SRC_MX) == NULL);
    CHECK_STR(sd_source_name(SD_SRC_BIT(SD_SRC_COUNT)), "?");
}

static void test_names_and_preferences_are_distinct(void)
{
    for (int i = 0; i < SD_SRC_COUNT; i++)
        for (int j = i + 1; j < SD_SRC_COUNT; j++) {
            const sd_source_info *a = &sd_sources[i], *b = &sd_sources[j];
            if (a->name && b->name && strcmp(a->name, b->name) == 0)
                harness_fail(__FILE__, __LINE__, "sources %d and %d are both named %s", i, j, a->name);
            if (a->preference == b->preference)
                harness_fail(__FILE__, __LINE__, "sources %d and %d share preference %d", i, j,
                             a->preference);
        }
}

/* The primary source of a mask is its most preferred one; it must also be
 * of its best tier, or a server would rank by a weaker source than it has. */
static void test_preference_follows_tier(void)
{
    for (int i = 0; i < SD_SRC_COUNT; i++)
        for (int j = 0; j < SD_SRC_COUNT; j++) {
            const sd_source_info *a = &sd_sources[i], *b = &sd_sources[j];
            if (a->preference < b->preference && a->tier > b->tier)
                harness_fail(__FILE__, __LINE__, "%s is preferred to %s but has a weaker tier",
                             a->name, b->name);
        }
    CHECK_INT(sd_source_primary(SD_SRC_MX | SD_SRC_SRV | SD_SRC_GUESS), SD_SRC_SRV);
    CHECK_INT(sd_source_tier(SD_SRC_USER), 0);
    CHECK_INT(sd_source_tier(SD_SRC_GUESS), SD_TIER_GUESS - SD_TIER_USER);
}

static void test_trust(void)
{
    CHECK(sd_source_trusted(SD_SRC_PRESET, false));
    CHECK(!sd_source_trusted(SD_SRC_GUESS, true));
    CHECK(sd_source_trusted(SD_SRC_SRV, true));
    CHECK(!sd_source_trusted(SD_SRC_SRV, false));
    CHECK(!sd_source_trusted(0, true));
}

TEST_LIST(source_tests) = {
    {"source: every source has a complete row", test_every_source_has_a_complete_row},
    {"source: names and preferences are distinct", test_names_and_preferences_are_distinct},
    {"source: preference follows the tier", test_preference_follows_tier},
    {"source: trust by source and answer", test_trust},
    {NULL, NULL},
};
