/* SPDX-License-Identifier: MIT */
/* The export writers, which put user data (host names from documents, the
 * username, the address) into other programs' syntax. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/advice.h"
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
    sd_advice advice;
    sd_advice_from_discovery(&d, &advice);
    FILE *out = fopen("/dev/null", "w");
    char *formats = sd_export_format_list(" ", " ", SIZE_MAX);
    char *save = NULL;
    for (char *f = strtok_r(formats, " ", &save); f; f = strtok_r(NULL, " ", &save))
        sd_export(out, f, &cli, &d, &advice);
    free(formats);
    fclose(out);
    sd_advice_clear(&advice);
    sd_server_list_free(&d.servers);
    sd_address_free(&cli.address);
    free(text);
    return 0;
}
