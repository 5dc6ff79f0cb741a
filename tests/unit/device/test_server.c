// SPDX-License-Identifier: MIT
/*
 * lib/device served over a socketpair (or a listening socket) to a raw
 * vfio-user client: negotiation, device and region info, region access,
 * malformed messages, DMA, disconnect, exclusive open, reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define CFG VFIO_PCI_CONFIG_REGION_INDEX

static int get_json_version(int sock, const void *payload, size_t len, uint8_t *rbuf, size_t rsize,
			    size_t *rlen)
{
	return cl_call(sock, UVFIO_CMD_VERSION, payload, len, NULL, 0, rbuf, rsize, rlen);
}

static void test_negotiate_qemu(void **state)
{
	struct srv s;
	uint8_t buf[4 + 4096];
	uint8_t rbuf[8192];
	struct uvfio_msg_version v = {0, 0};
	struct uvfio_caps caps;
	size_t rlen;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	srv_connect(&s);
	memcpy(buf, &v, sizeof(v));
	memcpy(buf + 4, QEMU_JSON, sizeof(QEMU_JSON));
	assert_int_equal(
		get_json_version(s.sock, buf, 4 + sizeof(QEMU_JSON), rbuf, sizeof(rbuf), &rlen), 0);
	memcpy(&v, rbuf, sizeof(v));
	/* contract §3.3: QEMU 10.1 needs 0.0 and JSON. */
	assert_int_equal(v.major, 0);
	assert_int_equal(v.minor, 0);
	assert_true(rlen > 4);
	assert_int_equal(rbuf[rlen - 1], '\0');
	assert_non_null(strstr((char *)rbuf + 4, "\"write_multiple\":true"));
	assert_int_equal(uvfio_version_client(rbuf, rlen, &caps), 0);
	assert_int_equal(caps.max_msg_fds, 16);
	assert_int_equal(caps.max_data_xfer_size, 1u << 20);
	assert_int_equal(caps.max_dma_maps, 65535);
	assert_int_equal(caps.pgsizes, 4096);
	assert_true(caps.write_multiple);
	/* A second VERSION is an error, the connection stays. */
	assert_int_equal(
		get_json_version(s.sock, buf, 4 + sizeof(QEMU_JSON), rbuf, sizeof(rbuf), &rlen),
		-EINVAL);
	assert_int_equal(cl_read32(s.sock, CFG, 0), 0x11e81234);
	/* The model heard open. */
	srv_stop(&s);
}

static void test_negotiate_spdk_rust(void **state)
{
	struct srv s;
	struct uvfio_msg_version v = {0, 0};
	const char *rust = "{\"capabilities\":{\"max_msg_fds\":1,\"max_data_xfer_size\":1048576,"
			   "\"migration\":{\"pgsize\":4096}}}";
	uint8_t buf[512];
	uint8_t rbuf[8192];
	size_t rlen;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	/* SPDK: major 0 minor 0, no JSON at all; we still answer with JSON. */
	srv_connect(&s);
	assert_int_equal(get_json_version(s.sock, &v, sizeof(v), rbuf, sizeof(rbuf), &rlen), 0);
	assert_true(rlen > 4 && rbuf[rlen - 1] == '\0');
	srv_disconnect(&s);
	/* rust-vmm proposes minor 1: we answer 0. */
	srv_connect(&s);
	v.minor = 1;
	memcpy(buf, &v, sizeof(v));
	memcpy(buf + 4, rust, strlen(rust) + 1);
	assert_int_equal(
		get_json_version(s.sock, buf, 4 + strlen(rust) + 1, rbuf, sizeof(rbuf), &rlen), 0);
	memcpy(&v, rbuf, sizeof(v));
	assert_int_equal(v.minor, 0);
	srv_disconnect(&s);
	/* Major 1 and bad JSON: EINVAL, then closed. */
	srv_connect(&s);
	v.major = 1;
	v.minor = 0;
	assert_int_equal(get_json_version(s.sock, &v, sizeof(v), rbuf, sizeof(rbuf), &rlen),
			 -EINVAL);
	pthread_join(s.th, NULL);
	s.running = false;
	close(s.sock);
	srv_connect(&s);
	v.major = 0;
	memcpy(buf, &v, sizeof(v));
	memcpy(buf + 4, "{nope", 6);
	assert_int_equal(get_json_version(s.sock, buf, 10, rbuf, sizeof(rbuf), &rlen), -EINVAL);
	srv_stop(&s);
}

static void test_not_version_first(void **state)
{
	struct uvfio_msg_device_info di = {.argsz = sizeof(di)};
	struct uvfio_msg m;
	uint8_t buf[64];
	struct srv s;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	srv_connect(&s);
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, NULL, 0, NULL),
		-EINVAL);
	/* ... and the connection is closed. */
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), -ECONNRESET);
	pthread_join(s.th, NULL);
	s.running = false;
	assert_int_equal(s.ret, 0);
	close(s.sock);
	/* The device serves the next client. */
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, NULL), 0);
	srv_stop(&s);
}

static void test_device_info(void **state)
{
	struct uvfio_msg_device_info di = {.argsz = sizeof(di)};
	struct vfio_irq_info ii = {.argsz = sizeof(ii)};
	struct srv s;
	size_t rlen;
	static const struct {
		uint32_t index;
		uint32_t flags;
		uint32_t count;
	} irqs[] = {
		{VFIO_PCI_INTX_IRQ_INDEX,
		 VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED, 1},
		{VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, M_NVEC},
		/* vfio-pci with dynamic MSI-X (linux-vfio.md §4.2): not NORESIZE. */
		{VFIO_PCI_MSIX_IRQ_INDEX, VFIO_IRQ_INFO_EVENTFD, M_NVEC},
		{VFIO_PCI_ERR_IRQ_INDEX, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, 1},
		{VFIO_PCI_REQ_IRQ_INDEX, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, 1},
	};
	size_t i;

	(void)state;
	srv_start(&s);
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, &di,
				 sizeof(di), &rlen),
			 0);
	assert_int_equal(rlen, 16);
	assert_int_equal(di.flags, VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI);
	assert_int_equal(di.num_regions, 10);
	assert_int_equal(di.num_irqs, 5);
	for (i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		ii = (struct vfio_irq_info){.argsz = sizeof(ii), .index = irqs[i].index};
		assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii),
					 NULL, 0, &ii, sizeof(ii), &rlen),
				 0);
		assert_int_equal(ii.flags, irqs[i].flags);
		assert_int_equal(ii.count, irqs[i].count);
	}
	ii = (struct vfio_irq_info){.argsz = sizeof(ii), .index = 5};
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
				 NULL, 0, NULL),
			 -EINVAL);
	srv_stop(&s);
}

static int region_info(int sock, uint32_t index, uint32_t argsz, uint8_t *out, size_t size)
{
	struct vfio_region_info ri = {.argsz = argsz, .index = index};

	return cl_call(sock, UVFIO_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0, out, size,
		       NULL);
}

static void test_region_info(void **state)
{
	struct vfio_region_info ri;
	struct vfio_region_info_cap_sparse_mmap sp;
	struct vfio_region_sparse_mmap_area area;
	struct vfio_region_info_cap_type ty;
	uint8_t out[256];
	struct srv s;
	uint32_t *mapped;
	int fd;

	(void)state;
	srv_start(&s);
	/* Config: 4096 bytes, RW, index << 40. */
	assert_int_equal(region_info(s.sock, CFG, 32, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.size, 4096);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
	assert_int_equal(ri.offset, 7ull << 40);
	assert_int_equal(cl_reply_fd, -1);
	/* VGA: EINVAL like vfio-pci without VGA; past the last region: EINVAL. */
	assert_int_equal(region_info(s.sock, 8, 32, out, sizeof(out)), -EINVAL);
	assert_int_equal(region_info(s.sock, 10, 32, out, sizeof(out)), -EINVAL);
	/* Absent BAR1: success with size 0, flags 0. */
	assert_int_equal(region_info(s.sock, 1, 32, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.size, 0);
	assert_int_equal(ri.flags, 0);
	/* argsz below the struct: EINVAL. */
	assert_int_equal(region_info(s.sock, 0, 16, out, sizeof(out)), -EINVAL);
	/* Trapped BAR0, ROM. */
	assert_int_equal(region_info(s.sock, 0, 32, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.size, M_BAR0_SIZE);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
	assert_int_equal(region_info(s.sock, 6, 32, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.size, 4096);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ);

	/* BAR2, memory: QEMU asks with 32 first, gets the size it needs, no fd. */
	assert_int_equal(region_info(s.sock, 2, 32, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.argsz, 32 + sizeof(sp) + sizeof(area));
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_CAPS);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_int_equal(ri.cap_offset, 0);
	assert_int_equal(cl_reply_fd, -1);
	/* ... and again with that argsz: sparse cap and the fd. */
	assert_int_equal(region_info(s.sock, 2, ri.argsz, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.cap_offset, 32);
	assert_int_equal(ri.size, M_BAR2_SIZE);
	memcpy(&sp, out + 32, sizeof(sp));
	assert_int_equal(sp.header.id, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	assert_int_equal(sp.header.version, 1);
	assert_int_equal(sp.header.next, 0);
	assert_int_equal(sp.nr_areas, 1);
	memcpy(&area, out + 32 + sizeof(sp), sizeof(area));
	/* The MSI-X table and PBA page are left out. */
	assert_int_equal(area.offset, 0);
	assert_int_equal(area.size, M_MSIX_TABLE);
	fd = cl_reply_fd;
	assert_true(fd >= 0);
	mapped = mmap(NULL, area.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      (off_t)(ri.offset + area.offset));
	assert_true(mapped != MAP_FAILED);
	close(fd);
	/* The model's writes show in the client's mapping, and back. */
	cl_enable(s.sock, 0);
	cl_write32(s.sock, BAR0, M_MEMPOKE, 0xdeadbeef);
	assert_int_equal(mapped[0], 0xdeadbeef);
	mapped[1] = 0x12345678;
	assert_int_equal(cl_read32(s.sock, 2, 4), 0x12345678);
	munmap(mapped, area.size);

	/* Device-specific region 9: TYPE cap. */
	assert_int_equal(region_info(s.sock, 9, 64, out, sizeof(out)), 0);
	memcpy(&ri, out, sizeof(ri));
	assert_int_equal(ri.size, M_REGION9_SIZE);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_CAPS);
	assert_int_equal(ri.cap_offset, 32);
	memcpy(&ty, out + 32, sizeof(ty));
	assert_int_equal(ty.header.id, VFIO_REGION_INFO_CAP_TYPE);
	assert_int_equal(ty.header.version, 1);
	assert_int_equal(ty.type, M_REGION9_TYPE);
	assert_int_equal(ty.subtype, M_REGION9_SUBTYPE);
	srv_stop(&s);
}

static void test_region_rw(void **state)
{
	struct srv s;
	uint8_t b[8];
	uint64_t q = 0x0102030405060708ull;
	uint64_t q2 = 0;
	uint16_t w = 0xbeef;
	uint8_t rom[16];
	uint8_t big[M_BAR0_SIZE];

	(void)state;
	srv_start(&s);
	assert_int_equal(cl_read32(s.sock, CFG, 0), 0x11e81234);
	/* BAR access while COMMAND.MEMORY is clear: EIO (linux-vfio.md §2.4). */
	assert_int_equal(cl_read(s.sock, BAR0, M_SCRATCH, b, 4), -EIO);
	assert_int_equal(cl_write(s.sock, BAR0, M_SCRATCH, b, 4), -EIO);
	cl_enable(s.sock, 0);
	/* 1, 2, 4, 8 bytes and bulk. */
	b[0] = 0xa5;
	assert_int_equal(cl_write(s.sock, BAR0, M_SCRATCH, b, 1), 0);
	assert_int_equal(cl_write(s.sock, BAR0, M_SCRATCH + 2, &w, 2), 0);
	cl_write32(s.sock, BAR0, M_SCRATCH + 4, 0xcafef00d);
	assert_int_equal(cl_write(s.sock, BAR0, M_SCRATCH + 8, &q, 8), 0);
	assert_int_equal(cl_read(s.sock, BAR0, M_SCRATCH + 8, &q2, 8), 0);
	assert_int_equal(q2, q);
	assert_int_equal(cl_read32(s.sock, BAR0, M_SCRATCH + 4), 0xcafef00d);
	assert_int_equal(cl_read(s.sock, BAR0, 0, big, sizeof(big)), 0);
	assert_int_equal(big[M_SCRATCH], 0xa5);
	/* Bounds: past the end, and offset + count wrapping. */
	assert_int_equal(cl_read(s.sock, BAR0, M_BAR0_SIZE - 2, b, 4), -EINVAL);
	assert_int_equal(cl_read(s.sock, BAR0, 0xfffffffffffffffcull, b, 8), -EINVAL);
	assert_int_equal(cl_read(s.sock, 1, 0, b, 4), -EINVAL);
	assert_int_equal(cl_read(s.sock, 8, 0, b, 4), -EINVAL);
	assert_int_equal(cl_read(s.sock, 77, 0, b, 4), -EINVAL);
	/* ROM: read-only, past the image 0xff. */
	assert_int_equal(cl_read(s.sock, 6, 0, rom, 16), 0);
	assert_int_equal(rom[5], 5);
	assert_int_equal(cl_read(s.sock, 6, M_ROM_LEN, rom, 4), 0);
	assert_int_equal(rom[0], 0xff);
	assert_int_equal(cl_write(s.sock, 6, 0, rom, 4), -EINVAL);
	/* Region 9 (no COMMAND gating: not a BAR). */
	cl_write32(s.sock, 9, 16, 0x99);
	assert_int_equal(cl_read32(s.sock, 9, 16), 0x99);
	/* Config space 4096: whole read in one go. */
	assert_int_equal(cl_read(s.sock, CFG, 0, big, 4096), 0);
	assert_int_equal(cl_read(s.sock, CFG, 4094, b, 4), -EINVAL);
	srv_stop(&s);
}

static void test_posted_and_multi(void **state)
{
	struct uvfio_msg_region_rw rw = {.offset = M_SCRATCH, .region = BAR0, .count = 4};
	uint8_t msg[sizeof(rw) + 4];
	uint8_t wm[8 + 3 * 24];
	uint64_t cnt = 3;
	uint64_t got = 0;
	uint32_t v = 0x11223344;
	size_t rlen;
	struct srv s;
	unsigned int i;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	/* A posted write (No_reply) is never answered, even when it fails. */
	memcpy(msg, &rw, sizeof(rw));
	memcpy(msg + sizeof(rw), &v, 4);
	assert_int_equal(cl_send(s.sock, cl_next_id(), UVFIO_CMD_REGION_WRITE, UVFIO_MSG_NO_REPLY,
				 msg, sizeof(msg), NULL, 0),
			 0);
	rw.offset = 0x10000; /* out of bounds */
	memcpy(msg, &rw, sizeof(rw));
	assert_int_equal(cl_send(s.sock, cl_next_id(), UVFIO_CMD_REGION_WRITE, UVFIO_MSG_NO_REPLY,
				 msg, sizeof(msg), NULL, 0),
			 0);
	/* The next reply is the read's: nothing answered the posted ones. */
	assert_int_equal(cl_read32(s.sock, BAR0, M_SCRATCH), 0x11223344);

	/* WRITE_MULTI: three 4-byte writes, applied in order. */
	memcpy(wm, &cnt, 8);
	for (i = 0; i < 3; i++) {
		struct uvfio_msg_write_multi_entry e = {
			.offset = M_SCRATCH + 16 + 4 * i,
			.region = BAR0,
			.count = 4,
		};
		uint32_t val = 0x100 + i;

		memcpy(e.data, &val, 4);
		memcpy(wm + 8 + 24 * i, &e, sizeof(e));
	}
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_REGION_WRITE_MULTI, wm, sizeof(wm), NULL, 0,
				 &got, sizeof(got), &rlen),
			 0);
	assert_int_equal(rlen, 8);
	assert_int_equal(got, 3);
	assert_int_equal(cl_read32(s.sock, BAR0, M_SCRATCH + 24), 0x102);
	srv_stop(&s);
}

static void test_malformed(void **state)
{
	struct uvfio_msg_dma_map map = {.argsz = 32, .flags = 3, .addr = 0, .size = 4096};
	struct uvfio_msg_region_rw rw = {.offset = 0, .region = CFG, .count = 2u << 20};
	struct uvfio_msg_device_info di = {.argsz = 4};
	struct vfio_irq_set set = {.argsz = 20, .flags = 0x22, .index = 0, .count = 1};
	static uint8_t huge[(2u << 20) + 64];
	int pfd[2];
	int base;
	struct srv s;

	(void)state;
	srv_start(&s);
	/* Short DMA_MAP. */
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DMA_MAP, &map, 8, NULL, 0, NULL, 0, NULL),
			 -EINVAL);
	/* REGION_READ count above our max_data_xfer_size. */
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_REGION_READ, &rw, sizeof(rw), NULL, 0, NULL, 0, NULL),
		-E2BIG);
	/* A REGION_WRITE payload larger than our buffer: drained, E2BIG. */
	rw.count = (1u << 20) + 4096;
	memcpy(huge, &rw, sizeof(rw));
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_REGION_WRITE, huge, sizeof(rw) + rw.count, NULL,
				 0, NULL, 0, NULL),
			 -E2BIG);
	/* REGION_WRITE whose count disagrees with its data. */
	rw.count = 8;
	memcpy(huge, &rw, sizeof(rw));
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_REGION_WRITE, huge, sizeof(rw) + 4, NULL, 0,
				 NULL, 0, NULL),
			 -EINVAL);
	/* Small argsz, unknown command, unsupported command. */
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, NULL, 0, NULL),
		-EINVAL);
	assert_int_equal(cl_call(s.sock, 99, &di, sizeof(di), NULL, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_MIG_DATA_READ, &di, 8, NULL, 0, NULL, 0, NULL),
			 -EINVAL);
	/* fds where none belong: closed, EINVAL. */
	base = count_fds();
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), pfd, 1, NULL, 0, NULL),
		-EINVAL);
	/* BOOL SET_IRQS without its bool. */
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
				 NULL, 0, NULL),
			 -EINVAL);
	/* A DMA_MAP with a pipe for memory. */
	assert_int_equal(
		cl_call(s.sock, UVFIO_CMD_DMA_MAP, &map, sizeof(map), pfd, 1, NULL, 0, NULL),
		-EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	/* The device kept none of them. */
	assert_int_equal(count_fds(), base);
	/* Still serving. */
	assert_int_equal(cl_read32(s.sock, CFG, 0), 0x11e81234);

	/* A header with size < 16 breaks the stream: the device drops the client. */
	{
		struct uvfio_msg_hdr bad = {.msg_id = 1, .cmd = 4, .size = 8};

		assert_int_equal(write(s.sock, &bad, sizeof(bad)), sizeof(bad));
		pthread_join(s.th, NULL);
		s.running = false;
		close(s.sock);
	}
	/* ... and serves the next one. */
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, NULL), 0);
	assert_int_equal(cl_read32(s.sock, CFG, 0), 0x11e81234);
	srv_stop(&s);
}

static int dma_map(int sock, uint64_t iova, uint64_t size, uint32_t flags, int fd, uint64_t offset)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.offset = offset,
		.addr = iova,
		.size = size,
	};

	return cl_call(sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), &fd, fd >= 0 ? 1 : 0, NULL, 0, NULL);
}

static int dma_unmap(int sock, uint64_t iova, uint64_t size, uint32_t flags, uint64_t *done)
{
	struct uvfio_msg_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .addr = iova, .size = size};
	size_t rlen = 0;
	int ret;

	ret = cl_call(sock, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, &u, sizeof(u), &rlen);
	if (ret)
		return ret;
	assert_int_equal(rlen, sizeof(u));
	*done = u.size;
	return 0;
}

static void job_setup(int sock, uint64_t src, uint32_t len, uint64_t dst)
{
	assert_int_equal(cl_write(sock, BAR0, M_JOB_IOVA, &src, 8), 0);
	cl_write32(sock, BAR0, M_JOB_LEN, len);
	assert_int_equal(cl_write(sock, BAR0, M_JOB_DST, &dst, 8), 0);
}

static void test_dma_fd(void **state)
{
	struct srv s;
	int fd = memfd_create("guest-ram", MFD_CLOEXEC);
	uint8_t *ram;
	uint64_t done;
	int i;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0x10000), 0);
	ram = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(ram != MAP_FAILED);
	srv_start(&s);
	/* iova 0x100000 -> memfd offset 0x4000, 0x8000 bytes. */
	assert_int_equal(dma_map(s.sock, 0x100000, 0x8000, 3, fd, 0x4000), 0);
	assert_int_equal(dma_map(s.sock, 0x104000, 0x1000, 3, fd, 0), -EEXIST);
	assert_int_equal(dma_map(s.sock, 0x200000, 0x1000, 1, fd, 0), 0);
	for (i = 0; i < 16; i++)
		ram[0x4000 + 0x10 + i] = (uint8_t)(i * 3);
	/* Bus master off: the job gets -EACCES. */
	cl_cfg_write16(s.sock, PCI_COMMAND, PCI_COMMAND_MEMORY);
	job_setup(s.sock, 0x100010, 16, 0x101000);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), -EACCES);
	cl_enable(s.sock, 0);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	/* The job ran after the reply; this read comes after it. */
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(ram[0x4000 + 0x1000 + i], (uint8_t)(i * 3 + 1));
	/* In-request DMA through an fd-backed window is fine. */
	job_setup(s.sock, 0x100010, 8, 0x102000);
	cl_write32(s.sock, BAR0, M_JOB_SYNC, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), 0);
	assert_int_equal(ram[0x6000], 1);
	/* Writing a read-only window: -EPERM. */
	job_setup(s.sock, 0x100010, 8, 0x200000);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), -EPERM);
	/* Unmap: bisecting is EINVAL; a superset reports the bytes unmapped. */
	assert_int_equal(dma_unmap(s.sock, 0x100000, 0x1000, 0, &done), -EINVAL);
	assert_int_equal(dma_unmap(s.sock, 0x0, 0x1000000, 0, &done), 0);
	assert_int_equal(done, 0x9000);
	job_setup(s.sock, 0x100010, 8, 0x102000);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), -EFAULT);
	/* Unmap-all (QEMU: flags 2, addr = size = 0), and an fd on DMA_UNMAP (SPDK). */
	assert_int_equal(dma_map(s.sock, 0x100000, 0x1000, 3, fd, 0), 0);
	{
		struct uvfio_msg_dma_unmap u = {.argsz = 24, .flags = VFIO_DMA_UNMAP_FLAG_ALL};
		size_t rlen;

		assert_int_equal(cl_call(s.sock, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), &fd, 1, &u,
					 sizeof(u), &rlen),
				 0);
		assert_int_equal(u.size, 0x1000);
	}
	assert_int_equal(
		dma_unmap(s.sock, 0x0, 0x1000, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, &done),
		-EINVAL);
	srv_stop(&s);
	munmap(ram, 0x10000);
	close(fd);
}

static void test_dma_by_message(void **state)
{
	static uint8_t buf[1 << 16];
	struct uvfio_msg_region_rw rd = {.offset = M_SCRATCH, .region = BAR0, .count = 4};
	struct uvfio_msg_dma_rw head;
	struct uvfio_msg m;
	uint16_t rd_id;
	uint8_t reply[16 + 16];
	struct srv s;
	int i;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	/* A window without fd: the device reaches it with DMA_READ/DMA_WRITE. */
	assert_int_equal(dma_map(s.sock, 0x300000, 0x2000, 3, -1, 0), 0);
	job_setup(s.sock, 0x300100, 16, 0x301000);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_DMA_READ);
	assert_int_equal(m.hdr.flags & UVFIO_MSG_TYPE_MASK, UVFIO_MSG_TYPE_COMMAND);
	memcpy(&head, m.payload, sizeof(head));
	assert_int_equal(head.addr, 0x300100);
	assert_int_equal(head.count, 16);
	/* A command sent before our answer is queued, answered after the job. */
	rd_id = cl_next_id();
	assert_int_equal(cl_send(s.sock, rd_id, UVFIO_CMD_REGION_READ, 0, &rd, sizeof(rd), NULL, 0),
			 0);
	memcpy(reply, &head, sizeof(head));
	for (i = 0; i < 16; i++)
		reply[16 + i] = (uint8_t)(0x40 + i);
	assert_int_equal(cl_send(s.sock, m.hdr.msg_id, UVFIO_CMD_DMA_READ, UVFIO_MSG_TYPE_REPLY,
				 reply, sizeof(reply), NULL, 0),
			 0);
	/* Then the job's DMA_WRITE, with the bytes + 1. */
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_DMA_WRITE);
	assert_int_equal(m.len, 32);
	memcpy(&head, m.payload, sizeof(head));
	assert_int_equal(head.addr, 0x301000);
	assert_int_equal(head.count, 16);
	assert_int_equal(((uint8_t *)m.payload)[16 + 3], 0x44);
	/* Reply header only, as QEMU does. */
	assert_int_equal(cl_send(s.sock, m.hdr.msg_id, UVFIO_CMD_DMA_WRITE, UVFIO_MSG_TYPE_REPLY,
				 NULL, 0, NULL, 0),
			 0);
	/* Now the queued read's reply. */
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.msg_id, rd_id);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_REGION_READ);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), 0);
	assert_int_equal(cl_read32(s.sock, BAR0, M_JOB_BUF), 0x43424140);

	/* A failed DMA_READ (error reply) fails the job with -EIO. */
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.cmd, UVFIO_CMD_DMA_READ);
	{
		struct uvfio_msg_hdr e = {.msg_id = m.hdr.msg_id,
					  .cmd = UVFIO_CMD_DMA_READ,
					  .size = 16,
					  .flags = UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR,
					  .error_no = EFAULT};

		assert_int_equal(write(s.sock, &e, sizeof(e)), sizeof(e));
	}
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), -EIO);
	/* Inside a request, DMA by message would deadlock QEMU: -EIO at once. */
	cl_write32(s.sock, BAR0, M_JOB_SYNC, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), -EIO);
	srv_stop(&s);
}

static void test_disconnect_cleanup(void **state)
{
	struct srv s;
	int base;
	int mfd;
	int efds[4];
	int i;
	uint8_t line = 0x5a;
	uint8_t got = 0;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	base = count_fds();
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, QEMU_JSON), 0);
	cl_enable(s.sock, 0);
	mfd = memfd_create("ram", MFD_CLOEXEC);
	assert_int_equal(ftruncate(mfd, 0x4000), 0);
	assert_int_equal(dma_map(s.sock, 0x100000, 0x4000, 3, mfd, 0), 0);
	close(mfd);
	for (i = 0; i < 4; i++)
		efds[i] = efd_new();
	assert_int_equal(cl_set_irqs(s.sock, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				     NULL, 0, &efds[0], 1),
			 0);
	assert_int_equal(cl_set_irqs(s.sock, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
				     NULL, 0, &efds[1], 1),
			 0);
	assert_int_equal(cl_set_irqs(s.sock, VFIO_PCI_REQ_IRQ_INDEX,
				     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				     NULL, 0, &efds[2], 1),
			 0);
	assert_int_equal(cl_set_irqs(s.sock, VFIO_PCI_ERR_IRQ_INDEX,
				     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				     NULL, 0, &efds[3], 1),
			 0);
	for (i = 0; i < 4; i++)
		close(efds[i]);
	assert_int_equal(cl_write(s.sock, CFG, PCI_INTERRUPT_LINE, &line, 1), 0);
	/* REQ from another thread works while the client is there. */
	assert_int_equal(uvfio_dev_req_trigger(s.m.dev), 0);
	srv_disconnect(&s);
	/* Maps and eventfds gone: back to the fds we had. */
	assert_int_equal(count_fds(), base);
	assert_int_equal(uvfio_dev_req_trigger(s.m.dev), -ENODEV);
	assert_int_equal(uvfio_dev_irq_mode(s.m.dev), -ENODEV);
	/* Device state kept for the next client; release was called. */
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, NULL), 0);
	assert_int_equal(cl_read(s.sock, CFG, PCI_INTERRUPT_LINE, &got, 1), 0);
	assert_int_equal(got, 0x5a);
	assert_int_equal(cl_read32(s.sock, BAR0, M_RELEASES), 1);
	assert_int_equal(cl_read32(s.sock, BAR0, M_OPENS), 2);
	/* The maps are gone. */
	job_setup(s.sock, 0x100000, 8, 0x101000);
	cl_write32(s.sock, BAR0, M_JOB, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_JOB_RET), -EFAULT);
	srv_stop(&s);
}

static void test_reset(void **state)
{
	struct srv s;
	int efd = efd_new();
	uint16_t devctl;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	assert_int_equal(cl_set_irqs(s.sock, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				     NULL, 0, &efd, 1),
			 0);
	cl_write32(s.sock, BAR0, M_INTX, 1);
	assert_int_equal(efd_take(efd), 1);
	/* DEVICE_RESET: config reset (COMMAND 0), model reset, eventfds kept. */
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL),
			 0);
	assert_int_equal(cl_cfg_read16(s.sock, PCI_COMMAND), 0);
	assert_false(cl_cfg_read16(s.sock, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	cl_enable(s.sock, 0);
	assert_int_equal(cl_read32(s.sock, BAR0, M_RESETS), 1);
	assert_int_equal(cl_read32(s.sock, BAR0, M_REASON), UVFIO_RESET_DEVICE);
	assert_int_equal(uvfio_dev_irq_mode(s.m.dev), VFIO_PCI_INTX_IRQ_INDEX);
	cl_write32(s.sock, BAR0, M_INTX, 1);
	assert_int_equal(efd_take(efd), 1);
	/* FLR through PCIe DEVCTL. */
	devctl = cl_cfg_read16(s.sock, (unsigned int)s.m.pcie_off + PCI_EXP_DEVCTL);
	cl_cfg_write16(s.sock, (unsigned int)s.m.pcie_off + PCI_EXP_DEVCTL,
		       devctl | PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(cl_cfg_read16(s.sock, PCI_COMMAND), 0);
	cl_enable(s.sock, 0);
	assert_int_equal(cl_read32(s.sock, BAR0, M_RESETS), 2);
	assert_int_equal(cl_read32(s.sock, BAR0, M_REASON), UVFIO_RESET_FLR);
	srv_stop(&s);
	close(efd);

	/* UVFIO_DEV_NO_RESET: no RESET flag, DEVICE_RESET is EINVAL. */
	model_create(&s.m, UVFIO_DEV_NO_RESET);
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, NULL), 0);
	{
		struct uvfio_msg_device_info di = {.argsz = sizeof(di)};

		assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL,
					 0, &di, sizeof(di), NULL),
				 0);
		assert_int_equal(di.flags, VFIO_DEVICE_FLAGS_PCI);
	}
	assert_int_equal(cl_call(s.sock, UVFIO_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL),
			 -EINVAL);
	/* Config space is 256 bytes without UVFIO_DEV_PCIE. */
	{
		uint8_t b[4];

		assert_int_equal(cl_read(s.sock, CFG, 252, b, 4), 0);
		assert_int_equal(cl_read(s.sock, CFG, 256, b, 4), -EINVAL);
	}
	srv_stop(&s);
}

static void test_stall_and_stop(void **state)
{
	struct uvfio_msg_hdr h = {.msg_id = 1, .cmd = UVFIO_CMD_DEVICE_GET_INFO, .size = 32};
	struct timespec t0;
	struct timespec t1;
	struct srv s;
	double secs;

	(void)state;
	/* A client that stops in the middle of a message is dropped (5 s). */
	srv_start(&s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(write(s.sock, &h, 8), 8);
	pthread_join(s.th, NULL);
	s.running = false;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs > 4.0 && secs < 15.0);
	close(s.sock);
	/* uvfio_dev_stop() ends serve_conn() while a client is connected. */
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, NULL), 0);
	uvfio_dev_stop(s.m.dev);
	pthread_join(s.th, NULL);
	s.running = false;
	assert_int_equal(s.ret, 0);
	close(s.sock);
	model_destroy(&s.m);
}

struct run_arg {
	struct uvfio_dev *dev;
	int lfd;
	int ret;
};

static void *run_thread(void *p)
{
	struct run_arg *a = p;

	a->ret = uvfio_dev_run(a->dev, a->lfd);
	return NULL;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void test_second_client_refused(void **state)
{
	struct model m;
	struct run_arg a;
	pthread_t th;
	char path[108];
	struct stat st;
	struct uvfio_msg msg;
	uint8_t buf[64];
	int c1;
	int c2;
	int c3;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/uvfio-test-dev-%d.sock", (int)getpid());
	model_create(&m, UVFIO_DEV_PCIE);
	a.dev = m.dev;
	a.lfd = uvfio_dev_listen(path);
	assert_true(a.lfd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(pthread_create(&th, NULL, run_thread, &a), 0);

	c1 = connect_to(path);
	assert_int_equal(cl_version(c1, QEMU_JSON), 0);
	/* A silent third client must not hold anybody up. */
	c3 = connect_to(path);
	/* The second gets EBUSY to its VERSION, then EOF. */
	c2 = connect_to(path);
	assert_int_equal(cl_version(c2, QEMU_JSON), -EBUSY);
	assert_int_equal(cl_recv(c2, &msg, buf, sizeof(buf)), -ECONNRESET);
	close(c2);
	/* The first keeps working all along. */
	for (i = 0; i < 10; i++)
		assert_int_equal(cl_read32(c1, CFG, 0), 0x11e81234);
	/* When it goes, the next one is served. */
	close(c1);
	close(c3);
	for (i = 0; i < 100; i++) {
		c1 = connect_to(path);
		if (!cl_version(c1, NULL))
			break;
		close(c1);
		usleep(10000);
	}
	assert_true(i < 100);
	assert_int_equal(cl_read32(c1, CFG, 0), 0x11e81234);
	uvfio_dev_stop(m.dev);
	pthread_join(th, NULL);
	assert_int_equal(a.ret, 0);
	close(c1);
	close(a.lfd);
	unlink(path);
	model_destroy(&m);
}

struct main_arg {
	struct uvfio_dev *dev;
	int argc;
	char *argv[4];
	int ret;
};

static void *main_thread(void *p)
{
	struct main_arg *a = p;

	a->ret = uvfio_dev_main(a->dev, a->argc, a->argv);
	return NULL;
}

static void test_main(void **state)
{
	static const struct {
		int argc;
		const char *argv[4];
	} bad[] = {
		{0, {NULL}},
		{2, {"--socket-path=/tmp/x", "--fd=3"}},
		{1, {"--socket-path"}},
		{1, {"--fd=abc"}},
		{1, {"--bogus"}},
		{2, {"--fd", "-1"}},
		{2, {"--socket-path=/a", "--socket-path=/b"}},
	};
	struct main_arg a;
	struct model m;
	pthread_t th;
	char path[108];
	char opt[140];
	int sv[2];
	size_t i;
	int c;
	int devnull;
	int saved;

	(void)state;
	model_create(&m, UVFIO_DEV_PCIE);
	/* Usage errors: exit status 2 (messages on stderr, silenced here). */
	saved = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(uvfio_dev_main(m.dev, bad[i].argc, (char **)bad[i].argv), 2);
	dup2(saved, 2);
	close(saved);
	close(devnull);

	/* --fd N with a connected socket: serve it until it closes. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	snprintf(opt, sizeof(opt), "%d", sv[1]);
	a = (struct main_arg){.dev = m.dev, .argc = 2, .argv = {"--fd", opt}};
	assert_int_equal(pthread_create(&th, NULL, main_thread, &a), 0);
	assert_int_equal(cl_version(sv[0], NULL), 0);
	close(sv[0]);
	pthread_join(th, NULL);
	assert_int_equal(a.ret, 0);

	/* --socket-path=PATH, stopped by SIGTERM: exit 0, socket unlinked. */
	snprintf(path, sizeof(path), "/tmp/uvfio-test-main-%d.sock", (int)getpid());
	snprintf(opt, sizeof(opt), "--socket-path=%s", path);
	a = (struct main_arg){.dev = m.dev, .argc = 1, .argv = {opt}};
	assert_int_equal(pthread_create(&th, NULL, main_thread, &a), 0);
	for (i = 0; i < 200 && access(path, F_OK); i++)
		usleep(10000);
	c = connect_to(path);
	assert_int_equal(cl_version(c, NULL), 0);
	assert_int_equal(cl_read32(c, CFG, 0), 0x11e81234);
	kill(getpid(), SIGTERM);
	pthread_join(th, NULL);
	assert_int_equal(a.ret, 0);
	assert_int_equal(access(path, F_OK), -1);
	close(c);
	model_destroy(&m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_negotiate_qemu),
	cmocka_unit_test(test_negotiate_spdk_rust),
	cmocka_unit_test(test_not_version_first),
	cmocka_unit_test(test_device_info),
	cmocka_unit_test(test_region_info),
	cmocka_unit_test(test_region_rw),
	cmocka_unit_test(test_posted_and_multi),
	cmocka_unit_test(test_malformed),
	cmocka_unit_test(test_dma_fd),
	cmocka_unit_test(test_dma_by_message),
	cmocka_unit_test(test_disconnect_cleanup),
	cmocka_unit_test(test_reset),
	cmocka_unit_test(test_stall_and_stop),
	cmocka_unit_test(test_second_client_refused),
	cmocka_unit_test(test_main),
};

UVFIO_TEST_MAIN(tests)
