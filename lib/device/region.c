// SPDX-License-Identifier: MIT
/*
 * lib/device/region.c - region info (with capability chains) and region
 * access, as vfio-pci presents them (shared/docs/linux-vfio.md §1.3, §1.6,
 * §2.4; contract §5.4, §5.8).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "device/dev_priv.h"

/* At most: BAR minus the MSI-X table pages minus the PBA pages = 3 areas. */
#define DEV_MAX_AREAS 3

uint64_t dev_region_offset(unsigned int index)
{
	return (uint64_t)index << DEV_REGION_SHIFT;
}

struct area {
	uint64_t off;
	uint64_t size;
};

static uint64_t round_down(uint64_t v, uint64_t pg)
{
	return v & ~(pg - 1);
}

static uint64_t round_up(uint64_t v, uint64_t pg)
{
	return (v + pg - 1) & ~(pg - 1);
}

/*
 * The mmappable parts of a memory BAR: everything but the pages holding the
 * MSI-X table and PBA, which the library serves itself (as vfio-pci did
 * before MSIX_MAPPABLE, linux-vfio.md §2.4).
 */
static unsigned int sparse_areas(const struct uvfio_dev *dev, unsigned int index,
				 struct area *areas)
{
	const struct dev_region *r = &dev->regions[index];
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	struct area holes[2];
	unsigned int nholes = 0;
	unsigned int n = 0;
	uint64_t cur = 0;
	unsigned int i;

	if (dev->has_msix && dev->msix.table_bar == index)
		holes[nholes++] = (struct area){dev->msix.table_off, dev->msix.table_size};
	if (dev->has_msix && dev->msix.pba_bar == index)
		holes[nholes++] = (struct area){dev->msix.pba_off, dev->msix.pba_size};
	if (nholes == 2 && holes[1].off < holes[0].off) {
		struct area t = holes[0];

		holes[0] = holes[1];
		holes[1] = t;
	}
	for (i = 0; i < nholes; i++) {
		uint64_t start = round_down(holes[i].off, pg);
		uint64_t end = round_up(holes[i].off + holes[i].size, pg);

		if (start > cur)
			areas[n++] = (struct area){cur, start - cur};
		if (end > cur)
			cur = end;
	}
	if (cur < r->size)
		areas[n++] = (struct area){cur, r->size - cur};
	return n;
}

int dev_region_info(struct uvfio_dev *dev, const struct vfio_region_info *req, void *out,
		    size_t out_size, size_t *out_len, int *fd)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = req->index,
	};
	uint8_t caps[sizeof(struct vfio_region_info_cap_sparse_mmap) +
		     DEV_MAX_AREAS * sizeof(struct vfio_region_sparse_mmap_area)];
	size_t caplen = 0;
	int capfd = -1;
	struct dev_region *r;

	*fd = -1;
	*out_len = 0;
	/* vfio-pci: argsz < minsz is -EINVAL. */
	if (req->argsz < sizeof(info) || out_size < sizeof(info) + sizeof(caps))
		return -EINVAL;
	/*
	 * vfio-pci reports num_regions >= 9 but GET_REGION_INFO(VGA) is
	 * -EINVAL on a device without VGA (linux-vfio.md §1.6).
	 */
	if (req->index >= dev->num_regions || req->index == VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;
	r = &dev->regions[req->index];
	info.offset = dev_region_offset(req->index);
	if (r->kind != REGION_ABSENT) {
		info.flags = r->flags;
		info.size = r->size;
	}

	if (r->kind == REGION_MEM && dev->peer.max_msg_fds >= 1) {
		struct vfio_region_info_cap_sparse_mmap sp = {
			.header = {.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1},
		};
		struct area areas[DEV_MAX_AREAS];
		unsigned int n = sparse_areas(dev, req->index, areas);
		unsigned int i;

		if (n) {
			sp.nr_areas = n;
			memcpy(caps, &sp, sizeof(sp));
			caplen = sizeof(sp);
			for (i = 0; i < n; i++) {
				struct vfio_region_sparse_mmap_area a = {
					.offset = areas[i].off,
					.size = areas[i].size,
				};

				memcpy(caps + caplen, &a, sizeof(a));
				caplen += sizeof(a);
			}
			/* The client mmaps our fd at region offset + area offset (contract §5.4).
			 */
			info.offset = r->fd_offset;
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
			capfd = r->fd;
		}
	} else if (r->kind == REGION_TRAPPED && req->index >= VFIO_PCI_NUM_REGIONS) {
		/* linux-vfio.md §1.6: device-specific regions carry a TYPE cap (version 1). */
		struct vfio_region_info_cap_type t = {
			.header = {.id = VFIO_REGION_INFO_CAP_TYPE, .version = 1},
			.type = r->type,
			.subtype = r->subtype,
		};

		memcpy(caps, &t, sizeof(t));
		caplen = sizeof(t);
	}

	if (caplen) {
		/*
		 * argsz = what the whole answer needs.  If the client's buffer
		 * is too small it gets the fixed part only, cap_offset 0, no fd
		 * (linux-vfio.md §1.0; contract §5.4: QEMU asks with 32, then
		 * again with the argsz we return).
		 */
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		info.argsz = (uint32_t)(sizeof(info) + caplen);
		if (req->argsz >= info.argsz) {
			struct vfio_info_cap_header *h = (struct vfio_info_cap_header *)caps;

			info.cap_offset = sizeof(info);
			h->next = 0;
			memcpy((uint8_t *)out + sizeof(info), caps, caplen);
			*out_len = sizeof(info) + caplen;
			*fd = capfd;
		}
	}
	memcpy(out, &info, sizeof(info));
	if (!*out_len)
		*out_len = sizeof(info);
	return 0;
}

/* A trapped region or a memory BAR, away from the MSI-X structures. */
static int plain_access(struct uvfio_dev *dev, struct dev_region *r, uint64_t off, void *buf,
			size_t len, bool write)
{
	ssize_t n;

	switch (r->kind) {
	case REGION_MEM:
	case REGION_ROM:
		if (write)
			memcpy((uint8_t *)r->mem + off, buf, len);
		else
			memcpy(buf, (uint8_t *)r->mem + off, len);
		return 0;
	case REGION_TRAPPED:
		if (write) {
			if (!r->ops->write)
				return 0;
			n = r->ops->write(dev, r->priv, off, buf, len);
		} else {
			if (!r->ops->read) {
				memset(buf, 0, len);
				return 0;
			}
			n = r->ops->read(dev, r->priv, off, buf, len);
		}
		if (n < 0)
			return (int)n;
		return (size_t)n == len ? 0 : -EIO;
	default:
		return -EINVAL;
	}
}

/*
 * MSI-X table or PBA bytes at @rel from its start.  The PCI spec only
 * defines aligned DWORD and QWORD accesses (PCI 3.0 §6.8.2): those go to
 * lib/pci as they are; anything else is done a DWORD at a time, reading the
 * covering DWORDs and writing only DWORDs covered whole (a partial write is
 * dropped).  The PBA is read-only (PCI 3.0 §6.8.2.9).
 */
static int msix_access(struct uvfio_dev *dev, bool pba, uint32_t rel, uint8_t *buf, size_t len,
		       bool write)
{
	size_t done = 0;
	int ret;

	if ((len == 4 || len == 8) && !(rel % len)) {
		if (pba)
			return write ? 0 : uvfio_pcicfg_msix_pba_read(dev->cfg, rel, buf, len);
		if (write)
			return uvfio_pcicfg_msix_table_write(dev->cfg, rel, buf, len);
		return uvfio_pcicfg_msix_table_read(dev->cfg, rel, buf, len);
	}
	while (done < len) {
		uint32_t pos = rel + (uint32_t)done;
		uint32_t dw = pos & ~3u;
		uint32_t skip = pos - dw;
		size_t n = 4 - skip;
		uint8_t word[4];

		if (n > len - done)
			n = len - done;
		if (write) {
			if (!pba && n == 4) {
				ret = uvfio_pcicfg_msix_table_write(dev->cfg, dw, buf + done, 4);
				if (ret)
					return ret;
			}
		} else {
			ret = pba ? uvfio_pcicfg_msix_pba_read(dev->cfg, dw, word, 4)
				  : uvfio_pcicfg_msix_table_read(dev->cfg, dw, word, 4);
			if (ret)
				return ret;
			memcpy(buf + done, word + skip, n);
		}
		done += n;
	}
	return 0;
}

/* A BAR access, with the MSI-X table and PBA ranges carved out. */
static int bar_access(struct uvfio_dev *dev, unsigned int index, uint64_t off, uint8_t *buf,
		      size_t len, bool write)
{
	struct dev_region *r = &dev->regions[index];
	uint64_t end = off + len;
	bool tab = dev->has_msix && dev->msix.table_bar == index;
	bool pba = dev->has_msix && dev->msix.pba_bar == index;
	uint64_t t0 = dev->msix.table_off;
	uint64_t t1 = t0 + dev->msix.table_size;
	uint64_t p0 = dev->msix.pba_off;
	uint64_t p1 = p0 + dev->msix.pba_size;
	bool touched_table = false;
	int ret = 0;

	if (!tab && !pba)
		return plain_access(dev, r, off, buf, len, write);
	while (off < end && !ret) {
		uint64_t piece_end = end;

		if (tab && off >= t0 && off < t1) {
			piece_end = end < t1 ? end : t1;
			ret = msix_access(dev, false, (uint32_t)(off - t0), buf,
					  (size_t)(piece_end - off), write);
			touched_table |= write;
		} else if (pba && off >= p0 && off < p1) {
			piece_end = end < p1 ? end : p1;
			ret = msix_access(dev, true, (uint32_t)(off - p0), buf,
					  (size_t)(piece_end - off), write);
		} else {
			if (tab && t0 > off && t0 < piece_end)
				piece_end = t0;
			if (pba && p0 > off && p0 < piece_end)
				piece_end = p0;
			ret = plain_access(dev, r, off, buf, (size_t)(piece_end - off), write);
		}
		buf += piece_end - off;
		off = piece_end;
	}
	if (touched_table)
		dev_after_cfg_change(dev);
	return ret;
}

int dev_region_access(struct uvfio_dev *dev, unsigned int index, uint64_t off, void *buf,
		      size_t len, bool write)
{
	struct dev_region *r;
	uint16_t cmd;
	int ret;

	if (index >= dev->num_regions || index == VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;
	r = &dev->regions[index];
	if (r->kind == REGION_ABSENT)
		return -EINVAL;
	/* Bounds, written so that off + len cannot wrap. */
	if (off > r->size || len > r->size - off)
		return -EINVAL;
	if (!(r->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE : VFIO_REGION_INFO_FLAG_READ)))
		return -EINVAL;
	if (!len)
		return 0;

	if (r->kind == REGION_CONFIG) {
		if (write) {
			ret = uvfio_pcicfg_write(dev->cfg, (unsigned int)off, buf,
						 (unsigned int)len);
			dev_after_cfg_change(dev);
			return ret;
		}
		return uvfio_pcicfg_read(dev->cfg, (unsigned int)off, buf, (unsigned int)len);
	}
	if (index <= VFIO_PCI_ROM_REGION_INDEX) {
		/*
		 * linux-vfio.md §2.4: BAR (and ROM) access while the virtual
		 * COMMAND has MEMORY (IO for an I/O BAR) clear, or in D3, is
		 * -EIO, as vfio_pci_core_do_io_rw() does.
		 */
		cmd = uvfio_pcicfg_command(dev->cfg);
		if (r->pci_flags & PCI_BASE_ADDRESS_SPACE_IO) {
			if (!(cmd & PCI_COMMAND_IO))
				return -EIO;
		} else if (!(cmd & PCI_COMMAND_MEMORY)) {
			return -EIO;
		}
		if (dev->d3)
			return -EIO;
		if (index < VFIO_PCI_ROM_REGION_INDEX)
			return bar_access(dev, index, off, buf, len, write);
	}
	return plain_access(dev, r, off, buf, len, write);
}
