/* SPDX-License-Identifier: MIT */
/* Small helpers every module uses: allocation that never returns NULL,
 * strings, a monotonic clock and a list of strings.
 *
 * The sd_x* functions abort the program when memory runs out, so they never
 * return NULL (but for NULL in); what they return is the caller's, freed with
 * free(). */
#ifndef SD_COMMON_UTIL_H
#define SD_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

void *sd_xmalloc(size_t n);
void *sd_xcalloc(size_t count, size_t size);
void *sd_xrealloc(void *p, size_t n);
char *sd_xstrdup(const char *s);          /* NULL in, NULL out */
char *sd_xstrndup(const char *s, size_t n);
char *sd_xasprintf(const char *fmt, ...) SD_PRINTF(1, 2);

void sd_str_lower(char *s);
bool sd_str_ieq(const char *a, const char *b);      /* ASCII case-insensitive, NULL-safe */
bool sd_str_has_suffix_i(const char *s, const char *suffix);
bool sd_str_icontains(const char *haystack, const char *needle);   /* ASCII case-insensitive */
/* A TCP port written as the first n bytes of s: only digits, 1 to 65535.
 * Returns the port or -1. */
int sd_port_parse(const char *s, size_t n);

/* The first n bytes of s as "HOST", "HOST:PORT", "[HOST]" or "[HOST]:PORT";
 * a bare IPv6 address (several colons) stays whole. port is 0 when none
 * is given. The host is not checked. Returns -1 for a port that is not 1 to
 * 65535 or for unbalanced brackets. */
typedef struct sd_host_port {
    const char *host;     /* points into s */
    size_t host_len;
    bool bracketed;
    int port;
} sd_host_port;
int sd_host_port_split(const char *s, size_t n, sd_host_port *out);
char *sd_str_trim(char *s);                         /* in place; returns s moved past blanks */
/* The length of a host name without the trailing dot of an absolute name
 * ("mail.example.com." as DNS writes it), which changes nothing. */
size_t sd_dns_name_length(const char *name);
/* Matches a host name against a pattern where a leading "*." stands for one or
 * more labels, ASCII case-insensitively. */
bool sd_host_glob(const char *pattern, const char *host);

/* Milliseconds of a monotonic clock. */
int64_t sd_now_ms(void);

/* A growable list of owned strings: `= {0}` is an empty list, the list
 * owns every item, and sd_strlist_free frees them all and leaves the list
 * empty, ready for use again. */
typedef struct sd_strlist {
    char **items;
    size_t len, cap;
} sd_strlist;

void sd_strlist_add(sd_strlist *l, const char *s);      /* copies s */
void sd_strlist_add_owned(sd_strlist *l, char *s);      /* takes s */
bool sd_strlist_contains_i(const sd_strlist *l, const char *s);
void sd_strlist_free(sd_strlist *l);

#endif
