/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "presets/knowledge.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/ini.h"
#include "common/strbuf.h"

extern const char sd_builtin_findings_text[];
extern const char sd_builtin_interception_text[];
extern const char sd_builtin_replies_text[];

/* The slot of a situational remedy key, or NULL. */
static char **situational_slot(sd_situational *v, const char *key)
{
    return strcmp(key, "remedy_after_login") == 0 ? &v->after_login
         : strcmp(key, "remedy_after_login_on_submission") == 0 ? &v->after_login_on_submission
         : strcmp(key, "remedy_with_limit") == 0 ? &v->with_limit : NULL;
}

static void situational_free(sd_situational *v)
{
    free(v->after_login);
    free(v->after_login_on_submission);
    free(v->with_limit);
}

static int on_finding(void *arg, const char *section, const char *key, const char *value, sd_error *err)
{
    sd_knowledge *k = arg;
    if (!section) {
        sd_finding f = sd_finding_from_code(key);
        sd_finding_variant v = f ? SD_V_NONE : sd_finding_variant_from_name(key);
        if (!f && !v)
            return sd_fail(err, "[%s] is neither a finding code nor a variant of one (common/finding.c)", key);
        k->rules = sd_xrealloc(k->rules, (k->rule_count + 1) * sizeof *k->rules);
        memset(&k->rules[k->rule_count], 0, sizeof *k->rules);
        k->rules[k->rule_count].finding = f;
        k->rules[k->rule_count++].variant = v;
        return 0;
    }
    sd_finding_rule *r = &k->rules[k->rule_count - 1];
    char **slot = strcmp(key, "summary") == 0 ? &r->summary
                : strcmp(key, "remedy") == 0 ? &r->remedy
                : strcmp(key, "remedy_with_alternative") == 0 ? &r->remedy_with_alternative
                : strcmp(key, "remedy_with_suggestion") == 0 ? &r->remedy_with_suggestion
                : strcmp(key, "remedy_without_suggestion") == 0 ? &r->remedy_without_suggestion
                : strcmp(key, "remedy_unencrypted") == 0 ? &r->remedy_unencrypted
                : situational_slot(&r->situational, key);
    if (!slot)
        return sd_fail(err, "unknown key '%s'", key);
    free(*slot);
    *slot = sd_xstrdup(sd_tr_data(value));   /* every text of a finding is for people */
    return 0;
}

/* Lower case, and every run of characters other than ASCII letters and
 * digits as one space, with a space at each end: then a normalised pattern
 * found in a normalised text stands there as whole words. Bytes of UTF-8
 * sequences count as letters, so names in other scripts still compare. */
static char *normalise(const char *s)
{
    size_t n = strlen(s);
    char *out = sd_xmalloc(n + 3), *o = out;
    *o++ = ' ';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p >= 0x80)
            *o++ = (char)*p;
        else if (*p >= 'A' && *p <= 'Z')
            *o++ = (char)(*p - 'A' + 'a');
        else if (o[-1] != ' ')
            *o++ = ' ';
    }
    if (o[-1] != ' ')
        *o++ = ' ';
    *o = '\0';
    return out;
}

static int add_pattern(sd_interceptor *i, const char *value, sd_error *err)
{
    char *norm = normalise(value);
    if (strcmp(norm, " ") == 0) {
        free(norm);
        return sd_fail(err, "'%s' has no letters or digits to match", value);
    }
    sd_strlist_add_owned(&i->patterns, norm);
    return 0;
}

/* Each [section] is a product with its "match" names, except [heuristic]:
 * the generic entry, whose "word"s speak of interception in an unknown CA's
 * name. */
static int on_interceptor(void *arg, const char *section, const char *key, const char *value, sd_error *err)
{
    sd_knowledge *k = arg;
    bool heuristic = strcmp(section ? section : key, "heuristic") == 0;
    if (!section) {
        if (heuristic) {
            if (k->heuristic.id)
                return sd_fail(err, "there is only one [heuristic] section");
            k->heuristic.id = sd_xstrdup(key);
            return 0;
        }
        k->interceptors = sd_xrealloc(k->interceptors, (k->interceptor_count + 1) * sizeof *k->interceptors);
        memset(&k->interceptors[k->interceptor_count], 0, sizeof *k->interceptors);
        k->interceptors[k->interceptor_count++].id = sd_xstrdup(key);
        return 0;
    }
    sd_interceptor *i = heuristic ? &k->heuristic : &k->interceptors[k->interceptor_count - 1];
    if (strcmp(key, "product") == 0) {
        free(i->product);
        i->product = sd_xstrdup(value);
    } else if (strcmp(key, "remedy") == 0) {
        free(i->remedy);
        i->remedy = sd_xstrdup(sd_tr_data(value));
    } else if (strcmp(key, heuristic ? "word" : "match") == 0) {
        return add_pattern(i, value, err);
    } else {
        return sd_fail(err, "unknown key '%s'", key);
    }
    return 0;
}

static int check_interceptor(const sd_interceptor *i, sd_error *err)
{
    if (!i->product || !i->remedy || i->patterns.len == 0)
        return sd_fail(err, "interception.conf: [%s] needs a product, a remedy and what to match", i->id);
    return 0;
}

static int check_interceptors(const sd_knowledge *k, sd_error *err)
{
    if (!k->heuristic.id)
        return sd_fail(err, "interception.conf: the [heuristic] section is missing");
    if (check_interceptor(&k->heuristic, err) < 0)
        return -1;
    for (size_t i = 0; i < k->interceptor_count; i++)
        if (check_interceptor(&k->interceptors[i], err) < 0)
            return -1;
    return 0;
}

static int on_reply(void *arg, const char *section, const char *key, const char *value, sd_error *err)
{
    sd_knowledge *k = arg;
    if (!section) {
        k->replies = sd_xrealloc(k->replies, (k->reply_count + 1) * sizeof *k->replies);
        memset(&k->replies[k->reply_count], 0, sizeof *k->replies);
        k->replies[k->reply_count++].id = sd_xstrdup(key);
        return 0;
    }
    sd_reply_rule *r = &k->replies[k->reply_count - 1];
    if (strcmp(key, "code") == 0) {
        char *end = NULL;
        long code = strtol(value, &end, 10);
        if (*end || code < 200 || code > 599)
            return sd_fail(err, "code must be a reply code from 200 to 599");
        r->code = (int)code;
        return 0;
    }
    if (strcmp(key, "finding") == 0) {
        r->finding = sd_finding_from_code(value);
        return r->finding ? 0 : sd_fail(err, "'%s' is no finding code (common/finding.c)", value);
    }
    if (strcmp(key, "host") == 0) {
        char *copy = sd_xstrdup(value), *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
            sd_strlist_add(&r->hosts, w);
        free(copy);
        return 0;
    }
    char **slot = strcmp(key, "stage") == 0 ? &r->stage
                : strcmp(key, "enhanced") == 0 ? &r->enhanced
                : strcmp(key, "text") == 0 ? &r->text
                : strcmp(key, "provider") == 0 ? &r->provider
                : strcmp(key, "remedy") == 0 ? &r->remedy
                : strcmp(key, "example") == 0 ? &r->example
                : situational_slot(&r->situational, key);
    if (!slot)
        return sd_fail(err, "unknown key '%s'", key);
    bool for_people = strcmp(key, "remedy") == 0 || strncmp(key, "remedy_", 7) == 0;
    free(*slot);
    *slot = sd_xstrdup(for_people ? sd_tr_data(value) : value);
    return 0;
}

static int check_replies(const sd_knowledge *k, sd_error *err)
{
    for (size_t i = 0; i < k->reply_count; i++) {
        const sd_reply_rule *r = &k->replies[i];
        if (!r->stage || !r->finding)
            return sd_fail(err, "replies.conf: rule %s needs a stage and a finding", r->id);
        if (!sd_knowledge_rule(k, r->finding))
            return sd_fail(err, "replies.conf: rule %s names %s, which findings.conf does not know",
                           r->id, sd_finding_code(r->finding));
        /* A provider's words mean what the rule says only on its servers:
         * the same text elsewhere is some other server's. */
        if (r->provider && r->hosts.len == 0)
            return sd_fail(err, "replies.conf: rule %s is %s's, so it needs the host names of %s's servers",
                           r->id, r->provider, r->provider);
    }
    return 0;
}

int sd_knowledge_load_texts(sd_knowledge *k, const char *findings, const char *interception, const char *replies,
                            sd_error *err)
{
    memset(k, 0, sizeof *k);
    if (sd_ini_parse(findings, "findings.conf", on_finding, k, err) < 0 ||
        sd_ini_parse(interception, "interception.conf", on_interceptor, k, err) < 0 ||
        check_interceptors(k, err) < 0 ||
        sd_ini_parse(replies, "replies.conf", on_reply, k, err) < 0 || check_replies(k, err) < 0) {
        sd_knowledge_free(k);
        return -1;
    }
    return 0;
}

int sd_knowledge_load_builtin(sd_knowledge *k, sd_error *err)
{
    return sd_knowledge_load_texts(k, sd_builtin_findings_text, sd_builtin_interception_text,
                                   sd_builtin_replies_text, err);
}

static void interceptor_clear(sd_interceptor *i)
{
    free(i->id);
    free(i->product);
    free(i->remedy);
    sd_strlist_free(&i->patterns);
}

void sd_knowledge_free(sd_knowledge *k)
{
    for (size_t i = 0; i < k->rule_count; i++) {
        sd_finding_rule *r = &k->rules[i];
        free(r->summary);
        free(r->remedy);
        free(r->remedy_with_alternative);
        free(r->remedy_with_suggestion);
        free(r->remedy_without_suggestion);
        free(r->remedy_unencrypted);
        situational_free(&r->situational);
    }
    free(k->rules);
    for (size_t i = 0; i < k->interceptor_count; i++)
        interceptor_clear(&k->interceptors[i]);
    free(k->interceptors);
    interceptor_clear(&k->heuristic);
    for (size_t i = 0; i < k->reply_count; i++) {
        sd_reply_rule *r = &k->replies[i];
        free(r->id);
        free(r->stage);
        free(r->enhanced);
        free(r->text);
        free(r->provider);
        free(r->remedy);
        free(r->example);
        situational_free(&r->situational);
        sd_strlist_free(&r->hosts);
    }
    free(k->replies);
    memset(k, 0, sizeof *k);
}

const sd_finding_rule *sd_knowledge_rule(const sd_knowledge *k, sd_finding f)
{
    for (size_t i = 0; f && i < k->rule_count; i++)
        if (k->rules[i].finding == f)
            return &k->rules[i];
    return NULL;
}

const sd_finding_rule *sd_knowledge_variant_rule(const sd_knowledge *k, sd_finding_variant v)
{
    for (size_t i = 0; v && i < k->rule_count; i++)
        if (k->rules[i].variant == v)
            return &k->rules[i];
    return NULL;
}

static bool contains_i(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static bool matches_any(const sd_strlist *patterns, const char *normalised)
{
    for (size_t p = 0; p < patterns->len; p++)
        if (strstr(normalised, patterns->items[p]))
            return true;
    return false;
}

const sd_interceptor *sd_knowledge_known_interceptor(const sd_knowledge *k, const char *text)
{
    if (!text)
        return NULL;
    char *norm = normalise(text);
    const sd_interceptor *found = NULL;
    for (size_t i = 0; i < k->interceptor_count && !found; i++)
        if (matches_any(&k->interceptors[i].patterns, norm))
            found = &k->interceptors[i];
    free(norm);
    return found;
}

const sd_interceptor *sd_knowledge_interception_hint(const sd_knowledge *k, const char *text)
{
    if (!text || !k->heuristic.id)
        return NULL;
    char *norm = normalise(text);
    bool hit = matches_any(&k->heuristic.patterns, norm);
    free(norm);
    return hit ? &k->heuristic : NULL;
}

const sd_interceptor *sd_knowledge_interceptor(const sd_knowledge *k, const char *text)
{
    const sd_interceptor *x = sd_knowledge_known_interceptor(k, text);
    return x ? x : sd_knowledge_interception_hint(k, text);
}

static bool host_matches(const sd_strlist *patterns, const char *host)
{
    if (patterns->len == 0)
        return true;
    for (size_t i = 0; host && i < patterns->len; i++)
        if (sd_host_glob(patterns->items[i], host))
            return true;
    return false;
}

const sd_reply_rule *sd_knowledge_classify_reply(const sd_knowledge *k, const char *host, const char *stage,
                                                 int code, const char *enhanced, const char *text)
{
    for (size_t i = 0; i < k->reply_count; i++) {
        const sd_reply_rule *r = &k->replies[i];
        if (!host_matches(&r->hosts, host))
            continue;
        if (strcmp(r->stage, "any") != 0 && strcmp(r->stage, stage) != 0)
            continue;
        if (r->code && r->code != code)
            continue;
        if (r->enhanced && (!enhanced || strncmp(enhanced, r->enhanced, strlen(r->enhanced)) != 0))
            continue;
        if (r->text && (!text || !contains_i(text, r->text)))
            continue;
        return r;
    }
    return NULL;
}

/* The most specific variant of v for the situation, or NULL. */
static const char *situational_pick(const sd_situational *v, const sd_situation *s)
{
    if (s->logged_in && s->submission_port && v->after_login_on_submission)
        return v->after_login_on_submission;
    if (s->logged_in && v->after_login)
        return v->after_login;
    if (s->size_limit > 0 && v->with_limit)
        return v->with_limit;
    return NULL;
}

const char *sd_knowledge_remedy_for(const sd_knowledge *k, const sd_reply_rule *rule, sd_finding finding,
                                    const sd_situation *s)
{
    const char *tpl = rule ? situational_pick(&rule->situational, s) : NULL;
    const sd_finding_rule *f = sd_knowledge_rule(k, finding);
    if (!tpl && f)
        tpl = situational_pick(&f->situational, s);
    if (!tpl && rule)
        tpl = rule->remedy;
    return tpl;
}

/* Placeholders whose values are written left to right whatever the
 * language (names, numbers): isolated in a right-to-left text. */
static bool is_left_to_right(const char *name)
{
    static const char *const names[] = {"host", "port", "suggested_host", "limit"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

char *sd_template_render(const char *tpl, const sd_template_var *vars)
{
    sd_buf out = {0};
    for (const char *p = tpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            sd_buf_append(&out, p++, 1);
            continue;
        }
        size_t n = (size_t)(close - p - 1);
        const char *value = "?";
        bool ltr = false;
        for (const sd_template_var *v = vars; v && v->name; v++)
            if (strlen(v->name) == n && strncmp(v->name, p + 1, n) == 0 && v->value) {
                value = v->value;
                ltr = is_left_to_right(v->name);
            }
        sd_buf_puts(&out, ltr ? sd_i18n_ltr_open() : "");
        sd_buf_puts(&out, value);
        sd_buf_puts(&out, ltr ? sd_i18n_ltr_close() : "");
        p = close + 1;
    }
    return sd_buf_take(&out);
}
