// SPDX-License-Identifier: MIT
/*
 * lib/device per-client limits (DESIGN.md "Security": cap every count and
 * size and report the caps in negotiation): DMA maps, bytes mapped, fds per
 * message, transfer size.  For each: what VERSION reports, exactly at the
 * limit accepted, one over refused with its errno, and the device still
 * serving afterwards.
 *
 * Errnos: ENOSPC for maps and bytes (type1's dma_avail, linux-vfio.md
 * §3.1; bytes are our analogue of the locked-memory limit, §3.5); EINVAL
 * for more fds than max_msg_fds (the message is malformed for this server,
 * as a SET_IRQS data size mismatch is in vfio_set_irqs_validate_and_prepare);
 * E2BIG for a count above max_data_xfer_size (contract §5.11, §6: what QEMU
 * itself answers for count > max_xfer).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define BAR2 VFIO_PCI_BAR2_REGION_INDEX
#define CFG VFIO_PCI_CONFIG_REGION_INDEX
#define PG 4096u

/* Create the model with @lim, connect, negotiate as QEMU; return the server's caps. */
static void start_limited(struct srv *s, const struct uvfio_dev_limits *lim,
			  struct uvfio_caps *caps)
{
	uint8_t buf[4 + sizeof(QEMU_JSON)];
	uint8_t rbuf[8192];
	struct uvfio_msg_version v = {0, 0};
	size_t rlen;

	model_create(&s->m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_limits(s->m.dev, lim), 0);
	srv_connect(s);
	memcpy(buf, &v, sizeof(v));
	memcpy(buf + 4, QEMU_JSON, sizeof(QEMU_JSON));
	assert_int_equal(cl_call(s->sock, UVFIO_CMD_VERSION, buf, sizeof(buf), NULL, 0, rbuf,
				 sizeof(rbuf), &rlen),
			 0);
	assert_int_equal(uvfio_version_client(rbuf, rlen, caps), 0);
	/*
	 * No uvfio_dev_set_limits() here: the device is now served by its
	 * thread, and device.h allows the call only before serving or on that
	 * thread (TSan found the race on dev->sock such a call makes).
	 */
}

static void still_serving(int sock)
{
	assert_int_equal(cl_read32(sock, CFG, 0), 0x11e81234);
}

static int map(int sock, uint64_t iova, uint64_t size)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.addr = iova,
		.size = size,
	};

	return cl_call(sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), NULL, 0, NULL, 0, NULL);
}

static int unmap(int sock, uint64_t iova, uint64_t size)
{
	struct uvfio_msg_dma_unmap u = {.argsz = sizeof(u), .addr = iova, .size = size};

	return cl_call(sock, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, &u, sizeof(u), NULL);
}

/* The defaults, as device.h documents them, are what VERSION reports. */
static void test_defaults_reported(void **state)
{
	const struct uvfio_dev_limits zero = {0};
	struct uvfio_caps caps;
	struct srv s;

	(void)state;
	start_limited(&s, &zero, &caps);
	assert_int_equal(caps.max_dma_maps, 65535);
	assert_int_equal(caps.max_msg_fds, 16);
	assert_int_equal(caps.max_data_xfer_size, 1u << 20);
	assert_int_equal(caps.pgsizes, PG);
	srv_stop(&s);
}

/* Values uvfio_dev_set_limits() refuses: beyond what QEMU 10.1 accepts (contract §3.3). */
static void test_set_limits_bounds(void **state)
{
	struct uvfio_dev_limits l;
	struct model m;

	(void)state;
	model_create(&m, 0);
	l = (struct uvfio_dev_limits){.max_dma_maps = 65536};
	assert_int_equal(uvfio_dev_set_limits(m.dev, &l), -EINVAL);
	l = (struct uvfio_dev_limits){.max_msg_fds = 17};
	assert_int_equal(uvfio_dev_set_limits(m.dev, &l), -EINVAL);
	l = (struct uvfio_dev_limits){.max_data_xfer_size = 4095};
	assert_int_equal(uvfio_dev_set_limits(m.dev, &l), -EINVAL);
	l = (struct uvfio_dev_limits){.max_data_xfer_size = (64u << 20) + 1};
	assert_int_equal(uvfio_dev_set_limits(m.dev, &l), -EINVAL);
	l = (struct uvfio_dev_limits){
		.max_dma_maps = 65535,
		.max_msg_fds = 16,
		.max_data_xfer_size = 64u << 20,
	};
	assert_int_equal(uvfio_dev_set_limits(m.dev, &l), 0);
	assert_int_equal(uvfio_dev_set_limits(NULL, &l), -EINVAL);
	assert_int_equal(uvfio_dev_set_limits(m.dev, NULL), -EINVAL);
	model_destroy(&m);
}

static void test_max_dma_maps(void **state)
{
	const struct uvfio_dev_limits lim = {.max_dma_maps = 8};
	struct uvfio_caps caps;
	struct srv s;
	unsigned int i;

	(void)state;
	start_limited(&s, &lim, &caps);
	assert_int_equal(caps.max_dma_maps, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(map(s.sock, 0x100000 + 2ull * i * PG, PG), 0);
	assert_int_equal(map(s.sock, 0x200000, PG), -ENOSPC);
	still_serving(s.sock);
	/* One unmapped: room for exactly one more. */
	assert_int_equal(unmap(s.sock, 0x100000, PG), 0);
	assert_int_equal(map(s.sock, 0x200000, PG), 0);
	assert_int_equal(map(s.sock, 0x300000, PG), -ENOSPC);
	/* A reconnecting client starts with an empty space. */
	srv_disconnect(&s);
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, NULL), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(map(s.sock, 0x100000 + 2ull * i * PG, PG), 0);
	assert_int_equal(map(s.sock, 0x200000, PG), -ENOSPC);
	still_serving(s.sock);
	srv_stop(&s);
}

static void test_max_dma_bytes(void **state)
{
	const struct uvfio_dev_limits lim = {.max_dma_bytes = 16 * PG};
	struct uvfio_caps caps;
	struct srv s;

	(void)state;
	start_limited(&s, &lim, &caps);
	/* Not a protocol key (contract §3.1): nothing to report, only enforced. */
	assert_int_equal(map(s.sock, 0x100000, 17 * PG), -ENOSPC);
	assert_int_equal(map(s.sock, 0x100000, 10 * PG), 0);
	assert_int_equal(map(s.sock, 0x200000, 7 * PG), -ENOSPC);
	assert_int_equal(map(s.sock, 0x200000, 6 * PG), 0); /* exactly 16 pages */
	assert_int_equal(map(s.sock, 0x300000, PG), -ENOSPC);
	still_serving(s.sock);
	assert_int_equal(unmap(s.sock, 0x200000, 6 * PG), 0);
	assert_int_equal(map(s.sock, 0x300000, 6 * PG), 0);
	srv_stop(&s);
}

static void test_max_msg_fds(void **state)
{
	const struct uvfio_dev_limits lim = {.max_msg_fds = 2};
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	struct uvfio_caps caps;
	int efds[M_NVEC];
	struct srv s;
	unsigned int i;
	int base;

	(void)state;
	for (i = 0; i < M_NVEC; i++)
		efds[i] = efd_new();
	start_limited(&s, &lim, &caps);
	assert_int_equal(caps.max_msg_fds, 2);
	cl_enable(s.sock, 0);
	base = count_fds();
	/* Three fds to a server taking two: EINVAL, none of them kept. */
	set.count = 3;
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), efds, 3,
				 NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(count_fds(), base);
	assert_int_equal(uvfio_dev_irq_mode(s.m.dev), -ENODEV);
	still_serving(s.sock);
	/* Exactly two: fine; then the other two (QEMU's chunking). */
	set.count = 2;
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), efds, 2,
				 NULL, 0, NULL),
			 0);
	set.start = 2;
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), efds + 2, 2,
				 NULL, 0, NULL),
			 0);
	for (i = 0; i < M_NVEC; i++) {
		cl_write32(s.sock, BAR0, M_MSIX, i);
		assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), 0);
		assert_int_equal(efd_take(efds[i]), 1);
	}
	/* A DMA_MAP takes one fd whatever the limit (contract §5.1). */
	{
		struct uvfio_msg_dma_map m = {
			.argsz = sizeof(m), .flags = 3, .addr = 0x100000, .size = PG};

		assert_int_equal(
			cl_call(s.sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), efds, 2, NULL, 0, NULL),
			-EINVAL);
	}
	still_serving(s.sock);
	srv_stop(&s);
	for (i = 0; i < M_NVEC; i++)
		close(efds[i]);
}

static void test_max_data_xfer_size(void **state)
{
	static uint8_t buf[2 * 4096 + 64];
	static uint8_t back[4096];
	const struct uvfio_dev_limits lim = {.max_data_xfer_size = 4096};
	struct uvfio_msg_region_rw rw = {.offset = 0, .region = CFG, .count = 4097};
	struct uvfio_caps caps;
	struct srv s;
	unsigned int i;

	(void)state;
	start_limited(&s, &lim, &caps);
	assert_int_equal(caps.max_data_xfer_size, 4096);
	cl_enable(s.sock, 0);
	/* READ: the whole PCIe config space is exactly the limit; one more byte is not. */
	assert_int_equal(cl_read(s.sock, CFG, 0, buf, 4096), 0);
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_REGION_READ, &rw, sizeof(rw), NULL, 0, NULL, 0, NULL),
		-E2BIG);
	still_serving(s.sock);
	/* WRITE: 4096 bytes of a memory BAR at once; 4097 refused, nothing written. */
	for (i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_equal(cl_write(s.sock, BAR2, 0, buf, 4096), 0);
	assert_int_equal(cl_read(s.sock, BAR2, 0, back, 4096), 0);
	assert_memory_equal(back, buf, 4096);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(cl_write(s.sock, BAR2, 0, buf, 4097), -E2BIG);
	/* Larger than the receive buffer too: drained, still E2BIG, stream in step. */
	assert_int_equal(cl_write(s.sock, BAR2, 0, buf, 8192), -E2BIG);
	assert_int_equal(cl_read(s.sock, BAR2, 0, back, 4096), 0);
	assert_int_equal(back[1], 7);
	still_serving(s.sock);
	srv_stop(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_defaults_reported), cmocka_unit_test(test_set_limits_bounds),
	cmocka_unit_test(test_max_dma_maps),	  cmocka_unit_test(test_max_dma_bytes),
	cmocka_unit_test(test_max_msg_fds),	  cmocka_unit_test(test_max_data_xfer_size),
};

UVFIO_TEST_MAIN(tests)
