// SPDX-License-Identifier: MIT
/*
 * lib/driver/regioninfo.c - decode a kernel-layout struct vfio_region_info and
 * its capability chain, for every backend.
 *
 * The bytes come from a kernel driver or, worse, from a vfio-user server we
 * do not trust: every header and payload is bounds-checked before it is
 * read, every read goes through memcpy (the chain gives no alignment
 * promise), and the walk stops after a fixed number of capabilities, so a
 * chain that loops (next pointing back) cannot hang us.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "backend.h"

/*
 * Loop guard.  A region has a handful of capabilities (linux/vfio.h defines
 * five region cap ids); a chain longer than this is hostile.
 */
#define MAX_REGION_CAPS 64

/* Header of struct vfio_region_info_cap_sparse_mmap before areas[]. */
#define SPARSE_HEAD offsetof(struct vfio_region_info_cap_sparse_mmap, areas)
#define SPARSE_AREA sizeof(struct vfio_region_sparse_mmap_area)

static int parse_sparse(const uint8_t *buf, size_t len, size_t off, struct uvfio_region_info *out)
{
	struct vfio_region_info_cap_sparse_mmap cap;
	size_t room;
	uint32_t i;

	if (len - off < SPARSE_HEAD)
		return uvfio_fail(-EPROTO, "region %u: sparse-mmap capability at %zu is truncated",
				  out->index, off);
	memcpy(&cap, buf + off, SPARSE_HEAD);
	room = (len - off - SPARSE_HEAD) / SPARSE_AREA;
	if (cap.nr_areas > room)
		return uvfio_fail(-EPROTO,
				  "region %u: sparse-mmap capability claims %u areas, room for %zu",
				  out->index, cap.nr_areas, room);

	out->has_sparse = true;
	out->nr_sparse = 0;
	for (i = 0; i < cap.nr_areas; i++) {
		struct vfio_region_sparse_mmap_area area;

		memcpy(&area, buf + off + SPARSE_HEAD + (size_t)i * SPARSE_AREA, sizeof(area));
		if (!area.size)
			continue; /* QEMU skips empty areas too. */
		if (area.offset > out->size || area.size > out->size - area.offset)
			return uvfio_fail(-EPROTO,
					  "region %u: sparse area %u [0x%llx, +0x%llx) outside the "
					  "region (size 0x%llx)",
					  out->index, i, (unsigned long long)area.offset,
					  (unsigned long long)area.size, (unsigned long long)out->size);
		/*
		 * More areas than the public struct holds: keep the first ones.
		 * The rest stay reachable through region read/write.
		 */
		if (out->nr_sparse == UVFIO_MAX_SPARSE_AREAS)
			continue;
		out->sparse[out->nr_sparse].offset = area.offset;
		out->sparse[out->nr_sparse].size = area.size;
		out->nr_sparse++;
	}
	return 0;
}

int uvfio_region_info_parse(const struct vfio_region_info *raw, size_t len,
			    struct uvfio_region_info *out, uint64_t *fd_offset)
{
	struct vfio_region_info head;
	const uint8_t *buf = (const uint8_t *)raw;
	bool seen_sparse = false;
	unsigned int guard = 0;
	size_t off;

	if (!raw || !out || len < sizeof(head))
		return uvfio_fail(-EPROTO, "region info is %zu bytes, shorter than its %zu-byte head",
				  len, sizeof(head));
	memcpy(&head, raw, sizeof(head));
	/* Never look past what the device said is there. */
	if (head.argsz >= sizeof(head) && head.argsz < len)
		len = head.argsz;

	memset(out, 0, sizeof(*out));
	out->index = head.index;
	out->flags = head.flags;
	out->size = head.size;
	if (fd_offset)
		*fd_offset = head.offset;

	if (!(head.flags & VFIO_REGION_INFO_FLAG_CAPS) || !head.cap_offset)
		return 0;

	off = head.cap_offset;
	while (off) {
		struct vfio_info_cap_header hdr;

		if (++guard > MAX_REGION_CAPS)
			return uvfio_fail(-EPROTO,
					  "region %u: capability chain longer than %d (a loop?)",
					  out->index, MAX_REGION_CAPS);
		/* A capability lives after the fixed head and fits in the buffer. */
		if (off < sizeof(head) || off > len || len - off < sizeof(hdr))
			return uvfio_fail(-EPROTO,
					  "region %u: capability offset %zu outside [%zu, %zu)",
					  out->index, off, sizeof(head), len);
		memcpy(&hdr, buf + off, sizeof(hdr));

		switch (hdr.id) {
		case VFIO_REGION_INFO_CAP_SPARSE_MMAP:
			/* A second sparse cap would contradict the first: keep the first. */
			if (!seen_sparse) {
				int ret = parse_sparse(buf, len, off, out);

				if (ret)
					return ret;
				seen_sparse = true;
			}
			break;
		case VFIO_REGION_INFO_CAP_TYPE: {
			struct vfio_region_info_cap_type type;

			if (len - off < sizeof(type))
				return uvfio_fail(-EPROTO,
						  "region %u: type capability at %zu is truncated",
						  out->index, off);
			memcpy(&type, buf + off, sizeof(type));
			out->has_type = true;
			out->type = type.type;
			out->subtype = type.subtype;
			break;
		}
		case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
			/* linux/vfio.h: header only, no payload. */
			out->msix_mappable = true;
			break;
		default:
			/* Unknown ids (NVLINK2 ...) are skipped, as the kernel allows. */
			break;
		}
		off = hdr.next;
	}
	return 0;
}
