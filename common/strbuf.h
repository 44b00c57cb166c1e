/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a hard size limit, for everything read from
 * the network: no peer can make it grow past `limit`. `= {0}` is an empty
 * buffer without a limit. The buffer owns data: sd_buf_free frees it (and
 * keeps limit, so the buffer can be used again); sd_buf_take hands it to
 * the caller, who frees it with free(). */
#ifndef SD_COMMON_STRBUF_H
#define SD_COMMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct sd_buf {
    char *data;          /* always NUL-terminated when non-NULL */
    size_t len, cap;
    size_t limit;        /* 0: no limit (only for our own output) */
    bool overflowed;     /* an append was refused because of the limit */
} sd_buf;

/* Appends n bytes; returns -1 and sets `overflowed` when the limit is hit. */
int sd_buf_append(sd_buf *b, const void *p, size_t n);
int sd_buf_puts(sd_buf *b, const char *s);
int sd_buf_printf(sd_buf *b, const char *fmt, ...) SD_PRINTF(2, 3);
void sd_buf_consume(sd_buf *b, size_t n);    /* drops the first n bytes */
void sd_buf_reset(sd_buf *b);
void sd_buf_free(sd_buf *b);
/* Gives the string to the caller (never NULL) and leaves the buffer empty. */
char *sd_buf_take(sd_buf *b);

#endif
