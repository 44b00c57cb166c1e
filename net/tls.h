/* SPDX-License-Identifier: MIT */
/* TLS with OpenSSL: one client context per run (system store plus --ca-file),
 * and what a handshake shows: protocol, cipher, every certificate problem of
 * the chain, whether the name matches, and the chain itself. */
#ifndef SD_NET_TLS_H
#define SD_NET_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/util.h"

typedef enum sd_tls_outcome {
    SD_TLS_OK = 0,
    SD_TLS_PLAINTEXT_REPLY,   /* the peer answered the ClientHello with plain text */
    SD_TLS_VERSION,           /* no protocol version in common */
    SD_TLS_FAILED,            /* the handshake failed for another reason */
    SD_TLS_TIMEOUT,
    SD_TLS_CLOSED,            /* the peer closed or reset the connection */
    SD_TLS_INJECTED,          /* plaintext came after the STARTTLS reply, before the handshake */
} sd_tls_outcome;

enum { SD_TLS_MAX_ERRORS = 8, SD_TLS_MAX_CHAIN = 8 };

typedef struct sd_cert_summary {
    char *subject, *issuer;
    char *not_before, *not_after;   /* "2026-01-31 12:00:00 UTC" */
    sd_strlist names;               /* DNS SANs, else the CN */
    bool self_issued;
    bool has_ca_issuers;            /* names where its issuer can be fetched (AIA) */
    char *ca_issuers_url;           /* the first http(s) caIssuers URL, or NULL */
    int key_bits;                   /* of its public key */
    char *key_type;                 /* "RSA", "EC", "ED25519" ... */
    char *signature;                /* the signature algorithm, e.g. "sha256WithRSAEncryption" */
} sd_cert_summary;

typedef struct sd_tls_info {
    sd_tls_outcome outcome;
    char *error;                    /* one sentence when outcome != OK */
    char *plaintext_reply;          /* the line a plaintext peer sent, if any */
    char *version, *cipher, *group;
    int verify_errors[SD_TLS_MAX_ERRORS];   /* X509_V_ERR_* of the chain, in order found */
    int verify_depths[SD_TLS_MAX_ERRORS];
    int verify_error_count;
    bool name_matches;              /* the leaf covers the host name asked for */
    sd_cert_summary chain[SD_TLS_MAX_CHAIN];   /* as the server sent it, leaf first */
    int chain_len;
    long days_left;                 /* of the leaf */
    int sct_count;                  /* Certificate Transparency SCTs by any route: in the leaf,
                                       the TLS extension or a stapled OCSP answer */
    unsigned char *leaf_der;        /* the leaf as the server sent it, to verify it again */
    int leaf_der_len;
} sd_tls_info;

/* ca_file: extra PEM trust anchors or NULL. min_version: TLS1_2_VERSION for
 * normal use, 0 to allow anything (to tell an old server from a broken one).
 * Returns a context the caller frees with sd_tls_context_free, or NULL with
 * err set (err may be NULL). */
SSL_CTX *sd_tls_context_new(const char *ca_file, int min_version, sd_error *err);

void sd_tls_context_free(SSL_CTX *ctx);

/* Prepares an SSL object that records every verification problem into info
 * instead of stopping at the first. The SSL is the caller's (SSL_free; an
 * sd_conn owns it once TLS is up); info is borrowed and must outlive it. */
SSL *sd_tls_new_session(SSL_CTX *ctx, const char *host, sd_tls_info *info);
/* After a successful handshake: fills version, cipher, chain and name match. */
void sd_tls_describe(SSL *ssl, const char *host, sd_tls_info *info);
/* The parts of that for one certificate: what it says, and whether the leaf
 * names host (DNS name or IP address) and how long it has left. */
void sd_tls_summarize_certificate(X509 *cert, sd_cert_summary *s);
void sd_tls_check_leaf(X509 *leaf, const char *host, sd_tls_info *info);
/* An sd_tls_info is its owner's, `= {0}` is empty, and it owns every
 * string and certificate summary in it: sd_tls_info_clear frees them all
 * and leaves it empty, after success or failure alike. */
void sd_tls_info_clear(sd_tls_info *info);

#endif
