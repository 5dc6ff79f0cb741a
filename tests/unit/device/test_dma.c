// SPDX-License-Identifier: MIT
/*
 * Unit tests of lib/device's DMA space: the type1 v2 rules of map and
 * unmap (shared/docs/linux-vfio.md §3.1, §3.2), translation and copies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "test.h"
#include "device/dma.h"

#define PG 4096ull
#define R VFIO_DMA_MAP_FLAG_READ
#define W VFIO_DMA_MAP_FLAG_WRITE
#define RW (R | W)

static int memfd_of(size_t size)
{
	int fd = memfd_create("test-dma", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

struct map_case {
	const char *what;
	uint64_t iova;
	uint64_t size;
	uint32_t flags;
	int ret;
};

/* Against a space holding [0x10000, 0x20000) RW (fd-less). */
static const struct map_case map_cases[] = {
	{"unaligned iova", 0x30001, PG, RW, -EINVAL},
	{"unaligned size", 0x30000, PG + 1, RW, -EINVAL},
	{"size 0", 0x30000, 0, RW, -EINVAL},
	{"iova+size wraps", 0xfffffffffffff000ull, 2 * PG, RW, -EINVAL},
	{"no READ nor WRITE", 0x30000, PG, 0, -EINVAL},
	{"unknown flag", 0x30000, PG, RW | 4, -EINVAL},
	{"same range", 0x10000, 0x10000, RW, -EEXIST},
	{"overlaps the start", 0xf000, 2 * PG, RW, -EEXIST},
	{"overlaps the end", 0x1f000, 2 * PG, RW, -EEXIST},
	{"inside", 0x14000, PG, RW, -EEXIST},
	{"contains", 0x0, 0x100000, RW, -EEXIST},
	{"touches below", 0xf000, PG, RW, 0},
	{"touches above", 0x20000, PG, R, 0},
	{"write-only", 0x40000, PG, W, 0},
	{"last page of the space", 0xfffffffffffff000ull, PG, RW, 0},
};

static void test_map_rules(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
		const struct map_case *c = &map_cases[i];
		struct uvfio_dma_space s;
		int ret;

		uvfio_dma_space_init(&s, 100, 1ull << 40, PG);
		assert_int_equal(uvfio_dma_space_map(&s, 0x10000, 0x10000, RW, -1, 0), 0);
		ret = uvfio_dma_space_map(&s, c->iova, c->size, c->flags, -1, 0);
		if (ret != c->ret)
			fail_msg("%s: got %d, want %d", c->what, ret, c->ret);
		assert_int_equal(s.nmaps, c->ret ? 1 : 2);
		uvfio_dma_space_clear(&s);
	}
}

static void test_map_limits(void **state)
{
	struct uvfio_dma_space s;

	(void)state;
	/* type1: dma_entry_limit exhausted is -ENOSPC. */
	uvfio_dma_space_init(&s, 2, 1ull << 40, PG);
	assert_int_equal(uvfio_dma_space_map(&s, 0, PG, RW, -1, 0), 0);
	assert_int_equal(uvfio_dma_space_map(&s, PG, PG, RW, -1, 0), 0);
	assert_int_equal(uvfio_dma_space_map(&s, 2 * PG, PG, RW, -1, 0), -ENOSPC);
	uvfio_dma_space_clear(&s);
	assert_int_equal(s.nmaps, 0);
	assert_int_equal(uvfio_dma_space_map(&s, 2 * PG, PG, RW, -1, 0), 0);
	uvfio_dma_space_clear(&s);

	/* The byte budget. */
	uvfio_dma_space_init(&s, 100, 4 * PG, PG);
	assert_int_equal(uvfio_dma_space_map(&s, 0, 3 * PG, RW, -1, 0), 0);
	assert_int_equal(uvfio_dma_space_map(&s, 8 * PG, 2 * PG, RW, -1, 0), -ENOSPC);
	assert_int_equal(uvfio_dma_space_map(&s, 8 * PG, PG, RW, -1, 0), 0);
	assert_int_equal(s.bytes, 4 * PG);
	uvfio_dma_space_clear(&s);
}

struct unmap_case {
	const char *what;
	uint64_t iova;
	uint64_t size;
	uint32_t flags;
	int ret;
	uint64_t unmapped;
	uint32_t left;
};

/* Against [0x10000,+0x4000), [0x20000,+0x4000), [0x24000,+0x1000). */
static const struct unmap_case unmap_cases[] = {
	{"exact", 0x10000, 0x4000, 0, 0, 0x4000, 2},
	{"bisects the start", 0x11000, 0x3000, 0, -EINVAL, 0, 3},
	{"bisects the end", 0x10000, 0x2000, 0, -EINVAL, 0, 3},
	{"ends inside the next", 0x10000, 0x12000, 0, -EINVAL, 0, 3},
	{"superset of two and a gap", 0x0, 0x24000, 0, 0, 0x8000, 1},
	{"superset of all", 0x0, 0x100000, 0, 0, 0x9000, 0},
	{"gap only", 0x14000, 0xc000, 0, 0, 0, 3},
	{"adjacent pair", 0x20000, 0x5000, 0, 0, 0x5000, 1},
	{"unaligned", 0x10000, 0x4001, 0, -EINVAL, 0, 3},
	{"size 0", 0x10000, 0, 0, -EINVAL, 0, 3},
	{"wraps", 0xfffffffffffff000ull, 0x2000, 0, -EINVAL, 0, 3},
	{"all", 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0x9000, 0},
	{"all with a range", 0x10000, 0x4000, VFIO_DMA_UNMAP_FLAG_ALL, -EINVAL, 0, 3},
	{"dirty bitmap", 0x10000, 0x4000, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, -EINVAL, 0, 3},
	{"unknown flag", 0x10000, 0x4000, 1u << 7, -EINVAL, 0, 3},
};

static void test_unmap_rules(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unmap_cases) / sizeof(unmap_cases[0]); i++) {
		const struct unmap_case *c = &unmap_cases[i];
		struct uvfio_dma_space s;
		uint64_t unmapped = 1234;
		int ret;

		uvfio_dma_space_init(&s, 100, 1ull << 40, PG);
		assert_int_equal(uvfio_dma_space_map(&s, 0x10000, 0x4000, RW, -1, 0), 0);
		assert_int_equal(uvfio_dma_space_map(&s, 0x20000, 0x4000, RW, -1, 0), 0);
		assert_int_equal(uvfio_dma_space_map(&s, 0x24000, 0x1000, R, -1, 0), 0);
		ret = uvfio_dma_space_unmap(&s, c->iova, c->size, c->flags, &unmapped);
		if (ret != c->ret || unmapped != c->unmapped || s.nmaps != c->left)
			fail_msg("%s: got %d/%#llx/%u, want %d/%#llx/%u", c->what, ret,
				 (unsigned long long)unmapped, s.nmaps, c->ret,
				 (unsigned long long)c->unmapped, c->left);
		uvfio_dma_space_clear(&s);
	}
}

static void test_fd_maps(void **state)
{
	struct uvfio_dma_space s;
	int fd = memfd_of(8 * PG);
	int pfd[2];
	uint8_t *mem;
	void *va;
	char buf[32];

	(void)state;
	uvfio_dma_space_init(&s, 100, 1ull << 40, PG);
	mem = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(mem != MAP_FAILED);

	/* Too short for offset + size: refused, the fd stays ours. */
	assert_int_equal(uvfio_dma_space_map(&s, 0x100000, 8 * PG, RW, fd, PG), -EINVAL);
	assert_true(fd_open(fd));
	/* A pipe is no memory. */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(uvfio_dma_space_map(&s, 0x100000, PG, RW, pfd[0], 0), -EINVAL);
	close(pfd[0]);
	close(pfd[1]);

	/* [0x100000, +2 pages) RW at offset 2 pages; [0x102000, +1) read-only at 4 pages. */
	assert_int_equal(uvfio_dma_space_map(&s, 0x100000, 2 * PG, RW, dup(fd), 2 * PG), 0);
	assert_int_equal(uvfio_dma_space_map(&s, 0x102000, PG, R, dup(fd), 4 * PG), 0);
	/* A window without fd right after. */
	assert_int_equal(uvfio_dma_space_map(&s, 0x103000, PG, RW, -1, 0), 0);

	memcpy(mem + 2 * PG + 16, "hello, device", 14);
	assert_int_equal(uvfio_dma_space_translate(&s, 0x100010, 14, UVFIO_DMA_READ, &va), 0);
	assert_memory_equal(va, "hello, device", 14);
	assert_int_equal(
		uvfio_dma_space_translate(&s, 0x100010, 14, UVFIO_DMA_READ | UVFIO_DMA_WRITE, &va),
		0);
	/* Read-only window: translate for write and write are -EPERM. */
	assert_int_equal(uvfio_dma_space_translate(&s, 0x102000, 8, UVFIO_DMA_WRITE, &va), -EPERM);
	assert_int_equal(uvfio_dma_space_translate(&s, 0x102000, 8, UVFIO_DMA_READ, &va), 0);
	assert_int_equal(uvfio_dma_space_rw(&s, 0x102000, buf, 8, true, NULL, NULL), -EPERM);
	/* Across two windows, and outside any: -EFAULT. */
	assert_int_equal(uvfio_dma_space_translate(&s, 0x101ff8, 16, UVFIO_DMA_READ, &va), -EFAULT);
	assert_int_equal(uvfio_dma_space_translate(&s, 0x0, 8, UVFIO_DMA_READ, &va), -EFAULT);
	assert_int_equal(
		uvfio_dma_space_translate(&s, 0xfffffffffffffff0ull, 0x20, UVFIO_DMA_READ, &va),
		-EFAULT);
	/* No fd: -ENOMEM, use messages. */
	assert_int_equal(uvfio_dma_space_translate(&s, 0x103000, 8, UVFIO_DMA_READ, &va), -ENOMEM);

	/* A copy spanning two adjacent windows works piece by piece. */
	memcpy(mem + 4 * PG - 8, "ABCDEFGH", 8);
	memcpy(mem + 4 * PG, "IJKLMNOP", 8);
	assert_int_equal(uvfio_dma_space_rw(&s, 0x101ff8, buf, 16, false, NULL, NULL), 0);
	assert_memory_equal(buf, "ABCDEFGHIJKLMNOP", 16);
	/* A write spanning RW and read-only windows moves nothing. */
	memset(buf, 'z', 16);
	assert_int_equal(uvfio_dma_space_rw(&s, 0x101ff8, buf, 16, true, NULL, NULL), -EPERM);
	assert_memory_equal(mem + 4 * PG - 8, "ABCDEFGH", 8);
	/* Into a gap: -EFAULT. */
	assert_int_equal(uvfio_dma_space_rw(&s, 0xffff8, buf, 16, false, NULL, NULL), -EFAULT);

	uvfio_dma_space_clear(&s);
	munmap(mem, 8 * PG);
	close(fd);
}

struct msg_log {
	unsigned int calls;
	uvfio_iova_t iova[4];
	size_t len[4];
	bool write[4];
};

static int log_msg(void *arg, uvfio_iova_t iova, void *buf, size_t len, bool write)
{
	struct msg_log *l = arg;

	if (l->calls < 4) {
		l->iova[l->calls] = iova;
		l->len[l->calls] = len;
		l->write[l->calls] = write;
	}
	l->calls++;
	if (!write)
		memset(buf, 0x5a, len);
	return 0;
}

static void test_fdless_pieces(void **state)
{
	struct uvfio_dma_space s;
	struct msg_log l = {0};
	int fd = memfd_of(PG);
	uint8_t buf[3 * PG];
	uint8_t *mem;

	(void)state;
	uvfio_dma_space_init(&s, 100, 1ull << 40, PG);
	mem = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(mem != MAP_FAILED);
	/* [0x10000: no fd][0x11000: fd][0x12000: no fd] */
	assert_int_equal(uvfio_dma_space_map(&s, 0x10000, PG, RW, -1, 0), 0);
	assert_int_equal(uvfio_dma_space_map(&s, 0x11000, PG, RW, dup(fd), 0), 0);
	assert_int_equal(uvfio_dma_space_map(&s, 0x12000, PG, RW, -1, 0), 0);
	memset(mem, 0x11, PG);
	assert_int_equal(uvfio_dma_space_rw(&s, 0x10800, buf, 2 * PG, false, log_msg, &l), 0);
	assert_int_equal(l.calls, 2);
	assert_int_equal(l.iova[0], 0x10800);
	assert_int_equal(l.len[0], PG / 2);
	assert_int_equal(l.iova[1], 0x12000);
	assert_int_equal(l.len[1], PG / 2);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(buf[PG / 2], 0x11);
	assert_int_equal(buf[2 * PG - 1], 0x5a);
	/* Without a callback, windows without fd cannot be reached. */
	assert_int_equal(uvfio_dma_space_rw(&s, 0x10000, buf, 8, false, NULL, NULL), -ENOMEM);
	uvfio_dma_space_clear(&s);
	munmap(mem, PG);
	close(fd);
}

static int tree_height(const struct uvfio_dma_map *n)
{
	int l;
	int r;

	if (!n)
		return 0;
	l = tree_height(n->left);
	r = tree_height(n->right);
	assert_true(l - r <= 1 && r - l <= 1);
	if (n->left)
		assert_true(n->left->iova < n->iova);
	if (n->right)
		assert_true(n->right->iova > n->iova);
	return (l > r ? l : r) + 1;
}

static void test_many_maps(void **state)
{
	const unsigned int n = 20000;
	struct uvfio_dma_space s;
	uint64_t unmapped;
	unsigned int i;

	(void)state;
	uvfio_dma_space_init(&s, 65535, 1ull << 40, PG);
	/* Map every other page, in a scrambled order (7919 is prime to n). */
	for (i = 0; i < n; i++) {
		uint64_t k = ((uint64_t)i * 7919) % n;

		assert_int_equal(uvfio_dma_space_map(&s, k * 2 * PG, PG, RW, -1, 0), 0);
	}
	assert_int_equal(s.nmaps, n);
	/* AVL: height <= 1.44 log2(n + 2); for 20000 that is < 21. */
	assert_true(tree_height(s.root) <= 21);
	for (i = 0; i < n; i++) {
		const struct uvfio_dma_map *m = uvfio_dma_space_find(&s, (uint64_t)i * 2 * PG + 5);

		assert_non_null(m);
		assert_int_equal(m->iova, (uint64_t)i * 2 * PG);
		assert_null(uvfio_dma_space_find(&s, (uint64_t)i * 2 * PG + PG));
	}
	/* Remove the lower half with one v2 unmap, then check the rest. */
	assert_int_equal(uvfio_dma_space_unmap(&s, 0, (uint64_t)n * PG, 0, &unmapped), 0);
	assert_int_equal(unmapped, (uint64_t)n / 2 * PG);
	assert_int_equal(s.nmaps, n / 2);
	tree_height(s.root);
	assert_null(uvfio_dma_space_find(&s, 0));
	assert_non_null(uvfio_dma_space_find(&s, (uint64_t)n * PG));
	uvfio_dma_space_clear(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_map_rules),     cmocka_unit_test(test_map_limits),
	cmocka_unit_test(test_unmap_rules),   cmocka_unit_test(test_fd_maps),
	cmocka_unit_test(test_fdless_pieces), cmocka_unit_test(test_many_maps),
};

UVFIO_TEST_MAIN(tests)
