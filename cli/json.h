/* SPDX-License-Identifier: MIT */
/* A small JSON writer for the --json document: it quotes every string, so
 * no server text or user input can break the document. */
#ifndef SD_CLI_JSON_H
#define SD_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "common/util.h"

/* `= {0}` is an empty writer; it owns `out`, which the caller takes with
 * sd_buf_take (or frees with sd_buf_free) when the document is done. */
typedef struct sd_json {
    sd_buf out;
    int depth;
    bool need_comma[32];
    bool after_key;
    bool compact;            /* one line, for --batch */
} sd_json;

void sd_json_object_begin(sd_json *j);
void sd_json_object_end(sd_json *j);
void sd_json_array_begin(sd_json *j);
void sd_json_array_end(sd_json *j);
void sd_json_key(sd_json *j, const char *key);
void sd_json_string(sd_json *j, const char *s);     /* NULL writes null */
void sd_json_int(sd_json *j, int64_t v);
void sd_json_bool(sd_json *j, bool v);
void sd_json_null(sd_json *j);
void sd_json_string_list(sd_json *j, const sd_strlist *l);

/* Convenience: key and value together. */
void sd_json_kv_string(sd_json *j, const char *key, const char *s);
void sd_json_kv_int(sd_json *j, const char *key, int64_t v);
void sd_json_kv_bool(sd_json *j, const char *key, bool v);

#endif
