/* SPDX-License-Identifier: MIT */
/* --oauth2: signs the person in with the provider of the settings and
 * hands back an access token for XOAUTH2 or OAUTHBEARER. The provider's
 * endpoints and scopes come from its preset (presets/README.md); the client
 * ID and secret are the user's (options or environment). What the person
 * must do goes to stderr. */
#ifndef SD_CLI_OAUTH2_LOGIN_H
#define SD_CLI_OAUTH2_LOGIN_H

#include "cli/options.h"
#include "presets/preset.h"

/* The preset whose OAuth2 sign-in applies to the SMTP host `host` (and the
 * address of the command line): the address's domain's, else the host's;
 * NULL when none says how. */
const sd_preset *sd_oauth2_preset_for(const sd_preset_db *db, const sd_cli *cli, const char *host);

/* Runs the preset's flow for the SMTP host `host`. Returns the token (the
 * caller's: sd_oauth2_token_free), or NULL after saying why on stderr. */
char *sd_oauth2_sign_in(const sd_cli *cli, const sd_preset_db *db, const char *host);

#endif
