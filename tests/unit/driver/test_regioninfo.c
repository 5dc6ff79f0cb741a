// SPDX-License-Identifier: MIT
/*
 * Unit tests of the region-info capability-chain parser
 * (lib/driver/regioninfo.c), with well-formed and malicious chains: loops,
 * out-of-bounds offsets, truncated caps, huge nr_areas, areas outside the
 * region.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "driver/backend.h"

#define HEAD sizeof(struct vfio_region_info)

/* A buffer with a region-info head; caps are written with put_*(). */
struct rbuf {
	uint8_t b[1024];
	size_t len;
};

static struct vfio_region_info *head_of(struct rbuf *r)
{
	return (struct vfio_region_info *)r->b;
}

static void init(struct rbuf *r, uint32_t index, uint64_t size, uint32_t flags)
{
	struct vfio_region_info h = {
		.argsz = HEAD,
		.flags = flags,
		.index = index,
		.size = size,
		.offset = 0x10000000000ull,
	};

	memset(r, 0, sizeof(*r));
	memcpy(r->b, &h, sizeof(h));
	r->len = HEAD;
}

static void finish(struct rbuf *r, uint32_t first_cap)
{
	struct vfio_region_info *h = head_of(r);

	h->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	h->cap_offset = first_cap;
	h->argsz = (uint32_t)r->len;
}

static void put_hdr(struct rbuf *r, size_t at, uint16_t id, uint32_t next)
{
	struct vfio_info_cap_header h = { .id = id, .version = 1, .next = next };

	memcpy(r->b + at, &h, sizeof(h));
	if (at + sizeof(h) > r->len)
		r->len = at + sizeof(h);
}

/* Sparse cap at @at with @n areas; returns the end offset. */
static size_t put_sparse(struct rbuf *r, size_t at, uint32_t next, uint32_t nr_areas,
			 const struct vfio_region_sparse_mmap_area *areas, unsigned int n)
{
	struct vfio_region_info_cap_sparse_mmap c = {
		.header = { .id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1, .next = next },
		.nr_areas = nr_areas,
	};
	size_t end = at + sizeof(c) + n * sizeof(*areas);

	memcpy(r->b + at, &c, sizeof(c));
	if (n)
		memcpy(r->b + at + sizeof(c), areas, n * sizeof(*areas));
	if (end > r->len)
		r->len = end;
	return end;
}

static size_t put_type(struct rbuf *r, size_t at, uint32_t next, uint32_t type, uint32_t subtype)
{
	struct vfio_region_info_cap_type c = {
		.header = { .id = VFIO_REGION_INFO_CAP_TYPE, .version = 1, .next = next },
		.type = type,
		.subtype = subtype,
	};

	memcpy(r->b + at, &c, sizeof(c));
	if (at + sizeof(c) > r->len)
		r->len = at + sizeof(c);
	return at + sizeof(c);
}

static int parse(struct rbuf *r, struct uvfio_region_info *out)
{
	uint64_t fdoff = 0;

	return uvfio_region_info_parse(head_of(r), r->len, out, &fdoff);
}

static void test_no_caps(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;
	uint64_t off = 0;

	(void)state;
	init(&r, 2, 0x4000, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
	assert_int_equal(uvfio_region_info_parse(head_of(&r), r.len, &info, &off), 0);
	assert_int_equal(info.index, 2);
	assert_int_equal(info.size, 0x4000);
	assert_int_equal(off, 0x10000000000ull);
	assert_false(info.has_sparse);
	assert_false(info.has_type);
	assert_false(info.msix_mappable);
	/* cap_offset without the CAPS flag is ignored. */
	head_of(&r)->cap_offset = 0xdead;
	assert_int_equal(parse(&r, &info), 0);
	/* Shorter than the head. */
	assert_int_equal(uvfio_region_info_parse(head_of(&r), HEAD - 1, &info, &off), -EPROTO);
	assert_string_not_equal(uvfio_last_error(), "");
}

static void test_sparse_type_msix(void **state)
{
	const struct vfio_region_sparse_mmap_area areas[] = {
		{ .offset = 0, .size = 0x1000 },
		{ .offset = 0x2000, .size = 0x2000 },
		{ .offset = 0x3000, .size = 0 }, /* empty: skipped */
	};
	struct uvfio_region_info info;
	struct rbuf r;
	size_t end;

	(void)state;
	init(&r, 0, 0x4000, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP);
	end = put_sparse(&r, HEAD, 0, 3, areas, 3);
	/* Chain: MSIX_MAPPABLE -> TYPE -> SPARSE; unknown id 99 in between. */
	put_hdr(&r, end, 99, (uint32_t)end + 8);
	put_type(&r, end + 8, HEAD, 3, 1);
	put_hdr(&r, end + 24, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, (uint32_t)end);
	finish(&r, (uint32_t)end + 24);
	assert_int_equal(parse(&r, &info), 0);
	assert_true(info.has_sparse);
	assert_int_equal(info.nr_sparse, 2);
	assert_int_equal(info.sparse[0].offset, 0);
	assert_int_equal(info.sparse[0].size, 0x1000);
	assert_int_equal(info.sparse[1].offset, 0x2000);
	assert_int_equal(info.sparse[1].size, 0x2000);
	assert_true(info.has_type);
	assert_int_equal(info.type, 3);
	assert_int_equal(info.subtype, 1);
	assert_true(info.msix_mappable);
}

static void test_sparse_zero_areas(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;

	(void)state;
	init(&r, 1, 0x1000, VFIO_REGION_INFO_FLAG_MMAP);
	put_sparse(&r, HEAD, 0, 0, NULL, 0);
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), 0);
	assert_true(info.has_sparse);
	assert_int_equal(info.nr_sparse, 0);
}

static void test_loop_self(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;

	(void)state;
	init(&r, 0, 0x1000, 0);
	put_hdr(&r, HEAD, 99, HEAD); /* points at itself */
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), -EPROTO);
	assert_non_null(strstr(uvfio_last_error(), "loop"));
}

static void test_loop_two(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;

	(void)state;
	init(&r, 0, 0x1000, 0);
	put_hdr(&r, HEAD, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, HEAD + 8);
	put_hdr(&r, HEAD + 8, 99, HEAD); /* back to the first */
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), -EPROTO);
}

static void test_offsets_out_of_bounds(void **state)
{
	static const uint32_t bad[] = { 1, 8, HEAD - 1, 0x10000, 0xffffffffu };
	struct uvfio_region_info info;
	struct rbuf r;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* As the first cap ... */
		init(&r, 0, 0x1000, 0);
		put_hdr(&r, HEAD, 99, 0);
		finish(&r, bad[i]);
		assert_int_equal(parse(&r, &info), -EPROTO);
		/* ... and as a next pointer. */
		init(&r, 0, 0x1000, 0);
		put_hdr(&r, HEAD, 99, bad[i]);
		finish(&r, HEAD);
		assert_int_equal(parse(&r, &info), -EPROTO);
	}
	/* A header straddling the end of the buffer. */
	init(&r, 0, 0x1000, 0);
	put_hdr(&r, HEAD, 99, 0);
	finish(&r, HEAD);
	r.len = HEAD + 4;
	head_of(&r)->argsz = (uint32_t)r.len;
	assert_int_equal(parse(&r, &info), -EPROTO);
	/* A cap beyond argsz though inside the buffer: argsz wins. */
	init(&r, 0, 0x1000, 0);
	put_hdr(&r, HEAD, 99, 0);
	finish(&r, HEAD);
	head_of(&r)->argsz = HEAD;
	assert_int_equal(parse(&r, &info), -EPROTO);
}

static void test_huge_nr_areas(void **state)
{
	const struct vfio_region_sparse_mmap_area one = { .offset = 0, .size = 0x1000 };
	struct uvfio_region_info info;
	struct rbuf r;

	(void)state;
	init(&r, 0, 0x1000, VFIO_REGION_INFO_FLAG_MMAP);
	put_sparse(&r, HEAD, 0, 0xffffffffu, &one, 1);
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), -EPROTO);
	assert_non_null(strstr(uvfio_last_error(), "areas"));
	/* Two claimed, one present. */
	init(&r, 0, 0x1000, VFIO_REGION_INFO_FLAG_MMAP);
	put_sparse(&r, HEAD, 0, 2, &one, 1);
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), -EPROTO);
	/* Truncated sparse head. */
	init(&r, 0, 0x1000, VFIO_REGION_INFO_FLAG_MMAP);
	put_sparse(&r, HEAD, 0, 0, NULL, 0);
	finish(&r, HEAD);
	r.len = HEAD + 12;
	head_of(&r)->argsz = (uint32_t)r.len;
	assert_int_equal(parse(&r, &info), -EPROTO);
}

static void test_more_areas_than_struct(void **state)
{
	struct vfio_region_sparse_mmap_area areas[UVFIO_MAX_SPARSE_AREAS + 4];
	struct uvfio_region_info info;
	struct rbuf r;
	unsigned int i;

	(void)state;
	for (i = 0; i < UVFIO_MAX_SPARSE_AREAS + 4; i++) {
		areas[i].offset = (uint64_t)i * 0x1000;
		areas[i].size = 0x1000;
	}
	init(&r, 0, 0x100000, VFIO_REGION_INFO_FLAG_MMAP);
	put_sparse(&r, HEAD, 0, UVFIO_MAX_SPARSE_AREAS + 4, areas, UVFIO_MAX_SPARSE_AREAS + 4);
	finish(&r, HEAD);
	/* The first 16 are kept; the rest stay behind region read/write. */
	assert_int_equal(parse(&r, &info), 0);
	assert_int_equal(info.nr_sparse, UVFIO_MAX_SPARSE_AREAS);
	assert_int_equal(info.sparse[15].offset, 15 * 0x1000);
}

static void test_area_outside_region(void **state)
{
	static const struct vfio_region_sparse_mmap_area bad[] = {
		{ .offset = 0x1000, .size = 0x1000 }, /* ends past 0x1800 */
		{ .offset = 0x2000, .size = 0x10 },   /* starts past the end */
		{ .offset = 0xfffffffffffff000ull, .size = 0x2000 }, /* wraps */
		{ .offset = 0x10, .size = 0xffffffffffffffffull },
	};
	struct uvfio_region_info info;
	struct rbuf r;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init(&r, 0, 0x1800, VFIO_REGION_INFO_FLAG_MMAP);
		put_sparse(&r, HEAD, 0, 1, &bad[i], 1);
		finish(&r, HEAD);
		assert_int_equal(parse(&r, &info), -EPROTO);
	}
}

static void test_truncated_type(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;

	(void)state;
	init(&r, 9, 0x1000, 0);
	put_type(&r, HEAD, 0, 1, 2);
	finish(&r, HEAD);
	r.len = HEAD + 12;
	head_of(&r)->argsz = (uint32_t)r.len;
	assert_int_equal(parse(&r, &info), -EPROTO);
}

static void test_long_chain_guard(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;
	size_t at;

	(void)state;
	/* 100 distinct, in-bounds, forward caps: longer than any real chain. */
	init(&r, 0, 0x1000, 0);
	for (at = HEAD; at < HEAD + 100 * 8; at += 8)
		put_hdr(&r, at, 99, at + 8 < HEAD + 100 * 8 ? (uint32_t)(at + 8) : 0);
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), -EPROTO);
	/* 20 of them is fine. */
	init(&r, 0, 0x1000, 0);
	for (at = HEAD; at < HEAD + 20 * 8; at += 8)
		put_hdr(&r, at, 99, at + 8 < HEAD + 20 * 8 ? (uint32_t)(at + 8) : 0);
	finish(&r, HEAD);
	assert_int_equal(parse(&r, &info), 0);
}

/* Unaligned caps are read with memcpy: any offset works. */
static void test_unaligned_cap(void **state)
{
	struct uvfio_region_info info;
	struct rbuf r;

	(void)state;
	init(&r, 9, 0x1000, 0);
	put_type(&r, HEAD + 3, 0, 7, 8);
	finish(&r, HEAD + 3);
	assert_int_equal(parse(&r, &info), 0);
	assert_int_equal(info.type, 7);
	assert_int_equal(info.subtype, 8);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_no_caps),
	cmocka_unit_test(test_sparse_type_msix),
	cmocka_unit_test(test_sparse_zero_areas),
	cmocka_unit_test(test_loop_self),
	cmocka_unit_test(test_loop_two),
	cmocka_unit_test(test_offsets_out_of_bounds),
	cmocka_unit_test(test_huge_nr_areas),
	cmocka_unit_test(test_more_areas_than_struct),
	cmocka_unit_test(test_area_outside_region),
	cmocka_unit_test(test_truncated_type),
	cmocka_unit_test(test_long_chain_guard),
	cmocka_unit_test(test_unaligned_cap),
};

UVFIO_TEST_MAIN(tests)
