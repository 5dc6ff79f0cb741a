// SPDX-License-Identifier: MIT
/*
 * kernel.c - the kernel VFIO backend: vfio-pci devices through the type1
 * container/group/device API of /dev/vfio (Documentation/driver-api/vfio.rst;
 * docs/linux-vfio.md §1, §3, §8).
 *
 * One kernel container (/dev/vfio/vfio) per struct uvfio_container, opened
 * when its first kernel device joins and closed with the last one.  Every
 * kernel device's IOMMU group is attached to it (VFIO_GROUP_SET_CONTAINER);
 * a group is opened once however many of its devices are open, because the
 * kernel allows one open of /dev/vfio/N.  The container is one DMA domain for
 * the core: buffers are mapped with VFIO_IOMMU_MAP_DMA, at IOVAs the core's
 * allocator takes from the ranges VFIO_IOMMU_GET_INFO reports.
 *
 * Every system call goes through c->sys (struct uvfio_sys_ops), the seam the
 * unit tests put a mock /dev/vfio behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kernel.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"
#define IOMMUFD_PATH "/dev/iommu"

/*
 * A capability chain longer than this is not a reply any kernel sends
 * (region and IOMMU info chains are a few hundred bytes): refuse to allocate.
 */
#define MAX_INFO_SIZE (64 * 1024)

struct kgroup {
	int id;
	int fd;
	unsigned int refs;
	struct kgroup *next;
};

/**
 * struct kcontainer - c->kernel.
 * @c: the container.
 * @sys: system calls (c->sys when the first device joined).
 * @fd: /dev/vfio/vfio, or -1 while no kernel device is open.
 * @iommu_type: VFIO_TYPE1v2_IOMMU / VFIO_TYPE1_IOMMU once VFIO_SET_IOMMU
 *              succeeded; its negative while chosen (CHECK_EXTENSION) but not
 *              set (no group attached yet); 0 while @fd is closed.
 * @ndevices: open kernel devices.
 * @groups: attached groups.
 * @dom, @dom_linked: the type1 domain while the IOMMU is set.
 * @info: what VFIO_IOMMU_GET_INFO said (@dom.ranges points into it).
 * @prev: @info before the last group joined (refresh_domain()).
 */
struct kcontainer {
	struct uvfio_container *c;
	const struct uvfio_sys_ops *sys;
	int fd;
	int iommu_type;
	unsigned int ndevices;
	struct kgroup *groups;
	struct uvfio_dma_domain dom;
	bool dom_linked;
	struct uvfio_kernel_iommu_info info;
	struct uvfio_kernel_iommu_info prev;
};

struct kdev {
	struct kcontainer *kc;
	struct kgroup *group;
	int fd;
	uint32_t flags; /* VFIO_DEVICE_GET_INFO flags */
	char bdf[UVFIO_KERNEL_BDF_MAX];
};

static const struct uvfio_backend_ops kernel_ops;

static const char *iommu_type_name(int type)
{
	return type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1";
}

/*
 * ---------------------------------------------------------------------------
 * The type1 DMA domain.
 * ---------------------------------------------------------------------------
 */

static int kdom_map(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size, void *vaddr,
		    int fd, uint64_t fd_offset, uint32_t prot)
{
	struct kcontainer *kc = dom->priv;
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = prot & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	int ret;

	/* type1 pins the pages behind @vaddr; the memfd is not needed. */
	(void)fd;
	(void)fd_offset;
	ret = kc->sys->ioctl(kc->fd, VFIO_IOMMU_MAP_DMA, &map);
	if (ret >= 0)
		return 0;
	switch (ret) {
	case -ENOMEM:
		/* vfio_iommu_type1.c: vfio_pin_pages_remote() checks RLIMIT_MEMLOCK. */
		return uvfio_fail(ret,
				  "VFIO_IOMMU_MAP_DMA of 0x%" PRIx64 " bytes at IOVA 0x%" PRIx64
				  ": out of memory, or over the locked-memory limit "
				  "(RLIMIT_MEMLOCK: raise it with ulimit -l, or run as root)",
				  size, iova);
	case -ENOSPC:
		return uvfio_fail(ret,
				  "VFIO_IOMMU_MAP_DMA at IOVA 0x%" PRIx64
				  ": too many mappings (vfio_iommu_type1 dma_entry_limit)",
				  iova);
	case -EEXIST:
		return uvfio_fail(ret,
				  "VFIO_IOMMU_MAP_DMA at IOVA 0x%" PRIx64
				  ": overlaps an existing mapping",
				  iova);
	default:
		return uvfio_fail(ret,
				  "VFIO_IOMMU_MAP_DMA of 0x%" PRIx64 " bytes at IOVA 0x%" PRIx64
				  " failed: %s",
				  size, iova, strerror(-ret));
	}
}

static int kdom_unmap(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size)
{
	struct kcontainer *kc = dom->priv;
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};
	int ret;

	ret = kc->sys->ioctl(kc->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (ret < 0)
		return uvfio_fail(ret, "VFIO_IOMMU_UNMAP_DMA at IOVA 0x%" PRIx64 " failed: %s",
				  iova, strerror(-ret));
	/* type1 v2 returns the bytes it unmapped in size (linux/vfio.h). */
	if (unmap.size != size)
		return uvfio_fail(-EIO,
				  "VFIO_IOMMU_UNMAP_DMA at IOVA 0x%" PRIx64
				  " unmapped 0x%llx of 0x%" PRIx64 " bytes",
				  iova, (unsigned long long)unmap.size, size);
	return 0;
}

static const struct uvfio_dma_domain_ops kdom_ops = {
	.version = UVFIO_DMA_DOMAIN_OPS_VERSION,
	.map = kdom_map,
	.unmap = kdom_unmap,
};

/*
 * query_iommu() - VFIO_IOMMU_GET_INFO, asked twice as the capability chain
 * requires: the first reply raises argsz to the size it needs
 * (linux/vfio.h: "struct vfio_info_cap_header").
 */
static int query_iommu(struct kcontainer *kc, struct uvfio_kernel_iommu_info *info)
{
	struct vfio_iommu_type1_info *ii;
	size_t sz = sizeof(*ii);
	int tries;
	int ret;

	for (tries = 0; tries < 3; tries++) {
		ii = calloc(1, sz);
		if (!ii)
			return uvfio_fail(-ENOMEM, "out of memory");
		ii->argsz = (uint32_t)sz;
		ret = kc->sys->ioctl(kc->fd, VFIO_IOMMU_GET_INFO, ii);
		if (ret < 0) {
			free(ii);
			return uvfio_fail(ret, "VFIO_IOMMU_GET_INFO failed: %s", strerror(-ret));
		}
		if (ii->argsz > sz) {
			uint32_t want = ii->argsz;

			free(ii);
			if (want > MAX_INFO_SIZE)
				return uvfio_fail(
					-EPROTO,
					"VFIO_IOMMU_GET_INFO wants %u bytes: not believable", want);
			sz = want;
			continue;
		}
		ret = uvfio_kernel_parse_iommu_info(ii, sz, info);
		free(ii);
		if (ret)
			return uvfio_fail(ret, "VFIO_IOMMU_GET_INFO: malformed capability chain");
		return 0;
	}
	return uvfio_fail(-EPROTO, "VFIO_IOMMU_GET_INFO keeps growing its reply");
}

static int link_domain(struct kcontainer *kc)
{
	kc->dom.ops = &kdom_ops;
	kc->dom.priv = kc;
	kc->dom.name = "kernel type1 container";
	kc->dom.ranges = kc->info.ranges;
	kc->dom.nr_ranges = kc->info.nr_ranges;
	kc->dom.pgsizes = kc->info.pgsizes;
	kc->dom.max_maps = kc->info.has_dma_avail ? kc->info.dma_avail : 0;
	kc->dom.nr_maps = 0;
	kc->dom.container = NULL;
	kc->dom.next = NULL;
	return uvfio_container_add_domain(kc->c, &kc->dom);
}

static void unlink_domain(struct kcontainer *kc, bool unmap)
{
	if (kc->dom_linked) {
		uvfio_container_del_domain(&kc->dom, unmap);
		kc->dom_linked = false;
	}
}

static bool same_ranges(const struct uvfio_kernel_iommu_info *a,
			const struct uvfio_kernel_iommu_info *b)
{
	return a->nr_ranges == b->nr_ranges && a->pgsizes == b->pgsizes &&
	       !memcmp(a->ranges, b->ranges, a->nr_ranges * sizeof(a->ranges[0]));
}

/*
 * refresh_domain() - a group joined a container whose IOMMU was already set:
 * its reserved regions may have cut the usable IOVA ranges
 * (vfio_iommu_type1.c: vfio_iommu_resv_exclude()).  Re-link the domain with
 * the new ranges, which re-checks every mapped buffer against them.  On
 * failure the domain is left unlinked and kc->prev holds the old info, for
 * restore_domain() once the group is out again.
 */
static int refresh_domain(struct kcontainer *kc)
{
	struct uvfio_kernel_iommu_info *info;
	int ret;

	info = malloc(sizeof(*info));
	if (!info)
		return uvfio_fail(-ENOMEM, "out of memory");
	ret = query_iommu(kc, info);
	if (ret)
		goto out_free;
	if (same_ranges(info, &kc->info))
		goto out_free;
	uvfio_log(kc->c, LOG_INFO, "kernel: a new IOMMU group changed the IOVA ranges: re-mapping");
	unlink_domain(kc, true);
	kc->prev = kc->info;
	kc->info = *info;
	ret = link_domain(kc);
	if (ret)
		goto out_free;
	kc->dom_linked = true;
out_free:
	free(info);
	return ret;
}

/*
 * restore_domain() - the group that made refresh_domain() fail is out of the
 * container: link the domain again with the ranges it had, so the devices
 * already open keep their mappings.  uvfio_last_error() keeps the failure.
 */
static void restore_domain(struct kcontainer *kc)
{
	char msg[512];

	if (kc->dom_linked || !kc->groups)
		return;
	snprintf(msg, sizeof(msg), "%s", uvfio_last_error());
	kc->info = kc->prev;
	if (link_domain(kc) == 0)
		kc->dom_linked = true;
	else
		uvfio_log(kc->c, LOG_ERR, "kernel: DMA mappings lost: %s", uvfio_last_error());
	uvfio_set_error("%s", msg);
}

/*
 * ---------------------------------------------------------------------------
 * Container and groups.
 * ---------------------------------------------------------------------------
 */

static void kcontainer_release(struct uvfio_container *c)
{
	struct kcontainer *kc = c->kernel;

	if (!kc)
		return;
	/* Every kernel device closed already, so fd and groups are gone. */
	if (kc->fd >= 0)
		kc->sys->close(kc->fd);
	free(kc);
	c->kernel = NULL;
	c->kernel_release = NULL;
}

static int kcontainer_get(struct uvfio_container *c, struct kcontainer **out)
{
	struct kcontainer *kc = c->kernel;

	if (!kc) {
		kc = calloc(1, sizeof(*kc));
		if (!kc)
			return uvfio_fail(-ENOMEM, "out of memory");
		kc->c = c;
		kc->fd = -1;
		c->kernel = kc;
		c->kernel_release = kcontainer_release;
	}
	if (kc->fd < 0)
		kc->sys = c->sys;
	*out = kc;
	return 0;
}

/*
 * container_open() - open /dev/vfio/vfio if this is the first kernel device,
 * and pick the IOMMU type it offers (TYPE1v2, else TYPE1).
 */
static int container_open(struct kcontainer *kc)
{
	const struct uvfio_sys_ops *sys = kc->sys;
	int fd;
	int ret;

	if (kc->fd >= 0)
		return 0;
	fd = sys->open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
		return uvfio_fail(-ENOENT, VFIO_CONTAINER_PATH
				  " does not exist: the vfio modules are not "
				  "loaded; load them as root with: modprobe vfio-pci");
	if (fd == -EACCES || fd == -EPERM)
		return uvfio_fail(
			fd, VFIO_CONTAINER_PATH
			" is not accessible (permission denied): "
			"run as root, or let this user open it (chmod 0666 " VFIO_CONTAINER_PATH
			")");
	if (fd < 0)
		return uvfio_fail(fd, "cannot open " VFIO_CONTAINER_PATH ": %s", strerror(-fd));

	ret = sys->ioctl_int(fd, VFIO_GET_API_VERSION, 0);
	if (ret < 0) {
		uvfio_fail(ret, "VFIO_GET_API_VERSION failed: %s", strerror(-ret));
		goto err_close;
	}
	if (ret != VFIO_API_VERSION) {
		ret = uvfio_fail(-EINVAL, "unknown VFIO API version %d (this library knows %d)",
				 ret, VFIO_API_VERSION);
		goto err_close;
	}
	/* linux/vfio.h: CHECK_EXTENSION returns > 0 when the type is supported. */
	ret = sys->ioctl_int(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	if (ret < 0) {
		uvfio_fail(ret, "VFIO_CHECK_EXTENSION failed: %s", strerror(-ret));
		goto err_close;
	}
	if (ret > 0) {
		kc->iommu_type = -VFIO_TYPE1v2_IOMMU; /* chosen, not yet set */
	} else {
		ret = sys->ioctl_int(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU);
		if (ret < 0) {
			uvfio_fail(ret, "VFIO_CHECK_EXTENSION failed: %s", strerror(-ret));
			goto err_close;
		}
		if (ret == 0) {
			ret = uvfio_fail(
				-ENOTSUP,
				"the kernel offers no type1 IOMMU backend for VFIO; load it "
				"as root with: modprobe vfio_iommu_type1");
			goto err_close;
		}
		kc->iommu_type = -VFIO_TYPE1_IOMMU;
	}
	kc->fd = fd;
	return 0;

err_close:
	sys->close(fd);
	kc->iommu_type = 0;
	return ret;
}

/* container_put() - close the container when no kernel device is left. */
static void container_put(struct kcontainer *kc)
{
	if (kc->ndevices || kc->groups || kc->fd < 0)
		return;
	/* Closing the container drops every mapping: no unmap needed. */
	unlink_domain(kc, false);
	kc->sys->close(kc->fd);
	kc->fd = -1;
	kc->iommu_type = 0;
}

static int explain_eperm_iommu(int ret, const char *what)
{
	/*
	 * vfio_iommu_type1.c: vfio_iommu_type1_attach_group() returns -EPERM
	 * when the IOMMU cannot isolate MSIs ("No interrupt remapping support.
	 * Use the module param "allow_unsafe_interrupts" ...").
	 */
	return uvfio_fail(
		ret,
		"%s refused (EPERM): the IOMMU has no interrupt remapping, so the device "
		"could forge interrupts; enable interrupt remapping (IRQ remapping in the "
		"firmware/kernel), or accept the risk with the vfio_iommu_type1 module "
		"parameter allow_unsafe_interrupts=1 (modprobe vfio_iommu_type1 "
		"allow_unsafe_interrupts=1, or echo 1 > "
		"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts)",
		what);
}

static void group_put(struct kcontainer *kc, struct kgroup *g)
{
	struct kgroup **pp;

	if (--g->refs)
		return;
	for (pp = &kc->groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	if (!kc->groups) {
		unlink_domain(kc, false);
		/*
		 * vfio.rst: the last group out of a container tears its IOMMU
		 * down; a new first group must VFIO_SET_IOMMU again.
		 */
		if (kc->iommu_type > 0)
			kc->iommu_type = -kc->iommu_type;
	}
	/* The kernel also unsets the container when the group fd closes. */
	kc->sys->ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
	kc->sys->close(g->fd);
	free(g);
}

/*
 * set_iommu() - the first group is attached: VFIO_SET_IOMMU, then ask for the
 * IOMMU's ranges and page sizes and link the domain (which maps every buffer
 * allocated so far).
 */
static int set_iommu(struct kcontainer *kc)
{
	int type = -kc->iommu_type;
	int ret;

	ret = kc->sys->ioctl_int(kc->fd, VFIO_SET_IOMMU, (unsigned long)type);
	if (ret == -EPERM)
		return explain_eperm_iommu(ret, "VFIO_SET_IOMMU");
	if (ret < 0)
		return uvfio_fail(ret, "VFIO_SET_IOMMU %s failed: %s", iommu_type_name(type),
				  strerror(-ret));
	kc->iommu_type = type;
	ret = query_iommu(kc, &kc->info);
	if (ret)
		return ret;
	ret = link_domain(kc);
	if (ret)
		return ret;
	kc->dom_linked = true;
	uvfio_log(kc->c, LOG_INFO,
		  "kernel: VFIO container with IOMMU %s, page sizes 0x%" PRIx64
		  ", %u IOVA range(s), %s%u mappings available",
		  iommu_type_name(type), kc->info.pgsizes, kc->info.nr_ranges,
		  kc->info.has_dma_avail ? "" : "unknown: ", kc->info.dma_avail);
	return 0;
}

static int group_get(struct kcontainer *kc, int id, struct kgroup **out)
{
	const struct uvfio_sys_ops *sys = kc->sys;
	struct vfio_group_status status = {.argsz = sizeof(status)};
	char path[64];
	struct kgroup *g;
	bool first = !kc->groups;
	int ret;

	for (g = kc->groups; g; g = g->next) {
		if (g->id == id) {
			g->refs++;
			*out = g;
			return 0;
		}
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return uvfio_fail(-ENOMEM, "out of memory");
	g->id = id;
	g->refs = 1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	g->fd = sys->open(path, O_RDWR | O_CLOEXEC);
	if (g->fd < 0) {
		ret = g->fd;
		if (ret == -EACCES || ret == -EPERM)
			uvfio_fail(
				ret,
				"%s is not accessible (permission denied): run as root, or give "
				"this user the group's device node (chown USER %s, or chmod 0660 "
				"%s with a group the user is in)",
				path, path, path);
		else if (ret == -EBUSY)
			uvfio_fail(ret,
				   "%s is busy: IOMMU group %d is already open in another process "
				   "or another uvfio container (the kernel allows one user per "
				   "group)",
				   path, id);
		else if (ret == -ENOENT)
			uvfio_fail(ret,
				   "%s does not exist: no device of IOMMU group %d is bound to "
				   "vfio-pci",
				   path, id);
		else
			uvfio_fail(ret, "cannot open %s: %s", path, strerror(-ret));
		goto err_free;
	}
	ret = sys->ioctl(g->fd, VFIO_GROUP_GET_STATUS, &status);
	if (ret < 0) {
		uvfio_fail(ret, "VFIO_GROUP_GET_STATUS on %s failed: %s", path, strerror(-ret));
		goto err_close;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = uvfio_kernel_explain_not_viable(sys, id, -EBUSY);
		goto err_close;
	}
	ret = sys->ioctl(g->fd, VFIO_GROUP_SET_CONTAINER, &kc->fd);
	if (ret == -EPERM) {
		explain_eperm_iommu(ret, "VFIO_GROUP_SET_CONTAINER");
		goto err_close;
	}
	if (ret < 0) {
		uvfio_fail(ret, "VFIO_GROUP_SET_CONTAINER of %s failed: %s", path, strerror(-ret));
		goto err_close;
	}
	g->next = kc->groups;
	kc->groups = g;
	if (first)
		ret = set_iommu(kc);
	else
		ret = refresh_domain(kc);
	if (ret) {
		kc->groups = g->next;
		sys->ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
		if (!kc->groups) {
			unlink_domain(kc, false);
			/* The last group out resets the container's IOMMU. */
			if (kc->iommu_type > 0)
				kc->iommu_type = -kc->iommu_type;
		} else {
			restore_domain(kc);
		}
		goto err_close;
	}
	*out = g;
	return 0;

err_close:
	sys->close(g->fd);
err_free:
	free(g);
	return ret;
}

/*
 * ---------------------------------------------------------------------------
 * Device operations.
 * ---------------------------------------------------------------------------
 */

static int kdev_get_info(struct uvfio_device *d, struct uvfio_device_info *info)
{
	struct kdev *kd = d->priv;
	struct vfio_device_info di = {.argsz = sizeof(di)};
	int ret;

	ret = kd->kc->sys->ioctl(kd->fd, VFIO_DEVICE_GET_INFO, &di);
	if (ret < 0)
		return uvfio_fail(ret, "%s: VFIO_DEVICE_GET_INFO failed: %s", kd->bdf,
				  strerror(-ret));
	info->flags = di.flags;
	info->num_regions = di.num_regions;
	info->num_irqs = di.num_irqs;
	kd->flags = di.flags;
	return 0;
}

static int kdev_get_region_info(struct uvfio_device *d, uint32_t index,
				struct vfio_region_info **out, size_t *len, int *fd)
{
	struct kdev *kd = d->priv;
	struct vfio_region_info *ri;
	size_t sz = sizeof(*ri);
	int tries;
	int ret;

	*fd = -1;
	for (tries = 0; tries < 3; tries++) {
		ri = calloc(1, sz);
		if (!ri)
			return uvfio_fail(-ENOMEM, "out of memory");
		ri->argsz = (uint32_t)sz;
		ri->index = index;
		ret = kd->kc->sys->ioctl(kd->fd, VFIO_DEVICE_GET_REGION_INFO, ri);
		if (ret < 0) {
			free(ri);
			return uvfio_fail(ret, "%s: VFIO_DEVICE_GET_REGION_INFO %u failed: %s",
					  kd->bdf, index, strerror(-ret));
		}
		/* A capability chain that did not fit: argsz says how much it needs. */
		if (ri->argsz > sz) {
			uint32_t want = ri->argsz;

			free(ri);
			if (want > MAX_INFO_SIZE)
				return uvfio_fail(
					-EPROTO,
					"%s: region %u info wants %u bytes: not believable",
					kd->bdf, index, want);
			sz = want;
			continue;
		}
		*out = ri;
		*len = sz;
		return 0;
	}
	return uvfio_fail(-EPROTO, "%s: region %u info keeps growing", kd->bdf, index);
}

static int kdev_region_read(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			    void *buf, size_t len)
{
	struct kdev *kd = d->priv;
	size_t done = 0;

	while (done < len) {
		ssize_t n = kd->kc->sys->pread(kd->fd, (char *)buf + done, len - done,
					       (off_t)(r->fd_offset + off + done));
		if (n < 0)
			return uvfio_fail((int)n, "%s: reading region %u at 0x%" PRIx64 ": %s",
					  kd->bdf, r->info.index, off + done, strerror((int)-n));
		if (n == 0)
			return uvfio_fail(-EIO, "%s: reading region %u at 0x%" PRIx64 ": no data",
					  kd->bdf, r->info.index, off + done);
		done += (size_t)n;
	}
	return 0;
}

static int kdev_region_write(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			     const void *buf, size_t len, bool posted)
{
	struct kdev *kd = d->priv;
	size_t done = 0;

	/* The kernel's MMIO writes are posted by the hardware anyway. */
	(void)posted;
	while (done < len) {
		ssize_t n = kd->kc->sys->pwrite(kd->fd, (const char *)buf + done, len - done,
						(off_t)(r->fd_offset + off + done));
		if (n < 0)
			return uvfio_fail((int)n, "%s: writing region %u at 0x%" PRIx64 ": %s",
					  kd->bdf, r->info.index, off + done, strerror((int)-n));
		if (n == 0)
			return uvfio_fail(-EIO, "%s: writing region %u at 0x%" PRIx64 ": refused",
					  kd->bdf, r->info.index, off + done);
		done += (size_t)n;
	}
	return 0;
}

static int kdev_region_mmap(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			    size_t len, int prot, void *addr)
{
	struct kdev *kd = d->priv;
	void *p;
	int ret;

	ret = kd->kc->sys->mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, kd->fd,
				(off_t)(r->fd_offset + off), &p);
	if (ret)
		return uvfio_fail(ret, "%s: mmap of region %u at 0x%" PRIx64 " failed: %s", kd->bdf,
				  r->info.index, off, strerror(-ret));
	return 0;
}

static int kdev_get_irq_info(struct uvfio_device *d, struct vfio_irq_info *info)
{
	struct kdev *kd = d->priv;
	int ret;

	ret = kd->kc->sys->ioctl(kd->fd, VFIO_DEVICE_GET_IRQ_INFO, info);
	if (ret < 0)
		return uvfio_fail(ret, "%s: VFIO_DEVICE_GET_IRQ_INFO %u failed: %s", kd->bdf,
				  info->index, strerror(-ret));
	return 0;
}

static int kdev_set_irqs(struct uvfio_device *d, const struct vfio_irq_set *set, const void *data)
{
	struct kdev *kd = d->priv;
	struct vfio_irq_set *buf;
	size_t dlen;
	int ret;

	if (set->argsz < sizeof(*set) || set->argsz > MAX_INFO_SIZE)
		return uvfio_fail(-EINVAL, "SET_IRQS: bad argsz %u", set->argsz);
	dlen = set->argsz - sizeof(*set);
	if (dlen && !data)
		return uvfio_fail(-EINVAL, "SET_IRQS: argsz %u but no data", set->argsz);
	buf = malloc(set->argsz);
	if (!buf)
		return uvfio_fail(-ENOMEM, "out of memory");
	memcpy(buf, set, sizeof(*set));
	if (dlen)
		memcpy(buf->data, data, dlen);
	ret = kd->kc->sys->ioctl(kd->fd, VFIO_DEVICE_SET_IRQS, buf);
	free(buf);
	if (ret < 0)
		return uvfio_fail(ret,
				  "%s: VFIO_DEVICE_SET_IRQS (index %u, start %u, count %u, "
				  "flags 0x%x) failed: %s",
				  kd->bdf, set->index, set->start, set->count, set->flags,
				  strerror(-ret));
	return 0;
}

static int kdev_reset(struct uvfio_device *d)
{
	struct kdev *kd = d->priv;
	int ret;

	/*
	 * vfio_pci_core.c: VFIO_DEVICE_RESET returns -EINVAL when the device
	 * has no reset method; say -ENOTTY (driver.h) and why.
	 */
	if (!(kd->flags & VFIO_DEVICE_FLAGS_RESET))
		return uvfio_fail(-ENOTTY,
				  "%s has no reset method: VFIO reports no VFIO_DEVICE_FLAGS_RESET "
				  "(no FLR, PM reset or bus reset usable by vfio-pci)",
				  kd->bdf);
	ret = kd->kc->sys->ioctl(kd->fd, VFIO_DEVICE_RESET, NULL);
	if (ret < 0)
		return uvfio_fail(ret, "%s: VFIO_DEVICE_RESET failed: %s", kd->bdf, strerror(-ret));
	return 0;
}

static void kdev_close(struct uvfio_device *d)
{
	struct kdev *kd = d->priv;
	struct kcontainer *kc;

	if (!kd)
		return;
	kc = kd->kc;
	kc->sys->close(kd->fd);
	group_put(kc, kd->group);
	kc->ndevices--;
	container_put(kc);
	free(kd);
	d->priv = NULL;
}

static int kdev_poll_fd(struct uvfio_device *d)
{
	(void)d;
	return -1;
}

static int kdev_process(struct uvfio_device *d)
{
	(void)d;
	return 0;
}

static const struct uvfio_backend_ops kernel_ops = {
	.version = UVFIO_BACKEND_OPS_VERSION,
	.name = "kernel",
	.get_info = kdev_get_info,
	.get_region_info = kdev_get_region_info,
	.region_read = kdev_region_read,
	.region_write = kdev_region_write,
	.region_mmap = kdev_region_mmap,
	.get_irq_info = kdev_get_irq_info,
	.set_irqs = kdev_set_irqs,
	.reset = kdev_reset,
	.close = kdev_close,
	.poll_fd = kdev_poll_fd,
	.process = kdev_process,
};

/*
 * ---------------------------------------------------------------------------
 * Open.
 * ---------------------------------------------------------------------------
 */

struct vfio_dev_name {
	char name[32];
};

static int first_vfio_dev(void *arg, const char *name)
{
	struct vfio_dev_name *n = arg;

	if (strncmp(name, "vfio", 4) || strlen(name) >= sizeof(n->name))
		return 0;
	strcpy(n->name, name);
	return 1;
}

/*
 * cdev_path() - where @bdf's VFIO cdev would be: /dev/vfio/devices/vfioN,
 * N from /sys/bus/pci/devices/BDF/vfio-dev/vfioN.  That sysfs node exists
 * since Linux 6.1 whether or not the kernel has cdevs
 * (CONFIG_VFIO_DEVICE_CDEV, 6.6+), so only the /dev node tells.
 */
static void cdev_path(const char *bdf, char *path, size_t len)
{
	struct vfio_dev_name n = {.name = ""};
	char dir[128];

	if (bdf) {
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
		if (uvfio_kernel_list_dir(dir, first_vfio_dev, &n) == 1) {
			snprintf(path, len, "/dev/vfio/devices/%s", n.name);
			return;
		}
	}
	snprintf(path, len, "/dev/vfio/devices");
}

static unsigned int features(const struct uvfio_sys_ops *sys, const char *bdf, char *cdev,
			     size_t len)
{
	unsigned int f = 0;

	if (!sys->access(VFIO_CONTAINER_PATH, F_OK))
		f |= UVFIO_KERNEL_VFIO_CONTAINER;
	if (!sys->access(IOMMUFD_PATH, F_OK))
		f |= UVFIO_KERNEL_IOMMUFD;
	cdev_path(bdf, cdev, len);
	if (!sys->access(cdev, F_OK))
		f |= UVFIO_KERNEL_VFIO_CDEV;
	return f;
}

static void describe_features(unsigned int f, const char *cdev, char *text, size_t len)
{
	snprintf(text, len,
		 "VFIO container/group API (" VFIO_CONTAINER_PATH "): %s; iommufd (" IOMMUFD_PATH
		 "): %s; VFIO cdev (%s): %s",
		 f & UVFIO_KERNEL_VFIO_CONTAINER ? "present, used" : "absent (modprobe vfio-pci)",
		 f & UVFIO_KERNEL_IOMMUFD ? "present, not used yet (container API used)"
					  : "not supported by this kernel",
		 cdev,
		 f & UVFIO_KERNEL_VFIO_CDEV ? "present, not used yet (group API used)"
					    : "not supported by this kernel");
}

unsigned int uvfio_kernel_features(const char *bdf, char *text, size_t len)
{
	char norm[UVFIO_KERNEL_BDF_MAX];
	const char *b = NULL;
	char cdev[96];
	unsigned int f;

	if (bdf && !uvfio_kernel_parse_bdf(bdf, norm))
		b = norm;
	f = features(&uvfio_sys_default, b, cdev, sizeof(cdev));
	if (text && len)
		describe_features(f, cdev, text, len);
	return f;
}

int uvfio_kernel_backend_open(struct uvfio_device *d, const char *where)
{
	struct uvfio_container *c = d->container;
	struct kcontainer *kc = NULL;
	struct kdev *kd;
	char text[512];
	char cdev[96];
	int group;
	int ret;

	kd = calloc(1, sizeof(*kd));
	if (!kd)
		return uvfio_fail(-ENOMEM, "out of memory");
	kd->fd = -1;
	if (uvfio_kernel_parse_bdf(where, kd->bdf)) {
		ret = uvfio_fail(-EINVAL,
				 "\"%s\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F) nor a "
				 "vfio-user socket (unix:PATH)",
				 where);
		goto err_free;
	}
	ret = kcontainer_get(c, &kc);
	if (ret)
		goto err_free;
	kd->kc = kc;

	ret = uvfio_kernel_explain_open(kc->sys, kd->bdf, &group);
	if (ret)
		goto err_put;
	describe_features(features(kc->sys, kd->bdf, cdev, sizeof(cdev)), cdev, text, sizeof(text));
	uvfio_log(c, LOG_INFO, "kernel: %s: %s", kd->bdf, text);

	ret = container_open(kc);
	if (ret)
		goto err_put;
	ret = group_get(kc, group, &kd->group);
	if (ret)
		goto err_put;
	/* The device's own name in its group (vfio_group_get_device_fd()). */
	ret = kc->sys->ioctl(kd->group->fd, VFIO_GROUP_GET_DEVICE_FD, kd->bdf);
	if (ret < 0) {
		if (ret == -EBUSY)
			uvfio_fail(ret, "%s is already open (in this process or another)", kd->bdf);
		else
			uvfio_fail(ret, "VFIO_GROUP_GET_DEVICE_FD(%s) failed: %s", kd->bdf,
				   strerror(-ret));
		goto err_group;
	}
	kd->fd = ret;
	kc->ndevices++;
	/* The core asks VFIO_DEVICE_GET_INFO next, which also fills kd->flags. */
	d->ops = &kernel_ops;
	d->priv = kd;
	return 0;

err_group:
	group_put(kc, kd->group);
err_put:
	container_put(kc);
err_free:
	free(kd);
	return ret;
}
