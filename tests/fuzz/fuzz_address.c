/* SPDX-License-Identifier: MIT */
/* The address parser and placeholder expansion, on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    sd_address a;
    sd_error err;
    if (sd_address_parse(text, &a, &err) == 0) {
        char *expanded = sd_address_expand(&a, text, NULL);
        free(expanded);
        sd_address_free(&a);
    }
    char *host = sd_hostname_normalize(text, &err);
    free(host);
    free(text);
    return 0;
}
