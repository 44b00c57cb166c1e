/* SPDX-License-Identifier: MIT */
#include "common/text.h"

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
