// SPDX-License-Identifier: MIT
/*
 * uvfio_msg_check(): accept and reject cases for every command, both
 * directions, including count fields chosen so that a "fixed + count"
 * computed in 32 or 64 bits would wrap (contract §5).
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "proto/proto.h"

#define U64MAX 0xffffffffffffffffull

struct field {
	uint16_t off;
	uint8_t width; /* 0 = unused */
	uint64_t val;
};

struct check_case {
	const char *name;
	uint16_t cmd;
	uint32_t flags;
	uint32_t len;
	unsigned int nfds;
	int expect;
	struct field f[3];
};

#define F32(o, v) { .off = (o), .width = 4, .val = (v) }
#define F64(o, v) { .off = (o), .width = 8, .val = (v) }
#define OK 0
#define BAD (-EINVAL)
#define CMD(c, l, n, e, ...)                                                                       \
	{ .name = #c " cmd len " #l " fds " #n " " #__VA_ARGS__, .cmd = UVFIO_CMD_##c, .flags = 0, \
	  .len = (l), .nfds = (n), .expect = (e), .f = { __VA_ARGS__ } }
#define REP(c, l, n, e, ...)                                                                       \
	{ .name = #c " reply len " #l " fds " #n " " #__VA_ARGS__, .cmd = UVFIO_CMD_##c,           \
	  .flags = UVFIO_MSG_TYPE_REPLY, .len = (l), .nfds = (n), .expect = (e),                   \
	  .f = { __VA_ARGS__ } }

/* Offsets used below, spelled from the contract tables (payload-relative). */
#define DMA_MAP_ARGSZ 0        /* §5.1 */
#define UNMAP_FLAGS 4          /* §5.2 */
#define UNMAP_BITMAP_SIZE 32   /* §5.2: 24 + bitmap.size @8 */
#define IRQS_FLAGS 4           /* §5.7 */
#define IRQS_COUNT 16          /* §5.7 */
#define RW_COUNT 12            /* §5.8 */
#define DMA_COUNT 8            /* §5.11 */
#define DIRTY_FLAGS 4          /* §5.14 */
#define DIRTY_BITMAP_SIZE 32   /* §5.14: 8 + range.bitmap.size @24 */
#define WM_CNT 0               /* §5.9 */
#define WM_COUNT(i) (8 + 24 * (i) + 12)
#define MIG_SIZE 4             /* §5.13 */

#define EVT_TRIG (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define BOOL_TRIG (VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER)
#define NONE_TRIG (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)

static const struct check_case cases[] = {
	/* VERSION (1), contract §3: >= 4, JSON capped; the reply may carry the twin socket. */
	CMD(VERSION, 4, 0, OK),
	CMD(VERSION, 3, 0, BAD),
	CMD(VERSION, 0, 0, BAD),
	CMD(VERSION, 4 + UVFIO_MAX_JSON, 0, OK),
	CMD(VERSION, 4 + UVFIO_MAX_JSON + 1, 0, BAD),
	CMD(VERSION, 200, 1, BAD),
	REP(VERSION, 4, 0, OK),
	REP(VERSION, 100, 1, OK),
	REP(VERSION, 100, 2, BAD),
	REP(VERSION, 2, 0, BAD),

	/* DMA_MAP (2), §5.1: exactly 32, argsz >= 32, at most one fd. */
	CMD(DMA_MAP, 32, 0, OK, F32(DMA_MAP_ARGSZ, 32)),
	CMD(DMA_MAP, 32, 1, OK, F32(DMA_MAP_ARGSZ, 32)),
	CMD(DMA_MAP, 32, 0, OK, F32(DMA_MAP_ARGSZ, 64)),
	CMD(DMA_MAP, 32, 2, BAD, F32(DMA_MAP_ARGSZ, 32)),
	CMD(DMA_MAP, 32, 0, BAD, F32(DMA_MAP_ARGSZ, 31)),
	CMD(DMA_MAP, 32, 0, BAD, F32(DMA_MAP_ARGSZ, 0)),
	CMD(DMA_MAP, 31, 0, BAD, F32(DMA_MAP_ARGSZ, 32)),
	CMD(DMA_MAP, 33, 0, BAD, F32(DMA_MAP_ARGSZ, 32)),
	CMD(DMA_MAP, 0, 0, BAD),
	REP(DMA_MAP, 0, 0, OK),
	REP(DMA_MAP, 0, 1, BAD),

	/* DMA_UNMAP (3), §5.2: >= 24, +16 with GET_DIRTY_BITMAP; SPDK's one fd tolerated. */
	CMD(DMA_UNMAP, 24, 0, OK),
	CMD(DMA_UNMAP, 24, 1, OK),
	CMD(DMA_UNMAP, 24, 2, BAD),
	CMD(DMA_UNMAP, 23, 0, BAD),
	CMD(DMA_UNMAP, 24, 0, OK, F32(UNMAP_FLAGS, VFIO_DMA_UNMAP_FLAG_ALL)),
	CMD(DMA_UNMAP, 24, 0, BAD, F32(UNMAP_FLAGS, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)),
	CMD(DMA_UNMAP, 39, 0, BAD, F32(UNMAP_FLAGS, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)),
	CMD(DMA_UNMAP, 40, 0, OK, F32(UNMAP_FLAGS, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)),
	REP(DMA_UNMAP, 0, 0, OK),
	REP(DMA_UNMAP, 24, 0, OK),
	REP(DMA_UNMAP, 10, 0, BAD),
	REP(DMA_UNMAP, 24, 1, BAD),
	REP(DMA_UNMAP, 40, 0, OK, F32(UNMAP_FLAGS, 1), F64(UNMAP_BITMAP_SIZE, 0)),
	REP(DMA_UNMAP, 48, 0, OK, F32(UNMAP_FLAGS, 1), F64(UNMAP_BITMAP_SIZE, 8)),
	REP(DMA_UNMAP, 48, 0, BAD, F32(UNMAP_FLAGS, 1), F64(UNMAP_BITMAP_SIZE, 9)),
	REP(DMA_UNMAP, 48, 0, BAD, F32(UNMAP_FLAGS, 1), F64(UNMAP_BITMAP_SIZE, 7)),
	REP(DMA_UNMAP, 32, 0, BAD, F32(UNMAP_FLAGS, 1), F64(16, 0)),
	REP(DMA_UNMAP, 40, 0, BAD, F32(UNMAP_FLAGS, 1), F64(UNMAP_BITMAP_SIZE, U64MAX)),
	REP(DMA_UNMAP, 40, 0, BAD, F32(UNMAP_FLAGS, 1),
	    F64(UNMAP_BITMAP_SIZE, U64MAX - 39)), /* 40 + size wraps to 0 */

	/* DEVICE_GET_INFO (4), §5.3: request exactly 16. */
	CMD(DEVICE_GET_INFO, 16, 0, OK),
	CMD(DEVICE_GET_INFO, 15, 0, BAD),
	CMD(DEVICE_GET_INFO, 17, 0, BAD),
	CMD(DEVICE_GET_INFO, 16, 1, BAD),
	REP(DEVICE_GET_INFO, 16, 0, OK),
	REP(DEVICE_GET_INFO, 24, 0, OK),
	REP(DEVICE_GET_INFO, 15, 0, BAD),
	REP(DEVICE_GET_INFO, 16, 1, BAD),

	/* DEVICE_GET_REGION_INFO (5), §5.4: request 32; the reply may carry one fd. */
	CMD(DEVICE_GET_REGION_INFO, 32, 0, OK),
	CMD(DEVICE_GET_REGION_INFO, 31, 0, BAD),
	CMD(DEVICE_GET_REGION_INFO, 33, 0, BAD),
	CMD(DEVICE_GET_REGION_INFO, 32, 1, BAD),
	REP(DEVICE_GET_REGION_INFO, 32, 0, OK),
	REP(DEVICE_GET_REGION_INFO, 64, 1, OK),
	REP(DEVICE_GET_REGION_INFO, 64, 2, BAD),
	REP(DEVICE_GET_REGION_INFO, 31, 0, BAD),

	/* DEVICE_GET_REGION_IO_FDS (6), §5.5: request 16; the reply carries the fds. */
	CMD(DEVICE_GET_REGION_IO_FDS, 16, 0, OK),
	CMD(DEVICE_GET_REGION_IO_FDS, 17, 0, BAD),
	CMD(DEVICE_GET_REGION_IO_FDS, 12, 0, BAD),
	REP(DEVICE_GET_REGION_IO_FDS, 16, 0, OK),
	REP(DEVICE_GET_REGION_IO_FDS, 96, 3, OK),
	REP(DEVICE_GET_REGION_IO_FDS, 15, 0, BAD),

	/* DEVICE_GET_IRQ_INFO (7), §5.6: request 16. */
	CMD(DEVICE_GET_IRQ_INFO, 16, 0, OK),
	CMD(DEVICE_GET_IRQ_INFO, 20, 0, BAD),
	CMD(DEVICE_GET_IRQ_INFO, 8, 0, BAD),
	REP(DEVICE_GET_IRQ_INFO, 16, 0, OK),
	REP(DEVICE_GET_IRQ_INFO, 12, 0, BAD),

	/* DEVICE_SET_IRQS (8), §5.7: >= 20; DATA_BOOL = count bytes; fds <= count with EVENTFD. */
	CMD(DEVICE_SET_IRQS, 20, 1, OK, F32(IRQS_FLAGS, EVT_TRIG), F32(IRQS_COUNT, 1)),
	CMD(DEVICE_SET_IRQS, 20, 0, OK, F32(IRQS_FLAGS, EVT_TRIG), F32(IRQS_COUNT, 4)),
	CMD(DEVICE_SET_IRQS, 20, 2, BAD, F32(IRQS_FLAGS, EVT_TRIG), F32(IRQS_COUNT, 1)),
	CMD(DEVICE_SET_IRQS, 20, 16, OK, F32(IRQS_FLAGS, EVT_TRIG), F32(IRQS_COUNT, 32)),
	CMD(DEVICE_SET_IRQS, 20, 1, BAD, F32(IRQS_FLAGS, EVT_TRIG), F32(IRQS_COUNT, 0)),
	CMD(DEVICE_SET_IRQS, 20, 0, OK, F32(IRQS_FLAGS, NONE_TRIG), F32(IRQS_COUNT, 0)),
	CMD(DEVICE_SET_IRQS, 20, 1, BAD, F32(IRQS_FLAGS, NONE_TRIG), F32(IRQS_COUNT, 1)),
	CMD(DEVICE_SET_IRQS, 19, 0, BAD, F32(IRQS_FLAGS, NONE_TRIG)),
	CMD(DEVICE_SET_IRQS, 22, 0, OK, F32(IRQS_FLAGS, BOOL_TRIG), F32(IRQS_COUNT, 2)),
	CMD(DEVICE_SET_IRQS, 21, 0, BAD, F32(IRQS_FLAGS, BOOL_TRIG), F32(IRQS_COUNT, 2)),
	CMD(DEVICE_SET_IRQS, 23, 0, BAD, F32(IRQS_FLAGS, BOOL_TRIG), F32(IRQS_COUNT, 2)),
	CMD(DEVICE_SET_IRQS, 22, 1, BAD, F32(IRQS_FLAGS, BOOL_TRIG), F32(IRQS_COUNT, 2)),
	CMD(DEVICE_SET_IRQS, 20, 0, BAD, F32(IRQS_FLAGS, BOOL_TRIG), F32(IRQS_COUNT, 0xffffffff)),
	CMD(DEVICE_SET_IRQS, 20, 0, BAD, F32(IRQS_FLAGS, BOOL_TRIG),
	    F32(IRQS_COUNT, 0xfffffffc)), /* 20 + count wraps to 16 in u32 */
	CMD(DEVICE_SET_IRQS, 20, 0, OK, F32(IRQS_FLAGS, BOOL_TRIG), F32(IRQS_COUNT, 0)),
	REP(DEVICE_SET_IRQS, 0, 0, OK),
	REP(DEVICE_SET_IRQS, 0, 1, BAD),

	/* REGION_READ (9), §5.8: request exactly 16; reply 16 + count. */
	CMD(REGION_READ, 16, 0, OK, F32(RW_COUNT, 4)),
	CMD(REGION_READ, 16, 0, OK, F32(RW_COUNT, 0xffffffff)), /* the caller caps count */
	CMD(REGION_READ, 15, 0, BAD),
	CMD(REGION_READ, 20, 0, BAD, F32(RW_COUNT, 4)),
	CMD(REGION_READ, 16, 1, BAD),
	REP(REGION_READ, 20, 0, OK, F32(RW_COUNT, 4)),
	REP(REGION_READ, 16, 0, OK, F32(RW_COUNT, 0)),
	REP(REGION_READ, 20, 0, BAD, F32(RW_COUNT, 5)),
	REP(REGION_READ, 20, 0, BAD, F32(RW_COUNT, 3)),
	REP(REGION_READ, 16, 0, BAD, F32(RW_COUNT, 0xffffffff)),
	REP(REGION_READ, 16, 0, BAD, F32(RW_COUNT, 0xfffffff0)), /* 16 + count wraps to 0 */
	REP(REGION_READ, 15, 0, BAD),

	/* REGION_WRITE (10), §5.8: exactly 16 + count; reply the 16-byte head. */
	CMD(REGION_WRITE, 20, 0, OK, F32(RW_COUNT, 4)),
	CMD(REGION_WRITE, 16, 0, OK, F32(RW_COUNT, 0)),
	CMD(REGION_WRITE, 20, 0, BAD, F32(RW_COUNT, 5)),
	CMD(REGION_WRITE, 20, 0, BAD, F32(RW_COUNT, 3)),
	CMD(REGION_WRITE, 16, 0, BAD, F32(RW_COUNT, 0xffffffff)),
	CMD(REGION_WRITE, 16, 0, BAD, F32(RW_COUNT, 0xfffffff0)),
	CMD(REGION_WRITE, 15, 0, BAD),
	CMD(REGION_WRITE, 20, 1, BAD, F32(RW_COUNT, 4)),
	REP(REGION_WRITE, 16, 0, OK),
	REP(REGION_WRITE, 0, 0, BAD),

	/* DMA_READ (11), §5.11: request exactly 16 (no fds, QEMU quirk §1); reply 16 + count. */
	CMD(DMA_READ, 16, 0, OK, F64(DMA_COUNT, 8)),
	CMD(DMA_READ, 24, 0, BAD, F64(DMA_COUNT, 8)),
	CMD(DMA_READ, 16, 1, BAD, F64(DMA_COUNT, 8)),
	REP(DMA_READ, 24, 0, OK, F64(DMA_COUNT, 8)),
	REP(DMA_READ, 24, 0, BAD, F64(DMA_COUNT, (1ull << 32) | 8)), /* QEMU's u32 layout */
	REP(DMA_READ, 16, 0, BAD, F64(DMA_COUNT, U64MAX)),
	REP(DMA_READ, 16, 0, BAD, F64(DMA_COUNT, U64MAX - 15)), /* 16 + count wraps to 0 */
	REP(DMA_READ, 8, 0, BAD),

	/* DMA_WRITE (12), §5.11: 16 + count; reply 16, 12 (spec table) or 0 (QEMU). */
	CMD(DMA_WRITE, 20, 0, OK, F64(DMA_COUNT, 4)),
	CMD(DMA_WRITE, 20, 0, BAD, F64(DMA_COUNT, 5)),
	CMD(DMA_WRITE, 16, 0, BAD, F64(DMA_COUNT, U64MAX)),
	CMD(DMA_WRITE, 16, 0, BAD, F64(DMA_COUNT, U64MAX - 15)),
	CMD(DMA_WRITE, 15, 0, BAD),
	CMD(DMA_WRITE, 20, 1, BAD, F64(DMA_COUNT, 4)),
	REP(DMA_WRITE, 0, 0, OK),
	REP(DMA_WRITE, 12, 0, OK),
	REP(DMA_WRITE, 16, 0, OK),
	REP(DMA_WRITE, 8, 0, BAD),
	REP(DMA_WRITE, 20, 0, BAD),

	/* DEVICE_RESET (13), §5.10: no payload. */
	CMD(DEVICE_RESET, 0, 0, OK),
	CMD(DEVICE_RESET, 1, 0, BAD),
	CMD(DEVICE_RESET, 0, 1, BAD),
	REP(DEVICE_RESET, 0, 0, OK),

	/* DIRTY_PAGES (14, legacy), §5.14: 8; GET_BITMAP exactly 8 + 32 (the range). */
	CMD(DIRTY_PAGES, 8, 0, OK, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_START)),
	CMD(DIRTY_PAGES, 7, 0, BAD),
	CMD(DIRTY_PAGES, 40, 0, OK, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)),
	CMD(DIRTY_PAGES, 8, 0, BAD, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)),
	CMD(DIRTY_PAGES, 48, 0, BAD, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)),
	REP(DIRTY_PAGES, 0, 0, OK),
	REP(DIRTY_PAGES, 8, 0, OK, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP)),
	REP(DIRTY_PAGES, 4, 0, BAD),
	REP(DIRTY_PAGES, 72, 0, OK, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP),
	    F64(DIRTY_BITMAP_SIZE, 32)),
	REP(DIRTY_PAGES, 72, 0, BAD, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP),
	    F64(DIRTY_BITMAP_SIZE, 33)),
	REP(DIRTY_PAGES, 40, 0, BAD, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP),
	    F64(DIRTY_BITMAP_SIZE, U64MAX - 39)), /* 40 + size wraps to 0 */
	REP(DIRTY_PAGES, 36, 0, BAD, F32(DIRTY_FLAGS, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)),

	/* REGION_WRITE_MULTI (15), §5.9: 8 + 24 * wr_cnt, wr_cnt <= 200, each count <= 8. */
	CMD(REGION_WRITE_MULTI, 32, 0, OK, F64(WM_CNT, 1), F32(WM_COUNT(0), 8)),
	CMD(REGION_WRITE_MULTI, 32, 0, BAD, F64(WM_CNT, 1), F32(WM_COUNT(0), 9)),
	CMD(REGION_WRITE_MULTI, 32, 0, BAD, F64(WM_CNT, 1), F32(WM_COUNT(0), 0xffffffff)),
	CMD(REGION_WRITE_MULTI, 56, 0, BAD, F64(WM_CNT, 2), F32(WM_COUNT(1), 16)),
	CMD(REGION_WRITE_MULTI, 32, 0, BAD, F64(WM_CNT, 2)),
	CMD(REGION_WRITE_MULTI, 56, 0, BAD, F64(WM_CNT, 1)),
	CMD(REGION_WRITE_MULTI, 8, 0, OK, F64(WM_CNT, 0)),
	CMD(REGION_WRITE_MULTI, 7, 0, BAD),
	CMD(REGION_WRITE_MULTI, 8 + 24 * 200, 0, OK, F64(WM_CNT, 200), F32(WM_COUNT(199), 4)),
	CMD(REGION_WRITE_MULTI, 8 + 24 * 201, 0, BAD, F64(WM_CNT, 201)),
	/* 24 * wr_cnt wraps to 8 in 64 bits, so 8 + 24 * wr_cnt == 16. */
	CMD(REGION_WRITE_MULTI, 16, 0, BAD, F64(WM_CNT, 0x0aaaaaaaaaaaaaabull)),
	CMD(REGION_WRITE_MULTI, 32, 1, BAD, F64(WM_CNT, 1)),
	REP(REGION_WRITE_MULTI, 8, 0, OK),
	REP(REGION_WRITE_MULTI, 7, 0, BAD),

	/* DEVICE_FEATURE (16), §5.12: >= 8 both ways. */
	CMD(DEVICE_FEATURE, 8, 0, OK),
	CMD(DEVICE_FEATURE, 24, 0, OK),
	CMD(DEVICE_FEATURE, 7, 0, BAD),
	CMD(DEVICE_FEATURE, 8, 1, BAD),
	REP(DEVICE_FEATURE, 16, 0, OK),
	REP(DEVICE_FEATURE, 4, 0, BAD),

	/* MIG_DATA_READ (17), §5.13: request 8; reply 8 + at least size. */
	CMD(MIG_DATA_READ, 8, 0, OK),
	CMD(MIG_DATA_READ, 12, 0, BAD),
	CMD(MIG_DATA_READ, 4, 0, BAD),
	REP(MIG_DATA_READ, 12, 0, OK, F32(MIG_SIZE, 4)),
	REP(MIG_DATA_READ, 12, 0, OK, F32(MIG_SIZE, 2)),
	REP(MIG_DATA_READ, 12, 0, BAD, F32(MIG_SIZE, 5)),
	REP(MIG_DATA_READ, 8, 0, BAD, F32(MIG_SIZE, 0xffffffff)),
	REP(MIG_DATA_READ, 8, 0, BAD, F32(MIG_SIZE, 0xfffffff8)), /* 8 + size wraps to 0 */
	REP(MIG_DATA_READ, 4, 0, BAD),

	/* MIG_DATA_WRITE (18), §5.13: exactly 8 + size; reply header only. */
	CMD(MIG_DATA_WRITE, 12, 0, OK, F32(MIG_SIZE, 4)),
	CMD(MIG_DATA_WRITE, 8, 0, OK, F32(MIG_SIZE, 0)),
	CMD(MIG_DATA_WRITE, 12, 0, BAD, F32(MIG_SIZE, 3)),
	CMD(MIG_DATA_WRITE, 12, 0, BAD, F32(MIG_SIZE, 5)),
	CMD(MIG_DATA_WRITE, 8, 0, BAD, F32(MIG_SIZE, 0xffffffff)),
	CMD(MIG_DATA_WRITE, 8, 0, BAD, F32(MIG_SIZE, 0xfffffff8)),
	CMD(MIG_DATA_WRITE, 7, 0, BAD),
	REP(MIG_DATA_WRITE, 0, 0, OK),
};

static uint8_t payload[8 + 24 * 256];

static void fill(const struct check_case *c, struct uvfio_msg *msg)
{
	unsigned int i;

	memset(payload, 0, sizeof(payload));
	for (i = 0; i < 3; i++) {
		uint32_t v32 = (uint32_t)c->f[i].val;

		if (c->f[i].width == 4)
			memcpy(payload + c->f[i].off, &v32, 4);
		else if (c->f[i].width == 8)
			memcpy(payload + c->f[i].off, &c->f[i].val, 8);
	}
	memset(msg, 0, sizeof(*msg));
	msg->hdr = (struct uvfio_msg_hdr){
		.msg_id = 1, .cmd = c->cmd, .size = 16 + c->len, .flags = c->flags
	};
	msg->payload = payload;
	msg->len = c->len;
	msg->nfds = c->nfds;
	for (i = 0; i < UVFIO_MAX_MSG_FDS; i++)
		msg->fds[i] = -1; /* uvfio_msg_check() only counts them */
}

/* One cmocka test per table row, so a failure names its case. */
static void test_case(void **state)
{
	const struct check_case *c = *state;
	struct uvfio_msg msg;

	assert_true(c->len <= sizeof(payload));
	fill(c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), c->expect);
}

/* Every command has at least one accepted and one rejected case per direction. */
static void test_table_covers_all(void **state)
{
	bool seen[UVFIO_CMD_MAX + 1][2][2] = { 0 };
	size_t i;
	uint16_t c;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		seen[cases[i].cmd][cases[i].flags & 1][cases[i].expect == 0] = true;
	for (c = 1; c <= UVFIO_CMD_MAX; c++) {
		assert_true(seen[c][0][0] && seen[c][0][1]);
		/* Replies that can only be header-only have no size to get wrong. */
		assert_true(seen[c][1][1]);
	}
}

static void test_errors_and_headers(void **state)
{
	struct check_case c = { .cmd = UVFIO_CMD_DMA_MAP };
	struct uvfio_msg msg;

	(void)state;
	/* contract §2: an error reply is header only, and carries no fds. */
	c.flags = UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR;
	c.cmd = UVFIO_CMD_REGION_READ;
	fill(&c, &msg);
	msg.hdr.error_no = EINVAL;
	assert_int_equal(uvfio_msg_check(&msg), 0);
	c.len = 4;
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	c.len = 0;
	c.nfds = 1;
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	/* The error bit on a command. */
	c = (struct check_case){ .cmd = UVFIO_CMD_DEVICE_RESET, .flags = UVFIO_MSG_ERROR };
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	/* No_reply on a command is fine. */
	c.flags = UVFIO_MSG_NO_REPLY;
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	/* Unknown commands, both directions. */
	c.flags = 0;
	c.cmd = 0;
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	c.cmd = UVFIO_CMD_MAX + 1;
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	c.cmd = 0xffff;
	c.flags = UVFIO_MSG_TYPE_REPLY;
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	/* Type 2..15. */
	c = (struct check_case){ .cmd = UVFIO_CMD_DEVICE_RESET, .flags = 2 };
	fill(&c, &msg);
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	/* len disagreeing with the header, missing payload, fd count out of range. */
	c.flags = 0;
	fill(&c, &msg);
	msg.hdr.size = 20;
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	c = (struct check_case){ .cmd = UVFIO_CMD_DEVICE_GET_INFO, .len = 16 };
	fill(&c, &msg);
	msg.payload = NULL;
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	fill(&c, &msg);
	msg.nfds = UVFIO_MAX_MSG_FDS + 1;
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	fill(&c, &msg);
	msg.hdr.size = 8;
	assert_int_equal(uvfio_msg_check(&msg), -EINVAL);
	assert_int_equal(uvfio_msg_check(NULL), -EINVAL);
}

/* The payload need not be aligned: fields are read with memcpy. */
static void test_unaligned_payload(void **state)
{
	static uint8_t raw[64 + 1];
	const uint64_t count = 4;
	struct uvfio_msg msg = { 0 };

	(void)state;
	memset(raw, 0, sizeof(raw));
	memcpy(raw + 1 + 8, &count, sizeof(count));
	msg.hdr = (struct uvfio_msg_hdr){ .cmd = UVFIO_CMD_DMA_WRITE, .size = 16 + 20 };
	msg.payload = raw + 1;
	msg.len = 20;
	assert_int_equal(uvfio_msg_check(&msg), 0);
}

#define N_CASES (sizeof(cases) / sizeof(cases[0]))
#define N_FIXED 3

static struct CMUnitTest tests[N_FIXED + N_CASES] = {
	cmocka_unit_test(test_table_covers_all),
	cmocka_unit_test(test_errors_and_headers),
	cmocka_unit_test(test_unaligned_payload),
};

/* The table rows become tests before main() runs (UVFIO_TEST_MAIN needs a sized array). */
__attribute__((constructor)) static void add_table_tests(void)
{
	size_t i;

	for (i = 0; i < N_CASES; i++)
		tests[N_FIXED + i] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
}

UVFIO_TEST_MAIN(tests)
