/* SPDX-License-Identifier: MIT */
/* A minimal unit-test harness: each test is a function; a failed check
 * reports its file, line and the values, and the run ends with the line
 * "N passed, N failed". */
#ifndef SD_TESTS_HARNESS_H
#define SD_TESTS_HARNESS_H

#include <stdbool.h>
#include <string.h>

typedef void (*test_fn)(void);

void harness_fail(const char *file, int line, const char *fmt, ...);
extern bool harness_current_failed;

#define CHECK(cond) \
    do { if (!(cond)) harness_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define CHECK_INT(a, b) \
    do { long long _a = (a), _b = (b); \
         if (_a != _b) harness_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, _a, _b); } while (0)
#define CHECK_STR(a, b) \
    do { const char *_a = (a), *_b = (b); \
         if (!_a || !_b || strcmp(_a, _b) != 0) \
             harness_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)

typedef struct test_case {
    const char *name;
    test_fn fn;
} test_case;

/* Each test file exports a NULL-terminated list. */
#define TEST_LIST(name) const test_case name[]

#endif
