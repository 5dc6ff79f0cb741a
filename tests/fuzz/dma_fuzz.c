// SPDX-License-Identifier: MIT
/*
 * Fuzz target for lib/device's DMA space (dma.h, the IOMMU emulation):
 * random sequences of map, unmap, unmap-all, find, translate and rw,
 * checked step by step against a reference model — a plain array of
 * windows, searched linearly — that states type1 v2's rules
 * (linux-vfio.md §3.1, §3.2) independently of the AVL tree:
 *
 *   map:    unknown or no permission flags, size 0, misalignment, wrap:
 *           -EINVAL; any overlap: -EEXIST; window count or byte budget
 *           exhausted: -ENOSPC; an fd too short for offset + size: -EINVAL.
 *   unmap:  ALL needs iova = size = 0; misalignment, size 0, wrap: -EINVAL;
 *           a window that would be cut in two: -EINVAL; otherwise every
 *           window inside the range goes, and their bytes are reported.
 *   lookup: find, translate and rw see exactly the model's windows, with
 *           their permissions; translate's pointer is the right byte of
 *           the memfd (checked through a second mapping of it).
 *
 * After every step the counters agree with the model, and the tree is a
 * balanced binary search tree of disjoint windows (heights checked).
 * Windows come with a memfd (mmapped by the space) or without one (reached
 * through the message callback, whose pieces are checked).  IOVAs are
 * pages of a small range, so windows meet, plus pages at the top of the
 * 64-bit space, so the wrap checks are exercised.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "device/dma.h"
#include "fuzz.h"

#define PG 4096ull
#define MEMFD_PAGES 32
#define MAX_OPS 256
#define MAX_WIN 64
#define XFER_MAX (3 * PG)

struct win {
	uint64_t iova;
	uint64_t size;
	uint32_t prot;
	bool has_fd;
	uint64_t offset;
};

struct ref {
	struct win w[MAX_WIN];
	unsigned int n;
	uint64_t bytes;
	uint32_t max_maps;
	uint64_t max_bytes;
};

static int memfd = -1;
static uint8_t *mem; /* our own view of the memfd, MEMFD_PAGES pages */

/* The message callback: every piece lies in one fd-less window. */
struct msg_ctx {
	struct ref *ref;
	uint64_t next;	/* pieces come in order: the next starts at or after this */
	uint64_t bytes; /* moved through the callback */
	bool write;
	unsigned int calls;
	int fail_at; /* fail the Nth call with -EIO, or -1 */
};

static bool last_of(uint64_t iova, uint64_t size, uint64_t *last)
{
	*last = iova + size - 1;
	return *last >= iova;
}

static struct win *ref_find(struct ref *r, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (iova >= r->w[i].iova && iova - r->w[i].iova < r->w[i].size)
			return &r->w[i];
	return NULL;
}

static bool ref_overlaps(const struct ref *r, uint64_t first, uint64_t last)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->w[i].iova <= last && first <= r->w[i].iova + r->w[i].size - 1)
			return true;
	return false;
}

static int ref_map(struct ref *r, uint64_t iova, uint64_t size, uint32_t flags, bool with_fd,
		   uint64_t offset)
{
	const uint32_t known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	uint64_t last;
	struct win *w;

	if ((flags & ~known) || !(flags & known))
		return -EINVAL;
	if (!size || size % PG || iova % PG || offset % PG)
		return -EINVAL;
	if (!last_of(iova, size, &last) || offset + size - 1 < offset ||
	    offset + size - 1 > INT64_MAX)
		return -EINVAL;
	if (ref_overlaps(r, iova, last))
		return -EEXIST;
	if (r->n >= r->max_maps)
		return -ENOSPC;
	if (size > r->max_bytes - r->bytes)
		return -ENOSPC;
	if (with_fd && (offset > MEMFD_PAGES * PG || size > MEMFD_PAGES * PG - offset))
		return -EINVAL;
	FZ_CHECK(r->n < MAX_WIN);
	w = &r->w[r->n++];
	w->iova = iova;
	w->size = size;
	w->prot = ((flags & VFIO_DMA_MAP_FLAG_READ) ? UVFIO_DMA_READ : 0) |
		  ((flags & VFIO_DMA_MAP_FLAG_WRITE) ? UVFIO_DMA_WRITE : 0);
	w->has_fd = with_fd;
	w->offset = offset;
	r->bytes += size;
	return 0;
}

static int ref_unmap(struct ref *r, uint64_t iova, uint64_t size, uint32_t flags,
		     uint64_t *unmapped)
{
	uint64_t last;
	unsigned int i;

	*unmapped = 0;
	if (flags & ~(uint32_t)VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;
	if (flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (iova || size)
			return -EINVAL;
		*unmapped = r->bytes;
		r->n = 0;
		r->bytes = 0;
		return 0;
	}
	if (!size || size % PG || iova % PG || !last_of(iova, size, &last))
		return -EINVAL;
	/* No window may stick out of either end of the range. */
	for (i = 0; i < r->n; i++) {
		uint64_t wl = r->w[i].iova + r->w[i].size - 1;

		if (r->w[i].iova <= last && iova <= wl && (r->w[i].iova < iova || wl > last))
			return -EINVAL;
	}
	for (i = 0; i < r->n;) {
		if (r->w[i].iova >= iova && r->w[i].iova <= last) {
			*unmapped += r->w[i].size;
			r->bytes -= r->w[i].size;
			r->w[i] = r->w[--r->n];
		} else {
			i++;
		}
	}
	return 0;
}

/* ---- the tree --------------------------------------------------------------- */

struct tree_stats {
	unsigned int n;
	uint64_t bytes;
	bool have_prev;
	uint64_t prev_last;
};

static int check_subtree(const struct uvfio_dma_map *m, struct tree_stats *st)
{
	int hl;
	int hr;

	if (!m)
		return 0;
	hl = check_subtree(m->left, st);
	/* In order: sorted, disjoint, never wrapping, never empty. */
	FZ_CHECK(m->size && m->size % PG == 0 && m->iova % PG == 0);
	FZ_CHECK(m->iova + m->size - 1 >= m->iova);
	if (st->have_prev)
		FZ_CHECK(m->iova > st->prev_last);
	st->have_prev = true;
	st->prev_last = m->iova + m->size - 1;
	st->n++;
	st->bytes += m->size;
	hr = check_subtree(m->right, st);
	FZ_CHECK(hl - hr <= 1 && hr - hl <= 1);
	FZ_CHECK_EQ(m->height, (hl > hr ? hl : hr) + 1);
	return m->height;
}

static void check_space(struct uvfio_dma_space *s, struct ref *r)
{
	struct tree_stats st = {0};
	unsigned int i;

	check_subtree(s->root, &st);
	FZ_CHECK_EQ(st.n, r->n);
	FZ_CHECK(st.bytes == r->bytes);
	FZ_CHECK_EQ(s->nmaps, r->n);
	FZ_CHECK(s->bytes == r->bytes);
	/* Every model window is in the tree, as it is. */
	for (i = 0; i < r->n; i++) {
		const struct uvfio_dma_map *m =
			uvfio_dma_space_find(s, r->w[i].iova + r->w[i].size / 2);

		FZ_CHECK(m && m->iova == r->w[i].iova && m->size == r->w[i].size);
		FZ_CHECK_EQ(m->prot, r->w[i].prot);
		FZ_CHECK_EQ(m->va != NULL, r->w[i].has_fd);
	}
}

/* ---- decisions ------------------------------------------------------------- */

static uint64_t pick_iova(struct fz *f)
{
	uint8_t k = fz_u8(f);

	if (k < 200)
		return (uint64_t)(k % 48) * PG;
	if (k < 230)
		return 0ull - (uint64_t)(k % 8 + 1) * PG; /* the top of the space */
	if (k < 245)
		return (uint64_t)(k % 48) * PG + fz_u16(f) % PG; /* unaligned */
	return fz_u64(f);
}

static uint64_t pick_size(struct fz *f)
{
	uint8_t k = fz_u8(f);

	if (k < 220)
		return (uint64_t)(k % 9) * PG;
	if (k < 240)
		return (uint64_t)(k % 9) * PG + fz_u16(f) % PG;
	return fz_u64(f);
}

static int msg_cb(void *arg, uvfio_iova_t iova, void *buf, size_t len, bool write)
{
	struct msg_ctx *c = arg;
	struct win *w = ref_find(c->ref, iova);

	(void)buf;
	FZ_CHECK(len > 0);
	FZ_CHECK_EQ(write, c->write);
	FZ_CHECK(iova >= c->next);
	FZ_CHECK(w && !w->has_fd && iova + len - 1 <= w->iova + w->size - 1);
	c->next = iova + len;
	c->bytes += len;
	if ((int)c->calls++ == c->fail_at)
		return -EIO;
	return 0;
}

/* What rw must return, by the model (the whole range is checked first). */
static int ref_rw(struct ref *r, uint64_t iova, size_t len, bool write, bool have_cb)
{
	uint32_t need = write ? UVFIO_DMA_WRITE : UVFIO_DMA_READ;
	uint64_t cur = iova;
	uint64_t last;

	if (!len)
		return 0;
	if (!last_of(iova, len, &last))
		return -EFAULT;
	for (;;) {
		struct win *w = ref_find(r, cur);
		uint64_t wl;

		if (!w)
			return -EFAULT;
		if (!(w->prot & need))
			return -EPERM;
		if (!w->has_fd && !have_cb)
			return -ENOMEM;
		wl = w->iova + w->size - 1;
		if (wl >= last)
			return 0;
		cur = wl + 1;
	}
}

static void op_translate(struct uvfio_dma_space *s, struct ref *r, struct fz *f)
{
	uint64_t iova = pick_iova(f) + fz_u16(f) % PG;
	size_t len = fz_u16(f) % (2 * PG);
	unsigned int prot = fz_u8(f) % 4;
	struct win *w = ref_find(r, iova);
	uint64_t n = len ? len : 1;
	void *va = NULL;
	int want;
	int ret;

	if (iova + (n - 1) < iova || !w || iova + (n - 1) > w->iova + w->size - 1)
		want = -EFAULT;
	else if ((prot & w->prot) != prot)
		want = -EPERM;
	else if (!w->has_fd)
		want = -ENOMEM;
	else
		want = 0;
	ret = uvfio_dma_space_translate(s, iova, len, prot, &va);
	FZ_CHECK_EQ(ret, want);
	if (ret || !(w->prot & UVFIO_DMA_READ))
		return;
	/* The pointer is the memfd's byte at offset + (iova - window start). */
	FZ_CHECK(memcmp(va, mem + w->offset + (iova - w->iova), n) == 0);
	if (w->prot & UVFIO_DMA_WRITE) {
		uint8_t b = (uint8_t)(iova * 7 + 1);

		*(volatile uint8_t *)va = b;
		FZ_CHECK_EQ(mem[w->offset + (iova - w->iova)], b);
	}
}

static void op_rw(struct uvfio_dma_space *s, struct ref *r, struct fz *f)
{
	static uint8_t buf[XFER_MAX];
	uint64_t iova = pick_iova(f) + fz_u16(f) % PG;
	size_t len = fz_u16(f) % (XFER_MAX + 1);
	bool write = fz_bool(f);
	bool have_cb = fz_u8(f) < 200;
	struct msg_ctx c = {
		.ref = r,
		.next = iova,
		.write = write,
		.fail_at = fz_u8(f) < 16 ? (int)(fz_u8(f) % 4) : -1,
	};
	int want = ref_rw(r, iova, len, write, have_cb);
	uint64_t by_msg = 0;
	uint64_t cur;
	size_t done;
	int ret;

	memset(buf, 0x5a, len);
	ret = uvfio_dma_space_rw(s, iova, buf, len, write, have_cb ? msg_cb : NULL, &c);
	if (want == 0 && c.fail_at >= 0 && (int)c.calls > c.fail_at)
		want = -EIO; /* the callback failed it */
	FZ_CHECK_EQ(ret, want);
	if (ret)
		return;
	/* Every fd-backed byte moved, to or from the right place. */
	for (cur = iova, done = 0; done < len;) {
		struct win *w = ref_find(r, cur);
		uint64_t chunk = w->iova + w->size - cur;

		if (chunk > len - done)
			chunk = len - done;
		if (w->has_fd)
			FZ_CHECK(memcmp(buf + done, mem + w->offset + (cur - w->iova), chunk) == 0);
		else
			by_msg += chunk;
		done += chunk;
		cur += chunk;
	}
	/* And every fd-less byte went through the callback, once. */
	FZ_CHECK(c.bytes == by_msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref r;
	struct uvfio_dma_space s;
	struct fz f;
	unsigned int ops;
	uint8_t k;

	if (size > 8192)
		return 0;
	if (memfd < 0) {
		memfd = memfd_create("uvfio-fuzz-dma", MFD_CLOEXEC);
		FZ_CHECK(memfd >= 0);
		FZ_CHECK(ftruncate(memfd, MEMFD_PAGES * PG) == 0);
		mem = mmap(NULL, MEMFD_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
		FZ_CHECK(mem != MAP_FAILED);
	}
	fz_init(&f, data, size);
	memset(&r, 0, sizeof(r));
	k = fz_u8(&f);
	r.max_maps = k % 17 + 1;
	r.max_bytes = (k & 0x80) ? UINT64_MAX : (uint64_t)(fz_u8(&f) % 40 + 1) * PG;
	uvfio_dma_space_init(&s, r.max_maps, r.max_bytes, PG);

	for (ops = 0; ops < MAX_OPS && fz_more(&f); ops++) {
		uint8_t op = fz_u8(&f);
		uint64_t iova;
		uint64_t len;
		uint64_t got;
		uint64_t want_got;
		uint32_t flags;
		int ret;

		switch (op % 8) {
		case 0:
		case 1:
		case 2: { /* map, with an fd or without */
			bool with_fd = fz_u8(&f) < 96;
			uint64_t offset = (uint64_t)(fz_u8(&f) % (MEMFD_PAGES + 2)) * PG;
			int fd = -1;

			iova = pick_iova(&f);
			len = pick_size(&f);
			flags = fz_u8(&f) < 240 ? (uint32_t)(fz_u8(&f) % 3 + 1) : fz_u32(&f);
			if (with_fd) {
				fd = dup(memfd);
				FZ_CHECK(fd >= 0);
			}
			ret = uvfio_dma_space_map(&s, iova, len, flags, fd, offset);
			FZ_CHECK_EQ(ret, ref_map(&r, iova, len, flags, with_fd, offset));
			/* On success the space took the fd; on failure it is ours. */
			if (ret && fd >= 0)
				close(fd);
			break;
		}
		case 3:
		case 4: { /* unmap */
			iova = pick_iova(&f);
			len = pick_size(&f);
			flags = fz_u8(&f) < 240 ? 0 : fz_u32(&f);
			ret = uvfio_dma_space_unmap(&s, iova, len, flags, &got);
			FZ_CHECK_EQ(ret, ref_unmap(&r, iova, len, flags, &want_got));
			FZ_CHECK(got == want_got);
			break;
		}
		case 5:
			if (fz_u8(&f) < 32) {
				ret = uvfio_dma_space_unmap(&s, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
							    &got);
				FZ_CHECK_EQ(ret, ref_unmap(&r, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
							   &want_got));
				FZ_CHECK(got == want_got);
			} else {
				op_translate(&s, &r, &f);
			}
			break;
		case 6:
			op_rw(&s, &r, &f);
			break;
		default: { /* find */
			const struct uvfio_dma_map *m;
			struct win *w;

			iova = pick_iova(&f) + fz_u16(&f) % PG;
			m = uvfio_dma_space_find(&s, iova);
			w = ref_find(&r, iova);
			FZ_CHECK_EQ(m != NULL, w != NULL);
			if (m)
				FZ_CHECK(m->iova == w->iova && m->size == w->size);
			break;
		}
		}
		check_space(&s, &r);
	}
	uvfio_dma_space_clear(&s);
	FZ_CHECK(s.root == NULL && s.nmaps == 0 && s.bytes == 0);
	return 0;
}
