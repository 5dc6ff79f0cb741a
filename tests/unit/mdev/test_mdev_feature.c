// SPDX-License-Identifier: MIT
/*
 * tests/unit/mdev/test_mdev_feature.c - DEVICE_FEATURE through the mdev
 * core: a parent's per-instance feature op (mdev.h, version 2) reaches the
 * client of an instance, with the instance and its drvdata; a feature the
 * op does not serve (-ENOTTY) goes on to the instance device's own
 * uvfio_dev_ops feature; a version-1 parent ops struct, which ends before
 * feature, is still registered and served.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <uvfio/mdev.h>

#include "proto/proto.h"
#include "test.h"

#define HEAD 8u	       /* struct vfio_device_feature: argsz, flags */
#define FEAT_DEV 0x100 /* the instance device's own: GET -> u32 DEV_MAGIC */
#define DEV_MAGIC 0xdec0de01u
#define DRVDATA ((void *)0x77)

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static unsigned int parent_calls;
static unsigned int parent_bad_args;

/* The device's own feature callback (uvfio_dev_ops version 2). */
static int dev_feature(struct uvfio_dev *dev, void *priv, uint32_t flags, void *data, size_t len,
		       size_t *out_len)
{
	const uint32_t magic = DEV_MAGIC;

	(void)dev;
	(void)priv;
	if ((flags & VFIO_DEVICE_FEATURE_MASK) != FEAT_DEV)
		return -ENOTTY;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return (flags & VFIO_DEVICE_FEATURE_SET) ? -EINVAL : 0;
	if (!(flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	if (len < sizeof(magic))
		return -EINVAL;
	memcpy(data, &magic, sizeof(magic));
	*out_len = sizeof(magic);
	return 0;
}

static const struct uvfio_dev_ops dev_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
	.feature = dev_feature,
};

static int p_create(struct uvfio_mdev *m, void *parent_priv,
		    const struct uvfio_mdev_type_info *type, struct uvfio_dev **out, void **drvdata)
{
	const struct uvfio_dev_pci_id id = {.vendor = 0x1234, .device = 0xfea7};
	int ret;

	(void)parent_priv;
	(void)type;
	ret = uvfio_dev_create(&dev_ops, NULL, &id, 0, out);
	if (ret)
		return ret;
	uvfio_dev_set_log(*out, uvfio_mdev_dev_log, m);
	*drvdata = DRVDATA;
	return 0;
}

static void p_remove(struct uvfio_mdev *m, void *parent_priv, struct uvfio_dev *dev, void *drvdata)
{
	(void)m;
	(void)parent_priv;
	(void)drvdata;
	uvfio_dev_destroy(dev);
}

/* The parent's per-instance op: MIGRATION (GET: STOP_COPY). */
static int p_feature(struct uvfio_mdev *m, void *drvdata, uint32_t flags, void *data, size_t len,
		     size_t *out_len)
{
	struct vfio_device_feature_migration mig = {.flags = VFIO_MIGRATION_STOP_COPY};

	if (drvdata != DRVDATA || !uvfio_mdev_valid_uuid(uvfio_mdev_uuid(m)) || !uvfio_mdev_dev(m))
		STORE(parent_bad_args, LOAD(parent_bad_args) + 1);
	if ((flags & VFIO_DEVICE_FEATURE_MASK) != VFIO_DEVICE_FEATURE_MIGRATION)
		return -ENOTTY;
	STORE(parent_calls, LOAD(parent_calls) + 1);
	if (flags & VFIO_DEVICE_FEATURE_SET)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (len < sizeof(mig))
		return -EINVAL;
	memcpy(data, &mig, sizeof(mig));
	*out_len = sizeof(mig);
	return 0;
}

static const struct uvfio_mdev_parent_ops p_ops = {
	.version = UVFIO_MDEV_OPS_VERSION,
	.create = p_create,
	.remove = p_remove,
	.feature = p_feature,
};

static const struct uvfio_mdev_type_info p_types[] = {{.name = "feat-1"}};

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

	STORE(parent_calls, 0);
	STORE(parent_bad_args, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/uvfio-mdevf-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (uvfio_mdev_core_create(&(struct uvfio_mdev_core_config){.runtime_dir = f->dir},
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

/*
 * A raw client.
 */
static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static uint8_t rbuf[8192];

/* One command and its reply: 0 with the payload in rbuf, -errno of an error reply, -EPROTO. */
static int call(int s, uint16_t cmd, const void *p, size_t len, size_t *rlen)
{
	static uint16_t id;
	struct uvfio_msg_hdr hdr = {.msg_id = ++id, .cmd = cmd, .flags = UVFIO_MSG_TYPE_COMMAND};
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
	struct uvfio_msg m = {.payload = rbuf};
	int ret;

	ret = uvfio_msg_send(s, &hdr, &iov, len ? 1 : 0, NULL, 0);
	if (ret)
		return ret;
	ret = uvfio_msg_recv(s, &m, sizeof(rbuf), UVFIO_MAX_MSG_FDS);
	if (ret)
		return ret;
	uvfio_msg_close_fds(&m);
	if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) != UVFIO_MSG_TYPE_REPLY || m.hdr.msg_id != id ||
	    m.hdr.cmd != cmd)
		return -EPROTO;
	if (m.hdr.flags & UVFIO_MSG_ERROR)
		return -(int)m.hdr.error_no;
	if (rlen)
		*rlen = m.len;
	return 0;
}

static int open_client(struct fx *f, const char *uuid)
{
	struct uvfio_msg_version v = {.major = 0, .minor = 0};
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int s;

	snprintf(path, sizeof(path), "%s/%s.sock", f->dir, uuid);
	s = connect_to(path);
	assert_true(s >= 0);
	assert_int_equal(call(s, UVFIO_CMD_VERSION, &v, sizeof(v), NULL), 0);
	return s;
}

static int feat(int s, uint32_t argsz, uint32_t flags, size_t *rlen)
{
	struct vfio_device_feature f = {.argsz = argsz, .flags = flags};

	return call(s, UVFIO_CMD_DEVICE_FEATURE, &f, HEAD, rlen);
}

static int create(struct fx *f, char *uuid)
{
	return uvfio_mdev_create(
		f->core, &(struct uvfio_mdev_create_args){.type = "feat-1", .owner = (uid_t)-1},
		uuid, NULL);
}

/* The parent's feature op answers the instance's client; the device's own comes next. */
static void test_parent_feature(void **state)
{
	struct fx *f = *state;
	char u[UVFIO_MDEV_UUID_LEN];
	struct vfio_device_feature_migration mig;
	struct vfio_device_feature head;
	uint32_t magic;
	size_t rlen;
	int s;

	assert_int_equal(
		uvfio_mdev_parent_register(
			f->core,
			&(struct uvfio_mdev_parent_info){
				.name = "featp", .ops = &p_ops, .types = p_types, .nr_types = 1},
			NULL),
		0);
	assert_int_equal(create(f, u), 0);
	s = open_client(f, u);

	assert_int_equal(
		feat(s, HEAD + 8, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION, &rlen),
		0);
	assert_int_equal(rlen, HEAD + 8);
	memcpy(&head, rbuf, HEAD);
	assert_int_equal(head.argsz, HEAD + 8);
	assert_int_equal(head.flags, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION);
	memcpy(&mig, rbuf + HEAD, sizeof(mig));
	assert_int_equal(mig.flags, VFIO_MIGRATION_STOP_COPY);
	assert_int_equal(LOAD(parent_calls), 1);

	assert_int_equal(feat(s, HEAD,
			      VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
				      VFIO_DEVICE_FEATURE_MIGRATION,
			      &rlen),
			 0);
	assert_int_equal(rlen, HEAD);
	assert_int_equal(feat(s, HEAD,
			      VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
				      VFIO_DEVICE_FEATURE_MIGRATION,
			      &rlen),
			 -EINVAL);
	/* Not the parent's: the instance device's own callback answers. */
	assert_int_equal(feat(s, HEAD + 4, VFIO_DEVICE_FEATURE_GET | FEAT_DEV, &rlen), 0);
	assert_int_equal(rlen, HEAD + 4);
	memcpy(&magic, rbuf + HEAD, sizeof(magic));
	assert_int_equal(magic, DEV_MAGIC);
	/* Nobody's. */
	assert_int_equal(feat(s, HEAD + 8, VFIO_DEVICE_FEATURE_GET | 0x55, &rlen), -ENOTTY);
	assert_int_equal(LOAD(parent_bad_args), 0);
	close(s);
	assert_int_equal(uvfio_mdev_remove(f->core, u, 1000), 0);
}

/*
 * A version-1 parent ops struct (a plugin built against the old header)
 * ends at store_attr: laid out against a PROT_NONE page, a read of
 * feature would fault.  It registers and serves; the device's own
 * feature callback still answers, MIGRATION is nobody's.
 */
static void test_parent_ops_v1(void **state)
{
	struct fx *f = *state;
	const size_t v1_size = offsetof(struct uvfio_mdev_parent_ops, feature);
	long pg = sysconf(_SC_PAGESIZE);
	struct uvfio_mdev_parent_ops full = p_ops;
	struct uvfio_mdev_parent_ops *v1;
	struct uvfio_mdev_parent *parent;
	char u[UVFIO_MDEV_UUID_LEN];
	uint8_t *mem;
	size_t rlen;
	int s;

	mem = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(mprotect(mem + pg, (size_t)pg, PROT_NONE), 0);
	full.version = 1;
	v1 = (struct uvfio_mdev_parent_ops *)(mem + pg - v1_size);
	memcpy(v1, &full, v1_size);

	assert_int_equal(
		uvfio_mdev_parent_register(
			f->core,
			&(struct uvfio_mdev_parent_info){
				.name = "featp", .ops = v1, .types = p_types, .nr_types = 1},
			&parent),
		0);
	assert_int_equal(create(f, u), 0);
	s = open_client(f, u);
	assert_int_equal(
		feat(s, HEAD + 8, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION, &rlen),
		-ENOTTY);
	assert_int_equal(feat(s, HEAD + 4, VFIO_DEVICE_FEATURE_GET | FEAT_DEV, &rlen), 0);
	assert_int_equal(LOAD(parent_calls), 0);
	close(s);
	/* The parent goes (and stops reading the ops) before the page does. */
	uvfio_mdev_parent_unregister(parent, 1000);
	assert_int_equal(uvfio_mdev_count(f->core), 0);
	munmap(mem, 2 * (size_t)pg);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_parent_feature, setup, teardown),
	cmocka_unit_test_setup_teardown(test_parent_ops_v1, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
