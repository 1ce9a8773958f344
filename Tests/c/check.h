/* check.h - the C tests' one CHECK harness (test_abi, test_corrupt, test_swap,
 * test_walk). CHECK(expr) counts a pass or a failure, prints a failure as
 * "file:line: CHECK failed: expr" on stderr and yields whether expr held, so
 * that `if (!CHECK(x)) return;` works. Counters are atomic: threads may CHECK.
 * check_summary("name") prints "name: N passed, M failed" and returns the
 * test's exit status (1 on any failure, else 0). Include it once per program. */
#ifndef BW_TEST_CHECK_H
#define BW_TEST_CHECK_H

#include <stdatomic.h>
#include <stdio.h>

static atomic_int check_passed, check_failed;

#define CHECK(expr) check_((expr) != 0, __FILE__, __LINE__, #expr)

static inline int check_(int ok, const char *file, int line, const char *expr) {
    atomic_fetch_add(ok ? &check_passed : &check_failed, 1);
    if (!ok) fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
    return ok;
}

static inline int check_summary(const char *name) {
    const int p = atomic_load(&check_passed), f = atomic_load(&check_failed);
    printf("%s: %d passed, %d failed\n", name, p, f);
    return f ? 1 : 0;
}

#endif /* BW_TEST_CHECK_H */
