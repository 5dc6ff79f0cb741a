/* SPDX-License-Identifier: MIT */
/*
 * lib/device/dma.h - a client's DMA address space (internal to lib/device).
 *
 * The IOMMU emulation: the windows a client opened with DMA_MAP, kept in an
 * AVL tree keyed by IOVA (O(log n) lookups, with a last-hit cache), under the
 * rules of the kernel's type1 v2 backend (shared/docs/linux-vfio.md §3).
 * Windows that came with an fd are mmapped here; the others are reached
 * through a callback (DMA_READ/DMA_WRITE messages, done by the caller).
 *
 * Pure data plus mmap/munmap: no sockets, no threads, no logging.
 */
#ifndef UVFIO_DEVICE_DMA_H
#define UVFIO_DEVICE_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uvfio/device.h"

/**
 * struct uvfio_dma_map - one DMA_MAP window.
 * @iova: first IOVA.
 * @size: bytes (a multiple of the space's page size, never 0).
 * @prot: UVFIO_DMA_READ and/or UVFIO_DMA_WRITE (from VFIO_DMA_MAP_FLAG_*).
 * @offset: offset in the client's fd (informational once mapped).
 * @va: our mapping of the window, or NULL when it came without an fd.
 * @left, @right, @height: AVL links.
 */
struct uvfio_dma_map {
	uvfio_iova_t iova;
	uint64_t size;
	uint32_t prot;
	uint64_t offset;
	void *va;
	struct uvfio_dma_map *left;
	struct uvfio_dma_map *right;
	int height;
};

/**
 * struct uvfio_dma_space - all windows of one client.
 * @root: AVL root.
 * @last: last window a lookup hit (cleared on unmap).
 * @nmaps, @max_maps: windows now / at most (type1's dma_entry_limit).
 * @bytes, @max_bytes: bytes mapped now / at most.
 * @pgsize: smallest page size we advertise; alignment unit of map/unmap.
 */
struct uvfio_dma_space {
	struct uvfio_dma_map *root;
	struct uvfio_dma_map *last;
	uint32_t nmaps;
	uint32_t max_maps;
	uint64_t bytes;
	uint64_t max_bytes;
	uint64_t pgsize;
};

/**
 * uvfio_dma_space_init() - an empty space.
 * @pgsize: a power of two (4096: what we report in "pgsizes").
 */
void uvfio_dma_space_init(struct uvfio_dma_space *s, uint32_t max_maps, uint64_t max_bytes,
			  uint64_t pgsize);

/**
 * uvfio_dma_space_map() - add a window, with type1 v2's checks and errnos.
 * @flags: VFIO_DMA_MAP_FLAG_READ and/or _WRITE.
 * @fd: the memory, or -1 (then the window is reached by message).  On
 *      success the fd has been mmapped and closed; on failure the caller
 *      still owns it.
 * @offset: where the window starts in @fd.
 *
 * Return: 0; -EINVAL (flags, size 0, alignment, overflow, an fd that is not a
 * regular file or is shorter than @offset + @size); -EEXIST (overlap);
 * -ENOSPC (too many windows or bytes); -ENOMEM; -errno from mmap.
 */
int uvfio_dma_space_map(struct uvfio_dma_space *s, uvfio_iova_t iova, uint64_t size, uint32_t flags,
			int fd, uint64_t offset);

/**
 * uvfio_dma_space_unmap() - remove windows, type1 v2 semantics.
 * @flags: 0 or VFIO_DMA_UNMAP_FLAG_ALL (then @iova and @size must be 0).
 * @unmapped: out; bytes removed (0 if the range held no window).
 *
 * [@iova, @iova+@size) may cover any number of whole windows and gaps but
 * must not cut one in two.
 * Return: 0, or -EINVAL (flags, alignment, size 0, overflow, bisection).
 */
int uvfio_dma_space_unmap(struct uvfio_dma_space *s, uvfio_iova_t iova, uint64_t size,
			  uint32_t flags, uint64_t *unmapped);

/** uvfio_dma_space_clear() - remove (munmap) every window. */
void uvfio_dma_space_clear(struct uvfio_dma_space *s);

/** uvfio_dma_space_find() - the window holding @iova, or NULL. */
const struct uvfio_dma_map *uvfio_dma_space_find(struct uvfio_dma_space *s, uvfio_iova_t iova);

/**
 * uvfio_dma_space_translate() - pointer to [@iova, @iova+@len) for @prot.
 * Return: 0; -EFAULT (not wholly inside one window, or overflow); -EPERM
 * (window lacks @prot); -ENOMEM (the window has no fd).
 */
int uvfio_dma_space_translate(struct uvfio_dma_space *s, uvfio_iova_t iova, size_t len,
			      unsigned int prot, void **va);

/**
 * typedef uvfio_dma_msg_fn - move bytes of a window that has no fd.
 * @write: true for device -> client (DMA_WRITE).
 * Return: 0 or -errno.
 */
typedef int (*uvfio_dma_msg_fn)(void *arg, uvfio_iova_t iova, void *buf, size_t len, bool write);

/**
 * uvfio_dma_space_rw() - copy between @buf and [@iova, @iova+@len), across
 * as many adjacent windows as it takes.
 * @write: true to write client memory (needs UVFIO_DMA_WRITE).
 * @msg: called for pieces in windows without an fd; NULL gives -ENOMEM.
 *
 * The whole range is checked before the first byte moves.
 * Return: 0; -EFAULT; -EPERM; -ENOMEM; or what @msg returned.
 */
int uvfio_dma_space_rw(struct uvfio_dma_space *s, uvfio_iova_t iova, void *buf, size_t len,
		       bool write, uvfio_dma_msg_fn msg, void *arg);

#endif /* UVFIO_DEVICE_DMA_H */
