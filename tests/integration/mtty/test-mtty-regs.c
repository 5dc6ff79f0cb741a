// SPDX-License-Identifier: MIT
/*
 * test-mtty-regs - the mtty card's PCI identity and its 16550A registers,
 * one by one, through the driver library over vfio-user (16550D datasheet
 * semantics; devices/mtty/mtty.c says where the model chooses).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/serial_reg.h>

#include "test.h"
#include "rig.h"

/* Divisor 0xffff: 4 character times are ~22 s, so no timeout fires in a test. */
#define SLOW_DLL 0xff
#define SLOW_DLM 0xff

static int setup1(void **state)
{
	static struct rig r;

	if (rig_start(&r, 1, true))
		return -1;
	*state = &r;
	return 0;
}

static int setup2(void **state)
{
	static struct rig r;

	if (rig_start(&r, 2, true))
		return -1;
	*state = &r;
	return 0;
}

static int teardown(void **state)
{
	rig_stop(*state);
	return 0;
}

static void set_divisor(struct rig *r, unsigned int port, uint8_t dll, uint8_t dlm, uint8_t lcr)
{
	rig_wr(r, port, UART_LCR, UART_LCR_DLAB);
	rig_wr(r, port, UART_DLL, dll);
	rig_wr(r, port, UART_DLM, dlm);
	rig_wr(r, port, UART_LCR, lcr);
}

/* Loopback, 8N1, slow divisor, FIFOs on with @trigger bits, OUT2 on. */
static void loop_setup(struct rig *r, unsigned int port, uint8_t fcr)
{
	set_divisor(r, port, SLOW_DLL, SLOW_DLM, UART_LCR_WLEN8);
	rig_wr(r, port, UART_FCR, fcr);
	rig_wr(r, port, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	rig_rd(r, port, UART_LSR);
	rig_rd(r, port, UART_MSR);
}

static void test_pci_identity(void **state)
{
	struct rig *r = *state;
	struct uvfio_region_info ri;
	uint16_t v16;
	uint32_t v32;
	uint8_t v8;

	assert_int_equal(uvfio_config_read16(r->d, PCI_VENDOR_ID, &v16), 0);
	assert_int_equal(v16, UVFIO_MTTY_VENDOR);
	assert_int_equal(uvfio_config_read16(r->d, PCI_DEVICE_ID, &v16), 0);
	assert_int_equal(v16, UVFIO_MTTY_DEVICE);
	assert_int_equal(uvfio_config_read16(r->d, PCI_SUBSYSTEM_VENDOR_ID, &v16), 0);
	assert_int_equal(v16, UVFIO_MTTY_VENDOR);
	assert_int_equal(uvfio_config_read16(r->d, PCI_SUBSYSTEM_ID, &v16), 0);
	assert_int_equal(v16, UVFIO_MTTY_DEVICE);
	assert_int_equal(uvfio_config_read32(r->d, PCI_CLASS_REVISION, &v32), 0);
	assert_int_equal(v32, (UVFIO_MTTY_CLASS << 8) | UVFIO_MTTY_REVISION);
	assert_int_equal(uvfio_config_read8(r->d, PCI_INTERRUPT_PIN, &v8), 0);
	assert_int_equal(v8, 1);
	assert_true(uvfio_config_find_cap(r->d, PCI_CAP_ID_MSI) >= 0x40);
	assert_int_equal(uvfio_config_read32(r->d, PCI_BASE_ADDRESS_0, &v32), 0);
	assert_true(v32 & PCI_BASE_ADDRESS_SPACE_IO);
	assert_int_equal(uvfio_config_read16(r->d, PCI_COMMAND, &v16), 0);
	assert_true(v16 & PCI_COMMAND_IO);

	assert_int_equal(uvfio_region_get_info(r->d, VFIO_PCI_BAR0_REGION_INDEX, &ri), 0);
	assert_int_equal(ri.size, UVFIO_MTTY_BAR_SIZE);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_READ);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_WRITE);
	assert_false(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_int_equal(uvfio_region_get_info(r->d, VFIO_PCI_BAR1_REGION_INDEX, &ri), 0);
	assert_int_equal(ri.size, r->nr_ports > 1 ? UVFIO_MTTY_BAR_SIZE : 0);
}

static void test_types(void **state)
{
	const struct uvfio_mtty_type *t1 = uvfio_mtty_find_type("mtty-1");
	const struct uvfio_mtty_type *t2 = uvfio_mtty_find_type("mtty-2");

	(void)state;
	assert_non_null(t1);
	assert_non_null(t2);
	assert_ptr_equal(uvfio_mtty_find_type("mtty"), t1);
	assert_null(uvfio_mtty_find_type("mtty-3"));
	assert_int_equal(t1->nr_ports, 1);
	assert_int_equal(t2->nr_ports, 2);
	assert_int_equal(uvfio_mtty_available_instances(t1, 0), 24);
	assert_int_equal(uvfio_mtty_available_instances(t2, 0), 12);
	assert_int_equal(uvfio_mtty_available_instances(t2, 21), 1);
	assert_int_equal(uvfio_mtty_available_instances(t2, 23), 0);
	assert_int_equal(uvfio_mtty_available_instances(t1, 24), 0);
}

static void test_create_bad(void **state)
{
	struct uvfio_dev *dev = NULL;

	(void)state;
	assert_int_equal(uvfio_mtty_create(0, &dev), -EINVAL);
	assert_int_equal(uvfio_mtty_create(3, &dev), -EINVAL);
	assert_null(dev);
}

/* 16550D Table III "UART Reset Configuration". */
static void assert_power_on(struct rig *r, unsigned int port)
{
	assert_int_equal(rig_rd(r, port, UART_IER), 0);
	assert_int_equal(rig_rd(r, port, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(rig_rd(r, port, UART_LCR), 0);
	assert_int_equal(rig_rd(r, port, UART_MCR), 0);
	assert_int_equal(rig_rd(r, port, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	/* Outside loopback the pty is a ready peer: CTS, DSR, DCD; no deltas. */
	assert_int_equal(rig_rd(r, port, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	assert_int_equal(rig_rd(r, port, UART_SCR), 0);
}

static void test_power_on(void **state)
{
	struct rig *r = *state;

	for (unsigned int p = 0; p < r->nr_ports; p++)
		assert_power_on(r, p);
}

static void test_scratch(void **state)
{
	struct rig *r = *state;
	static const uint8_t vals[] = {0x00, 0xff, 0xa5, 0x5a, 0x01, 0x80};

	for (size_t i = 0; i < sizeof(vals); i++) {
		rig_wr(r, 0, UART_SCR, vals[i]);
		assert_int_equal(rig_rd(r, 0, UART_SCR), vals[i]);
	}
	/* Reading has no side effect. */
	assert_int_equal(rig_rd(r, 0, UART_SCR), 0x80);
}

static void test_ier_lcr_mcr(void **state)
{
	struct rig *r = *state;

	/* Linux 8250 autoconfig: IER low nibble writable, high nibble 0. */
	rig_wr(r, 0, UART_IER, 0xff);
	assert_int_equal(rig_rd(r, 0, UART_IER), 0x0f);
	rig_wr(r, 0, UART_IER, 0);
	assert_int_equal(rig_rd(r, 0, UART_IER), 0);
	rig_rd(r, 0, UART_IIR); /* consume the THRE interrupt IER raised */

	for (unsigned int v = 0; v < 0x80; v += 0x0b) {
		rig_wr(r, 0, UART_LCR, (uint8_t)v);
		assert_int_equal(rig_rd(r, 0, UART_LCR), v);
	}
	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN8);

	/* MCR bits 5-7 are 0 on a 16550A. */
	rig_wr(r, 0, UART_MCR, 0xff);
	assert_int_equal(rig_rd(r, 0, UART_MCR), 0x1f);
	rig_wr(r, 0, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(rig_rd(r, 0, UART_MCR), UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	rig_wr(r, 0, UART_MCR, 0);
}

static void test_dlab(void **state)
{
	struct rig *r = *state;

	rig_wr(r, 0, UART_IER, UART_IER_RDI | UART_IER_MSI);
	rig_wr(r, 0, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	rig_wr(r, 0, UART_DLL, 0x0c);
	rig_wr(r, 0, UART_DLM, 0x01);
	assert_int_equal(rig_rd(r, 0, UART_DLL), 0x0c);
	assert_int_equal(rig_rd(r, 0, UART_DLM), 0x01);
	assert_int_equal(rig_rd(r, 0, UART_LCR), UART_LCR_DLAB | UART_LCR_WLEN8);
	/* Registers 2-7 do not move with DLAB. */
	rig_wr(r, 0, UART_SCR, 0x42);
	assert_int_equal(rig_rd(r, 0, UART_SCR), 0x42);

	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN8);
	assert_int_equal(rig_rd(r, 0, UART_IER), UART_IER_RDI | UART_IER_MSI);
	/* DLAB off: offset 0 is RBR (empty: no data), the latch is intact. */
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
	rig_wr(r, 0, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(rig_rd(r, 0, UART_DLL), 0x0c);
	assert_int_equal(rig_rd(r, 0, UART_DLM), 0x01);
	/* A THR write with DLAB set is a DLL write, not a transmission. */
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP);
	rig_wr(r, 0, UART_TX, 0x33);
	assert_int_equal(rig_rd(r, 0, UART_DLL), 0x33);
	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN8);
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
}

static void test_fifo_enable(void **state)
{
	struct rig *r = *state;

	/* 16550D IIR bits 7:6 follow FCR0 (Linux 8250 autoconfig reads them). */
	assert_int_equal(rig_rd(r, 0, UART_IIR) & 0xc0, 0);
	rig_wr(r, 0, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	rig_wr(r, 0, UART_FCR, 0);
	assert_int_equal(rig_rd(r, 0, UART_IIR), UART_IIR_NO_INT);

	/* FIFO clear bits drop what the FIFO holds. */
	loop_setup(r, 0, UART_FCR_ENABLE_FIFO);
	for (int i = 0; i < 5; i++)
		rig_wr(r, 0, UART_TX, (uint8_t)i);
	assert_true(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
	rig_wr(r, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
	/* Turning FIFOs off clears them too. */
	for (int i = 0; i < 5; i++)
		rig_wr(r, 0, UART_TX, (uint8_t)i);
	rig_wr(r, 0, UART_FCR, 0);
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
}

static void test_loopback_fifo_order(void **state)
{
	struct rig *r = *state;

	loop_setup(r, 0, UART_FCR_ENABLE_FIFO);
	for (int i = 0; i < 16; i++)
		rig_wr(r, 0, UART_TX, (uint8_t)(0x30 + i));
	assert_int_equal(rig_rd(r, 0, UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	for (int i = 0; i < 16; i++) {
		assert_true(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
		assert_int_equal(rig_rd(r, 0, UART_RX), 0x30 + i);
	}
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
	/* Once empty, RBR keeps the last byte. */
	assert_int_equal(rig_rd(r, 0, UART_RX), 0x3f);
}

static void test_trigger_levels(void **state)
{
	struct rig *r = *state;
	static const struct {
		uint8_t bits;
		unsigned int level;
	} trig[] = {
		{UART_FCR_TRIGGER_1, 1},
		{UART_FCR_TRIGGER_4, 4},
		{UART_FCR_TRIGGER_8, 8},
		{UART_FCR_TRIGGER_14, 14},
	};

	for (size_t t = 0; t < 4; t++) {
		loop_setup(r, 0, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | trig[t].bits);
		rig_wr(r, 0, UART_IER, UART_IER_RDI);
		for (unsigned int i = 0; i + 1 < trig[t].level; i++)
			rig_wr(r, 0, UART_TX, (uint8_t)i);
		/* Below the trigger, with the timeout far away: no interrupt. */
		assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
		rig_wr(r, 0, UART_TX, 0xee);
		assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RDI);
		/* Reading one byte drops below the trigger again (unless level 1). */
		rig_rd(r, 0, UART_RX);
		assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
		rig_wr(r, 0, UART_IER, 0);
		rig_wr(r, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	}
}

static void test_char_timeout(void **state)
{
	struct rig *r = *state;

	/* Divisor 1536, 8N1: 4 characters of 10 bits take 4 * 10 * 1536 / 115200 s = 533 ms. */
	set_divisor(r, 0, 0x00, 0x06, UART_LCR_WLEN8);
	rig_wr(r, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_8);
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	rig_rd(r, 0, UART_MSR);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	for (int i = 0; i < 3; i++)
		rig_wr(r, 0, UART_TX, (uint8_t)('a' + i));
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	sleep_ms(1200);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RX_TIMEOUT);
	/* A read clears the timeout and restarts the timer. */
	assert_int_equal(rig_rd(r, 0, UART_RX), 'a');
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	sleep_ms(1200);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RX_TIMEOUT);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'b');
	assert_int_equal(rig_rd(r, 0, UART_RX), 'c');
	/* Empty FIFO: no timeout. */
	sleep_ms(1200);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
}

static void test_iir_priority(void **state)
{
	struct rig *r = *state;

	loop_setup(r, 0, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_1);
	/* Every source enabled; THRE is raised at once (THR empty). */
	rig_wr(r, 0, UART_IER, UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_THRI);
	/* A modem status change: RTS loops to CTS. */
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	/* 17 bytes into a 16-byte FIFO: data, an overrun, and THRE again. */
	for (int i = 0; i < 17; i++)
		rig_wr(r, 0, UART_TX, (uint8_t)(0x40 + i));

	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_int_equal(rig_rd(r, 0, UART_LSR),
			 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	/* Reading LSR cleared OE. */
	assert_int_equal(rig_rd(r, 0, UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RDI);
	/* The FIFO kept the first 16; the 17th was lost. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(rig_rd(r, 0, UART_RX), 0x40 + i);
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
	/* Reading IIR when it reports THRE clears THRE... */
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_THRI);
	/* ...and shows the modem status change under it. */
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_MSI);
	assert_int_equal(rig_rd(r, 0, UART_MSR), UART_MSR_CTS | UART_MSR_DCD | UART_MSR_DCTS);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	/* Enabling THRI again while THR is empty raises THRE again. */
	rig_wr(r, 0, UART_IER, 0);
	rig_wr(r, 0, UART_IER, UART_IER_THRI);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_THRI);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	rig_wr(r, 0, UART_IER, 0);
}

static void test_overrun_16450(void **state)
{
	struct rig *r = *state;

	loop_setup(r, 0, 0);
	rig_wr(r, 0, UART_TX, 0x11);
	rig_wr(r, 0, UART_TX, 0x22);
	/* Without FIFOs the second byte overwrites RBR (16550D LSR bit 1). */
	assert_int_equal(rig_rd(r, 0, UART_LSR),
			 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(rig_rd(r, 0, UART_RX), 0x22);
	assert_int_equal(rig_rd(r, 0, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_break_and_word_length(void **state)
{
	struct rig *r = *state;

	loop_setup(r, 0, UART_FCR_ENABLE_FIFO);
	rig_wr(r, 0, UART_IER, UART_IER_RLSI);
	/* A break in loopback arrives as a 0 byte with BI (and FIFOE). */
	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN8 | UART_LCR_SBC);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_int_equal(rig_rd(r, 0, UART_LSR), UART_LSR_FIFOE | UART_LSR_BI | UART_LSR_DR |
							 UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	assert_int_equal(rig_rd(r, 0, UART_RX), 0);
	assert_int_equal(rig_rd(r, 0, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN8);
	rig_wr(r, 0, UART_IER, 0);

	/* 5 data bits: only the low 5 bits travel. */
	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN5);
	rig_wr(r, 0, UART_TX, 0xff);
	assert_int_equal(rig_rd(r, 0, UART_RX), 0x1f);
	rig_wr(r, 0, UART_LCR, UART_LCR_WLEN7 | UART_LCR_PARITY | UART_LCR_EPAR);
	rig_wr(r, 0, UART_TX, 0xff);
	assert_int_equal(rig_rd(r, 0, UART_RX), 0x7f);
}

static void test_loopback_modem(void **state)
{
	struct rig *r = *state;

	/* Linux 8250 autoconfig's loopback test: MCR = LOOP | 0x0A -> MSR & 0xf0 = 0x90. */
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(rig_rd(r, 0, UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DCD);
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	/* CTS and DCD fell, DSR and RI rose: deltas for CTS, DSR, DCD; no TERI yet. */
	assert_int_equal(rig_rd(r, 0, UART_MSR), UART_MSR_DSR | UART_MSR_RI | UART_MSR_DCTS |
							 UART_MSR_DDSR | UART_MSR_DDCD);
	assert_int_equal(rig_rd(r, 0, UART_MSR), UART_MSR_DSR | UART_MSR_RI);
	/* RI on -> off: the trailing edge. */
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	assert_int_equal(rig_rd(r, 0, UART_MSR), UART_MSR_DSR | UART_MSR_TERI);
	/* Out of loopback: the pty peer's lines again. */
	rig_wr(r, 0, UART_MCR, 0);
	assert_int_equal(rig_rd(r, 0, UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	assert_int_equal(rig_rd(r, 0, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
}

static void test_reset(void **state)
{
	struct rig *r = *state;
	struct uvfio_device_info info;

	assert_int_equal(uvfio_device_get_info(r->d, &info), 0);
	assert_true(info.flags & VFIO_DEVICE_FLAGS_RESET);
	for (unsigned int p = 0; p < r->nr_ports; p++) {
		loop_setup(r, p, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14);
		rig_wr(r, p, UART_IER, 0x0f);
		rig_wr(r, p, UART_SCR, 0x77);
		for (int i = 0; i < 20; i++)
			rig_wr(r, p, UART_TX, (uint8_t)i);
	}
	assert_int_equal(uvfio_device_reset(r->d), 0);
	/* Config space was reset too: turn I/O decoding back on. */
	assert_int_equal(uvfio_device_enable(r->d), 0);
	for (unsigned int p = 0; p < r->nr_ports; p++) {
		assert_power_on(r, p);
		rig_wr(r, p, UART_LCR, UART_LCR_DLAB);
		assert_int_equal(rig_rd(r, p, UART_DLL), 0);
		assert_int_equal(rig_rd(r, p, UART_DLM), 0);
		rig_wr(r, p, UART_LCR, 0);
	}
}

static void test_two_ports_independent(void **state)
{
	struct rig *r = *state;

	assert_string_not_equal(r->pty[0], r->pty[1]);
	assert_int_equal(access(r->pty[0], F_OK), 0);
	assert_int_equal(access(r->pty[1], F_OK), 0);
	rig_wr(r, 0, UART_SCR, 0x01);
	rig_wr(r, 1, UART_SCR, 0x02);
	assert_int_equal(rig_rd(r, 0, UART_SCR), 0x01);
	assert_int_equal(rig_rd(r, 1, UART_SCR), 0x02);
	loop_setup(r, 1, UART_FCR_ENABLE_FIFO);
	rig_wr(r, 1, UART_TX, 0x99);
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_DR);
	assert_true(rig_rd(r, 1, UART_LSR) & UART_LSR_DR);
	assert_int_equal(rig_rd(r, 1, UART_RX), 0x99);
	assert_int_equal(rig_rd(r, 0, UART_MCR), 0);
}

static void test_io_disabled(void **state)
{
	struct rig *r = *state;
	uint16_t cmd;
	uint8_t v;

	/* vfio-pci refuses BAR access while COMMAND.IO is clear (linux-vfio.md §2.4). */
	assert_int_equal(uvfio_config_read16(r->d, PCI_COMMAND, &cmd), 0);
	assert_int_equal(uvfio_config_write16(r->d, PCI_COMMAND, cmd & ~PCI_COMMAND_IO), 0);
	assert_int_not_equal(uvfio_region_read(r->d, VFIO_PCI_BAR0_REGION_INDEX, UART_SCR, &v, 1),
			     0);
	assert_int_equal(uvfio_config_write16(r->d, PCI_COMMAND, cmd), 0);
	assert_int_equal(uvfio_region_read(r->d, VFIO_PCI_BAR0_REGION_INDEX, UART_SCR, &v, 1), 0);
}

static void test_state_kept_across_clients(void **state)
{
	struct rig *r = *state;

	rig_wr(r, 0, UART_SCR, 0x5c);
	loop_setup(r, 0, UART_FCR_ENABLE_FIFO);
	rig_wr(r, 0, UART_TX, 0x21);
	rig_close_driver(r);
	assert_int_equal(rig_open_driver(r), 0);
	/* DESIGN.md "Disconnect": the device keeps its state for the next client. */
	assert_int_equal(rig_rd(r, 0, UART_SCR), 0x5c);
	assert_int_equal(rig_rd(r, 0, UART_RX), 0x21);
}

#define T1(f) cmocka_unit_test_setup_teardown(f, setup1, teardown)
#define T2(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)

static const struct CMUnitTest tests[] = {
	T1(test_pci_identity),
	T2(test_pci_identity),
	cmocka_unit_test(test_types),
	cmocka_unit_test(test_create_bad),
	T2(test_power_on),
	T1(test_scratch),
	T1(test_ier_lcr_mcr),
	T1(test_dlab),
	T1(test_fifo_enable),
	T1(test_loopback_fifo_order),
	T1(test_trigger_levels),
	T1(test_char_timeout),
	T1(test_iir_priority),
	T1(test_overrun_16450),
	T1(test_break_and_word_length),
	T1(test_loopback_modem),
	T2(test_reset),
	T2(test_two_ports_independent),
	T1(test_io_disabled),
	T1(test_state_kept_across_clients),
};

UVFIO_TEST_MAIN(tests)
