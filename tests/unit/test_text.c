/* SPDX-License-Identifier: MIT */
/* Text from outside made printable: UTF-8 sequences, control characters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/text.h"
#include "presets/knowledge.h"
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

/* Display columns, whatever LC_CTYPE is: the program runs under C too. */
static void test_columns(void)
{
    CHECK_INT(sd_text_columns(""), 0);
    CHECK_INT(sd_text_columns("Port"), 4);
    CHECK_INT(sd_text_columns("\xd0\x9f\xd0\xbe\xd1\x80\xd1\x82"), 4);                 /* Порт */
    CHECK_INT(sd_text_columns("\xe7\xab\xaf\xe5\x8f\xa3"), 4);                             /* 端口: wide */
    CHECK_INT(sd_text_columns("e\xcc\x81"), 1);                                          /* e + combining acute */
    CHECK_INT(sd_text_columns("\xe0\xa6\xaa\xe0\xa7\x8b\xe0\xa6\xb0\xe0\xa7\x8d\xe0\xa6\x9f"), 4);   /* পোর্ট: the vowel sign ো spaces, the virama does not */
    CHECK_INT(sd_text_columns(SD_LRI "smtp.example.com" SD_PDI), 16);                       /* isolates take none */
    CHECK_INT(sd_text_columns("\xff"), 1);                                                /* shown as U+FFFD */
}

static void test_pad_and_wrap(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sd_text_pad(f, "\xd0\x9f\xd0\xbe\xd1\x80\xd1\x82", 6);   /* 4 columns, 8 bytes: two spaces */
    fputs("|\n", f);
    sd_text_wrap(f, "one two three four", 2, 4, 12);
    fclose(f);
    CHECK_STR(buf, "\xd0\x9f\xd0\xbe\xd1\x80\xd1\x82  |\none two\n    three\n    four\n");
    free(buf);
}

static void test_cut(void)
{
    char ru[] = "\xd0\x9f\xd0\xbe\xd1\x80\xd1\x82 587";          /* Порт 587: 8 columns, 12 bytes */
    CHECK_INT(sd_text_cut(ru, 6), 6);
    CHECK_STR(ru, "\xd0\x9f\xd0\xbe\xd1\x80\xd1\x82 5");
    char wide[] = "\xe7\xab\xaf\xe5\x8f\xa3";                       /* 端口: a wide character is not halved */
    CHECK_INT(sd_text_cut(wide, 3), 2);
    CHECK_STR(wide, "\xe7\xab\xaf");
    char torn[] = "ab\xd0";                                          /* snprintf cut a character short */
    CHECK_INT(sd_text_cut(torn, 80), 2);
    CHECK_STR(torn, "ab");
}

static void test_lang_codes(void)
{
    CHECK(sd_i18n_lang_valid("ru"));
    CHECK(sd_i18n_lang_valid("pt_BR"));
    CHECK(sd_i18n_lang_valid("ckb"));
    CHECK(sd_i18n_lang_valid("de_DE.UTF-8"));
    CHECK(sd_i18n_lang_valid("C"));
    CHECK(sd_i18n_lang_valid("C.UTF-8"));
    CHECK(!sd_i18n_lang_valid(""));
    CHECK(!sd_i18n_lang_valid("r"));
    CHECK(!sd_i18n_lang_valid("RU"));
    CHECK(!sd_i18n_lang_valid("pt_br"));
    CHECK(!sd_i18n_lang_valid("../../etc"));
    CHECK(!sd_i18n_lang_valid("ru;rm"));
}

/* In right-to-left text output, names and numbers are isolated; the
 * rest of a template is left as the translation has it. */
static void test_template_isolates(void)
{
    sd_template_var vars[] = {{"host", "smtp.example.com"}, {"port", "587"}, {"detail", "x"}, {NULL, NULL}};
    char *plain = sd_template_render("{host}:{port} {detail}", vars);
    CHECK_STR(plain, "smtp.example.com:587 x");
    sd_i18n_set_isolate(true);
    char *isolated = sd_template_render("{host}:{port} {detail}", vars);
    sd_i18n_set_isolate(false);
    CHECK_STR(isolated, SD_LRI "smtp.example.com" SD_PDI ":" SD_LRI "587" SD_PDI " x");
    free(plain);
    free(isolated);
}

TEST_LIST(text_tests) = {
    {"text: display columns of wide, combining and isolate characters", test_columns},
    {"text: padding and wrapping in display columns", test_pad_and_wrap},
    {"text: cut to a number of columns at a character boundary", test_cut},
    {"i18n: --lang codes", test_lang_codes},
    {"i18n: directional isolates around names in right-to-left text", test_template_isolates},
    {"text: UTF-8 sequences, valid and not", test_utf8_sequences},
    {"text: control characters and invalid bytes made printable", test_printable},
    {NULL, NULL},
};
