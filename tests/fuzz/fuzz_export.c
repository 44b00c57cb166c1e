/* SPDX-License-Identifier: MIT */
/* The export writers, which put user data (host names from documents, the
 * username, the address) into other programs' syntax. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    sd_cli cli;
    memset(&cli, 0, sizeof cli);
    sd_error err;
    if (sd_address_parse("\"o'brien \\\"x\\\"\"@example.com", &cli.address, &err) != 0)
        abort();
    cli.user = text;
    sd_discovery d;
    memset(&d, 0, sizeof d);
    sd_server s = {.protocol = SD_PROTO_SMTP, .host = text, .port = 465, .security = SD_SEC_TLS,
                   .username = text, .sources = SD_SRC_AUTOCONFIG};
    sd_server_list_add(&d.servers, &s);
    sd_server in = s;
    in.protocol = SD_PROTO_IMAP;
    in.port = 993;
    sd_server_list_add(&d.servers, &in);
    FILE *out = fopen("/dev/null", "w");
    for (int i = 0; sd_export_formats[i]; i++)
        sd_export(out, sd_export_formats[i], &cli, &d);
    fclose(out);
    sd_server_list_free(&d.servers);
    sd_address_free(&cli.address);
    free(text);
    return 0;
}
