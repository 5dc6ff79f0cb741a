// SPDX-License-Identifier: MIT
/*
 * devices/mtty/mtty.c - a PCI card of one or two 16550A UARTs on host ptys.
 *
 * Written from the 16550D datasheet (National Semiconductor PC16550D, rev.
 * 1995; cited as "16550D" with the section or table title) and Linux's
 * register names in <linux/serial_reg.h>.  What the model does where the
 * datasheet leaves freedom, or where there is no wire:
 *
 * - Bytes move instantly: a byte written to THR is "on the line" at once
 *   (to the pty, or to the receiver in loopback), so LSR.THRE and TEMT set
 *   again as soon as the pty took it.  Only the character timeout is timed,
 *   from the divisor and LCR (4 character times, 16550D "FIFO Interrupt Mode
 *   Operation"), with a timerfd.
 * - Flow control with the pty: the pty is read only while the receive FIFO
 *   has room, so bytes typed into the pty are never lost to an overrun;
 *   bytes the pty does not take (its buffer is full because nobody reads the
 *   slave) stay in the transmit FIFO, keeping THRE clear, and go out when the
 *   pty drains.  The device holds the slave side open itself, so the master
 *   never sees a hang-up when a terminal program closes it.
 * - Modem inputs outside loopback are those of a ready null-modem peer: CTS,
 *   DSR and DCD asserted, RI not.
 * - A break (LCR.SBC) set in loopback is received as a zero byte with LSR.BI,
 *   the way a looped line held spacing would be.
 * - The interrupt output of a port is gated by MCR.OUT2, as on PC serial
 *   adapters (see mtty.h), for INTx and MSI alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <linux/serial_reg.h>

#include "mtty.h"

/* 16550D "FIFO Control Register": 16-byte receive and transmit FIFOs. */
#define FIFO_SIZE 16
/*
 * 16550D "Interrupt Identification Register": bits 7:6 are set when FCR0 = 1.
 * Linux names this UART_IIR_FIFO_ENABLED only in headers newer than 6.1's.
 */
#define IIR_FIFOS_ENABLED 0xc0
/* 16550D "Interrupt Enable Register": bits 4-7 are always 0. */
#define IER_BITS (UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI)
/* 16550D "Modem Control Register": bits 5-7 are always 0. */
#define MCR_BITS (UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2 | UART_MCR_LOOP)
/* The PC's 1.8432 MHz UART clock, divided by 16 per bit (16550D "Baud Generator"). */
#define UART_CLOCK_HZ 1843200u
#define NSEC_PER_SEC 1000000000ull
/* 16550D "FIFO Interrupt Mode Operation": timeout after 4 character times. */
#define TIMEOUT_CHARS 4

#define MTTY_MAGIC 0x6d747479u /* "mtty" */

/* Interrupt sources of a port, as a mask (16550D Table IV, by priority). */
enum {
	SRC_RLS = 1u << 0,     /* receiver line status: OE, PE, FE, BI */
	SRC_RDA = 1u << 1,     /* received data at or above the trigger level */
	SRC_TIMEOUT = 1u << 2, /* character timeout */
	SRC_THRE = 1u << 3,    /* transmitter holding register empty */
	SRC_MS = 1u << 4,      /* modem status: a delta bit of MSR */
};

struct mtty;

struct mtty_port {
	struct mtty *mt;
	unsigned int index;

	/* Receive FIFO: bytes and the LSR error bits that came with each. */
	uint8_t rx[FIFO_SIZE];
	uint8_t rx_err[FIFO_SIZE];
	unsigned int rx_head;
	unsigned int rx_count;
	uint8_t rbr; /* last byte read: RBR keeps it once the FIFO is empty */
	/* Transmit FIFO: bytes the pty has not taken yet. */
	uint8_t tx[FIFO_SIZE];
	unsigned int tx_count;

	uint8_t ier;
	uint8_t lcr;
	uint8_t mcr;
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	uint8_t fcr;	   /* FIFO enable and receiver trigger as programmed */
	uint8_t lsr_err;   /* OE, and PE/FE/BI of the byte at the FIFO top */
	uint8_t msr_in;	   /* CTS, DSR, RI, DCD in their MSR positions */
	uint8_t msr_delta; /* DCTS, DDSR, TERI, DDCD */
	bool thre_pending;
	bool timeout_pending;
	unsigned int src; /* gated interrupt sources at the last evaluation */

	int master_fd;
	int slave_fd;
	int timer_fd;
	uint32_t pty_events; /* epoll events watched on master_fd, 0: none */
	bool timer_watched;
	bool pty_dead;
	char pty_name[64];
};

struct mtty {
	unsigned int magic;
	struct uvfio_dev *dev;
	unsigned int nr_ports;
	bool line;	 /* INTx level last driven */
	bool line_stale; /* drive it again even if unchanged */
	struct mtty_port port[UVFIO_MTTY_MAX_PORTS];
};

const struct uvfio_mtty_type uvfio_mtty_types[] = {
	/* Type names and descriptions of Linux's mtty sample. */
	{.name = "mtty-1", .description = "Single port serial", .nr_ports = 1},
	{.name = "mtty-2", .description = "Dual port serial", .nr_ports = 2},
	{.name = NULL},
};

const struct uvfio_mtty_type *uvfio_mtty_find_type(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "mtty"))
		return &uvfio_mtty_types[0];
	for (const struct uvfio_mtty_type *t = uvfio_mtty_types; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

unsigned int uvfio_mtty_available_instances(const struct uvfio_mtty_type *type,
					    unsigned int ports_in_use)
{
	if (!type || !type->nr_ports || ports_in_use >= UVFIO_MTTY_PARENT_PORTS)
		return 0;
	return (UVFIO_MTTY_PARENT_PORTS - ports_in_use) / type->nr_ports;
}

/*
 * Register model.
 */

static bool fifo_enabled(const struct mtty_port *p)
{
	return p->fcr & UART_FCR_ENABLE_FIFO;
}

static bool loopback(const struct mtty_port *p)
{
	return p->mcr & UART_MCR_LOOP;
}

static bool dlab(const struct mtty_port *p)
{
	return p->lcr & UART_LCR_DLAB;
}

/* Without FIFOs (16450 mode) RBR and THR hold one byte each. */
static unsigned int fifo_capacity(const struct mtty_port *p)
{
	return fifo_enabled(p) ? FIFO_SIZE : 1;
}

/* 16550D "FIFO Control Register", bits 6-7: receiver trigger 1, 4, 8, 14. */
static unsigned int rx_trigger(const struct mtty_port *p)
{
	static const unsigned int level[4] = {1, 4, 8, 14};

	if (!fifo_enabled(p))
		return 1;
	return level[(p->fcr & UART_FCR_TRIGGER_MASK) >> UART_FCR_R_TRIG_SHIFT];
}

/* LCR bits 0-1 select 5 to 8 data bits; the unused high bits are not sent. */
static uint8_t word_mask(const struct mtty_port *p)
{
	return (uint8_t)(0xffu >> (3 - (p->lcr & UART_LCR_WLEN8)));
}

/* A character on the wire, in half bit times: start, data, parity, stop. */
static uint64_t char_half_bits(const struct mtty_port *p)
{
	unsigned int data = 5 + (p->lcr & UART_LCR_WLEN8);
	unsigned int half = 2 * (1 + data + ((p->lcr & UART_LCR_PARITY) ? 1 : 0));

	/* 16550D "Line Control Register" bit 2: 1.5 stop bits with 5 data bits, else 2. */
	if (p->lcr & UART_LCR_STOP)
		half += data == 5 ? 3 : 4;
	else
		half += 2;
	return half;
}

static void arm_timeout(struct mtty_port *p)
{
	struct itimerspec its = {0};

	if (fifo_enabled(p) && p->rx_count) {
		/* A zero divisor is undefined (16550D "Baud Generator"): take it as 1. */
		uint64_t div = p->dll | (uint64_t)p->dlm << 8;
		uint64_t ns;

		if (!div)
			div = 1;
		ns = TIMEOUT_CHARS * char_half_bits(p) * div * 16 * NSEC_PER_SEC /
		     (2 * (uint64_t)UART_CLOCK_HZ);
		its.it_value.tv_sec = (time_t)(ns / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(ns % NSEC_PER_SEC);
	}
	/* Re-arming also resets the expiration count (timerfd_settime(2)). */
	timerfd_settime(p->timer_fd, 0, &its, NULL);
}

/*
 * The modem inputs: in loopback the outputs of MCR (16550D "Modem Control
 * Register" bit 4: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD), else a ready
 * peer.
 */
static uint8_t modem_inputs(const struct mtty_port *p)
{
	uint8_t in = 0;

	if (!loopback(p))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	if (p->mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (p->mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (p->mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (p->mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

/* 16550D "Modem Status Register" bits 0-3: changes since MSR was last read. */
static void update_modem_inputs(struct mtty_port *p)
{
	uint8_t in = modem_inputs(p);
	uint8_t changed = in ^ p->msr_in;

	if (changed & UART_MSR_CTS)
		p->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		p->msr_delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		p->msr_delta |= UART_MSR_DDCD;
	/* TERI: only the trailing edge, RI going from on to off. */
	if ((changed & UART_MSR_RI) && !(in & UART_MSR_RI))
		p->msr_delta |= UART_MSR_TERI;
	p->msr_in = in;
}

static void rx_clear(struct mtty_port *p)
{
	p->rx_head = 0;
	p->rx_count = 0;
	p->timeout_pending = false;
	arm_timeout(p);
}

/* Transmit FIFO cleared or drained: THRE rises and with it its interrupt. */
static void tx_set_count(struct mtty_port *p, unsigned int count)
{
	if (p->tx_count && !count)
		p->thre_pending = true;
	p->tx_count = count;
}

/*
 * A byte completely received.  16550D "Line Status Register" bit 1: on an
 * overrun the FIFO keeps its bytes and the new one is lost; without FIFOs the
 * new byte overwrites RBR.  Error bits are revealed in LSR when their byte
 * reaches the top of the FIFO (bits 2-4).
 */
static void rx_receive(struct mtty_port *p, uint8_t byte, uint8_t err)
{
	unsigned int slot;

	byte &= word_mask(p);
	if (p->rx_count == fifo_capacity(p)) {
		p->lsr_err |= UART_LSR_OE;
		if (!fifo_enabled(p)) {
			p->rx[p->rx_head] = byte;
			p->rx_err[p->rx_head] = err;
			p->lsr_err |= err;
		}
		return;
	}
	slot = (p->rx_head + p->rx_count) % FIFO_SIZE;
	p->rx[slot] = byte;
	p->rx_err[slot] = err;
	if (++p->rx_count == 1)
		p->lsr_err |= err;
	/*
	 * 16550D "FIFO Interrupt Mode Operation": a new byte restarts the timer
	 * unless a timeout is already indicated; only a read clears that.
	 */
	if (!p->timeout_pending)
		arm_timeout(p);
}

static uint8_t rx_read(struct mtty_port *p)
{
	if (p->rx_count) {
		p->rbr = p->rx[p->rx_head];
		p->rx_head = (p->rx_head + 1) % FIFO_SIZE;
		if (--p->rx_count)
			p->lsr_err |= p->rx_err[p->rx_head];
	}
	/* A read clears a timeout indication and restarts the timer. */
	p->timeout_pending = false;
	arm_timeout(p);
	return p->rbr;
}

/* Put the transmit FIFO on the line: the pty, or the receiver in loopback. */
static void tx_drain(struct mtty_port *p)
{
	ssize_t n;

	if (!p->tx_count)
		return;
	if (loopback(p)) {
		for (unsigned int i = 0; i < p->tx_count; i++)
			rx_receive(p, p->tx[i], 0);
		tx_set_count(p, 0);
		return;
	}
	if (p->pty_dead) {
		/* No pty any more: the line goes nowhere, as with no cable. */
		tx_set_count(p, 0);
		return;
	}
	n = write(p->master_fd, p->tx, p->tx_count);
	if (n > 0) {
		memmove(p->tx, p->tx + n, p->tx_count - (size_t)n);
		tx_set_count(p, p->tx_count - (unsigned int)n);
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		tx_set_count(p, 0);
	}
}

static void pty_receive(struct mtty_port *p)
{
	uint8_t buf[FIFO_SIZE];
	size_t room;
	ssize_t n;

	/* 16550D "Modem Control Register" bit 4: in loopback SIN is disconnected. */
	if (loopback(p) || p->pty_dead)
		return;
	room = fifo_capacity(p) - p->rx_count;
	if (!room)
		return;
	n = read(p->master_fd, buf, room);
	if (n > 0) {
		for (ssize_t i = 0; i < n; i++)
			rx_receive(p, buf[i], 0);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* EIO: no slave (cannot happen while we hold it open); stop polling. */
		p->pty_dead = true;
	}
}

static void pty_ready(struct uvfio_dev *dev, void *arg, uint32_t revents);
static void timer_ready(struct uvfio_dev *dev, void *arg, uint32_t revents);

/*
 * Watch the pty for what the port can take: input while the receive FIFO has
 * room (flow control) and we are not in loopback, output while the transmit
 * FIFO holds bytes the pty refused.  A watch that fails (the device loop not
 * running yet) is retried at the next call.
 */
static void sync_watches(struct mtty_port *p)
{
	struct uvfio_dev *dev = p->mt->dev;
	uint32_t want = 0;

	if (!p->timer_watched && uvfio_dev_watch_fd(dev, p->timer_fd, EPOLLIN, timer_ready, p) == 0)
		p->timer_watched = true;

	if (!p->pty_dead && !loopback(p)) {
		if (p->rx_count < fifo_capacity(p))
			want |= EPOLLIN;
		if (p->tx_count)
			want |= EPOLLOUT;
	}
	if (want == p->pty_events)
		return;
	if (p->pty_events) {
		uvfio_dev_unwatch_fd(dev, p->master_fd);
		p->pty_events = 0;
	}
	if (want && uvfio_dev_watch_fd(dev, p->master_fd, want, pty_ready, p) == 0)
		p->pty_events = want;
}

/* 16550D Table IV: the enabled interrupt conditions of a port. */
static unsigned int port_sources(const struct mtty_port *p)
{
	unsigned int s = 0;

	if ((p->ier & UART_IER_RLSI) && (p->lsr_err & UART_LSR_BRK_ERROR_BITS))
		s |= SRC_RLS;
	if (p->ier & UART_IER_RDI) {
		if (p->rx_count >= rx_trigger(p))
			s |= SRC_RDA;
		else if (p->rx_count && p->timeout_pending)
			s |= SRC_TIMEOUT;
	}
	if ((p->ier & UART_IER_THRI) && p->thre_pending && !p->tx_count)
		s |= SRC_THRE;
	if ((p->ier & UART_IER_MSI) && (p->msr_delta & UART_MSR_ANY_DELTA))
		s |= SRC_MS;
	return s;
}

/* 16550D "Interrupt Identification Register": the highest-priority source. */
static uint8_t port_iir(const struct mtty_port *p)
{
	unsigned int s = port_sources(p);
	uint8_t iir = fifo_enabled(p) ? IIR_FIFOS_ENABLED : 0;

	if (s & SRC_RLS)
		return iir | UART_IIR_RLSI;
	if (s & SRC_RDA)
		return iir | UART_IIR_RDI;
	/* 0x0c, the 16550's character timeout ID (Linux: UART_IIR_RX_TIMEOUT). */
	if (s & SRC_TIMEOUT)
		return iir | UART_IIR_RX_TIMEOUT;
	if (s & SRC_THRE)
		return iir | UART_IIR_THRI;
	if (s & SRC_MS)
		return iir | UART_IIR_MSI;
	return iir | UART_IIR_NO_INT;
}

/*
 * Drive the card's interrupt: INTx is the level of the OR of the ports'
 * outputs (linux-vfio.md §4.1: the library auto-masks and re-fires at unmask
 * while it stays asserted); MSI, being an edge, fires when any port gains a
 * condition it did not have at the last evaluation.
 */
static void update_irq(struct mtty *mt)
{
	bool line = false;
	bool edge = false;

	for (unsigned int i = 0; i < mt->nr_ports; i++) {
		struct mtty_port *p = &mt->port[i];
		unsigned int s = (p->mcr & UART_MCR_OUT2) ? port_sources(p) : 0;

		if (s & ~p->src)
			edge = true;
		p->src = s;
		if (s)
			line = true;
	}
	if (line != mt->line || mt->line_stale) {
		uvfio_dev_intx_set_level(mt->dev, line);
		mt->line = line;
		mt->line_stale = false;
	}
	if (edge && uvfio_dev_irq_mode(mt->dev) == VFIO_PCI_MSI_IRQ_INDEX)
		uvfio_dev_msi_trigger(mt->dev, VFIO_PCI_MSI_IRQ_INDEX, 0);
}

static uint8_t lsr_read(struct mtty_port *p)
{
	uint8_t lsr = p->lsr_err & UART_LSR_BRK_ERROR_BITS;

	if (p->rx_count)
		lsr |= UART_LSR_DR;
	/* Bytes move instantly, so the shift register is empty with the FIFO. */
	if (!p->tx_count)
		lsr |= UART_LSR_THRE | UART_LSR_TEMT;
	/* Bit 7: some byte in the receive FIFO came with PE, FE or BI. */
	if (fifo_enabled(p)) {
		for (unsigned int i = 0; i < p->rx_count; i++) {
			if (p->rx_err[(p->rx_head + i) % FIFO_SIZE]) {
				lsr |= UART_LSR_FIFOE;
				break;
			}
		}
	}
	/* Bits 1-4 are cleared by reading LSR. */
	p->lsr_err = 0;
	return lsr;
}

static uint8_t port_read(struct mtty_port *p, unsigned int reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RX: /* = UART_DLL */
		return dlab(p) ? p->dll : rx_read(p);
	case UART_IER: /* = UART_DLM */
		return dlab(p) ? p->dlm : p->ier;
	case UART_IIR:
		v = port_iir(p);
		/* 16550D Table IV: reading IIR when it reports THRE clears it. */
		if ((v & (UART_IIR_ID | UART_IIR_NO_INT)) == UART_IIR_THRI)
			p->thre_pending = false;
		return v;
	case UART_LCR:
		return p->lcr;
	case UART_MCR:
		return p->mcr;
	case UART_LSR:
		return lsr_read(p);
	case UART_MSR:
		v = p->msr_in | p->msr_delta;
		p->msr_delta = 0;
		return v;
	case UART_SCR:
		return p->scr;
	}
	return 0xff;
}

static void thr_write(struct mtty_port *p, uint8_t v)
{
	/* 16550D Table IV: writing THR clears the THRE interrupt. */
	p->thre_pending = false;
	update_irq(p->mt);
	/* A write to a full transmit FIFO is lost. */
	if (p->tx_count == fifo_capacity(p))
		return;
	p->tx[p->tx_count++] = v & word_mask(p);
	tx_drain(p);
}

/*
 * 16550D "FIFO Control Register": changing bit 0 clears both FIFOs; bits 1-7
 * are programmed only together with bit 0 = 1; bits 1 and 2 clear the
 * receive and transmit FIFO and clear themselves.
 */
static void fcr_write(struct mtty_port *p, uint8_t v)
{
	bool enable = v & UART_FCR_ENABLE_FIFO;

	if (enable != fifo_enabled(p)) {
		rx_clear(p);
		tx_set_count(p, 0);
	}
	if (!enable) {
		p->fcr = 0;
		return;
	}
	p->fcr = v & (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_MASK);
	if (v & UART_FCR_CLEAR_RCVR)
		rx_clear(p);
	if (v & UART_FCR_CLEAR_XMIT)
		tx_set_count(p, 0);
}

static void lcr_write(struct mtty_port *p, uint8_t v)
{
	bool brk = (v & UART_LCR_SBC) && !(p->lcr & UART_LCR_SBC);

	p->lcr = v;
	if (brk && loopback(p))
		rx_receive(p, 0, UART_LSR_BI);
}

static void mcr_write(struct mtty_port *p, uint8_t v)
{
	p->mcr = v & MCR_BITS;
	update_modem_inputs(p);
	/* Bytes still waiting for the pty go to the line as it is now. */
	tx_drain(p);
}

static void port_write(struct mtty_port *p, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_TX: /* = UART_DLL */
		if (dlab(p))
			p->dll = v;
		else
			thr_write(p, v);
		break;
	case UART_IER: /* = UART_DLM */
		if (dlab(p)) {
			p->dlm = v;
			break;
		}
		/*
		 * Enabling the THRE interrupt while THR is empty raises it:
		 * drivers start transmission this way (Linux 8250: start_tx).
		 */
		if ((v & UART_IER_THRI) && !(p->ier & UART_IER_THRI) && !p->tx_count)
			p->thre_pending = true;
		p->ier = v & IER_BITS;
		break;
	case UART_FCR:
		fcr_write(p, v);
		break;
	case UART_LCR:
		lcr_write(p, v);
		break;
	case UART_MCR:
		mcr_write(p, v);
		break;
	case UART_SCR:
		p->scr = v;
		break;
	default:
		/* LSR and MSR: writes have no defined effect (16550D Table II). */
		break;
	}
}

/*
 * 16550D Table III "UART Reset Configuration": IER, FCR, LCR, MCR 0, IIR
 * 0x01, LSR THRE|TEMT, MSR deltas 0 and the inputs as they are, FIFOs empty.
 * The scratch and divisor registers, undefined at power-on, are cleared.
 */
static void port_reset(struct mtty_port *p)
{
	p->ier = 0;
	p->lcr = 0;
	p->mcr = 0;
	p->fcr = 0;
	p->scr = 0;
	p->dll = 0;
	p->dlm = 0;
	p->rbr = 0;
	p->lsr_err = 0;
	p->tx_count = 0;
	p->thre_pending = false;
	rx_clear(p);
	p->msr_in = modem_inputs(p);
	p->msr_delta = 0;
	p->src = 0;
	sync_watches(p);
}

/*
 * Callbacks.
 */

static void pty_ready(struct uvfio_dev *dev, void *arg, uint32_t revents)
{
	struct mtty_port *p = arg;

	(void)dev;
	if (revents & EPOLLOUT)
		tx_drain(p);
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		pty_receive(p);
	sync_watches(p);
	update_irq(p->mt);
}

static void timer_ready(struct uvfio_dev *dev, void *arg, uint32_t revents)
{
	struct mtty_port *p = arg;
	uint64_t ticks;

	(void)dev;
	(void)revents;
	/* A timer re-armed since it fired reads EAGAIN: no timeout then. */
	if (read(p->timer_fd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks))
		return;
	if (fifo_enabled(p) && p->rx_count)
		p->timeout_pending = true;
	update_irq(p->mt);
}

/*
 * The 16550 is an 8-bit device: a wider access is a run of byte accesses at
 * consecutive registers, as an ISA/LPC bridge splits it.
 */
static ssize_t bar_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct mtty_port *p = priv;
	uint8_t *b = buf;

	(void)dev;
	for (size_t i = 0; i < len; i++)
		b[i] = port_read(p, (unsigned int)((off + i) % UVFIO_MTTY_BAR_SIZE));
	sync_watches(p);
	update_irq(p->mt);
	return (ssize_t)len;
}

static ssize_t bar_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			 size_t len)
{
	struct mtty_port *p = priv;
	const uint8_t *b = buf;

	(void)dev;
	for (size_t i = 0; i < len; i++)
		port_write(p, (unsigned int)((off + i) % UVFIO_MTTY_BAR_SIZE), b[i]);
	sync_watches(p);
	update_irq(p->mt);
	return (ssize_t)len;
}

static const struct uvfio_region_ops bar_ops = {
	.read = bar_read,
	.write = bar_write,
};

static int mtty_reset(struct uvfio_dev *dev, void *priv, enum uvfio_reset_reason why)
{
	struct mtty *mt = priv;

	(void)dev;
	(void)why;
	for (unsigned int i = 0; i < mt->nr_ports; i++)
		port_reset(&mt->port[i]);
	mt->line_stale = true;
	update_irq(mt);
	return 0;
}

static void mtty_open(struct uvfio_dev *dev, void *priv)
{
	struct mtty *mt = priv;

	(void)dev;
	/* Now on the device thread: set up any watch that failed before. */
	for (unsigned int i = 0; i < mt->nr_ports; i++)
		sync_watches(&mt->port[i]);
	mt->line_stale = true;
	update_irq(mt);
}

static const struct uvfio_dev_ops mtty_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
	.reset = mtty_reset,
	.open = mtty_open,
};

/*
 * Construction.
 */

static int open_pty(struct mtty_port *p)
{
	struct termios t;
	int ret;

	p->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master_fd < 0)
		return -errno;
	if (grantpt(p->master_fd) || unlockpt(p->master_fd))
		return -errno;
	ret = ptsname_r(p->master_fd, p->pty_name, sizeof(p->pty_name));
	if (ret)
		return ret > 0 ? -ret : -errno;
	if (fcntl(p->master_fd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	/*
	 * Hold the slave open: the master then never reads EIO nor polls HUP
	 * between terminal programs, and the line discipline is ours to set.
	 */
	p->slave_fd = open(p->pty_name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->slave_fd < 0)
		return -errno;
	/* Raw: bytes pass both ways unchanged (no echo, no CR/LF mapping). */
	if (tcgetattr(p->slave_fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	if (tcsetattr(p->slave_fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

static void close_port(struct mtty_port *p)
{
	if (p->master_fd >= 0)
		close(p->master_fd);
	if (p->slave_fd >= 0)
		close(p->slave_fd);
	if (p->timer_fd >= 0)
		close(p->timer_fd);
	p->master_fd = -1;
	p->slave_fd = -1;
	p->timer_fd = -1;
}

static struct mtty *mtty_of(const struct uvfio_dev *dev)
{
	struct mtty *mt = dev ? uvfio_dev_priv(dev) : NULL;

	return mt && mt->magic == MTTY_MAGIC ? mt : NULL;
}

int uvfio_mtty_create(unsigned int nr_ports, struct uvfio_dev **out)
{
	const struct uvfio_dev_pci_id id = {
		.vendor = UVFIO_MTTY_VENDOR,
		.device = UVFIO_MTTY_DEVICE,
		.subsystem_vendor = UVFIO_MTTY_VENDOR,
		.subsystem_device = UVFIO_MTTY_DEVICE,
		.revision = UVFIO_MTTY_REVISION,
		.class_code = UVFIO_MTTY_CLASS,
		.irq_pin = 1, /* INTA# */
	};
	struct uvfio_dev *dev;
	struct mtty *mt;
	unsigned int i;
	int ret;

	if (!out || nr_ports < 1 || nr_ports > UVFIO_MTTY_MAX_PORTS)
		return -EINVAL;
	mt = calloc(1, sizeof(*mt));
	if (!mt)
		return -ENOMEM;
	mt->magic = MTTY_MAGIC;
	mt->nr_ports = nr_ports;
	for (i = 0; i < UVFIO_MTTY_MAX_PORTS; i++) {
		mt->port[i].mt = mt;
		mt->port[i].index = i;
		mt->port[i].master_fd = -1;
		mt->port[i].slave_fd = -1;
		mt->port[i].timer_fd = -1;
	}
	for (i = 0; i < nr_ports; i++) {
		struct mtty_port *p = &mt->port[i];

		ret = open_pty(p);
		if (ret)
			goto err_close;
		p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (p->timer_fd < 0) {
			ret = -errno;
			goto err_close;
		}
	}

	ret = uvfio_dev_create(&mtty_ops, mt, &id, 0, &dev);
	if (ret)
		goto err_close;
	mt->dev = dev;
	for (i = 0; i < nr_ports; i++) {
		ret = uvfio_dev_setup_bar(dev, i, UVFIO_MTTY_BAR_SIZE, PCI_BASE_ADDRESS_SPACE_IO,
					  &bar_ops, &mt->port[i]);
		if (ret)
			goto err_destroy;
	}
	/* One vector, 64-bit address: the card's ports share it, as INTA#. */
	ret = uvfio_dev_add_cap_msi(dev, 1, UVFIO_MSI_64BIT);
	if (ret < 0)
		goto err_destroy;

	for (i = 0; i < nr_ports; i++)
		port_reset(&mt->port[i]);
	*out = dev;
	return 0;

err_destroy:
	uvfio_dev_destroy(dev);
err_close:
	for (i = 0; i < nr_ports; i++)
		close_port(&mt->port[i]);
	free(mt);
	return ret;
}

int uvfio_mtty1_create(struct uvfio_dev **out)
{
	return uvfio_mtty_create(1, out);
}

int uvfio_mtty2_create(struct uvfio_dev **out)
{
	return uvfio_mtty_create(2, out);
}

void uvfio_mtty_destroy(struct uvfio_dev *dev)
{
	struct mtty *mt = mtty_of(dev);

	if (!dev)
		return;
	uvfio_dev_destroy(dev);
	if (!mt)
		return;
	for (unsigned int i = 0; i < mt->nr_ports; i++)
		close_port(&mt->port[i]);
	mt->magic = 0;
	free(mt);
}

unsigned int uvfio_mtty_nr_ports(const struct uvfio_dev *dev)
{
	struct mtty *mt = mtty_of(dev);

	return mt ? mt->nr_ports : 0;
}

int uvfio_mtty_port_pty(const struct uvfio_dev *dev, unsigned int port, char *name, size_t len)
{
	struct mtty *mt = mtty_of(dev);
	int n;

	if (!mt || port >= mt->nr_ports || !name)
		return -EINVAL;
	n = snprintf(name, len, "%s", mt->port[port].pty_name);
	if (n < 0 || (size_t)n >= len)
		return -ERANGE;
	return 0;
}
