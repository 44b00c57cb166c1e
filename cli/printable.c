/* SPDX-License-Identifier: MIT */
#include "cli/printable.h"

#include "common/text.h"

static void list_printable(sd_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        sd_text_make_printable(&l->items[i], false);
}

static void server_printable(sd_server *s)
{
    sd_text_make_printable(&s->host, false);
    sd_text_make_printable(&s->username, false);
    sd_text_make_printable(&s->probe_note, false);
    sd_text_make_printable(&s->provider_id, false);
}

static void servers_printable(sd_server_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        server_printable(&l->items[i]);
}

static void tls_printable(sd_tls_info *t)
{
    sd_text_make_printable(&t->error, false);
    sd_text_make_printable(&t->plaintext_reply, false);
    sd_text_make_printable(&t->version, false);
    sd_text_make_printable(&t->cipher, false);
    sd_text_make_printable(&t->group, false);
    for (int i = 0; i < t->chain_len; i++) {
        sd_cert_summary *c = &t->chain[i];
        sd_text_make_printable(&c->subject, false);
        sd_text_make_printable(&c->issuer, false);
        sd_text_make_printable(&c->key_type, false);
        sd_text_make_printable(&c->signature, false);
        sd_text_make_printable(&c->ca_issuers_url, false);
        list_printable(&c->names);
    }
}

void sd_diag_result_printable(sd_diag_result *r)
{
    for (size_t i = 0; i < r->checks.len; i++) {
        sd_check *c = &r->checks.items[i];
        sd_text_make_printable(&c->target, false);
        sd_text_make_printable(&c->message, false);
        sd_text_make_printable(&c->reply, false);
        sd_text_make_printable(&c->brief, false);
        sd_text_make_printable(&c->remedy, false);
        sd_text_make_printable(&c->suggested_host, false);
    }
    sd_text_make_printable(&r->summary, false);
    sd_text_make_printable(&r->remedy, false);
    sd_text_make_printable(&r->suggested_host, false);
    sd_text_make_printable(&r->server_reply, false);
    sd_text_make_printable(&r->queue_id, false);
    sd_text_make_printable(&r->auth_mechanism, false);
    list_printable(&r->transcript);
    tls_printable(&r->tls);
    server_printable(&r->working);
    servers_printable(&r->tried);
}

void sd_discovery_printable(sd_discovery *d)
{
    servers_printable(&d->servers);
    sd_text_make_printable(&d->mx_host, false);
    list_printable(&d->hints);
    list_printable(&d->notes);
    for (size_t i = 0; i < d->report_count; i++) {
        sd_text_make_printable(&d->reports[i].what, false);
        sd_text_make_printable(&d->reports[i].result, false);
    }
}
