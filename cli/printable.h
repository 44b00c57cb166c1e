/* SPDX-License-Identifier: MIT */
/* What smtpdoctor prints cannot act: before any output, every text that
 * came from outside (server replies, certificate names, documents, DNS,
 * the transcript) is made valid UTF-8 without control characters, so a
 * greeting with an OSC 52 clipboard write or cursor movement reaches
 * neither the terminal nor a JSON reader raw. */
#ifndef SD_CLI_PRINTABLE_H
#define SD_CLI_PRINTABLE_H

#include "diag/diag.h"
#include "discover/discover.h"

/* In place: each string that must change is freed and replaced by a new
 * one, still owned by the result. */
void sd_diag_result_printable(sd_diag_result *r);
void sd_discovery_printable(sd_discovery *d);

#endif
