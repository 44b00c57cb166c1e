/* SPDX-License-Identifier: MIT */
/* The language of everything a person reads. Messages in C are marked
 * _("...") (N_ where a table keeps them, P_ for plurals); texts of the data
 * files are looked up with sd_tr_data() when they are loaded. Both go
 * through GNU gettext and the catalogs of po/, so one mechanism serves
 * them. Codes, JSON keys and option names are never translated. */
#ifndef SD_COMMON_I18N_H
#define SD_COMMON_I18N_H

#include <stdbool.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#if ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(one, many, n) ngettext(one, many, n)
#else
#define _(s) (s)
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif
#define N_(s) (s)

/* Sets the locale from the environment (LANGUAGE, LC_ALL, LC_MESSAGES,
 * LANG) and binds the catalogs; lang, when not NULL (--lang), overrides the
 * environment's language. A locale the system lacks still gives its
 * language (with C.UTF-8 for the characters); LANG=C stays English. Returns
 * 0, or -1 when lang names a language without a catalog (English is used). */
int sd_i18n_init(const char *lang);

/* Whether s is a well-formed language code for --lang: ll, lll, ll_CC,
 * optionally with .UTF-8 (C and en are English). */
bool sd_i18n_lang_valid(const char *s);

/* The language of the catalog in use ("ru", "pt_BR"), or "en". */
const char *sd_i18n_language(void);

/* Whether that language is written right to left (Urdu). */
bool sd_i18n_rtl(void);

/* A data file's text in the person's language: the catalog's translation,
 * or s itself (never NULL for a non-NULL s; "" stays ""). */
const char *sd_tr_data(const char *s);

/* In a right-to-left language's text output, values written left to right
 * (host names, ports, addresses) are wrapped in Unicode directional
 * isolates, so a terminal that applies the bidirectional algorithm keeps
 * "smtp.example.com:587" whole; the isolates take no column. The CLI turns
 * it on for text output only (JSON stays free of them). */
void sd_i18n_set_isolate(bool on);
bool sd_i18n_isolate(void);
/* The marks around such a value: "" when isolation is off. */
const char *sd_i18n_ltr_open(void);
const char *sd_i18n_ltr_close(void);
#define SD_LRI "\xe2\x81\xa6"   /* U+2066 LEFT-TO-RIGHT ISOLATE */
#define SD_PDI "\xe2\x81\xa9"   /* U+2069 POP DIRECTIONAL ISOLATE */

#endif
