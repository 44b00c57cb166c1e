/* SPDX-License-Identifier: MIT */
/* The provider presets: what we know about a mail provider (its domains, the
 * MX hosts that give it away behind a custom domain, its servers, username
 * form, auth methods, status and the hint a user must read first).
 *
 * Presets are text files (see presets/README.md for the format). The files in
 * presets/providers/ are compiled into the binary; users add or override
 * presets with files in $XDG_CONFIG_HOME/smtpdoctor/presets/ and in the
 * system configuration directory. */
#ifndef SD_PRESETS_PRESET_H
#define SD_PRESETS_PRESET_H

#include <stddef.h>

#include "common/error.h"
#include "common/model.h"
#include "common/util.h"

typedef enum sd_preset_status {
    SD_PRESET_OK = 0,          /* works as is */
    SD_PRESET_PREPARATION,     /* needs a change in the web settings first */
    SD_PRESET_BROKEN,          /* known not to work with ordinary programs */
} sd_preset_status;

typedef struct sd_preset_server {
    sd_protocol protocol;
    char *host;
    int port;
    sd_security security;
} sd_preset_server;

/* How a provider's users obtain an OAuth2 access token for SMTP (RFC 6749):
 * the device authorization grant (RFC 8628) or the authorization code flow
 * with PKCE and a loopback redirect (RFC 7636, RFC 8252). */
typedef enum sd_preset_oauth2_flow {
    SD_PRESET_OAUTH2_NONE = 0,  /* the preset says nothing about OAuth2 */
    SD_PRESET_OAUTH2_DEVICE,
    SD_PRESET_OAUTH2_PKCE,
} sd_preset_oauth2_flow;

typedef struct sd_preset_oauth2 {
    sd_preset_oauth2_flow flow;
    char *device_url;          /* device authorization endpoint (device flow) */
    char *authorize_url;       /* authorization endpoint (PKCE flow) */
    char *token_url;           /* token endpoint (both) */
    char *scope;               /* space-separated scopes */
} sd_preset_oauth2;

typedef struct sd_preset {
    char *id;
    char *name;
    sd_strlist domains;        /* exact names or "*.suffix" */
    sd_strlist mx_patterns;    /* MX host names or "*.suffix" */
    sd_preset_server *servers;
    size_t server_count;
    char *username;            /* template with %EMAILADDRESS% etc. */
    unsigned auth;             /* SD_AUTH_* mask */
    char *password_kind;       /* normal, app (an app password), own (a separate mail
                                  password), bridge (a local bridge's password) */
    sd_preset_status status;
    sd_strlist hints;          /* what to read before logging in */
    char *help_url;
    sd_strlist ca_families;    /* organisations whose CAs issue the provider's server
                                  certificates (optional): another issuer of a verified
                                  chain means a root installed on this computer */
    char *ispdb_note;          /* why the preset knowingly differs from the ISPDB for its
                                  domains, citing the provider's help page, or NULL */
    sd_preset_oauth2 oauth2;   /* every URL https; flow NONE when not given */
    char *origin;              /* "built-in" or the file it came from */
} sd_preset;

typedef struct sd_preset_db {
    sd_preset *items;
    size_t len, cap;
} sd_preset_db;

/* Parses preset text; `origin` names it in error messages. A preset with the
 * id of one already loaded replaces it. */
int sd_preset_db_parse(sd_preset_db *db, const char *text, const char *origin, sd_error *err);
int sd_preset_db_load_builtin(sd_preset_db *db, sd_error *err);
/* Loads every *.conf file of a folder, in name order; a missing folder is fine. */
int sd_preset_db_load_dir(sd_preset_db *db, const char *dir, sd_error *err);
/* Built-in, then the system folder, then the user's folder. */
int sd_preset_db_load_all(sd_preset_db *db, sd_error *err);
void sd_preset_db_free(sd_preset_db *db);

const sd_preset *sd_preset_find_domain(const sd_preset_db *db, const char *domain);
const sd_preset *sd_preset_find_mx(const sd_preset_db *db, const char *mx_host);
const sd_preset *sd_preset_find_id(const sd_preset_db *db, const char *id);
/* The preset one of whose servers (any protocol) is host, or NULL. */
const sd_preset *sd_preset_find_server_host(const sd_preset_db *db, const char *host);

const char *sd_preset_status_name(sd_preset_status s);   /* ok, preparation, broken */
const char *sd_preset_oauth2_flow_name(sd_preset_oauth2_flow f);   /* none, device, pkce */

#endif
