/* SPDX-License-Identifier: MIT */
#include "presets/snapshot.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

extern const char sd_builtin_ispdb_text[];

int sd_ispdb_snapshot_load(sd_preset_db *db, sd_error *err)
{
    return sd_preset_db_parse(db, sd_builtin_ispdb_text, "ISPDB snapshot", err);
}

/* The values of the "# KEY: value" lines of the data file's header (written
 * by scripts/update-ispdb), read once: a batch's threads may ask at once. */
static char snapshot_date[16], snapshot_commit[48];
static pthread_once_t header_once = PTHREAD_ONCE_INIT;

static void header_value(const char *key, char *out, size_t size)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "# %s: ", key);
    size_t n = strlen(prefix);
    for (const char *line = sd_builtin_ispdb_text; *line == '#';) {
        const char *end = strchr(line, '\n');
        if (!end)
            return;
        size_t len = (size_t)(end - line);
        if (len > n && strncmp(line, prefix, n) == 0 && len - n < size) {
            memcpy(out, line + n, len - n);
            out[len - n] = '\0';
            return;
        }
        line = end + 1;
    }
}

static void read_header(void)
{
    header_value("date", snapshot_date, sizeof snapshot_date);
    header_value("commit", snapshot_commit, sizeof snapshot_commit);
}

const char *sd_ispdb_snapshot_date(void)
{
    pthread_once(&header_once, read_header);
    return snapshot_date;
}

const char *sd_ispdb_snapshot_commit(void)
{
    pthread_once(&header_once, read_header);
    return snapshot_commit;
}
