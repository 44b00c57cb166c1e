/* SPDX-License-Identifier: MIT */
/* Thunderbird's autoconfig format (config-v1.1.xml, also what the ISPDB
 * serves) and Exchange's POX Autodiscover response, read into server
 * candidates. */
#ifndef SD_DISCOVER_AUTOCONFIG_H
#define SD_DISCOVER_AUTOCONFIG_H

#include <stddef.h>

#include "common/error.h"
#include "common/util.h"
#include "discover/address.h"
#include "discover/server.h"

typedef struct sd_autoconfig {
    char *provider_id;        /* emailProvider@id */
    char *display_name;
    sd_strlist domains;
    sd_server_list servers;   /* incoming and outgoing, in document order */
    sd_strlist hints;         /* <enable> instructions and their URLs */
    sd_strlist documentation; /* <documentation url=...> */
    sd_strlist defects;       /* what was wrong but tolerated */
} sd_autoconfig;

/* Reads a config-v1.1.xml document, substituting the address's placeholders.
 * One broken server entry is skipped (and noted in `defects`), never the
 * whole document. Fails only when the document is not an autoconfig
 * document at all; *out is then empty. *out is the caller's, initialised
 * first, freed with sd_autoconfig_free either way. */
int sd_autoconfig_parse(const char *data, size_t len, const sd_address *addr,
                        sd_autoconfig *out, sd_error *err);
void sd_autoconfig_free(sd_autoconfig *ac);

/* Reads a POX Autodiscover response (the <Protocol> entries with Type SMTP,
 * IMAP or POP3). A redirect (Action redirectUrl / redirectAddr) is returned
 * in *redirect_url or *redirect_addr for the caller to follow and free (both
 * NULL otherwise, and after a failure). Servers are added to the caller's
 * list *out; a failure adds none. */
int sd_autodiscover_parse(const char *data, size_t len, const sd_address *addr,
                          sd_server_list *out, char **redirect_url, char **redirect_addr,
                          sd_error *err);

#endif
