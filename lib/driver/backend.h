/* SPDX-License-Identifier: MIT */
/*
 * lib/driver/backend.h - the seam between the driver library's core and its
 * transports (internal to uvfio).
 *
 * The core (lib/driver/{container,device,dma,iova,regioninfo,error}.c) owns
 * containers, the device object every backend shares, region caching and
 * mmap layout, the DMA buffer list and the IOVA allocator.  A backend brings
 * two tables:
 *
 *  - struct uvfio_backend_ops: the device-level operations of one transport
 *    (vfio-user: lib/driver/vfio_user.c; kernel vfio-pci: lib/driver/kernel*.c,
 *    written by the kernel-backend engineer; iommufd later).
 *  - struct uvfio_dma_domain_ops: one IOMMU address space that DMA buffers are
 *    mapped into.  The container keeps a list of domains; every buffer is
 *    mapped into every domain.  A kernel type1 container is ONE domain shared
 *    by all kernel devices of the container (the kernel backend creates it
 *    when the first kernel device joins and removes it with the last one);
 *    every vfio-user device is its own domain (each DMA map is sent to every
 *    server, with the memfd).  Buffers allocated before a domain joins are
 *    replayed onto it by uvfio_container_add_domain().
 *
 * Tables carry a version field, so a table built against an older header can
 * be recognised (docs/STYLE.md: "versioned method tables as the seam for
 * testing").  New members are only ever appended; the core checks the version
 * before calling a member newer than version 1.  A NULL member means "not
 * supported" and the core returns -ENOTSUP (or the errno documented below).
 *
 * Ownership map (who writes which file):
 *   - this header, container/device/iova/regioninfo/error/sys.c,
 *     vfio_user.c: the driver-library engineer.
 *   - kernel.c, kernel_*.c (container/group/device ioctls on /dev/vfio),
 *     loop.c, pcidrv.c: the kernel-backend engineer.
 *
 * Threading: as driver.h says, a container and its devices are used from
 * one thread at a time; nothing here takes locks.
 */
#ifndef UVFIO_DRIVER_BACKEND_H
#define UVFIO_DRIVER_BACKEND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

#include "uvfio/driver.h"

struct uvfio_dma_domain;
struct uvfio_region;

/* Version of the tables in this header; bump when appending members. */
#define UVFIO_BACKEND_OPS_VERSION 1
#define UVFIO_DMA_DOMAIN_OPS_VERSION 1
#define UVFIO_SYS_OPS_VERSION 1

/*
 * Log levels given to the container's log callback: syslog's LOG_ERR (3),
 * LOG_WARNING (4), LOG_INFO (6), LOG_DEBUG (7), from <syslog.h>.
 */

/*
 * ---------------------------------------------------------------------------
 * System-call seam.
 *
 * Every system call the kernel backend makes goes through the container's
 * sys ops, so unit tests can inject a mock /dev/vfio (and failures: "the Nth
 * ioctl returns -EIO").  Default: uvfio_sys_default (lib/driver/sys.c), thin
 * wrappers that return -errno instead of -1/errno.  The vfio-user backend
 * talks to sockets through lib/proto and does not use this table.
 *
 * The kernel-backend engineer may append members (bump the version).
 * ---------------------------------------------------------------------------
 */
struct uvfio_sys_ops {
	unsigned int version;
	/* open(2): fd or -errno. */
	int (*open)(const char *path, int flags);
	/* close(2): 0 or -errno. */
	int (*close)(int fd);
	/* ioctl(2) with a pointer or integer argument: result (>= 0) or -errno. */
	int (*ioctl)(int fd, unsigned long request, void *arg);
	int (*ioctl_int)(int fd, unsigned long request, unsigned long arg);
	/* mmap(2): 0 and *out, or -errno. */
	int (*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **out);
	int (*munmap)(void *addr, size_t len);
	/* pread(2)/pwrite(2): bytes or -errno (short counts are the caller's). */
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
	/* readlink(2) with NUL termination: length or -errno (sysfs iommu_group). */
	ssize_t (*readlink)(const char *path, char *buf, size_t size);
	/* access(2): 0 or -errno. */
	int (*access)(const char *path, int mode);
};

extern const struct uvfio_sys_ops uvfio_sys_default;

/**
 * uvfio_container_set_sys_ops() - replace the system-call table (tests).
 * @c: a container with no device yet.
 * @ops: the table; must outlive @c.  NULL restores uvfio_sys_default.
 * Return: 0, -EBUSY (devices already open), -EINVAL (version 0).
 */
int uvfio_container_set_sys_ops(struct uvfio_container *c, const struct uvfio_sys_ops *ops);

/*
 * ---------------------------------------------------------------------------
 * DMA domains.
 * ---------------------------------------------------------------------------
 */

/**
 * struct uvfio_dma_domain_ops - one IOMMU address space.
 * @version: UVFIO_DMA_DOMAIN_OPS_VERSION.
 * @map: make [@iova, @iova + @size) reach @vaddr.  @fd is the memfd backing
 *       the buffer and @fd_offset the buffer's offset in it, or -1 and 0 for
 *       a UVFIO_DMA_NO_FD buffer (the domain must then serve accesses from
 *       @vaddr itself).  The kernel type1 domain ignores @fd and maps @vaddr
 *       (VFIO_IOMMU_MAP_DMA).  @prot is VFIO_DMA_MAP_FLAG_READ and/or
 *       VFIO_DMA_MAP_FLAG_WRITE (linux/vfio.h), as the device sees it.  The
 *       domain does not take ownership of @fd (dup it if it must keep it).
 *       Called only with @iova, @size aligned to the domain's smallest page
 *       size and inside its ranges.  Return: 0 or -errno.
 * @unmap: undo one earlier @map of exactly [@iova, @iova + @size).  Errors are
 *         logged by the core; the IOVA is released anyway.  Return: 0 or -errno.
 */
struct uvfio_dma_domain_ops {
	unsigned int version;
	int (*map)(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size, void *vaddr,
		   int fd, uint64_t fd_offset, uint32_t prot);
	int (*unmap)(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size);
};

/**
 * struct uvfio_dma_domain - an address space the container maps buffers into.
 * Allocated and owned by the backend; linked into a container with
 * uvfio_container_add_domain() and unlinked with uvfio_container_del_domain()
 * before the backend frees it.
 *
 * Filled by the backend before adding:
 * @ops: the domain's operations.
 * @priv: backend data (vfio-user: the device; kernel: its container state).
 * @name: for messages ("vfio-user unix:/x.sock", "kernel type1 container").
 * @ranges: usable IOVA ranges, inclusive ends as in the kernel's
 *          VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE; sorted, non-overlapping.
 *          NULL with @nr_ranges 0 means the whole 64-bit space (vfio-user).
 *          The backend owns the array; it must stay valid while linked.
 * @nr_ranges: entries in @ranges.
 * @pgsizes: IOMMU page size bitmap (VFIO_IOMMU_GET_INFO iova_pgsizes, or the
 *           vfio-user "pgsizes" capability); 0 means the host page size.
 * @max_maps: most simultaneous maps (type1's dma_entry_limit via DMA_AVAIL,
 *            or vfio-user "max_dma_maps"); 0 means no limit.
 *
 * Owned by the container core while linked (read-only for the backend):
 * @nr_maps: maps currently established in this domain.
 * @container: the container it is linked into, or NULL.
 * @next: list link.
 */
struct uvfio_dma_domain {
	const struct uvfio_dma_domain_ops *ops;
	void *priv;
	const char *name;
	const struct vfio_iova_range *ranges;
	uint32_t nr_ranges;
	uint64_t pgsizes;
	uint32_t max_maps;

	uint32_t nr_maps;
	struct uvfio_container *container;
	struct uvfio_dma_domain *next;
};

/**
 * uvfio_container_add_domain() - link @dom into @c and replay onto it every
 * buffer already allocated in @c.
 * @c: container.
 * @dom: a filled domain, not linked anywhere.
 *
 * The container's IOVA space becomes the intersection of every domain's
 * ranges and page sizes.  Fails (and leaves @dom unlinked, with anything it
 * replayed unmapped again) if an existing buffer lies outside @dom's ranges
 * or is not aligned to its page size (-ERANGE), if @dom's map limit is too
 * small (-ENOSPC), or if a replayed map fails (its -errno).
 * Sets uvfio_last_error() on failure.
 * Return: 0 or -errno.
 */
int uvfio_container_add_domain(struct uvfio_container *c, struct uvfio_dma_domain *dom);

/**
 * uvfio_container_del_domain() - unlink @dom from its container.
 * @dom: a linked domain (no-op if unlinked).
 * @unmap: true to unmap every buffer from @dom first (a kernel domain that
 *         stays open); false when the transport drops the maps itself (a
 *         vfio-user socket about to close, a container fd about to close).
 *
 * The container's IOVA space widens again to the remaining domains.
 */
void uvfio_container_del_domain(struct uvfio_dma_domain *dom, bool unmap);

/*
 * ---------------------------------------------------------------------------
 * Devices.
 * ---------------------------------------------------------------------------
 */

/**
 * struct uvfio_region - the core's cache of one region (device.c).
 * @valid: @info, @fd_offset and @fd were fetched.
 * @info: parsed description (uvfio_region_info_parse()).
 * @fd_offset: vfio_region_info.offset: the mmap/pread offset of the region in
 *             the device fd (kernel) or in @fd (vfio-user).
 * @fd: the fd a vfio-user server attached to the region info (for mmap), or
 *      -1 (kernel: the backend maps its device fd).  Owned by the core.
 * @map: the reservation made by uvfio_region_mmap(), or NULL.
 * @map_len: its length (the region size rounded up to pages).
 * @mapped_areas: bit i set: info.sparse[i] is mapped (without a sparse cap,
 *                bit 0 means the whole region is).
 */
struct uvfio_region {
	bool valid;
	struct uvfio_region_info info;
	uint64_t fd_offset;
	int fd;
	void *map;
	size_t map_len;
	uint32_t mapped_areas;
};

/**
 * struct uvfio_backend_ops - device operations of one transport.
 * Every function gets the core's device object; backend state is d->priv.
 * Unless said otherwise each returns 0 or -errno and sets uvfio_last_error()
 * on failures a user will meet.
 *
 * @version: UVFIO_BACKEND_OPS_VERSION.
 * @name: "kernel", "vfio-user" (uvfio_device_backend()).
 * @get_info: fill @info (VFIO_DEVICE_GET_INFO / DEVICE_GET_INFO).
 * @get_region_info: fetch region @index in the kernel layout: a malloc()ed
 *     struct vfio_region_info followed by its capability chain (cap_offset and
 *     next relative to the struct's start), *@len bytes long, retrying with a
 *     bigger argsz as the kernel and vfio-user both require.  The core frees it
 *     and parses it with uvfio_region_info_parse(), so no backend parses caps.
 *     *@fd: an fd to mmap the region with (vfio-user, when the reply had
 *     FLAG_MMAP and an fd), else -1; ownership passes to the core.
 *     Return: 0, -EINVAL (no such index), -EPROTO (malformed reply), -errno.
 * @region_read / @region_write: [@off, @off + @len) of region @r (the core has
 *     checked the range against the region size).  The backend splits at its
 *     transport limit.  @posted: the caller needs no acknowledgement
 *     (vfio-user No_reply); a backend without posted writes ignores it.
 * @region_mmap: map [@off, @off + @len) of region @r (page-aligned, mmap-able
 *     per its info) at exactly @addr (MAP_SHARED | MAP_FIXED over the core's
 *     PROT_NONE reservation) with @prot.  Kernel: device fd at
 *     r->fd_offset + @off; vfio-user: r->fd at r->fd_offset + @off.
 * @get_irq_info: fill @info for info->index (argsz set by the caller).
 * @set_irqs: VFIO_DEVICE_SET_IRQS as the kernel defines it: @set is the head
 *     (argsz = sizeof head + data bytes), @data the u8 bool array or the s32
 *     eventfd array the flags call for, or NULL.  vfio-user sends eventfds
 *     in SCM_RIGHTS, in chunks of the server's max_msg_fds.
 * @reset: VFIO_DEVICE_RESET / DEVICE_RESET.
 * @close: release everything the backend holds (sockets, fds, its domain via
 *     uvfio_container_del_domain()); d->priv is dead afterwards.  Never fails.
 * @poll_fd: fd that is readable when @process has work, or -1.
 * @process: serve pending device->driver requests without blocking.
 *     Return: number served (>= 0) or -errno (device broken).
 */
struct uvfio_backend_ops {
	unsigned int version;
	const char *name;
	int (*get_info)(struct uvfio_device *d, struct uvfio_device_info *info);
	int (*get_region_info)(struct uvfio_device *d, uint32_t index, struct vfio_region_info **info,
			       size_t *len, int *fd);
	int (*region_read)(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			   void *buf, size_t len);
	int (*region_write)(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			    const void *buf, size_t len, bool posted);
	int (*region_mmap)(struct uvfio_device *d, const struct uvfio_region *r, uint64_t off,
			   size_t len, int prot, void *addr);
	int (*get_irq_info)(struct uvfio_device *d, struct vfio_irq_info *info);
	int (*set_irqs)(struct uvfio_device *d, const struct vfio_irq_set *set, const void *data);
	int (*reset)(struct uvfio_device *d);
	void (*close)(struct uvfio_device *d);
	int (*poll_fd)(struct uvfio_device *d);
	int (*process)(struct uvfio_device *d);
};

/* Reply timeout per device: QEMU waits 5 s (contract §2); we allow 10 s. */
#define UVFIO_DEFAULT_TIMEOUT_MS 10000

/* Regions the core caches per device: the nine PCI ones and a few more. */
#define UVFIO_MAX_REGIONS 32

/**
 * struct uvfio_device - the core's device object (device.c).
 * @ops, @priv: the backend and its state; set by the backend's open.
 * @container: the container the device belongs to.
 * @name: the @where string it was opened with (owned).
 * @dma_bits: its DMA mask width (uvfio_device_set_dma_mask(); 64 by default).
 * @timeout_ms: how long a backend waits for a device's answer (default
 *              UVFIO_DEFAULT_TIMEOUT_MS; uvfio_device_set_timeout()).
 * @info: cached device info (valid once @have_info).
 * @regions: cached regions, indexed by region index.
 * @next: container device-list link.
 */
struct uvfio_device {
	const struct uvfio_backend_ops *ops;
	void *priv;
	struct uvfio_container *container;
	char *name;
	unsigned int dma_bits;
	int timeout_ms;
	bool have_info;
	struct uvfio_device_info info;
	struct uvfio_region regions[UVFIO_MAX_REGIONS];
	struct uvfio_device *next;
};

/**
 * uvfio_vfio_user_backend_open() - connect @d to the vfio-user server at @path.
 * @d: a core device with container and name set, ops NULL.
 * @path: socket path (after "unix:").
 * Sets d->ops and d->priv and adds the device's own DMA domain.
 * Return: 0 or -errno, with uvfio_last_error() set.
 */
int uvfio_vfio_user_backend_open(struct uvfio_device *d, const char *path);

/**
 * uvfio_kernel_backend_open() - open the vfio-pci device @bdf into @d.
 * @d: as above.
 * @bdf: "DDDD:BB:DD.F" or "BB:DD.F" (the backend normalises it).
 *
 * KERNEL-BACKEND ENGINEER: find the IOMMU group, open /dev/vfio/N through
 * d->container->sys, check viability, open /dev/vfio/vfio on the first kernel
 * device (store state in c->kernel / c->kernel_release), VFIO_SET_IOMMU type1v2,
 * create the ONE type1 domain (ranges from the IOVA_RANGE cap, pgsizes,
 * max_maps from DMA_AVAIL) and uvfio_container_add_domain() it; later kernel
 * devices share it.  Explain failures in uvfio_last_error() (not bound to
 * vfio-pci and how to bind it, group not viable and which device spoils it,
 * /dev/vfio/N not accessible, no IOMMU).
 * Return: 0 or -errno.
 */
int uvfio_kernel_backend_open(struct uvfio_device *d, const char *bdf);

/*
 * ---------------------------------------------------------------------------
 * Containers.
 * ---------------------------------------------------------------------------
 */

struct uvfio_dma_buf_priv;

/**
 * struct uvfio_container - the core's container (container.c).
 * Backends read @sys and use @kernel / @kernel_release; everything else is
 * the core's and is changed only through the functions in this header.
 *
 * @sys: system-call table (never NULL).
 * @kernel: kernel-backend state (the /dev/vfio/vfio fd, groups, its domain),
 *          owned by lib/driver/kernel*.c; NULL until the first kernel device.
 * @kernel_release: called by uvfio_container_destroy() after every device
 *          closed, to free @kernel; may be NULL.
 * @domains: linked DMA domains.
 * @devices: open devices.
 * @bufs: allocated DMA buffers, in allocation order.
 * @iova: the IOVA allocator (iova.h), over the intersection of @domains.
 * @pgsize: smallest page size common to every domain and the host.
 * @log_fn, @log_opaque: diagnostics callback.
 */
struct uvfio_container {
	const struct uvfio_sys_ops *sys;
	void *kernel;
	void (*kernel_release)(struct uvfio_container *c);

	struct uvfio_dma_domain *domains;
	struct uvfio_device *devices;
	struct uvfio_dma_buf_priv *bufs;
	struct uvfio_iova *iova;
	uint64_t pgsize;
	void (*log_fn)(void *opaque, int level, const char *msg);
	void *log_opaque;
};

/**
 * uvfio_container_dma_limit() - highest IOVA every device of @c can reach:
 * (1 << narrowest dma_bits) - 1.
 */
uint64_t uvfio_container_dma_limit(const struct uvfio_container *c);

/** uvfio_container_has_buf_above() - a buffer of @c reaches above @limit. */
bool uvfio_container_has_buf_above(const struct uvfio_container *c, uint64_t limit);

/*
 * ---------------------------------------------------------------------------
 * Diagnostics (error.c).
 * ---------------------------------------------------------------------------
 */

/** uvfio_set_error() - set this thread's uvfio_last_error() text. */
void uvfio_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** uvfio_clear_error() - uvfio_last_error() becomes "". */
void uvfio_clear_error(void);
/**
 * uvfio_fail() - set the last error and return @err (a negative errno), for
 * "return uvfio_fail(-EBUSY, "device is busy: ...");".
 */
int uvfio_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** uvfio_log() - format and hand a message to @c's log callback, if any. */
void uvfio_log(const struct uvfio_container *c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * ---------------------------------------------------------------------------
 * Region info parsing (regioninfo.c), shared by every backend.
 * ---------------------------------------------------------------------------
 */

/**
 * uvfio_region_info_parse() - decode a kernel-layout region info and its
 * capability chain.
 * @raw: struct vfio_region_info followed by capabilities (untrusted).
 * @len: bytes valid at @raw (>= sizeof(struct vfio_region_info)).
 * @out: filled (index, flags, size, sparse areas, type, MSI-X mappable).
 * @fd_offset: out; raw->offset.
 *
 * Walks the chain with bounds checks on every header and payload and a loop
 * guard; rejects areas outside the region or overflowing, more than
 * UVFIO_MAX_SPARSE_AREAS areas, nr_areas that do not fit the cap.
 * Unknown capabilities are skipped.
 * Return: 0, or -EPROTO (malformed), with uvfio_last_error() set.
 */
int uvfio_region_info_parse(const struct vfio_region_info *raw, size_t len,
			    struct uvfio_region_info *out, uint64_t *fd_offset);

#endif /* UVFIO_DRIVER_BACKEND_H */
