/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "cli/oauth2_login.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/text.h"
#include "common/util.h"
#include "net/oauth2.h"

static const sd_preset *with_oauth2(const sd_preset *p)
{
    return p && p->oauth2.flow != SD_PRESET_OAUTH2_NONE ? p : NULL;
}

const sd_preset *sd_oauth2_preset_for(const sd_preset_db *db, const sd_cli *cli, const char *host)
{
    const sd_preset *p = cli->has_address ? with_oauth2(sd_preset_find_domain(db, cli->address.domain)) : NULL;
    return p ? p : with_oauth2(sd_preset_find_server_host(db, host));
}

/* What the identity provider asks the person to do, on stderr: its words
 * (a URL, a code) made printable first. */
static void tell_person(void *arg, const char *line)
{
    (void)arg;
    char *shown = sd_xstrdup(line);
    sd_text_make_printable(&shown, false);
    fprintf(stderr, "%s\n", shown);
    free(shown);
    fflush(stderr);
}

static bool has_desktop(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (w && *w);
}

char *sd_oauth2_sign_in(const sd_cli *cli, const sd_preset_db *db, const char *host)
{
    const sd_preset *p = sd_oauth2_preset_for(db, cli, host);
    if (!p) {
        char *shown = sd_xstrdup(host);
        sd_text_make_printable(&shown, false);
        fprintf(stderr, _("smtpdoctor: no preset says how to sign in with OAuth2 for %s: add oauth2_* lines to a "
                        "preset of your own in $XDG_CONFIG_HOME/smtpdoctor/presets/ (see presets/README.md), or "
                        "give a token with --oauth2-token-file\n"), shown);
        free(shown);
        return NULL;
    }
    sd_oauth2_request req = {
        .device_url = p->oauth2.device_url, .authorize_url = p->oauth2.authorize_url,
        .token_url = p->oauth2.token_url, .scope = p->oauth2.scope,
        .client_id = cli->oauth2_client_id, .client_secret = cli->oauth2_client_secret,
        .login_hint = cli->user ? cli->user : cli->has_address ? cli->address.address : NULL,
        .dns_servers = cli->dns_servers, .ca_file = cli->ca_file, .timeout_ms = cli->timeout_ms,
        .open_browser = has_desktop(), .paste_fd = STDIN_FILENO,
        .tell = tell_person,
    };
    char *client = sd_xstrdup(cli->oauth2_client_id);
    sd_text_make_printable(&client, false);
    fprintf(stderr, _("Signing in to %s with OAuth2 (client ID %s).\n"), p->name, client);
    free(client);
    sd_error err;
    char *token = p->oauth2.flow == SD_PRESET_OAUTH2_DEVICE ? sd_oauth2_device_flow(&req, &err)
                                                            : sd_oauth2_pkce_flow(&req, &err);
    if (!token) {
        char *shown = sd_xstrdup(err.msg);
        sd_text_make_printable(&shown, false);
        fprintf(stderr, _("smtpdoctor: OAuth2 sign-in failed: %s\n"), shown);
        free(shown);
    } else {
        fputs(_("Signed in: the token is used for this run only and not stored.\n"), stderr);
    }
    return token;
}
