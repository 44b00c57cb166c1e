/* SPDX-License-Identifier: MIT */
/* Text from outside made printable: UTF-8 sequences, control characters. */
#include <stdlib.h>

#include "common/text.h"
#include "tests/unit/harness.h"

static void test_utf8_sequences(void)
{
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"a"), 1);
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xc3\xa9"), 2);           /* é */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xe2\x82\xac"), 3);       /* € */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xf0\x9f\x93\xa7"), 4);   /* 📧 */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xe9t"), 0);              /* Latin-1 é */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\x80"), 0);               /* a lone continuation */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xc0\xaf"), 0);           /* overlong '/' */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xe0\x80\xaf"), 0);       /* overlong */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xed\xa0\x80"), 0);       /* a surrogate */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xf4\x90\x80\x80"), 0);   /* above U+10FFFF */
    CHECK_INT(sd_utf8_sequence((const unsigned char *)"\xe2\x82"), 0);           /* cut short by the end */
}

static void test_printable(void)
{
    char *s = sd_text_printable("220 caf\xe9 \x1b]52;c;eA==\x07 \xc2\x9b" "1m\x7f ok\n", false);
    CHECK_STR(s, "220 caf\xef\xbf\xbd ?]52;c;eA==? ?1m? ok?");
    free(s);
    s = sd_text_printable("line one\n\tline two", true);
    CHECK_STR(s, "line one\n\tline two");
    free(s);
    CHECK(sd_text_is_printable("smtp.b\xc3\xbc" "cher.test", false));
    CHECK(!sd_text_is_printable("a\x1b", false));
    CHECK(sd_text_printable(NULL, false) == NULL);
    char *slot = NULL;
    sd_text_make_printable(&slot, false);
    CHECK(slot == NULL);
}

TEST_LIST(text_tests) = {
    {"text: UTF-8 sequences, valid and not", test_utf8_sequences},
    {"text: control characters and invalid bytes made printable", test_printable},
    {NULL, NULL},
};
