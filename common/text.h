/* SPDX-License-Identifier: MIT */
/* Text from outside (server replies, certificates, documents, DNS) made
 * safe to show: valid UTF-8, and no control character that a terminal
 * would act on (cursor movement, OSC 52 clipboard writes, bells). */
#ifndef SD_COMMON_TEXT_H
#define SD_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/* How many terminal columns s takes: a wide (CJK) character two, a
 * combining mark or a directional isolate none, others one; invalid bytes
 * count one each (they are shown as U+FFFD). Needs no locale. */
size_t sd_text_columns(const char *s);

/* Cuts s in place at a character boundary so that it takes at most
 * max_columns columns; an incomplete UTF-8 sequence at its end (left by a
 * byte-counted snprintf) goes too. Returns the columns it then takes. */
size_t sd_text_cut(char *s, size_t max_columns);

/* Writes s to out followed by spaces up to width columns (none when s is
 * already as wide): padding that holds for every script. */
void sd_text_pad(FILE *out, const char *s, size_t width);

/* Writes s to out word-wrapped to width columns: the first line continues
 * the current one (which already took first_used columns), later lines
 * start with indent spaces. Ends with a newline. */
void sd_text_wrap(FILE *out, const char *s, size_t first_used, size_t indent, size_t width);

#endif
