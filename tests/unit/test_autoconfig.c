/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "discover/autoconfig.h"
#include "discover/xmlsafe.h"
#include "tests/unit/harness.h"

static sd_address addr(const char *text)
{
    sd_address a;
    sd_error err;
    if (sd_address_parse(text, &a, &err) != 0)
        abort();
    return a;
}

static const char *full_doc =
    "<?xml version=\"1.0\"?>\n"
    "<clientConfig version=\"1.1\">\n"
    " <emailProvider id=\"example.com\">\n"
    "  <domain>example.com</domain><domain>Example.NET</domain>\n"
    "  <displayName>Example Mail</displayName>\n"
    "  <incomingServer type=\"imap\"><hostname>imap.example.com</hostname><port>993</port>"
    "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
    "<authentication>password-cleartext</authentication></incomingServer>\n"
    "  <incomingServer type=\"pop3\"><hostname>pop.example.com</hostname><port>995</port>"
    "<socketType>SSL</socketType><username>%EMAILLOCALPART%</username></incomingServer>\n"
    "  <incomingServer type=\"ews\"><hostname>ews.example.com</hostname></incomingServer>\n"
    "  <outgoingServer type=\"smtp\"><hostname>smtp.%EMAILDOMAIN%</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username>"
    "<authentication>password-encrypted</authentication></outgoingServer>\n"
    "  <outgoingServer type=\"smtp\"><hostname>smtp.example.com</hostname><port>465</port>"
    "<socketType>SSL</socketType><username>%EMAILADDRESS</username>"
    "<authentication>OAuth2</authentication><authentication>password-cleartext</authentication></outgoingServer>\n"
    "  <enable visiturl=\"https://example.com/settings\"><instruction>Turn on IMAP</instruction></enable>\n"
    "  <documentation url=\"https://example.com/help\"><descr lang=\"en\">Help</descr></documentation>\n"
    " </emailProvider>\n"
    "</clientConfig>\n";

static void test_full_document(void)
{
    sd_address a = addr("jane@example.com");
    sd_autoconfig ac;
    sd_error err;
    CHECK_INT(sd_autoconfig_parse(full_doc, strlen(full_doc), &a, &ac, &err), 0);
    CHECK_STR(ac.provider_id, "example.com");
    CHECK_STR(ac.display_name, "Example Mail");
    CHECK_INT(ac.domains.len, 2);
    CHECK_STR(ac.domains.items[1], "example.net");
    CHECK_INT(ac.servers.len, 4);                     /* ews is not ours */
    const sd_server *smtp1 = &ac.servers.items[2], *smtp2 = &ac.servers.items[3];
    CHECK_INT(smtp1->protocol, SD_PROTO_SMTP);
    CHECK_STR(smtp1->host, "smtp.example.com");
    CHECK_INT(smtp1->port, 587);
    CHECK_INT(smtp1->security, SD_SEC_STARTTLS);
    CHECK_STR(smtp1->username, "jane");
    CHECK_INT(smtp1->auth, SD_AUTH_CRAM_MD5);
    CHECK_INT(smtp2->port, 465);
    CHECK_INT(smtp2->security, SD_SEC_TLS);
    CHECK_STR(smtp2->username, "jane@example.com");   /* tolerated: missing '%' */
    CHECK_INT(smtp2->auth, SD_AUTH_XOAUTH2 | SD_AUTH_OAUTHBEARER | SD_AUTH_PLAIN | SD_AUTH_LOGIN);
    CHECK_INT(ac.servers.items[1].protocol, SD_PROTO_POP3);
    CHECK_STR(ac.servers.items[1].username, "jane");
    CHECK_INT(ac.hints.len, 1);
    CHECK(strstr(ac.hints.items[0], "Turn on IMAP") != NULL);
    CHECK_INT(ac.defects.len, 1);
    CHECK_INT(ac.documentation.len, 1);
    sd_autoconfig_free(&ac);
    sd_address_free(&a);
}

static void test_one_bad_server_keeps_the_rest(void)
{
    const char *doc =
        "<clientConfig><emailProvider id=\"x\">"
        "<outgoingServer type=\"smtp\"><port>465</port><socketType>SSL</socketType></outgoingServer>"
        "<outgoingServer type=\"smtp\"><hostname>bad host!</hostname><port>465</port></outgoingServer>"
        "<outgoingServer type=\"smtp\"><hostname>ok.example.org</hostname><port>abc</port>"
        "<socketType>weird</socketType></outgoingServer>"
        "<outgoingServer type=\"smtp\"><hostname>good.example.org</hostname><port>2525</port>"
        "<socketType>plain</socketType></outgoingServer>"
        "</emailProvider></clientConfig>";
    sd_address a = addr("x@example.org");
    sd_autoconfig ac;
    sd_error err;
    CHECK_INT(sd_autoconfig_parse(doc, strlen(doc), &a, &ac, &err), 0);
    CHECK_INT(ac.servers.len, 2);
    CHECK_STR(ac.servers.items[0].host, "ok.example.org");
    CHECK_INT(ac.servers.items[0].port, 465);                 /* invalid port: default */
    CHECK_INT(ac.servers.items[0].security, SD_SEC_UNKNOWN);
    CHECK_STR(ac.servers.items[1].host, "good.example.org");
    CHECK_INT(ac.servers.items[1].security, SD_SEC_PLAIN);
    CHECK(ac.defects.len >= 3);
    sd_autoconfig_free(&ac);
    sd_address_free(&a);
}

static void test_misplaced_elements(void)
{
    const char *doc =
        "<clientConfig version=\"1.1\"><emailProvider id=\"y\"><domain>y.example</domain></emailProvider>"
        "<enable visiturl=\"https://y.example/on\"/>"
        "<outgoingServer type=\"smtp\"><hostname>smtp.y.example</hostname><port>465</port>"
        "<socketType>SSL</socketType></outgoingServer></clientConfig>";
    sd_address a = addr("u@y.example");
    sd_autoconfig ac;
    sd_error err;
    CHECK_INT(sd_autoconfig_parse(doc, strlen(doc), &a, &ac, &err), 0);
    CHECK_INT(ac.servers.len, 1);
    CHECK_INT(ac.hints.len, 1);
    sd_autoconfig_free(&ac);
    sd_address_free(&a);
}

static void test_hostile_documents(void)
{
    sd_address a = addr("u@example.com");
    sd_autoconfig ac;
    sd_error err = {{0}};
    const char *xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE clientConfig [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<clientConfig><emailProvider id=\"e\"><outgoingServer type=\"smtp\"><hostname>&x;</hostname>"
        "</outgoingServer></emailProvider></clientConfig>";
    CHECK_INT(sd_autoconfig_parse(xxe, strlen(xxe), &a, &ac, &err), -1);
    CHECK(strstr(err.msg, "entities") != NULL);
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
        "<clientConfig>&d;</clientConfig>";
    CHECK_INT(sd_autoconfig_parse(laughs, strlen(laughs), &a, &ac, &err), -1);
    const char *html = "<html><body>Not here</body></html>";
    CHECK_INT(sd_autoconfig_parse(html, strlen(html), &a, &ac, &err), -1);
    CHECK(strstr(err.msg, "clientConfig") != NULL);
    CHECK_INT(sd_autoconfig_parse("<clientConfig><broken", 21, &a, &ac, &err), -1);
    CHECK_INT(sd_autoconfig_parse("", 0, &a, &ac, &err), -1);
    /* too large */
    size_t big = SD_XML_MAX_BYTES + 10;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    CHECK_INT(sd_autoconfig_parse(huge, big, &a, &ac, &err), -1);
    free(huge);
    sd_address_free(&a);
}

static void test_autodiscover(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">"
        "<Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">"
        "<Account><AccountType>email</AccountType><Action>settings</Action>"
        "<Protocol><Type>IMAP</Type><Server>imap.ex.example</Server><Port>993</Port><SSL>on</SSL></Protocol>"
        "<Protocol><Type>SMTP</Type><Server>smtp.ex.example</Server><Port>587</Port><SSL>on</SSL>"
        "<LoginName>u@ex.example</LoginName></Protocol>"
        "<Protocol><Type>SMTP</Type><Server>smtp.ex.example</Server><Port>465</Port><Encryption>SSL</Encryption></Protocol>"
        "</Account></Response></Autodiscover>";
    sd_address a = addr("u@ex.example");
    sd_server_list l = {0};
    char *ru = NULL, *ra = NULL;
    sd_error err;
    CHECK_INT(sd_autodiscover_parse(doc, strlen(doc), &a, &l, &ru, &ra, &err), 0);
    CHECK_INT(l.len, 3);
    CHECK_INT(l.items[1].security, SD_SEC_STARTTLS);       /* SSL=on on 587 is STARTTLS */
    CHECK_INT(l.items[2].security, SD_SEC_TLS);
    CHECK(ru == NULL && ra == NULL);
    sd_server_list_free(&l);
    const char *redir =
        "<Autodiscover><Response><Account><Action>redirectAddr</Action>"
        "<RedirectAddr>u@other.example</RedirectAddr></Account></Response></Autodiscover>";
    CHECK_INT(sd_autodiscover_parse(redir, strlen(redir), &a, &l, &ru, &ra, &err), 0);
    CHECK_STR(ra, "u@other.example");
    free(ra);
    free(ru);
    sd_server_list_free(&l);
    sd_address_free(&a);
}

/* Every document of the public ISPDB must give each outgoing server a host,
 * a port and a security, whatever defects it has. */
static void test_ispdb_corpus(void)
{
    DIR *d = opendir(SHARED_ISPDB_DIR);
    if (!d) {
        printf("    skipped: %s is not here\n", SHARED_ISPDB_DIR);
        return;
    }
    sd_address a = addr("someone.name@example.com");
    int files = 0, outgoing = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".xml"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", SHARED_ISPDB_DIR, e->d_name);
        FILE *f = fopen(path, "rb");
        sd_buf b = {0};
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            sd_buf_append(&b, chunk, n);
        fclose(f);
        sd_autoconfig ac;
        sd_error err;
        if (sd_autoconfig_parse(b.data, b.len, &a, &ac, &err) != 0) {
            harness_fail(__FILE__, __LINE__, "%s: %s", e->d_name, err.msg);
            sd_buf_free(&b);
            continue;
        }
        files++;
        size_t smtp = 0;
        for (size_t i = 0; i < ac.servers.len; i++) {
            const sd_server *s = &ac.servers.items[i];
            if (s->protocol != SD_PROTO_SMTP)
                continue;
            smtp++;
            if (!s->host || s->port < 1 || s->security == SD_SEC_UNKNOWN || strchr(s->host, '%'))
                harness_fail(__FILE__, __LINE__, "%s: SMTP server %s:%d incomplete", e->d_name,
                             s->host ? s->host : "?", s->port);
        }
        if (smtp == 0)
            harness_fail(__FILE__, __LINE__, "%s: no SMTP server", e->d_name);
        outgoing += (int)smtp;
        sd_autoconfig_free(&ac);
        sd_buf_free(&b);
    }
    closedir(d);
    printf("    %d ISPDB documents, %d SMTP servers\n", files, outgoing);
    CHECK(files >= 150);
    sd_address_free(&a);
}

TEST_LIST(autoconfig_tests) = {
    {"autoconfig: every element of a full document", test_full_document},
    {"autoconfig: one bad server entry keeps the rest", test_one_bad_server_keeps_the_rest},
    {"autoconfig: misplaced elements are understood", test_misplaced_elements},
    {"autoconfig: hostile documents are refused", test_hostile_documents},
    {"autoconfig: Exchange Autodiscover responses", test_autodiscover},
    {"autoconfig: the whole ISPDB corpus", test_ispdb_corpus},
    {NULL, NULL},
};
