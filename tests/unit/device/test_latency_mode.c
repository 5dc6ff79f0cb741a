// SPDX-License-Identifier: MIT
/*
 * Latency mode (device.h: uvfio_dev_set_poll_us): the device thread
 * busy-polls after each message.  Functional checks only - that messages,
 * fd watches, refused connections, disconnects and uvfio_dev_stop() are all
 * still served while it polls and after it has gone back to sleeping.  How
 * much it saves is measured by bench/, not asserted here.  Also the
 * receive primitive of the loop's message path, uvfio_msg_try_recv().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX

/* Longer than the budget: the thread has gone back to a blocking wait. */
#define PAST_BUDGET_US (3 * UVFIO_DEV_POLL_US_MAX)
/* Liveness bound for a join, far above any expected time (not a benchmark). */
#define JOIN_LIMIT_S 10

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

static void join_or_fail(pthread_t th)
{
	struct timespec limit;

	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += JOIN_LIMIT_S;
	assert_int_equal(pthread_timedjoin_np(th, NULL, &limit), 0);
}

static void test_set_poll_us_args(void **state)
{
	struct model m;

	(void)state;
	model_create(&m, 0);
	assert_int_equal(uvfio_dev_set_poll_us(NULL, 10), -EINVAL);
	assert_int_equal(uvfio_dev_set_poll_us(m.dev, UVFIO_DEV_POLL_US_MAX + 1), -EINVAL);
	assert_int_equal(uvfio_dev_set_poll_us(m.dev, UVFIO_DEV_POLL_US_MAX), 0);
	assert_int_equal(uvfio_dev_set_poll_us(m.dev, 0), 0);
	model_destroy(&m);
}

/* Reads and writes, back to back (inside the budget) and spaced (past it). */
static void serve_some(int sock)
{
	uint32_t i;

	for (i = 0; i < 200; i++) {
		cl_write32(sock, BAR0, M_SCRATCH, i * 7u);
		assert_int_equal(cl_read32(sock, BAR0, M_SCRATCH), i * 7u);
	}
	for (i = 0; i < 5; i++) {
		sleep_us(PAST_BUDGET_US);
		cl_write32(sock, BAR0, M_SCRATCH + 4, 0xa5a50000u + i);
		sleep_us(PAST_BUDGET_US / 10);
		assert_int_equal(cl_read32(sock, BAR0, M_SCRATCH + 4), 0xa5a50000u + i);
	}
}

static void test_serves_with_polling(void **state)
{
	struct srv s;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_poll_us(s.m.dev, UVFIO_DEV_POLL_US_MAX), 0);
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, QEMU_JSON), 0);
	cl_enable(s.sock, 0);
	serve_some(s.sock);
	/* A disconnect while the thread polls ends serve_conn(). */
	cl_write32(s.sock, BAR0, M_SCRATCH, 1);
	close(s.sock);
	s.sock = -1;
	join_or_fail(s.th);
	s.running = false;
	assert_int_equal(s.ret, 0);
	model_destroy(&s.m);
}

/* Pipelined: many commands in the socket at once, all answered in order. */
static void test_pipelined_with_polling(void **state)
{
	struct uvfio_msg_region_rw rw = {.offset = M_SCRATCH, .region = BAR0, .count = 4};
	uint8_t buf[64];
	struct srv s;
	uint16_t first;
	int i;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_poll_us(s.m.dev, 200), 0);
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, QEMU_JSON), 0);
	cl_enable(s.sock, 0);
	cl_write32(s.sock, BAR0, M_SCRATCH, 0x1234);
	first = cl_next_id();
	for (i = 1; i < 32; i++)
		cl_next_id();
	for (i = 0; i < 32; i++)
		assert_int_equal(cl_send(s.sock, (uint16_t)(first + i), UVFIO_CMD_REGION_READ,
					 UVFIO_MSG_TYPE_COMMAND, &rw, sizeof(rw), NULL, 0),
				 0);
	for (i = 0; i < 32; i++) {
		struct uvfio_msg m;
		uint32_t v;

		assert_int_equal(cl_recv(s.sock, &m, buf, sizeof(buf)), 0);
		assert_int_equal(m.hdr.msg_id, (uint16_t)(first + i));
		assert_int_equal(m.hdr.flags, UVFIO_MSG_TYPE_REPLY);
		assert_int_equal(m.len, sizeof(rw) + 4);
		memcpy(&v, buf + sizeof(rw), sizeof(v));
		assert_int_equal(v, 0x1234);
	}
	srv_stop(&s);
}

static void test_stop_while_polling(void **state)
{
	struct srv s;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_poll_us(s.m.dev, UVFIO_DEV_POLL_US_MAX), 0);
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, QEMU_JSON), 0);
	cl_enable(s.sock, 0);
	/* Stop right after a reply: the thread is inside its polling budget. */
	assert_int_equal(cl_read32(s.sock, BAR0, M_SCRATCH), 0);
	uvfio_dev_stop(s.m.dev);
	join_or_fail(s.th);
	s.running = false;
	assert_int_equal(s.ret, 0);
	close(s.sock);
	model_destroy(&s.m);
}

/* Fd watches are served while the thread polls (the whole epoll set is polled). */
struct watch_arg {
	int in;
	int out;
};

static void watch_cb(struct uvfio_dev *dev, void *arg, uint32_t revents)
{
	struct watch_arg *w = arg;
	uint64_t v;
	uint64_t one = 1;

	(void)dev;
	(void)revents;
	if (read(w->in, &v, sizeof(v)) == sizeof(v))
		assert_int_equal(write(w->out, &one, sizeof(one)), sizeof(one));
}

static void test_watch_while_polling(void **state)
{
	struct watch_arg w = {.in = efd_new(), .out = efd_new()};
	uint64_t one = 1;
	struct srv s;
	int i;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_poll_us(s.m.dev, UVFIO_DEV_POLL_US_MAX), 0);
	assert_int_equal(uvfio_dev_watch_fd(s.m.dev, w.in, EPOLLIN, watch_cb, &w), 0);
	srv_connect(&s);
	assert_int_equal(cl_version(s.sock, QEMU_JSON), 0);
	cl_enable(s.sock, 0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(cl_read32(s.sock, BAR0, M_SCRATCH), 0);
		assert_int_equal(write(w.in, &one, sizeof(one)), sizeof(one));
		assert_int_equal(efd_wait(w.out, 5000), 1);
	}
	srv_stop(&s);
	close(w.in);
	close(w.out);
}

/* uvfio_dev_run(): a second client is refused, and stop works, while polling. */
struct run_arg {
	struct uvfio_dev *dev;
	int lfd;
	int ret;
};

static void *run_thread(void *p)
{
	struct run_arg *a = p;

	a->ret = uvfio_dev_run(a->dev, a->lfd);
	return NULL;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void test_run_refuse_and_stop_while_polling(void **state)
{
	char dir[] = "/tmp/uvfio-latency-XXXXXX";
	char path[128];
	struct run_arg a = {.ret = 1};
	struct model m;
	pthread_t th;
	int c1;
	int c2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	model_create(&m, UVFIO_DEV_PCIE);
	assert_int_equal(uvfio_dev_set_poll_us(m.dev, UVFIO_DEV_POLL_US_MAX), 0);
	a.dev = m.dev;
	a.lfd = uvfio_dev_listen(path);
	assert_true(a.lfd >= 0);
	assert_int_equal(pthread_create(&th, NULL, run_thread, &a), 0);

	c1 = connect_to(path);
	assert_int_equal(cl_version(c1, QEMU_JSON), 0);
	cl_enable(c1, 0);
	serve_some(c1);
	/* Inside the budget after a reply: the second client gets EBUSY. */
	assert_int_equal(cl_read32(c1, BAR0, M_SCRATCH), 199u * 7u);
	c2 = connect_to(path);
	assert_int_equal(cl_version(c2, QEMU_JSON), -EBUSY);
	close(c2);
	assert_int_equal(cl_read32(c1, BAR0, M_SCRATCH), 199u * 7u);
	uvfio_dev_stop(m.dev);
	join_or_fail(th);
	assert_int_equal(a.ret, 0);
	close(c1);
	close(a.lfd);
	unlink(path);
	rmdir(dir);
	model_destroy(&m);
}

/* UVFIO_DEV_POLL_US overrides the device's setting; a bad value is ignored. */
static void test_env_override(void **state)
{
	static const char *const values[] = {"300", "0", "999999", "junk", "-5"};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct srv s;

		assert_int_equal(setenv("UVFIO_DEV_POLL_US", values[i], 1), 0);
		model_create(&s.m, UVFIO_DEV_PCIE);
		srv_connect(&s);
		assert_int_equal(cl_version(s.sock, QEMU_JSON), 0);
		cl_enable(s.sock, 0);
		serve_some(s.sock);
		uvfio_dev_stop(s.m.dev);
		join_or_fail(s.th);
		s.running = false;
		assert_int_equal(s.ret, 0);
		close(s.sock);
		model_destroy(&s.m);
	}
	unsetenv("UVFIO_DEV_POLL_US");
}

/*
 * The loop's receive step (uvfio_msg_try_recv): on a blocking socket it
 * returns -EAGAIN at once when nothing has come, and once a message has
 * begun it waits for the rest.  A hang here would trip the alarm.
 */
struct late_writer {
	int fd;
	const uint8_t *p;
	size_t len;
};

static void *late_write(void *arg)
{
	struct late_writer *w = arg;

	sleep_us(50000);
	assert_int_equal(write(w->fd, w->p, w->len), (ssize_t)w->len);
	return NULL;
}

static void test_try_recv_blocking_socket(void **state)
{
	struct uvfio_msg_hdr hdr = {
		.msg_id = 7,
		.cmd = UVFIO_CMD_REGION_READ,
		.size = sizeof(hdr) + sizeof(struct uvfio_msg_region_rw),
	};
	struct uvfio_msg_region_rw rw = {.offset = 0x40, .region = BAR0, .count = 4};
	uint8_t wire[sizeof(hdr) + sizeof(rw)];
	uint8_t buf[64];
	struct uvfio_msg m = {.payload = buf};
	struct late_writer w;
	pthread_t th;
	int sv[2];

	(void)state;
	memcpy(wire, &hdr, sizeof(hdr));
	memcpy(wire + sizeof(hdr), &rw, sizeof(rw));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	alarm(JOIN_LIMIT_S);
	assert_int_equal(uvfio_msg_try_recv(sv[1], &m, sizeof(buf), 1), -EAGAIN);
	assert_int_equal(m.nfds, 0);
	/* Half a header now, the rest later: the call waits for the whole message. */
	assert_int_equal(write(sv[0], wire, 8), 8);
	w = (struct late_writer){.fd = sv[0], .p = wire + 8, .len = sizeof(wire) - 8};
	assert_int_equal(pthread_create(&th, NULL, late_write, &w), 0);
	assert_int_equal(uvfio_msg_try_recv(sv[1], &m, sizeof(buf), 1), 0);
	pthread_join(th, NULL);
	assert_int_equal(m.hdr.msg_id, 7);
	assert_int_equal(m.len, sizeof(rw));
	assert_memory_equal(buf, &rw, sizeof(rw));
	assert_int_equal(uvfio_msg_try_recv(sv[1], &m, sizeof(buf), 1), -EAGAIN);
	/* EOF at a message boundary. */
	close(sv[0]);
	assert_int_equal(uvfio_msg_try_recv(sv[1], &m, sizeof(buf), 1), -ECONNRESET);
	alarm(0);
	close(sv[1]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_try_recv_blocking_socket),
	cmocka_unit_test(test_set_poll_us_args),
	cmocka_unit_test(test_serves_with_polling),
	cmocka_unit_test(test_pipelined_with_polling),
	cmocka_unit_test(test_stop_while_polling),
	cmocka_unit_test(test_watch_while_polling),
	cmocka_unit_test(test_run_refuse_and_stop_while_polling),
	cmocka_unit_test(test_env_override),
};

UVFIO_TEST_MAIN(tests)
