/* SPDX-License-Identifier: MIT */
/* HTTP(S) fetches with libcurl's multi interface, all at once, driven by one
 * loop together with the DNS resolver. Every host name, also those of
 * redirects, is resolved through our c-ares resolver, so --dns-server applies
 * to everything. Redirects are followed here, not by curl, so that each hop
 * is checked: at most 5, never from https down to http. Bodies are bounded. */
#ifndef SD_NET_HTTP_H
#define SD_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "net/dns.h"

enum { SD_HTTP_MAX_BODY = 1 << 20, SD_HTTP_MAX_REDIRECTS = 5 };

typedef struct sd_http_result {
    long status;            /* the final HTTP status; 0 when no response came */
    const char *body;       /* NUL-terminated; NULL when there is none */
    size_t body_len;
    const char *final_url;
    bool all_https;         /* every hop was https */
    int redirects;
    const char *error;      /* one sentence when status is 0 or the fetch was cut */
    int64_t elapsed_ms;
} sd_http_result;

/* Called once per fetch. The result and its strings belong to the fetch and
 * live only during the call: copy what you keep. */
typedef void (*sd_http_callback)(void *arg, const sd_http_result *res);

typedef struct sd_http sd_http;

/* ca_file: extra trust anchors (PEM), or NULL. The resolver is borrowed and
 * must outlive the client. Returns a client the caller frees with
 * sd_http_free, or NULL with err set. */
sd_http *sd_http_new(sd_resolver *resolver, const char *ca_file, int timeout_ms, sd_error *err);
void sd_http_free(sd_http *h);       /* pending fetches are dropped without callback */

/* url and body are copied: the caller's strings may go at once. */
void sd_http_get(sd_http *h, const char *url, sd_http_callback cb, void *arg);
/* A POST with a body (Exchange Autodiscover). */
void sd_http_post(sd_http *h, const char *url, const char *body, const char *content_type,
                  sd_http_callback cb, void *arg);

/* Runs DNS and HTTP until both have nothing left, or the deadline. `tick`,
 * when not NULL, is called after every step, and at least every 200 ms. */
void sd_http_run(sd_http *h, int64_t deadline_ms, void (*tick)(void *arg), void *tick_arg);

/* Ends every transfer whose connection is still not up `ms` after it began,
 * its callback told `why`; returns how many. */
size_t sd_http_cut_unconnected(sd_http *h, int64_t ms, const char *why);

#endif
