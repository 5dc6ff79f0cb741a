// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the negotiation JSON (lib/proto/negotiate.c, contract §3).
 *
 * The first byte picks what the rest is:
 *   0: capability JSON for uvfio_caps_from_json();
 *   1: a client's VERSION payload for uvfio_version_server();
 *   2: a server's VERSION reply for uvfio_version_client();
 *   3: struct uvfio_caps field values, encoded with uvfio_version_encode().
 * Oracles: whatever is accepted lies in the documented ranges; what we
 * encode we parse back to the same capabilities (round trip through our own
 * encoder); a server's accepted VERSION yields a reply the client side
 * accepts, carrying the server's capabilities unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"
#include "fuzz.h"

/* negotiate.c's documented ranges (proto.h: uvfio_caps_from_json). */
#define PEER_MAX_MSG_FDS 1024
#define PEER_MAX_DMA_MAPS 65535

static void check_ranges(const struct uvfio_caps *c)
{
	FZ_CHECK(c->max_msg_fds <= PEER_MAX_MSG_FDS);
	FZ_CHECK(c->max_data_xfer_size > 0 && c->max_data_xfer_size <= UVFIO_MAX_DATA_XFER);
	FZ_CHECK(c->max_dma_maps <= PEER_MAX_DMA_MAPS);
	FZ_CHECK(c->pgsizes != 0 && (c->pgsizes & 4095) == 0);
	FZ_CHECK(c->twin_fd_index >= -1 && c->twin_fd_index < UVFIO_MAX_MSG_FDS);
}

/* Same capabilities, as far as the JSON carries them. */
static void check_same(const struct uvfio_caps *a, const struct uvfio_caps *b)
{
	FZ_CHECK_EQ(a->max_msg_fds, b->max_msg_fds);
	FZ_CHECK_EQ(a->max_data_xfer_size, b->max_data_xfer_size);
	FZ_CHECK_EQ(a->max_dma_maps, b->max_dma_maps);
	FZ_CHECK(a->pgsizes == b->pgsizes);
	FZ_CHECK_EQ(a->write_multiple, b->write_multiple);
	FZ_CHECK_EQ(a->twin_socket, b->twin_socket);
	/* fd_index is written only with twin_socket (proto.h). */
	if (a->twin_socket)
		FZ_CHECK_EQ(a->twin_fd_index, b->twin_fd_index);
}

/* Encode @c as a VERSION payload and parse it back on both sides. */
static void round_trip(const struct uvfio_caps *c)
{
	uint8_t buf[4 + UVFIO_MAX_JSON];
	struct uvfio_caps back;
	struct uvfio_caps ours;
	uint16_t minor = 0xffff;
	char json[UVFIO_MAX_JSON];
	int n;

	n = uvfio_caps_to_json(c, json, sizeof(json));
	FZ_CHECK(n > 0 && (size_t)n < sizeof(json) && json[n] == '\0');
	FZ_CHECK_EQ(uvfio_caps_from_json(json, (size_t)n + 1, &back), 0);
	FZ_CHECK(back.has_json);
	check_same(c, &back);

	n = uvfio_version_encode(UVFIO_PROTO_MINOR, c, buf, sizeof(buf));
	FZ_CHECK(n > 4 && buf[n - 1] == '\0');
	uvfio_caps_init(&ours);
	FZ_CHECK_EQ(uvfio_version_server(buf, (size_t)n, &ours, &back, &minor), 0);
	FZ_CHECK_EQ(minor, UVFIO_PROTO_MINOR);
	check_same(c, &back);
	/* A reply offering the twin socket needs its fd_index (contract §3.4). */
	if (!c->twin_socket || c->twin_fd_index >= 0) {
		FZ_CHECK_EQ(uvfio_version_client(buf, (size_t)n, &back), 0);
		check_same(c, &back);
	} else {
		FZ_CHECK_EQ(uvfio_version_client(buf, (size_t)n, &back), -EINVAL);
	}
}

static void fuzz_json(const uint8_t *data, size_t size)
{
	char buf[UVFIO_MAX_JSON + 1];
	struct uvfio_caps caps;
	int ret;

	if (size > UVFIO_MAX_JSON)
		size = UVFIO_MAX_JSON;
	memcpy(buf, data, size);
	buf[size] = '\0';
	ret = uvfio_caps_from_json(buf, size + 1, &caps);
	FZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret) {
		struct uvfio_caps def;

		/* A rejected JSON leaves the spec defaults (negotiate.c). */
		uvfio_caps_init(&def);
		check_same(&def, &caps);
		FZ_CHECK(!caps.has_json);
		return;
	}
	FZ_CHECK(caps.has_json);
	check_ranges(&caps);
	round_trip(&caps);
	/* Without a NUL as the last byte the same bytes are refused. */
	if (size && buf[size - 1] != '\0')
		FZ_CHECK_EQ(uvfio_caps_from_json(buf, size, &caps), -EINVAL);
}

static void fuzz_server(const uint8_t *data, size_t size)
{
	uint8_t reply[4 + UVFIO_MAX_JSON];
	struct uvfio_caps ours;
	struct uvfio_caps peer;
	struct uvfio_caps back;
	struct uvfio_msg_version v;
	uint16_t minor = 0xffff;
	int n;

	uvfio_caps_init(&ours);
	ours.max_msg_fds = 16;
	ours.write_multiple = true;
	if (uvfio_version_server(data, size, &ours, &peer, &minor))
		return;
	FZ_CHECK(size >= sizeof(v));
	memcpy(&v, data, sizeof(v));
	FZ_CHECK_EQ(v.major, UVFIO_PROTO_MAJOR);
	FZ_CHECK(minor <= v.minor && minor <= UVFIO_PROTO_MINOR);
	check_ranges(&peer);
	/* Our reply to it is one our own client accepts, with our caps. */
	n = uvfio_version_encode(minor, &ours, reply, sizeof(reply));
	FZ_CHECK(n > 0);
	FZ_CHECK_EQ(uvfio_version_client(reply, (size_t)n, &back), 0);
	check_same(&ours, &back);
}

static void fuzz_client(const uint8_t *data, size_t size)
{
	struct uvfio_caps peer;
	struct uvfio_msg_version v;
	int ret = uvfio_version_client(data, size, &peer);

	FZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EPROTO || ret == -ENOMEM);
	if (ret)
		return;
	memcpy(&v, data, sizeof(v));
	FZ_CHECK_EQ(v.major, UVFIO_PROTO_MAJOR);
	FZ_CHECK(v.minor <= UVFIO_PROTO_MINOR);
	check_ranges(&peer);
	FZ_CHECK(!peer.twin_socket || peer.twin_fd_index >= 0);
}

/* Capabilities straight from the input, clamped into the valid ranges. */
static void fuzz_caps(const uint8_t *data, size_t size)
{
	struct fz f;
	struct uvfio_caps c;
	uint8_t b;

	fz_init(&f, data, size);
	uvfio_caps_init(&c);
	c.max_msg_fds = fz_u32(&f) % (PEER_MAX_MSG_FDS + 1);
	c.max_data_xfer_size = fz_u64(&f) % UVFIO_MAX_DATA_XFER + 1;
	c.max_dma_maps = fz_u32(&f) % (PEER_MAX_DMA_MAPS + 1);
	c.pgsizes = fz_u64(&f) & ~4095ull;
	if (!c.pgsizes)
		c.pgsizes = 4096;
	b = fz_u8(&f);
	c.write_multiple = b & 1;
	c.twin_socket = b & 2;
	c.twin_fd_index = (b & 4) ? -1 : (int32_t)(fz_u8(&f) % UVFIO_MAX_MSG_FDS);
	round_trip(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > 4 + UVFIO_MAX_JSON + 16)
		return 0;
	switch (data[0] & 3) {
	case 0:
		fuzz_json(data + 1, size - 1);
		break;
	case 1:
		fuzz_server(data + 1, size - 1);
		break;
	case 2:
		fuzz_client(data + 1, size - 1);
		break;
	default:
		fuzz_caps(data + 1, size - 1);
		break;
	}
	return 0;
}
