// SPDX-License-Identifier: MIT
/*
 * test-mtty-irq - the mtty card's interrupts over vfio-user: INTx as a level
 * that VFIO auto-masks until unmasked (linux-vfio.md §4.1), gated by
 * MCR.OUT2 and COMMAND.INTX_DISABLE; MSI vector 0 on each new condition.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <linux/serial_reg.h>

#include "test.h"
#include "rig.h"

#define QUIET_MS 300
#define FIRE_MS 3000

struct irq_rig {
	struct rig r;
	int efd;
};

static int setup_n(void **state, unsigned int nr_ports)
{
	static struct irq_rig ir;

	if (rig_start(&ir.r, nr_ports, true))
		return -1;
	ir.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ir.efd < 0)
		return -1;
	*state = &ir;
	return 0;
}

static int setup1(void **state)
{
	return setup_n(state, 1);
}

static int setup2(void **state)
{
	return setup_n(state, 2);
}

static int teardown(void **state)
{
	struct irq_rig *ir = *state;

	rig_stop(&ir->r);
	close(ir->efd);
	return 0;
}

static void expect_irq(struct irq_rig *ir)
{
	int64_t n = uvfio_irq_wait(ir->r.d, ir->efd, FIRE_MS);

	assert_true(n > 0);
}

static void expect_quiet(struct irq_rig *ir)
{
	assert_int_equal(uvfio_irq_wait(ir->r.d, ir->efd, QUIET_MS), -ETIMEDOUT);
}

static void intx_on(struct irq_rig *ir)
{
	assert_int_equal(uvfio_irq_enable(ir->r.d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &ir->efd), 0);
}

static void msi_on(struct irq_rig *ir)
{
	struct uvfio_device *d = ir->r.d;
	int cap = uvfio_config_find_cap(d, PCI_CAP_ID_MSI);
	uint16_t flags;

	assert_true(cap >= 0x40);
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &ir->efd), 0);
	/* The MSI Enable bit, as the guest OS sets it. */
	assert_int_equal(uvfio_config_read16(d, (unsigned int)cap + PCI_MSI_FLAGS, &flags), 0);
	assert_int_equal(uvfio_config_write16(d, (unsigned int)cap + PCI_MSI_FLAGS,
					      flags | PCI_MSI_FLAGS_ENABLE),
			 0);
}

/* Loopback, FIFOs on with trigger 1, slow divisor, MCR with @out2. */
static void loop_setup(struct rig *r, unsigned int port, bool out2)
{
	rig_wr(r, port, UART_LCR, UART_LCR_DLAB);
	rig_wr(r, port, UART_DLL, 0xff);
	rig_wr(r, port, UART_DLM, 0xff);
	rig_wr(r, port, UART_LCR, UART_LCR_WLEN8);
	rig_wr(r, port, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	rig_wr(r, port, UART_MCR, UART_MCR_LOOP | (out2 ? UART_MCR_OUT2 : 0));
	rig_rd(r, port, UART_LSR);
	rig_rd(r, port, UART_MSR);
}

static void test_irq_info(void **state)
{
	struct irq_rig *ir = *state;
	struct uvfio_irq_info info;

	assert_int_equal(uvfio_irq_get_info(ir->r.d, VFIO_PCI_INTX_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	assert_int_equal(info.flags & (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
				       VFIO_IRQ_INFO_AUTOMASKED),
			 VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED);
	assert_int_equal(uvfio_irq_get_info(ir->r.d, VFIO_PCI_MSI_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	assert_true(info.flags & VFIO_IRQ_INFO_EVENTFD);
	assert_int_equal(uvfio_irq_get_info(ir->r.d, VFIO_PCI_MSIX_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 0);
}

static void test_intx_rx_automask(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	intx_on(ir);
	loop_setup(r, 0, true);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	expect_quiet(ir);
	rig_wr(r, 0, UART_TX, 'x');
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RDI);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'x');
	/* The line dropped and rises again, but INTx stays masked until unmasked. */
	rig_wr(r, 0, UART_TX, 'y');
	expect_quiet(ir);
	/* Still asserted at unmask: it fires again. */
	assert_int_equal(uvfio_irq_unmask(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'y');
	assert_int_equal(uvfio_irq_unmask(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_quiet(ir);
	/* Unmasked and idle: the next byte fires at once. */
	rig_wr(r, 0, UART_TX, 'z');
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'z');
}

static void test_intx_out2_gate(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	intx_on(ir);
	loop_setup(r, 0, false);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	rig_wr(r, 0, UART_TX, 1);
	/* The condition is there (IIR says so) but OUT2 keeps the line low. */
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RDI);
	expect_quiet(ir);
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	expect_irq(ir);
}

static void test_intx_thre(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	intx_on(ir);
	rig_wr(r, 0, UART_MCR, UART_MCR_OUT2);
	expect_quiet(ir);
	/* Enabling THRI with THR empty raises THRE (16550D; Linux 8250 start_tx). */
	rig_wr(r, 0, UART_IER, UART_IER_THRI);
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_IIR), UART_IIR_THRI);
	/* That IIR read cleared it: unmasking finds the line low. */
	assert_int_equal(uvfio_irq_unmask(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_quiet(ir);
}

static void test_intx_line_status(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	intx_on(ir);
	loop_setup(r, 0, true);
	rig_wr(r, 0, UART_IER, UART_IER_RLSI);
	for (int i = 0; i < 16; i++)
		rig_wr(r, 0, UART_TX, (uint8_t)i);
	expect_quiet(ir);
	rig_wr(r, 0, UART_TX, 16); /* overrun */
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_true(rig_rd(r, 0, UART_LSR) & UART_LSR_OE);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	assert_int_equal(uvfio_irq_unmask(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_quiet(ir);
}

static void test_intx_modem_status(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	intx_on(ir);
	loop_setup(r, 0, true);
	rig_wr(r, 0, UART_IER, UART_IER_MSI);
	expect_quiet(ir);
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_DTR);
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_MSI);
	assert_true(rig_rd(r, 0, UART_MSR) & UART_MSR_DDSR);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
}

static void test_intx_disable_bit(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;
	uint16_t cmd;

	intx_on(ir);
	assert_int_equal(uvfio_config_read16(r->d, PCI_COMMAND, &cmd), 0);
	assert_int_equal(uvfio_config_write16(r->d, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE),
			 0);
	loop_setup(r, 0, true);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	rig_wr(r, 0, UART_TX, 7);
	expect_quiet(ir);
	/* The line is still up when INTx is allowed again (vfio-pci: virq_disabled). */
	assert_int_equal(uvfio_config_write16(r->d, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE),
			 0);
	expect_irq(ir);
}

static void test_intx_second_port(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	intx_on(ir);
	loop_setup(r, 0, true);
	loop_setup(r, 1, true);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	rig_wr(r, 1, UART_IER, UART_IER_RDI);
	rig_wr(r, 1, UART_TX, 0x55);
	expect_irq(ir);
	/* The shared INTA#: the handler asks each port. */
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	assert_int_equal(rig_rd(r, 1, UART_IIR), 0xc0 | UART_IIR_RDI);
	/* Port 0 raises too while port 1 still holds the line: one level, no new edge. */
	rig_wr(r, 0, UART_TX, 0x66);
	assert_int_equal(rig_rd(r, 1, UART_RX), 0x55);
	assert_int_equal(uvfio_irq_unmask(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_RX), 0x66);
	assert_int_equal(uvfio_irq_unmask(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	expect_quiet(ir);
}

static void test_msi_rx(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	msi_on(ir);
	loop_setup(r, 0, true);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	expect_quiet(ir);
	rig_wr(r, 0, UART_TX, 'm');
	expect_irq(ir);
	/* More data while "data available" is already pending: no new condition. */
	rig_wr(r, 0, UART_TX, 'n');
	expect_quiet(ir);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'm');
	assert_int_equal(rig_rd(r, 0, UART_RX), 'n');
	/* Drained, then new data: a new condition, a new message; no unmask needed. */
	rig_wr(r, 0, UART_TX, 'o');
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'o');
	expect_quiet(ir);
}

static void test_msi_thre_rearm(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	msi_on(ir);
	rig_wr(r, 0, UART_MCR, UART_MCR_OUT2);
	rig_wr(r, 0, UART_IER, UART_IER_THRI);
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_IIR), UART_IIR_THRI);
	expect_quiet(ir);
	/* A byte written (to the pty) and gone: THRE rises again, a new message. */
	rig_wr(r, 0, UART_TX, 'q');
	expect_irq(ir);
	assert_int_equal(rig_rd(r, 0, UART_IIR), UART_IIR_THRI);
}

static void test_msi_two_ports(void **state)
{
	struct irq_rig *ir = *state;
	struct rig *r = &ir->r;

	msi_on(ir);
	loop_setup(r, 0, true);
	loop_setup(r, 1, true);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	rig_wr(r, 1, UART_IER, UART_IER_RDI);
	rig_wr(r, 0, UART_TX, 1);
	expect_irq(ir);
	/* Port 1's new condition is a new message though port 0's is pending. */
	rig_wr(r, 1, UART_TX, 2);
	expect_irq(ir);
}

#define T1(f) cmocka_unit_test_setup_teardown(f, setup1, teardown)
#define T2(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)

static const struct CMUnitTest tests[] = {
	T1(test_irq_info),	   T1(test_intx_rx_automask), T1(test_intx_out2_gate),
	T1(test_intx_thre),	   T1(test_intx_line_status), T1(test_intx_modem_status),
	T1(test_intx_disable_bit), T2(test_intx_second_port), T1(test_msi_rx),
	T1(test_msi_thre_rearm),   T2(test_msi_two_ports),
};

UVFIO_TEST_MAIN(tests)
