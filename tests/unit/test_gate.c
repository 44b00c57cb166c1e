/* SPDX-License-Identifier: MIT */
/* The credential gate, as a table: every combination of what the
 * certificate showed, who named the host, whether the resolver's AD bit
 * counts, whether STARTTLS was clean, the user's flags and the answer at the
 * terminal, with the decision the contract's credential policy asks for.
 * The expectation is written from the policy's own words, not from the
 * gate's code; the vouch rule and the SASL and DNS helpers are checked too. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag/gate.h"
#include "discover/vouch.h"
#include "net/auth.h"
#include "net/dns.h"
#include "presets/preset.h"
#include "tests/unit/harness.h"

/* What the session's certificate check showed. */
typedef enum cert_state { CERT_VERIFIED, CERT_EXPIRED, CERT_SELF_SIGNED, CERT_WRONG_NAME, CERT_UNTRUSTED,
                          CERT_INTERCEPTED, CERT_NONE_PLAINTEXT, CERT_STATES } cert_state;

/* Who named the host, as discovery records it for the address
 * user@corp.example. */
typedef struct namer {
    const char *name;
    const char *host;
    unsigned sources;
    bool authenticated_with_trusted_ad;   /* discovery's "trusted" when the AD bit counts */
    bool authenticated_without_ad;        /* ... and when it does not */
    bool ispdb_named;
    bool vouched_with_ad, vouched_without_ad;   /* the policy's rule 3 */
} namer;

static const namer namers[] = {
    /* name                  host                         sources              auth+AD auth-AD ispdb  vouched+AD -AD */
    {"user",                 "mail.elsewhere.example",    SD_SRC_USER,         false, false, false, true,  true},
    {"preset",               "smtp.gmail.com",            SD_SRC_PRESET,       true,  true,  false, true,  true},
    {"ISPDB",                "smtp.isp.example",          SD_SRC_ISPDB,        true,  true,  true,  true,  true},
    {"https autoconfig",     "smtp.hoster.example",       SD_SRC_AUTOCONFIG,   true,  true,  false, true,  true},
    {"http autoconfig",      "smtp.hoster.example",       SD_SRC_AUTOCONFIG,   false, false, false, false, false},
    {"SRV in-domain",        "mail.corp.example",         SD_SRC_SRV,          true,  false, false, true,  true},
    {"SRV out-of-domain",    "mail.hoster.example",       SD_SRC_SRV,          true,  false, false, true,  false},
    {"Autodiscover via SRV", "mail.hoster.example",       SD_SRC_AUTODISCOVER, true,  false, false, true,  false},
    {"MX",                   "smtp.mxprovider.example",   SD_SRC_MX,           true,  false, false, true,  false},
    {"guess",                "smtp.corp.example",         SD_SRC_GUESS,        false, false, false, true,  true},
};

static sd_gate_verdict expected(cert_state cert, bool vouched, bool injected, const sd_gate_policy *p)
{
    if (injected)
        return SD_GATE_WITHHOLD_TAMPERED;                 /* rule 2 */
    if (cert == CERT_NONE_PLAINTEXT)                      /* plaintext AUTH only when typed */
        return p->plain_typed && p->allow_plaintext_auth ? (vouched || p->trust_discovered || p->answer == SD_GATE_YES
                                                             ? SD_GATE_SEND : SD_GATE_WITHHOLD_HOST)
                                                         : SD_GATE_WITHHOLD_PLAINTEXT;
    if (cert != CERT_VERIFIED && !p->insecure)            /* rule 1 */
        return SD_GATE_WITHHOLD_CERT;
    if (!vouched && !p->trust_discovered && p->answer != SD_GATE_YES)   /* rule 3 */
        return SD_GATE_WITHHOLD_HOST;
    return SD_GATE_SEND;
}

static void test_the_whole_table(void)
{
    sd_preset_db presets = {0};
    sd_error err;
    CHECK(sd_preset_db_load_builtin(&presets, &err) == 0);
    int rows = 0;
    for (int cert = 0; cert < CERT_STATES; cert++)
        for (size_t n = 0; n < sizeof namers / sizeof *namers; n++)
            for (int ad = 0; ad < 2; ad++)
                for (int injected = 0; injected < 2; injected++)
                    for (int flags = 0; flags < 16; flags++)
                        for (int answer = 0; answer < 3; answer++) {
                            const namer *who = &namers[n];
                            sd_host_facts facts = {
                                .host = who->host, .domain = "corp.example", .sources = who->sources,
                                .authenticated = ad ? who->authenticated_with_trusted_ad : who->authenticated_without_ad,
                                .ispdb_named = who->ispdb_named,
                            };
                            sd_vouch vouch = sd_vouch_for(&facts, &presets);
                            bool vouched = ad ? who->vouched_with_ad : who->vouched_without_ad;
                            sd_gate_policy p = {
                                .insecure = flags & 1, .trust_discovered = flags & 2,
                                .allow_plaintext_auth = flags & 4, .plain_typed = flags & 8,
                                .answer = (sd_gate_answer)answer,
                            };
                            sd_gate_session s = {
                                .encrypted = cert != CERT_NONE_PLAINTEXT,
                                .cert_verified = cert == CERT_VERIFIED, .starttls_clean = !injected,
                            };
                            sd_gate_verdict got = sd_gate_decide(vouch, &s, &p);
                            sd_gate_verdict want = expected((cert_state)cert, vouched, injected, &p);
                            rows++;
                            if (got != want || (vouch != SD_VOUCH_NONE) != vouched)
                                harness_fail(__FILE__, __LINE__,
                                             "cert %d, named by %s, AD %s, injected %d, flags %d, answer %d: "
                                             "verdict %d (vouch %d), expected %d",
                                             cert, who->name, ad ? "trusted" : "not trusted", injected, flags, answer,
                                             got, vouch, want);
                        }
    CHECK_INT(rows, CERT_STATES * 10 * 2 * 2 * 16 * 3);
    sd_preset_db_free(&presets);
}

static void test_the_question_comes_only_where_it_changes_something(void)
{
    sd_gate_policy none = {0}, trust = {.trust_discovered = true};
    CHECK(sd_gate_host_needs_consent(SD_VOUCH_NONE, &none));
    CHECK(!sd_gate_host_needs_consent(SD_VOUCH_NONE, &trust));
    CHECK(!sd_gate_host_needs_consent(SD_VOUCH_OWN_DOMAIN, &none));
    CHECK(!sd_gate_host_needs_consent(SD_VOUCH_PRESET, &none));
}

static void test_registrable_domains(void)
{
    CHECK(sd_host_in_registrable_domain("smtp.corp.example", "corp.example"));
    CHECK(sd_host_in_registrable_domain("mail.corp.example", "sales.corp.example"));
    CHECK(sd_host_in_registrable_domain("corp.example", "corp.example"));
    CHECK(sd_host_in_registrable_domain("SMTP.Corp.Example.", "corp.example"));
    CHECK(!sd_host_in_registrable_domain("evilcorp.example", "corp.example"));
    CHECK(!sd_host_in_registrable_domain("corp.example.attacker.example", "corp.example"));
    CHECK(sd_host_in_registrable_domain("smtp.shop.co.uk", "shop.co.uk"));
    CHECK(!sd_host_in_registrable_domain("smtp.other.co.uk", "shop.co.uk"));
    /* an address at a public suffix vouches for no host under it */
    CHECK(!sd_host_in_registrable_domain("evil.co.uk", "co.uk"));
    CHECK(!sd_host_in_registrable_domain("smtp.corp.example", NULL));
}

static void test_strict_base64(void)
{
    size_t n = 99;
    unsigned char *d = sd_base64_decode("PDE4OTYuNjk3MTcwOTUyQGxhYi50ZXN0Pg==", &n);
    CHECK(d != NULL);
    CHECK_INT(n, 25);
    CHECK(d && memcmp(d, "<1896.697170952@lab.test>", 25) == 0);
    free(d);
    d = sd_base64_decode("", &n);
    CHECK(d != NULL && n == 0);
    free(d);
    static const char *const bad[] = {"====", "a===", "ab=", "abc", "ab=c", "a=bc", "YW Jj", "YWJj\n", "YW*j", "=YWJ"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = 99;
        d = sd_base64_decode(bad[i], &n);
        if (d)
            harness_fail(__FILE__, __LINE__, "\"%s\" decoded, but is not strict base64", bad[i]);
        free(d);
    }
    char *cram = sd_sasl_cram_md5_answer("====", "user", "secret");
    CHECK(cram == NULL);
    cram = sd_sasl_cram_md5_answer("", "user", "secret");
    CHECK(cram == NULL);
    /* RFC 2195's own example */
    cram = sd_sasl_cram_md5_answer("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", "tim", "tanstaaftanstaaf");
    CHECK_STR(cram, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    free(cram);
}

static void test_trust_ad_option(void)
{
    CHECK(sd_dns_options_trust_ad("options trust-ad"));
    CHECK(sd_dns_options_trust_ad("options ndots:2 trust-ad edns0"));
    CHECK(sd_dns_options_trust_ad("trust-ad"));                 /* RES_OPTIONS */
    CHECK(!sd_dns_options_trust_ad("options ndots:2 edns0"));
    CHECK(!sd_dns_options_trust_ad("options trust-adx"));
    CHECK(!sd_dns_options_trust_ad(""));
}

/* The gate is the only way to AUTH: no other source file calls the
 * exchange itself. */
static void test_only_the_gate_calls_auth(void)
{
    static const char *const dirs[] = {"common", "net", "discover", "diag", "cli", "presets"};
    int files = 0;
    for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", TOP_SRCDIR, dirs[d]);
        DIR *dir = opendir(path);
        CHECK(dir != NULL);
        for (struct dirent *e; dir && (e = readdir(dir)) != NULL;) {
            size_t n = strlen(e->d_name);
            if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s/%s", TOP_SRCDIR, dirs[d], e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            files++;
            char line[4096];
            bool allowed = (strcmp(dirs[d], "net") == 0 && strcmp(e->d_name, "auth.c") == 0) ||
                           (strcmp(dirs[d], "diag") == 0 && strcmp(e->d_name, "gate.c") == 0);
            for (int no = 1; fgets(line, sizeof line, f); no++)
                if (strstr(line, "sd_auth_run(") && !allowed)
                    harness_fail(__FILE__, __LINE__, "%s/%s:%d calls sd_auth_run; only diag/gate.c may",
                                 dirs[d], e->d_name, no);
            fclose(f);
        }
        if (dir)
            closedir(dir);
    }
    CHECK(files > 30);
}

TEST_LIST(gate_tests) = {
    {"gate: only diag/gate.c starts the AUTH exchange", test_only_the_gate_calls_auth},
    {"gate: every combination of certificate, namer, AD bit, STARTTLS, flags and answer", test_the_whole_table},
    {"gate: the trust question only where it changes the decision", test_the_question_comes_only_where_it_changes_something},
    {"gate: hosts inside the address's registrable domain", test_registrable_domains},
    {"gate: SASL input is strict base64; CRAM-MD5 as RFC 2195", test_strict_base64},
    {"gate: resolv.conf's trust-ad option", test_trust_ad_option},
    {NULL, NULL},
};
