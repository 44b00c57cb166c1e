/* SPDX-License-Identifier: MIT */
/* The progress line: on a terminal (never with --json or -q), one line on
 * stderr that says what the network work is doing and for how long
 * ("smtpdoctor: checking smtp.example.com port 587: TLS handshake... 2 s"),
 * rewritten as the steps go and each second, and wiped before the result
 * is printed. Nothing is shown when stderr is not a terminal. One line per
 * process: the state is the module's own, guarded for the session threads
 * that report steps. */
#ifndef SD_CLI_PROGRESS_H
#define SD_CLI_PROGRESS_H

#include "cli/options.h"

/* Shows "smtpdoctor: HEAD ..." (a whole translated phrase, "checking
 * smtp.example.com port 587") and starts the clock. */
void sd_progress_start(const sd_cli *cli, const char *head);
/* A step begins (an sd_step_hook: arg is unused, step a static string). */
void sd_progress_step(void *arg, const char *step);
/* Wipes the line; the next output starts on a clean line. */
void sd_progress_done(void);

#endif
