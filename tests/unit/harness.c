/* SPDX-License-Identifier: MIT */
#include "tests/unit/harness.h"

#include <stdarg.h>
#include <stdio.h>

bool harness_current_failed;

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "    %s:%d: ", file, line);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    harness_current_failed = true;
}
