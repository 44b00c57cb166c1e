/* SPDX-License-Identifier: MIT */
/* Source "srv": the domain's RFC 6186 / RFC 8314 SRV records for
 * submission, IMAP and POP3. */
#include <stdlib.h>
#include <string.h>

#include "discover/run.h"

/* One SRV name asked; freed by its callback. */
typedef struct srv_ctx {
    run *r;
    sd_protocol protocol;
    sd_security security;
} srv_ctx;

static const struct {
    const char *prefix;
    sd_protocol protocol;
    sd_security security;
} srv_names[] = {
    {"_submissions._tcp", SD_PROTO_SMTP, SD_SEC_TLS},
    {"_submission._tcp", SD_PROTO_SMTP, SD_SEC_STARTTLS},
    {"_imaps._tcp", SD_PROTO_IMAP, SD_SEC_TLS},
    {"_imap._tcp", SD_PROTO_IMAP, SD_SEC_STARTTLS},
    {"_pop3s._tcp", SD_PROTO_POP3, SD_SEC_TLS},
    {"_pop3._tcp", SD_PROTO_POP3, SD_SEC_STARTTLS},
};

/* Adds one record's server; false for a record that names none. */
static bool add_record(srv_ctx *c, const char *name, const sd_dns_answer *ans, const sd_dns_srv *rec)
{
    run *r = c->r;
    if (strcmp(rec->target, ".") == 0 || rec->target[0] == '\0') {
        /* RFC 6186: "." says the service is not offered here. */
        run_report(r, SD_SRC_SRV, name, false, ans->elapsed_ms, "the domain says this service is not offered");
        return false;
    }
    if (rec->port < 1)
        return false;
    char *host = sd_xstrdup(rec->target);
    sd_str_lower(host);
    host[sd_dns_name_length(host)] = '\0';
    sd_server s = {
        .protocol = c->protocol, .host = host, .port = rec->port,
        .security = c->security, .username = r->addr->address, .sources = SD_SRC_SRV,
        .trusted = sd_source_trusted(SD_SRC_SRV, ans->authenticated),
        /* lower priority first; within one, the heavier weight first */
        .order = rec->priority * 70000 + (65535 - rec->weight),
    };
    run_add_found(r, SLOT_SRV, &s);
    free(host);
    return true;
}

static void on_srv(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)type;
    srv_ctx *c = arg;
    run *r = c->r;
    if (ans->status != SD_DNS_OK) {
        run_report(r, SD_SRC_SRV, name, false, ans->elapsed_ms, "%s", sd_dns_status_text(ans->status));
        free(c);
        return;
    }
    size_t added = 0;
    for (size_t i = 0; i < ans->srv_count; i++)
        added += add_record(c, name, ans, &ans->srv[i]);
    if (added)
        run_report(r, SD_SRC_SRV, name, c->protocol == SD_PROTO_SMTP, ans->elapsed_ms, "%zu record%s%s",
                   added, added == 1 ? "" : "s", ans->authenticated ? " (DNSSEC-validated)" : "");
    free(c);
}

void src_srv_start(run *r)
{
    for (size_t i = 0; i < sizeof srv_names / sizeof *srv_names; i++) {
        srv_ctx *c = sd_xcalloc(1, sizeof *c);
        c->r = r;
        c->protocol = srv_names[i].protocol;
        c->security = srv_names[i].security;
        char *name = sd_xasprintf("%s.%s", srv_names[i].prefix, r->addr->domain);
        sd_resolver_query(r->resolver, name, SD_DNS_SRV, on_srv, c);
        free(name);
    }
}
