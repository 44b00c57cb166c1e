/* SPDX-License-Identifier: MIT */
/* The command line: commands, options and their checks. Bad usage is one
 * line on stderr and exit status 2. */
#ifndef SD_CLI_OPTIONS_H
#define SD_CLI_OPTIONS_H

#include <stdbool.h>

#include "common/model.h"
#include "discover/address.h"

typedef enum sd_command {
    SD_CMD_DEFAULT,      /* smtpdoctor ADDRESS: discover, then diagnose */
    SD_CMD_DISCOVER,
    SD_CMD_DIAG,
    SD_CMD_PRESETS,
} sd_command;

typedef struct sd_cli {
    sd_command command;
    sd_address address;
    bool has_address;
    bool json, verbose, quiet, insecure, probe, allow_plaintext_auth, show_incoming;
    char *dns_servers, *ca_file, *ispdb_url;
    int timeout_ms;
    char *user, *password, *oauth2_token, *send_to, *from, *reply_to, *bcc;
    unsigned auth_mech;
    char *format;        /* --format: an export format */
    char *batch;         /* discover --batch FILE ('-' for stdin) */
    int jobs;            /* -j N */
    bool trust_discovered;
    bool oauth2;         /* --oauth2: sign in and use the token (cli/oauth2_login.h) */
    char *oauth2_client_id;
    char *oauth2_client_secret;   /* a secret: wiped by sd_cli_free */
    bool password_prompt_pending;  /* smtpdoctor ADDRESS on a terminal without a password:
                                      ask after discovery and the trust question */
    char *host;          /* diag */
    int port;            /* diag; 0 = infer */
    int host_port;       /* diag: the port of --host HOST:PORT, as swaks takes it; 0 = none */
    sd_security security;/* diag; UNKNOWN = infer */
    char *presets_action, *presets_arg;
} sd_cli;

enum { SD_EXIT_OK = 0, SD_EXIT_FAIL = 1, SD_EXIT_USAGE = 2, SD_EXIT_INTERNAL = 3 };

/* Returns -1 after printing the error (exit 2), 1 when help or the version
 * was printed (exit 0), 0 when the command should run. *cli is always
 * initialised and the caller's: sd_cli_free it whatever the result (it
 * holds secrets, which sd_cli_free wipes). */
int sd_cli_parse(int argc, char **argv, sd_cli *cli);
void sd_cli_free(sd_cli *cli);

#endif
