/* SPDX-License-Identifier: MIT */
/* What smtpdoctor knows about findings: the summary and remedy of each
 * finding, and the certificate authorities of products that intercept
 * TLS. Data files in presets/knowledge/, compiled into the binary. The files
 * name findings by their code strings; loading maps each to its sd_finding
 * (common/finding.h), and a name that is no finding (nor, in findings.conf,
 * a variant of one) is a load error.
 *
 * An sd_knowledge owns everything it holds; sd_knowledge_free lets go of
 * it. The rules and interceptors returned by the look-ups belong to it. */
#ifndef SD_PRESETS_KNOWLEDGE_H
#define SD_PRESETS_KNOWLEDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/finding.h"
#include "common/util.h"

/* Remedies for a situation the session showed, in findings.conf and
 * replies.conf alike: a refusal after a working login is the server's
 * policy, not a setting the user left out; a known size limit can be named. */
typedef struct sd_situational {
    char *after_login;                  /* remedy_after_login */
    char *after_login_on_submission;    /* remedy_after_login_on_submission: on port 587 or 465 */
    char *with_limit;                   /* remedy_with_limit: the server's EHLO SIZE is known ({limit}) */
} sd_situational;

/* What the session showed that a remedy may depend on. */
typedef struct sd_situation {
    bool logged_in;           /* the login worked in this session */
    bool submission_port;     /* the port is one for submission: 587 or 465 */
    long size_limit;          /* the server's EHLO SIZE; 0: none advertised, or no fixed limit */
} sd_situation;

/* An entry of findings.conf: a finding's texts, or a variant's. */
typedef struct sd_finding_rule {
    sd_finding finding;             /* SD_F_NONE for a variant */
    sd_finding_variant variant;     /* SD_V_NONE for a finding's own entry */
    char *summary;
    char *remedy;
    char *remedy_with_alternative;
    char *remedy_with_suggestion;
    char *remedy_without_suggestion;
    char *remedy_unencrypted;       /* the port turned out to offer no encryption at all */
    sd_situational situational;
} sd_finding_rule;

/* A product that intercepts TLS (presets/knowledge/interception.conf). Its
 * patterns are kept normalised, as names are compared (see below). */
typedef struct sd_interceptor {
    char *id, *product, *remedy;
    sd_strlist patterns;
} sd_interceptor;

/* A server reply and its meaning (presets/knowledge/replies.conf). */
typedef struct sd_reply_rule {
    char *id;
    char *stage;              /* greeting, auth, mail, rcpt, data or any */
    int code;                 /* 0: any */
    char *enhanced;           /* a prefix such as "5.7.9" or "4.", or NULL */
    char *text;               /* words of the reply, or NULL */
    sd_strlist hosts;         /* server name patterns; empty: any server (a provider's
                                 rule always has them: its words mean that only there) */
    sd_finding finding;
    char *provider, *remedy, *example;
    sd_situational situational;
} sd_reply_rule;

typedef struct sd_knowledge {
    sd_finding_rule *rules;
    size_t rule_count;
    sd_interceptor *interceptors;
    size_t interceptor_count;
    sd_interceptor heuristic;       /* an unknown product: the words its CA's name uses */
    sd_reply_rule *replies;
    size_t reply_count;
} sd_knowledge;

/* Both load into k, which is empty after a failure (nothing to free). */
int sd_knowledge_load_builtin(sd_knowledge *k, sd_error *err);
/* The same from the texts of the three files (the unit tests' way in). */
int sd_knowledge_load_texts(sd_knowledge *k, const char *findings, const char *interception, const char *replies,
                            sd_error *err);
void sd_knowledge_free(sd_knowledge *k);

/* A finding's entry, or a variant's; NULL when findings.conf has none. */
const sd_finding_rule *sd_knowledge_rule(const sd_knowledge *k, sd_finding f);
const sd_finding_rule *sd_knowledge_variant_rule(const sd_knowledge *k, sd_finding_variant v);
/* Names are compared without regard to case or punctuation: both sides are
 * lower-cased and every run of other characters than letters and digits is
 * one separator, and a pattern matches only whole words ("ESET" is not found
 * in "reset", "avast! Web/Mail Shield Root" holds "Avast Web Mail Shield").
 *
 * The known product whose pattern appears in text, or NULL. */
const sd_interceptor *sd_knowledge_known_interceptor(const sd_knowledge *k, const char *text);
/* The generic entry for an unknown product when text speaks of scanning,
 * inspection, a proxy... (the words of the [heuristic] section), or NULL.
 * Only a name of a CA that did not verify should be asked. */
const sd_interceptor *sd_knowledge_interception_hint(const sd_knowledge *k, const char *text);
/* The product a cert.intercepted finding's text names: a known one, else the
 * generic entry if the text speaks of interception, else NULL. */
const sd_interceptor *sd_knowledge_interceptor(const sd_knowledge *k, const char *text);

/* The first reply rule that matches a reply of server `host` at a stage, or
 * NULL. */
const sd_reply_rule *sd_knowledge_classify_reply(const sd_knowledge *k, const char *host, const char *stage,
                                                 int code, const char *enhanced, const char *text);

/* The remedy for a finding in a situation, from a reply rule (or NULL):
 * the rule's variant for the situation, else the finding's, else the rule's
 * own remedy. NULL when none of them applies: then the finding's usual
 * remedy does (chosen with the variants of the root cause). */
const char *sd_knowledge_remedy_for(const sd_knowledge *k, const sd_reply_rule *rule, sd_finding finding,
                                    const sd_situation *s);

/* Template variables: name/value pairs, NULL-terminated names. */
typedef struct sd_template_var {
    const char *name, *value;
} sd_template_var;

/* Replaces {name} by its value (an unknown or NULL one by "?"). */
char *sd_template_render(const char *tpl, const sd_template_var *vars);

#endif
