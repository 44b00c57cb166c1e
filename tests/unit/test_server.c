/* SPDX-License-Identifier: MIT */
#include "discover/server.h"
#include "tests/unit/harness.h"

static sd_server srv(const char *host, int port, sd_security sec, unsigned source, int order)
{
    sd_server s = {.protocol = SD_PROTO_SMTP, .host = (char *)host, .port = port, .security = sec,
                   .sources = source, .order = order};
    return s;
}

static void test_merge_same_endpoint(void)
{
    sd_server_list l = {0};
    sd_server a = srv("smtp.example.com", 465, SD_SEC_TLS, SD_SRC_ISPDB, 0);
    a.username = "from-ispdb";
    sd_server b = srv("SMTP.Example.com", 465, SD_SEC_TLS, SD_SRC_AUTOCONFIG, 3);
    b.username = "from-autoconfig";
    b.trusted = true;
    b.auth = SD_AUTH_PLAIN;
    sd_server_list_add(&l, &a);
    sd_server_list_add(&l, &b);
    CHECK_INT(l.len, 1);
    CHECK_INT(l.items[0].sources, SD_SRC_ISPDB | SD_SRC_AUTOCONFIG);
    CHECK_STR(l.items[0].username, "from-autoconfig");     /* the domain's own word wins */
    CHECK(l.items[0].trusted);
    CHECK_INT(l.items[0].auth, SD_AUTH_PLAIN);
    CHECK_INT(sd_source_primary(l.items[0].sources), SD_SRC_AUTOCONFIG);
    sd_server c = srv("smtp.example.com", 587, SD_SEC_STARTTLS, SD_SRC_ISPDB, 1);
    sd_server_list_add(&l, &c);
    CHECK_INT(l.len, 2);
    sd_server_list_free(&l);
}

static void test_ranking(void)
{
    sd_server_list l = {0};
    sd_server in[] = {
        srv("guess.example", 465, SD_SEC_TLS, SD_SRC_GUESS, 0),
        srv("mx.example", 465, SD_SEC_TLS, SD_SRC_MX, 0),
        srv("preset.example", 587, SD_SEC_STARTTLS, SD_SRC_PRESET, 0),
        srv("preset.example", 465, SD_SEC_TLS, SD_SRC_PRESET, 1),
        srv("plain.example", 25, SD_SEC_PLAIN, SD_SRC_AUTOCONFIG, 0),
        srv("ac.example", 587, SD_SEC_STARTTLS, SD_SRC_AUTOCONFIG, 1),
        srv("srv.example", 465, SD_SEC_TLS, SD_SRC_SRV, 0),
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        sd_server_list_add(&l, &in[i]);
    sd_server imap = srv("imap.example", 993, SD_SEC_TLS, SD_SRC_PRESET, 0);
    imap.protocol = SD_PROTO_IMAP;
    sd_server_list_add(&l, &imap);
    sd_server_list_rank(&l);
    const char *expect[] = {"srv.example", "ac.example", "plain.example", "preset.example",
                            "preset.example", "mx.example", "guess.example", "imap.example"};
    for (size_t i = 0; i < 8; i++)
        CHECK_STR(l.items[i].host, expect[i]);
    /* within one source that states an order, the provider's order: its
     * STARTTLS server listed first stays first... */
    CHECK_INT(l.items[3].port, 587);
    /* ...but a server without encryption (plain.example, listed first)
     * goes after the encrypted one (ac.example); between sources, implicit
     * TLS first (srv.example before ac.example) */
    /* a candidate whose probe failed goes behind those that work */
    l.items[0].probe_failed = true;
    sd_server_list_rank(&l);
    CHECK_STR(l.items[0].host, "ac.example");
    CHECK_STR(l.items[6].host, "srv.example");
    sd_server_list_free(&l);
}

static void test_invalid_entries_are_dropped(void)
{
    sd_server_list l = {0};
    sd_server a = srv("", 465, SD_SEC_TLS, SD_SRC_GUESS, 0);
    sd_server b = srv("x.example", 0, SD_SEC_TLS, SD_SRC_GUESS, 0);
    sd_server c = srv("x.example", 70000, SD_SEC_TLS, SD_SRC_GUESS, 0);
    sd_server_list_add(&l, &a);
    sd_server_list_add(&l, &b);
    sd_server_list_add(&l, &c);
    CHECK_INT(l.len, 0);
    sd_server_list_free(&l);
}

/* The ranking is one strict order: every input order of the same servers
 * ranks them alike (the comparison of the provider's order within a source
 * and of security between sources once went round in a circle: an
 * autoconfig STARTTLS server listed first, its TLS server second, and an
 * SRV TLS server). */
static void test_ranking_ignores_the_input_order(void)
{
    sd_server in[] = {
        srv("a.example", 587, SD_SEC_STARTTLS, SD_SRC_AUTOCONFIG, 0),
        srv("b.example", 465, SD_SEC_TLS, SD_SRC_AUTOCONFIG, 1),
        srv("c.example", 465, SD_SEC_TLS, SD_SRC_SRV, 0),
    };
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int p = 0; p < 6; p++) {
        sd_server_list l = {0};
        for (int i = 0; i < 3; i++)
            sd_server_list_add(&l, &in[perms[p][i]]);
        sd_server_list_rank(&l);
        /* the autoconfig group offers TLS too, and autoconfig is preferred
         * to SRV: its own order first (a, b), then SRV's c */
        CHECK_STR(l.items[0].host, "a.example");
        CHECK_STR(l.items[1].host, "b.example");
        CHECK_STR(l.items[2].host, "c.example");
        sd_server_list_free(&l);
    }
}

TEST_LIST(server_tests) = {
    {"server: the ranking does not depend on the input order", test_ranking_ignores_the_input_order},
    {"server: candidates several sources agree on are one", test_merge_same_endpoint},
    {"server: ranking by source tier, the provider's order and security", test_ranking},
    {"server: invalid entries are dropped", test_invalid_entries_are_dropped},
    {NULL, NULL},
};
