// SPDX-License-Identifier: MIT
/*
 * tests/integration/daemon/test-daemon.c - uvfiod and uvfioctl: types
 * (built-in and plugin), start/list/stop with available_instances falling
 * and rising, mtty's pty attributes, definitions that survive a restart and
 * auto-start, offline definitions, the error messages (daemon not running,
 * unknown type, unknown UUID, no instances left), malformed control
 * requests, and who may use the control socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dctl.h"
#include "proc.h"
#include "test.h"
#include "test_plugin.h"

static int setup(void **state)
{
	struct dmn *d = calloc(1, sizeof(*d));

	if (!d || dmn_init(d))
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	dmn_fini(*state);
	free(*state);
	return 0;
}

static void test_not_running(void **state)
{
	struct dmn *d = *state;
	char err[CTL_BUF];
	char want[256];

	snprintf(want, sizeof(want), "uvfiod is not running (no control socket at %s)", d->ctl);
	assert_int_equal(ctl(d, NULL, err, "list", (char *)NULL), 1);
	assert_non_null(strstr(err, want));
	assert_int_equal(ctl(d, NULL, err, "types", (char *)NULL), 1);
	assert_non_null(strstr(err, want));
	assert_int_equal(ctl(d, NULL, err, "start", "--type", "edu", (char *)NULL), 1);
	assert_non_null(strstr(err, want));
	/* Usage errors are 2, and need no daemon. */
	assert_int_equal(ctl(d, NULL, err, "stop", (char *)NULL), 2);
	assert_int_equal(ctl(d, NULL, err, "frobnicate", (char *)NULL), 2);
}

static void test_types(void **state)
{
	struct dmn *d = *state;
	char out[CTL_BUF];

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(ctl(d, out, NULL, "types", (char *)NULL), 0);
	assert_non_null(strstr(out, "edu\n  edu\n    Available instances: 16\n"
				    "    Device API: vfio-pci\n"));
	assert_non_null(strstr(out, "mtty\n  mtty-1\n    Available instances: 24\n"));
	assert_non_null(strstr(out, "  mtty-2\n    Available instances: 12\n"));
	assert_non_null(strstr(out, "    Name: Dual port serial\n"));
	/* The plugin's type; its wrong-ABI twin is refused, by file name. */
	assert_non_null(strstr(out, UVT_PARENT "\n  " UVT_TYPE "\n    Available instances: 4\n"));
	assert_true(dmn_log_has(d, TEST_PLUGIN_DIR "/" UVT_BADABI_FILE));
	assert_true(dmn_log_has(d, "rejected"));
	assert_int_equal(avail(d, "edu"), 16);
	assert_int_equal(dmn_stop(d), 0);
}

static void test_start_list_stop(void **state)
{
	struct dmn *d = *state;
	char uuid[64], sock[128], uuid2[64], sock2[128];
	char out[CTL_BUF];
	char err[CTL_BUF];
	char want[256];
	struct stat st;

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	snprintf(want, sizeof(want), "%s/%s.sock", d->run, uuid);
	assert_string_equal(sock, want);
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(avail(d, "edu"), 15);

	/* mtty-2 takes two of the parent's 24 ports. */
	assert_int_equal(start_instance(d, uuid2, sock2, "mtty-2", NULL, NULL), 0);
	assert_int_equal(avail(d, "mtty-1"), 22);
	assert_int_equal(avail(d, "mtty-2"), 11);

	assert_int_equal(ctl(d, out, NULL, "list", (char *)NULL), 0);
	snprintf(want, sizeof(want), "%s edu edu transient owner=%s socket=%s\n", uuid, me(), sock);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want),
		 "%s mtty mtty-2 transient owner=%s socket=%s port0_pty=/dev/pts/", uuid2, me(),
		 sock2);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, " port1_pty=/dev/pts/"));
	{
		/* The pty paths are real. */
		char *p = strstr(out, "port1_pty=") + strlen("port1_pty=");
		char pty[64];

		assert_int_equal(sscanf(p, "%63s", pty), 1);
		assert_int_equal(stat(pty, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
	assert_int_equal(ctl(d, out, NULL, "list", "--uuid", uuid, (char *)NULL), 0);
	assert_null(strstr(out, uuid2));
	assert_int_equal(ctl(d, out, NULL, "--json", "list", (char *)NULL), 0);
	assert_non_null(strstr(out, "\"socket\":"));
	assert_int_equal(ctl(d, out, NULL, "attrs", "--uuid", uuid2, (char *)NULL), 0);
	assert_non_null(strstr(out, "mdev_type=mtty-2\n"));
	assert_non_null(strstr(out, "port0_pty=/dev/pts/"));
	assert_int_equal(ctl(d, out, NULL, "attrs", "--type", "edu", (char *)NULL), 0);
	assert_non_null(strstr(out, "available_instances=15\n"));

	assert_int_equal(ctl(d, NULL, err, "stop", "--uuid", uuid, (char *)NULL), 0);
	assert_int_equal(lstat(sock, &st), -1);
	assert_int_equal(avail(d, "edu"), 16);
	assert_int_equal(ctl(d, NULL, NULL, "stop", "--uuid", uuid2, (char *)NULL), 0);
	assert_int_equal(avail(d, "mtty-1"), 24);
	assert_int_equal(ctl(d, out, NULL, "list", (char *)NULL), 0);
	assert_string_equal(out, "");

	/* A given UUID (upper case accepted, shown lower case). */
	assert_int_equal(ctl(d, out, NULL, "start", "--type", "edu", "--uuid",
			     "DEADBEEF-0000-4000-8000-000000000001", (char *)NULL),
			 0);
	assert_non_null(strstr(out, "deadbeef-0000-4000-8000-000000000001 "));
	assert_int_equal(ctl(d, NULL, err, "start", "--type", "edu", "--uuid",
			     "deadbeef-0000-4000-8000-000000000001", (char *)NULL),
			 1);
	assert_non_null(strstr(err, "already running"));
	assert_int_equal(dmn_stop(d), 0);
	/* uvfiod removes its sockets and pid file on the way out. */
	assert_int_equal(lstat(d->ctl, &st), -1);
	snprintf(want, sizeof(want), "%s/deadbeef-0000-4000-8000-000000000001.sock", d->run);
	assert_int_equal(lstat(want, &st), -1);
}

static void test_error_messages(void **state)
{
	struct dmn *d = *state;
	char uuid[64], sock[128];
	char err[CTL_BUF];
	const char *u = "01234567-89ab-4def-8123-456789abcdef";

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(ctl(d, NULL, err, "start", "--type", "nosuch", (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown type 'nosuch'"));
	assert_int_equal(ctl(d, NULL, err, "define", "--type", "nosuch", (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown type 'nosuch'"));
	assert_int_equal(ctl(d, NULL, err, "stop", "--uuid", u, (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown UUID"));
	assert_non_null(strstr(err, u));
	assert_int_equal(ctl(d, NULL, err, "start", "--uuid", u, (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown UUID"));
	assert_int_equal(ctl(d, NULL, err, "undefine", "--uuid", u, (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown UUID"));
	assert_int_equal(ctl(d, NULL, err, "modify", "--uuid", u, "--auto", (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown UUID"));
	assert_int_equal(ctl(d, NULL, err, "attrs", "--uuid", u, (char *)NULL), 1);
	assert_non_null(strstr(err, "unknown UUID"));
	assert_int_equal(ctl(d, NULL, err, "stop", "--uuid", "xyz", (char *)NULL), 2);
	assert_non_null(strstr(err, "not a UUID"));
	assert_int_equal(ctl(d, NULL, err, "start", "--type", "edu", "--owner", "no-such-user-x",
			     (char *)NULL),
			 1);
	assert_non_null(strstr(err, "unknown user 'no-such-user-x'"));
	assert_int_equal(
		ctl(d, NULL, err, "start", "--type", "mtty-1", "--parent", "edu", (char *)NULL), 1);
	assert_non_null(strstr(err, "does not belong to parent 'edu'"));

	/* No instances left: the plugin type allows 4. */
	for (int i = 0; i < UVT_MAX_INSTANCES; i++)
		assert_int_equal(start_instance(d, uuid, sock, UVT_TYPE, NULL, NULL), 0);
	assert_int_equal(avail(d, UVT_TYPE), 0);
	assert_int_equal(ctl(d, NULL, err, "start", "--type", UVT_TYPE, (char *)NULL), 1);
	assert_non_null(strstr(err, "no instances of type '" UVT_TYPE "' left"));
	assert_int_equal(ctl(d, NULL, NULL, "stop", "--uuid", uuid, (char *)NULL), 0);
	assert_int_equal(avail(d, UVT_TYPE), 1);
	assert_int_equal(start_instance(d, uuid, sock, UVT_TYPE, NULL, NULL), 0);
	assert_int_equal(dmn_stop(d), 0);
}

/* The daemon's cap on instances, whatever the type. */
static void test_daemon_cap(void **state)
{
	struct dmn *d = *state;
	char uuid[64], sock[128];
	char err[CTL_BUF];

	assert_int_equal(dmn_start(d, 2000, "--max-instances=3"), 0);
	assert_int_equal(avail(d, "edu"), 3);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "mtty-1", NULL, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, UVT_TYPE, NULL, NULL), 0);
	assert_int_equal(avail(d, "mtty-2"), 0);
	assert_int_equal(ctl(d, NULL, err, "start", "--type", "edu", (char *)NULL), 1);
	assert_non_null(strstr(err, "limit of running instances"));
	assert_int_equal(dmn_stop(d), 0);
}

static void test_definitions_restart(void **state)
{
	struct dmn *d = *state;
	const char *ua = "aaaaaaaa-0000-4000-8000-00000000000a";
	const char *um = "bbbbbbbb-0000-4000-8000-00000000000b";
	const char *uo = "cccccccc-0000-4000-8000-00000000000c";
	char out[CTL_BUF];
	char err[CTL_BUF];
	char path[256];
	struct stat st;

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(
		ctl(d, out, NULL, "define", "--type", "edu", "--uuid", ua, "--auto", (char *)NULL),
		0);
	assert_string_equal(out, "aaaaaaaa-0000-4000-8000-00000000000a\n");
	assert_int_equal(
		ctl(d, out, NULL, "define", "--type", "mtty-1", "--uuid", um, (char *)NULL), 0);
	assert_int_equal(ctl(d, NULL, err, "define", "--type", "edu", "--uuid", um, (char *)NULL),
			 1);
	assert_non_null(strstr(err, "already defined"));
	/* mdevctl's layout: <config-dir>/<parent>/<uuid>. */
	snprintf(path, sizeof(path), "%s/edu/%s", d->etc, ua);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/mtty/%s", d->etc, um);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(ctl(d, out, NULL, "list", "--defined", (char *)NULL), 0);
	assert_non_null(strstr(out, "aaaaaaaa-0000-4000-8000-00000000000a edu edu auto\n"));
	assert_non_null(strstr(out, "bbbbbbbb-0000-4000-8000-00000000000b mtty mtty-1 manual\n"));
	/* Defining does not start. */
	assert_int_equal(ctl(d, out, NULL, "list", (char *)NULL), 0);
	assert_string_equal(out, "");
	assert_int_equal(dmn_stop(d), 0);

	/* Offline: a definition written with no daemon running. */
	assert_int_equal(ctl(d, out, err, "define", "--parent", "mtty", "--type", "mtty-2",
			     "--uuid", uo, "--auto", (char *)NULL),
			 0);
	assert_non_null(strstr(err, "uvfiod is not running"));
	assert_int_equal(ctl(d, out, err, "list", "--defined", (char *)NULL), 0);
	assert_non_null(strstr(out, "cccccccc-0000-4000-8000-00000000000c mtty mtty-2 auto\n"));

	/* Restart: the "auto" ones run, the manual one does not. */
	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(ctl(d, out, NULL, "list", (char *)NULL), 0);
	assert_non_null(strstr(out, "aaaaaaaa-0000-4000-8000-00000000000a edu edu auto owner="));
	assert_non_null(strstr(out, "cccccccc-0000-4000-8000-00000000000c mtty mtty-2 auto"));
	assert_null(strstr(out, um));
	assert_int_equal(avail(d, "mtty-1"), 22);
	assert_int_equal(ctl(d, out, NULL, "list", "--defined", (char *)NULL), 0);
	assert_non_null(
		strstr(out, "aaaaaaaa-0000-4000-8000-00000000000a edu edu auto (active)\n"));
	assert_non_null(strstr(out, "bbbbbbbb-0000-4000-8000-00000000000b mtty mtty-1 manual\n"));

	/* start --uuid of a defined one. */
	assert_int_equal(ctl(d, out, NULL, "start", "--uuid", um, (char *)NULL), 0);
	assert_non_null(strstr(out, um));
	assert_int_equal(ctl(d, out, NULL, "list", "--uuid", um, (char *)NULL), 0);
	assert_non_null(strstr(out, "bbbbbbbb-0000-4000-8000-00000000000b mtty mtty-1 manual"));

	/* modify: type (new parent dir) and start policy. */
	assert_int_equal(
		ctl(d, NULL, NULL, "modify", "--uuid", um, "--type", "edu", "--auto", (char *)NULL),
		0);
	snprintf(path, sizeof(path), "%s/mtty/%s", d->etc, um);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/edu/%s", d->etc, um);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(ctl(d, NULL, NULL, "modify", "--uuid", ua, "--manual", (char *)NULL), 0);
	assert_int_equal(ctl(d, out, NULL, "list", "--defined", (char *)NULL), 0);
	assert_non_null(
		strstr(out, "aaaaaaaa-0000-4000-8000-00000000000a edu edu manual (active)\n"));
	assert_non_null(
		strstr(out, "bbbbbbbb-0000-4000-8000-00000000000b edu edu auto (active)\n"));

	/* undefine leaves the running instance alone (as mdevctl). */
	assert_int_equal(ctl(d, NULL, NULL, "undefine", "--uuid", uo, (char *)NULL), 0);
	assert_int_equal(ctl(d, out, NULL, "list", "--uuid", uo, (char *)NULL), 0);
	assert_non_null(strstr(out, "cccccccc-0000-4000-8000-00000000000c mtty mtty-2 transient"));
	assert_int_equal(ctl(d, out, NULL, "list", "--defined", (char *)NULL), 0);
	assert_null(strstr(out, uo));

	/* define --uuid of a running transient instance keeps its type. */
	assert_int_equal(ctl(d, NULL, NULL, "define", "--uuid", uo, (char *)NULL), 0);
	assert_int_equal(ctl(d, out, NULL, "list", "--defined", (char *)NULL), 0);
	assert_non_null(strstr(out, "cccccccc-0000-4000-8000-00000000000c mtty mtty-2 manual"));
	assert_int_equal(dmn_stop(d), 0);

	/* Second restart: the modified policies hold. */
	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(ctl(d, out, NULL, "list", (char *)NULL), 0);
	assert_null(strstr(out, ua));
	assert_null(strstr(out, uo));
	assert_non_null(strstr(out, "bbbbbbbb-0000-4000-8000-00000000000b edu edu auto"));
	assert_int_equal(dmn_stop(d), 0);
}

/* One request line, one reply line, on a raw control connection. */
static void raw_request_len(const struct dmn *d, const char *req, size_t len, char *reply,
			    size_t rlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t have = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->ctl);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	while (have < rlen - 1) {
		ssize_t n = recv(fd, reply + have, rlen - 1 - have, 0);

		if (n <= 0)
			break;
		have += (size_t)n;
		if (reply[have - 1] == '\n')
			break;
	}
	reply[have] = '\0';
	close(fd);
}

static void raw_request(const struct dmn *d, const char *req, char *reply, size_t rlen)
{
	raw_request_len(d, req, strlen(req), reply, rlen);
}

static void test_malformed_requests(void **state)
{
	struct dmn *d = *state;
	char reply[1024];
	char *big;

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	raw_request(d, "garbage\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"ok\":false"));
	assert_non_null(strstr(reply, "malformed request"));
	raw_request(d, "[1,2]\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "not a JSON object"));
	raw_request(d, "{\"op\":\"frob\"}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "unknown op 'frob'"));
	raw_request(d, "{\"op\":42}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "without an \\\"op\\\""));
	raw_request(d, "{\"op\":\"start\",\"type\":[]}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "must be strings"));
	raw_request(d,
		    "{\"op\":\"stop\",\"uuid\":\"01234567-89ab-4def-8123-456789abcdef\","
		    "\"timeout_ms\":\"x\"}\n",
		    reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"ok\":false"));
	big = malloc(100 * 1024);
	memset(big, 'x', 100 * 1024);
	raw_request_len(d, big, 100 * 1024, reply, sizeof(reply));
	free(big);
	assert_non_null(strstr(reply, "request too long"));
	/* A well-formed request still works after all that. */
	raw_request(d, "{\"op\":\"version\"}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"ok\":true"));
	assert_non_null(strstr(reply, "\"protocol\":1"));
	/* Still alive and well. */
	assert_int_equal(avail(d, "edu"), 16);
	assert_int_equal(dmn_stop(d), 0);
}

/* Anyone may read; only root or the daemon's user may change anything. */
static void test_control_permissions(void **state)
{
	struct dmn *d = *state;
	char out[CTL_BUF];
	char err[CTL_BUF];
	char *list[] = {UVFIOCTL_PATH, "--runtime-dir", d->run, "list", NULL};
	char *types[] = {UVFIOCTL_PATH, "--runtime-dir", d->run, "types", NULL};
	char *start[] = {UVFIOCTL_PATH, "--runtime-dir", d->run, "start", "--type", "edu", NULL};
	char uuid[64], sock[128];
	char *stop[] = {UVFIOCTL_PATH, "--runtime-dir", d->run, "stop", "--uuid", uuid, NULL};

	if (geteuid() != 0) {
		UVFIO_SKIP("needs root to act as another user");
		return;
	}
	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	assert_int_equal(run_as(NOBODY_UID, list, out, err, 10000), 0);
	assert_non_null(strstr(out, uuid));
	assert_int_equal(run_as(NOBODY_UID, types, out, err, 10000), 0);
	assert_non_null(strstr(out, "mtty-2"));
	assert_int_equal(run_as(NOBODY_UID, start, out, err, 10000), 1);
	assert_non_null(strstr(err, "permission denied"));
	assert_int_equal(run_as(NOBODY_UID, stop, out, err, 10000), 1);
	assert_non_null(strstr(err, "permission denied"));
	assert_int_equal(avail(d, "edu"), 15);
	assert_true(dmn_log_has(d, "may not start"));
	assert_int_equal(dmn_stop(d), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_not_running, setup, teardown),
	cmocka_unit_test_setup_teardown(test_types, setup, teardown),
	cmocka_unit_test_setup_teardown(test_start_list_stop, setup, teardown),
	cmocka_unit_test_setup_teardown(test_error_messages, setup, teardown),
	cmocka_unit_test_setup_teardown(test_daemon_cap, setup, teardown),
	cmocka_unit_test_setup_teardown(test_definitions_restart, setup, teardown),
	cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
	cmocka_unit_test_setup_teardown(test_control_permissions, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
