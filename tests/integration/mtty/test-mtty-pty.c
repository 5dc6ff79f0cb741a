// SPDX-License-Identifier: MIT
/*
 * test-mtty-pty - the mtty ports' host side: bytes typed into a port's pty
 * reach the driver (the test's own, and uvfio-serial --bridge), bytes the
 * driver transmits come out of the pty, the receive FIFO never overruns
 * (the pty is read only while it has room), loopback cuts the pty off, and
 * uvfio-serial --test-pattern passes through an echo on the pty's far side.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <linux/serial_reg.h>

#include "test.h"
#include "rig.h"

#define WAIT_MS 5000

static int setup_n(void **state, unsigned int nr_ports, bool open_driver)
{
	static struct rig r;

	if (rig_start(&r, nr_ports, open_driver))
		return -1;
	*state = &r;
	return 0;
}

static int setup1(void **state)
{
	return setup_n(state, 1, true);
}

static int setup2(void **state)
{
	return setup_n(state, 2, true);
}

/* For uvfio-serial: the device is free for another client. */
static int setup1_free(void **state)
{
	return setup_n(state, 1, false);
}

static int setup2_free(void **state)
{
	return setup_n(state, 2, false);
}

static int teardown(void **state)
{
	rig_stop(*state);
	return 0;
}

/* 8N1, FIFOs on, DTR|RTS|OUT2, no loopback: the line is the pty. */
static void line_setup(struct rig *r, unsigned int port)
{
	rig_wr(r, port, UART_LCR, UART_LCR_DLAB);
	rig_wr(r, port, UART_DLL, 1);
	rig_wr(r, port, UART_DLM, 0);
	rig_wr(r, port, UART_LCR, UART_LCR_WLEN8);
	rig_wr(r, port, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	rig_wr(r, port, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	rig_rd(r, port, UART_LSR);
	rig_rd(r, port, UART_MSR);
}

/* Poll LSR.DR and read up to @len bytes within @timeout_ms; OE fails the test. */
static size_t uart_read(struct rig *r, unsigned int port, uint8_t *buf, size_t len, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len && now_ms() < end) {
		uint8_t lsr = rig_rd(r, port, UART_LSR);

		assert_false(lsr & UART_LSR_OE);
		if (lsr & UART_LSR_DR)
			buf[got++] = rig_rd(r, port, UART_RX);
		else
			sleep_ms(1);
	}
	return got;
}

static void uart_write(struct rig *r, unsigned int port, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i < len; i++) {
		int64_t end = now_ms() + WAIT_MS;

		while (!(rig_rd(r, port, UART_LSR) & UART_LSR_THRE)) {
			assert_true(now_ms() < end);
			sleep_ms(1);
		}
		rig_wr(r, port, UART_TX, b[i]);
	}
}

static void test_pty_to_driver(void **state)
{
	struct rig *r = *state;
	uint8_t buf[16] = {0};
	int fd;

	line_setup(r, 0);
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	assert_int_equal(fd_write_all(fd, "hello", 5, WAIT_MS), 5);
	assert_int_equal(uart_read(r, 0, buf, 5, WAIT_MS), 5);
	assert_memory_equal(buf, "hello", 5);
	close(fd);
}

static void test_driver_to_pty(void **state)
{
	struct rig *r = *state;
	char buf[16] = {0};
	int fd;

	line_setup(r, 0);
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	uart_write(r, 0, "world\r\n", 7);
	assert_int_equal(fd_read_exact(fd, buf, 7, WAIT_MS), 7);
	/* Raw: no CR/LF translation either way. */
	assert_memory_equal(buf, "world\r\n", 7);
	close(fd);
}

static void test_all_byte_values(void **state)
{
	struct rig *r = *state;
	uint8_t out[256];
	uint8_t in[256];
	int fd;

	for (int i = 0; i < 256; i++)
		out[i] = (uint8_t)i;
	line_setup(r, 0);
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	uart_write(r, 0, out, sizeof(out));
	assert_int_equal(fd_read_exact(fd, in, sizeof(in), WAIT_MS), sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(fd_write_all(fd, out, sizeof(out), WAIT_MS), sizeof(out));
	assert_int_equal(uart_read(r, 0, in, sizeof(in), WAIT_MS), sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	close(fd);
}

static void test_rx_flow_control(void **state)
{
	struct rig *r = *state;
	uint8_t out[600];
	uint8_t in[600];
	int fd;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7);
	line_setup(r, 0);
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	/* Far more than the 16-byte FIFO, all at once... */
	assert_int_equal(fd_write_all(fd, out, sizeof(out), WAIT_MS), sizeof(out));
	sleep_ms(100);
	/* ...yet no overrun (uart_read checks OE) and nothing lost. */
	assert_int_equal(uart_read(r, 0, in, sizeof(in), WAIT_MS), sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	close(fd);
}

static void test_rx_flow_control_16450(void **state)
{
	struct rig *r = *state;
	uint8_t in[40];
	int fd;

	line_setup(r, 0);
	rig_wr(r, 0, UART_FCR, 0); /* one-byte RBR */
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	assert_int_equal(fd_write_all(fd, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40, WAIT_MS),
			 40);
	sleep_ms(50);
	assert_int_equal(uart_read(r, 0, in, sizeof(in), WAIT_MS), sizeof(in));
	assert_memory_equal(in, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40);
	close(fd);
}

/*
 * Nobody reads the pty: once its buffers are full the transmit FIFO keeps
 * what the pty refuses and THRE stays clear; when a reader drains the pty,
 * every byte comes out, in order.
 */
static void test_tx_backpressure(void **state)
{
	struct rig *r = *state;
	size_t sent = 0;
	size_t got = 0;
	uint8_t buf[4096];
	int fd;

	line_setup(r, 0);
	/* THRE set: the FIFO takes 16 bytes at once, as a driver fills it. */
	while (sent < (1u << 20)) {
		int64_t end = now_ms() + 200;

		while (!(rig_rd(r, 0, UART_LSR) & UART_LSR_THRE) && now_ms() < end)
			sleep_ms(5);
		if (!(rig_rd(r, 0, UART_LSR) & UART_LSR_THRE))
			break;
		for (int i = 0; i < 16; i++, sent++)
			rig_wr(r, 0, UART_TX, (uint8_t)(sent % 251));
	}
	/* The pty holds some tens of KiB, not a MiB. */
	print_message("pty took %zu bytes before THRE stayed clear\n", sent);
	assert_true(sent < (1u << 20));
	assert_false(rig_rd(r, 0, UART_LSR) & UART_LSR_TEMT);

	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	while (got < sent) {
		size_t want = sent - got < sizeof(buf) ? sent - got : sizeof(buf);
		size_t n = fd_read_exact(fd, buf, want, WAIT_MS);

		assert_true(n > 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(buf[i], (got + i) % 251);
		got += n;
	}
	assert_int_equal(got, sent);
	/* Drained: THRE and TEMT again, and nothing more in the pty. */
	assert_int_equal(rig_rd(r, 0, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT),
			 UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(fd_read_exact(fd, buf, 1, 100), 0);
	close(fd);
}

static void test_rx_interrupt_from_pty(void **state)
{
	struct rig *r = *state;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int fd;

	assert_true(efd >= 0);
	assert_int_equal(uvfio_irq_enable(r->d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &efd), 0);
	line_setup(r, 0);
	rig_wr(r, 0, UART_IER, UART_IER_RDI);
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	assert_int_equal(uvfio_irq_wait(r->d, efd, 300), -ETIMEDOUT);
	assert_int_equal(fd_write_all(fd, "k", 1, WAIT_MS), 1);
	assert_true(uvfio_irq_wait(r->d, efd, WAIT_MS) > 0);
	/* Below the trigger (1 byte, FIFO trigger 1: at it). */
	assert_int_equal(rig_rd(r, 0, UART_IIR), 0xc0 | UART_IIR_RDI);
	assert_int_equal(rig_rd(r, 0, UART_RX), 'k');
	close(fd);
	close(efd);
}

static void test_loopback_isolates_pty(void **state)
{
	struct rig *r = *state;
	uint8_t b = 0;
	char c;
	int fd;

	line_setup(r, 0);
	rig_wr(r, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	assert_int_equal(fd_write_all(fd, "a", 1, WAIT_MS), 1);
	rig_wr(r, 0, UART_TX, 'b');
	assert_int_equal(uart_read(r, 0, &b, 1, WAIT_MS), 1);
	assert_int_equal(b, 'b');
	/* Nothing typed arrives and nothing sent leaves while in loopback. */
	assert_int_equal(uart_read(r, 0, &b, 1, 300), 0);
	assert_int_equal(fd_read_exact(fd, &c, 1, 200), 0);
	/* Out of loopback, the waiting byte comes in. */
	rig_wr(r, 0, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(uart_read(r, 0, &b, 1, WAIT_MS), 1);
	assert_int_equal(b, 'a');
	close(fd);
}

static void test_two_ptys(void **state)
{
	struct rig *r = *state;
	uint8_t b = 0;
	char c = 0;
	int fd0;
	int fd1;

	line_setup(r, 0);
	line_setup(r, 1);
	fd0 = rig_open_pty(r, 0);
	fd1 = rig_open_pty(r, 1);
	assert_true(fd0 >= 0 && fd1 >= 0);
	assert_int_equal(fd_write_all(fd1, "1", 1, WAIT_MS), 1);
	assert_int_equal(uart_read(r, 1, &b, 1, WAIT_MS), 1);
	assert_int_equal(b, '1');
	assert_int_equal(uart_read(r, 0, &b, 1, 200), 0);
	uart_write(r, 0, "0", 1);
	assert_int_equal(fd_read_exact(fd0, &c, 1, WAIT_MS), 1);
	assert_int_equal(c, '0');
	assert_int_equal(fd_read_exact(fd1, &c, 1, 200), 0);
	close(fd0);
	close(fd1);
}

static void test_reopen_pty(void **state)
{
	struct rig *r = *state;
	uint8_t b = 0;
	int fd;

	line_setup(r, 0);
	/* A terminal program comes and goes: the port keeps working. */
	for (int i = 0; i < 3; i++) {
		fd = rig_open_pty(r, 0);
		assert_true(fd >= 0);
		assert_int_equal(fd_write_all(fd, "r", 1, WAIT_MS), 1);
		assert_int_equal(uart_read(r, 0, &b, 1, WAIT_MS), 1);
		assert_int_equal(b, 'r');
		close(fd);
		sleep_ms(20);
	}
}

/*
 * The far end of the line: a thread echoing what it reads from a pty,
 * XORing each byte with @flip.
 */
struct echo {
	pthread_t thread;
	int fd;
	uint8_t flip;
	atomic_bool stop;
	size_t bytes;
};

static void *echo_thread(void *arg)
{
	struct echo *e = arg;
	uint8_t buf[256];

	while (!atomic_load(&e->stop)) {
		struct pollfd pfd = {.fd = e->fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = read(e->fd, buf, sizeof(buf));
		if (n <= 0)
			continue;
		for (ssize_t i = 0; i < n; i++)
			buf[i] ^= e->flip;
		e->bytes += fd_write_all(e->fd, buf, (size_t)n, WAIT_MS);
	}
	return NULL;
}

static void echo_start(struct echo *e, struct rig *r, unsigned int port, uint8_t flip)
{
	e->fd = rig_open_pty(r, port);
	assert_true(e->fd >= 0);
	e->flip = flip;
	atomic_store(&e->stop, false);
	e->bytes = 0;
	assert_int_equal(pthread_create(&e->thread, NULL, echo_thread, e), 0);
}

static void echo_stop(struct echo *e)
{
	atomic_store(&e->stop, true);
	pthread_join(e->thread, NULL);
	close(e->fd);
}

static void test_serial_pattern_through_echo(void **state)
{
	struct rig *r = *state;
	const char *args[] = {"--test-pattern", "3000", r->where, NULL};
	char out[512];
	char err[2048];
	struct echo e;
	int st;

	echo_start(&e, r, 0, 0);
	st = run_serial(args, out, sizeof(out), err, sizeof(err), 60000);
	echo_stop(&e);
	if (st)
		print_message("uvfio-serial: %s%s", out, err);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "3000 bytes OK"));
	assert_int_equal(e.bytes, 3000);
}

static void test_serial_pattern_msi_port1(void **state)
{
	struct rig *r = *state;
	const char *args[] = {"--port",		"1",	"--irq",  "msi",
			      "--test-pattern", "1000", r->where, NULL};
	char out[512];
	char err[2048];
	struct echo e;
	int st;

	echo_start(&e, r, 1, 0);
	st = run_serial(args, out, sizeof(out), err, sizeof(err), 60000);
	echo_stop(&e);
	if (st)
		print_message("uvfio-serial: %s%s", out, err);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "1000 bytes OK"));
}

static void test_serial_pattern_mismatch(void **state)
{
	struct rig *r = *state;
	const char *args[] = {"--test-pattern", "100", r->where, NULL};
	char out[512];
	char err[2048];
	struct echo e;
	int st;

	/* A line that flips bit 0 of every byte. */
	echo_start(&e, r, 0, 0x01);
	st = run_serial(args, out, sizeof(out), err, sizeof(err), 60000);
	echo_stop(&e);
	assert_int_not_equal(st, 0);
	assert_non_null(strstr(err, "mismatch at byte 0"));
}

static void test_serial_pattern_no_echo_times_out(void **state)
{
	struct rig *r = *state;
	const char *args[] = {"--timeout", "500", "--test-pattern", "10", r->where, NULL};
	char out[512];
	char err[2048];
	int st;

	/* Nobody on the far end: the bytes go out, nothing comes back. */
	st = run_serial(args, out, sizeof(out), err, sizeof(err), 30000);
	assert_int_equal(st, 1);
	assert_non_null(strstr(err, "timed out"));
}

static void test_serial_bridge(void **state)
{
	struct rig *r = *state;
	char *argv[] = {(char *)UVFIO_SERIAL_PATH, (char *)"--bridge", r->where, NULL};
	struct child ch;
	char buf[64] = {0};
	char out[256];
	char err[2048];
	int fd;
	int st;

	fd = rig_open_pty(r, 0);
	assert_true(fd >= 0);
	assert_int_equal(child_spawn(&ch, argv), 0);
	/* Typed into the pty: out of uvfio-serial's stdout. */
	sleep_ms(300); /* let it set the UART up; earlier bytes would wait in the pty anyway */
	assert_int_equal(fd_write_all(fd, "ping", 4, WAIT_MS), 4);
	assert_int_equal(fd_read_exact(ch.out, buf, 4, WAIT_MS), 4);
	assert_memory_equal(buf, "ping", 4);
	/* Into its stdin: out of the pty. */
	assert_int_equal(fd_write_all(ch.in, "pong\n", 5, WAIT_MS), 5);
	assert_int_equal(fd_read_exact(fd, buf, 5, WAIT_MS), 5);
	assert_memory_equal(buf, "pong\n", 5);
	/* EOF on stdin ends it, cleanly. */
	st = child_finish(&ch, out, sizeof(out), err, sizeof(err), WAIT_MS);
	if (st)
		print_message("uvfio-serial: %s%s", out, err);
	assert_int_equal(st, 0);
	close(fd);
}

static void test_serial_bridge_device_gone(void **state)
{
	struct rig *r = *state;
	char *argv[] = {(char *)UVFIO_SERIAL_PATH, (char *)"--bridge", r->where, NULL};
	struct pollfd pfd;
	struct child ch;
	char out[256];
	char err[2048];
	int st;

	assert_int_equal(child_spawn(&ch, argv), 0);
	sleep_ms(300);
	/* The server goes away under an idle bridge (stdin still open). */
	rig_stop(r);
	pfd = (struct pollfd){.fd = ch.err, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	st = child_finish(&ch, out, sizeof(out), err, sizeof(err), WAIT_MS);
	assert_int_equal(st, 1);
	assert_non_null(strstr(err, "device access failed"));
}

#define T1(f) cmocka_unit_test_setup_teardown(f, setup1, teardown)
#define T2(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)
#define F1(f) cmocka_unit_test_setup_teardown(f, setup1_free, teardown)
#define F2(f) cmocka_unit_test_setup_teardown(f, setup2_free, teardown)

static const struct CMUnitTest tests[] = {
	T1(test_pty_to_driver),
	T1(test_driver_to_pty),
	T1(test_all_byte_values),
	T1(test_rx_flow_control),
	T1(test_rx_flow_control_16450),
	T1(test_tx_backpressure),
	T1(test_rx_interrupt_from_pty),
	T1(test_loopback_isolates_pty),
	T2(test_two_ptys),
	T1(test_reopen_pty),
	F1(test_serial_pattern_through_echo),
	F2(test_serial_pattern_msi_port1),
	F1(test_serial_pattern_mismatch),
	F1(test_serial_pattern_no_echo_times_out),
	F1(test_serial_bridge),
	F1(test_serial_bridge_device_gone),
};

UVFIO_TEST_MAIN(tests)
