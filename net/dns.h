/* SPDX-License-Identifier: MIT */
/* Asynchronous DNS through c-ares: SRV, MX and address look-ups that all run
 * at once on one channel, each answer classified the way the diagnosis needs
 * it (NXDOMAIN, no data, SERVFAIL, timeout) and marked authenticated when the
 * resolver set the DNSSEC AD bit. Answers are bounded in size. */
#ifndef SD_NET_DNS_H
#define SD_NET_DNS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/finding.h"

#include "common/error.h"
#include "common/util.h"

typedef enum sd_dns_status {
    SD_DNS_OK = 0,
    SD_DNS_NXDOMAIN,     /* the name does not exist */
    SD_DNS_NODATA,       /* the name exists, but not with this record type */
    SD_DNS_SERVFAIL,     /* the resolver failed (broken delegation, DNSSEC) */
    SD_DNS_REFUSED,      /* the server refused to answer */
    SD_DNS_TIMEOUT,      /* no server answered */
    SD_DNS_ERROR,        /* anything else: a malformed answer, a local error */
} sd_dns_status;

enum { SD_DNS_A = 1, SD_DNS_PTR = 12, SD_DNS_MX = 15, SD_DNS_AAAA = 28, SD_DNS_SRV = 33 };

typedef struct sd_dns_srv {
    int priority, weight, port;
    char *target;
} sd_dns_srv;

typedef struct sd_dns_mx {
    int preference;
    char *host;
} sd_dns_mx;

typedef struct sd_dns_answer {
    sd_dns_status status;
    bool authenticated;       /* the AD bit was set by a resolver whose word counts:
                                 on loopback, or with "options trust-ad" */
    sd_dns_srv *srv;
    size_t srv_count;
    sd_dns_mx *mx;            /* sorted by preference */
    size_t mx_count;
    sd_strlist addresses;     /* numeric IPv6 and IPv4 addresses */
    char *canonical;          /* A/AAAA: the name answered for, after CNAMEs and search domains */
    sd_strlist names;         /* PTR: the names of the address */
    int64_t elapsed_ms;
} sd_dns_answer;

typedef struct sd_resolver sd_resolver;

/* Called once per query, from inside sd_resolver_process (or at once when
 * the query cannot be sent). The answer belongs to the resolver and lives
 * only during the call: copy what you keep. */
typedef void (*sd_dns_callback)(void *arg, const char *name, int type, const sd_dns_answer *answer);

/* servers: NULL for the system configuration, else "ADDR[:PORT],..." as the
 * --dns-server option takes it. timeout_ms bounds each query. Returns a
 * resolver the caller frees with sd_resolver_free (NULL is fine), or NULL
 * with err set. */
sd_resolver *sd_resolver_new(const char *servers, int timeout_ms, sd_error *err);
void sd_resolver_free(sd_resolver *r);
/* Whether a resolv.conf "options" line, or the value of RES_OPTIONS (the
 * same words without the keyword), holds "trust-ad". */
bool sd_dns_options_trust_ad(const char *text);
/* Checks a --dns-server value without asking anything. */
int sd_dns_servers_valid(const char *servers, sd_error *err);   /* pending queries end with SD_DNS_ERROR */

void sd_resolver_query(sd_resolver *r, const char *name, int type, sd_dns_callback cb, void *arg);
/* A and AAAA together: one callback with the addresses of both (IPv6 first)
 * and a status that says why there are none. type is SD_DNS_A. */
void sd_resolver_lookup_host(sd_resolver *r, const char *name, sd_dns_callback cb, void *arg);
/* The PTR names of a numeric address (in-addr.arpa or ip6.arpa); one
 * callback of type SD_DNS_PTR with answer->names. */
void sd_resolver_lookup_ptr(sd_resolver *r, const char *address, sd_dns_callback cb, void *arg);
size_t sd_resolver_pending(const sd_resolver *r);

/* Event-loop integration: the sockets to wait for, how long at most, and
 * what to do once poll() has returned. */
size_t sd_resolver_pollfds(sd_resolver *r, struct pollfd *fds, size_t max);
int sd_resolver_timeout_ms(sd_resolver *r, int max_ms);
void sd_resolver_process(sd_resolver *r, const struct pollfd *fds, size_t n);
/* Waits for every pending query, up to deadline_ms (sd_now_ms() time), and
 * ends the rest as timeouts. */
void sd_resolver_run(sd_resolver *r, int64_t deadline_ms);
/* Ends every pending query now, as a timeout. */
void sd_resolver_cancel(sd_resolver *r);

/* Reads a raw DNS answer of the given query type (what the callback gets
 * after c-ares); bounded to 64 records. Exposed for the fuzz harness. */
/* Fills *a, the caller's, from a raw answer; a malformed one leaves
 * status SD_DNS_ERROR. Either way sd_dns_answer_clear frees what it holds. */
void sd_dns_answer_parse(int type, const unsigned char *buf, int len, sd_dns_answer *a);
void sd_dns_answer_clear(sd_dns_answer *a);

/* The words for a status, from one table (static strings): */
const char *sd_dns_status_name(sd_dns_status s);     /* "ok", "nxdomain", "timeout", "servfail", "error"... */
sd_finding sd_dns_status_finding(sd_dns_status s);  /* the diagnosis's finding: SD_F_DNS_NXDOMAIN, ... */
const char *sd_dns_status_text(sd_dns_status s);     /* one phrase for people */

#endif
