/* SPDX-License-Identifier: MIT */
/* The process's trust anchors: the system's store, plus the user's
 * --ca-file, read once and shared by every TLS context, ours and curl's. */
#ifndef SD_NET_TRUST_H
#define SD_NET_TRUST_H

#include <openssl/x509.h>

#include "common/error.h"

/* The store for ca_file (extra PEM trust anchors, or NULL). The caller owns
 * one reference (X509_STORE_free). */
X509_STORE *sd_tls_trust_store(const char *ca_file, sd_error *err);

/* Lets go of the shared store at exit; contexts still using it keep it. */
void sd_tls_trust_store_release(void);

#endif
