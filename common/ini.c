/* SPDX-License-Identifier: MIT */
#include "common/ini.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int sd_ini_parse(const char *text, const char *origin, sd_ini_callback cb, void *arg, sd_error *err)
{
    char *copy = sd_xstrdup(text), *save = NULL, *section = NULL;
    int lineno = 0, rc = 0;
    sd_error local = {{0}};
    /* strtok_r would skip empty lines and so miscount them: split by hand. */
    for (char *line = copy; line && rc == 0; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        char *s = sd_str_trim(line);
        if (*s == '#' || *s == '\0')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close == s + 1) {
                rc = sd_fail(err, "%s:%d: a section header needs the form [name]", origin, lineno);
                break;
            }
            free(section);
            section = sd_xstrndup(s + 1, (size_t)(close - s - 1));
            if (cb(arg, NULL, section, NULL, &local) < 0)
                rc = sd_fail(err, "%s:%d: %s", origin, lineno, local.msg);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq || !section) {
            rc = sd_fail(err, "%s:%d: expected 'key = value' inside a [section]", origin, lineno);
            break;
        }
        *eq = '\0';
        if (cb(arg, section, sd_str_trim(s), sd_str_trim(eq + 1), &local) < 0)
            rc = sd_fail(err, "%s:%d: %s", origin, lineno, local.msg);
    }
    free(section);
    free(copy);
    return rc;
}
