// SPDX-License-Identifier: MIT
/*
 * tests/hostile/test-hostile-device-load.c - clients that hurt by their
 * timing and numbers rather than their bytes: a message dribbled a byte at
 * a time, a client that never reads its replies, a client gone in the middle
 * of a large reply (SIGPIPE), reconnect storms, 64 connections at once, a
 * pipelined flood.  The server may drop the offender; it must not hang, leak,
 * or stop serving anyone else.
 *
 * UVFIO_HOSTILE_STORM scales the reconnect storm (default 500; 100 in
 * sanitizer builds).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "test.h"
#include "hostile.h"

static unsigned int storm_cycles(void)
{
	const char *s = getenv("UVFIO_HOSTILE_STORM");

	if (s && atoi(s) > 0)
		return (unsigned int)atoi(s);
	return HOSTILE_SANITIZED ? 100 : 500;
}

/*
 * A REGION_READ dribbled one byte every 150 ms (about 5 s for 32 bytes):
 * the other instance is served meanwhile, and the dribbler gets its reply
 * or is dropped (the server's timeout), but never hangs the target.
 */
HCASE(slow_sender_dribble, HC_SLOW)
{
	struct uvfio_msg_region_rw rw = {.region = VFIO_PCI_CONFIG_REGION_INDEX, .count = 4};
	uint8_t msg[32];
	struct uvfio_msg_hdr h = hc_hdr(hc_id(), UVFIO_CMD_REGION_READ, sizeof(msg), 0);
	struct timeval tv = {.tv_sec = 15};
	uint8_t buf[64];
	struct uvfio_msg m;
	bool dropped = false;
	int s = hc_open(t);
	unsigned int i;
	int ret;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &rw, sizeof(rw));
	for (i = 0; i < sizeof(msg); i++) {
		if (hc_send_raw(s, msg + i, 1, NULL, 0)) {
			dropped = true;
			break;
		}
		if (i == sizeof(msg) / 2)
			assert_healthy(t, 1, 3000);
		hc_sleep_ms(150);
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = hc_recv(s, &m, buf, sizeof(buf));
	if (!ret) {
		assert_int_equal(m.hdr.msg_id, h.msg_id);
		hc_assert_in_step(s);
	} else {
		assert_true(ret == -ECONNRESET || ret == -EPROTO || dropped);
	}
	printf("dribbler %s\n", ret ? "dropped" : "served");
	close(s);
}

/*
 * A client flooding 1 MiB REGION_READs of BAR0 and never reading: once
 * the socket buffers are full the server's send blocks, and it must drop
 * the client after its send timeout rather than wait for ever.
 */
HCASE(never_reads_replies, HC_SLOW)
{
	struct uvfio_msg_region_rw rw = {.offset = 0, .region = 0, .count = 1u << 20};
	int64_t t0 = 0;
	unsigned int sent = 0;
	bool closed = false;
	int s = hc_open(t);
	int fl;

	hc_enable(s);
	fl = fcntl(s, F_GETFL);
	assert_int_equal(fcntl(s, F_SETFL, fl | O_NONBLOCK), 0);
	/* Keep sending until the server stops taking requests, then wait. */
	for (;;) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		int ret;

		if (poll(&p, 1, 200) <= 0) {
			if (!t0)
				t0 = hc_now_ms();
			if (hc_now_ms() - t0 > 2 * SERVER_IO_TIMEOUT_MS + 5000)
				break;
			/* Is it gone?  A peek sees EOF after what it sent. */
			continue;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			closed = true;
			break;
		}
		ret = hc_send(s, hc_id(), UVFIO_CMD_REGION_READ, 0, &rw, sizeof(rw), NULL, 0);
		if (ret == -EPIPE || ret == -ECONNRESET) {
			closed = true;
			break;
		}
		if (!ret)
			sent++;
	}
	printf("%u requests sent before the server stopped reading; %s after %lld ms\n", sent,
	       closed ? "dropped" : "NOT dropped", t0 ? (long long)(hc_now_ms() - t0) : 0LL);
	/* The bystander was never blocked. */
	assert_healthy(t, 1, 3000);
	if (!closed) {
		/* Maybe closed with our replies still queued: look for EOF under them. */
		assert_int_equal(fcntl(s, F_SETFL, fl), 0);
		closed = hc_expect_closed(s, 3000);
	}
	assert_true(closed);
	close(s);
}

/* Gone in the middle of a 1 MiB reply: the server takes EPIPE, not SIGPIPE. */
HCASE(close_mid_reply, 0)
{
	struct uvfio_msg_region_rw rw = {.offset = 0, .region = 0, .count = 1u << 20};
	unsigned int i;
	int s = hc_open(t);

	hc_enable(s);
	for (i = 0; i < 4; i++)
		assert_int_equal(hc_send(s, hc_id(), UVFIO_CMD_REGION_READ, 0, &rw, sizeof(rw),
					 NULL, 0),
				 0);
	/* Read a little of the first reply, then vanish. */
	{
		char buf[1000];

		assert_true(recv(s, buf, sizeof(buf), 0) > 0);
	}
	close(s);
}

/* Shut down our read side only, and keep sending: same, from another angle. */
HCASE(shutdown_read_side, 0)
{
	struct uvfio_msg_region_rw rw = {.offset = 0, .region = 0, .count = 65536};
	unsigned int i;
	int s = hc_open(t);

	hc_enable(s);
	shutdown(s, SHUT_RD);
	for (i = 0; i < 8; i++)
		if (hc_send(s, hc_id(), UVFIO_CMD_REGION_READ, 0, &rw, sizeof(rw), NULL, 0))
			break;
	close(s);
}

/* connect / VERSION / disconnect, many times over. */
HCASE(reconnect_storm, HC_SLOW)
{
	unsigned int n = storm_cycles();
	unsigned int ok = 0;
	unsigned int busy = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int s = hc_connect(t);
		int ret;

		assert_true(s >= 0);
		ret = hc_version(s, "{\"capabilities\":{}}");
		if (!ret)
			ok++;
		else if (ret == -EBUSY)
			busy++;
		else
			fail_msg("cycle %u: VERSION %d", i, ret);
		close(s);
	}
	printf("%u cycles: %u served, %u refused busy\n", n, ok, busy);
	assert_true(ok > 0);
}

/* The same, disconnecting without a word, or half-way through VERSION. */
HCASE(reconnect_storm_rude, HC_SLOW)
{
	static const uint8_t half[10] = {1, 0, 1, 0, 40, 0, 0, 0, 0, 0};
	unsigned int n = storm_cycles();
	unsigned int i;

	for (i = 0; i < n; i++) {
		int s = hc_connect(t);

		assert_true(s >= 0);
		if (i % 3 == 1)
			hc_send_raw(s, half, sizeof(half), NULL, 0);
		else if (i % 3 == 2)
			hc_send_raw(s, half, 4, NULL, 0);
		close(s);
	}
}

/*
 * 64 connections at once to one instance: one is served, the others are
 * refused (EBUSY) or closed; nothing is left behind once they go.
 */
HCASE(connections_64_at_once, 0)
{
	int fds[64];
	unsigned int served = 0;
	unsigned int refused = 0;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		fds[i] = hc_connect_inst(t, 0, 3000);
		if (fds[i] < 0)
			refused++; /* the backlog was full for 3 s: refused too */
	}
	for (i = 0; i < 64; i++) {
		struct uvfio_msg_version v = {0};
		char json[] = "{\"capabilities\":{}}";
		uint8_t p[4 + sizeof(json)];

		if (fds[i] < 0)
			continue;
		memcpy(p, &v, 4);
		memcpy(p + 4, json, sizeof(json));
		if (hc_send(fds[i], 1, UVFIO_CMD_VERSION, 0, p, sizeof(p), NULL, 0)) {
			refused++;
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (i = 0; i < 64; i++) {
		uint8_t buf[8192];
		struct uvfio_msg m;
		int ret;

		if (fds[i] < 0)
			continue;
		ret = hc_recv(fds[i], &m, buf, sizeof(buf));
		if (!ret && !(m.hdr.flags & UVFIO_MSG_ERROR)) {
			served++;
		} else {
			if (!ret)
				assert_int_equal(m.hdr.error_no, EBUSY);
			else
				assert_true(ret == -ECONNRESET || ret == -EPROTO ||
					    ret == -EAGAIN);
			refused++;
		}
	}
	assert_int_equal(served, 1);
	assert_int_equal(served + refused, 64);
	for (i = 0; i < 64; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* 64 connections that never say a word, held open, then dropped at once. */
HCASE(connections_64_silent, 0)
{
	int fds[64];
	unsigned int i;

	for (i = 0; i < 64; i++)
		fds[i] = hc_connect_inst(t, 0, 3000);
	/* The bystander does not care. */
	assert_healthy(t, 1, 3000);
	for (i = 0; i < 64; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Both instances hammered at once: each stays its own. */
HCASE(both_instances_flooded, 0)
{
	struct uvfio_msg_region_rw rw = {.region = VFIO_PCI_CONFIG_REGION_INDEX, .count = 4};
	int a = hc_open(t);
	int b;
	unsigned int i;

	b = hc_connect_inst(t, 1, 5000);
	assert_true(b >= 0);
	assert_int_equal(hc_version(b, NULL), 0);
	for (i = 0; i < 500; i++) {
		assert_int_equal(hc_send(a, hc_id(), UVFIO_CMD_REGION_READ, 0, &rw, sizeof(rw),
					 NULL, 0),
				 0);
		assert_int_equal(hc_send(b, hc_id(), UVFIO_CMD_REGION_READ, 0, &rw, sizeof(rw),
					 NULL, 0),
				 0);
	}
	for (i = 0; i < 1000; i++) {
		uint8_t buf[64];
		struct uvfio_msg m;

		assert_int_equal(hc_recv(i & 1 ? b : a, &m, buf, sizeof(buf)), 0);
		assert_int_equal(m.hdr.flags & UVFIO_MSG_ERROR, 0);
	}
	hc_assert_in_step(a);
	hc_assert_in_step(b);
	close(a);
	close(b);
}

/* A pipelined flood of posted writes, then one read: in order, nothing lost. */
HCASE(posted_write_flood, 0)
{
	uint8_t p[16 + 4];
	struct uvfio_msg_region_rw rw = {.offset = 0x04, .region = 0, .count = 4};
	uint32_t v = 0;
	uint32_t back = 0;
	unsigned int i;
	int s = hc_open(t);

	hc_enable(s);
	memcpy(p, &rw, sizeof(rw));
	for (i = 0; i < 5000; i++) {
		v = i;
		memcpy(p + sizeof(rw), &v, 4);
		assert_int_equal(hc_send(s, hc_id(), UVFIO_CMD_REGION_WRITE, UVFIO_MSG_NO_REPLY, p,
					 sizeof(p), NULL, 0),
				 0);
	}
	/* edu liveness reads back the inverse of the last write. */
	assert_int_equal(hc_read(s, 0, 0x04, &back, 4), 0);
	assert_int_equal(back, ~v);
	close(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(slow_sender_dribble),
	cmocka_unit_test(never_reads_replies),
	cmocka_unit_test(close_mid_reply),
	cmocka_unit_test(shutdown_read_side),
	cmocka_unit_test(reconnect_storm),
	cmocka_unit_test(reconnect_storm_rude),
	cmocka_unit_test(connections_64_at_once),
	cmocka_unit_test(connections_64_silent),
	cmocka_unit_test(both_instances_flooded),
	cmocka_unit_test(posted_write_flood),
};

UVFIO_TEST_MAIN_FULL(tests, hostile_setup, hostile_teardown)
