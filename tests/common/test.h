/* SPDX-License-Identifier: MIT */
/*
 * Shared cmocka harness for every uvfio test binary.
 *
 * Every test binary must end with the line "N passed, N failed" (", N skipped"
 * may follow): UVFIO_TEST_MAIN() prints it after cmocka's own report.
 */
#ifndef UVFIO_TEST_H
#define UVFIO_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

/* Number of tests that skipped themselves through UVFIO_SKIP(). */
extern int uvfio_test_skipped;

/*
 * UVFIO_SKIP(fmt, ...) - skip the current test, saying why on stdout.
 * A skip is neither a pass nor a failure.
 */
#define UVFIO_SKIP(...)                                                                            \
	do {                                                                                       \
		printf("SKIP: " __VA_ARGS__);                                                      \
		printf("\n");                                                                      \
		uvfio_test_skipped++;                                                              \
		skip();                                                                            \
	} while (0)

/*
 * UVFIO_TEST_MAIN(tests) - define main() running the cmocka array @tests and
 * printing the summary line.
 */
#define UVFIO_TEST_MAIN_FULL(tests, setup, teardown)                                               \
	int uvfio_test_skipped;                                                                    \
	int main(void)                                                                             \
	{                                                                                          \
		int n = (int)(sizeof(tests) / sizeof((tests)[0]));                                 \
		int failed = cmocka_run_group_tests(tests, setup, teardown);                       \
		if (failed < 0 || failed > n)                                                      \
			failed = n;                                                                \
		printf("%d passed, %d failed, %d skipped\n", n - failed - uvfio_test_skipped,     \
		       failed, uvfio_test_skipped);                                                \
		return failed ? 1 : 0;                                                             \
	}
#define UVFIO_TEST_MAIN(tests) UVFIO_TEST_MAIN_FULL(tests, NULL, NULL)

#endif
