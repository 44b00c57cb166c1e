/* SPDX-License-Identifier: MIT */
#include "discover/server.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "discover/address.h"

/* A source's tier counted from 0 (the user's); what is not a single known
 * source ranks with the guesses. */
int sd_source_tier(unsigned src)
{
    const sd_source_info *info = sd_source_info_of(src);
    return (info ? info->tier : SD_TIER_GUESS) - SD_TIER_USER;
}

/* The order in which sources are preferred when several name the same
 * server, and the tie-break between sources of one tier (the table's
 * preference). */
static int source_rank(unsigned src)
{
    const sd_source_info *info = sd_source_info_of(src);
    return info ? info->preference : 99;
}

unsigned sd_source_primary(unsigned sources)
{
    unsigned best = 0;
    for (int i = 0; i < SD_SRC_COUNT; i++)
        if ((sources & SD_SRC_BIT(i)) && (!best || source_rank(SD_SRC_BIT(i)) < source_rank(best)))
            best = SD_SRC_BIT(i);
    return best;
}

void sd_server_copy(sd_server *dst, const sd_server *src)
{
    *dst = *src;
    dst->host = sd_xstrdup(src->host);
    dst->username = sd_xstrdup(src->username);
    dst->probe_note = sd_xstrdup(src->probe_note);
    dst->provider_id = sd_xstrdup(src->provider_id);
}

void sd_server_clear(sd_server *s)
{
    free(s->host);
    free(s->username);
    free(s->probe_note);
    free(s->provider_id);
    memset(s, 0, sizeof *s);
}

static bool same_endpoint(const sd_server *a, const sd_server *b)
{
    return a->protocol == b->protocol && a->port == b->port && a->security == b->security &&
           sd_str_ieq(a->host, b->host);
}

static void merge_into(sd_server *into, const sd_server *s)
{
    bool s_better = source_rank(sd_source_primary(s->sources)) <
                    source_rank(sd_source_primary(into->sources));
    if (s->username && (!into->username || s_better)) {
        free(into->username);
        into->username = sd_xstrdup(s->username);
    }
    if (s_better)
        into->order = s->order;
    if (!into->auth || (s_better && s->auth))
        into->auth = s->auth ? s->auth : into->auth;
    if (!into->provider_id && s->provider_id)
        into->provider_id = sd_xstrdup(s->provider_id);
    into->sources |= s->sources;
    into->trusted = into->trusted || s->trusted;
    into->ispdb_named = into->ispdb_named || s->ispdb_named;
    into->from_snapshot = into->from_snapshot || s->from_snapshot;
    if (s->vouch != SD_VOUCH_NONE && (into->vouch == SD_VOUCH_NONE || s->vouch < into->vouch))
        into->vouch = s->vouch;
    into->verified = into->verified || s->verified;
}

bool sd_server_list_add(sd_server_list *l, const sd_server *s)
{
    /* one check for every source's host names: SRV targets, MX-based and
     * Autodiscover servers too, not only autoconfig's */
    if (!s->host || !sd_host_name_safe(s->host) || s->port < 1 || s->port > 65535)
        return false;
    for (size_t i = 0; i < l->len; i++) {
        if (same_endpoint(&l->items[i], s)) {
            merge_into(&l->items[i], s);
            return true;
        }
    }
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = sd_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    sd_server_copy(&l->items[l->len++], s);
    return true;
}

static int security_rank(sd_security s)
{
    switch (s) {
    case SD_SEC_TLS: return 0;
    case SD_SEC_STARTTLS: return 1;
    case SD_SEC_PLAIN: return 2;
    default: return 3;
    }
}

/* Twice the source tier, so that a demoted host fits between the presets
 * and ISPDB (SD_TIER_KNOWN) and the MX-based candidates (SD_TIER_MX). */
static int effective_tier(const sd_server *s)
{
    int tier = 2 * sd_source_tier(sd_source_primary(s->sources));
    int below_known = 2 * (SD_TIER_KNOWN - SD_TIER_USER) + 1;
    return s->demoted && tier < below_known ? below_known : tier;
}

/* Whether a source's answer is a list the provider ordered by preference:
 * an autoconfig or ISPDB document (Thunderbird takes its first server), a
 * preset (written from the provider's help page), or those of the provider
 * behind the MX. SRV records, Autodiscover and guesses state no such
 * order: there implicit TLS goes first, as RFC 8314 recommends. */
static bool states_order(unsigned src)
{
    return src & (SD_SRC_AUTOCONFIG | SD_SRC_WELLKNOWN | SD_SRC_ISPDB | SD_SRC_PRESET | SD_SRC_MX);
}

/* The servers of one source within one tier are a group: whether a probe
 * saw them fail, and which tier and source, are the same for all of them. */
static bool same_group(const sd_server *a, const sd_server *b)
{
    return a->protocol == b->protocol && a->probe_failed == b->probe_failed &&
           effective_tier(a) == effective_tier(b) && sd_source_primary(a->sources) == sd_source_primary(b->sources);
}

/* Each server's group_security: the best security any encrypted server of
 * its group offers (plain only when the whole group is plain). */
static void set_group_security(sd_server_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        int best = security_rank(SD_SEC_PLAIN);
        for (size_t j = 0; j < l->len; j++)
            if (same_group(&l->items[i], &l->items[j]) && l->items[j].security != SD_SEC_PLAIN &&
                security_rank(l->items[j].security) < best)
                best = security_rank(l->items[j].security);
        l->items[i].group_security = best;
    }
}

/* A strict order by one key, field after field (qsort needs a consistent
 * comparison): protocol; whether a probe saw it fail; the tier; between
 * the groups of one tier, the best security each offers (implicit TLS
 * before STARTTLS, RFC 8314), then the source's preference; within a
 * group, the provider's own order where its source states one (only a
 * server without encryption goes after the encrypted ones, whatever its
 * place), else security then order; last host and port. */
static int compare_servers(const void *pa, const void *pb)
{
    const sd_server *a = pa, *b = pb;
    if (a->protocol != b->protocol)
        return (int)a->protocol - (int)b->protocol;
    if (a->probe_failed != b->probe_failed)
        return a->probe_failed ? 1 : -1;
    unsigned sa = sd_source_primary(a->sources), sb = sd_source_primary(b->sources);
    int ta = effective_tier(a), tb = effective_tier(b);
    if (ta != tb)
        return ta - tb;
    if (sa != sb) {
        if (a->group_security != b->group_security)
            return a->group_security - b->group_security;
        return source_rank(sa) - source_rank(sb);
    }
    bool plain_a = a->security == SD_SEC_PLAIN, plain_b = b->security == SD_SEC_PLAIN;
    if (states_order(sa)) {
        if (plain_a != plain_b)
            return plain_a ? 1 : -1;
    } else if (security_rank(a->security) != security_rank(b->security)) {
        return security_rank(a->security) - security_rank(b->security);
    }
    if (a->order != b->order)
        return a->order - b->order;
    int h = strcmp(a->host, b->host);
    if (h)
        return h;
    if (a->port != b->port)
        return a->port - b->port;
    return security_rank(a->security) - security_rank(b->security);
}

void sd_server_list_rank(sd_server_list *l)
{
    bool known_provider_resolves = false;
    for (size_t i = 0; i < l->len; i++) {
        const sd_server *s = &l->items[i];
        if (s->protocol == SD_PROTO_SMTP && (s->vouch == SD_VOUCH_PRESET || s->vouch == SD_VOUCH_ISPDB) &&
            !s->unresolved && !s->probe_failed)
            known_provider_resolves = true;
    }
    for (size_t i = 0; i < l->len; i++)
        l->items[i].demoted = known_provider_resolves && l->items[i].vouch == SD_VOUCH_NONE;
    set_group_security(l);
    if (l->len > 1)
        qsort(l->items, l->len, sizeof *l->items, compare_servers);
}

void sd_server_list_merge(sd_server_list *to, sd_server_list *from)
{
    for (size_t i = 0; i < from->len; i++)
        sd_server_list_add(to, &from->items[i]);
    sd_server_list_free(from);
}

void sd_server_list_free(sd_server_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        sd_server_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}
