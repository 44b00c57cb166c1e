/* SPDX-License-Identifier: MIT */
/* What the program does with raw DNS answers (SRV, MX, A, AAAA). */
#include <stdint.h>

#include "net/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int types[] = {SD_DNS_SRV, SD_DNS_MX, SD_DNS_A, SD_DNS_AAAA};
    for (int i = 0; i < 4; i++) {
        sd_dns_answer a;
        sd_dns_answer_parse(types[i], data, (int)size, &a);
        sd_dns_answer_clear(&a);
    }
    return 0;
}
