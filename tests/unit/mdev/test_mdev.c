// SPDX-License-Identifier: MIT
/*
 * tests/unit/mdev/test_mdev.c - lib/mdev in process: parent registration,
 * instances by UUID, available_instances accounting, attributes, the
 * instance socket (mode, one client at a time, EBUSY for a second),
 * removal with a client that does not leave, plugins (good, wrong ABI, not
 * a plugin, missing).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/mdev.h>

#include "proto/proto.h"
#include "test.h"
#include "test_plugin.h"

#define PLUGIN_DIR UVFIO_BUILD_ROOT "/tests/plugins"

/*
 * Log capture.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[16384];

static void log_cb(void *opaque, int level, const char *msg)
{
	size_t n;

	(void)opaque;
	(void)level;
	pthread_mutex_lock(&log_lock);
	n = strlen(log_buf);
	snprintf(log_buf + n, sizeof(log_buf) - n, "%s\n", msg);
	pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *needle)
{
	bool r;

	pthread_mutex_lock(&log_lock);
	r = strstr(log_buf, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return r;
}

static void log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_buf[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

/*
 * A fake vendor driver: parent "fake" with capacity 5, types "fake-1"
 * (weight 1) and "fake-2" (weight 2, at most 2 instances).
 */
struct fake_counts {
	int created;
	int removed;
	int opened;
	int released;
	char last_attrs[256];
};
static struct fake_counts fc;
static int fail_create;

static int fake_create(struct uvfio_mdev *m, void *parent_priv,
		       const struct uvfio_mdev_type_info *type, struct uvfio_dev **out,
		       void **drvdata)
{
	static const struct uvfio_dev_ops ops = {.version = UVFIO_DEV_OPS_VERSION};
	const struct uvfio_dev_pci_id id = {.vendor = 0x1234, .device = 0x0f0f};
	int ret;

	(void)parent_priv;
	(void)type;
	if (fail_create)
		return fail_create;
	ret = uvfio_dev_create(&ops, NULL, &id, 0, out);
	if (ret)
		return ret;
	uvfio_dev_set_log(*out, uvfio_mdev_dev_log, m);
	*drvdata = (void *)0x5a;
	fc.created++;
	return 0;
}

static void fake_remove(struct uvfio_mdev *m, void *parent_priv, struct uvfio_dev *dev,
			void *drvdata)
{
	(void)m;
	(void)parent_priv;
	assert_ptr_equal(drvdata, (void *)0x5a);
	uvfio_dev_destroy(dev);
	fc.removed++;
}

static void fake_open(struct uvfio_mdev *m, void *drvdata)
{
	(void)m;
	(void)drvdata;
	__atomic_add_fetch(&fc.opened, 1, __ATOMIC_SEQ_CST);
}

static void fake_release(struct uvfio_mdev *m, void *drvdata)
{
	(void)m;
	(void)drvdata;
	__atomic_add_fetch(&fc.released, 1, __ATOMIC_SEQ_CST);
}

static void fake_show(struct uvfio_mdev *m, void *drvdata, uvfio_mdev_attr_fn emit, void *ctx)
{
	(void)m;
	(void)drvdata;
	emit(ctx, "vendor_thing", "42");
}

static int fake_store(struct uvfio_mdev *m, void *drvdata, const char *name, const char *value)
{
	size_t n = strlen(fc.last_attrs);

	(void)m;
	(void)drvdata;
	if (strcmp(name, "bad") == 0)
		return -EINVAL;
	snprintf(fc.last_attrs + n, sizeof(fc.last_attrs) - n, "%s=%s;", name, value);
	return 0;
}

static const struct uvfio_mdev_parent_ops fake_ops = {
	.version = UVFIO_MDEV_OPS_VERSION,
	.create = fake_create,
	.remove = fake_remove,
	.open = fake_open,
	.release = fake_release,
	.show_attrs = fake_show,
	.store_attr = fake_store,
};

static const struct uvfio_mdev_type_info fake_types[] = {
	{.name = "fake-1", .description = "one unit"},
	{.name = "fake-2", .pretty_name = "Two units", .weight = 2, .max_instances = 2},
};

static const struct uvfio_mdev_parent_info fake_parent = {
	.name = "fake",
	.ops = &fake_ops,
	.capacity = 5,
	.types = fake_types,
	.nr_types = 2,
};

/*
 * Fixture: a core on a temporary runtime directory.
 */
struct fx {
	char dir[64];
	struct uvfio_mdev_core *core;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	memset(&fc, 0, sizeof(fc));
	fail_create = 0;
	log_clear();
	snprintf(f->dir, sizeof(f->dir), "/tmp/uvfio-mdev-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (uvfio_mdev_core_create(&(struct uvfio_mdev_core_config){.runtime_dir = f->dir,
								    .max_instances = 6,
								    .log = log_cb},
				   &f->core))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	uvfio_mdev_core_destroy(f->core, 100);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Attribute @name of type or instance as a string (static buffer). */
struct one_attr {
	const char *name;
	char value[256];
};

static void get_one(void *ctx, const char *name, const char *value)
{
	struct one_attr *a = ctx;

	if (strcmp(name, a->name) == 0)
		snprintf(a->value, sizeof(a->value), "%s", value);
}

static const char *type_attr(struct uvfio_mdev_core *core, const char *type, const char *name)
{
	static struct one_attr a;

	a.name = name;
	a.value[0] = '\0';
	if (uvfio_mdev_type_attrs(core, type, get_one, &a))
		return "(no type)";
	return a.value;
}

static const char *inst_attr(struct uvfio_mdev_core *core, const char *uuid, const char *name)
{
	static struct one_attr a;

	a.name = name;
	a.value[0] = '\0';
	if (uvfio_mdev_attrs(core, uuid, get_one, &a))
		return "(no instance)";
	return a.value;
}

static int avail(struct uvfio_mdev_core *core, const char *type)
{
	return atoi(type_attr(core, type, "available_instances"));
}

static int create(struct uvfio_mdev_core *core, const char *type, const char *uuid, char *out)
{
	return uvfio_mdev_create(
		core,
		&(struct uvfio_mdev_create_args){.type = type, .uuid = uuid, .owner = (uid_t)-1},
		out, NULL);
}

/*
 * Tests.
 */

static void test_register_rules(void **state)
{
	struct fx *f = *state;
	struct uvfio_mdev_parent_info bad = fake_parent;
	struct uvfio_mdev_parent_ops ops = fake_ops;
	struct uvfio_mdev_type_info types[2] = {fake_types[0], fake_types[1]};

	bad.name = "bad/name";
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EINVAL);
	bad = fake_parent;
	bad.nr_types = 0;
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EINVAL);
	bad = fake_parent;
	ops.version = UVFIO_MDEV_OPS_VERSION + 1;
	bad.ops = &ops;
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EINVAL);
	ops = fake_ops;
	ops.create = NULL;
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EINVAL);
	bad = fake_parent;
	types[1].name = "fake-1";
	bad.types = types;
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EEXIST);
	types[1] = fake_types[1];
	types[1].device_api = "vfio-platform";
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EINVAL);

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), -EEXIST);
	/* Another parent may not reuse a type name either. */
	bad = fake_parent;
	bad.name = "other";
	assert_int_equal(uvfio_mdev_parent_register(f->core, &bad, NULL), -EEXIST);
	assert_string_equal(uvfio_mdev_type_parent(f->core, "fake-2"), "fake");
	assert_null(uvfio_mdev_type_parent(f->core, "nope"));
}

static void test_type_attrs(void **state)
{
	struct fx *f = *state;

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_string_equal(type_attr(f->core, "fake-1", "parent"), "fake");
	assert_string_equal(type_attr(f->core, "fake-1", "name"), "fake-1");
	assert_string_equal(type_attr(f->core, "fake-2", "name"), "Two units");
	assert_string_equal(type_attr(f->core, "fake-1", "description"), "one unit");
	assert_string_equal(type_attr(f->core, "fake-1", "device_api"), "vfio-pci");
	assert_string_equal(type_attr(f->core, "fake-1", "available_instances"), "5");
	assert_string_equal(type_attr(f->core, "fake-2", "available_instances"), "2");
	assert_string_equal(type_attr(f->core, "nope", "name"), "(no type)");
}

/* available_instances falls as instances are made and rises as they go. */
static void test_available_accounting(void **state)
{
	struct fx *f = *state;
	char u[4][UVFIO_MDEV_UUID_LEN];

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(create(f->core, "fake-2", NULL, u[0]), 0);
	assert_int_equal(avail(f->core, "fake-1"), 3);
	assert_int_equal(avail(f->core, "fake-2"), 1);
	assert_int_equal(create(f->core, "fake-2", NULL, u[1]), 0);
	assert_int_equal(avail(f->core, "fake-1"), 1);
	/* Capacity 1 left, and fake-2's own cap of 2 is reached. */
	assert_int_equal(avail(f->core, "fake-2"), 0);
	assert_int_equal(create(f->core, "fake-2", NULL, NULL), -ENOSPC);
	assert_int_equal(create(f->core, "fake-1", NULL, u[2]), 0);
	assert_int_equal(avail(f->core, "fake-1"), 0);
	assert_int_equal(create(f->core, "fake-1", NULL, NULL), -ENOSPC);
	assert_int_equal(uvfio_mdev_count(f->core), 3);
	assert_string_equal(type_attr(f->core, "fake-2", "instances"), "2");

	assert_int_equal(uvfio_mdev_remove(f->core, u[0], 100), 0);
	assert_int_equal(avail(f->core, "fake-1"), 2);
	assert_int_equal(avail(f->core, "fake-2"), 1);
	assert_int_equal(uvfio_mdev_remove(f->core, u[0], 100), -ENOENT);
	assert_int_equal(uvfio_mdev_remove(f->core, u[1], 100), 0);
	assert_int_equal(uvfio_mdev_remove(f->core, u[2], 100), 0);
	assert_int_equal(avail(f->core, "fake-1"), 5);
	assert_int_equal(avail(f->core, "fake-2"), 2);
	assert_int_equal(fc.created, 3);
	assert_int_equal(fc.removed, 3);
	assert_int_equal(uvfio_mdev_count(f->core), 0);
}

/* The core's own cap (6 here) limits every type and reads as -EDQUOT. */
static void test_core_cap(void **state)
{
	struct fx *f = *state;
	struct uvfio_mdev_parent_info big = fake_parent;
	struct uvfio_mdev_type_info t = {.name = "many"};

	big.name = "big";
	big.capacity = 0; /* unlimited */
	big.types = &t;
	big.nr_types = 1;
	assert_int_equal(uvfio_mdev_parent_register(f->core, &big, NULL), 0);
	assert_int_equal(avail(f->core, "many"), 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(create(f->core, "many", NULL, NULL), 0);
	assert_int_equal(avail(f->core, "many"), 0);
	assert_int_equal(create(f->core, "many", NULL, NULL), -EDQUOT);
	uvfio_mdev_core_shutdown(f->core, 100);
	assert_int_equal(uvfio_mdev_count(f->core), 0);
	assert_int_equal(avail(f->core, "many"), 6);
}

static void test_uuids(void **state)
{
	struct fx *f = *state;
	char u[UVFIO_MDEV_UUID_LEN];
	char g1[UVFIO_MDEV_UUID_LEN];
	char g2[UVFIO_MDEV_UUID_LEN];

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(create(f->core, "fake-1", "A1B2C3D4-0000-4000-8000-00000000000F", u), 0);
	assert_string_equal(u, "a1b2c3d4-0000-4000-8000-00000000000f");
	assert_int_equal(create(f->core, "fake-1", "a1b2c3d4-0000-4000-8000-00000000000f", NULL),
			 -EEXIST);
	assert_int_equal(create(f->core, "fake-1", "not-a-uuid", NULL), -EINVAL);
	assert_int_equal(create(f->core, "fake-1", "a1b2c3d4-0000-4000-8000-00000000000f0", NULL),
			 -EINVAL);
	assert_int_equal(create(f->core, "nope", NULL, NULL), -ENOENT);
	assert_int_equal(uvfio_mdev_create(f->core,
					   &(struct uvfio_mdev_create_args){.parent = "other",
									    .type = "fake-1",
									    .owner = (uid_t)-1},
					   NULL, NULL),
			 -ENOENT);
	/* Generated UUIDs are valid, lower-case and distinct. */
	assert_int_equal(create(f->core, "fake-1", NULL, g1), 0);
	assert_int_equal(create(f->core, "fake-1", NULL, g2), 0);
	assert_true(uvfio_mdev_valid_uuid(g1));
	assert_string_not_equal(g1, g2);
	for (const char *c = g1; *c; c++)
		assert_false(*c >= 'A' && *c <= 'F');
	/* Removal takes any case too. */
	assert_int_equal(uvfio_mdev_remove(f->core, "A1B2C3D4-0000-4000-8000-00000000000F", 100),
			 0);
	assert_int_equal(uvfio_mdev_remove(f->core, "junk", 100), -EINVAL);
}

static void test_instance_attrs_and_socket(void **state)
{
	struct fx *f = *state;
	char u[UVFIO_MDEV_UUID_LEN];
	char path[128];
	struct stat st;

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(create(f->core, "fake-2", NULL, u), 0);
	snprintf(path, sizeof(path), "%s/%s.sock", f->dir, u);
	assert_string_equal(inst_attr(f->core, u, "uuid"), u);
	assert_string_equal(inst_attr(f->core, u, "mdev_type"), "fake-2");
	assert_string_equal(inst_attr(f->core, u, "parent"), "fake");
	assert_string_equal(inst_attr(f->core, u, "socket"), path);
	assert_int_equal(atoi(inst_attr(f->core, u, "owner")), (int)geteuid());
	assert_string_equal(inst_attr(f->core, u, "connected"), "0");
	assert_string_equal(inst_attr(f->core, u, "vendor_thing"), "42");
	/* DESIGN.md "Security": the socket is 0600. */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(uvfio_mdev_remove(f->core, u, 100), 0);
	assert_int_equal(lstat(path, &st), -1);
	assert_string_equal(inst_attr(f->core, u, "uuid"), "(no instance)");
}

/* mdevctl's ordered attrs go to store_attr in order; a refused one undoes the create. */
static void test_create_attrs(void **state)
{
	struct fx *f = *state;
	const struct uvfio_mdev_attr good[] = {{"b", "2"}, {"a", "1"}};
	const struct uvfio_mdev_attr bad[] = {{"a", "1"}, {"bad", "x"}};
	struct uvfio_mdev_parent_info p2 = fake_parent;
	struct uvfio_mdev_parent_ops ops2 = fake_ops;
	struct uvfio_mdev_type_info t2 = {.name = "plain"};

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(uvfio_mdev_create(f->core,
					   &(struct uvfio_mdev_create_args){.type = "fake-1",
									    .owner = (uid_t)-1,
									    .attrs = good,
									    .nr_attrs = 2},
					   NULL, NULL),
			 0);
	assert_string_equal(fc.last_attrs, "b=2;a=1;");
	assert_int_equal(uvfio_mdev_create(f->core,
					   &(struct uvfio_mdev_create_args){.type = "fake-1",
									    .owner = (uid_t)-1,
									    .attrs = bad,
									    .nr_attrs = 2},
					   NULL, NULL),
			 -EINVAL);
	assert_int_equal(uvfio_mdev_count(f->core), 1);
	assert_int_equal(fc.created, 2);
	assert_int_equal(fc.removed, 1);
	assert_int_equal(avail(f->core, "fake-1"), 4);

	ops2.store_attr = NULL;
	p2.name = "plainp";
	p2.ops = &ops2;
	p2.types = &t2;
	p2.nr_types = 1;
	assert_int_equal(uvfio_mdev_parent_register(f->core, &p2, NULL), 0);
	assert_int_equal(uvfio_mdev_create(f->core,
					   &(struct uvfio_mdev_create_args){.type = "plain",
									    .owner = (uid_t)-1,
									    .attrs = good,
									    .nr_attrs = 1},
					   NULL, NULL),
			 -ENOTSUP);
	fail_create = -EIO;
	assert_int_equal(create(f->core, "fake-1", NULL, NULL), -EIO);
	assert_true(log_has("create failed"));
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void wait_for(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 500 && !cond(arg); i++) {
		struct timespec ts = {.tv_nsec = 10 * 1000000};

		nanosleep(&ts, NULL);
	}
}

struct conn_state {
	struct uvfio_mdev_core *core;
	const char *uuid;
	const char *want;
};

static bool connected_is(void *arg)
{
	struct conn_state *c = arg;

	return strcmp(inst_attr(c->core, c->uuid, "connected"), c->want) == 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One client at a time: a second one gets an EBUSY reply to its first
 * message (as uvfio_dev_run() does); the first one is served; open and
 * release run; removing with a client that ignores REQ (it registered
 * none) disconnects it after the timeout.
 */
static void test_one_client_and_forced_removal(void **state)
{
	struct fx *f = *state;
	char u[UVFIO_MDEV_UUID_LEN];
	char path[128];
	struct uvfio_msg_hdr hdr = {
		.msg_id = 7, .cmd = UVFIO_CMD_VERSION, .size = sizeof(hdr), .flags = 0};
	struct uvfio_msg_hdr rep;
	struct conn_state cs;
	struct pollfd pfd;
	long long t0;
	char c;
	int c1;
	int c2;

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(create(f->core, "fake-1", NULL, u), 0);
	snprintf(path, sizeof(path), "%s/%s.sock", f->dir, u);
	cs = (struct conn_state){f->core, u, "1"};

	c1 = connect_to(path);
	assert_true(c1 >= 0);
	wait_for(connected_is, &cs);
	assert_string_equal(inst_attr(f->core, u, "connected"), "1");
	assert_int_equal(__atomic_load_n(&fc.opened, __ATOMIC_SEQ_CST), 1);

	c2 = connect_to(path);
	assert_true(c2 >= 0);
	assert_int_equal(send(c2, &hdr, sizeof(hdr), 0), sizeof(hdr));
	pfd = (struct pollfd){.fd = c2, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(recv(c2, &rep, sizeof(rep), MSG_WAITALL), sizeof(rep));
	assert_int_equal(rep.msg_id, 7);
	assert_int_equal(rep.cmd, UVFIO_CMD_VERSION);
	assert_true(rep.flags & UVFIO_MSG_ERROR);
	assert_int_equal(rep.error_no, EBUSY);
	assert_int_equal(recv(c2, &c, 1, 0), 0); /* then closed */
	close(c2);

	/* c1 never registered REQ and never leaves: removal takes the timeout. */
	t0 = now_ms();
	assert_int_equal(uvfio_mdev_remove(f->core, u, 300), 0);
	assert_true(now_ms() - t0 >= 290);
	assert_true(now_ms() - t0 < 3000);
	assert_true(log_has("registered no REQ"));
	assert_true(log_has("did not release the device"));
	pfd = (struct pollfd){.fd = c1, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(recv(c1, &c, 1, 0), 0);
	close(c1);
	assert_int_equal(__atomic_load_n(&fc.released, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(fc.removed, 1);
}

/* A client that goes away leaves the device to the next; removal without one is quick. */
static void test_client_reconnects(void **state)
{
	struct fx *f = *state;
	char u[UVFIO_MDEV_UUID_LEN];
	char path[128];
	struct conn_state cs;
	long long t0;

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
	assert_int_equal(create(f->core, "fake-1", NULL, u), 0);
	snprintf(path, sizeof(path), "%s/%s.sock", f->dir, u);
	for (int i = 0; i < 3; i++) {
		int fd = connect_to(path);

		assert_true(fd >= 0);
		cs = (struct conn_state){f->core, u, "1"};
		wait_for(connected_is, &cs);
		assert_string_equal(inst_attr(f->core, u, "connected"), "1");
		close(fd);
		cs.want = "0";
		wait_for(connected_is, &cs);
		assert_string_equal(inst_attr(f->core, u, "connected"), "0");
	}
	assert_int_equal(__atomic_load_n(&fc.opened, __ATOMIC_SEQ_CST), 3);
	assert_int_equal(__atomic_load_n(&fc.released, __ATOMIC_SEQ_CST), 3);
	t0 = now_ms();
	assert_int_equal(uvfio_mdev_remove(f->core, u, 5000), 0);
	assert_true(now_ms() - t0 < 1000);
}

/* Unregistering a parent removes its instances (kernel: mdev_unregister_parent). */
static void test_parent_unregister(void **state)
{
	struct fx *f = *state;
	struct uvfio_mdev_parent *p;

	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, &p), 0);
	assert_int_equal(create(f->core, "fake-1", NULL, NULL), 0);
	assert_int_equal(create(f->core, "fake-2", NULL, NULL), 0);
	uvfio_mdev_parent_unregister(p, 100);
	assert_int_equal(uvfio_mdev_count(f->core), 0);
	assert_int_equal(fc.removed, 2);
	assert_null(uvfio_mdev_type_parent(f->core, "fake-1"));
	assert_int_equal(uvfio_mdev_parent_register(f->core, &fake_parent, NULL), 0);
}

static void test_plugins(void **state)
{
	struct fx *f = *state;
	char u[UVFIO_MDEV_UUID_LEN];
	const struct uvfio_mdev_attr scratch[] = {{"scratch", "0x99"}};

	assert_int_equal(uvfio_mdev_plugin_load(f->core, PLUGIN_DIR "/" UVT_BADABI_FILE), -EPROTO);
	assert_true(log_has(PLUGIN_DIR "/" UVT_BADABI_FILE));
	assert_true(log_has("ABI version"));
	assert_null(uvfio_mdev_type_parent(f->core, UVT_TYPE));
	assert_int_equal(uvfio_mdev_plugin_load(f->core, PLUGIN_DIR "/nope.so"), -ENOENT);
	assert_true(log_has(PLUGIN_DIR "/nope.so"));
	/* A shared object without the descriptor. */
	assert_int_equal(uvfio_mdev_plugin_load(f->core, "libm.so.6"), -ENOEXEC);
	assert_true(log_has("not a uvfio plugin"));

	log_clear();
	assert_int_equal(uvfio_mdev_plugin_load_dir(f->core, PLUGIN_DIR), 1);
	assert_true(log_has(UVT_BADABI_FILE));
	assert_string_equal(uvfio_mdev_type_parent(f->core, UVT_TYPE), UVT_PARENT);
	assert_int_equal(avail(f->core, UVT_TYPE), UVT_MAX_INSTANCES);
	assert_int_equal(uvfio_mdev_create(f->core,
					   &(struct uvfio_mdev_create_args){.type = UVT_TYPE,
									    .owner = (uid_t)-1,
									    .attrs = scratch,
									    .nr_attrs = 1},
					   u, NULL),
			 0);
	assert_string_equal(inst_attr(f->core, u, "scratch"), "153");
	assert_string_equal(inst_attr(f->core, u, "plugin"), "uvfio-test-plugin");
	/* Loading it again is refused; its parent stays. */
	assert_int_equal(uvfio_mdev_plugin_load(f->core, PLUGIN_DIR "/" UVT_PLUGIN_FILE), -EEXIST);
	assert_string_equal(uvfio_mdev_type_parent(f->core, UVT_TYPE), UVT_PARENT);
	assert_int_equal(uvfio_mdev_plugin_load_dir(f->core, "/nonexistent-uvfio"), -ENOENT);
	/* teardown: core_destroy removes the instance, then unloads the plugin. */
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_register_rules, setup, teardown),
	cmocka_unit_test_setup_teardown(test_type_attrs, setup, teardown),
	cmocka_unit_test_setup_teardown(test_available_accounting, setup, teardown),
	cmocka_unit_test_setup_teardown(test_core_cap, setup, teardown),
	cmocka_unit_test_setup_teardown(test_uuids, setup, teardown),
	cmocka_unit_test_setup_teardown(test_instance_attrs_and_socket, setup, teardown),
	cmocka_unit_test_setup_teardown(test_create_attrs, setup, teardown),
	cmocka_unit_test_setup_teardown(test_one_client_and_forced_removal, setup, teardown),
	cmocka_unit_test_setup_teardown(test_client_reconnects, setup, teardown),
	cmocka_unit_test_setup_teardown(test_parent_unregister, setup, teardown),
	cmocka_unit_test_setup_teardown(test_plugins, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
