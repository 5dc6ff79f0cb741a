/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/edu/test-edu.c - the edu device model (devices/edu),
 * served by uvfio-serve in a child process, driven by the driver library
 * over vfio-user.  Facts checked: docs/edu.md and QEMU docs/specs/edu.rst.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "test.h"
#include "../common/proc.h"
#include "edu/edu.h"

/* The register map is the model's own (devices/edu/edu.h, after edu.md). */
#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define TIMEOUT_MS 5000
#define QUIET_MS 150

struct fx {
	struct served srv;
	struct uvfio_container *c;
	struct uvfio_device *d;
	int efd;
};

static int fx_open(struct fx *fx)
{
	int rc = open_device(fx->srv.where, &fx->c, &fx->d);

	if (rc < 0)
		return rc;
	rc = uvfio_device_enable(fx->d);
	if (rc == 0)
		rc = uvfio_device_set_dma_mask(fx->d, 28); /* edu.rst: dma_mask */
	return rc;
}

static void fx_close(struct fx *fx)
{
	if (fx->efd >= 0) {
		close(fx->efd);
		fx->efd = -1;
	}
	if (fx->d) {
		uvfio_device_close(fx->d);
		fx->d = NULL;
	}
	if (fx->c) {
		uvfio_container_destroy(fx->c);
		fx->c = NULL;
	}
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->efd = -1;
	if (served_start(&fx->srv, "edu") < 0) {
		free(fx);
		return -1;
	}
	if (fx_open(fx) < 0) {
		fprintf(stderr, "open %s: %s\n", fx->srv.where, uvfio_last_error());
		fx_close(fx);
		served_stop(&fx->srv);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	int rc;

	fx_close(fx);
	rc = served_stop(&fx->srv);
	free(fx);
	/* uvfio-serve exits 0 on SIGTERM (contract §1). */
	if (rc != 0) {
		fprintf(stderr, "uvfio-serve exited with %d\n", rc);
		return -1;
	}
	return 0;
}

static uint32_t rd(struct fx *fx, uint64_t off)
{
	return uvfio_bar_read32(fx->d, 0, off);
}

static void wr(struct fx *fx, uint64_t off, uint32_t v)
{
	assert_int_equal(uvfio_bar_write32(fx->d, 0, off, v), 0);
}

static void wr64(struct fx *fx, uint64_t off, uint64_t v)
{
	assert_int_equal(uvfio_bar_write64(fx->d, 0, off, v), 0);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll @off until @bits clear, serving the server's DMA messages meanwhile. */
static void wait_clear(struct fx *fx, uint64_t off, uint32_t bits)
{
	long long deadline = now_ms() + TIMEOUT_MS;

	while (rd(fx, off) & bits) {
		int pfd = uvfio_device_poll_fd(fx->d);

		assert_true(now_ms() < deadline);
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};

			if (poll(&p, 1, 1) > 0)
				assert_true(uvfio_device_process(fx->d) >= 0);
		} else {
			usleep(1000);
		}
	}
}

static void enable_irq(struct fx *fx, uint32_t index)
{
	fx->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(fx->efd >= 0);
	assert_int_equal(uvfio_irq_enable(fx->d, index, 0, 1, &fx->efd), 0);
}

static void expect_irq(struct fx *fx)
{
	assert_true(uvfio_irq_wait(fx->d, fx->efd, TIMEOUT_MS) > 0);
}

static void expect_no_irq(struct fx *fx)
{
	assert_int_equal(uvfio_irq_wait(fx->d, fx->efd, QUIET_MS), -ETIMEDOUT);
}

static uint32_t factorial32(uint32_t n)
{
	uint64_t acc = 1;

	for (uint64_t i = 2; i <= n && acc; i++)
		acc = (acc * i) & UINT32_MAX;
	return (uint32_t)acc;
}

/* Program and start a DMA; returns once the start bit cleared. */
static void dma(struct fx *fx, uint64_t src, uint64_t dst, uint64_t count, uint32_t cmd)
{
	wr64(fx, UVFIO_EDU_REG_DMA_SRC, src);
	wr64(fx, UVFIO_EDU_REG_DMA_DST, dst);
	wr64(fx, UVFIO_EDU_REG_DMA_COUNT, count);
	wr(fx, UVFIO_EDU_REG_DMA_CMD, UVFIO_EDU_DMA_START | cmd);
	wait_clear(fx, UVFIO_EDU_REG_DMA_CMD, UVFIO_EDU_DMA_START);
}

static void fill(void *p, size_t n, uint8_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 13 + (i >> 8));
}

static bool filled(const void *p, size_t n, uint8_t seed)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != (uint8_t)(seed + i * 13 + (i >> 8)))
			return false;
	}
	return true;
}

static bool all_bytes(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != v)
			return false;
	}
	return true;
}

/* Load the edu buffer with pattern @seed through @buf (polling). */
static void load_edu_buffer(struct fx *fx, struct uvfio_dma_buf *buf, uint8_t seed)
{
	fill(buf->vaddr, UVFIO_EDU_DMA_BUF_SIZE, seed);
	dma(fx, buf->iova, UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_BUF_SIZE, 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS) & UVFIO_EDU_IRQ_DMA, 0);
}

/* The edu buffer holds pattern @seed (read back through @buf). */
static void check_edu_buffer(struct fx *fx, struct uvfio_dma_buf *buf, uint8_t seed)
{
	memset(buf->vaddr, 0, UVFIO_EDU_DMA_BUF_SIZE);
	dma(fx, UVFIO_EDU_DMA_BUF_ADDR, buf->iova, UVFIO_EDU_DMA_BUF_SIZE, UVFIO_EDU_DMA_TO_RAM);
	assert_true(filled(buf->vaddr, UVFIO_EDU_DMA_BUF_SIZE, seed));
}

static void test_identity(void **state)
{
	struct fx *fx = *state;
	struct uvfio_device_info di;
	struct uvfio_region_info ri;
	struct uvfio_irq_info ii;
	uint16_t v16;
	uint8_t v8;
	uint32_t v32;
	int msi;

	/* edu.md "PCI". */
	assert_int_equal(uvfio_config_read16(fx->d, PCI_VENDOR_ID, &v16), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(uvfio_config_read16(fx->d, PCI_DEVICE_ID, &v16), 0);
	assert_int_equal(v16, 0x11e8);
	assert_int_equal(uvfio_config_read8(fx->d, PCI_REVISION_ID, &v8), 0);
	assert_int_equal(v8, 0x10);
	assert_int_equal(uvfio_config_read32(fx->d, PCI_CLASS_REVISION, &v32), 0);
	assert_int_equal(v32 >> 8, 0x00ff00);
	assert_int_equal(uvfio_config_read16(fx->d, PCI_SUBSYSTEM_VENDOR_ID, &v16), 0);
	assert_int_equal(v16, 0x1af4);
	assert_int_equal(uvfio_config_read16(fx->d, PCI_SUBSYSTEM_ID, &v16), 0);
	assert_int_equal(v16, 0x1100);
	assert_int_equal(uvfio_config_read8(fx->d, PCI_INTERRUPT_PIN, &v8), 0);
	assert_int_equal(v8, 1);

	/* BAR0: 32-bit non-prefetchable memory, 1 MiB (sizing reads the mask). */
	assert_int_equal(uvfio_config_read32(fx->d, PCI_BASE_ADDRESS_0, &v32), 0);
	assert_int_equal(v32 & ~PCI_BASE_ADDRESS_MEM_MASK, 0);
	assert_int_equal(uvfio_config_write32(fx->d, PCI_BASE_ADDRESS_0, 0xffffffff), 0);
	assert_int_equal(uvfio_config_read32(fx->d, PCI_BASE_ADDRESS_0, &v32), 0);
	assert_int_equal(v32, 0xfff00000);

	/* MSI: 64-bit, one vector, no per-vector masking. */
	msi = uvfio_config_find_cap(fx->d, PCI_CAP_ID_MSI);
	assert_true(msi >= 0x40);
	assert_int_equal(uvfio_config_read16(fx->d, (unsigned int)msi + PCI_MSI_FLAGS, &v16), 0);
	assert_true(v16 & PCI_MSI_FLAGS_64BIT);
	assert_false(v16 & PCI_MSI_FLAGS_MASKBIT);
	assert_int_equal(v16 & PCI_MSI_FLAGS_QMASK, 0);
	assert_int_equal(uvfio_config_find_cap(fx->d, PCI_CAP_ID_MSIX), -ENOENT);

	assert_int_equal(uvfio_device_get_info(fx->d, &di), 0);
	assert_true(di.flags & VFIO_DEVICE_FLAGS_PCI);
	assert_true(di.flags & VFIO_DEVICE_FLAGS_RESET);

	assert_int_equal(uvfio_region_get_info(fx->d, BAR0, &ri), 0);
	assert_int_equal(ri.size, 1 << 20);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_READ);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_WRITE);
	assert_false(ri.flags & VFIO_REGION_INFO_FLAG_MMAP); /* trapped */
	for (uint32_t i = VFIO_PCI_BAR1_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		assert_int_equal(uvfio_region_get_info(fx->d, i, &ri), 0);
		assert_int_equal(ri.size, 0);
	}

	/* linux-vfio.md §4.1/§4.2: INTx automasked, MSI one vector, no MSI-X. */
	assert_int_equal(uvfio_irq_get_info(fx->d, VFIO_PCI_INTX_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 1);
	assert_true(ii.flags & VFIO_IRQ_INFO_AUTOMASKED);
	assert_true(ii.flags & VFIO_IRQ_INFO_MASKABLE);
	assert_int_equal(uvfio_irq_get_info(fx->d, VFIO_PCI_MSI_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 1);
	assert_int_equal(uvfio_irq_get_info(fx->d, VFIO_PCI_MSIX_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 0);
}

static void test_registers(void **state)
{
	struct fx *fx = *state;
	uint64_t v64;

	assert_int_equal(rd(fx, UVFIO_EDU_REG_IDENT), 0x010000ed);
	wr(fx, UVFIO_EDU_REG_IDENT, 0); /* read-only */
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IDENT), 0x010000ed);

	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), 0); /* power-on */
	wr(fx, UVFIO_EDU_REG_LIVENESS, 0x12345678);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), 0xedcba987);
	wr(fx, UVFIO_EDU_REG_LIVENESS, 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), 0xffffffff);

	/* edu.rst: only 4-byte accesses below 0x80; others read all ones. */
	assert_int_equal(uvfio_bar_read8(fx->d, 0, UVFIO_EDU_REG_IDENT), 0xff);
	assert_int_equal(uvfio_bar_read16(fx->d, 0, UVFIO_EDU_REG_IDENT), 0xffff);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_IDENT), UINT64_MAX);
	assert_int_equal(uvfio_bar_write16(fx->d, 0, UVFIO_EDU_REG_LIVENESS, 0x1111), 0);
	assert_int_equal(uvfio_bar_write64(fx->d, 0, UVFIO_EDU_REG_LIVENESS, 0), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), 0xffffffff); /* both ignored */

	/* Status: 0x80 writable, 0x01 read-only, nothing else. */
	wr(fx, UVFIO_EDU_REG_STATUS, 0xffffffff);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_STATUS), UVFIO_EDU_STATUS_FACT_IRQ);
	wr(fx, UVFIO_EDU_REG_STATUS, 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_STATUS), 0);

	/* Write-only and unassigned offsets read all ones. */
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_RAISE), 0xffffffff);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_ACK), 0xffffffff);
	assert_int_equal(rd(fx, 0x10), 0xffffffff);
	assert_int_equal(rd(fx, 0x40000), 0xffffffff);

	/* DMA registers: 8 bytes, or 4 (which sets the whole register). */
	wr64(fx, UVFIO_EDU_REG_DMA_SRC, 0x123456789abcdef0ull);
	v64 = uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_SRC);
	assert_int_equal(v64, 0x123456789abcdef0ull);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_DMA_SRC), 0x9abcdef0);
	wr(fx, UVFIO_EDU_REG_DMA_SRC, 0x1000);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_SRC), 0x1000);
	wr64(fx, UVFIO_EDU_REG_DMA_COUNT, 77);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_COUNT), 77);
	assert_int_equal(uvfio_bar_read16(fx->d, 0, UVFIO_EDU_REG_DMA_COUNT), 0xffff);
	/* Direction and interrupt bits stick without starting. */
	wr(fx, UVFIO_EDU_REG_DMA_CMD, UVFIO_EDU_DMA_TO_RAM | UVFIO_EDU_DMA_IRQ);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_DMA_CMD), UVFIO_EDU_DMA_TO_RAM | UVFIO_EDU_DMA_IRQ);
}

static void test_factorial_poll(void **state)
{
	static const uint32_t ns[] = {0, 1, 2, 5, 10, 12, 13, 20, 33, 34, 100, 0xffffffff};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		wr(fx, UVFIO_EDU_REG_FACTORIAL, ns[i]);
		wait_clear(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_BUSY);
		assert_int_equal(rd(fx, UVFIO_EDU_REG_FACTORIAL), factorial32(ns[i]));
	}
	assert_int_equal(rd(fx, UVFIO_EDU_REG_FACTORIAL), 0); /* 2^32 divides it */
	assert_int_equal(factorial32(12), 479001600);	      /* fits in 32 bits */
	assert_int_equal(factorial32(13), 6227020800 & UINT32_MAX);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0); /* 0x80 was clear */
}

static void factorial_irq(struct fx *fx, bool intx)
{
	static const uint32_t ns[] = {5, 10, 12, 20};

	wr(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_FACT_IRQ);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		wr(fx, UVFIO_EDU_REG_FACTORIAL, ns[i]);
		expect_irq(fx);
		assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), UVFIO_EDU_IRQ_FACTORIAL);
		assert_int_equal(rd(fx, UVFIO_EDU_REG_STATUS) & UVFIO_EDU_STATUS_BUSY, 0);
		assert_int_equal(rd(fx, UVFIO_EDU_REG_FACTORIAL), factorial32(ns[i]));
		wr(fx, UVFIO_EDU_REG_IRQ_ACK, UVFIO_EDU_IRQ_FACTORIAL);
		assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0);
		if (intx)
			assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	}
	expect_no_irq(fx);
	wr(fx, UVFIO_EDU_REG_STATUS, 0);
}

static void test_factorial_msi(void **state)
{
	struct fx *fx = *state;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	factorial_irq(fx, false);
}

static void test_factorial_intx(void **state)
{
	struct fx *fx = *state;

	enable_irq(fx, VFIO_PCI_INTX_IRQ_INDEX);
	factorial_irq(fx, true);
}

/*
 * edu.md 0x64: INTx stays asserted while interrupt status is non-zero; vfio
 * masks INTx after each trigger and re-fires at unmask while the line is
 * still up (linux-vfio.md §4.1).
 */
static void test_intx_level(void **state)
{
	struct fx *fx = *state;

	enable_irq(fx, VFIO_PCI_INTX_IRQ_INDEX);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x1000);
	expect_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x2000);
	expect_no_irq(fx); /* automasked */
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0x3000);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x1000);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_irq(fx); /* 0x2000 still holds the line */
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x2000);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_no_irq(fx);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0);

	/* Raised while masked and acked before unmask: nothing fires. */
	assert_int_equal(uvfio_irq_mask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x4);
	expect_no_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x4);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_no_irq(fx);
}

/* MSI is one message per raise; an ack sends nothing (edu.rst). */
static void test_msi_raise(void **state)
{
	struct fx *fx = *state;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x10);
	expect_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x20);
	expect_irq(fx);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0x30);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x30);
	expect_no_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x10);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x10);
	/* Two messages, possibly counted by one wait. */
	assert_int_equal(uvfio_irq_wait(fx->d, fx->efd, TIMEOUT_MS) +
				 (uvfio_irq_wait(fx->d, fx->efd, QUIET_MS) > 0 ? 1 : 0),
			 2);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x10);
}

static void dma_round_trip(struct fx *fx, unsigned int flags, bool irq, bool intx)
{
	struct uvfio_dma_buf *a;
	struct uvfio_dma_buf *b;
	uint32_t cmd = irq ? UVFIO_EDU_DMA_IRQ : 0;

	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, flags, &a), 0);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, flags, &b), 0);
	assert_true(a->iova + UVFIO_EDU_DMA_BUF_SIZE <= (1u << 28));
	assert_true(b->iova + UVFIO_EDU_DMA_BUF_SIZE <= (1u << 28));

	for (uint8_t seed = 1; seed <= 3; seed++) {
		fill(a->vaddr, UVFIO_EDU_DMA_BUF_SIZE, seed);
		memset(b->vaddr, 0, UVFIO_EDU_DMA_BUF_SIZE);
		dma(fx, a->iova, UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_BUF_SIZE, cmd);
		if (irq) {
			expect_irq(fx);
			assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), UVFIO_EDU_IRQ_DMA);
			wr(fx, UVFIO_EDU_REG_IRQ_ACK, UVFIO_EDU_IRQ_DMA);
			if (intx)
				assert_int_equal(
					uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
		}
		memset(a->vaddr, 0, UVFIO_EDU_DMA_BUF_SIZE);
		dma(fx, UVFIO_EDU_DMA_BUF_ADDR, b->iova, UVFIO_EDU_DMA_BUF_SIZE,
		    UVFIO_EDU_DMA_TO_RAM | cmd);
		if (irq) {
			expect_irq(fx);
			assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), UVFIO_EDU_IRQ_DMA);
			wr(fx, UVFIO_EDU_REG_IRQ_ACK, UVFIO_EDU_IRQ_DMA);
			if (intx)
				assert_int_equal(
					uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
		}
		assert_true(filled(b->vaddr, UVFIO_EDU_DMA_BUF_SIZE, seed));
		assert_true(all_bytes(a->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0)); /* untouched */
	}
	if (irq)
		expect_no_irq(fx);
	uvfio_dma_free(fx->c, b);
	uvfio_dma_free(fx->c, a);
}

static void test_dma_4096_msi(void **state)
{
	struct fx *fx = *state;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	dma_round_trip(fx, 0, true, false);
}

static void test_dma_4096_intx(void **state)
{
	struct fx *fx = *state;

	enable_irq(fx, VFIO_PCI_INTX_IRQ_INDEX);
	dma_round_trip(fx, 0, true, true);
}

static void test_dma_4096_poll(void **state)
{
	dma_round_trip(*state, 0, false, false);
}

/* Parts of the buffer, at its edges, into and out of the middle of RAM. */
static void test_dma_partial(void **state)
{
	static const struct {
		uint64_t edu_off;
		uint64_t ram_off;
		uint64_t count;
	} cases[] = {
		{0, 0, 1},    {4095, 17, 1},  {0, 100, 100}, {2048, 0, 2048},
		{1, 3, 4095}, {4000, 96, 96}, {0, 0, 0},
	};
	struct fx *fx = *state;
	struct uvfio_dma_buf *ram;
	struct uvfio_dma_buf *out;
	uint8_t expect[UVFIO_EDU_DMA_BUF_SIZE];

	assert_int_equal(uvfio_dma_alloc(fx->c, 3 * UVFIO_EDU_DMA_BUF_SIZE, 0, &ram), 0);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &out), 0);
	memset(expect, 0, sizeof(expect));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *src = (uint8_t *)ram->vaddr + cases[i].ram_off;

		fill(src, cases[i].count, (uint8_t)(i + 7));
		memcpy(expect + cases[i].edu_off, src, cases[i].count);
		dma(fx, ram->iova + cases[i].ram_off, UVFIO_EDU_DMA_BUF_ADDR + cases[i].edu_off,
		    cases[i].count, 0);
		/* The whole buffer: only the window changed. */
		memset(out->vaddr, 0xee, UVFIO_EDU_DMA_BUF_SIZE);
		dma(fx, UVFIO_EDU_DMA_BUF_ADDR, out->iova, UVFIO_EDU_DMA_BUF_SIZE,
		    UVFIO_EDU_DMA_TO_RAM);
		assert_memory_equal(out->vaddr, expect, UVFIO_EDU_DMA_BUF_SIZE);
		/* And the window out to an offset in RAM. */
		memset(ram->vaddr, 0, 3 * UVFIO_EDU_DMA_BUF_SIZE);
		dma(fx, UVFIO_EDU_DMA_BUF_ADDR + cases[i].edu_off,
		    ram->iova + 4096 + cases[i].ram_off, cases[i].count, UVFIO_EDU_DMA_TO_RAM);
		assert_memory_equal((uint8_t *)ram->vaddr + 4096 + cases[i].ram_off,
				    expect + cases[i].edu_off, cases[i].count);
		assert_true(all_bytes(ram->vaddr, 4096 + cases[i].ram_off, 0));
	}
	uvfio_dma_free(fx->c, out);
	uvfio_dma_free(fx->c, ram);
}

/*
 * A refused DMA: start clears, no completion interrupt, the device buffer
 * and client memory unchanged (devices/edu/edu.c, top comment).
 */
static void expect_refused(struct fx *fx, uint64_t src, uint64_t dst, uint64_t count, uint32_t dir)
{
	dma(fx, src, dst, count, dir | UVFIO_EDU_DMA_IRQ);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_DMA_CMD) & UVFIO_EDU_DMA_START, 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS) & UVFIO_EDU_IRQ_DMA, 0);
	expect_no_irq(fx);
}

static void test_dma_edu_range(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *buf;
	struct uvfio_dma_buf *other;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(uvfio_dma_alloc(fx->c, 2 * UVFIO_EDU_DMA_BUF_SIZE, 0, &buf), 0);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &other), 0);
	load_edu_buffer(fx, buf, 0x5a);

	fill(other->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0x11);
	/* One byte past the end, before the start, too long, far away. */
	expect_refused(fx, other->iova, UVFIO_EDU_DMA_BUF_ADDR + 1, UVFIO_EDU_DMA_BUF_SIZE, 0);
	expect_refused(fx, other->iova, UVFIO_EDU_DMA_BUF_ADDR - 1, 16, 0);
	expect_refused(fx, other->iova, UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_BUF_SIZE + 1, 0);
	expect_refused(fx, other->iova, UVFIO_EDU_DMA_BUF_ADDR + UVFIO_EDU_DMA_BUF_SIZE, 1, 0);
	expect_refused(fx, other->iova, 0, 16, 0);
	expect_refused(fx, other->iova, UVFIO_EDU_DMA_BUF_ADDR + 8, UINT64_MAX - 4, 0);
	memset(buf->vaddr, 0x77, 2 * UVFIO_EDU_DMA_BUF_SIZE);
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR + 4095, buf->iova, 2, UVFIO_EDU_DMA_TO_RAM);
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, buf->iova, 2 * UVFIO_EDU_DMA_BUF_SIZE,
		       UVFIO_EDU_DMA_TO_RAM);
	assert_true(all_bytes(buf->vaddr, 2 * UVFIO_EDU_DMA_BUF_SIZE, 0x77));

	check_edu_buffer(fx, buf, 0x5a);
	assert_true(served_log_contains(&fx->srv, "DMA refused"));
	uvfio_dma_free(fx->c, other);
	uvfio_dma_free(fx->c, buf);
}

/*
 * The IOMMU emulation: DMA to or from an IOVA the client never mapped (or
 * no longer maps) is refused, nothing is written, and the device works on.
 */
static void test_dma_unmapped(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *buf;
	struct uvfio_dma_buf *gone;
	struct uvfio_dma_buf *last;
	uvfio_iova_t gone_iova;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &buf), 0);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &gone), 0);
	gone_iova = gone->iova;
	uvfio_dma_free(fx->c, gone);
	load_edu_buffer(fx, buf, 0x3c);

	/* From an unmapped IOVA into edu: the edu buffer keeps its data. */
	expect_refused(fx, gone_iova, UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_BUF_SIZE, 0);
	expect_refused(fx, 0x0ff00000, UVFIO_EDU_DMA_BUF_ADDR, 64, 0);
	/* From edu to unmapped IOVAs. */
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, gone_iova, UVFIO_EDU_DMA_BUF_SIZE,
		       UVFIO_EDU_DMA_TO_RAM);
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, 0x0ff00000, 64, UVFIO_EDU_DMA_TO_RAM);
	/* Beyond the 28-bit DMA mask. */
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, 1ull << 28, 64, UVFIO_EDU_DMA_TO_RAM);
	expect_refused(fx, 1ull << 40, UVFIO_EDU_DMA_BUF_ADDR, 64, 0);
	check_edu_buffer(fx, buf, 0x3c);

	/*
	 * Straddling an edge of a mapping into unmapped space: refused as a
	 * whole, and the mapped half stays untouched.  The only mappings now
	 * are buf and last.
	 */
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &last), 0);
	memset(last->vaddr, 0x99, UVFIO_EDU_DMA_BUF_SIZE);
	if (last->iova + UVFIO_EDU_DMA_BUF_SIZE != buf->iova) {
		expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, last->iova + 2048,
			       UVFIO_EDU_DMA_BUF_SIZE, UVFIO_EDU_DMA_TO_RAM);
	} else {
		assert_true(last->iova >= UVFIO_EDU_DMA_BUF_SIZE);
		expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, last->iova - 2048,
			       UVFIO_EDU_DMA_BUF_SIZE, UVFIO_EDU_DMA_TO_RAM);
	}
	assert_true(all_bytes(last->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0x99));
	assert_true(served_log_contains(&fx->srv, "DMA refused"));

	/* Alive: a factorial and a real round trip. */
	wr(fx, UVFIO_EDU_REG_FACTORIAL, 10);
	wait_clear(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_BUSY);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_FACTORIAL), 3628800);
	load_edu_buffer(fx, buf, 0x42);
	check_edu_buffer(fx, last, 0x42);
	uvfio_dma_free(fx->c, last);
	uvfio_dma_free(fx->c, buf);
}

/* vfio-user DMA_READ/DMA_WRITE (contract §5.11): buffers without an fd. */
static void test_dma_no_fd(void **state)
{
	struct fx *fx = *state;

	dma_round_trip(fx, UVFIO_DMA_NO_FD, false, false);
	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	dma_round_trip(fx, UVFIO_DMA_NO_FD, true, false);
}

/* One buffer with an fd, one without, in the same round trip. */
static void test_dma_mixed_fd(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *a;
	struct uvfio_dma_buf *b;

	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, UVFIO_DMA_NO_FD, &a), 0);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &b), 0);
	load_edu_buffer(fx, a, 0x21);
	check_edu_buffer(fx, b, 0x21);
	load_edu_buffer(fx, b, 0x22);
	check_edu_buffer(fx, a, 0x22);
	uvfio_dma_free(fx->c, b);
	uvfio_dma_free(fx->c, a);
}

/* type1 rules: a read-only mapping is read by the device, never written. */
static void test_dma_readonly(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *ro;
	struct uvfio_dma_buf *rw;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, UVFIO_DMA_READONLY, &ro),
			 0);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &rw), 0);
	load_edu_buffer(fx, ro, 0x17);
	check_edu_buffer(fx, rw, 0x17);
	fill(ro->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0x18);
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, ro->iova, UVFIO_EDU_DMA_BUF_SIZE,
		       UVFIO_EDU_DMA_TO_RAM);
	assert_true(filled(ro->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0x18));
	check_edu_buffer(fx, rw, 0x17);
	uvfio_dma_free(fx->c, rw);
	uvfio_dma_free(fx->c, ro);
}

/* linux/pci_regs.h PCI_COMMAND_MASTER: no bus master, no DMA. */
static void test_dma_bus_master_off(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *buf;
	uint16_t cmd;

	enable_irq(fx, VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &buf), 0);
	load_edu_buffer(fx, buf, 0x66);
	assert_int_equal(uvfio_config_read16(fx->d, PCI_COMMAND, &cmd), 0);
	assert_int_equal(uvfio_config_write16(fx->d, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER), 0);
	memset(buf->vaddr, 0x55, UVFIO_EDU_DMA_BUF_SIZE);
	expect_refused(fx, buf->iova, UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_BUF_SIZE, 0);
	expect_refused(fx, UVFIO_EDU_DMA_BUF_ADDR, buf->iova, UVFIO_EDU_DMA_BUF_SIZE,
		       UVFIO_EDU_DMA_TO_RAM);
	assert_true(all_bytes(buf->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0x55));
	assert_int_equal(uvfio_config_write16(fx->d, PCI_COMMAND, cmd), 0);
	check_edu_buffer(fx, buf, 0x66);
	uvfio_dma_free(fx->c, buf);
}

static void test_reset(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *buf;

	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &buf), 0);
	load_edu_buffer(fx, buf, 0x81);
	wr(fx, UVFIO_EDU_REG_LIVENESS, 0x1234);
	wr(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_FACT_IRQ);
	wr(fx, UVFIO_EDU_REG_FACTORIAL, 6);
	wait_clear(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_BUSY);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x40);
	wr64(fx, UVFIO_EDU_REG_DMA_SRC, 0x4242);
	wr(fx, UVFIO_EDU_REG_DMA_CMD, UVFIO_EDU_DMA_TO_RAM);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0x41);

	assert_int_equal(uvfio_device_reset(fx->d), 0);

	/*
	 * The library resets config space before the model (device.h): with
	 * COMMAND.MEMORY clear BAR access is refused, so enable again first.
	 */
	assert_int_equal(uvfio_device_enable(fx->d), 0);

	/* Power-on state: zeroed registers, empty buffer. */
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IDENT), 0x010000ed);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_FACTORIAL), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_STATUS), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_SRC), 0);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_DST), 0);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_COUNT), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_DMA_CMD), 0);

	memset(buf->vaddr, 0xcc, UVFIO_EDU_DMA_BUF_SIZE);
	dma(fx, UVFIO_EDU_DMA_BUF_ADDR, buf->iova, UVFIO_EDU_DMA_BUF_SIZE, UVFIO_EDU_DMA_TO_RAM);
	assert_true(all_bytes(buf->vaddr, UVFIO_EDU_DMA_BUF_SIZE, 0));
	uvfio_dma_free(fx->c, buf);
}

/* Contract §1 "Disconnect rules": the device keeps its state for the next client. */
static void test_reconnect_keeps_state(void **state)
{
	struct fx *fx = *state;
	struct uvfio_dma_buf *buf;

	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &buf), 0);
	load_edu_buffer(fx, buf, 0x99);
	uvfio_dma_free(fx->c, buf);
	wr(fx, UVFIO_EDU_REG_LIVENESS, 0xcafef00d);
	wr64(fx, UVFIO_EDU_REG_DMA_SRC, 0x0badc0de000ull);
	wr64(fx, UVFIO_EDU_REG_DMA_COUNT, 123);
	wr(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_FACT_IRQ);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x8);

	fx_close(fx);
	assert_int_equal(fx_open(fx), 0);

	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), ~0xcafef00du);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_SRC), 0x0badc0de000ull);
	assert_int_equal(uvfio_bar_read64(fx->d, 0, UVFIO_EDU_REG_DMA_COUNT), 123);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_STATUS), UVFIO_EDU_STATUS_FACT_IRQ);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0x8);
	/* The line is still up: the new client's INTx fires once enabled. */
	enable_irq(fx, VFIO_PCI_INTX_IRQ_INDEX);
	expect_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x8);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_no_irq(fx);
	assert_int_equal(uvfio_dma_alloc(fx->c, UVFIO_EDU_DMA_BUF_SIZE, 0, &buf), 0);
	check_edu_buffer(fx, buf, 0x99);
	uvfio_dma_free(fx->c, buf);

	/* And once more, with the new client's state. */
	wr(fx, UVFIO_EDU_REG_LIVENESS, 7);
	fx_close(fx);
	assert_int_equal(fx_open(fx), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), ~7u);
}

/*
 * Exclusive open (DESIGN.md "Semantics"): a second client gets EBUSY while
 * the first works on undisturbed; once the first leaves, the next may come.
 */
static void test_second_client_busy(void **state)
{
	struct fx *fx = *state;
	struct uvfio_container *c2;
	struct uvfio_device *d2 = NULL;
	int rc;

	assert_int_equal(uvfio_container_create(&c2), 0);
	wr(fx, UVFIO_EDU_REG_LIVENESS, 0x1111);
	assert_int_equal(uvfio_device_open(c2, fx->srv.where, &d2), -EBUSY);
	assert_null(d2);
	assert_int_equal(uvfio_device_open(c2, fx->srv.where, &d2), -EBUSY);

	assert_int_equal(rd(fx, UVFIO_EDU_REG_LIVENESS), ~0x1111u);
	wr(fx, UVFIO_EDU_REG_FACTORIAL, 8);
	wait_clear(fx, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_BUSY);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_FACTORIAL), 40320);
	dma_round_trip(fx, 0, false, false);

	/* The first leaves; the server may take a moment to notice. */
	fx_close(fx);
	for (int i = 0; i < 500; i++) {
		rc = uvfio_device_open(c2, fx->srv.where, &d2);
		if (rc != -EBUSY)
			break;
		usleep(10000);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(uvfio_device_enable(d2), 0);
	assert_int_equal(uvfio_bar_read32(d2, 0, UVFIO_EDU_REG_LIVENESS), ~0x1111u);
	uvfio_device_close(d2);
	uvfio_container_destroy(c2);
	assert_int_equal(fx_open(fx), 0);
}

/* Interrupts follow the mode: MSI enabled after INTx, and back. */
static void test_irq_mode_switch(void **state)
{
	struct fx *fx = *state;
	int msi_efd;

	enable_irq(fx, VFIO_PCI_INTX_IRQ_INDEX);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x2);
	expect_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x2);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(uvfio_irq_disable(fx->d, VFIO_PCI_INTX_IRQ_INDEX), 0);

	msi_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(msi_efd >= 0);
	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &msi_efd), 0);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x2);
	assert_true(uvfio_irq_wait(fx->d, msi_efd, TIMEOUT_MS) > 0);
	expect_no_irq(fx); /* not on INTx */
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x2);
	assert_int_equal(uvfio_irq_disable(fx->d, VFIO_PCI_MSI_IRQ_INDEX), 0);
	close(msi_efd);

	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &fx->efd), 0);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x2);
	expect_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x2);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);

	/*
	 * Status left set under MSI, then back to INTx: the level line is up,
	 * so INTx fires (at the device's next register access, edu.c).
	 */
	assert_int_equal(uvfio_irq_disable(fx->d, VFIO_PCI_INTX_IRQ_INDEX), 0);
	msi_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(msi_efd >= 0);
	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &msi_efd), 0);
	wr(fx, UVFIO_EDU_REG_IRQ_RAISE, 0x8);
	assert_true(uvfio_irq_wait(fx->d, msi_efd, TIMEOUT_MS) > 0);
	assert_int_equal(uvfio_irq_disable(fx->d, VFIO_PCI_MSI_IRQ_INDEX), 0);
	close(msi_efd);
	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &fx->efd), 0);
	assert_int_equal(rd(fx, UVFIO_EDU_REG_IRQ_STATUS), 0x8);
	expect_irq(fx);
	wr(fx, UVFIO_EDU_REG_IRQ_ACK, 0x8);
	assert_int_equal(uvfio_irq_unmask(fx->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_no_irq(fx);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
	cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_factorial_poll, setup, teardown),
	cmocka_unit_test_setup_teardown(test_factorial_msi, setup, teardown),
	cmocka_unit_test_setup_teardown(test_factorial_intx, setup, teardown),
	cmocka_unit_test_setup_teardown(test_intx_level, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msi_raise, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_4096_msi, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_4096_intx, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_4096_poll, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_partial, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_edu_range, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_unmapped, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_no_fd, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_mixed_fd, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_readonly, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma_bus_master_off, setup, teardown),
	cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	cmocka_unit_test_setup_teardown(test_reconnect_keeps_state, setup, teardown),
	cmocka_unit_test_setup_teardown(test_second_client_busy, setup, teardown),
	cmocka_unit_test_setup_teardown(test_irq_mode_switch, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
