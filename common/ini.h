/* SPDX-License-Identifier: MIT */
/* The one reader of smtpdoctor's data files (presets, finding rules,
 * interception CAs): "[section]" headers, "key = value" lines, '#' comments.
 * Keys may repeat; the callback sees every line in order. */
#ifndef SD_COMMON_INI_H
#define SD_COMMON_INI_H

#include "common/error.h"

/* section is NULL for a "[name]" header line's own call (key = the name).
 * A callback returning -1 with err set stops the read; the message is then
 * prefixed with "origin:line: ". */
typedef int (*sd_ini_callback)(void *arg, const char *section, const char *key, const char *value,
                               sd_error *err);

/* text is only read (the parser works on its own copy); the strings a
 * callback gets live only during that call, so it copies what it keeps. */
int sd_ini_parse(const char *text, const char *origin, sd_ini_callback cb, void *arg, sd_error *err);

#endif
