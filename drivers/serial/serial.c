// SPDX-License-Identifier: MIT
/*
 * uvfio-serial - a user-level driver for a 16550A UART on a PCI card (an
 * mtty, or any card with the UART in an I/O BAR), on include/uvfio/driver.h.
 *
 * It programs the UART as Linux's 8250 driver does (serial8250_do_startup,
 * serial8250_do_set_termios): divisor through LCR.DLAB, line control, FIFOs,
 * MCR with DTR|RTS|OUT2, then runs on interrupts (INTx, re-armed by an
 * unmask after each one, or MSI) or by polling:
 *
 *   --test-pattern N  send N bytes and check the same N come back, in
 *                     loopback (--loopback, MCR.LOOP) or through whatever
 *                     echoes on the far side of the line;
 *   --bridge          stdin -> THR and RBR -> stdout, until EOF on stdin
 *                     (or Ctrl-] when stdin is a terminal).
 *
 * Register names are <linux/serial_reg.h>'s; the semantics the 16550D
 * datasheet's (National Semiconductor PC16550D, "16550D" below).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <linux/serial_reg.h>

#include <uvfio/driver.h>

/* The PC UART clock 1.8432 MHz / 16 (16550D "Baud Generator"): divisor = 115200 / baud. */
#define BAUD_BASE 115200u
/* 16550D: 16-byte FIFOs. */
#define FIFO_SIZE 16
/* 16550D "Interrupt Identification Register": bits 7:6 are 11 with FIFOs on. */
#define IIR_FIFO_BITS 0xc0
/* PCI Code and ID Assignment spec: base class 07h, subclass 00h = serial controller. */
#define PCI_CLASS_SERIAL 0x0700
/* Ctrl-], telnet's escape character. */
#define ESCAPE_CHAR 0x1d
/* Interrupt identifications a service pass handles before re-reading IIR. */
#define MAX_SERVICE_LOOPS 256
#define TXQ_SIZE 4096

enum irq_kind {
	IRQ_NONE = -1,
	IRQ_INTX = VFIO_PCI_INTX_IRQ_INDEX,
	IRQ_MSI = VFIO_PCI_MSI_IRQ_INDEX
};

struct options {
	const char *where;
	unsigned int port;
	unsigned int baud;
	uint8_t lcr;
	const char *line;
	enum irq_kind irq;
	bool loopback;
	bool bridge;
	size_t pattern_len; /* 0: no test pattern */
	unsigned int rx_trigger;
	int timeout_ms;
	int verbose;
};

struct serial {
	const struct options *o;
	struct uvfio_container *c;
	struct uvfio_device *d;
	unsigned int bar;
	unsigned int fifo_size;
	bool irq_on;
	int efd;
	uint8_t ier;
	uint8_t word_mask;

	/* Bytes waiting for THR. */
	uint8_t txq[TXQ_SIZE];
	size_t tx_head;
	size_t tx_len;

	/* Test pattern progress. */
	size_t pattern_sent; /* queued for transmission */
	size_t pattern_rcvd; /* received and checked */
	bool mismatch;
	size_t mismatch_at;
	uint8_t mismatch_want;
	uint8_t mismatch_got;

	uint8_t lsr_errors; /* OE/PE/FE/BI seen */
	unsigned long irqs;
	unsigned long rx_bytes;
	unsigned long tx_bytes;
	bool stdin_eof;
	bool escape;
	bool io_error;
};

static volatile sig_atomic_t stop_signal;
static struct termios saved_tty;
static bool tty_raw;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfio-serial [options] (--test-pattern N | --bridge) DEVICE\n"
		"Drive the 16550A UART of a PCI serial card through VFIO.\n"
		"  DEVICE               unix:PATH (vfio-user) or a PCI address (kernel vfio-pci)\n"
		"  --port N             use port N, the UART in BAR N (default 0)\n"
		"  --baud RATE          line speed; divisor = 115200 / RATE (default 115200)\n"
		"  --line DPS           data bits 5-8, parity N/E/O, stop bits 1-2 (default 8N1)\n"
		"  --irq intx|msi|none  interrupt delivery; none polls (default intx)\n"
		"  --rx-trigger N       receive FIFO trigger level 1, 4, 8 or 14 (default 8)\n"
		"  --loopback           set MCR.LOOP: the UART receives what it transmits\n"
		"  --test-pattern N     send N bytes and check that they come back\n"
		"  --bridge             copy stdin to the port and the port to stdout\n"
		"                       until EOF on stdin (Ctrl-] on a terminal)\n"
		"  --timeout MS         fail when nothing moves for MS ms (default 5000)\n"
		"  -v, --verbose        report set-up and counters on stderr\n"
		"  -h, --help           this text\n");
}

/*
 * Register access: the UART sits in an I/O BAR, which cannot be mmap'ed, so
 * every access is a region read or write (uvfio_bar_*8 choose that path).
 */
static uint8_t reg_read(struct serial *s, unsigned int reg)
{
	return uvfio_bar_read8(s->d, s->bar, reg);
}

static void reg_write(struct serial *s, unsigned int reg, uint8_t v)
{
	if (uvfio_bar_write8(s->d, s->bar, reg, v) < 0)
		s->io_error = true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t pattern_byte(const struct serial *s, size_t i)
{
	/* A byte sequence that repeats only every 256 bytes and hits every value. */
	return (uint8_t)((i * 167 + 13) & s->word_mask);
}

static int parse_line(const char *line, uint8_t *lcr)
{
	uint8_t v;

	if (strlen(line) != 3 || line[0] < '5' || line[0] > '8')
		return -EINVAL;
	/* 16550D "Line Control Register": bits 0-1 word length - 5. */
	v = (uint8_t)(line[0] - '5');
	switch (line[1]) {
	case 'N':
	case 'n':
		break;
	case 'E':
	case 'e':
		v |= UART_LCR_PARITY | UART_LCR_EPAR;
		break;
	case 'O':
	case 'o':
		v |= UART_LCR_PARITY;
		break;
	default:
		return -EINVAL;
	}
	if (line[2] == '2')
		v |= UART_LCR_STOP;
	else if (line[2] != '1')
		return -EINVAL;
	*lcr = v;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"baud", required_argument, NULL, 'b'},
		{"line", required_argument, NULL, 'l'},
		{"irq", required_argument, NULL, 'i'},
		{"rx-trigger", required_argument, NULL, 'r'},
		{"loopback", no_argument, NULL, 'L'},
		{"test-pattern", required_argument, NULL, 't'},
		{"bridge", no_argument, NULL, 'B'},
		{"timeout", required_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long v;
	int c;

	*o = (struct options){
		.baud = BAUD_BASE,
		.line = "8N1",
		.lcr = UART_LCR_WLEN8,
		.irq = IRQ_INTX,
		.rx_trigger = 8,
		.timeout_ms = 5000,
	};
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint(optarg, PCI_STD_NUM_BARS - 1, &v))
				goto bad;
			o->port = (unsigned int)v;
			break;
		case 'b':
			if (parse_uint(optarg, BAUD_BASE, &v) || !v)
				goto bad;
			o->baud = (unsigned int)v;
			break;
		case 'l':
			if (parse_line(optarg, &o->lcr))
				goto bad;
			o->line = optarg;
			break;
		case 'i':
			if (!strcmp(optarg, "intx"))
				o->irq = IRQ_INTX;
			else if (!strcmp(optarg, "msi"))
				o->irq = IRQ_MSI;
			else if (!strcmp(optarg, "none"))
				o->irq = IRQ_NONE;
			else
				goto bad;
			break;
		case 'r':
			if (parse_uint(optarg, 14, &v) || (v != 1 && v != 4 && v != 8 && v != 14))
				goto bad;
			o->rx_trigger = (unsigned int)v;
			break;
		case 'L':
			o->loopback = true;
			break;
		case 't':
			if (parse_uint(optarg, SIZE_MAX / 2, &v) || !v)
				goto bad;
			o->pattern_len = v;
			break;
		case 'B':
			o->bridge = true;
			break;
		case 'T':
			if (parse_uint(optarg, 3600000, &v) || !v)
				goto bad;
			o->timeout_ms = (int)v;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || (o->bridge == (o->pattern_len != 0))) {
		fprintf(stderr,
			"uvfio-serial: need one DEVICE and one of --test-pattern, --bridge\n");
		goto usage;
	}
	o->where = argv[optind];
	return 0;
bad:
	fprintf(stderr, "uvfio-serial: bad value '%s'\n", optarg);
usage:
	usage(stderr);
	return -EINVAL;
}

/*
 * Transmit queue.
 */
static size_t txq_room(const struct serial *s)
{
	return TXQ_SIZE - s->tx_len;
}

static void txq_put(struct serial *s, uint8_t b)
{
	s->txq[(s->tx_head + s->tx_len) % TXQ_SIZE] = b;
	s->tx_len++;
}

static uint8_t txq_get(struct serial *s)
{
	uint8_t b = s->txq[s->tx_head];

	s->tx_head = (s->tx_head + 1) % TXQ_SIZE;
	s->tx_len--;
	return b;
}

static void set_ier(struct serial *s, uint8_t ier)
{
	if (ier == s->ier)
		return;
	s->ier = ier;
	reg_write(s, UART_IER, ier);
}

/* Queue more of the test pattern, and ask for THRE interrupts when there is data. */
static void refill(struct serial *s)
{
	while (s->pattern_sent < s->o->pattern_len && txq_room(s)) {
		txq_put(s, pattern_byte(s, s->pattern_sent));
		s->pattern_sent++;
	}
	if (s->tx_len)
		set_ier(s, s->ier | UART_IER_THRI);
}

static void deliver(struct serial *s, uint8_t b)
{
	s->rx_bytes++;
	if (s->o->bridge) {
		/* stdout is blocking: a short write only on error. */
		if (write(STDOUT_FILENO, &b, 1) != 1)
			s->io_error = true;
		return;
	}
	if (s->mismatch)
		return;
	if (s->pattern_rcvd >= s->o->pattern_len || b != pattern_byte(s, s->pattern_rcvd)) {
		s->mismatch = true;
		s->mismatch_at = s->pattern_rcvd;
		s->mismatch_want =
			s->pattern_rcvd < s->o->pattern_len ? pattern_byte(s, s->pattern_rcvd) : 0;
		s->mismatch_got = b;
		return;
	}
	s->pattern_rcvd++;
}

/* Read every byte the receiver holds (16550D "FIFO Polled Mode Operation"). */
static void rx_drain(struct serial *s)
{
	for (unsigned int n = 0; n < 4 * FIFO_SIZE; n++) {
		uint8_t lsr = reg_read(s, UART_LSR);

		/* All ones is what a failed read returns (a master abort), as 8250 assumes. */
		if (lsr == 0xff) {
			s->io_error = true;
			return;
		}
		s->lsr_errors |= lsr & UART_LSR_BRK_ERROR_BITS;
		if (!(lsr & UART_LSR_DR) || s->io_error)
			return;
		deliver(s, reg_read(s, UART_RX));
	}
}

/*
 * THR is empty: give it up to a FIFO's worth.  In loopback every byte lands in
 * our own receive FIFO, so empty that first: the two FIFOs are the same size.
 */
static void tx_fill(struct serial *s)
{
	rx_drain(s);
	if (!s->tx_len) {
		/* Nothing to send: stop THRE interrupts (Linux 8250: __stop_tx). */
		set_ier(s, s->ier & ~UART_IER_THRI);
		return;
	}
	for (unsigned int n = 0; n < s->fifo_size && s->tx_len; n++) {
		reg_write(s, UART_TX, txq_get(s));
		s->tx_bytes++;
	}
	refill(s);
}

/*
 * One service pass: read IIR and handle its source until it says no
 * interrupt is pending (16550D Table IV), as serial8250_handle_irq does.
 */
static void service(struct serial *s)
{
	for (unsigned int n = 0; n < MAX_SERVICE_LOOPS && !s->io_error; n++) {
		uint8_t iir = reg_read(s, UART_IIR);

		/* Bits 4-5 always read 0: all ones is a failed read, not a UART. */
		if (iir == 0xff) {
			s->io_error = true;
			return;
		}
		if (iir & UART_IIR_NO_INT)
			break;
		switch (iir & UART_IIR_ID) {
		case UART_IIR_RLSI:
		case UART_IIR_RDI:
		case UART_IIR_RX_TIMEOUT:
			rx_drain(s);
			break;
		case UART_IIR_THRI:
			tx_fill(s);
			break;
		case UART_IIR_MSI:
			reg_read(s, UART_MSR);
			break;
		default:
			/* Not a 16550 ID: read LSR and data, which clears most sources. */
			rx_drain(s);
			break;
		}
	}
	/* Without THRE interrupts pending, new data still needs a kick. */
	if (s->tx_len && !(s->ier & UART_IER_THRI))
		set_ier(s, s->ier | UART_IER_THRI);
}

/* Poll mode: what an interrupt would have told us, from LSR. */
static void poll_once(struct serial *s)
{
	uint8_t lsr;

	rx_drain(s);
	lsr = reg_read(s, UART_LSR);
	if ((lsr & UART_LSR_THRE) && s->tx_len)
		tx_fill(s);
}

static void restore_tty(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

static void raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	t = saved_tty;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		tty_raw = true;
		atexit(restore_tty);
	}
}

static void read_stdin(struct serial *s)
{
	uint8_t buf[FIFO_SIZE * 16];
	size_t want = txq_room(s) < sizeof(buf) ? txq_room(s) : sizeof(buf);
	ssize_t n;

	if (!want)
		return;
	n = read(STDIN_FILENO, buf, want);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		s->stdin_eof = true;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (tty_raw && buf[i] == ESCAPE_CHAR) {
			s->escape = true;
			return;
		}
		txq_put(s, buf[i]);
	}
	if (s->tx_len)
		set_ier(s, s->ier | UART_IER_THRI);
}

static bool finished(struct serial *s)
{
	if (s->io_error || s->mismatch || s->escape || stop_signal)
		return true;
	if (s->o->bridge)
		return s->stdin_eof && !s->tx_len && (reg_read(s, UART_LSR) & UART_LSR_TEMT);
	return s->pattern_rcvd == s->o->pattern_len;
}

static int run(struct serial *s)
{
	int64_t last_progress = now_ms();
	unsigned long last_rx = 0;
	unsigned long last_tx = 0;
	int dev_fd = uvfio_device_poll_fd(s->d);

	/* Anything that arrived before interrupts were on. */
	service(s);
	if (s->o->bridge) {
		fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
		raw_tty();
	} else {
		/* Queue the pattern and enable THRI: the THRE interrupt starts it. */
		refill(s);
	}

	while (!finished(s)) {
		struct pollfd pfd[3];
		nfds_t n = 0;
		int idx_irq = -1;
		int idx_dev = -1;
		int idx_in = -1;
		int64_t t = now_ms();
		int wait;
		int ret;

		if (s->rx_bytes != last_rx || s->tx_bytes != last_tx) {
			last_rx = s->rx_bytes;
			last_tx = s->tx_bytes;
			last_progress = t;
		}
		/* A bridge waits on its user as long as it likes. */
		if (!(s->o->bridge && !s->tx_len) && t - last_progress > s->o->timeout_ms) {
			fprintf(stderr,
				"uvfio-serial: timed out: nothing moved for %d ms "
				"(sent %lu, received %lu, %lu interrupts)\n",
				s->o->timeout_ms, s->tx_bytes, s->rx_bytes, s->irqs);
			return 1;
		}
		if (s->irq_on) {
			idx_irq = (int)n;
			pfd[n++] = (struct pollfd){.fd = s->efd, .events = POLLIN};
		}
		if (dev_fd >= 0) {
			idx_dev = (int)n;
			pfd[n++] = (struct pollfd){.fd = dev_fd, .events = POLLIN};
		}
		if (s->o->bridge && !s->stdin_eof && txq_room(s)) {
			idx_in = (int)n;
			pfd[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		}
		wait = s->irq_on ? 100 : 1;
		ret = poll(pfd, n, wait);
		if (ret < 0 && errno != EINTR) {
			perror("uvfio-serial: poll");
			return 1;
		}
		if (ret <= 0) {
			if (!s->irq_on)
				poll_once(s);
			continue;
		}
		/* A server request, or the server gone (process then fails). */
		if (idx_dev >= 0 && (pfd[idx_dev].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    uvfio_device_process(s->d) < 0) {
			s->io_error = true;
			break;
		}
		if (idx_in >= 0 && (pfd[idx_in].revents & (POLLIN | POLLHUP | POLLERR)))
			read_stdin(s);
		if (idx_irq >= 0 && (pfd[idx_irq].revents & POLLIN)) {
			uint64_t cnt;

			if (read(s->efd, &cnt, sizeof(cnt)) == (ssize_t)sizeof(cnt))
				s->irqs += cnt;
			service(s);
			/* INTx masked itself when it fired (linux-vfio.md §4.1): re-arm. */
			if (s->o->irq == IRQ_INTX)
				uvfio_irq_unmask(s->d, VFIO_PCI_INTX_IRQ_INDEX, 0);
		} else if (!s->irq_on) {
			poll_once(s);
		}
	}
	if (s->o->bridge)
		rx_drain(s);
	return 0;
}

static int check_device(struct serial *s)
{
	struct uvfio_region_info ri;
	uint32_t class_rev;
	uint32_t bar;
	int ret;

	ret = uvfio_config_read32(s->d, PCI_CLASS_REVISION, &class_rev);
	if (ret) {
		fprintf(stderr, "uvfio-serial: cannot read config space: %s\n", strerror(-ret));
		return ret;
	}
	/* PCI_CLASS_REVISION: class code in bits 31:8, base and sub class in 31:16. */
	if ((class_rev >> 16) != PCI_CLASS_SERIAL) {
		fprintf(stderr, "uvfio-serial: %s is not a serial controller (class %06x)\n",
			s->o->where, class_rev >> 8);
		return -ENODEV;
	}
	ret = uvfio_region_get_info(s->d, VFIO_PCI_BAR0_REGION_INDEX + s->bar, &ri);
	if (ret || ri.size < 8 ||
	    (ri.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) !=
		    (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) {
		fprintf(stderr, "uvfio-serial: %s has no port %u (BAR%u: %s)\n", s->o->where,
			s->bar, s->bar, ret ? strerror(-ret) : "too small or not read-write");
		return -ENODEV;
	}
	if (uvfio_config_read32(s->d, PCI_BASE_ADDRESS_0 + 4 * s->bar, &bar) == 0 &&
	    !(bar & PCI_BASE_ADDRESS_SPACE_IO) && s->o->verbose)
		fprintf(stderr, "uvfio-serial: note: BAR%u is a memory BAR\n", s->bar);
	return 0;
}

/* Linux 8250 autoconfig: scratch register, then FIFO bits of IIR. */
static int probe_uart(struct serial *s)
{
	uint8_t iir;

	reg_write(s, UART_LCR, 0);
	reg_write(s, UART_IER, 0);
	s->ier = 0;
	reg_write(s, UART_SCR, 0xa5);
	if (reg_read(s, UART_SCR) != 0xa5) {
		fprintf(stderr, "uvfio-serial: no UART at BAR%u (scratch register)\n", s->bar);
		return -ENODEV;
	}
	reg_write(s, UART_SCR, 0x5a);
	if (reg_read(s, UART_SCR) != 0x5a) {
		fprintf(stderr, "uvfio-serial: no UART at BAR%u (scratch register)\n", s->bar);
		return -ENODEV;
	}
	reg_write(s, UART_FCR, UART_FCR_ENABLE_FIFO);
	iir = reg_read(s, UART_IIR);
	s->fifo_size = (iir & IIR_FIFO_BITS) == IIR_FIFO_BITS ? FIFO_SIZE : 1;
	if (s->o->verbose)
		fprintf(stderr, "uvfio-serial: %s at %s BAR%u\n",
			s->fifo_size > 1 ? "16550A" : "16450 (no FIFO)", s->o->where, s->bar);
	return s->io_error ? -EIO : 0;
}

static void program_uart(struct serial *s)
{
	static const uint8_t trig[] = {[1] = UART_FCR_TRIGGER_1,
				       [4] = UART_FCR_TRIGGER_4,
				       [8] = UART_FCR_TRIGGER_8,
				       [14] = UART_FCR_TRIGGER_14};
	unsigned int div = BAUD_BASE / s->o->baud;
	uint8_t mcr = UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2;

	if (s->o->verbose && BAUD_BASE % s->o->baud)
		fprintf(stderr, "uvfio-serial: %u baud is not exact: divisor %u gives %u\n",
			s->o->baud, div, BAUD_BASE / div);
	/* 16550D "Line Control Register" bit 7: DLAB exposes the divisor latch. */
	reg_write(s, UART_LCR, UART_LCR_DLAB);
	reg_write(s, UART_DLL, (uint8_t)(div & 0xff));
	reg_write(s, UART_DLM, (uint8_t)(div >> 8));
	reg_write(s, UART_LCR, s->o->lcr);
	s->word_mask = (uint8_t)(0xffu >> (3 - (s->o->lcr & UART_LCR_WLEN8)));
	reg_write(s, UART_FCR,
		  s->fifo_size > 1 ? UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR |
					     UART_FCR_CLEAR_XMIT | trig[s->o->rx_trigger]
				   : 0);
	if (s->o->loopback)
		mcr |= UART_MCR_LOOP;
	/* OUT2 gates the interrupt output on PC cards (Linux 8250 sets it too). */
	reg_write(s, UART_MCR, mcr);
	/* Clear what is pending: LSR errors, stale data, IIR, MSR deltas. */
	reg_read(s, UART_LSR);
	for (unsigned int n = 0; n < FIFO_SIZE && (reg_read(s, UART_LSR) & UART_LSR_DR); n++)
		reg_read(s, UART_RX);
	reg_read(s, UART_IIR);
	reg_read(s, UART_MSR);
}

static int setup_irq(struct serial *s)
{
	struct uvfio_irq_info info;
	int ret;

	if (s->o->irq == IRQ_NONE)
		return 0;
	ret = uvfio_irq_get_info(s->d, (uint32_t)s->o->irq, &info);
	if (ret || !info.count) {
		fprintf(stderr, "uvfio-serial: the device has no %s interrupt\n",
			s->o->irq == IRQ_MSI ? "MSI" : "INTx");
		return ret ? ret : -ENODEV;
	}
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0)
		return -errno;
	ret = uvfio_irq_enable(s->d, (uint32_t)s->o->irq, 0, 1, &s->efd);
	if (ret) {
		fprintf(stderr, "uvfio-serial: cannot enable %s: %s\n",
			s->o->irq == IRQ_MSI ? "MSI" : "INTx", strerror(-ret));
		return ret;
	}
	if (s->o->irq == IRQ_MSI) {
		/*
		 * The MSI Enable bit, as a guest OS would write it; vfio-pci
		 * virtualises it, a vfio-user server may look at it.
		 */
		int cap = uvfio_config_find_cap(s->d, PCI_CAP_ID_MSI);
		uint16_t flags;

		if (cap > 0 &&
		    uvfio_config_read16(s->d, (unsigned int)cap + PCI_MSI_FLAGS, &flags) == 0 &&
		    !(flags & PCI_MSI_FLAGS_ENABLE))
			uvfio_config_write16(s->d, (unsigned int)cap + PCI_MSI_FLAGS,
					     flags | PCI_MSI_FLAGS_ENABLE);
	}
	s->irq_on = true;
	if (s->o->verbose)
		fprintf(stderr, "uvfio-serial: %s interrupts on\n",
			s->o->irq == IRQ_MSI ? "MSI" : "INTx");
	return 0;
}

static void shutdown_uart(struct serial *s)
{
	if (!s->d)
		return;
	/* Linux 8250 serial8250_do_shutdown: interrupts off, OUT2 off, FIFOs cleared. */
	reg_write(s, UART_IER, 0);
	reg_write(s, UART_MCR, 0);
	reg_write(s, UART_FCR,
		  s->fifo_size > 1
			  ? UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT
			  : 0);
	if (s->irq_on)
		uvfio_irq_disable(s->d, (uint32_t)s->o->irq);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct options o;
	struct serial *s;
	int status = 1;
	int ret;

	if (parse_options(argc, argv, &o))
		return 2;
	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	s->o = &o;
	s->bar = o.port;
	s->efd = -1;
	s->word_mask = 0xff;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = uvfio_container_create(&s->c);
	if (ret) {
		fprintf(stderr, "uvfio-serial: %s\n", strerror(-ret));
		goto out;
	}
	ret = uvfio_device_open(s->c, o.where, &s->d);
	if (ret) {
		const char *why = uvfio_last_error();

		fprintf(stderr, "uvfio-serial: cannot open %s: %s\n", o.where,
			why && *why ? why : strerror(-ret));
		s->d = NULL;
		goto out;
	}
	if (check_device(s))
		goto out;
	ret = uvfio_device_enable(s->d);
	if (ret) {
		fprintf(stderr, "uvfio-serial: cannot enable the device: %s\n", strerror(-ret));
		goto out;
	}
	if (probe_uart(s))
		goto out;
	program_uart(s);
	if (setup_irq(s))
		goto out_shutdown;
	/* 16550D "Interrupt Enable Register": data, line status; THRE while sending. */
	set_ier(s, UART_IER_RDI | UART_IER_RLSI);
	if (o.verbose)
		fprintf(stderr, "uvfio-serial: %u baud %s%s\n", o.baud, o.line,
			o.loopback ? ", loopback" : "");

	status = run(s);
	restore_tty();
	if (s->io_error) {
		fprintf(stderr, "uvfio-serial: device access failed: %s\n",
			*uvfio_last_error() ? uvfio_last_error() : "I/O error");
		status = 1;
	} else if (s->mismatch) {
		fprintf(stderr,
			"uvfio-serial: mismatch at byte %zu of %zu: sent 0x%02x, received 0x%02x\n",
			s->mismatch_at, o.pattern_len, s->mismatch_want, s->mismatch_got);
		status = 1;
	} else if (s->lsr_errors & UART_LSR_BRK_ERROR_BITS) {
		fprintf(stderr, "uvfio-serial: line errors:%s%s%s%s\n",
			s->lsr_errors & UART_LSR_OE ? " overrun" : "",
			s->lsr_errors & UART_LSR_PE ? " parity" : "",
			s->lsr_errors & UART_LSR_FE ? " framing" : "",
			s->lsr_errors & UART_LSR_BI ? " break" : "");
		status = 1;
	} else if (stop_signal) {
		status = 128 + stop_signal;
	} else if (status == 0 && o.pattern_len) {
		printf("test pattern: %zu bytes OK, %lu interrupts\n", o.pattern_len, s->irqs);
	}
	if (o.verbose)
		fprintf(stderr, "uvfio-serial: sent %lu, received %lu, %lu interrupts\n",
			s->tx_bytes, s->rx_bytes, s->irqs);
out_shutdown:
	shutdown_uart(s);
out:
	if (s->d)
		uvfio_device_close(s->d);
	if (s->c)
		uvfio_container_destroy(s->c);
	if (s->efd >= 0)
		close(s->efd);
	free(s);
	return status;
}
