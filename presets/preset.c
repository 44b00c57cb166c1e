/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "presets/preset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ini.h"
#include "common/strbuf.h"

extern const char sd_builtin_presets_text[];

enum { MAX_PRESET_FILE = 1 << 20 };

const char *sd_preset_status_name(sd_preset_status s)
{
    switch (s) {
    case SD_PRESET_PREPARATION: return "preparation";
    case SD_PRESET_BROKEN: return "broken";
    default: return "ok";
    }
}

const char *sd_preset_oauth2_flow_name(sd_preset_oauth2_flow f)
{
    switch (f) {
    case SD_PRESET_OAUTH2_DEVICE: return "device";
    case SD_PRESET_OAUTH2_PKCE: return "pkce";
    default: return "none";
    }
}

static void oauth2_clear(sd_preset_oauth2 *o)
{
    free(o->device_url);
    free(o->authorize_url);
    free(o->token_url);
    free(o->scope);
    memset(o, 0, sizeof *o);
}

static void preset_clear(sd_preset *p)
{
    free(p->id);
    free(p->name);
    sd_strlist_free(&p->domains);
    sd_strlist_free(&p->mx_patterns);
    for (size_t i = 0; i < p->server_count; i++)
        free(p->servers[i].host);
    free(p->servers);
    free(p->username);
    free(p->password_kind);
    sd_strlist_free(&p->hints);
    sd_strlist_free(&p->ca_families);
    free(p->help_url);
    free(p->ispdb_note);
    oauth2_clear(&p->oauth2);
    free(p->origin);
    memset(p, 0, sizeof *p);
}

void sd_preset_db_free(sd_preset_db *db)
{
    for (size_t i = 0; i < db->len; i++)
        preset_clear(&db->items[i]);
    free(db->items);
    memset(db, 0, sizeof *db);
}

static void add_words(sd_strlist *list, char *value)
{
    char *save = NULL;
    for (char *w = strtok_r(value, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        sd_str_lower(w);
        sd_strlist_add(list, w);
    }
}

/* "host port security", e.g. "smtp.gmail.com 465 tls" */
static int parse_server(sd_preset *p, sd_protocol proto, char *value, sd_error *err)
{
    char *save = NULL;
    char *host = strtok_r(value, " \t", &save);
    char *port = strtok_r(NULL, " \t", &save);
    char *sec = strtok_r(NULL, " \t", &save);
    sd_security security;
    int portnum = port ? sd_port_parse(port, strlen(port)) : -1;
    if (!host || !sec || portnum < 0 || sd_security_parse(sec, &security) < 0)
        return sd_fail(err, "expected 'HOST PORT tls|starttls|plain'");
    p->servers = sd_xrealloc(p->servers, (p->server_count + 1) * sizeof *p->servers);
    sd_preset_server *s = &p->servers[p->server_count++];
    s->protocol = proto;
    s->host = sd_xstrdup(host);
    sd_str_lower(s->host);
    s->port = portnum;
    s->security = security;
    return 0;
}

static int parse_status(sd_preset *p, const char *value, sd_error *err)
{
    if (sd_str_ieq(value, "ok"))
        p->status = SD_PRESET_OK;
    else if (sd_str_ieq(value, "preparation"))
        p->status = SD_PRESET_PREPARATION;
    else if (sd_str_ieq(value, "broken"))
        p->status = SD_PRESET_BROKEN;
    else
        return sd_fail(err, "status must be ok, preparation or broken");
    return 0;
}

/* The username form: "address", "localpart" or a template. */
static char *username_template(const char *value)
{
    if (sd_str_ieq(value, "address"))
        return sd_xstrdup("%EMAILADDRESS%");
    if (sd_str_ieq(value, "localpart"))
        return sd_xstrdup("%EMAILLOCALPART%");
    return sd_xstrdup(value);
}

/* An identity provider's endpoint: https only, since a token and a client
 * secret travel to it. */
static int take_https_url(char **slot, const char *key, const char *value, sd_error *err)
{
    if (strncmp(value, "https://", 8) != 0 || !value[8] || strpbrk(value, " \t"))
        return sd_fail(err, "'%s' takes one https:// URL", key);
    free(*slot);
    *slot = sd_xstrdup(value);
    return 0;
}

/* The oauth2_* keys; 1 when key is not one of them. */
static int parse_oauth2_key(sd_preset_oauth2 *o, const char *key, const char *value, sd_error *err)
{
    if (strcmp(key, "oauth2_flow") == 0) {
        if (sd_str_ieq(value, "device"))
            o->flow = SD_PRESET_OAUTH2_DEVICE;
        else if (sd_str_ieq(value, "pkce"))
            o->flow = SD_PRESET_OAUTH2_PKCE;
        else
            return sd_fail(err, "oauth2_flow must be device or pkce");
        return 0;
    }
    if (strcmp(key, "oauth2_device") == 0)
        return take_https_url(&o->device_url, key, value, err);
    if (strcmp(key, "oauth2_authorize") == 0)
        return take_https_url(&o->authorize_url, key, value, err);
    if (strcmp(key, "oauth2_token") == 0)
        return take_https_url(&o->token_url, key, value, err);
    if (strcmp(key, "oauth2_scope") == 0) {
        free(o->scope);
        o->scope = sd_xstrdup(value);
        return 0;
    }
    return 1;
}

/* A flow needs its endpoints; endpoints without a flow are a mistake too. */
static int check_oauth2(const sd_preset *p, sd_error *err)
{
    const sd_preset_oauth2 *o = &p->oauth2;
    bool any = o->device_url || o->authorize_url || o->token_url || o->scope;
    if (o->flow == SD_PRESET_OAUTH2_NONE)
        return any ? sd_fail(err, "preset '%s' has oauth2_* keys but no oauth2_flow", p->id) : 0;
    if (!o->token_url || !o->scope)
        return sd_fail(err, "preset '%s': oauth2_flow needs oauth2_token and oauth2_scope", p->id);
    if (o->flow == SD_PRESET_OAUTH2_DEVICE && !o->device_url)
        return sd_fail(err, "preset '%s': oauth2_flow = device needs oauth2_device", p->id);
    if (o->flow == SD_PRESET_OAUTH2_PKCE && !o->authorize_url)
        return sd_fail(err, "preset '%s': oauth2_flow = pkce needs oauth2_authorize", p->id);
    return 0;
}

static int parse_key(sd_preset *p, const char *key, char *value, sd_error *err)
{
    int oauth2 = parse_oauth2_key(&p->oauth2, key, value, err);
    if (oauth2 <= 0)
        return oauth2;
    if (strcmp(key, "name") == 0) {
        free(p->name);
        p->name = sd_xstrdup(value);
    } else if (strcmp(key, "domains") == 0) {
        add_words(&p->domains, value);
    } else if (strcmp(key, "mx") == 0) {
        add_words(&p->mx_patterns, value);
    } else if (strcmp(key, "smtp") == 0) {
        return parse_server(p, SD_PROTO_SMTP, value, err);
    } else if (strcmp(key, "imap") == 0) {
        return parse_server(p, SD_PROTO_IMAP, value, err);
    } else if (strcmp(key, "pop3") == 0) {
        return parse_server(p, SD_PROTO_POP3, value, err);
    } else if (strcmp(key, "username") == 0) {
        free(p->username);
        p->username = username_template(value);
    } else if (strcmp(key, "auth") == 0) {
        p->auth = sd_auth_parse_list(value);
        if (!p->auth)
            return sd_fail(err, "no known mechanism in 'auth'");
    } else if (strcmp(key, "password") == 0) {
        if (!sd_str_ieq(value, "normal") && !sd_str_ieq(value, "app") && !sd_str_ieq(value, "own") &&
            !sd_str_ieq(value, "bridge"))
            return sd_fail(err, "password must be normal, app, own or bridge");
        free(p->password_kind);
        p->password_kind = sd_xstrdup(value);
    } else if (strcmp(key, "status") == 0) {
        return parse_status(p, value, err);
    } else if (strcmp(key, "hint") == 0) {
        sd_strlist_add(&p->hints, sd_tr_data(value));   /* for people: in their language */
    } else if (strcmp(key, "help") == 0) {
        free(p->help_url);
        p->help_url = sd_xstrdup(value);
    } else if (strcmp(key, "ca") == 0) {
        sd_strlist_add(&p->ca_families, value);
    } else if (strcmp(key, "ispdb") == 0) {
        if (!strstr(value, "https://"))
            return sd_fail(err, "'ispdb' explains a difference from the ISPDB and cites a https:// help page");
        free(p->ispdb_note);
        p->ispdb_note = sd_xstrdup(value);
    } else {
        return sd_fail(err, "unknown key '%s'", key);
    }
    return 0;
}

static int finish_preset(sd_preset_db *db, sd_preset *p, sd_error *err)
{
    if (!p->id)
        return 0;
    if (p->domains.len == 0 && p->mx_patterns.len == 0)
        return sd_fail(err, "preset '%s' names no domains and no mx patterns", p->id);
    if (check_oauth2(p, err) < 0)
        return -1;
    if (!p->name)
        p->name = sd_xstrdup(p->id);
    if (!p->username)
        p->username = sd_xstrdup("%EMAILADDRESS%");
    if (!p->password_kind)
        p->password_kind = sd_xstrdup("normal");
    for (size_t i = 0; i < db->len; i++) {
        if (strcmp(db->items[i].id, p->id) == 0) {       /* a later file overrides */
            preset_clear(&db->items[i]);
            db->items[i] = *p;
            memset(p, 0, sizeof *p);
            return 0;
        }
    }
    if (db->len == db->cap) {
        db->cap = db->cap ? db->cap * 2 : 64;
        db->items = sd_xrealloc(db->items, db->cap * sizeof *db->items);
    }
    db->items[db->len++] = *p;
    memset(p, 0, sizeof *p);
    return 0;
}

typedef struct parse_state {
    sd_preset_db *db;
    sd_preset cur;
    const char *origin;
} parse_state;

static int on_line(void *arg, const char *section, const char *key, const char *value, sd_error *err)
{
    parse_state *st = arg;
    if (!section) {                          /* a new [id] begins */
        if (finish_preset(st->db, &st->cur, err) < 0)
            return -1;
        st->cur.id = sd_xstrdup(key);
        st->cur.origin = sd_xstrdup(st->origin);
        return 0;
    }
    char *v = sd_xstrdup(value);
    int rc = parse_key(&st->cur, key, v, err);
    free(v);
    return rc;
}

int sd_preset_db_parse(sd_preset_db *db, const char *text, const char *origin, sd_error *err)
{
    parse_state st = {.db = db, .origin = origin};
    int rc = sd_ini_parse(text, origin, on_line, &st, err);
    sd_error local;
    if (rc == 0 && finish_preset(db, &st.cur, &local) < 0)
        rc = sd_fail(err, "%s: %s", origin, local.msg);
    preset_clear(&st.cur);
    return rc;
}

int sd_preset_db_load_builtin(sd_preset_db *db, sd_error *err)
{
    return sd_preset_db_parse(db, sd_builtin_presets_text, "built-in", err);
}

static int load_file(sd_preset_db *db, const char *path, sd_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sd_fail(err, "cannot open %s: %s", path, strerror(errno));
    sd_buf b = {.limit = MAX_PRESET_FILE};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sd_buf_append(&b, chunk, n) < 0)
            break;
    fclose(f);
    int rc;
    if (b.overflowed)
        rc = sd_fail(err, "%s is larger than %d bytes", path, MAX_PRESET_FILE);
    else
        rc = sd_preset_db_parse(db, b.data ? b.data : "", path, err);
    sd_buf_free(&b);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sd_preset_db_load_dir(sd_preset_db *db, const char *dir, sd_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    sd_strlist names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && sd_str_has_suffix_i(e->d_name, ".conf"))
            sd_strlist_add_owned(&names, sd_xasprintf("%s/%s", dir, e->d_name));
    closedir(d);
    if (names.len)
        qsort(names.items, names.len, sizeof *names.items, compare_names);
    int rc = 0;
    for (size_t i = 0; i < names.len && rc == 0; i++)
        rc = load_file(db, names.items[i], err);
    sd_strlist_free(&names);
    return rc;
}

int sd_preset_db_load_all(sd_preset_db *db, sd_error *err)
{
    if (sd_preset_db_load_builtin(db, err) < 0)
        return -1;
    if (sd_preset_db_load_dir(db, SYSCONFDIR "/smtpdoctor/presets", err) < 0)
        return -1;
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *user_dir = NULL;
    if (xdg && *xdg)
        user_dir = sd_xasprintf("%s/smtpdoctor/presets", xdg);
    else if (home && *home)
        user_dir = sd_xasprintf("%s/.config/smtpdoctor/presets", home);
    int rc = user_dir ? sd_preset_db_load_dir(db, user_dir, err) : 0;
    free(user_dir);
    return rc;
}

static bool matches_any(const sd_strlist *patterns, const char *name)
{
    for (size_t i = 0; i < patterns->len; i++)
        if (sd_host_glob(patterns->items[i], name))
            return true;
    return false;
}

/* Later presets (user files) win, so search from the end. */
const sd_preset *sd_preset_find_domain(const sd_preset_db *db, const char *domain)
{
    for (size_t i = db->len; i-- > 0;)
        if (matches_any(&db->items[i].domains, domain))
            return &db->items[i];
    return NULL;
}

const sd_preset *sd_preset_find_mx(const sd_preset_db *db, const char *mx_host)
{
    for (size_t i = db->len; i-- > 0;)
        if (matches_any(&db->items[i].mx_patterns, mx_host))
            return &db->items[i];
    return NULL;
}

const sd_preset *sd_preset_find_server_host(const sd_preset_db *db, const char *host)
{
    for (size_t i = db->len; i-- > 0;)
        for (size_t k = 0; k < db->items[i].server_count; k++)
            if (sd_str_ieq(db->items[i].servers[k].host, host))
                return &db->items[i];
    return NULL;
}

const sd_preset *sd_preset_find_id(const sd_preset_db *db, const char *id)
{
    for (size_t i = db->len; i-- > 0;)
        if (sd_str_ieq(db->items[i].id, id))
            return &db->items[i];
    return NULL;
}
