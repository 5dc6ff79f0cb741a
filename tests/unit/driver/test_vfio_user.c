// SPDX-License-Identifier: MIT
/*
 * The vfio-user backend of lib/driver against a scripted fake server: a
 * thread on a listening AF_UNIX socket that speaks lib/proto (no lib/device).
 *
 * The fake device: BAR0 16 KiB backed by a memfd, offered as two sparse mmap
 * areas with holes between them; BAR1 a 16 KiB register file reached only by
 * REGION_READ/WRITE, whose "doorbell" registers make the server issue
 * DMA_READ / DMA_WRITE requests to the client; region 2 with 30 sparse areas
 * (argsz retry); region 3 mmap-able but without an fd; 256 bytes of config
 * space with MSI and PM capabilities; five IRQ indexes.  Hostile modes make
 * the next reply wrong in one way each (wrong id, short, oversized count,
 * error flag, unexpected fds, silence, disconnect).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test.h"
#include "driver/backend.h"
#include "proto/proto.h"

#define BAR0_SIZE 0x4000
#define BAR0_FD_OFF 0x1000 /* region.offset of BAR0 inside its memfd */
#define BAR1_SIZE 0x4000
#define REG2_SIZE 0x100000
#define REG2_AREAS 30
#define CFG_SIZE 256
#define SRV_BUF (4u << 20)

/* BAR1 registers that drive server-initiated DMA. */
#define R_SRC 0x100
#define R_LEN 0x108
#define R_CMD 0x110
#define R_DST 0x118
#define R_RES1 0x120
#define R_RES2 0x124
#define R_PEEK 0x130

enum doorbell {
	DB_READ_THEN_WRITE = 1, /* DMA_READ SRC/LEN, DMA_WRITE DST with data ^ 0xff, before the reply */
	DB_WRITE_THEN_IRQ = 2,  /* after the reply: DMA_WRITE DST, then signal MSI vector 0 */
	DB_UNKNOWN_CMD = 3,     /* send DEVICE_RESET server->client */
	DB_READ_WITH_FD = 4,    /* DMA_READ carrying an fd */
	DB_PEEK = 5,            /* read 8 bytes at SRC through the DMA_MAP fd */
	DB_READ = 6,            /* DMA_READ SRC/LEN only */
	DB_WRITE = 7,           /* DMA_WRITE DST/LEN of 0x5a only */
};

enum hostile {
	H_NONE,
	H_WRONG_ID_THEN_RIGHT,
	H_WRONG_ID_ONLY,
	H_SHORT_READ,     /* REGION_READ reply with count - 1 bytes */
	H_SHORT_PAYLOAD,  /* GET_IRQ_INFO reply of 8 bytes */
	H_BIG_COUNT,      /* REGION_READ reply with count + 4 bytes */
	H_HUGE_AREAS,     /* REGION_INFO with nr_areas 0x7fffffff */
	H_ERROR,          /* error reply EIO */
	H_FDS,            /* GET_IRQ_INFO reply with an fd attached */
	H_SILENT,         /* no reply */
	H_CLOSE,          /* close the connection instead of replying */
	H_WRONG_REGION,   /* REGION_INFO reply for another index */
};

enum version_mode { V_OK, V_EBUSY, V_BAD_MAJOR, V_BAD_JSON };

struct srv_map {
	uint64_t iova;
	uint64_t size;
	uint64_t offset;
	uint32_t flags;
	int fd;
	uint8_t *mem;
};

struct irq_rec {
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	unsigned int nfds;
};

struct srv {
	char dir[64];
	char path[108];
	int lfd;
	int sock;
	pthread_t thr;
	uint16_t next_id;
	uint8_t *buf;

	struct uvfio_caps caps;
	enum version_mode vmode;
	_Atomic int hostile;
	int hostile_pipe[2]; /* H_FDS: the write end goes to the client */

	int bar0_fd;
	uint8_t *bar0; /* the whole memfd, BAR0_FD_OFF + BAR0_SIZE */
	int reg2_fd;
	uint8_t bar1[BAR1_SIZE];
	uint8_t cfg[CFG_SIZE];
	int irq_fds[5][64];

	struct irq_rec irqlog[64];
	_Atomic unsigned int nirqlog;
	_Atomic unsigned int region_reads;
	_Atomic unsigned int region_writes;
	_Atomic unsigned int posted;
	_Atomic unsigned int max_rw_count;
	_Atomic unsigned int reg_info_reqs[16];
	_Atomic unsigned int resets;
	_Atomic unsigned int dma_unmaps;
	struct srv_map maps[32];
	_Atomic unsigned int nmaps;
	_Atomic int done;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int take_hostile(struct srv *s, enum hostile want)
{
	int expected = want;

	return atomic_compare_exchange_strong(&s->hostile, &expected, H_NONE);
}

/* Send a reply, honouring the one-shot wrong-id / silent / close modes. */
static void srv_reply(struct srv *s, struct uvfio_msg *req, const struct iovec *iov, int n,
		      const int *fds, unsigned int nfds)
{
	if (take_hostile(s, H_SILENT))
		return;
	if (take_hostile(s, H_CLOSE)) {
		shutdown(s->sock, SHUT_RDWR);
		return;
	}
	if (take_hostile(s, H_WRONG_ID_ONLY)) {
		struct uvfio_msg_hdr h = req->hdr;

		h.msg_id = (uint16_t)(h.msg_id + 1000);
		uvfio_msg_reply(s->sock, &h, iov, n, NULL, 0);
		return;
	}
	if (take_hostile(s, H_WRONG_ID_THEN_RIGHT)) {
		struct uvfio_msg_hdr h = req->hdr;

		h.msg_id = (uint16_t)(h.msg_id + 1000);
		uvfio_msg_reply(s->sock, &h, iov, n, NULL, 0);
	}
	if (take_hostile(s, H_ERROR)) {
		uvfio_msg_reply_error(s->sock, &req->hdr, EIO);
		return;
	}
	uvfio_msg_reply(s->sock, &req->hdr, iov, n, fds, nfds);
}

/* Server -> client request; waits for the reply. Returns 0 or the client's errno. */
static int srv_request(struct srv *s, uint16_t cmd, const void *head, size_t hlen,
		       const void *data, size_t dlen, const int *fds, unsigned int nfds,
		       void *out, size_t outlen)
{
	struct uvfio_msg_hdr h = { .msg_id = s->next_id++, .cmd = cmd };
	struct iovec iov[2] = {
		{ .iov_base = (void *)head, .iov_len = hlen },
		{ .iov_base = (void *)data, .iov_len = dlen },
	};
	struct uvfio_msg m = { .payload = s->buf };
	int ret;

	ret = uvfio_msg_send(s->sock, &h, iov, dlen ? 2 : 1, fds, nfds);
	if (ret)
		return -ret;
	ret = uvfio_msg_recv(s->sock, &m, SRV_BUF, UVFIO_MAX_MSG_FDS);
	if (ret)
		return -ret;
	uvfio_msg_close_fds(&m);
	/* The client must answer this request, with its id, before anything else. */
	if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) != UVFIO_MSG_TYPE_REPLY || m.hdr.msg_id != h.msg_id ||
	    m.hdr.cmd != cmd)
		return 1000;
	if (m.hdr.flags & UVFIO_MSG_ERROR)
		return (int)m.hdr.error_no;
	if (uvfio_msg_check(&m))
		return 1001;
	if (out && m.len >= sizeof(struct uvfio_msg_dma_rw) + outlen)
		memcpy(out, (uint8_t *)m.payload + sizeof(struct uvfio_msg_dma_rw), outlen);
	return 0;
}

static int srv_dma_read(struct srv *s, uint64_t addr, uint64_t len, void *out, const int *fds,
			unsigned int nfds)
{
	struct uvfio_msg_dma_rw h = { .addr = addr, .count = len };

	return srv_request(s, UVFIO_CMD_DMA_READ, &h, sizeof(h), NULL, 0, fds, nfds, out, len);
}

static int srv_dma_write(struct srv *s, uint64_t addr, const void *data, uint64_t len)
{
	struct uvfio_msg_dma_rw h = { .addr = addr, .count = len };

	return srv_request(s, UVFIO_CMD_DMA_WRITE, &h, sizeof(h), data, len, NULL, 0, NULL, 0);
}

static void doorbell(struct srv *s, uint32_t cmd, struct uvfio_msg *req)
{
	uint64_t src = rd64(s->bar1 + R_SRC);
	uint64_t len = rd64(s->bar1 + R_LEN);
	uint64_t dst = rd64(s->bar1 + R_DST);
	uint8_t *tmp = NULL;
	int r1 = 0;
	int r2 = 0;

	if (len > (2u << 20))
		len = 2u << 20;
	tmp = calloc(1, len + 8);
	assert_non_null(tmp);
	switch (cmd) {
	case DB_READ_THEN_WRITE: {
		uint64_t i;

		r1 = srv_dma_read(s, src, len, tmp, NULL, 0);
		for (i = 0; i < len; i++)
			tmp[i] ^= 0xff;
		r2 = srv_dma_write(s, dst, tmp, len);
		break;
	}
	case DB_WRITE_THEN_IRQ: {
		struct uvfio_msg_region_rw rep;
		struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
		uint64_t one = 1;

		/* Answer the doorbell write first: the client is idle afterwards. */
		memcpy(&rep, req->payload, sizeof(rep));
		srv_reply(s, req, &iov, 1, NULL, 0);
		memset(tmp, 0x77, len);
		r1 = srv_dma_write(s, dst, tmp, len);
		wr32(s->bar1 + R_RES1, (uint32_t)r1);
		if (s->irq_fds[VFIO_PCI_MSI_IRQ_INDEX][0] >= 0)
			assert_int_equal(write(s->irq_fds[VFIO_PCI_MSI_IRQ_INDEX][0], &one,
					       sizeof(one)),
					 sizeof(one));
		free(tmp);
		req->hdr.flags |= UVFIO_MSG_NO_REPLY; /* already answered */
		return;
	}
	case DB_UNKNOWN_CMD:
		r1 = srv_request(s, UVFIO_CMD_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
		break;
	case DB_READ_WITH_FD: {
		int fd = eventfd(0, EFD_CLOEXEC);

		r1 = srv_dma_read(s, src, len, tmp, &fd, 1);
		close(fd);
		break;
	}
	case DB_PEEK: {
		unsigned int i;

		r1 = ENOENT;
		for (i = 0; i < s->nmaps; i++) {
			struct srv_map *m = &s->maps[i];

			if (m->mem && src >= m->iova && src + 8 <= m->iova + m->size) {
				wr64(s->bar1 + R_PEEK, rd64(m->mem + (src - m->iova)));
				r1 = 0;
			}
		}
		break;
	}
	case DB_READ:
		r1 = srv_dma_read(s, src, len, tmp, NULL, 0);
		if (!r1)
			memcpy(s->bar1 + 0x1000, tmp, len < 0x1000 ? len : 0x1000);
		break;
	case DB_WRITE:
		memset(tmp, 0x5a, len);
		r1 = srv_dma_write(s, dst, tmp, len);
		break;
	default:
		break;
	}
	free(tmp);
	wr32(s->bar1 + R_RES1, (uint32_t)r1);
	wr32(s->bar1 + R_RES2, (uint32_t)r2);
}

static uint8_t *region_mem(struct srv *s, uint32_t index, uint64_t *size)
{
	switch (index) {
	case 0:
		*size = BAR0_SIZE;
		return s->bar0 + BAR0_FD_OFF;
	case 1:
		*size = BAR1_SIZE;
		return s->bar1;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		*size = CFG_SIZE;
		return s->cfg;
	default:
		*size = 0;
		return NULL;
	}
}

static void handle_region_rw(struct srv *s, struct uvfio_msg *m)
{
	struct uvfio_msg_region_rw h;
	uint64_t size;
	uint8_t *mem;
	bool is_read = m->hdr.cmd == UVFIO_CMD_REGION_READ;

	memcpy(&h, m->payload, sizeof(h));
	mem = region_mem(s, h.region, &size);
	if (!mem || h.offset > size || h.count > size - h.offset) {
		uvfio_msg_reply_error(s->sock, &m->hdr, EINVAL);
		return;
	}
	if (h.count > atomic_load(&s->max_rw_count))
		atomic_store(&s->max_rw_count, h.count);
	if (is_read) {
		uint32_t n = h.count;
		uint8_t pad[8] = { 0 };
		struct iovec iov[3] = {
			{ .iov_base = &h, .iov_len = sizeof(h) },
			{ .iov_base = mem + h.offset, .iov_len = n },
			{ .iov_base = pad, .iov_len = 0 },
		};

		atomic_fetch_add(&s->region_reads, 1);
		if (take_hostile(s, H_SHORT_READ)) {
			h.count = n - 1;
			iov[1].iov_len = n - 1;
		} else if (take_hostile(s, H_BIG_COUNT)) {
			h.count = n + 4;
			iov[2].iov_len = 4;
		}
		srv_reply(s, m, iov, 3, NULL, 0);
		return;
	}
	atomic_fetch_add(&s->region_writes, 1);
	if (m->hdr.flags & UVFIO_MSG_NO_REPLY)
		atomic_fetch_add(&s->posted, 1);
	memcpy(mem + h.offset, (uint8_t *)m->payload + sizeof(h), h.count);
	if (h.region == 1 && h.offset == R_CMD && h.count == 4)
		doorbell(s, rd32(s->bar1 + R_CMD), m);
	{
		struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };

		srv_reply(s, m, &iov, 1, NULL, 0);
	}
}

static void handle_region_info(struct srv *s, struct uvfio_msg *m)
{
	uint8_t out[1024];
	struct vfio_region_info req;
	struct vfio_region_info *ri = (struct vfio_region_info *)out;
	struct vfio_region_info_cap_sparse_mmap *sp =
		(struct vfio_region_info_cap_sparse_mmap *)(out + sizeof(*ri));
	size_t need = sizeof(*ri);
	int fd = -1;

	memcpy(&req, m->payload, sizeof(req));
	if (req.index < 16)
		atomic_fetch_add(&s->reg_info_reqs[req.index], 1);
	if (req.index >= 9) {
		uvfio_msg_reply_error(s->sock, &m->hdr, EINVAL);
		return;
	}
	memset(out, 0, sizeof(out));
	ri->index = req.index;
	if (take_hostile(s, H_WRONG_REGION))
		ri->index = req.index + 1;
	switch (req.index) {
	case 0:
		ri->size = BAR0_SIZE;
		ri->offset = BAR0_FD_OFF;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			    VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
		sp->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		sp->header.version = 1;
		sp->nr_areas = 2;
		sp->areas[0].offset = 0;
		sp->areas[0].size = 0x1000;
		sp->areas[1].offset = 0x2000;
		sp->areas[1].size = 0x1000;
		if (take_hostile(s, H_HUGE_AREAS))
			sp->nr_areas = 0x7fffffff;
		need += sizeof(*sp) + 2 * sizeof(sp->areas[0]);
		fd = s->bar0_fd;
		break;
	case 1:
		ri->size = BAR1_SIZE;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case 2: {
		unsigned int i;

		ri->size = REG2_SIZE;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			    VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
		sp->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		sp->header.version = 1;
		sp->nr_areas = REG2_AREAS;
		for (i = 0; i < REG2_AREAS; i++) {
			sp->areas[i].offset = (uint64_t)i * 0x2000;
			sp->areas[i].size = 0x1000;
		}
		need += sizeof(*sp) + REG2_AREAS * sizeof(sp->areas[0]);
		fd = s->reg2_fd;
		break;
	}
	case 3:
		/* Says MMAP, sends no fd. */
		ri->size = 0x1000;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ri->size = CFG_SIZE;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		break;
	}
	if (ri->flags & VFIO_REGION_INFO_FLAG_CAPS)
		ri->cap_offset = sizeof(*ri);
	ri->argsz = (uint32_t)need;
	if (req.argsz < need) {
		/* Too small: head only, no CAPS, no fd, as libvfio-user does (contract §5.4). */
		struct iovec iov = { .iov_base = out, .iov_len = sizeof(*ri) };

		ri->flags &= ~VFIO_REGION_INFO_FLAG_CAPS;
		ri->cap_offset = 0;
		srv_reply(s, m, &iov, 1, NULL, 0);
		return;
	}
	{
		struct iovec iov = { .iov_base = out, .iov_len = need };

		srv_reply(s, m, &iov, 1, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	}
}

static void handle_irq_info(struct srv *s, struct uvfio_msg *m)
{
	static const struct {
		uint32_t flags;
		uint32_t count;
	} irqs[5] = {
		[VFIO_PCI_INTX_IRQ_INDEX] = { VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
						      VFIO_IRQ_INFO_AUTOMASKED,
					      1 },
		[VFIO_PCI_MSI_IRQ_INDEX] = { VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, 8 },
		[VFIO_PCI_MSIX_IRQ_INDEX] = { VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, 40 },
		[VFIO_PCI_ERR_IRQ_INDEX] = { VFIO_IRQ_INFO_EVENTFD, 1 },
		[VFIO_PCI_REQ_IRQ_INDEX] = { VFIO_IRQ_INFO_EVENTFD, 1 },
	};
	struct vfio_irq_info info;
	struct iovec iov = { .iov_base = &info, .iov_len = sizeof(info) };

	memcpy(&info, m->payload, sizeof(info));
	if (info.index >= 5) {
		uvfio_msg_reply_error(s->sock, &m->hdr, EINVAL);
		return;
	}
	info.flags = irqs[info.index].flags;
	info.count = irqs[info.index].count;
	if (take_hostile(s, H_SHORT_PAYLOAD))
		iov.iov_len = 8;
	if (take_hostile(s, H_FDS)) {
		srv_reply(s, m, &iov, 1, &s->hostile_pipe[1], 1);
		close(s->hostile_pipe[1]);
		s->hostile_pipe[1] = -1;
		return;
	}
	srv_reply(s, m, &iov, 1, NULL, 0);
}

static void handle_set_irqs(struct srv *s, struct uvfio_msg *m)
{
	struct vfio_irq_set set;
	unsigned int n = atomic_load(&s->nirqlog);
	uint32_t i;

	memcpy(&set, m->payload, sizeof(set));
	if (n < 64) {
		s->irqlog[n] = (struct irq_rec){ set.flags, set.index, set.start, set.count,
						 m->nfds };
		atomic_store(&s->nirqlog, n + 1);
	}
	if (set.index >= 5 || set.start + set.count > 64) {
		uvfio_msg_close_fds(m);
		uvfio_msg_reply_error(s->sock, &m->hdr, EINVAL);
		return;
	}
	if ((set.flags & VFIO_IRQ_SET_ACTION_TRIGGER) && (set.flags & VFIO_IRQ_SET_DATA_EVENTFD)) {
		for (i = 0; i < set.count; i++) {
			int *slot = &s->irq_fds[set.index][set.start + i];

			if (*slot >= 0)
				close(*slot);
			*slot = m->nfds ? m->fds[i] : -1;
		}
		m->nfds = 0;
	} else if ((set.flags & VFIO_IRQ_SET_ACTION_TRIGGER) &&
		   (set.flags & VFIO_IRQ_SET_DATA_NONE)) {
		if (!set.count) {
			for (i = 0; i < 64; i++) {
				if (s->irq_fds[set.index][i] >= 0)
					close(s->irq_fds[set.index][i]);
				s->irq_fds[set.index][i] = -1;
			}
		}
		for (i = 0; i < set.count; i++) {
			uint64_t one = 1;
			int fd = s->irq_fds[set.index][set.start + i];

			if (fd >= 0)
				assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
		}
	}
	uvfio_msg_close_fds(m);
	srv_reply(s, m, NULL, 0, NULL, 0);
}

static void handle_dma_map(struct srv *s, struct uvfio_msg *m)
{
	struct uvfio_msg_dma_map req;
	unsigned int n = atomic_load(&s->nmaps);
	struct srv_map *mp;

	memcpy(&req, m->payload, sizeof(req));
	if (n >= 32) {
		uvfio_msg_close_fds(m);
		uvfio_msg_reply_error(s->sock, &m->hdr, ENOSPC);
		return;
	}
	mp = &s->maps[n];
	memset(mp, 0, sizeof(*mp));
	mp->iova = req.addr;
	mp->size = req.size;
	mp->offset = req.offset;
	mp->flags = req.flags;
	mp->fd = m->nfds ? m->fds[0] : -1;
	m->nfds = 0;
	if (mp->fd >= 0) {
		void *p = mmap(NULL, mp->size, PROT_READ | PROT_WRITE, MAP_SHARED, mp->fd,
			       (off_t)mp->offset);

		assert_true(p != MAP_FAILED);
		mp->mem = p;
	}
	atomic_store(&s->nmaps, n + 1);
	srv_reply(s, m, NULL, 0, NULL, 0);
}

static void srv_drop_map(struct srv_map *mp)
{
	if (mp->mem)
		munmap(mp->mem, mp->size);
	if (mp->fd >= 0)
		close(mp->fd);
	mp->mem = NULL;
	mp->fd = -1;
}

static void handle_dma_unmap(struct srv *s, struct uvfio_msg *m)
{
	struct uvfio_msg_dma_unmap req;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	unsigned int n = atomic_load(&s->nmaps);
	unsigned int i;

	memcpy(&req, m->payload, sizeof(req));
	uvfio_msg_close_fds(m);
	for (i = 0; i < n; i++) {
		if (s->maps[i].iova == req.addr && s->maps[i].size == req.size) {
			srv_drop_map(&s->maps[i]);
			s->maps[i] = s->maps[n - 1];
			atomic_store(&s->nmaps, n - 1);
			break;
		}
	}
	atomic_fetch_add(&s->dma_unmaps, 1);
	srv_reply(s, m, &iov, 1, NULL, 0);
}

static void handle_version(struct srv *s, struct uvfio_msg *m)
{
	struct uvfio_msg_version head = { .major = 0 };
	struct uvfio_caps peer;
	char json[UVFIO_MAX_JSON];
	struct iovec iov[2];
	uint16_t minor = 0;
	int n;

	if (s->vmode == V_EBUSY) {
		uvfio_msg_reply_error(s->sock, &m->hdr, EBUSY);
		return;
	}
	/* The client's VERSION must be valid for a strict server. */
	assert_int_equal(uvfio_version_server(m->payload, m->len, &s->caps, &peer, &minor), 0);
	assert_true(peer.max_data_xfer_size >= 4096);
	head.minor = minor;
	if (s->vmode == V_BAD_MAJOR)
		head.major = 1;
	n = uvfio_caps_to_json(&s->caps, json, sizeof(json));
	assert_true(n > 0);
	if (s->vmode == V_BAD_JSON) {
		strcpy(json, "{\"capabilities\": [1, 2");
		n = (int)strlen(json);
	}
	iov[0] = (struct iovec){ .iov_base = &head, .iov_len = sizeof(head) };
	iov[1] = (struct iovec){ .iov_base = json, .iov_len = (size_t)n + 1 };
	uvfio_msg_reply(s->sock, &m->hdr, iov, 2, NULL, 0);
}

static void handle(struct srv *s, struct uvfio_msg *m)
{
	switch (m->hdr.cmd) {
	case UVFIO_CMD_VERSION:
		handle_version(s, m);
		break;
	case UVFIO_CMD_DEVICE_GET_INFO: {
		struct uvfio_msg_device_info info = {
			.argsz = sizeof(info),
			.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
			.num_regions = VFIO_PCI_NUM_REGIONS,
			.num_irqs = VFIO_PCI_NUM_IRQS,
		};
		struct iovec iov = { .iov_base = &info, .iov_len = sizeof(info) };

		srv_reply(s, m, &iov, 1, NULL, 0);
		break;
	}
	case UVFIO_CMD_DEVICE_GET_REGION_INFO:
		handle_region_info(s, m);
		break;
	case UVFIO_CMD_DEVICE_GET_IRQ_INFO:
		handle_irq_info(s, m);
		break;
	case UVFIO_CMD_DEVICE_SET_IRQS:
		handle_set_irqs(s, m);
		break;
	case UVFIO_CMD_REGION_READ:
	case UVFIO_CMD_REGION_WRITE:
		handle_region_rw(s, m);
		break;
	case UVFIO_CMD_DMA_MAP:
		handle_dma_map(s, m);
		break;
	case UVFIO_CMD_DMA_UNMAP:
		handle_dma_unmap(s, m);
		break;
	case UVFIO_CMD_DEVICE_RESET:
		atomic_fetch_add(&s->resets, 1);
		srv_reply(s, m, NULL, 0, NULL, 0);
		break;
	default:
		uvfio_msg_close_fds(m);
		uvfio_msg_reply_error(s->sock, &m->hdr, ENOSYS);
		break;
	}
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };

	if (poll(&pfd, 1, 10000) != 1)
		goto out;
	s->sock = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s->sock < 0)
		goto out;
	for (;;) {
		struct uvfio_msg m = { .payload = s->buf };
		int ret = uvfio_msg_recv(s->sock, &m, SRV_BUF, UVFIO_MAX_MSG_FDS);

		if (ret)
			break;
		if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) != UVFIO_MSG_TYPE_COMMAND ||
		    uvfio_msg_check(&m)) {
			uvfio_msg_close_fds(&m);
			uvfio_msg_reply_error(s->sock, &m.hdr, EINVAL);
			continue;
		}
		handle(s, &m);
		uvfio_msg_close_fds(&m);
		if (s->vmode == V_EBUSY)
			break;
	}
out:
	atomic_store(&s->done, 1);
	return NULL;
}

static int memfd_of(size_t size)
{
	int fd = memfd_create("fake-bar", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static struct srv *srv_start(enum version_mode vmode, uint32_t max_fds, uint64_t xfer,
			     uint32_t max_maps)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct srv *s = calloc(1, sizeof(*s));
	unsigned int i, j;

	assert_non_null(s);
	s->sock = -1;
	s->buf = malloc(SRV_BUF);
	assert_non_null(s->buf);
	s->vmode = vmode;
	s->hostile_pipe[0] = s->hostile_pipe[1] = -1;
	for (i = 0; i < 5; i++)
		for (j = 0; j < 64; j++)
			s->irq_fds[i][j] = -1;
	uvfio_caps_init(&s->caps);
	s->caps.max_msg_fds = max_fds;
	s->caps.max_data_xfer_size = xfer;
	s->caps.max_dma_maps = max_maps;

	/* BAR0: word at region offset o holds 0xb0000000 | o. */
	s->bar0_fd = memfd_of(BAR0_FD_OFF + BAR0_SIZE);
	s->bar0 = mmap(NULL, BAR0_FD_OFF + BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->bar0_fd, 0);
	assert_true(s->bar0 != MAP_FAILED);
	for (i = 0; i < BAR0_SIZE; i += 4)
		wr32(s->bar0 + BAR0_FD_OFF + i, 0xb0000000u | i);
	s->reg2_fd = memfd_of(REG2_SIZE);
	for (i = 0; i < BAR1_SIZE; i++)
		s->bar1[i] = (uint8_t)(i * 7);

	/* Config space: ids, a memory BAR0, STATUS.CAP_LIST, MSI at 0x40 -> PM at 0x50. */
	wr32(s->cfg + PCI_VENDOR_ID, 0x11e8u | (0x1234u << 16));
	s->cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	wr32(s->cfg + PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_MEMORY);
	wr32(s->cfg + PCI_BASE_ADDRESS_1, PCI_BASE_ADDRESS_SPACE_MEMORY);
	s->cfg[PCI_CAPABILITY_LIST] = 0x40;
	s->cfg[0x40] = PCI_CAP_ID_MSI;
	s->cfg[0x41] = 0x50;
	s->cfg[0x50] = PCI_CAP_ID_PM;
	s->cfg[0x51] = 0;

	strcpy(s->dir, "/tmp/uvfio-drv-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/s.sock", s->dir);
	memcpy(addr.sun_path, s->path, strlen(s->path) + 1);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(pthread_create(&s->thr, NULL, srv_main, s), 0);
	return s;
}

static void srv_stop(struct srv *s)
{
	unsigned int i, j;

	if (s->sock >= 0)
		shutdown(s->sock, SHUT_RDWR);
	pthread_join(s->thr, NULL);
	if (s->sock >= 0)
		close(s->sock);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
	for (i = 0; i < atomic_load(&s->nmaps); i++)
		srv_drop_map(&s->maps[i]);
	for (i = 0; i < 5; i++)
		for (j = 0; j < 64; j++)
			if (s->irq_fds[i][j] >= 0)
				close(s->irq_fds[i][j]);
	for (i = 0; i < 2; i++)
		if (s->hostile_pipe[i] >= 0)
			close(s->hostile_pipe[i]);
	munmap(s->bar0, BAR0_FD_OFF + BAR0_SIZE);
	close(s->bar0_fd);
	close(s->reg2_fd);
	free(s->buf);
	free(s);
}

static char *where_of(struct srv *s)
{
	static char w[128];

	snprintf(w, sizeof(w), "unix:%s", s->path);
	return w;
}

/* A server with 2 fds per message, 1 KiB transfers and 8 DMA maps, and a device on it. */
static void open_std(struct srv **s, struct uvfio_container **c, struct uvfio_device **d)
{
	*s = srv_start(V_OK, 2, 1024, 8);
	assert_int_equal(uvfio_container_create(c), 0);
	assert_int_equal(uvfio_device_open(*c, where_of(*s), d), 0);
}

static void close_std(struct srv *s, struct uvfio_container *c)
{
	uvfio_container_destroy(c);
	srv_stop(s);
}

static uint32_t bar1_reg32(struct uvfio_device *d, uint64_t off)
{
	uint32_t v = 0;

	assert_int_equal(uvfio_region_read(d, 1, off, &v, sizeof(v)), 0);
	return v;
}

static void bar1_set64(struct uvfio_device *d, uint64_t off, uint64_t v)
{
	assert_int_equal(uvfio_region_write(d, 1, off, &v, sizeof(v)), 0);
}

static int ring(struct uvfio_device *d, uint32_t cmd)
{
	return uvfio_region_write(d, 1, R_CMD, &cmd, sizeof(cmd));
}

/*
 * Tests.
 */

static void test_open_and_info(void **state)
{
	struct uvfio_device_info info;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;

	(void)state;
	open_std(&s, &c, &d);
	assert_string_equal(uvfio_device_backend(d), "vfio-user");
	assert_string_equal(uvfio_device_name(d), where_of(s));
	assert_int_equal(uvfio_device_get_info(d, &info), 0);
	assert_int_equal(info.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(info.num_regions, VFIO_PCI_NUM_REGIONS);
	assert_int_equal(info.num_irqs, VFIO_PCI_NUM_IRQS);
	assert_int_equal(uvfio_device_poll_fd(d) >= 0, 1);
	assert_int_equal(uvfio_device_process(d), 0);
	assert_int_equal(uvfio_device_reset(d), 0);
	assert_int_equal(atomic_load(&s->resets), 1);
	close_std(s, c);
}

static bool maps_line_prot(const void *addr, char *prot)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	bool found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) != 3)
			continue;
		if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			memcpy(prot, p, 5);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_region_info_and_sparse_mmap(void **state)
{
	struct uvfio_region_info info;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	unsigned int reads;
	uint8_t *map;
	char prot[5];

	(void)state;
	open_std(&s, &c, &d);
	assert_int_equal(uvfio_region_get_info(d, 0, &info), 0);
	assert_int_equal(info.size, BAR0_SIZE);
	assert_true(info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_true(info.has_sparse);
	assert_int_equal(info.nr_sparse, 2);
	assert_int_equal(info.sparse[1].offset, 0x2000);

	assert_int_equal(uvfio_region_mmap(d, 0, (void **)&map), 0);
	/* Areas map the memfd at region.offset + area.offset. */
	assert_int_equal(rd32(map + 0x10), 0xb0000010u);
	assert_int_equal(rd32(map + 0x2ff0), 0xb0002ff0u);
	/* Holes are reserved PROT_NONE. */
	assert_true(maps_line_prot(map + 0x1000, prot));
	assert_string_equal(prot, "---p");
	assert_true(maps_line_prot(map + 0x3000, prot));
	assert_string_equal(prot, "---p");
	assert_true(maps_line_prot(map, prot));
	assert_int_equal(prot[0], 'r');
	assert_int_equal(prot[1], 'w');

	/* BAR accessors: mapped part through the mmap (no message) ... */
	reads = atomic_load(&s->region_reads);
	assert_int_equal(uvfio_bar_read32(d, 0, 0x2004), 0xb0002004u);
	assert_int_equal(uvfio_bar_read64(d, 0, 0x8), 0xb000000cb0000008ull);
	assert_int_equal(atomic_load(&s->region_reads), reads);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x20, 0xcafef00d), 0);
	assert_int_equal(rd32(s->bar0 + BAR0_FD_OFF + 0x20), 0xcafef00du);
	/* ... the hole through REGION_READ/WRITE. */
	assert_int_equal(uvfio_bar_read32(d, 0, 0x1008), 0xb0001008u);
	assert_int_equal(uvfio_bar_read16(d, 0, 0x3002), 0xb000);
	assert_int_equal(atomic_load(&s->region_reads), reads + 2);
	assert_int_equal(uvfio_bar_write8(d, 0, 0x1001, 0x42), 0);
	assert_int_equal(s->bar0[BAR0_FD_OFF + 0x1001], 0x42);
	/* Unaligned access falls back to messages too. */
	assert_int_equal(uvfio_bar_read32(d, 0, 0x2002), 0x2004b000u);
	/* Out of range: all ones, as a master abort. */
	assert_int_equal(uvfio_bar_read32(d, 0, BAR0_SIZE), 0xffffffffu);
	assert_int_equal(uvfio_bar_read8(d, 7, 0), 0xff);
	assert_int_equal(uvfio_bar_read32(d, 4, 0), 0xffffffffu); /* size-0 region */
	assert_int_not_equal(uvfio_bar_write32(d, 0, BAR0_SIZE - 2, 1), 0);

	/* Same mapping returned twice; unmap then map again. */
	{
		void *again;

		assert_int_equal(uvfio_region_mmap(d, 0, &again), 0);
		assert_ptr_equal(again, map);
		uvfio_region_unmap(d, 0);
		assert_int_equal(uvfio_region_mmap(d, 0, &again), 0);
		assert_int_equal(rd32((uint8_t *)again + 0x2000), 0xb0002000u);
	}
	close_std(s, c);
}

static void test_region_info_retry_and_no_fd(void **state)
{
	struct uvfio_region_info info;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	void *map;

	(void)state;
	open_std(&s, &c, &d);
	/* 30 areas need more than the first argsz: one retry; 16 kept. */
	assert_int_equal(uvfio_region_get_info(d, 2, &info), 0);
	assert_int_equal(atomic_load(&s->reg_info_reqs[2]), 2);
	assert_int_equal(info.nr_sparse, UVFIO_MAX_SPARSE_AREAS);
	assert_int_equal(uvfio_region_mmap(d, 2, &map), 0);
	/* Cached afterwards. */
	assert_int_equal(uvfio_region_get_info(d, 2, &info), 0);
	assert_int_equal(atomic_load(&s->reg_info_reqs[2]), 2);

	/* MMAP claimed without an fd: not mmap-able for us. */
	assert_int_equal(uvfio_region_get_info(d, 3, &info), 0);
	assert_false(info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_int_equal(uvfio_region_mmap(d, 3, &map), -ENOTSUP);
	/* Not mmap-able at all; absent; beyond num_regions. */
	assert_int_equal(uvfio_region_mmap(d, 1, &map), -ENOTSUP);
	assert_int_equal(uvfio_region_mmap(d, 4, &map), -ENOTSUP);
	assert_int_equal(uvfio_region_get_info(d, 9, &info), -EINVAL);
	assert_non_null(strstr(uvfio_last_error(), "no region 9"));
	close_std(s, c);
}

static void test_region_rw_split(void **state)
{
	uint8_t in[BAR1_SIZE], out[BAR1_SIZE];
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	unsigned int i, reads;

	(void)state;
	open_std(&s, &c, &d);
	reads = atomic_load(&s->region_reads);
	assert_int_equal(uvfio_region_read(d, 1, 0, out, sizeof(out)), 0);
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], (uint8_t)(i * 7));
	/* 16 KiB at the server's 1 KiB max_data_xfer_size: 16 messages. */
	assert_int_equal(atomic_load(&s->region_reads) - reads, 16);
	assert_true(atomic_load(&s->max_rw_count) <= 1024);

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i ^ 0x3c);
	assert_int_equal(uvfio_region_write(d, 1, 0x200, in, 0x2000), 0);
	assert_int_equal(memcmp(s->bar1 + 0x200, in, 0x2000), 0);

	/* Posted: no reply awaited; a following read is ordered after it. */
	assert_int_equal(uvfio_region_write_posted(d, 1, 0x3000, in, 3000), 0);
	assert_int_equal(uvfio_region_read(d, 1, 0x3000, out, 3000), 0);
	assert_int_equal(memcmp(out, in, 3000), 0);
	assert_int_equal(atomic_load(&s->posted), 3);

	/* Range checks before anything is sent. */
	assert_int_equal(uvfio_region_read(d, 1, BAR1_SIZE - 1, out, 2), -EINVAL);
	assert_int_equal(uvfio_region_read(d, 1, UINT64_MAX, out, 2), -EINVAL);
	assert_int_equal(uvfio_region_write(d, 4, 0, in, 1), -EINVAL);
	assert_int_equal(uvfio_region_read(d, 3, 0, out, 0), 0);
	close_std(s, c);
}

static void test_config(void **state)
{
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	uint16_t v16;
	uint32_t v32;
	uint8_t v8;

	(void)state;
	open_std(&s, &c, &d);
	assert_int_equal(uvfio_config_read16(d, PCI_VENDOR_ID, &v16), 0);
	assert_int_equal(v16, 0x11e8);
	assert_int_equal(uvfio_config_read32(d, PCI_VENDOR_ID, &v32), 0);
	assert_int_equal(v32, 0x123411e8);
	assert_int_equal(uvfio_config_read8(d, PCI_CAPABILITY_LIST, &v8), 0);
	assert_int_equal(v8, 0x40);
	assert_int_equal(uvfio_config_find_cap(d, PCI_CAP_ID_MSI), 0x40);
	assert_int_equal(uvfio_config_find_cap(d, PCI_CAP_ID_PM), 0x50);
	assert_int_equal(uvfio_config_find_cap(d, PCI_CAP_ID_MSIX), -ENOENT);
	assert_int_equal(uvfio_config_find_ext_cap(d, PCI_EXT_CAP_ID_ERR), -ENOENT);
	assert_int_equal(uvfio_config_write8(d, 0x60, 0xab), 0);
	assert_int_equal(uvfio_config_write32(d, 0x64, 0x01020304), 0);
	assert_int_equal(s->cfg[0x60], 0xab);
	assert_int_equal(rd32(s->cfg + 0x64), 0x01020304);
	assert_int_equal(uvfio_config_read32(d, CFG_SIZE - 2, &v32), -EINVAL);
	/* Memory BARs present: memory + bus master. */
	assert_int_equal(uvfio_device_enable(d), 0);
	assert_int_equal(s->cfg[PCI_COMMAND], PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* A looping capability list is reported, not followed for ever. */
	s->cfg[0x51] = 0x40;
	assert_int_equal(uvfio_config_find_cap(d, PCI_CAP_ID_MSIX), -ELOOP);
	close_std(s, c);
}

static void test_irqs(void **state)
{
	struct uvfio_irq_info info;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	int efd[5];
	int fds[5];
	unsigned int i, n0;

	(void)state;
	open_std(&s, &c, &d);
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_MSIX_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 40);
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_INTX_IRQ_INDEX, &info), 0);
	assert_true(info.flags & VFIO_IRQ_INFO_AUTOMASKED);
	assert_int_equal(uvfio_irq_get_info(d, 5, &info), -EINVAL);

	for (i = 0; i < 5; i++)
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fds[0] = efd[0];
	fds[1] = efd[1];
	fds[2] = efd[2];
	fds[3] = -1;
	fds[4] = efd[4];
	n0 = atomic_load(&s->nirqlog);
	/*
	 * Server takes 2 fds per message: the whole range without fds first
	 * (enables 5 vectors on a kernel-like server), then [0,1] [2] [4].
	 */
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_MSI_IRQ_INDEX, 0, 5, fds), 0);
	assert_int_equal(atomic_load(&s->nirqlog) - n0, 4);
	{
		static const struct {
			uint32_t start, count, nfds;
		} want[4] = { { 0, 5, 0 }, { 0, 2, 2 }, { 2, 1, 1 }, { 4, 1, 1 } };

		for (i = 0; i < 4; i++) {
			struct irq_rec *r = &s->irqlog[n0 + i];

			assert_int_equal(r->flags,
					 VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
			assert_int_equal(r->index, VFIO_PCI_MSI_IRQ_INDEX);
			assert_int_equal(r->start, want[i].start);
			assert_int_equal(r->count, want[i].count);
			assert_int_equal(r->nfds, want[i].nfds);
		}
	}
	/* All valid and within max_msg_fds: a single message. */
	n0 = atomic_load(&s->nirqlog);
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_MSI_IRQ_INDEX, 0, 2, fds), 0);
	assert_int_equal(atomic_load(&s->nirqlog) - n0, 1);
	assert_int_equal(s->irqlog[n0].nfds, 2);
	/* Loopback trigger reaches the eventfd the server holds. */
	assert_int_equal(uvfio_irq_trigger(d, VFIO_PCI_MSI_IRQ_INDEX, 4), 0);
	assert_int_equal(uvfio_irq_wait(d, efd[4], 2000), 1);
	assert_int_equal(uvfio_irq_wait(d, efd[0], 50), -ETIMEDOUT);

	n0 = atomic_load(&s->nirqlog);
	assert_int_equal(uvfio_irq_mask(d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(uvfio_irq_unmask(d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(uvfio_irq_set_unmask_fd(d, VFIO_PCI_INTX_IRQ_INDEX, 0, efd[1]), 0);
	assert_int_equal(uvfio_irq_disable(d, VFIO_PCI_MSI_IRQ_INDEX), 0);
	assert_int_equal(s->irqlog[n0].flags, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK);
	assert_int_equal(s->irqlog[n0 + 1].flags,
			 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK);
	assert_int_equal(s->irqlog[n0 + 2].flags,
			 VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK);
	assert_int_equal(s->irqlog[n0 + 2].nfds, 1);
	assert_int_equal(s->irqlog[n0 + 3].flags,
			 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER);
	assert_int_equal(s->irqlog[n0 + 3].count, 0);

	/* Raw SET_IRQS with DATA_BOOL; malformed flags refused locally. */
	{
		struct vfio_irq_set set = {
			.argsz = sizeof(set) + 2,
			.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = VFIO_PCI_MSIX_IRQ_INDEX,
			.start = 0,
			.count = 2,
		};
		uint8_t bools[2] = { 1, 0 };

		assert_int_equal(uvfio_irq_set(d, &set, bools), 0);
		set.flags |= VFIO_IRQ_SET_DATA_NONE;
		assert_int_equal(uvfio_irq_set(d, &set, bools), -EINVAL);
		set.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
		set.argsz = sizeof(set) + 1;
		assert_int_equal(uvfio_irq_set(d, &set, bools), -EINVAL);
	}
	for (i = 0; i < 5; i++)
		close(efd[i]);
	close_std(s, c);
}

static struct srv_map *srv_find_map(struct srv *s, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < atomic_load(&s->nmaps); i++)
		if (s->maps[i].iova == iova)
			return &s->maps[i];
	return NULL;
}

static void test_dma_maps(void **state)
{
	struct uvfio_dma_buf *early, *ro, *nofd, *bufs[8];
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv_map *m;
	struct srv *s;

	(void)state;
	s = srv_start(V_OK, 2, 1024, 4);
	assert_int_equal(uvfio_container_create(&c), 0);
	/* Allocated before the device: replayed on open. */
	assert_int_equal(uvfio_dma_alloc(c, 8192, 0, &early), 0);
	memcpy(early->vaddr, "EARLYBUF", 8);
	assert_int_equal(uvfio_device_open(c, where_of(s), &d), 0);
	assert_int_equal(atomic_load(&s->nmaps), 1);
	m = srv_find_map(s, early->iova);
	assert_non_null(m);
	assert_int_equal(m->size, 8192);
	assert_true(m->fd >= 0);
	assert_int_equal(m->flags, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	/* The server sees our memory through the fd ... */
	assert_int_equal(memcmp(m->mem, "EARLYBUF", 8), 0);
	/* ... and we see its writes. */
	memcpy(m->mem + 4096, "FROMSRV", 8);
	assert_string_equal((char *)early->vaddr + 4096, "FROMSRV");
	bar1_set64(d, R_SRC, early->iova);
	assert_int_equal(ring(d, DB_PEEK), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), 0);

	assert_int_equal(uvfio_dma_alloc(c, 100, UVFIO_DMA_READONLY, &ro), 0);
	m = srv_find_map(s, ro->iova);
	assert_non_null(m);
	assert_int_equal(m->flags, VFIO_DMA_MAP_FLAG_READ);
	assert_int_equal(uvfio_dma_alloc(c, 100, UVFIO_DMA_NO_FD, &nofd), 0);
	m = srv_find_map(s, nofd->iova);
	assert_non_null(m);
	assert_int_equal(m->fd, -1);
	assert_int_equal(m->offset, 0);

	/* max_dma_maps 4: the fourth fits, the fifth does not. */
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &bufs[0]), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &bufs[1]), -ENOSPC);
	assert_non_null(strstr(uvfio_last_error(), "limit"));

	{
		uint64_t ro_iova = ro->iova;

		uvfio_dma_free(c, ro);
		assert_int_equal(atomic_load(&s->dma_unmaps), 1);
		assert_null(srv_find_map(s, ro_iova));
		assert_int_equal(atomic_load(&s->nmaps), 3);
	}
	uvfio_dma_free(c, bufs[0]);
	uvfio_device_close(d);
	/* Buffers outlive the device. */
	assert_int_equal(memcmp(early->vaddr, "EARLYBUF", 8), 0);
	close_std(s, c);
}

static void test_dma_requests_served(void **state)
{
	struct uvfio_dma_buf *src, *dst, *ro, *fdbuf;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	uint8_t *p;
	unsigned int i;

	(void)state;
	open_std(&s, &c, &d);
	assert_int_equal(uvfio_dma_alloc(c, 3 * 4096, UVFIO_DMA_NO_FD, &src), 0);
	assert_int_equal(uvfio_dma_alloc(c, 3 * 4096, UVFIO_DMA_NO_FD, &dst), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, UVFIO_DMA_NO_FD | UVFIO_DMA_READONLY, &ro), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &fdbuf), 0);
	p = src->vaddr;
	for (i = 0; i < src->size; i++)
		p[i] = (uint8_t)(i * 13);

	/* DMA_READ then DMA_WRITE, interleaved before the reply to our write. */
	bar1_set64(d, R_SRC, src->iova + 100);
	bar1_set64(d, R_LEN, 5000);
	bar1_set64(d, R_DST, dst->iova + 7);
	assert_int_equal(ring(d, DB_READ_THEN_WRITE), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), 0);
	assert_int_equal(bar1_reg32(d, R_RES2), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(((uint8_t *)dst->vaddr)[7 + i], (uint8_t)~(uint8_t)((100 + i) * 13));
	assert_int_equal(((uint8_t *)dst->vaddr)[6], 0);
	assert_int_equal(((uint8_t *)dst->vaddr)[7 + 5000], 0);

	/* Message DMA works on fd-backed maps as well. */
	memcpy(fdbuf->vaddr, "fdbacked", 8);
	bar1_set64(d, R_SRC, fdbuf->iova);
	bar1_set64(d, R_LEN, 8);
	assert_int_equal(ring(d, DB_READ), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), 0);
	assert_int_equal(memcmp(s->bar1 + 0x1000, "fdbacked", 8), 0);

	/* Outside anything mapped: EFAULT; straddling the end of a map too. */
	bar1_set64(d, R_SRC, 0x10);
	assert_int_equal(ring(d, DB_READ), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), EFAULT);
	bar1_set64(d, R_SRC, src->iova + src->size - 4);
	assert_int_equal(ring(d, DB_READ), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), EFAULT);
	/* Read-only buffer: reads fine, writes EPERM. */
	bar1_set64(d, R_SRC, ro->iova);
	assert_int_equal(ring(d, DB_READ), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), 0);
	bar1_set64(d, R_DST, ro->iova);
	assert_int_equal(ring(d, DB_WRITE), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), EPERM);
	assert_int_equal(((uint8_t *)ro->vaddr)[0], 0);
	/* More than our max_data_xfer_size: E2BIG, for reads and writes. */
	{
		struct uvfio_dma_buf *big;

		assert_int_equal(uvfio_dma_alloc(c, 2u << 20, UVFIO_DMA_NO_FD, &big), 0);
		bar1_set64(d, R_SRC, big->iova);
		bar1_set64(d, R_DST, big->iova);
		bar1_set64(d, R_LEN, (1u << 20) + 4096);
		assert_int_equal(ring(d, DB_READ), 0);
		assert_int_equal(bar1_reg32(d, R_RES1), E2BIG);
		assert_int_equal(ring(d, DB_WRITE), 0);
		assert_int_equal(bar1_reg32(d, R_RES1), E2BIG);
		/* Exactly 1 MiB is fine. */
		bar1_set64(d, R_LEN, 1u << 20);
		assert_int_equal(ring(d, DB_WRITE), 0);
		assert_int_equal(bar1_reg32(d, R_RES1), 0);
		assert_int_equal(((uint8_t *)big->vaddr)[(1u << 20) - 1], 0x5a);
		assert_int_equal(((uint8_t *)big->vaddr)[1u << 20], 0);
		uvfio_dma_free(c, big);
	}
	/* A freed buffer is no longer served. */
	bar1_set64(d, R_SRC, src->iova);
	bar1_set64(d, R_LEN, 8);
	uvfio_dma_free(c, src);
	assert_int_equal(ring(d, DB_READ), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), EFAULT);
	/* fds on a DMA request: EINVAL; unknown server->client command: ENOSYS. */
	bar1_set64(d, R_SRC, dst->iova);
	assert_int_equal(ring(d, DB_READ_WITH_FD), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), EINVAL);
	assert_int_equal(ring(d, DB_UNKNOWN_CMD), 0);
	assert_int_equal(bar1_reg32(d, R_RES1), ENOSYS);
	close_std(s, c);
}

static void test_dma_served_while_waiting_irq(void **state)
{
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct uvfio_dma_buf *buf;
	struct srv *s;
	int efd;
	unsigned int i;

	(void)state;
	open_std(&s, &c, &d);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, UVFIO_DMA_NO_FD, &buf), 0);
	bar1_set64(d, R_DST, buf->iova + 16);
	bar1_set64(d, R_LEN, 64);
	/* The server answers, then DMA_WRITEs, then raises MSI 0: we serve meanwhile. */
	assert_int_equal(ring(d, DB_WRITE_THEN_IRQ), 0);
	assert_int_equal(uvfio_irq_wait(d, efd, 5000), 1);
	for (i = 0; i < 64; i++)
		assert_int_equal(((uint8_t *)buf->vaddr)[16 + i], 0x77);
	assert_int_equal(bar1_reg32(d, R_RES1), 0);
	close(efd);
	close_std(s, c);
}

static void test_hostile_wrong_id(void **state)
{
	struct uvfio_irq_info info;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	uint32_t v;

	(void)state;
	open_std(&s, &c, &d);
	/* A reply with a wrong id is dropped; the right one follows and is taken. */
	atomic_store(&s->hostile, H_WRONG_ID_THEN_RIGHT);
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_MSI_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 8);
	assert_int_equal(uvfio_config_read32(d, 0, &v), 0);
	assert_int_equal(v, 0x123411e8);

	/* Only a wrong id: we time out and the device is broken from then on. */
	assert_int_equal(uvfio_device_set_timeout(d, 300), 0);
	assert_int_equal(uvfio_device_set_timeout(d, 0), -EINVAL);
	atomic_store(&s->hostile, H_WRONG_ID_ONLY);
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_MSI_IRQ_INDEX, &info), -ETIMEDOUT);
	assert_non_null(strstr(uvfio_last_error(), "unusable"));
	assert_int_equal(uvfio_config_read32(d, 0, &v), -ENOTCONN);
	assert_non_null(strstr(uvfio_last_error(), "earlier failure"));
	assert_int_equal(uvfio_bar_read32(d, 1, 0), 0xffffffffu);
	assert_true(uvfio_device_process(d) < 0);
	close_std(s, c);
}

static void test_hostile_short_and_oversized(void **state)
{
	struct uvfio_region_info info;
	struct uvfio_irq_info irq;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	uint8_t buf[64];

	(void)state;
	open_std(&s, &c, &d);
	atomic_store(&s->hostile, H_SHORT_READ);
	assert_int_equal(uvfio_region_read(d, 1, 0, buf, 16), -EIO);
	assert_non_null(strstr(uvfio_last_error(), "short read"));
	atomic_store(&s->hostile, H_BIG_COUNT);
	assert_int_equal(uvfio_region_read(d, 1, 0, buf, 16), -EPROTO);
	atomic_store(&s->hostile, H_SHORT_PAYLOAD);
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_MSI_IRQ_INDEX, &irq), -EPROTO);
	assert_non_null(strstr(uvfio_last_error(), "malformed"));
	atomic_store(&s->hostile, H_HUGE_AREAS);
	assert_int_equal(uvfio_region_get_info(d, 0, &info), -EPROTO);
	assert_non_null(strstr(uvfio_last_error(), "areas"));
	atomic_store(&s->hostile, H_WRONG_REGION);
	assert_int_equal(uvfio_region_get_info(d, 2, &info), -EPROTO); /* 1 is cached */
	/* None of that broke the stream: the device still works. */
	assert_int_equal(uvfio_region_get_info(d, 0, &info), 0);
	assert_int_equal(info.nr_sparse, 2);
	assert_int_equal(uvfio_region_read(d, 1, 0, buf, 16), 0);
	assert_int_equal(buf[3], 21);
	close_std(s, c);
}

static void test_hostile_error_flag(void **state)
{
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	uint32_t v = 0x1234;

	(void)state;
	open_std(&s, &c, &d);
	atomic_store(&s->hostile, H_ERROR);
	assert_int_equal(uvfio_region_write(d, 1, 0, &v, sizeof(v)), -EIO);
	assert_non_null(strstr(uvfio_last_error(), "refused"));
	assert_int_equal(uvfio_region_write(d, 1, 0, &v, sizeof(v)), 0);
	atomic_store(&s->hostile, H_ERROR);
	assert_int_equal(uvfio_device_reset(d), -EIO);
	close_std(s, c);
}

static void test_hostile_unexpected_fds(void **state)
{
	struct uvfio_irq_info info;
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct pollfd pfd;
	struct srv *s;

	(void)state;
	open_std(&s, &c, &d);
	assert_int_equal(pipe2(s->hostile_pipe, O_CLOEXEC), 0);
	atomic_store(&s->hostile, H_FDS);
	/* The reply is fine apart from the fd: accepted, and the fd closed. */
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_MSI_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 8);
	/* Every write end is gone: the read end sees EOF. */
	pfd.fd = s->hostile_pipe[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(pfd.revents & POLLHUP);
	close_std(s, c);
}

static void test_hostile_disconnect(void **state)
{
	struct uvfio_container *c;
	struct uvfio_device *d;
	struct srv *s;
	uint32_t v;

	(void)state;
	open_std(&s, &c, &d);
	atomic_store(&s->hostile, H_CLOSE);
	assert_int_equal(uvfio_config_read32(d, 0, &v), -ECONNRESET);
	assert_non_null(strstr(uvfio_last_error(), "closed"));
	assert_int_equal(uvfio_config_read32(d, 0, &v), -ENOTCONN);
	/* Closing a broken device and freeing buffers still works. */
	{
		struct uvfio_dma_buf *b;

		assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &b), -ENOTCONN);
	}
	close_std(s, c);
}

static void test_version_refusals(void **state)
{
	struct uvfio_container *c;
	struct uvfio_device *d = NULL;
	struct srv *s;

	(void)state;
	assert_int_equal(uvfio_container_create(&c), 0);

	s = srv_start(V_EBUSY, 1, 1 << 20, 16);
	assert_int_equal(uvfio_device_open(c, where_of(s), &d), -EBUSY);
	assert_non_null(strstr(uvfio_last_error(),
			       "device is busy: another client is connected"));
	srv_stop(s);

	s = srv_start(V_BAD_MAJOR, 1, 1 << 20, 16);
	assert_int_equal(uvfio_device_open(c, where_of(s), &d), -EINVAL);
	assert_non_null(strstr(uvfio_last_error(), "incompatible"));
	srv_stop(s);

	s = srv_start(V_BAD_JSON, 1, 1 << 20, 16);
	assert_int_not_equal(uvfio_device_open(c, where_of(s), &d), 0);
	srv_stop(s);

	assert_null(c->devices);
	assert_null(c->domains);
	uvfio_container_destroy(c);
}

static void test_two_devices_one_container(void **state)
{
	struct uvfio_container *c;
	struct uvfio_device *d1, *d2;
	struct uvfio_dma_buf *a, *b;
	struct srv *s1, *s2;

	(void)state;
	s1 = srv_start(V_OK, 1, 4096, 16);
	s2 = srv_start(V_OK, 8, 1 << 20, 16);
	assert_int_equal(uvfio_container_create(&c), 0);
	assert_int_equal(uvfio_device_open(c, where_of(s1), &d1), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &a), 0);
	/* The second device gets the earlier buffer replayed, then new ones. */
	assert_int_equal(uvfio_device_open(c, where_of(s2), &d2), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &b), 0);
	assert_non_null(srv_find_map(s1, a->iova));
	assert_non_null(srv_find_map(s1, b->iova));
	assert_non_null(srv_find_map(s2, a->iova));
	assert_non_null(srv_find_map(s2, b->iova));
	/* Narrowest DMA mask across both. */
	assert_int_equal(uvfio_device_set_dma_mask(d2, 20), 0);
	{
		struct uvfio_dma_buf *x;

		assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &x), 0);
		assert_true(x->iova < (1u << 20));
	}
	uvfio_device_close(d1);
	{
		uint64_t a_iova = a->iova;

		uvfio_dma_free(c, a);
		assert_null(srv_find_map(s2, a_iova));
	}
	uvfio_container_destroy(c);
	srv_stop(s1);
	srv_stop(s2);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_open_and_info),
	cmocka_unit_test(test_region_info_and_sparse_mmap),
	cmocka_unit_test(test_region_info_retry_and_no_fd),
	cmocka_unit_test(test_region_rw_split),
	cmocka_unit_test(test_config),
	cmocka_unit_test(test_irqs),
	cmocka_unit_test(test_dma_maps),
	cmocka_unit_test(test_dma_requests_served),
	cmocka_unit_test(test_dma_served_while_waiting_irq),
	cmocka_unit_test(test_hostile_wrong_id),
	cmocka_unit_test(test_hostile_short_and_oversized),
	cmocka_unit_test(test_hostile_error_flag),
	cmocka_unit_test(test_hostile_unexpected_fds),
	cmocka_unit_test(test_hostile_disconnect),
	cmocka_unit_test(test_version_refusals),
	cmocka_unit_test(test_two_devices_one_container),
};

UVFIO_TEST_MAIN(tests)
