// SPDX-License-Identifier: MIT
/*
 * tests/hostile/test-hostile-device-dma-irq.c - DMA_MAP / DMA_UNMAP abuse
 * (type1 v2 rules, linux-vfio.md §3), hostile fds for DMA memory, bogus
 * answers to the server's own DMA_READ / DMA_WRITE (edu DMA over a window
 * mapped without an fd), and SET_IRQS abuse (vfio-pci's rules, §4).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "test.h"
#include "hostile.h"

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define PG 4096ull
/* Below edu's 28-bit DMA mask. */
#define IOVA 0x100000ull

static int memfd(size_t size)
{
	int fd = memfd_create("hostile", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/*
 * DMA_MAP / DMA_UNMAP.
 */

HCASE(dma_map_unaligned, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA + 1, PG, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, IOVA, PG + 1, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, IOVA, PG - 1, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, IOVA + 512, 512, RW, 0, -1), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

HCASE(dma_map_zero_size, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, 0, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, 0, 0, RW, 0, -1), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* iova + size wraps past 2^64; the very last page is fine. */
HCASE(dma_map_wrap, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, (uint64_t)-PG, 2 * PG, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, PG, (uint64_t)-PG, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, (uint64_t)-PG, (uint64_t)-PG, RW, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, (uint64_t)-PG, PG, RW, 0, -1), 0);
	assert_int_equal(hc_dma_unmap(s, (uint64_t)-PG, PG, 0), 0);
	hc_assert_in_step(s);
	close(s);
}

/* type1: any overlap is EEXIST. */
HCASE(dma_map_overlap, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, 4 * PG, RW, 0, -1), 0);
	assert_int_equal(hc_dma_map(s, IOVA, 4 * PG, RW, 0, -1), -EEXIST);
	assert_int_equal(hc_dma_map(s, IOVA + PG, PG, RW, 0, -1), -EEXIST);
	assert_int_equal(hc_dma_map(s, IOVA - PG, 2 * PG, RW, 0, -1), -EEXIST);
	assert_int_equal(hc_dma_map(s, IOVA + 3 * PG, 2 * PG, RW, 0, -1), -EEXIST);
	assert_int_equal(hc_dma_map(s, IOVA - PG, 6 * PG, RW, 0, -1), -EEXIST);
	assert_int_equal(hc_dma_map(s, IOVA - PG, PG, RW, 0, -1), 0);
	assert_int_equal(hc_dma_map(s, IOVA + 4 * PG, PG, RW, 0, -1), 0);
	hc_assert_in_step(s);
	close(s);
}

HCASE(dma_map_flags, 0)
{
	struct uvfio_msg_dma_map m = {.argsz = 8, .flags = RW, .addr = IOVA, .size = PG};
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, PG, 0, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW | 0x4, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW | 0x80000000u, 0, -1), -EINVAL);
	assert_int_equal(hc_dma_map(s, IOVA, PG, 0xffffffffu, 0, -1), -EINVAL);
	/* argsz below the struct (contract §5.1). */
	assert_int_equal(hc_call(s, UVFIO_CMD_DMA_MAP, &m, sizeof(m), NULL, 0, NULL, 0, NULL),
			 -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* The byte budget (lib/device: 64 GiB per client): huge fd-less maps. */
HCASE(dma_map_huge, 0)
{
	int s = hc_open(t);
	int ret;

	ret = hc_dma_map(s, 0, 1ull << 63, RW, 0, -1);
	assert_true(ret == -ENOSPC || ret == -EINVAL || ret == -ENOMEM);
	ret = hc_dma_map(s, 1ull << 40, 1ull << 40, RW, 0, -1);
	assert_true(ret == -ENOSPC || ret == -EINVAL || ret == -ENOMEM);
	hc_assert_in_step(s);
	close(s);
}

/* type1 v2: an unmap may not cut a mapping in two. */
HCASE(dma_unmap_bisect, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, 4 * PG, RW, 0, -1), 0);
	assert_int_equal(hc_dma_unmap(s, IOVA, PG, 0), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA + PG, PG, 0), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA + 3 * PG, 2 * PG, 0), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA - PG, 2 * PG, 0), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA, 4 * PG, 0), 0);
	hc_assert_in_step(s);
	close(s);
}

/* Unmapping nothing: type1 v2 succeeds with size 0. */
HCASE(dma_unmap_unmapped, 0)
{
	struct uvfio_msg_dma_unmap u = {.argsz = sizeof(u), .addr = IOVA, .size = 8 * PG};
	struct uvfio_msg_dma_unmap r;
	size_t rlen = 0;
	int s = hc_open(t);
	int ret;

	ret = hc_call(s, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, &r, sizeof(r), &rlen);
	assert_true(ret == 0 || ret == -EINVAL || ret == -ENOENT);
	if (!ret && rlen >= sizeof(r))
		assert_int_equal(r.size, 0);
	assert_int_equal(hc_dma_unmap(s, (uint64_t)-PG, 2 * PG, 0), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA, 0, 0), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA + 1, PG, 0), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* linux/vfio.h: UNMAP_FLAG_ALL needs iova = size = 0. */
HCASE(dma_unmap_all_nonzero, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, -1), 0);
	assert_int_equal(hc_dma_unmap(s, IOVA, 0, VFIO_DMA_UNMAP_FLAG_ALL), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, 0, PG, VFIO_DMA_UNMAP_FLAG_ALL), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA, PG, VFIO_DMA_UNMAP_FLAG_ALL), -EINVAL);
	/* Still mapped: a second map of it is EEXIST. */
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, -1), -EEXIST);
	assert_int_equal(hc_dma_unmap(s, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL), 0);
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, -1), 0);
	hc_assert_in_step(s);
	close(s);
}

/* GET_DIRTY_BITMAP (no dirty tracking), with and without its bitmap; unknown flags. */
HCASE(dma_unmap_flags, 0)
{
	struct {
		struct uvfio_msg_dma_unmap u;
		struct uvfio_msg_bitmap b;
	} __attribute__((packed)) req = {
		.u = {.argsz = 0xffffffffu, .flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
		      .addr = IOVA, .size = PG},
		.b = {.pgsize = 4096, .size = UINT64_MAX},
	};
	struct uvfio_msg_dma_unmap small = {.argsz = 4, .addr = IOVA, .size = PG};
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, -1), 0);
	assert_int_equal(hc_call(s, UVFIO_CMD_DMA_UNMAP, &req, sizeof(req), NULL, 0, NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(hc_call(s, UVFIO_CMD_DMA_UNMAP, &req, sizeof(req.u), NULL, 0, NULL, 0,
				 NULL),
			 -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA, PG, 0x4), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA, PG, 0xffffffffu), -EINVAL);
	assert_int_equal(hc_dma_unmap(s, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL |
					       VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP),
			 -EINVAL);
	/* argsz too small for the echo. */
	assert_int_equal(hc_call(s, UVFIO_CMD_DMA_UNMAP, &small, sizeof(small), NULL, 0, NULL, 0,
				 NULL),
			 -EINVAL);
	assert_int_equal(hc_dma_unmap(s, IOVA, PG, 0), 0);
	hc_assert_in_step(s);
	close(s);
}

/* The map limit (65535, type1's dma_entry_limit) with 70000 maps. */
HCASE(dma_map_70000, HC_SLOW)
{
	struct uvfio_msg_dma_map m = {.argsz = sizeof(m), .flags = RW, .size = PG};
	uint8_t r[64];
	unsigned int ok = 0;
	unsigned int nospc = 0;
	unsigned int sent = 0;
	unsigned int got = 0;
	int s = hc_open(t);

	/* Pipelined, 64 in flight, so it takes a second, not a minute. */
	while (got < 70000) {
		struct uvfio_msg msg;

		while (sent < 70000 && sent - got < 64) {
			m.addr = (uint64_t)sent * 2 * PG;
			assert_int_equal(hc_send(s, (uint16_t)sent, UVFIO_CMD_DMA_MAP, 0, &m,
						 sizeof(m), NULL, 0),
					 0);
			sent++;
		}
		assert_int_equal(hc_recv(s, &msg, r, sizeof(r)), 0);
		assert_int_equal(msg.hdr.msg_id, (uint16_t)got);
		if (msg.hdr.flags & UVFIO_MSG_ERROR) {
			assert_int_equal(msg.hdr.error_no, ENOSPC);
			nospc++;
		} else {
			ok++;
		}
		got++;
	}
	printf("%u maps taken, %u refused\n", ok, nospc);
	assert_int_equal(ok, 65535);
	assert_int_equal(hc_dma_unmap(s, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL), 0);
	hc_assert_in_step(s);
	close(s);
}

/* Fds that are not memory: refused, and the server lets go of them. */
static void map_bad_fd(struct target *t, int fd, uint64_t offset)
{
	int s = hc_open(t);
	int ret;

	ret = hc_dma_map(s, IOVA, PG, RW, offset, fd);
	assert_true(ret == -EINVAL || ret == -EBADF || ret == -EACCES || ret == -ENODEV ||
		    ret == -EPERM);
	hc_assert_in_step(s);
	close(s);
}

HCASE(dma_map_fd_pipe, 0)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	map_bad_fd(t, p[1], 0);
	close(p[1]);
	assert_true(hc_pipe_released(p[0], 3000));
	close(p[0]);
}

HCASE(dma_map_fd_socket, 0)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	map_bad_fd(t, sv[0], 0);
	close(sv[0]);
	assert_true(hc_pipe_released(sv[1], 3000));
	close(sv[1]);
}

HCASE(dma_map_fd_directory, 0)
{
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	map_bad_fd(t, fd, 0);
	close(fd);
}

/* An O_PATH fd to a regular file: fstat works, mmap must not. */
HCASE(dma_map_fd_opath, 0)
{
	char path[128];
	int fd;
	int mfd = memfd(PG);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	fd = open(path, O_PATH | O_CLOEXEC);
	assert_true(fd >= 0);
	map_bad_fd(t, fd, 0);
	close(fd);
	close(mfd);
}

/* A read-only fd mapped for device writes. */
HCASE(dma_map_fd_readonly, 0)
{
	char path[128];
	int fd;
	int mfd = memfd(PG);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	map_bad_fd(t, fd, 0);
	close(fd);
	close(mfd);
}

HCASE(dma_map_fd_offset_beyond_size, 0)
{
	int fd = memfd(PG);

	map_bad_fd(t, fd, 1u << 20);
	map_bad_fd(t, fd, PG);
	map_bad_fd(t, fd, (uint64_t)-PG);
	map_bad_fd(t, fd, 1ull << 62);
	close(fd);
}

/* A window larger than the file behind it. */
HCASE(dma_map_fd_short, 0)
{
	int fd = memfd(PG);
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, 2 * PG, RW, 0, fd), -EINVAL);
	hc_assert_in_step(s);
	close(s);
	close(fd);
}

/* Our copy closed right after sending: the server's copy is what counts. */
HCASE(dma_map_fd_closed_after_send, 0)
{
	int fd = memfd(PG);
	int s = hc_open(t);

	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, fd), 0);
	close(fd);
	assert_int_equal(hc_dma_unmap(s, IOVA, PG, 0), 0);
	hc_assert_in_step(s);
	close(s);
}

/* SPDK attaches an fd to DMA_UNMAP (contract §1): tolerated and closed. */
HCASE(dma_unmap_with_fd, 0)
{
	struct uvfio_msg_dma_unmap u = {.argsz = sizeof(u), .addr = IOVA, .size = PG};
	int p[2];
	int s = hc_open(t);
	int ret;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, -1), 0);
	ret = hc_call(s, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), &p[1], 1, NULL, 0, NULL);
	assert_true(ret == 0 || ret == -EINVAL);
	hc_assert_in_step(s);
	close(s);
	close(p[1]);
	assert_true(hc_pipe_released(p[0], 3000));
	close(p[0]);
}

/* Many fd-backed maps left behind at disconnect: all of them go. */
HCASE(dma_maps_left_at_disconnect, 0)
{
	int fd = memfd(64 * PG);
	int s = hc_open(t);
	unsigned int i;

	for (i = 0; i < 64; i++)
		assert_int_equal(hc_dma_map(s, IOVA + i * 2 * PG, PG, RW, i * PG, fd), 0);
	close(fd);
	close(s);
}

/*
 * edu DMA.
 */

static void put64(int s, uint64_t off, uint64_t v)
{
	assert_int_equal(hc_write(s, 0, off, &v, 8), 0);
}

/* Program an edu DMA of @count bytes between @iova and its buffer. */
static void edu_dma_start(int s, uint64_t iova, uint32_t count, bool to_ram)
{
	if (to_ram) {
		put64(s, UVFIO_EDU_REG_DMA_SRC, UVFIO_EDU_DMA_BUF_ADDR);
		put64(s, UVFIO_EDU_REG_DMA_DST, iova);
	} else {
		put64(s, UVFIO_EDU_REG_DMA_SRC, iova);
		put64(s, UVFIO_EDU_REG_DMA_DST, UVFIO_EDU_DMA_BUF_ADDR);
	}
	put64(s, UVFIO_EDU_REG_DMA_COUNT, count);
	put64(s, UVFIO_EDU_REG_DMA_CMD, UVFIO_EDU_DMA_START | (to_ram ? UVFIO_EDU_DMA_TO_RAM : 0));
}

/* Wait until edu's DMA command register says done. */
static void edu_dma_wait(int s, int ms)
{
	int64_t deadline = hc_now_ms() + ms;
	uint64_t cmd;

	for (;;) {
		assert_int_equal(hc_read(s, 0, UVFIO_EDU_REG_DMA_CMD, &cmd, 8), 0);
		if (!(cmd & UVFIO_EDU_DMA_START))
			return;
		if (hc_now_ms() > deadline)
			fail_msg("edu DMA still running after %d ms", ms);
		hc_sleep_ms(5);
	}
}

/*
 * The truncation attack: map a memfd, then shrink it.  The device's next
 * access to the window must fail cleanly, not kill the server with SIGBUS
 * (the kernel pins the pages; a user-space IOMMU mapping a client's file
 * must survive the file shrinking under it).
 */
HCASE(dma_map_fd_truncated_after_map, HC_SLOW | HC_NO_TSAN)
{
	int fd = memfd(PG);
	int s = hc_open(t);

	hc_enable(s);
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, fd), 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	edu_dma_start(s, IOVA, 64, true);
	/* Either the server survives and finishes the DMA (failed), or it died. */
	if (hc_expect_closed(s, 300) && !target_alive(t))
		fail_msg("a client shrinking its DMA memory killed the server (SIGBUS)");
	edu_dma_wait(s, 3000);
	edu_dma_start(s, IOVA, 64, false);
	edu_dma_wait(s, 3000);
	close(s);
	close(fd);
}

/* A window without fd, so edu's DMA comes to us as messages. */
static int dma_msg_open(struct target *t, bool to_ram, uint32_t count)
{
	int s = hc_open(t);

	hc_enable(s);
	assert_int_equal(hc_dma_map(s, IOVA, PG, RW, 0, -1), 0);
	edu_dma_start(s, IOVA, count, to_ram);
	return s;
}

/* Receive the server's DMA request; return its id. */
static uint16_t dma_msg_expect(int s, uint16_t cmd, uint32_t count, void *data)
{
	static uint8_t buf[8192];
	struct uvfio_msg m;
	struct uvfio_msg_dma_rw head;

	assert_int_equal(hc_recv(s, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.nfds, 0);
	assert_int_equal(m.hdr.flags & UVFIO_MSG_TYPE_MASK, UVFIO_MSG_TYPE_COMMAND);
	assert_int_equal(m.hdr.cmd, cmd);
	assert_true(m.len >= sizeof(head));
	memcpy(&head, m.payload, sizeof(head));
	assert_int_equal(head.addr, IOVA);
	assert_int_equal(head.count, count);
	if (data && cmd == UVFIO_CMD_DMA_WRITE) {
		assert_int_equal(m.len, sizeof(head) + count);
		memcpy(data, buf + sizeof(head), count);
	}
	return m.hdr.msg_id;
}

/* Answer a DMA_READ: addr, count, data. */
static int dma_read_reply(int s, uint16_t id, uint16_t cmd, uint32_t flags, uint64_t addr,
			  uint64_t count, const void *data, size_t dlen, const int *fds,
			  unsigned int nfds)
{
	uint8_t p[16 + 4096];
	struct uvfio_msg_dma_rw head = {.addr = addr, .count = count};

	assert_true(dlen <= 4096);
	memcpy(p, &head, sizeof(head));
	if (dlen)
		memcpy(p + sizeof(head), data, dlen);
	return hc_send(s, id, cmd, UVFIO_MSG_TYPE_REPLY | flags, p, sizeof(head) + dlen, fds, nfds);
}

/* The honest exchange, both directions: the data makes the round trip. */
HCASE(dma_msg_baseline, 0)
{
	uint8_t pat[64];
	uint8_t back[64];
	unsigned int i;
	uint16_t id;
	int s = dma_msg_open(t, false, sizeof(pat));

	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 1);
	id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, sizeof(pat), NULL);
	assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_READ, 0, IOVA, sizeof(pat), pat,
					sizeof(pat), NULL, 0),
			 0);
	edu_dma_wait(s, 3000);
	edu_dma_start(s, IOVA, sizeof(back), true);
	id = dma_msg_expect(s, UVFIO_CMD_DMA_WRITE, sizeof(back), back);
	assert_memory_equal(back, pat, sizeof(pat));
	assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_WRITE, 0, IOVA, sizeof(back), NULL, 0,
					NULL, 0),
			 0);
	edu_dma_wait(s, 3000);
	hc_assert_in_step(s);
	close(s);
}

/* Replies with the wrong id or command are dropped; the right one still counts. */
HCASE(dma_msg_reply_wrong_id, 0)
{
	uint8_t pat[16] = "0123456789abcde";
	uint16_t id;
	int s = dma_msg_open(t, false, sizeof(pat));

	id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, sizeof(pat), NULL);
	assert_int_equal(dma_read_reply(s, (uint16_t)(id + 1), UVFIO_CMD_DMA_READ, 0, IOVA,
					sizeof(pat), pat, sizeof(pat), NULL, 0),
			 0);
	assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_WRITE, 0, IOVA, sizeof(pat), NULL, 0,
					NULL, 0),
			 0);
	assert_int_equal(dma_read_reply(s, id, 0xffff, 0, IOVA, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_READ, 0, IOVA, sizeof(pat), pat,
					sizeof(pat), NULL, 0),
			 0);
	edu_dma_wait(s, 3000);
	hc_assert_in_step(s);
	close(s);
}

/* Our reply's count, address or length disagree: the transfer fails, nothing else. */
HCASE(dma_msg_reply_wrong_count, 0)
{
	uint8_t pat[64] = {1};
	static const struct {
		uint64_t addr;
		uint64_t count;
		size_t dlen;
	} bad[] = {
		{IOVA, 32, 32},
		{IOVA, 64, 32},
		{IOVA, 32, 64},
		{IOVA + 8, 64, 64},
		{IOVA, UINT64_MAX, 64},
		{IOVA, 0, 0},
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t id;
		int s = dma_msg_open(t, false, sizeof(pat));

		id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, sizeof(pat), NULL);
		assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_READ, 0, bad[i].addr,
						bad[i].count, pat, bad[i].dlen, NULL, 0),
				 0);
		edu_dma_wait(s, 3000);
		hc_assert_in_step(s);
		close(s);
	}
}

HCASE(dma_msg_reply_error, 0)
{
	static const uint32_t errs[] = {EFAULT, 0, 0xffffffffu, 4097};
	unsigned int i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct uvfio_msg_hdr h;
		uint16_t id;
		int s = dma_msg_open(t, false, 8);

		id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, 8, NULL);
		h = hc_hdr(id, UVFIO_CMD_DMA_READ, 16, UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR);
		h.error_no = errs[i];
		assert_int_equal(hc_send_raw(s, &h, sizeof(h), NULL, 0), 0);
		edu_dma_wait(s, 3000);
		hc_assert_in_step(s);
		close(s);
	}
}

/* An error reply with a payload (contract §2: header only). */
HCASE(dma_msg_reply_error_with_payload, 0)
{
	uint8_t junk[24] = {0};
	uint16_t id;
	int s = dma_msg_open(t, false, 8);

	id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, 8, NULL);
	assert_int_equal(hc_send(s, id, UVFIO_CMD_DMA_READ, UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR,
				 junk, sizeof(junk), NULL, 0),
			 0);
	edu_dma_wait(s, 3000);
	hc_assert_in_step(s);
	close(s);
}

HCASE(dma_msg_reply_with_fds, 0)
{
	uint8_t pat[8] = {0};
	int p[2];
	uint16_t id;
	int s = dma_msg_open(t, false, sizeof(pat));

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, sizeof(pat), NULL);
	assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_READ, 0, IOVA, sizeof(pat), pat,
					sizeof(pat), &p[1], 1),
			 0);
	edu_dma_wait(s, 3000);
	hc_assert_in_step(s);
	close(s);
	close(p[1]);
	assert_true(hc_pipe_released(p[0], 3000));
	close(p[0]);
}

/* A reply claiming 4 GiB: the server gives up on the client, and survives. */
HCASE(dma_msg_reply_huge_size, 0)
{
	uint8_t raw[16 + 32] = {0};
	struct uvfio_msg_hdr h;
	uint16_t id;
	int s = dma_msg_open(t, false, 8);

	id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, 8, NULL);
	h = hc_hdr(id, UVFIO_CMD_DMA_READ, 0xffffffffu, UVFIO_MSG_TYPE_REPLY);
	memcpy(raw, &h, sizeof(h));
	assert_int_equal(hc_send_raw(s, raw, sizeof(raw), NULL, 0), 0);
	assert_true(hc_expect_closed(s, 3000));
	close(s);
}

/* The DMA_WRITE reply (libvfio-user's 16-byte echo) with other shapes. */
HCASE(dma_msg_write_reply_bogus, 0)
{
	static const size_t lens[] = {4, 8, 13, 24, 4096};
	uint8_t junk[4096];
	unsigned int i;

	memset(junk, 0xee, sizeof(junk));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint16_t id;
		int s = dma_msg_open(t, true, 32);

		id = dma_msg_expect(s, UVFIO_CMD_DMA_WRITE, 32, NULL);
		assert_int_equal(hc_send(s, id, UVFIO_CMD_DMA_WRITE, UVFIO_MSG_TYPE_REPLY, junk,
					 lens[i], NULL, 0),
				 0);
		edu_dma_wait(s, 3000);
		hc_assert_in_step(s);
		close(s);
	}
}

/* Gone instead of answering: the server cleans up and serves the next client. */
HCASE(dma_msg_disconnect_instead, 0)
{
	int s = dma_msg_open(t, false, 64);

	dma_msg_expect(s, UVFIO_CMD_DMA_READ, 64, NULL);
	close(s);
}

/*
 * Commands while the server waits for our DMA reply: queued (or EBUSY once
 * the queue is full), answered in order once we reply.  An unmap of the
 * very window being read is among them.
 */
HCASE(dma_msg_commands_while_waiting, 0)
{
	struct uvfio_msg_region_rw rw = {.region = VFIO_PCI_CONFIG_REGION_INDEX, .count = 4};
	struct uvfio_msg_dma_unmap u = {.argsz = sizeof(u), .addr = IOVA, .size = PG};
	uint8_t pat[64] = {0};
	uint8_t buf[256];
	unsigned int answered = 0;
	unsigned int busy = 0;
	uint16_t first;
	uint16_t id;
	unsigned int i;
	int s = dma_msg_open(t, false, sizeof(pat));

	id = dma_msg_expect(s, UVFIO_CMD_DMA_READ, sizeof(pat), NULL);
	first = hc_id();
	assert_int_equal(hc_send(s, first, UVFIO_CMD_DMA_UNMAP, 0, &u, sizeof(u), NULL, 0), 0);
	for (i = 1; i < 40; i++)
		assert_int_equal(hc_send(s, (uint16_t)(first + i), UVFIO_CMD_REGION_READ, 0, &rw,
					 sizeof(rw), NULL, 0),
				 0);
	/* Keep our own ids clear of the ones just used. */
	for (i = 1; i < 40; i++)
		hc_id();
	assert_int_equal(dma_read_reply(s, id, UVFIO_CMD_DMA_READ, 0, IOVA, sizeof(pat), pat,
					sizeof(pat), NULL, 0),
			 0);
	for (i = 0; i < 40; i++) {
		struct uvfio_msg m;

		assert_int_equal(hc_recv(s, &m, buf, sizeof(buf)), 0);
		assert_int_equal(m.hdr.flags & UVFIO_MSG_TYPE_MASK, UVFIO_MSG_TYPE_REPLY);
		if ((m.hdr.flags & UVFIO_MSG_ERROR) && m.hdr.error_no == EBUSY)
			busy++;
		else
			answered++;
	}
	printf("%u answered, %u EBUSY\n", answered, busy);
	edu_dma_wait(s, 3000);
	hc_assert_in_step(s);
	close(s);
}

/* Never answered: the server's DMA times out; everyone else is served meanwhile. */
HCASE(dma_msg_never_answered, HC_SLOW)
{
	struct uvfio_msg_region_rw rw = {.region = VFIO_PCI_CONFIG_REGION_INDEX, .count = 4};
	uint8_t buf[256];
	struct uvfio_msg m;
	int64_t t0;
	uint16_t id = hc_id();
	int s = dma_msg_open(t, false, 64);

	dma_msg_expect(s, UVFIO_CMD_DMA_READ, 64, NULL);
	t0 = hc_now_ms();
	assert_int_equal(hc_send(s, id, UVFIO_CMD_REGION_READ, 0, &rw, sizeof(rw), NULL, 0), 0);
	assert_healthy(t, 1, 3000);
	{
		struct timeval tv = {.tv_sec = (SERVER_DMA_TIMEOUT_MS + 5000) / 1000};

		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	assert_int_equal(hc_recv(s, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr.msg_id, id);
	printf("queued command answered after %lld ms\n", (long long)(hc_now_ms() - t0));
	edu_dma_wait(s, 3000);
	hc_assert_in_step(s);
	close(s);
}

/*
 * SET_IRQS.
 */

static int irq_set(int s, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
		   const void *data, size_t dlen, const int *fds, unsigned int nfds)
{
	return hc_set_irqs(s, index, flags, start, count, data, dlen, fds, nfds);
}

#define TRIG VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK VFIO_IRQ_SET_ACTION_MASK
#define UNMASK VFIO_IRQ_SET_ACTION_UNMASK
#define DNONE VFIO_IRQ_SET_DATA_NONE
#define DBOOL VFIO_IRQ_SET_DATA_BOOL
#define DEFD VFIO_IRQ_SET_DATA_EVENTFD

HCASE(irq_action_and_data_type, 0)
{
	static const uint32_t bad[] = {
		DNONE,		       /* no action */
		DEFD,		       /* no action */
		TRIG,		       /* no data type */
		MASK | UNMASK | DNONE, /* two actions */
		MASK | TRIG | DNONE,
		DNONE | DBOOL | TRIG, /* two data types */
		DNONE | DEFD | TRIG,
		DBOOL | DEFD | UNMASK,
		0,
		0xffffffffu,
		TRIG | DNONE | 0x40, /* unknown bit */
	};
	uint8_t one = 1;
	int s = hc_open(t);
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t dlen = (bad[i] & DBOOL) && bad[i] != 0xffffffffu ? 1 : 0;
		int ret = irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, bad[i], 0, 1, &one, dlen, NULL, 0);

		/* vfio-pci: EINVAL from validation, ENOTTY where no handler exists. */
		if (ret != -EINVAL && ret != -ENOTTY)
			fail_msg("SET_IRQS flags 0x%x: %d", bad[i], ret);
	}
	hc_assert_in_step(s);
	close(s);
}

HCASE(irq_index_out_of_range, 0)
{
	static const uint32_t idx[] = {VFIO_PCI_NUM_IRQS, 0xffffffffu, 0x100};
	int s = hc_open(t);
	unsigned int i;

	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		assert_int_equal(irq_set(s, idx[i], TRIG | DNONE, 0, 1, NULL, 0, NULL, 0), -EINVAL);
		assert_int_equal(irq_set(s, idx[i], TRIG | DNONE, 0, 0, NULL, 0, NULL, 0), -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

HCASE(irq_start_count_overflow, 0)
{
	uint8_t bools[4] = {1, 1, 1, 1};
	int s = hc_open(t);
	uint32_t index;

	for (index = 0; index < VFIO_PCI_NUM_IRQS; index++) {
		assert_int_equal(irq_set(s, index, TRIG | DNONE, 0xffffffffu, 2, NULL, 0, NULL, 0),
				 -EINVAL);
		assert_int_equal(irq_set(s, index, TRIG | DNONE, 1, 0xffffffffu, NULL, 0, NULL, 0),
				 -EINVAL);
		assert_int_equal(irq_set(s, index, MASK | DNONE, 0x80000000u, 0x80000000u, NULL, 0,
					 NULL, 0),
				 -EINVAL);
		assert_int_equal(irq_set(s, index, TRIG | DBOOL, 0xfffffffeu, 4, bools, 4, NULL, 0),
				 -EINVAL);
		assert_int_equal(irq_set(s, index, TRIG | DNONE, 5, 1, NULL, 0, NULL, 0), -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

/* DATA_BOOL with fewer bytes than count, or more (contract §5.7). */
HCASE(irq_bool_payload_short, 0)
{
	uint8_t bools[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	int s = hc_open(t);

	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, MASK | DBOOL, 0, 1, bools, 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(irq_set(s, VFIO_PCI_MSI_IRQ_INDEX, TRIG | DBOOL, 0, 4, bools, 2, NULL, 0),
			 -EINVAL);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, MASK | DBOOL, 0, 1, bools, 8, NULL, 0),
			 -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* Eventfds that disagree with count (contract §5.7: nr_fds == count). */
HCASE(irq_count_mismatch_fds, 0)
{
	int e[4];
	int s = hc_open(t);
	unsigned int i;
	int ret;

	for (i = 0; i < 4; i++)
		e[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0, e, 2),
			 -EINVAL);
	assert_int_equal(irq_set(s, VFIO_PCI_MSI_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0, e, 4),
			 -EINVAL);
	/* Fewer fds than count: a partial bind, or refused. */
	ret = irq_set(s, VFIO_PCI_MSI_IRQ_INDEX, TRIG | DEFD, 0, 4, NULL, 0, e, 1);
	assert_true(ret == 0 || ret == -EINVAL);
	/* That may have enabled MSI, and INTx cannot change while it is on (vfio-pci). */
	if (!ret)
		assert_int_equal(irq_set(s, VFIO_PCI_MSI_IRQ_INDEX, TRIG | DNONE, 0, 0, NULL, 0,
					 NULL, 0),
				 0);
	/* Fds with DATA_NONE / DATA_BOOL. */
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DNONE, 0, 1, NULL, 0, e, 1),
			 -EINVAL);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DBOOL, 0, 1, e, 1, e, 1),
			 -EINVAL);
	hc_assert_in_step(s);
	close(s);
	for (i = 0; i < 4; i++)
		close(e[i]);
}

/* Not an eventfd: a pipe, a memfd, a socket, /dev/null (vfio-pci: EINVAL). */
HCASE(irq_fd_not_eventfd, 0)
{
	int p[2];
	int sv[2];
	int fds[4];
	int s = hc_open(t);
	unsigned int i;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fds[0] = p[1];
	fds[1] = memfd(PG);
	fds[2] = sv[0];
	fds[3] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (i = 0; i < 4; i++) {
		assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0,
					 &fds[i], 1),
				 -EINVAL);
		assert_int_equal(irq_set(s, VFIO_PCI_MSI_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0,
					 &fds[i], 1),
				 -EINVAL);
		assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, UNMASK | DEFD, 0, 1, NULL, 0,
					 &fds[i], 1),
				 -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	assert_true(hc_pipe_released(p[0], 3000));
	assert_true(hc_pipe_released(sv[1], 3000));
	close(p[0]);
	close(sv[1]);
}

/* ERR and REQ take TRIGGER with count <= 1 only (contract §5.7). */
HCASE(irq_err_req_count_2, 0)
{
	int e[2];
	int s = hc_open(t);
	int ret;

	e[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_int_equal(irq_set(s, VFIO_PCI_REQ_IRQ_INDEX, TRIG | DEFD, 0, 2, NULL, 0, e, 2),
			 -EINVAL);
	assert_int_equal(irq_set(s, VFIO_PCI_ERR_IRQ_INDEX, TRIG | DEFD, 0, 2, NULL, 0, e, 2),
			 -EINVAL);
	assert_int_equal(irq_set(s, VFIO_PCI_REQ_IRQ_INDEX, TRIG | DNONE, 0, 2, NULL, 0, NULL, 0),
			 -EINVAL);
	ret = irq_set(s, VFIO_PCI_REQ_IRQ_INDEX, MASK | DNONE, 0, 1, NULL, 0, NULL, 0);
	assert_true(ret == -EINVAL || ret == -ENOTTY);
	ret = irq_set(s, VFIO_PCI_REQ_IRQ_INDEX, TRIG | DEFD, 1, 1, NULL, 0, e, 1);
	assert_int_equal(ret, -EINVAL);
	hc_assert_in_step(s);
	close(s);
	close(e[0]);
	close(e[1]);
}

/*
 * A blocking eventfd whose counter is at its maximum: eventfd(2) makes a
 * write of 1 block until someone reads.  The kernel's eventfd_signal()
 * never blocks; a server writing to a client's eventfd must not either,
 * or one client freezes its device thread (and SIGTERM) for good.
 */
static void irq_full_eventfd(struct target *t, uint32_t index)
{
	uint64_t max = 0xfffffffffffffffeull;
	uint64_t v;
	int e = eventfd(0, EFD_CLOEXEC); /* blocking */
	int s = hc_open(t);
	uint16_t id = hc_id();
	struct uvfio_msg m;
	uint8_t buf[64];
	struct timeval tv = {.tv_sec = 3};
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = TRIG | DNONE,
		.index = index,
		.start = 0,
		.count = 1,
	};
	int ret;

	assert_true(e >= 0);
	assert_int_equal(write(e, &max, sizeof(max)), sizeof(max));
	if (index == VFIO_PCI_MSI_IRQ_INDEX)
		hc_enable(s);
	assert_int_equal(irq_set(s, index, TRIG | DEFD, 0, 1, NULL, 0, &e, 1), 0);
	/* Loopback trigger: the server signals the eventfd. */
	assert_int_equal(hc_send(s, id, UVFIO_CMD_DEVICE_SET_IRQS, 0, &set, sizeof(set), NULL, 0),
			 0);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = hc_recv(s, &m, buf, sizeof(buf));
	/* Unfreeze the server (if it is stuck on the write) before judging. */
	if (read(e, &v, sizeof(v)) < 0) {
		/* nothing */
	}
	if (ret == -EAGAIN || ret == -ETIMEDOUT) {
		close(s);
		close(e);
		fail_msg("the server blocked writing a full, blocking eventfd (lib/device "
			 "irq.c signal_fd())");
	}
	assert_int_equal(ret, 0);
	assert_int_equal(m.hdr.msg_id, id);
	assert_int_equal(irq_set(s, index, TRIG | DNONE, 0, 0, NULL, 0, NULL, 0), 0);
	hc_assert_in_step(s);
	close(s);
	close(e);
}

HCASE(irq_intx_eventfd_full_blocking, HC_SLOW)
{
	irq_full_eventfd(t, VFIO_PCI_INTX_IRQ_INDEX);
}

HCASE(irq_msi_eventfd_full_blocking, HC_SLOW)
{
	irq_full_eventfd(t, VFIO_PCI_MSI_IRQ_INDEX);
}

static uint64_t efd_count(int e)
{
	uint64_t v = 0;

	if (read(e, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* Interrupt storms through edu's raise register, eventfd bound and unbound. */
HCASE(irq_storm, 0)
{
	uint32_t raise = 1;
	uint32_t ack = 0xffffffffu;
	int e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int s = hc_open(t);
	unsigned int i;

	hc_enable(s);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0, &e, 1), 0);
	for (i = 0; i < 200; i++) {
		assert_int_equal(hc_write(s, 0, 0x60, &raise, 4), 0);
		assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, UNMASK | DNONE, 0, 1, NULL, 0,
					 NULL, 0),
				 0);
		assert_int_equal(hc_write(s, 0, 0x64, &ack, 4), 0);
		/* Swap the trigger eventfd mid-storm (vfio_intx_set_signal()). */
		if (i == 100)
			assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DEFD, 0, 1,
						 NULL, 0, &e, 1),
					 0);
	}
	assert_true(efd_count(e) > 0);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DNONE, 0, 0, NULL, 0, NULL, 0),
			 0);
	hc_assert_in_step(s);
	close(s);
	close(e);
}

/* Eventfds left bound at disconnect: the server closes every one. */
HCASE(irq_eventfds_left_at_disconnect, 0)
{
	int e[3];
	int s = hc_open(t);

	e[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e[2] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0, &e[0], 1),
			 0);
	assert_int_equal(irq_set(s, VFIO_PCI_INTX_IRQ_INDEX, UNMASK | DEFD, 0, 1, NULL, 0, &e[1],
				 1),
			 0);
	assert_int_equal(irq_set(s, VFIO_PCI_REQ_IRQ_INDEX, TRIG | DEFD, 0, 1, NULL, 0, &e[2], 1),
			 0);
	close(s);
	close(e[0]);
	close(e[1]);
	close(e[2]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(dma_map_unaligned),
	cmocka_unit_test(dma_map_zero_size),
	cmocka_unit_test(dma_map_wrap),
	cmocka_unit_test(dma_map_overlap),
	cmocka_unit_test(dma_map_flags),
	cmocka_unit_test(dma_map_huge),
	cmocka_unit_test(dma_unmap_bisect),
	cmocka_unit_test(dma_unmap_unmapped),
	cmocka_unit_test(dma_unmap_all_nonzero),
	cmocka_unit_test(dma_unmap_flags),
	cmocka_unit_test(dma_map_70000),
	cmocka_unit_test(dma_map_fd_pipe),
	cmocka_unit_test(dma_map_fd_socket),
	cmocka_unit_test(dma_map_fd_directory),
	cmocka_unit_test(dma_map_fd_opath),
	cmocka_unit_test(dma_map_fd_readonly),
	cmocka_unit_test(dma_map_fd_offset_beyond_size),
	cmocka_unit_test(dma_map_fd_short),
	cmocka_unit_test(dma_map_fd_closed_after_send),
	cmocka_unit_test(dma_unmap_with_fd),
	cmocka_unit_test(dma_maps_left_at_disconnect),
	cmocka_unit_test(dma_map_fd_truncated_after_map),
	cmocka_unit_test(dma_msg_baseline),
	cmocka_unit_test(dma_msg_reply_wrong_id),
	cmocka_unit_test(dma_msg_reply_wrong_count),
	cmocka_unit_test(dma_msg_reply_error),
	cmocka_unit_test(dma_msg_reply_error_with_payload),
	cmocka_unit_test(dma_msg_reply_with_fds),
	cmocka_unit_test(dma_msg_reply_huge_size),
	cmocka_unit_test(dma_msg_write_reply_bogus),
	cmocka_unit_test(dma_msg_disconnect_instead),
	cmocka_unit_test(dma_msg_commands_while_waiting),
	cmocka_unit_test(dma_msg_never_answered),
	cmocka_unit_test(irq_action_and_data_type),
	cmocka_unit_test(irq_index_out_of_range),
	cmocka_unit_test(irq_start_count_overflow),
	cmocka_unit_test(irq_bool_payload_short),
	cmocka_unit_test(irq_count_mismatch_fds),
	cmocka_unit_test(irq_fd_not_eventfd),
	cmocka_unit_test(irq_err_req_count_2),
	cmocka_unit_test(irq_intx_eventfd_full_blocking),
	cmocka_unit_test(irq_msi_eventfd_full_blocking),
	cmocka_unit_test(irq_storm),
	cmocka_unit_test(irq_eventfds_left_at_disconnect),
};

UVFIO_TEST_MAIN_FULL(tests, hostile_setup, hostile_teardown)
