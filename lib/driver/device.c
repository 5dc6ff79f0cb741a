// SPDX-License-Identifier: MIT
/*
 * lib/driver/device.c - the device object every backend shares: open
 * dispatch, region cache and mmap layout, BAR and config accessors, IRQ
 * helpers built on SET_IRQS, reset, and waiting for interrupts while a
 * vfio-user server's requests are served.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "uvfio/pci.h"

/*
 * Sanity caps on what a device reports (QEMU's vfio-user client applies the
 * same: num_regions <= 100, num_irqs <= 50; contract §5.3).
 */
#define MAX_DEVICE_REGIONS 100
#define MAX_DEVICE_IRQS 50

/* PCI config space: 256 bytes, 4096 with extended space (PCIe r4.0 §7.2). */
#define PCI_CFG_SIZE 256
#define PCIE_CFG_SIZE 4096

static size_t host_page(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

/* "DDDD:BB:DD.F" or "BB:DD.F", hex digits (the kernel backend normalises). */
static bool looks_like_pci_address(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (n != 7 && n != 12)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		size_t from_end = n - i;

		if (from_end == 2) {
			if (ch != '.')
				return false;
		} else if (from_end == 5 || (n == 12 && from_end == 8)) {
			if (ch != ':')
				return false;
		} else if (!isxdigit((unsigned char)ch)) {
			return false;
		}
	}
	return true;
}

static void region_release(struct uvfio_region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
	r->map_len = 0;
	r->mapped_areas = 0;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->valid = false;
}

int uvfio_device_open(struct uvfio_container *c, const char *where, struct uvfio_device **out)
{
	struct uvfio_device *d;
	unsigned int i;
	int ret;

	if (!c || !where || !out)
		return uvfio_fail(-EINVAL, "uvfio_device_open: missing argument");
	uvfio_clear_error();

	d = calloc(1, sizeof(*d));
	if (!d)
		return uvfio_fail(-ENOMEM, "out of memory opening %s", where);
	d->name = strdup(where);
	if (!d->name) {
		free(d);
		return uvfio_fail(-ENOMEM, "out of memory opening %s", where);
	}
	d->container = c;
	d->dma_bits = 64;
	d->timeout_ms = UVFIO_DEFAULT_TIMEOUT_MS;
	for (i = 0; i < UVFIO_MAX_REGIONS; i++)
		d->regions[i].fd = -1;

	if (!strncmp(where, "unix:", 5)) {
		if (!where[5]) {
			ret = uvfio_fail(-EINVAL, "\"%s\": no socket path after \"unix:\"", where);
			goto err_free;
		}
		ret = uvfio_vfio_user_backend_open(d, where + 5);
	} else if (looks_like_pci_address(where)) {
		ret = uvfio_kernel_backend_open(d, where);
	} else {
		ret = uvfio_fail(-EINVAL,
				 "\"%s\" is neither \"unix:PATH\" (vfio-user) nor a PCI address "
				 "\"DDDD:BB:DD.F\" (kernel vfio-pci)",
				 where);
	}
	if (ret)
		goto err_free;
	if (!d->ops || d->ops->version < 1 || !d->ops->close) {
		ret = uvfio_fail(-EINVAL, "%s: backend returned no usable ops table", where);
		goto err_free;
	}

	/* Link first, so uvfio_device_close() can undo the rest. */
	d->next = c->devices;
	c->devices = d;

	ret = uvfio_device_get_info(d, &d->info);
	if (ret) {
		uvfio_device_close(d);
		return ret;
	}
	*out = d;
	return 0;

err_free:
	free(d->name);
	free(d);
	return ret;
}

void uvfio_device_close(struct uvfio_device *d)
{
	struct uvfio_device **pp;
	unsigned int i;

	if (!d)
		return;
	for (i = 0; i < UVFIO_MAX_REGIONS; i++)
		region_release(&d->regions[i]);
	d->ops->close(d);
	for (pp = &d->container->devices; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	free(d->name);
	free(d);
}

const char *uvfio_device_name(const struct uvfio_device *d)
{
	return d ? d->name : "";
}

const char *uvfio_device_backend(const struct uvfio_device *d)
{
	return d && d->ops && d->ops->name ? d->ops->name : "";
}

int uvfio_device_set_timeout(struct uvfio_device *d, int timeout_ms)
{
	if (!d || timeout_ms <= 0)
		return -EINVAL;
	d->timeout_ms = timeout_ms;
	return 0;
}

int uvfio_device_get_info(struct uvfio_device *d, struct uvfio_device_info *info)
{
	struct uvfio_device_info tmp;
	int ret;

	if (!d || !info)
		return -EINVAL;
	if (!d->ops->get_info)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot describe the device", d->name);
	memset(&tmp, 0, sizeof(tmp));
	ret = d->ops->get_info(d, &tmp);
	if (ret)
		return ret;
	if (tmp.num_regions > MAX_DEVICE_REGIONS || tmp.num_irqs > MAX_DEVICE_IRQS)
		return uvfio_fail(-EPROTO, "%s reports %u regions and %u IRQ indexes (at most %d and %d)",
				  d->name, tmp.num_regions, tmp.num_irqs, MAX_DEVICE_REGIONS,
				  MAX_DEVICE_IRQS);
	d->info = tmp;
	d->have_info = true;
	*info = tmp;
	return 0;
}

int uvfio_device_set_dma_mask(struct uvfio_device *d, unsigned int bits)
{
	uint64_t limit;

	if (!d)
		return -EINVAL;
	if (bits < 12 || bits > 64)
		return uvfio_fail(-EINVAL, "DMA mask of %u bits: must be 12 to 64", bits);
	limit = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	if (uvfio_container_has_buf_above(d->container, limit))
		return uvfio_fail(-EBUSY,
				  "%s: a DMA buffer of its container is mapped above IOVA 0x%llx; "
				  "set the DMA mask before allocating buffers",
				  d->name, (unsigned long long)limit);
	d->dma_bits = bits;
	return 0;
}

int uvfio_device_reset(struct uvfio_device *d)
{
	if (!d)
		return -EINVAL;
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET) || !d->ops->reset)
		return uvfio_fail(-ENOTTY, "%s has no reset (VFIO_DEVICE_FLAGS_RESET not reported)",
				  d->name);
	return d->ops->reset(d);
}

/*
 * Regions.
 */

static int region_get(struct uvfio_device *d, uint32_t index, struct uvfio_region **out)
{
	struct vfio_region_info *raw = NULL;
	struct uvfio_region *r;
	size_t len = 0;
	int fd = -1;
	int ret;

	if (!d)
		return -EINVAL;
	if (index >= d->info.num_regions)
		return uvfio_fail(-EINVAL, "%s has no region %u (it has %u)", d->name, index,
				  d->info.num_regions);
	if (index >= UVFIO_MAX_REGIONS)
		return uvfio_fail(-EINVAL, "region %u is beyond this library's limit of %d regions",
				  index, UVFIO_MAX_REGIONS);
	r = &d->regions[index];
	if (r->valid) {
		*out = r;
		return 0;
	}
	if (!d->ops->get_region_info)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot describe regions", d->name);

	ret = d->ops->get_region_info(d, index, &raw, &len, &fd);
	if (ret)
		return ret;
	ret = uvfio_region_info_parse(raw, len, &r->info, &r->fd_offset);
	free(raw);
	if (!ret && r->info.index != index)
		ret = uvfio_fail(-EPROTO, "%s: asked for region %u, got a description of %u",
				 d->name, index, r->info.index);
	if (ret) {
		if (fd >= 0)
			close(fd);
		memset(&r->info, 0, sizeof(r->info));
		return ret;
	}
	r->fd = fd;
	r->valid = true;
	*out = r;
	return 0;
}

int uvfio_region_get_info(struct uvfio_device *d, uint32_t index, struct uvfio_region_info *info)
{
	struct uvfio_region *r;
	int ret;

	if (!info)
		return -EINVAL;
	ret = region_get(d, index, &r);
	if (ret)
		return ret;
	*info = r->info;
	return 0;
}

static int region_check(struct uvfio_device *d, struct uvfio_region *r, uint64_t off, size_t len,
			uint32_t need)
{
	if (!r->info.size)
		return uvfio_fail(-EINVAL, "%s: region %u does not exist (size 0)", d->name,
				  r->info.index);
	if (!(r->info.flags & need))
		return uvfio_fail(-EINVAL, "%s: region %u is not %s", d->name, r->info.index,
				  need == VFIO_REGION_INFO_FLAG_READ ? "readable" : "writable");
	if (off > r->info.size || len > r->info.size - off)
		return uvfio_fail(-EINVAL, "%s: [0x%llx, +0x%zx) is outside region %u (0x%llx bytes)",
				  d->name, (unsigned long long)off, len, r->info.index,
				  (unsigned long long)r->info.size);
	return 0;
}

int uvfio_region_read(struct uvfio_device *d, uint32_t index, uint64_t off, void *buf,
		      size_t len)
{
	struct uvfio_region *r;
	int ret;

	if (!buf && len)
		return -EINVAL;
	ret = region_get(d, index, &r);
	if (ret)
		return ret;
	ret = region_check(d, r, off, len, VFIO_REGION_INFO_FLAG_READ);
	if (ret || !len)
		return ret;
	if (!d->ops->region_read)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot read regions", d->name);
	return d->ops->region_read(d, r, off, buf, len);
}

static int region_write(struct uvfio_device *d, uint32_t index, uint64_t off, const void *buf,
			size_t len, bool posted)
{
	struct uvfio_region *r;
	int ret;

	if (!buf && len)
		return -EINVAL;
	ret = region_get(d, index, &r);
	if (ret)
		return ret;
	ret = region_check(d, r, off, len, VFIO_REGION_INFO_FLAG_WRITE);
	if (ret || !len)
		return ret;
	if (!d->ops->region_write)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot write regions", d->name);
	return d->ops->region_write(d, r, off, buf, len, posted);
}

int uvfio_region_write(struct uvfio_device *d, uint32_t index, uint64_t off, const void *buf,
		       size_t len)
{
	return region_write(d, index, off, buf, len, false);
}

int uvfio_region_write_posted(struct uvfio_device *d, uint32_t index, uint64_t off,
			      const void *buf, size_t len)
{
	return region_write(d, index, off, buf, len, true);
}

int uvfio_region_mmap(struct uvfio_device *d, uint32_t index, void **addr)
{
	size_t page = host_page();
	struct uvfio_region *r;
	unsigned int nareas;
	unsigned int i;
	int prot = 0;
	void *res;
	size_t len;
	int ret;

	if (!addr)
		return -EINVAL;
	ret = region_get(d, index, &r);
	if (ret)
		return ret;
	if (r->map) {
		*addr = r->map;
		return 0;
	}
	if (!r->info.size || !(r->info.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return uvfio_fail(-ENOTSUP, "%s: region %u is not mmap-able", d->name, index);
	if (r->info.has_sparse && !r->info.nr_sparse)
		return uvfio_fail(-ENOTSUP, "%s: region %u has no mmap-able area", d->name, index);
	if (!d->ops->region_mmap)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot mmap regions", d->name);
	if (r->info.size > SIZE_MAX - page)
		return uvfio_fail(-ENOMEM, "%s: region %u is too large to map", d->name, index);
	len = (r->info.size + page - 1) & ~(page - 1);

	if (r->info.flags & VFIO_REGION_INFO_FLAG_READ)
		prot |= PROT_READ;
	if (r->info.flags & VFIO_REGION_INFO_FLAG_WRITE)
		prot |= PROT_WRITE;

	/* Reserve the whole region inaccessible; areas are mapped over it. */
	res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return uvfio_fail(-errno, "%s: cannot reserve %zu bytes for region %u", d->name, len,
				  index);

	nareas = r->info.has_sparse ? r->info.nr_sparse : 1;
	r->mapped_areas = 0;
	for (i = 0; i < nareas; i++) {
		uint64_t aoff = r->info.has_sparse ? r->info.sparse[i].offset : 0;
		uint64_t asize = r->info.has_sparse ? r->info.sparse[i].size : r->info.size;
		uint64_t alen;

		/* mmap works in pages; an unaligned area stays behind region rw. */
		if (aoff & (page - 1)) {
			uvfio_log(d->container, LOG_INFO,
				  "%s: region %u area at 0x%llx is not page-aligned; not mapped",
				  d->name, index, (unsigned long long)aoff);
			continue;
		}
		alen = (asize + page - 1) & ~(uint64_t)(page - 1);
		if (aoff + alen > len)
			continue;
		ret = d->ops->region_mmap(d, r, aoff, alen, prot, (uint8_t *)res + aoff);
		if (ret) {
			munmap(res, len);
			r->mapped_areas = 0;
			return ret;
		}
		r->mapped_areas |= 1u << i;
	}
	if (!r->mapped_areas) {
		munmap(res, len);
		return uvfio_fail(-ENOTSUP, "%s: region %u has no page-aligned mmap-able area",
				  d->name, index);
	}
	r->map = res;
	r->map_len = len;
	*addr = res;
	return 0;
}

void uvfio_region_unmap(struct uvfio_device *d, uint32_t index)
{
	struct uvfio_region *r;

	if (!d || index >= UVFIO_MAX_REGIONS)
		return;
	r = &d->regions[index];
	if (!r->map)
		return;
	munmap(r->map, r->map_len);
	r->map = NULL;
	r->map_len = 0;
	r->mapped_areas = 0;
}

/*
 * BARs: the mmap when [off, off + width) is inside a mapped area and
 * naturally aligned (a volatile access of the right width), else region rw.
 */
static volatile void *bar_ptr(struct uvfio_device *d, unsigned int bar, uint64_t off,
			      unsigned int width)
{
	struct uvfio_region *r;
	unsigned int nareas;
	unsigned int i;

	if (!d || bar > VFIO_PCI_BAR5_REGION_INDEX || bar >= UVFIO_MAX_REGIONS)
		return NULL;
	r = &d->regions[bar];
	if (!r->map || (off & (width - 1)) || off > r->info.size || width > r->info.size - off)
		return NULL;
	nareas = r->info.has_sparse ? r->info.nr_sparse : 1;
	for (i = 0; i < nareas; i++) {
		uint64_t aoff;
		uint64_t asize;

		if (!(r->mapped_areas & (1u << i)))
			continue;
		aoff = r->info.has_sparse ? r->info.sparse[i].offset : 0;
		asize = r->info.has_sparse ? r->info.sparse[i].size : r->info.size;
		if (off >= aoff && off - aoff + width <= asize)
			return (volatile uint8_t *)r->map + off;
	}
	return NULL;
}

static int bar_index_ok(struct uvfio_device *d, unsigned int bar)
{
	if (!d)
		return -EINVAL;
	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return uvfio_fail(-EINVAL, "BAR %u: BARs are 0 to 5", bar);
	return 0;
}

#define DEFINE_BAR_ACCESS(bits)                                                                    \
	uint##bits##_t uvfio_bar_read##bits(struct uvfio_device *d, unsigned int bar,           \
					     uint64_t off)                                         \
	{                                                                                          \
		volatile uint##bits##_t *p;                                                        \
		uint##bits##_t v;                                                                  \
                                                                                                   \
		p = (volatile uint##bits##_t *)bar_ptr(d, bar, off, bits / 8);                     \
		if (p)                                                                             \
			return *p;                                                                 \
		if (bar_index_ok(d, bar) || uvfio_region_read(d, bar, off, &v, sizeof(v)))         \
			return (uint##bits##_t)~(uint##bits##_t)0; /* master abort */              \
		return v;                                                                          \
	}                                                                                          \
	int uvfio_bar_write##bits(struct uvfio_device *d, unsigned int bar, uint64_t off,          \
				  uint##bits##_t v)                                                \
	{                                                                                          \
		volatile uint##bits##_t *p;                                                        \
		int ret;                                                                           \
                                                                                                   \
		p = (volatile uint##bits##_t *)bar_ptr(d, bar, off, bits / 8);                     \
		if (p) {                                                                           \
			*p = v;                                                                    \
			return 0;                                                                  \
		}                                                                                  \
		ret = bar_index_ok(d, bar);                                                        \
		if (ret)                                                                           \
			return ret;                                                                \
		return uvfio_region_write(d, bar, off, &v, sizeof(v));                             \
	}

DEFINE_BAR_ACCESS(8)
DEFINE_BAR_ACCESS(16)
DEFINE_BAR_ACCESS(32)
DEFINE_BAR_ACCESS(64)

/*
 * Config space.
 */

int uvfio_config_read8(struct uvfio_device *d, unsigned int off, uint8_t *v)
{
	return uvfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, v, sizeof(*v));
}

int uvfio_config_read16(struct uvfio_device *d, unsigned int off, uint16_t *v)
{
	return uvfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, v, sizeof(*v));
}

int uvfio_config_read32(struct uvfio_device *d, unsigned int off, uint32_t *v)
{
	return uvfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, v, sizeof(*v));
}

int uvfio_config_write8(struct uvfio_device *d, unsigned int off, uint8_t v)
{
	return uvfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, sizeof(v));
}

int uvfio_config_write16(struct uvfio_device *d, unsigned int off, uint16_t v)
{
	return uvfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, sizeof(v));
}

int uvfio_config_write32(struct uvfio_device *d, unsigned int off, uint32_t v)
{
	return uvfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, sizeof(v));
}

/* A copy of config space: 4096 bytes if the region has them, else 256. */
static int config_copy(struct uvfio_device *d, uint8_t *cfg, size_t *len)
{
	struct uvfio_region *r;
	int ret;

	ret = region_get(d, VFIO_PCI_CONFIG_REGION_INDEX, &r);
	if (ret)
		return ret;
	if (r->info.size >= PCIE_CFG_SIZE)
		*len = PCIE_CFG_SIZE;
	else if (r->info.size >= PCI_CFG_SIZE)
		*len = PCI_CFG_SIZE;
	else
		return uvfio_fail(-EPROTO, "%s: config region is %llu bytes, below %d", d->name,
				  (unsigned long long)r->info.size, PCI_CFG_SIZE);
	return uvfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, 0, cfg, *len);
}

int uvfio_config_find_cap(struct uvfio_device *d, uint8_t id)
{
	uint8_t cfg[PCIE_CFG_SIZE];
	size_t len;
	int ret;

	ret = config_copy(d, cfg, &len);
	if (ret)
		return ret;
	/* Only the first 256 bytes hold standard capabilities (PCI 3.0 §6.7). */
	ret = uvfio_pci_find_cap(cfg, PCI_CFG_SIZE, id);
	if (ret < 0 && ret != -ENOENT)
		uvfio_set_error("%s: malformed capability list in config space (%d)", d->name,
				ret);
	return ret;
}

int uvfio_config_find_ext_cap(struct uvfio_device *d, uint16_t id)
{
	uint8_t cfg[PCIE_CFG_SIZE];
	size_t len;
	int ret;

	ret = config_copy(d, cfg, &len);
	if (ret)
		return ret;
	if (len < PCIE_CFG_SIZE)
		return -ENOENT; /* no extended config space, so no extended caps */
	ret = uvfio_pci_find_ext_cap(cfg, len, id);
	if (ret < 0 && ret != -ENOENT)
		uvfio_set_error("%s: malformed extended capability list (%d)", d->name, ret);
	return ret;
}

int uvfio_device_enable(struct uvfio_device *d)
{
	uint16_t cmd;
	uint16_t want = PCI_COMMAND_MASTER;
	unsigned int bar;
	int ret;

	ret = uvfio_config_read16(d, PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	for (bar = VFIO_PCI_BAR0_REGION_INDEX; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
		struct uvfio_region_info info;
		uint32_t reg;

		if (uvfio_region_get_info(d, bar, &info) || !info.size)
			continue;
		if (uvfio_config_read32(d, PCI_BASE_ADDRESS_0 + 4 * bar, &reg))
			continue;
		want |= (reg & PCI_BASE_ADDRESS_SPACE) == PCI_BASE_ADDRESS_SPACE_IO ?
				PCI_COMMAND_IO :
				PCI_COMMAND_MEMORY;
	}
	uvfio_clear_error();
	if ((cmd & want) == want)
		return 0;
	return uvfio_config_write16(d, PCI_COMMAND, cmd | want);
}

/*
 * Interrupts.
 */

int uvfio_irq_get_info(struct uvfio_device *d, uint32_t index, struct uvfio_irq_info *info)
{
	struct vfio_irq_info raw = { .argsz = sizeof(raw), .index = index };
	int ret;

	if (!d || !info)
		return -EINVAL;
	if (index >= d->info.num_irqs)
		return uvfio_fail(-EINVAL, "%s has no IRQ index %u (it has %u)", d->name, index,
				  d->info.num_irqs);
	if (!d->ops->get_irq_info)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot describe IRQs", d->name);
	ret = d->ops->get_irq_info(d, &raw);
	if (ret)
		return ret;
	info->flags = raw.flags;
	info->count = raw.count;
	return 0;
}

int uvfio_irq_set(struct uvfio_device *d, const struct vfio_irq_set *set, const void *data)
{
	uint32_t dtype;
	uint32_t action;
	size_t dsize = 0;

	if (!d || !set)
		return -EINVAL;
	/* linux/vfio.h: exactly one DATA_ type and one ACTION_. */
	dtype = set->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = set->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if ((set->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)) ||
	    !dtype || (dtype & (dtype - 1)) || !action || (action & (action - 1)))
		return uvfio_fail(-EINVAL, "SET_IRQS flags 0x%x: need one DATA_ and one ACTION_",
				  set->flags);
	if (set->index >= d->info.num_irqs)
		return uvfio_fail(-EINVAL, "%s has no IRQ index %u", d->name, set->index);
	if (dtype == VFIO_IRQ_SET_DATA_BOOL)
		dsize = set->count;
	else if (dtype == VFIO_IRQ_SET_DATA_EVENTFD)
		dsize = (size_t)set->count * sizeof(int32_t);
	if (set->argsz < sizeof(*set) || set->argsz - sizeof(*set) < dsize || (dsize && !data))
		return uvfio_fail(-EINVAL, "SET_IRQS: argsz %u too small for %u entries",
				  set->argsz, set->count);
	if (!d->ops->set_irqs)
		return uvfio_fail(-ENOTSUP, "%s: backend cannot set IRQs", d->name);
	return d->ops->set_irqs(d, set, dsize ? data : NULL);
}

static int irq_simple(struct uvfio_device *d, uint32_t index, uint32_t flags, uint32_t start,
		      uint32_t count, const void *data, size_t dsize)
{
	struct vfio_irq_set set = {
		.argsz = (uint32_t)(sizeof(set) + dsize),
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};

	return uvfio_irq_set(d, &set, data);
}

int uvfio_irq_enable(struct uvfio_device *d, uint32_t index, uint32_t start, uint32_t count,
		     const int *efds)
{
	if (!count || !efds || count > (UINT32_MAX - sizeof(struct vfio_irq_set)) / sizeof(int32_t))
		return uvfio_fail(-EINVAL, "uvfio_irq_enable: need 1 or more eventfds");
	return irq_simple(d, index, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, start,
			  count, efds, (size_t)count * sizeof(int32_t));
}

int uvfio_irq_disable(struct uvfio_device *d, uint32_t index)
{
	/* linux/vfio.h: DATA_NONE|ACTION_TRIGGER with count 0 disables the index. */
	return irq_simple(d, index, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0,
			  NULL, 0);
}

int uvfio_irq_unmask(struct uvfio_device *d, uint32_t index, uint32_t vector)
{
	return irq_simple(d, index, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, vector, 1,
			  NULL, 0);
}

int uvfio_irq_mask(struct uvfio_device *d, uint32_t index, uint32_t vector)
{
	return irq_simple(d, index, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, vector, 1,
			  NULL, 0);
}

int uvfio_irq_set_unmask_fd(struct uvfio_device *d, uint32_t index, uint32_t vector, int efd)
{
	int32_t fd = efd;

	return irq_simple(d, index, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, vector,
			  1, &fd, sizeof(fd));
}

int uvfio_irq_trigger(struct uvfio_device *d, uint32_t index, uint32_t vector)
{
	return irq_simple(d, index, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, vector,
			  1, NULL, 0);
}

int uvfio_device_poll_fd(struct uvfio_device *d)
{
	if (!d || !d->ops->poll_fd)
		return -1;
	return d->ops->poll_fd(d);
}

int uvfio_device_process(struct uvfio_device *d)
{
	if (!d)
		return -EINVAL;
	if (!d->ops->process)
		return 0;
	return d->ops->process(d);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t uvfio_irq_wait(struct uvfio_device *d, int efd, int timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	int devfd;

	if (!d || efd < 0)
		return -EINVAL;
	devfd = uvfio_device_poll_fd(d);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = efd, .events = POLLIN },
			{ .fd = devfd, .events = POLLIN },
		};
		int wait = -1;
		int n;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (left > INT32_MAX ? INT32_MAX : (int)left) : 0;
		}
		n = poll(pfd, devfd >= 0 ? 2 : 1, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return uvfio_fail(-errno, "poll on eventfd %d failed", efd);
		}
		if (pfd[0].revents & POLLIN) {
			uint64_t v;
			ssize_t r = read(efd, &v, sizeof(v));

			if (r == (ssize_t)sizeof(v))
				return v > INT64_MAX ? INT64_MAX : (int64_t)v;
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			return uvfio_fail(r < 0 ? -errno : -EIO, "reading eventfd %d failed", efd);
		}
		if (pfd[0].revents & (POLLERR | POLLNVAL))
			return uvfio_fail(-EBADF, "eventfd %d is not valid", efd);
		if (devfd >= 0 && pfd[1].revents) {
			int ret = uvfio_device_process(d);

			if (ret < 0)
				return ret;
		}
		if (!n && deadline >= 0 && now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}
