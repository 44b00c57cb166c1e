/* SPDX-License-Identifier: MIT */
#include "cli/json.h"

#include <stdio.h>
#include <string.h>

#include "common/text.h"

static void indent(sd_json *j)
{
    if (j->compact)
        return;
    sd_buf_puts(&j->out, "\n");
    for (int i = 0; i < j->depth; i++)
        sd_buf_puts(&j->out, "  ");
}

/* Before a value: a comma and a new line unless it follows a key. */
static void value_start(sd_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth])
            sd_buf_puts(&j->out, ",");
        indent(j);
    }
    j->need_comma[j->depth] = true;
}

static void open_container(sd_json *j, const char *c)
{
    value_start(j);
    sd_buf_puts(&j->out, c);
    if (j->depth < 31)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_container(sd_json *j, const char *c)
{
    bool had = j->need_comma[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had)
        indent(j);
    sd_buf_puts(&j->out, c);
}

void sd_json_object_begin(sd_json *j) { open_container(j, "{"); }
void sd_json_object_end(sd_json *j) { close_container(j, "}"); }
void sd_json_array_begin(sd_json *j) { open_container(j, "["); }
void sd_json_array_end(sd_json *j) { close_container(j, "]"); }

/* A JSON string, always valid UTF-8: a byte that is not part of a valid
 * sequence (a Latin-1 greeting, a broken certificate name) becomes U+FFFD,
 * control characters are escaped. */
static void quoted(sd_buf *b, const char *s)
{
    sd_buf_puts(b, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = sd_utf8_sequence(p);
        if (n == 0) {
            sd_buf_puts(b, "\\ufffd");
            p++;
            continue;
        }
        switch (*p) {
        case '"': sd_buf_puts(b, "\\\""); break;
        case '\\': sd_buf_puts(b, "\\\\"); break;
        case '\n': sd_buf_puts(b, "\\n"); break;
        case '\r': sd_buf_puts(b, "\\r"); break;
        case '\t': sd_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sd_buf_printf(b, "\\u%04x", *p);
            else
                sd_buf_append(b, p, n);
        }
        p += n;
    }
    sd_buf_puts(b, "\"");
}

void sd_json_key(sd_json *j, const char *key)
{
    value_start(j);
    quoted(&j->out, key);
    sd_buf_puts(&j->out, ": ");
    j->after_key = true;
}

void sd_json_string(sd_json *j, const char *s)
{
    value_start(j);
    if (s)
        quoted(&j->out, s);
    else
        sd_buf_puts(&j->out, "null");
}

void sd_json_int(sd_json *j, int64_t v)
{
    value_start(j);
    sd_buf_printf(&j->out, "%lld", (long long)v);
}

void sd_json_bool(sd_json *j, bool v)
{
    value_start(j);
    sd_buf_puts(&j->out, v ? "true" : "false");
}

void sd_json_null(sd_json *j)
{
    value_start(j);
    sd_buf_puts(&j->out, "null");
}

void sd_json_string_list(sd_json *j, const sd_strlist *l)
{
    sd_json_array_begin(j);
    for (size_t i = 0; i < l->len; i++)
        sd_json_string(j, l->items[i]);
    sd_json_array_end(j);
}

void sd_json_kv_string(sd_json *j, const char *key, const char *s)
{
    sd_json_key(j, key);
    sd_json_string(j, s);
}

void sd_json_kv_int(sd_json *j, const char *key, int64_t v)
{
    sd_json_key(j, key);
    sd_json_int(j, v);
}

void sd_json_kv_bool(sd_json *j, const char *key, bool v)
{
    sd_json_key(j, key);
    sd_json_bool(j, v);
}
