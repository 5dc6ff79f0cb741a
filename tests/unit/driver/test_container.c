// SPDX-License-Identifier: MIT
/*
 * Unit tests of the container core (lib/driver/container.c) through mock DMA
 * domains: replay of earlier buffers onto a joining domain, every map going
 * to every domain, IOVA ranges intersected, page sizes, map limits, failure
 * injection (the Nth map fails) with rollback, DMA masks, memfd buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "driver/backend.h"

#define PAGE 4096ull
#define MAX_REC 64

/* A mock domain recording what the container asks of it. */
struct mock_dom {
	struct uvfio_dma_domain dom;
	struct {
		uint64_t iova;
		uint64_t size;
		void *vaddr;
		int fd;
		uint32_t prot;
	} live[MAX_REC];
	unsigned int nr_live;
	unsigned int maps;
	unsigned int unmaps;
	int fail_map_at; /* 1-based call number that fails with -EIO; 0 never */
	struct vfio_iova_range ranges[4];
};

static int mock_map(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size, void *vaddr,
		    int fd, uint64_t fd_offset, uint32_t prot)
{
	struct mock_dom *m = dom->priv;

	assert_int_equal(fd_offset, 0);
	m->maps++;
	if (m->fail_map_at && (int)m->maps == m->fail_map_at)
		return -EIO;
	assert_true(m->nr_live < MAX_REC);
	m->live[m->nr_live].iova = iova;
	m->live[m->nr_live].size = size;
	m->live[m->nr_live].vaddr = vaddr;
	m->live[m->nr_live].fd = fd;
	m->live[m->nr_live].prot = prot;
	m->nr_live++;
	return 0;
}

static int mock_unmap(struct uvfio_dma_domain *dom, uvfio_iova_t iova, uint64_t size)
{
	struct mock_dom *m = dom->priv;
	unsigned int i;

	m->unmaps++;
	for (i = 0; i < m->nr_live; i++) {
		if (m->live[i].iova == iova) {
			assert_int_equal(m->live[i].size, size);
			m->live[i] = m->live[--m->nr_live];
			return 0;
		}
	}
	fail_msg("unmap of IOVA 0x%llx that was never mapped", (unsigned long long)iova);
	return -ENOENT;
}

static const struct uvfio_dma_domain_ops mock_ops = {
	.version = UVFIO_DMA_DOMAIN_OPS_VERSION,
	.map = mock_map,
	.unmap = mock_unmap,
};

static struct mock_dom *mock_new(void)
{
	struct mock_dom *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->dom.ops = &mock_ops;
	m->dom.priv = m;
	m->dom.name = "mock";
	return m;
}

static bool mock_has(const struct mock_dom *m, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < m->nr_live; i++)
		if (m->live[i].iova == iova)
			return true;
	return false;
}

/* A bare core device in @c, as a backend's open would leave it. */
static void noop_close(struct uvfio_device *d)
{
	(void)d;
}

static const struct uvfio_backend_ops noop_backend = {
	.version = UVFIO_BACKEND_OPS_VERSION,
	.name = "mock",
	.close = noop_close,
};

static struct uvfio_device *fake_device(struct uvfio_container *c)
{
	struct uvfio_device *d = calloc(1, sizeof(*d));
	unsigned int i;

	assert_non_null(d);
	d->name = strdup("mock");
	d->ops = &noop_backend;
	d->container = c;
	d->dma_bits = 64;
	d->timeout_ms = UVFIO_DEFAULT_TIMEOUT_MS;
	for (i = 0; i < UVFIO_MAX_REGIONS; i++)
		d->regions[i].fd = -1;
	d->next = c->devices;
	c->devices = d;
	return d;
}

static struct uvfio_container *mkc(void)
{
	struct uvfio_container *c = NULL;

	assert_int_equal(uvfio_container_create(&c), 0);
	assert_non_null(c);
	return c;
}

static void test_replay_and_map_everywhere(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct mock_dom *b = mock_new();
	struct uvfio_dma_buf *x, *y, *z, *w;
	unsigned int i;

	(void)state;
	/* Buffers before any domain. */
	assert_int_equal(uvfio_dma_alloc(c, 100, 0, &x), 0);
	assert_int_equal(x->size, PAGE);
	assert_true(x->iova >= PAGE); /* IOVA 0 is never handed out */
	assert_int_equal(uvfio_dma_alloc(c, PAGE + 1, UVFIO_DMA_READONLY, &y), 0);
	assert_int_equal(y->size, 2 * PAGE);
	assert_int_equal(uvfio_dma_alloc(c, PAGE, UVFIO_DMA_NO_FD, &z), 0);

	/* Joining replays all three with their fds and permissions. */
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), 0);
	assert_int_equal(a->nr_live, 3);
	assert_int_equal(a->dom.nr_maps, 3);
	for (i = 0; i < 3; i++) {
		if (a->live[i].iova == x->iova) {
			assert_true(a->live[i].fd >= 0);
			assert_ptr_equal(a->live[i].vaddr, x->vaddr);
			assert_int_equal(a->live[i].prot,
					 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		} else if (a->live[i].iova == y->iova) {
			assert_int_equal(a->live[i].prot, VFIO_DMA_MAP_FLAG_READ);
		} else {
			assert_int_equal(a->live[i].iova, z->iova);
			assert_int_equal(a->live[i].fd, -1);
		}
	}
	assert_int_equal(uvfio_container_add_domain(c, &b->dom), 0);
	assert_int_equal(b->nr_live, 3);
	/* Adding the same domain twice is refused. */
	assert_int_equal(uvfio_container_add_domain(c, &b->dom), -EBUSY);

	/* New buffers go to both. */
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &w), 0);
	assert_true(mock_has(a, w->iova) && mock_has(b, w->iova));
	/* Free goes to both. */
	uvfio_dma_free(c, y);
	assert_int_equal(a->nr_live, 3);
	assert_int_equal(b->nr_live, 3);

	/* Leaving with unmap=true unmaps everything from that domain only. */
	uvfio_container_del_domain(&b->dom, true);
	assert_int_equal(b->nr_live, 0);
	assert_int_equal(a->nr_live, 3);
	assert_null(b->dom.container);

	uvfio_container_destroy(c);
	/* destroy frees buffers through the remaining domain ... or forgets it. */
	free(a);
	free(b);
}

static void test_ranges_intersection(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct mock_dom *b = mock_new();
	struct uvfio_dma_buf *x;
	unsigned int i;

	(void)state;
	/* Kernel-like: below 4 GiB minus the x86 MSI window. */
	a->ranges[0] = (struct vfio_iova_range){ .start = 0, .end = 0xfedfffff };
	a->ranges[1] = (struct vfio_iova_range){ .start = 0xfef00000, .end = 0xffffffff };
	a->dom.ranges = a->ranges;
	a->dom.nr_ranges = 2;
	/* Another: from 3 GiB up, unsorted input. */
	b->ranges[0] = (struct vfio_iova_range){ .start = 0x100000000ull, .end = UINT64_MAX };
	b->ranges[1] = (struct vfio_iova_range){ .start = 0xc0000000ull, .end = 0xffffffffull };
	b->dom.ranges = b->ranges;
	b->dom.nr_ranges = 2;
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), 0);
	assert_int_equal(uvfio_container_add_domain(c, &b->dom), 0);

	/* Intersection: [3 GiB, 0xfedfffff] and [0xfef00000, 4 GiB). */
	assert_int_equal(uvfio_dma_alloc(c, 0x3ee00000, 0, &x), 0);
	assert_int_equal(x->iova, 0xc0000000ull);
	{
		struct uvfio_dma_buf *y;

		/* The MSI hole is skipped: 17 MiB remain above it. */
		assert_int_equal(uvfio_dma_alloc(c, 0x100000, 0, &y), 0);
		assert_int_equal(y->iova, 0xfef00000ull);
		for (i = 0; i < 16; i++) {
			struct uvfio_dma_buf *z;

			assert_int_equal(uvfio_dma_alloc(c, 0x100000, 0, &z), 0);
		}
		/* Full. */
		{
			struct uvfio_dma_buf *z;

			assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), -ENOSPC);
			assert_non_null(strstr(uvfio_last_error(), "IOVA"));
		}
	}
	/* Removing the restrictive domain widens the space again. */
	uvfio_container_del_domain(&b->dom, false);
	{
		struct uvfio_dma_buf *z;

		assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), 0);
		assert_true(z->iova < 0xc0000000ull);
	}
	uvfio_container_destroy(c);
	free(a);
	free(b);
}

static void test_join_refused_when_buffer_outside(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct uvfio_dma_buf *x, *y;

	(void)state;
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &x), 0);
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &y), 0);
	/* A domain that reaches only from 1 GiB: both buffers are outside. */
	a->ranges[0] = (struct vfio_iova_range){ .start = 1ull << 30, .end = UINT64_MAX };
	a->dom.ranges = a->ranges;
	a->dom.nr_ranges = 1;
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), -ERANGE);
	assert_non_null(strstr(uvfio_last_error(), "outside"));
	assert_int_equal(a->nr_live, 0);
	assert_null(a->dom.container);
	/* The container's own allocator is unchanged: the next IOVA is low. */
	{
		struct uvfio_dma_buf *z;

		assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), 0);
		assert_true(z->iova < (1ull << 30));
	}
	uvfio_container_destroy(c);
	free(a);
}

static void test_page_sizes(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct mock_dom *b = mock_new();
	struct uvfio_dma_buf *x;

	(void)state;
	/* 64 KiB minimum IOMMU page (as on some arm64 IOMMUs). */
	a->dom.pgsizes = (64ull << 10) | (2ull << 20);
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), 0);
	assert_int_equal(c->pgsize, 64ull << 10);
	assert_int_equal(uvfio_dma_alloc(c, 1, 0, &x), 0);
	assert_int_equal(x->size, 64ull << 10);
	assert_int_equal(x->iova & ((64ull << 10) - 1), 0);
	/* The vaddr is aligned too (type1 requires vaddr aligned to the page). */
	assert_int_equal((uintptr_t)x->vaddr & ((64u << 10) - 1), 0);
	/* A domain with only 4 KiB pages shares no size with it. */
	b->dom.pgsizes = PAGE;
	assert_int_equal(uvfio_container_add_domain(c, &b->dom), -EINVAL);
	assert_int_equal(b->nr_live, 0);
	uvfio_container_destroy(c);
	free(a);

	/* A 4 KiB buffer, then a 64 KiB-page domain: misaligned -> -ERANGE. */
	c = mkc();
	a = mock_new();
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &x), 0);
	a->dom.pgsizes = 64ull << 10;
	if (x->iova & ((64ull << 10) - 1)) {
		assert_int_equal(uvfio_container_add_domain(c, &a->dom), -ERANGE);
		assert_non_null(strstr(uvfio_last_error(), "aligned"));
	}
	uvfio_container_destroy(c);
	free(a);
	free(b);
}

static void test_max_maps_and_rollback(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct mock_dom *b = mock_new();
	struct uvfio_dma_buf *x, *y, *z;
	uint64_t failed_iova;

	(void)state;
	a->dom.max_maps = 2;
	assert_int_equal(uvfio_container_add_domain(c, &b->dom), 0);
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), 0);
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &x), 0);
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &y), 0);
	/* The third exceeds a's limit: b's map of it is rolled back. */
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), -ENOSPC);
	assert_non_null(strstr(uvfio_last_error(), "limit"));
	assert_int_equal(a->nr_live, 2);
	assert_int_equal(b->nr_live, 2);
	uvfio_dma_free(c, y);
	/* Freed: room again; and the IOVA was reused. */
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), 0);
	failed_iova = z->iova;
	uvfio_dma_free(c, z);

	/* Failure injection: b's next map fails; a must not keep it either. */
	b->fail_map_at = (int)b->maps + 1;
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), -EIO);
	assert_int_equal(a->nr_live, 1);
	assert_int_equal(b->nr_live, 1);
	/* The IOVA was released: the next buffer gets it. */
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &z), 0);
	assert_int_equal(z->iova, failed_iova);

	/* A joining domain whose limit is below the buffer count is refused. */
	{
		struct mock_dom *m = mock_new();

		m->dom.max_maps = 1;
		assert_int_equal(uvfio_container_add_domain(c, &m->dom), -ENOSPC);
		/* A replay that fails midway unmaps what it replayed. */
		m->dom.max_maps = 0;
		m->fail_map_at = 2;
		assert_int_equal(uvfio_container_add_domain(c, &m->dom), -EIO);
		assert_int_equal(m->nr_live, 0);
		assert_null(m->dom.container);
		free(m);
	}
	uvfio_container_destroy(c);
	free(a);
	free(b);
}

static void test_dma_mask(void **state)
{
	struct uvfio_container *c = mkc();
	struct uvfio_device *d1 = fake_device(c);
	struct uvfio_device *d2 = fake_device(c);
	struct uvfio_dma_buf *x;
	unsigned int i;

	(void)state;
	assert_int_equal(uvfio_device_set_dma_mask(d1, 11), -EINVAL);
	assert_int_equal(uvfio_device_set_dma_mask(d1, 65), -EINVAL);
	assert_int_equal(uvfio_device_set_dma_mask(d1, 32), 0);
	assert_int_equal(uvfio_device_set_dma_mask(d2, 28), 0);
	/* The narrowest mask wins: everything below 256 MiB. */
	assert_int_equal(uvfio_container_dma_limit(c), (1ull << 28) - 1);
	for (i = 0; i < 255; i++) {
		assert_int_equal(uvfio_dma_alloc(c, 1 << 20, 0, &x), 0);
		assert_true(x->iova + x->size - 1 < (1ull << 28));
	}
	assert_int_equal(uvfio_dma_alloc(c, 1 << 20, 0, &x), -ENOSPC);
	/* Widen d2: allocation continues above 256 MiB, under 4 GiB. */
	assert_int_equal(uvfio_device_set_dma_mask(d2, 64), 0);
	assert_int_equal(uvfio_dma_alloc(c, 1 << 20, 0, &x), 0);
	assert_true(x->iova + x->size - 1 >= (1ull << 28));
	/* Narrowing below a live buffer is refused. */
	assert_int_equal(uvfio_device_set_dma_mask(d2, 28), -EBUSY);
	assert_non_null(strstr(uvfio_last_error(), "above"));
	uvfio_dma_free(c, x);
	assert_int_equal(uvfio_device_set_dma_mask(d2, 28), 0);
	uvfio_container_destroy(c); /* closes the fake devices */
}

static void test_buffer_memory(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct uvfio_dma_buf *x;
	size_t i;
	int seals;

	(void)state;
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), 0);
	assert_int_equal(uvfio_dma_alloc(c, 3 * PAGE, 0, &x), 0);
	for (i = 0; i < x->size; i++)
		assert_int_equal(((uint8_t *)x->vaddr)[i], 0);
	memset(x->vaddr, 0xa5, x->size);
	/* The fd given to the domain is the memory: sealed against shrinking. */
	assert_int_equal(a->nr_live, 1);
	seals = fcntl(a->live[0].fd, F_GET_SEALS);
	assert_true(seals >= 0 && (seals & F_SEAL_SHRINK));
	assert_int_not_equal(ftruncate(a->live[0].fd, 0), 0);
	{
		uint8_t v = 0;

		assert_int_equal(pread(a->live[0].fd, &v, 1, 2 * PAGE), 1);
		assert_int_equal(v, 0xa5);
	}
	/* Bad flags and sizes. */
	assert_int_equal(uvfio_dma_alloc(c, 0, 0, &x), -EINVAL);
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 1u << 30, &x), -EINVAL);
	uvfio_container_destroy(c);
	free(a);
}

static void test_hugetlb(void **state)
{
	struct uvfio_container *c = mkc();
	struct uvfio_dma_buf *x = NULL;
	int ret;

	(void)state;
	ret = uvfio_dma_alloc(c, 1, UVFIO_DMA_HUGETLB, &x);
	if (ret) {
		/* No huge pages here: the error must say so. */
		assert_true(ret < 0);
		assert_non_null(strstr(uvfio_last_error(), "huge"));
		uvfio_container_destroy(c);
		UVFIO_SKIP("no huge pages on this machine (%s)", uvfio_last_error());
		return;
	}
	assert_int_equal(x->size & ((2u << 20) - 1), 0);
	assert_int_equal(x->iova & ((2u << 20) - 1), 0);
	uvfio_container_destroy(c);
}

/* Alloc/free through the container: the same IOVA every time, no growth. */
static void test_container_cycles(void **state)
{
	struct uvfio_container *c = mkc();
	struct mock_dom *a = mock_new();
	struct uvfio_dma_buf *x;
	uint64_t first;
	unsigned int i;

	(void)state;
	assert_int_equal(uvfio_container_add_domain(c, &a->dom), 0);
	assert_int_equal(uvfio_dma_alloc(c, PAGE, 0, &x), 0);
	first = x->iova;
	uvfio_dma_free(c, x);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(uvfio_dma_alloc(c, PAGE * (1 + i % 3), 0, &x), 0);
		assert_int_equal(x->iova, first);
		uvfio_dma_free(c, x);
	}
	assert_int_equal(a->nr_live, 0);
	assert_int_equal(a->maps, 2001);
	assert_int_equal(a->unmaps, 2001);
	uvfio_container_destroy(c);
	free(a);
}

static void test_open_dispatch_errors(void **state)
{
	struct uvfio_container *c = mkc();
	struct uvfio_device *d = NULL;

	(void)state;
	assert_int_equal(uvfio_device_open(c, "nonsense", &d), -EINVAL);
	assert_non_null(strstr(uvfio_last_error(), "unix:"));
	assert_int_equal(uvfio_device_open(c, "unix:", &d), -EINVAL);
	assert_int_equal(uvfio_device_open(c, "unix:/nonexistent/uvfio-test.sock", &d), -ENOENT);
	assert_non_null(strstr(uvfio_last_error(), "/nonexistent/uvfio-test.sock"));
	assert_null(c->devices);
	uvfio_container_destroy(c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_replay_and_map_everywhere),
	cmocka_unit_test(test_ranges_intersection),
	cmocka_unit_test(test_join_refused_when_buffer_outside),
	cmocka_unit_test(test_page_sizes),
	cmocka_unit_test(test_max_maps_and_rollback),
	cmocka_unit_test(test_dma_mask),
	cmocka_unit_test(test_buffer_memory),
	cmocka_unit_test(test_hugetlb),
	cmocka_unit_test(test_container_cycles),
	cmocka_unit_test(test_open_dispatch_errors),
};

UVFIO_TEST_MAIN(tests)
