// SPDX-License-Identifier: MIT
/*
 * lib/driver/container.c - containers, DMA domains and DMA buffers.
 *
 * A container is one DMA address space made of domains (backend.h): every
 * buffer is mapped into every domain at the same IOVA.  The IOVA allocator
 * covers the intersection of the domains' ranges, aligned to the smallest
 * page size they all support, and stays below the narrowest DMA mask of the
 * container's devices.  Whenever the domain set changes the allocator is
 * rebuilt from scratch (free space = ranges minus live buffers), which keeps
 * the invariants trivially true and costs O(buffers) per join or leave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include "backend.h"
#include "iova.h"

/**
 * struct uvfio_dma_buf_priv - a DMA buffer as the container keeps it.
 * @pub: what the caller sees.
 * @fd: the memfd behind it.
 * @flags: UVFIO_DMA_* it was allocated with.
 * @prot: VFIO_DMA_MAP_FLAG_READ/WRITE as the device sees it.
 * @next, @prev: container list.
 */
struct uvfio_dma_buf_priv {
	struct uvfio_dma_buf pub;
	int fd;
	unsigned int flags;
	uint32_t prot;
	struct uvfio_dma_buf_priv *next;
	struct uvfio_dma_buf_priv *prev;
};

#define DMA_FLAGS_KNOWN (UVFIO_DMA_HUGETLB | UVFIO_DMA_READONLY | UVFIO_DMA_NO_FD)

static uint64_t host_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

/* The default huge page size, which MFD_HUGETLB uses (memfd_create(2)). */
static uint64_t huge_page_size(void)
{
	char line[128];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1) {
				kb = v;
				break;
			}
		}
		fclose(f);
	}
	/* 2 MiB: the x86-64 default when /proc does not say. */
	return kb ? kb * 1024 : 2u << 20;
}

static unsigned int nr_bufs(const struct uvfio_container *c)
{
	const struct uvfio_dma_buf_priv *b;
	unsigned int n = 0;

	for (b = c->bufs; b; b = b->next)
		n++;
	return n;
}

int uvfio_container_create(struct uvfio_container **out)
{
	struct uvfio_container *c;
	int ret;

	if (!out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return uvfio_fail(-ENOMEM, "out of memory creating a container");
	c->sys = &uvfio_sys_default;
	c->pgsize = host_page_size();
	{
		/* No domain yet: everything above the first page (see rebuild). */
		struct vfio_iova_range all = { .start = c->pgsize, .end = UINT64_MAX };

		ret = uvfio_iova_create(&all, 1, &c->iova);
	}
	if (ret) {
		free(c);
		return uvfio_fail(ret, "out of memory creating a container");
	}
	*out = c;
	return 0;
}

void uvfio_container_set_log(struct uvfio_container *c,
			     void (*fn)(void *opaque, int level, const char *msg), void *opaque)
{
	if (!c)
		return;
	c->log_fn = fn;
	c->log_opaque = opaque;
}

int uvfio_container_set_sys_ops(struct uvfio_container *c, const struct uvfio_sys_ops *ops)
{
	if (!c)
		return -EINVAL;
	if (c->devices)
		return -EBUSY;
	if (ops && !ops->version)
		return -EINVAL;
	c->sys = ops ? ops : &uvfio_sys_default;
	return 0;
}

void uvfio_container_destroy(struct uvfio_container *c)
{
	if (!c)
		return;
	while (c->devices)
		uvfio_device_close(c->devices);
	/* Domains left by a backend that did not unlink: forget them. */
	while (c->domains) {
		struct uvfio_dma_domain *dom = c->domains;

		c->domains = dom->next;
		dom->container = NULL;
		dom->next = NULL;
	}
	while (c->bufs)
		uvfio_dma_free(c, &c->bufs->pub);
	if (c->kernel_release)
		c->kernel_release(c);
	uvfio_iova_destroy(c->iova);
	free(c);
}

uint64_t uvfio_container_dma_limit(const struct uvfio_container *c)
{
	const struct uvfio_device *d;
	unsigned int bits = 64;

	for (d = c->devices; d; d = d->next)
		if (d->dma_bits < bits)
			bits = d->dma_bits;
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/*
 * Domain set -> allocator.
 */

static int range_cmp(const void *a, const void *b)
{
	const struct vfio_iova_range *x = a;
	const struct vfio_iova_range *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * Intersect the sorted disjoint list *@cur (*@n entries) with a domain's
 * ranges; *@cur is replaced.  The domain's list is untrusted (a server or the
 * kernel): inverted ranges are dropped and the rest sorted first.
 */
static int intersect(struct vfio_iova_range **cur, size_t *n, const struct vfio_iova_range *dr,
		     size_t dn)
{
	struct vfio_iova_range *d;
	struct vfio_iova_range *res;
	size_t rn = 0;
	size_t m = 0;
	size_t i;
	size_t j;

	d = malloc(dn * sizeof(*d));
	res = malloc((*n + dn) * sizeof(*res));
	if (!d || !res) {
		free(d);
		free(res);
		return -ENOMEM;
	}
	for (i = 0; i < dn; i++)
		if (dr[i].start <= dr[i].end)
			d[m++] = dr[i];
	qsort(d, m, sizeof(*d), range_cmp);

	/* Two-pointer sweep; overlapping domain ranges just produce overlaps we merge. */
	for (i = 0, j = 0; i < *n && j < m;) {
		uint64_t lo = (*cur)[i].start > d[j].start ? (*cur)[i].start : d[j].start;
		uint64_t hi = (*cur)[i].end < d[j].end ? (*cur)[i].end : d[j].end;

		if (lo <= hi) {
			if (rn && res[rn - 1].end >= lo) {
				if (hi > res[rn - 1].end)
					res[rn - 1].end = hi;
			} else {
				res[rn].start = lo;
				res[rn].end = hi;
				rn++;
			}
		}
		if ((*cur)[i].end < d[j].end)
			i++;
		else
			j++;
	}
	free(d);
	free(*cur);
	*cur = res;
	*n = rn;
	return 0;
}

/*
 * Build an allocator for the domains of @c, plus @extra, minus @without:
 * free = intersection of ranges above the first page, minus every buffer.
 * Fails with -ERANGE (and a message) when a buffer does not fit.
 */
static int build_iova(const struct uvfio_container *c, const struct uvfio_dma_domain *extra,
		      const struct uvfio_dma_domain *without, struct uvfio_iova **out,
		      uint64_t *pgsize_out)
{
	const struct uvfio_dma_buf_priv *b;
	const struct uvfio_dma_domain *dom;
	struct vfio_iova_range *cur;
	struct uvfio_iova *a;
	uint64_t pgsize;
	size_t n = 1;
	size_t i;
	int ret;

	/*
	 * The page size every domain supports: the lowest bit of the AND of
	 * their bitmaps that is not below the host page (we cannot map less
	 * than a page).  0 means the domains have no size in common.
	 */
	{
		const struct uvfio_dma_domain *d2;
		uint64_t host = host_page_size();
		uint64_t mask = ~(host - 1);

		for (d2 = c->domains; d2; d2 = d2->next)
			if (d2 != without)
				mask &= d2->pgsizes ? d2->pgsizes : ~(host - 1);
		if (extra)
			mask &= extra->pgsizes ? extra->pgsizes : ~(host - 1);
		pgsize = mask & -mask;
	}
	if (!pgsize)
		return uvfio_fail(-EINVAL, "the DMA domains of this container share no page size");

	cur = malloc(sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	/*
	 * IOVA 0 is never handed out: a zeroed descriptor then points nowhere
	 * instead of at a live buffer.
	 */
	cur->start = pgsize;
	cur->end = UINT64_MAX;
	for (dom = c->domains;; dom = dom->next) {
		const struct uvfio_dma_domain *d2 = dom ? dom : extra;

		if (!d2)
			break;
		if (d2 != without && d2->nr_ranges) {
			if (!d2->ranges) {
				free(cur);
				return uvfio_fail(-EINVAL, "%s reports ranges but no array",
						  d2->name ? d2->name : "a DMA domain");
			}
			ret = intersect(&cur, &n, d2->ranges, d2->nr_ranges);
			if (ret) {
				free(cur);
				return ret;
			}
		}
		if (!dom)
			break;
	}
	/* Trim every range to whole pages. */
	for (i = 0; i < n;) {
		uint64_t s = cur[i].start;
		uint64_t e = cur[i].end;
		bool drop = false;

		if (s & (pgsize - 1)) {
			if (s > UINT64_MAX - pgsize)
				drop = true;
			else
				s = (s | (pgsize - 1)) + 1;
		}
		if (!drop && (e & (pgsize - 1)) != pgsize - 1) {
			if (e < pgsize - 1)
				drop = true;
			else
				e = (e & ~(pgsize - 1)) - 1;
		}
		if (drop || s > e) {
			memmove(&cur[i], &cur[i + 1], (n - i - 1) * sizeof(*cur));
			n--;
			continue;
		}
		cur[i].start = s;
		cur[i].end = e;
		i++;
	}

	ret = uvfio_iova_create(cur, n, &a);
	free(cur);
	if (ret)
		return ret;
	for (b = c->bufs; b; b = b->next) {
		if ((b->pub.iova | b->pub.size) & (pgsize - 1)) {
			uvfio_iova_destroy(a);
			return uvfio_fail(-ERANGE,
					  "DMA buffer at IOVA 0x%llx (0x%zx bytes) is not aligned to "
					  "the IOMMU page size 0x%llx",
					  (unsigned long long)b->pub.iova, b->pub.size,
					  (unsigned long long)pgsize);
		}
		ret = uvfio_iova_reserve(a, b->pub.iova, b->pub.size);
		if (ret) {
			uvfio_iova_destroy(a);
			if (ret == -ERANGE)
				return uvfio_fail(-ERANGE,
						  "DMA buffer at IOVA 0x%llx (0x%zx bytes) lies outside "
						  "the IOVA ranges the IOMMU allows",
						  (unsigned long long)b->pub.iova, b->pub.size);
			return ret;
		}
	}
	*out = a;
	*pgsize_out = pgsize;
	return 0;
}

static int domain_map(struct uvfio_dma_domain *dom, struct uvfio_dma_buf_priv *b)
{
	bool no_fd = b->flags & UVFIO_DMA_NO_FD;

	if (dom->max_maps && dom->nr_maps >= dom->max_maps)
		return uvfio_fail(-ENOSPC, "%s: DMA map limit (%u) reached",
				  dom->name ? dom->name : "DMA domain", dom->max_maps);
	{
		int ret = dom->ops->map(dom, b->pub.iova, b->pub.size, b->pub.vaddr,
					no_fd ? -1 : b->fd, 0, b->prot);

		if (ret)
			return ret;
	}
	dom->nr_maps++;
	return 0;
}

static void domain_unmap(const struct uvfio_container *c, struct uvfio_dma_domain *dom,
			 struct uvfio_dma_buf_priv *b)
{
	int ret = dom->ops->unmap(dom, b->pub.iova, b->pub.size);

	if (ret)
		uvfio_log(c, LOG_WARNING, "%s: unmapping IOVA 0x%llx failed: %d",
			  dom->name ? dom->name : "DMA domain", (unsigned long long)b->pub.iova,
			  ret);
	if (dom->nr_maps)
		dom->nr_maps--;
}

int uvfio_container_add_domain(struct uvfio_container *c, struct uvfio_dma_domain *dom)
{
	struct uvfio_dma_buf_priv *b;
	struct uvfio_iova *a;
	uint64_t pgsize;
	int ret;

	if (!c || !dom || !dom->ops || !dom->ops->map || !dom->ops->unmap || !dom->ops->version)
		return uvfio_fail(-EINVAL, "invalid DMA domain");
	if (dom->container)
		return uvfio_fail(-EBUSY, "DMA domain already in a container");

	ret = build_iova(c, dom, NULL, &a, &pgsize);
	if (ret)
		return ret;
	if (dom->max_maps && nr_bufs(c) > dom->max_maps) {
		uvfio_iova_destroy(a);
		return uvfio_fail(-ENOSPC, "%s allows %u DMA maps; the container has %u buffers",
				  dom->name ? dom->name : "DMA domain", dom->max_maps, nr_bufs(c));
	}

	/* Replay every existing buffer onto the newcomer. */
	dom->nr_maps = 0;
	for (b = c->bufs; b; b = b->next) {
		ret = domain_map(dom, b);
		if (ret) {
			struct uvfio_dma_buf_priv *u;

			for (u = c->bufs; u != b; u = u->next)
				domain_unmap(c, dom, u);
			uvfio_iova_destroy(a);
			return ret;
		}
	}

	dom->container = c;
	dom->next = c->domains;
	c->domains = dom;
	uvfio_iova_destroy(c->iova);
	c->iova = a;
	c->pgsize = pgsize;
	return 0;
}

void uvfio_container_del_domain(struct uvfio_dma_domain *dom, bool unmap)
{
	struct uvfio_container *c;
	struct uvfio_dma_domain **pp;
	struct uvfio_iova *a;
	uint64_t pgsize;

	if (!dom || !dom->container)
		return;
	c = dom->container;
	if (unmap) {
		struct uvfio_dma_buf_priv *b;

		for (b = c->bufs; b; b = b->next)
			domain_unmap(c, dom, b);
	}
	for (pp = &c->domains; *pp; pp = &(*pp)->next) {
		if (*pp == dom) {
			*pp = dom->next;
			break;
		}
	}
	dom->container = NULL;
	dom->next = NULL;
	dom->nr_maps = 0;

	/*
	 * Fewer constraints: the space can only widen, so this cannot fail
	 * except for memory; the old, narrower allocator stays correct then.
	 */
	if (!build_iova(c, NULL, NULL, &a, &pgsize)) {
		uvfio_iova_destroy(c->iova);
		c->iova = a;
		c->pgsize = pgsize;
	}
}

/*
 * DMA buffers.
 */

/*
 * Map @len bytes of @fd at an address aligned to @align (a power of two at
 * least the host page): reserve len + align, then MAP_FIXED inside it.
 */
static int map_aligned(int fd, size_t len, size_t align, void **out)
{
	size_t host = host_page_size();
	uint8_t *res;
	uint8_t *at;
	size_t span;
	void *p;

	if (align <= host) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		*out = p;
		return 0;
	}
	if (len > SIZE_MAX - align)
		return -ENOMEM;
	span = len + align;
	res = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	at = (uint8_t *)(((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1));
	p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		int err = -errno;

		munmap(res, span);
		return err;
	}
	if (at > res)
		munmap(res, (size_t)(at - res));
	if (res + span > at + len)
		munmap(at + len, (size_t)(res + span - (at + len)));
	*out = p;
	return 0;
}

int uvfio_dma_alloc(struct uvfio_container *c, size_t size, unsigned int flags,
		    struct uvfio_dma_buf **out)
{
	struct uvfio_dma_buf_priv *b;
	struct uvfio_dma_domain *dom;
	struct uvfio_dma_domain *failed;
	unsigned int mfd_flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	uint64_t gran = c ? c->pgsize : 0;
	uint64_t limit;
	uint64_t iova;
	size_t len;
	int ret;

	if (!c || !out || !size)
		return uvfio_fail(-EINVAL, "uvfio_dma_alloc: no container, no out pointer or size 0");
	if (flags & ~DMA_FLAGS_KNOWN)
		return uvfio_fail(-EINVAL, "uvfio_dma_alloc: unknown flags 0x%x",
				  flags & ~DMA_FLAGS_KNOWN);
	uvfio_clear_error();

	if (flags & UVFIO_DMA_HUGETLB) {
		uint64_t huge = huge_page_size();

		if (huge > gran)
			gran = huge;
		mfd_flags |= MFD_HUGETLB;
	}
	if (size > SIZE_MAX - (gran - 1))
		return uvfio_fail(-ENOMEM, "DMA buffer of %zu bytes is too large", size);
	len = (size + gran - 1) & ~(size_t)(gran - 1);

	b = calloc(1, sizeof(*b));
	if (!b)
		return uvfio_fail(-ENOMEM, "out of memory for a DMA buffer");
	b->flags = flags;
	b->prot = VFIO_DMA_MAP_FLAG_READ | (flags & UVFIO_DMA_READONLY ? 0 : VFIO_DMA_MAP_FLAG_WRITE);

	b->fd = memfd_create("uvfio-dma", mfd_flags);
	if (b->fd < 0) {
		ret = -errno;
		if (flags & UVFIO_DMA_HUGETLB)
			uvfio_set_error("cannot create a huge-page memfd (%s): is hugetlbfs "
					"supported by this kernel?",
					strerror(-ret));
		else
			uvfio_set_error("memfd_create failed: %s", strerror(-ret));
		goto err_free;
	}
	if (ftruncate(b->fd, (off_t)len)) {
		ret = -errno;
		if (flags & UVFIO_DMA_HUGETLB)
			uvfio_set_error("cannot size a huge-page memfd to %zu bytes (%s): no huge "
					"pages free? Reserve some in /proc/sys/vm/nr_hugepages",
					len, strerror(-ret));
		else
			uvfio_set_error("cannot size a memfd to %zu bytes: %s", len,
					strerror(-ret));
		goto err_close;
	}
	/*
	 * Seal the size: a server that got the fd must not shrink it under us
	 * (our accesses past the new end would SIGBUS).  Best effort: old
	 * kernels refuse seals on hugetlbfs.
	 */
	if (fcntl(b->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		uvfio_log(c, LOG_DEBUG, "could not seal a DMA memfd: %s", strerror(errno));

	ret = map_aligned(b->fd, len, gran, &b->pub.vaddr);
	if (ret) {
		if (flags & UVFIO_DMA_HUGETLB)
			uvfio_set_error("cannot map %zu bytes of huge pages (%s): not enough free "
					"huge pages; reserve some in /proc/sys/vm/nr_hugepages",
					len, strerror(-ret));
		else
			uvfio_set_error("cannot map a %zu-byte DMA buffer: %s", len,
					strerror(-ret));
		goto err_close;
	}
	if (flags & UVFIO_DMA_HUGETLB) {
		/* Touch it now: a missing huge page must fail here, not SIGBUS later. */
		memset(b->pub.vaddr, 0, len);
	}
	b->pub.size = len;

	limit = uvfio_container_dma_limit(c);
	ret = uvfio_iova_alloc(c->iova, len, gran, limit, &iova);
	if (ret) {
		if (ret == -ENOSPC)
			uvfio_set_error("no free IOVA space for %zu bytes below 0x%llx (the "
					"narrowest DMA mask of the container's devices)",
					len, (unsigned long long)limit);
		else
			uvfio_set_error("IOVA allocation failed: %s", strerror(-ret));
		goto err_unmap;
	}
	b->pub.iova = iova;

	for (dom = c->domains; dom; dom = dom->next) {
		ret = domain_map(dom, b);
		if (ret) {
			if (!uvfio_last_error()[0])
				uvfio_set_error("%s refused to map %zu bytes at IOVA 0x%llx: %s",
						dom->name ? dom->name : "a DMA domain", len,
						(unsigned long long)iova, strerror(-ret));
			goto err_unmap_domains;
		}
	}

	b->next = c->bufs;
	if (c->bufs)
		c->bufs->prev = b;
	c->bufs = b;
	*out = &b->pub;
	return 0;

err_unmap_domains:
	failed = dom;
	for (dom = c->domains; dom != failed; dom = dom->next)
		domain_unmap(c, dom, b);
	uvfio_iova_free(c->iova, iova, len);
err_unmap:
	munmap(b->pub.vaddr, len);
err_close:
	close(b->fd);
err_free:
	free(b);
	return ret;
}

void uvfio_dma_free(struct uvfio_container *c, struct uvfio_dma_buf *buf)
{
	struct uvfio_dma_buf_priv *b;
	struct uvfio_dma_domain *dom;
	int ret;

	if (!c || !buf)
		return;
	b = (struct uvfio_dma_buf_priv *)((uint8_t *)buf - offsetof(struct uvfio_dma_buf_priv, pub));

	for (dom = c->domains; dom; dom = dom->next)
		domain_unmap(c, dom, b);
	ret = uvfio_iova_free(c->iova, b->pub.iova, b->pub.size);
	if (ret)
		uvfio_log(c, LOG_WARNING, "IOVA 0x%llx not returned to the allocator: %d",
			  (unsigned long long)b->pub.iova, ret);

	if (b->prev)
		b->prev->next = b->next;
	else
		c->bufs = b->next;
	if (b->next)
		b->next->prev = b->prev;

	munmap(b->pub.vaddr, b->pub.size);
	close(b->fd);
	free(b);
}

bool uvfio_container_has_buf_above(const struct uvfio_container *c, uint64_t limit)
{
	const struct uvfio_dma_buf_priv *b;

	for (b = c->bufs; b; b = b->next)
		if (b->pub.iova + (b->pub.size - 1) > limit)
			return true;
	return false;
}
