// SPDX-License-Identifier: MIT
/*
 * tests/unit/device/test_tsan_multi.c - several devices and clients in one
 * process, all at once: the test ThreadSanitizer runs to find data races
 * between device threads, client threads and the threads allowed to call
 * into a device from outside (uvfio_dev_req_trigger(), uvfio_dev_stop()).
 * It runs in every build; under TSan any race fails it.
 *
 * Four devices, each served by uvfio_dev_run() on its own thread from a
 * socket in a private directory, each driven by the driver library from its
 * own client thread: config and BAR reads and writes, MSI-X set-up and
 * loopback triggers, and DMA jobs the model runs deferred on its thread
 * (read a buffer, write it back plus one, fire a vector), through an
 * fd-backed buffer and one reached by DMA_READ/DMA_WRITE messages.  A fifth
 * thread keeps firing REQ on every device meanwhile.  A second test has
 * four clients race to open one device: one at a time gets it, the others
 * EBUSY, and the device keeps serving.
 *
 * cmocka's assertions may only run on the test's own thread: worker
 * threads record the first failure and the main thread checks it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "uvfio/device.h"
#include "uvfio/driver.h"
#include "test.h"

#define NDEV 4
#define NVEC 2
#define WAIT_MS 10000

/* BAR0, trapped: scratch bytes, the DMA job registers, the MSI-X table. */
#define BAR0_SIZE 0x1000
#define R_SCRATCH 0x000 /* 256 bytes of plain storage */
#define R_SRC 0x100	/* u64: job source IOVA */
#define R_DST 0x108	/* u64: job destination IOVA */
#define R_LEN 0x110	/* u32: job length (<= JOB_MAX) */
#define R_GO 0x114	/* W: run the job, deferred */
#define R_RESULT 0x118	/* R: the last job's result (0 or -errno) */
#define R_JOBS 0x11c	/* R: jobs run */
#define MSIX_TABLE 0x800
#define MSIX_PBA 0xc00
#define JOB_MAX 64

struct mdl {
	struct uvfio_dev *dev;
	pthread_t thread;
	int listen_fd;
	int run_rc;
	char dir[64];
	char where[160];
	uint8_t scratch[256];
	uint64_t src;
	uint64_t dst;
	uint32_t len;
	int32_t result;
	uint32_t jobs;
};

static int iterations(void)
{
	const char *v = getenv("UVFIO_TSAN_ITERS");

	return v && *v ? atoi(v) : 500;
}

/* The job, on the device thread after the GO write was answered. */
static void run_job(struct uvfio_dev *dev, void *arg)
{
	struct mdl *m = arg;
	uint8_t buf[JOB_MAX];
	uint32_t len = m->len <= JOB_MAX ? m->len : JOB_MAX;
	uint32_t i;
	int ret;

	ret = uvfio_dev_dma_read(dev, m->src, buf, len);
	if (!ret) {
		for (i = 0; i < len; i++)
			buf[i]++;
		ret = uvfio_dev_dma_write(dev, m->dst, buf, len);
	}
	m->result = ret;
	m->jobs++;
	uvfio_dev_msi_trigger(dev, VFIO_PCI_MSIX_IRQ_INDEX, 0);
}

static ssize_t bar0_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct mdl *m = priv;
	uint32_t v;

	(void)dev;
	if (off + len <= sizeof(m->scratch)) {
		memcpy(buf, m->scratch + off, len);
		return (ssize_t)len;
	}
	if (len != 4)
		return -EINVAL;
	if (off == R_RESULT)
		v = (uint32_t)m->result;
	else if (off == R_JOBS)
		v = m->jobs;
	else
		v = 0;
	memcpy(buf, &v, 4);
	return 4;
}

static ssize_t bar0_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			  size_t len)
{
	struct mdl *m = priv;

	if (off + len <= sizeof(m->scratch)) {
		memcpy(m->scratch + off, buf, len);
		return (ssize_t)len;
	}
	if (off == R_SRC && len == 8)
		memcpy(&m->src, buf, 8);
	else if (off == R_DST && len == 8)
		memcpy(&m->dst, buf, 8);
	else if (off == R_LEN && len == 4)
		memcpy(&m->len, buf, 4);
	else if (off == R_GO && len == 4)
		return uvfio_dev_defer(dev, run_job, m) ? -EBUSY : 4;
	else
		return -EINVAL;
	return (ssize_t)len;
}

static const struct uvfio_region_ops bar0_ops = {
	.read = bar0_read,
	.write = bar0_write,
};

static void *serve(void *arg)
{
	struct mdl *m = arg;

	m->run_rc = uvfio_dev_run(m->dev, m->listen_fd);
	return NULL;
}

static void mdl_start(struct mdl *m, unsigned int n)
{
	const struct uvfio_dev_pci_id id = {
		.vendor = 0x1234,
		.device = (uint16_t)(0xfe10 + n),
		.class_code = 0xff0000,
		.irq_pin = 1,
	};
	char path[128];

	memset(m, 0, sizeof(*m));
	snprintf(m->dir, sizeof(m->dir), "/tmp/uvfio-tsan-XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	snprintf(path, sizeof(path), "%s/dev.sock", m->dir);
	snprintf(m->where, sizeof(m->where), "unix:%s", path);
	assert_int_equal(uvfio_dev_create(NULL, m, &id, UVFIO_DEV_PCIE, &m->dev), 0);
	assert_int_equal(uvfio_dev_setup_bar(m->dev, 0, BAR0_SIZE, 0, &bar0_ops, m), 0);
	assert_true(uvfio_dev_add_cap_msix(m->dev, NVEC, 0, MSIX_TABLE, 0, MSIX_PBA) > 0);
	assert_true(uvfio_dev_add_cap_pcie(m->dev, 0) > 0);
	m->listen_fd = uvfio_dev_listen(path);
	assert_true(m->listen_fd >= 0);
	m->run_rc = 1;
	assert_int_equal(pthread_create(&m->thread, NULL, serve, m), 0);
}

static void mdl_stop(struct mdl *m)
{
	char path[128];

	uvfio_dev_stop(m->dev);
	assert_int_equal(pthread_join(m->thread, NULL), 0);
	assert_int_equal(m->run_rc, 0);
	close(m->listen_fd);
	uvfio_dev_destroy(m->dev);
	snprintf(path, sizeof(path), "%s/dev.sock", m->dir);
	unlink(path);
	rmdir(m->dir);
}

/* ---- clients ----------------------------------------------------------------- */

struct client {
	struct mdl *m;
	unsigned int n;
	int iters;
	char err[256]; /* the first failure, or "" */
	uint64_t reqs;
};

#define CL_CHECK(c, cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf((c)->err, sizeof((c)->err), __VA_ARGS__);                         \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

static int write32(struct uvfio_device *d, uint64_t off, uint32_t v)
{
	return uvfio_region_write(d, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 4);
}

static int write64(struct uvfio_device *d, uint64_t off, uint64_t v)
{
	return uvfio_region_write(d, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 8);
}

static uint32_t read32(struct uvfio_device *d, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	uvfio_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 4);
	return v;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct uvfio_container *ct = NULL;
	struct uvfio_device *d = NULL;
	struct uvfio_dma_buf *buf[2] = {NULL, NULL};
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int reqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint8_t pat[16];
	uint8_t back[16];
	uint32_t id = 0;
	int64_t got;
	int ret;
	int k;
	int i;

	CL_CHECK(c, efd >= 0 && reqfd >= 0, "eventfd: %s", strerror(errno));
	CL_CHECK(c, uvfio_container_create(&ct) == 0, "container_create");
	ret = uvfio_device_open(ct, c->m->where, &d);
	CL_CHECK(c, ret == 0, "open %s: %d %s", c->m->where, ret, uvfio_last_error());
	CL_CHECK(c, uvfio_device_enable(d) == 0, "enable");
	CL_CHECK(c, uvfio_irq_enable(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, &efd) == 0, "MSI-X");
	CL_CHECK(c, uvfio_irq_enable(d, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &reqfd) == 0, "REQ");
	CL_CHECK(c, uvfio_dma_alloc(ct, 4096, 0, &buf[0]) == 0, "dma_alloc");
	CL_CHECK(c, uvfio_dma_alloc(ct, 4096, UVFIO_DMA_NO_FD, &buf[1]) == 0, "dma_alloc no-fd");

	for (k = 0; k < c->iters; k++) {
		struct uvfio_dma_buf *src = buf[k & 1];
		struct uvfio_dma_buf *dst = buf[!(k & 1)];
		uint64_t soff = (uint64_t)(k % 32) * 64;
		uint64_t doff = (uint64_t)((k + 7) % 32) * 64;
		uint8_t *s = (uint8_t *)src->vaddr + soff;
		uint8_t *t = (uint8_t *)dst->vaddr + doff;

		/* Config and BAR accesses. */
		ret = uvfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, 0, &id, 4);
		CL_CHECK(c, ret == 0 && id == (0x1234u | (0xfe10u + c->n) << 16), "config id %#x",
			 id);
		for (i = 0; i < 16; i++)
			pat[i] = (uint8_t)(k * 31 + i + c->n);
		ret = uvfio_region_write(d, VFIO_PCI_BAR0_REGION_INDEX, (uint64_t)(k % 16) * 16,
					 pat, 16);
		CL_CHECK(c, ret == 0, "scratch write: %d", ret);
		ret = uvfio_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, (uint64_t)(k % 16) * 16,
					back, 16);
		CL_CHECK(c, ret == 0 && !memcmp(pat, back, 16), "scratch read back: %d", ret);

		/* A DMA job: the model reads src and writes src + 1 to dst, then fires. */
		for (i = 0; i < JOB_MAX; i++)
			s[i] = (uint8_t)(k + i * 3 + c->n);
		memset(t, 0, JOB_MAX);
		CL_CHECK(c, write64(d, R_SRC, src->iova + soff) == 0, "SRC");
		CL_CHECK(c, write64(d, R_DST, dst->iova + doff) == 0, "DST");
		CL_CHECK(c, write32(d, R_LEN, JOB_MAX) == 0, "LEN");
		CL_CHECK(c, write32(d, R_GO, 1) == 0, "GO");
		got = uvfio_irq_wait(d, efd, WAIT_MS);
		CL_CHECK(c, got > 0, "job %d: no interrupt (%lld)", k, (long long)got);
		CL_CHECK(c, read32(d, R_RESULT) == 0, "job %d: result %d", k,
			 (int)read32(d, R_RESULT));
		for (i = 0; i < JOB_MAX; i++)
			CL_CHECK(c, t[i] == (uint8_t)(s[i] + 1), "job %d: byte %d is %u, not %u", k,
				 i, t[i], (uint8_t)(s[i] + 1));

		/* Now and then a loopback trigger through SET_IRQS. */
		if (k % 16 == 0) {
			CL_CHECK(c, uvfio_irq_trigger(d, VFIO_PCI_MSIX_IRQ_INDEX, 0) == 0,
				 "loopback trigger");
			got = uvfio_irq_wait(d, efd, WAIT_MS);
			CL_CHECK(c, got > 0, "loopback: no interrupt (%lld)", (long long)got);
		}
	}
	CL_CHECK(c, read32(d, R_JOBS) >= (uint32_t)c->iters, "jobs %u", read32(d, R_JOBS));
	if (read(reqfd, &c->reqs, sizeof(c->reqs)) != sizeof(c->reqs))
		c->reqs = 0;
out:
	if (d) {
		uvfio_irq_disable(d, VFIO_PCI_REQ_IRQ_INDEX);
		uvfio_irq_disable(d, VFIO_PCI_MSIX_IRQ_INDEX);
	}
	if (buf[1])
		uvfio_dma_free(ct, buf[1]);
	if (buf[0])
		uvfio_dma_free(ct, buf[0]);
	if (d)
		uvfio_device_close(d);
	if (ct)
		uvfio_container_destroy(ct);
	if (efd >= 0)
		close(efd);
	if (reqfd >= 0)
		close(reqfd);
	return NULL;
}

/* Fires REQ on every device while the clients run (any thread may). */
struct req_firer {
	struct mdl *m;
	atomic_bool stop;
	unsigned long fired;
};

static void *req_main(void *arg)
{
	struct req_firer *r = arg;
	const struct timespec ms = {.tv_nsec = 1000000};
	unsigned int i;

	while (!atomic_load(&r->stop)) {
		for (i = 0; i < NDEV; i++)
			if (uvfio_dev_req_trigger(r->m[i].dev) == 0)
				r->fired++;
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static void test_four_devices_four_clients(void **state)
{
	struct mdl m[NDEV];
	struct client c[NDEV];
	pthread_t th[NDEV];
	pthread_t req_th;
	struct req_firer req = {.m = m};
	unsigned int i;

	(void)state;
	for (i = 0; i < NDEV; i++)
		mdl_start(&m[i], i);
	atomic_init(&req.stop, false);
	assert_int_equal(pthread_create(&req_th, NULL, req_main, &req), 0);
	for (i = 0; i < NDEV; i++) {
		c[i] = (struct client){.m = &m[i], .n = i, .iters = iterations()};
		assert_int_equal(pthread_create(&th[i], NULL, client_main, &c[i]), 0);
	}
	for (i = 0; i < NDEV; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	atomic_store(&req.stop, true);
	assert_int_equal(pthread_join(req_th, NULL), 0);
	for (i = 0; i < NDEV; i++) {
		if (c[i].err[0])
			print_error("client %u: %s\n", i, c[i].err);
		assert_string_equal(c[i].err, "");
		assert_int_equal(m[i].jobs, (uint32_t)iterations());
	}
	for (i = 0; i < NDEV; i++)
		mdl_stop(&m[i]);
}

/* ---- four clients, one device --------------------------------------------------- */

struct racer {
	struct mdl *m;
	unsigned int n;
	int opened;
	int refused;
	char err[256];
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct uvfio_container *ct = NULL;
	int k;

	if (uvfio_container_create(&ct)) {
		snprintf(r->err, sizeof(r->err), "container_create");
		return NULL;
	}
	for (k = 0; k < 20; k++) {
		struct uvfio_device *d = NULL;
		uint8_t v = (uint8_t)(r->n * 16 + k);
		uint8_t back = 0;
		int ret = uvfio_device_open(ct, r->m->where, &d);

		if (ret == -EBUSY) {
			r->refused++;
			continue;
		}
		if (ret) {
			snprintf(r->err, sizeof(r->err), "open: %d %s", ret, uvfio_last_error());
			break;
		}
		r->opened++;
		/* While we hold it, scratch byte n is ours alone. */
		if (uvfio_device_enable(d) ||
		    uvfio_region_write(d, VFIO_PCI_BAR0_REGION_INDEX, r->n, &v, 1) ||
		    uvfio_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, r->n, &back, 1) || back != v)
			snprintf(r->err, sizeof(r->err), "access while open: %u != %u", back, v);
		uvfio_device_close(d);
		if (r->err[0])
			break;
	}
	uvfio_container_destroy(ct);
	return NULL;
}

static void test_clients_race_for_one_device(void **state)
{
	struct mdl m;
	struct racer r[NDEV];
	pthread_t th[NDEV];
	unsigned int i;
	int opened = 0;

	(void)state;
	mdl_start(&m, 0);
	for (i = 0; i < NDEV; i++) {
		r[i] = (struct racer){.m = &m, .n = i};
		assert_int_equal(pthread_create(&th[i], NULL, racer_main, &r[i]), 0);
	}
	for (i = 0; i < NDEV; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < NDEV; i++) {
		if (r[i].err[0])
			print_error("racer %u: %s\n", i, r[i].err);
		assert_string_equal(r[i].err, "");
		assert_int_equal(r[i].opened + r[i].refused, 20);
		opened += r[i].opened;
	}
	assert_true(opened >= 1);
	mdl_stop(&m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_four_devices_four_clients),
	cmocka_unit_test(test_clients_race_for_one_device),
};

UVFIO_TEST_MAIN(tests)
