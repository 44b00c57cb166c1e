/* SPDX-License-Identifier: MIT */
/* The suggested settings in the user's own format, so that nothing has to be
 * retyped: an application's SMTP form, msmtp, Thunderbird's autoconfig,
 * mutt, git send-email, a Postfix relay, environment variables. */
#ifndef SD_CLI_EXPORT_H
#define SD_CLI_EXPORT_H

#include <stdio.h>

#include "cli/options.h"
#include "discover/discover.h"

/* The formats are one table in export.c: form, msmtp, thunderbird, mutt,
 * git, postfix, env, json. A new format is a row there and its writer. */
bool sd_export_format_known(const char *format);     /* NULL-safe */
/* json is a format the caller prints itself, as --json. */
bool sd_export_format_is_json(const char *format);   /* NULL-safe */
/* The names joined by sep, the last by last_sep, and "..." after at_most
 * names: (" ", " ", SIZE_MAX) gives "form msmtp ... json". A new string the
 * caller frees. */
char *sd_export_format_list(const char *sep, const char *last_sep, size_t at_most);

/* Writes the discovery's best settings in that format (json excepted, which
 * the caller prints as --json); cli and d are only read. Writes nothing for
 * an unknown format or a discovery without an SMTP server. */
void sd_export(FILE *out, const char *format, const sd_cli *cli, const sd_discovery *d);

#endif
