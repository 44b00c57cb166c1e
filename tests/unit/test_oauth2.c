/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "common/jsonread.h"
#include "net/oauth2.h"
#include "tests/unit/harness.h"

static void check_member(const char *doc, const char *key, const char *want)
{
    char *got = sd_json_member(doc, key);
    if (!want ? got != NULL : !got || strcmp(got, want) != 0)
        harness_fail(__FILE__, __LINE__, "%s in %s: got %s, want %s", key, doc, got ? got : "NULL",
                     want ? want : "NULL");
    free(got);
}

/* Token responses as the identity providers send them, and what is not JSON. */
static void test_json_member(void)
{
    const char *ok = "{\"token_type\":\"Bearer\",\"scope\":\"https://outlook.office.com/SMTP.Send\","
                     " \"expires_in\": 3599, \"ext\":{\"access_token\":\"inner\"},\"list\":[1,{\"a\":\"]\"}],"
                     "\"access_token\":\"eyJ0\\u00e9\\/x\\\"y\"}";
    check_member(ok, "access_token", "eyJ0\xc3\xa9/x\"y");
    check_member(ok, "expires_in", "3599");
    check_member(ok, "ext", NULL);
    check_member(ok, "missing", NULL);
    check_member("{\"error\":\"authorization_pending\",\"error_description\":\"AADSTS70016\"}", "error",
                 "authorization_pending");
    check_member("{\"a\":\"\\ud83d\\ude00\"}", "a", "\xf0\x9f\x98\x80");
    check_member("[\"error\",\"x\"]", "error", NULL);
    check_member("{\"error\":\"unterminated", "error", NULL);
    check_member("{\"a\":\"x\",\"error\":\"b\\q\"}", "error", NULL);
    check_member("{\"a\":\"ctl\x01\",\"error\":\"x\"}", "error", NULL);
    check_member("", "error", NULL);
    char deep[200];
    memset(deep, '[', sizeof deep - 1);
    deep[0] = '{', deep[1] = '"', deep[2] = 'a', deep[3] = '"', deep[4] = ':';
    deep[sizeof deep - 1] = '\0';
    check_member(deep, "b", NULL);
}

/* RFC 7636 appendix B's example, and a redirect's parameters. */
static void test_pkce_parts(void)
{
    char *c = sd_oauth2_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    CHECK_STR(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    free(c);
    const char *url = "http://127.0.0.1:4711/?state=ab%2Fc&code=4%2F0Ad+x&scope=email#frag";
    char *v = sd_oauth2_query_param(url, "code");
    CHECK_STR(v, "4/0Ad x");
    free(v);
    v = sd_oauth2_query_param(url, "state");
    CHECK_STR(v, "ab/c");
    free(v);
    CHECK(sd_oauth2_query_param(url, "cod") == NULL);
    CHECK(sd_oauth2_query_param(url, "frag") == NULL);
    v = sd_oauth2_query_param("error=access_denied&bad=%zz%4", "bad");
    CHECK_STR(v, "%zz%4");
    free(v);
}

TEST_LIST(oauth2_tests) = {
    {"oauth2: a flat JSON member, escapes decoded, nested values skipped", test_json_member},
    {"oauth2: PKCE S256 challenge and redirect parameters", test_pkce_parts},
    {NULL, NULL},
};
