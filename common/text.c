/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE   /* wcwidth */
#include "common/text.h"

#include <locale.h>
#include <pthread.h>
#include <wchar.h>

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"

size_t sd_utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return p[0] ? 1 : 0;
    size_t n;
    unsigned cp;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;                 /* also stops at the terminating NUL */
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* C0 controls, DEL, and the C1 controls U+0080 to U+009F (which some
 * terminals act on, as the single-byte CSI U+009B). */
static bool is_control(const unsigned char *p, size_t n, bool keep_lines)
{
    if (n == 1)
        return (p[0] < 0x20 && !(keep_lines && (p[0] == '\n' || p[0] == '\t'))) || p[0] == 0x7f;
    return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

bool sd_text_is_printable(const char *s, bool keep_lines)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = sd_utf8_sequence(p);
        if (n == 0 || is_control(p, n, keep_lines))
            return false;
        p += n;
    }
    return true;
}

char *sd_text_printable(const char *s, bool keep_lines)
{
    if (!s)
        return NULL;
    sd_buf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = sd_utf8_sequence(p);
        if (n == 0) {
            sd_buf_puts(&b, "\xef\xbf\xbd");          /* U+FFFD, one per invalid byte */
            p++;
        } else if (is_control(p, n, keep_lines)) {
            sd_buf_puts(&b, "?");
            p += n;
        } else {
            sd_buf_append(&b, p, n);
            p += n;
        }
    }
    return b.data ? sd_buf_take(&b) : sd_xstrdup("");
}

void sd_text_make_printable(char **slot, bool keep_lines)
{
    if (!*slot || sd_text_is_printable(*slot, keep_lines))
        return;
    char *clean = sd_text_printable(*slot, keep_lines);
    free(*slot);
    *slot = clean;
}

/* wcwidth answers by LC_CTYPE, which may be C (ASCII) while the text is
 * UTF-8: the widths come from C.UTF-8, set for this thread only. */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_open(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static unsigned decode_utf8(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned c = p[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        c = (c << 6) | (p[i] & 0x3f);
    return c;
}

size_t sd_text_columns(const char *s)
{
    pthread_once(&utf8_once, utf8_locale_open);
    locale_t previous = utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
    size_t cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        size_t n = sd_utf8_sequence(p);
        if (n == 0) {
            cols++;
            p++;
            continue;
        }
        unsigned c = decode_utf8(p, n);
        int w = n == 1 ? (c >= 0x20 && c != 0x7f) : utf8_locale ? wcwidth((wchar_t)c) : 1;
        cols += w < 0 ? 1 : (size_t)w;
        p += n;
    }
    if (utf8_locale)
        uselocale(previous);
    return cols;
}

size_t sd_text_cut(char *s, size_t max_columns)
{
    size_t cols = 0;
    char *p = s;
    while (*p) {
        size_t n = sd_utf8_sequence((const unsigned char *)p);
        if (n == 0 && strlen(p) < 4 && ((unsigned char)*p & 0xc0) == 0xc0)
            break;                        /* the start of a character cut short */
        n = n ? n : 1;
        char one[5] = {0};
        memcpy(one, p, n);
        size_t w = sd_text_columns(one);
        if (cols + w > max_columns)
            break;
        cols += w;
        p += n;
    }
    *p = '\0';
    return cols;
}

void sd_text_pad(FILE *out, const char *s, size_t width)
{
    fputs(s, out);
    for (size_t used = sd_text_columns(s); used < width; used++)
        fputc(' ', out);
}

void sd_text_wrap(FILE *out, const char *s, size_t first_used, size_t indent, size_t width)
{
    size_t used = first_used;
    bool line_empty = true;
    const char *p = s;
    while (*p) {
        size_t spaces = strspn(p, " ");
        p += spaces;
        size_t len = strcspn(p, " ");
        if (len == 0)
            break;
        char *word = sd_xstrndup(p, len);
        size_t w = sd_text_columns(word);
        if (!line_empty && used + 1 + w > width) {
            fprintf(out, "\n%*s", (int)indent, "");
            used = indent;
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', out);
            used++;
        }
        fputs(word, out);
        used += w;
        line_empty = false;
        free(word);
        p += len;
    }
    fputc('\n', out);
}
