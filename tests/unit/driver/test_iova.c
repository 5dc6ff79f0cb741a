// SPDX-License-Identifier: MIT
/*
 * Unit tests of the IOVA allocator (lib/driver/iova.c): ranges, alignment
 * (page sizes), limits (DMA masks), reuse, fragmentation, a million
 * alloc/free cycles without growth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "driver/iova.h"

#define PAGE 4096ull

static struct uvfio_iova *mk(const struct vfio_iova_range *r, size_t n)
{
	struct uvfio_iova *a = NULL;

	assert_int_equal(uvfio_iova_create(r, n, &a), 0);
	assert_non_null(a);
	return a;
}

static void test_basic_first_fit(void **state)
{
	struct vfio_iova_range r = { .start = PAGE, .end = (1ull << 32) - 1 };
	struct uvfio_iova *a = mk(&r, 1);
	uint64_t x, y, z;

	(void)state;
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(x, PAGE);
	assert_int_equal(uvfio_iova_alloc(a, 2 * PAGE, PAGE, UINT64_MAX, &y), 0);
	assert_int_equal(y, 2 * PAGE);
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &z), 0);
	assert_int_equal(z, 4 * PAGE);
	/* Free the middle one: the next fitting allocation reuses it. */
	assert_int_equal(uvfio_iova_free(a, y, 2 * PAGE), 0);
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &y), 0);
	assert_int_equal(y, 2 * PAGE);
	assert_int_equal(uvfio_iova_free(a, x, PAGE), 0);
	assert_int_equal(uvfio_iova_free(a, y, PAGE), 0);
	assert_int_equal(uvfio_iova_free(a, z, PAGE), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	assert_int_equal(uvfio_iova_free_bytes(a), (1ull << 32) - PAGE);
	uvfio_iova_destroy(a);
}

static void test_ranges_merged_and_sorted(void **state)
{
	/* Unsorted, overlapping and touching: one merged range plus one apart. */
	struct vfio_iova_range r[] = {
		{ .start = 0x10000, .end = 0x1ffff },
		{ .start = 0x0, .end = 0x7fff },
		{ .start = 0x8000, .end = 0xffff },
		{ .start = 0x18000, .end = 0x20fff },
		{ .start = 0x100000, .end = 0x100fff },
	};
	struct uvfio_iova *a = mk(r, 5);
	uint64_t x;

	(void)state;
	assert_int_equal(uvfio_iova_nr_extents(a), 2);
	assert_int_equal(uvfio_iova_free_bytes(a), 0x21000 + 0x1000);
	/* 0x21000 bytes fit the first; 0x22000 do not fit anywhere. */
	assert_int_equal(uvfio_iova_alloc(a, 0x22000, PAGE, UINT64_MAX, &x), -ENOSPC);
	assert_int_equal(uvfio_iova_alloc(a, 0x21000, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(x, 0);
	assert_int_equal(uvfio_iova_alloc(a, 0x1000, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(x, 0x100000);
	assert_int_equal(uvfio_iova_alloc(a, 0x1000, PAGE, UINT64_MAX, &x), -ENOSPC);
	assert_int_equal(uvfio_iova_nr_extents(a), 0);
	uvfio_iova_destroy(a);
}

static void test_bad_arguments(void **state)
{
	struct vfio_iova_range bad = { .start = 10, .end = 5 };
	struct vfio_iova_range r = { .start = 0, .end = UINT64_MAX };
	struct uvfio_iova *a = NULL;
	uint64_t x;

	(void)state;
	assert_int_equal(uvfio_iova_create(&bad, 1, &a), -EINVAL);
	assert_int_equal(uvfio_iova_create(NULL, 1, &a), -EINVAL);
	a = mk(&r, 1);
	assert_int_equal(uvfio_iova_alloc(a, 0, PAGE, UINT64_MAX, &x), -EINVAL);
	assert_int_equal(uvfio_iova_alloc(a, PAGE, 3, UINT64_MAX, &x), -EINVAL);
	assert_int_equal(uvfio_iova_alloc(a, PAGE, 0, UINT64_MAX, &x), -EINVAL);
	assert_int_equal(uvfio_iova_free(a, UINT64_MAX, 2), -EINVAL);
	assert_int_equal(uvfio_iova_reserve(a, UINT64_MAX - 1, 3), -EINVAL);
	/* The whole 64-bit space is one extent, counted saturated. */
	assert_int_equal(uvfio_iova_free_bytes(a), UINT64_MAX);
	uvfio_iova_destroy(a);
	/* Empty allocator. */
	a = mk(NULL, 0);
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x), -ENOSPC);
	uvfio_iova_destroy(a);
}

static void test_whole_space_edges(void **state)
{
	struct vfio_iova_range r = { .start = 0, .end = UINT64_MAX };
	struct uvfio_iova *a = mk(&r, 1);
	uint64_t x;

	(void)state;
	/* The top page of the 64-bit space can be reserved and freed. */
	assert_int_equal(uvfio_iova_reserve(a, UINT64_MAX - PAGE + 1, PAGE), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	assert_int_equal(uvfio_iova_free(a, UINT64_MAX - PAGE + 1, PAGE), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	/* A 2^63 allocation aligned to 2^63 fits twice, then no more. */
	assert_int_equal(uvfio_iova_alloc(a, 1ull << 63, 1ull << 63, UINT64_MAX, &x), 0);
	assert_int_equal(x, 0);
	assert_int_equal(uvfio_iova_alloc(a, 1ull << 63, 1ull << 63, UINT64_MAX, &x), 0);
	assert_int_equal(x, 1ull << 63);
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x), -ENOSPC);
	assert_int_equal(uvfio_iova_free(a, 0, 1ull << 63), 0);
	assert_int_equal(uvfio_iova_free(a, 1ull << 63, 1ull << 63), 0);
	assert_int_equal(uvfio_iova_free_bytes(a), UINT64_MAX);
	uvfio_iova_destroy(a);
}

static void test_alignment(void **state)
{
	struct vfio_iova_range r = { .start = PAGE, .end = (1ull << 40) - 1 };
	struct uvfio_iova *a = mk(&r, 1);
	const uint64_t huge = 2ull << 20;
	uint64_t x, y;

	(void)state;
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(x, PAGE);
	/* A 2 MiB-aligned request skips to the next 2 MiB boundary ... */
	assert_int_equal(uvfio_iova_alloc(a, huge, huge, UINT64_MAX, &y), 0);
	assert_int_equal(y, huge);
	/* ... leaving the gap below usable by small requests. */
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(x, 2 * PAGE);
	assert_int_equal(uvfio_iova_nr_extents(a), 2);
	/* 1 GiB alignment. */
	assert_int_equal(uvfio_iova_alloc(a, PAGE, 1ull << 30, UINT64_MAX, &x), 0);
	assert_int_equal(x, 1ull << 30);
	uvfio_iova_destroy(a);
}

static void test_limit_dma_mask(void **state)
{
	struct vfio_iova_range r = { .start = PAGE, .end = UINT64_MAX };
	struct uvfio_iova *a = mk(&r, 1);
	const uint64_t mask28 = (1ull << 28) - 1; /* QEMU edu's DMA mask */
	uint64_t x;
	unsigned int n = 0;

	(void)state;
	/* Fill everything under 256 MiB with 1 MiB chunks. */
	while (uvfio_iova_alloc(a, 1 << 20, PAGE, mask28, &x) == 0) {
		assert_true(x + (1 << 20) - 1 <= mask28);
		n++;
	}
	/* 256 MiB - 1 page, in 1 MiB pieces starting at one page: 255 fit. */
	assert_int_equal(n, 255);
	/* Smaller chunks still fit in the tail under the mask. */
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, mask28, &x), 0);
	assert_true(x <= mask28);
	/* A 1 MiB chunk does not fit below the mask any more ... */
	assert_int_equal(uvfio_iova_alloc(a, 1 << 20, PAGE, mask28, &x), -ENOSPC);
	/* ... but with a 32-bit mask it does, straddling 256 MiB. */
	assert_int_equal(uvfio_iova_alloc(a, 1 << 20, PAGE, (1ull << 32) - 1, &x), 0);
	assert_true(x <= mask28 && x + (1 << 20) - 1 > mask28);
	assert_true(x + (1 << 20) - 1 < (1ull << 32));
	/* A limit below the first range. */
	assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, PAGE - 1, &x), -ENOSPC);
	uvfio_iova_destroy(a);
}

static void test_reserve(void **state)
{
	struct vfio_iova_range r = { .start = 0x10000, .end = 0x1ffff };
	struct uvfio_iova *a = mk(&r, 1);
	uint64_t x;

	(void)state;
	assert_int_equal(uvfio_iova_reserve(a, 0x14000, 0x2000), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 2);
	/* Taken, partly taken, and outside: -ERANGE. */
	assert_int_equal(uvfio_iova_reserve(a, 0x14000, 0x1000), -ERANGE);
	assert_int_equal(uvfio_iova_reserve(a, 0x13000, 0x2000), -ERANGE);
	assert_int_equal(uvfio_iova_reserve(a, 0x8000, 0x1000), -ERANGE);
	assert_int_equal(uvfio_iova_reserve(a, 0x1f000, 0x2000), -ERANGE);
	/* Allocation goes around the reservation. */
	assert_int_equal(uvfio_iova_alloc(a, 0x5000, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(x, 0x16000);
	assert_int_equal(uvfio_iova_free(a, 0x14000, 0x2000), 0);
	assert_int_equal(uvfio_iova_free(a, x, 0x5000), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	uvfio_iova_destroy(a);
}

static void test_double_free(void **state)
{
	struct vfio_iova_range r = { .start = PAGE, .end = (1ull << 32) - 1 };
	struct uvfio_iova *a = mk(&r, 1);
	uint64_t x, y;

	(void)state;
	assert_int_equal(uvfio_iova_alloc(a, 4 * PAGE, PAGE, UINT64_MAX, &x), 0);
	assert_int_equal(uvfio_iova_alloc(a, 4 * PAGE, PAGE, UINT64_MAX, &y), 0);
	assert_int_equal(uvfio_iova_free(a, x, 4 * PAGE), 0);
	assert_int_equal(uvfio_iova_free(a, x, 4 * PAGE), -EINVAL);
	/* Overlapping free space on either side. */
	assert_int_equal(uvfio_iova_free(a, y + 2 * PAGE, 4 * PAGE), -EINVAL);
	assert_int_equal(uvfio_iova_free(a, x + PAGE, 4 * PAGE), -EINVAL);
	assert_int_equal(uvfio_iova_free(a, y, 4 * PAGE), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	uvfio_iova_destroy(a);
}

/* 1e6 alloc/free cycles: same IOVA back every time, nothing grows. */
static void test_million_cycles_no_growth(void **state)
{
	struct vfio_iova_range r = { .start = PAGE, .end = (1ull << 39) - 1 };
	struct uvfio_iova *a = mk(&r, 1);
	uint64_t keep[8];
	uint64_t first = 0;
	size_t cap;
	unsigned int i;

	(void)state;
	/* A few long-lived buffers so the free list has several holes. */
	for (i = 0; i < 8; i++)
		assert_int_equal(uvfio_iova_alloc(a, PAGE * (i + 1), PAGE, UINT64_MAX, &keep[i]), 0);
	for (i = 0; i < 8; i += 2)
		assert_int_equal(uvfio_iova_free(a, keep[i], PAGE * (i + 1)), 0);
	cap = a->cap;
	{
		size_t nr = uvfio_iova_nr_extents(a);
		uint64_t bytes = uvfio_iova_free_bytes(a);

		for (i = 0; i < 1000000; i++) {
			uint64_t x;
			uint64_t size = PAGE * (1 + (i % 7));

			assert_int_equal(uvfio_iova_alloc(a, size, PAGE, UINT64_MAX, &x), 0);
			if (i < 7)
				first = first > x ? first : x;
			assert_int_equal(uvfio_iova_free(a, x, size), 0);
		}
		assert_int_equal(uvfio_iova_nr_extents(a), nr);
		assert_int_equal(uvfio_iova_free_bytes(a), bytes);
		assert_int_equal(a->cap, cap);
	}
	/* The IOVAs used were all low: freed space is reused, never leaked. */
	assert_true(first < (1ull << 20));
	uvfio_iova_destroy(a);
}

/* Free every other of N buffers, then allocate into the holes and past them. */
static void test_fragmentation(void **state)
{
	enum { N = 4096 };
	struct vfio_iova_range r = { .start = PAGE, .end = (1ull << 32) - 1 };
	struct uvfio_iova *a = mk(&r, 1);
	uint64_t *x = calloc(N, sizeof(*x));
	uint64_t big;
	unsigned int i;

	(void)state;
	assert_non_null(x);
	for (i = 0; i < N; i++)
		assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x[i]), 0);
	for (i = 0; i < N; i += 2)
		assert_int_equal(uvfio_iova_free(a, x[i], PAGE), 0);
	/* N/2 one-page holes plus the tail. */
	assert_int_equal(uvfio_iova_nr_extents(a), N / 2 + 1);
	/* Two pages fit no hole: they go to the tail. */
	assert_int_equal(uvfio_iova_alloc(a, 2 * PAGE, PAGE, UINT64_MAX, &big), 0);
	assert_true(big > x[N - 1]);
	/* One page fills the lowest hole first. */
	{
		uint64_t y;

		assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &y), 0);
		assert_int_equal(y, x[0]);
		assert_int_equal(uvfio_iova_free(a, y, PAGE), 0);
	}
	/* Freeing the rest coalesces everything back into one extent. */
	for (i = 1; i < N; i += 2)
		assert_int_equal(uvfio_iova_free(a, x[i], PAGE), 0);
	assert_int_equal(uvfio_iova_free(a, big, 2 * PAGE), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	assert_int_equal(uvfio_iova_free_bytes(a), (1ull << 32) - PAGE);
	/* Random order frees coalesce too. */
	for (i = 0; i < N; i++)
		assert_int_equal(uvfio_iova_alloc(a, PAGE, PAGE, UINT64_MAX, &x[i]), 0);
	srand(1);
	for (i = N - 1; i > 0; i--) {
		unsigned int j = (unsigned int)rand() % (i + 1);
		uint64_t t = x[i];

		x[i] = x[j];
		x[j] = t;
	}
	for (i = 0; i < N; i++)
		assert_int_equal(uvfio_iova_free(a, x[i], PAGE), 0);
	assert_int_equal(uvfio_iova_nr_extents(a), 1);
	free(x);
	uvfio_iova_destroy(a);
}


static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_basic_first_fit),
	cmocka_unit_test(test_ranges_merged_and_sorted),
	cmocka_unit_test(test_bad_arguments),
	cmocka_unit_test(test_whole_space_edges),
	cmocka_unit_test(test_alignment),
	cmocka_unit_test(test_limit_dma_mask),
	cmocka_unit_test(test_reserve),
	cmocka_unit_test(test_double_free),
	cmocka_unit_test(test_million_cycles_no_growth),
	cmocka_unit_test(test_fragmentation),
};

UVFIO_TEST_MAIN(tests)
