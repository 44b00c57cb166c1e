/* SPDX-License-Identifier: MIT */
/* The suggested settings in the user's own format, so that nothing has to be
 * retyped: an application's SMTP form, msmtp, Thunderbird's autoconfig,
 * mutt, git send-email, a Postfix relay, environment variables. */
#ifndef SD_CLI_EXPORT_H
#define SD_CLI_EXPORT_H

#include <stdio.h>

#include "cli/advice.h"
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

/* Writes the advice's settings in that format (json excepted, which the
 * caller prints as --json); d (the discovery behind them, for the incoming
 * server and the provider's name; may be NULL) and everything else are only
 * read. The form says what the settings are in every case; the other
 * formats write only settings a program can use as they are, and otherwise
 * say why on stderr. Writes nothing for an unknown format. */
void sd_export(FILE *out, const char *format, const sd_cli *cli, const sd_discovery *d, const sd_advice *a);

#endif
