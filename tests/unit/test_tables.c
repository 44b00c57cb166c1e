/* SPDX-License-Identifier: MIT */
/* The mappings written once and read everywhere: each status, port and
 * name has one row, and every row is complete. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/export.h"
#include "common/model.h"
#include "common/util.h"
#include "diag/diag.h"
#include "net/conn.h"
#include "net/dns.h"
#include "common/finding.h"
#include "tests/unit/harness.h"

static void test_tcp_status_words(void)
{
    for (int s = SD_TCP_OK; s <= SD_TCP_NO_DESCRIPTORS; s++) {
        CHECK(sd_tcp_status_code(s) != NULL);
        CHECK(strncmp(sd_finding_code(sd_tcp_status_finding(s)), "tcp.", 4) == 0);
        CHECK(sd_tcp_status_words(s) != NULL);
    }
    CHECK_STR(sd_tcp_status_code(SD_TCP_REFUSED), "refused");
    CHECK_STR(sd_finding_code(sd_tcp_status_finding(SD_TCP_TIMEOUT)), "tcp.timeout");
    CHECK_STR(sd_tcp_status_words(SD_TCP_TIMEOUT), "no answer (timed out)");
    /* a failure without a finding of its own is a host out of reach */
    CHECK_STR(sd_finding_code(sd_tcp_status_finding(SD_TCP_ERROR)), "tcp.unreachable");
    CHECK_STR(sd_tcp_status_words(SD_TCP_ERROR), "no route to the host");
    CHECK_STR(sd_tcp_status_code((sd_tcp_status)99), "error");
}

static void test_dns_status_words(void)
{
    for (int s = SD_DNS_OK; s <= SD_DNS_ERROR; s++) {
        CHECK(sd_dns_status_name(s) != NULL);
        CHECK(strncmp(sd_finding_code(sd_dns_status_finding(s)), "dns.", 4) == 0);
        CHECK(sd_dns_status_text(s) != NULL);
    }
    CHECK_STR(sd_finding_code(sd_dns_status_finding(SD_DNS_OK)), "dns.ok");
    CHECK_STR(sd_finding_code(sd_dns_status_finding(SD_DNS_NODATA)), "dns.no_address");
    CHECK_STR(sd_dns_status_name(SD_DNS_NODATA), "no_address");
    /* a refused query or an unreadable answer: the DNS server is failing */
    CHECK_STR(sd_finding_code(sd_dns_status_finding(SD_DNS_REFUSED)), "dns.servfail");
    CHECK_STR(sd_finding_code(sd_dns_status_finding(SD_DNS_ERROR)), "dns.servfail");
    CHECK_STR(sd_dns_status_name(SD_DNS_ERROR), "error");
    CHECK_STR(sd_dns_status_text((sd_dns_status)99), "the DNS answer could not be read");
}

static void test_well_known_ports(void)
{
    CHECK_INT(sd_security_default_port(SD_PROTO_SMTP, SD_SEC_TLS), 465);
    CHECK_INT(sd_security_default_port(SD_PROTO_SMTP, SD_SEC_STARTTLS), 587);
    CHECK_INT(sd_security_default_port(SD_PROTO_SMTP, SD_SEC_UNKNOWN), 587);
    CHECK_INT(sd_security_default_port(SD_PROTO_IMAP, SD_SEC_TLS), 993);
    CHECK_INT(sd_security_default_port(SD_PROTO_IMAP, SD_SEC_PLAIN), 143);
    CHECK_INT(sd_security_default_port(SD_PROTO_POP3, SD_SEC_TLS), 995);
    CHECK_INT(sd_security_default_port(SD_PROTO_POP3, SD_SEC_STARTTLS), 110);
    CHECK_INT(sd_port_security(SD_PROTO_SMTP, 465), SD_SEC_TLS);
    CHECK_INT(sd_port_security(SD_PROTO_SMTP, 587), SD_SEC_STARTTLS);
    CHECK_INT(sd_port_security(SD_PROTO_SMTP, 25), SD_SEC_UNKNOWN);      /* the server decides */
    CHECK_INT(sd_port_security(SD_PROTO_SMTP, 2525), SD_SEC_UNKNOWN);
    CHECK_INT(sd_port_security(SD_PROTO_SMTP, 993), SD_SEC_UNKNOWN);     /* another protocol's */
    CHECK(sd_port_is_submission(465) && sd_port_is_submission(587) && !sd_port_is_submission(25));
    CHECK(sd_port_greets_in_plain_text(25) && sd_port_greets_in_plain_text(587));
    CHECK(sd_port_greets_in_plain_text(143) && sd_port_greets_in_plain_text(110));
    CHECK(!sd_port_greets_in_plain_text(465) && !sd_port_greets_in_plain_text(993) &&
          !sd_port_greets_in_plain_text(2525));
    /* every row is complete, and the SMTP rows come first */
    int rows = 0;
    bool smtp_done = false;
    for (const sd_well_known_port *w = sd_well_known_ports; w->port; w++, rows++) {
        CHECK(w->security != SD_SEC_UNKNOWN);
        if (w->protocol != SD_PROTO_SMTP)
            smtp_done = true;
        CHECK(!(smtp_done && w->protocol == SD_PROTO_SMTP));
    }
    CHECK_INT(rows, 7);
    CHECK_INT(sd_well_known_ports[0].port, 465);
    CHECK_INT(sd_well_known_ports[1].port, 587);
    CHECK_INT(sd_well_known_ports[2].port, 25);
}

static char *read_source_file(const char *relative)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", TOP_SRCDIR, relative);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = calloc(1, 65536);
    size_t n = fread(text, 1, 65535, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_export_formats(void)
{
    char *spaced = sd_export_format_list(" ", " ", SIZE_MAX);
    CHECK_STR(spaced, "form msmtp thunderbird mutt git postfix env json");
    char *listed = sd_export_format_list(", ", " or ", SIZE_MAX);
    CHECK_STR(listed, "form, msmtp, thunderbird, mutt, git, postfix, env or json");
    char *some = sd_export_format_list(", ", ", ", 5);
    CHECK_STR(some, "form, msmtp, thunderbird, mutt, git, ...");
    CHECK(sd_export_format_known("msmtp") && sd_export_format_known("json"));
    CHECK(!sd_export_format_known("MSMTP") && !sd_export_format_known(NULL));
    CHECK(sd_export_format_is_json("json") && !sd_export_format_is_json("env") && !sd_export_format_is_json(NULL));
    /* the shell completions cannot read the table: they must say the same */
    const char *completions[] = {"contrib/smtpdoctor.bash", "contrib/_smtpdoctor"};
    for (size_t i = 0; i < 2; i++) {
        char *text = read_source_file(completions[i]);
        CHECK(text != NULL);
        if (text && !strstr(text, spaced))
            harness_fail(__FILE__, __LINE__, "%s does not list the formats \"%s\"", completions[i], spaced);
        free(text);
    }
    free(spaced);
    free(listed);
    free(some);
}

static void test_cert_expiry_message(void)
{
    sd_tls_info t;
    memset(&t, 0, sizeof t);
    t.chain_len = 1;
    t.chain[0].not_after = "2026-01-31 12:00:00 UTC";
    t.days_left = 1;
    char *m = sd_cert_expiry_message(&t);
    CHECK_STR(m, "the certificate expires on 2026-01-31 12:00:00 UTC, in 1 day");
    free(m);
    t.days_left = 0;
    m = sd_cert_expiry_message(&t);
    CHECK_STR(m, "the certificate expires on 2026-01-31 12:00:00 UTC, in 0 days");
    free(m);
}

static void test_dns_name_length(void)
{
    CHECK_INT(sd_dns_name_length("mail.example.com."), 16);
    CHECK_INT(sd_dns_name_length("mail.example.com"), 16);
    CHECK_INT(sd_dns_name_length("."), 0);
    CHECK_INT(sd_dns_name_length(""), 0);
    CHECK_INT(sd_dns_name_length("a.."), 2);            /* one dot only: the root's */
}

TEST_LIST(table_tests) = {
    {"tables: each TCP status has a name, a finding and words", test_tcp_status_words},
    {"tables: each DNS status has a name, a finding and a phrase", test_dns_status_words},
    {"tables: the well-known ports and the security each means", test_well_known_ports},
    {"tables: the export formats, named alike in help, errors and completions", test_export_formats},
    {"tables: the certificate expiry sentence", test_cert_expiry_message},
    {"tables: a trailing dot is no part of a host name's length", test_dns_name_length},
    {NULL, NULL},
};
