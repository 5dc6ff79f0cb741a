// SPDX-License-Identifier: MIT
/*
 * lib/device/server.c - the server side of each vfio-user command, the
 * device loop (epoll), one client at a time, and DMA by message.
 *
 * Threading: everything here runs on the device thread except
 * uvfio_dev_stop() (async-signal-safe: one write to an eventfd).
 *
 * DMA by message (contract §2, §5.11).  A DMA_READ/DMA_WRITE to the client
 * is only sent from outside message handling (deferred work, fd watches,
 * the open callback): from inside a handler the client may be blocked
 * waiting for our reply and never answer, so there it fails at once with
 * -EIO (and a log line).  While we wait for the DMA reply, client commands
 * arriving on the socket are queued, not processed (so nothing the model
 * holds - a translated pointer, a half-done job - changes under it), up to
 * DEV_MAX_QUEUED of them; they are processed, in order, before the socket
 * is read again.  A command beyond the queue gets EBUSY.  A DMA reply that
 * does not come within DEV_DMA_TIMEOUT_MS fails the transfer with -EIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "device/dev_priv.h"

/* Small replies (device/irq info, region info with caps, unmap echo). */
#define DEV_REPLY_BUF 256
/* Epoll events taken per wake-up. */
#define DEV_EP_BATCH 16
/* Pending-connection backlog of the listening socket. */
#define DEV_LISTEN_BACKLOG 16
/* Work items (deferred, queued) run per pump before polling again. */
#define DEV_PUMP_BUDGET 64
/* Payload bytes of a refused connection we discard before closing it. */
#define DEV_REFUSE_DRAIN (4 + UVFIO_MAX_JSON)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int dev_ep_add(struct uvfio_dev *dev, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	if (epoll_ctl(dev->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void dev_ep_del(struct uvfio_dev *dev, int fd)
{
	epoll_ctl(dev->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* Events already fetched may name it: stop handling this batch. */
	dev->ep_dirty = true;
}

int dev_loop_init(struct uvfio_dev *dev)
{
	int ret;

	dev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dev->epfd < 0)
		return -errno;
	dev->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dev->stopfd < 0) {
		ret = -errno;
		goto err_close_ep;
	}
	ret = dev_ep_add(dev, dev->stopfd, EPOLLIN, DEV_TAG(TAG_STOP, 0));
	if (ret)
		goto err_close_stop;
	return 0;

err_close_stop:
	close(dev->stopfd);
	dev->stopfd = -1;
err_close_ep:
	close(dev->epfd);
	dev->epfd = -1;
	return ret;
}

/*
 * Queued client commands.
 */

static void queued_free(struct dev_queued *q)
{
	uvfio_msg_close_fds(&q->msg);
	free(q->msg.payload);
	free(q);
}

static void queue_clear(struct uvfio_dev *dev)
{
	while (dev->queue_count) {
		queued_free(dev->queue[dev->queue_head]);
		dev->queue_head = (dev->queue_head + 1) % DEV_MAX_QUEUED;
		dev->queue_count--;
	}
}

/* Keep @msg (its fds move into the copy) or answer it EBUSY. */
static void queue_msg(struct uvfio_dev *dev, struct uvfio_msg *msg)
{
	struct dev_queued *q = NULL;

	if (dev->queue_count < DEV_MAX_QUEUED)
		q = malloc(sizeof(*q));
	if (q) {
		q->msg = *msg;
		q->msg.payload = malloc(msg->len ? msg->len : 1);
		if (q->msg.payload) {
			memcpy(q->msg.payload, msg->payload, msg->len);
			msg->nfds = 0;
			dev->queue[(dev->queue_head + dev->queue_count) % DEV_MAX_QUEUED] = q;
			dev->queue_count++;
			return;
		}
		free(q);
	}
	dev_log(dev, LOG_WARNING, "%s received while awaiting a DMA reply: queue full, EBUSY",
		uvfio_cmd_name(msg->hdr.cmd));
	if (uvfio_msg_reply_error(dev->sock, &msg->hdr, EBUSY))
		dev->conn_broken = true;
	uvfio_msg_close_fds(msg);
}

/*
 * The connection.
 */

static size_t rxbuf_size_for(const struct uvfio_dev *dev)
{
	/* The largest payload: a transfer and its head, a VERSION, a WRITE_MULTI. */
	size_t n = (size_t)dev->limits.max_data_xfer_size + UVFIO_MSG_OVERHEAD;

	if (n < 4 + UVFIO_MAX_JSON)
		n = 4 + UVFIO_MAX_JSON;
	if (n < sizeof(struct uvfio_msg_write_multi) +
			UVFIO_WRITE_MULTI_MAX * sizeof(struct uvfio_msg_write_multi_entry))
		n = sizeof(struct uvfio_msg_write_multi) +
		    UVFIO_WRITE_MULTI_MAX * sizeof(struct uvfio_msg_write_multi_entry);
	return n;
}

static int client_attach(struct uvfio_dev *dev, int fd)
{
	struct timeval tv = {
		.tv_sec = DEV_IO_TIMEOUT_MS / 1000,
		.tv_usec = (DEV_IO_TIMEOUT_MS % 1000) * 1000,
	};
	size_t want = rxbuf_size_for(dev);
	int fl;
	int ret;

	if (dev->rxbuf_size != want) {
		free(dev->rxbuf);
		dev->rxbuf_size = 0;
		dev->rxbuf = malloc(want);
		if (!dev->rxbuf)
			return -ENOMEM;
		dev->rxbuf_size = want;
	}
	/*
	 * A blocking socket with send and receive timeouts: lib/proto waits
	 * for the rest of a message once it has begun, and a client that
	 * stalls mid-message or stops reading must not hold the device thread
	 * for ever.  We only start a receive when data is there
	 * (uvfio_msg_try_recv()).
	 */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	ret = dev_ep_add(dev, fd, EPOLLIN, DEV_TAG(TAG_CLIENT, 0));
	if (ret)
		return ret;
	dev->sock = fd;
	dev->negotiated = false;
	dev->conn_broken = false;
	dev->dma_msg_id = 0;
	uvfio_caps_init(&dev->peer);
	return 0;
}

/* Spec "Client disconnect": drop maps and eventfds, keep device state. */
static void client_detach(struct uvfio_dev *dev)
{
	bool was_open = dev->opened;

	if (dev->sock < 0)
		return;
	dev_ep_del(dev, dev->sock);
	close(dev->sock);
	dev->sock = -1;
	dev->negotiated = false;
	dev->opened = false;
	dev->conn_broken = false;
	queue_clear(dev);
	uvfio_dma_space_clear(&dev->dma);
	dev_irq_drop_client(dev);
	uvfio_caps_init(&dev->peer);
	if (was_open && dev->ops && dev->ops->release)
		dev->ops->release(dev, dev->priv);
	dev_log(dev, LOG_INFO, "client disconnected");
}

/*
 * Command handlers.  Each returns 0 with the reply described in @rep, or
 * -errno for an error reply.
 */
struct reply {
	struct iovec iov[2];
	int iovcnt;
	int fd;
	uint8_t buf[DEV_REPLY_BUF];
};

static void reply_buf(struct reply *rep, size_t len)
{
	rep->iov[0] = (struct iovec){.iov_base = rep->buf, .iov_len = len};
	rep->iovcnt = 1;
}

static int h_version(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct uvfio_caps ours;
	uint16_t minor;
	int len;
	int ret;

	if (dev->negotiated)
		return -EINVAL; /* VERSION comes once, first (contract §3) */
	uvfio_caps_init(&ours);
	ours.max_msg_fds = dev->limits.max_msg_fds;
	ours.max_data_xfer_size = dev->limits.max_data_xfer_size;
	ours.max_dma_maps = dev->limits.max_dma_maps;
	ours.pgsizes = DEV_PGSIZE;
	ours.write_multiple = true;
	ret = uvfio_version_server(msg->payload, msg->len, &ours, &dev->peer, &minor);
	if (ret) {
		dev->conn_broken = true; /* error reply, then close (contract §3.3) */
		return ret;
	}
	if (dev->peer.max_data_xfer_size > UVFIO_MAX_DATA_XFER)
		dev->peer.max_data_xfer_size = UVFIO_MAX_DATA_XFER;
	/* The request has been parsed: its buffer holds the reply now. */
	len = uvfio_version_encode(minor, &ours, dev->rxbuf, dev->rxbuf_size);
	if (len < 0) {
		dev->conn_broken = true;
		return len;
	}
	rep->iov[0] = (struct iovec){.iov_base = dev->rxbuf, .iov_len = (size_t)len};
	rep->iovcnt = 1;
	dev->negotiated = true;
	return 0;
}

static int h_dma_map(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct uvfio_msg_dma_map m;
	int fd = msg->nfds ? msg->fds[0] : -1;
	int ret;

	(void)rep;
	memcpy(&m, msg->payload, sizeof(m));
	ret = uvfio_dma_space_map(&dev->dma, m.addr, m.size, m.flags, fd, m.offset);
	if (!ret && fd >= 0)
		msg->fds[0] = -1; /* mapped and closed by the DMA space */
	return ret;
}

static int h_dma_unmap(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct uvfio_msg_dma_unmap u;
	uint64_t unmapped;
	int ret;

	memcpy(&u, msg->payload, sizeof(u));
	/* argsz = the reply payload the client takes: at least the 24-byte echo. */
	if (u.argsz < sizeof(u))
		return -EINVAL;
	ret = uvfio_dma_space_unmap(&dev->dma, u.addr, u.size, u.flags, &unmapped);
	if (ret)
		return ret;
	/*
	 * Reply: the request echoed (contract §5.2), with size = the bytes
	 * actually unmapped, as VFIO_IOMMU_UNMAP_DMA reports them (type1 v2,
	 * linux-vfio.md §3.2); for an exact unmap that is the request's size.
	 */
	u.argsz = sizeof(u);
	u.size = unmapped;
	memcpy(rep->buf, &u, sizeof(u));
	reply_buf(rep, sizeof(u));
	return 0;
}

static int h_device_info(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct uvfio_msg_device_info in;
	struct uvfio_msg_device_info out = {
		.argsz = sizeof(out),
		.flags = VFIO_DEVICE_FLAGS_PCI,
		.num_regions = dev->num_regions,
		.num_irqs = VFIO_PCI_NUM_IRQS,
	};

	memcpy(&in, msg->payload, sizeof(in));
	if (in.argsz < sizeof(out))
		return -EINVAL;
	if (!(dev->flags & UVFIO_DEV_NO_RESET))
		out.flags |= VFIO_DEVICE_FLAGS_RESET;
	memcpy(rep->buf, &out, sizeof(out));
	reply_buf(rep, sizeof(out));
	return 0;
}

static int h_region_info(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct vfio_region_info req;
	size_t len;
	int ret;

	memcpy(&req, msg->payload, sizeof(req));
	ret = dev_region_info(dev, &req, rep->buf, sizeof(rep->buf), &len, &rep->fd);
	if (ret)
		return ret;
	reply_buf(rep, len);
	return 0;
}

static int h_irq_info(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct vfio_irq_info info;
	int ret;

	memcpy(&info, msg->payload, sizeof(info));
	if (info.argsz < sizeof(info))
		return -EINVAL;
	ret = dev_irq_info(dev, info.index, &info.flags, &info.count);
	if (ret)
		return ret;
	info.argsz = sizeof(info);
	memcpy(rep->buf, &info, sizeof(info));
	reply_buf(rep, sizeof(info));
	return 0;
}

static int h_set_irqs(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	const size_t head = offsetof(struct vfio_irq_set, data);
	struct vfio_irq_set set;

	(void)rep;
	memcpy(&set, msg->payload, head);
	return dev_set_irqs(dev, &set, (const uint8_t *)msg->payload + head, msg->len - head,
			    msg->fds, msg->nfds);
}

static int h_region_read(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct uvfio_msg_region_rw rw;
	int ret;

	memcpy(&rw, msg->payload, sizeof(rw));
	/* contract §5.8: count <= our max_data_xfer_size. */
	if (rw.count > dev->limits.max_data_xfer_size)
		return -E2BIG;
	/* The request is parsed; the receive buffer takes the data. */
	ret = dev_region_access(dev, rw.region, rw.offset, dev->rxbuf, rw.count, false);
	if (ret)
		return ret;
	memcpy(rep->buf, &rw, sizeof(rw));
	rep->iov[0] = (struct iovec){.iov_base = rep->buf, .iov_len = sizeof(rw)};
	rep->iov[1] = (struct iovec){.iov_base = dev->rxbuf, .iov_len = rw.count};
	rep->iovcnt = 2;
	return 0;
}

static int h_region_write(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct uvfio_msg_region_rw rw;
	int ret;

	memcpy(&rw, msg->payload, sizeof(rw));
	if (rw.count > dev->limits.max_data_xfer_size)
		return -E2BIG;
	ret = dev_region_access(dev, rw.region, rw.offset, (uint8_t *)msg->payload + sizeof(rw),
				rw.count, true);
	if (ret)
		return ret;
	memcpy(rep->buf, &rw, sizeof(rw));
	reply_buf(rep, sizeof(rw));
	return 0;
}

static int h_write_multi(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	const uint8_t *p = msg->payload;
	uint64_t wr_cnt;
	uint64_t i;
	int ret;

	memcpy(&wr_cnt, p, sizeof(wr_cnt));
	/* contract §5.9: apply in order (sizes checked by uvfio_msg_check). */
	for (i = 0; i < wr_cnt; i++) {
		struct uvfio_msg_write_multi_entry e;

		memcpy(&e, p + sizeof(wr_cnt) + i * sizeof(e), sizeof(e));
		ret = dev_region_access(dev, e.region, e.offset, e.data, e.count, true);
		if (ret)
			return ret;
	}
	memcpy(rep->buf, &wr_cnt, sizeof(wr_cnt));
	reply_buf(rep, sizeof(wr_cnt));
	return 0;
}

static int h_reset(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	(void)msg;
	(void)rep;
	/* vfio-pci: VFIO_DEVICE_RESET without reset_works is -EINVAL. */
	if (dev->flags & UVFIO_DEV_NO_RESET)
		return -EINVAL;
	return dev_do_reset(dev, UVFIO_RESET_DEVICE);
}

/*
 * DEVICE_FEATURE (contract §5.12), with the kernel's VFIO_DEVICE_FEATURE
 * rules (linux-vfio.md §1.3).
 */

/* The flag bits of struct vfio_device_feature (linux/vfio.h). */
#define FEATURE_FLAGS                                                                              \
	(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET |            \
	 VFIO_DEVICE_FEATURE_PROBE)
#define FEATURE_HEAD offsetof(struct vfio_device_feature, data)

/* The host's handler, then the model's: -ENOTTY means "not mine" (device.h). */
static int call_feature(struct uvfio_dev *dev, uint32_t flags, void *data, size_t len,
			size_t *out_len)
{
	int ret = -ENOTTY;

	if (dev->host_feature)
		ret = dev->host_feature(dev, dev->host_feature_priv, flags, data, len, out_len);
	if (ret == -ENOTTY && dev->ops_feature)
		ret = dev->ops_feature(dev, dev->priv, flags, data, len, out_len);
	return ret;
}

static int h_feature(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep)
{
	struct vfio_device_feature f;
	uint8_t *buf;
	size_t in_len;
	size_t room;
	size_t out_len = 0;
	int ret;

	/* uvfio_msg_check: payload >= 8. */
	memcpy(&f, msg->payload, FEATURE_HEAD);
	/*
	 * vfio_ioctl_device_feature(): argsz below the head, unknown flag
	 * bits, and GET with SET but no PROBE are EINVAL before any driver
	 * sees them; vfio_check_feature(): without PROBE one of GET and SET.
	 */
	if (f.argsz < FEATURE_HEAD || (f.flags & ~FEATURE_FLAGS))
		return -EINVAL;
	if (!(f.flags & VFIO_DEVICE_FEATURE_PROBE)) {
		if ((f.flags & VFIO_DEVICE_FEATURE_GET) && (f.flags & VFIO_DEVICE_FEATURE_SET))
			return -EINVAL;
		if (!(f.flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
			return -EINVAL;
	}
	/* vfio-pci's device_feature: a feature it does not know is ENOTTY. */
	if (!dev->host_feature && !dev->ops_feature)
		return -ENOTTY;

	if (f.flags & (VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET)) {
		/* The reply is the request (as updated): argsz must cover it. */
		if (f.argsz < msg->len)
			return -EINVAL;
		ret = call_feature(dev, f.flags, (uint8_t *)msg->payload + FEATURE_HEAD,
				   msg->len - FEATURE_HEAD, &out_len);
		if (ret)
			return ret;
		rep->iov[0] = (struct iovec){.iov_base = msg->payload, .iov_len = msg->len};
		rep->iovcnt = 1;
		return 0;
	}

	/*
	 * GET: the feature data goes after the head, bounded by the client's
	 * argsz and our transfer limit.  The receive buffer holds it (its size
	 * is max_data_xfer_size plus a message head, rxbuf_size_for()): the
	 * request is moved there if it was queued, input data first (GET is
	 * in/out in the kernel too, e.g. DMA_LOGGING_REPORT's range), then
	 * zeros, so no bytes of an earlier message reach the model or the
	 * client.
	 */
	room = f.argsz - FEATURE_HEAD;
	if (room > dev->limits.max_data_xfer_size)
		room = dev->limits.max_data_xfer_size;
	in_len = msg->len - FEATURE_HEAD;
	if (in_len > room)
		in_len = room;
	buf = dev->rxbuf;
	memmove(buf, msg->payload, FEATURE_HEAD + in_len);
	memset(buf + FEATURE_HEAD + in_len, 0, room - in_len);
	ret = call_feature(dev, f.flags, buf + FEATURE_HEAD, room, &out_len);
	if (ret)
		return ret;
	if (out_len > room) {
		dev_log(dev, LOG_ERR, "feature %u GET: the model wrote %zu bytes into %zu: EIO",
			f.flags & VFIO_DEVICE_FEATURE_MASK, out_len, room);
		return -EIO;
	}
	/* contract §5.12: reply argsz = 8 + data length, flags as asked. */
	f.argsz = (uint32_t)(FEATURE_HEAD + out_len);
	memcpy(buf, &f, FEATURE_HEAD);
	rep->iov[0] = (struct iovec){.iov_base = buf, .iov_len = FEATURE_HEAD + out_len};
	rep->iovcnt = 1;
	return 0;
}

typedef int (*handler_fn)(struct uvfio_dev *dev, struct uvfio_msg *msg, struct reply *rep);

/* Commands we serve; the others (IO_FDS, DIRTY_PAGES, MIG_*) get EINVAL. */
static const handler_fn handlers[UVFIO_CMD_MAX + 1] = {
	[UVFIO_CMD_VERSION] = h_version,
	[UVFIO_CMD_DMA_MAP] = h_dma_map,
	[UVFIO_CMD_DMA_UNMAP] = h_dma_unmap,
	[UVFIO_CMD_DEVICE_GET_INFO] = h_device_info,
	[UVFIO_CMD_DEVICE_GET_REGION_INFO] = h_region_info,
	[UVFIO_CMD_DEVICE_GET_IRQ_INFO] = h_irq_info,
	[UVFIO_CMD_DEVICE_SET_IRQS] = h_set_irqs,
	[UVFIO_CMD_REGION_READ] = h_region_read,
	[UVFIO_CMD_REGION_WRITE] = h_region_write,
	[UVFIO_CMD_DEVICE_RESET] = h_reset,
	[UVFIO_CMD_REGION_WRITE_MULTI] = h_write_multi,
	[UVFIO_CMD_DEVICE_FEATURE] = h_feature,
};

/* Handle one received message; its fds are closed by the caller. */
static void handle_msg(struct uvfio_dev *dev, struct uvfio_msg *msg)
{
	struct reply rep = {.iovcnt = 0, .fd = -1};
	uint32_t type = msg->hdr.flags & UVFIO_MSG_TYPE_MASK;
	bool opening;
	int ret;

	if (type == UVFIO_MSG_TYPE_REPLY) {
		/* contract §2: a reply nobody waits for is dropped. */
		dev_log(dev, LOG_WARNING, "unexpected reply id %u to %s: dropped", msg->hdr.msg_id,
			uvfio_cmd_name(msg->hdr.cmd));
		return;
	}
	if (!dev->negotiated && msg->hdr.cmd != UVFIO_CMD_VERSION) {
		/* Anything before VERSION: error reply, then close (contract §2). */
		dev_log(dev, LOG_WARNING, "%s before VERSION: closing",
			uvfio_cmd_name(msg->hdr.cmd));
		dev->conn_broken = true;
		uvfio_msg_close_fds(msg);
		if (uvfio_msg_reply_error(dev->sock, &msg->hdr, EINVAL))
			dev->conn_broken = true;
		return;
	}
	if (uvfio_msg_check(msg)) {
		dev_log(dev, LOG_WARNING, "malformed %s (size %u, %u fds)",
			uvfio_cmd_name(msg->hdr.cmd), msg->hdr.size, msg->nfds);
		ret = -EINVAL;
		if (!dev->negotiated)
			dev->conn_broken = true;
	} else if (!handlers[msg->hdr.cmd]) {
		ret = -EINVAL;
	} else {
		opening = !dev->negotiated;
		dev->in_msg = true;
		ret = handlers[msg->hdr.cmd](dev, msg, &rep);
		dev->in_msg = false;
		/*
		 * The fds the handler did not keep are closed before the reply
		 * goes, so a client that has its reply also sees them gone.
		 */
		uvfio_msg_close_fds(msg);
		if (!ret) {
			ret = uvfio_msg_reply(dev->sock, &msg->hdr, rep.iov, rep.iovcnt, &rep.fd,
					      rep.fd >= 0 ? 1 : 0);
			if (ret) {
				dev->conn_broken = true;
			} else if (opening && dev->negotiated) {
				dev->opened = true;
				if (dev->ops && dev->ops->open)
					dev->ops->open(dev, dev->priv);
			}
			return;
		}
	}
	if (ret != -EINVAL && ret != -ENOTTY)
		dev_log(dev, LOG_DEBUG, "%s: error %d", uvfio_cmd_name(msg->hdr.cmd), -ret);
	uvfio_msg_close_fds(msg);
	if (uvfio_msg_reply_error(dev->sock, &msg->hdr, -ret))
		dev->conn_broken = true;
}

/*
 * Receive and handle one message from the client.
 * Return: 0, -EAGAIN (nothing there), or -errno (the stream is gone).
 */
static int client_read_one(struct uvfio_dev *dev)
{
	struct uvfio_msg msg = {.payload = dev->rxbuf};
	int ret;

	ret = uvfio_msg_try_recv(dev->sock, &msg, dev->rxbuf_size, dev->limits.max_msg_fds);
	if (ret == -EMSGSIZE || ret == -EINVAL) {
		/* The header is valid and the stream in step: answer, go on. */
		dev_log(dev, LOG_WARNING, "%s: %s", uvfio_cmd_name(msg.hdr.cmd),
			ret == -EMSGSIZE ? "too large" : "too many fds");
		if ((msg.hdr.flags & UVFIO_MSG_TYPE_MASK) == UVFIO_MSG_TYPE_COMMAND &&
		    uvfio_msg_reply_error(dev->sock, &msg.hdr, ret == -EMSGSIZE ? E2BIG : EINVAL))
			return -EPIPE;
		if (!dev->negotiated)
			return -EPROTO;
		return 0;
	}
	if (ret)
		return ret;
	handle_msg(dev, &msg);
	uvfio_msg_close_fds(&msg);
	return dev->conn_broken ? -EPIPE : 0;
}

/* Run what is due: deferred work, queued commands, a pending disconnect. */
static void pump(struct uvfio_dev *dev)
{
	unsigned int budget = DEV_PUMP_BUDGET;

	while (budget--) {
		if (dev->conn_broken)
			client_detach(dev);
		if (dev->defer_count) {
			struct dev_defer d = dev->defer[dev->defer_head];

			dev->defer_head = (dev->defer_head + 1) % DEV_MAX_DEFER;
			dev->defer_count--;
			d.fn(dev, d.arg);
			continue;
		}
		if (dev->queue_count && dev->sock >= 0) {
			struct dev_queued *q = dev->queue[dev->queue_head];

			dev->queue_head = (dev->queue_head + 1) % DEV_MAX_QUEUED;
			dev->queue_count--;
			handle_msg(dev, &q->msg);
			queued_free(q);
			continue;
		}
		break;
	}
	if (dev->conn_broken)
		client_detach(dev);
}

static void client_ready(struct uvfio_dev *dev)
{
	unsigned int i;
	int ret;

	for (i = 0; i < DEV_MSG_BATCH; i++) {
		/* Queued commands come before anything still in the socket. */
		if (dev->sock < 0 || dev->queue_count)
			return;
		/*
		 * The socket blocks: read only what has (begun to) arrive.
		 * uvfio_msg_try_recv() checks that with its first recvmsg(),
		 * one system call fewer per message than a poll() first.
		 */
		ret = client_read_one(dev);
		if (ret == -EAGAIN)
			return;
		if (ret) {
			if (ret != -ECONNRESET && ret != -EPIPE)
				dev_log(dev, LOG_WARNING, "client stream error %d: closing", -ret);
			client_detach(dev);
			return;
		}
		pump(dev);
	}
}

/*
 * Refused connections (device.h: uvfio_dev_run): read the header of their
 * first message without ever blocking, answer EBUSY, discard a bounded
 * payload, close; give up at the deadline.
 */
static void refuse_close(struct uvfio_dev *dev, unsigned int i)
{
	struct dev_refuse *r = &dev->refuse[i];

	if (r->fd < 0)
		return;
	dev_ep_del(dev, r->fd);
	close(r->fd);
	r->fd = -1;
}

static void refuse_add(struct uvfio_dev *dev, int fd)
{
	unsigned int i;

	for (i = 0; i < DEV_MAX_REFUSE; i++) {
		struct dev_refuse *r = &dev->refuse[i];

		if (r->fd >= 0)
			continue;
		if (dev_ep_add(dev, fd, EPOLLIN, DEV_TAG(TAG_REFUSE, i)))
			break;
		*r = (struct dev_refuse){
			.fd = fd,
			.deadline_ms = now_ms() + DEV_REFUSE_MS,
		};
		dev_log(dev, LOG_INFO, "second client: refusing with EBUSY");
		return;
	}
	dev_log(dev, LOG_WARNING, "too many refused connections: closing one at once");
	close(fd);
}

static void refuse_ready(struct uvfio_dev *dev, unsigned int i)
{
	struct dev_refuse *r = &dev->refuse[i];
	char scratch[512];
	ssize_t n;

	if (i >= DEV_MAX_REFUSE || r->fd < 0)
		return;
	if (r->got < sizeof(r->hdr)) {
		n = recv(r->fd, (char *)&r->hdr + r->got, sizeof(r->hdr) - r->got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			refuse_close(dev, i);
			return;
		}
		r->got += (uint32_t)n;
		if (r->got < sizeof(r->hdr))
			return;
		{
			struct uvfio_msg_hdr e = {
				.msg_id = r->hdr.msg_id,
				.cmd = r->hdr.cmd,
				.size = sizeof(e),
				.flags = UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR,
				.error_no = EBUSY,
			};

			/* 16 bytes into an empty socket buffer: never blocks. */
			if (send(r->fd, &e, sizeof(e), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(e)) {
				refuse_close(dev, i);
				return;
			}
		}
		r->drain = r->hdr.size > sizeof(r->hdr) ? r->hdr.size - sizeof(r->hdr) : 0;
		if (r->drain > DEV_REFUSE_DRAIN)
			r->drain = DEV_REFUSE_DRAIN;
	}
	while (r->drain) {
		n = recv(r->fd, scratch, r->drain < sizeof(scratch) ? r->drain : sizeof(scratch),
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		r->drain -= (uint32_t)n;
	}
	/* Reading the payload first keeps the peer from seeing ECONNRESET. */
	refuse_close(dev, i);
}

static int refuse_timeout(struct uvfio_dev *dev)
{
	uint64_t now = now_ms();
	int best = -1;
	unsigned int i;

	for (i = 0; i < DEV_MAX_REFUSE; i++) {
		const struct dev_refuse *r = &dev->refuse[i];
		int left;

		if (r->fd < 0)
			continue;
		left = r->deadline_ms > now ? (int)(r->deadline_ms - now) : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best;
}

static void refuse_expire(struct uvfio_dev *dev, bool all)
{
	uint64_t now = now_ms();
	unsigned int i;

	for (i = 0; i < DEV_MAX_REFUSE; i++) {
		if (dev->refuse[i].fd >= 0 && (all || now >= dev->refuse[i].deadline_ms))
			refuse_close(dev, i);
	}
}

static int accept_conn(struct uvfio_dev *dev)
{
	int fd = accept4(dev->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int ret;

	if (fd < 0) {
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			return 0;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			dev_log(dev, LOG_ERR, "accept: %s", strerror(errno));
			return 0;
		default:
			return -errno;
		}
	}
	if (dev->sock >= 0) {
		refuse_add(dev, fd);
		return 0;
	}
	ret = client_attach(dev, fd);
	if (ret) {
		dev_log(dev, LOG_ERR, "cannot take a client: %d", ret);
		close(fd);
		return 0;
	}
	dev_log(dev, LOG_INFO, "client connected");
	return 0;
}

static void watch_ready(struct uvfio_dev *dev, unsigned int i, uint32_t revents)
{
	struct dev_watch *w;

	if (i >= DEV_MAX_WATCHES)
		return;
	w = &dev->watches[i];
	if (w->used)
		w->cb(dev, w->arg, revents);
}

/*
 * Latency mode (device.h: uvfio_dev_set_poll_us) ------------------------
 *
 * The loop's wait step only.  After a client message the device thread
 * keeps calling epoll_wait() with a zero timeout, for up to poll_us since
 * that message, before it sleeps in a blocking epoll_wait().  Polling the
 * whole epoll set (not only the client socket) keeps uvfio_dev_stop(), fd
 * watches and refused connections served as promptly as when sleeping.
 */
#define DEV_POLL_ENV "UVFIO_DEV_POLL_US"

int uvfio_dev_set_poll_us(struct uvfio_dev *dev, unsigned int usec)
{
	if (!dev || usec > UVFIO_DEV_POLL_US_MAX)
		return -EINVAL;
	dev->poll_us = usec;
	return 0;
}

/* UVFIO_DEV_POLL_US, clamped to the maximum; -1 when unset or not a number. */
static long env_poll_us(void)
{
	const char *s = getenv(DEV_POLL_ENV);
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 0)
		return -1;
	return v > (long)UVFIO_DEV_POLL_US_MAX ? (long)UVFIO_DEV_POLL_US_MAX : v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait for events: busy-poll until @spin_until (CLOCK_MONOTONIC ns), then sleep. */
static int loop_wait(struct uvfio_dev *dev, struct epoll_event *evs, int timeout,
		     uint64_t spin_until)
{
	int n;

	while (timeout != 0 && spin_until && dev->sock >= 0 && now_ns() < spin_until) {
		n = epoll_wait(dev->epfd, evs, DEV_EP_BATCH, 0);
		if (n != 0)
			return n;
	}
	return epoll_wait(dev->epfd, evs, DEV_EP_BATCH, timeout);
}
/* ------------------------------------------------------ end latency mode */

/*
 * The loop.  @one: serve_conn(): return once the client is gone.
 */
static int loop(struct uvfio_dev *dev, bool one)
{
	struct epoll_event evs[DEV_EP_BATCH];
	long env_us = env_poll_us();
	uint64_t spin_until = 0;
	bool client_msg;
	int timeout;
	int n;
	int i;
	int ret;

	for (;;) {
		pump(dev);
		if (one && dev->sock < 0)
			return 0;
		timeout = (dev->defer_count || dev->queue_count) ? 0 : refuse_timeout(dev);
		n = loop_wait(dev, evs, timeout, spin_until);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		dev->ep_dirty = false;
		client_msg = false;
		for (i = 0; i < n && !dev->ep_dirty; i++) {
			uint32_t kind = (uint32_t)(evs[i].data.u64 >> 32);
			uint32_t idx = (uint32_t)evs[i].data.u64;

			switch (kind) {
			case TAG_STOP: {
				uint64_t cnt;

				if (read(dev->stopfd, &cnt, sizeof(cnt)) < 0) {
					/* EAGAIN: another reader raced us; still stop. */
				}
				return 0;
			}
			case TAG_LISTEN:
				if (evs[i].events & (EPOLLERR | EPOLLHUP))
					return -EIO;
				ret = accept_conn(dev);
				if (ret)
					return ret;
				break;
			case TAG_CLIENT:
				client_ready(dev);
				client_msg = true;
				break;
			case TAG_UNMASK:
				dev_irq_unmask_fd_ready(dev);
				break;
			case TAG_WATCH:
				watch_ready(dev, idx, evs[i].events);
				break;
			case TAG_REFUSE:
				refuse_ready(dev, idx);
				break;
			default:
				break;
			}
		}
		refuse_expire(dev, false);
		if (client_msg) {
			unsigned long us = env_us >= 0 ? (unsigned long)env_us : dev->poll_us;

			spin_until = us ? now_ns() + us * 1000u : 0;
		}
	}
}

int uvfio_dev_run(struct uvfio_dev *dev, int listen_fd)
{
	int fl;
	int ret;

	if (!dev || listen_fd < 0)
		return -EINVAL;
	fl = fcntl(listen_fd, F_GETFL);
	if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	ret = dev_ep_add(dev, listen_fd, EPOLLIN, DEV_TAG(TAG_LISTEN, 0));
	if (ret)
		return ret;
	dev->listen_fd = listen_fd;
	ret = loop(dev, false);
	dev_ep_del(dev, listen_fd);
	dev->listen_fd = -1;
	refuse_expire(dev, true);
	client_detach(dev);
	return ret;
}

int uvfio_dev_serve_conn(struct uvfio_dev *dev, int conn_fd)
{
	int ret;

	if (!dev || conn_fd < 0) {
		if (conn_fd >= 0)
			close(conn_fd);
		return -EINVAL;
	}
	if (dev->sock >= 0) {
		close(conn_fd);
		return -EBUSY;
	}
	ret = client_attach(dev, conn_fd);
	if (ret) {
		close(conn_fd);
		return ret;
	}
	ret = loop(dev, true);
	client_detach(dev);
	return ret;
}

void uvfio_dev_stop(struct uvfio_dev *dev)
{
	uint64_t one = 1;

	/* Async-signal-safe: one write(2) to an eventfd. */
	if (dev && dev->stopfd >= 0 && write(dev->stopfd, &one, sizeof(one)) < 0) {
		/* EAGAIN: counter saturated, a stop is pending anyway. */
	}
}

void dev_loop_fini(struct uvfio_dev *dev)
{
	unsigned int i;

	client_detach(dev);
	refuse_expire(dev, true);
	for (i = 0; i < DEV_MAX_WATCHES; i++)
		dev->watches[i].used = false;
	if (dev->stopfd >= 0)
		close(dev->stopfd);
	if (dev->epfd >= 0)
		close(dev->epfd);
	dev->stopfd = -1;
	dev->epfd = -1;
	free(dev->rxbuf);
	dev->rxbuf = NULL;
	dev->rxbuf_size = 0;
}

int uvfio_dev_defer(struct uvfio_dev *dev, void (*fn)(struct uvfio_dev *dev, void *arg), void *arg)
{
	if (!dev || !fn)
		return -EINVAL;
	if (dev->defer_count >= DEV_MAX_DEFER)
		return -ENOSPC;
	dev->defer[(dev->defer_head + dev->defer_count) % DEV_MAX_DEFER] =
		(struct dev_defer){.fn = fn, .arg = arg};
	dev->defer_count++;
	return 0;
}

int uvfio_dev_watch_fd(struct uvfio_dev *dev, int fd, uint32_t events,
		       void (*cb)(struct uvfio_dev *dev, void *arg, uint32_t revents), void *arg)
{
	int slot = -1;
	unsigned int i;
	int ret;

	if (!dev || fd < 0 || !cb)
		return -EINVAL;
	for (i = 0; i < DEV_MAX_WATCHES; i++) {
		if (dev->watches[i].used && dev->watches[i].fd == fd)
			return -EEXIST;
		if (!dev->watches[i].used && slot < 0)
			slot = (int)i;
	}
	if (slot < 0)
		return -ENOSPC;
	ret = dev_ep_add(dev, fd, events, DEV_TAG(TAG_WATCH, slot));
	if (ret)
		return ret;
	dev->watches[slot] = (struct dev_watch){
		.used = true,
		.fd = fd,
		.events = events,
		.cb = cb,
		.arg = arg,
	};
	return 0;
}

/**
 * uvfio_dev_unwatch_fd() - stop watching @fd (the caller still owns it).
 * Device thread only; safe from inside the watch's own callback.
 * Return: 0, -EINVAL, or -ENOENT if @fd is not watched.
 */
int uvfio_dev_unwatch_fd(struct uvfio_dev *dev, int fd)
{
	unsigned int i;

	if (!dev)
		return -EINVAL;
	for (i = 0; i < DEV_MAX_WATCHES; i++) {
		if (dev->watches[i].used && dev->watches[i].fd == fd) {
			dev_ep_del(dev, fd);
			dev->watches[i].used = false;
			return 0;
		}
	}
	return -ENOENT;
}

int uvfio_dev_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;
	int ret;

	if (!path || !*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* Replace a stale socket, never anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err;
	/* DESIGN.md Security: sockets are 0600 for their owner. */
	if (chmod(path, 0600) < 0 || listen(fd, DEV_LISTEN_BACKLOG) < 0) {
		ret = -errno;
		unlink(path);
		close(fd);
		return ret;
	}
	return fd;

err:
	ret = -errno;
	close(fd);
	return ret;
}

/*
 * DMA.
 */

/* Wait for the reply to DMA message @id; queue client commands meanwhile. */
static int dma_wait_reply(struct uvfio_dev *dev, uint16_t id, uint16_t cmd, uvfio_iova_t iova,
			  void *buf, size_t len)
{
	uint64_t deadline = now_ms() + DEV_DMA_TIMEOUT_MS;

	for (;;) {
		struct pollfd pfd[2] = {
			{.fd = dev->sock, .events = POLLIN},
			{.fd = dev->stopfd, .events = POLLIN},
		};
		struct uvfio_msg m = {.payload = dev->rxbuf};
		struct uvfio_msg_dma_rw head;
		uint64_t now = now_ms();
		int ret;

		if (now >= deadline) {
			dev_log(dev, LOG_WARNING, "%s: no reply in %d ms", uvfio_cmd_name(cmd),
				DEV_DMA_TIMEOUT_MS);
			return -EIO;
		}
		ret = poll(pfd, 2, (int)(deadline - now));
		if (ret < 0 && errno != EINTR)
			return -EIO;
		if (pfd[1].revents)
			return -EIO; /* stopping: leave the stop for the loop */
		if (ret <= 0 || !pfd[0].revents)
			continue;
		ret = uvfio_msg_recv(dev->sock, &m, dev->rxbuf_size, dev->limits.max_msg_fds);
		if (ret == -EAGAIN)
			continue;
		if (ret == -EMSGSIZE || ret == -EINVAL) {
			if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) == UVFIO_MSG_TYPE_REPLY) {
				if (m.hdr.msg_id == id && m.hdr.cmd == cmd)
					return -EIO;
				continue;
			}
			if (uvfio_msg_reply_error(dev->sock, &m.hdr,
						  ret == -EMSGSIZE ? E2BIG : EINVAL)) {
				dev->conn_broken = true;
				return -EIO;
			}
			continue;
		}
		if (ret) {
			dev->conn_broken = true;
			return -EIO;
		}
		if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) == UVFIO_MSG_TYPE_COMMAND) {
			queue_msg(dev, &m);
			if (dev->conn_broken)
				return -EIO;
			continue;
		}
		if (m.hdr.msg_id != id || m.hdr.cmd != cmd) {
			dev_log(dev, LOG_WARNING, "unexpected reply id %u to %s: dropped",
				m.hdr.msg_id, uvfio_cmd_name(m.hdr.cmd));
			uvfio_msg_close_fds(&m);
			continue;
		}
		/* Our reply: sizes per uvfio_msg_check, no fds (contract §1). */
		if (uvfio_msg_check(&m) || m.nfds || (m.hdr.flags & UVFIO_MSG_ERROR)) {
			uvfio_msg_close_fds(&m);
			return -EIO;
		}
		if (cmd == UVFIO_CMD_DMA_WRITE) {
			/* Header only (QEMU), or the echo libvfio-user expects (contract §5.11). */
			if (m.len < sizeof(head))
				return 0;
			memcpy(&head, m.payload, sizeof(head));
			return head.addr == iova && head.count == len ? 0 : -EIO;
		}
		memcpy(&head, m.payload, sizeof(head));
		/* libvfio-user checks the reply's address and count; so do we. */
		if (head.addr != iova || head.count != len || m.len != sizeof(head) + len)
			return -EIO;
		memcpy(buf, (uint8_t *)m.payload + sizeof(head), len);
		return 0;
	}
}

/* uvfio_dma_msg_fn: one window without fd, split at the client's limit. */
static int dma_by_msg(void *arg, uvfio_iova_t iova, void *buf, size_t len, bool write)
{
	struct uvfio_dev *dev = arg;
	uint16_t cmd = write ? UVFIO_CMD_DMA_WRITE : UVFIO_CMD_DMA_READ;
	uint64_t max = dev->peer.max_data_xfer_size;
	uint8_t *p = buf;
	int ret;

	if (dev->sock < 0 || !dev->negotiated || dev->conn_broken)
		return -ENOTCONN;
	if (dev->in_msg) {
		dev_log(dev, LOG_ERR,
			"DMA by message from inside a client request would deadlock: "
			"use uvfio_dev_defer()");
		return -EIO;
	}
	/* Both the client's limit and our receive buffer bound a reply. */
	if (max > dev->limits.max_data_xfer_size)
		max = dev->limits.max_data_xfer_size;
	while (len) {
		size_t n = len < max ? len : (size_t)max;
		struct uvfio_msg_dma_rw head = {.addr = iova, .count = n};
		struct uvfio_msg_hdr hdr = {
			.msg_id = dev->dma_msg_id++,
			.cmd = cmd,
			.flags = UVFIO_MSG_TYPE_COMMAND,
		};
		struct iovec iov[2] = {
			{.iov_base = &head, .iov_len = sizeof(head)},
			{.iov_base = p, .iov_len = n},
		};

		ret = uvfio_msg_send(dev->sock, &hdr, iov, write ? 2 : 1, NULL, 0);
		if (ret) {
			dev->conn_broken = true;
			return -EIO;
		}
		ret = dma_wait_reply(dev, hdr.msg_id, cmd, iova, p, n);
		if (ret)
			return ret;
		iova += n;
		p += n;
		len -= n;
	}
	return 0;
}

/**
 * uvfio_dev_dma_read() - see device.h.  Device thread only.
 *
 * Windows that came without an fd are read with DMA_READ messages, which
 * may only be sent from outside the handling of a client request (deferred
 * work, fd watches, ops->open): from inside one the call fails with -EIO,
 * because the client may be blocked waiting for our reply (contract §5.11).
 * -EACCES while COMMAND.MASTER is clear: a function without Bus Master
 * Enable cannot issue DMA (PCI 3.0 §6.2.2).
 */
int uvfio_dev_dma_read(struct uvfio_dev *dev, uvfio_iova_t iova, void *buf, size_t len)
{
	if (!dev || (!buf && len))
		return -EINVAL;
	if (dev->sock < 0 || !dev->negotiated)
		return -ENOTCONN;
	/* A function without Bus Master Enable cannot DMA (PCI 3.0 §6.2.2). */
	if (!dev_bus_master(dev))
		return -EACCES;
	return uvfio_dma_space_rw(&dev->dma, iova, buf, len, false, dma_by_msg, dev);
}

int uvfio_dev_dma_write(struct uvfio_dev *dev, uvfio_iova_t iova, const void *buf, size_t len)
{
	if (!dev || (!buf && len))
		return -EINVAL;
	if (dev->sock < 0 || !dev->negotiated)
		return -ENOTCONN;
	if (!dev_bus_master(dev))
		return -EACCES;
	return uvfio_dma_space_rw(&dev->dma, iova, (void *)buf, len, true, dma_by_msg, dev);
}

/**
 * uvfio_dev_dma_translate() - see device.h.  Device thread only.
 *
 * Return: also -EACCES while COMMAND.MASTER is clear (PCI 3.0 §6.2.2), and
 * -EINVAL for a NULL @va or a @prot other than UVFIO_DMA_READ/WRITE.
 */
int uvfio_dev_dma_translate(struct uvfio_dev *dev, uvfio_iova_t iova, size_t len, unsigned int prot,
			    void **va)
{
	if (!dev || !va || !prot || (prot & ~(UVFIO_DMA_READ | UVFIO_DMA_WRITE)))
		return -EINVAL;
	if (!dev_bus_master(dev))
		return -EACCES;
	return uvfio_dma_space_translate(&dev->dma, iova, len, prot, va);
}
