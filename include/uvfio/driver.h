/* SPDX-License-Identifier: MIT */
/*
 * uvfio/driver.h - write a user-level PCI driver once; run it on real kernel
 * VFIO (/dev/vfio, vfio-pci) and on any vfio-user device.
 *
 * Objects: a container is one DMA address space; devices are opened into a
 * container from a PCI address ("0000:00:03.0": kernel vfio-pci) or a socket
 * ("unix:/run/uvfio/x.sock": vfio-user).  DMA buffers allocated from the
 * container are mapped for every device in it, with IOVAs from an allocator
 * over the ranges and page sizes the IOMMU (or server) reports.
 *
 * Threading: a container and its devices are used from one thread at a time;
 * the caller serialises.  Nothing here prints unless a log callback is set.
 */
#ifndef UVFIO_DRIVER_H
#define UVFIO_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>
#include <linux/pci_regs.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef UVFIO_IOVA_T_DEFINED
#define UVFIO_IOVA_T_DEFINED
/* An I/O virtual address: never a pointer in this process. */
typedef uint64_t uvfio_iova_t;
#endif

struct uvfio_container;
struct uvfio_device;

/*
 * Containers.
 */

/**
 * uvfio_container_create() - an empty DMA address space.
 * The kernel container (/dev/vfio/vfio) is opened when the first kernel
 * device joins.
 * Return: 0 or -ENOMEM.
 */
int uvfio_container_create(struct uvfio_container **out);
/** uvfio_container_destroy() - close remaining devices, free DMA buffers. */
void uvfio_container_destroy(struct uvfio_container *c);
/** uvfio_container_set_log() - diagnostics to @fn (default: none). */
void uvfio_container_set_log(struct uvfio_container *c,
			     void (*fn)(void *opaque, int level, const char *msg), void *opaque);

/*
 * Devices.
 */

/**
 * uvfio_device_open() - open a device into @c.
 * @where: "unix:PATH" (vfio-user), or a PCI address "DDDD:BB:DD.F" /
 *         "BB:DD.F" (kernel vfio-pci).
 * @out: the device.
 * Return: 0 or -errno; uvfio_last_error() then explains it in words (not
 * bound to vfio-pci and how to bind it, group not viable and which device
 * spoils it, /dev/vfio/N not accessible, no IOMMU, server refused ...).
 */
int uvfio_device_open(struct uvfio_container *c, const char *where, struct uvfio_device **out);
/** uvfio_device_close() - release IRQs, unmap BARs, leave the container. */
void uvfio_device_close(struct uvfio_device *d);
/** uvfio_device_name() - the @where it was opened with. */
const char *uvfio_device_name(const struct uvfio_device *d);
/** uvfio_device_backend() - "kernel" or "vfio-user". */
const char *uvfio_device_backend(const struct uvfio_device *d);

/**
 * uvfio_last_error() - a human explanation of the last failure on this thread,
 * or "" if none.
 */
const char *uvfio_last_error(void);

struct uvfio_device_info {
	uint32_t flags; /* VFIO_DEVICE_FLAGS_RESET, _PCI */
	uint32_t num_regions;
	uint32_t num_irqs;
};
int uvfio_device_get_info(struct uvfio_device *d, struct uvfio_device_info *info);

/**
 * uvfio_device_set_dma_mask() - the device can address @bits of IOVA, like
 * the kernel's dma_set_mask(); buffers allocated afterwards in its container
 * get IOVAs below 1 << @bits (the narrowest mask of the container's devices).
 * Return: 0, -EINVAL (bits < 12 or > 64), -EBUSY (a mapped buffer is above).
 */
int uvfio_device_set_dma_mask(struct uvfio_device *d, unsigned int bits);

/**
 * uvfio_device_set_timeout() - how long to wait for the device's answer to
 * one request (vfio-user: a reply; default 10000 ms).  A device that does not
 * answer in time is marked broken: that call and every later one fail.
 * Kernel backend: ignored.
 * Return: 0, -EINVAL (@timeout_ms <= 0).
 */
int uvfio_device_set_timeout(struct uvfio_device *d, int timeout_ms);

/** uvfio_device_reset() - DEVICE_RESET; -ENOTTY when the device has none. */
int uvfio_device_reset(struct uvfio_device *d);

/*
 * Regions.
 */
#define UVFIO_MAX_SPARSE_AREAS 16

struct uvfio_region_info {
	uint32_t index;
	uint32_t flags; /* VFIO_REGION_INFO_FLAG_READ/WRITE/MMAP/CAPS */
	uint64_t size;  /* 0: the region does not exist */
	uint32_t nr_sparse;
	struct {
		uint64_t offset;
		uint64_t size;
	} sparse[UVFIO_MAX_SPARSE_AREAS];
	bool has_sparse;   /* a SPARSE_MMAP capability was reported */
	bool msix_mappable;
	bool has_type;
	uint32_t type;
	uint32_t subtype;
};
/**
 * uvfio_region_get_info() - describe region @index.
 * Return: 0, -EINVAL (no such index), -EPROTO (malformed reply).
 */
int uvfio_region_get_info(struct uvfio_device *d, uint32_t index, struct uvfio_region_info *info);

/**
 * uvfio_region_read() / uvfio_region_write() - access @len bytes at @off.
 * The whole range must lie in the region.  Large accesses are split at the
 * transport's limit.
 * Return: 0 or -errno (-EINVAL out of range, -EIO refused by the device).
 */
int uvfio_region_read(struct uvfio_device *d, uint32_t index, uint64_t off, void *buf,
		      size_t len);
int uvfio_region_write(struct uvfio_device *d, uint32_t index, uint64_t off, const void *buf,
		       size_t len);
/**
 * uvfio_region_write_posted() - a write the device need not acknowledge
 * (vfio-user No_reply); errors are not reported.  Kernel: a plain write.
 */
int uvfio_region_write_posted(struct uvfio_device *d, uint32_t index, uint64_t off,
			      const void *buf, size_t len);

/**
 * uvfio_region_mmap() - map region @index into this process.
 * Mmap-able parts (sparse areas, or the whole region) are mapped; holes are
 * PROT_NONE.  The mapping lives until uvfio_region_unmap() or close.
 * Return: 0, -ENOTSUP (nothing mmap-able), -errno from mmap.
 */
int uvfio_region_mmap(struct uvfio_device *d, uint32_t index, void **addr);
void uvfio_region_unmap(struct uvfio_device *d, uint32_t index);

/*
 * BAR access for drivers: through the mmap when the BAR (or the accessed
 * part) is mapped, else through region read/write.  On failure a read
 * returns all ones, as a PCI master abort does.
 */
uint8_t uvfio_bar_read8(struct uvfio_device *d, unsigned int bar, uint64_t off);
uint16_t uvfio_bar_read16(struct uvfio_device *d, unsigned int bar, uint64_t off);
uint32_t uvfio_bar_read32(struct uvfio_device *d, unsigned int bar, uint64_t off);
uint64_t uvfio_bar_read64(struct uvfio_device *d, unsigned int bar, uint64_t off);
int uvfio_bar_write8(struct uvfio_device *d, unsigned int bar, uint64_t off, uint8_t v);
int uvfio_bar_write16(struct uvfio_device *d, unsigned int bar, uint64_t off, uint16_t v);
int uvfio_bar_write32(struct uvfio_device *d, unsigned int bar, uint64_t off, uint32_t v);
int uvfio_bar_write64(struct uvfio_device *d, unsigned int bar, uint64_t off, uint64_t v);

/*
 * Config space (region VFIO_PCI_CONFIG_REGION_INDEX).
 */
int uvfio_config_read8(struct uvfio_device *d, unsigned int off, uint8_t *v);
int uvfio_config_read16(struct uvfio_device *d, unsigned int off, uint16_t *v);
int uvfio_config_read32(struct uvfio_device *d, unsigned int off, uint32_t *v);
int uvfio_config_write8(struct uvfio_device *d, unsigned int off, uint8_t v);
int uvfio_config_write16(struct uvfio_device *d, unsigned int off, uint16_t v);
int uvfio_config_write32(struct uvfio_device *d, unsigned int off, uint32_t v);
/** uvfio_config_find_cap() - offset of capability @id, -ENOENT if absent. */
int uvfio_config_find_cap(struct uvfio_device *d, uint8_t id);
/** uvfio_config_find_ext_cap() - offset of extended capability @id, or -ENOENT. */
int uvfio_config_find_ext_cap(struct uvfio_device *d, uint16_t id);
/** uvfio_device_enable() - set COMMAND memory, I/O (as present) and bus master. */
int uvfio_device_enable(struct uvfio_device *d);

/*
 * DMA memory.
 */
#define UVFIO_DMA_HUGETLB (1u << 0)  /* back the buffer with huge pages */
#define UVFIO_DMA_READONLY (1u << 1) /* the device may only read it */
#define UVFIO_DMA_NO_FD (1u << 2)    /* vfio-user: map without an fd, so the
					server reaches it by DMA_READ/WRITE
					messages served by this library */

/**
 * struct uvfio_dma_buf - DMA memory; fields are read-only for the caller.
 */
struct uvfio_dma_buf {
	void *vaddr;
	uvfio_iova_t iova;
	size_t size;
};

/**
 * uvfio_dma_alloc() - allocate @size bytes (rounded up to the page size) of
 * zeroed, memfd-backed memory, give it an IOVA and map it for every device in
 * @c, and for devices that join later.
 * Return: 0, -ENOMEM, -ENOSPC (no IOVA space under the DMA mask), or -errno
 * from a device's map.
 */
int uvfio_dma_alloc(struct uvfio_container *c, size_t size, unsigned int flags,
		    struct uvfio_dma_buf **out);
/** uvfio_dma_free() - unmap from every device, release the IOVA, free. */
void uvfio_dma_free(struct uvfio_container *c, struct uvfio_dma_buf *buf);

/*
 * Interrupts.
 */
struct uvfio_irq_info {
	uint32_t flags; /* VFIO_IRQ_INFO_EVENTFD/MASKABLE/AUTOMASKED/NORESIZE */
	uint32_t count;
};
int uvfio_irq_get_info(struct uvfio_device *d, uint32_t index, struct uvfio_irq_info *info);

/**
 * uvfio_irq_enable() - bind eventfds to vectors [@start, @start+@count) of
 * @index (TRIGGER|EVENTFD); an fd of -1 leaves that vector unbound.
 * Return: 0 or -errno from the device.
 */
int uvfio_irq_enable(struct uvfio_device *d, uint32_t index, uint32_t start, uint32_t count,
		     const int *efds);
/** uvfio_irq_disable() - disable the whole index (TRIGGER|NONE, count 0). */
int uvfio_irq_disable(struct uvfio_device *d, uint32_t index);
/** uvfio_irq_unmask() / uvfio_irq_mask() - ACTION_UNMASK / MASK with DATA_NONE. */
int uvfio_irq_unmask(struct uvfio_device *d, uint32_t index, uint32_t vector);
int uvfio_irq_mask(struct uvfio_device *d, uint32_t index, uint32_t vector);
/** uvfio_irq_set_unmask_fd() - an eventfd whose signal unmasks (UNMASK|EVENTFD); -1 removes. */
int uvfio_irq_set_unmask_fd(struct uvfio_device *d, uint32_t index, uint32_t vector, int efd);
/** uvfio_irq_trigger() - loopback trigger (TRIGGER|NONE, count 1). */
int uvfio_irq_trigger(struct uvfio_device *d, uint32_t index, uint32_t vector);
/**
 * uvfio_irq_set() - raw VFIO_DEVICE_SET_IRQS: @set->argsz, flags, index,
 * start, count as the kernel defines; @data is the bool array or the int
 * eventfd array the flags call for.
 */
int uvfio_irq_set(struct uvfio_device *d, const struct vfio_irq_set *set, const void *data);

/**
 * uvfio_device_poll_fd() - an fd that becomes readable when the device needs
 * servicing (a vfio-user server's DMA_READ/DMA_WRITE request), or -1 for the
 * kernel backend.  Call uvfio_device_process() then.
 */
int uvfio_device_poll_fd(struct uvfio_device *d);
/** uvfio_device_process() - serve pending server requests without blocking. */
int uvfio_device_process(struct uvfio_device *d);

/**
 * uvfio_irq_wait() - wait up to @timeout_ms for eventfd @efd, serving the
 * device's requests meanwhile (see uvfio_device_poll_fd()).
 * Return: the eventfd counter (> 0), -ETIMEDOUT, or -errno.
 */
int64_t uvfio_irq_wait(struct uvfio_device *d, int efd, int timeout_ms);

/*
 * ===========================================================================
 * Kernel VFIO on this machine (lib/driver/kernel.c).
 * ===========================================================================
 */
#define UVFIO_KERNEL_VFIO_CONTAINER (1u << 0) /* /dev/vfio/vfio: container/group API */
#define UVFIO_KERNEL_IOMMUFD (1u << 1)        /* /dev/iommu (iommufd) */
#define UVFIO_KERNEL_VFIO_CDEV (1u << 2)      /* VFIO device cdevs (vfio-dev) */

/**
 * uvfio_kernel_features() - which kernel VFIO interfaces exist here.
 * @bdf: a PCI address whose VFIO cdev to look for (/dev/vfio/devices/vfioN,
 *       N from /sys/bus/pci/devices/BDF/vfio-dev/), or NULL to look for
 *       /dev/vfio/devices.
 * @text: if not NULL, a one-line description of each interface, saying
 *        "not supported by this kernel" for an absent iommufd or cdev (the
 *        library uses the container/group API; iommufd is not used yet).
 * @len: size of @text.
 * Any thread.  Return: UVFIO_KERNEL_* flags.
 */
unsigned int uvfio_kernel_features(const char *bdf, char *text, size_t len);

/*
 * ===========================================================================
 * Event loop (lib/driver/loop.c): one epoll set serving interrupt eventfds
 * (one callback per vector), vfio-user devices' request sockets, and any fd
 * the caller adds.  A driver with its own loop can skip this one: take the
 * eventfds with uvfio_loop_irq_fd(), or nest the loop with uvfio_loop_fd(),
 * or bind its own eventfds with uvfio_irq_enable().
 *
 * Threading: one thread runs the loop and makes every call on it; callbacks
 * run on that thread and may call any uvfio_loop_* function but
 * uvfio_loop_destroy(), including ones removing the entry being served
 * (freed after the callback returns).
 * ===========================================================================
 */
struct uvfio_loop;

/**
 * typedef uvfio_loop_irq_fn - an interrupt arrived.
 * @opaque: as given to uvfio_loop_add_irqs().
 * @d: the device.  @index: VFIO_PCI_*_IRQ_INDEX.  @vector: sub-index.
 * @count: the eventfd counter (interrupts coalesced since the last call).
 */
typedef void (*uvfio_loop_irq_fn)(void *opaque, struct uvfio_device *d, uint32_t index,
				  uint32_t vector, uint64_t count);
/** typedef uvfio_loop_fd_fn - @fd is ready with epoll @events. */
typedef void (*uvfio_loop_fd_fn)(void *opaque, int fd, uint32_t events);

/** uvfio_loop_create() - an empty loop.  Return: 0, -ENOMEM, -errno (epoll). */
int uvfio_loop_create(struct uvfio_loop **out);
/**
 * uvfio_loop_destroy() - disable every interrupt index still registered
 * (TRIGGER|NONE), close the loop's eventfds and free it.  Devices stay open.
 */
void uvfio_loop_destroy(struct uvfio_loop *l);

/* uvfio_loop_add_irqs() @flags */
#define UVFIO_LOOP_UNMASK (1u << 0) /* after each callback, ACTION_UNMASK the vector
				       (INTx is auto-masked by VFIO until then) */

/**
 * uvfio_loop_add_irqs() - create one eventfd per vector [0, @count) of @index,
 * bind them all in one VFIO_DEVICE_SET_IRQS (TRIGGER|EVENTFD; this enables
 * the index) and call @fn when one fires.  If the device is a vfio-user one
 * its request fd is served too (uvfio_loop_add_device()).
 * Return: 0, -EEXIST (@index already registered for @d), -EINVAL (@count 0
 * or above the index's count), -errno from eventfd/epoll/SET_IRQS (rolled
 * back).
 */
int uvfio_loop_add_irqs(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index,
			uint32_t count, unsigned int flags, uvfio_loop_irq_fn fn, void *opaque);
/**
 * uvfio_loop_del_irqs() - disable @index on @d (TRIGGER|NONE, count 0) and
 * close its eventfds.  Return: 0, -ENOENT (not registered), -errno from the
 * device (the eventfds are closed anyway).
 */
int uvfio_loop_del_irqs(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index);
/** uvfio_loop_irq_fd() - the eventfd of a registered vector, or -ENOENT. */
int uvfio_loop_irq_fd(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index,
		      uint32_t vector);
/**
 * uvfio_loop_add_device() - serve @d's requests (uvfio_device_process())
 * whenever uvfio_device_poll_fd() is readable; no-op for kernel devices.
 * Return: 0 or -errno.
 */
int uvfio_loop_add_device(struct uvfio_loop *l, struct uvfio_device *d);
/** uvfio_loop_del_device() - forget @d: every IRQ index (disabled) and its fd. */
void uvfio_loop_del_device(struct uvfio_loop *l, struct uvfio_device *d);
/** uvfio_loop_add_fd() - call @fn when @fd has any of epoll @events.  Return: 0 or -errno. */
int uvfio_loop_add_fd(struct uvfio_loop *l, int fd, uint32_t events, uvfio_loop_fd_fn fn,
		      void *opaque);
/** uvfio_loop_del_fd() - stop watching @fd (not closed).  Return: 0 or -ENOENT. */
int uvfio_loop_del_fd(struct uvfio_loop *l, int fd);
/**
 * uvfio_loop_run_once() - wait up to @timeout_ms (-1: forever) and dispatch.
 * Return: the number of callbacks run (0 on timeout), or -errno.
 */
int uvfio_loop_run_once(struct uvfio_loop *l, int timeout_ms);
/**
 * uvfio_loop_run() - dispatch until uvfio_loop_stop() (from a callback or a
 * signal handler).  Return: 0, or -errno if waiting failed.
 */
int uvfio_loop_run(struct uvfio_loop *l);
/** uvfio_loop_stop() - make uvfio_loop_run() return; async-signal-safe. */
void uvfio_loop_stop(struct uvfio_loop *l);
/** uvfio_loop_fd() - the epoll fd: readable when run_once(l, 0) has work. */
int uvfio_loop_fd(const struct uvfio_loop *l);

/*
 * ===========================================================================
 * The user-space PCI driver model (lib/driver/pcidrv.c), after Linux's
 * struct pci_driver / struct pci_device_id (include/linux/pci.h,
 * include/linux/mod_devicetable.h).
 *
 * A bus holds candidate devices: kernel devices bound to vfio-pci (from
 * /sys/bus/pci/drivers/vfio-pci/) and vfio-user sockets.  Registering a
 * driver matches its id table against every free candidate, opens the
 * matching ones into the bus's container, maps their BARs, reads their IRQ
 * info, and calls probe.  A failing probe is rolled back (IRQs disabled,
 * BARs unmapped, device closed).  remove runs when the driver is
 * unregistered, the bus is destroyed, or the device's REQ interrupt asks for
 * the device back (the host wants to unbind it), if the bus has a loop.
 * ===========================================================================
 */
#define UVFIO_PCI_ANY_ID (~0u)

/**
 * struct uvfio_pci_device_id - one id-table entry (Linux: struct pci_device_id).
 * @vendor, @device, @subvendor, @subdevice: the 16-bit ID, or
 *     UVFIO_PCI_ANY_ID to match any.
 * @class, @class_mask: match when (dev class & @class_mask) == @class; the
 *     class is the 24-bit (base << 16 | sub << 8 | prog-if) code; a mask of 0
 *     matches every class.
 * @driver_data: the driver's own, handed to probe with the entry.
 * A table ends with an entry whose @vendor, @subvendor and @class_mask are 0
 * (zero it with "{ 0 }"); the first matching entry wins.
 */
struct uvfio_pci_device_id {
	uint32_t vendor;
	uint32_t device;
	uint32_t subvendor;
	uint32_t subdevice;
	uint32_t class;
	uint32_t class_mask;
	uintptr_t driver_data;
};

/* UVFIO_PCI_DEVICE(v, d) - designated initialisers matching v:d, any subsystem. */
#define UVFIO_PCI_DEVICE(v, d)                                                                     \
	.vendor = (v), .device = (d), .subvendor = UVFIO_PCI_ANY_ID, .subdevice = UVFIO_PCI_ANY_ID
/* UVFIO_PCI_DEVICE_CLASS(cls, mask) - any vendor/device of class @cls under @mask. */
#define UVFIO_PCI_DEVICE_CLASS(cls, mask)                                                          \
	.vendor = UVFIO_PCI_ANY_ID, .device = UVFIO_PCI_ANY_ID, .subvendor = UVFIO_PCI_ANY_ID,      \
	.subdevice = UVFIO_PCI_ANY_ID, .class = (cls), .class_mask = (mask)

struct uvfio_pci_driver;

/**
 * struct uvfio_pci_dev - a device as its driver sees it (Linux: struct pci_dev).
 * Everything but @drvdata is filled by the bus and read-only for the driver.
 * @dev: the open device (regions, IRQs, reset...).
 * @container: its container (uvfio_dma_alloc()).
 * @loop: the bus's loop (interrupt callbacks), or NULL.
 * @name: the address it was opened at ("0000:00:03.0", "unix:/x.sock").
 * @vendor, @device, @subvendor, @subdevice, @revision: config-space IDs.
 * @class: 24-bit class code.
 * @bar: BAR i mapped into this process, or NULL (absent, I/O, or not
 *       mmap-able: use uvfio_bar_read32() ... which also work when mapped).
 *       A BAR with sparse areas is mapped with PROT_NONE holes.
 * @bar_size: region size of BAR i (0: absent).
 * @num_irqs: IRQ indexes the device has; @irq[i] their info.
 * @driver, @id: the driver that bound it and the entry that matched.
 * @drvdata: the driver's (Linux: pci_set_drvdata()).
 */
struct uvfio_pci_dev {
	struct uvfio_device *dev;
	struct uvfio_container *container;
	struct uvfio_loop *loop;
	const char *name;
	uint16_t vendor;
	uint16_t device;
	uint16_t subvendor;
	uint16_t subdevice;
	uint8_t revision;
	uint32_t class;
	void *bar[PCI_STD_NUM_BARS];
	uint64_t bar_size[PCI_STD_NUM_BARS];
	uint32_t num_irqs;
	struct uvfio_irq_info irq[VFIO_PCI_NUM_IRQS];
	const struct uvfio_pci_driver *driver;
	const struct uvfio_pci_device_id *id;
	void *drvdata;
};

/**
 * struct uvfio_pci_driver - a user-space PCI driver (Linux: struct pci_driver).
 * @name: for messages.
 * @id_table: the devices it drives, zero-terminated.
 * @probe: take @pdev, matched by @id; return 0, or -errno to decline (the bus
 *         then rolls back: IRQs disabled, BARs unmapped, device closed; the
 *         driver frees what it allocated itself).
 * @remove: release @pdev (the bus then closes the device).  May be NULL.
 */
struct uvfio_pci_driver {
	const char *name;
	const struct uvfio_pci_device_id *id_table;
	int (*probe)(struct uvfio_pci_dev *pdev, const struct uvfio_pci_device_id *id);
	void (*remove)(struct uvfio_pci_dev *pdev);
};

/**
 * uvfio_pci_match_id() - the first entry of @table matching the IDs, or NULL
 * (Linux: pci_match_id()).
 */
const struct uvfio_pci_device_id *uvfio_pci_match_id(const struct uvfio_pci_device_id *table,
						      uint16_t vendor, uint16_t device,
						      uint16_t subvendor, uint16_t subdevice,
						      uint32_t class);

struct uvfio_pci_bus;

/* The environment variable naming extra candidates (see uvfio_pci_bus_create()). */
#define UVFIO_DEVICES_ENV "UVFIO_DEVICES"

/**
 * uvfio_pci_bus_create() - gather candidate devices.
 * @c: the container devices are opened into (shared DMA space).
 * @loop: for REQ interrupts and the drivers' interrupts, or NULL.
 * @devices: NULL: every device bound to vfio-pci in sysfs, plus the entries of
 *     $UVFIO_DEVICES; else only the entries of @devices.  Entries are
 *     separated by white space (a colon cannot separate them: PCI addresses
 *     and "unix:" contain one) and are "unix:PATH" (vfio-user) or PCI
 *     addresses ("0000:00:03.0", "00:03.0").
 * @out: the bus.
 * Nothing is opened yet.  Return: 0, -ENOMEM, -EINVAL (an entry is neither
 * form; uvfio_last_error() names it).
 */
int uvfio_pci_bus_create(struct uvfio_container *c, struct uvfio_loop *loop, const char *devices,
			 struct uvfio_pci_bus **out);
/** uvfio_pci_bus_destroy() - remove every bound device (remove, close) and free. */
void uvfio_pci_bus_destroy(struct uvfio_pci_bus *bus);
/**
 * uvfio_pci_bus_register() - bind @drv to every free candidate its id table
 * matches (kernel candidates by their sysfs IDs, without opening the others;
 * vfio-user ones by their config space).  @drv must outlive its registration.
 * Return: the number of devices @drv took (>= 0), or, when it took none and
 * a matching candidate failed to open or probe, that -errno (with
 * uvfio_last_error() explaining it).
 */
int uvfio_pci_bus_register(struct uvfio_pci_bus *bus, const struct uvfio_pci_driver *drv);
/** uvfio_pci_bus_unregister() - remove and close every device @drv took. */
void uvfio_pci_bus_unregister(struct uvfio_pci_bus *bus, const struct uvfio_pci_driver *drv);
/** uvfio_pci_bus_count() - bound devices (REQ removals make it drop). */
unsigned int uvfio_pci_bus_count(const struct uvfio_pci_bus *bus);
/** uvfio_pci_bus_dev() - the @i-th bound device, or NULL. */
struct uvfio_pci_dev *uvfio_pci_bus_dev(const struct uvfio_pci_bus *bus, unsigned int i);
/** uvfio_pci_bus_candidates() - number of candidates (bound or free). */
unsigned int uvfio_pci_bus_candidates(const struct uvfio_pci_bus *bus);
/** uvfio_pci_bus_candidate() - the @i-th candidate's address, or NULL. */
const char *uvfio_pci_bus_candidate(const struct uvfio_pci_bus *bus, unsigned int i);

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_DRIVER_H */
