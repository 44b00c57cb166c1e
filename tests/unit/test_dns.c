/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "net/dns.h"
#include "tests/unit/harness.h"

static void accepts(const char *servers)
{
    sd_error err = {{0}};
    if (sd_dns_servers_valid(servers, &err) != 0)
        harness_fail(__FILE__, __LINE__, "'%s' was refused: %s", servers, err.msg);
}

static void refuses(const char *servers, const char *named)
{
    sd_error err = {{0}};
    if (sd_dns_servers_valid(servers, &err) == 0)
        harness_fail(__FILE__, __LINE__, "'%s' was accepted", servers);
    else if (!strstr(err.msg, named))
        harness_fail(__FILE__, __LINE__, "'%s': message \"%s\" does not name \"%s\"", servers, err.msg, named);
}

static void test_server_lists(void)
{
    accepts("192.0.2.53");
    accepts("192.0.2.53:5353");
    accepts("2001:db8::53");
    accepts("[2001:db8::53]");
    accepts("[2001:db8::53]:5353");
    accepts("192.0.2.53, 192.0.2.54:53,[::1]:53");
    refuses("192.0.2.53:99999", "'192.0.2.53:99999'");   /* c-ares alone takes it */
    refuses("192.0.2.53:0", "'192.0.2.53:0'");
    refuses("192.0.2.53:", "'192.0.2.53:'");
    refuses("192.0.2.53,dns.example", "'dns.example'");
    refuses("[2001:db8::53]x", "'[2001:db8::53]x'");
    refuses("192.0.2.53:53:53", "'192.0.2.53:53:53'");
    refuses("192.0.2.53,", "''");
}

typedef struct seen {
    int calls;
    sd_dns_status status;
    char addresses[256];
} seen;

static void record(void *arg, const char *name, int type, const sd_dns_answer *a)
{
    (void)name;
    (void)type;
    seen *s = arg;
    s->calls++;
    s->status = a->status;
    s->addresses[0] = '\0';
    for (size_t i = 0; i < a->addresses.len; i++) {
        size_t used = strlen(s->addresses);
        snprintf(s->addresses + used, sizeof s->addresses - used, "%s%s", i ? " " : "", a->addresses.items[i]);
    }
}

/* Answers that need no server come back at once, before any poll; the
 * others are cancelled (and so end) before `s` goes out of scope. */
static void lookup(sd_resolver *r, const char *name, const char *expected)
{
    seen s = {0};
    sd_resolver_lookup_host(r, name, record, &s);
    int local_calls = s.calls;
    sd_resolver_cancel(r);
    if (!expected) {
        CHECK_INT(local_calls, 0);           /* it went to DNS */
        return;
    }
    CHECK_INT(local_calls, 1);
    CHECK_INT(s.status, SD_DNS_OK);
    CHECK_STR(s.addresses, expected);
}

/* The hosts file is /etc/hosts for c-ares 1.18 (CARES_HOSTS is read only by
 * ares_getaddrinfo): tests/integration/test_diag.py mounts one over it. */
static void test_local_answers(void)
{
    sd_error err;
    sd_resolver *system = sd_resolver_new(NULL, 1000, &err);
    sd_resolver *given = sd_resolver_new("192.0.2.53", 1000, &err);
    CHECK(system && given);
    if (!system || !given)
        return;
    lookup(system, "192.0.2.7", "192.0.2.7");
    lookup(given, "2001:db8::7", "2001:db8::7");
    lookup(system, "localhost", "::1 127.0.0.1");   /* RFC 6761: never asked of DNS */
    lookup(given, "LocalHost", "::1 127.0.0.1");
    lookup(given, "a.b.localhost", "::1 127.0.0.1");
    lookup(given, "notlocalhost.example", NULL);
    lookup(given, "localhost.example", NULL);
    sd_resolver_free(system);
    sd_resolver_free(given);
}

TEST_LIST(dns_tests) = {
    {"dns: --dns-server lists", test_server_lists},
    {"dns: answers without a server (addresses, localhost)", test_local_answers},
    {NULL, NULL},
};
