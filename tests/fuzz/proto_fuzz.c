// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/proto: arbitrary bytes from a peer go through
 * uvfio_msg_recv(), uvfio_msg_check() and, for VERSION, both negotiation
 * paths; the same bytes are also parsed as capability JSON.
 *
 * Build (clang): -fsanitize=fuzzer,address,undefined with lib/proto's sources.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proto/proto.h"

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
	struct uvfio_msg msg = { .payload = payload };
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	parse_json(data, size);
	feed_stream(data, size);
	return 0;
}
