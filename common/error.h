/* SPDX-License-Identifier: MIT */
/* The one error model of smtpdoctor: a function that can fail returns -1 (or
 * NULL) and, when the caller passed an sd_error, leaves one sentence in it
 * saying what went wrong, fit to be shown to the user as is. */
#ifndef SD_COMMON_ERROR_H
#define SD_COMMON_ERROR_H

typedef struct sd_error {
    char msg[512];
} sd_error;

#if defined(__GNUC__)
#define SD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SD_PRINTF(a, b)
#endif

/* Sets the message (if err is not NULL) and returns -1, so that
 * `return sd_fail(err, "...")` reads naturally. An sd_error is the
 * caller's (usually on its stack) and holds no pointers: nothing to free.
 * A function that succeeds leaves it as it was. */
int sd_fail(sd_error *err, const char *fmt, ...) SD_PRINTF(2, 3);

#endif
