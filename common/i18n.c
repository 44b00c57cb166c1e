/* SPDX-License-Identifier: MIT */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <ctype.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

static char language[32] = "en";
static bool isolate_ltr;

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where the catalogs are: SMTPDOCTOR_LOCALEDIR (not for a program run
 * with raised privileges), else the build tree's locale/ when this is the
 * program built there (make compiles the catalogs there), else the
 * installed ones. An installed program never reads catalogs from beside
 * itself: a catalog holds format strings. */
static const char *catalog_dir(char *buf, size_t n)
{
    const char *env = getauxval(AT_SECURE) ? NULL : getenv("SMTPDOCTOR_LOCALEDIR");
    if (env && *env)
        return env;
#ifdef BUILD_DIR
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        char built[PATH_MAX];
        if (slash && (*slash = '\0', realpath(BUILD_DIR, built)) && strcmp(exe, built) == 0) {
            int used = snprintf(buf, n, "%s/locale", BUILD_DIR);
            if (used > 0 && (size_t)used < n && is_dir(buf))
                return buf;
        }
    }
#else
    (void)buf;
    (void)n;
    (void)is_dir;
#endif
    return LOCALEDIR;
}

bool sd_i18n_lang_valid(const char *s)
{
    if (!s || !*s)
        return false;
    if (strcmp(s, "C") == 0 || strcmp(s, "POSIX") == 0 || strcmp(s, "C.UTF-8") == 0 || strcmp(s, "C.utf8") == 0)
        return true;
    size_t i = 0;
    while (islower((unsigned char)s[i]))
        i++;
    if (i < 2 || i > 3)
        return false;
    if (s[i] == '_') {
        size_t k = ++i;
        while (isupper((unsigned char)s[i]))
            i++;
        if (i - k != 2)
            return false;
    }
    if (s[i] == '.')
        return strcmp(s + i + 1, "UTF-8") == 0 || strcmp(s + i + 1, "utf8") == 0;
    return s[i] == '\0';
}

static bool is_c_locale(const char *name)
{
    return !name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

/* The environment's choice for messages, as setlocale would take it. */
static const char *environment_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

#if ENABLE_NLS
/* The catalog in use names its language in its header. */
static void read_language(void)
{
    const char *empty = "";   /* not a message: the catalog's header */
    const char *header = gettext(empty);
    const char *at = header ? strstr(header, "Language: ") : NULL;
    if (!at || !*header) {
        snprintf(language, sizeof language, "en");
        return;
    }
    at += strlen("Language: ");
    size_t n = strcspn(at, "\n");
    snprintf(language, sizeof language, "%.*s", (int)(n < sizeof language ? n : sizeof language - 1), at);
}

static bool has_catalog(const char *dir, const char *lang)
{
    char code[32], path[PATH_MAX];
    snprintf(code, sizeof code, "%s", lang);
    code[strcspn(code, ".@")] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        int len = snprintf(path, sizeof path, "%s/%s/LC_MESSAGES/%s.mo", dir, code, PACKAGE);
        if (len > 0 && (size_t)len < sizeof path && access(path, R_OK) == 0)
            return true;
        code[strcspn(code, "_")] = '\0';   /* pt_BR, then pt */
    }
    return false;
}
#endif

/* Only the messages follow the environment's locale: numbers (strtod of
 * --timeout), dates (the test message's Date header) and case mapping of
 * host names stay those of the C locale, and the characters are UTF-8 (the
 * catalogs', the servers' and wcwidth's). */
static void set_message_locale(void)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "");
    if (setlocale(LC_MESSAGES, ""))
        return;
    /* The environment names a locale this system lacks (servers often have
     * only C and C.UTF-8): its language still chooses the messages. */
    const char *wanted = environment_locale();
    setlocale(LC_MESSAGES, "C.UTF-8");
    if (wanted && !is_c_locale(wanted) && strncmp(wanted, "C.", 2) != 0 && !getenv("LANGUAGE")) {
        char code[32];
        snprintf(code, sizeof code, "%s", wanted);
        code[strcspn(code, ".@")] = '\0';
        setenv("LANGUAGE", code, 1);
    }
}

static bool is_english(const char *lang)
{
    return is_c_locale(lang) || strncmp(lang, "C.", 2) == 0 || strncmp(lang, "en", 2) == 0;
}

int sd_i18n_init(const char *lang)
{
    int rc = 0;
#if ENABLE_NLS
    set_message_locale();
    char dirbuf[PATH_MAX];
    const char *dir = catalog_dir(dirbuf, sizeof dirbuf);
    if (lang) {
        bool english = is_english(lang);
        if (!english && !has_catalog(dir, lang))
            rc = -1;
        /* gettext ignores LANGUAGE under the C locale: --lang works from any
         * locale, C included. */
        if (is_c_locale(setlocale(LC_MESSAGES, NULL)))
            setlocale(LC_MESSAGES, "C.UTF-8");
        setenv("LANGUAGE", english ? "en" : lang, 1);
    }
    bindtextdomain(PACKAGE, dir);
    bind_textdomain_codeset(PACKAGE, "UTF-8");
    textdomain(PACKAGE);
    read_language();
#else
    /* built without NLS: English only, and --lang says so */
    rc = lang && !is_english(lang) ? -1 : 0;
    (void)environment_locale;
    (void)catalog_dir;
#endif
    return rc;
}

const char *sd_i18n_language(void)
{
    return language;
}

bool sd_i18n_rtl(void)
{
    static const char *const rtl[] = {"ar", "fa", "he", "ps", "sd", "ug", "ur", "yi", "ckb", "dv"};
    char code[sizeof language];
    memcpy(code, language, sizeof code);
    code[strcspn(code, "_")] = '\0';
    for (size_t i = 0; i < sizeof rtl / sizeof *rtl; i++)
        if (strcmp(code, rtl[i]) == 0)
            return true;
    return false;
}

const char *sd_tr_data(const char *s)
{
    if (!s || !*s)
        return s;
#if ENABLE_NLS
    return gettext(s);
#else
    return s;
#endif
}

void sd_i18n_set_isolate(bool on)
{
    isolate_ltr = on;
}

bool sd_i18n_isolate(void)
{
    return isolate_ltr;
}

const char *sd_i18n_ltr_open(void)
{
    return isolate_ltr ? SD_LRI : "";
}

const char *sd_i18n_ltr_close(void)
{
    return isolate_ltr ? SD_PDI : "";
}
