/* SPDX-License-Identifier: MIT */
#include "net/header.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/text.h"
#include "common/util.h"
#include "net/auth.h"

enum {
    LINE_MAX_CHARS = 78,     /* RFC 5322 2.1.1: SHOULD be no more than 78 */
    WORD_MAX_BYTES = 39,     /* 39 bytes are 52 base64 characters: a 64-character encoded word */
};

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return strstr(s, "=?") == NULL;     /* it would read as an encoded word */
}

/* Appends words to a header, folding before a word that would pass the
 * line length; `column` is where the current line is. */
static void append_word(sd_buf *b, const char *word, size_t len, size_t *column, bool first)
{
    if (!first && *column + 1 + len > LINE_MAX_CHARS) {
        sd_buf_puts(b, "\n");
        *column = 0;
    }
    if (!first) {
        sd_buf_puts(b, " ");
        (*column)++;
    }
    sd_buf_append(b, word, len);
    *column += len;
}

static void append_plain(sd_buf *b, const char *value, size_t *column)
{
    bool first = true;
    for (const char *p = value; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len) {
            append_word(b, p, len, column, first);
            first = false;
        }
        p += len;
    }
}

/* Encoded words of at most WORD_MAX_BYTES bytes each, never splitting a
 * UTF-8 sequence (RFC 2047 6.3 wants each word to decode on its own). */
static void append_encoded(sd_buf *b, const char *value, size_t *column)
{
    bool first = true;
    const unsigned char *p = (const unsigned char *)value;
    while (*p) {
        size_t n = 0;
        for (;;) {
            size_t step = sd_utf8_sequence(p + n);
            if (step == 0 || n + step > WORD_MAX_BYTES)
                break;
            n += step;
        }
        char *b64 = sd_base64_encode(p, n);
        char *word = sd_xasprintf("=?UTF-8?B?%s?=", b64);
        append_word(b, word, strlen(word), column, first);
        first = false;
        free(word);
        free(b64);
        p += n;
    }
}

char *sd_header_field(const char *name, const char *value)
{
    char *text = sd_text_printable(value ? value : "", false);
    sd_buf b = {0};
    sd_buf_printf(&b, "%s:", name);
    size_t column = b.len;
    if (*text) {
        sd_buf_puts(&b, " ");
        column++;
        if (plain_ascii(text))
            append_plain(&b, text, &column);
        else
            append_encoded(&b, text, &column);
    }
    sd_buf_puts(&b, "\n");
    free(text);
    return sd_buf_take(&b);
}
