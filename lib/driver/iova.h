/* SPDX-License-Identifier: MIT */
/*
 * lib/driver/iova.h - IOVA allocator (internal to uvfio).
 *
 * The free IOVA space is a sorted array of disjoint, non-adjacent extents
 * (inclusive ends, as the kernel's struct vfio_iova_range).  Allocation is
 * first fit from the lowest address: O(number of free extents); freeing is a
 * binary search plus a merge with both neighbours, so a freed IOVA is reused
 * and the array never grows across alloc/free cycles.  The array only holds
 * holes, so a container with N buffers holds at most N + ranges extents.
 *
 * Pure: no I/O, no locks; the caller serialises.
 */
#ifndef UVFIO_DRIVER_IOVA_H
#define UVFIO_DRIVER_IOVA_H

#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

/**
 * struct uvfio_iova - the allocator.
 * @free: free extents, sorted by start, never overlapping or touching.
 * @nr: extents in use.
 * @cap: extents allocated.
 */
struct uvfio_iova {
	struct vfio_iova_range *free;
	size_t nr;
	size_t cap;
};

/**
 * uvfio_iova_create() - an allocator over @ranges.
 * @ranges: usable ranges (inclusive ends), in any order, may overlap; NULL
 *          with @nr 0 gives an empty allocator.
 * @nr: number of ranges.
 * @out: the allocator.
 * Return: 0, -EINVAL (a range with start > end), -ENOMEM.
 */
int uvfio_iova_create(const struct vfio_iova_range *ranges, size_t nr, struct uvfio_iova **out);
void uvfio_iova_destroy(struct uvfio_iova *a);

/**
 * uvfio_iova_alloc() - take the lowest free [iova, iova + @size) with iova a
 * multiple of @align and iova + @size - 1 <= @limit.
 * @size: bytes, > 0.
 * @align: a power of two.
 * Return: 0 and *@out, -EINVAL (bad arguments), -ENOSPC (no room),
 * -ENOMEM (splitting an extent needed memory).
 */
int uvfio_iova_alloc(struct uvfio_iova *a, uint64_t size, uint64_t align, uint64_t limit,
		     uint64_t *out);

/**
 * uvfio_iova_reserve() - take exactly [@iova, @iova + @size).
 * Return: 0, -ERANGE (not entirely free), -EINVAL, -ENOMEM.
 */
int uvfio_iova_reserve(struct uvfio_iova *a, uint64_t iova, uint64_t size);

/**
 * uvfio_iova_free() - give back [@iova, @iova + @size).
 * Return: 0, -EINVAL (overlaps free space: a double free, or bad arguments),
 * -ENOMEM (the range leaked: no memory to record it).
 */
int uvfio_iova_free(struct uvfio_iova *a, uint64_t iova, uint64_t size);

/** uvfio_iova_nr_extents() - number of free extents (fragmentation). */
size_t uvfio_iova_nr_extents(const struct uvfio_iova *a);
/** uvfio_iova_free_bytes() - total free bytes, saturated at UINT64_MAX. */
uint64_t uvfio_iova_free_bytes(const struct uvfio_iova *a);

#endif /* UVFIO_DRIVER_IOVA_H */
