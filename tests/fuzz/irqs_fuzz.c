// SPDX-License-Identifier: MIT
/*
 * Fuzz target for lib/device's interrupts: raw SET_IRQS payloads with real
 * fds, interleaved with what else moves interrupt state (config writes to
 * COMMAND, MSI, MSI-X, PM and PCIe DEVCTL; MSI-X table writes through the
 * BAR; the model driving INTx and firing vectors, ERR and REQ; unmask
 * eventfds; resets; the client going away).
 *
 * Each input gets a fresh device (creation is cheap: no thread, no socket)
 * whose shape the first bytes pick (INTx pin, PCIe or not, MSI and MSI-X
 * sizes), and a pool of eventfds plus one pipe (which must be refused).  A
 * SET_IRQS goes the way the server sends it: uvfio_msg_check() on the
 * message, then dev_set_irqs() with the fds, then the fds nobody took are
 * closed.  Calling lib/device's internal entry points keeps a run in the
 * tens of microseconds.
 *
 * Oracles: return values are those vfio-pci gives (0, -EINVAL, -ENOTTY,
 * -ENODEV for the model's calls); the index state is coherent (one mode at
 * a time, vectors only below the enabled count, no INTx fds outside INTx
 * mode, ERR only on PCIe); every fd the device holds is open, an eventfd,
 * and held once; and when the client is gone and the device destroyed the
 * process has exactly the fds it had before the input (no leak, no double
 * close).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "device/dev_priv.h"
#include "fuzz.h"

#define MAX_OPS 256
#define NPOOL 6		  /* eventfds per input */
#define POOL_PIPE NPOOL	  /* index of the pipe's read end: not an eventfd */
#define BAR0_SIZE 0x4000u /* trapped; MSI-X table at 0x2000, PBA at 0x3000 */
#define MSIX_TABLE 0x2000u
#define MSIX_PBA 0x3000u
#define MSIX_MAX 64

struct model {
	uint8_t bar0[BAR0_SIZE];
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	unsigned int resets;
};

static ssize_t bar0_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct model *m = priv;

	(void)dev;
	FZ_CHECK(off < BAR0_SIZE && len <= BAR0_SIZE - off);
	memcpy(buf, m->bar0 + off, len);
	return (ssize_t)len;
}

static ssize_t bar0_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			  size_t len)
{
	struct model *m = priv;

	(void)dev;
	FZ_CHECK(off < BAR0_SIZE && len <= BAR0_SIZE - off);
	memcpy(m->bar0 + off, buf, len);
	return (ssize_t)len;
}

static const struct uvfio_region_ops bar0_ops = {
	.read = bar0_read,
	.write = bar0_write,
};

static int model_reset(struct uvfio_dev *dev, void *priv, enum uvfio_reset_reason why)
{
	struct model *m = priv;

	(void)dev;
	FZ_CHECK(why == UVFIO_RESET_DEVICE || why == UVFIO_RESET_FLR);
	m->resets++;
	return 0;
}

static int model_cfg_read(struct uvfio_dev *dev, void *priv, unsigned int off, void *buf,
			  unsigned int len)
{
	struct model *m = priv;

	(void)dev;
	FZ_CHECK(off < sizeof(m->cfg) && len <= sizeof(m->cfg) - off);
	memcpy(buf, m->cfg + off, len);
	return 0;
}

static int model_cfg_write(struct uvfio_dev *dev, void *priv, unsigned int off, const void *buf,
			   unsigned int len)
{
	struct model *m = priv;

	(void)dev;
	FZ_CHECK(off < sizeof(m->cfg) && len <= sizeof(m->cfg) - off);
	memcpy(m->cfg + off, buf, len);
	return 0;
}

static const struct uvfio_dev_ops model_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
	.reset = model_reset,
	.cfg_read = model_cfg_read,
	.cfg_write = model_cfg_write,
};

struct run {
	struct uvfio_dev *dev;
	struct model m;
	int pool[NPOOL + 1];
	int pipe_wr;
	int msi_off;
	int msix_off;
	int pcie_off;
	int pm_off;
	bool pcie;
	bool intx;
};

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Every fd the device holds: open, an eventfd-backed slot, and held once. */
static void check_held(struct run *r)
{
	struct dev_irqs *irq = &r->dev->irq;
	int held[2 + 32 + MSIX_MAX + 2];
	unsigned int n = 0;
	unsigned int i;
	unsigned int j;

#define HOLD(fd)                                                                                   \
	do {                                                                                       \
		if ((fd) >= 0)                                                                     \
			held[n++] = (fd);                                                          \
	} while (0)
	HOLD(irq->intx_trigger);
	HOLD(irq->intx_unmask);
	for (i = 0; i < 32; i++)
		HOLD(irq->msi_fds[i]);
	for (i = 0; i < irq->msix_count; i++)
		HOLD(irq->msix_fds[i]);
	HOLD(irq->err_fd);
	HOLD(irq->req_fd);
#undef HOLD
	for (i = 0; i < n; i++) {
		FZ_CHECK(fd_is_open(held[i]));
		for (j = i + 1; j < n; j++)
			FZ_CHECK(held[i] != held[j]);
		for (j = 0; j <= NPOOL; j++)
			FZ_CHECK(held[i] != r->pool[j]);
	}
}

/* The index state is coherent (dev_priv.h: struct dev_irqs). */
static void check_irq_state(struct run *r)
{
	struct dev_irqs *irq = &r->dev->irq;
	int mode = uvfio_dev_irq_mode(r->dev);
	unsigned int i;

	FZ_CHECK(mode == -ENODEV || mode == VFIO_PCI_INTX_IRQ_INDEX ||
		 mode == VFIO_PCI_MSI_IRQ_INDEX || mode == VFIO_PCI_MSIX_IRQ_INDEX);
	FZ_CHECK(mode == -ENODEV ? irq->mode == -1 : irq->mode == mode);
	if (mode == VFIO_PCI_INTX_IRQ_INDEX)
		FZ_CHECK(r->intx);
	if (mode != VFIO_PCI_INTX_IRQ_INDEX)
		FZ_CHECK(irq->intx_trigger == -1 && irq->intx_unmask == -1);
	if (mode == VFIO_PCI_MSI_IRQ_INDEX)
		FZ_CHECK(irq->nctx >= 1 && irq->nctx <= irq->msi_count);
	else if (mode == VFIO_PCI_MSIX_IRQ_INDEX)
		FZ_CHECK(irq->nctx >= 1 && irq->nctx <= irq->msix_count);
	else
		FZ_CHECK_EQ(irq->nctx, 0);
	for (i = 0; i < 32; i++)
		if (mode != VFIO_PCI_MSI_IRQ_INDEX || i >= irq->nctx)
			FZ_CHECK_EQ(irq->msi_fds[i], -1);
	for (i = 0; i < irq->msix_count; i++)
		if (mode != VFIO_PCI_MSIX_IRQ_INDEX || i >= irq->nctx)
			FZ_CHECK_EQ(irq->msix_fds[i], -1);
	if (!r->pcie)
		FZ_CHECK_EQ(irq->err_fd, -1);
	check_held(r);
}

static int build(struct run *r, struct fz *f)
{
	uint8_t shape = fz_u8(f);
	struct uvfio_dev_pci_id id = {
		.vendor = 0x1234,
		.device = 0x5678,
		.class_code = 0xff0000,
		.irq_pin = (shape & 1) ? 0 : 1,
	};
	unsigned int msi_nvec = 1u << (fz_u8(f) % 6);
	unsigned int msix_nvec = fz_u8(f) % MSIX_MAX + 1;
	unsigned int i;
	int fds[2];

	r->pcie = !(shape & 2);
	r->intx = id.irq_pin != 0;
	for (i = 0; i <= NPOOL; i++)
		r->pool[i] = -1;
	r->pipe_wr = -1;
	if (uvfio_dev_create(&model_ops, &r->m, &id, r->pcie ? UVFIO_DEV_PCIE : 0, &r->dev))
		return -1;
	FZ_CHECK_EQ(uvfio_dev_setup_bar(r->dev, 0, BAR0_SIZE, 0, &bar0_ops, &r->m), 0);
	r->pm_off = uvfio_dev_add_cap_pm(r->dev);
	FZ_CHECK(r->pm_off > 0);
	r->msi_off = -1;
	r->msix_off = -1;
	r->pcie_off = -1;
	if (!(shape & 4)) {
		r->msi_off = uvfio_dev_add_cap_msi(r->dev, msi_nvec, (shape >> 4) & 3);
		FZ_CHECK(r->msi_off > 0);
	}
	if (!(shape & 8)) {
		r->msix_off = uvfio_dev_add_cap_msix(r->dev, msix_nvec, 0, MSIX_TABLE, 0, MSIX_PBA);
		FZ_CHECK(r->msix_off > 0);
	}
	if (r->pcie) {
		r->pcie_off = uvfio_dev_add_cap_pcie(r->dev, (shape & 0x40) ? UVFIO_PCIE_FLR : 0);
		FZ_CHECK(r->pcie_off > 0);
	}
	for (i = 0; i < NPOOL; i++) {
		r->pool[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (r->pool[i] < 0)
			return -1;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		return -1;
	r->pool[POOL_PIPE] = fds[0];
	r->pipe_wr = fds[1];
	return 0;
}

static void teardown(struct run *r)
{
	unsigned int i;

	if (r->dev) {
		/* What the server does when the client goes (server.c). */
		uvfio_dma_space_clear(&r->dev->dma);
		dev_irq_drop_client(r->dev);
		check_irq_state(r);
		FZ_CHECK_EQ(uvfio_dev_irq_mode(r->dev), -ENODEV);
		uvfio_dev_destroy(r->dev);
	}
	for (i = 0; i <= NPOOL; i++)
		if (r->pool[i] >= 0)
			close(r->pool[i]);
	if (r->pipe_wr >= 0)
		close(r->pipe_wr);
}

static const uint32_t data_types[] = {VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
				      VFIO_IRQ_SET_DATA_EVENTFD};
static const uint32_t actions[] = {VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
				   VFIO_IRQ_SET_ACTION_TRIGGER};

/* One SET_IRQS message, mostly well-formed, sometimes anything at all. */
static void op_set_irqs(struct run *r, struct fz *f)
{
	const size_t head = offsetof(struct vfio_irq_set, data);
	uint8_t payload[sizeof(struct vfio_irq_set) + 64];
	struct vfio_irq_set set;
	struct uvfio_msg msg;
	uint8_t shape = fz_u8(f);
	bool has_pipe = false;
	size_t dlen;
	unsigned int i;
	int ret;

	memset(&msg, 0, sizeof(msg));
	set.index = (shape & 0x80) ? fz_u32(f) : fz_u8(f) % (VFIO_PCI_NUM_IRQS + 1);
	if (shape & 0x40)
		set.flags = fz_u32(f);
	else
		set.flags = data_types[fz_u8(f) % 3] | actions[fz_u8(f) % 3];
	set.start = (shape & 0x20) ? fz_u32(f) : fz_u8(f) % 40;
	set.count = (shape & 0x10) ? fz_u32(f) : fz_u8(f) % 40;
	if (set.flags & VFIO_IRQ_SET_DATA_BOOL && !(shape & 8))
		dlen = set.count <= 64 ? set.count : 64;
	else
		dlen = (shape & 8) ? fz_u8(f) % 65 : 0;
	set.argsz = (shape & 4) ? fz_u32(f) : (uint32_t)(head + dlen);
	memcpy(payload, &set, head);
	fz_bytes(f, payload + head, dlen);

	if (set.flags & VFIO_IRQ_SET_DATA_EVENTFD && !(shape & 2))
		msg.nfds = set.count <= UVFIO_MAX_MSG_FDS ? set.count : UVFIO_MAX_MSG_FDS;
	else
		msg.nfds = (shape & 2) ? fz_u8(f) % 4 : 0;
	for (i = 0; i < msg.nfds; i++) {
		/* Mostly eventfds; now and then the pipe, which must be refused. */
		uint8_t k = fz_u8(f);

		if (k >= 240)
			has_pipe = true;
		msg.fds[i] = dup(r->pool[k < 240 ? k % NPOOL : POOL_PIPE]);
		FZ_CHECK(msg.fds[i] >= 0);
	}

	/* As the server handles it: check the message, then dispatch. */
	msg.hdr = (struct uvfio_msg_hdr){
		.msg_id = 1,
		.cmd = UVFIO_CMD_DEVICE_SET_IRQS,
		.size = (uint32_t)(sizeof(msg.hdr) + head + dlen),
		.flags = UVFIO_MSG_TYPE_COMMAND,
	};
	msg.payload = payload;
	msg.len = head + dlen;
	if (uvfio_msg_check(&msg) == 0) {
		memcpy(&set, payload, head);
		ret = dev_set_irqs(r->dev, &set, payload + head, dlen, msg.fds, msg.nfds);
		FZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENOTTY);
		if (ret == 0 && (set.flags & VFIO_IRQ_SET_DATA_EVENTFD) && set.count &&
		    (set.flags & VFIO_IRQ_SET_ACTION_TRIGGER) &&
		    (set.index == VFIO_PCI_MSI_IRQ_INDEX || set.index == VFIO_PCI_MSIX_IRQ_INDEX))
			FZ_CHECK_EQ(uvfio_dev_irq_mode(r->dev), (int)set.index);
		/* A pipe is never taken: vfio-pci's eventfd_ctx_fdget() refuses it. */
		if (has_pipe)
			FZ_CHECK(ret != 0);
	}
	uvfio_msg_close_fds(&msg);
}

static void cfg_write(struct run *r, unsigned int off, const void *buf, unsigned int len)
{
	int ret = dev_region_access(r->dev, VFIO_PCI_CONFIG_REGION_INDEX, off, (void *)buf, len,
				    true);
	unsigned int size = r->pcie ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;

	FZ_CHECK_EQ(ret, (off <= size && len <= size - off) ? 0 : -EINVAL);
}

/* A config write where it changes interrupt state. */
static void op_cfg(struct run *r, struct fz *f)
{
	uint8_t which = fz_u8(f) % 8;
	uint32_t v = fz_u32(f);
	uint16_t w = (uint16_t)v;
	unsigned int off;

	switch (which) {
	case 0:
		w &= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
		cfg_write(r, PCI_COMMAND, &w, 2);
		break;
	case 1:
		if (r->msi_off > 0)
			cfg_write(r, (unsigned int)r->msi_off + PCI_MSI_FLAGS, &w, 2);
		break;
	case 2: /* MSI mask bits, 32- or 64-bit layout */
		if (r->msi_off > 0)
			cfg_write(r,
				  (unsigned int)r->msi_off +
					  ((v & 1) ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32),
				  &v, 4);
		break;
	case 3:
		if (r->msix_off > 0)
			cfg_write(r, (unsigned int)r->msix_off + PCI_MSIX_FLAGS, &w, 2);
		break;
	case 4:
		w &= PCI_PM_CTRL_STATE_MASK;
		cfg_write(r, (unsigned int)r->pm_off + PCI_PM_CTRL, &w, 2);
		break;
	case 5: /* DEVCTL, Initiate FLR included */
		if (r->pcie_off > 0)
			cfg_write(r, (unsigned int)r->pcie_off + PCI_EXP_DEVCTL, &w, 2);
		break;
	default: {
		uint8_t buf[8];
		unsigned int len = fz_u8(f) % 9;

		off = fz_u16(f) % (PCI_CFG_SPACE_EXP_SIZE + 8);
		fz_bytes(f, buf, sizeof(buf));
		cfg_write(r, off, buf, len);
		break;
	}
	}
}

/* MSI-X Vector Control (or any table/PBA dword) through the BAR. */
static void op_msix_table(struct run *r, struct fz *f)
{
	unsigned int v = fz_u8(f) % (MSIX_MAX + 1);
	uint32_t val = fz_bool(f) ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0;
	uint32_t off = MSIX_TABLE + v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL;
	int ret;

	if (fz_u8(f) < 32)
		off = fz_u16(f) % BAR0_SIZE & ~3u;
	ret = dev_region_access(r->dev, VFIO_PCI_BAR0_REGION_INDEX, off, &val, 4, fz_bool(f));
	FZ_CHECK(ret == 0 || ret == -EIO || ret == -EINVAL);
}

static void op_model(struct run *r, struct fz *f)
{
	uint8_t which = fz_u8(f) % 5;
	int ret;

	switch (which) {
	case 0:
		ret = uvfio_dev_intx_set_level(r->dev, fz_bool(f));
		FZ_CHECK_EQ(ret, r->intx ? 0 : -ENODEV);
		break;
	case 1:
	case 2: {
		unsigned int index = which == 1 ? VFIO_PCI_MSI_IRQ_INDEX : VFIO_PCI_MSIX_IRQ_INDEX;
		unsigned int vector = fz_u8(f) % (MSIX_MAX + 2);

		ret = uvfio_dev_msi_trigger(r->dev, index, vector);
		FZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENODEV);
		if (vector >= dev_irq_count(r->dev, index))
			FZ_CHECK_EQ(ret, -EINVAL);
		break;
	}
	case 3:
		ret = uvfio_dev_err_trigger(r->dev);
		FZ_CHECK_EQ(ret, r->dev->irq.err_fd >= 0 ? 0 : -ENODEV);
		break;
	default:
		ret = uvfio_dev_req_trigger(r->dev);
		FZ_CHECK_EQ(ret, r->dev->irq.req_fd >= 0 ? 0 : -ENODEV);
		break;
	}
}

static void drain_pool(struct run *r)
{
	uint64_t cnt;
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (read(r->pool[i], &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: not signalled */
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct fz f;
	unsigned int ops;
	int before;

	if (size > 8192)
		return 0;
	before = count_open_fds();
	memset(&r, 0, sizeof(r));
	fz_init(&f, data, size);
	if (build(&r, &f)) {
		teardown(&r);
		return 0;
	}
	check_irq_state(&r);
	for (ops = 0; ops < MAX_OPS && fz_more(&f); ops++) {
		uint8_t op = fz_u8(&f);

		switch (op % 16) {
		case 0:
		case 1:
		case 2:
		case 3:
		case 4:
		case 5:
			op_set_irqs(&r, &f);
			break;
		case 6:
		case 7:
			op_cfg(&r, &f);
			break;
		case 8:
			op_msix_table(&r, &f);
			break;
		case 9:
		case 10:
			op_model(&r, &f);
			break;
		case 11:
			FZ_CHECK_EQ(dev_do_reset(r.dev, UVFIO_RESET_DEVICE), 0);
			break;
		case 12: { /* a write to every pool eventfd: the unmask eventfd, if one is */
			uint64_t one = 1;
			unsigned int i;

			for (i = 0; i < NPOOL; i++)
				FZ_CHECK(write(r.pool[i], &one, sizeof(one)) == sizeof(one));
			dev_irq_unmask_fd_ready(r.dev);
			break;
		}
		case 13:
			drain_pool(&r);
			break;
		case 14: /* the client goes away; the device stays */
			uvfio_dma_space_clear(&r.dev->dma);
			dev_irq_drop_client(r.dev);
			FZ_CHECK_EQ(uvfio_dev_irq_mode(r.dev), -ENODEV);
			break;
		default: {
			uint8_t buf[8];
			unsigned int off = fz_u16(&f) % (PCI_CFG_SPACE_EXP_SIZE + 8);
			unsigned int len = fz_u8(&f) % 9;
			int ret = dev_region_access(r.dev, VFIO_PCI_CONFIG_REGION_INDEX, off, buf,
						    len, false);

			FZ_CHECK(ret == 0 || ret == -EINVAL);
			break;
		}
		}
		check_irq_state(&r);
	}
	teardown(&r);
	if (before >= 0)
		FZ_CHECK_EQ(count_open_fds(), before);
	return 0;
}
