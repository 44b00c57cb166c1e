/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "presets/preset.h"
#include "presets/snapshot.h"
#include "tests/unit/harness.h"

static void test_builtin_loads(void)
{
    sd_preset_db db = {0};
    sd_error err = {{0}};
    CHECK_INT(sd_preset_db_load_builtin(&db, &err), 0);
    CHECK(db.len >= 30);
    for (size_t i = 0; i < db.len; i++) {
        const sd_preset *p = &db.items[i];
        if (p->status != SD_PRESET_BROKEN && p->server_count == 0)
            harness_fail(__FILE__, __LINE__, "preset %s has no servers", p->id);
        if (p->status != SD_PRESET_OK && p->hints.len == 0)
            harness_fail(__FILE__, __LINE__, "preset %s needs preparation but has no hint", p->id);
        if (!p->help_url)
            harness_fail(__FILE__, __LINE__, "preset %s has no help page", p->id);
    }
    sd_preset_db_free(&db);
}

static void expect_smtp(const sd_preset_db *db, const char *domain, const char *host, int port,
                        sd_security sec)
{
    const sd_preset *p = sd_preset_find_domain(db, domain);
    if (!p) {
        harness_fail(__FILE__, __LINE__, "no preset for %s", domain);
        return;
    }
    CHECK_STR(p->servers[0].host, host);
    CHECK_INT(p->servers[0].port, port);
    CHECK_INT(p->servers[0].security, sec);
}

static void test_known_providers(void)
{
    sd_preset_db db = {0};
    sd_error err;
    CHECK_INT(sd_preset_db_load_builtin(&db, &err), 0);
    expect_smtp(&db, "gmail.com", "smtp.gmail.com", 465, SD_SEC_TLS);
    expect_smtp(&db, "googlemail.com", "smtp.gmail.com", 465, SD_SEC_TLS);
    expect_smtp(&db, "inbox.ru", "smtp.mail.ru", 465, SD_SEC_TLS);
    expect_smtp(&db, "list.ru", "smtp.mail.ru", 465, SD_SEC_TLS);
    expect_smtp(&db, "bk.ru", "smtp.mail.ru", 465, SD_SEC_TLS);
    expect_smtp(&db, "internet.ru", "smtp.mail.ru", 465, SD_SEC_TLS);
    expect_smtp(&db, "hotmail.com", "smtp-mail.outlook.com", 587, SD_SEC_STARTTLS);
    expect_smtp(&db, "contoso.onmicrosoft.com", "smtp.office365.com", 587, SD_SEC_STARTTLS);
    expect_smtp(&db, "icloud.com", "smtp.mail.me.com", 587, SD_SEC_STARTTLS);
    expect_smtp(&db, "GMX.DE", "mail.gmx.net", 465, SD_SEC_TLS);
    const sd_preset *g = sd_preset_find_domain(&db, "gmail.com");
    CHECK_INT(g->status, SD_PRESET_PREPARATION);
    CHECK(strstr(g->hints.items[0], "app password") != NULL);
    CHECK(sd_preset_find_domain(&db, "example.com") == NULL);
    CHECK(sd_preset_find_domain(&db, "notgmail.com") == NULL);
    const sd_preset *m = sd_preset_find_mx(&db, "aspmx.l.google.com.");
    CHECK(m && strcmp(m->id, "google-workspace") == 0);
    m = sd_preset_find_mx(&db, "contoso-com.mail.protection.outlook.com");
    CHECK(m && strcmp(m->id, "microsoft365") == 0);
    m = sd_preset_find_mx(&db, "hotmail-com.olc.protection.outlook.com");
    CHECK(m && strcmp(m->id, "outlook") == 0);
    const sd_preset *t = sd_preset_find_domain(&db, "tutanota.com");
    CHECK(t && t->status == SD_PRESET_BROKEN && t->server_count == 0);
    sd_preset_db_free(&db);
}

static void test_format_errors(void)
{
    sd_preset_db db = {0};
    sd_error err = {{0}};
    CHECK_INT(sd_preset_db_parse(&db, "[x]\ndomains = x.example\nsmtp = host\n", "t.conf", &err), -1);
    CHECK(strstr(err.msg, "t.conf:3") != NULL);
    CHECK_INT(sd_preset_db_parse(&db, "domains = a.example\n", "t.conf", &err), -1);
    CHECK_INT(sd_preset_db_parse(&db, "[x]\ncolour = blue\ndomains = a.example\n", "t.conf", &err), -1);
    CHECK(strstr(err.msg, "unknown key 'colour'") != NULL);
    CHECK_INT(sd_preset_db_parse(&db, "[x]\nsmtp = a.example 465 tls\n", "t.conf", &err), -1);
    CHECK(strstr(err.msg, "no domains") != NULL);
    CHECK_INT(sd_preset_db_parse(&db, "[x]\ndomains = a.example\nsmtp = h.example 99999 tls\n", "t.conf", &err), -1);
    sd_preset_db_free(&db);
}

static void test_user_files_override(void)
{
    char dir[] = "/tmp/sdpresetXXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/mine.conf", dir);
    FILE *f = fopen(path, "w");
    fputs("[gmail]\nname = My Gmail\ndomains = gmail.com\nsmtp = relay.example.net 2525 starttls\n"
          "[corp]\ndomains = corp.example\nsmtp = mail.corp.example 465 tls\nusername = localpart\n", f);
    fclose(f);
    sd_preset_db db = {0};
    sd_error err;
    CHECK_INT(sd_preset_db_load_builtin(&db, &err), 0);
    size_t before = db.len;
    CHECK_INT(sd_preset_db_load_dir(&db, dir, &err), 0);
    CHECK_INT(db.len, before + 1);
    const sd_preset *g = sd_preset_find_domain(&db, "gmail.com");
    CHECK_STR(g->name, "My Gmail");
    CHECK_STR(g->servers[0].host, "relay.example.net");
    const sd_preset *c = sd_preset_find_domain(&db, "corp.example");
    CHECK_STR(c->username, "%EMAILLOCALPART%");
    CHECK_INT(sd_preset_db_load_dir(&db, "/nonexistent/dir", &err), 0);
    sd_preset_db_free(&db);
    unlink(path);
    rmdir(dir);
}

/* The ISPDB snapshot parses as presets, says where it came from, and keeps
 * each provider's own server order (AT&T's file names outbound.att.net
 * before smtp.mail.att.net). */
static void test_ispdb_snapshot(void)
{
    sd_preset_db db = {0};
    sd_error err = {{0}};
    CHECK_INT(sd_ispdb_snapshot_load(&db, &err), 0);
    CHECK(db.len >= 160);
    for (size_t i = 0; i < db.len; i++) {
        const sd_preset *p = &db.items[i];
        size_t smtp = 0;
        for (size_t k = 0; k < p->server_count; k++)
            smtp += p->servers[k].protocol == SD_PROTO_SMTP;
        if (smtp == 0 || p->domains.len == 0)
            harness_fail(__FILE__, __LINE__, "snapshot section %s has no SMTP server or no domain", p->id);
    }
    expect_smtp(&db, "sbcglobal.net", "outbound.att.net", 465, SD_SEC_TLS);
    expect_smtp(&db, "ziggo.nl", "smtp.ziggo.nl", 587, SD_SEC_STARTTLS);
    CHECK_INT((int)strlen(sd_ispdb_snapshot_date()), 10);
    CHECK_INT((int)strlen(sd_ispdb_snapshot_commit()), 40);
    sd_preset_db_free(&db);
}

static const sd_preset_server *first_smtp(const sd_preset *p)
{
    for (size_t i = 0; i < p->server_count; i++)
        if (p->servers[i].protocol == SD_PROTO_SMTP)
            return &p->servers[i];
    return NULL;
}

/* Every domain both the presets and the ISPDB snapshot know gets the same
 * first SMTP server and username form from both, or the preset says why
 * not (its 'ispdb' note, citing the provider's help page). */
static void test_presets_agree_with_the_ispdb(void)
{
    sd_preset_db presets = {0}, snapshot = {0};
    sd_error err = {{0}};
    CHECK_INT(sd_preset_db_load_builtin(&presets, &err), 0);
    CHECK_INT(sd_ispdb_snapshot_load(&snapshot, &err), 0);
    for (size_t i = 0; i < presets.len; i++) {
        const sd_preset *p = &presets.items[i];
        for (size_t d = 0; d < p->domains.len; d++) {
            const sd_preset *s = sd_preset_find_domain(&snapshot, p->domains.items[d]);
            const sd_preset_server *a = first_smtp(p), *b = s ? first_smtp(s) : NULL;
            if (!s || !a || !b || p->ispdb_note)
                continue;
            const char *ua = p->username ? p->username : "%EMAILADDRESS%";
            const char *ub = s->username ? s->username : "%EMAILADDRESS%";
            if (!sd_str_ieq(a->host, b->host) || a->port != b->port || a->security != b->security ||
                strcmp(ua, ub) != 0)
                harness_fail(__FILE__, __LINE__, "%s: preset %s says %s:%d %s, the ISPDB %s:%d %s, "
                             "and the preset does not say why (ispdb = ...)", p->domains.items[d], p->id,
                             a->host, a->port, ua, b->host, b->port, ub);
        }
    }
    sd_preset_db_free(&presets);
    sd_preset_db_free(&snapshot);
}

/* The built-in providers that take no password sign in with OAuth2 as data,
 * and the oauth2_* keys are checked as they load. */
static void test_oauth2_keys(void)
{
    sd_preset_db db = {0};
    sd_error err = {{0}};
    CHECK_INT(sd_preset_db_load_builtin(&db, &err), 0);
    const sd_preset *g = sd_preset_find_domain(&db, "gmail.com");
    CHECK_INT(g->oauth2.flow, SD_PRESET_OAUTH2_PKCE);
    CHECK_STR(g->oauth2.scope, "https://mail.google.com/");
    CHECK(g->oauth2.authorize_url && g->oauth2.token_url);
    const char *microsoft[] = {"outlook.com", "contoso.onmicrosoft.com"};
    for (size_t i = 0; i < 2; i++) {
        const sd_preset *m = sd_preset_find_domain(&db, microsoft[i]);
        CHECK_INT(m->oauth2.flow, SD_PRESET_OAUTH2_DEVICE);
        CHECK_STR(m->oauth2.scope, "https://outlook.office.com/SMTP.Send");
        CHECK(strncmp(m->oauth2.device_url, "https://login.microsoftonline.com/", 34) == 0);
    }
    sd_preset_db_free(&db);
    const char *bad[] = {
        "[x]\ndomains = x.example\noauth2_flow = implicit\n",
        "[x]\ndomains = x.example\noauth2_flow = device\noauth2_token = https://idp.example/t\noauth2_scope = s\n",
        "[x]\ndomains = x.example\noauth2_flow = pkce\noauth2_authorize = http://idp.example/a\n",
        "[x]\ndomains = x.example\noauth2_token = https://idp.example/t\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sd_preset_db one = {0};
        if (sd_preset_db_parse(&one, bad[i], "t.conf", &err) != -1)
            harness_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
        sd_preset_db_free(&one);
    }
}

TEST_LIST(preset_tests) = {
    {"presets: agree with the ISPDB snapshot, or say why not", test_presets_agree_with_the_ispdb},
    {"presets: the ISPDB snapshot loads, with its source and date", test_ispdb_snapshot},
    {"presets: built-in data loads and is complete", test_builtin_loads},
    {"presets: known providers", test_known_providers},
    {"presets: format errors name file and line", test_format_errors},
    {"presets: user files add and override", test_user_files_override},
    {"presets: OAuth2 endpoints as data, https only", test_oauth2_keys},
    {NULL, NULL},
};
