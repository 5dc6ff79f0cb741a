/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/device/test-msix.c - MSI-X and a memory-backed BAR with
 * sparse mmap areas, end to end: a test-only model (tmodel.c) served on a
 * thread by the device library, driven through the driver library.
 *
 * MSI-X facts: PCI LB 3.0 §6.8.2 / linux/pci_regs.h (table entry layout,
 * vector-control mask bit, function mask, PBA); vfio semantics:
 * linux-vfio.md §4.2.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "test.h"
#include "../common/proc.h"
#include "tmodel.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define BAR2 VFIO_PCI_BAR2_REGION_INDEX
#define WAIT_MS 5000
#define QUIET_MS 100

struct fx {
	struct tmodel tm;
	struct uvfio_container *c;
	struct uvfio_device *d;
	int efd[TM_NVEC];
	bool msix_on;
};

static int setup_limited(void **state, uint32_t max_msg_fds)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	for (int i = 0; i < TM_NVEC; i++)
		fx->efd[i] = -1;
	if (tmodel_start(&fx->tm, max_msg_fds) < 0)
		goto err_free;
	if (open_device(fx->tm.where, &fx->c, &fx->d) < 0) {
		fprintf(stderr, "open %s: %s\n", fx->tm.where, uvfio_last_error());
		goto err_stop;
	}
	if (uvfio_device_enable(fx->d) < 0)
		goto err_close;
	*state = fx;
	return 0;

err_close:
	uvfio_device_close(fx->d);
	uvfio_container_destroy(fx->c);
err_stop:
	tmodel_stop(&fx->tm);
err_free:
	free(fx);
	return -1;
}

static int setup(void **state)
{
	return setup_limited(state, 0);
}

/* A server taking 3 fds per message: the client sends eventfds in chunks. */
static int setup_3fds(void **state)
{
	return setup_limited(state, 3);
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	int rc;

	if (fx->msix_on)
		uvfio_irq_disable(fx->d, VFIO_PCI_MSIX_IRQ_INDEX);
	for (int i = 0; i < TM_NVEC; i++) {
		if (fx->efd[i] >= 0)
			close(fx->efd[i]);
	}
	uvfio_device_close(fx->d);
	uvfio_container_destroy(fx->c);
	rc = tmodel_stop(&fx->tm);
	free(fx);
	return rc == 0 ? 0 : -1;
}

/* Ask the model to act: write @v to one of its BAR2 registers. */
static void ctrl_write(struct fx *fx, uint64_t reg, uint32_t v)
{
	assert_int_equal(uvfio_bar_write32(fx->d, 2, reg, v), 0);
}

static uint32_t ctrl_read(struct fx *fx, uint64_t reg)
{
	return uvfio_bar_read32(fx->d, 2, reg);
}

/* The model fires MSI-X vector @v; returns uvfio_dev_msi_trigger()'s result. */
static int32_t trigger(struct fx *fx, uint32_t v)
{
	ctrl_write(fx, TM_REG_TRIGGER, v);
	return (int32_t)ctrl_read(fx, TM_REG_RESULT);
}

static void set_vector_mask(struct fx *fx, int vec, bool masked);

/*
 * Every vector is masked after reset (PCI LB 3.0 §6.8.2.9), so, like an OS
 * driver, program each table entry and clear its mask after SET_IRQS.
 */
static void unmask_all(struct fx *fx)
{
	for (int v = 0; v < TM_NVEC; v++)
		set_vector_mask(fx, v, false);
}

static void enable_msix_only(struct fx *fx)
{
	for (int i = 0; i < TM_NVEC; i++) {
		fx->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(fx->efd[i] >= 0);
	}
	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_MSIX_IRQ_INDEX, 0, TM_NVEC, fx->efd),
			 0);
	fx->msix_on = true;
}

static void enable_msix(struct fx *fx)
{
	enable_msix_only(fx);
	unmask_all(fx);
}

/* Non-blocking: what eventfd @i has counted since the last call. */
static uint64_t drain(struct fx *fx, int i)
{
	uint64_t n = 0;

	if (read(fx->efd[i], &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

static void expect_only(struct fx *fx, int vec)
{
	if (vec >= 0)
		assert_true(uvfio_irq_wait(fx->d, fx->efd[vec], WAIT_MS) > 0);
	for (int i = 0; i < TM_NVEC; i++)
		assert_int_equal(drain(fx, i), 0);
}

static int msix_cap(struct fx *fx)
{
	int cap = uvfio_config_find_cap(fx->d, PCI_CAP_ID_MSIX);

	assert_true(cap >= 0x40);
	return cap;
}

static uint32_t table_off(int vec, unsigned int field)
{
	return TM_TABLE_OFF + (uint32_t)vec * PCI_MSIX_ENTRY_SIZE + field;
}

static void set_vector_mask(struct fx *fx, int vec, bool masked)
{
	uint32_t ctrl = masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0;

	/* The table is a hole in the mmap: region write, as driver.h says. */
	assert_int_equal(uvfio_region_write(fx->d, BAR0, table_off(vec, PCI_MSIX_ENTRY_VECTOR_CTRL),
					    &ctrl, 4),
			 0);
}

static uint64_t read_pba(struct fx *fx)
{
	uint64_t pba = 0;

	assert_int_equal(uvfio_region_read(fx->d, BAR0, TM_PBA_OFF, &pba, 8), 0);
	return pba;
}

static void test_identity(void **state)
{
	struct fx *fx = *state;
	struct uvfio_irq_info ii;
	uint16_t flags;
	uint32_t v;
	int cap;

	assert_int_equal(uvfio_config_read16(fx->d, PCI_VENDOR_ID, &flags), 0);
	assert_int_equal(flags, TM_VENDOR);
	assert_int_equal(ctrl_read(fx, TM_REG_MAGIC), TM_MAGIC);

	cap = msix_cap(fx);
	assert_int_equal(uvfio_config_read16(fx->d, (unsigned int)cap + PCI_MSIX_FLAGS, &flags), 0);
	assert_int_equal((flags & PCI_MSIX_FLAGS_QSIZE) + 1, TM_NVEC);
	assert_int_equal(flags & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL), 0);
	assert_int_equal(uvfio_config_read32(fx->d, (unsigned int)cap + PCI_MSIX_TABLE, &v), 0);
	assert_int_equal(v, TM_TABLE_OFF | 0);
	assert_int_equal(uvfio_config_read32(fx->d, (unsigned int)cap + PCI_MSIX_PBA, &v), 0);
	assert_int_equal(v, TM_PBA_OFF | 0);

	assert_int_equal(uvfio_irq_get_info(fx->d, VFIO_PCI_MSIX_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, TM_NVEC);
	assert_true(ii.flags & VFIO_IRQ_INFO_EVENTFD);
	assert_int_equal(uvfio_irq_get_info(fx->d, VFIO_PCI_INTX_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 0); /* no interrupt pin */
	assert_int_equal(uvfio_irq_get_info(fx->d, VFIO_PCI_MSI_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 0);
}

/* BAR0's sparse areas: everything but the pages of the MSI-X table and PBA. */
static void test_sparse_areas(void **state)
{
	struct fx *fx = *state;
	struct uvfio_region_info ri;
	bool covered[TM_BAR0_SIZE / 4096] = { false };

	assert_int_equal(uvfio_region_get_info(fx->d, BAR0, &ri), 0);
	assert_int_equal(ri.size, TM_BAR0_SIZE);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_READ);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_WRITE);
	assert_true(ri.has_sparse);
	assert_true(ri.nr_sparse >= 1);
	for (uint32_t i = 0; i < ri.nr_sparse; i++) {
		assert_int_equal(ri.sparse[i].offset % 4096, 0);
		assert_int_equal(ri.sparse[i].size % 4096, 0);
		assert_true(ri.sparse[i].offset + ri.sparse[i].size <= TM_BAR0_SIZE);
		for (uint64_t p = ri.sparse[i].offset; p < ri.sparse[i].offset + ri.sparse[i].size;
		     p += 4096)
			covered[p / 4096] = true;
	}
	for (unsigned int pg = 0; pg < TM_BAR0_SIZE / 4096; pg++) {
		bool msix = pg == TM_TABLE_OFF / 4096 || pg == TM_PBA_OFF / 4096;

		assert_int_equal(covered[pg], !msix);
	}

	/* BAR2 is trapped. */
	assert_int_equal(uvfio_region_get_info(fx->d, BAR2, &ri), 0);
	assert_int_equal(ri.size, TM_BAR2_SIZE);
	assert_false(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
}

/* The model sees what the driver writes through its mmap, and vice versa. */
static void test_sparse_mmap(void **state)
{
	static const uint32_t offs[] = { 0x0, 0x100, 0x7ffc, 0xa000, 0xa040, 0xfffc };
	struct fx *fx = *state;
	void *addr = NULL;
	uint32_t v;

	assert_int_equal(uvfio_region_mmap(fx->d, BAR0, &addr), 0);
	assert_non_null(addr);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		volatile uint32_t *p = (volatile uint32_t *)((uint8_t *)addr + offs[i]);
		uint32_t val = 0xdead0000u | (uint32_t)i;

		/* Driver -> model. */
		*p = val;
		ctrl_write(fx, TM_REG_OFFSET, offs[i]);
		ctrl_write(fx, TM_REG_CMD, TM_CMD_LOAD);
		assert_int_equal(ctrl_read(fx, TM_REG_RESULT), 0);
		assert_int_equal(ctrl_read(fx, TM_REG_VALUE), val);
		assert_int_equal(*(volatile uint32_t *)(fx->tm.bar0 + offs[i]), val);

		/* Model -> driver. */
		ctrl_write(fx, TM_REG_VALUE, ~val);
		ctrl_write(fx, TM_REG_CMD, TM_CMD_STORE);
		assert_int_equal(ctrl_read(fx, TM_REG_RESULT), 0);
		assert_int_equal(*p, ~val);
		/* uvfio_bar_read32 goes through the mapping; region read is served from memory. */
		assert_int_equal(uvfio_bar_read32(fx->d, 0, offs[i]), ~val);
		assert_int_equal(uvfio_region_read(fx->d, BAR0, offs[i], &v, 4), 0);
		assert_int_equal(v, ~val);
	}
	/* A region write lands in the same memory. */
	v = 0x5eed5eed;
	assert_int_equal(uvfio_region_write(fx->d, BAR0, 0x200, &v, 4), 0);
	assert_int_equal(*(volatile uint32_t *)((uint8_t *)addr + 0x200), 0x5eed5eed);
	/* And uvfio_bar_* reach the table (a hole in the mapping) by region access. */
	assert_int_equal(uvfio_bar_write32(fx->d, 0, table_off(1, PCI_MSIX_ENTRY_DATA), 0xabcd), 0);
	assert_int_equal(uvfio_bar_read32(fx->d, 0, table_off(1, PCI_MSIX_ENTRY_DATA)), 0xabcd);
	uvfio_region_unmap(fx->d, BAR0);
}

static void test_msix_vectors(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(trigger(fx, 0), -ENODEV); /* not enabled yet */
	enable_msix(fx);
	assert_int_equal(ctrl_read(fx, TM_REG_IRQ_MODE), VFIO_PCI_MSIX_IRQ_INDEX);
	for (int round = 0; round < 2; round++) {
		for (int v = 0; v < TM_NVEC; v++) {
			assert_int_equal(trigger(fx, (uint32_t)v), 0);
			expect_only(fx, v);
		}
	}
	assert_int_equal(trigger(fx, TM_NVEC), -EINVAL);
	expect_only(fx, -1);

	/* Disabled again: nothing fires. */
	assert_int_equal(uvfio_irq_disable(fx->d, VFIO_PCI_MSIX_IRQ_INDEX), 0);
	fx->msix_on = false;
	assert_int_equal(trigger(fx, 0), -ENODEV);
	expect_only(fx, -1);
}

/*
 * SET_IRQS alone is enough, as on the kernel's vfio-pci: the kernel's MSI-X
 * set-up enables the capability and unmasks the vectors it allocated, and a
 * client that emulates the table itself (QEMU) never writes ours.
 */
static void test_msix_set_irqs_alone(void **state)
{
	struct fx *fx = *state;
	uint16_t flags;

	enable_msix_only(fx);
	assert_int_equal(
		uvfio_config_read16(fx->d, (unsigned int)msix_cap(fx) + PCI_MSIX_FLAGS, &flags), 0);
	assert_true(flags & PCI_MSIX_FLAGS_ENABLE);
	for (int v = TM_NVEC - 1; v >= 0; v--) {
		assert_int_equal(trigger(fx, (uint32_t)v), 0);
		expect_only(fx, v);
	}
	assert_int_equal(uvfio_irq_disable(fx->d, VFIO_PCI_MSIX_IRQ_INDEX), 0);
	fx->msix_on = false;
	assert_int_equal(
		uvfio_config_read16(fx->d, (unsigned int)msix_cap(fx) + PCI_MSIX_FLAGS, &flags), 0);
	assert_false(flags & PCI_MSIX_FLAGS_ENABLE);
}

/*
 * More vectors than the server takes fds per message: the client sends the
 * eventfds in chunks (contract §5.7, as QEMU does) and every vector works.
 */
static void test_msix_fd_chunks(void **state)
{
	struct fx *fx = *state;

	enable_msix(fx);
	for (int v = 0; v < TM_NVEC; v++) {
		assert_int_equal(trigger(fx, (uint32_t)v), 0);
		expect_only(fx, v);
	}
}

/* An fd of -1 leaves a vector unbound (driver.h uvfio_irq_enable). */
static void test_msix_unbound_vector(void **state)
{
	struct fx *fx = *state;
	int efds[TM_NVEC];

	for (int i = 0; i < TM_NVEC; i++) {
		fx->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		efds[i] = i == 2 ? -1 : fx->efd[i];
	}
	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_MSIX_IRQ_INDEX, 0, TM_NVEC, efds), 0);
	fx->msix_on = true;
	unmask_all(fx);
	assert_int_equal(trigger(fx, 2), -ENODEV);
	expect_only(fx, -1);
	assert_int_equal(trigger(fx, 3), 0);
	expect_only(fx, 3);
	/* Bind it later, alone. */
	assert_int_equal(uvfio_irq_enable(fx->d, VFIO_PCI_MSIX_IRQ_INDEX, 2, 1, &fx->efd[2]), 0);
	assert_int_equal(trigger(fx, 2), 0);
	expect_only(fx, 2);
}

/*
 * Per-vector masking through the table's vector control: a masked vector's
 * interrupt becomes pending (PBA) and is delivered on unmask, once.
 */
static void test_msix_mask_table(void **state)
{
	struct fx *fx = *state;
	uint32_t ctrl;

	enable_msix(fx);
	set_vector_mask(fx, 3, true);
	assert_int_equal(uvfio_region_read(fx->d, BAR0, table_off(3, PCI_MSIX_ENTRY_VECTOR_CTRL),
					   &ctrl, 4),
			 0);
	assert_int_equal(ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(read_pba(fx), 0);

	assert_int_equal(trigger(fx, 3), 0);
	assert_int_equal(trigger(fx, 3), 0);
	assert_int_equal(uvfio_irq_wait(fx->d, fx->efd[3], QUIET_MS), -ETIMEDOUT);
	expect_only(fx, -1);
	assert_int_equal(read_pba(fx), 1u << 3);

	/* Others are unaffected. */
	assert_int_equal(trigger(fx, 4), 0);
	expect_only(fx, 4);

	set_vector_mask(fx, 3, false);
	assert_int_equal(uvfio_irq_wait(fx->d, fx->efd[3], WAIT_MS), 1); /* once, not twice */
	expect_only(fx, -1);
	assert_int_equal(read_pba(fx), 0);

	assert_int_equal(trigger(fx, 3), 0);
	expect_only(fx, 3);

	/* Masked and unmasked with nothing pending: no interrupt. */
	set_vector_mask(fx, 6, true);
	set_vector_mask(fx, 6, false);
	assert_int_equal(uvfio_irq_wait(fx->d, fx->efd[6], QUIET_MS), -ETIMEDOUT);
}

/* The function mask (Message Control bit 14) holds back every vector. */
static void test_msix_function_mask(void **state)
{
	struct fx *fx = *state;
	unsigned int flags_off;
	uint16_t flags;

	enable_msix(fx);
	flags_off = (unsigned int)msix_cap(fx) + PCI_MSIX_FLAGS;
	assert_int_equal(uvfio_config_read16(fx->d, flags_off, &flags), 0);
	assert_int_equal(uvfio_config_write16(fx->d, flags_off, flags | PCI_MSIX_FLAGS_MASKALL), 0);

	assert_int_equal(trigger(fx, 5), 0);
	assert_int_equal(trigger(fx, 1), 0);
	assert_int_equal(uvfio_irq_wait(fx->d, fx->efd[5], QUIET_MS), -ETIMEDOUT);
	expect_only(fx, -1);
	assert_int_equal(read_pba(fx), (1u << 5) | (1u << 1));

	assert_int_equal(uvfio_config_read16(fx->d, flags_off, &flags), 0);
	assert_int_equal(uvfio_config_write16(fx->d, flags_off, flags & ~PCI_MSIX_FLAGS_MASKALL),
			 0);
	assert_true(uvfio_irq_wait(fx->d, fx->efd[5], WAIT_MS) > 0);
	assert_true(uvfio_irq_wait(fx->d, fx->efd[1], WAIT_MS) > 0);
	expect_only(fx, -1);
	assert_int_equal(read_pba(fx), 0);
}

/* The table's address and data words read back what was written. */
static void test_msix_table_rw(void **state)
{
	struct fx *fx = *state;
	uint32_t v;

	for (int vec = 0; vec < TM_NVEC; vec++) {
		uint32_t lo = 0xfee00000u | (uint32_t)vec << 12;
		uint32_t data = 0x4000u + (uint32_t)vec;
		uint32_t addr_off = table_off(vec, PCI_MSIX_ENTRY_LOWER_ADDR);
		uint32_t data_off = table_off(vec, PCI_MSIX_ENTRY_DATA);

		assert_int_equal(uvfio_region_write(fx->d, BAR0, addr_off, &lo, 4), 0);
		assert_int_equal(uvfio_region_write(fx->d, BAR0, data_off, &data, 4), 0);
	}
	for (int vec = 0; vec < TM_NVEC; vec++) {
		uint32_t addr_off = table_off(vec, PCI_MSIX_ENTRY_LOWER_ADDR);
		uint32_t data_off = table_off(vec, PCI_MSIX_ENTRY_DATA);

		assert_int_equal(uvfio_region_read(fx->d, BAR0, addr_off, &v, 4), 0);
		assert_int_equal(v, 0xfee00000u | (uint32_t)vec << 12);
		assert_int_equal(uvfio_region_read(fx->d, BAR0, data_off, &v, 4), 0);
		assert_int_equal(v, 0x4000u + (uint32_t)vec);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sparse_areas, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sparse_mmap, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msix_vectors, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msix_set_irqs_alone, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msix_fd_chunks, setup_3fds, teardown),
	cmocka_unit_test_setup_teardown(test_msix_unbound_vector, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msix_mask_table, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msix_function_mask, setup, teardown),
	cmocka_unit_test_setup_teardown(test_msix_table_rw, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
