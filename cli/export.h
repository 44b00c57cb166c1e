/* The suggested settings in the user's own format, so that nothing has to be
 * retyped: an application's SMTP form, msmtp, Thunderbird's autoconfig,
 * mutt, git send-email, a Postfix relay, environment variables. */
#ifndef SD_CLI_EXPORT_H
#define SD_CLI_EXPORT_H

#include <stdio.h>

#include "cli/options.h"
#include "discover/discover.h"

/* "form, msmtp, thunderbird, mutt, git, postfix, env, json" */
extern const char *const sd_export_formats[];
bool sd_export_format_known(const char *format);

/* Writes the discovery's best settings in that format (json excepted, which
 * the caller prints as --json). */
void sd_export(FILE *out, const char *format, const sd_cli *cli, const sd_discovery *d);

#endif
