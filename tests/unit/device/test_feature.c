// SPDX-License-Identifier: MIT
/*
 * tests/unit/device/test_feature.c - DEVICE_FEATURE (contract §5.12) served
 * by lib/device with the kernel's VFIO_DEVICE_FEATURE rules (linux-vfio.md
 * §1.3): PROBE, GET with enough and too little argsz, SET then GET, the
 * flag combinations the kernel refuses, short payloads, a model without a
 * feature callback, a version-1 ops struct, the host handler
 * (uvfio_dev_set_feature_handler) in front of the model, and a GET queued
 * while the device waits for a DMA reply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX

#define F_GET VFIO_DEVICE_FEATURE_GET
#define F_SET VFIO_DEVICE_FEATURE_SET
#define F_PROBE VFIO_DEVICE_FEATURE_PROBE
#define F_MIG VFIO_DEVICE_FEATURE_MIGRATION
#define HEAD 8u /* struct vfio_device_feature: argsz, flags */

/* The model runs on the serving thread, the checks on this one. */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/*
 * The feature model.  Besides MIGRATION (GET: STOP_COPY), vendor-ish
 * indexes (the kernel's stop at 11):
 */
#define FEAT_VALUE 0x100  /* SET {u64 value, u64 old (out)}; GET {u64 value} */
#define FEAT_DOUBLE 0x101 /* GET: in {u64 x}, out {x, 2x}; the rest of the buffer must be 0 */
#define FEAT_BAD 0x102	  /* GET: claims one byte more than there is room for */
#define FEAT_HOST 0x103	  /* the host handler's: GET in {u32 x}, out {x, HOST_MAGIC} */
#define FEAT_NONE 0x50	  /* nobody's */
#define HOST_MAGIC 0x484f5354u

struct fmodel {
	uint64_t value;
	unsigned int calls;
	uint32_t last_flags;
	size_t last_len;
	unsigned int opens;
};

static int fm_feature(struct uvfio_dev *dev, void *priv, uint32_t flags, void *data, size_t len,
		      size_t *out_len)
{
	struct fmodel *fm = priv;
	uint32_t ops = flags & (F_GET | F_SET);
	uint8_t *p = data;
	uint64_t v;

	(void)dev;
	STORE(fm->calls, LOAD(fm->calls) + 1);
	STORE(fm->last_flags, flags);
	STORE(fm->last_len, len);
	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION: {
		struct vfio_device_feature_migration mig = {.flags = VFIO_MIGRATION_STOP_COPY};

		/* vfio_check_feature(): GET only. */
		if (ops & ~F_GET)
			return -EINVAL;
		if (flags & F_PROBE)
			return 0;
		if (len < sizeof(mig))
			return -EINVAL;
		memcpy(data, &mig, sizeof(mig));
		*out_len = sizeof(mig);
		return 0;
	}
	case FEAT_VALUE:
		if (flags & F_PROBE)
			return 0;
		if (ops == F_GET) {
			if (len < sizeof(v))
				return -EINVAL;
			v = LOAD(fm->value);
			memcpy(data, &v, sizeof(v));
			*out_len = sizeof(v);
			return 0;
		}
		if (len < 2 * sizeof(v))
			return -EINVAL;
		v = LOAD(fm->value);
		memcpy(p + sizeof(v), &v, sizeof(v));
		memcpy(&v, p, sizeof(v));
		STORE(fm->value, v);
		return 0;
	case FEAT_DOUBLE:
		if (ops & ~F_GET)
			return -EINVAL;
		if (flags & F_PROBE)
			return 0;
		if (len < 2 * sizeof(v))
			return -EINVAL;
		for (size_t i = sizeof(v); i < len; i++) {
			if (p[i])
				return -EIO;
		}
		memcpy(&v, p, sizeof(v));
		v *= 2;
		memcpy(p + sizeof(v), &v, sizeof(v));
		*out_len = 2 * sizeof(v);
		return 0;
	case FEAT_BAD:
		*out_len = len + 1;
		return 0;
	default:
		return -ENOTTY;
	}
}

static void fm_open(struct uvfio_dev *dev, void *priv)
{
	struct fmodel *fm = priv;

	(void)dev;
	STORE(fm->opens, LOAD(fm->opens) + 1);
}

static const struct uvfio_dev_ops fm_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
	.open = fm_open,
	.feature = fm_feature,
};

/* The host's handler: FEAT_HOST only. */
static unsigned int host_calls;

static int host_feature(struct uvfio_dev *dev, void *priv, uint32_t flags, void *data, size_t len,
			size_t *out_len)
{
	uint32_t out[2];
	uint8_t *p = data;

	(void)dev;
	if (priv != &host_calls)
		return -EFAULT;
	if ((flags & VFIO_DEVICE_FEATURE_MASK) != FEAT_HOST)
		return -ENOTTY;
	STORE(host_calls, LOAD(host_calls) + 1);
	if (flags & (F_SET | F_PROBE))
		return (flags & F_SET) ? -EINVAL : 0;
	if (len < sizeof(out))
		return -EINVAL;
	for (size_t i = sizeof(out[0]); i < len; i++) {
		if (p[i])
			return -EIO;
	}
	memcpy(&out[0], data, sizeof(out[0]));
	out[1] = HOST_MAGIC;
	memcpy(data, out, sizeof(out));
	*out_len = sizeof(out);
	return 0;
}

static void dev_new(struct srv *s, const struct uvfio_dev_ops *ops, void *priv)
{
	const struct uvfio_dev_pci_id id = {.vendor = 0x1234, .device = 0xfea7};

	memset(s, 0, sizeof(*s));
	assert_int_equal(uvfio_dev_create(ops, priv, &id, 0, &s->m.dev), 0);
}

static void serve(struct srv *s)
{
	srv_connect(s);
	assert_int_equal(cl_version(s->sock, QEMU_JSON), 0);
}

/* DEVICE_FEATURE {argsz, flags, data}; the reply (head included) into @rbuf. */
static int feat(int sock, uint32_t argsz, uint32_t flags, const void *data, size_t dlen, void *rbuf,
		size_t rsize, size_t *rlen)
{
	uint8_t req[HEAD + 256];
	struct vfio_device_feature f = {.argsz = argsz, .flags = flags};

	assert_true(dlen <= sizeof(req) - HEAD);
	memcpy(req, &f, HEAD);
	if (dlen)
		memcpy(req + HEAD, data, dlen);
	return cl_call(sock, UVFIO_CMD_DEVICE_FEATURE, req, HEAD + dlen, NULL, 0, rbuf, rsize,
		       rlen);
}

static void head_of(const uint8_t *r, uint32_t *argsz, uint32_t *flags)
{
	memcpy(argsz, r, 4);
	memcpy(flags, r + 4, 4);
}

/* PROBE: echoed when every indicated operation is supported. */
static void test_probe(void **state)
{
	struct fmodel fm = {0};
	uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t req[HEAD + 8];
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	dev_new(&s, &fm_ops, &fm);
	serve(&s);
	/* PROBE alone: the feature exists; the reply is the request. */
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | F_MIG, NULL, 0, r, sizeof(r), &rlen), 0);
	assert_int_equal(rlen, HEAD);
	memcpy(req, &(struct vfio_device_feature){.argsz = HEAD, .flags = F_PROBE | F_MIG}, HEAD);
	assert_memory_equal(r, req, HEAD);
	assert_int_equal(LOAD(fm.last_flags), F_PROBE | F_MIG);
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
			 0);
	/* MIGRATION has no SET: PROBE of SET fails as vfio_check_feature() does. */
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | F_SET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
			 -EINVAL);
	assert_int_equal(
		feat(s.sock, HEAD, F_PROBE | F_GET | F_SET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
		-EINVAL);
	/* GET|SET together is fine with PROBE, for a feature with both. */
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | F_GET | F_SET | FEAT_VALUE, NULL, 0, r,
			      sizeof(r), &rlen),
			 0);
	assert_int_equal(LOAD(fm.last_flags), F_PROBE | F_GET | F_SET | FEAT_VALUE);
	/* Data with a PROBE is echoed too, when argsz covers it. */
	assert_int_equal(
		feat(s.sock, HEAD + 8, F_PROBE | F_GET | F_MIG, data, 8, r, sizeof(r), &rlen), 0);
	assert_int_equal(rlen, HEAD + 8);
	assert_memory_equal(r + HEAD, data, 8);
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | F_GET | F_MIG, data, 8, r, sizeof(r), &rlen),
			 -EINVAL);
	/* A feature the model does not know: ENOTTY. */
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | FEAT_NONE, NULL, 0, r, sizeof(r), &rlen),
			 -ENOTTY);
	assert_int_equal(
		feat(s.sock, HEAD, F_PROBE | F_GET | FEAT_NONE, NULL, 0, r, sizeof(r), &rlen),
		-ENOTTY);
	srv_stop(&s);
}

/* GET MIGRATION: reply argsz = 8 + data, flags as asked; too small an argsz is EINVAL. */
static void test_get(void **state)
{
	struct fmodel fm = {0};
	struct vfio_device_feature_migration mig;
	uint32_t argsz;
	uint32_t flags;
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	dev_new(&s, &fm_ops, &fm);
	serve(&s);
	assert_int_equal(feat(s.sock, HEAD + 8, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen), 0);
	assert_int_equal(rlen, HEAD + 8);
	head_of(r, &argsz, &flags);
	assert_int_equal(argsz, HEAD + 8);
	assert_int_equal(flags, F_GET | F_MIG);
	memcpy(&mig, r + HEAD, sizeof(mig));
	assert_int_equal(mig.flags, VFIO_MIGRATION_STOP_COPY);
	assert_int_equal(LOAD(fm.last_len), 8);

	/* More room than needed: the reply is as long as the data. */
	assert_int_equal(feat(s.sock, 4096, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen), 0);
	assert_int_equal(rlen, HEAD + 8);
	head_of(r, &argsz, &flags);
	assert_int_equal(argsz, HEAD + 8);
	assert_int_equal(LOAD(fm.last_len), 4096 - HEAD);

	/* Too little: the model sees the room and refuses (argsz < minsz). */
	assert_int_equal(feat(s.sock, HEAD + 7, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
			 -EINVAL);
	assert_int_equal(LOAD(fm.last_len), 7);
	assert_int_equal(feat(s.sock, HEAD, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen), -EINVAL);
	assert_int_equal(LOAD(fm.last_len), 0);

	/* The room is bounded by our max_data_xfer_size (default 1 MiB). */
	assert_int_equal(feat(s.sock, 0xffffffffu, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen), 0);
	assert_int_equal(rlen, HEAD + 8);
	assert_int_equal(LOAD(fm.last_len), 1u << 20);

	/* SET of a GET-only feature: the model's EINVAL. */
	assert_int_equal(feat(s.sock, HEAD + 8, F_SET | F_MIG, "abcdefgh", 8, r, sizeof(r), &rlen),
			 -EINVAL);

	/* A model that claims more than the room: EIO, nothing past the buffer sent. */
	assert_int_equal(feat(s.sock, HEAD + 16, F_GET | FEAT_BAD, NULL, 0, r, sizeof(r), &rlen),
			 -EIO);
	srv_stop(&s);
}

/* GET input (in/out data): the request's data first, zeros after, bounded by the limit. */
static void test_get_input(void **state)
{
	const struct uvfio_dev_limits lim = {.max_data_xfer_size = 4096};
	struct fmodel fm = {0};
	uint64_t x = 21;
	uint64_t out[2];
	uint8_t r[128];
	size_t rlen;
	struct srv s;

	(void)state;
	dev_new(&s, &fm_ops, &fm);
	assert_int_equal(uvfio_dev_set_limits(s.m.dev, &lim), 0);
	serve(&s);
	/* A PROBE with data leaves non-zero bytes in the receive buffer first. */
	{
		uint8_t junk[64];

		memset(junk, 0xa5, sizeof(junk));
		assert_int_equal(feat(s.sock, HEAD + 64, F_PROBE | F_GET | FEAT_DOUBLE, junk,
				      sizeof(junk), r, sizeof(r), &rlen),
				 0);
	}
	assert_int_equal(
		feat(s.sock, HEAD + 64, F_GET | FEAT_DOUBLE, &x, sizeof(x), r, sizeof(r), &rlen),
		0);
	assert_int_equal(rlen, HEAD + 16);
	memcpy(out, r + HEAD, sizeof(out));
	assert_int_equal(out[0], 21);
	assert_int_equal(out[1], 42);
	assert_int_equal(LOAD(fm.last_len), 64);
	/* Room past the limit is cut to it (4096 here). */
	assert_int_equal(
		feat(s.sock, 1u << 20, F_GET | FEAT_DOUBLE, &x, sizeof(x), r, sizeof(r), &rlen), 0);
	assert_int_equal(LOAD(fm.last_len), 4096);
	srv_stop(&s);
}

/* SET then GET: the value sticks; SET's reply echoes the request with the model's update. */
static void test_set_get(void **state)
{
	struct fmodel fm = {0};
	uint64_t in[2] = {0x1122334455667788ull, 0};
	uint64_t echo[2];
	uint64_t v;
	uint32_t argsz;
	uint32_t flags;
	unsigned int calls;
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	dev_new(&s, &fm_ops, &fm);
	serve(&s);
	assert_int_equal(
		feat(s.sock, HEAD + 16, F_SET | FEAT_VALUE, in, sizeof(in), r, sizeof(r), &rlen),
		0);
	assert_int_equal(rlen, HEAD + 16);
	head_of(r, &argsz, &flags);
	assert_int_equal(argsz, HEAD + 16);
	assert_int_equal(flags, F_SET | FEAT_VALUE);
	memcpy(echo, r + HEAD, sizeof(echo));
	assert_int_equal(echo[0], in[0]);
	assert_int_equal(echo[1], 0); /* the old value */
	assert_int_equal(LOAD(fm.value), in[0]);

	assert_int_equal(feat(s.sock, HEAD + 8, F_GET | FEAT_VALUE, NULL, 0, r, sizeof(r), &rlen),
			 0);
	assert_int_equal(rlen, HEAD + 8);
	memcpy(&v, r + HEAD, sizeof(v));
	assert_int_equal(v, in[0]);

	in[0] = 7;
	assert_int_equal(feat(s.sock, 64, F_SET | FEAT_VALUE, in, sizeof(in), r, sizeof(r), &rlen),
			 0);
	assert_int_equal(rlen, HEAD + 16); /* the request, not argsz */
	head_of(r, &argsz, &flags);
	assert_int_equal(argsz, 64);
	memcpy(echo, r + HEAD, sizeof(echo));
	assert_int_equal(echo[1], 0x1122334455667788ull);
	assert_int_equal(feat(s.sock, HEAD + 8, F_GET | FEAT_VALUE, NULL, 0, r, sizeof(r), &rlen),
			 0);
	memcpy(&v, r + HEAD, sizeof(v));
	assert_int_equal(v, 7);

	/* Too little input: the model's EINVAL, value unchanged. */
	assert_int_equal(feat(s.sock, HEAD + 8, F_SET | FEAT_VALUE, in, 8, r, sizeof(r), &rlen),
			 -EINVAL);
	/* argsz not covering the echo: EINVAL before the model is called. */
	calls = LOAD(fm.calls);
	assert_int_equal(
		feat(s.sock, HEAD + 8, F_SET | FEAT_VALUE, in, sizeof(in), r, sizeof(r), &rlen),
		-EINVAL);
	assert_int_equal(LOAD(fm.calls), calls);
	assert_int_equal(LOAD(fm.value), 7);
	/* SET of a feature nobody has. */
	assert_int_equal(
		feat(s.sock, HEAD + 16, F_SET | FEAT_NONE, in, sizeof(in), r, sizeof(r), &rlen),
		-ENOTTY);
	srv_stop(&s);
}

/* What vfio_ioctl_device_feature() refuses never reaches the model. */
static void test_bad_flags(void **state)
{
	static const struct {
		uint32_t argsz;
		uint32_t flags;
	} bad[] = {
		{HEAD + 8, F_GET | F_SET | F_MIG},	  /* GET|SET without PROBE */
		{HEAD + 8, F_GET | F_SET | FEAT_VALUE},	  /* even for a GET+SET feature */
		{HEAD + 8, F_MIG},			  /* no operation */
		{HEAD + 8, FEAT_NONE},			  /* no operation, unknown feature */
		{HEAD + 8, F_GET | F_MIG | (1u << 19)},	  /* unknown bit */
		{HEAD + 8, F_PROBE | F_MIG | (1u << 31)}, /* unknown bit */
		{HEAD + 8, F_GET | FEAT_NONE | (1u << 20)},
		{7, F_GET | F_MIG}, /* argsz below the head */
		{0, F_PROBE | F_MIG},
	};
	struct fmodel fm = {0};
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	dev_new(&s, &fm_ops, &fm);
	serve(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = feat(s.sock, bad[i].argsz, bad[i].flags, NULL, 0, r, sizeof(r), &rlen);

		if (ret != -EINVAL)
			printf("case %zu: argsz %u flags %#x: %d\n", i, bad[i].argsz, bad[i].flags,
			       ret);
		assert_int_equal(ret, -EINVAL);
	}
	assert_int_equal(LOAD(fm.calls), 0);
	/* The stream is in step. */
	assert_int_equal(feat(s.sock, HEAD + 8, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen), 0);
	srv_stop(&s);
}

/* Payloads shorter than the 8-byte head: EINVAL (uvfio_msg_check), stream in step. */
static void test_short_payload(void **state)
{
	static const uint8_t p[8] = {16, 0, 0, 0, 1, 0, 1, 0}; /* argsz 16, GET|MIGRATION */
	struct fmodel fm = {0};
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	dev_new(&s, &fm_ops, &fm);
	serve(&s);
	for (size_t len = 0; len < HEAD; len++)
		assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_FEATURE, len ? p : NULL, len,
					 NULL, 0, r, sizeof(r), &rlen),
				 -EINVAL);
	assert_int_equal(LOAD(fm.calls), 0);
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_DEVICE_FEATURE, p, HEAD, NULL, 0, r, sizeof(r), &rlen),
		0);
	assert_int_equal(rlen, HEAD + 8);
	srv_stop(&s);
}

/* No feature callback (or no ops at all): every feature is ENOTTY; bad flags stay EINVAL. */
static void test_no_callback(void **state)
{
	static const struct uvfio_dev_ops plain = {.version = UVFIO_DEV_OPS_VERSION};
	const struct uvfio_dev_ops *which[] = {&plain, NULL};
	uint64_t in[2] = {1, 2};
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		dev_new(&s, which[i], NULL);
		serve(&s);
		assert_int_equal(
			feat(s.sock, HEAD + 8, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
			-ENOTTY);
		assert_int_equal(feat(s.sock, HEAD + 16, F_SET | FEAT_VALUE, in, sizeof(in), r,
				      sizeof(r), &rlen),
				 -ENOTTY);
		assert_int_equal(feat(s.sock, HEAD, F_PROBE | F_MIG, NULL, 0, r, sizeof(r), &rlen),
				 -ENOTTY);
		assert_int_equal(
			feat(s.sock, HEAD + 8, F_GET | F_SET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
			-EINVAL);
		srv_stop(&s);
	}
}

/*
 * A version-1 ops struct (compiled against the old header) ends before
 * feature: lay one out so that its end is the end of a readable page with
 * a PROT_NONE page after it; a read of feature would fault.
 */
static void test_ops_v1(void **state)
{
	const size_t v1_size = offsetof(struct uvfio_dev_ops, feature);
	long pg = sysconf(_SC_PAGESIZE);
	struct uvfio_dev_ops full = fm_ops;
	struct uvfio_dev_ops *v1;
	struct fmodel fm = {0};
	struct uvfio_dev *dev;
	uint8_t *mem;
	uint8_t r[64];
	size_t rlen;
	struct srv s;
	const struct uvfio_dev_pci_id id = {.vendor = 0x1234, .device = 0xfea7};

	(void)state;
	mem = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(mprotect(mem + pg, (size_t)pg, PROT_NONE), 0);
	full.version = 1;
	v1 = (struct uvfio_dev_ops *)(mem + pg - v1_size);
	memcpy(v1, &full, v1_size);

	dev_new(&s, v1, &fm);
	serve(&s);
	/* Its version-1 callbacks work (open ran after VERSION)... */
	assert_int_equal(feat(s.sock, HEAD + 8, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen),
			 -ENOTTY);
	assert_int_equal(LOAD(fm.opens), 1);
	/* ...and it has no feature callback. */
	assert_int_equal(LOAD(fm.calls), 0);
	srv_stop(&s);

	/* Versions other than 1 and 2 are refused. */
	full.version = 0;
	assert_int_equal(uvfio_dev_create(&full, NULL, &id, 0, &dev), -EINVAL);
	full.version = UVFIO_DEV_OPS_VERSION + 1;
	assert_int_equal(uvfio_dev_create(&full, NULL, &id, 0, &dev), -EINVAL);
	assert_int_equal(UVFIO_DEV_OPS_VERSION, 2);
	munmap(mem, 2 * (size_t)pg);
}

/* A host handler goes first; its -ENOTTY passes the request to the model. */
static void test_host_handler(void **state)
{
	struct fmodel fm = {0};
	uint32_t x = 0x01020304;
	uint32_t out[2];
	uint8_t r[64];
	size_t rlen;
	struct srv s;

	(void)state;
	STORE(host_calls, 0);
	assert_int_equal(uvfio_dev_set_feature_handler(NULL, host_feature, NULL), -EINVAL);
	dev_new(&s, &fm_ops, &fm);
	assert_int_equal(uvfio_dev_set_feature_handler(s.m.dev, host_feature, &host_calls), 0);
	serve(&s);
	assert_int_equal(
		feat(s.sock, HEAD + 8, F_GET | FEAT_HOST, &x, sizeof(x), r, sizeof(r), &rlen), 0);
	assert_int_equal(rlen, HEAD + 8);
	memcpy(out, r + HEAD, sizeof(out));
	assert_int_equal(out[0], x);
	assert_int_equal(out[1], HOST_MAGIC);
	assert_int_equal(LOAD(host_calls), 1);
	assert_int_equal(LOAD(fm.calls), 0);
	/* The model's features are still there. */
	assert_int_equal(feat(s.sock, HEAD + 8, F_GET | F_MIG, NULL, 0, r, sizeof(r), &rlen), 0);
	assert_int_equal(LOAD(fm.calls), 1);
	assert_int_equal(feat(s.sock, HEAD, F_PROBE | FEAT_NONE, NULL, 0, r, sizeof(r), &rlen),
			 -ENOTTY);
	srv_disconnect(&s);
	/* Removed: FEAT_HOST is nobody's now. */
	assert_int_equal(uvfio_dev_set_feature_handler(s.m.dev, NULL, NULL), 0);
	serve(&s);
	assert_int_equal(
		feat(s.sock, HEAD + 8, F_GET | FEAT_HOST, &x, sizeof(x), r, sizeof(r), &rlen),
		-ENOTTY);
	assert_int_equal(LOAD(host_calls), 1);
	srv_stop(&s);
}

/*
 * A GET that arrives while the device waits for a DMA reply is queued and
 * answered after the job (server.c): its request is then not in the
 * receive buffer, which the GET reply is built in.  The harness model,
 * with features through the host handler.
 */
static void test_get_queued(void **state)
{
	static uint8_t buf[1 << 16];
	struct uvfio_msg_dma_map map = {
		.argsz = sizeof(map), .flags = 3, .addr = 0x300000, .size = 0x2000};
	uint64_t src = 0x300100;
	uint64_t dst = 0x301000;
	uint8_t freq[HEAD + 4];
	uint8_t reply[16 + 16];
	struct uvfio_msg_dma_rw head;
	struct uvfio_msg m;
	uint32_t x = 0xcafe;
	uint32_t out[2];
	uint16_t fid;
	struct srv s;

	(void)state;
	STORE(host_calls, 0);
	model_create(&s.m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_feature_handler(s.m.dev, host_feature, &host_calls), 0);
	serve(&s);
	cl_enable(s.sock, 0);
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_DMA_MAP, &map, sizeof(map), NULL, 0, NULL, 0, NULL), 0);
	assert_int_equal(cl_write(s.sock, BAR0, M_JOB_IOVA, &src, 8), 0);
	cl_write32(s.sock, BAR0, M_JOB_LEN, 16);
	assert_int_equal(cl_write(s.sock, BAR0, M_JOB_DST, &dst, 8), 0);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_DMA_READ);
	memcpy(&head, m.payload, sizeof(head));

	/* The GET goes in before our answer: queued. */
	memcpy(freq, &(struct vfio_device_feature){.argsz = 512, .flags = F_GET | FEAT_HOST}, HEAD);
	memcpy(freq + HEAD, &x, sizeof(x));
	fid = cl_next_id();
	assert_int_equal(cl_send(s.sock, fid, UVFIO_CMD_DEVICE_FEATURE, UVFIO_MSG_TYPE_COMMAND,
				 freq, sizeof(freq), NULL, 0),
			 0);
	memcpy(reply, &head, sizeof(head));
	memset(reply + 16, 0x77, 16); /* non-zero bytes through the receive buffer */
	assert_int_equal(cl_send(s.sock, m.hdr.msg_id, UVFIO_CMD_DMA_READ, UVFIO_MSG_TYPE_REPLY,
				 reply, sizeof(reply), NULL, 0),
			 0);
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_DMA_WRITE);
	assert_int_equal(cl_send(s.sock, m.hdr.msg_id, UVFIO_CMD_DMA_WRITE, UVFIO_MSG_TYPE_REPLY,
				 NULL, 0, NULL, 0),
			 0);
	/* Now the queued GET's reply: input carried over, the rest zero (no EIO). */
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.msg_id, fid);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_DEVICE_FEATURE);
	assert_false(m.hdr.flags & UVFIO_MSG_ERROR);
	assert_int_equal(m.len, HEAD + 8);
	memcpy(out, (uint8_t *)m.payload + HEAD, sizeof(out));
	assert_int_equal(out[0], x);
	assert_int_equal(out[1], HOST_MAGIC);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), 0);
	srv_stop(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_probe),	     cmocka_unit_test(test_get),
	cmocka_unit_test(test_get_input),    cmocka_unit_test(test_set_get),
	cmocka_unit_test(test_bad_flags),    cmocka_unit_test(test_short_payload),
	cmocka_unit_test(test_no_callback),  cmocka_unit_test(test_ops_v1),
	cmocka_unit_test(test_host_handler), cmocka_unit_test(test_get_queued),
};

UVFIO_TEST_MAIN(tests)
