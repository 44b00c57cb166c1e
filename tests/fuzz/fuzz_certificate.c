/* SPDX-License-Identifier: MIT */
/* What the program does with a server's certificate: the summary it shows
 * (names, issuer, dates, key, AIA), the host-name match and the verdict
 * with its suggested host and interception check. The input is a host name,
 * a newline, then the certificate in DER. */
#include <stdint.h>
#include <string.h>

#include <openssl/x509.h>

#include "diag/diag.h"
#include "net/tls.h"
#include "presets/knowledge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sd_knowledge knowledge;
    static int loaded;
    if (!loaded) {
        sd_error err;
        if (sd_knowledge_load_builtin(&knowledge, &err) < 0)
            return 0;
        loaded = 1;
    }
    const uint8_t *newline = memchr(data, '\n', size < 256 ? size : 256);
    if (!newline)
        return 0;
    char host[256];
    size_t host_len = (size_t)(newline - data);
    memcpy(host, data, host_len);
    host[host_len] = '\0';
    const unsigned char *der = newline + 1;
    X509 *cert = d2i_X509(NULL, &der, (long)(size - host_len - 1));
    if (!cert)
        return 0;
    sd_tls_info info;
    memset(&info, 0, sizeof info);
    info.outcome = SD_TLS_OK;
    sd_tls_summarize_certificate(cert, &info.chain[info.chain_len++]);
    sd_tls_check_leaf(cert, host, &info);
    sd_cert_verdict verdict;
    sd_cert_classify(&info, host, &knowledge, &verdict);
    sd_cert_verdict_clear(&verdict);
    sd_tls_info_clear(&info);
    X509_free(cert);
    return 0;
}
