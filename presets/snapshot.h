/* SPDX-License-Identifier: MIT */
/* The ISPDB snapshot: the facts of the Thunderbird ISPDB, compiled into the
 * binary from presets/ispdb/snapshot.conf (written by scripts/update-ispdb,
 * never by hand), so that every domain the database knows answers offline.
 * Its sections are in the preset format; the live ISPDB, when it answers,
 * wins over them, and the presets win over both. */
#ifndef SD_PRESETS_SNAPSHOT_H
#define SD_PRESETS_SNAPSHOT_H

#include "common/error.h"
#include "presets/preset.h"

/* Parses the snapshot into `db` (the caller's, freed with
 * sd_preset_db_free); on failure `db` holds what was parsed before. */
int sd_ispdb_snapshot_load(sd_preset_db *db, sd_error *err);

/* The date (YYYY-MM-DD) and commit of the ISPDB the snapshot was taken
 * from: static strings, "" when the data file does not say. */
const char *sd_ispdb_snapshot_date(void);
const char *sd_ispdb_snapshot_commit(void);

#endif
