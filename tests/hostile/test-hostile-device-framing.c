// SPDX-License-Identifier: MIT
/*
 * tests/hostile/test-hostile-device-framing.c - malformed framing against the
 * device side: headers and size fields, message types and flags, unknown
 * commands, No_reply, fds nobody asked for, and hostile VERSION payloads.
 *
 * What each case expects of the server follows contract §2 and DESIGN.md
 * (Security): a bad message gets an error reply or a disconnect, the stream
 * stays in step when it gets a reply, fds that come where none belong are
 * closed, and the target keeps serving everybody else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "hostile.h"

#define CLOSE_MS 3000

/* A GET_INFO payload asking for the whole reply. */
static const struct uvfio_msg_device_info info_req = {.argsz = sizeof(struct uvfio_msg_device_info)};

/* Send a header only (any size field) and @extra payload bytes of zeros. */
static int send_hdr(int s, uint16_t cmd, uint32_t size, uint32_t flags, size_t extra)
{
	uint8_t buf[16 + 256] = {0};
	struct uvfio_msg_hdr h = hc_hdr(hc_id(), cmd, size, flags);

	assert_true(extra <= 256);
	memcpy(buf, &h, sizeof(h));
	return hc_send_raw(s, buf, sizeof(h) + extra, NULL, 0);
}

/*
 * Header and size field.
 */

/* contract §2: size < 16 is fatal (QEMU, libvfio-user). */
HCASE(size_below_header, 0)
{
	int s = hc_open(t);

	assert_int_equal(send_hdr(s, UVFIO_CMD_DEVICE_GET_INFO, 8, 0, 0), 0);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

HCASE(size_zero, 0)
{
	int s = hc_open(t);

	assert_int_equal(send_hdr(s, UVFIO_CMD_REGION_READ, 0, 0, 16), 0);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

/* Half a header, then EOF. */
HCASE(header_then_eof, 0)
{
	int s = hc_open(t);
	struct uvfio_msg_hdr h = hc_hdr(hc_id(), UVFIO_CMD_DEVICE_GET_INFO, 32, 0);

	assert_int_equal(hc_send_raw(s, &h, 10, NULL, 0), 0);
	shutdown(s, SHUT_WR);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

/* The size field promises 1000 bytes; 100 come, then EOF. */
HCASE(size_larger_than_sent_then_eof, 0)
{
	int s = hc_open(t);

	assert_int_equal(send_hdr(s, UVFIO_CMD_REGION_WRITE, 1016, 0, 100), 0);
	shutdown(s, SHUT_WR);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

/* A 4 GiB message: the server must give up at once, not drain 4 GiB. */
HCASE(size_4gib, 0)
{
	int s = hc_open(t);
	int64_t t0 = hc_now_ms();

	assert_int_equal(send_hdr(s, UVFIO_CMD_REGION_WRITE, 0xffffffffu, 0, 64), 0);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	assert_true(hc_now_ms() - t0 < CLOSE_MS);
	close(s);
}

/* Also before VERSION. */
HCASE(size_4gib_before_version, 0)
{
	int s = hc_connect(t);

	assert_true(s >= 0);
	assert_int_equal(send_hdr(s, UVFIO_CMD_VERSION, 0xffffffffu, 0, 64), 0);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

/*
 * Larger than any command may be (1 MiB transfer + head), but within what a
 * receiver drains: E2BIG, and the stream stays usable.
 */
HCASE(oversize_drained, 0)
{
	size_t len = (1u << 20) + 32 + (256u << 10);
	uint8_t *p = calloc(1, len);
	struct uvfio_msg_region_rw rw = {.offset = 0, .region = 0, .count = (uint32_t)(len - 16)};
	uint16_t id = hc_id();
	int s = hc_open(t);
	int err;

	assert_non_null(p);
	memcpy(p, &rw, sizeof(rw));
	assert_int_equal(hc_send(s, id, UVFIO_CMD_REGION_WRITE, 0, p, len, NULL, 0), 0);
	free(p);
	err = hc_expect_error_or_close(s, id, 5000);
	if (err) {
		assert_true(err == E2BIG || err == EINVAL);
		hc_assert_in_step(s);
	}
	close(s);
}

/* Beyond what is drained: the server closes without reading it all. */
HCASE(oversize_not_drained, 0)
{
	int s = hc_open(t);

	assert_int_equal(send_hdr(s, UVFIO_CMD_REGION_WRITE, (3u << 20), 0, 256), 0);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

/*
 * Stalls: the server drops a client stuck mid-message after its timeout,
 * and the other instance keeps serving meanwhile.
 */
static void stall_case(struct target *t, size_t sent_hdr_bytes, uint32_t size, size_t extra)
{
	uint8_t buf[16 + 128] = {0};
	struct uvfio_msg_hdr h = hc_hdr(hc_id(), UVFIO_CMD_REGION_WRITE, size, 0);
	int s = hc_open(t);
	int64_t t0;

	memcpy(buf, &h, sizeof(h));
	t0 = hc_now_ms();
	assert_int_equal(hc_send_raw(s, buf, sent_hdr_bytes + extra, NULL, 0), 0);
	/* The bystander is served while this instance waits for the rest. */
	assert_healthy(t, 1, 3000);
	/*
	 * lib/proto restarts the receive timeout after each partial read, so
	 * a stall mid-message costs up to two timeouts: allow that, not more.
	 */
	assert_true(hc_expect_closed(s, 2 * SERVER_IO_TIMEOUT_MS + 3000));
	printf("stalled client dropped after %lld ms\n", (long long)(hc_now_ms() - t0));
	close(s);
}

HCASE(stall_in_header, HC_SLOW)
{
	stall_case(t, 7, 64, 0);
}

HCASE(stall_in_payload, HC_SLOW)
{
	stall_case(t, 16, 16 + 16 + 100, 40);
}

/*
 * Types and flags.
 */

/* contract §2: a type other than command or reply is fatal. */
HCASE(bad_type, 0)
{
	static const uint32_t types[] = {2, 3, 7, 0xf};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int s = hc_open(t);

		assert_int_equal(hc_send(s, hc_id(), UVFIO_CMD_DEVICE_GET_INFO, types[i], &info_req,
					 sizeof(info_req), NULL, 0),
				 0);
		assert_true(hc_expect_closed(s, CLOSE_MS));
		close(s);
	}
}

/* The Error bit on a command means nothing valid: error reply, in step. */
HCASE(error_flag_on_command, 0)
{
	int s = hc_open(t);
	uint16_t id = hc_id();
	int err;

	assert_int_equal(hc_send(s, id, UVFIO_CMD_DEVICE_GET_INFO, UVFIO_MSG_ERROR, &info_req,
				 sizeof(info_req), NULL, 0),
			 0);
	err = hc_expect_error_or_close(s, id, CLOSE_MS);
	if (err)
		hc_assert_in_step(s);
	close(s);
}

/* Reserved flag bits: answered (either way), and the stream stays in step. */
HCASE(reserved_flag_bits, 0)
{
	int s = hc_open(t);
	int ret;

	ret = hc_call_flags(s, UVFIO_CMD_DEVICE_GET_INFO, 0xffff0fc0u, &info_req, sizeof(info_req),
			    NULL, 0, NULL, 0, NULL);
	assert_true(ret == 0 || ret == -EINVAL || ret == -ECONNRESET);
	if (ret != -ECONNRESET)
		hc_assert_in_step(s);
	close(s);
}

static void unknown_cmd(struct target *t, uint16_t cmd)
{
	uint8_t junk[64];
	int s = hc_open(t);

	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(hc_call(s, cmd, junk, sizeof(junk), NULL, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(hc_call(s, cmd, NULL, 0, NULL, 0, NULL, 0, NULL), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

HCASE(unknown_cmd_0, 0)
{
	unknown_cmd(t, 0);
}

HCASE(unknown_cmd_19, 0)
{
	unknown_cmd(t, 19);
}

HCASE(unknown_cmd_ffff, 0)
{
	unknown_cmd(t, 0xffff);
}

/*
 * Reply-type messages sent to the server are dropped (contract §2: nobody
 * waits for them), with or without payload, error bit or fds.
 */
HCASE(replies_sent_to_server, 0)
{
	static const uint16_t cmds[] = {
		UVFIO_CMD_VERSION,	UVFIO_CMD_DMA_READ, UVFIO_CMD_DMA_WRITE,
		UVFIO_CMD_REGION_READ, UVFIO_CMD_DEVICE_RESET, 0,
		0xffff,
	};
	uint8_t junk[100];
	int p[2];
	int s = hc_open(t);
	unsigned int i;

	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(hc_send(s, (uint16_t)i, cmds[i], UVFIO_MSG_TYPE_REPLY, junk,
					 sizeof(junk), NULL, 0),
				 0);
		assert_int_equal(hc_send(s, (uint16_t)i, cmds[i],
					 UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR, NULL, 0, NULL, 0),
				 0);
		assert_int_equal(hc_send(s, 0xffff, cmds[i], UVFIO_MSG_TYPE_REPLY, NULL, 0, &p[1],
					 1),
				 0);
	}
	close(p[1]);
	/* The next thing we receive is the answer to this, nothing before it. */
	hc_assert_in_step(s);
	close(s);
	assert_true(hc_pipe_released(p[0], CLOSE_MS));
	close(p[0]);
}

/*
 * No_reply on every command, valid and malformed: nothing may come back
 * (contract §2), so the next reply we get is the one to our next call.
 */
HCASE(no_reply_everything, 0)
{
	uint8_t junk[64];
	uint16_t cmd;
	int s = hc_open(t);

	memset(junk, 0, sizeof(junk));
	for (cmd = 0; cmd <= UVFIO_CMD_MAX + 1; cmd++) {
		/* Resetting is fine; a VERSION is refused silently. */
		assert_int_equal(hc_send(s, hc_id(), cmd, UVFIO_MSG_NO_REPLY, junk, sizeof(junk),
					 NULL, 0),
				 0);
		assert_int_equal(hc_send(s, hc_id(), cmd, UVFIO_MSG_NO_REPLY, junk, 3, NULL, 0), 0);
		assert_int_equal(hc_send(s, hc_id(), cmd, UVFIO_MSG_NO_REPLY, NULL, 0, NULL, 0), 0);
	}
	assert_int_equal(hc_send(s, hc_id(), UVFIO_CMD_DEVICE_GET_INFO, UVFIO_MSG_NO_REPLY,
				 &info_req, sizeof(info_req), NULL, 0),
			 0);
	hc_assert_in_step(s);
	close(s);
}

/* No_reply before VERSION: closed, and no reply either. */
HCASE(no_reply_before_version, 0)
{
	int s = hc_connect(t);
	struct uvfio_msg m;
	uint8_t buf[64];

	assert_true(s >= 0);
	assert_int_equal(hc_send(s, hc_id(), UVFIO_CMD_DEVICE_GET_INFO, UVFIO_MSG_NO_REPLY,
				 &info_req, sizeof(info_req), NULL, 0),
			 0);
	assert_int_equal(hc_recv(s, &m, buf, sizeof(buf)), -ECONNRESET);
	close(s);
}

/*
 * Fds where none belong: refused, closed by the server.
 */

/* Make @n pipes; the write ends go in @w, read ends in @r. */
static void make_pipes(int *r, int *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int p[2];

		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		r[i] = p[0];
		w[i] = p[1];
	}
}

/* Close our write ends and check the server let go of every copy. */
static void check_released(int *r, int *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		close(w[i]);
	for (i = 0; i < n; i++) {
		if (!hc_pipe_released(r[i], CLOSE_MS))
			fail_msg("the server keeps fd %u of %u", i, n);
		close(r[i]);
	}
}

static void too_many_fds(struct target *t, uint16_t cmd, const void *p, size_t len,
			 unsigned int n)
{
	int r[253];
	int w[253];
	uint16_t id = hc_id();
	int s = hc_open(t);
	int err;

	make_pipes(r, w, n);
	assert_int_equal(hc_send(s, id, cmd, 0, p, len, w, n), 0);
	err = hc_expect_error_or_close(s, id, CLOSE_MS);
	if (err) {
		assert_int_equal(err, EINVAL);
		hc_assert_in_step(s);
	}
	close(s);
	check_released(r, w, n);
}

HCASE(fds_17_on_dma_map, 0)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ,
		.addr = 0x100000,
		.size = 0x1000,
	};

	too_many_fds(t, UVFIO_CMD_DMA_MAP, &m, sizeof(m), 17);
}

HCASE(fds_253_on_set_irqs, 0)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSI_IRQ_INDEX,
		.start = 0,
		.count = 253,
	};

	too_many_fds(t, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), 253);
}

HCASE(fds_253_on_get_info, 0)
{
	too_many_fds(t, UVFIO_CMD_DEVICE_GET_INFO, &info_req, sizeof(info_req), 253);
}

/* One fd on each command that takes none. */
static void fd_on(struct target *t, uint16_t cmd, const void *p, size_t len)
{
	too_many_fds(t, cmd, p, len, 1);
}

HCASE(fd_on_region_read, 0)
{
	struct uvfio_msg_region_rw rw = {.region = VFIO_PCI_CONFIG_REGION_INDEX, .count = 4};

	fd_on(t, UVFIO_CMD_REGION_READ, &rw, sizeof(rw));
}

HCASE(fd_on_get_info, 0)
{
	fd_on(t, UVFIO_CMD_DEVICE_GET_INFO, &info_req, sizeof(info_req));
}

HCASE(fd_on_other_commands, 0)
{
	struct vfio_region_info ri = {.argsz = sizeof(ri), .index = 0};
	struct vfio_irq_info ii = {.argsz = sizeof(ii), .index = 0};
	uint8_t wr[16 + 4] = {0};
	struct uvfio_msg_region_rw rw = {.region = 7, .offset = 0x40, .count = 4};
	uint8_t wm[8 + 24] = {0};
	uint64_t one = 1;
	struct uvfio_msg_entry {
		uint16_t cmd;
		const void *p;
		size_t len;
	} list[] = {
		{UVFIO_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri)},
		{UVFIO_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii)},
		{UVFIO_CMD_REGION_WRITE, wr, sizeof(wr)},
		{UVFIO_CMD_DEVICE_RESET, NULL, 0},
		{UVFIO_CMD_REGION_WRITE_MULTI, wm, sizeof(wm)},
	};
	unsigned int i;

	memcpy(wr, &rw, sizeof(rw));
	memcpy(wm, &one, sizeof(one));
	memcpy(wm + 8, &rw, sizeof(rw));
	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		fd_on(t, list[i].cmd, list[i].p, list[i].len);
}

/* VERSION may carry no fd (libvfio-user); the first message: refused, closed. */
HCASE(fd_on_version, 0)
{
	uint8_t v[4 + 3] = {0, 0, 0, 0, '{', '}', 0};
	uint16_t id = hc_id();
	int r[1];
	int w[1];
	int s = hc_connect(t);

	assert_true(s >= 0);
	make_pipes(r, w, 1);
	assert_int_equal(hc_send(s, id, UVFIO_CMD_VERSION, 0, v, sizeof(v), w, 1), 0);
	hc_expect_error_or_close(s, id, CLOSE_MS);
	close(s);
	check_released(r, w, 1);
}

/* Fds hung on a later byte of the message, not its header. */
HCASE(fds_on_later_byte, 0)
{
	struct uvfio_msg_region_rw rw = {.region = VFIO_PCI_CONFIG_REGION_INDEX, .count = 4};
	struct uvfio_msg_hdr h = hc_hdr(hc_id(), UVFIO_CMD_REGION_READ, 32, 0);
	uint8_t reply[64];
	struct uvfio_msg m;
	int r[4];
	int w[4];
	int s = hc_open(t);
	int ret;

	make_pipes(r, w, 4);
	assert_int_equal(hc_send_raw(s, &h, sizeof(h), NULL, 0), 0);
	assert_int_equal(hc_send_raw(s, &rw, sizeof(rw), w, 4), 0);
	ret = hc_recv(s, &m, reply, sizeof(reply));
	uvfio_msg_close_fds(&m);
	assert_true(ret == 0 || ret == -ECONNRESET || ret == -EPROTO);
	if (!ret)
		hc_assert_in_step(s);
	close(s);
	check_released(r, w, 4);
}

/*
 * Negotiation.
 */

/* contract §2: the first message must be VERSION; anything else: error, close. */
HCASE(command_before_version, 0)
{
	static const uint16_t cmds[] = {UVFIO_CMD_DEVICE_GET_INFO, UVFIO_CMD_REGION_WRITE,
					UVFIO_CMD_DMA_MAP, UVFIO_CMD_DEVICE_RESET, 0x7777};
	uint8_t junk[32] = {0};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		uint16_t id = hc_id();
		int s = hc_connect(t);

		assert_true(s >= 0);
		assert_int_equal(hc_send(s, id, cmds[i], 0, junk, sizeof(junk), NULL, 0), 0);
		hc_expect_error_or_close(s, id, CLOSE_MS);
		assert_true(hc_expect_closed(s, CLOSE_MS));
		close(s);
	}
}

HCASE(version_twice, 0)
{
	int s = hc_open(t);

	assert_int_equal(hc_version(s, "{\"capabilities\":{}}"), -EINVAL);
	assert_int_equal(hc_version(s, NULL), -EINVAL);
	hc_assert_in_step(s);
	close(s);
}

/* Send a VERSION payload of @len bytes; return the outcome (0: accepted). */
static int version_raw(struct target *t, uint16_t major, uint16_t minor, const void *data,
		       size_t len)
{
	size_t total = 4 + len;
	uint8_t *p = malloc(total);
	uint8_t r[8192];
	size_t rlen;
	int s = hc_connect(t);
	int ret;

	assert_non_null(p);
	assert_true(s >= 0);
	memcpy(p, &major, 2);
	memcpy(p + 2, &minor, 2);
	if (len)
		memcpy(p + 4, data, len);
	ret = hc_call(s, UVFIO_CMD_VERSION, p, total, NULL, 0, r, sizeof(r), &rlen);
	free(p);
	if (ret == -EBUSY) {
		close(s);
		hc_sleep_ms(20);
		return version_raw(t, major, minor, data, len);
	}
	if (ret == 0) {
		struct uvfio_caps caps;

		/* Accepted: the reply must be one we can use, and the stream works. */
		assert_int_equal(uvfio_version_client(r, rlen, &caps), 0);
		hc_assert_in_step(s);
	} else {
		/* Refused: an error reply and a close (contract §3.3), or a close. */
		assert_true(ret == -EINVAL || ret == -ECONNRESET || ret == -EPROTO ||
			    ret == -E2BIG);
		assert_true(hc_expect_closed(s, CLOSE_MS));
	}
	close(s);
	return ret;
}

static int version_json(struct target *t, const char *json, bool nul)
{
	return version_raw(t, 0, 0, json, strlen(json) + (nul ? 1 : 0));
}

HCASE(version_json_no_nul, 0)
{
	assert_int_not_equal(version_json(t, "{\"capabilities\":{}}", false), 0);
}

/* SPDX's client sends no JSON at all (contract §3.2): accepted. */
HCASE(version_no_json, 0)
{
	assert_int_equal(version_raw(t, 0, 0, NULL, 0), 0);
}

HCASE(version_short_payload, 0)
{
	static const uint8_t two[2] = {0, 0};
	uint16_t id = hc_id();
	int s = hc_connect(t);

	assert_true(s >= 0);
	assert_int_equal(hc_send(s, id, UVFIO_CMD_VERSION, 0, two, sizeof(two), NULL, 0), 0);
	hc_expect_error_or_close(s, id, CLOSE_MS);
	assert_true(hc_expect_closed(s, CLOSE_MS));
	close(s);
}

static char *nested(unsigned int depth, bool in_caps)
{
	size_t len = 2 * depth + 64;
	char *j = malloc(len);
	size_t o = 0;
	unsigned int i;

	assert_non_null(j);
	if (in_caps)
		o += (size_t)sprintf(j, "{\"capabilities\":{\"x\":");
	for (i = 0; i < depth; i++)
		j[o++] = '[';
	for (i = 0; i < depth; i++)
		j[o++] = ']';
	if (in_caps)
		o += (size_t)sprintf(j + o, "}}");
	j[o] = '\0';
	return j;
}

HCASE(version_nesting_10000, 0)
{
	char *j = nested(10000, true);

	assert_int_not_equal(version_json(t, j, true), 0);
	free(j);
}

/* Deep, but inside the JSON size cap: json-c's depth limit, never a stack overflow. */
HCASE(version_nesting_2000_in_cap, 0)
{
	char *j = nested(2000, true);

	assert_true(strlen(j) < UVFIO_MAX_JSON);
	version_json(t, j, true);
	free(j);
	j = nested(2000, false);
	assert_int_not_equal(version_json(t, j, true), 0);
	free(j);
}

HCASE(version_huge_numbers, 0)
{
	static const char *const js[] = {
		"{\"capabilities\":{\"max_msg_fds\":1e400}}",
		"{\"capabilities\":{\"max_msg_fds\":99999999999999999999999999999}}",
		"{\"capabilities\":{\"max_data_xfer_size\":18446744073709551616}}",
		"{\"capabilities\":{\"max_data_xfer_size\":18446744073709551615}}",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_dma_maps\":4294967296}}",
		"{\"capabilities\":{\"pgsizes\":-4096}}",
		"{\"capabilities\":{\"max_msg_fds\":1.5}}",
		"{\"capabilities\":{\"max_data_xfer_size\":0}}",
		"{\"capabilities\":{\"migration\":{\"pgsize\":1e308,\"max_bitmap_size\":-1}}}",
	};
	unsigned int i;

	for (i = 0; i < sizeof(js) / sizeof(js[0]); i++)
		version_json(t, js[i], true);
}

HCASE(version_wrong_types, 0)
{
	static const char *const js[] = {
		"[]",
		"\"capabilities\"",
		"null",
		"42",
		"{\"capabilities\":\"all\"}",
		"{\"capabilities\":[1,2,3]}",
		"{\"capabilities\":null}",
		"{\"capabilities\":{\"max_msg_fds\":\"16\"}}",
		"{\"capabilities\":{\"max_msg_fds\":true}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"migration\":7}}",
		"{\"capabilities\":{\"twin_socket\":{\"supported\":\"yes\",\"fd_index\":-3}}}",
		"{\"capabilities\":{\"pgsizes\":{}}}",
	};
	unsigned int i;

	for (i = 0; i < sizeof(js) / sizeof(js[0]); i++)
		version_json(t, js[i], true);
	/* Where JSON is a thing at all, these are refused. */
	assert_int_not_equal(version_json(t, "[]", true), 0);
	assert_int_not_equal(version_json(t, "{\"capabilities\":\"all\"}", true), 0);
}

/* 1 MiB of JSON: above the JSON cap; refused without harm. */
HCASE(version_json_1mib, 0)
{
	size_t n = 1u << 20;
	char *j = malloc(n);

	assert_non_null(j);
	memset(j, ' ', n);
	memcpy(j, "{\"capabilities\":{", 17);
	j[n - 3] = '}';
	j[n - 2] = '}';
	j[n - 1] = '\0';
	assert_int_not_equal(version_raw(t, 0, 0, j, n), 0);
	free(j);
}

HCASE(version_invalid_utf8, 0)
{
	static const char js[] = "{\"capabilities\":{\"\xff\xfe\xc0\x80\":1,\"x\":\"\xed\xa0\x80\"}}";

	version_raw(t, 0, 0, js, sizeof(js));
}

HCASE(version_duplicate_keys, 0)
{
	version_json(t,
		     "{\"capabilities\":{\"max_msg_fds\":1,\"max_msg_fds\":100000},"
		     "\"capabilities\":{\"max_msg_fds\":4}}",
		     true);
	version_json(t, "{\"capabilities\":{\"max_data_xfer_size\":4096,\"max_data_xfer_size\":0}}",
		     true);
}

HCASE(version_embedded_nul, 0)
{
	static const char js[] = "{\"capabilities\":{}}\0{\"capabilities\":{\"max_msg_fds\":\"x\"}}";

	version_raw(t, 0, 0, js, sizeof(js));
	version_raw(t, 0, 0, "\0\0\0\0", 4);
}

/* contract §3: reply major must equal ours; a major we do not speak: refused. */
HCASE(version_major_1, 0)
{
	assert_int_not_equal(version_raw(t, 1, 0, "{}", 3), 0);
	assert_int_not_equal(version_raw(t, 0xffff, 0xffff, NULL, 0), 0);
}

/* A higher minor is answered with ours (contract §3). */
HCASE(version_minor_ffff, 0)
{
	assert_int_equal(version_raw(t, 0, 0xffff, "{\"capabilities\":{}}", 20), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(size_below_header),
	cmocka_unit_test(size_zero),
	cmocka_unit_test(header_then_eof),
	cmocka_unit_test(size_larger_than_sent_then_eof),
	cmocka_unit_test(size_4gib),
	cmocka_unit_test(size_4gib_before_version),
	cmocka_unit_test(oversize_drained),
	cmocka_unit_test(oversize_not_drained),
	cmocka_unit_test(stall_in_header),
	cmocka_unit_test(stall_in_payload),
	cmocka_unit_test(bad_type),
	cmocka_unit_test(error_flag_on_command),
	cmocka_unit_test(reserved_flag_bits),
	cmocka_unit_test(unknown_cmd_0),
	cmocka_unit_test(unknown_cmd_19),
	cmocka_unit_test(unknown_cmd_ffff),
	cmocka_unit_test(replies_sent_to_server),
	cmocka_unit_test(no_reply_everything),
	cmocka_unit_test(no_reply_before_version),
	cmocka_unit_test(fds_17_on_dma_map),
	cmocka_unit_test(fds_253_on_set_irqs),
	cmocka_unit_test(fds_253_on_get_info),
	cmocka_unit_test(fd_on_region_read),
	cmocka_unit_test(fd_on_get_info),
	cmocka_unit_test(fd_on_other_commands),
	cmocka_unit_test(fd_on_version),
	cmocka_unit_test(fds_on_later_byte),
	cmocka_unit_test(command_before_version),
	cmocka_unit_test(version_twice),
	cmocka_unit_test(version_json_no_nul),
	cmocka_unit_test(version_no_json),
	cmocka_unit_test(version_short_payload),
	cmocka_unit_test(version_nesting_10000),
	cmocka_unit_test(version_nesting_2000_in_cap),
	cmocka_unit_test(version_huge_numbers),
	cmocka_unit_test(version_wrong_types),
	cmocka_unit_test(version_json_1mib),
	cmocka_unit_test(version_invalid_utf8),
	cmocka_unit_test(version_duplicate_keys),
	cmocka_unit_test(version_embedded_nul),
	cmocka_unit_test(version_major_1),
	cmocka_unit_test(version_minor_ffff),
};

UVFIO_TEST_MAIN_FULL(tests, hostile_setup, hostile_teardown)
