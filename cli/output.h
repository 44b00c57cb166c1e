/* SPDX-License-Identifier: MIT */
/* Printing results for people (text, colour on a terminal unless NO_COLOR)
 * and for programs (--json). */
#ifndef SD_CLI_OUTPUT_H
#define SD_CLI_OUTPUT_H

#include <stdbool.h>

#include "cli/json.h"
#include "cli/options.h"
#include "diag/diag.h"
#include "discover/discover.h"
#include "presets/preset.h"

typedef struct sd_style {
    bool color;
    const char *bold, *dim, *green, *yellow, *red, *reset;
} sd_style;

sd_style sd_style_for(FILE *f);   /* static escape strings, "" without colour */

/* The candidate fields of the contract (host, port, security, username,
 * auth, source, trusted), plus verified, sources and note. */
void sd_json_server(sd_json *j, const sd_server *s, const char *address);

/* "provider": the preset behind the domain, or null. */
void sd_json_provider(sd_json *j, const sd_discovery *d);

/* The --json document of a discovery; compact puts it on one line. A new
 * string the caller frees. */
char *sd_discovery_json(const sd_address *addr, const sd_discovery *d, bool compact);

/* `smtpdoctor discover`: returns the exit status. */
int sd_print_discovery(const sd_cli *cli, const sd_discovery *d);

/* `smtpdoctor diag` and the default command: the tested settings, the
 * checks and the diagnosis (with the discovery behind it when d is set). */
void sd_print_diagnosis_json(const sd_cli *cli, const sd_diag_result *r, const sd_server *tested,
                             const sd_discovery *d);
/* For a person: the verdict first, then what to change and the server's
 * reply, then the settings found (d, when set) and the layer checks as the
 * evidence; the technical details only with -v, the verdict alone with -q. */
void sd_print_diagnosis_text(const sd_cli *cli, const sd_diag_result *r, const sd_discovery *d);
/* The discovery part of the default command's text output. */
void sd_print_discovery_brief(const sd_cli *cli, const sd_discovery *d);

/* `smtpdoctor presets`: returns the exit status. */
int sd_print_presets(const sd_cli *cli, const sd_preset_db *db);

#endif
