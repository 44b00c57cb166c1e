/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "cli/output.h"

static void json_preset(sd_json *j, const sd_preset *p)
{
    sd_json_object_begin(j);
    sd_json_kv_string(j, "id", p->id);
    sd_json_kv_string(j, "name", p->name);
    sd_json_kv_string(j, "status", sd_preset_status_name(p->status));
    sd_json_key(j, "domains");
    sd_json_string_list(j, &p->domains);
    sd_json_key(j, "mx");
    sd_json_string_list(j, &p->mx_patterns);
    sd_json_key(j, "servers");
    sd_json_array_begin(j);
    for (size_t i = 0; i < p->server_count; i++) {
        sd_json_object_begin(j);
        sd_json_kv_string(j, "protocol", sd_protocol_name(p->servers[i].protocol));
        sd_json_kv_string(j, "host", p->servers[i].host);
        sd_json_kv_int(j, "port", p->servers[i].port);
        sd_json_kv_string(j, "security", sd_security_name(p->servers[i].security));
        sd_json_object_end(j);
    }
    sd_json_array_end(j);
    sd_json_kv_string(j, "username", p->username);
    sd_json_key(j, "auth");
    sd_json_array_begin(j);
    for (int i = 0; i < SD_AUTH_COUNT; i++)
        if (p->auth & (1u << i))
            sd_json_string(j, sd_auth_name(1u << i));
    sd_json_array_end(j);
    sd_json_key(j, "hints");
    sd_json_string_list(j, &p->hints);
    sd_json_kv_string(j, "help", p->help_url);
    sd_json_kv_string(j, "origin", p->origin);
    sd_json_object_end(j);
}

static void text_preset(const sd_style *st, const sd_preset *p)
{
    printf("%s%s%s [%s] (%s)\n", st->bold, p->name, st->reset, p->id, sd_preset_status_name(p->status));
    if (p->domains.len) {
        fputs(_("  domains:"), stdout);
        for (size_t i = 0; i < p->domains.len; i++)
            printf(" %s", p->domains.items[i]);
        printf("\n");
    }
    if (p->mx_patterns.len) {
        printf("  MX:");
        for (size_t i = 0; i < p->mx_patterns.len; i++)
            printf(" %s", p->mx_patterns.items[i]);
        printf("\n");
    }
    for (size_t i = 0; i < p->server_count; i++)
        printf("  %-4s %s:%d %s\n", p->servers[i].protocol == SD_PROTO_SMTP ? "SMTP"
                                    : p->servers[i].protocol == SD_PROTO_IMAP ? "IMAP" : "POP3",
               p->servers[i].host, p->servers[i].port, sd_security_label(p->servers[i].security));
    printf(_("  username: %s\n"), strcmp(p->username, "%EMAILADDRESS%") == 0 ? _("the full address")
                               : strcmp(p->username, "%EMAILLOCALPART%") == 0 ? _("the part before @")
                               : p->username);
    for (size_t i = 0; i < p->hints.len; i++)
        printf(_("  hint: %s\n"), p->hints.items[i]);
    if (p->help_url)
        printf(_("  help: %s\n"), p->help_url);
}

int sd_print_presets(const sd_cli *cli, const sd_preset_db *db)
{
    sd_style st = sd_style_for(stdout);
    if (strcmp(cli->presets_action, "show") == 0) {
        sd_error err;
        char *domain = sd_hostname_normalize(cli->presets_arg, &err);
        const sd_preset *p = domain ? sd_preset_find_domain(db, domain) : NULL;
        if (!p && domain)
            p = sd_preset_find_id(db, domain);
        if (!p)
            p = sd_preset_find_id(db, cli->presets_arg);
        free(domain);
        if (!p) {
            fprintf(stderr, _("smtpdoctor: no built-in preset for '%s' (smtpdoctor presets list shows them all)\n"),
                    cli->presets_arg);
            return SD_EXIT_FAIL;
        }
        if (cli->json) {
            sd_json j = {0};
            json_preset(&j, p);
            printf("%s\n", j.out.data);
            sd_buf_free(&j.out);
        } else {
            text_preset(&st, p);
        }
        return SD_EXIT_OK;
    }
    if (cli->json) {
        sd_json j = {0};
        sd_json_array_begin(&j);
        for (size_t i = 0; i < db->len; i++)
            json_preset(&j, &db->items[i]);
        sd_json_array_end(&j);
        printf("%s\n", j.out.data);
        sd_buf_free(&j.out);
        return SD_EXIT_OK;
    }
    for (size_t i = 0; i < db->len; i++) {
        const sd_preset *p = &db->items[i];
        const char *first = p->domains.len ? p->domains.items[0] : p->mx_patterns.len ? p->mx_patterns.items[0] : "";
        printf("%-18s %-34s %-12s %s%s\n", p->id, p->name, sd_preset_status_name(p->status), first,
               p->domains.len > 1 ? " ..." : "");
    }
    printf(P_("%zu preset\n", "%zu presets\n", db->len), db->len);
    return SD_EXIT_OK;
}
