/* SPDX-License-Identifier: MIT */
/* Who owns what at the seams: an empty connection, a session handed from
 * one owner to another, and a result that is empty after a failure. */
#include <stdlib.h>
#include <string.h>

#include "discover/discover.h"
#include "net/conn.h"
#include "net/session.h"
#include "tests/unit/harness.h"

static void test_empty_connection(void)
{
    sd_conn c;
    memset(&c, 0, sizeof c);
    sd_conn_init(&c);
    CHECK_INT(c.fd, -1);               /* 0 would be standard input */
    CHECK_INT(c.cancel_fd, -1);
    CHECK(c.ssl == NULL && c.in.data == NULL && c.transcript == NULL);
    sd_conn_close(&c);                 /* nothing to close */
    CHECK_INT(c.fd, -1);
}

static void test_session_move(void)
{
    sd_session from, to;
    memset(&from, 0, sizeof from);
    sd_conn_init(&from.conn);
    from.detail = strdup("refused");
    sd_strlist_add(&from.transcript, "S: 220 hello");
    from.conn.transcript = &from.transcript;
    sd_session_move(&to, &from);
    CHECK_STR(to.detail, "refused");
    CHECK(to.conn.transcript == &to.transcript);     /* the connection writes to the new owner */
    CHECK(from.detail == NULL && from.transcript.len == 0 && from.conn.transcript == NULL);
    CHECK_INT(from.conn.fd, -1);
    CHECK_INT(from.conn.cancel_fd, -1);
    sd_session_free(&from);            /* empty: frees nothing */
    sd_session_free(&to);
    CHECK(to.detail == NULL);
    sd_session_free(&to);              /* a second free does nothing */
}

static void test_failed_discovery_is_empty(void)
{
    sd_address addr = {.local = "user", .domain = "example.com", .domain_display = "example.com",
                       .address = "user@example.com"};
    sd_discover_options opts = {.dns_servers = "not-an-address", .timeout_ms = 1000};
    sd_discovery d;
    memset(&d, 0xff, sizeof d);        /* what an uninitialised result may hold */
    sd_error err = {{0}};
    CHECK_INT(sd_discover(&addr, &opts, &d, &err), -1);
    CHECK(err.msg[0] != '\0');
    CHECK_INT(d.servers.len, 0);
    CHECK(d.servers.items == NULL && d.reports == NULL && d.kept == NULL && d.probes == NULL);
    CHECK(d.mx_host == NULL && d.provider == NULL);
    CHECK_INT(d.report_count, 0);
    CHECK_INT(d.hints.len + d.notes.len, 0);
    sd_discovery_free(&d);             /* harmless on the empty result */
}

TEST_LIST(ownership_tests) = {
    {"ownership: an empty connection has no descriptor", test_empty_connection},
    {"ownership: a moved session leaves its old owner empty", test_session_move},
    {"ownership: a failed discovery leaves an empty result", test_failed_discovery_is_empty},
    {NULL, NULL},
};
