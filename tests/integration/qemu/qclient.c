// SPDX-License-Identifier: MIT
/*
 * tests/integration/qemu/qclient.c - see qclient.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "test.h"
#include "qclient.h"

uint16_t qc_next_id;

void qsrv_log(void *opaque, int level, const char *msg)
{
	struct qsrv *s = opaque;
	size_t n = strlen(msg);

	(void)level;
	pthread_mutex_lock(&s->log_lock);
	if (s->log_len + n + 2 < sizeof(s->log)) {
		memcpy(s->log + s->log_len, msg, n);
		s->log_len += n;
		s->log[s->log_len++] = '\n';
		s->log[s->log_len] = '\0';
	}
	pthread_mutex_unlock(&s->log_lock);
}

bool qsrv_log_has(struct qsrv *s, const char *needle)
{
	bool found;

	pthread_mutex_lock(&s->log_lock);
	found = strstr(s->log, needle) != NULL;
	pthread_mutex_unlock(&s->log_lock);
	return found;
}

static void *qsrv_thread(void *arg)
{
	struct qsrv *s = arg;

	s->ret = uvfio_dev_serve_conn(s->dev, s->srv_fd);
	return NULL;
}

void qsrv_start(struct qsrv *s, struct uvfio_dev *dev,
		void (*set_log)(struct uvfio_dev *dev,
				void (*fn)(void *opaque, int level, const char *msg), void *opaque))
{
	struct timeval tv = {.tv_sec = 5};
	int sv[2];

	s->dev = dev;
	s->log_len = 0;
	s->log[0] = '\0';
	pthread_mutex_init(&s->log_lock, NULL);
	(set_log ? set_log : uvfio_dev_set_log)(dev, qsrv_log, s);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	s->sock = sv[0];
	s->srv_fd = sv[1];
	s->ret = 1;
	qc_next_id = 0;
	assert_int_equal(pthread_create(&s->th, NULL, qsrv_thread, s), 0);
}

void qsrv_stop(struct qsrv *s)
{
	close(s->sock);
	s->sock = -1;
	pthread_join(s->th, NULL);
	pthread_mutex_destroy(&s->log_lock);
}

uint16_t qc_send(int sock, uint16_t cmd, uint32_t flags, const void *payload, size_t len,
		 const int *fds, unsigned int nfds)
{
	struct uvfio_msg_hdr hdr = {.msg_id = qc_next_id++, .cmd = cmd, .flags = flags};
	struct iovec iov = {.iov_base = (void *)payload, .iov_len = len};

	assert_int_equal(uvfio_msg_send(sock, &hdr, &iov, len ? 1 : 0, fds, nfds), 0);
	return hdr.msg_id;
}

int qc_reply(int sock, uint16_t id, uint16_t cmd, size_t allot, unsigned int max_fds,
	     struct qreply *r)
{
	struct uvfio_msg m = {.payload = r->data};
	int ret;

	r->fd = -1;
	ret = uvfio_msg_recv(sock, &m, sizeof(r->data), UVFIO_MAX_MSG_FDS);
	if (ret)
		fail_msg("%s id %u: no reply (%d)", uvfio_cmd_name(cmd), id, ret);
	r->hdr = m.hdr;
	r->len = m.len;
	/* contract §2: same id and command; QEMU takes only its exact flags. */
	if (m.hdr.msg_id != id || m.hdr.cmd != cmd)
		fail_msg("reply id %u cmd %u, want id %u cmd %u", m.hdr.msg_id, m.hdr.cmd, id, cmd);
	if (m.hdr.size > allot)
		fail_msg("%s reply of %u bytes, QEMU allots %zu", uvfio_cmd_name(cmd), m.hdr.size,
			 allot);
	if (m.nfds > max_fds)
		fail_msg("%s reply with %u fds, QEMU takes %u", uvfio_cmd_name(cmd), m.nfds,
			 max_fds);
	if (m.nfds)
		r->fd = m.fds[0];
	if (m.hdr.flags == (UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR)) {
		assert_int_equal(m.len, 0);
		assert_int_equal(m.nfds, 0);
		assert_true(m.hdr.error_no > 0 && m.hdr.error_no < 4096);
		return -(int)m.hdr.error_no;
	}
	if (m.hdr.flags != UVFIO_MSG_TYPE_REPLY)
		fail_msg("%s reply flags %#x", uvfio_cmd_name(cmd), m.hdr.flags);
	assert_int_equal(m.hdr.error_no, 0);
	return 0;
}

int qc_call(int sock, uint16_t cmd, const void *payload, size_t len, const int *fds,
	    unsigned int nfds, size_t allot, unsigned int max_fds, struct qreply *r)
{
	uint16_t id = qc_send(sock, cmd, 0, payload, len, fds, nfds);

	return qc_reply(sock, id, cmd, allot, max_fds, r);
}

static struct qreply scratch;

int qc_read(int sock, uint32_t region, uint64_t off, void *buf, uint32_t count)
{
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};
	int ret;

	/* contract §5.8: READ message size 32, reply buffer 32 + count. */
	ret = qc_call(sock, UVFIO_CMD_REGION_READ, &rw, sizeof(rw), NULL, 0,
		      sizeof(struct uvfio_msg_hdr) + sizeof(rw) + count, 0, &scratch);
	if (ret)
		return ret;
	/* A short read is a failure for QEMU: exactly count, and the head echoed. */
	assert_int_equal(scratch.len, sizeof(rw) + count);
	memcpy(&rw, scratch.data, sizeof(rw));
	assert_int_equal(rw.offset, off);
	assert_int_equal(rw.region, region);
	assert_int_equal(rw.count, count);
	memcpy(buf, scratch.data + sizeof(rw), count);
	return 0;
}

static uint8_t wbuf[(1u << 20) + 64];

static size_t build_write(uint32_t region, uint64_t off, const void *buf, uint32_t count)
{
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};

	memcpy(wbuf, &rw, sizeof(rw));
	memcpy(wbuf + sizeof(rw), buf, count);
	return sizeof(rw) + count;
}

int qc_write(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count)
{
	size_t len = build_write(region, off, buf, count);
	int ret;

	/* QEMU reuses its request buffer for the reply: the 16-byte head echoed fits. */
	ret = qc_call(sock, UVFIO_CMD_REGION_WRITE, wbuf, len, NULL, 0,
		      sizeof(struct uvfio_msg_hdr) + len, 0, &scratch);
	if (!ret)
		assert_int_equal(scratch.len, sizeof(struct uvfio_msg_region_rw));
	return ret;
}

void qc_write_posted(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count)
{
	size_t len = build_write(region, off, buf, count);

	qc_send(sock, UVFIO_CMD_REGION_WRITE, UVFIO_MSG_NO_REPLY, wbuf, len, NULL, 0);
}

uint32_t qc_read32(int sock, uint32_t region, uint64_t off)
{
	uint32_t v = 0;

	assert_int_equal(qc_read(sock, region, off, &v, 4), 0);
	return v;
}

void qc_write32(int sock, uint32_t region, uint64_t off, uint32_t v)
{
	assert_int_equal(qc_write(sock, region, off, &v, 4), 0);
}

int qc_dma_map(int sock, uint64_t iova, uint64_t size, uint32_t flags, int fd, uint64_t offset)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.offset = offset,
		.addr = iova,
		.size = size,
	};
	int ret;

	ret = qc_call(sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), &fd, fd >= 0 ? 1 : 0,
		      QC_ALLOT_DMA_MAP, 0, &scratch);
	if (!ret)
		assert_int_equal(scratch.len, 0);
	return ret;
}

int qc_efd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	assert_true(fd >= 0);
	return fd;
}

uint64_t qc_efd_take(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}
