/* SPDX-License-Identifier: MIT */
#include "discover/vouch.h"

#include <libpsl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "common/model.h"
#include "common/util.h"

static psl_ctx_t *psl_handle;

static void load_public_suffixes(void)
{
    /* Debian's publicsuffix data when installed, else libpsl's built-in copy */
    psl_handle = psl_latest(NULL);
    if (!psl_handle)
        psl_handle = (psl_ctx_t *)psl_builtin();
}

static const psl_ctx_t *public_suffixes(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, load_public_suffixes);
    return psl_handle;
}

const char *sd_registrable_domain(const char *name)
{
    return name ? psl_registrable_domain(public_suffixes(), name) : NULL;
}

bool sd_host_in_registrable_domain(const char *host, const char *domain)
{
    if (!host || !domain)
        return false;
    const char *base = sd_registrable_domain(domain);
    if (!base)
        return false;             /* an address at a public suffix vouches for nothing */
    size_t h = sd_dns_name_length(host), b = sd_dns_name_length(base);
    if (h < b || strncasecmp(host + h - b, base, b) != 0)
        return false;
    return h == b || host[h - b - 1] == '.';
}

sd_vouch sd_vouch_for(const sd_host_facts *f, const sd_preset_db *presets)
{
    if (f->sources & SD_SRC_USER)
        return SD_VOUCH_USER;
    if (presets && sd_preset_find_server_host(presets, f->host))
        return SD_VOUCH_PRESET;
    if (f->ispdb_named)
        return SD_VOUCH_ISPDB;
    if (f->authenticated)
        return SD_VOUCH_AUTHENTICATED;
    if (sd_host_in_registrable_domain(f->host, f->domain))
        return SD_VOUCH_OWN_DOMAIN;
    return SD_VOUCH_NONE;
}

const char *sd_vouch_name(sd_vouch v)
{
    switch (v) {
    case SD_VOUCH_USER: return "user";
    case SD_VOUCH_PRESET: return "preset";
    case SD_VOUCH_ISPDB: return "ispdb";
    case SD_VOUCH_AUTHENTICATED: return "authenticated";
    case SD_VOUCH_OWN_DOMAIN: return "own_domain";
    default: return NULL;
    }
}

const char *sd_vouch_phrase(sd_vouch v)
{
    switch (v) {
    case SD_VOUCH_USER: return "you named it";
    case SD_VOUCH_PRESET: return "it is a server of a built-in provider preset";
    case SD_VOUCH_ISPDB: return "the ISPDB names it";
    case SD_VOUCH_AUTHENTICATED: return "an authenticated source of your domain named it";
    case SD_VOUCH_OWN_DOMAIN: return "it is inside your address's own domain";
    default: return "nothing vouches for it";
    }
}
