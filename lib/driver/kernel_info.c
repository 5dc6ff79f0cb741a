// SPDX-License-Identifier: MIT
/*
 * kernel_info.c - parsing of the capability chain the kernel returns from
 * VFIO_IOMMU_GET_INFO (region info chains are parsed by the core's
 * regioninfo.c, shared with vfio-user).
 *
 * The chain is a struct vfio_info_cap_header list whose offsets are relative
 * to the start of the user buffer (linux/vfio.h: "struct vfio_info_cap_header").
 * The kernel is trusted more than a vfio-user server, but the walk also reads
 * buffers a mock (or a buggy kernel) filled, so every offset is bounds
 * checked, offsets must strictly increase (no loops), and the walk stops after
 * a fixed number of capabilities.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel.h"

/* More capabilities than any kernel reports in one chain (6.1 has at most 3). */
#define MAX_CAPS 64

/*
 * cap_at() - the header at @off in @buf of @len bytes, with at least @need
 * bytes of capability available, or NULL.
 */
static const struct vfio_info_cap_header *cap_at(const void *buf, size_t len, uint32_t off,
						 size_t need)
{
	if (off < sizeof(struct vfio_info_cap_header) || off > len || len - off < need)
		return NULL;
	/* The kernel aligns capabilities to 8 bytes (vfio_info_cap_add()). */
	if (off % 4)
		return NULL;
	return (const struct vfio_info_cap_header *)((const char *)buf + off);
}

/*
 * walk_caps() - call @fn for every capability of the chain starting at
 * @first; @min_off is the size of the fixed part before the chain.
 * Return: 0, -EPROTO for a malformed chain, or what @fn returned.
 */
static int walk_caps(const void *buf, size_t len, uint32_t first, size_t min_off,
		     int (*fn)(void *arg, const struct vfio_info_cap_header *h, size_t avail),
		     void *arg)
{
	uint32_t off = first;
	unsigned int n = 0;
	uint32_t prev = 0;
	int ret;

	while (off) {
		const struct vfio_info_cap_header *h;

		if (off < min_off || (prev && off <= prev) || ++n > MAX_CAPS)
			return -EPROTO;
		h = cap_at(buf, len, off, sizeof(*h));
		if (!h)
			return -EPROTO;
		ret = fn(arg, h, len - off);
		if (ret)
			return ret;
		prev = off;
		off = h->next;
	}
	return 0;
}

static int iommu_cap(void *arg, const struct vfio_info_cap_header *h, size_t avail)
{
	struct uvfio_kernel_iommu_info *info = arg;

	switch (h->id) {
	case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: {
		const struct vfio_iommu_type1_info_cap_iova_range *r = (const void *)h;
		uint32_t i;

		if (avail < sizeof(*r))
			return -EPROTO;
		if (r->nr_iovas > (avail - sizeof(*r)) / sizeof(r->iova_ranges[0]))
			return -EPROTO;
		info->nr_ranges = 0;
		for (i = 0; i < r->nr_iovas; i++) {
			const struct vfio_iova_range *ir = &r->iova_ranges[i];

			if (ir->start > ir->end)
				return -EPROTO;
			/* Fewer ranges only means less IOVA space: keep the first ones. */
			if (info->nr_ranges == UVFIO_KERNEL_MAX_IOVA_RANGES)
				break;
			info->ranges[info->nr_ranges].start = ir->start;
			info->ranges[info->nr_ranges].end = ir->end;
			info->nr_ranges++;
		}
		info->has_ranges = true;
		break;
	}
	case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: {
		const struct vfio_iommu_type1_info_dma_avail *a = (const void *)h;

		if (avail < sizeof(*a))
			return -EPROTO;
		info->dma_avail = a->avail;
		info->has_dma_avail = true;
		break;
	}
	default:
		/* VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION and future caps: not used. */
		break;
	}
	return 0;
}

int uvfio_kernel_parse_iommu_info(const void *buf, size_t len, struct uvfio_kernel_iommu_info *info)
{
	const struct vfio_iommu_type1_info *ii = buf;
	size_t minsz = offsetof(struct vfio_iommu_type1_info, cap_offset) + sizeof(ii->cap_offset);
	int ret;

	memset(info, 0, sizeof(*info));
	if (len < offsetof(struct vfio_iommu_type1_info, cap_offset))
		return -EPROTO;
	if (ii->flags & VFIO_IOMMU_INFO_PGSIZES)
		info->pgsizes = ii->iova_pgsizes;
	if (len >= minsz && (ii->flags & VFIO_IOMMU_INFO_CAPS) && ii->cap_offset) {
		ret = walk_caps(buf, len < ii->argsz ? len : ii->argsz, ii->cap_offset, minsz,
				iommu_cap, info);
		if (ret)
			return ret;
	}
	if (!info->has_ranges) {
		/*
		 * Kernels before 5.4 have no IOVA_RANGE capability: assume the
		 * whole space except the x86 MSI doorbell window, which the
		 * IOMMU reserves (Intel VT-d spec 3.13: 0xfee00000-0xfeefffff).
		 */
		info->ranges[0].start = 0;
		info->ranges[0].end = 0xfedfffffULL;
		info->ranges[1].start = 0xfef00000ULL;
		info->ranges[1].end = UINT64_MAX;
		info->nr_ranges = 2;
	}
	if (!info->pgsizes)
		info->pgsizes = 4096;
	return 0;
}
