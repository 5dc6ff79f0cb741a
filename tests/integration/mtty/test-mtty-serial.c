// SPDX-License-Identifier: MIT
/*
 * test-mtty-serial - uvfio-serial against an in-process mtty card: the test
 * pattern in loopback over INTx, MSI and polling, with other line settings
 * and ports, and its errors (no such port, no device, bad usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "test.h"
#include "rig.h"

#define RUN_MS 60000

static int setup_n(void **state, unsigned int nr_ports)
{
	static struct rig r;

	/* The device stays free: uvfio-serial is its client. */
	if (rig_start(&r, nr_ports, false))
		return -1;
	*state = &r;
	return 0;
}

static int setup1(void **state)
{
	return setup_n(state, 1);
}

static int setup2(void **state)
{
	return setup_n(state, 2);
}

static int teardown(void **state)
{
	rig_stop(*state);
	return 0;
}

/* Run uvfio-serial ARGS... DEVICE; return its status, output in @out/@err. */
static int serial(struct rig *r, const char *const *args, char *out, size_t outsz, char *err,
		  size_t errsz)
{
	const char *argv[24];
	size_t n = 0;
	int st;

	while (args[n] && n < 22) {
		argv[n] = args[n];
		n++;
	}
	argv[n++] = r->where;
	argv[n] = NULL;
	st = run_serial(argv, out, outsz, err, errsz, RUN_MS);
	if (st && getenv("UVFIO_TEST_VERBOSE"))
		print_message("uvfio-serial exit %d: %s%s", st, out, err);
	return st;
}

/* "test pattern: N bytes OK, M interrupts": M, or -1. */
static long interrupts_of(const char *out)
{
	const char *p = strstr(out, "bytes OK, ");
	long n = -1;

	if (p && sscanf(p, "bytes OK, %ld interrupts", &n) != 1)
		n = -1;
	return n;
}

static void pattern_ok(struct rig *r, const char *const *args, const char *expect, bool irqs)
{
	char out[512];
	char err[4096];
	int st = serial(r, args, out, sizeof(out), err, sizeof(err));

	if (st)
		print_message("uvfio-serial exit %d: %s%s", st, out, err);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, expect));
	if (irqs)
		assert_true(interrupts_of(out) > 0);
	else
		assert_int_equal(interrupts_of(out), 0);
}

static void test_loopback_intx(void **state)
{
	const char *args[] = {"--loopback", "--test-pattern", "4000", NULL};

	pattern_ok(*state, args, "4000 bytes OK", true);
}

static void test_loopback_msi(void **state)
{
	const char *args[] = {"--irq", "msi", "--loopback", "--test-pattern", "4000", NULL};

	pattern_ok(*state, args, "4000 bytes OK", true);
}

static void test_loopback_poll(void **state)
{
	const char *args[] = {"--irq", "none", "--loopback", "--test-pattern", "1000", NULL};

	pattern_ok(*state, args, "1000 bytes OK", false);
}

static void test_loopback_7e2_9600_trigger14(void **state)
{
	/* A 7-bit pattern; the last chunk below the trigger needs the timeout. */
	const char *args[] = {"--baud", "9600",	      "--line",		"7E2", "--rx-trigger",
			      "14",	"--loopback", "--test-pattern", "999", NULL};

	pattern_ok(*state, args, "999 bytes OK", true);
}

static void test_loopback_5n1_trigger1(void **state)
{
	const char *args[] = {"--line", "5N1", "--rx-trigger", "1", "--loopback", "--test-pattern",
			      "500",	NULL};

	pattern_ok(*state, args, "500 bytes OK", true);
}

static void test_loopback_port1(void **state)
{
	const char *args[] = {"--port", "1", "--loopback", "--test-pattern", "1000", NULL};

	pattern_ok(*state, args, "1000 bytes OK", true);
}

static void test_twice(void **state)
{
	const char *args[] = {"--loopback", "--test-pattern", "300", NULL};

	/* The second client finds the device as the first left it, and resets it itself. */
	pattern_ok(*state, args, "300 bytes OK", true);
	pattern_ok(*state, args, "300 bytes OK", true);
}

static void test_no_such_port(void **state)
{
	const char *args[] = {"--port", "1", "--loopback", "--test-pattern", "10", NULL};
	char out[512];
	char err[4096];

	assert_int_equal(serial(*state, args, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no port 1"));
}

static void test_no_device(void **state)
{
	const char *argv[] = {"--loopback", "--test-pattern", "10", "unix:/nonexistent/mtty.sock",
			      NULL};
	char out[512];
	char err[4096];

	(void)state;
	assert_int_equal(run_serial(argv, out, sizeof(out), err, sizeof(err), RUN_MS), 1);
	assert_non_null(strstr(err, "cannot open"));
}

static void test_usage(void **state)
{
	static const char *const bad[][6] = {
		{"unix:/x", NULL},				      /* no mode */
		{"--bridge", "--test-pattern", "5", "unix:/x", NULL}, /* two modes */
		{"--bridge", NULL},				      /* no device */
		{"--baud", "0", "--bridge", "unix:/x", NULL},
		{"--line", "9N1", "--bridge", "unix:/x", NULL},
		{"--line", "8X1", "--bridge", "unix:/x", NULL},
		{"--irq", "msix", "--bridge", "unix:/x", NULL},
		{"--rx-trigger", "3", "--bridge", "unix:/x", NULL},
		{"--test-pattern", "0", "unix:/x", NULL},
	};
	char out[512];
	char err[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = run_serial(bad[i], out, sizeof(out), err, sizeof(err), RUN_MS);

		if (st != 2)
			print_message("case %zu: exit %d\n", i, st);
		assert_int_equal(st, 2);
	}
	assert_int_equal(run_serial((const char *const[]){"--help", NULL}, out, sizeof(out), err,
				    sizeof(err), RUN_MS),
			 0);
	assert_non_null(strstr(out, "usage: uvfio-serial"));
}

/* uvfio-mtty, the standalone backend program: serve, drive, SIGTERM. */
static void test_standalone_uvfio_mtty(void **state)
{
	struct rig *r = *state;
	char sock[RIG_PATH_MAX];
	char where[RIG_PATH_MAX + 8];
	char *argv[] = {(char *)UVFIO_MTTY_PATH,
			(char *)"--ports",
			(char *)"2",
			(char *)"--socket-path",
			sock,
			NULL};
	const char *args[] = {"--port", "1", "--loopback", "--test-pattern", "500", where, NULL};
	char lines[256] = {0};
	char out[512];
	char err[4096];
	struct child ch;
	size_t len = 0;
	int64_t end;

	/* The rig's directory, for a socket of our own. */
	snprintf(sock, sizeof(sock), "%s/standalone.sock", r->dir);
	snprintf(where, sizeof(where), "unix:%s", sock);
	assert_int_equal(child_spawn(&ch, argv), 0);
	/* It names its ptys first: "port 0: /dev/pts/N", "port 1: ...". */
	end = now_ms() + 5000;
	while (now_ms() < end && !strstr(lines, "port 1: /dev/"))
		len += fd_read_exact(ch.out, lines + len, 1, 100);
	assert_non_null(strstr(lines, "port 0: /dev/"));
	assert_non_null(strstr(lines, "port 1: /dev/"));
	while (now_ms() < end && access(sock, F_OK))
		sleep_ms(10);
	assert_int_equal(run_serial(args, out, sizeof(out), err, sizeof(err), RUN_MS), 0);
	assert_non_null(strstr(out, "500 bytes OK"));
	/* Contract §1: SIGTERM stops it cleanly, socket removed. */
	kill(ch.pid, SIGTERM);
	assert_int_equal(child_finish(&ch, out, sizeof(out), err, sizeof(err), 5000), 0);
	assert_int_not_equal(access(sock, F_OK), 0);
}

#define T1(f) cmocka_unit_test_setup_teardown(f, setup1, teardown)
#define T2(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)

static const struct CMUnitTest tests[] = {
	T1(test_loopback_intx),
	T1(test_loopback_msi),
	T1(test_loopback_poll),
	T1(test_loopback_7e2_9600_trigger14),
	T1(test_loopback_5n1_trigger1),
	T2(test_loopback_port1),
	T1(test_twice),
	T1(test_standalone_uvfio_mtty),
	T1(test_no_such_port),
	cmocka_unit_test(test_no_device),
	cmocka_unit_test(test_usage),
};

UVFIO_TEST_MAIN(tests)
