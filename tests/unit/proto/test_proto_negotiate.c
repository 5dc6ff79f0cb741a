// SPDX-License-Identifier: MIT
/*
 * VERSION negotiation: what QEMU 10.1, SPDK, rust-vmm and libvfio-user really
 * send (contract §3.2) must be accepted, and the JSON that QEMU or
 * libvfio-user would refuse (contract §3.3) must be refused.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "helpers.h"
#include "proto/proto.h"

/* contract §3.2, observed: QEMU 10.1's VERSION JSON, message size 214. */
static const char qemu_json[] =
	"{\"capabilities\": {\"pgsizes\": 4096, \"max_msg_fds\": 16, \"max_dma_maps\": 65535, "
	"\"max_data_xfer_size\": 1048576, \"migration\": {\"max_bitmap_size\": 268435456, "
	"\"pgsize\": 4096}, \"write_multiple\": true}}";
/* contract §3.2: rust-vmm's client, minor 1. */
static const char rustvmm_json[] =
	"{\"capabilities\":{\"max_msg_fds\":1,\"max_data_xfer_size\":1048576,"
	"\"migration\":{\"pgsize\":4096}}}";
/* contract §3.2: libvfio-user's server reply, plain, with migration, with twin-socket. */
static const char lvu_json[] =
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576}}";
static const char lvu_mig_json[] = "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":"
				   "1048576,\"migration\":{\"pgsize\":4096}}}";
static const char lvu_twin_json[] =
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,"
	"\"twin_socket\":{\"supported\":true,\"fd_index\":0}}}";

/* Build a VERSION payload: major, minor, then @json with its NUL (or nothing if NULL). */
static size_t version_payload(uint8_t *buf, uint16_t major, uint16_t minor, const char *json)
{
	size_t n = 4;

	memcpy(buf, &major, 2);
	memcpy(buf + 2, &minor, 2);
	if (json) {
		memcpy(buf + 4, json, strlen(json) + 1);
		n += strlen(json) + 1;
	}
	return n;
}

static void our_caps(struct uvfio_caps *c)
{
	uvfio_caps_init(c);
	c->max_msg_fds = UVFIO_MAX_MSG_FDS;
	c->max_data_xfer_size = UVFIO_DEFAULT_MAX_DATA_XFER;
}

static void test_qemu_request_length(void **state)
{
	(void)state;
	/* Our copy of the vector is the one observed: 16 + 4 + JSON + NUL = 214. */
	assert_int_equal(16 + 4 + sizeof(qemu_json), 214);
}

/* The whole QEMU 10.1 exchange over a socket: request bytes in, 0.0 reply with JSON out. */
static void test_qemu_exchange(void **state)
{
	uint8_t req[16 + 4 + sizeof(qemu_json)];
	struct uvfio_msg_hdr h = { .msg_id = 0, .cmd = UVFIO_CMD_VERSION, .size = sizeof(req) };
	uint8_t buf[4 + UVFIO_MAX_JSON];
	uint8_t reply[4 + UVFIO_MAX_JSON];
	struct uvfio_msg msg = { .payload = buf };
	struct uvfio_caps ours;
	struct uvfio_caps peer;
	struct uvfio_caps back;
	struct uvfio_msg_hdr rh;
	struct iovec iov;
	uint16_t minor = 99;
	uint16_t v[2];
	int n;
	int sv[2];

	(void)state;
	memcpy(req, &h, 16);
	version_payload(req + 16, 0, 0, qemu_json);
	make_pair(sv);
	assert_int_equal(write_all(sv[0], req, sizeof(req)), 0);

	/* Server side. */
	assert_int_equal(uvfio_msg_recv(sv[1], &msg, sizeof(buf), 0), 0);
	assert_int_equal(uvfio_msg_check(&msg), 0);
	our_caps(&ours);
	assert_int_equal(uvfio_version_server(msg.payload, msg.len, &ours, &peer, &minor), 0);
	assert_int_equal(minor, 0);
	assert_true(peer.has_json);
	assert_int_equal(peer.max_msg_fds, 16);
	assert_int_equal(peer.max_data_xfer_size, 1048576);
	assert_int_equal(peer.max_dma_maps, 65535);
	assert_int_equal(peer.pgsizes, 4096);
	assert_true(peer.write_multiple);
	assert_false(peer.twin_socket);
	n = uvfio_version_encode(minor, &ours, reply, sizeof(reply));
	assert_true(n > 4);
	iov = (struct iovec){ reply, (size_t)n };
	assert_int_equal(uvfio_msg_reply(sv[1], &msg.hdr, &iov, 1, NULL, 0), 0);

	/* What QEMU would see (contract §3.3): 0.0, NUL last, an object with the caps. */
	assert_int_equal(read_all(sv[0], &rh, sizeof(rh)), 0);
	assert_int_equal(rh.msg_id, 0);
	assert_int_equal(rh.cmd, UVFIO_CMD_VERSION);
	assert_int_equal(rh.flags, UVFIO_MSG_TYPE_REPLY);
	assert_int_equal(rh.size, 16 + (uint32_t)n);
	assert_int_equal(read_all(sv[0], reply, rh.size - 16), 0);
	memcpy(v, reply, 4);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 0);
	assert_int_equal(reply[rh.size - 16 - 1], '\0');
	assert_int_equal(strlen((char *)reply + 4), rh.size - 16 - 4 - 1);
	assert_string_equal((char *)reply + 4,
			    "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
			    "\"max_dma_maps\":65535,\"pgsizes\":4096}}");
	/* And our own client takes it back as sent. */
	assert_int_equal(uvfio_version_client(reply, rh.size - 16, &back), 0);
	assert_true(back.has_json);
	assert_int_equal(back.max_msg_fds, 16);
	assert_int_equal(back.max_data_xfer_size, 1048576);
	assert_int_equal(back.max_dma_maps, 65535);
	assert_int_equal(back.pgsizes, 4096);
	assert_false(back.write_multiple);
	close_pair(sv);
}

/* SPDK sends just major/minor (contract §3.2): spec defaults, has_json false. */
static void test_spdk_no_json(void **state)
{
	uint8_t p[8];
	struct uvfio_caps ours;
	struct uvfio_caps peer;
	uint16_t minor = 99;
	size_t n = version_payload(p, 0, 0, NULL);

	(void)state;
	our_caps(&ours);
	assert_int_equal(n, 4);
	assert_int_equal(uvfio_version_server(p, n, &ours, &peer, &minor), 0);
	assert_int_equal(minor, 0);
	assert_false(peer.has_json);
	assert_int_equal(peer.max_msg_fds, UVFIO_DEFAULT_MAX_MSG_FDS);
	assert_int_equal(peer.max_data_xfer_size, UVFIO_DEFAULT_MAX_DATA_XFER);
	assert_int_equal(peer.max_dma_maps, UVFIO_DEFAULT_MAX_DMA_MAPS);
	assert_int_equal(peer.pgsizes, UVFIO_DEFAULT_PGSIZES);
	assert_false(peer.write_multiple);
	assert_false(peer.twin_socket);
	/* A lone NUL is no JSON either. */
	p[4] = '\0';
	assert_int_equal(uvfio_version_server(p, 5, &ours, &peer, &minor), 0);
	assert_false(peer.has_json);
}

/* rust-vmm proposes 0.1 (contract §3.2): we answer 0.0. */
static void test_rustvmm_minor1(void **state)
{
	uint8_t p[256];
	struct uvfio_caps ours;
	struct uvfio_caps peer;
	uint16_t minor = 99;
	size_t n = version_payload(p, 0, 1, rustvmm_json);

	(void)state;
	our_caps(&ours);
	assert_int_equal(uvfio_version_server(p, n, &ours, &peer, &minor), 0);
	assert_int_equal(minor, 0);
	assert_true(peer.has_json);
	assert_int_equal(peer.max_msg_fds, 1);
	assert_int_equal(peer.max_data_xfer_size, 1048576);
	/* A far-future minor is still answered with ours. */
	n = version_payload(p, 0, 0xffff, "{}");
	assert_int_equal(uvfio_version_server(p, n, &ours, &peer, &minor), 0);
	assert_int_equal(minor, 0);
}

/* libvfio-user's replies (contract §3.2) parsed by our client. */
static void test_lvu_reply(void **state)
{
	uint8_t p[256];
	struct uvfio_caps peer;
	size_t n;

	(void)state;
	n = version_payload(p, 0, 0, lvu_json);
	assert_int_equal(uvfio_version_client(p, n, &peer), 0);
	assert_true(peer.has_json);
	assert_int_equal(peer.max_msg_fds, 8);
	assert_int_equal(peer.max_data_xfer_size, 1048576);
	/* Keys libvfio-user never sends keep the spec defaults. */
	assert_int_equal(peer.max_dma_maps, UVFIO_DEFAULT_MAX_DMA_MAPS);
	assert_int_equal(peer.pgsizes, UVFIO_DEFAULT_PGSIZES);
	assert_false(peer.write_multiple);
	assert_false(peer.twin_socket);

	n = version_payload(p, 0, 0, lvu_mig_json);
	assert_int_equal(uvfio_version_client(p, n, &peer), 0);
	assert_int_equal(peer.max_msg_fds, 8);

	n = version_payload(p, 0, 0, lvu_twin_json);
	assert_int_equal(uvfio_version_client(p, n, &peer), 0);
	assert_true(peer.twin_socket);
	assert_int_equal(peer.twin_fd_index, 0);

	/* contract §3.4: supported without fd_index closes the connection. */
	n = version_payload(p, 0, 0, "{\"capabilities\":{\"twin_socket\":{\"supported\":true}}}");
	assert_int_equal(uvfio_version_client(p, n, &peer), -EINVAL);
	/* supported:false with no index is simply no twin mode. */
	n = version_payload(p, 0, 0, "{\"capabilities\":{\"twin_socket\":{\"supported\":false}}}");
	assert_int_equal(uvfio_version_client(p, n, &peer), 0);
	assert_false(peer.twin_socket);
	/* A server reply without JSON: defaults (we never send one; others might). */
	n = version_payload(p, 0, 0, NULL);
	assert_int_equal(uvfio_version_client(p, n, &peer), 0);
	assert_false(peer.has_json);
}

static void test_version_rejects(void **state)
{
	uint8_t p[256];
	struct uvfio_caps ours;
	struct uvfio_caps peer;
	uint16_t minor;
	size_t n;

	(void)state;
	our_caps(&ours);
	/* major 1, either side (contract §3). */
	n = version_payload(p, 1, 0, qemu_json);
	assert_int_equal(uvfio_version_server(p, n, &ours, &peer, &minor), -EINVAL);
	n = version_payload(p, 1, 0, lvu_json);
	assert_int_equal(uvfio_version_client(p, n, &peer), -EINVAL);
	/* A reply minor above what we proposed (0). */
	n = version_payload(p, 0, 1, lvu_json);
	assert_int_equal(uvfio_version_client(p, n, &peer), -EINVAL);
	/* Short payloads. */
	assert_int_equal(uvfio_version_server(p, 3, &ours, &peer, &minor), -EINVAL);
	assert_int_equal(uvfio_version_client(p, 3, &peer), -EPROTO);
	assert_int_equal(uvfio_version_client(NULL, 0, &peer), -EPROTO);
	/* JSON without its NUL. */
	n = version_payload(p, 0, 0, lvu_json);
	assert_int_equal(uvfio_version_server(p, n - 1, &ours, &peer, &minor), -EINVAL);
	assert_int_equal(uvfio_version_client(p, n - 1, &peer), -EINVAL);
	/* Bad JSON in a VERSION. */
	n = version_payload(p, 0, 0, "{\"capabilities\":{\"max_msg_fds\":\"16\"}}");
	assert_int_equal(uvfio_version_server(p, n, &ours, &peer, &minor), -EINVAL);
	/* After a failure the caps are the defaults, not half-parsed. */
	assert_int_equal(peer.max_msg_fds, UVFIO_DEFAULT_MAX_MSG_FDS);
	/* NULL arguments. */
	assert_int_equal(uvfio_version_server(NULL, 4, &ours, &peer, &minor), -EINVAL);
	assert_int_equal(uvfio_version_server(p, 4, NULL, &peer, &minor), -EINVAL);
	assert_int_equal(uvfio_version_server(p, 4, &ours, NULL, &minor), -EINVAL);
	assert_int_equal(uvfio_version_server(p, 4, &ours, &peer, NULL), -EINVAL);
	assert_int_equal(uvfio_version_client(p, 4, NULL), -EINVAL);
}

/* ---- uvfio_caps_from_json, table-driven ---- */

struct json_case {
	const char *json;
	int expect;
};

static const struct json_case bad_json[] = {
	/* contract §3.3, QEMU: an object, and capabilities an object. */
	{ "[]", -EINVAL },
	{ "1", -EINVAL },
	{ "\"x\"", -EINVAL },
	{ "null", -EINVAL },
	{ "", -EINVAL },
	{ "{", -EINVAL },
	{ "{\"capabilities\":1}", -EINVAL },
	{ "{\"capabilities\":[]}", -EINVAL },
	{ "{\"capabilities\":null}", -EINVAL },
	/* libvfio-user: int keys must be JSON integers; max_msg_fds in [0, 1024]. */
	{ "{\"capabilities\":{\"max_msg_fds\":\"16\"}}", -EINVAL },
	{ "{\"capabilities\":{\"max_msg_fds\":16.0}}", -EINVAL },
	{ "{\"capabilities\":{\"max_msg_fds\":true}}", -EINVAL },
	{ "{\"capabilities\":{\"max_msg_fds\":-1}}", -EINVAL },
	{ "{\"capabilities\":{\"max_msg_fds\":1025}}", -EINVAL },
	{ "{\"capabilities\":{\"max_data_xfer_size\":\"1048576\"}}", -EINVAL },
	/* QEMU: max_data_xfer_size <= 64 MiB; zero is useless. */
	{ "{\"capabilities\":{\"max_data_xfer_size\":0}}", -EINVAL },
	{ "{\"capabilities\":{\"max_data_xfer_size\":134217728}}", -EINVAL },
	{ "{\"capabilities\":{\"max_data_xfer_size\":67108865}}", -EINVAL },
	{ "{\"capabilities\":{\"max_data_xfer_size\":18446744073709551615}}", -EINVAL },
	/* QEMU: pgsizes with no bit below 4096; max_dma_maps <= 65535. */
	{ "{\"capabilities\":{\"pgsizes\":512}}", -EINVAL },
	{ "{\"capabilities\":{\"pgsizes\":4097}}", -EINVAL },
	{ "{\"capabilities\":{\"pgsizes\":0}}", -EINVAL },
	{ "{\"capabilities\":{\"pgsizes\":-4096}}", -EINVAL },
	{ "{\"capabilities\":{\"pgsizes\":\"4096\"}}", -EINVAL },
	{ "{\"capabilities\":{\"max_dma_maps\":65536}}", -EINVAL },
	{ "{\"capabilities\":{\"max_dma_maps\":1e3}}", -EINVAL },
	/* QEMU: write_multiple must be a JSON boolean. */
	{ "{\"capabilities\":{\"write_multiple\":1}}", -EINVAL },
	{ "{\"capabilities\":{\"write_multiple\":\"true\"}}", -EINVAL },
	{ "{\"capabilities\":{\"write_multiple\":null}}", -EINVAL },
	/* twin_socket: an object with a bool and a small index. */
	{ "{\"capabilities\":{\"twin_socket\":true}}", -EINVAL },
	{ "{\"capabilities\":{\"twin_socket\":{\"supported\":1}}}", -EINVAL },
	{ "{\"capabilities\":{\"twin_socket\":{\"supported\":true,\"fd_index\":\"0\"}}}", -EINVAL },
	{ "{\"capabilities\":{\"twin_socket\":{\"supported\":true,\"fd_index\":-1}}}", -EINVAL },
	{ "{\"capabilities\":{\"twin_socket\":{\"supported\":true,\"fd_index\":16}}}", -EINVAL },
	/*
	 * Not JSON, trailing garbage, non-strict forms.  (Single-quoted strings
	 * stay accepted: json-c allows them even in strict mode, as QEMU's parser does.)
	 */
	{ "{} x", -EINVAL },
	{ "{}{}", -EINVAL },
	{ "{\"capabilities\":{},}", -EINVAL },
	{ "{\"capabilities\":{\"max_msg_fds\":1,}}", -EINVAL },
	{ "{\"capabilities\":{\"max_msg_fds\":0x10}}", -EINVAL },
	/* Invalid UTF-8 in a key. */
	{ "{\"\xff\xfe\":1}", -EINVAL },
	/* Nesting far deeper than the format needs. */
	{ "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  -EINVAL },
};

static void test_bad_json_table(void **state)
{
	struct uvfio_caps caps;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		int ret = uvfio_caps_from_json(bad_json[i].json, strlen(bad_json[i].json) + 1,
					       &caps);

		if (ret != bad_json[i].expect)
			printf("case %zu: %s -> %d\n", i, bad_json[i].json, ret);
		assert_int_equal(ret, bad_json[i].expect);
		assert_false(caps.has_json);
		assert_int_equal(caps.max_msg_fds, UVFIO_DEFAULT_MAX_MSG_FDS);
	}
}

struct good_case {
	const char *json;
	uint32_t max_msg_fds;
	uint64_t max_data_xfer_size;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
	bool write_multiple;
	bool twin_socket;
};

#define DEF UVFIO_DEFAULT_MAX_MSG_FDS, UVFIO_DEFAULT_MAX_DATA_XFER, UVFIO_DEFAULT_MAX_DMA_MAPS

static const struct good_case good_json[] = {
	{ "{}", DEF, 4096, false, false },
	{ "{\"capabilities\":{}}", DEF, 4096, false, false },
	{ " \t\n{ \"capabilities\" : { } }\r\n ", DEF, 4096, false, false },
	/* Unknown keys and "migration" (any shape) are ignored. */
	{ "{\"capabilities\":{\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":268435456},"
	  "\"future\":[1,2,{\"x\":null}]},\"other\":\"y\"}",
	  DEF, 4096, false, false },
	{ "{\"capabilities\":{\"migration\":\"whatever\"}}", DEF, 4096, false, false },
	{ "{\"capabilities\":{\"max_msg_fds\":0}}", 0, UVFIO_DEFAULT_MAX_DATA_XFER,
	  UVFIO_DEFAULT_MAX_DMA_MAPS, 4096, false, false },
	{ "{\"capabilities\":{\"max_msg_fds\":1024,\"max_data_xfer_size\":67108864,"
	  "\"max_dma_maps\":0,\"pgsizes\":1075843072,\"write_multiple\":false}}",
	  1024, 67108864, 0, 0x40201000, false, false },
	{ "{\"capabilities\":{\"pgsizes\":18446744073709547520}}", DEF, 0xfffffffffffff000ull,
	  false, false },
	{ "{\"capabilities\":{\"write_multiple\":true,\"twin_socket\":{\"supported\":true}}}", DEF,
	  4096, true, true },
	{ "{\"capabilities\":{\"twin_socket\":{}}}", DEF, 4096, false, false },
};

static void test_good_json_table(void **state)
{
	struct uvfio_caps caps;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_json) / sizeof(good_json[0]); i++) {
		const struct good_case *g = &good_json[i];
		int ret = uvfio_caps_from_json(g->json, strlen(g->json) + 1, &caps);

		if (ret)
			printf("case %zu: %s -> %d\n", i, g->json, ret);
		assert_int_equal(ret, 0);
		assert_true(caps.has_json);
		assert_int_equal(caps.max_msg_fds, g->max_msg_fds);
		assert_int_equal(caps.max_data_xfer_size, g->max_data_xfer_size);
		assert_int_equal(caps.max_dma_maps, g->max_dma_maps);
		assert_int_equal(caps.pgsizes, g->pgsizes);
		assert_int_equal(caps.write_multiple, g->write_multiple);
		assert_int_equal(caps.twin_socket, g->twin_socket);
	}
}

static void test_json_framing(void **state)
{
	char big[UVFIO_MAX_JSON + 2];
	struct uvfio_caps caps;

	(void)state;
	/* The NUL must be the last byte (contract §3.3)... */
	assert_int_equal(uvfio_caps_from_json("{}", 2, &caps), -EINVAL);
	assert_int_equal(uvfio_caps_from_json("{}\0x", 4, &caps), -EINVAL);
	/* ...and the JSON ends at the first NUL; what follows it is not parsed. */
	assert_int_equal(uvfio_caps_from_json("{}\0x", 5, &caps), 0);
	assert_int_equal(uvfio_caps_from_json("", 0, &caps), -EINVAL);
	assert_int_equal(uvfio_caps_from_json(NULL, 3, &caps), -EINVAL);
	assert_int_equal(uvfio_caps_from_json("{}", 3, NULL), -EINVAL);
	/* UVFIO_MAX_JSON bytes (NUL included) is the limit. */
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[UVFIO_MAX_JSON - 2] = '}';
	big[UVFIO_MAX_JSON - 1] = '\0';
	assert_int_equal(uvfio_caps_from_json(big, UVFIO_MAX_JSON, &caps), 0);
	big[UVFIO_MAX_JSON - 1] = ' ';
	big[UVFIO_MAX_JSON] = '\0';
	assert_int_equal(uvfio_caps_from_json(big, UVFIO_MAX_JSON + 1, &caps), -EINVAL);
}

/* ---- encoding ---- */

static void test_caps_to_json(void **state)
{
	struct uvfio_caps c;
	struct uvfio_caps back;
	char buf[512];
	int n;

	(void)state;
	uvfio_caps_init(&c);
	n = uvfio_caps_to_json(&c, buf, sizeof(buf));
	assert_string_equal(buf, "{\"capabilities\":{\"max_msg_fds\":1,"
				 "\"max_data_xfer_size\":1048576,\"max_dma_maps\":65535,"
				 "\"pgsizes\":4096}}");
	assert_int_equal(n, strlen(buf));

	c.max_msg_fds = 16;
	c.max_data_xfer_size = 64u << 20;
	c.max_dma_maps = 1000;
	c.pgsizes = 0x40201000;
	c.write_multiple = true;
	c.twin_socket = true;
	n = uvfio_caps_to_json(&c, buf, sizeof(buf));
	assert_string_equal(buf, "{\"capabilities\":{\"max_msg_fds\":16,"
				 "\"max_data_xfer_size\":67108864,"
				 "\"max_dma_maps\":1000,\"pgsizes\":1075843072,"
				 "\"write_multiple\":true,\"twin_socket\":{\"supported\":true}}}");
	/* Round trip. */
	assert_int_equal(uvfio_caps_from_json(buf, (size_t)n + 1, &back), 0);
	assert_int_equal(back.max_msg_fds, 16);
	assert_int_equal(back.max_data_xfer_size, 64u << 20);
	assert_int_equal(back.max_dma_maps, 1000);
	assert_int_equal(back.pgsizes, 0x40201000);
	assert_true(back.write_multiple);
	assert_true(back.twin_socket);
	assert_int_equal(back.twin_fd_index, -1);

	/* A server reply handing over the twin socket names its fd index (contract §3.4). */
	c.twin_fd_index = 0;
	n = uvfio_caps_to_json(&c, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"twin_socket\":{\"supported\":true,\"fd_index\":0}"));
	assert_int_equal(uvfio_caps_from_json(buf, (size_t)n + 1, &back), 0);
	assert_int_equal(back.twin_fd_index, 0);

	/* Too small: -ENOSPC, never a truncated JSON. */
	assert_int_equal(uvfio_caps_to_json(&c, buf, 20), -ENOSPC);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(uvfio_caps_to_json(&c, buf, (size_t)n), -ENOSPC);
	assert_int_equal(uvfio_caps_to_json(&c, buf, (size_t)n + 1), n);
	assert_int_equal(uvfio_caps_to_json(NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_version_encode_bytes(void **state)
{
	static const char json[] = "{\"capabilities\":{\"max_msg_fds\":1,\"max_data_xfer_size\":"
				   "1048576,\"max_dma_maps\":65535,\"pgsizes\":4096}}";
	uint8_t want[4 + sizeof(json)] = { LE16(0), LE16(0) };
	uint8_t buf[256];
	struct uvfio_caps c;
	int n;

	(void)state;
	memcpy(want + 4, json, sizeof(json));
	uvfio_caps_init(&c);
	n = uvfio_version_encode(0, &c, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(uvfio_version_encode(0, &c, buf, 4), -ENOSPC);
	assert_int_equal(uvfio_version_encode(0, &c, buf, sizeof(want) - 1), -ENOSPC);
	assert_int_equal(uvfio_version_encode(0, &c, buf, sizeof(want)), sizeof(want));
	/* The biggest caps we can describe fit in 4 + UVFIO_MAX_JSON. */
	c.max_msg_fds = UINT32_MAX;
	c.max_data_xfer_size = UINT64_MAX;
	c.max_dma_maps = UINT32_MAX;
	c.pgsizes = UINT64_MAX;
	c.write_multiple = true;
	c.twin_socket = true;
	c.twin_fd_index = INT32_MAX;
	assert_true(uvfio_version_encode(0, &c, buf, sizeof(buf)) > 0);
}

static void test_caps_init(void **state)
{
	struct uvfio_caps c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	uvfio_caps_init(&c);
	/* contract §3.1 */
	assert_int_equal(c.max_msg_fds, 1);
	assert_int_equal(c.max_data_xfer_size, 1048576);
	assert_int_equal(c.max_dma_maps, 65535);
	assert_int_equal(c.pgsizes, 4096);
	assert_false(c.write_multiple);
	assert_false(c.twin_socket);
	assert_false(c.has_json);
	assert_int_equal(c.twin_fd_index, -1);
	uvfio_caps_init(NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_qemu_request_length),
	cmocka_unit_test(test_qemu_exchange),
	cmocka_unit_test(test_spdk_no_json),
	cmocka_unit_test(test_rustvmm_minor1),
	cmocka_unit_test(test_lvu_reply),
	cmocka_unit_test(test_version_rejects),
	cmocka_unit_test(test_bad_json_table),
	cmocka_unit_test(test_good_json_table),
	cmocka_unit_test(test_json_framing),
	cmocka_unit_test(test_caps_to_json),
	cmocka_unit_test(test_version_encode_bytes),
	cmocka_unit_test(test_caps_init),
};

UVFIO_TEST_MAIN(tests)
