/* SPDX-License-Identifier: MIT */
/* Source "autodiscover": Exchange Autodiscover (the POX protocol), posted
 * to autodiscover.<domain> and to the domain itself, and to the host its
 * _autodiscover._tcp SRV record names; redirects are followed twice. */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "discover/autoconfig.h"
#include "discover/run.h"

enum { MAX_AUTODISCOVER_REDIRECTS = 2 };

/* One request posted; freed by on_autodiscover. */
typedef struct autodiscover_post {
    run *r;
    bool trusted_base;        /* the way to the URL was authenticated */
    char *url;
    char *address;            /* the address asked about */
    int redirects;            /* how many redirects led here */
} autodiscover_post;

static void free_post(autodiscover_post *p)
{
    free(p->url);
    free(p->address);
    free(p);
}

static char *xml_escaped(const char *s)
{
    sd_buf b = {0};
    for (; *s; s++) {
        switch (*s) {
        case '<': sd_buf_puts(&b, "&lt;"); break;
        case '>': sd_buf_puts(&b, "&gt;"); break;
        case '&': sd_buf_puts(&b, "&amp;"); break;
        case '"': sd_buf_puts(&b, "&quot;"); break;
        default: sd_buf_append(&b, s, 1);
        }
    }
    return sd_buf_take(&b);
}

static void post_autodiscover(run *r, const char *url, const char *address, int redirects, bool trusted_base);

static void follow_redirect(run *r, const autodiscover_post *p, const sd_http_result *res,
                            const char *redirect_url, const char *redirect_addr)
{
    run_report(r, SD_SRC_AUTODISCOVER, p->url, false, res->elapsed_ms, "redirects to %s",
               redirect_url ? redirect_url : redirect_addr);
    /* a redirect is as trustworthy as the document that said it */
    bool trusted = p->trusted_base && res->all_https;
    if (redirect_url && strncmp(redirect_url, "https://", 8) == 0)
        post_autodiscover(r, redirect_url, p->address, p->redirects + 1, trusted);
    else if (redirect_addr)
        post_autodiscover(r, p->url, redirect_addr, p->redirects + 1, trusted);
}

static void add_servers(run *r, const autodiscover_post *p, const sd_http_result *res, sd_server_list *list)
{
    size_t smtp = 0;
    for (size_t i = 0; i < list->len; i++) {
        sd_server *s = &list->items[i];
        s->sources = SD_SRC_AUTODISCOVER;
        s->trusted = sd_source_trusted(SD_SRC_AUTODISCOVER, res->all_https && p->trusted_base);
        smtp += s->protocol == SD_PROTO_SMTP;
        run_add_found(r, SLOT_AUTODISCOVER, s);
    }
    run_report(r, SD_SRC_AUTODISCOVER, p->url, smtp > 0, res->elapsed_ms, "%zu SMTP server%s", smtp,
               smtp == 1 ? "" : "s");
}

static void on_autodiscover(void *arg, const sd_http_result *res)
{
    autodiscover_post *p = arg;
    run *r = p->r;
    if (res->status != 200) {
        run_report(r, SD_SRC_AUTODISCOVER, p->url, false, res->elapsed_ms, "%s",
                   res->status == 401 ? "wants a login (401)"
                   : res->status ? "HTTP error" : res->error ? res->error : "failed");
        free_post(p);
        return;
    }
    sd_server_list list = {0};
    char *redirect_url = NULL, *redirect_addr = NULL;
    sd_error err;
    if (sd_autodiscover_parse(res->body ? res->body : "", res->body_len, r->addr, &list,
                              &redirect_url, &redirect_addr, &err) < 0)
        run_report(r, SD_SRC_AUTODISCOVER, p->url, false, res->elapsed_ms, "unusable: %s", err.msg);
    else if ((redirect_url || redirect_addr) && p->redirects < MAX_AUTODISCOVER_REDIRECTS)
        follow_redirect(r, p, res, redirect_url, redirect_addr);
    else
        add_servers(r, p, res, &list);
    sd_server_list_free(&list);
    free(redirect_url);
    free(redirect_addr);
    free_post(p);
}

static void post_autodiscover(run *r, const char *url, const char *address, int redirects, bool trusted_base)
{
    char *esc = xml_escaped(address);
    char *body = sd_xasprintf(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\n"
        "  <Request>\n    <EMailAddress>%s</EMailAddress>\n"
        "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\n"
        "  </Request>\n</Autodiscover>\n", esc);
    autodiscover_post *p = sd_xcalloc(1, sizeof *p);
    p->r = r;
    p->trusted_base = trusted_base;
    p->url = sd_xstrdup(url);
    p->address = sd_xstrdup(address);
    p->redirects = redirects;
    sd_http_post(r->http, url, body, "text/xml; charset=utf-8", on_autodiscover, p);
    free(body);
    free(esc);
}

static void on_autodiscover_srv(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    (void)type;
    run *r = arg;
    if (ans->status != SD_DNS_OK || ans->srv_count == 0) {
        run_report(r, SD_SRC_AUTODISCOVER, name, false, ans->elapsed_ms, "%s", sd_dns_status_text(ans->status));
        return;
    }
    const sd_dns_srv *best = &ans->srv[0];
    for (size_t i = 1; i < ans->srv_count; i++)
        if (ans->srv[i].priority < best->priority)
            best = &ans->srv[i];
    if (strcmp(best->target, ".") == 0)
        return;
    /* https proves the host is the one DNS named; it says nothing of
     * whether DNS named the right one. Only a validated answer, or a target
     * inside the address's own domain, makes the document authenticated. */
    bool trusted = ans->authenticated || sd_host_in_registrable_domain(best->target, r->addr->domain);
    char *url = sd_xasprintf("https://%s/autodiscover/autodiscover.xml", best->target);
    post_autodiscover(r, url, r->addr->address, 0, trusted);
    free(url);
}

void src_autodiscover_start(run *r)
{
    const char *d = r->addr->domain;
    char *url = sd_xasprintf("https://autodiscover.%s/autodiscover/autodiscover.xml", d);
    post_autodiscover(r, url, r->addr->address, 0, true);
    free(url);
    url = sd_xasprintf("https://%s/autodiscover/autodiscover.xml", d);
    post_autodiscover(r, url, r->addr->address, 0, true);
    free(url);
    char *name = sd_xasprintf("_autodiscover._tcp.%s", d);
    sd_resolver_query(r->resolver, name, SD_DNS_SRV, on_autodiscover_srv, r);
    free(name);
}
