// SPDX-License-Identifier: MIT
/*
 * Fuzz target for lib/proto: arbitrary bytes from a peer go through
 * uvfio_msg_recv(), uvfio_msg_check() and, for VERSION, both negotiation
 * paths; the same bytes are also parsed as capability JSON, and checked
 * directly as one message (header + exact-size payload, so an overread is
 * seen by ASan) against an independent statement of what uvfio_msg_check()
 * promises in proto.h: a message it accepts has the fixed part of its
 * command, variable parts that agree with their counts, and fds only where
 * a command may carry them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proto/proto.h"
#include "fuzz.h"

/* Bounded so the whole input fits the socket buffer and writing never blocks. */
#define MAX_INPUT (64 * 1024)

static void parse_json(const uint8_t *data, size_t size)
{
	char buf[UVFIO_MAX_JSON + 1];
	struct uvfio_caps caps;

	if (size > UVFIO_MAX_JSON)
		size = UVFIO_MAX_JSON;
	memcpy(buf, data, size);
	buf[size] = '\0';
	uvfio_caps_from_json(buf, size + 1, &caps);
}

static void feed_stream(const uint8_t *data, size_t size)
{
	static uint8_t payload[4 + UVFIO_MAX_JSON];
	struct uvfio_msg msg = {.payload = payload};
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	if (write(sv[0], data, size) != (ssize_t)size)
		goto out;
	shutdown(sv[0], SHUT_WR);
	for (;;) {
		struct uvfio_caps ours;
		struct uvfio_caps peer;
		uint16_t minor;
		int ret = uvfio_msg_recv(sv[1], &msg, sizeof(payload), UVFIO_MAX_MSG_FDS);

		if (ret && ret != -EMSGSIZE && ret != -EINVAL)
			break;
		if (ret)
			continue;
		FZ_CHECK(msg.len == msg.hdr.size - sizeof(msg.hdr) && msg.len <= sizeof(payload));
		if (uvfio_msg_check(&msg) == 0 && msg.hdr.cmd == UVFIO_CMD_VERSION) {
			uvfio_caps_init(&ours);
			uvfio_version_server(msg.payload, msg.len, &ours, &peer, &minor);
			uvfio_version_client(msg.payload, msg.len, &peer);
		}
		uvfio_msg_close_fds(&msg);
	}
out:
	close(sv[0]);
	close(sv[1]);
}

static uint32_t get32(const struct uvfio_msg *m, size_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)m->payload + off, sizeof(v));
	return v;
}

static uint64_t get64(const struct uvfio_msg *m, size_t off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)m->payload + off, sizeof(v));
	return v;
}

/* What proto.h says of a command uvfio_msg_check() accepted. */
static void command_oracle(const struct uvfio_msg *m)
{
	const size_t rw = sizeof(struct uvfio_msg_region_rw);
	const size_t irq_head = offsetof(struct vfio_irq_set, data);
	uint32_t flags;

	switch (m->hdr.cmd) {
	case UVFIO_CMD_DMA_MAP:
		FZ_CHECK(m->len == sizeof(struct uvfio_msg_dma_map) && m->nfds <= 1);
		return;
	case UVFIO_CMD_DMA_UNMAP:
		FZ_CHECK(m->len >= sizeof(struct uvfio_msg_dma_unmap) && m->nfds <= 1);
		return;
	case UVFIO_CMD_DEVICE_SET_IRQS:
		FZ_CHECK(m->len >= irq_head);
		flags = get32(m, offsetof(struct vfio_irq_set, flags));
		if (flags & VFIO_IRQ_SET_DATA_BOOL)
			FZ_CHECK(m->len - irq_head ==
				 get32(m, offsetof(struct vfio_irq_set, count)));
		if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
			FZ_CHECK(m->nfds <= get32(m, offsetof(struct vfio_irq_set, count)));
		else
			FZ_CHECK(m->nfds == 0);
		return;
	case UVFIO_CMD_REGION_READ:
		FZ_CHECK(m->len == rw);
		break;
	case UVFIO_CMD_REGION_WRITE:
		FZ_CHECK(m->len >= rw &&
			 m->len - rw == get32(m, offsetof(struct uvfio_msg_region_rw, count)));
		break;
	case UVFIO_CMD_DMA_WRITE:
		FZ_CHECK(m->len >= sizeof(struct uvfio_msg_dma_rw));
		FZ_CHECK(m->len - sizeof(struct uvfio_msg_dma_rw) ==
			 get64(m, offsetof(struct uvfio_msg_dma_rw, count)));
		break;
	case UVFIO_CMD_REGION_WRITE_MULTI: {
		uint64_t n;
		uint64_t i;

		FZ_CHECK(m->len >= sizeof(struct uvfio_msg_write_multi));
		n = get64(m, 0);
		FZ_CHECK(n <= UVFIO_WRITE_MULTI_MAX);
		FZ_CHECK(m->len == 8 + n * sizeof(struct uvfio_msg_write_multi_entry));
		for (i = 0; i < n; i++)
			FZ_CHECK(get32(m, 8 + i * 24 + 12) <= UVFIO_WRITE_MULTI_DATA);
		break;
	}
	case UVFIO_CMD_VERSION:
		FZ_CHECK(m->len >= sizeof(struct uvfio_msg_version));
		break;
	default:
		break;
	}
	/* Commands other than DMA_MAP, DMA_UNMAP and SET_IRQS carry no fds. */
	FZ_CHECK(m->nfds == 0);
}

static void reply_oracle(const struct uvfio_msg *m)
{
	const size_t rw = sizeof(struct uvfio_msg_region_rw);

	if (m->hdr.flags & UVFIO_MSG_ERROR) {
		FZ_CHECK(m->len == 0 && m->nfds == 0);
		return;
	}
	switch (m->hdr.cmd) {
	case UVFIO_CMD_VERSION:
	case UVFIO_CMD_DEVICE_GET_REGION_INFO:
		FZ_CHECK(m->nfds <= 1);
		return;
	case UVFIO_CMD_DEVICE_GET_REGION_IO_FDS:
		return;
	case UVFIO_CMD_REGION_READ:
		FZ_CHECK(m->len >= rw &&
			 m->len - rw == get32(m, offsetof(struct uvfio_msg_region_rw, count)));
		break;
	case UVFIO_CMD_DMA_READ:
		FZ_CHECK(m->len >= sizeof(struct uvfio_msg_dma_rw));
		FZ_CHECK(m->len - sizeof(struct uvfio_msg_dma_rw) ==
			 get64(m, offsetof(struct uvfio_msg_dma_rw, count)));
		break;
	case UVFIO_CMD_MIG_DATA_READ:
		FZ_CHECK(m->len >= sizeof(struct uvfio_msg_mig_data));
		FZ_CHECK(get32(m, 4) <= m->len - sizeof(struct uvfio_msg_mig_data));
		break;
	default:
		break;
	}
	FZ_CHECK(m->nfds == 0);
}

/*
 * The input as one received message: 16 header bytes (size forced to agree),
 * the rest as payload in a buffer of exactly that size; error_no's low bits
 * say how many fds came with it (fd numbers are never used by the check).
 */
static void check_direct(const uint8_t *data, size_t size)
{
	struct uvfio_msg msg;
	uint32_t type;
	unsigned int i;

	if (size < sizeof(msg.hdr))
		return;
	memset(&msg, 0, sizeof(msg));
	memcpy(&msg.hdr, data, sizeof(msg.hdr));
	msg.len = size - sizeof(msg.hdr);
	msg.hdr.size = (uint32_t)size;
	msg.payload = msg.len ? malloc(msg.len) : NULL;
	if (msg.len && !msg.payload)
		return;
	if (msg.len)
		memcpy(msg.payload, data + sizeof(msg.hdr), msg.len);
	msg.nfds = msg.hdr.error_no % (UVFIO_MAX_MSG_FDS + 1);
	for (i = 0; i < msg.nfds; i++)
		msg.fds[i] = -1;

	if (uvfio_msg_check(&msg) == 0) {
		FZ_CHECK(msg.hdr.cmd >= UVFIO_CMD_VERSION && msg.hdr.cmd <= UVFIO_CMD_MAX);
		type = msg.hdr.flags & UVFIO_MSG_TYPE_MASK;
		FZ_CHECK(type == UVFIO_MSG_TYPE_COMMAND || type == UVFIO_MSG_TYPE_REPLY);
		if (type == UVFIO_MSG_TYPE_COMMAND)
			command_oracle(&msg);
		else
			reply_oracle(&msg);
	}
	free(msg.payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	parse_json(data, size);
	feed_stream(data, size);
	check_direct(data, size);
	return 0;
}
