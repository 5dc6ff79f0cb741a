// SPDX-License-Identifier: MIT
/*
 * mock_vfio.c - a mock /dev/vfio + sysfs for the kernel backend's unit tests
 * (see mock_vfio.h).  The behaviour mirrors what the real ioctls do as far as
 * the backend relies on it (docs/linux-vfio.md §1, §3, §4): argsz growth for
 * capability chains, one open per group, viability, SET_IOMMU only with a
 * group attached, type1 overlap -EEXIST, unmap returning the bytes unmapped,
 * INTx/MSI mutual exclusion, IRQ eventfds referenced until disabled or the
 * device closes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "driver/kernel.h"
#include "mock_vfio.h"

struct mock_state mock;

/* The mock's region layout (deliberately not vfio-pci's index << 40). */
#define REGION_SHIFT 36
#define REGION_OFFSET(i) ((uint64_t)(i) << REGION_SHIFT)
#define BAR0_SIZE (1u << 20)
#define MAX_FDS 4096

enum obj_kind { OBJ_NONE, OBJ_CONTAINER, OBJ_GROUP, OBJ_DEVICE, OBJ_ATTR };

struct obj {
	enum obj_kind kind;
	int group;		 /* OBJ_GROUP */
	bool attached;		 /* OBJ_GROUP: SET_CONTAINER done */
	struct mock_device *dev; /* OBJ_DEVICE */
	char text[32];		 /* OBJ_ATTR */
};

static struct obj objs[MAX_FDS];
static bool group_open[64];
static int bar_memfd = -1;

static bool inject(unsigned int kind)
{
	if (!(mock.fail_kinds & kind) || !mock.fail_at)
		return false;
	if (++mock.calls != mock.fail_at)
		return false;
	mock.injected++;
	return true;
}

void mock_fail_at(unsigned int n, unsigned int kinds)
{
	mock.fail_at = n;
	mock.fail_kinds = kinds;
	mock.calls = 0;
	mock.injected = 0;
}

static void init_config(struct mock_device *d)
{
	memset(d->config, 0, sizeof(d->config));
	d->config[PCI_VENDOR_ID] = (uint8_t)d->vendor;
	d->config[PCI_VENDOR_ID + 1] = (uint8_t)(d->vendor >> 8);
	d->config[PCI_DEVICE_ID] = (uint8_t)d->device;
	d->config[PCI_DEVICE_ID + 1] = (uint8_t)(d->device >> 8);
	d->config[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	d->config[PCI_REVISION_ID] = 0x10;
	d->config[PCI_CLASS_PROG] = (uint8_t)d->class;
	d->config[PCI_CLASS_DEVICE] = (uint8_t)(d->class >> 8);
	d->config[PCI_CLASS_DEVICE + 1] = (uint8_t)(d->class >> 16);
	d->config[PCI_SUBSYSTEM_VENDOR_ID] = (uint8_t)d->subvendor;
	d->config[PCI_SUBSYSTEM_VENDOR_ID + 1] = (uint8_t)(d->subvendor >> 8);
	d->config[PCI_SUBSYSTEM_ID] = (uint8_t)d->subdevice;
	d->config[PCI_SUBSYSTEM_ID + 1] = (uint8_t)(d->subdevice >> 8);
	d->config[PCI_INTERRUPT_PIN] = 1;
	d->config[PCI_CAPABILITY_LIST] = 0x40;
	d->config[0x40] = PCI_CAP_ID_MSI;
	d->config[0x41] = 0;
}

struct mock_device *mock_add(const char *bdf, int group, const char *driver, uint16_t vendor,
			     uint16_t device, uint32_t class)
{
	struct mock_device *d = &mock.dev[mock.ndev++];
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->bdf = bdf;
	d->group = group;
	d->driver = driver;
	d->vendor = vendor;
	d->device = device;
	d->subvendor = 0x1af4;
	d->subdevice = 0x1100;
	d->class = class;
	for (i = 0; i < 5; i++)
		d->irq_efd[i] = -1;
	init_config(d);
	return d;
}

struct mock_device *mock_find(const char *bdf)
{
	unsigned int i;

	for (i = 0; i < mock.ndev; i++)
		if (!strcmp(mock.dev[i].bdf, bdf))
			return &mock.dev[i];
	return NULL;
}

void mock_reset(void)
{
	unsigned int i;
	uint32_t ident = MOCK_EDU_IDENT;

	for (i = 0; i < MAX_FDS; i++)
		if (objs[i].kind != OBJ_NONE)
			close(i);
	memset(objs, 0, sizeof(objs));
	memset(group_open, 0, sizeof(group_open));
	memset(&mock, 0, sizeof(mock));
	if (bar_memfd < 0) {
		bar_memfd = memfd_create("uvfio-mock-bar", MFD_CLOEXEC);
		if (bar_memfd >= 0 && ftruncate(bar_memfd, BAR0_SIZE) == 0)
			(void)!pwrite(bar_memfd, &ident, sizeof(ident), 0);
	}
	mock_add("0000:00:03.0", 1, "vfio-pci", 0x1234, 0x11e8, 0x00ff00);
	mock_add("0000:00:04.0", 2, "vfio-pci", 0x1b36, 0x0010, 0x010802);
}

static int new_fd(enum obj_kind kind)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fd >= MAX_FDS) {
		close(fd);
		return -EMFILE;
	}
	memset(&objs[fd], 0, sizeof(objs[fd]));
	objs[fd].kind = kind;
	return fd;
}

static struct obj *obj_of(int fd, enum obj_kind kind)
{
	if (fd < 0 || fd >= MAX_FDS || objs[fd].kind != kind)
		return NULL;
	return &objs[fd];
}

static bool group_has_vfio(int group)
{
	unsigned int i;

	for (i = 0; i < mock.ndev; i++)
		if (mock.dev[i].group == group && uvfio_kernel_is_vfio_driver(mock.dev[i].driver))
			return true;
	return false;
}

static bool group_viable(int group)
{
	unsigned int i;

	for (i = 0; i < mock.ndev; i++)
		if (mock.dev[i].group == group && mock.dev[i].driver[0] &&
		    !uvfio_kernel_is_vfio_driver(mock.dev[i].driver))
			return false;
	return true;
}

/* "/sys/bus/pci/devices/BDF/rest" -> device, *@rest */
static struct mock_device *sysfs_dev(const char *path, const char **rest)
{
	static const char pfx[] = "/sys/bus/pci/devices/";
	unsigned int i;

	if (strncmp(path, pfx, sizeof(pfx) - 1))
		return NULL;
	path += sizeof(pfx) - 1;
	for (i = 0; i < mock.ndev; i++) {
		size_t n = strlen(mock.dev[i].bdf);

		if (!strncmp(path, mock.dev[i].bdf, n) && (path[n] == '/' || !path[n])) {
			*rest = path[n] ? path + n + 1 : "";
			return &mock.dev[i];
		}
	}
	return NULL;
}

static int m_open(const char *path, int flags)
{
	struct mock_device *d;
	const char *rest;
	int fd;
	int g;

	(void)flags;
	if (inject(MOCK_OPEN))
		return -EIO;
	if (!strcmp(path, "/dev/vfio/vfio")) {
		if (mock.no_container_node)
			return -ENOENT;
		return new_fd(OBJ_CONTAINER);
	}
	if (sscanf(path, "/dev/vfio/%d", &g) == 1) {
		if (g < 0 || g >= 64 || !group_has_vfio(g))
			return -ENOENT;
		if (mock.eacces_group)
			return -EACCES;
		/* vfio_group_fops_open(): one open per group. */
		if (group_open[g])
			return -EBUSY;
		fd = new_fd(OBJ_GROUP);
		if (fd < 0)
			return fd;
		objs[fd].group = g;
		group_open[g] = true;
		mock.group_opens++;
		return fd;
	}
	d = sysfs_dev(path, &rest);
	if (d) {
		uint32_t v;

		if (!strcmp(rest, "vendor"))
			v = d->vendor;
		else if (!strcmp(rest, "device"))
			v = d->device;
		else if (!strcmp(rest, "subsystem_vendor"))
			v = d->subvendor;
		else if (!strcmp(rest, "subsystem_device"))
			v = d->subdevice;
		else if (!strcmp(rest, "class"))
			v = d->class;
		else if (!strcmp(rest, "revision"))
			v = 0x10;
		else
			return -ENOENT;
		fd = new_fd(OBJ_ATTR);
		if (fd < 0)
			return fd;
		snprintf(objs[fd].text, sizeof(objs[fd].text), "0x%04x\n", v);
		return fd;
	}
	return -ENOENT;
}

static void release_irqs(struct mock_device *d)
{
	unsigned int i;

	for (i = 0; i < 5; i++) {
		if (d->irq_efd[i] >= 0)
			close(d->irq_efd[i]);
		d->irq_efd[i] = -1;
	}
}

static void group_detach(struct obj *o)
{
	if (!o->attached)
		return;
	o->attached = false;
	/* vfio.rst: the last group out of a container tears the IOMMU down. */
	if (--mock.container_groups == 0) {
		mock.iommu_type = 0;
		mock.nmaps = 0;
	}
}

static int m_close(int fd)
{
	struct obj *o;

	if (fd < 0 || fd >= MAX_FDS || objs[fd].kind == OBJ_NONE)
		return close(fd) ? -errno : 0;
	o = &objs[fd];
	if (o->kind == OBJ_GROUP) {
		group_detach(o);
		group_open[o->group] = false;
	} else if (o->kind == OBJ_DEVICE) {
		release_irqs(o->dev);
		o->dev->open_count--;
	}
	o->kind = OBJ_NONE;
	return close(fd) ? -errno : 0;
}

/* Put a capability chain after @head_size bytes, with argsz growth. */
static void *cap_reply(void *arg, size_t head_size, const void *caps, size_t caps_size,
		       uint32_t *cap_offset, uint32_t *flags, uint32_t caps_flag)
{
	uint32_t *argsz = arg;
	size_t need = head_size + caps_size;

	*flags |= caps_flag;
	if (*argsz < need) {
		/* linux/vfio.h: too small: argsz says what is needed, cap_offset 0. */
		*argsz = (uint32_t)need;
		*cap_offset = 0;
		return NULL;
	}
	memcpy((char *)arg + head_size, caps, caps_size);
	*cap_offset = (uint32_t)head_size;
	return (char *)arg + head_size;
}

static int container_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_IOMMU_GET_INFO: {
		struct vfio_iommu_type1_info *ii = arg;
		struct iommu_caps {
			struct vfio_iommu_type1_info_cap_iova_range r;
			struct vfio_iova_range ranges[2];
			struct vfio_iommu_type1_info_dma_avail a;
		} __attribute__((packed)) caps;
		size_t head = (sizeof(*ii) + 7) & ~(size_t)7;
		uint32_t argsz = ii->argsz;

		if (!mock.iommu_type)
			return -EINVAL;
		if (argsz < offsetof(struct vfio_iommu_type1_info, cap_offset))
			return -EINVAL;
		memset(&caps, 0, sizeof(caps));
		caps.r.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
		caps.r.header.version = 1;
		caps.r.header.next = (uint32_t)(head + offsetof(struct iommu_caps, a));
		caps.r.nr_iovas = 2;
		/* A second group's reserved regions can cut the ranges. */
		caps.ranges[0].start =
			mock.narrow_with_two && mock.container_groups >= 2 ? 0x100000 : 0;
		caps.ranges[0].end = 0xfedfffff;
		caps.ranges[1].start = 0xfef00000;
		caps.ranges[1].end = 0x7fffffffffULL;
		caps.a.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
		caps.a.header.version = 1;
		caps.a.avail = 65535 - mock.nmaps;
		ii->flags = VFIO_IOMMU_INFO_PGSIZES;
		ii->iova_pgsizes = 0x40201000;
		if (mock.no_iova_cap) {
			/* Only DMA_AVAIL. */
			caps.a.header.next = 0;
			memmove(&caps, &caps.a, sizeof(caps.a));
			cap_reply(arg, head, &caps, sizeof(caps.a), &ii->cap_offset, &ii->flags,
				  VFIO_IOMMU_INFO_CAPS);
			return 0;
		}
		cap_reply(arg, head, &caps, sizeof(caps), &ii->cap_offset, &ii->flags,
			  VFIO_IOMMU_INFO_CAPS);
		return 0;
	}
	case VFIO_IOMMU_MAP_DMA: {
		struct vfio_iommu_type1_dma_map *m = arg;
		unsigned int i;

		if (!mock.iommu_type || m->argsz < sizeof(*m) || !m->size || (m->iova & 0xfff) ||
		    (m->size & 0xfff) || !(m->flags & 3))
			return -EINVAL;
		for (i = 0; i < mock.nmaps; i++)
			if (m->iova < mock.maps[i].iova + mock.maps[i].size &&
			    mock.maps[i].iova < m->iova + m->size)
				return -EEXIST;
		if (mock.nmaps == MOCK_MAX_MAPS)
			return -ENOSPC;
		mock.maps[mock.nmaps].iova = m->iova;
		mock.maps[mock.nmaps].size = m->size;
		mock.maps[mock.nmaps].vaddr = m->vaddr;
		mock.maps[mock.nmaps].flags = m->flags;
		mock.nmaps++;
		return 0;
	}
	case VFIO_IOMMU_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap *u = arg;
		uint64_t done = 0;
		unsigned int i;

		if (!mock.iommu_type || u->argsz < sizeof(*u))
			return -EINVAL;
		for (i = 0; i < mock.nmaps;) {
			struct mock_map *mm = &mock.maps[i];

			if (mm->iova >= u->iova && mm->iova + mm->size <= u->iova + u->size) {
				done += mm->size;
				*mm = mock.maps[--mock.nmaps];
			} else {
				i++;
			}
		}
		u->size = done;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static int container_ioctl_int(unsigned long req, unsigned long arg)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		if (arg == VFIO_TYPE1v2_IOMMU)
			return mock.no_type1v2 ? 0 : 1;
		if (arg == VFIO_TYPE1_IOMMU)
			return 1;
		return 0;
	case VFIO_SET_IOMMU:
		mock.set_iommu_calls++;
		/* vfio_ioctl_set_iommu(): needs a group; only once. */
		if (!mock.container_groups || mock.iommu_type)
			return -EINVAL;
		if (arg != VFIO_TYPE1v2_IOMMU && arg != VFIO_TYPE1_IOMMU)
			return -EINVAL;
		if (arg == VFIO_TYPE1v2_IOMMU && mock.no_type1v2)
			return -EINVAL;
		if (mock.eperm_set_iommu)
			return -EPERM;
		mock.iommu_type = (int)arg;
		return 0;
	default:
		return -ENOTTY;
	}
}

static int group_ioctl(struct obj *o, unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GROUP_GET_STATUS: {
		struct vfio_group_status *s = arg;

		if (s->argsz < sizeof(*s))
			return -EINVAL;
		s->flags = (group_viable(o->group) ? VFIO_GROUP_FLAGS_VIABLE : 0) |
			   (o->attached ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
		return 0;
	}
	case VFIO_GROUP_SET_CONTAINER: {
		int cfd = *(int *)arg;

		if (!obj_of(cfd, OBJ_CONTAINER) || o->attached)
			return -EINVAL;
		if (!group_viable(o->group))
			return -EPERM;
		if (mock.iommu_type && mock.eperm_set_iommu)
			return -EPERM;
		o->attached = true;
		mock.container_groups++;
		return 0;
	}
	case VFIO_GROUP_UNSET_CONTAINER:
		if (!o->attached)
			return -EINVAL;
		group_detach(o);
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD: {
		const char *name = arg;
		struct mock_device *d = mock_find(name);
		int fd;

		if (!o->attached || !mock.iommu_type)
			return -EINVAL;
		if (!d || d->group != o->group || !uvfio_kernel_is_vfio_driver(d->driver))
			return -ENODEV;
		if (d->open_count)
			return -EBUSY;
		fd = new_fd(OBJ_DEVICE);
		if (fd < 0)
			return fd;
		objs[fd].dev = d;
		d->open_count++;
		return fd;
	}
	default:
		return -ENOTTY;
	}
}

static int region_info(struct mock_device *d, struct vfio_region_info *ri)
{
	struct {
		struct vfio_region_info_cap_sparse_mmap s;
		struct vfio_region_sparse_mmap_area a[2];
	} caps;
	uint32_t i = ri->index;

	(void)d;
	if (ri->argsz < sizeof(*ri) || i >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	ri->flags = 0;
	ri->cap_offset = 0;
	ri->size = 0;
	ri->offset = REGION_OFFSET(i);
	if (i == VFIO_PCI_BAR0_REGION_INDEX) {
		ri->size = BAR0_SIZE;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			    VFIO_REGION_INFO_FLAG_MMAP;
		/* A hole at 0x1000 (as an MSI-X table would make), hence sparse areas. */
		memset(&caps, 0, sizeof(caps));
		caps.s.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		caps.s.header.version = 1;
		caps.s.nr_areas = 2;
		caps.a[0].offset = 0;
		caps.a[0].size = 0x1000;
		caps.a[1].offset = 0x2000;
		caps.a[1].size = BAR0_SIZE - 0x2000;
		cap_reply(ri, sizeof(*ri), &caps, sizeof(caps), &ri->cap_offset, &ri->flags,
			  VFIO_REGION_INFO_FLAG_CAPS);
	} else if (i == VFIO_PCI_CONFIG_REGION_INDEX) {
		ri->size = 256;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	}
	return 0;
}

static const uint32_t irq_counts[5] = {1, 1, 0, 1, 1};

static void raise_irq(struct mock_device *d)
{
	uint64_t one = 1;
	int efd = d->irq_efd[VFIO_PCI_MSI_IRQ_INDEX] >= 0 ? d->irq_efd[VFIO_PCI_MSI_IRQ_INDEX]
							  : d->irq_efd[VFIO_PCI_INTX_IRQ_INDEX];

	if (efd >= 0)
		(void)!write(efd, &one, sizeof(one));
}

static int set_irqs(struct mock_device *d, struct vfio_irq_set *s)
{
	uint32_t data = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint64_t one = 1;

	if (s->argsz < sizeof(*s) || s->index >= 5)
		return -EINVAL;
	if (s->start + s->count > irq_counts[s->index] &&
	    !(action == VFIO_IRQ_SET_ACTION_TRIGGER && data == VFIO_IRQ_SET_DATA_NONE && !s->count))
		return -EINVAL;
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER && data == VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd;

		if (s->argsz < sizeof(*s) + sizeof(int32_t) * s->count || s->count != 1)
			return -EINVAL;
		memcpy(&fd, s->data, sizeof(fd));
		/* vfio_pci_set_irqs_ioctl(): INTx and MSI are exclusive. */
		if (s->index == VFIO_PCI_INTX_IRQ_INDEX && d->irq_efd[VFIO_PCI_MSI_IRQ_INDEX] >= 0)
			return -EINVAL;
		if (s->index == VFIO_PCI_MSI_IRQ_INDEX && d->irq_efd[VFIO_PCI_INTX_IRQ_INDEX] >= 0)
			return -EINVAL;
		if (d->irq_efd[s->index] >= 0)
			close(d->irq_efd[s->index]);
		d->irq_efd[s->index] = -1;
		if (fd >= 0) {
			/* The kernel holds a reference on the eventfd (eventfd_ctx_fdget()). */
			d->irq_efd[s->index] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			if (d->irq_efd[s->index] < 0)
				return -EBADF;
		}
		return 0;
	}
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER && data == VFIO_IRQ_SET_DATA_NONE) {
		if (!s->count) {
			if (d->irq_efd[s->index] >= 0)
				close(d->irq_efd[s->index]);
			d->irq_efd[s->index] = -1;
			return 0;
		}
		if (d->irq_efd[s->index] < 0)
			return -EINVAL;
		(void)!write(d->irq_efd[s->index], &one, sizeof(one));
		return 0;
	}
	if (action == VFIO_IRQ_SET_ACTION_UNMASK && data == VFIO_IRQ_SET_DATA_NONE) {
		if (s->index != VFIO_PCI_INTX_IRQ_INDEX)
			return -EINVAL;
		d->unmasks[s->index]++;
		return 0;
	}
	if (action == VFIO_IRQ_SET_ACTION_MASK && data == VFIO_IRQ_SET_DATA_NONE)
		return s->index == VFIO_PCI_INTX_IRQ_INDEX ? 0 : -EINVAL;
	return -EINVAL;
}

static int device_ioctl(struct mock_device *d, unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info *di = arg;

		if (di->argsz < offsetof(struct vfio_device_info, cap_offset))
			return -EINVAL;
		di->flags = VFIO_DEVICE_FLAGS_PCI | (d->has_reset ? VFIO_DEVICE_FLAGS_RESET : 0);
		di->num_regions = VFIO_PCI_NUM_REGIONS;
		di->num_irqs = VFIO_PCI_NUM_IRQS;
		return 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO:
		return region_info(d, arg);
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info *ii = arg;

		if (ii->argsz < sizeof(*ii) || ii->index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		ii->count = irq_counts[ii->index];
		ii->flags = ii->count ? VFIO_IRQ_INFO_EVENTFD : 0;
		if (ii->index == VFIO_PCI_INTX_IRQ_INDEX)
			ii->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
		else if (ii->count)
			ii->flags |= VFIO_IRQ_INFO_NORESIZE;
		return 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return set_irqs(d, arg);
	case VFIO_DEVICE_RESET:
		/* vfio_pci_core.c: -EINVAL without a reset method. */
		if (!d->has_reset)
			return -EINVAL;
		d->live = d->fact = d->status = d->irq_status = 0;
		return 0;
	default:
		return -ENOTTY;
	}
}

static int m_ioctl(int fd, unsigned long req, void *arg)
{
	struct obj *o;

	mock.ioctls++;
	if (inject(MOCK_IOCTL))
		return -EIO;
	if ((o = obj_of(fd, OBJ_CONTAINER)))
		return container_ioctl(req, arg);
	if ((o = obj_of(fd, OBJ_GROUP)))
		return group_ioctl(o, req, arg);
	if ((o = obj_of(fd, OBJ_DEVICE)))
		return device_ioctl(o->dev, req, arg);
	return -ENOTTY;
}

static int m_ioctl_int(int fd, unsigned long req, unsigned long arg)
{
	mock.ioctls++;
	if (inject(MOCK_IOCTL))
		return -EIO;
	if (obj_of(fd, OBJ_CONTAINER))
		return container_ioctl_int(req, arg);
	return -ENOTTY;
}

static int m_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **out)
{
	struct obj *o = obj_of(fd, OBJ_DEVICE);
	uint64_t roff;
	void *p;

	if (inject(MOCK_MMAP))
		return -EIO;
	if (!o)
		return -ENODEV;
	/* BAR0 is region 0: its offsets are [0, REGION_OFFSET(1)). */
	if (off < 0 || (uint64_t)off >= REGION_OFFSET(1))
		return -EINVAL;
	roff = (uint64_t)off;
	/* Only the sparse areas may be mapped. */
	if (roff + len > BAR0_SIZE || (roff < 0x2000 && roff + len > 0x1000))
		return -EINVAL;
	p = mmap(addr, len, prot, flags, bar_memfd, (off_t)roff);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int m_munmap(void *addr, size_t len)
{
	return munmap(addr, len) ? -errno : 0;
}

static uint32_t bar0_read(struct mock_device *d, uint64_t off)
{
	switch (off) {
	case 0x00:
		return MOCK_EDU_IDENT;
	case 0x04:
		return ~d->live;
	case 0x08:
		return d->fact;
	case 0x20:
		return d->status;
	case 0x24:
		return d->irq_status;
	default:
		return 0;
	}
}

static void bar0_write(struct mock_device *d, uint64_t off, uint32_t v)
{
	uint32_t f = 1;

	switch (off) {
	case 0x04:
		d->live = v;
		break;
	case 0x08:
		while (v > 1)
			f *= v--;
		d->fact = f;
		break;
	case 0x20:
		d->status = v;
		break;
	case 0x60:
		d->irq_status |= v;
		raise_irq(d);
		break;
	case 0x64:
		d->irq_status &= ~v;
		break;
	}
}

static ssize_t dev_rw(struct mock_device *d, void *buf, size_t len, uint64_t off, bool write)
{
	uint64_t idx = off >> REGION_SHIFT;
	uint64_t roff = off & (REGION_OFFSET(1) - 1);

	if (idx == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (roff >= 256)
			return 0;
		if (len > 256 - roff)
			len = 256 - roff;
		if (write) {
			/* IDs are read-only; the rest is plain storage here. */
			size_t i;

			for (i = 0; i < len; i++)
				if (roff + i >= PCI_COMMAND)
					d->config[roff + i] = ((const uint8_t *)buf)[i];
		} else {
			memcpy(buf, d->config + roff, len);
		}
		return (ssize_t)len;
	}
	if (idx == VFIO_PCI_BAR0_REGION_INDEX) {
		uint32_t v;

		if (len != 4 || (roff & 3) || roff >= BAR0_SIZE)
			return -EINVAL;
		if (write) {
			memcpy(&v, buf, 4);
			bar0_write(d, roff, v);
		} else {
			v = bar0_read(d, roff);
			memcpy(buf, &v, 4);
		}
		return 4;
	}
	return -EINVAL;
}

static ssize_t m_pread(int fd, void *buf, size_t len, off_t off)
{
	struct obj *o;

	if ((o = obj_of(fd, OBJ_ATTR))) {
		size_t n = strlen(o->text);

		if ((size_t)off >= n)
			return 0;
		n -= (size_t)off;
		if (n > len)
			n = len;
		memcpy(buf, o->text + off, n);
		return (ssize_t)n;
	}
	if (inject(MOCK_RW))
		return -EIO;
	if ((o = obj_of(fd, OBJ_DEVICE)))
		return dev_rw(o->dev, buf, len, (uint64_t)off, false);
	return -EBADF;
}

static ssize_t m_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct obj *o;

	if (inject(MOCK_RW))
		return -EIO;
	if ((o = obj_of(fd, OBJ_DEVICE)))
		return dev_rw(o->dev, (void *)buf, len, (uint64_t)off, true);
	return -EBADF;
}

static ssize_t put_link(char *buf, size_t size, const char *text)
{
	size_t n = strlen(text);

	if (!size)
		return -EINVAL;
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return (ssize_t)n;
}

static ssize_t m_readlink(const char *path, char *buf, size_t size)
{
	struct mock_device *d;
	const char *rest;
	char link[128];

	if (inject(MOCK_SYSFS))
		return -EIO;
	d = sysfs_dev(path, &rest);
	if (!d)
		return -ENOENT;
	if (!strcmp(rest, "iommu_group")) {
		if (d->group < 0)
			return -ENOENT;
		snprintf(link, sizeof(link), "../../../kernel/iommu_groups/%d", d->group);
		return put_link(buf, size, link);
	}
	if (!strcmp(rest, "driver")) {
		if (!d->driver[0])
			return -ENOENT;
		snprintf(link, sizeof(link), "../../../bus/pci/drivers/%s", d->driver);
		return put_link(buf, size, link);
	}
	return -EINVAL;
}

static int m_access(const char *path, int mode)
{
	struct mock_device *d;
	const char *rest;

	(void)mode;
	if (inject(MOCK_SYSFS))
		return -EIO;
	if (!strcmp(path, "/dev/vfio/vfio"))
		return mock.no_container_node ? -ENOENT : 0;
	if (!strcmp(path, "/sys/bus/pci/drivers/vfio-pci"))
		return mock.no_vfio_pci ? -ENOENT : 0;
	d = sysfs_dev(path, &rest);
	if (d && !rest[0])
		return 0;
	/* No iommufd, no cdev: the Debian 6.1 kernel of the guest rig. */
	return -ENOENT;
}

static int m_list_dir(const char *path, int (*fn)(void *arg, const char *name), void *arg)
{
	unsigned int i;
	int g;
	int ret;

	if (inject(MOCK_SYSFS))
		return -EIO;
	if (!strcmp(path, "/sys/bus/pci/drivers/vfio-pci")) {
		ret = fn(arg, "bind");
		if (ret)
			return ret;
		for (i = 0; i < mock.ndev; i++) {
			if (strcmp(mock.dev[i].driver, "vfio-pci"))
				continue;
			ret = fn(arg, mock.dev[i].bdf);
			if (ret)
				return ret;
		}
		return fn(arg, "new_id");
	}
	{
		struct mock_device *d;
		const char *rest;

		/* Linux 6.1+: a vfio-dev/vfioN node whether or not cdevs exist. */
		d = sysfs_dev(path, &rest);
		if (d && !strcmp(rest, "vfio-dev") && uvfio_kernel_is_vfio_driver(d->driver)) {
			char name[16];

			snprintf(name, sizeof(name), "vfio%d", (int)(d - mock.dev));
			return fn(arg, name);
		}
	}
	if (sscanf(path, "/sys/kernel/iommu_groups/%d/devices", &g) == 1) {
		for (i = 0; i < mock.ndev; i++) {
			if (mock.dev[i].group != g)
				continue;
			ret = fn(arg, mock.dev[i].bdf);
			if (ret)
				return ret;
		}
		return 0;
	}
	return -ENOENT;
}

const struct uvfio_sys_ops mock_sys = {
	.version = UVFIO_SYS_OPS_VERSION,
	.open = m_open,
	.close = m_close,
	.ioctl = m_ioctl,
	.ioctl_int = m_ioctl_int,
	.mmap = m_mmap,
	.munmap = m_munmap,
	.pread = m_pread,
	.pwrite = m_pwrite,
	.readlink = m_readlink,
	.access = m_access,
};

void mock_install(struct uvfio_container *c)
{
	uvfio_container_set_sys_ops(c, &mock_sys);
	uvfio_kernel_set_list_dir(m_list_dir);
}

void mock_uninstall(void)
{
	uvfio_kernel_set_list_dir(NULL);
}

int mock_count_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

int mock_count_bar_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "uvfio-mock-bar"))
			n++;
	fclose(f);
	return n;
}
