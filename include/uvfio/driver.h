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

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_DRIVER_H */
