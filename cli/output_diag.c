/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"

static void json_check(sd_json *j, const sd_check *c)
{
    sd_json_object_begin(j);
    sd_json_kv_string(j, "layer", c->layer);
    sd_json_kv_string(j, "target", c->target);
    sd_json_kv_string(j, "status", sd_check_status_name(c->status));
    sd_json_kv_string(j, "code", sd_finding_code(c->code));
    sd_json_kv_string(j, "message", c->message);
    sd_json_kv_string(j, "remedy", c->remedy);
    if (c->suggested_host)
        sd_json_kv_string(j, "suggested_host", c->suggested_host);
    sd_json_kv_int(j, "ms", c->elapsed_ms);
    sd_json_object_end(j);
}

static const char *diagnosis_status(sd_check_status s)
{
    return s == SD_CHECK_FAIL ? "fail" : s == SD_CHECK_WARN ? "warn" : "ok";
}

static void json_diagnosis(sd_json *j, const sd_diag_result *r)
{
    sd_json_key(j, "diagnosis");
    sd_json_object_begin(j);
    sd_json_kv_string(j, "status", diagnosis_status(r->status));
    sd_json_kv_string(j, "code", sd_finding_code(r->code));
    sd_json_kv_string(j, "summary", r->summary);
    sd_json_kv_string(j, "remedy", r->remedy);
    if (r->suggested_host)
        sd_json_kv_string(j, "suggested_host", r->suggested_host);
    if (r->has_working) {
        sd_json_key(j, "working_settings");
        sd_json_object_begin(j);
        sd_json_kv_string(j, "host", r->working.host);
        sd_json_kv_int(j, "port", r->working.port);
        sd_json_kv_string(j, "security", sd_security_name(r->working.security));
        sd_json_object_end(j);
    }
    sd_json_object_end(j);
}

static void json_certificates(sd_json *j, const sd_tls_info *t)
{
    sd_json_key(j, "certificates");
    sd_json_array_begin(j);
    for (int i = 0; i < t->chain_len; i++) {
        const sd_cert_summary *c = &t->chain[i];
        sd_json_object_begin(j);
        sd_json_kv_string(j, "subject", c->subject);
        sd_json_kv_string(j, "issuer", c->issuer);
        sd_json_kv_string(j, "not_before", c->not_before);
        sd_json_kv_string(j, "not_after", c->not_after);
        sd_json_key(j, "names");
        sd_json_string_list(j, &c->names);
        sd_json_object_end(j);
    }
    sd_json_array_end(j);
}

void sd_print_diagnosis_json(const sd_cli *cli, const sd_diag_result *r, const sd_server *tested,
                             const sd_discovery *d)
{
    sd_json j = {0};
    const char *address = cli->has_address ? cli->address.address : NULL;
    sd_json_object_begin(&j);
    sd_json_kv_string(&j, "address", address);
    sd_json_key(&j, "settings");
    sd_json_server(&j, tested, address);
    sd_json_key(&j, "candidates");
    sd_json_array_begin(&j);
    if (d) {
        size_t smtp = sd_discovery_smtp_count(d);
        for (size_t i = 0; i < smtp; i++)
            sd_json_server(&j, &d->servers.items[i], address);
    } else {
        sd_json_server(&j, tested, address);
    }
    for (size_t i = 0; i < r->tried.len; i++) {
        bool listed = false;
        for (size_t k = 0; d && k < sd_discovery_smtp_count(d); k++)
            listed |= sd_str_ieq(d->servers.items[k].host, r->tried.items[i].host) &&
                      d->servers.items[k].port == r->tried.items[i].port;
        if (!listed)
            sd_json_server(&j, &r->tried.items[i], address);
    }
    sd_json_array_end(&j);
    sd_json_key(&j, "checks");
    sd_json_array_begin(&j);
    for (size_t i = 0; i < r->checks.len; i++)
        json_check(&j, &r->checks.items[i]);
    sd_json_array_end(&j);
    json_diagnosis(&j, r);
    if (d) {
        sd_json_key(&j, "hints");
        sd_json_string_list(&j, &d->hints);
        sd_json_provider(&j, d);
    }
    if (r->auth_mechanism)
        sd_json_kv_string(&j, "auth_mechanism", r->auth_mechanism);
    if (r->queue_id)
        sd_json_kv_string(&j, "queue_id", r->queue_id);
    if (cli->verbose) {
        sd_json_key(&j, "transcript");
        sd_json_string_list(&j, &r->transcript);
        json_certificates(&j, &r->tls);
    }
    sd_json_kv_int(&j, "elapsed_ms", r->elapsed_ms);
    sd_json_object_end(&j);
    printf("%s\n", j.out.data);
    sd_buf_free(&j.out);
}

static const char *mark(const sd_style *st, sd_check_status s, char *buf, size_t n)
{
    const char *color = s == SD_CHECK_PASS ? st->green : s == SD_CHECK_WARN ? st->yellow
                      : s == SD_CHECK_FAIL ? st->red : st->dim;
    const char *word = s == SD_CHECK_PASS ? "PASS" : s == SD_CHECK_WARN ? "WARN" : s == SD_CHECK_FAIL ? "FAIL" : "SKIP";
    snprintf(buf, n, "%s%s%s", color, word, st->reset);
    return buf;
}

void sd_print_diagnosis_text(const sd_cli *cli, const sd_diag_result *r)
{
    sd_style st = sd_style_for(stdout);
    char m[32];
    if (!cli->quiet) {
        printf("%sChecking %s port %d with %s%s%s\n", st.bold, r->host, r->port, sd_security_label(r->security),
               r->port_inferred || r->security_inferred ? " (what the settings left out is inferred)" : "",
               st.reset);
        for (size_t i = 0; i < r->checks.len; i++) {
            const sd_check *c = &r->checks.items[i];
            printf("  %s %-4s  %s\n", mark(&st, c->status, m, sizeof m), c->layer, c->message);
            if (cli->verbose && c->status != SD_CHECK_PASS)
                printf("             %s(%s)%s\n", st.dim, sd_finding_code(c->code), st.reset);
        }
    }
    if (cli->verbose && !cli->quiet) {
        if (r->tls.chain_len) {
            printf("\nCertificate chain as the server sent it:\n");
            for (int i = 0; i < r->tls.chain_len; i++) {
                const sd_cert_summary *c = &r->tls.chain[i];
                printf("  %d subject %s\n    issuer  %s\n    valid   %s to %s\n", i, c->subject, c->issuer,
                       c->not_before, c->not_after);
                if (c->names.len) {
                    printf("    names  ");
                    for (size_t k = 0; k < c->names.len && k < 10; k++)
                        printf(" %s", c->names.items[k]);
                    printf("%s\n", c->names.len > 10 ? " ..." : "");
                }
            }
        }
        if (r->transcript.len) {
            printf("\nSMTP dialogue:\n");
            for (size_t i = 0; i < r->transcript.len; i++)
                printf("  %s\n", r->transcript.items[i]);
        }
        printf("\n%lld ms in all\n", (long long)r->elapsed_ms);
    }
    const char *color = r->status == SD_CHECK_FAIL ? st.red : r->status == SD_CHECK_WARN ? st.yellow : st.green;
    printf("\n%sDiagnosis: %s%s%s", st.bold, color, diagnosis_status(r->status), st.reset);
    if (r->status != SD_CHECK_PASS)
        printf(" (%s)", sd_finding_code(r->code));
    printf("\n  %s\n", r->summary);
    if (r->queue_id)
        printf("  The test message was accepted; the server named it %s.\n", r->queue_id);
    if (r->remedy)
        printf("  %sWhat to do:%s %s\n", st.bold, st.reset, r->remedy);
    /* The certificate is the diagnosis; say also what became of the password. */
    for (size_t i = 0; i < r->checks.len; i++) {
        const sd_check *c = &r->checks.items[i];
        if (c->code == SD_F_AUTH_WITHHELD && r->code != c->code)
            printf("  %sNote:%s %s. %s\n", st.bold, st.reset, c->message, c->remedy ? c->remedy : "");
    }
}
