/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/edu/test-edu-tools.c - the programs: uvfio-serve (its
 * command line, SIGTERM, the socket it leaves behind) and uvfio-edu run end
 * to end against it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "test.h"
#include "../common/proc.h"

#define OUT_SIZE 16384
#define RUN_MS 60000

static char out[OUT_SIZE];
static char err[OUT_SIZE];

static int serve_setup(void **state)
{
	struct served *s = calloc(1, sizeof(*s));

	if (!s || served_start(s, "edu") < 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int serve_teardown(void **state)
{
	struct served *s = *state;
	int rc = served_stop(s);

	free(s);
	return rc == 0 ? 0 : -1;
}

static int serve(char *a1, char *a2, char *a3, char *a4)
{
	char *argv[] = { UVFIO_SERVE_PATH, a1, a2, a3, a4, NULL };

	return run_cmd(argv, out, sizeof(out), err, sizeof(err), RUN_MS);
}

static void test_serve_help(void **state)
{
	(void)state;
	assert_int_equal(serve("--help", NULL, NULL, NULL), 0);
	assert_non_null(strstr(out, "usage: uvfio-serve MODEL"));
	assert_non_null(strstr(out, "edu"));
	assert_int_equal(serve("edu", "--help", NULL, NULL), 0);
}

static void test_serve_bad_args(void **state)
{
	(void)state;
	/* No model. */
	assert_int_equal(serve(NULL, NULL, NULL, NULL), 2);
	/* Unknown model: exit 2 with the list of models. */
	assert_int_equal(serve("no-such-model", "--socket-path", "/tmp/x.sock", NULL), 2);
	assert_non_null(strstr(err, "unknown model"));
	assert_non_null(strstr(err, "edu"));
	/* uvfio_dev_main(): --socket-path and --fd are mutually exclusive. */
	assert_int_equal(serve("edu", "--socket-path", "/tmp/uvfio-never.sock", "--fd=3"), 2);
	assert_int_equal(serve("edu", "--bogus", NULL, NULL), 2);
	assert_int_equal(access("/tmp/uvfio-never.sock", F_OK), -1);
}

/* Contract §1: honour SIGTERM; a clean stop exits 0 and removes the socket. */
static void test_serve_sigterm(void **state)
{
	struct served s;
	struct uvfio_container *c;
	struct uvfio_device *d;
	char sock[PROC_PATH_MAX];
	char dir[PROC_DIR_MAX];
	pid_t pid;
	int status;

	(void)state;
	/* With a client connected at the time of the signal. */
	assert_int_equal(served_start(&s, "edu"), 0);
	assert_int_equal(open_device(s.where, &c, &d), 0);
	strcpy(sock, s.sock);
	strcpy(dir, s.dir);
	pid = s.pid;
	kill(pid, SIGTERM);
	status = wait_exit(pid, 5000);
	assert_int_equal(status, 0);
	assert_int_equal(access(sock, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	uvfio_device_close(d);
	uvfio_container_destroy(c);
	remove_tmpdir(dir);

	/* Idle, and SIGINT. */
	assert_int_equal(served_start(&s, "edu"), 0);
	strcpy(sock, s.sock);
	strcpy(dir, s.dir);
	kill(s.pid, SIGINT);
	assert_int_equal(wait_exit(s.pid, 5000), 0);
	assert_int_equal(access(sock, F_OK), -1);
	remove_tmpdir(dir);
}

/* --fd N: an inherited listening socket (contract §1). */
static void test_serve_fd(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PROC_DIR_MAX];
	char where[sizeof(sa.sun_path) + 8];
	char fdarg[32];
	struct uvfio_container *c;
	struct uvfio_device *d;
	pid_t pid;
	int lfd;

	(void)state;
	assert_int_equal(make_tmpdir(dir, sizeof(dir), "fd"), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/l.sock", dir);
	snprintf(where, sizeof(where), "unix:%s", sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0); /* inheritable: no CLOEXEC */
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", lfd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(UVFIO_SERVE_PATH, "uvfio-serve", "edu", "-q", fdarg, (char *)NULL);
		_exit(127);
	}
	close(lfd);
	assert_int_equal(open_device(where, &c, &d), 0);
	assert_int_equal(uvfio_device_enable(d), 0);
	assert_int_equal(uvfio_bar_read32(d, 0, 0), 0x010000ed);
	uvfio_device_close(d);
	uvfio_container_destroy(c);
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid, 5000), 0);
	remove_tmpdir(dir);
}

static int edu_run(const char *where, char *const *opts, int nopts)
{
	char *argv[16];
	int n = 0;

	argv[n++] = UVFIO_EDU_PATH;
	for (int i = 0; i < nopts && n < 14; i++)
		argv[n++] = opts[i];
	argv[n++] = (char *)where;
	argv[n] = NULL;
	return run_cmd(argv, out, sizeof(out), err, sizeof(err), RUN_MS);
}

static void expect_edu_ok(const char *where, char *const *opts, int nopts)
{
	int rc = edu_run(where, opts, nopts);

	if (rc != 0)
		fprintf(stderr, "uvfio-edu exited %d\n--- stdout\n%s--- stderr\n%s", rc, out, err);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "edu: identification 0x010000ed (version 1.0)\n"));
	assert_non_null(strstr(out, "edu: factorial 12 = 479001600 ok\n"));
	assert_non_null(strstr(out, "edu: DMA 4096 bytes RAM to edu to RAM, round 2 ok\n"));
	assert_non_null(strstr(out, " checks passed\n"));
	assert_null(strstr(out, "FAILED"));
}

static void test_edu_msi(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--irq", "msi", "--dma-size", "4096" };

	expect_edu_ok(s->where, opts, 4);
	assert_non_null(strstr(out, "edu: interrupts: msi\n"));
	/* 3 factorials, 2 raises, 2 rounds of 2 DMAs. */
	assert_non_null(strstr(out, "edu: interrupts received: 9 (msi)\n"));
}

static void test_edu_intx(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--irq", "intx" };

	expect_edu_ok(s->where, opts, 2);
	assert_non_null(strstr(out, "edu: interrupts received: 9 (intx)\n"));
}

static void test_edu_poll_no_fd(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--dma-no-fd" };

	expect_edu_ok(s->where, opts, 1);
	assert_null(strstr(out, "interrupts"));
}

static void test_edu_msi_no_fd(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--irq", "msi", "--dma-no-fd" };

	expect_edu_ok(s->where, opts, 3);
}

/* Same run twice on one server (state kept between clients): same output. */
static void test_edu_deterministic(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--irq", "intx", "--factorial", "5", "--factorial", "34",
			 "--factorial", "12", "--dma-size", "4096" };
	char *first = malloc(OUT_SIZE);

	assert_non_null(first);
	expect_edu_ok(s->where, opts, 10);
	assert_non_null(strstr(out, "edu: factorial 34 = 0 ok\n"));
	strcpy(first, out);
	expect_edu_ok(s->where, opts, 10);
	assert_string_equal(first, out);
	free(first);
}

static void test_edu_small_dma(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--irq", "msi", "--dma-size", "100", "--factorial", "7" };

	assert_int_equal(edu_run(s->where, opts, 6), 0);
	assert_non_null(strstr(out, "edu: factorial 7 = 5040 ok\n"));
	assert_non_null(strstr(out, "edu: DMA 100 bytes RAM to edu to RAM, round 1 ok\n"));
}

static void test_edu_bad_args(void **state)
{
	struct served *s = *state;
	char *bad_irq[] = { "--irq", "msix" };
	char *bad_size[] = { "--dma-size", "4097" };
	char *bad_size0[] = { "--dma-size", "0" };
	char *bad_fact[] = { "--factorial", "-1" };
	char *extra[] = { "unix:/nonexistent" };

	assert_int_equal(edu_run(s->where, bad_irq, 2), 2);
	assert_int_equal(edu_run(s->where, bad_size, 2), 2);
	assert_int_equal(edu_run(s->where, bad_size0, 2), 2);
	assert_int_equal(edu_run(s->where, bad_fact, 2), 2);
	assert_int_equal(edu_run(s->where, extra, 1), 2);
	{
		char *argv[] = { UVFIO_EDU_PATH, "unix:/a", "unix:/b", NULL };

		assert_int_equal(run_cmd(argv, out, sizeof(out), err, sizeof(err), RUN_MS), 2);
	}
	{
		char *argv[] = { UVFIO_EDU_PATH, "--help", NULL };

		assert_int_equal(run_cmd(argv, out, sizeof(out), err, sizeof(err), RUN_MS), 0);
		assert_non_null(strstr(out, "usage: uvfio-edu"));
	}
	/* No such device: exit 1, saying so. */
	assert_int_equal(edu_run("unix:/nonexistent/edu.sock", NULL, 0), 1);
	assert_non_null(strstr(err, "cannot open unix:/nonexistent/edu.sock"));
}

/*
 * No DEVICE: the PCI driver model finds the edu among $UVFIO_DEVICES (and
 * devices bound to vfio-pci, none here), with the same output.
 */
static void test_edu_found_by_driver_model(void **state)
{
	struct served *s = *state;
	char *opts[] = { "--irq", "msi" };
	char *argv[] = { UVFIO_EDU_PATH, "--irq", "msi", NULL };
	char *first = malloc(OUT_SIZE);

	assert_non_null(first);
	expect_edu_ok(s->where, opts, 2);
	strcpy(first, out);
	assert_int_equal(setenv("UVFIO_DEVICES", s->where, 1), 0);
	assert_int_equal(run_cmd(argv, out, sizeof(out), err, sizeof(err), RUN_MS), 0);
	assert_string_equal(first, out);
	/* Nothing to find: exit 1, saying so. */
	unsetenv("UVFIO_DEVICES");
	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK) != 0) {
		assert_int_equal(run_cmd(argv, out, sizeof(out), err, sizeof(err), RUN_MS), 1);
		assert_non_null(strstr(err, "no edu device"));
	}
	free(first);
}

/* Not an edu: a second client is refused, and the driver says so. */
static void test_edu_busy(void **state)
{
	struct served *s = *state;
	struct uvfio_container *c;
	struct uvfio_device *d;

	assert_int_equal(open_device(s->where, &c, &d), 0);
	assert_int_equal(edu_run(s->where, NULL, 0), 1);
	assert_non_null(strstr(err, "cannot open"));
	uvfio_device_close(d);
	uvfio_container_destroy(c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_serve_help),
	cmocka_unit_test(test_serve_bad_args),
	cmocka_unit_test(test_serve_sigterm),
	cmocka_unit_test(test_serve_fd),
	cmocka_unit_test_setup_teardown(test_edu_msi, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_intx, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_poll_no_fd, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_msi_no_fd, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_deterministic, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_small_dma, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_bad_args, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_busy, serve_setup, serve_teardown),
	cmocka_unit_test_setup_teardown(test_edu_found_by_driver_model, serve_setup,
					serve_teardown),
};

UVFIO_TEST_MAIN(tests)
