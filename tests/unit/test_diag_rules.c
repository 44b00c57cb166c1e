/* SPDX-License-Identifier: MIT */
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag/diag.h"
#include "net/smtp.h"
#include "tests/unit/harness.h"

extern const char sd_builtin_interception_text[];

static sd_knowledge knowledge(void)
{
    sd_knowledge k;
    sd_error err;
    if (sd_knowledge_load_builtin(&k, &err) != 0)
        abort();
    return k;
}

/* The finding codes a reference lists: in each table headed "| code | what
 * it means |", the first cell of each row ("| `cert.expired` /
 * `cert.not_yet_valid` | ..."), every code in it. Returns false when the
 * file cannot be read. */
static bool listed_codes(const char *path, sd_strlist *codes)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[1024];
    bool in_table = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "| code |", 8) == 0)
            in_table = true;
        else if (line[0] != '|')
            in_table = false;
        if (!in_table || strncmp(line, "| `", 3) != 0)
            continue;
        char *end = strchr(line + 1, '|');
        if (end)
            *end = '\0';
        for (char *p = strchr(line, '`'); p; p = strchr(p, '`')) {
            char *close = strchr(p + 1, '`');
            if (!close)
                break;
            *close = '\0';
            sd_strlist_add(codes, p + 1);
            p = close + 1;
        }
    }
    fclose(f);
    return true;
}

static bool has_code(const sd_strlist *codes, const char *code)
{
    for (size_t i = 0; i < codes->len; i++)
        if (strcmp(codes->items[i], code) == 0)
            return true;
    return false;
}

/* The table of findings (common/finding.c), findings.conf and the codes of
 * doc/finding-codes.md (and of the contract it copies, where that is at hand)
 * name the same findings: a finding added in one place and forgotten in
 * another fails here. Every finding has a summary; one that fails or warns
 * has a remedy too. */
static void test_findings_agree(void)
{
    sd_strlist documented = {0}, contract = {0};
    if (!listed_codes(TOP_SRCDIR "/doc/finding-codes.md", &documented))
        harness_fail(__FILE__, __LINE__, "cannot read doc/finding-codes.md");
    if (listed_codes(TOP_SRCDIR "/../shared/CONTRACT.md", &contract))
        for (size_t i = 0; i < contract.len; i++)
            if (!has_code(&documented, contract.items[i]))
                harness_fail(__FILE__, __LINE__, "%s of the contract is missing from doc/finding-codes.md",
                             contract.items[i]);
    for (size_t i = 0; i < documented.len; i++)
        if (sd_finding_from_code(documented.items[i]) == SD_F_NONE)
            harness_fail(__FILE__, __LINE__, "%s is documented but has no row in common/finding.c",
                         documented.items[i]);
    sd_knowledge k = knowledge();
    for (int f = SD_F_NONE + 1; f < SD_F_COUNT; f++) {
        const char *code = sd_finding_code((sd_finding)f);
        if (!code || !sd_finding_layer((sd_finding)f)) {
            harness_fail(__FILE__, __LINE__, "finding %d has no complete row in common/finding.c", f);
            continue;
        }
        CHECK(sd_finding_from_code(code) == (sd_finding)f);
        if (!has_code(&documented, code))
            harness_fail(__FILE__, __LINE__, "%s is not documented in doc/finding-codes.md", code);
        const sd_finding_rule *rule = sd_knowledge_rule(&k, (sd_finding)f);
        sd_check_status status = sd_finding_status((sd_finding)f);
        if (!rule || !rule->summary)
            harness_fail(__FILE__, __LINE__, "findings.conf has no summary for %s", code);
        else if ((status == SD_CHECK_FAIL || status == SD_CHECK_WARN) && !rule->remedy)
            harness_fail(__FILE__, __LINE__, "findings.conf has no remedy for %s", code);
    }
    for (int v = SD_V_NONE + 1; v < SD_V_COUNT; v++) {
        const sd_finding_rule *rule = sd_knowledge_variant_rule(&k, (sd_finding_variant)v);
        if (!sd_finding_variant_name((sd_finding_variant)v) || !rule || !rule->summary)
            harness_fail(__FILE__, __LINE__, "variant %d has no name or no summary in findings.conf", v);
    }
    sd_knowledge_free(&k);
    sd_strlist_free(&documented);
    sd_strlist_free(&contract);
}

/* The data files name findings by code; a code that is no finding is a load
 * error, not a rule that never applies. */
static void test_unknown_codes_do_not_load(void)
{
    static const char replies_ok[] = "[ok]\nstage = auth\nfinding = auth.failed\n";
    const char *interception = sd_builtin_interception_text;
    sd_knowledge k;
    sd_error err = {{0}};
    CHECK_INT(sd_knowledge_load_texts(&k, "[auth.failed]\nsummary = x\n", interception, replies_ok, &err), 0);
    sd_knowledge_free(&k);
    CHECK_INT(sd_knowledge_load_texts(&k, "[auth.failed]\nsummary = x\n[auth.faild]\nsummary = y\n", interception,
                                      replies_ok, &err), -1);
    CHECK(strstr(err.msg, "findings.conf:3") && strstr(err.msg, "auth.faild"));
    CHECK_INT(sd_knowledge_load_texts(&k, "[auth.failed]\nsummary = x\n", interception,
                                      "[bad]\nstage = auth\nfinding = auth.faild\n", &err), -1);
    CHECK(strstr(err.msg, "replies.conf:3") && strstr(err.msg, "auth.faild"));
    CHECK(k.rules == NULL && k.replies == NULL);     /* empty after a failure */
}

/* A diagnosis that cannot start (here: a CA file that is no certificate)
 * fails with the result empty, nothing in it to free. */
static void test_failed_diagnosis_leaves_result_empty(void)
{
    char path[] = "/tmp/smtpdoctor-unit-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, "not a certificate\n", 18) == 18);
    close(fd);
    sd_knowledge k = knowledge();
    sd_diag_request req = {.host = "smtp.example.com", .ca_file = path, .timeout_ms = 1000, .knowledge = &k};
    sd_diag_result r, empty;
    memset(&r, 0x5a, sizeof r);
    memset(&empty, 0, sizeof empty);
    sd_error err = {{0}};
    CHECK_INT(sd_diagnose(&req, &r, &err), -1);
    CHECK(err.msg[0] != '\0');
    CHECK(memcmp(&r, &empty, sizeof r) == 0);
    unlink(path);
    sd_knowledge_free(&k);
}

static void test_templates(void)
{
    sd_template_var vars[] = {{"host", "smtp.example.com"}, {"port", "465"}, {"none", NULL}, {NULL, NULL}};
    char *s = sd_template_render("Port {port} of {host}: {none} {unknown} {", vars);
    CHECK_STR(s, "Port 465 of smtp.example.com: ? ? {");
    free(s);
}

static void test_interception_names(void)
{
    sd_knowledge k = knowledge();
    const sd_interceptor *x = sd_knowledge_interceptor(&k, "O = AO Kaspersky Lab, CN = Kaspersky Web Anti-Virus Certification Authority");
    CHECK(x && strcmp(x->id, "kaspersky") == 0);
    x = sd_knowledge_interceptor(&k, "C = SK, O = \"ESET, spol. s r. o.\", CN = ESET SSL Filter CA");
    CHECK(x && strcmp(x->id, "eset") == 0);
    x = sd_knowledge_interceptor(&k, "CN = avast web/mail shield root");
    CHECK(x && strcmp(x->id, "avast") == 0);
    CHECK(sd_knowledge_interceptor(&k, "C = US, O = Let's Encrypt, CN = R11") == NULL);
    sd_knowledge_free(&k);
}

static void test_did_you_mean(void)
{
    sd_preset_db db = {0};
    sd_error err;
    CHECK_INT(sd_preset_db_load_builtin(&db, &err), 0);
    char *s = sd_suggest_host("smtp.gmial.com", &db);
    CHECK_STR(s, "smtp.gmail.com");
    free(s);
    s = sd_suggest_host("smtp.office356.com", &db);
    CHECK_STR(s, "smtp.office365.com");
    free(s);
    s = sd_suggest_host("smpt.mail.ru", &db);
    CHECK_STR(s, "smtp.mail.ru");
    free(s);
    CHECK(sd_suggest_host("mail.example.org", &db) == NULL);
    s = sd_suggest_host("smtp.gmail.com", &db);             /* never itself */
    CHECK(s == NULL || strcmp(s, "smtp.gmail.com") != 0);
    free(s);
    sd_preset_db_free(&db);
}

static sd_tls_info tls_with(int chain_len, const char *leaf_issuer, const char *name)
{
    sd_tls_info t;
    memset(&t, 0, sizeof t);
    t.outcome = SD_TLS_OK;
    t.chain_len = chain_len;
    for (int i = 0; i < chain_len; i++) {
        t.chain[i].subject = sd_xstrdup(i == 0 ? "CN = leaf" : "CN = intermediate");
        t.chain[i].issuer = sd_xstrdup(i == 0 ? leaf_issuer : "CN = root");
        t.chain[i].not_before = sd_xstrdup("2026-01-01 00:00:00 UTC");
        t.chain[i].not_after = sd_xstrdup("2027-01-01 00:00:00 UTC");
        t.chain[i].has_ca_issuers = true;
    }
    if (name && chain_len)
        sd_strlist_add(&t.chain[0].names, name);
    t.name_matches = true;
    t.days_left = 200;
    return t;
}

static const char *classify(sd_tls_info *t, const sd_knowledge *k, char **suggested)
{
    sd_cert_verdict v;
    sd_cert_classify(t, "smtp.example.com", k, &v);
    const char *code = sd_finding_code(v.code);
    if (suggested)
        *suggested = v.suggested_host ? sd_xstrdup(v.suggested_host) : NULL;
    sd_cert_verdict_clear(&v);
    return code;
}

static void add_error(sd_tls_info *t, int code, int depth)
{
    t->verify_errors[t->verify_error_count] = code;
    t->verify_depths[t->verify_error_count++] = depth;
}

static void test_certificate_classification(void)
{
    sd_knowledge k = knowledge();
    sd_tls_info t = tls_with(2, "CN = intermediate", "smtp.example.com");
    CHECK_STR(classify(&t, &k, NULL), "tls.ok");
    t.days_left = 3;
    CHECK_STR(classify(&t, &k, NULL), "cert.expiring_soon");
    sd_tls_info_clear(&t);

    t = tls_with(2, "CN = intermediate", "server.sharedhost.example");
    t.name_matches = false;
    char *suggested = NULL;
    CHECK_STR(classify(&t, &k, &suggested), "cert.hostname_mismatch");
    CHECK_STR(suggested, "server.sharedhost.example");
    free(suggested);
    sd_tls_info_clear(&t);

    t = tls_with(2, "CN = intermediate", "*.hoster.example");
    t.name_matches = false;
    classify(&t, &k, &suggested);
    CHECK_STR(suggested, "mail.hoster.example");
    free(suggested);
    sd_tls_info_clear(&t);

    t = tls_with(2, "CN = intermediate", "smtp.example.com");
    add_error(&t, X509_V_ERR_CERT_HAS_EXPIRED, 0);
    t.name_matches = false;                         /* expiry matters more than the name */
    CHECK_STR(classify(&t, &k, NULL), "cert.expired");
    sd_tls_info_clear(&t);

    t = tls_with(1, "CN = leaf", "smtp.example.com");
    t.chain[0].self_issued = true;
    add_error(&t, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0);
    CHECK_STR(classify(&t, &k, NULL), "cert.self_signed");
    sd_tls_info_clear(&t);

    t = tls_with(1, "CN = Some Public Intermediate", "smtp.example.com");
    add_error(&t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0);
    add_error(&t, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0);
    CHECK_STR(classify(&t, &k, NULL), "cert.chain_incomplete");
    t.chain[0].has_ca_issuers = false;              /* a private CA's leaf: no AIA */
    CHECK_STR(classify(&t, &k, NULL), "cert.untrusted");
    sd_tls_info_clear(&t);

    t = tls_with(2, "CN = intermediate", "smtp.example.com");
    t.chain[0].key_type = sd_xstrdup("RSA");
    t.chain[0].key_bits = 1024;
    add_error(&t, X509_V_ERR_EE_KEY_TOO_SMALL, 0);
    CHECK_STR(classify(&t, &k, NULL), "cert.weak_key");
    sd_tls_info_clear(&t);

    t = tls_with(2, "CN = intermediate", "smtp.example.com");
    add_error(&t, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1);
    CHECK_STR(classify(&t, &k, NULL), "cert.untrusted");
    free(t.chain[1].issuer);
    t.chain[1].issuer = sd_xstrdup("O = Zscaler Inc., CN = Zscaler Root CA");
    CHECK_STR(classify(&t, &k, NULL), "cert.intercepted");
    sd_tls_info_clear(&t);
    sd_knowledge_free(&k);
}

static void test_root_cause_is_the_first_failure_in_layer_order(void)
{
    sd_knowledge k = knowledge();
    sd_diag_request req = {.knowledge = &k};
    sd_diag_result r;
    memset(&r, 0, sizeof r);
    r.host = sd_xstrdup("smtp.example.com");
    r.port = 25;
    r.security = SD_SEC_STARTTLS;
    sd_check_add(&r.checks, "dns", "smtp.example.com", SD_CHECK_PASS, SD_F_DNS_OK, sd_xstrdup("resolves"));
    sd_check_add(&r.checks, "tcp", "smtp.example.com:25", SD_CHECK_FAIL, SD_F_TCP_TIMEOUT, sd_xstrdup("timed out"));
    sd_check_add(&r.checks, "tls", "smtp.example.com:25", SD_CHECK_WARN, SD_F_CERT_EXPIRING_SOON, sd_xstrdup("soon"));
    r.has_working = true;
    r.working.host = sd_xstrdup("smtp.example.com");
    r.working.port = 587;
    r.working.security = SD_SEC_STARTTLS;
    sd_choose_root_cause(&req, &r);
    CHECK_INT(r.status, SD_CHECK_FAIL);
    CHECK_STR(sd_finding_code(r.code), "tcp.timeout");
    CHECK_STR(r.remedy, "Your network drops connections to port 25, but port 587 with STARTTLS works: use it.");
    CHECK(r.checks.items[2].remedy != NULL);
    sd_diag_result_free(&r);
    sd_knowledge_free(&k);
}

/* Every reply rule's example, a reply seen in the field, is classified by
 * that very rule: the rule matches what it was written for, and no earlier
 * rule hides it. */
static void test_every_reply_example_finds_its_rule(void)
{
    sd_knowledge k = knowledge();
    CHECK(k.reply_count >= 40);
    for (size_t i = 0; i < k.reply_count; i++) {
        const sd_reply_rule *r = &k.replies[i];
        if (!r->example) {
            harness_fail(__FILE__, __LINE__, "rule %s has no example", r->id);
            continue;
        }
        int code = atoi(r->example);
        const char *text = strlen(r->example) > 4 ? r->example + 4 : "";
        char enhanced[16];
        sd_smtp_enhanced_code(text, enhanced);
        const char *stage = strcmp(r->stage, "any") == 0 ? "mail" : r->stage;
        /* a server of the rule's own: smtp.zoho.com for *.zoho.com */
        const char *pattern = r->hosts.len ? r->hosts.items[0] : "smtp.example.net";
        char *host = pattern[0] == '*' ? sd_xasprintf("smtp%s", pattern + 1) : sd_xstrdup(pattern);
        const sd_reply_rule *got = sd_knowledge_classify_reply(&k, host, stage, code, enhanced, text);
        free(host);
        if (got != r)
            harness_fail(__FILE__, __LINE__, "the example of %s is classified as %s", r->id, got ? got->id : "nothing");
    }
    sd_knowledge_free(&k);
}

static void test_reply_classification(void)
{
    sd_knowledge k = knowledge();
    const sd_reply_rule *r = sd_knowledge_classify_reply(&k, "smtp.gmail.com", "auth", 535, "5.7.8", "Username and Password not accepted. Learn more");
    CHECK(r && r->finding == SD_F_AUTH_FAILED && strcmp(r->provider, "Gmail") == 0);
    r = sd_knowledge_classify_reply(&k, "smtp.example.net", "auth", 535, "", "who knows");
    CHECK(r && r->finding == SD_F_AUTH_FAILED && r->provider == NULL);
    r = sd_knowledge_classify_reply(&k, NULL, "rcpt", 421, "4.4.2", "timeout");
    CHECK(r && r->finding == SD_F_SEND_TEMPORARY_FAILURE);
    r = sd_knowledge_classify_reply(&k, NULL, "data", 552, "5.3.4", "Message size exceeds fixed limit");
    CHECK(r && r->finding == SD_F_SEND_MESSAGE_TOO_BIG);
    r = sd_knowledge_classify_reply(&k, "smtp.office365.com", "mail", 451, "5.7.3", "STARTTLS is required to send mail [X]");
    CHECK(r && r->finding == SD_F_TLS_REQUIRED);
    /* Zoho's words are generic: only Zoho's servers get Zoho's advice */
    r = sd_knowledge_classify_reply(&k, "smtp.zoho.eu", "auth", 535, "", "Authentication Failed");
    CHECK(r && strcmp(r->id, "zoho.auth_failed") == 0);
    r = sd_knowledge_classify_reply(&k, "mail.example.org", "auth", 535, "", "Authentication Failed");
    CHECK(r && strcmp(r->id, "auth.rejected") == 0);
    sd_knowledge_free(&k);
}

/* -- interception products, by the names their CAs really carry ---------- */

static void check_product(const sd_knowledge *k, const char *name, const char *id, int line)
{
    const sd_interceptor *x = sd_knowledge_interceptor(k, name);
    if (!x || strcmp(x->id, id) != 0)
        harness_fail(__FILE__, line, "\"%s\" is taken for %s, expected %s", name, x ? x->id : "nothing", id);
}

#define CHECK_PRODUCT(k, name, id) check_product(k, name, id, __LINE__)

/* Each product's CA as public sources show it (interception.conf cites
 * them), every field on its own as well as the whole name. */
static void test_interception_real_names(void)
{
    sd_knowledge k = knowledge();
    /* Avast, newer installs, and the root it uses for servers it does not trust */
    CHECK_PRODUCT(&k, "OU = generated by Avast Antivirus for SSL/TLS scanning, O = Avast Web/Mail Shield, "
                      "CN = Avast Web/Mail Shield Root", "avast");
    CHECK_PRODUCT(&k, "OU = generated by Avast Antivirus for self-signed certificates, O = Avast Web/Mail Shield, "
                      "CN = Avast Web/Mail Shield Self-signed Root", "avast");
    /* Avast, older installs, still met: before, these read as cert.untrusted */
    CHECK_PRODUCT(&k, "OU = generated by avast! antivirus for SSL/TLS scanning, O = avast! Web/Mail Shield, "
                      "CN = avast! Web/Mail Shield Root", "avast");
    CHECK_PRODUCT(&k, "CN = avast! Web/Mail Shield Root", "avast");
    CHECK_PRODUCT(&k, "O = avast! Web/Mail Shield", "avast");
    CHECK_PRODUCT(&k, "OU = generated by avast! antivirus for SSL/TLS scanning", "avast");
    CHECK_PRODUCT(&k, "CN = AVG Web/Mail Shield Root, O = AVG Web/Mail Shield, "
                      "OU = generated by AVG Antivirus for SSL/TLS scanning", "avg");
    CHECK_PRODUCT(&k, "OU = generated by AVG Antivirus for SSL/TLS scanning", "avg");
    CHECK_PRODUCT(&k, "CN = Norton Web/Mail Shield Self-signed Root, "
                      "OU = generated by Norton Antivirus for self-signed certificates, O = Norton Web/Mail Shield",
                  "norton");
    CHECK_PRODUCT(&k, "O = AO Kaspersky Lab, CN = Kaspersky Web Anti-Virus Certification Authority", "kaspersky");
    CHECK_PRODUCT(&k, "C = RU, O = AO Kaspersky Lab, CN = Kaspersky Anti-Virus Personal Root Certificate", "kaspersky");
    CHECK_PRODUCT(&k, "CN = Kaspersky Anti-Virus Personal Root Certificate", "kaspersky");
    CHECK_PRODUCT(&k, "C = SK, O = \"ESET, spol. s r. o.\", CN = ESET SSL Filter CA", "eset");
    CHECK_PRODUCT(&k, "O = \"ESET, spol. s r. o.\"", "eset");
    CHECK_PRODUCT(&k, "O = Bitdefender, CN = Bitdefender Personal CA", "bitdefender");
    CHECK_PRODUCT(&k, "C = US, ST = California, L = San Jose, O = Zscaler Inc., OU = Zscaler Inc., "
                      "CN = Zscaler Root CA, emailAddress = support@zscaler.com", "zscaler");
    CHECK_PRODUCT(&k, "CN = Zscaler Intermediate Root CA (zscloud.net)", "zscaler");
    CHECK_PRODUCT(&k, "C = US, ST = California, L = Sunnyvale, O = Fortinet, OU = Certificate Authority, "
                      "CN = FortiGate CA, emailAddress = support@fortinet.com", "fortinet");
    /* a FortiGate's own inspection CA: its serial number as CN */
    CHECK_PRODUCT(&k, "C = US, L = Sunnyvale, O = Fortinet, CN = FGSNXXXXXXXXXXXX, emailAddress = support@fortinet.com",
                  "fortinet");
    CHECK_PRODUCT(&k, "O = Cisco, CN = Cisco Umbrella Secondary SubCA sea-SG", "cisco-umbrella");
    sd_knowledge_free(&k);
}

/* Case and punctuation do not matter; whole words do. */
static void test_interception_matching_ignores_case_and_punctuation(void)
{
    sd_knowledge k = knowledge();
    CHECK_PRODUCT(&k, "CN=AVAST WEB MAIL SHIELD ROOT", "avast");
    CHECK_PRODUCT(&k, "/OU=generated by avast! antivirus for SSL/TLS scanning/O=avast! Web/Mail Shield", "avast");
    CHECK_PRODUCT(&k, "cn=avast!web/mail-shield   root", "avast");
    CHECK_PRODUCT(&k, "CN = Avast  Web / Mail   Shield", "avast");
    CHECK_PRODUCT(&k, "CN=eset_ssl-filter.ca", "eset");
    CHECK_PRODUCT(&k, "CN = zscaler root ca", "zscaler");
    CHECK_PRODUCT(&k, "O=Fortinet,CN=FGT60FTK20000000", "fortinet");
    /* a short name is not found inside another word */
    CHECK(sd_knowledge_known_interceptor(&k, "CN = Preset SSL Filter CAs") == NULL);
    CHECK(sd_knowledge_known_interceptor(&k, "O = Fortinetworks Ltd, CN = Root") == NULL);
    CHECK(sd_knowledge_known_interceptor(&k, "CN = AVGX Web/Mail Shield Root") == NULL);
    CHECK(sd_knowledge_known_interceptor(&k, "CN = Bitdefenders Root") == NULL);
    CHECK(sd_knowledge_interceptor(&k, "C = US, O = Let's Encrypt, CN = R11") == NULL);
    CHECK(sd_knowledge_interceptor(&k, "") == NULL);
    CHECK(sd_knowledge_interceptor(&k, NULL) == NULL);
    sd_knowledge_free(&k);
}

/* The diagnosis finds the product again from the message of its finding
 * ("the certificate chain is signed by PRODUCT (CA NAME)"): no product's
 * name may hold another entry's name. */
static void test_interception_message_names_its_own_product(void)
{
    sd_knowledge k = knowledge();
    CHECK(k.interceptor_count >= 9);
    for (size_t i = 0; i < k.interceptor_count; i++) {
        const sd_interceptor *x = &k.interceptors[i];
        for (size_t p = 0; p < x->patterns.len; p++) {
            char *message = sd_xasprintf("the certificate chain is signed by %s (%s)", x->product, x->patterns.items[p]);
            const sd_interceptor *got = sd_knowledge_interceptor(&k, message);
            if (got != x)
                harness_fail(__FILE__, __LINE__, "\"%s\" is taken for %s", message, got ? got->id : "nothing");
            free(message);
        }
    }
    sd_knowledge_free(&k);
}

/* A chain: the leaf for smtp.example.com issued by `ca`, then, when
 * root is true, that CA's self-signed certificate as the server sent it. */
static sd_tls_info chain_from(const char *ca, bool root)
{
    sd_tls_info t = tls_with(root ? 2 : 1, ca, "smtp.example.com");
    if (root) {
        free(t.chain[1].subject);
        free(t.chain[1].issuer);
        t.chain[1].subject = sd_xstrdup(ca);
        t.chain[1].issuer = sd_xstrdup(ca);
        t.chain[1].self_issued = true;
    }
    return t;
}

static char *classify_message(sd_tls_info *t, const sd_knowledge *k, const char **code, const char **id)
{
    sd_cert_verdict v;
    sd_cert_classify(t, "smtp.example.com", k, &v);
    *code = sd_finding_code(v.code);
    *id = v.interceptor ? v.interceptor->id : NULL;
    char *message = v.message ? sd_xstrdup(v.message) : NULL;
    sd_cert_verdict_clear(&v);
    return message;
}

static void test_interception_verdicts(void)
{
    sd_knowledge k = knowledge();
    const char *code = NULL, *id = NULL;

    /* the older Avast root, sent by the server and trusted by nobody here */
    const char *old_avast = "OU = generated by avast! antivirus for SSL/TLS scanning, O = avast! Web/Mail Shield, "
                            "CN = avast! Web/Mail Shield Root";
    sd_tls_info t = chain_from(old_avast, true);
    add_error(&t, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1);
    char *message = classify_message(&t, &k, &code, &id);
    CHECK_STR(code, "cert.intercepted");
    CHECK_STR(id, "avast");
    CHECK(message && strstr(message, "Avast") && strstr(message, "avast! Web/Mail Shield Root"));
    free(message);
    sd_tls_info_clear(&t);

    /* a security vendor's own mail server names the vendor in its subject,
     * under a public CA: not an interceptor */
    t = tls_with(2, "C = US, O = Let's Encrypt, CN = R11", "smtp.example.com");
    free(t.chain[0].subject);
    t.chain[0].subject = sd_xstrdup("C = RO, O = Bitdefender SRL, CN = smtp.example.com");
    free(classify_message(&t, &k, &code, &id));
    CHECK_STR(code, "tls.ok");
    sd_tls_info_clear(&t);

    /* private CAs with neutral names stay untrusted */
    const char *neutral[] = {"CN = Some Private Root CA", "O = smtpdoctor lab, CN = smtpdoctor Lab Intermediate CA"};
    for (size_t i = 0; i < 2; i++) {
        t = chain_from(neutral[i], true);
        add_error(&t, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1);
        free(classify_message(&t, &k, &code, &id));
        CHECK_STR(code, "cert.untrusted");
        CHECK(id == NULL);
        sd_tls_info_clear(&t);
    }
    sd_knowledge_free(&k);
}

/* The words of an unknown interceptor's CA, and names that do not speak of
 * interception. */
static void test_interception_hint_words(void)
{
    sd_knowledge k = knowledge();
    const char *speak[] = {
        "O = XYZ, CN = XYZ SSL Inspection CA",
        "CN = Example Corp HTTPS Proxy",
        "CN = Example Firewall CA",
        "OU = generated by Foo Antivirus for SSL/TLS scanning, CN = Foo Root",
        "CN = Foo Web Shield Root",
        "CN = Foo TLS Interception Authority",
        "CN = Foo SSL-Decryption CA",
        "CN = Foo Anti-Virus CA",
        "CN = FOO CONTENT FILTER CA",
    };
    for (size_t i = 0; i < sizeof speak / sizeof *speak; i++) {
        const sd_interceptor *x = sd_knowledge_interception_hint(&k, speak[i]);
        if (x != &k.heuristic)
            harness_fail(__FILE__, __LINE__, "\"%s\" does not speak of interception", speak[i]);
    }
    const char *neutral[] = {
        "CN = Some Private Root CA",
        "O = smtpdoctor lab, CN = smtpdoctor Lab Intermediate CA",
        "O = smtpdoctor lab, CN = smtpdoctor Lab Root CA",
        "C = US, O = Let's Encrypt, CN = R11",
        "C = US, O = DigiCert Inc, OU = www.digicert.com, CN = DigiCert Global Root G2",
        "CN = Inspectorate Root CA",
        "CN = Proxima Centauri CA",
        "O = Example Mail, CN = mail.example.org",
    };
    for (size_t i = 0; i < sizeof neutral / sizeof *neutral; i++)
        if (sd_knowledge_interception_hint(&k, neutral[i]))
            harness_fail(__FILE__, __LINE__, "\"%s\" is taken for an interceptor", neutral[i]);
    CHECK_STR(k.heuristic.product, "a security product or proxy");
    CHECK(k.heuristic.remedy != NULL);
    sd_knowledge_free(&k);
}

static void test_unknown_interceptor_verdicts(void)
{
    sd_knowledge k = knowledge();
    const char *code = NULL, *id = NULL;

    /* an unknown product: its root sent along, or the leaf's issuer unknown */
    const char *xyz = "O = XYZ Networks, CN = XYZ SSL Inspection CA";
    sd_tls_info t = chain_from(xyz, true);
    add_error(&t, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1);
    char *message = classify_message(&t, &k, &code, &id);
    CHECK_STR(code, "cert.intercepted");
    CHECK_STR(id, "heuristic");
    CHECK_STR(message, "the certificate chain is signed by a security product or proxy "
                       "(O = XYZ Networks, CN = XYZ SSL Inspection CA)");
    free(message);
    sd_tls_info_clear(&t);

    t = chain_from(xyz, false);
    t.chain[0].has_ca_issuers = false;
    add_error(&t, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0);
    add_error(&t, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0);
    free(classify_message(&t, &k, &code, &id));
    CHECK_STR(code, "cert.intercepted");
    CHECK_STR(id, "heuristic");
    sd_tls_info_clear(&t);

    /* the same names on a chain that verifies: nothing intercepts it */
    t = chain_from(xyz, true);
    free(classify_message(&t, &k, &code, &id));
    CHECK_STR(code, "tls.ok");
    CHECK(id == NULL);
    sd_tls_info_clear(&t);

    /* a self-signed server certificate named like a proxy is self-signed */
    t = tls_with(1, "CN = proxy.example.com", "proxy.example.com");
    free(t.chain[0].subject);
    t.chain[0].subject = sd_xstrdup("CN = proxy.example.com");
    t.chain[0].self_issued = true;
    add_error(&t, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0);
    free(classify_message(&t, &k, &code, &id));
    CHECK_STR(code, "cert.self_signed");
    sd_tls_info_clear(&t);
    sd_knowledge_free(&k);
}

/* The root cause of a cert.intercepted finding with the product found in
 * its message. */
static sd_diag_result intercepted_root_cause(const sd_knowledge *k, const char *message)
{
    sd_diag_request req = {.knowledge = k};
    sd_diag_result r;
    memset(&r, 0, sizeof r);
    r.host = sd_xstrdup("smtp.example.com");
    r.port = 465;
    r.security = SD_SEC_TLS;
    sd_check_add(&r.checks, "tls", "smtp.example.com:465", SD_CHECK_FAIL, SD_F_CERT_INTERCEPTED, sd_xstrdup(message));
    /* as the certificate check carries it: the product its names match */
    r.checks.items[0].interceptor = sd_knowledge_interceptor(k, message);
    sd_choose_root_cause(&req, &r);
    return r;
}

/* The root cause names the product and gives its own remedy. */
static void test_interception_root_cause(void)
{
    sd_knowledge k = knowledge();
    sd_diag_result r = intercepted_root_cause(&k,
        "the certificate chain is signed by Avast antivirus (Web/Mail Shield) (OU = generated by avast! antivirus "
        "for SSL/TLS scanning, O = avast! Web/Mail Shield, CN = avast! Web/Mail Shield Root)");
    CHECK_STR(sd_finding_code(r.code), "cert.intercepted");
    CHECK(r.summary && strstr(r.summary, "issued by Avast antivirus"));
    CHECK(r.remedy && strstr(r.remedy, "In Avast,") && strstr(r.remedy, "Mail Shield"));
    sd_diag_result_free(&r);
    sd_knowledge_free(&k);
}

/* An unknown one is named by its CA, with the generic remedy. */
static void test_unknown_interceptor_root_cause(void)
{
    sd_knowledge k = knowledge();
    sd_diag_result r = intercepted_root_cause(&k,
        "the certificate chain is signed by a security product or proxy (O = XYZ Networks, CN = XYZ SSL Inspection CA)");
    CHECK_STR(sd_finding_code(r.code), "cert.intercepted");
    CHECK(r.summary && strstr(r.summary, "issued by a security product or proxy") &&
          strstr(r.summary, "XYZ SSL Inspection CA"));
    CHECK_STR(r.remedy, k.heuristic.remedy);
    sd_diag_result_free(&r);
    sd_knowledge_free(&k);
}

/* A reply rule's example, as the classifier sees it. */
typedef struct example_reply {
    int code;
    const char *stage, *text;
    char enhanced[16];
} example_reply;

static example_reply example_of(const sd_reply_rule *r)
{
    example_reply e = {.code = atoi(r->example), .text = strlen(r->example) > 4 ? r->example + 4 : ""};
    sd_smtp_enhanced_code(e.text, e.enhanced);
    e.stage = strcmp(r->stage, "any") == 0 ? "mail" : r->stage;
    return e;
}

static bool rule_names_host(const sd_reply_rule *r, const char *host)
{
    for (size_t i = 0; i < r->hosts.len; i++)
        if (sd_host_glob(r->hosts.items[i], host))
            return true;
    return false;
}

static const sd_reply_rule *classify_example(const sd_knowledge *k, const sd_reply_rule *r, const char *host)
{
    example_reply e = example_of(r);
    return sd_knowledge_classify_reply(k, host, e.stage, e.code, e.enhanced, e.text);
}

/* A provider's rule fires only for the servers of its presets: its words
 * from another provider's server or an unknown one get that server's rule
 * or a generic one, never this provider's advice. */
static void test_provider_rules_only_on_their_servers(void)
{
    sd_knowledge k = knowledge();
    sd_preset_db db = {0};
    sd_error err;
    CHECK_INT(sd_preset_db_load_builtin(&db, &err), 0);
    for (size_t i = 0; i < k.reply_count; i++) {
        const sd_reply_rule *r = &k.replies[i];
        if (!r->provider)
            continue;
        bool names_a_preset_server = false;
        for (size_t p = 0; p < db.len; p++)
            for (size_t v = 0; v < db.items[p].server_count; v++) {
                const sd_preset_server *srv = &db.items[p].servers[v];
                if (srv->protocol != SD_PROTO_SMTP)
                    continue;
                bool own = rule_names_host(r, srv->host);
                names_a_preset_server |= own;
                const sd_reply_rule *got = classify_example(&k, r, srv->host);
                if (!own && got == r)
                    harness_fail(__FILE__, __LINE__, "%s's rule %s fires for %s", r->provider, r->id, srv->host);
                if (got && got->provider && !rule_names_host(got, srv->host))
                    harness_fail(__FILE__, __LINE__, "a reply of %s gets %s's rule %s", srv->host, got->provider, got->id);
            }
        if (!names_a_preset_server)
            harness_fail(__FILE__, __LINE__, "rule %s names no SMTP server of a preset", r->id);
        const sd_reply_rule *got = classify_example(&k, r, "mail.unknown-provider.test");
        if (got && got->provider)
            harness_fail(__FILE__, __LINE__, "the example of %s from an unknown server gets %s", r->id, got->id);
    }
    sd_preset_db_free(&db);
    sd_knowledge_free(&k);
}

static const char *rule_id(const sd_knowledge *k, const char *host, const char *stage, int code,
                           const char *enhanced, const char *text)
{
    const sd_reply_rule *r = sd_knowledge_classify_reply(k, host, stage, code, enhanced, text);
    return r ? r->id : "nothing";
}

/* The generic rules still fire, on any server, a provider's among them. */
static void test_generic_rules_on_every_server(void)
{
    sd_knowledge k = knowledge();
    const char *creds = "Authentication credentials invalid";
    CHECK_STR(rule_id(&k, "mail.example.org", "auth", 535, "5.7.8", creds), "auth.rejected");
    CHECK_STR(rule_id(&k, "smtp.gmail.com", "auth", 535, "5.7.8", creds), "auth.rejected");
    CHECK_STR(rule_id(&k, "mail.gmx.net", "auth", 535, "", creds), "gmx.credentials_invalid");
    CHECK_STR(rule_id(&k, "smtp.web.de", "auth", 535, "", creds), "gmx.credentials_invalid");
    const char *google = "Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials";
    CHECK_STR(rule_id(&k, "smtp.gmail.com", "auth", 535, "5.7.8", google), "gmail.bad_credentials");
    CHECK_STR(rule_id(&k, "smtp.mail.ru", "auth", 535, "5.7.8", google), "auth.rejected");
    CHECK_STR(rule_id(&k, "mail.example.org", "auth", 535, "5.7.8", google), "auth.rejected");
    CHECK_STR(rule_id(&k, "smtp.gmail.com", "rcpt", 554, "5.7.1", "<a@b.example>: Relay access denied"),
              "generic.relay_access_denied");
    CHECK_STR(rule_id(&k, "mail.example.org", "rcpt", 450, "4.2.0", "<a@b.example>: Recipient address rejected: Greylisted"),
              "generic.greylisted");
    sd_knowledge_free(&k);
}

/* Microsoft's refusals of a password, told apart by their words. */
static void test_microsoft_refusals(void)
{
    sd_knowledge k = knowledge();
    static const struct { int code; const char *enhanced, *text, *rule, *finding, *remedy_says; } cases[] = {
        {550, "5.7.30", "Basic authentication is not supported for Client Submission.", "m365.basic_auth_not_supported",
         "auth.oauth_required", "Sign in with Microsoft"},
        {535, "5.7.139", "Authentication unsuccessful, basic authentication is disabled. [BM1P287CA0015.INDP287.PROD.OUTLOOK.COM]",
         "m365.basic_auth_disabled", "auth.oauth_required", "end of December 2026"},
        {535, "5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled",
         "m365.smtp_auth_disabled_tenant", "auth.disabled_by_provider", "not even \"Sign in with Microsoft\""},
        {535, "5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled",
         "m365.smtp_auth_disabled", "auth.disabled_by_provider", "Authenticated SMTP"},
        {535, "5.7.139", "Authentication unsuccessful, user is locked by your organization's security defaults policy.",
         "m365.security_defaults", "auth.disabled_by_provider", "Security Defaults"},
        {535, "5.7.139", "Authentication unsuccessful, user is blocked by Conditional Access. Contact your administrator.",
         "m365.conditional_access", "auth.disabled_by_provider", "Conditional Access policy"},
        {535, "5.7.139", "Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully.",
         "m365.auth_refused_by_policy", "auth.disabled_by_provider", "for a reason other than a wrong password"},
        {535, "5.7.139", "Authentication unsuccessful, the user credentials were incorrect. [CH2PR15CA0029.namprd15.prod.outlook.com]",
         "m365.credentials_incorrect", "auth.failed", "Microsoft says the username or password is wrong"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const sd_reply_rule *r = sd_knowledge_classify_reply(&k, "smtp.office365.com", "auth", cases[i].code,
                                                             cases[i].enhanced, cases[i].text);
        CHECK_STR(r ? r->id : "nothing", cases[i].rule);
        CHECK_STR(r ? sd_finding_code(r->finding) : "nothing", cases[i].finding);
        CHECK(r && r->remedy && strstr(r->remedy, cases[i].remedy_says));
        /* the same words from a server that is not Microsoft's: a plain refusal */
        r = sd_knowledge_classify_reply(&k, "mail.example.org", "auth", cases[i].code, cases[i].enhanced, cases[i].text);
        CHECK_STR(r ? sd_finding_code(r->finding) : "nothing", "auth.failed");
        CHECK(r && r->provider == NULL);
    }
    const sd_finding_rule *f = sd_knowledge_rule(&k, SD_F_AUTH_OAUTH_REQUIRED);
    CHECK(f && f->summary && f->remedy);
    sd_knowledge_free(&k);
}

/* The remedy fits the situation: after a working login a relay refusal
 * or greylisting on a submission port is the server's policy. */
static void test_remedy_for_the_situation(void)
{
    sd_knowledge k = knowledge();
    const sd_situation anonymous = {.submission_port = true}, logged_in = {.logged_in = true, .submission_port = true},
                       logged_in_25 = {.logged_in = true}, with_limit = {.size_limit = 5000000};
    const sd_reply_rule *relay = sd_knowledge_classify_reply(&k, "mail.example.org", "rcpt", 554, "5.7.1",
                                                             "<a@b.example>: Relay access denied");
    CHECK(relay && relay->finding == SD_F_SEND_RELAY_DENIED);
    CHECK_STR(sd_knowledge_remedy_for(&k, relay, relay->finding, &anonymous),
              "The server relays only for logged-in users: turn on authentication in your program (and log in) before sending.");
    const char *after = sd_knowledge_remedy_for(&k, relay, relay->finding, &logged_in);
    CHECK(after && strncmp(after, "The server accepted your login but still will not send mail to other domains", 76) == 0);
    CHECK(after && strstr(after, "permit_sasl_authenticated in smtpd_relay_restrictions"));
    /* a relay refusal no rule explains gets the same advice after a login */
    const sd_reply_rule *policy = sd_knowledge_classify_reply(&k, "mail.example.org", "rcpt", 554, "5.7.1",
                                                              "Service unavailable; Client host blocked");
    CHECK_STR(policy ? policy->id : "nothing", "rcpt.policy");
    CHECK(sd_knowledge_remedy_for(&k, policy, policy->finding, &logged_in) == after);
    CHECK(sd_knowledge_remedy_for(&k, policy, policy->finding, &anonymous) == NULL);

    const sd_reply_rule *grey = sd_knowledge_classify_reply(&k, "mail.example.org", "rcpt", 450, "4.2.0",
                                                            "<a@b.example>: Recipient address rejected: Greylisted");
    CHECK(grey && grey->finding == SD_F_SEND_TEMPORARY_FAILURE);
    const char *exempt = sd_knowledge_remedy_for(&k, grey, grey->finding, &logged_in);
    CHECK(exempt && strstr(exempt, "exempt logged-in users on ports 587 and 465 from greylisting"));
    CHECK(sd_knowledge_remedy_for(&k, grey, grey->finding, &anonymous) == grey->remedy);
    CHECK(sd_knowledge_remedy_for(&k, grey, grey->finding, &logged_in_25) == grey->remedy);
    /* a rate limit is no greylisting, also after a login */
    const sd_reply_rule *busy = sd_knowledge_classify_reply(&k, "smtp.office365.com", "data", 432, "4.3.2",
                                                            "Concurrent connections limit exceeded.");
    CHECK(busy && sd_knowledge_remedy_for(&k, busy, busy->finding, &logged_in) == busy->remedy);

    const sd_reply_rule *big = sd_knowledge_classify_reply(&k, "mail.example.org", "data", 552, "5.3.4",
                                                           "Error: message file too big");
    CHECK(big && big->finding == SD_F_SEND_MESSAGE_TOO_BIG);
    const char *limit = sd_knowledge_remedy_for(&k, big, big->finding, &with_limit);
    CHECK(limit && strncmp(limit, "This server takes messages up to {limit}", 40) == 0);
    CHECK(sd_knowledge_remedy_for(&k, big, big->finding, &anonymous) == NULL);
    CHECK(sd_knowledge_remedy_for(&k, NULL, SD_F_SEND_MESSAGE_TOO_BIG, &with_limit) == limit);
    sd_knowledge_free(&k);
}

TEST_LIST(diag_rule_tests) = {
    {"diag: every reply example finds its own rule", test_every_reply_example_finds_its_rule},
    {"diag: replies without a provider rule", test_reply_classification},
    {"diag: the finding table, findings.conf and doc/finding-codes.md agree", test_findings_agree},
    {"diag: an unknown finding code in the data files is a load error", test_unknown_codes_do_not_load},
    {"diag: a diagnosis that cannot start leaves the result empty", test_failed_diagnosis_leaves_result_empty},
    {"diag: remedy templates", test_templates},
    {"diag: interception CA names", test_interception_names},
    {"diag: did you mean", test_did_you_mean},
    {"diag: certificate classification", test_certificate_classification},
    {"diag: root cause and remedy with an alternative", test_root_cause_is_the_first_failure_in_layer_order},
    {"diag: interception CAs by their real names", test_interception_real_names},
    {"diag: interception names without case or punctuation", test_interception_matching_ignores_case_and_punctuation},
    {"diag: an interception message names its own product", test_interception_message_names_its_own_product},
    {"diag: interception verdicts", test_interception_verdicts},
    {"diag: interception root cause and remedy", test_interception_root_cause},
    {"diag: the words of an unknown interceptor's CA", test_interception_hint_words},
    {"diag: unknown interceptors' verdicts", test_unknown_interceptor_verdicts},
    {"diag: unknown interceptors' root cause and remedy", test_unknown_interceptor_root_cause},
    {"diag: a provider's reply rules only for its servers", test_provider_rules_only_on_their_servers},
    {"diag: generic reply rules on every server", test_generic_rules_on_every_server},
    {"diag: Microsoft's refusals of a password", test_microsoft_refusals},
    {"diag: remedies for the situation", test_remedy_for_the_situation},
    {NULL, NULL},
};
