/* SPDX-License-Identifier: MIT */
/* Every text a person reads about a finding, rendered as the diagnosis
 * renders it: each finding's and variant's summary and remedies
 * (presets/knowledge/findings.conf), each reply rule's remedies
 * (replies.conf) and each interception product's remedy, with
 * representative values for the placeholders. A text fails when it nests
 * another finding's whole summary, doubles punctuation, leaves a placeholder
 * unfilled, runs words together after ")" or ".", holds a control
 * character, a run of more than 100 characters a terminal cannot wrap, or
 * a form's label ("None") in prose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/model.h"
#include "presets/knowledge.h"
#include "tests/unit/harness.h"

enum { LONGEST_UNBROKEN = 100 };

/* The values a run puts in: a host, a port, the setting in words, what was
 * observed (a clause), an interception product and its remedy. */
static void fill_vars(sd_template_var *vars, const char *security, const char *product_remedy)
{
    const sd_template_var v[] = {
        {"host", "smtp.example.com"},
        {"port", "587"},
        {"security", security},
        {"detected", "STARTTLS"},
        {"suggested_host", "mail.example.com"},
        {"alternative", "port 465 with SSL/TLS"},
        {"detail", "the certificate names www.example.net, not smtp.example.com"},
        {"product", "Avast antivirus"},
        {"product_remedy", product_remedy},
        {"limit", "5 MB"},
        {NULL, NULL},
    };
    memcpy(vars, v, sizeof v);
}

static bool has_doubled_punctuation(const char *t)
{
    static const char *const doubled[] = {"..", "((", "))", ". .", ",,", ",.", ".,", "::", ";;"};
    for (size_t i = 0; i < sizeof doubled / sizeof *doubled; i++)
        if (strstr(t, doubled[i]))
            return true;
    return false;
}

/* ")word" and "end.Word": a space left out between two sentences or after
 * a parenthesis. A period before a lower-case letter, or between capitals
 * (WEB.DE), is part of a name. */
static bool runs_words_together(const char *t)
{
    for (const char *p = t; p[0] && p[1]; p++) {
        bool letter = (p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z');
        if (p[0] == ')' && letter)
            return true;
        bool sentence_end = p > t && ((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9') ||
                                      p[-1] == ')' || p[-1] == '"');
        if (p[0] == '.' && sentence_end && p[1] >= 'A' && p[1] <= 'Z')
            return true;
    }
    return false;
}

static bool has_control_character(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

static size_t longest_unbroken_run(const char *t)
{
    size_t longest = 0, run = 0;
    for (; *t; t++) {
        run = *t == ' ' ? 0 : run + 1;
        if (run > longest)
            longest = run;
    }
    return longest;
}

/* "None" as a word: the form's label for no encryption, not prose. */
static bool has_form_label(const char *t)
{
    for (const char *p = strstr(t, "None"); p; p = strstr(p + 1, "None")) {
        bool starts = p == t || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z'));
        bool ends = !((p[4] >= 'a' && p[4] <= 'z') || (p[4] >= 'A' && p[4] <= 'Z'));
        if (starts && ends)
            return true;
    }
    return false;
}

typedef struct rendered_summary {
    const char *name;
    char *text;
} rendered_summary;

/* The summaries of every finding and variant, to look for inside the others. */
typedef struct wording {
    sd_knowledge k;
    rendered_summary *summaries;
    size_t count;
} wording;

/* A {name} the diagnosis has no value for (it would render as "?"). */
static bool unknown_placeholder(const char *tpl, const sd_template_var *vars)
{
    for (const char *p = strchr(tpl, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (!close)
            return false;
        bool known = false;
        for (const sd_template_var *v = vars; v->name; v++)
            known |= strlen(v->name) == (size_t)(close - p - 1) && strncmp(v->name, p + 1, strlen(v->name)) == 0;
        if (!known)
            return true;
    }
    return false;
}

static void check_text(const wording *w, const char *where, const char *tpl, const sd_template_var *vars)
{
    if (!tpl)
        return;
    if (unknown_placeholder(tpl, vars))
        harness_fail(__FILE__, __LINE__, "%s: a placeholder no run fills: %s", where, tpl);
    char *t = sd_template_render(tpl, vars);
    if (strchr(t, '{') || strchr(t, '}'))
        harness_fail(__FILE__, __LINE__, "%s: a raw placeholder is left: %s", where, t);
    if (has_doubled_punctuation(t))
        harness_fail(__FILE__, __LINE__, "%s: doubled punctuation: %s", where, t);
    if (runs_words_together(t))
        harness_fail(__FILE__, __LINE__, "%s: no space after \")\" or \".\": %s", where, t);
    if (has_control_character(t))
        harness_fail(__FILE__, __LINE__, "%s: a control character: %s", where, t);
    if (longest_unbroken_run(t) > LONGEST_UNBROKEN)
        harness_fail(__FILE__, __LINE__, "%s: more than %d characters without a space: %s", where,
                     LONGEST_UNBROKEN, t);
    if (has_form_label(t))
        harness_fail(__FILE__, __LINE__, "%s: a form's label in prose: %s", where, t);
    for (size_t i = 0; i < w->count; i++)
        if (strcmp(w->summaries[i].name, where) != 0 && strstr(t, w->summaries[i].text))
            harness_fail(__FILE__, __LINE__, "%s nests the summary of %s: %s", where, w->summaries[i].name, t);
    free(t);
}

static const char *rule_name(const sd_finding_rule *r)
{
    return r->finding ? sd_finding_code(r->finding) : sd_finding_variant_name(r->variant);
}

static void check_situational(const wording *w, const char *where, const sd_situational *s,
                              const sd_template_var *vars)
{
    check_text(w, where, s->after_login, vars);
    check_text(w, where, s->after_login_on_submission, vars);
    check_text(w, where, s->with_limit, vars);
}

static void check_all(wording *w, const char *security, const char *product_remedy)
{
    sd_template_var vars[16];
    fill_vars(vars, security, product_remedy);
    w->count = 0;
    w->summaries = calloc(w->k.rule_count, sizeof *w->summaries);
    for (size_t i = 0; i < w->k.rule_count; i++) {
        const sd_finding_rule *r = &w->k.rules[i];
        if (r->summary)
            w->summaries[w->count++] = (rendered_summary){rule_name(r), sd_template_render(r->summary, vars)};
    }
    for (size_t i = 0; i < w->k.rule_count; i++) {
        const sd_finding_rule *r = &w->k.rules[i];
        const char *name = rule_name(r);
        check_text(w, name, r->summary, vars);
        check_text(w, name, r->remedy, vars);
        check_text(w, name, r->remedy_with_alternative, vars);
        check_text(w, name, r->remedy_with_suggestion, vars);
        check_text(w, name, r->remedy_without_suggestion, vars);
        check_text(w, name, r->remedy_unencrypted, vars);
        check_situational(w, name, &r->situational, vars);
    }
    for (size_t i = 0; i < w->k.reply_count; i++) {
        const sd_reply_rule *r = &w->k.replies[i];
        check_text(w, r->id, r->remedy, vars);
        check_situational(w, r->id, &r->situational, vars);
    }
    for (size_t i = 0; i < w->k.interceptor_count; i++)
        check_text(w, w->k.interceptors[i].id, w->k.interceptors[i].remedy, vars);
    check_text(w, "heuristic", w->k.heuristic.remedy, vars);
    for (size_t i = 0; i < w->count; i++)
        free(w->summaries[i].text);
    free(w->summaries);
    w->summaries = NULL;
}

static void test_every_text_reads_well(void)
{
    wording w = {0};
    sd_error err;
    if (sd_knowledge_load_builtin(&w.k, &err) != 0) {
        harness_fail(__FILE__, __LINE__, "the knowledge does not load: %s", err.msg);
        return;
    }
    const char *product_remedy = w.k.interceptor_count ? w.k.interceptors[0].remedy : w.k.heuristic.remedy;
    const sd_security settings[] = {SD_SEC_TLS, SD_SEC_STARTTLS, SD_SEC_PLAIN};
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
        check_all(&w, sd_security_words(settings[i]), product_remedy);
    sd_knowledge_free(&w.k);
}

/* The checks themselves catch what they are meant to. */
static void test_the_checks_catch_bad_texts(void)
{
    CHECK(has_doubled_punctuation("refused ((twice))"));
    CHECK(has_doubled_punctuation("the end.."));
    CHECK(!has_doubled_punctuation("smtp.example.com works."));
    CHECK(runs_words_together("offers no login (AUTH)the server"));
    CHECK(runs_words_together("It failed.Then"));
    CHECK(!runs_words_together("at smtp.example.com (port 587) now."));
    CHECK(!runs_words_together("at GMX, WEB.DE or mail.com."));
    CHECK(has_form_label("port 25 with None works"));
    CHECK(!has_form_label("Nonetheless it works"));
    CHECK(has_control_character("a\x1b[2Jb"));
    CHECK(longest_unbroken_run("see https://example.com/a/very/long/path/that/goes/on/and/on/and/on/without/any/"
                               "space/at/all/for/a/reader/to/wrap") > LONGEST_UNBROKEN);
    CHECK_STR(sd_security_words(SD_SEC_PLAIN), "no encryption");
}

TEST_LIST(wording_tests) = {
    {"wording: every finding's and reply rule's text reads well", test_every_text_reads_well},
    {"wording: the wording checks catch what they should", test_the_checks_catch_bad_texts},
    {NULL, NULL},
};
