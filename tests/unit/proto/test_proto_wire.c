// SPDX-License-Identifier: MIT
/*
 * lib/proto wire tests: struct layouts against the contract tables, every
 * command encoded and decoded byte for byte over a socketpair, fds, partial
 * I/O, EINTR, EOF, oversize and hostile headers, replies.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "test.h"
#include "helpers.h"
#include "proto/proto.h"

#define HS sizeof(struct uvfio_msg_hdr)

/* ---- layouts: sizeof and offsetof against the contract tables ---- */

#define OFF(type, field, want) assert_int_equal(offsetof(type, field), want)

static void test_layout_header(void **state)
{
	(void)state;
	/* contract §2 */
	assert_int_equal(sizeof(struct uvfio_msg_hdr), 16);
	OFF(struct uvfio_msg_hdr, msg_id, 0);
	OFF(struct uvfio_msg_hdr, cmd, 2);
	OFF(struct uvfio_msg_hdr, size, 4);
	OFF(struct uvfio_msg_hdr, flags, 8);
	OFF(struct uvfio_msg_hdr, error_no, 12);
	/* contract §3 */
	assert_int_equal(sizeof(struct uvfio_msg_version), 4);
	OFF(struct uvfio_msg_version, major, 0);
	OFF(struct uvfio_msg_version, minor, 2);
	OFF(struct uvfio_msg_version, data, 4);
}

static void test_layout_dma(void **state)
{
	(void)state;
	/* contract §5.1 */
	assert_int_equal(sizeof(struct uvfio_msg_dma_map), 32);
	OFF(struct uvfio_msg_dma_map, argsz, 0);
	OFF(struct uvfio_msg_dma_map, flags, 4);
	OFF(struct uvfio_msg_dma_map, offset, 8);
	OFF(struct uvfio_msg_dma_map, addr, 16);
	OFF(struct uvfio_msg_dma_map, size, 24);
	/* contract §5.2 */
	assert_int_equal(sizeof(struct uvfio_msg_dma_unmap), 24);
	OFF(struct uvfio_msg_dma_unmap, argsz, 0);
	OFF(struct uvfio_msg_dma_unmap, flags, 4);
	OFF(struct uvfio_msg_dma_unmap, addr, 8);
	OFF(struct uvfio_msg_dma_unmap, size, 16);
	assert_int_equal(sizeof(struct uvfio_msg_bitmap), 16);
	OFF(struct uvfio_msg_bitmap, pgsize, 0);
	OFF(struct uvfio_msg_bitmap, size, 8);
	/* contract §5.11, spec layout */
	assert_int_equal(sizeof(struct uvfio_msg_dma_rw), 16);
	OFF(struct uvfio_msg_dma_rw, addr, 0);
	OFF(struct uvfio_msg_dma_rw, count, 8);
	OFF(struct uvfio_msg_dma_rw, data, 16);
	/* contract §5.14 */
	assert_int_equal(sizeof(struct vfio_iommu_type1_dirty_bitmap), 8);
	OFF(struct vfio_iommu_type1_dirty_bitmap, argsz, 0);
	OFF(struct vfio_iommu_type1_dirty_bitmap, flags, 4);
	/* 32, not the contract's "40": libvfio-user's vfio_user_bitmap_range. */
	assert_int_equal(sizeof(struct uvfio_msg_dirty_range), 32);
	OFF(struct uvfio_msg_dirty_range, iova, 0);
	OFF(struct uvfio_msg_dirty_range, size, 8);
	OFF(struct uvfio_msg_dirty_range, bitmap.pgsize, 16);
	OFF(struct uvfio_msg_dirty_range, bitmap.size, 24);
}

static void test_layout_device(void **state)
{
	(void)state;
	/* contract §5.3 */
	assert_int_equal(sizeof(struct uvfio_msg_device_info), 16);
	OFF(struct uvfio_msg_device_info, argsz, 0);
	OFF(struct uvfio_msg_device_info, flags, 4);
	OFF(struct uvfio_msg_device_info, num_regions, 8);
	OFF(struct uvfio_msg_device_info, num_irqs, 12);
	/* contract §5.4 */
	assert_int_equal(sizeof(struct vfio_region_info), 32);
	OFF(struct vfio_region_info, argsz, 0);
	OFF(struct vfio_region_info, flags, 4);
	OFF(struct vfio_region_info, index, 8);
	OFF(struct vfio_region_info, cap_offset, 12);
	OFF(struct vfio_region_info, size, 16);
	OFF(struct vfio_region_info, offset, 24);
	assert_int_equal(sizeof(struct vfio_info_cap_header), 8);
	OFF(struct vfio_info_cap_header, id, 0);
	OFF(struct vfio_info_cap_header, version, 2);
	OFF(struct vfio_info_cap_header, next, 4);
	assert_int_equal(sizeof(struct vfio_region_info_cap_sparse_mmap), 16);
	OFF(struct vfio_region_info_cap_sparse_mmap, nr_areas, 8);
	OFF(struct vfio_region_info_cap_sparse_mmap, reserved, 12);
	OFF(struct vfio_region_info_cap_sparse_mmap, areas, 16);
	assert_int_equal(sizeof(struct vfio_region_sparse_mmap_area), 16);
	OFF(struct vfio_region_sparse_mmap_area, offset, 0);
	OFF(struct vfio_region_sparse_mmap_area, size, 8);
	assert_int_equal(sizeof(struct vfio_region_info_cap_type), 16);
	OFF(struct vfio_region_info_cap_type, type, 8);
	OFF(struct vfio_region_info_cap_type, subtype, 12);
	/* contract §5.5 */
	assert_int_equal(sizeof(struct uvfio_msg_region_io_fds), 16);
	OFF(struct uvfio_msg_region_io_fds, argsz, 0);
	OFF(struct uvfio_msg_region_io_fds, flags, 4);
	OFF(struct uvfio_msg_region_io_fds, index, 8);
	OFF(struct uvfio_msg_region_io_fds, count, 12);
	assert_int_equal(sizeof(struct uvfio_msg_io_fd_entry), 40);
	OFF(struct uvfio_msg_io_fd_entry, offset, 0);
	OFF(struct uvfio_msg_io_fd_entry, size, 8);
	OFF(struct uvfio_msg_io_fd_entry, fd_index, 16);
	OFF(struct uvfio_msg_io_fd_entry, type, 20);
	OFF(struct uvfio_msg_io_fd_entry, flags, 24);
	OFF(struct uvfio_msg_io_fd_entry, padding, 28);
	OFF(struct uvfio_msg_io_fd_entry, datamatch, 32);
	/* contract §5.6 */
	assert_int_equal(sizeof(struct vfio_irq_info), 16);
	OFF(struct vfio_irq_info, argsz, 0);
	OFF(struct vfio_irq_info, flags, 4);
	OFF(struct vfio_irq_info, index, 8);
	OFF(struct vfio_irq_info, count, 12);
	/* contract §5.7 */
	assert_int_equal(sizeof(struct vfio_irq_set), 20);
	OFF(struct vfio_irq_set, argsz, 0);
	OFF(struct vfio_irq_set, flags, 4);
	OFF(struct vfio_irq_set, index, 8);
	OFF(struct vfio_irq_set, start, 12);
	OFF(struct vfio_irq_set, count, 16);
	OFF(struct vfio_irq_set, data, 20);
	/* contract §5.12 */
	assert_int_equal(sizeof(struct vfio_device_feature), 8);
	OFF(struct vfio_device_feature, argsz, 0);
	OFF(struct vfio_device_feature, flags, 4);
	OFF(struct vfio_device_feature, data, 8);
}

static void test_layout_region(void **state)
{
	(void)state;
	/* contract §5.8 */
	assert_int_equal(sizeof(struct uvfio_msg_region_rw), 16);
	OFF(struct uvfio_msg_region_rw, offset, 0);
	OFF(struct uvfio_msg_region_rw, region, 8);
	OFF(struct uvfio_msg_region_rw, count, 12);
	OFF(struct uvfio_msg_region_rw, data, 16);
	/* contract §5.9 */
	assert_int_equal(sizeof(struct uvfio_msg_write_multi), 8);
	OFF(struct uvfio_msg_write_multi, wr_cnt, 0);
	OFF(struct uvfio_msg_write_multi, wrs, 8);
	assert_int_equal(sizeof(struct uvfio_msg_write_multi_entry), 24);
	OFF(struct uvfio_msg_write_multi_entry, offset, 0);
	OFF(struct uvfio_msg_write_multi_entry, region, 8);
	OFF(struct uvfio_msg_write_multi_entry, count, 12);
	OFF(struct uvfio_msg_write_multi_entry, data, 16);
	/* contract §5.13 */
	assert_int_equal(sizeof(struct uvfio_msg_mig_data), 8);
	OFF(struct uvfio_msg_mig_data, argsz, 0);
	OFF(struct uvfio_msg_mig_data, size, 4);
	OFF(struct uvfio_msg_mig_data, data, 8);
}

/* ---- golden messages: one per command and direction ---- */

#define MAX_PIECES 4
struct golden {
	uint16_t id;
	uint16_t cmd;
	uint32_t flags;
	uint32_t err;
	struct iovec iov[MAX_PIECES];
	const uint8_t *expect;
	size_t expect_len;
};

#define PIECE(obj) { .iov_base = (void *)&(obj), .iov_len = sizeof(obj) }
#define GOLDEN(nm, id_, cmd_, flags_, ...)                                                         \
	static struct golden g_##nm = { .id = (id_),                                               \
					.cmd = (cmd_),                                             \
					.flags = (flags_),                                         \
					.iov = { __VA_ARGS__ },                                    \
					.expect = x_##nm,                                          \
					.expect_len = sizeof(x_##nm) }

/* VERSION (1), with the smallest JSON. */
static struct uvfio_msg_version p_version = { .major = 0, .minor = 0 };
static char d_version[] = "{}";
static const uint8_t x_version[] = { HDR(0, 1, 23, 0, 0), LE16(0), LE16(0), '{', '}', 0 };
GOLDEN(version, 0, UVFIO_CMD_VERSION, 0, PIECE(p_version), PIECE(d_version));

/* DMA_MAP (2), QEMU's second start-up map (contract §4), spelled out by hand. */
static struct uvfio_msg_dma_map p_dma_map = {
	.argsz = 32,
	.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
	.offset = 0x1000,
	.addr = 0xc0000,
	.size = 0x7f40000,
};
static const uint8_t x_dma_map[] = {
	0x07, 0x00, 0x02, 0x00, 0x30, 0x00, 0x00, 0x00, /* id 7, DMA_MAP, size 48 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* flags, error */
	0x20, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* argsz 32, READ|WRITE */
	0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* offset */
	0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, /* address */
	0x00, 0x00, 0xf4, 0x07, 0x00, 0x00, 0x00, 0x00, /* size */
};
GOLDEN(dma_map, 7, UVFIO_CMD_DMA_MAP, 0, PIECE(p_dma_map));

/* DMA_MAP reply: header only (contract §5.1). */
static const uint8_t x_dma_map_reply[] = { HDR(7, 2, 16, 1, 0) };
GOLDEN(dma_map_reply, 7, UVFIO_CMD_DMA_MAP, UVFIO_MSG_TYPE_REPLY);

/* DMA_UNMAP (3), QEMU's unmap-all (contract §5.2), and the 24-byte echo. */
static struct uvfio_msg_dma_unmap p_dma_unmap = { .argsz = 24, .flags = VFIO_DMA_UNMAP_FLAG_ALL };
static const uint8_t x_dma_unmap[] = { HDR(8, 3, 40, 0, 0), LE32(24), LE32(2), LE64(0), LE64(0) };
GOLDEN(dma_unmap, 8, UVFIO_CMD_DMA_UNMAP, 0, PIECE(p_dma_unmap));
static const uint8_t x_dma_unmap_reply[] = { HDR(8, 3, 40, 1, 0), LE32(24), LE32(2), LE64(0),
					     LE64(0) };
GOLDEN(dma_unmap_reply, 8, UVFIO_CMD_DMA_UNMAP, UVFIO_MSG_TYPE_REPLY, PIECE(p_dma_unmap));

/* DMA_UNMAP with the legacy dirty bitmap, request and reply (contract §5.2). */
static struct uvfio_msg_dma_unmap p_unmap_dirty = {
	.argsz = 48,
	.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
	.addr = 0x100000,
	.size = 0x40000,
};
static struct uvfio_msg_bitmap p_unmap_bitmap = { .pgsize = 4096, .size = 8 };
static uint8_t d_unmap_bits[8] = { 0x81, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t x_unmap_dirty[] = { HDR(9, 3, 56, 0, 0), LE32(48),  LE32(1),
					 LE64(0x100000),      LE64(0x40000), LE64(4096),
					 LE64(8) };
GOLDEN(unmap_dirty, 9, UVFIO_CMD_DMA_UNMAP, 0, PIECE(p_unmap_dirty), PIECE(p_unmap_bitmap));
static const uint8_t x_unmap_dirty_reply[] = { HDR(9, 3, 64, 1, 0),
					       LE32(48),
					       LE32(1),
					       LE64(0x100000),
					       LE64(0x40000),
					       LE64(4096),
					       LE64(8),
					       0x81,
					       0,
					       0,
					       0,
					       0,
					       0,
					       0,
					       0x01 };
GOLDEN(unmap_dirty_reply, 9, UVFIO_CMD_DMA_UNMAP, UVFIO_MSG_TYPE_REPLY, PIECE(p_unmap_dirty),
       PIECE(p_unmap_bitmap), PIECE(d_unmap_bits));

/* DEVICE_GET_INFO (4) (contract §5.3). */
static struct uvfio_msg_device_info p_info = { .argsz = 16 };
static const uint8_t x_info[] = { HDR(1, 4, 32, 0, 0), LE32(16), LE32(0), LE32(0), LE32(0) };
GOLDEN(info, 1, UVFIO_CMD_DEVICE_GET_INFO, 0, PIECE(p_info));
static struct uvfio_msg_device_info p_info_reply = {
	.argsz = 16,
	.flags = VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI,
	.num_regions = VFIO_PCI_NUM_REGIONS,
	.num_irqs = VFIO_PCI_NUM_IRQS,
};
static const uint8_t x_info_reply[] = { HDR(1, 4, 32, 1, 0), LE32(16), LE32(3), LE32(9), LE32(5) };
GOLDEN(info_reply, 1, UVFIO_CMD_DEVICE_GET_INFO, UVFIO_MSG_TYPE_REPLY, PIECE(p_info_reply));

/* DEVICE_GET_REGION_INFO (5), and a reply with one sparse-mmap area (contract §5.4). */
static struct vfio_region_info p_rinfo = { .argsz = 32, .index = VFIO_PCI_CONFIG_REGION_INDEX };
static const uint8_t x_rinfo[] = { HDR(2, 5, 48, 0, 0), LE32(32), LE32(0), LE32(7),
				   LE32(0),             LE64(0),  LE64(0) };
GOLDEN(rinfo, 2, UVFIO_CMD_DEVICE_GET_REGION_INFO, 0, PIECE(p_rinfo));
static struct vfio_region_info p_rinfo_reply = {
	.argsz = 64,
	.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		 VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS,
	.index = 0,
	.cap_offset = 32,
	.size = 0x4000,
	.offset = 0,
};
static struct vfio_region_info_cap_sparse_mmap p_sparse = {
	.header = { .id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1, .next = 0 },
	.nr_areas = 1,
};
static struct vfio_region_sparse_mmap_area p_area = { .offset = 0x1000, .size = 0x2000 };
static const uint8_t x_rinfo_reply[] = {
	HDR(3, 5, 80, 1, 0), LE32(64), LE32(0xf), LE32(0),      LE32(32),     LE64(0x4000),
	LE64(0),             LE16(1),  LE16(1),   LE32(0),      LE32(1),      LE32(0),
	LE64(0x1000),        LE64(0x2000),
};
GOLDEN(rinfo_reply, 3, UVFIO_CMD_DEVICE_GET_REGION_INFO, UVFIO_MSG_TYPE_REPLY,
       PIECE(p_rinfo_reply), PIECE(p_sparse), PIECE(p_area));

/* DEVICE_GET_REGION_IO_FDS (6), spec-layout reply with one entry (contract §5.5). */
static struct uvfio_msg_region_io_fds p_iofds = { .argsz = 16, .index = 2 };
static const uint8_t x_iofds[] = { HDR(4, 6, 32, 0, 0), LE32(16), LE32(0), LE32(2), LE32(0) };
GOLDEN(iofds, 4, UVFIO_CMD_DEVICE_GET_REGION_IO_FDS, 0, PIECE(p_iofds));
static struct uvfio_msg_region_io_fds p_iofds_reply = { .argsz = 56, .index = 2, .count = 1 };
static struct uvfio_msg_io_fd_entry p_iofd = {
	.offset = 0x100,
	.size = 4,
	.fd_index = 0,
	.type = UVFIO_IO_FD_TYPE_IOEVENTFD,
	.datamatch = 0x42,
};
static const uint8_t x_iofds_reply[] = {
	HDR(4, 6, 72, 1, 0), LE32(56), LE32(0), LE32(2), LE32(1), LE64(0x100),
	LE64(4),             LE32(0),  LE32(0), LE32(0), LE32(0), LE64(0x42),
};
GOLDEN(iofds_reply, 4, UVFIO_CMD_DEVICE_GET_REGION_IO_FDS, UVFIO_MSG_TYPE_REPLY,
       PIECE(p_iofds_reply), PIECE(p_iofd));

/* DEVICE_GET_IRQ_INFO (7) (contract §5.6). */
static struct vfio_irq_info p_irqinfo = { .argsz = 16, .index = VFIO_PCI_ERR_IRQ_INDEX };
static const uint8_t x_irqinfo[] = { HDR(5, 7, 32, 0, 0), LE32(16), LE32(0), LE32(3), LE32(0) };
GOLDEN(irqinfo, 5, UVFIO_CMD_DEVICE_GET_IRQ_INFO, 0, PIECE(p_irqinfo));
static struct vfio_irq_info p_irqinfo_reply = {
	.argsz = 16,
	.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED,
	.index = VFIO_PCI_INTX_IRQ_INDEX,
	.count = 1,
};
static const uint8_t x_irqinfo_reply[] = { HDR(5, 7, 32, 1, 0), LE32(16), LE32(7), LE32(0),
					   LE32(1) };
GOLDEN(irqinfo_reply, 5, UVFIO_CMD_DEVICE_GET_IRQ_INFO, UVFIO_MSG_TYPE_REPLY,
       PIECE(p_irqinfo_reply));

/* DEVICE_SET_IRQS (8): QEMU's INTx enable (fd sent separately) and a DATA_BOOL (§5.7). */
static struct vfio_irq_set p_irqs = {
	.argsz = 20,
	.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
	.index = VFIO_PCI_INTX_IRQ_INDEX,
	.start = 0,
	.count = 1,
};
static const uint8_t x_irqs[] = { HDR(6, 8, 36, 0, 0), LE32(20), LE32(0x24), LE32(0), LE32(0),
				  LE32(1) };
GOLDEN(irqs, 6, UVFIO_CMD_DEVICE_SET_IRQS, 0, PIECE(p_irqs));
static struct vfio_irq_set p_irqs_bool = {
	.argsz = 22,
	.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
	.index = VFIO_PCI_MSI_IRQ_INDEX,
	.start = 0,
	.count = 2,
};
static uint8_t d_bools[2] = { 1, 0 };
static const uint8_t x_irqs_bool[] = { HDR(9, 8, 38, 0, 0), LE32(22), LE32(0x22), LE32(1), LE32(0),
				       LE32(2),             1,        0 };
GOLDEN(irqs_bool, 9, UVFIO_CMD_DEVICE_SET_IRQS, 0, PIECE(p_irqs_bool), PIECE(d_bools));
static const uint8_t x_irqs_reply[] = { HDR(6, 8, 16, 1, 0) };
GOLDEN(irqs_reply, 6, UVFIO_CMD_DEVICE_SET_IRQS, UVFIO_MSG_TYPE_REPLY);

/* REGION_READ (9) of config space and its reply (contract §5.8). */
static struct uvfio_msg_region_rw p_rread = { .offset = 0, .region = 7, .count = 4 };
static const uint8_t x_rread[] = { HDR(10, 9, 32, 0, 0), LE64(0), LE32(7), LE32(4) };
GOLDEN(rread, 10, UVFIO_CMD_REGION_READ, 0, PIECE(p_rread));
static uint8_t d_rread[4] = { 0x86, 0x80, 0x34, 0x12 };
static const uint8_t x_rread_reply[] = { HDR(10, 9, 36, 1, 0), LE64(0), LE32(7), LE32(4),
					 0x86,                 0x80,    0x34,    0x12 };
GOLDEN(rread_reply, 10, UVFIO_CMD_REGION_READ, UVFIO_MSG_TYPE_REPLY, PIECE(p_rread),
       PIECE(d_rread));

/* REGION_WRITE (10), posted (No_reply, contract §5.8), and a reply to a non-posted one. */
static struct uvfio_msg_region_rw p_rwrite = { .offset = 0x10, .region = 0, .count = 4 };
static uint8_t d_rwrite[4] = { 0xef, 0xbe, 0xad, 0xde };
static const uint8_t x_rwrite[] = { HDR(11, 10, 36, 0x10, 0), LE64(0x10), LE32(0), LE32(4),
				    0xef,                     0xbe,       0xad,    0xde };
GOLDEN(rwrite, 11, UVFIO_CMD_REGION_WRITE, UVFIO_MSG_NO_REPLY, PIECE(p_rwrite), PIECE(d_rwrite));
static const uint8_t x_rwrite_reply[] = { HDR(12, 10, 32, 1, 0), LE64(0x10), LE32(0), LE32(4) };
GOLDEN(rwrite_reply, 12, UVFIO_CMD_REGION_WRITE, UVFIO_MSG_TYPE_REPLY, PIECE(p_rwrite));

/* DMA_READ (11) / DMA_WRITE (12), server to client, spec layout (contract §5.11). */
static struct uvfio_msg_dma_rw p_dread = { .addr = 0x100000, .count = 8 };
static const uint8_t x_dread[] = { HDR(1, 11, 32, 0, 0), LE64(0x100000), LE64(8) };
GOLDEN(dread, 1, UVFIO_CMD_DMA_READ, 0, PIECE(p_dread));
static char d_dread[8] = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H' };
static const uint8_t x_dread_reply[] = { HDR(1, 11, 40, 1, 0), LE64(0x100000), LE64(8), 'A', 'B',
					 'C', 'D', 'E', 'F', 'G', 'H' };
GOLDEN(dread_reply, 1, UVFIO_CMD_DMA_READ, UVFIO_MSG_TYPE_REPLY, PIECE(p_dread), PIECE(d_dread));
static struct uvfio_msg_dma_rw p_dwrite = { .addr = 0x100000, .count = 4 };
static char d_dwrite[4] = { 'A', 'B', 'C', 'D' };
static const uint8_t x_dwrite[] = { HDR(2, 12, 36, 0, 0), LE64(0x100000), LE64(4), 'A', 'B', 'C',
				    'D' };
GOLDEN(dwrite, 2, UVFIO_CMD_DMA_WRITE, 0, PIECE(p_dwrite), PIECE(d_dwrite));
static const uint8_t x_dwrite_reply[] = { HDR(2, 12, 32, 1, 0), LE64(0x100000), LE64(4) };
GOLDEN(dwrite_reply, 2, UVFIO_CMD_DMA_WRITE, UVFIO_MSG_TYPE_REPLY, PIECE(p_dwrite));

/* DEVICE_RESET (13): no payload either way (contract §5.10). */
static const uint8_t x_reset[] = { HDR(13, 13, 16, 0, 0) };
GOLDEN(reset, 13, UVFIO_CMD_DEVICE_RESET, 0);
static const uint8_t x_reset_reply[] = { HDR(13, 13, 16, 1, 0) };
GOLDEN(reset_reply, 13, UVFIO_CMD_DEVICE_RESET, UVFIO_MSG_TYPE_REPLY);

/* DIRTY_PAGES (14), legacy GET_BITMAP (contract §5.14). */
static struct vfio_iommu_type1_dirty_bitmap p_dirty = {
	.argsz = 72,
	.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
};
static struct uvfio_msg_dirty_range p_dirty_range = {
	.iova = 0,
	.size = 0x100000,
	.bitmap = { .pgsize = 4096, .size = 32 },
};
static const uint8_t x_dirty[] = { HDR(14, 14, 56, 0, 0), LE32(72),   LE32(4), LE64(0),
				   LE64(0x100000),        LE64(4096), LE64(32) };
GOLDEN(dirty, 14, UVFIO_CMD_DIRTY_PAGES, 0, PIECE(p_dirty), PIECE(p_dirty_range));

/* REGION_WRITE_MULTI (15): two entries, QEMU-style posted (contract §5.9). */
static struct uvfio_msg_write_multi p_wm = { .wr_cnt = 2 };
static struct uvfio_msg_write_multi_entry p_wm_e[2] = {
	{ .offset = 0, .region = 0, .count = 4, .data = { 1, 2, 3, 4 } },
	{ .offset = 8,
	  .region = 2,
	  .count = 8,
	  .data = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 } },
};
static const uint8_t x_wm[] = {
	HDR(15, 15, 72, 0x10, 0), LE64(2), LE64(0), LE32(0), LE32(4), 1,    2,    3,    4,
	0,                        0,       0,       0,       LE64(8), LE32(2), LE32(8), 0x11, 0x12,
	0x13,                     0x14,    0x15,    0x16,    0x17,    0x18,
};
GOLDEN(wm, 15, UVFIO_CMD_REGION_WRITE_MULTI, UVFIO_MSG_NO_REPLY, PIECE(p_wm), PIECE(p_wm_e));

/* DEVICE_FEATURE (16): GET MIGRATION and its reply (contract §5.12). */
static struct vfio_device_feature p_feat = {
	.argsz = 16,
	.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
};
static const uint8_t x_feat[] = { HDR(16, 16, 24, 0, 0), LE32(16), LE32(0x10001) };
GOLDEN(feat, 16, UVFIO_CMD_DEVICE_FEATURE, 0, PIECE(p_feat));
/* STOP_COPY | P2P: PRE_COPY is newer than Debian 12's 6.1 uapi headers. */
static uint64_t d_feat = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
static const uint8_t x_feat_reply[] = { HDR(16, 16, 32, 1, 0), LE32(16), LE32(0x10001), LE64(3) };
GOLDEN(feat_reply, 16, UVFIO_CMD_DEVICE_FEATURE, UVFIO_MSG_TYPE_REPLY, PIECE(p_feat),
       PIECE(d_feat));

/* MIG_DATA_READ (17) / MIG_DATA_WRITE (18) (contract §5.13). */
static struct uvfio_msg_mig_data p_migr = { .argsz = 8 + 4096, .size = 4096 };
static const uint8_t x_migr[] = { HDR(17, 17, 24, 0, 0), LE32(4104), LE32(4096) };
GOLDEN(migr, 17, UVFIO_CMD_MIG_DATA_READ, 0, PIECE(p_migr));
static struct uvfio_msg_mig_data p_mig4 = { .argsz = 12, .size = 4 };
static char d_mig4[4] = { 'M', 'I', 'G', 'R' };
static const uint8_t x_migr_reply[] = { HDR(17, 17, 28, 1, 0), LE32(12), LE32(4), 'M', 'I', 'G',
					'R' };
GOLDEN(migr_reply, 17, UVFIO_CMD_MIG_DATA_READ, UVFIO_MSG_TYPE_REPLY, PIECE(p_mig4),
       PIECE(d_mig4));
static const uint8_t x_migw[] = { HDR(18, 18, 28, 0, 0), LE32(12), LE32(4), 'M', 'I', 'G', 'R' };
GOLDEN(migw, 18, UVFIO_CMD_MIG_DATA_WRITE, 0, PIECE(p_mig4), PIECE(d_mig4));
static const uint8_t x_migw_reply[] = { HDR(18, 18, 16, 1, 0) };
GOLDEN(migw_reply, 18, UVFIO_CMD_MIG_DATA_WRITE, UVFIO_MSG_TYPE_REPLY);

/* An error reply: header only, Type reply | Error, errno in the header (contract §2). */
static const uint8_t x_error[] = { 0x05, 0x00, 0x02, 0x00, 0x10, 0x00, 0x00, 0x00,
				   0x21, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00 };
static struct golden g_error = { .id = 5,
				 .cmd = UVFIO_CMD_DMA_MAP,
				 .flags = UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR,
				 .err = EEXIST,
				 .expect = x_error,
				 .expect_len = sizeof(x_error) };

static void dump(const char *what, const uint8_t *p, size_t n)
{
	size_t i;

	printf("%s:", what);
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 16 ? " " : "\n  ", p[i]);
	printf("\n");
}

static int pieces(const struct golden *g)
{
	int n = 0;

	while (n < MAX_PIECES && g->iov[n].iov_base)
		n++;
	return n;
}

/* Encode with uvfio_msg_send() and compare what arrives with the hand-written bytes. */
static void golden_encode(void **state)
{
	const struct golden *g = *state;
	struct uvfio_msg_hdr hdr = {
		.msg_id = g->id, .cmd = g->cmd, .flags = g->flags, .error_no = g->err
	};
	uint8_t got[512];
	int sv[2];

	assert_true(g->expect_len <= sizeof(got));
	make_pair(sv);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, g->iov, pieces(g), NULL, 0), 0);
	assert_int_equal(hdr.size, g->expect_len);
	assert_int_equal(read_all(sv[1], got, g->expect_len), 0);
	assert_true(nothing_pending(sv[1]));
	if (memcmp(got, g->expect, g->expect_len)) {
		dump("expected", g->expect, g->expect_len);
		dump("got", got, g->expect_len);
		fail();
	}
	close_pair(sv);
}

/* Decode the hand-written bytes with uvfio_msg_recv() and check them with uvfio_msg_check(). */
static void golden_decode(void **state)
{
	const struct golden *g = *state;
	uint8_t buf[512];
	uint8_t want[512];
	struct uvfio_msg msg = { .payload = buf };
	size_t off = 0;
	int sv[2];
	int i;

	for (i = 0; i < pieces(g); i++) {
		memcpy(want + off, g->iov[i].iov_base, g->iov[i].iov_len);
		off += g->iov[i].iov_len;
	}
	make_pair(sv);
	assert_int_equal(write_all(sv[0], g->expect, g->expect_len), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), 0);
	assert_int_equal(msg.hdr.msg_id, g->id);
	assert_int_equal(msg.hdr.cmd, g->cmd);
	assert_int_equal(msg.hdr.flags, g->flags);
	assert_int_equal(msg.hdr.error_no, g->err);
	assert_int_equal(msg.hdr.size, g->expect_len);
	assert_int_equal(msg.len, off);
	assert_int_equal(msg.nfds, 0);
	/* The bytes land in the structs the sender filled, field for field. */
	assert_memory_equal(buf, want, off);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	close_pair(sv);
}

/* ---- fds ---- */

static void test_fds_usable(void **state)
{
	struct vfio_irq_set set = {
		.argsz = 20,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
		.count = 2,
	};
	struct iovec iov = { .iov_base = &set, .iov_len = sizeof(set) };
	struct uvfio_msg_hdr hdr = { .msg_id = 1, .cmd = UVFIO_CMD_DEVICE_SET_IRQS };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	int efd[2];
	uint64_t v;
	int sv[2];
	int i;

	(void)state;
	make_pair(sv);
	efd[0] = eventfd(0, EFD_CLOEXEC);
	efd[1] = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, &iov, 1, efd, 2), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), UVFIO_MAX_MSG_FDS), 0);
	assert_int_equal(msg.nfds, 2);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	for (i = 0; i < 2; i++) {
		/* MSG_CMSG_CLOEXEC: the received fd is close-on-exec. */
		assert_true(fcntl(msg.fds[i], F_GETFD) & FD_CLOEXEC);
		/* Signal through the received fd; the original sees it: same eventfd. */
		v = (uint64_t)i + 1;
		assert_int_equal(write(msg.fds[i], &v, sizeof(v)), sizeof(v));
		v = 0;
		assert_int_equal(read(efd[i], &v, sizeof(v)), sizeof(v));
		assert_int_equal(v, (uint64_t)i + 1);
	}
	uvfio_msg_close_fds(&msg);
	assert_int_equal(msg.nfds, 0);
	close(efd[0]);
	close(efd[1]);
	close_pair(sv);
}

static void test_fd_memfd_dma_map(void **state)
{
	struct uvfio_msg_dma_map map = {
		.argsz = 32,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.offset = 0,
		.addr = 0x100000,
		.size = 4096,
	};
	struct iovec iov = { .iov_base = &map, .iov_len = sizeof(map) };
	struct uvfio_msg_hdr hdr = { .msg_id = 3, .cmd = UVFIO_CMD_DMA_MAP };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	char *p;
	char c = 0;
	int mfd;
	int sv[2];

	(void)state;
	make_pair(sv);
	mfd = memfd_create("uvfio-test", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 4096), 0);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, &iov, 1, &mfd, 1), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 1), 0);
	assert_int_equal(msg.nfds, 1);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	/* Map the received fd, write through it, read through the original. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, msg.fds[0], 0);
	assert_true(p != MAP_FAILED);
	p[100] = 'x';
	munmap(p, 4096);
	assert_int_equal(pread(mfd, &c, 1, 100), 1);
	assert_int_equal(c, 'x');
	uvfio_msg_close_fds(&msg);
	close(mfd);
	close_pair(sv);
}

/* A good message after a bad one must arrive intact: the stream stayed in step. */
static void expect_in_step(int tx, int rx)
{
	struct uvfio_msg_hdr hdr = { .msg_id = 0x77, .cmd = UVFIO_CMD_DEVICE_RESET };
	struct uvfio_msg msg = { 0 };

	assert_int_equal(uvfio_msg_send(tx, &hdr, NULL, 0, NULL, 0), 0);
	assert_int_equal(uvfio_msg_recv(rx, &msg, 0, 0), 0);
	assert_int_equal(msg.hdr.msg_id, 0x77);
	assert_int_equal(msg.hdr.cmd, UVFIO_CMD_DEVICE_RESET);
	assert_int_equal(msg.len, 0);
}

static void test_excess_fds_closed(void **state)
{
	struct uvfio_msg_hdr hdr = { .msg_id = 1, .cmd = UVFIO_CMD_DMA_MAP };
	struct uvfio_msg_dma_map map = { .argsz = 32 };
	struct iovec iov = { .iov_base = &map, .iov_len = sizeof(map) };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	int fds[3];
	int before;
	int i;
	int sv[2];

	(void)state;
	make_pair(sv);
	before = count_fds();
	for (i = 0; i < 3; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, &iov, 1, fds, 3), 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 1), -EINVAL);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(msg.hdr.cmd, UVFIO_CMD_DMA_MAP);
	assert_int_equal(count_fds(), before);
	expect_in_step(sv[0], sv[1]);
	close_pair(sv);
}

/* More fds than the library's cmsg buffer holds: the kernel drops the rest, we close ours. */
static void test_too_many_fds_for_cmsg(void **state)
{
	uint8_t raw[] = { HDR(1, 2, 48, 0, 0), LE32(32), LE32(0), LE64(0), LE64(0), LE64(0) };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	int fds[40];
	int before;
	int i;
	int sv[2];

	(void)state;
	make_pair(sv);
	before = count_fds();
	for (i = 0; i < 40; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(raw_send_fds(sv[0], raw, sizeof(raw), fds, 40), 0);
	for (i = 0; i < 40; i++)
		close(fds[i]);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), UVFIO_MAX_MSG_FDS), -EINVAL);
	assert_int_equal(count_fds(), before);
	expect_in_step(sv[0], sv[1]);
	close_pair(sv);
}

/* fds hung on a later byte of the message (not with the header) never reach us. */
static void test_fds_on_later_byte(void **state)
{
	uint8_t raw[] = { HDR(1, 2, 48, 0, 0), LE32(32), LE32(0), LE64(0), LE64(0), LE64(0) };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	int before;
	int efd;
	int sv[2];

	(void)state;
	make_pair(sv);
	before = count_fds();
	efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(raw_send_fds(sv[0], raw, 20, NULL, 0), 0);
	assert_int_equal(raw_send_fds(sv[0], raw + 20, sizeof(raw) - 20, &efd, 1), 0);
	close(efd);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 1), 0);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(count_fds(), before);
	close_pair(sv);
}

/* ---- partial I/O, EINTR ---- */

struct trickle {
	int sock;
	const uint8_t *bytes;
	size_t len;
	int fd;             /* sent with byte 0 if >= 0 */
	pthread_t poke;     /* thread to signal between bytes, if poke_sig */
	int poke_sig;
	unsigned int delay_us;
	int stop;           /* set by the reader (atomically) to end the trickle early */
};

static void *trickle_thread(void *arg)
{
	struct trickle *t = arg;
	size_t i;

	for (i = 0; i < t->len && !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE); i++) {
		if (i == 0 && t->fd >= 0)
			raw_send_fds(t->sock, t->bytes, 1, &t->fd, 1);
		else
			raw_send_fds(t->sock, t->bytes + i, 1, NULL, 0);
		if (t->poke_sig)
			pthread_kill(t->poke, t->poke_sig);
		usleep(t->delay_us);
		if (t->poke_sig)
			pthread_kill(t->poke, t->poke_sig);
	}
	return NULL;
}

static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

/* Install a handler without SA_RESTART, so blocked syscalls fail with EINTR. */
static void install_eintr_handler(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, old);
	signals_seen = 0;
}

static const uint8_t trickle_msg[] = { HDR(9, 8, 36, 0, 0), LE32(20), LE32(0x24), LE32(0), LE32(0),
				       LE32(1) };

static void run_trickle(int poke_sig)
{
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	struct trickle t;
	struct sigaction old;
	pthread_t th;
	uint64_t v = 1;
	int efd;
	int sv[2];

	make_pair(sv);
	efd = eventfd(0, EFD_CLOEXEC);
	t = (struct trickle){ .sock = sv[0],
			      .bytes = trickle_msg,
			      .len = sizeof(trickle_msg),
			      .fd = efd,
			      .poke = pthread_self(),
			      .poke_sig = poke_sig,
			      .delay_us = 500 };
	if (poke_sig)
		install_eintr_handler(&old);
	assert_int_equal(pthread_create(&th, NULL, trickle_thread, &t), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 1), 0);
	pthread_join(th, NULL);
	if (poke_sig) {
		sigaction(SIGUSR1, &old, NULL);
		assert_true(signals_seen > 0);
	}
	assert_int_equal(msg.hdr.msg_id, 9);
	assert_int_equal(msg.len, 20);
	assert_memory_equal(buf, trickle_msg + 16, 20);
	/* The fd on byte 0 arrived with the first (partial) header read. */
	assert_int_equal(msg.nfds, 1);
	assert_int_equal(write(msg.fds[0], &v, sizeof(v)), sizeof(v));
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(uvfio_msg_check(&msg), 0);
	uvfio_msg_close_fds(&msg);
	close(efd);
	close_pair(sv);
}

static void test_recv_byte_by_byte(void **state)
{
	(void)state;
	run_trickle(0);
}

static void test_recv_eintr(void **state)
{
	(void)state;
	run_trickle(SIGUSR1);
}

/*
 * A peer dribbling a message a byte at a time, each byte well within the
 * socket's receive timeout, must not hold the reader for longer than about
 * one timeout past its first short read: the whole message gets a deadline.
 */
static void test_recv_dribble_deadline(void **state)
{
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	struct trickle t;
	pthread_t th;
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	/* 36 bytes, 120 ms apart: 4.3 s in all, each gap well under 300 ms. */
	t = (struct trickle){ .sock = sv[0], .bytes = trickle_msg, .len = sizeof(trickle_msg),
			      .fd = -1, .delay_us = 120000 };
	assert_int_equal(pthread_create(&th, NULL, trickle_thread, &t), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 1), -ETIMEDOUT);
	assert_int_equal(msg.nfds, 0);
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	close_pair(sv);
}

struct slow_reader {
	int sock;
	uint8_t *buf;
	size_t len;
	pthread_t poke;
	int ret;
};

static void *slow_reader_thread(void *arg)
{
	struct slow_reader *r = arg;
	size_t got = 0;

	while (got < r->len) {
		size_t want = r->len - got < 65536 ? r->len - got : 65536;
		ssize_t n = read(r->sock, r->buf + got, want);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			r->ret = -1;
			return NULL;
		}
		got += (size_t)n;
		pthread_kill(r->poke, SIGUSR1);
		usleep(200);
	}
	r->ret = 0;
	return NULL;
}

/* A send far larger than the socket buffer, interrupted by signals, arrives whole. */
static void test_send_eintr_partial(void **state)
{
	const size_t plen = 4u << 20;
	struct uvfio_msg_hdr hdr = { .msg_id = 0x55, .cmd = UVFIO_CMD_DMA_WRITE };
	struct uvfio_msg_dma_rw head = { .addr = 0x1000, .count = plen };
	struct iovec iov[2];
	struct slow_reader r;
	struct sigaction old;
	uint8_t *data = malloc(plen);
	uint8_t *got = malloc(plen + 32);
	pthread_t th;
	int sv[2];
	size_t i;
	int efd;
	struct uvfio_msg_hdr *rh;

	(void)state;
	assert_non_null(data);
	assert_non_null(got);
	for (i = 0; i < plen; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	make_pair(sv);
	efd = eventfd(0, EFD_CLOEXEC);
	iov[0] = (struct iovec){ .iov_base = &head, .iov_len = sizeof(head) };
	iov[1] = (struct iovec){ .iov_base = data, .iov_len = plen };
	r = (struct slow_reader){ .sock = sv[1], .buf = got, .len = plen + 32,
				  .poke = pthread_self() };
	install_eintr_handler(&old);
	assert_int_equal(pthread_create(&th, NULL, slow_reader_thread, &r), 0);
	/* An fd rides along; it must not be attached twice (that would be a second cmsg). */
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, 2, &efd, 1), 0);
	pthread_join(th, NULL);
	sigaction(SIGUSR1, &old, NULL);
	assert_int_equal(r.ret, 0);
	rh = (struct uvfio_msg_hdr *)got;
	assert_int_equal(rh->size, plen + 32);
	assert_int_equal(rh->msg_id, 0x55);
	assert_memory_equal(got + 16, &head, sizeof(head));
	assert_memory_equal(got + 32, data, plen);
	close(efd);
	close_pair(sv);
	free(data);
	free(got);
}

/* ---- EOF, bad headers, oversize ---- */

static void test_eof_boundary(void **state)
{
	struct uvfio_msg msg = { 0 };
	int sv[2];

	(void)state;
	make_pair(sv);
	close(sv[0]);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, 0, 0), -ECONNRESET);
	close(sv[1]);
}

static void test_eof_in_header(void **state)
{
	const uint8_t raw[] = { HDR(1, 13, 16, 0, 0) };
	struct uvfio_msg msg = { 0 };
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(write_all(sv[0], raw, 10), 0);
	close(sv[0]);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, 0, 0), -EPROTO);
	close(sv[1]);
}

static void test_eof_in_payload(void **state)
{
	const uint8_t raw[] = { HDR(1, 9, 32, 0, 0), LE64(0), LE32(7) };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	int before;
	int efd;
	int sv[2];

	(void)state;
	make_pair(sv);
	before = count_fds();
	efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(raw_send_fds(sv[0], raw, sizeof(raw), &efd, 1), 0);
	close(efd);
	close(sv[0]);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 1), -EPROTO);
	assert_int_equal(msg.nfds, 0);
	close(sv[1]);
	/* Only the pair itself is gone: the fd that came with the header was closed. */
	assert_int_equal(count_fds(), before - 2);
}

struct bad_hdr_case {
	uint32_t size;
	uint32_t flags;
};

static void test_bad_headers(void **state)
{
	/* contract §2: size < 16 and a Type other than 0/1 are fatal. */
	static const struct bad_hdr_case cases[] = {
		{ 0, 0 }, { 8, 0 }, { 15, 1 }, { 16, 2 }, { 16, 0xf }, { 16, 0x23 },
	};
	uint8_t buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uvfio_msg_hdr h = { .msg_id = 1, .cmd = 13, .size = cases[i].size,
					   .flags = cases[i].flags };
		struct uvfio_msg msg = { .payload = buf };
		int sv[2];

		make_pair(sv);
		assert_int_equal(write_all(sv[0], &h, sizeof(h)), 0);
		assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), -EPROTO);
		close_pair(sv);
	}
}

static void set_rcvtimeo(int sock, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Payload too big for the buffer: drained, -EMSGSIZE, header valid, fds closed. */
static void run_emsgsize(size_t bufsize, size_t plen)
{
	struct uvfio_msg_hdr hdr = { .msg_id = 0x42, .cmd = UVFIO_CMD_REGION_WRITE };
	uint8_t *data = calloc(1, plen);
	uint8_t *buf = malloc(bufsize ? bufsize : 1);
	struct iovec iov = { .iov_base = data, .iov_len = plen };
	struct uvfio_msg msg = { .payload = buf };
	int before;
	int efd;
	int sv[2];

	assert_non_null(data);
	make_pair(sv);
	set_rcvtimeo(sv[1], 5);
	before = count_fds();
	efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, &iov, 1, &efd, 1), 0);
	close(efd);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, bufsize, 1), -EMSGSIZE);
	assert_int_equal(msg.hdr.msg_id, 0x42);
	assert_int_equal(msg.hdr.cmd, UVFIO_CMD_REGION_WRITE);
	assert_int_equal(msg.hdr.size, plen + 16);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(count_fds(), before);
	expect_in_step(sv[0], sv[1]);
	close_pair(sv);
	free(data);
	free(buf);
}

static void test_emsgsize_small_buffer(void **state)
{
	(void)state;
	run_emsgsize(16, 100); /* drained through the stack scratch */
}

static void test_emsgsize_large_buffer(void **state)
{
	(void)state;
	run_emsgsize(8192, 65536); /* drained through the caller's buffer */
}

/* A claimed size far beyond the buffer is not drained (it would hang): -EPROTO at once. */
static void test_hostile_size(void **state)
{
	static const uint32_t sizes[] = { 0xffffffffu, 16 + 64 + UVFIO_MSG_DRAIN_MAX + 1 };
	uint8_t buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct uvfio_msg_hdr h = { .msg_id = 2, .cmd = 10, .size = sizes[i] };
		struct uvfio_msg msg = { .payload = buf };
		int sv[2];

		make_pair(sv);
		/* If the library tried to drain it would block: time out instead of hanging. */
		set_rcvtimeo(sv[1], 2);
		assert_int_equal(write_all(sv[0], &h, sizeof(h)), 0);
		assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), -EPROTO);
		assert_int_equal(msg.hdr.size, sizes[i]);
		close_pair(sv);
	}
}

struct bulk_writer {
	int sock;
	const void *buf;
	size_t len;
	int ret;
};

static void *bulk_writer_thread(void *arg)
{
	struct bulk_writer *w = arg;

	w->ret = write_all(w->sock, w->buf, w->len);
	return NULL;
}

/* Exactly bufsize + UVFIO_MSG_DRAIN_MAX is still drained. */
static void test_drain_limit(void **state)
{
	const size_t bufsize = 64;
	const size_t plen = bufsize + UVFIO_MSG_DRAIN_MAX;
	uint8_t *raw = calloc(1, plen + 16);
	struct uvfio_msg_hdr h = { .msg_id = 3, .cmd = 10, .size = (uint32_t)(plen + 16) };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	struct bulk_writer w;
	pthread_t th;
	int sv[2];

	(void)state;
	assert_non_null(raw);
	memcpy(raw, &h, sizeof(h));
	make_pair(sv);
	set_rcvtimeo(sv[1], 5);
	w = (struct bulk_writer){ .sock = sv[0], .buf = raw, .len = plen + 16 };
	assert_int_equal(pthread_create(&th, NULL, bulk_writer_thread, &w), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, bufsize, 0), -EMSGSIZE);
	pthread_join(th, NULL);
	assert_int_equal(w.ret, 0);
	expect_in_step(sv[0], sv[1]);
	close_pair(sv);
	free(raw);
}

static void test_recv_nonblocking(void **state)
{
	const uint8_t raw[] = { HDR(4, 9, 32, 0, 0), LE64(0), LE32(7), LE32(4) };
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	struct trickle t;
	pthread_t th;
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	/* Nothing there yet: -EAGAIN, nothing consumed. */
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), -EAGAIN);
	/* First byte present, the rest trickles in: the call waits for the whole message. */
	assert_int_equal(write_all(sv[0], raw, 1), 0);
	t = (struct trickle){ .sock = sv[0], .bytes = raw + 1, .len = sizeof(raw) - 1, .fd = -1,
			      .delay_us = 300 };
	assert_int_equal(pthread_create(&th, NULL, trickle_thread, &t), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), 0);
	pthread_join(th, NULL);
	assert_int_equal(msg.hdr.msg_id, 4);
	assert_int_equal(msg.len, 16);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	close_pair(sv);
}

/* A non-blocking sender with a full socket buffer waits and sends the whole message. */
static void test_send_nonblocking(void **state)
{
	const size_t plen = 2u << 20;
	struct uvfio_msg_hdr hdr = { .msg_id = 6, .cmd = UVFIO_CMD_DMA_WRITE };
	struct uvfio_msg_dma_rw head = { .addr = 0, .count = plen };
	uint8_t *data = calloc(1, plen);
	uint8_t *got = malloc(plen + 32);
	struct iovec iov[2] = { { &head, sizeof(head) }, { data, plen } };
	struct slow_reader r;
	struct sigaction old;
	pthread_t th;
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	r = (struct slow_reader){ .sock = sv[1], .buf = got, .len = plen + 32,
				  .poke = pthread_self() };
	install_eintr_handler(&old);
	assert_int_equal(pthread_create(&th, NULL, slow_reader_thread, &r), 0);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, 2, NULL, 0), 0);
	pthread_join(th, NULL);
	sigaction(SIGUSR1, &old, NULL);
	assert_int_equal(r.ret, 0);
	assert_int_equal(((struct uvfio_msg_hdr *)got)->size, plen + 32);
	close_pair(sv);
	free(data);
	free(got);
}

/* ---- send arguments, peer gone ---- */

static void test_send_bad_args(void **state)
{
	struct uvfio_msg_hdr hdr = { .cmd = UVFIO_CMD_DEVICE_RESET };
	struct iovec iov[UVFIO_MSG_MAX_IOV + 1];
	int fds[UVFIO_MAX_MSG_FDS + 1];
	char c = 0;
	int bad = -1;
	int sv[2];
	int i;

	(void)state;
	make_pair(sv);
	for (i = 0; i <= UVFIO_MSG_MAX_IOV; i++)
		iov[i] = (struct iovec){ .iov_base = &c, .iov_len = 1 };
	for (i = 0; i <= UVFIO_MAX_MSG_FDS; i++)
		fds[i] = sv[0];
	assert_int_equal(uvfio_msg_send(sv[0], NULL, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, UVFIO_MSG_MAX_IOV + 1, NULL, 0), -EINVAL);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, -1, NULL, 0), -EINVAL);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, NULL, 1, NULL, 0), -EINVAL);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, NULL, 0, fds, UVFIO_MAX_MSG_FDS + 1),
			 -EINVAL);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, NULL, 0, NULL, 1), -EINVAL);
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, NULL, 0, &bad, 1), -EINVAL);
	/* The size field is u32: 16 + 4 GiB does not fit. Nothing is sent or read. */
	iov[0].iov_len = 0xfffffff0u;
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, 1, NULL, 0), -EMSGSIZE);
	iov[0].iov_len = 0xffffffefu;
	iov[1].iov_len = 1;
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, 2, NULL, 0), -EMSGSIZE);
	/* A length that would wrap a 64-bit sum back to a small size. */
	iov[0].iov_len = 8;
	iov[1].iov_len = SIZE_MAX - 7;
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, 2, NULL, 0), -EMSGSIZE);
	assert_true(nothing_pending(sv[1]));
	/* Empty pieces are fine. */
	iov[0].iov_len = 0;
	iov[1].iov_len = 0;
	assert_int_equal(uvfio_msg_send(sv[0], &hdr, iov, 2, NULL, 0), 0);
	assert_int_equal(hdr.size, 16);
	close_pair(sv);
}

static void test_send_peer_gone(void **state)
{
	struct uvfio_msg_hdr hdr = { .cmd = UVFIO_CMD_DEVICE_RESET };
	int sv[2];
	int ret;

	(void)state;
	make_pair(sv);
	close(sv[1]);
	/* MSG_NOSIGNAL: an error, not SIGPIPE (which would kill this test). */
	ret = uvfio_msg_send(sv[0], &hdr, NULL, 0, NULL, 0);
	assert_true(ret == -EPIPE || ret == -ECONNRESET);
	close(sv[0]);
}

/* ---- replies ---- */

static void test_reply_bytes(void **state)
{
	const struct uvfio_msg_hdr req = { .msg_id = 0xbeef, .cmd = UVFIO_CMD_REGION_READ,
					   .size = 32 };
	struct uvfio_msg_region_rw head = { .offset = 0, .region = 7, .count = 2 };
	uint8_t data[2] = { 0x86, 0x80 };
	struct iovec iov[2] = { { &head, sizeof(head) }, { data, 2 } };
	const uint8_t want[] = { HDR(0xbeef, 9, 34, 1, 0), LE64(0), LE32(7), LE32(2), 0x86, 0x80 };
	uint8_t got[sizeof(want)];
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(uvfio_msg_reply(sv[0], &req, iov, 2, NULL, 0), 0);
	assert_int_equal(read_all(sv[1], got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_true(nothing_pending(sv[1]));
	close_pair(sv);
}

struct errno_case {
	int in;
	uint32_t out;
};

static void test_reply_error_bytes(void **state)
{
	/* contract §2: errno <= 0 or > 4096 goes out as EINVAL. */
	static const struct errno_case cases[] = {
		{ EEXIST, EEXIST }, { ENOSYS, ENOSYS }, { 4096, 4096 }, { 4097, EINVAL },
		{ 0, EINVAL },      { -5, EINVAL },     { -EEXIST, EINVAL }, { 0x7fffffff, EINVAL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct uvfio_msg_hdr req = { .msg_id = 5, .cmd = UVFIO_CMD_DMA_MAP,
						   .size = 48 };
		const uint8_t want[] = { HDR(5, 2, 16, 0x21, cases[i].out) };
		uint8_t got[16];
		uint8_t buf[16];
		struct uvfio_msg msg = { .payload = buf };
		int sv[2];

		make_pair(sv);
		assert_int_equal(uvfio_msg_reply_error(sv[0], &req, cases[i].in), 0);
		assert_int_equal(read_all(sv[1], got, sizeof(got)), 0);
		assert_memory_equal(got, want, sizeof(want));
		assert_true(nothing_pending(sv[1]));
		/* And the receiver accepts it as a well-formed error reply. */
		assert_int_equal(write_all(sv[0], want, sizeof(want)), 0);
		assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), 0);
		assert_int_equal(uvfio_msg_check(&msg), 0);
		close_pair(sv);
	}
}

static void test_no_reply_suppressed(void **state)
{
	const struct uvfio_msg_hdr req = { .msg_id = 3, .cmd = UVFIO_CMD_REGION_WRITE,
					   .flags = UVFIO_MSG_NO_REPLY };
	struct uvfio_msg_region_rw head = { .count = 0 };
	struct iovec iov = { &head, sizeof(head) };
	int efd = eventfd(0, EFD_CLOEXEC);
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(uvfio_msg_reply(sv[0], &req, &iov, 1, &efd, 1), 0);
	assert_int_equal(uvfio_msg_reply(sv[0], &req, NULL, 0, NULL, 0), 0);
	assert_int_equal(uvfio_msg_reply_error(sv[0], &req, EINVAL), 0);
	assert_int_equal(uvfio_msg_reply_error(sv[0], &req, 0), 0);
	assert_true(nothing_pending(sv[1]));
	close(efd);
	close_pair(sv);
}

/* Server-to-client commands and replies share one socket; Type tells them apart. */
static void test_demux_by_type(void **state)
{
	struct uvfio_msg_hdr dma = { .msg_id = 1, .cmd = UVFIO_CMD_DMA_READ };
	const struct uvfio_msg_hdr req = { .msg_id = 40, .cmd = UVFIO_CMD_DEVICE_GET_INFO };
	struct uvfio_msg_dma_rw drw = { .addr = 0x2000, .count = 8 };
	struct uvfio_msg_device_info info = { .argsz = 16, .num_regions = 9, .num_irqs = 5 };
	struct iovec iov;
	uint8_t buf[64];
	struct uvfio_msg msg = { .payload = buf };
	int sv[2];

	(void)state;
	make_pair(sv);
	iov = (struct iovec){ &drw, sizeof(drw) };
	assert_int_equal(uvfio_msg_send(sv[0], &dma, &iov, 1, NULL, 0), 0);
	iov = (struct iovec){ &info, sizeof(info) };
	assert_int_equal(uvfio_msg_reply(sv[0], &req, &iov, 1, NULL, 0), 0);

	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), 0);
	assert_int_equal(msg.hdr.flags & UVFIO_MSG_TYPE_MASK, UVFIO_MSG_TYPE_COMMAND);
	assert_int_equal(msg.hdr.cmd, UVFIO_CMD_DMA_READ);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), 0);
	assert_int_equal(msg.hdr.flags & UVFIO_MSG_TYPE_MASK, UVFIO_MSG_TYPE_REPLY);
	assert_int_equal(msg.hdr.msg_id, 40);
	assert_int_equal(msg.hdr.cmd, UVFIO_CMD_DEVICE_GET_INFO);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	close_pair(sv);
}

static void test_cmd_names(void **state)
{
	(void)state;
	assert_string_equal(uvfio_cmd_name(UVFIO_CMD_VERSION), "VERSION");
	assert_string_equal(uvfio_cmd_name(UVFIO_CMD_REGION_READ), "REGION_READ");
	assert_string_equal(uvfio_cmd_name(UVFIO_CMD_DIRTY_PAGES), "DIRTY_PAGES");
	assert_string_equal(uvfio_cmd_name(UVFIO_CMD_MIG_DATA_WRITE), "MIG_DATA_WRITE");
	assert_string_equal(uvfio_cmd_name(0), "UNKNOWN");
	assert_string_equal(uvfio_cmd_name(19), "UNKNOWN");
	assert_string_equal(uvfio_cmd_name(0xffff), "UNKNOWN");
	for (uint16_t c = 1; c <= UVFIO_CMD_MAX; c++)
		assert_string_not_equal(uvfio_cmd_name(c), "UNKNOWN");
}

static void test_recv_bad_args(void **state)
{
	struct uvfio_msg msg = { .payload = NULL };
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(uvfio_msg_recv(sv[1], NULL, 0, 0), -EINVAL);
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, 16, 0), -EINVAL);
	close_pair(sv);
	uvfio_msg_close_fds(NULL);
}

#define G(nm) { "golden_encode_" #nm, golden_encode, NULL, NULL, &g_##nm }, \
	      { "golden_decode_" #nm, golden_decode, NULL, NULL, &g_##nm }

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_layout_header),
	cmocka_unit_test(test_layout_dma),
	cmocka_unit_test(test_layout_device),
	cmocka_unit_test(test_layout_region),
	G(version),
	G(dma_map),
	G(dma_map_reply),
	G(dma_unmap),
	G(dma_unmap_reply),
	G(unmap_dirty),
	G(unmap_dirty_reply),
	G(info),
	G(info_reply),
	G(rinfo),
	G(rinfo_reply),
	G(iofds),
	G(iofds_reply),
	G(irqinfo),
	G(irqinfo_reply),
	G(irqs),
	G(irqs_bool),
	G(irqs_reply),
	G(rread),
	G(rread_reply),
	G(rwrite),
	G(rwrite_reply),
	G(dread),
	G(dread_reply),
	G(dwrite),
	G(dwrite_reply),
	G(reset),
	G(reset_reply),
	G(dirty),
	G(wm),
	G(feat),
	G(feat_reply),
	G(migr),
	G(migr_reply),
	G(migw),
	G(migw_reply),
	G(error),
	cmocka_unit_test(test_fds_usable),
	cmocka_unit_test(test_fd_memfd_dma_map),
	cmocka_unit_test(test_excess_fds_closed),
	cmocka_unit_test(test_too_many_fds_for_cmsg),
	cmocka_unit_test(test_fds_on_later_byte),
	cmocka_unit_test(test_recv_byte_by_byte),
	cmocka_unit_test(test_recv_eintr),
	cmocka_unit_test(test_recv_dribble_deadline),
	cmocka_unit_test(test_send_eintr_partial),
	cmocka_unit_test(test_eof_boundary),
	cmocka_unit_test(test_eof_in_header),
	cmocka_unit_test(test_eof_in_payload),
	cmocka_unit_test(test_bad_headers),
	cmocka_unit_test(test_emsgsize_small_buffer),
	cmocka_unit_test(test_emsgsize_large_buffer),
	cmocka_unit_test(test_hostile_size),
	cmocka_unit_test(test_drain_limit),
	cmocka_unit_test(test_recv_nonblocking),
	cmocka_unit_test(test_send_nonblocking),
	cmocka_unit_test(test_send_bad_args),
	cmocka_unit_test(test_send_peer_gone),
	cmocka_unit_test(test_reply_bytes),
	cmocka_unit_test(test_reply_error_bytes),
	cmocka_unit_test(test_no_reply_suppressed),
	cmocka_unit_test(test_demux_by_type),
	cmocka_unit_test(test_cmd_names),
	cmocka_unit_test(test_recv_bad_args),
};

UVFIO_TEST_MAIN(tests)
