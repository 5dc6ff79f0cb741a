// SPDX-License-Identifier: MIT
/*
 * lib/device/device.c - creating and describing an exported device: PCI
 * identity, regions, capabilities, limits, reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device/dev_priv.h"

/* Longest log line handed to the log callback. */
#define DEV_LOG_LINE 256
/* PCI 3.0 §6.2.5.2: an expansion ROM is at least 2 KiB; we cap images at 16 MiB. */
#define DEV_ROM_MIN 2048u
#define DEV_ROM_MAX (16u << 20)
/* PCIe r4.0 §7.7.3 (MSI-X Table Size is 11 bits): at most 2048 vectors. */
#define DEV_MSIX_MAX 2048u

void dev_log(struct uvfio_dev *dev, int level, const char *fmt, ...)
{
	char line[DEV_LOG_LINE];
	va_list ap;

	if (!dev->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dev->log_fn(dev->log_opaque, level, line);
}

/*
 * Config-space events (lib/pci calls them from inside a write): note what
 * needs doing and do it once the write has returned (dev_after_cfg_change),
 * so lib/pci is never re-entered from its own callback.
 */
static void ev_command(void *opaque, uint16_t old_cmd, uint16_t new_cmd)
{
	struct uvfio_dev *dev = opaque;

	(void)old_cmd;
	dev_irq_command(dev, new_cmd);
}

static void ev_msi_ctrl(void *opaque, bool enabled, unsigned int nvec)
{
	struct uvfio_dev *dev = opaque;

	(void)enabled;
	(void)nvec;
	dev->ev_recheck_vectors = true;
}

static void ev_msix_ctrl(void *opaque, bool enabled, bool function_masked)
{
	struct uvfio_dev *dev = opaque;

	(void)enabled;
	(void)function_masked;
	dev->ev_recheck_vectors = true;
}

static void ev_vector_mask(void *opaque, bool msix, unsigned int vector, bool masked)
{
	struct uvfio_dev *dev = opaque;

	(void)msix;
	(void)vector;
	if (!masked)
		dev->ev_recheck_vectors = true;
}

static void ev_flr(void *opaque)
{
	struct uvfio_dev *dev = opaque;

	dev->ev_flr = true;
}

static void ev_power_state(void *opaque, unsigned int state)
{
	struct uvfio_dev *dev = opaque;

	/* PCI PM 1.2 §5.4.1: PowerState 3 = D3hot; BAR access is -EIO there (§2.4). */
	dev->d3 = state == 3;
}

static int ev_raw_read(void *opaque, unsigned int off, void *buf, unsigned int len)
{
	struct uvfio_dev *dev = opaque;

	if (dev->ops && dev->ops->cfg_read)
		return dev->ops->cfg_read(dev, dev->priv, off, buf, len);
	memset(buf, 0, len);
	return 0;
}

static int ev_raw_write(void *opaque, unsigned int off, const void *buf, unsigned int len)
{
	struct uvfio_dev *dev = opaque;

	if (dev->ops && dev->ops->cfg_write)
		return dev->ops->cfg_write(dev, dev->priv, off, buf, len);
	return 0;
}

void dev_after_cfg_change(struct uvfio_dev *dev)
{
	if (dev->ev_flr) {
		int ret;

		dev->ev_flr = false;
		ret = dev_do_reset(dev, UVFIO_RESET_FLR);
		if (ret)
			dev_log(dev, LOG_WARNING, "FLR: model reset failed: %d", ret);
	}
	if (dev->ev_recheck_vectors) {
		dev->ev_recheck_vectors = false;
		dev_irq_recheck_vectors(dev);
	}
}

bool dev_bus_master(const struct uvfio_dev *dev)
{
	return (uvfio_pcicfg_command(dev->cfg) & PCI_COMMAND_MASTER) != 0;
}

int dev_do_reset(struct uvfio_dev *dev, enum uvfio_reset_reason why)
{
	/*
	 * The line drops first: the reset's own COMMAND change (INTX_DISABLE
	 * cleared) must not fire a stale INTx from inside uvfio_pcicfg_reset().
	 */
	dev->irq.intx_level = false;
	uvfio_pcicfg_reset(dev->cfg);
	/* Whatever the reset itself signalled is subsumed by it. */
	dev->ev_flr = false;
	dev->ev_recheck_vectors = false;
	dev->d3 = false;
	dev_irq_reset(dev);
	if (dev->ops && dev->ops->reset)
		return dev->ops->reset(dev, dev->priv, why);
	return 0;
}

int uvfio_dev_create(const struct uvfio_dev_ops *ops, void *priv, const struct uvfio_dev_pci_id *id,
		     unsigned int flags, struct uvfio_dev **out)
{
	struct uvfio_pcicfg_events ev = {
		.command = ev_command,
		.msi_ctrl = ev_msi_ctrl,
		.msix_ctrl = ev_msix_ctrl,
		.vector_mask = ev_vector_mask,
		.flr = ev_flr,
		.power_state = ev_power_state,
		.raw_read = ev_raw_read,
		.raw_write = ev_raw_write,
	};
	struct uvfio_pcicfg_id cid;
	struct uvfio_dev *dev;
	unsigned int i;
	int ret;

	if (!out || !id)
		return -EINVAL;
	*out = NULL;
	/* Version 1 ends at cfg_write; 2 adds feature (device.h). */
	if ((ops && (ops->version < 1 || ops->version > UVFIO_DEV_OPS_VERSION)) ||
	    (flags & ~(UVFIO_DEV_PCIE | UVFIO_DEV_NO_RESET)) || id->irq_pin > 4 ||
	    id->class_code > 0xffffff)
		return -EINVAL;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->ops = ops;
	dev->priv = priv;
	if (ops && ops->version >= 2)
		dev->ops_feature = ops->feature;
	dev->id = *id;
	dev->flags = flags;
	dev->sock = -1;
	dev->listen_fd = -1;
	dev->epfd = -1;
	dev->stopfd = -1;
	dev->num_regions = VFIO_PCI_NUM_REGIONS;
	for (i = 0; i < DEV_MAX_REGIONS; i++)
		dev->regions[i].fd = -1;
	for (i = 0; i < DEV_MAX_REFUSE; i++)
		dev->refuse[i].fd = -1;
	uvfio_caps_init(&dev->peer);
	dev->limits = (struct uvfio_dev_limits){
		.max_dma_maps = DEV_DEFAULT_MAX_DMA_MAPS,
		.max_dma_bytes = DEV_DEFAULT_MAX_DMA_BYTES,
		.max_msg_fds = DEV_DEFAULT_MAX_MSG_FDS,
		.max_data_xfer_size = DEV_DEFAULT_MAX_XFER,
	};
	uvfio_dma_space_init(&dev->dma, dev->limits.max_dma_maps, dev->limits.max_dma_bytes,
			     DEV_PGSIZE);

	ret = dev_irq_init(dev);
	if (ret)
		goto err_free;

	cid = (struct uvfio_pcicfg_id){
		.vendor = id->vendor,
		.device = id->device,
		.subsystem_vendor = id->subsystem_vendor,
		.subsystem_device = id->subsystem_device,
		.revision = id->revision,
		.class_code = id->class_code,
		.irq_pin = id->irq_pin,
	};
	ev.opaque = dev;
	ret = uvfio_pcicfg_new(&cid, (flags & UVFIO_DEV_PCIE) != 0, &ev, &dev->cfg);
	if (ret)
		goto err_irq;
	dev->regions[VFIO_PCI_CONFIG_REGION_INDEX] = (struct dev_region){
		.kind = REGION_CONFIG,
		.size = uvfio_pcicfg_size(dev->cfg),
		.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		.fd = -1,
	};

	ret = dev_loop_init(dev);
	if (ret)
		goto err_cfg;
	*out = dev;
	return 0;

err_cfg:
	uvfio_pcicfg_free(dev->cfg);
err_irq:
	dev_irq_fini(dev);
err_free:
	free(dev);
	return ret;
}

void uvfio_dev_destroy(struct uvfio_dev *dev)
{
	if (!dev)
		return;
	dev_loop_fini(dev);
	uvfio_dma_space_clear(&dev->dma);
	dev_irq_fini(dev);
	dev_regions_fini(dev);
	uvfio_pcicfg_free(dev->cfg);
	free(dev);
}

int uvfio_dev_set_feature_handler(struct uvfio_dev *dev, uvfio_dev_feature_fn fn, void *priv)
{
	if (!dev)
		return -EINVAL;
	dev->host_feature = fn;
	dev->host_feature_priv = fn ? priv : NULL;
	return 0;
}

void *uvfio_dev_priv(const struct uvfio_dev *dev)
{
	return dev ? dev->priv : NULL;
}

void uvfio_dev_set_log(struct uvfio_dev *dev, void (*fn)(void *opaque, int level, const char *msg),
		       void *opaque)
{
	if (!dev)
		return;
	dev->log_fn = fn;
	dev->log_opaque = opaque;
}

/*
 * uvfio_dev_set_limits() - kernel-doc in device.h.  The defaults are the
 * DEV_DEFAULT_* of dev_priv.h; the floor of 4096 for transfers is so that a
 * whole PCIe config space fits in one REGION_READ (contract §4, step 4).
 */
int uvfio_dev_set_limits(struct uvfio_dev *dev, const struct uvfio_dev_limits *limits)
{
	struct uvfio_dev_limits l;

	if (!dev || !limits)
		return -EINVAL;
	if (dev->sock >= 0)
		return -EBUSY;
	l = *limits;
	if (!l.max_dma_maps)
		l.max_dma_maps = DEV_DEFAULT_MAX_DMA_MAPS;
	if (!l.max_dma_bytes)
		l.max_dma_bytes = DEV_DEFAULT_MAX_DMA_BYTES;
	if (!l.max_msg_fds)
		l.max_msg_fds = DEV_DEFAULT_MAX_MSG_FDS;
	if (!l.max_data_xfer_size)
		l.max_data_xfer_size = DEV_DEFAULT_MAX_XFER;
	/* contract §3.3: QEMU rejects max_dma_maps > 65535, max_msg_fds > 16, xfer > 64 MiB. */
	if (l.max_dma_maps > DEV_DEFAULT_MAX_DMA_MAPS || l.max_msg_fds > UVFIO_MAX_MSG_FDS ||
	    l.max_data_xfer_size > UVFIO_MAX_DATA_XFER || l.max_data_xfer_size < DEV_MIN_XFER)
		return -EINVAL;
	dev->limits = l;
	uvfio_dma_space_init(&dev->dma, l.max_dma_maps, l.max_dma_bytes, DEV_PGSIZE);
	return 0;
}

/*
 * Regions.
 */

static bool bar_args_ok(unsigned int bar, uint64_t size, unsigned int pci_flags)
{
	const unsigned int mem_flags = PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;

	if (bar >= VFIO_PCI_ROM_REGION_INDEX || !size || (size & (size - 1)))
		return false;
	if (pci_flags & PCI_BASE_ADDRESS_SPACE_IO)
		return pci_flags == PCI_BASE_ADDRESS_SPACE_IO && size >= 4;
	return !(pci_flags & ~mem_flags) && size >= 16;
}

int uvfio_dev_setup_bar(struct uvfio_dev *dev, unsigned int bar, uint64_t size,
			unsigned int pci_flags, const struct uvfio_region_ops *ops, void *priv)
{
	int ret;

	if (!dev || !ops || !bar_args_ok(bar, size, pci_flags))
		return -EINVAL;
	if (dev->regions[bar].kind != REGION_ABSENT)
		return -EBUSY;
	ret = uvfio_pcicfg_set_bar(dev->cfg, bar, size, pci_flags);
	if (ret)
		return ret;
	dev->regions[bar] = (struct dev_region){
		.kind = REGION_TRAPPED,
		.size = size,
		.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		.pci_flags = pci_flags,
		.ops = ops,
		.priv = priv,
		.fd = -1,
	};
	return 0;
}

int uvfio_dev_setup_bar_mem(struct uvfio_dev *dev, unsigned int bar, uint64_t size,
			    unsigned int pci_flags, int fd, uint64_t fd_offset, void **mapping)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	void *mem;
	int myfd;
	int ret;

	if (!dev || !bar_args_ok(bar, size, pci_flags) || (pci_flags & PCI_BASE_ADDRESS_SPACE_IO))
		return -EINVAL;
	if ((fd_offset & (pg - 1)) || fd_offset + size < fd_offset || fd_offset > INT64_MAX - size)
		return -EINVAL;
	if (dev->regions[bar].kind != REGION_ABSENT)
		return -EBUSY;

	if (fd < 0) {
		myfd = memfd_create("uvfio-bar", MFD_CLOEXEC);
		if (myfd < 0)
			return -errno;
		/*
		 * Keep vfio-pci's index << 40 as the region offset (the client
		 * mmaps the fd at region offset + area offset): a sparse memfd
		 * holding the BAR at that file offset costs nothing.
		 */
		fd_offset = (uint64_t)bar << DEV_REGION_SHIFT;
		if (ftruncate(myfd, (off_t)(fd_offset + size)) < 0) {
			fd_offset = 0;
			if (ftruncate(myfd, (off_t)size) < 0) {
				ret = -errno;
				goto err_close;
			}
		}
	} else {
		myfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (myfd < 0)
			return -errno;
		if (fstat(myfd, &st) < 0) {
			ret = -errno;
			goto err_close;
		}
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < fd_offset + size) {
			ret = -EINVAL;
			goto err_close;
		}
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, myfd, (off_t)fd_offset);
	if (mem == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	ret = uvfio_pcicfg_set_bar(dev->cfg, bar, size, pci_flags);
	if (ret)
		goto err_unmap;
	dev->regions[bar] = (struct dev_region){
		.kind = REGION_MEM,
		.size = size,
		.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		.pci_flags = pci_flags,
		.fd = myfd,
		.fd_offset = fd_offset,
		.mem = mem,
	};
	if (mapping)
		*mapping = mem;
	return 0;

err_unmap:
	munmap(mem, size);
err_close:
	close(myfd);
	return ret;
}

int uvfio_dev_setup_rom(struct uvfio_dev *dev, const void *image, size_t len)
{
	uint64_t size = DEV_ROM_MIN;
	uint8_t *mem;
	int ret;

	if (!dev || !image || !len || len > DEV_ROM_MAX)
		return -EINVAL;
	if (dev->regions[VFIO_PCI_ROM_REGION_INDEX].kind != REGION_ABSENT)
		return -EBUSY;
	while (size < len)
		size <<= 1;
	mem = malloc(size);
	if (!mem)
		return -ENOMEM;
	/* linux-vfio.md §2.2: bytes past the ROM image read as 0xff. */
	memset(mem, 0xff, size);
	memcpy(mem, image, len);
	ret = uvfio_pcicfg_set_rom(dev->cfg, size);
	if (ret) {
		free(mem);
		return ret;
	}
	dev->regions[VFIO_PCI_ROM_REGION_INDEX] = (struct dev_region){
		.kind = REGION_ROM,
		.size = size,
		.flags = VFIO_REGION_INFO_FLAG_READ,
		.fd = -1,
		.mem = mem,
	};
	return 0;
}

int uvfio_dev_setup_region(struct uvfio_dev *dev, unsigned int index, uint64_t size, uint32_t flags,
			   uint32_t type, uint32_t subtype, const struct uvfio_region_ops *ops,
			   void *priv)
{
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;

	if (!dev || !ops || index < VFIO_PCI_NUM_REGIONS || index >= DEV_MAX_REGIONS || !size ||
	    !(flags & rw) || (flags & ~rw))
		return -EINVAL;
	if (dev->regions[index].kind != REGION_ABSENT)
		return -EBUSY;
	dev->regions[index] = (struct dev_region){
		.kind = REGION_TRAPPED,
		.size = size,
		.flags = flags,
		.ops = ops,
		.priv = priv,
		.fd = -1,
		.type = type,
		.subtype = subtype,
	};
	if (index + 1 > dev->num_regions)
		dev->num_regions = index + 1;
	return 0;
}

void dev_regions_fini(struct uvfio_dev *dev)
{
	unsigned int i;

	for (i = 0; i < DEV_MAX_REGIONS; i++) {
		struct dev_region *r = &dev->regions[i];

		if (r->kind == REGION_MEM) {
			munmap(r->mem, r->size);
			close(r->fd);
		} else if (r->kind == REGION_ROM) {
			free(r->mem);
		}
		r->kind = REGION_ABSENT;
		r->fd = -1;
		r->mem = NULL;
	}
}

/*
 * Capabilities.
 */

/*
 * Capability builders: thin wrappers over lib/pci that also size the IRQ
 * indexes (device.h).  Each returns the capability's offset or -errno.
 */

/** uvfio_dev_add_cap_pm() - a PCI Power Management capability. */
int uvfio_dev_add_cap_pm(struct uvfio_dev *dev)
{
	return dev ? uvfio_pcicfg_add_pm(dev->cfg) : -EINVAL;
}

/**
 * uvfio_dev_add_cap_msi() - an MSI capability; the MSI index gets @nvec.
 * @nvec: 1, 2, 4, 8, 16 or 32.
 * @flags: UVFIO_MSI_64BIT, UVFIO_MSI_MASKABLE (per-vector mask and pending).
 * Return: offset, -EINVAL, or lib/pci's -ENOSPC / -EEXIST.
 */
int uvfio_dev_add_cap_msi(struct uvfio_dev *dev, unsigned int nvec, unsigned int flags)
{
	unsigned int cflags = 0;
	int ret;

	if (!dev || (flags & ~(UVFIO_MSI_64BIT | UVFIO_MSI_MASKABLE)))
		return -EINVAL;
	/* PCI 3.0 §6.8.1.3: Multiple Message Capable encodes 1..32, powers of two. */
	if (!nvec || nvec > 32 || (nvec & (nvec - 1)))
		return -EINVAL;
	if (flags & UVFIO_MSI_64BIT)
		cflags |= UVFIO_PCICFG_MSI_64BIT;
	if (flags & UVFIO_MSI_MASKABLE)
		cflags |= UVFIO_PCICFG_MSI_MASKABLE;
	ret = uvfio_pcicfg_add_msi(dev->cfg, nvec, cflags);
	if (ret >= 0)
		dev->irq.msi_count = nvec;
	return ret;
}

/**
 * uvfio_dev_add_cap_msix() - an MSI-X capability; the MSI-X index gets @nvec.
 * @nvec: 1..2048.
 * @table_bar, @table_off, @pba_bar, @pba_off: where the table and PBA live;
 *   the library serves those ranges of the BAR (and leaves their pages out
 *   of a memory BAR's sparse mmap areas).
 * Return: offset, -EINVAL, -EEXIST, -ENOMEM, or lib/pci's errors.
 */
int uvfio_dev_add_cap_msix(struct uvfio_dev *dev, unsigned int nvec, unsigned int table_bar,
			   uint32_t table_off, unsigned int pba_bar, uint32_t pba_off)
{
	struct uvfio_pcicfg_msix_layout layout;
	bool en;
	bool fm;
	int *fds;
	unsigned int i;
	int off;

	if (!dev || !nvec || nvec > DEV_MSIX_MAX || table_bar >= VFIO_PCI_ROM_REGION_INDEX ||
	    pba_bar >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	if (dev->has_msix)
		return -EEXIST;
	fds = malloc(nvec * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (i = 0; i < nvec; i++)
		fds[i] = -1;
	off = uvfio_pcicfg_add_msix(dev->cfg, nvec, table_bar, table_off, pba_bar, pba_off);
	if (off < 0) {
		free(fds);
		return off;
	}
	if (uvfio_pcicfg_msix(dev->cfg, &layout, &en, &fm)) {
		free(fds);
		return -EINVAL;
	}
	dev->msix = layout;
	dev->msix_cap_off = (unsigned int)off;
	dev->has_msix = true;
	dev->irq.msix_fds = fds;
	dev->irq.msix_count = nvec;
	return off;
}

/**
 * uvfio_dev_add_cap_pcie() - a PCI Express endpoint capability; with it the
 * ERR index exists (count 1), as vfio-pci reports ERR only for PCIe.
 * @flags: UVFIO_PCIE_FLR: Function Level Reset capable; an FLR written to
 *   DEVCTL resets config space and calls ops->reset(UVFIO_RESET_FLR).
 * Return: offset or -errno.
 */
int uvfio_dev_add_cap_pcie(struct uvfio_dev *dev, unsigned int flags)
{
	int ret;

	if (!dev || (flags & ~UVFIO_PCIE_FLR))
		return -EINVAL;
	ret = uvfio_pcicfg_add_pcie(dev->cfg, PCI_EXP_TYPE_ENDPOINT,
				    (flags & UVFIO_PCIE_FLR) ? UVFIO_PCICFG_PCIE_FLR : 0);
	if (ret >= 0)
		dev->has_pcie = true;
	return ret;
}

int uvfio_dev_add_cap_vendor(struct uvfio_dev *dev, const void *body, unsigned int len)
{
	return dev ? uvfio_pcicfg_add_vendor(dev->cfg, body, len) : -EINVAL;
}

int uvfio_dev_add_cap_aer(struct uvfio_dev *dev)
{
	return dev ? uvfio_pcicfg_add_aer(dev->cfg) : -EINVAL;
}

int uvfio_dev_add_cap_dsn(struct uvfio_dev *dev, uint64_t serial)
{
	return dev ? uvfio_pcicfg_add_dsn(dev->cfg, serial) : -EINVAL;
}
