/* SPDX-License-Identifier: MIT */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int sd_buf_append(sd_buf *b, const void *p, size_t n)
{
    if (b->limit && b->len + n > b->limit) {
        b->overflowed = true;
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = sd_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sd_buf_puts(sd_buf *b, const char *s)
{
    return sd_buf_append(b, s, strlen(s));
}

int sd_buf_printf(sd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    char *tmp = sd_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = sd_buf_append(b, tmp, (size_t)n);
    free(tmp);
    return rc;
}

void sd_buf_consume(sd_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

void sd_buf_reset(sd_buf *b)
{
    b->len = 0;
    b->overflowed = false;
    if (b->data)
        b->data[0] = '\0';
}

void sd_buf_free(sd_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *sd_buf_take(sd_buf *b)
{
    char *s = b->data ? b->data : sd_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}
