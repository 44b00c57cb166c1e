/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"

extern const test_case address_tests[], preset_tests[], autoconfig_tests[], server_tests[], diag_rule_tests[],
    smtp_tests[], dns_tests[], gate_tests[], text_tests[], header_tests[],
    source_tests[], table_tests[], ownership_tests[], wording_tests[], oauth2_tests[];

int main(int argc, char **argv)
{
    const test_case *suites[] = {address_tests, preset_tests, autoconfig_tests, server_tests, diag_rule_tests,
                                 smtp_tests, dns_tests, gate_tests, text_tests, header_tests,
                                 source_tests, table_tests, ownership_tests, wording_tests, oauth2_tests};
    int passed = 0, failed = 0;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (size_t s = 0; s < sizeof suites / sizeof *suites; s++) {
        for (const test_case *t = suites[s]; t->name; t++) {
            if (only && !strstr(t->name, only))
                continue;
            harness_current_failed = false;
            t->fn();
            printf("%s %s\n", harness_current_failed ? "FAIL" : "ok  ", t->name);
            if (harness_current_failed)
                failed++;
            else
                passed++;
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
