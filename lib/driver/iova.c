// SPDX-License-Identifier: MIT
/*
 * lib/driver/iova.c - first-fit IOVA allocator over a sorted array of free
 * extents.  See iova.h for the complexity argument.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "iova.h"

static int extent_cmp(const void *a, const void *b)
{
	const struct vfio_iova_range *x = a;
	const struct vfio_iova_range *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static int ensure_cap(struct uvfio_iova *a, size_t want)
{
	struct vfio_iova_range *n;
	size_t cap;

	if (want <= a->cap)
		return 0;
	cap = a->cap ? a->cap : 8;
	while (cap < want) {
		if (cap > SIZE_MAX / 2 / sizeof(*n))
			return -ENOMEM;
		cap *= 2;
	}
	n = realloc(a->free, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	a->free = n;
	a->cap = cap;
	return 0;
}

static int insert_at(struct uvfio_iova *a, size_t i, uint64_t start, uint64_t end)
{
	int ret = ensure_cap(a, a->nr + 1);

	if (ret)
		return ret;
	memmove(&a->free[i + 1], &a->free[i], (a->nr - i) * sizeof(a->free[0]));
	a->free[i].start = start;
	a->free[i].end = end;
	a->nr++;
	return 0;
}

static void remove_at(struct uvfio_iova *a, size_t i)
{
	memmove(&a->free[i], &a->free[i + 1], (a->nr - i - 1) * sizeof(a->free[0]));
	a->nr--;
}

/* Index of the first extent whose start is above @iova (upper bound). */
static size_t upper_bound(const struct uvfio_iova *a, uint64_t iova)
{
	size_t lo = 0;
	size_t hi = a->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->free[mid].start <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Take [start, end] out of extent @i, which contains it. */
static int carve(struct uvfio_iova *a, size_t i, uint64_t start, uint64_t end)
{
	struct vfio_iova_range *e = &a->free[i];

	if (start == e->start && end == e->end) {
		remove_at(a, i);
		return 0;
	}
	if (start == e->start) {
		e->start = end + 1;
		return 0;
	}
	if (end == e->end) {
		e->end = start - 1;
		return 0;
	}
	/* A hole in the middle: the extent splits in two. */
	{
		uint64_t tail_end = e->end;
		int ret = insert_at(a, i + 1, end + 1, tail_end);

		if (ret)
			return ret;
		a->free[i].end = start - 1;
	}
	return 0;
}

int uvfio_iova_create(const struct vfio_iova_range *ranges, size_t nr, struct uvfio_iova **out)
{
	struct uvfio_iova *a;
	size_t i;
	size_t n = 0;

	if (!out || (nr && !ranges))
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (ranges[i].start > ranges[i].end)
			return -EINVAL;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (nr) {
		if (ensure_cap(a, nr)) {
			free(a);
			return -ENOMEM;
		}
		memcpy(a->free, ranges, nr * sizeof(*ranges));
		qsort(a->free, nr, sizeof(*ranges), extent_cmp);
		/* Merge overlapping and touching ranges. */
		for (i = 0; i < nr; i++) {
			struct vfio_iova_range *last = n ? &a->free[n - 1] : NULL;

			if (last && (last->end == UINT64_MAX || a->free[i].start <= last->end + 1)) {
				if (a->free[i].end > last->end)
					last->end = a->free[i].end;
				continue;
			}
			a->free[n++] = a->free[i];
		}
	}
	a->nr = n;
	*out = a;
	return 0;
}

void uvfio_iova_destroy(struct uvfio_iova *a)
{
	if (!a)
		return;
	free(a->free);
	free(a);
}

int uvfio_iova_alloc(struct uvfio_iova *a, uint64_t size, uint64_t align, uint64_t limit,
		     uint64_t *out)
{
	size_t i;

	if (!a || !out || !size || !align || (align & (align - 1)))
		return -EINVAL;

	for (i = 0; i < a->nr; i++) {
		const struct vfio_iova_range *e = &a->free[i];
		uint64_t start;
		uint64_t end;

		if (e->start > limit)
			break;
		/* Align up; a wrap means no later (higher) extent fits either. */
		if (e->start > UINT64_MAX - (align - 1))
			break;
		start = (e->start + align - 1) & ~(align - 1);
		if (start > UINT64_MAX - (size - 1))
			break;
		end = start + size - 1;
		if (end > limit)
			break;
		if (end > e->end)
			continue;
		{
			int ret = carve(a, i, start, end);

			if (ret)
				return ret;
		}
		*out = start;
		return 0;
	}
	return -ENOSPC;
}

int uvfio_iova_reserve(struct uvfio_iova *a, uint64_t iova, uint64_t size)
{
	uint64_t end;
	size_t i;

	if (!a || !size || iova > UINT64_MAX - (size - 1))
		return -EINVAL;
	end = iova + size - 1;
	i = upper_bound(a, iova);
	if (i == 0)
		return -ERANGE;
	i--;
	if (a->free[i].end < end)
		return -ERANGE;
	return carve(a, i, iova, end);
}

int uvfio_iova_free(struct uvfio_iova *a, uint64_t iova, uint64_t size)
{
	struct vfio_iova_range *prev;
	struct vfio_iova_range *next;
	bool merge_prev;
	bool merge_next;
	uint64_t end;
	size_t i;

	if (!a || !size || iova > UINT64_MAX - (size - 1))
		return -EINVAL;
	end = iova + size - 1;
	i = upper_bound(a, iova);
	prev = i > 0 ? &a->free[i - 1] : NULL;
	next = i < a->nr ? &a->free[i] : NULL;

	/* Overlap with free space means a double free (or a bogus range). */
	if (prev && prev->end >= iova)
		return -EINVAL;
	if (next && next->start <= end)
		return -EINVAL;

	/* prev->end < iova and end < next->start, so the +1s cannot wrap. */
	merge_prev = prev && prev->end + 1 == iova;
	merge_next = next && end + 1 == next->start;
	if (merge_prev && merge_next) {
		prev->end = next->end;
		remove_at(a, i);
		return 0;
	}
	if (merge_prev) {
		prev->end = end;
		return 0;
	}
	if (merge_next) {
		next->start = iova;
		return 0;
	}
	return insert_at(a, i, iova, end);
}

size_t uvfio_iova_nr_extents(const struct uvfio_iova *a)
{
	return a ? a->nr : 0;
}

uint64_t uvfio_iova_free_bytes(const struct uvfio_iova *a)
{
	uint64_t total = 0;
	size_t i;

	if (!a)
		return 0;
	for (i = 0; i < a->nr; i++) {
		uint64_t len = a->free[i].end - a->free[i].start;

		/* len + 1 and the sum both saturate. */
		if (len == UINT64_MAX || total > UINT64_MAX - len - 1)
			return UINT64_MAX;
		total += len + 1;
	}
	return total;
}
