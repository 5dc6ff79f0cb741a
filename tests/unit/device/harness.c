// SPDX-License-Identifier: MIT
/*
 * tests/unit/device/harness.c - see harness.h.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void job_run(struct uvfio_dev *dev, void *arg)
{
	struct model *m = arg;
	uint64_t src;
	uint64_t dst;
	uint32_t len = get32(m->regs + M_JOB_LEN);
	uint8_t buf[64];
	uint32_t i;
	int ret;

	memcpy(&src, m->regs + M_JOB_IOVA, sizeof(src));
	memcpy(&dst, m->regs + M_JOB_DST, sizeof(dst));
	if (len > sizeof(buf))
		len = sizeof(buf);
	ret = uvfio_dev_dma_read(dev, src, buf, len);
	if (!ret) {
		memcpy(m->regs + M_JOB_BUF, buf, len);
		for (i = 0; i < len; i++)
			buf[i]++;
		ret = uvfio_dev_dma_write(dev, dst, buf, len);
	}
	put32(m->regs + M_JOB_RET, (uint32_t)ret);
}

static ssize_t bar0_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct model *m = priv;

	(void)dev;
	memcpy(buf, m->regs + off, len);
	return (ssize_t)len;
}

static ssize_t bar0_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			  size_t len)
{
	struct model *m = priv;
	uint32_t v;
	int ret = 0;

	memcpy(m->regs + off, buf, len);
	if (len != 4)
		return (ssize_t)len;
	v = get32(m->regs + off);
	switch (off) {
	case M_INTX:
		ret = uvfio_dev_intx_set_level(dev, v != 0);
		break;
	case M_MSIX:
		ret = uvfio_dev_msi_trigger(dev, VFIO_PCI_MSIX_IRQ_INDEX, v);
		break;
	case M_MSI:
		ret = uvfio_dev_msi_trigger(dev, VFIO_PCI_MSI_IRQ_INDEX, v);
		break;
	case M_ERR:
		ret = uvfio_dev_err_trigger(dev);
		break;
	case M_REQ:
		ret = uvfio_dev_req_trigger(dev);
		break;
	case M_MEMPOKE:
		memcpy(m->bar2, &v, sizeof(v));
		break;
	case M_JOB:
		ret = uvfio_dev_defer(dev, job_run, m);
		break;
	case M_JOB_SYNC:
		job_run(dev, m);
		return (ssize_t)len;
	default:
		return (ssize_t)len;
	}
	put32(m->regs + M_RET, (uint32_t)ret);
	return (ssize_t)len;
}

static const struct uvfio_region_ops bar0_ops = {
	.read = bar0_read,
	.write = bar0_write,
};

static ssize_t r9_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct model *m = priv;

	(void)dev;
	memcpy(buf, m->r9 + off, len);
	return (ssize_t)len;
}

static ssize_t r9_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			size_t len)
{
	struct model *m = priv;

	(void)dev;
	memcpy(m->r9 + off, buf, len);
	return (ssize_t)len;
}

static const struct uvfio_region_ops r9_ops = {
	.read = r9_read,
	.write = r9_write,
};

static int m_reset(struct uvfio_dev *dev, void *priv, enum uvfio_reset_reason why)
{
	struct model *m = priv;

	(void)dev;
	put32(m->regs + M_RESETS, get32(m->regs + M_RESETS) + 1);
	put32(m->regs + M_REASON, (uint32_t)why);
	return 0;
}

static void m_open(struct uvfio_dev *dev, void *priv)
{
	struct model *m = priv;

	(void)dev;
	put32(m->regs + M_OPENS, get32(m->regs + M_OPENS) + 1);
}

static void m_release(struct uvfio_dev *dev, void *priv)
{
	struct model *m = priv;

	(void)dev;
	put32(m->regs + M_RELEASES, get32(m->regs + M_RELEASES) + 1);
}

static const struct uvfio_dev_ops model_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
	.reset = m_reset,
	.open = m_open,
	.release = m_release,
};

void model_create(struct model *m, unsigned int flags)
{
	const struct uvfio_dev_pci_id id = {
		.vendor = 0x1234,
		.device = 0x11e8,
		.subsystem_vendor = 0x1af4,
		.subsystem_device = 0x1100,
		.revision = 0x10,
		.class_code = 0x00ff00,
		.irq_pin = 1,
	};
	uint8_t rom[M_ROM_LEN];
	void *bar2;
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < sizeof(rom); i++)
		rom[i] = (uint8_t)i;
	assert_int_equal(uvfio_dev_create(&model_ops, m, &id, flags, &m->dev), 0);
	assert_int_equal(uvfio_dev_setup_bar(m->dev, 0, M_BAR0_SIZE, 0, &bar0_ops, m), 0);
	assert_int_equal(uvfio_dev_setup_bar_mem(m->dev, 2, M_BAR2_SIZE, 0, -1, 0, &bar2), 0);
	m->bar2 = bar2;
	assert_int_equal(uvfio_dev_setup_rom(m->dev, rom, sizeof(rom)), 0);
	assert_int_equal(
		uvfio_dev_setup_region(m->dev, 9, M_REGION9_SIZE,
				       VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
				       M_REGION9_TYPE, M_REGION9_SUBTYPE, &r9_ops, m),
		0);
	assert_true(uvfio_dev_add_cap_pm(m->dev) > 0);
	m->msi_off = uvfio_dev_add_cap_msi(m->dev, M_NVEC, UVFIO_MSI_64BIT | UVFIO_MSI_MASKABLE);
	assert_true(m->msi_off > 0);
	m->msix_off = uvfio_dev_add_cap_msix(m->dev, M_NVEC, 2, M_MSIX_TABLE, 2, M_MSIX_PBA);
	assert_true(m->msix_off > 0);
	m->pcie_off = uvfio_dev_add_cap_pcie(m->dev, UVFIO_PCIE_FLR);
	assert_true(m->pcie_off > 0);
}

void model_destroy(struct model *m)
{
	uvfio_dev_destroy(m->dev);
	m->dev = NULL;
}

static void *serve_thread(void *arg)
{
	struct srv *s = arg;

	s->ret = uvfio_dev_serve_conn(s->m.dev, s->srv_fd);
	return NULL;
}

void srv_connect(struct srv *s)
{
	struct timeval tv = {.tv_sec = 5};
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	s->sock = sv[0];
	s->srv_fd = sv[1];
	s->ret = 1;
	assert_int_equal(pthread_create(&s->th, NULL, serve_thread, s), 0);
	s->running = true;
}

void srv_disconnect(struct srv *s)
{
	if (!s->running)
		return;
	close(s->sock);
	s->sock = -1;
	pthread_join(s->th, NULL);
	s->running = false;
}

void srv_start(struct srv *s)
{
	model_create(&s->m, UVFIO_DEV_PCIE);
	srv_connect(s);
	assert_int_equal(cl_version(s->sock, QEMU_JSON), 0);
}

void srv_stop(struct srv *s)
{
	srv_disconnect(s);
	model_destroy(&s->m);
}

static uint16_t msg_id;
int cl_reply_fd = -1;

uint16_t cl_next_id(void)
{
	return msg_id++;
}

int cl_send(int sock, uint16_t id, uint16_t cmd, uint32_t flags, const void *p, size_t len,
	    const int *fds, unsigned int nfds)
{
	struct uvfio_msg_hdr hdr = {.msg_id = id, .cmd = cmd, .flags = flags};
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};

	return uvfio_msg_send(sock, &hdr, &iov, len ? 1 : 0, fds, nfds);
}

int cl_recv(int sock, struct uvfio_msg *m, void *buf, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->payload = buf;
	return uvfio_msg_recv(sock, m, size, UVFIO_MAX_MSG_FDS);
}

static uint8_t scratch_buf[1 << 21];

int cl_call(int sock, uint16_t cmd, const void *p, size_t len, const int *fds, unsigned int nfds,
	    void *rbuf, size_t rsize, size_t *rlen)
{
	uint16_t id = cl_next_id();
	struct uvfio_msg m;
	int ret;

	cl_reply_fd = -1;
	ret = cl_send(sock, id, cmd, UVFIO_MSG_TYPE_COMMAND, p, len, fds, nfds);
	if (ret)
		return ret;
	ret = cl_recv(sock, &m, scratch_buf, sizeof(scratch_buf));
	if (ret)
		return ret;
	if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) != UVFIO_MSG_TYPE_REPLY || m.hdr.msg_id != id ||
	    m.hdr.cmd != cmd) {
		uvfio_msg_close_fds(&m);
		return -EPROTO;
	}
	if (m.hdr.flags & UVFIO_MSG_ERROR) {
		assert_int_equal(m.len, 0);
		return -(int)m.hdr.error_no;
	}
	if (rbuf) {
		assert_true(m.len <= rsize);
		memcpy(rbuf, m.payload, m.len);
	}
	if (rlen)
		*rlen = m.len;
	/* A region-info reply may bring one fd: the caller takes it. */
	if (m.nfds == 1) {
		cl_reply_fd = m.fds[0];
		m.nfds = 0;
	}
	uvfio_msg_close_fds(&m);
	return 0;
}

int cl_version(int sock, const char *json)
{
	uint8_t buf[4 + 4096];
	struct uvfio_msg_version v = {.major = 0, .minor = 0};
	size_t len = sizeof(v);
	uint8_t rbuf[8192];
	size_t rlen;
	struct uvfio_caps caps;
	int ret;

	memcpy(buf, &v, sizeof(v));
	if (json) {
		memcpy(buf + len, json, strlen(json) + 1);
		len += strlen(json) + 1;
	}
	ret = cl_call(sock, UVFIO_CMD_VERSION, buf, len, NULL, 0, rbuf, sizeof(rbuf), &rlen);
	if (ret)
		return ret;
	return uvfio_version_client(rbuf, rlen, &caps);
}

int cl_read(int sock, uint32_t region, uint64_t off, void *buf, uint32_t count)
{
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};
	size_t rlen;
	int ret;

	ret = cl_call(sock, UVFIO_CMD_REGION_READ, &rw, sizeof(rw), NULL, 0, scratch_buf,
		      sizeof(scratch_buf), &rlen);
	if (ret)
		return ret;
	if (rlen != sizeof(rw) + count)
		return -EPROTO;
	memcpy(buf, scratch_buf + sizeof(rw), count);
	return 0;
}

int cl_write(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count)
{
	static uint8_t msg[(1 << 20) + 64];
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};

	memcpy(msg, &rw, sizeof(rw));
	memcpy(msg + sizeof(rw), buf, count);
	return cl_call(sock, UVFIO_CMD_REGION_WRITE, msg, sizeof(rw) + count, NULL, 0, NULL, 0,
		       NULL);
}

uint32_t cl_read32(int sock, uint32_t region, uint64_t off)
{
	uint32_t v = 0;

	assert_int_equal(cl_read(sock, region, off, &v, 4), 0);
	return v;
}

void cl_write32(int sock, uint32_t region, uint64_t off, uint32_t v)
{
	assert_int_equal(cl_write(sock, region, off, &v, 4), 0);
}

void cl_cfg_write16(int sock, unsigned int off, uint16_t v)
{
	assert_int_equal(cl_write(sock, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, 2), 0);
}

uint16_t cl_cfg_read16(int sock, unsigned int off)
{
	uint16_t v = 0;

	assert_int_equal(cl_read(sock, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, 2), 0);
	return v;
}

void cl_enable(int sock, uint16_t extra)
{
	cl_cfg_write16(sock, PCI_COMMAND,
		       (uint16_t)(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | extra));
}

int cl_set_irqs(int sock, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
		const void *data, size_t dlen, const int *fds, unsigned int nfds)
{
	uint8_t buf[sizeof(struct vfio_irq_set) + 4096];
	struct vfio_irq_set set = {
		.argsz = (uint32_t)(sizeof(set) + dlen),
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};

	assert_true(dlen <= 4096);
	memcpy(buf, &set, sizeof(set));
	if (dlen)
		memcpy(buf + sizeof(set), data, dlen);
	return cl_call(sock, UVFIO_CMD_DEVICE_SET_IRQS, buf, sizeof(set) + dlen, fds, nfds, NULL, 0,
		       NULL);
}

int efd_new(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	assert_true(fd >= 0);
	return fd;
}

uint64_t efd_take(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

uint64_t efd_wait(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return efd_take(fd);
}

int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}
