/* SPDX-License-Identifier: MIT */
#include "common/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void out_of_memory(void)
{
    fputs("smtpdoctor: out of memory\n", stderr);
    abort();
}

void *sd_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *sd_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *sd_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

char *sd_xstrdup(const char *s)
{
    return s ? sd_xstrndup(s, strlen(s)) : NULL;
}

char *sd_xstrndup(const char *s, size_t n)
{
    char *p = sd_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sd_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory();
    char *p = sd_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void sd_str_lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

bool sd_str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

int sd_port_parse(const char *s, size_t n)
{
    if (n == 0 || n > 5 || strspn(s, "0123456789") < n)
        return -1;
    int port = 0;
    for (size_t i = 0; i < n; i++)
        port = port * 10 + (s[i] - '0');
    return port >= 1 && port <= 65535 ? port : -1;
}

int sd_host_port_split(const char *s, size_t n, sd_host_port *out)
{
    const char *end = s + n, *port = NULL;
    *out = (sd_host_port){.host = s, .host_len = n};
    const char *colon = memchr(s, ':', n);
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || (close + 1 < end && close[1] != ':'))
            return -1;
        out->host = s + 1;
        out->host_len = (size_t)(close - out->host);
        out->bracketed = true;
        port = close + 1 < end ? close + 2 : NULL;
    } else if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
        out->host_len = (size_t)(colon - s);
        port = colon + 1;
    }
    if (port && (out->port = sd_port_parse(port, (size_t)(end - port))) < 0)
        return -1;
    return 0;
}

bool sd_str_has_suffix_i(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && sd_str_ieq(s + ls - lx, suffix);
}

bool sd_str_icontains(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = haystack; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return n == 0;
}

char *sd_str_trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

size_t sd_dns_name_length(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

bool sd_host_glob(const char *pattern, const char *host)
{
    char *h = sd_xstrndup(host, sd_dns_name_length(host));
    bool match;
    if (strncmp(pattern, "*.", 2) == 0)
        match = strlen(h) > strlen(pattern) - 1 && sd_str_has_suffix_i(h, pattern + 1);
    else
        match = sd_str_ieq(pattern, h);
    free(h);
    return match;
}

int64_t sd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sd_strlist_add(sd_strlist *l, const char *s)
{
    sd_strlist_add_owned(l, sd_xstrdup(s));
}

void sd_strlist_add_owned(sd_strlist *l, char *s)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = sd_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->len++] = s;
}

bool sd_strlist_contains_i(const sd_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (sd_str_ieq(l->items[i], s))
            return true;
    return false;
}

void sd_strlist_free(sd_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}
