// SPDX-License-Identifier: MIT
/*
 * tests/integration/daemon/test-daemon-clients.c - uvfiod's instances with
 * clients on them:
 *
 *  - `uvfioctl stop` and SIGTERM raise REQ on a connected client; a driver
 *    of the library's PCI driver model removes itself (remove callback,
 *    device closed) and the stop completes long before the timeout;
 *  - a client that ignores REQ is disconnected at the timeout and uvfiod
 *    still exits 0;
 *  - only an instance's owner (or root) can connect: the socket's mode, then
 *    SO_PEERCRED, checked with a child that becomes nobody;
 *  - a plugin's type started and driven through the driver library;
 *  - eight instances (4 edu, 4 mtty) served at once to eight clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "dctl.h"
#include "proc.h"
#include "test.h"
#include "test_plugin.h"

/* edu.md: the identification register and the device's IDs. */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_IDENT 0x010000edu
/* Stop timeout given to uvfiod where a REQ must make the stop quick. */
#define LONG_STOP_MS 20000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

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

/*
 * A user-level driver on the library's PCI driver model, in a thread of its
 * own running the bus's loop (which serves REQ: lib/driver/pcidrv.c).
 */
struct edu_client {
	char where[160];
	pthread_t thread;
	int probed; /* atomics */
	int removed;
	int ident_ok;
	int stop;
	int register_rc;
};

static struct edu_client *current;

static int edu_probe(struct uvfio_pci_dev *p, const struct uvfio_pci_device_id *id)
{
	(void)id;
	/* Linux drivers: pci_enable_device() before touching BARs. */
	if (uvfio_device_enable(p->dev) == 0 && uvfio_bar_read32(p->dev, 0, 0) == EDU_IDENT)
		__atomic_store_n(&current->ident_ok, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&current->probed, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void edu_remove(struct uvfio_pci_dev *p)
{
	(void)p;
	__atomic_store_n(&current->removed, 1, __ATOMIC_SEQ_CST);
}

static const struct uvfio_pci_device_id edu_ids[] = {
	{UVFIO_PCI_DEVICE(EDU_VENDOR, EDU_DEVICE)},
	{0},
};

static const struct uvfio_pci_driver edu_drv = {
	.name = "test-edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

static void *client_thread(void *arg)
{
	struct edu_client *cl = arg;
	struct uvfio_container *c = NULL;
	struct uvfio_loop *loop = NULL;
	struct uvfio_pci_bus *bus = NULL;
	long long deadline = now_ms() + 60000;

	if (uvfio_container_create(&c) || uvfio_loop_create(&loop) ||
	    uvfio_pci_bus_create(c, loop, cl->where, &bus)) {
		__atomic_store_n(&cl->register_rc, -EIO, __ATOMIC_SEQ_CST);
		goto out;
	}
	cl->register_rc = uvfio_pci_bus_register(bus, &edu_drv);
	while (!__atomic_load_n(&cl->removed, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&cl->stop, __ATOMIC_SEQ_CST) && now_ms() < deadline)
		uvfio_loop_run_once(loop, 50);
out:
	if (bus)
		uvfio_pci_bus_destroy(bus);
	if (loop)
		uvfio_loop_destroy(loop);
	if (c)
		uvfio_container_destroy(c);
	return NULL;
}

static void client_start(struct edu_client *cl, const char *sock)
{
	memset(cl, 0, sizeof(*cl));
	current = cl;
	snprintf(cl->where, sizeof(cl->where), "unix:%s", sock);
	assert_int_equal(pthread_create(&cl->thread, NULL, client_thread, cl), 0);
	for (int i = 0; i < 500 && !__atomic_load_n(&cl->probed, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	assert_true(__atomic_load_n(&cl->probed, __ATOMIC_SEQ_CST));
	assert_true(__atomic_load_n(&cl->ident_ok, __ATOMIC_SEQ_CST));
}

static void client_join(struct edu_client *cl)
{
	__atomic_store_n(&cl->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(cl->thread, NULL);
	current = NULL;
}

static bool list_has(const struct dmn *d, const char *needle)
{
	char out[CTL_BUF];

	return ctl(d, out, NULL, "list", (char *)NULL) == 0 && strstr(out, needle);
}

/* `uvfioctl stop` with a driver bound: REQ, the driver removes itself, quick. */
static void test_req_on_stop(void **state)
{
	struct dmn *d = *state;
	struct edu_client cl;
	char uuid[64], sock[128];
	char err[CTL_BUF];
	char want[256];
	long long t0;

	assert_int_equal(dmn_start(d, LONG_STOP_MS, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	client_start(&cl, sock);
	snprintf(want, sizeof(want), "owner=%s socket=%s connected", me(), sock);
	assert_true(list_has(d, want));

	t0 = now_ms();
	assert_int_equal(ctl(d, NULL, err, "stop", "--uuid", uuid, (char *)NULL), 0);
	assert_true(now_ms() - t0 < LONG_STOP_MS / 4);
	assert_true(__atomic_load_n(&cl.removed, __ATOMIC_SEQ_CST));
	client_join(&cl);
	assert_true(dmn_log_has(d, "REQ raised"));
	assert_false(dmn_log_has(d, "did not release"));
	assert_false(list_has(d, uuid));
	assert_int_equal(avail(d, "edu"), 16);
	assert_int_equal(dmn_stop(d), 0);
}

/* SIGTERM: REQ on every client, they leave, uvfiod exits 0 and cleans up. */
static void test_req_on_sigterm(void **state)
{
	struct dmn *d = *state;
	struct edu_client cl;
	char uuid[64], sock[128], uuid2[64], sock2[128];
	struct stat st;
	long long t0;
	pid_t pid;

	assert_int_equal(dmn_start(d, LONG_STOP_MS, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	assert_int_equal(start_instance(d, uuid2, sock2, "mtty-2", NULL, NULL), 0);
	client_start(&cl, sock);

	pid = d->pid;
	t0 = now_ms();
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid, 15000), 0);
	d->pid = -1;
	assert_true(now_ms() - t0 < LONG_STOP_MS / 4);
	assert_true(__atomic_load_n(&cl.removed, __ATOMIC_SEQ_CST));
	client_join(&cl);
	assert_true(dmn_log_has(d, "REQ raised"));
	assert_int_equal(lstat(sock, &st), -1);
	assert_int_equal(lstat(sock2, &st), -1);
	assert_int_equal(lstat(d->ctl, &st), -1);
}

static int connect_raw(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A client that never registered REQ is cut off at the timeout; exit is still 0. */
static void test_sigterm_stubborn_client(void **state)
{
	struct dmn *d = *state;
	char uuid[64], sock[128];
	long long t0;
	pid_t pid;
	char c;
	int fd;

	assert_int_equal(dmn_start(d, 500, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	fd = connect_raw(sock);
	assert_true(fd >= 0);
	for (int i = 0; i < 200 && !list_has(d, " connected"); i++)
		sleep_ms(10);
	assert_true(list_has(d, " connected"));
	pid = d->pid;
	t0 = now_ms();
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid, 15000), 0);
	d->pid = -1;
	assert_true(now_ms() - t0 >= 450);
	assert_true(now_ms() - t0 < 5000);
	assert_true(dmn_log_has(d, "did not release the device within 500 ms"));
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);
}

/*
 * In a child that becomes @uid: open @where with the driver library and
 * read the vendor ID.  Exit status: 0 opened and read @vendor, 1 could not
 * open, 2 wrong ID, 126 could not switch user.
 */
static int open_as(uid_t uid, const char *where, uint16_t vendor)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct uvfio_container *c;
		struct uvfio_device *dev;
		uint16_t v = 0;

		if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid(uid) < 0)
			_exit(126);
		if (uvfio_container_create(&c) || uvfio_device_open(c, where, &dev))
			_exit(1);
		if (uvfio_config_read16(dev, PCI_VENDOR_ID, &v) || v != vendor)
			_exit(2);
		uvfio_device_close(dev);
		uvfio_container_destroy(c);
		_exit(0);
	}
	return wait_exit(pid, 20000);
}

static void test_owner_only(void **state)
{
	struct dmn *d = *state;
	char uuid[64], sock[128], uuid2[64], sock2[128];
	char where[160], where2[160];
	char out[CTL_BUF];
	struct uvfio_container *c;
	struct uvfio_device *dev;
	struct stat st;

	if (geteuid() != 0) {
		UVFIO_SKIP("needs root to act as another user");
		return;
	}
	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, "edu", NULL, NULL), 0);
	assert_int_equal(start_instance(d, uuid2, sock2, "edu", "--owner", "65534"), 0);
	snprintf(where, sizeof(where), "unix:%s", sock);
	snprintf(where2, sizeof(where2), "unix:%s", sock2);
	assert_int_equal(stat(sock2, &st), 0);
	assert_int_equal(st.st_uid, NOBODY_UID);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ctl(d, out, NULL, "list", "--uuid", uuid2, (char *)NULL), 0);
	assert_non_null(strstr(out, "owner=nobody"));

	/* Root's instance: the socket's mode keeps nobody out... */
	assert_int_equal(open_as(NOBODY_UID, where, EDU_VENDOR), 1);
	/* ...and with the mode opened up, SO_PEERCRED still does. */
	assert_int_equal(chmod(sock, 0666), 0);
	assert_int_equal(open_as(NOBODY_UID, where, EDU_VENDOR), 1);
	assert_true(dmn_log_has(d, "connection from uid 65534"));
	assert_true(dmn_log_has(d, "refused: the owner is uid 0"));
	/* The owner gets in; so does root. */
	assert_int_equal(open_as(NOBODY_UID, where2, EDU_VENDOR), 0);
	assert_int_equal(open_device(where2, &c, &dev), 0);
	uvfio_device_close(dev);
	uvfio_container_destroy(c);
	/* And root's own instance still works for root. */
	assert_int_equal(open_device(where, &c, &dev), 0);
	uvfio_device_close(dev);
	uvfio_container_destroy(c);
	assert_int_equal(dmn_stop(d), 0);
}

/* The plugin's type: started, listed with its attributes, driven. */
static void test_plugin_driven(void **state)
{
	struct dmn *d = *state;
	char uuid[64], sock[128];
	char where[160];
	char out[CTL_BUF];
	struct uvfio_container *c;
	struct uvfio_device *dev;
	uint16_t v16;
	uint32_t v32;

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	assert_int_equal(start_instance(d, uuid, sock, UVT_TYPE, "--attr", "scratch=7"), 0);
	assert_int_equal(ctl(d, out, NULL, "list", "--uuid", uuid, (char *)NULL), 0);
	assert_non_null(strstr(out, " " UVT_PARENT " " UVT_TYPE " transient"));
	assert_non_null(strstr(out, " plugin=uvfio-test-plugin scratch=7"));
	snprintf(where, sizeof(where), "unix:%s", sock);

	assert_int_equal(open_device(where, &c, &dev), 0);
	assert_int_equal(uvfio_config_read16(dev, PCI_VENDOR_ID, &v16), 0);
	assert_int_equal(v16, UVT_VENDOR);
	assert_int_equal(uvfio_config_read16(dev, PCI_DEVICE_ID, &v16), 0);
	assert_int_equal(v16, UVT_DEVICE);
	assert_int_equal(uvfio_config_read32(dev, PCI_CLASS_REVISION, &v32), 0);
	assert_int_equal(v32 >> 8, UVT_CLASS);
	assert_int_equal(uvfio_device_enable(dev), 0);
	assert_int_equal(uvfio_bar_read32(dev, 0, UVT_REG_MAGIC), UVT_MAGIC);
	assert_int_equal(uvfio_bar_read32(dev, 0, UVT_REG_SCRATCH), 7);
	assert_int_equal(uvfio_bar_write32(dev, 0, UVT_REG_SCRATCH, 0xfeed), 0);
	uvfio_device_close(dev);
	uvfio_container_destroy(c);

	/* Device state outlives the client (contract: disconnect keeps state). */
	assert_int_equal(open_device(where, &c, &dev), 0);
	assert_int_equal(uvfio_device_enable(dev), 0);
	assert_int_equal(uvfio_bar_read32(dev, 0, UVT_REG_SCRATCH), 0xfeed);
	uvfio_device_close(dev);
	uvfio_container_destroy(c);
	assert_int_equal(ctl(d, out, NULL, "attrs", "--uuid", uuid, (char *)NULL), 0);
	assert_non_null(strstr(out, "scratch=65261\n"));
	assert_int_equal(dmn_stop(d), 0);
}

/* fork/exec @argv with stdout and stderr to @outpath. */
static pid_t spawn(char *const argv[], const char *outpath)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static bool file_has(const char *path, const char *needle)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Eight instances, eight clients at once, each device working. */
static void test_eight_at_once(void **state)
{
	struct dmn *d = *state;
	enum { N = 8 };
	char uuid[N][64], sock[N][128], where[N][160], outp[N][128];
	pid_t pid[N];
	char out[CTL_BUF];
	int lines = 0;

	assert_int_equal(dmn_start(d, 2000, NULL), 0);
	for (int i = 0; i < N; i++) {
		const char *type = i < 4 ? "edu" : (i < 6 ? "mtty-1" : "mtty-2");

		assert_int_equal(start_instance(d, uuid[i], sock[i], type, NULL, NULL), 0);
		snprintf(where[i], sizeof(where[i]), "unix:%s", sock[i]);
		snprintf(outp[i], sizeof(outp[i]), "%s/client-%d.out", d->dir, i);
	}
	assert_int_equal(ctl(d, out, NULL, "list", (char *)NULL), 0);
	for (char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, N);

	for (int i = 0; i < N; i++) {
		if (i < 4) {
			char *argv[] = {UVFIO_EDU_PATH, "--irq", i & 1 ? "msi" : "intx", where[i],
					NULL};

			pid[i] = spawn(argv, outp[i]);
		} else {
			/* mtty-2 instances: port 1, so both BARs are used across the set. */
			char *argv[] = {UVFIO_SERIAL_PATH, "--loopback",
					"--test-pattern",  "8192",
					"--port",	   i >= 6 ? "1" : "0",
					"--irq",	   i & 1 ? "msi" : "intx",
					where[i],	   NULL};

			pid[i] = spawn(argv, outp[i]);
		}
		assert_true(pid[i] > 0);
	}
	for (int i = 0; i < N; i++) {
		int rc = wait_exit(pid[i], 60000);

		if (rc != 0)
			fprintf(stderr, "client %d (%s) exited %d\n", i, where[i], rc);
		assert_int_equal(rc, 0);
		if (i < 4)
			assert_true(file_has(outp[i], "checks passed"));
		else
			assert_true(file_has(outp[i], "test pattern: 8192 bytes OK"));
	}
	/* Each instance served its own client; nothing was refused. */
	assert_false(dmn_log_has(d, "refusing"));
	assert_false(dmn_log_has(d, "serving the client"));
	assert_false(dmn_log_has(d, "accept:"));
	assert_int_equal(dmn_stop(d), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_req_on_stop, setup, teardown),
	cmocka_unit_test_setup_teardown(test_req_on_sigterm, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sigterm_stubborn_client, setup, teardown),
	cmocka_unit_test_setup_teardown(test_owner_only, setup, teardown),
	cmocka_unit_test_setup_teardown(test_plugin_driven, setup, teardown),
	cmocka_unit_test_setup_teardown(test_eight_at_once, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
