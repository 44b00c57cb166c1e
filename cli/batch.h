/* SPDX-License-Identifier: MIT */
/* smtpdoctor discover --batch FILE: one JSON document per input line. */
#ifndef SD_CLI_BATCH_H
#define SD_CLI_BATCH_H

#include "cli/options.h"
#include "presets/preset.h"

/* cli and presets are only read. Returns the exit status. */
int sd_run_batch(const sd_cli *cli, const sd_preset_db *presets);

#endif
