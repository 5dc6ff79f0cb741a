// SPDX-License-Identifier: MIT
/*
 * bench/raw.c - the raw client and the bare responder: the same framing as
 * vfio-user's REGION_READ (contract §2, §5.8) with plain read()/write() and
 * nothing else, the baseline the library is measured against.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"

_Static_assert(RAW_REQ_SIZE == sizeof(struct uvfio_msg_hdr) + sizeof(struct uvfio_msg_region_rw),
	       "REGION_READ: 16-byte header + 16-byte offset/region/count");
_Static_assert(RAW_REP_SIZE == RAW_REQ_SIZE + 4, "REGION_READ reply: the request + 4 bytes");

int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint16_t next_id;

int raw_call(int sock, uint16_t cmd, const void *p, size_t len, const int *fds, unsigned int nfds,
	     void *rbuf, size_t rsize, size_t *rlen)
{
	struct uvfio_msg_hdr hdr = {.msg_id = next_id++, .cmd = cmd};
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
	struct uvfio_msg m = {.payload = rbuf};
	int ret;

	ret = uvfio_msg_send(sock, &hdr, &iov, len ? 1 : 0, fds, nfds);
	if (ret)
		return ret;
	ret = uvfio_msg_recv(sock, &m, rsize, 0);
	if (ret)
		return ret;
	if (m.hdr.msg_id != hdr.msg_id || m.hdr.cmd != cmd)
		return -EPROTO;
	if (m.hdr.flags & UVFIO_MSG_ERROR)
		return -(int)m.hdr.error_no;
	if (rlen)
		*rlen = m.len;
	return 0;
}

int raw_connect_uvfio(const char *path, int *out)
{
	static const char json[] = "{\"capabilities\": {\"max_msg_fds\": 16, "
				   "\"max_data_xfer_size\": 1048576}}";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint8_t buf[8192];
	struct uvfio_msg_version v = {.major = 0, .minor = 0};
	struct uvfio_msg_region_rw rw = {
		.offset = PCI_COMMAND,
		.region = VFIO_PCI_CONFIG_REGION_INDEX,
		.count = 2,
	};
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	int fd;
	int ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto err_close;
	}
	memcpy(buf, &v, sizeof(v));
	memcpy(buf + sizeof(v), json, sizeof(json));
	ret = raw_call(fd, UVFIO_CMD_VERSION, buf, sizeof(v) + sizeof(json), NULL, 0, buf,
		       sizeof(buf), NULL);
	if (ret)
		goto err_close;
	memcpy(buf, &rw, sizeof(rw));
	memcpy(buf + sizeof(rw), &cmd, sizeof(cmd));
	ret = raw_call(fd, UVFIO_CMD_REGION_WRITE, buf, sizeof(rw) + sizeof(cmd), NULL, 0, buf,
		       sizeof(buf), NULL);
	if (ret)
		goto err_close;
	*out = fd;
	return 0;

err_close:
	close(fd);
	return ret;
}

void raw_encode_read(uint8_t *buf, uint16_t id, uint64_t off)
{
	struct uvfio_msg_hdr hdr = {
		.msg_id = id,
		.cmd = UVFIO_CMD_REGION_READ,
		.size = RAW_REQ_SIZE,
		.flags = UVFIO_MSG_TYPE_COMMAND,
	};
	struct uvfio_msg_region_rw rw = {
		.offset = off,
		.region = VFIO_PCI_BAR0_REGION_INDEX,
		.count = 4,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &rw, sizeof(rw));
}

int64_t raw_read32(int sock, uint16_t id, uint64_t off)
{
	uint8_t req[RAW_REQ_SIZE];
	uint8_t rep[RAW_REP_SIZE];
	struct uvfio_msg_hdr hdr;
	uint32_t v;
	int ret;

	raw_encode_read(req, id, off);
	ret = write_all(sock, req, sizeof(req));
	if (!ret)
		ret = read_all(sock, rep, sizeof(rep));
	if (ret)
		return ret;
	memcpy(&hdr, rep, sizeof(hdr));
	if (hdr.msg_id != id || hdr.size != RAW_REP_SIZE || (hdr.flags & UVFIO_MSG_ERROR))
		return -EPROTO;
	memcpy(&v, rep + RAW_REQ_SIZE, sizeof(v));
	return v;
}

/*
 * The bare responder.
 */

/* Busy-poll for the first bytes of the next request, for up to @us. */
static ssize_t bare_poll(int fd, uint8_t *buf, size_t len, unsigned int us)
{
	uint64_t until = now_ns() + (uint64_t)us * 1000;

	do {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
	} while (now_ns() < until);
	return -1; /* errno = EAGAIN: sleep */
}

static void *bare_thread(void *arg)
{
	struct bare *b = arg;
	uint8_t req[RAW_REQ_SIZE];
	uint8_t rep[RAW_REP_SIZE];
	uint32_t reads = 0;

	for (;;) {
		struct uvfio_msg_hdr hdr;
		uint32_t value;
		size_t got = 0;

		if (b->poll_us) {
			ssize_t n = bare_poll(b->srv, req, sizeof(req), b->poll_us);

			if (n == 0)
				break;
			if (n > 0)
				got = (size_t)n;
		}
		if (read_all(b->srv, req + got, sizeof(req) - got))
			break;
		memcpy(&hdr, req, sizeof(hdr));
		hdr.flags = UVFIO_MSG_TYPE_REPLY;
		hdr.size = RAW_REP_SIZE;
		memcpy(rep, &hdr, sizeof(hdr));
		memcpy(rep + sizeof(hdr), req + sizeof(hdr), RAW_REQ_SIZE - sizeof(hdr));
		/* The same register as the model's: 0xc0ffee00 + reads served. */
		value = 0xc0ffee00u + (reads++ & 0xff);
		memcpy(rep + RAW_REQ_SIZE, &value, sizeof(value));
		if (write_all(b->srv, rep, sizeof(rep)))
			break;
		b->served++;
	}
	return NULL;
}

int bare_start(struct bare *b, unsigned int poll_us)
{
	int sv[2];

	memset(b, 0, sizeof(*b));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	b->sock = sv[0];
	b->srv = sv[1];
	b->poll_us = poll_us;
	if (pthread_create(&b->th, NULL, bare_thread, b)) {
		close(sv[0]);
		close(sv[1]);
		return -EAGAIN;
	}
	return 0;
}

void bare_stop(struct bare *b)
{
	shutdown(b->sock, SHUT_RDWR);
	pthread_join(b->th, NULL);
	close(b->sock);
	close(b->srv);
}
