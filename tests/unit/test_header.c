/* SPDX-License-Identifier: MIT */
/* Header fields of the test message: folded, encoded, never broken open. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "net/auth.h"
#include "net/header.h"
#include "tests/unit/harness.h"

static void check_lines(const char *field)
{
    size_t lines = 0;
    for (const char *line = field; *line; lines++) {
        const char *end = strchr(line, '\n');
        CHECK(end != NULL);
        if (!end)
            return;
        if ((size_t)(end - line) > 78)
            harness_fail(__FILE__, __LINE__, "a line of %d characters: %s", (int)(end - line), field);
        if (lines > 0 && line[0] != ' ')
            harness_fail(__FILE__, __LINE__, "a continuation without a leading space: %s", field);
        for (const char *p = line; p < end; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                harness_fail(__FILE__, __LINE__, "byte 0x%02x in a header: %s", (unsigned char)*p, field);
        line = end + 1;
    }
}

static void test_plain_subject(void)
{
    char *f = sd_header_field("Subject", "smtpdoctor test: smtp.example.com port 587 with STARTTLS");
    CHECK_STR(f, "Subject: smtpdoctor test: smtp.example.com port 587 with STARTTLS\n");
    free(f);
    f = sd_header_field("Subject", "");
    CHECK_STR(f, "Subject:\n");
    free(f);
}

static void test_long_subject_is_folded(void)
{
    char long_text[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(long_text, "word5678 ");
    char *f = sd_header_field("Subject", long_text);
    check_lines(f);
    CHECK(strstr(f, "\n word5678") != NULL);
    free(f);
}

/* A CR or LF inside the value would start a header of the sender's
 * choosing: it becomes an encoded '?', never a line end. */
static void test_line_breaks_cannot_inject(void)
{
    char *f = sd_header_field("Subject", "hello\r\nBcc: victim@example.com");
    check_lines(f);
    CHECK(strstr(f, "\nBcc:") == NULL);
    free(f);
}

static void test_non_ascii_is_encoded(void)
{
    char *f = sd_header_field("Subject", "Prüfung für bücher.de");
    check_lines(f);
    char *b64 = sd_base64_encode((const unsigned char *)"Prüfung für bücher.de", strlen("Prüfung für bücher.de"));
    char *expected = sd_xasprintf("Subject: =?UTF-8?B?%s?=\n", b64);
    CHECK_STR(f, expected);
    free(expected);
    free(b64);
    free(f);
    /* long: several encoded words, none splitting the 2-byte 'ü' */
    char text[600] = "";
    for (int i = 0; i < 60; i++)
        strcat(text, "ü");
    f = sd_header_field("Subject", text);
    check_lines(f);
    size_t words = 0;
    for (const char *p = f; (p = strstr(p, "=?UTF-8?B?")); p++)
        words++;
    CHECK_INT((int)words, 4);           /* 120 bytes in words of at most 39, even-sized: 38 38 38 6 */
    free(f);
}

TEST_LIST(header_tests) = {
    {"header: plain ASCII as it is", test_plain_subject},
    {"header: long lines folded at spaces", test_long_subject_is_folded},
    {"header: CR and LF cannot start a header", test_line_breaks_cannot_inject},
    {"header: non-ASCII as RFC 2047 words", test_non_ascii_is_encoded},
    {NULL, NULL},
};
