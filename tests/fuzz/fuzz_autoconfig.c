/* SPDX-License-Identifier: MIT */
/* The autoconfig (config-v1.1.xml) and Autodiscover readers. */
#include <stdint.h>
#include <stdlib.h>

#include "discover/autoconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sd_address addr;
    static int ready;
    sd_error err;
    if (!ready) {
        sd_address_parse("first.last@example.com", &addr, &err);
        ready = 1;
    }
    sd_autoconfig ac;
    if (sd_autoconfig_parse((const char *)data, size, &addr, &ac, &err) == 0)
        sd_autoconfig_free(&ac);
    sd_server_list list = {0};
    char *url = NULL, *redirect = NULL;
    if (sd_autodiscover_parse((const char *)data, size, &addr, &list, &url, &redirect, &err) == 0) {
        free(url);
        free(redirect);
    }
    sd_server_list_free(&list);
    return 0;
}
