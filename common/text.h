/* SPDX-License-Identifier: MIT */
/* Text from outside (server replies, certificates, documents, DNS) made
 * safe to show: valid UTF-8, and no control character that a terminal
 * would act on (cursor movement, OSC 52 clipboard writes, bells). */
#ifndef SD_COMMON_TEXT_H
#define SD_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The length (1 to 4) of the valid UTF-8 sequence at p, or 0 when the
 * bytes there are not one (a stray continuation byte, an overlong form, a
 * surrogate, a code point above U+10FFFF, or the end of the string). */
size_t sd_utf8_sequence(const unsigned char *p);

/* Whether s is valid UTF-8 without C0/C1 control characters or DEL
 * (newline and tab allowed when keep_lines). */
bool sd_text_is_printable(const char *s, bool keep_lines);

/* A copy of s in which every invalid byte becomes U+FFFD and every control
 * character '?' (newline and tab are kept when keep_lines). NULL in, NULL
 * out; a new string the caller frees. */
char *sd_text_printable(const char *s, bool keep_lines);

/* Makes *slot printable in place: when it must change, the old string is
 * freed and *slot gets a new one (the caller's, as before). */
void sd_text_make_printable(char **slot, bool keep_lines);

#endif
