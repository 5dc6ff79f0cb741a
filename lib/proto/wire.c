// SPDX-License-Identifier: MIT
/*
 * lib/proto/wire.c - vfio-user framing over AF_UNIX and per-command size checks.
 *
 * One message = one sendmsg() (contract §1): header and payload in the iovec,
 * fds in an SCM_RIGHTS cmsg that the kernel attaches to the first byte.  The
 * receiver reads the 16-byte header with recvmsg(), which is where those fds
 * arrive, then the payload with recv().  Nothing here allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "proto/proto.h"

#define HDR_SIZE sizeof(struct uvfio_msg_hdr)

/* Largest errno libvfio-user passes through in an error reply (contract §2). */
#define MAX_REPLY_ERRNO 4096

/* Stack scratch used to drain a payload that does not fit the caller's buffer. */
#define DRAIN_CHUNK 4096

_Static_assert(sizeof(struct uvfio_msg_hdr) == 16, "contract §2: header is 16 bytes");

static const char *const cmd_names[UVFIO_CMD_MAX + 1] = {
	[UVFIO_CMD_VERSION] = "VERSION",
	[UVFIO_CMD_DMA_MAP] = "DMA_MAP",
	[UVFIO_CMD_DMA_UNMAP] = "DMA_UNMAP",
	[UVFIO_CMD_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
	[UVFIO_CMD_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
	[UVFIO_CMD_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
	[UVFIO_CMD_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
	[UVFIO_CMD_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
	[UVFIO_CMD_REGION_READ] = "REGION_READ",
	[UVFIO_CMD_REGION_WRITE] = "REGION_WRITE",
	[UVFIO_CMD_DMA_READ] = "DMA_READ",
	[UVFIO_CMD_DMA_WRITE] = "DMA_WRITE",
	[UVFIO_CMD_DEVICE_RESET] = "DEVICE_RESET",
	[UVFIO_CMD_DIRTY_PAGES] = "DIRTY_PAGES",
	[UVFIO_CMD_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
	[UVFIO_CMD_DEVICE_FEATURE] = "DEVICE_FEATURE",
	[UVFIO_CMD_MIG_DATA_READ] = "MIG_DATA_READ",
	[UVFIO_CMD_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
};

const char *uvfio_cmd_name(uint16_t cmd)
{
	if (cmd > UVFIO_CMD_MAX || !cmd_names[cmd])
		return "UNKNOWN";
	return cmd_names[cmd];
}

/*
 * EAGAIN in the middle of a message.  On a non-blocking socket wait for the
 * socket to be ready: the message must go out (or come in) whole or the
 * stream is out of step.  On a blocking socket EAGAIN means SO_SNDTIMEO /
 * SO_RCVTIMEO expired, and the caller asked not to wait longer.
 */
static int wait_ready(int sock, short events)
{
	struct pollfd pfd = { .fd = sock, .events = events };
	int fl;

	fl = fcntl(sock, F_GETFL);
	if (fl < 0)
		return -errno;
	if (!(fl & O_NONBLOCK))
		return -ETIMEDOUT;
	for (;;) {
		/* POLLHUP/POLLERR: the next send/recv reports the real error. */
		if (poll(&pfd, 1, -1) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * A message that arrives in pieces must still arrive within one receive
 * timeout (SO_RCVTIMEO) of its first short read: otherwise a peer dribbling a
 * byte every few seconds would hold the reader forever, as each recv() starts
 * its own timeout.  Armed only on the slow path, so a message that comes whole
 * costs no extra system call.
 */
struct rx_deadline {
	bool armed;
	bool none; /* blocking socket without SO_RCVTIMEO, or non-blocking */
	struct timespec end;
};

/* Return: 0 while the message may go on arriving, -ETIMEDOUT once it may not. */
static int rx_deadline_check(int sock, struct rx_deadline *d)
{
	struct timespec now;

	if (d->none)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!d->armed) {
		struct timeval tv;
		socklen_t sl = sizeof(tv);
		int fl = fcntl(sock, F_GETFL);

		d->armed = true;
		if (fl < 0 || (fl & O_NONBLOCK) ||
		    getsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &sl) ||
		    (!tv.tv_sec && !tv.tv_usec)) {
			d->none = true;
			return 0;
		}
		d->end.tv_sec = now.tv_sec + tv.tv_sec;
		d->end.tv_nsec = now.tv_nsec + tv.tv_usec * 1000L;
		if (d->end.tv_nsec >= 1000000000L) {
			d->end.tv_sec++;
			d->end.tv_nsec -= 1000000000L;
		}
		return 0;
	}
	if (now.tv_sec > d->end.tv_sec ||
	    (now.tv_sec == d->end.tv_sec && now.tv_nsec >= d->end.tv_nsec))
		return -ETIMEDOUT;
	return 0;
}

/* Drop the first @n bytes from the iovec array *@v of *@cnt entries. */
static void iov_advance(struct iovec **v, int *cnt, size_t n)
{
	while (*cnt > 0 && n >= (*v)->iov_len) {
		n -= (*v)->iov_len;
		(*v)++;
		(*cnt)--;
	}
	if (*cnt > 0) {
		(*v)->iov_base = (char *)(*v)->iov_base + n;
		(*v)->iov_len -= n;
	}
}

int uvfio_msg_send(int sock, struct uvfio_msg_hdr *hdr, const struct iovec *iov, int iovcnt,
		   const int *fds, unsigned int nfds)
{
	struct iovec vec[1 + UVFIO_MSG_MAX_IOV];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * UVFIO_MAX_MSG_FDS)];
	} ctl;
	struct msghdr mh = { 0 };
	struct iovec *cur = vec;
	int cnt = iovcnt + 1;
	uint64_t total = HDR_SIZE;
	bool started = false;
	int i;

	if (!hdr || iovcnt < 0 || iovcnt > UVFIO_MSG_MAX_IOV || (iovcnt && !iov))
		return -EINVAL;
	if (nfds > UVFIO_MAX_MSG_FDS || (nfds && !fds))
		return -EINVAL;
	for (i = 0; i < (int)nfds; i++)
		if (fds[i] < 0)
			return -EINVAL;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EINVAL;
		/* The size field is u32 (contract §2); compare before adding, so no wrap. */
		if (iov[i].iov_len > UINT32_MAX - total)
			return -EMSGSIZE;
		total += iov[i].iov_len;
		vec[i + 1] = iov[i];
	}
	hdr->size = (uint32_t)total;
	vec[0].iov_base = hdr;
	vec[0].iov_len = HDR_SIZE;

	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}

	while (cnt > 0) {
		ssize_t n;

		mh.msg_iov = cur;
		mh.msg_iovlen = (size_t)cnt;
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			int err = errno;
			int ret;

			if (err == EINTR)
				continue;
			if (err != EAGAIN && err != EWOULDBLOCK)
				return -err;
			ret = wait_ready(sock, POLLOUT);
			if (ret == -ETIMEDOUT && !started)
				return -EAGAIN;
			if (ret)
				return ret;
			continue;
		}
		/* The fds went with the first byte; never attach them twice. */
		if (n > 0) {
			started = true;
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		}
		iov_advance(&cur, &cnt, (size_t)n);
		/* Skip empty trailing pieces so the loop ends. */
		while (cnt > 0 && cur->iov_len == 0) {
			cur++;
			cnt--;
		}
	}
	return 0;
}

static int reply_send(int sock, const struct uvfio_msg_hdr *req, uint32_t flags, uint32_t err,
		      const struct iovec *iov, int iovcnt, const int *fds, unsigned int nfds)
{
	struct uvfio_msg_hdr hdr = {
		.msg_id = req->msg_id,
		.cmd = req->cmd,
		.flags = flags,
		.error_no = err,
	};

	return uvfio_msg_send(sock, &hdr, iov, iovcnt, fds, nfds);
}

int uvfio_msg_reply(int sock, const struct uvfio_msg_hdr *req, const struct iovec *iov, int iovcnt,
		    const int *fds, unsigned int nfds)
{
	if (!req)
		return -EINVAL;
	/* contract §2: never reply to No_reply, not even on failure. */
	if (req->flags & UVFIO_MSG_NO_REPLY)
		return 0;
	return reply_send(sock, req, UVFIO_MSG_TYPE_REPLY, 0, iov, iovcnt, fds, nfds);
}

int uvfio_msg_reply_error(int sock, const struct uvfio_msg_hdr *req, int err)
{
	if (!req)
		return -EINVAL;
	if (req->flags & UVFIO_MSG_NO_REPLY)
		return 0;
	/* contract §2: never send Error = 0; map what libvfio-user maps to EINVAL. */
	if (err <= 0 || err > MAX_REPLY_ERRNO)
		err = EINVAL;
	return reply_send(sock, req, UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR, (uint32_t)err, NULL, 0,
			  NULL, 0);
}

void uvfio_msg_close_fds(struct uvfio_msg *msg)
{
	unsigned int i;

	if (!msg)
		return;
	for (i = 0; i < msg->nfds && i < UVFIO_MAX_MSG_FDS; i++) {
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
		msg->fds[i] = -1;
	}
	msg->nfds = 0;
}

/*
 * Take the SCM_RIGHTS fds of one recvmsg() into @msg; fds beyond the array
 * are closed at once.  Returns true if any fd was dropped (or the kernel
 * dropped some for lack of room: MSG_CTRUNC).
 */
static bool take_fds(struct msghdr *mh, struct uvfio_msg *msg)
{
	bool dropped = (mh->msg_flags & MSG_CTRUNC) != 0;
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		size_t i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (msg->nfds < UVFIO_MAX_MSG_FDS) {
				msg->fds[msg->nfds++] = fd;
			} else {
				close(fd);
				dropped = true;
			}
		}
	}
	return dropped;
}

/*
 * Read the header: recvmsg() so the fds sent with the first byte arrive here
 * (contract §1).  Returns 0, -EAGAIN with nothing read, -ECONNRESET on EOF
 * at the boundary, -EPROTO on EOF inside the header, or -errno.  @try: do
 * not wait for the first byte, even on a blocking socket.
 */
static int recv_hdr(int sock, struct uvfio_msg *msg, bool *fds_dropped, bool try,
		    struct rx_deadline *dl)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * UVFIO_MAX_MSG_FDS)];
	} ctl;
	size_t got = 0;

	while (got < HDR_SIZE) {
		struct iovec v = {
			.iov_base = (char *)&msg->hdr + got,
			.iov_len = HDR_SIZE - got,
		};
		struct msghdr mh = {
			.msg_iov = &v,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		int flags = MSG_CMSG_CLOEXEC | MSG_WAITALL;
		ssize_t n;

		/* Once a byte has come, the rest of the message is waited for. */
		if (try && !got)
			flags |= MSG_DONTWAIT;
		n = recvmsg(sock, &mh, flags);
		if (n < 0) {
			int err = errno;
			int ret;

			if (err == EINTR)
				continue;
			if (err != EAGAIN && err != EWOULDBLOCK)
				return got ? (err == ECONNRESET ? -EPROTO : -err) : -err;
			if (!got)
				return -EAGAIN;
			if (rx_deadline_check(sock, dl))
				return -ETIMEDOUT;
			ret = wait_ready(sock, POLLIN);
			if (ret)
				return ret;
			continue;
		}
		if (take_fds(&mh, msg))
			*fds_dropped = true;
		if (n == 0)
			return got ? -EPROTO : -ECONNRESET;
		got += (size_t)n;
		if (got < HDR_SIZE && rx_deadline_check(sock, dl))
			return -ETIMEDOUT;
	}
	return 0;
}

/* Read exactly @len bytes into @buf; the message has begun, so EOF is -EPROTO. */
static int recv_exact(int sock, void *buf, size_t len, struct rx_deadline *dl)
{
	size_t got = 0;

	while (got < len) {
		/* No control buffer: fds a hostile peer hung on a later byte are
		 * discarded (closed) by the kernel. */
		ssize_t n = recv(sock, (char *)buf + got, len - got, MSG_WAITALL);

		if (n < 0) {
			int err = errno;
			int ret;

			if (err == EINTR)
				continue;
			if (err == ECONNRESET)
				return -EPROTO;
			if (err != EAGAIN && err != EWOULDBLOCK)
				return -err;
			if (rx_deadline_check(sock, dl))
				return -ETIMEDOUT;
			ret = wait_ready(sock, POLLIN);
			if (ret)
				return ret;
			continue;
		}
		if (n == 0)
			return -EPROTO;
		got += (size_t)n;
		if (got < len && rx_deadline_check(sock, dl))
			return -ETIMEDOUT;
	}
	return 0;
}

/* Consume @len payload bytes we have no room for, through @scratch. */
static int drain(int sock, size_t len, void *scratch, size_t scratch_size,
		 struct rx_deadline *dl)
{
	while (len) {
		size_t n = len < scratch_size ? len : scratch_size;
		int ret = recv_exact(sock, scratch, n, dl);

		if (ret)
			return ret;
		len -= n;
	}
	return 0;
}

static int recv_msg(int sock, struct uvfio_msg *msg, size_t bufsize, unsigned int max_fds,
		    bool try)
{
	char scratch[DRAIN_CHUNK];
	struct rx_deadline dl = { .armed = false };
	bool fds_dropped = false;
	uint32_t type;
	size_t len;
	int ret;

	if (!msg || (bufsize && !msg->payload))
		return -EINVAL;
	msg->nfds = 0;
	msg->len = 0;
	if (max_fds > UVFIO_MAX_MSG_FDS)
		max_fds = UVFIO_MAX_MSG_FDS;

	ret = recv_hdr(sock, msg, &fds_dropped, try, &dl);
	if (ret)
		goto err_close_fds;

	/* contract §2: size counts the header; type is 0 or 1, anything else is fatal. */
	type = msg->hdr.flags & UVFIO_MSG_TYPE_MASK;
	if (msg->hdr.size < HDR_SIZE ||
	    (type != UVFIO_MSG_TYPE_COMMAND && type != UVFIO_MSG_TYPE_REPLY)) {
		ret = -EPROTO;
		goto err_close_fds;
	}
	len = msg->hdr.size - HDR_SIZE;

	if (len > bufsize) {
		/* Drain only a bounded excess; see UVFIO_MSG_DRAIN_MAX. */
		if (len - bufsize > UVFIO_MSG_DRAIN_MAX) {
			ret = -EPROTO;
			goto err_close_fds;
		}
		if (bufsize > sizeof(scratch))
			ret = drain(sock, len, msg->payload, bufsize, &dl);
		else
			ret = drain(sock, len, scratch, sizeof(scratch), &dl);
		if (!ret)
			ret = -EMSGSIZE;
		goto err_close_fds;
	}

	ret = recv_exact(sock, msg->payload, len, &dl);
	if (ret)
		goto err_close_fds;
	msg->len = len;

	if (fds_dropped || msg->nfds > max_fds) {
		ret = -EINVAL;
		goto err_close_fds;
	}
	return 0;

err_close_fds:
	uvfio_msg_close_fds(msg);
	return ret;
}

int uvfio_msg_recv(int sock, struct uvfio_msg *msg, size_t bufsize, unsigned int max_fds)
{
	return recv_msg(sock, msg, bufsize, max_fds, false);
}

int uvfio_msg_try_recv(int sock, struct uvfio_msg *msg, size_t bufsize, unsigned int max_fds)
{
	return recv_msg(sock, msg, bufsize, max_fds, true);
}

/*
 * Size checks (contract §5).  Payload lengths are size_t, counts are u32 or
 * u64 read from the payload: every "fixed + count" is computed as
 * "len - fixed == count" after checking len >= fixed, so nothing wraps.
 */

/* Read a little field out of a possibly unaligned payload. */
static uint32_t get_u32(const struct uvfio_msg *msg, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)msg->payload + off, sizeof(v));
	return v;
}

static uint64_t get_u64(const struct uvfio_msg *msg, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)msg->payload + off, sizeof(v));
	return v;
}

/*
 * A per-command hook: checks the variable part (the fixed part's length is
 * already known good) and may change *max_fds, the fds the message may carry.
 */
typedef int (*check_fn)(const struct uvfio_msg *msg, unsigned int *max_fds);

/* VERSION (contract §3): JSON is capped at UVFIO_MAX_JSON bytes, NUL included. */
static int check_version(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return msg->len - sizeof(struct uvfio_msg_version) <= UVFIO_MAX_JSON ? 0 : -EINVAL;
}

/* DMA_MAP (contract §5.1): argsz is the struct's own size, at least 32. */
static int check_dma_map(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return get_u32(msg, offsetof(struct uvfio_msg_dma_map, argsz)) >=
			       sizeof(struct uvfio_msg_dma_map) ?
		       0 :
		       -EINVAL;
}

/*
 * DMA_UNMAP request (contract §5.2): 24 bytes; with GET_DIRTY_BITMAP the
 * 16-byte bitmap header follows (the bitmap itself comes in the reply).
 */
static int check_dma_unmap(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	uint32_t flags = get_u32(msg, offsetof(struct uvfio_msg_dma_unmap, flags));

	(void)max_fds;
	if ((flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) &&
	    msg->len < sizeof(struct uvfio_msg_dma_unmap) + sizeof(struct uvfio_msg_bitmap))
		return -EINVAL;
	return 0;
}

/*
 * DMA_UNMAP reply (contract §5.2): the 24-byte echo, plus bitmap header and
 * exactly bitmap.size bytes with GET_DIRTY_BITMAP.  Header-only is tolerated:
 * some servers never sent the echo (cloud-hypervisor had to be fixed to read it).
 */
static int check_dma_unmap_reply(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	const size_t head = sizeof(struct uvfio_msg_dma_unmap) + sizeof(struct uvfio_msg_bitmap);
	uint32_t flags;

	(void)max_fds;
	if (msg->len == 0)
		return 0;
	if (msg->len < sizeof(struct uvfio_msg_dma_unmap))
		return -EINVAL;
	flags = get_u32(msg, offsetof(struct uvfio_msg_dma_unmap, flags));
	if (!(flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP))
		return 0;
	if (msg->len < head)
		return -EINVAL;
	return msg->len - head ==
			       get_u64(msg, sizeof(struct uvfio_msg_dma_unmap) +
						    offsetof(struct uvfio_msg_bitmap, size)) ?
		       0 :
		       -EINVAL;
}

/*
 * SET_IRQS (contract §5.7): DATA_BOOL carries exactly count bytes; eventfds
 * travel as fds, at most count of them, and only with DATA_EVENTFD.
 */
static int check_set_irqs(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	uint32_t flags = get_u32(msg, offsetof(struct vfio_irq_set, flags));
	uint32_t count = get_u32(msg, offsetof(struct vfio_irq_set, count));
	size_t head = offsetof(struct vfio_irq_set, data);

	if ((flags & VFIO_IRQ_SET_DATA_BOOL) && msg->len - head != count)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		*max_fds = count < UVFIO_MAX_MSG_FDS ? count : UVFIO_MAX_MSG_FDS;
	return 0;
}

/* REGION_WRITE request, REGION_READ reply (contract §5.8): data == count. */
static int check_region_data(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return msg->len - sizeof(struct uvfio_msg_region_rw) ==
			       get_u32(msg, offsetof(struct uvfio_msg_region_rw, count)) ?
		       0 :
		       -EINVAL;
}

/* DMA_WRITE request, DMA_READ reply, spec layout (contract §5.11): data == count (u64). */
static int check_dma_data(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return msg->len - sizeof(struct uvfio_msg_dma_rw) ==
			       get_u64(msg, offsetof(struct uvfio_msg_dma_rw, count)) ?
		       0 :
		       -EINVAL;
}

/*
 * DMA_WRITE reply (contract §5.11): libvfio-user expects {u64 addr, u64 count}
 * (16), the spec table says a 4-byte count (12), QEMU 10.x sends header only.
 */
static int check_dma_write_reply(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return msg->len == 0 || msg->len == 12 || msg->len == sizeof(struct uvfio_msg_dma_rw) ?
		       0 :
		       -EINVAL;
}

/* DIRTY_PAGES request (contract §5.14): GET_BITMAP carries one 32-byte range. */
static int check_dirty_pages(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	uint32_t flags = get_u32(msg, offsetof(struct vfio_iommu_type1_dirty_bitmap, flags));

	(void)max_fds;
	if (!(flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP))
		return 0;
	return msg->len == sizeof(struct vfio_iommu_type1_dirty_bitmap) +
					   sizeof(struct uvfio_msg_dirty_range) ?
		       0 :
		       -EINVAL;
}

/* DIRTY_PAGES reply (contract §5.14): empty, or head + range + bitmap.size bytes. */
static int check_dirty_pages_reply(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	const size_t head =
		sizeof(struct vfio_iommu_type1_dirty_bitmap) + sizeof(struct uvfio_msg_dirty_range);
	uint32_t flags;

	(void)max_fds;
	if (msg->len == 0)
		return 0;
	if (msg->len < sizeof(struct vfio_iommu_type1_dirty_bitmap))
		return -EINVAL;
	flags = get_u32(msg, offsetof(struct vfio_iommu_type1_dirty_bitmap, flags));
	if (!(flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP))
		return 0;
	if (msg->len < head)
		return -EINVAL;
	return msg->len - head == get_u64(msg, sizeof(struct vfio_iommu_type1_dirty_bitmap) +
							  offsetof(struct uvfio_msg_dirty_range,
								   bitmap.size)) ?
		       0 :
		       -EINVAL;
}

/*
 * REGION_WRITE_MULTI (contract §5.9): at most 200 entries of 24 bytes, each
 * count <= 8.  wr_cnt is bounded before it is multiplied.
 */
static int check_write_multi(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	const size_t esize = sizeof(struct uvfio_msg_write_multi_entry);
	uint64_t wr_cnt = get_u64(msg, offsetof(struct uvfio_msg_write_multi, wr_cnt));
	size_t i;

	(void)max_fds;
	if (wr_cnt > UVFIO_WRITE_MULTI_MAX ||
	    msg->len != sizeof(struct uvfio_msg_write_multi) + wr_cnt * esize)
		return -EINVAL;
	for (i = 0; i < wr_cnt; i++) {
		size_t off = sizeof(struct uvfio_msg_write_multi) + i * esize +
			     offsetof(struct uvfio_msg_write_multi_entry, count);

		if (get_u32(msg, off) > UVFIO_WRITE_MULTI_DATA)
			return -EINVAL;
	}
	return 0;
}

/*
 * MIG_DATA_READ reply (contract §5.13): size bytes returned, at most what the
 * payload holds (libvfio-user always sends 8 + the *requested* size).
 */
static int check_mig_read_reply(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return get_u32(msg, offsetof(struct uvfio_msg_mig_data, size)) <=
			       msg->len - sizeof(struct uvfio_msg_mig_data) ?
		       0 :
		       -EINVAL;
}

/* MIG_DATA_WRITE request (contract §5.13): exactly size bytes of data. */
static int check_mig_data(const struct uvfio_msg *msg, unsigned int *max_fds)
{
	(void)max_fds;
	return msg->len - sizeof(struct uvfio_msg_mig_data) ==
			       get_u32(msg, offsetof(struct uvfio_msg_mig_data, size)) ?
		       0 :
		       -EINVAL;
}

/**
 * struct dir_rule - size rule for one direction of one command.
 * @len: fixed payload length (minimum, or the whole payload when @exact).
 * @exact: the payload is exactly @len bytes.
 * @fds: fds the message may carry unless @check says otherwise.
 * @check: variable-part check, run once len >= @len, or NULL.
 */
struct dir_rule {
	uint32_t len;
	bool exact;
	uint8_t fds;
	check_fn check;
};

struct cmd_rule {
	struct dir_rule cmd;
	struct dir_rule reply;
};

#define RULE(l, e, f, c) { .len = (l), .exact = (e), .fds = (f), .check = (c) }

/* One row per command, contract §3 and §5; fds per contract §1 and §5. */
static const struct cmd_rule rules[UVFIO_CMD_MAX + 1] = {
	/* Reply fd: the twin socket (contract §3.4); libvfio-user: no fds on the request. */
	[UVFIO_CMD_VERSION] = {
		RULE(sizeof(struct uvfio_msg_version), false, 0, check_version),
		RULE(sizeof(struct uvfio_msg_version), false, 1, check_version),
	},
	/* At most one fd: the memory to map (contract §5.1). */
	[UVFIO_CMD_DMA_MAP] = {
		RULE(sizeof(struct uvfio_msg_dma_map), true, 1, check_dma_map),
		RULE(0, false, 0, NULL),
	},
	/* SPDK attaches the region fd to DMA_UNMAP: tolerate one (contract §1). */
	[UVFIO_CMD_DMA_UNMAP] = {
		RULE(sizeof(struct uvfio_msg_dma_unmap), false, 1, check_dma_unmap),
		RULE(0, false, 0, check_dma_unmap_reply),
	},
	[UVFIO_CMD_DEVICE_GET_INFO] = {
		RULE(sizeof(struct uvfio_msg_device_info), true, 0, NULL),
		RULE(sizeof(struct uvfio_msg_device_info), false, 0, NULL),
	},
	/* Reply: one fd when the region is mmappable (contract §5.4; QEMU takes one). */
	[UVFIO_CMD_DEVICE_GET_REGION_INFO] = {
		RULE(sizeof(struct vfio_region_info), true, 0, NULL),
		RULE(sizeof(struct vfio_region_info), false, 1, NULL),
	},
	/* Reply: the ioeventfds / ioregionfds (contract §5.5). */
	[UVFIO_CMD_DEVICE_GET_REGION_IO_FDS] = {
		RULE(sizeof(struct uvfio_msg_region_io_fds), true, 0, NULL),
		RULE(sizeof(struct uvfio_msg_region_io_fds), false, UVFIO_MAX_MSG_FDS, NULL),
	},
	[UVFIO_CMD_DEVICE_GET_IRQ_INFO] = {
		RULE(sizeof(struct vfio_irq_info), true, 0, NULL),
		RULE(sizeof(struct vfio_irq_info), false, 0, NULL),
	},
	[UVFIO_CMD_DEVICE_SET_IRQS] = {
		RULE(sizeof(struct vfio_irq_set), false, 0, check_set_irqs),
		RULE(0, false, 0, NULL),
	},
	[UVFIO_CMD_REGION_READ] = {
		RULE(sizeof(struct uvfio_msg_region_rw), true, 0, NULL),
		RULE(sizeof(struct uvfio_msg_region_rw), false, 0, check_region_data),
	},
	[UVFIO_CMD_REGION_WRITE] = {
		RULE(sizeof(struct uvfio_msg_region_rw), false, 0, check_region_data),
		RULE(sizeof(struct uvfio_msg_region_rw), false, 0, NULL),
	},
	/* Server to client; QEMU answers fds on these with EINVAL (contract §1). */
	[UVFIO_CMD_DMA_READ] = {
		RULE(sizeof(struct uvfio_msg_dma_rw), true, 0, NULL),
		RULE(sizeof(struct uvfio_msg_dma_rw), false, 0, check_dma_data),
	},
	[UVFIO_CMD_DMA_WRITE] = {
		RULE(sizeof(struct uvfio_msg_dma_rw), false, 0, check_dma_data),
		RULE(0, false, 0, check_dma_write_reply),
	},
	[UVFIO_CMD_DEVICE_RESET] = {
		RULE(0, true, 0, NULL),
		RULE(0, false, 0, NULL),
	},
	[UVFIO_CMD_DIRTY_PAGES] = {
		RULE(sizeof(struct vfio_iommu_type1_dirty_bitmap), false, 0, check_dirty_pages),
		RULE(0, false, 0, check_dirty_pages_reply),
	},
	[UVFIO_CMD_REGION_WRITE_MULTI] = {
		RULE(sizeof(struct uvfio_msg_write_multi), false, 0, check_write_multi),
		RULE(sizeof(struct uvfio_msg_write_multi), false, 0, NULL),
	},
	[UVFIO_CMD_DEVICE_FEATURE] = {
		RULE(sizeof(struct vfio_device_feature), false, 0, NULL),
		RULE(sizeof(struct vfio_device_feature), false, 0, NULL),
	},
	[UVFIO_CMD_MIG_DATA_READ] = {
		RULE(sizeof(struct uvfio_msg_mig_data), true, 0, NULL),
		RULE(sizeof(struct uvfio_msg_mig_data), false, 0, check_mig_read_reply),
	},
	[UVFIO_CMD_MIG_DATA_WRITE] = {
		RULE(sizeof(struct uvfio_msg_mig_data), false, 0, check_mig_data),
		RULE(0, false, 0, NULL),
	},
};

int uvfio_msg_check(const struct uvfio_msg *msg)
{
	const struct dir_rule *r;
	unsigned int max_fds;
	uint32_t type;
	int ret;

	if (!msg || msg->hdr.size < HDR_SIZE || msg->len != msg->hdr.size - HDR_SIZE ||
	    (msg->len && !msg->payload) || msg->nfds > UVFIO_MAX_MSG_FDS)
		return -EINVAL;
	if (msg->hdr.cmd == 0 || msg->hdr.cmd > UVFIO_CMD_MAX)
		return -EINVAL;

	type = msg->hdr.flags & UVFIO_MSG_TYPE_MASK;
	if (type == UVFIO_MSG_TYPE_REPLY) {
		/* contract §2: an error reply is header only, and carries nothing. */
		if (msg->hdr.flags & UVFIO_MSG_ERROR)
			return msg->len == 0 && msg->nfds == 0 ? 0 : -EINVAL;
		r = &rules[msg->hdr.cmd].reply;
	} else if (type == UVFIO_MSG_TYPE_COMMAND) {
		/* The Error bit means nothing on a command (contract §2). */
		if (msg->hdr.flags & UVFIO_MSG_ERROR)
			return -EINVAL;
		r = &rules[msg->hdr.cmd].cmd;
	} else {
		return -EINVAL;
	}

	if (msg->len < r->len || (r->exact && msg->len != r->len))
		return -EINVAL;
	max_fds = r->fds;
	if (r->check) {
		ret = r->check(msg, &max_fds);
		if (ret)
			return ret;
	}
	return msg->nfds <= max_fds ? 0 : -EINVAL;
}
