/* SPDX-License-Identifier: MIT */
/* Obtaining an OAuth2 access token for SMTP (RFC 6749) from a provider's
 * identity provider, with the person's help:
 *   - the device authorization grant (RFC 8628): the person opens a URL in
 *     any browser and types a code; we poll the token endpoint;
 *   - the authorization code flow with PKCE (RFC 7636) and a loopback
 *     redirect (RFC 8252): the person signs in at a URL we print (and open
 *     where there is a desktop); the browser comes back to 127.0.0.1 on a
 *     port of ours, or the person pastes the final URL on the terminal.
 * Every request is https only (also each redirect hop), certificate-verified
 * with the process's trust store (plus --ca-file), resolved through our
 * resolver (--dns-server), bounded in size (net/http.h) and in time (one
 * request: timeout_ms). The person's part is bounded on its own
 * (wait_limit_ms, and the device code's expires_in).
 *
 * The token is a secret: it is returned in a buffer the caller wipes and
 * frees with sd_oauth2_token_free; the responses that carried it are wiped. */
#ifndef SD_NET_OAUTH2_H
#define SD_NET_OAUTH2_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* Ten minutes: what Microsoft's and Google's codes allow at most. */
enum { SD_OAUTH2_WAIT_LIMIT_MS = 10 * 60 * 1000 };

typedef struct sd_oauth2_request {
    const char *device_url;       /* device authorization endpoint (device flow) */
    const char *authorize_url;    /* authorization endpoint (PKCE flow) */
    const char *token_url;
    const char *scope;
    const char *client_id;
    const char *client_secret;    /* NULL for a public client */
    const char *login_hint;       /* the address, for the sign-in page; or NULL */
    const char *dns_servers;      /* as --dns-server, or NULL for the system's */
    const char *ca_file;          /* extra trust anchors, or NULL */
    int timeout_ms;               /* one HTTP request */
    int64_t wait_limit_ms;        /* the person's time; 0: SD_OAUTH2_WAIT_LIMIT_MS */
    bool open_browser;            /* PKCE: run xdg-open on the URL */
    int paste_fd;                 /* PKCE: where the person may paste the final URL; -1 none */
    /* Tells the person what to do, a line at a time (no line end). The text
     * may hold what the identity provider sent: make it printable. */
    void (*tell)(void *arg, const char *line);
    void *tell_arg;
} sd_oauth2_request;

/* Each returns the access token (the caller's: sd_oauth2_token_free), or
 * NULL with one sentence in err that says what happened and what to do. */
char *sd_oauth2_device_flow(const sd_oauth2_request *req, sd_error *err);
char *sd_oauth2_pkce_flow(const sd_oauth2_request *req, sd_error *err);
void sd_oauth2_token_free(char *token);

/* Parts of the PKCE flow, for the unit tests. */
/* The S256 code challenge of a verifier (RFC 7636 4.2): a new string. */
char *sd_oauth2_pkce_challenge(const char *verifier);
/* The value of one parameter of a URL's query or of a bare query string
 * ("code=..&state=.."), percent-decoded: a new string, or NULL. */
char *sd_oauth2_query_param(const char *url_or_query, const char *name);

#endif
