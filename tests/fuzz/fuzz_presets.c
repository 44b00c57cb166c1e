/* SPDX-License-Identifier: MIT */
/* The data-file reader (user preset files are read from disk) and the
 * classification of server replies with their enhanced codes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/smtp.h"
#include "presets/knowledge.h"
#include "presets/preset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sd_knowledge k;
    static int ready;
    sd_error err;
    if (!ready) {
        sd_knowledge_load_builtin(&k, &err);
        ready = 1;
    }
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    sd_preset_db db = {0};
    sd_preset_db_parse(&db, text, "fuzz.conf", &err);
    for (size_t i = 0; i < db.len; i++)
        (void)sd_preset_find_domain(&db, text);
    sd_preset_db_free(&db);
    char enhanced[16];
    sd_smtp_enhanced_code(text, enhanced);
    static const char *stages[] = {"greeting", "auth", "mail", "rcpt", "data"};
    for (int i = 0; i < 5; i++)
        (void)sd_knowledge_classify_reply(&k, text, stages[i], size ? data[0] * 3 : 0, enhanced, text);
    sd_template_var vars[] = {{"host", text}, {NULL, NULL}};
    free(sd_template_render(text, vars));
    (void)sd_host_glob(text, "smtp.example.com");
    (void)sd_host_glob("*.example.com", text);
    free(text);
    return 0;
}
