/* SPDX-License-Identifier: MIT */
#include "common/jsonread.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Decoded text goes straight into one buffer as long as the raw string
 * (never longer than its source), so that a token leaves no copies behind
 * in memory a growing buffer gave back. data NULL: the text is dropped. */
typedef struct sink {
    char *data;
    size_t len;
} sink;

static void sink_put(sink *s, const char *b, size_t n)
{
    if (s->data)
        memcpy(s->data + s->len, b, n);
    s->len += n;
}

/* Deep enough for any token response; deeper is refused, not recursed. */
enum { MAX_DEPTH = 32 };

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static void put_utf8(sink *out, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    sink_put(out, b, n);
}

/* A \u escape at p (after the backslash and 'u'), with a following low
 * surrogate when p is a high one; returns the end, or NULL. */
static const char *unicode_escape(const char *p, sink *out)
{
    int hi = hex4(p);
    if (hi < 0)
        return NULL;
    p += 4;
    unsigned cp = (unsigned)hi;
    if (hi >= 0xD800 && hi < 0xDC00 && p[0] == '\\' && p[1] == 'u') {
        int lo = hex4(p + 2);
        if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + (((unsigned)hi - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
            p += 6;
        }
    }
    if (cp >= 0xD800 && cp < 0xE000)
        cp = 0xFFFD;             /* a lone surrogate */
    put_utf8(out, cp);
    return p;
}

/* A string at p (on its opening quote); its decoded text into out when out
 * is not NULL. Returns the position after the closing quote, or NULL. */
static const char *read_string(const char *p, sink *out)
{
    if (*p++ != '"')
        return NULL;
    sink scratch = {0};
    sink *o = out ? out : &scratch;
    while (*p && *p != '"') {
        if ((unsigned char)*p < 0x20) {
            p = NULL;
            break;
        }
        if (*p != '\\') {
            sink_put(o, p++, 1);
            continue;
        }
        p++;
        const char *simple = strchr("\"\\/bfnrt", *p);
        if (*p == 'u') {
            p = unicode_escape(p + 1, o);
            if (!p)
                break;
        } else if (*p && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            sink_put(o, &decoded[simple - "\"\\/bfnrt"], 1);
            p++;
        } else {
            p = NULL;
            break;
        }
    }
    if (!p || *p != '"')
        return NULL;
    return p + 1;
}

/* A number, true, false or null: the run of characters that may form one. */
static const char *read_scalar(const char *p)
{
    const char *start = p;
    while (*p && strchr("+-.0123456789eEtruefalsn", *p))
        p++;
    return p > start ? p : NULL;
}

static const char *skip_value(const char *p, int depth);

/* An object or array at p (on its opening bracket), skipped. */
static const char *skip_container(const char *p, int depth)
{
    char close = *p == '{' ? '}' : ']';
    bool object = *p == '{';
    if (depth > MAX_DEPTH)
        return NULL;
    p = skip_space(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            p = read_string(p, NULL);
            if (!p || *(p = skip_space(p)) != ':')
                return NULL;
            p = skip_space(p + 1);
        }
        p = skip_value(p, depth + 1);
        if (!p)
            return NULL;
        p = skip_space(p);
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = skip_space(p + 1);
    }
}

static const char *skip_value(const char *p, int depth)
{
    if (*p == '"')
        return read_string(p, NULL);
    if (*p == '{' || *p == '[')
        return skip_container(p, depth);
    return read_scalar(p);
}

char *sd_json_member(const char *doc, const char *key)
{
    if (!doc)
        return NULL;
    const char *p = skip_space(doc);
    if (*p != '{')
        return NULL;
    p = skip_space(p + 1);
    size_t key_len = strlen(key);
    while (*p == '"') {
        const char *name = p;
        p = read_string(p, NULL);
        /* a name with escapes never matches: OAuth2 names are plain words */
        bool wanted = p && (size_t)(p - name) == key_len + 2 && memcmp(name + 1, key, key_len) == 0;
        if (!p || *(p = skip_space(p)) != ':')
            return NULL;
        p = skip_space(p + 1);
        if (wanted) {
            if (*p == '"') {
                sink value = {sd_xmalloc(strlen(p) + 1), 0};
                if (!read_string(p, &value)) {
                    free(value.data);
                    return NULL;
                }
                value.data[value.len] = '\0';
                return value.data;
            }
            const char *end = *p == '{' || *p == '[' ? NULL : read_scalar(p);
            return end ? sd_xstrndup(p, (size_t)(end - p)) : NULL;
        }
        p = skip_value(p, 1);
        if (!p)
            return NULL;
        p = skip_space(p);
        if (*p == ',')
            p = skip_space(p + 1);
    }
    return NULL;
}
