/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "discover/address.h"
#include "tests/unit/harness.h"

static void parses(const char *text, const char *local, const char *domain)
{
    sd_address a;
    sd_error err = {{0}};
    int rc = sd_address_parse(text, &a, &err);
    if (rc != 0) {
        harness_fail(__FILE__, __LINE__, "'%s' was refused: %s", text, err.msg);
        return;
    }
    CHECK_STR(a.local, local);
    CHECK_STR(a.domain, domain);
    sd_address_free(&a);
}

static void refuses(const char *text, const char *fragment)
{
    sd_address a;
    sd_error err = {{0}};
    if (sd_address_parse(text, &a, &err) == 0) {
        harness_fail(__FILE__, __LINE__, "'%s' was accepted", text);
        sd_address_free(&a);
        return;
    }
    if (!strstr(err.msg, fragment))
        harness_fail(__FILE__, __LINE__, "'%s': message \"%s\" lacks \"%s\"", text, err.msg, fragment);
}

static void test_plain_addresses(void)
{
    parses("user@example.com", "user", "example.com");
    parses("  first.last+tag@Example.COM  ", "first.last+tag", "example.com");
    parses("user@example.com.", "user", "example.com");
    parses("o'brien@example.ie", "o'brien", "example.ie");
}

static void test_quoted_local_parts(void)
{
    parses("\"john doe\"@example.com", "\"john doe\"", "example.com");
    parses("\"a@b\"@example.com", "\"a@b\"", "example.com");
    parses("\"quote\\\"inside\"@example.com", "\"quote\\\"inside\"", "example.com");
}

static void test_internationalised_domains(void)
{
    sd_address a;
    sd_error err;
    CHECK_INT(sd_address_parse("user@bücher.de", &a, &err), 0);
    CHECK_STR(a.domain, "xn--bcher-kva.de");
    CHECK_STR(a.domain_display, "bücher.de");
    CHECK_STR(a.address, "user@xn--bcher-kva.de");
    sd_address_free(&a);
    CHECK_INT(sd_address_parse("почта@пример.рф", &a, &err), 0);
    CHECK_STR(a.domain, "xn--e1afmkfd.xn--p1ai");
    sd_address_free(&a);
    parses("USER@XN--BCHER-KVA.DE", "USER", "xn--bcher-kva.de");
}

static void test_invalid_addresses(void)
{
    refuses("", "empty");
    refuses("userexample.com", "name@domain");
    refuses("@example.com", "empty");
    refuses("user@", "empty");
    refuses("user@gmail", "no dot");
    refuses("us er@example.com", "needs quoting");
    refuses(".user@example.com", "start or end with a dot");
    refuses("us..er@example.com", "two dots");
    refuses("user@exa_mple..com", "empty label");
    refuses("user@-example.com", "starts or ends with '-'");
    refuses("\"unclosed@example.com", "unclosed quote");
    refuses("user@[192.0.2.1]", "address literal");
    refuses("user@exa mple.com", "");
    /* an escaped CR LF in a quoted local part once reached MAIL FROM raw */
    refuses("\"a\\\r\nX-Injected: 1\"@example.com", "control character");
    refuses("\"a\\\nb\"@example.com", "control character");
    refuses("us\ter@example.com", "control character");
    refuses("user@exa\x1bmple.com", "control character");
    refuses("user\x7f@example.com", "control character");
}

static void test_length_limits(void)
{
    char local[70];
    memset(local, 'a', 65);
    local[65] = '\0';
    char *text = malloc(200);
    snprintf(text, 200, "%s@example.com", local);
    refuses(text, "longer than 64");
    /* a 63-character label is fine, 64 is not */
    char label[80];
    memset(label, 'b', 64);
    label[64] = '\0';
    snprintf(text, 200, "u@%s.com", label);
    refuses(text, "label longer than 63");
    label[63] = '\0';
    snprintf(text, 200, "u@%s.com", label);
    parses(text, "u", text + 2);
    free(text);
    /* 254 characters in all is the limit */
    char *longaddr = malloc(400);
    strcpy(longaddr, "u@");
    for (int i = 0; i < 5; i++)
        strcat(longaddr, "ccccccccccccccccccccccccccccccccccccccccccccccccc.");
    strcat(longaddr, "com");
    refuses(longaddr, "longer than");
    free(longaddr);
}

static void test_placeholders(void)
{
    sd_address a;
    sd_error err;
    CHECK_INT(sd_address_parse("jane@example.org", &a, &err), 0);
    char *s = sd_address_expand(&a, "%EMAILLOCALPART%.%EMAILDOMAIN%", NULL);
    CHECK_STR(s, "jane.example.org");
    free(s);
    int defect = 0;
    s = sd_address_expand(&a, "%EMAILADDRESS", &defect);
    CHECK_STR(s, "jane@example.org");
    CHECK_INT(defect, 1);
    free(s);
    s = sd_address_expand(&a, "100% %UNKNOWN%", NULL);
    CHECK_STR(s, "100% %UNKNOWN%");
    free(s);
    sd_address_free(&a);
}

static void server_name(const char *text, const char *expected)
{
    sd_error err = {{0}};
    char *name = sd_server_name_normalize(text, &err);
    if (!expected) {
        if (name)
            harness_fail(__FILE__, __LINE__, "'%s' was accepted as '%s'", text, name);
    } else if (!name) {
        harness_fail(__FILE__, __LINE__, "'%s' was refused: %s", text, err.msg);
    } else {
        CHECK_STR(name, expected);
    }
    free(name);
}

static void test_server_names(void)
{
    server_name("Smtp.Example.COM.", "smtp.example.com");
    server_name("localhost", "localhost");        /* one label: a LAN host */
    server_name("mailhost", "mailhost");
    server_name("192.0.2.25", "192.0.2.25");
    server_name("2001:db8::25", "2001:db8::25");
    server_name("[2001:db8::25]", "2001:db8::25");
    server_name("smtp.bücher.de", "smtp.xn--bcher-kva.de");
    server_name("999.1.1.1", NULL);
    server_name("10.1.1", NULL);
    server_name("[mailhost]", NULL);
    server_name("smtp.example.com:587", NULL);    /* the CLI splits ports off first */
    server_name("mail host", NULL);
    server_name("", NULL);
}

static void splits(const char *text, int rc, const char *host, bool bracketed, int port)
{
    sd_host_port hp;
    CHECK_INT(sd_host_port_split(text, strlen(text), &hp), rc);
    if (rc < 0)
        return;
    char got[64];
    snprintf(got, sizeof got, "%.*s", (int)hp.host_len, hp.host);
    CHECK_STR(got, host);
    CHECK_INT(hp.bracketed, bracketed);
    CHECK_INT(hp.port, port);
}

static void test_host_port_split(void)
{
    splits("smtp.example.com", 0, "smtp.example.com", false, 0);
    splits("smtp.example.com:587", 0, "smtp.example.com", false, 587);
    splits("2001:db8::25", 0, "2001:db8::25", false, 0);   /* several colons: all host */
    splits("[2001:db8::25]", 0, "2001:db8::25", true, 0);
    splits("[2001:db8::25]:465", 0, "2001:db8::25", true, 465);
    splits("smtp.example.com:", -1, NULL, false, 0);
    splits("smtp.example.com:65536", -1, NULL, false, 0);
    splits("smtp.example.com:+25", -1, NULL, false, 0);
    splits("[2001:db8::25", -1, NULL, false, 0);
    splits("[2001:db8::25]465", -1, NULL, false, 0);
}

/* What a discovered host name or username may hold before it reaches an
 * export or a message. */
static void test_discovered_names(void)
{
    CHECK(sd_host_name_safe("smtp.example.com"));
    CHECK(sd_host_name_safe("mail_1.Example-Host.test"));
    CHECK(!sd_host_name_safe(""));
    CHECK(!sd_host_name_safe("smtp.example.com;reboot"));
    CHECK(!sd_host_name_safe("x\"y.test"));
    CHECK(!sd_host_name_safe("a b.test"));
    CHECK(!sd_host_name_safe("$(id).test"));
    CHECK(sd_username_text_safe("%EMAILADDRESS%", false));
    CHECK(sd_username_text_safe("%EMAILLOCALPART%+mail@%EMAILDOMAIN%", false));
    CHECK(!sd_username_text_safe("$(touch x)%EMAILADDRESS%", false));
    CHECK(!sd_username_text_safe("`id`", false));
    CHECK(!sd_username_text_safe("user name", false));
    CHECK(!sd_username_text_safe("a\nb", false));
    CHECK(!sd_username_text_safe("CONTOSO\\jdoe", false));
    CHECK(sd_username_text_safe("CONTOSO\\jdoe", true));
    CHECK(!sd_username_text_safe("CONTOSO\\j'doe", true));
}

TEST_LIST(address_tests) = {
    {"address: discovered host names and usernames", test_discovered_names},
    {"address: HOST:PORT splitting", test_host_port_split},
    {"address: server names as typed into an SMTP form", test_server_names},
    {"address: plain addresses", test_plain_addresses},
    {"address: quoted local parts", test_quoted_local_parts},
    {"address: internationalised domains", test_internationalised_domains},
    {"address: invalid addresses", test_invalid_addresses},
    {"address: length limits", test_length_limits},
    {"address: placeholders", test_placeholders},
    {NULL, NULL},
};
