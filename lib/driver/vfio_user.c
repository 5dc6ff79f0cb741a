// SPDX-License-Identifier: MIT
/*
 * lib/driver/vfio_user.c - the vfio-user backend: a client of one vfio-user
 * server over one AF_UNIX socket (contract = shared/docs/vfio-user-protocol.md,
 * cited "contract §N").
 *
 * The server is untrusted (docs/DESIGN.md: Security): every reply is checked
 * with uvfio_msg_check() and against the request it answers (id, command,
 * region, counts), fds that come where none are expected are closed, a server
 * that does not answer within the device's timeout is marked broken, and the
 * server's own requests (DMA_READ / DMA_WRITE) are served only inside what we
 * mapped for it, with the permissions we mapped.
 *
 * Without twin-socket, the server's requests arrive interleaved with our
 * replies on the one socket (contract §2), so the receive path demultiplexes
 * on the type bit: while we wait for a reply, commands are served in place.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "proto/proto.h"

/*
 * Transfers we ask for and accept ourselves: the spec default (contract
 * §3.1, 1 MiB), and never more than the server accepts.
 */
#define VU_OUR_MAX_XFER UVFIO_DEFAULT_MAX_DATA_XFER
/* Region-info replies: head + caps; we ask for at most this (ample for 16 areas). */
#define VU_REGION_INFO_FIRST 512
#define VU_REGION_INFO_MAX (64 * 1024)
/* Receive buffer: the largest transfer plus the largest non-data reply. */
#define VU_RXBUF (VU_OUR_MAX_XFER + VU_REGION_INFO_MAX)
/* Server requests served per uvfio_device_process() call, so it cannot starve us. */
#define VU_PROCESS_BUDGET 64

/**
 * struct vu_map - one DMA map sent to the server.
 * @iova: start; @size: length; @vaddr: our memory; @prot: VFIO_DMA_MAP_FLAG_*.
 */
struct vu_map {
	uint64_t iova;
	uint64_t size;
	uint8_t *vaddr;
	uint32_t prot;
};

/**
 * struct vu_dev - backend state of one vfio-user device (d->priv).
 * @d: the core device.
 * @sock: connected socket.
 * @next_id: next message id (contract §2: ours to choose, may wrap).
 * @peer: server capabilities, clamped to our limits.
 * @xfer: largest region transfer we send: min(server max, ours).
 * @broken: a failure left the stream unusable; everything fails now.
 * @why: what broke it.
 * @dom: the device's own DMA domain.
 * @dom_name: its name.
 * @maps: maps sent to the server, sorted by iova.
 * @nr_maps, @cap_maps: entries used and allocated.
 * @rx: receive buffer, VU_RXBUF bytes.
 */
struct vu_dev {
	struct uvfio_device *d;
	int sock;
	uint16_t next_id;
	struct uvfio_caps peer;
	size_t xfer;
	bool broken;
	char why[160];
	struct uvfio_dma_domain dom;
	char *dom_name;
	struct vu_map *maps;
	size_t nr_maps;
	size_t cap_maps;
	uint8_t *rx;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int vu_break(struct vu_dev *v, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Mark the device broken with @fmt as the reason and the last error. */
static int vu_break(struct vu_dev *v, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	v->broken = true;
	uvfio_log(v->d->container, LOG_ERR, "%s: %s; device marked broken", v->d->name, v->why);
	return uvfio_fail(err, "%s: %s; the device is now unusable", v->d->name, v->why);
}

static int vu_check_usable(struct vu_dev *v)
{
	if (!v->broken)
		return 0;
	return uvfio_fail(-ENOTCONN, "%s: device unusable after an earlier failure (%s)",
			  v->d->name, v->why);
}

/*
 * The DMA map table.
 */

/* Index of the first map with iova > @addr. */
static size_t map_upper(const struct vu_dev *v, uint64_t addr)
{
	size_t lo = 0;
	size_t hi = v->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->maps[mid].iova <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int map_insert(struct vu_dev *v, const struct vu_map *m)
{
	size_t i;

	if (v->nr_maps == v->cap_maps) {
		size_t cap = v->cap_maps ? v->cap_maps * 2 : 16;
		struct vu_map *n = realloc(v->maps, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		v->maps = n;
		v->cap_maps = cap;
	}
	i = map_upper(v, m->iova);
	memmove(&v->maps[i + 1], &v->maps[i], (v->nr_maps - i) * sizeof(*m));
	v->maps[i] = *m;
	v->nr_maps++;
	return 0;
}

static void map_remove(struct vu_dev *v, uint64_t iova)
{
	size_t i = map_upper(v, iova);

	if (!i || v->maps[i - 1].iova != iova)
		return;
	i--;
	memmove(&v->maps[i], &v->maps[i + 1], (v->nr_maps - i - 1) * sizeof(v->maps[0]));
	v->nr_maps--;
}

/*
 * The map wholly containing [@addr, @addr + @count), or NULL.  A request may
 * not straddle two maps: each is a separate buffer in our address space.
 */
static const struct vu_map *map_find(const struct vu_dev *v, uint64_t addr, uint64_t count)
{
	const struct vu_map *m;
	size_t i;

	if (!count || addr > UINT64_MAX - (count - 1))
		return NULL;
	i = map_upper(v, addr);
	if (!i)
		return NULL;
	m = &v->maps[i - 1];
	if (addr - m->iova > m->size || count > m->size - (addr - m->iova))
		return NULL;
	return m;
}

/*
 * Serving the server's requests (contract §5.11, spec layout).
 */

static void serve_reply_error(struct vu_dev *v, const struct uvfio_msg_hdr *hdr, int err)
{
	int ret = uvfio_msg_reply_error(v->sock, hdr, err);

	if (ret)
		uvfio_log(v->d->container, LOG_WARNING, "%s: cannot answer %s: %d", v->d->name,
			  uvfio_cmd_name(hdr->cmd), ret);
}

static int serve_dma(struct vu_dev *v, struct uvfio_msg *msg)
{
	struct uvfio_msg_dma_rw head;
	const struct vu_map *m;
	bool is_read = msg->hdr.cmd == UVFIO_CMD_DMA_READ;
	uint32_t need = is_read ? VFIO_DMA_MAP_FLAG_READ : VFIO_DMA_MAP_FLAG_WRITE;
	uint8_t *p;

	/* QEMU answers fds on these with EINVAL (contract §1); so do we. */
	if (msg->nfds) {
		uvfio_msg_close_fds(msg);
		serve_reply_error(v, &msg->hdr, EINVAL);
		return 0;
	}
	if (uvfio_msg_check(msg)) {
		serve_reply_error(v, &msg->hdr, EINVAL);
		return 0;
	}
	memcpy(&head, msg->payload, sizeof(head));
	if (head.count > VU_OUR_MAX_XFER) {
		serve_reply_error(v, &msg->hdr, E2BIG);
		return 0;
	}
	m = map_find(v, head.addr, head.count);
	if (!m) {
		uvfio_log(v->d->container, LOG_WARNING,
			  "%s: server %s of [0x%llx, +0x%llx) outside anything mapped", v->d->name,
			  uvfio_cmd_name(msg->hdr.cmd), (unsigned long long)head.addr,
			  (unsigned long long)head.count);
		serve_reply_error(v, &msg->hdr, EFAULT);
		return 0;
	}
	if (!(m->prot & need)) {
		serve_reply_error(v, &msg->hdr, EPERM);
		return 0;
	}
	p = m->vaddr + (head.addr - m->iova);

	if (is_read) {
		struct iovec iov[2] = {
			{ .iov_base = &head, .iov_len = sizeof(head) },
			{ .iov_base = p, .iov_len = head.count },
		};

		return uvfio_msg_reply(v->sock, &msg->hdr, iov, 2, NULL, 0);
	}
	memcpy(p, (uint8_t *)msg->payload + sizeof(head), head.count);
	{
		/* libvfio-user expects the 16-byte {address, count} echo (contract §5.11). */
		struct iovec iov = { .iov_base = &head, .iov_len = sizeof(head) };

		return uvfio_msg_reply(v->sock, &msg->hdr, &iov, 1, NULL, 0);
	}
}

/* A command from the server: serve it.  Return: 0, or -errno if the socket failed. */
static int serve_request(struct vu_dev *v, struct uvfio_msg *msg)
{
	int ret;

	switch (msg->hdr.cmd) {
	case UVFIO_CMD_DMA_READ:
	case UVFIO_CMD_DMA_WRITE:
		ret = serve_dma(v, msg);
		break;
	default:
		/* Unknown server->client command: ENOSYS, as QEMU answers (contract §5.11). */
		uvfio_msg_close_fds(msg);
		ret = uvfio_msg_reply_error(v->sock, &msg->hdr, ENOSYS);
		break;
	}
	uvfio_msg_close_fds(msg);
	if (ret && ret != -EINVAL)
		return ret;
	return 0;
}

/*
 * Receiving.
 */

/*
 * Receive one message into v->rx.  Commands are served here; replies are
 * returned (1) for the caller to match.  Return: 1 reply in @msg, 0 a
 * command was handled, -errno the stream failed (device broken).
 */
static int recv_one(struct vu_dev *v, struct uvfio_msg *msg)
{
	int ret;

	memset(msg, 0, sizeof(*msg));
	msg->payload = v->rx;
	ret = uvfio_msg_recv(v->sock, msg, VU_RXBUF, UVFIO_MAX_MSG_FDS);
	if (ret == -EMSGSIZE || ret == -EINVAL) {
		/* Drained and in step: answer a command, report a reply. */
		uvfio_msg_close_fds(msg);
		if ((msg->hdr.flags & UVFIO_MSG_TYPE_MASK) == UVFIO_MSG_TYPE_COMMAND) {
			serve_reply_error(v, &msg->hdr, ret == -EMSGSIZE ? E2BIG : EINVAL);
			return 0;
		}
		msg->len = 0;
		return ret;
	}
	if (ret == -ECONNRESET)
		return vu_break(v, -ECONNRESET, "the server closed the connection");
	if (ret)
		return vu_break(v, ret, "receive failed (%s)", strerror(-ret));

	if ((msg->hdr.flags & UVFIO_MSG_TYPE_MASK) == UVFIO_MSG_TYPE_COMMAND) {
		ret = serve_request(v, msg);
		if (ret)
			return vu_break(v, ret, "cannot answer the server's %s (%s)",
					uvfio_cmd_name(msg->hdr.cmd), strerror(-ret));
		return 0;
	}
	return 1;
}

/*
 * Wait for the reply to (@id, @cmd).  The reply is left in @msg (payload in
 * v->rx, fds owned by the caller).  Fds are closed unless @cmd may carry them.
 * Return: 0, the server's -errno for an error reply, -EPROTO for a malformed
 * reply, -ETIMEDOUT / -ECONNRESET (device broken).
 */
static int wait_reply(struct vu_dev *v, uint16_t id, uint16_t cmd, struct uvfio_msg *msg)
{
	int64_t deadline = now_ms() + v->d->timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = v->sock, .events = POLLIN };
		int64_t left = deadline - now_ms();
		int ret;

		/*
		 * The deadline holds even while the server keeps sending us
		 * requests: a flood must not keep us here for ever.
		 */
		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, (int)(left > INT32_MAX ? INT32_MAX : left));
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return vu_break(v, -errno, "poll failed");
		if (ret == 0 || (left == 0 && now_ms() > deadline + 1))
			return vu_break(v, -ETIMEDOUT, "no reply to %s within %d ms",
					uvfio_cmd_name(cmd), v->d->timeout_ms);

		ret = recv_one(v, msg);
		if (ret == 0)
			continue;
		if (ret < 0 && v->broken)
			return ret;
		if (msg->hdr.msg_id != id || msg->hdr.cmd != cmd) {
			/* contract §2: QEMU drops "unexpected reply" too. */
			uvfio_log(v->d->container, LOG_WARNING,
				  "%s: dropping unexpected reply id %u cmd %s (waiting for id %u %s)",
				  v->d->name, msg->hdr.msg_id, uvfio_cmd_name(msg->hdr.cmd), id,
				  uvfio_cmd_name(cmd));
			uvfio_msg_close_fds(msg);
			continue;
		}
		if (ret < 0)
			return uvfio_fail(-EPROTO, "%s: %s reply is malformed or too large",
					  v->d->name, uvfio_cmd_name(cmd));

		if (msg->hdr.flags & UVFIO_MSG_ERROR) {
			int err = (int)msg->hdr.error_no;

			uvfio_msg_close_fds(msg);
			/* libvfio-user maps values <= 0 or > 4096 to EINVAL (contract §2). */
			if (err <= 0 || err > 4096)
				err = EINVAL;
			return uvfio_fail(-err, "%s: server refused %s: %s", v->d->name,
					  uvfio_cmd_name(cmd), strerror(err));
		}
		/* Only a region-info reply may carry an fd (contract §5.4), and one. */
		if (msg->nfds && (cmd != UVFIO_CMD_DEVICE_GET_REGION_INFO || msg->nfds > 1)) {
			unsigned int keep = cmd == UVFIO_CMD_DEVICE_GET_REGION_INFO ? 1 : 0;
			unsigned int i;

			uvfio_log(v->d->container, LOG_WARNING,
				  "%s: closing %u unexpected fds on the %s reply", v->d->name,
				  msg->nfds - keep, uvfio_cmd_name(cmd));
			for (i = keep; i < msg->nfds; i++)
				close(msg->fds[i]);
			msg->nfds = keep;
		}
		if (uvfio_msg_check(msg)) {
			uvfio_msg_close_fds(msg);
			return uvfio_fail(-EPROTO, "%s: malformed %s reply (%zu payload bytes)",
					  v->d->name, uvfio_cmd_name(cmd), msg->len);
		}
		return 0;
	}
}

/*
 * Send a command and, unless @no_reply, wait for its reply into @reply.
 */
static int vu_call(struct vu_dev *v, uint16_t cmd, const struct iovec *iov, int iovcnt,
		   const int *fds, unsigned int nfds, bool no_reply, struct uvfio_msg *reply)
{
	struct uvfio_msg_hdr hdr = {
		.msg_id = v->next_id++,
		.cmd = cmd,
		.flags = UVFIO_MSG_TYPE_COMMAND | (no_reply ? UVFIO_MSG_NO_REPLY : 0),
	};
	int ret;

	ret = vu_check_usable(v);
	if (ret)
		return ret;
	ret = uvfio_msg_send(v->sock, &hdr, iov, iovcnt, fds, nfds);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return vu_break(v, -ETIMEDOUT, "the server did not take %s within %d ms",
				uvfio_cmd_name(cmd), v->d->timeout_ms);
	if (ret == -EPIPE || ret == -ECONNRESET)
		return vu_break(v, -ECONNRESET, "the server closed the connection");
	if (ret)
		return uvfio_fail(ret, "%s: sending %s failed: %s", v->d->name,
				  uvfio_cmd_name(cmd), strerror(-ret));
	if (no_reply)
		return 0;
	return wait_reply(v, hdr.msg_id, cmd, reply);
}

/*
 * Backend ops.
 */

static struct vu_dev *vu(struct uvfio_device *d)
{
	return d->priv;
}

static int vu_get_info(struct uvfio_device *d, struct uvfio_device_info *info)
{
	struct vu_dev *v = vu(d);
	struct uvfio_msg_device_info req = { .argsz = sizeof(req) };
	struct uvfio_msg_device_info rep;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct uvfio_msg msg;
	int ret;

	ret = vu_call(v, UVFIO_CMD_DEVICE_GET_INFO, &iov, 1, NULL, 0, false, &msg);
	if (ret)
		return ret;
	memcpy(&rep, msg.payload, sizeof(rep));
	info->flags = rep.flags;
	info->num_regions = rep.num_regions;
	info->num_irqs = rep.num_irqs;
	return 0;
}

static int vu_get_region_info(struct uvfio_device *d, uint32_t index,
			      struct vfio_region_info **out, size_t *out_len, int *out_fd)
{
	struct vu_dev *v = vu(d);
	uint32_t argsz = VU_REGION_INFO_FIRST;
	unsigned int attempt;

	*out_fd = -1;
	/* Retry with the argsz the server says it needs (contract §5.4); twice is plenty. */
	for (attempt = 0; attempt < 3; attempt++) {
		struct vfio_region_info req = { .argsz = argsz, .index = index };
		struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
		struct vfio_region_info head;
		struct vfio_region_info *raw;
		struct uvfio_msg msg;
		size_t len;
		int ret;

		ret = vu_call(v, UVFIO_CMD_DEVICE_GET_REGION_INFO, &iov, 1, NULL, 0, false, &msg);
		if (ret)
			return ret;
		memcpy(&head, msg.payload, sizeof(head));
		if (head.index != index) {
			uvfio_msg_close_fds(&msg);
			return uvfio_fail(-EPROTO, "%s: asked for region %u, the reply describes %u",
					  d->name, index, head.index);
		}
		if (head.argsz > argsz) {
			/* Truncated: libvfio-user then sends no fd and no CAPS; ask again. */
			uvfio_msg_close_fds(&msg);
			if (head.argsz > VU_REGION_INFO_MAX)
				return uvfio_fail(-EPROTO,
						  "%s: region %u info claims %u bytes (max %d)",
						  d->name, index, head.argsz, VU_REGION_INFO_MAX);
			argsz = head.argsz;
			continue;
		}
		len = msg.len;
		if (head.argsz >= sizeof(head) && head.argsz < len)
			len = head.argsz;
		raw = malloc(len);
		if (!raw) {
			uvfio_msg_close_fds(&msg);
			return uvfio_fail(-ENOMEM, "out of memory");
		}
		memcpy(raw, msg.payload, len);
		if (raw->flags & VFIO_REGION_INFO_FLAG_MMAP) {
			if (msg.nfds) {
				*out_fd = msg.fds[0];
				msg.nfds = 0;
			} else {
				/* Mmap-able but no fd to map: it is not, for us. */
				raw->flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
			}
		} else if (msg.nfds) {
			uvfio_log(d->container, LOG_WARNING,
				  "%s: closing an fd sent with non-mmap-able region %u", d->name,
				  index);
		}
		uvfio_msg_close_fds(&msg);
		*out = raw;
		*out_len = len;
		return 0;
	}
	return uvfio_fail(-EPROTO, "%s: region %u info keeps growing", d->name, index);
}

static int vu_region_read(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			  void *buf, size_t len)
{
	struct vu_dev *v = vu(d);
	uint8_t *out = buf;

	while (len) {
		uint32_t n = (uint32_t)(len < v->xfer ? len : v->xfer);
		struct uvfio_msg_region_rw req = {
			.offset = off,
			.region = r->info.index,
			.count = n,
		};
		struct uvfio_msg_region_rw rep;
		struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
		struct uvfio_msg msg;
		int ret;

		ret = vu_call(v, UVFIO_CMD_REGION_READ, &iov, 1, NULL, 0, false, &msg);
		if (ret)
			return ret;
		memcpy(&rep, msg.payload, sizeof(rep));
		/* contract §5.8: anything but exactly @n bytes is a failure. */
		if (rep.count < n || msg.len - sizeof(rep) < n)
			return uvfio_fail(-EIO, "%s: short read of region %u at 0x%llx (%u of %u)",
					  d->name, r->info.index, (unsigned long long)off, rep.count,
					  n);
		if (rep.count != n || msg.len - sizeof(rep) != n || rep.region != req.region ||
		    rep.offset != req.offset)
			return uvfio_fail(-EPROTO, "%s: REGION_READ reply does not match the request",
					  d->name);
		memcpy(out, (uint8_t *)msg.payload + sizeof(rep), n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int vu_region_write(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			   const void *buf, size_t len, bool posted)
{
	struct vu_dev *v = vu(d);
	const uint8_t *in = buf;

	while (len) {
		uint32_t n = (uint32_t)(len < v->xfer ? len : v->xfer);
		struct uvfio_msg_region_rw req = {
			.offset = off,
			.region = r->info.index,
			.count = n,
		};
		struct uvfio_msg_region_rw rep;
		struct iovec iov[2] = {
			{ .iov_base = &req, .iov_len = sizeof(req) },
			{ .iov_base = (void *)in, .iov_len = n },
		};
		struct uvfio_msg msg;
		int ret;

		ret = vu_call(v, UVFIO_CMD_REGION_WRITE, iov, 2, NULL, 0, posted, &msg);
		if (ret)
			return ret;
		if (!posted) {
			memcpy(&rep, msg.payload, sizeof(rep));
			if (rep.count != n)
				return uvfio_fail(-EIO,
						  "%s: region %u wrote %u of %u bytes at 0x%llx",
						  d->name, r->info.index, rep.count, n,
						  (unsigned long long)off);
		}
		in += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int vu_region_mmap(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			  size_t len, int prot, void *addr)
{
	struct stat st;
	void *p;

	if (r->fd < 0)
		return uvfio_fail(-ENOTSUP, "%s: the server gave no fd for region %u", d->name,
				  r->info.index);
	/* The fd offset is region.offset + area.offset (contract §5.4, QEMU). */
	if (r->fd_offset > (uint64_t)INT64_MAX - off)
		return uvfio_fail(-EPROTO, "%s: region %u mmap offset overflows", d->name,
				  r->info.index);
	/*
	 * A file shorter than the mapping maps fine, and then kills us with
	 * SIGBUS on the first touch of a page past its end: a server must not
	 * be able to do that (DESIGN.md Security).  Pages are what count: the
	 * tail of a partly backed last page reads as zeros.
	 */
	if (!fstat(r->fd, &st) && S_ISREG(st.st_mode)) {
		uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
		uint64_t backed = ((uint64_t)st.st_size + page - 1) & ~(page - 1);

		if (st.st_size < 0 || backed < r->fd_offset + off ||
		    backed - (r->fd_offset + off) < len)
			return uvfio_fail(-EPROTO,
					  "%s: region %u: the server's fd holds %lld bytes, too few "
					  "for [0x%llx, +0x%zx)",
					  d->name, r->info.index, (long long)st.st_size,
					  (unsigned long long)(r->fd_offset + off), len);
	}
	p = mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, r->fd, (off_t)(r->fd_offset + off));
	if (p == MAP_FAILED)
		return uvfio_fail(-errno, "%s: mmap of region %u at 0x%llx failed: %s", d->name,
				  r->info.index, (unsigned long long)off, strerror(errno));
	return 0;
}

static int vu_get_irq_info(struct uvfio_device *d, struct vfio_irq_info *info)
{
	struct vu_dev *v = vu(d);
	struct vfio_irq_info req = { .argsz = sizeof(req), .index = info->index };
	struct vfio_irq_info rep;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct uvfio_msg msg;
	int ret;

	ret = vu_call(v, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &iov, 1, NULL, 0, false, &msg);
	if (ret)
		return ret;
	memcpy(&rep, msg.payload, sizeof(rep));
	if (rep.index != info->index)
		return uvfio_fail(-EPROTO, "%s: asked for IRQ index %u, the reply describes %u",
				  d->name, info->index, rep.index);
	info->flags = rep.flags;
	info->count = rep.count;
	return 0;
}

static int send_set_irqs(struct vu_dev *v, const struct vfio_irq_set *head, uint32_t start,
			 uint32_t count, const void *data, size_t dsize, const int *fds,
			 unsigned int nfds)
{
	struct vfio_irq_set req = {
		.argsz = (uint32_t)(sizeof(req) + dsize),
		.flags = head->flags,
		.index = head->index,
		.start = start,
		.count = count,
	};
	struct iovec iov[2] = {
		{ .iov_base = &req, .iov_len = sizeof(req) },
		{ .iov_base = (void *)data, .iov_len = dsize },
	};
	struct uvfio_msg msg;

	return vu_call(v, UVFIO_CMD_DEVICE_SET_IRQS, iov, dsize ? 2 : 1, fds, nfds, false, &msg);
}

static int vu_set_irqs(struct uvfio_device *d, const struct vfio_irq_set *set, const void *data)
{
	struct vu_dev *v = vu(d);
	const int32_t *efds = data;
	uint32_t i = 0;

	switch (set->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		return send_set_irqs(v, set, set->start, set->count, NULL, 0, NULL, 0);
	case VFIO_IRQ_SET_DATA_BOOL:
		return send_set_irqs(v, set, set->start, set->count, data, set->count, NULL, 0);
	case VFIO_IRQ_SET_DATA_EVENTFD:
		break;
	default:
		return -EINVAL;
	}
	if (!set->count)
		return send_set_irqs(v, set, set->start, 0, NULL, 0, NULL, 0);

	/*
	 * Eventfds travel in SCM_RIGHTS, at most the server's max_msg_fds per
	 * message, and an fd of -1 cannot travel at all.  All valid and few
	 * enough: one message, as the kernel ioctl.  Otherwise: first the
	 * whole range with no fds (de-assign all, which on a disabled index
	 * enables it with start + count vectors, as vfio_msi_enable() does),
	 * then each run of valid fds in chunks of max_msg_fds.  A server with
	 * the kernel's semantics (no growth after enable) then accepts every
	 * chunk; QEMU sends the same chunks without the first message
	 * (contract §5.7), so contract-following servers accept it too.
	 */
	{
		bool all_valid = true;
		bool any_valid = false;

		for (i = 0; i < set->count; i++) {
			if (efds[i] < 0)
				all_valid = false;
			else
				any_valid = true;
		}
		if (all_valid && set->count <= v->peer.max_msg_fds)
			return send_set_irqs(v, set, set->start, set->count, NULL, 0, efds,
					     set->count);
		if (any_valid && !v->peer.max_msg_fds)
			return uvfio_fail(-ENOTSUP,
					  "%s: the server accepts no fds (max_msg_fds 0), so no "
					  "eventfds",
					  d->name);
	}
	{
		int ret = send_set_irqs(v, set, set->start, set->count, NULL, 0, NULL, 0);

		if (ret)
			return ret;
	}
	i = 0;
	while (i < set->count) {
		uint32_t n = 0;
		int ret;

		if (efds[i] < 0) {
			i++;
			continue;
		}
		while (i + n < set->count && efds[i + n] >= 0 && n < v->peer.max_msg_fds)
			n++;
		ret = send_set_irqs(v, set, set->start + i, n, NULL, 0, efds + i, n);
		if (ret)
			return ret;
		i += n;
	}
	return 0;
}

static int vu_reset(struct uvfio_device *d)
{
	struct uvfio_msg msg;

	return vu_call(vu(d), UVFIO_CMD_DEVICE_RESET, NULL, 0, NULL, 0, false, &msg);
}

static int vu_poll_fd(struct uvfio_device *d)
{
	return vu(d)->sock;
}

static int vu_process(struct uvfio_device *d)
{
	struct vu_dev *v = vu(d);
	int served = 0;
	int ret;

	ret = vu_check_usable(v);
	if (ret)
		return ret;
	while (served < VU_PROCESS_BUDGET) {
		struct pollfd pfd = { .fd = v->sock, .events = POLLIN };
		struct uvfio_msg msg;

		ret = poll(&pfd, 1, 0);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		ret = recv_one(v, &msg);
		if (ret < 0 && v->broken)
			return ret;
		if (ret != 0) {
			/* A reply nobody waits for (a posted write answered anyway). */
			uvfio_log(d->container, LOG_WARNING, "%s: dropping unexpected reply id %u",
				  d->name, msg.hdr.msg_id);
			uvfio_msg_close_fds(&msg);
			continue;
		}
		served++;
	}
	return served;
}

static void vu_free(struct vu_dev *v)
{
	if (v->sock >= 0)
		close(v->sock);
	free(v->maps);
	free(v->rx);
	free(v->dom_name);
	free(v);
}

static void vu_close(struct uvfio_device *d)
{
	struct vu_dev *v = vu(d);

	/* The server drops our maps and eventfds when the socket goes (contract §1). */
	uvfio_container_del_domain(&v->dom, false);
	vu_free(v);
	d->priv = NULL;
}

static const struct uvfio_backend_ops vu_ops = {
	.version = UVFIO_BACKEND_OPS_VERSION,
	.name = "vfio-user",
	.get_info = vu_get_info,
	.get_region_info = vu_get_region_info,
	.region_read = vu_region_read,
	.region_write = vu_region_write,
	.region_mmap = vu_region_mmap,
	.get_irq_info = vu_get_irq_info,
	.set_irqs = vu_set_irqs,
	.reset = vu_reset,
	.close = vu_close,
	.poll_fd = vu_poll_fd,
	.process = vu_process,
};

/*
 * The DMA domain: each map goes to the server with its memfd (contract §5.1).
 */

static int vu_dom_map(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size, void *vaddr,
		      int fd, uint64_t fd_offset, uint32_t prot)
{
	struct vu_dev *v = dom->priv;
	bool with_fd = fd >= 0 && v->peer.max_msg_fds > 0;
	struct uvfio_msg_dma_map req = {
		.argsz = sizeof(req),
		.flags = prot & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE),
		.offset = with_fd ? fd_offset : 0,
		.addr = iova,
		.size = size,
	};
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct vu_map m = { .iova = iova, .size = size, .vaddr = vaddr, .prot = prot };
	struct uvfio_msg msg;
	int ret;

	/* Record first: the server may DMA into it before its reply arrives. */
	ret = map_insert(v, &m);
	if (ret)
		return uvfio_fail(ret, "out of memory recording a DMA map");
	ret = vu_call(v, UVFIO_CMD_DMA_MAP, &iov, 1, with_fd ? &fd : NULL, with_fd ? 1 : 0, false,
		      &msg);
	if (ret)
		map_remove(v, iova);
	return ret;
}

static int vu_dom_unmap(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size)
{
	struct vu_dev *v = dom->priv;
	struct uvfio_msg_dma_unmap req = {
		.argsz = sizeof(req),
		.addr = iova,
		.size = size,
	};
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct uvfio_msg msg;

	/* Whatever the server says, we serve no more requests on this memory. */
	map_remove(v, iova);
	return vu_call(v, UVFIO_CMD_DMA_UNMAP, &iov, 1, NULL, 0, false, &msg);
}

static const struct uvfio_dma_domain_ops vu_dom_ops = {
	.version = UVFIO_DMA_DOMAIN_OPS_VERSION,
	.map = vu_dom_map,
	.unmap = vu_dom_unmap,
};

/*
 * Open: connect, negotiate (contract §3), join the container.
 */

static int vu_connect(const char *path, int timeout_ms, int *out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return uvfio_fail(-ENAMETOOLONG, "socket path \"%s\" is longer than %zu bytes", path,
				  sizeof(addr.sun_path) - 1);
	memcpy(addr.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return uvfio_fail(-errno, "cannot create a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = errno;

		close(fd);
		switch (err) {
		case ENOENT:
			return uvfio_fail(-ENOENT, "no vfio-user socket at %s (is the server "
						   "running?)",
					  path);
		case ECONNREFUSED:
			return uvfio_fail(-ECONNREFUSED, "nobody is listening on %s (server gone?)",
					  path);
		case EACCES:
		case EPERM:
			return uvfio_fail(-err, "permission denied connecting to %s", path);
		default:
			return uvfio_fail(-err, "cannot connect to %s: %s", path, strerror(err));
		}
	}
	/* A server that stops reading must not block our sends for ever. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	*out = fd;
	return 0;
}

static int vu_negotiate(struct vu_dev *v, const char *path)
{
	struct uvfio_msg_version head = { .major = UVFIO_PROTO_MAJOR, .minor = UVFIO_PROTO_MINOR };
	char json[UVFIO_MAX_JSON];
	struct uvfio_caps ours;
	struct uvfio_msg msg;
	struct iovec iov[2];
	int n;
	int ret;

	uvfio_caps_init(&ours);
	ours.max_msg_fds = UVFIO_MAX_MSG_FDS;
	ours.max_data_xfer_size = VU_OUR_MAX_XFER;
	n = uvfio_caps_to_json(&ours, json, sizeof(json));
	if (n < 0)
		return uvfio_fail(n, "cannot encode our capabilities");
	iov[0].iov_base = &head;
	iov[0].iov_len = sizeof(head);
	iov[1].iov_base = json;
	iov[1].iov_len = (size_t)n + 1; /* the NUL is part of the data (contract §3) */

	ret = vu_call(v, UVFIO_CMD_VERSION, iov, 2, NULL, 0, false, &msg);
	if (ret == -EBUSY)
		return uvfio_fail(-EBUSY, "device is busy: another client is connected to %s",
				  path);
	if (ret == -ETIMEDOUT)
		return uvfio_fail(-ETIMEDOUT,
				  "the server at %s did not answer VERSION within %d ms (busy "
				  "with another client?)",
				  path, v->d->timeout_ms);
	if (ret)
		return ret;
	/* We offered no twin socket, so an fd here is unexpected (contract §3.4). */
	if (msg.nfds) {
		uvfio_log(v->d->container, LOG_WARNING, "%s: closing %u fds on the VERSION reply",
			  v->d->name, msg.nfds);
		uvfio_msg_close_fds(&msg);
	}
	ret = uvfio_version_client(msg.payload, msg.len, &v->peer);
	if (ret)
		return uvfio_fail(ret, "%s: incompatible server (bad VERSION reply: version or "
				       "capabilities we cannot use)",
				  path);

	if (v->peer.max_msg_fds > UVFIO_MAX_MSG_FDS)
		v->peer.max_msg_fds = UVFIO_MAX_MSG_FDS;
	if (v->peer.max_data_xfer_size > UVFIO_MAX_DATA_XFER)
		v->peer.max_data_xfer_size = UVFIO_MAX_DATA_XFER;
	v->xfer = v->peer.max_data_xfer_size < VU_OUR_MAX_XFER ?
			  (size_t)v->peer.max_data_xfer_size :
			  VU_OUR_MAX_XFER;
	if (!v->xfer)
		v->xfer = UVFIO_DEFAULT_MAX_DATA_XFER;
	return 0;
}

int uvfio_vfio_user_backend_open(struct uvfio_device *d, const char *path)
{
	struct vu_dev *v;
	int ret;

	v = calloc(1, sizeof(*v));
	if (!v)
		return uvfio_fail(-ENOMEM, "out of memory");
	v->d = d;
	v->sock = -1;
	v->rx = malloc(VU_RXBUF);
	if (!v->rx || asprintf(&v->dom_name, "vfio-user %s", d->name) < 0) {
		v->dom_name = NULL;
		ret = uvfio_fail(-ENOMEM, "out of memory");
		goto err_free;
	}
	ret = vu_connect(path, d->timeout_ms, &v->sock);
	if (ret)
		goto err_free;
	d->priv = v;
	d->ops = &vu_ops;
	ret = vu_negotiate(v, path);
	if (ret)
		goto err_free;

	/* Every vfio-user device is its own DMA domain over the whole 64-bit space. */
	v->dom.ops = &vu_dom_ops;
	v->dom.priv = v;
	v->dom.name = v->dom_name;
	v->dom.ranges = NULL;
	v->dom.nr_ranges = 0;
	v->dom.pgsizes = v->peer.pgsizes;
	v->dom.max_maps = v->peer.max_dma_maps;
	ret = uvfio_container_add_domain(d->container, &v->dom);
	if (ret)
		goto err_free;
	return 0;

err_free:
	d->priv = NULL;
	d->ops = NULL;
	vu_free(v);
	return ret;
}
