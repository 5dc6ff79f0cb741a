// SPDX-License-Identifier: MIT
/*
 * tests/hostile/test-hostile-device-commands.c - every command with a
 * payload shorter than its struct, and counts, offsets and indexes that
 * overflow or point outside the device: region access, region and IRQ info,
 * REGION_WRITE_MULTI, the commands the server does not implement, and
 * config-space abuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "hostile.h"

/* The fixed payload size of each command, as a client sends it (contract §5). */
static size_t cmd_struct_size(uint16_t cmd)
{
	switch (cmd) {
	case UVFIO_CMD_VERSION:
		return sizeof(struct uvfio_msg_version);
	case UVFIO_CMD_DMA_MAP:
		return sizeof(struct uvfio_msg_dma_map);
	case UVFIO_CMD_DMA_UNMAP:
		return sizeof(struct uvfio_msg_dma_unmap);
	case UVFIO_CMD_DEVICE_GET_INFO:
		return sizeof(struct uvfio_msg_device_info);
	case UVFIO_CMD_DEVICE_GET_REGION_INFO:
		return sizeof(struct vfio_region_info);
	case UVFIO_CMD_DEVICE_GET_REGION_IO_FDS:
		return sizeof(struct uvfio_msg_region_io_fds);
	case UVFIO_CMD_DEVICE_GET_IRQ_INFO:
		return sizeof(struct vfio_irq_info);
	case UVFIO_CMD_DEVICE_SET_IRQS:
		return sizeof(struct vfio_irq_set);
	case UVFIO_CMD_REGION_READ:
	case UVFIO_CMD_REGION_WRITE:
		return sizeof(struct uvfio_msg_region_rw);
	case UVFIO_CMD_DMA_READ:
	case UVFIO_CMD_DMA_WRITE:
		return sizeof(struct uvfio_msg_dma_rw);
	case UVFIO_CMD_DEVICE_RESET:
		return 0;
	case UVFIO_CMD_DIRTY_PAGES:
		return sizeof(struct vfio_iommu_type1_dirty_bitmap);
	case UVFIO_CMD_REGION_WRITE_MULTI:
		return sizeof(struct uvfio_msg_write_multi);
	case UVFIO_CMD_DEVICE_FEATURE:
		return sizeof(struct vfio_device_feature);
	case UVFIO_CMD_MIG_DATA_READ:
	case UVFIO_CMD_MIG_DATA_WRITE:
		return sizeof(struct uvfio_msg_mig_data);
	default:
		return 0;
	}
}

/*
 * Payloads shorter than the command's struct: 0, 1 and size-1 bytes, with
 * plausible contents (0xff), and for exact-size commands one byte more.
 * Each gets EINVAL (the stream stays in step); VERSION, already done, too.
 */
static void short_payload(struct target *t, uint16_t cmd)
{
	size_t size = cmd_struct_size(cmd);
	uint8_t p[64];
	size_t lens[4];
	unsigned int n = 0;
	unsigned int i;
	int s = hc_open(t);

	memset(p, 0xff, sizeof(p));
	if (size) {
		lens[n++] = 0;
		lens[n++] = 1;
		lens[n++] = size - 1;
	}
	if (cmd == UVFIO_CMD_DEVICE_RESET || cmd == UVFIO_CMD_DEVICE_GET_INFO ||
	    cmd == UVFIO_CMD_DEVICE_GET_REGION_INFO || cmd == UVFIO_CMD_DEVICE_GET_IRQ_INFO ||
	    cmd == UVFIO_CMD_REGION_READ || cmd == UVFIO_CMD_DMA_MAP ||
	    cmd == UVFIO_CMD_MIG_DATA_READ || cmd == UVFIO_CMD_DEVICE_GET_REGION_IO_FDS)
		lens[n++] = size + 1;
	for (i = 0; i < n; i++) {
		int ret = hc_call(s, cmd, lens[i] ? p : NULL, lens[i], NULL, 0, NULL, 0, NULL);

		if (ret != -EINVAL)
			printf("%s with %zu payload bytes: %d\n", uvfio_cmd_name(cmd), lens[i], ret);
		assert_int_equal(ret, -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

#define SHORT_CASE(name, cmd)                                                                      \
	HCASE(short_##name, 0)                                                                     \
	{                                                                                          \
		short_payload(t, cmd);                                                             \
	}

SHORT_CASE(version, UVFIO_CMD_VERSION)
SHORT_CASE(dma_map, UVFIO_CMD_DMA_MAP)
SHORT_CASE(dma_unmap, UVFIO_CMD_DMA_UNMAP)
SHORT_CASE(get_info, UVFIO_CMD_DEVICE_GET_INFO)
SHORT_CASE(get_region_info, UVFIO_CMD_DEVICE_GET_REGION_INFO)
SHORT_CASE(get_region_io_fds, UVFIO_CMD_DEVICE_GET_REGION_IO_FDS)
SHORT_CASE(get_irq_info, UVFIO_CMD_DEVICE_GET_IRQ_INFO)
SHORT_CASE(set_irqs, UVFIO_CMD_DEVICE_SET_IRQS)
SHORT_CASE(region_read, UVFIO_CMD_REGION_READ)
SHORT_CASE(region_write, UVFIO_CMD_REGION_WRITE)
SHORT_CASE(dma_read, UVFIO_CMD_DMA_READ)
SHORT_CASE(dma_write, UVFIO_CMD_DMA_WRITE)
SHORT_CASE(device_reset, UVFIO_CMD_DEVICE_RESET)
SHORT_CASE(dirty_pages, UVFIO_CMD_DIRTY_PAGES)
SHORT_CASE(region_write_multi, UVFIO_CMD_REGION_WRITE_MULTI)
SHORT_CASE(device_feature, UVFIO_CMD_DEVICE_FEATURE)
SHORT_CASE(mig_data_read, UVFIO_CMD_MIG_DATA_READ)
SHORT_CASE(mig_data_write, UVFIO_CMD_MIG_DATA_WRITE)

/*
 * Region access.
 */

static int raw_read(int s, uint32_t region, uint64_t off, uint32_t count)
{
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};

	return hc_call(s, UVFIO_CMD_REGION_READ, &rw, sizeof(rw), NULL, 0, NULL, 0, NULL);
}

/* A REGION_WRITE whose count is @count and which carries @data bytes. */
static int raw_write(int s, uint32_t region, uint64_t off, uint32_t count, size_t data)
{
	static uint8_t p[16 + 4096];
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};

	assert_true(data <= 4096);
	memcpy(p, &rw, sizeof(rw));
	memset(p + sizeof(rw), 0, data);
	return hc_call(s, UVFIO_CMD_REGION_WRITE, p, sizeof(rw) + data, NULL, 0, NULL, 0, NULL);
}

HCASE(region_offset_max, 0)
{
	int s = hc_open(t);
	uint32_t r;

	hc_enable(s);
	for (r = 0; r <= VFIO_PCI_CONFIG_REGION_INDEX; r++) {
		assert_int_equal(raw_read(s, r, UINT64_MAX, 4), -EINVAL);
		assert_int_equal(raw_read(s, r, UINT64_MAX, 1), -EINVAL);
		assert_int_equal(raw_write(s, r, UINT64_MAX, 4, 4), -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

/* count 0xffffffff: beyond max_data_xfer_size (contract §5.8). */
HCASE(region_count_max, 0)
{
	int s = hc_open(t);
	int ret;

	hc_enable(s);
	ret = raw_read(s, 0, 0, 0xffffffffu);
	assert_true(ret == -E2BIG || ret == -EINVAL);
	ret = raw_read(s, VFIO_PCI_CONFIG_REGION_INDEX, 0, 0xffffffffu);
	assert_true(ret == -E2BIG || ret == -EINVAL);
	/* A write claiming 4 GiB but carrying 4 bytes. */
	assert_int_equal(raw_write(s, 0, 0, 0xffffffffu, 4), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* offset + count wraps past 2^64. */
HCASE(region_offset_count_wrap, 0)
{
	int s = hc_open(t);
	uint32_t r;

	hc_enable(s);
	for (r = 0; r <= VFIO_PCI_CONFIG_REGION_INDEX; r++) {
		assert_int_equal(raw_read(s, r, UINT64_MAX - 3, 8), -EINVAL);
		assert_int_equal(raw_read(s, r, UINT64_MAX - 4095, 8192), -EINVAL);
		assert_int_equal(raw_write(s, r, UINT64_MAX - 1, 4, 4), -EINVAL);
		assert_int_equal(raw_write(s, r, (uint64_t)-4096, 4096, 4096), -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

/* Accesses that straddle the end of a region. */
HCASE(region_straddle_end, 0)
{
	int s = hc_open(t);

	hc_enable(s);
	assert_int_equal(raw_read(s, 0, UVFIO_EDU_BAR0_SIZE - 2, 4), -EINVAL);
	assert_int_equal(raw_read(s, 0, UVFIO_EDU_BAR0_SIZE, 1), -EINVAL);
	assert_int_equal(raw_write(s, 0, UVFIO_EDU_BAR0_SIZE - 4, 8, 8), -EINVAL);
	assert_int_equal(raw_read(s, VFIO_PCI_CONFIG_REGION_INDEX, 4094, 4), -EINVAL);
	assert_int_equal(raw_read(s, VFIO_PCI_CONFIG_REGION_INDEX, 4096, 1), -EINVAL);
	assert_int_equal(raw_write(s, VFIO_PCI_CONFIG_REGION_INDEX, 4095, 2, 2), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* REGION_WRITE whose data does not match its count (contract §5.8). */
HCASE(region_write_count_mismatch, 0)
{
	int s = hc_open(t);

	hc_enable(s);
	assert_int_equal(raw_write(s, 0, 4, 100, 4), -EINVAL);
	assert_int_equal(raw_write(s, 0, 4, 4, 100), -EINVAL);
	assert_int_equal(raw_write(s, VFIO_PCI_CONFIG_REGION_INDEX, 0, 0, 8), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* Zero-byte accesses: harmless either way, and the stream stays in step. */
HCASE(region_count_zero, 0)
{
	int s = hc_open(t);
	int ret;

	hc_enable(s);
	ret = raw_read(s, 0, 0, 0);
	assert_true(ret == 0 || ret == -EINVAL);
	ret = raw_read(s, 0, UINT64_MAX, 0);
	assert_true(ret == 0 || ret == -EINVAL);
	ret = raw_write(s, 3, 0, 0, 0);
	assert_true(ret == 0 || ret == -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* Regions that do not exist: 9 (edu has 9: 0..8), 0xffffffff, and absent BARs/ROM/VGA. */
HCASE(region_index_out_of_range, 0)
{
	static const uint32_t bad[] = {VFIO_PCI_NUM_REGIONS, 0xffffffffu, 0x80000000u, 100};
	int s = hc_open(t);
	unsigned int i;

	hc_enable(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(raw_read(s, bad[i], 0, 4), -EINVAL);
		assert_int_equal(raw_write(s, bad[i], 0, 4, 4), -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

HCASE(region_absent, 0)
{
	static const uint32_t absent[] = {1, 2, 3, 4, 5, VFIO_PCI_ROM_REGION_INDEX,
					  VFIO_PCI_VGA_REGION_INDEX};
	int s = hc_open(t);
	unsigned int i;

	hc_enable(s);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		assert_int_equal(raw_read(s, absent[i], 0, 4), -EINVAL);
		assert_int_equal(raw_write(s, absent[i], 0, 4, 4), -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

/* Odd widths and alignments on edu's registers: refused or served, never fatal. */
HCASE(bar_odd_accesses, 0)
{
	static const uint32_t widths[] = {1, 2, 3, 5, 7, 8, 16, 4096};
	int s = hc_open(t);
	unsigned int i;
	uint64_t off;

	hc_enable(s);
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		for (off = 0; off < 0x100; off += 0x1d) {
			int ret = raw_read(s, 0, off, widths[i]);

			assert_true(ret == 0 || ret == -EINVAL || ret == -EIO);
			ret = raw_write(s, 0, 0x200 + off, widths[i], widths[i]);
			assert_true(ret == 0 || ret == -EINVAL || ret == -EIO);
		}
	}
	hc_assert_in_step(s);
	close(s);
}

/* BAR access with COMMAND.MEMORY clear: EIO, as vfio-pci (device.h). */
HCASE(bar_memory_disabled, 0)
{
	uint16_t cmd = 0;
	uint32_t v;
	int s = hc_open(t);

	assert_int_equal(hc_write(s, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, &cmd, 2), 0);
	assert_int_equal(hc_read(s, 0, 0, &v, 4), -EIO);
	hc_assert_in_step(s);
	close(s);
}

/*
 * Region and IRQ info.
 */

static int region_info(int s, uint32_t argsz, uint32_t index)
{
	struct vfio_region_info ri = {.argsz = argsz, .index = index};
	uint8_t r[4096];
	size_t rlen;

	return hc_call(s, UVFIO_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0, r, sizeof(r),
		       &rlen);
}

HCASE(region_info_bad_index, 0)
{
	int s = hc_open(t);

	assert_int_equal(region_info(s, 4096, VFIO_PCI_NUM_REGIONS), -EINVAL);
	assert_int_equal(region_info(s, 4096, 0xffffffffu), -EINVAL);
	assert_int_equal(region_info(s, 4096, 0x7fffffffu), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* argsz below the struct, zero, huge: an error, or a reply that fits. */
HCASE(region_info_argsz, 0)
{
	static const uint32_t argszs[] = {0, 1, 31, 32, 33, 0xffffffffu};
	int s = hc_open(t);
	unsigned int i;
	uint32_t r;

	for (i = 0; i < sizeof(argszs) / sizeof(argszs[0]); i++) {
		for (r = 0; r < VFIO_PCI_NUM_REGIONS; r++) {
			int ret = region_info(s, argszs[i], r);

			assert_true(ret == 0 || ret == -EINVAL);
		}
	}
	hc_assert_in_step(s);
	close(s);
}

static int irq_info(int s, uint32_t argsz, uint32_t index)
{
	struct vfio_irq_info ii = {.argsz = argsz, .index = index};
	uint8_t r[64];
	size_t rlen;

	return hc_call(s, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0, r, sizeof(r),
		       &rlen);
}

HCASE(irq_info_bad_index, 0)
{
	int s = hc_open(t);

	assert_int_equal(irq_info(s, 16, VFIO_PCI_NUM_IRQS), -EINVAL);
	assert_int_equal(irq_info(s, 16, 0xffffffffu), -EINVAL);
	assert_int_equal(irq_info(s, 16, 0x10000), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

HCASE(info_argsz_too_small, 0)
{
	struct uvfio_msg_device_info di = {.argsz = 0};
	int s = hc_open(t);

	assert_int_equal(hc_call(s, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, NULL, 0,
				 NULL),
			 -EINVAL);
	di.argsz = 15;
	assert_int_equal(hc_call(s, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, NULL, 0,
				 NULL),
			 -EINVAL);
	assert_int_equal(irq_info(s, 0, 0), -EINVAL);
	assert_int_equal(irq_info(s, 15, 0), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/*
 * REGION_WRITE_MULTI (contract §5.9).
 */

static int write_multi(int s, uint64_t wr_cnt, const struct uvfio_msg_write_multi_entry *e,
		       unsigned int n)
{
	uint8_t p[8 + 24 * 202];

	assert_true(n <= 202);
	memcpy(p, &wr_cnt, 8);
	memcpy(p + 8, e, n * sizeof(*e));
	return hc_call(s, UVFIO_CMD_REGION_WRITE_MULTI, p, 8 + n * sizeof(*e), NULL, 0, NULL, 0,
		       NULL);
}

HCASE(write_multi_counts, 0)
{
	struct uvfio_msg_write_multi_entry e[202];
	int s = hc_open(t);
	unsigned int i;

	hc_enable(s);
	memset(e, 0, sizeof(e));
	for (i = 0; i < 202; i++) {
		e[i].offset = 0x04; /* edu liveness */
		e[i].region = 0;
		e[i].count = 4;
	}
	/* wr_cnt that overflows when multiplied, or disagrees with the payload. */
	assert_int_equal(write_multi(s, UINT64_MAX, e, 1), -EINVAL);
	assert_int_equal(write_multi(s, (UINT64_MAX / 24) + 1, e, 1), -EINVAL);
	assert_int_equal(write_multi(s, 201, e, 201), -EINVAL);
	assert_int_equal(write_multi(s, 5, e, 4), -EINVAL);
	assert_int_equal(write_multi(s, 1, e, 2), -EINVAL);
	/* An entry with count 9 (> 8 bytes of data). */
	e[1].count = 9;
	assert_int_equal(write_multi(s, 2, e, 2), -EINVAL);
	e[1].count = 0xffffffffu;
	assert_int_equal(write_multi(s, 2, e, 2), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

HCASE(write_multi_targets, 0)
{
	struct uvfio_msg_write_multi_entry e[2];
	int s = hc_open(t);

	hc_enable(s);
	memset(e, 0, sizeof(e));
	e[0] = (struct uvfio_msg_write_multi_entry){.offset = 4, .region = 0, .count = 4};
	e[1] = (struct uvfio_msg_write_multi_entry){.offset = UINT64_MAX - 2, .region = 0,
						    .count = 8};
	assert_int_equal(write_multi(s, 2, e, 2), -EINVAL);
	e[1] = (struct uvfio_msg_write_multi_entry){.offset = 0, .region = 0xffffffffu, .count = 4};
	assert_int_equal(write_multi(s, 2, e, 2), -EINVAL);
	e[1] = (struct uvfio_msg_write_multi_entry){.offset = UVFIO_EDU_BAR0_SIZE - 4, .region = 0,
						    .count = 8};
	assert_int_equal(write_multi(s, 2, e, 2), -EINVAL);
	/* Zero entries: nothing to do. */
	{
		int ret = write_multi(s, 0, e, 0);

		assert_true(ret == 0 || ret == -EINVAL);
	}
	hc_assert_in_step(s);
	close(s);
}

/*
 * Commands the server does not implement, with well-formed payloads, and a
 * DEVICE_FEATURE for a feature the device lacks (ENOTTY): refused, stream
 * in step.
 */
HCASE(unimplemented_commands, 0)
{
	struct uvfio_msg_region_io_fds io = {.argsz = 4096, .index = 0};
	struct {
		struct vfio_iommu_type1_dirty_bitmap h;
		struct uvfio_msg_dirty_range r;
	} __attribute__((packed)) dp = {
		.h = {.argsz = sizeof(dp), .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP},
		.r = {.iova = 0, .size = UINT64_MAX, .bitmap = {.pgsize = 4096, .size = UINT64_MAX}},
	};
	struct vfio_device_feature f = {
		.argsz = 0xffffffffu,
		.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	};
	struct uvfio_msg_mig_data mr = {.argsz = 0xffffffffu, .size = 0xffffffffu};
	uint8_t mw[8 + 16] = {0};
	struct uvfio_msg_mig_data mwh = {.argsz = sizeof(mw), .size = 16};
	int s = hc_open(t);
	int ret;

	memcpy(mw, &mwh, sizeof(mwh));
	ret = hc_call(s, UVFIO_CMD_DEVICE_GET_REGION_IO_FDS, &io, sizeof(io), NULL, 0, NULL, 0,
		      NULL);
	assert_true(ret < 0 && ret != -EPROTO && ret != -ECONNRESET);
	ret = hc_call(s, UVFIO_CMD_DIRTY_PAGES, &dp, sizeof(dp), NULL, 0, NULL, 0, NULL);
	assert_true(ret < 0 && ret != -EPROTO && ret != -ECONNRESET);
	ret = hc_call(s, UVFIO_CMD_DEVICE_FEATURE, &f, sizeof(f), NULL, 0, NULL, 0, NULL);
	assert_true(ret < 0 && ret != -EPROTO && ret != -ECONNRESET);
	ret = hc_call(s, UVFIO_CMD_MIG_DATA_READ, &mr, sizeof(mr), NULL, 0, NULL, 0, NULL);
	assert_true(ret < 0 && ret != -EPROTO && ret != -ECONNRESET);
	ret = hc_call(s, UVFIO_CMD_MIG_DATA_WRITE, mw, sizeof(mw), NULL, 0, NULL, 0, NULL);
	assert_true(ret < 0 && ret != -EPROTO && ret != -ECONNRESET);
	hc_assert_in_step(s);
	close(s);
}

/*
 * Config space abuse: all-ones over the whole of it (BAR sizing, MSI
 * enable, power state D3, INTx disable, FLR bits...), then garbage, then
 * a reset.  The device must survive and serve the next client.
 */
HCASE(config_write_all_ones, 0)
{
	uint8_t ones[4096];
	int s = hc_open(t);
	unsigned int off;
	int ret;

	memset(ones, 0xff, sizeof(ones));
	for (off = 0; off < 256; off += 4) {
		ret = hc_write(s, VFIO_PCI_CONFIG_REGION_INDEX, off, ones, 4);
		assert_true(ret == 0 || ret == -EINVAL || ret == -EIO);
	}
	ret = hc_write(s, VFIO_PCI_CONFIG_REGION_INDEX, 0, ones, 256);
	assert_true(ret == 0 || ret == -EINVAL || ret == -EIO);
	for (off = 0; off < 256; off += 7) {
		uint8_t junk[3] = {(uint8_t)(off * 13), (uint8_t)(off * 7), (uint8_t)off};

		ret = hc_write(s, VFIO_PCI_CONFIG_REGION_INDEX, off, junk, 3);
		assert_true(ret == 0 || ret == -EINVAL || ret == -EIO);
	}
	hc_assert_in_step(s);
	assert_int_equal(hc_call(s, UVFIO_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL), 0);
	hc_assert_in_step(s);
	close(s);
}

/* A reset storm, with posted (No_reply) resets in between. */
HCASE(reset_storm, 0)
{
	int s = hc_open(t);
	unsigned int i;

	for (i = 0; i < 50; i++) {
		assert_int_equal(hc_send(s, hc_id(), UVFIO_CMD_DEVICE_RESET, UVFIO_MSG_NO_REPLY,
					 NULL, 0, NULL, 0),
				 0);
		assert_int_equal(hc_call(s, UVFIO_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL),
				 0);
	}
	hc_assert_in_step(s);
	close(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(short_version),
	cmocka_unit_test(short_dma_map),
	cmocka_unit_test(short_dma_unmap),
	cmocka_unit_test(short_get_info),
	cmocka_unit_test(short_get_region_info),
	cmocka_unit_test(short_get_region_io_fds),
	cmocka_unit_test(short_get_irq_info),
	cmocka_unit_test(short_set_irqs),
	cmocka_unit_test(short_region_read),
	cmocka_unit_test(short_region_write),
	cmocka_unit_test(short_dma_read),
	cmocka_unit_test(short_dma_write),
	cmocka_unit_test(short_device_reset),
	cmocka_unit_test(short_dirty_pages),
	cmocka_unit_test(short_region_write_multi),
	cmocka_unit_test(short_device_feature),
	cmocka_unit_test(short_mig_data_read),
	cmocka_unit_test(short_mig_data_write),
	cmocka_unit_test(region_offset_max),
	cmocka_unit_test(region_count_max),
	cmocka_unit_test(region_offset_count_wrap),
	cmocka_unit_test(region_straddle_end),
	cmocka_unit_test(region_write_count_mismatch),
	cmocka_unit_test(region_count_zero),
	cmocka_unit_test(region_index_out_of_range),
	cmocka_unit_test(region_absent),
	cmocka_unit_test(bar_odd_accesses),
	cmocka_unit_test(bar_memory_disabled),
	cmocka_unit_test(region_info_bad_index),
	cmocka_unit_test(region_info_argsz),
	cmocka_unit_test(irq_info_bad_index),
	cmocka_unit_test(info_argsz_too_small),
	cmocka_unit_test(write_multi_counts),
	cmocka_unit_test(write_multi_targets),
	cmocka_unit_test(unimplemented_commands),
	cmocka_unit_test(config_write_all_ones),
	cmocka_unit_test(reset_storm),
};

UVFIO_TEST_MAIN_FULL(tests, hostile_setup, hostile_teardown)
