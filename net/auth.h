/* SPDX-License-Identifier: MIT */
/* SMTP AUTH (RFC 4954) on an open session: PLAIN, LOGIN, CRAM-MD5, XOAUTH2
 * and OAUTHBEARER. Secrets never reach the transcript (it shows
 * "<redacted>") and are wiped from our buffers after use. */
#ifndef SD_NET_AUTH_H
#define SD_NET_AUTH_H

#include "common/model.h"
#include "net/conn.h"
#include "net/smtp.h"

typedef struct sd_credentials {
    const char *username;
    const char *password;        /* for PLAIN, LOGIN, CRAM-MD5 */
    const char *oauth2_token;    /* for XOAUTH2, OAUTHBEARER */
    const char *host;            /* OAUTHBEARER names the server */
    int port;
} sd_credentials;

/* The strongest mechanism both sides support for these credentials, or 0.
 * forced: a single SD_AUTH_* bit the user asked for, or 0. */
unsigned sd_auth_choose(unsigned offered, const sd_credentials *cred, unsigned forced);

/* Runs the exchange; *final is the server's last reply (235 on success).
 * Returns 0 when a final reply came, -1 with *why when the dialogue broke.
 * *final is always initialised and the caller's: sd_smtp_reply_clear it
 * after success or failure. cred is only read. */
int sd_auth_run(sd_conn *c, unsigned mechanism, const sd_credentials *cred, sd_smtp_reply *final,
                const char **why);

/* The CRAM-MD5 answer (RFC 2195) to a server's base64 challenge, in base64
 * (a new string the caller frees), or NULL when the challenge is not strict
 * base64 or empty. */
char *sd_sasl_cram_md5_answer(const char *challenge_b64, const char *username, const char *password);

/* Base64 helpers (RFC 4648); the result is new, freed by the caller. Decoding is
 * strict (length, alphabet, padding) and returns NULL for anything else or
 * for text longer than SD_BASE64_MAX; the result is NUL-terminated. */
enum { SD_BASE64_MAX = 16384 };
char *sd_base64_encode(const unsigned char *data, size_t len);
unsigned char *sd_base64_decode(const char *text, size_t *len);

#endif
