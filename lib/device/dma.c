// SPDX-License-Identifier: MIT
/*
 * lib/device/dma.c - the client's DMA windows: an AVL tree of disjoint
 * intervals keyed by IOVA, with the kernel's type1 v2 map/unmap rules
 * (shared/docs/linux-vfio.md §3.1, §3.2).
 *
 * A client that shrinks (ftruncate) a file after mapping it would make our
 * accesses past its new end raise SIGBUS on the device thread; type1 pins
 * the pages, so a shrink cannot hurt a kernel device.  Two defences:
 *
 *  - at map time a memfd gets F_SEAL_SHRINK (unless it has it already, as
 *    QEMU's sealed memory-backend-memfd and our driver library's DMA
 *    buffers do), the nearest thing to pinning.  The seal is permanent on
 *    the client's file: the client can no longer shrink it.  A file that
 *    cannot be sealed (no MFD_ALLOW_SEALING, F_SEAL_SEAL set, tmpfs or
 *    hugetlbfs files) is mapped all the same;
 *  - the copies of uvfio_dma_space_rw() (uvfio_dev_dma_read/write) run
 *    under a SIGBUS guard: a fault inside the window being copied makes the
 *    copy fail with -EFAULT instead of killing the process.  The handler is
 *    installed (process-wide) when a window that could not be sealed is
 *    mapped, unless it is in place; a SIGBUS that is not ours goes to the
 *    handler that was there before (or the default action).
 *
 * Pointers from uvfio_dma_space_translate() cannot be guarded: a model that
 * dereferences them for a client whose memory is not sealed can still take
 * SIGBUS (device.h: uvfio_dev_dma_translate).
 *
 * Windows without an fd go by DMA_READ/DMA_WRITE message in the spec's
 * layout, which QEMU <= 10.2 does not speak (contract §5.11; device.h, the
 * DMA section, says what that means and what to do).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "device/dma.h"

void uvfio_dma_space_init(struct uvfio_dma_space *s, uint32_t max_maps, uint64_t max_bytes,
			  uint64_t pgsize)
{
	memset(s, 0, sizeof(*s));
	s->max_maps = max_maps;
	s->max_bytes = max_bytes;
	s->pgsize = pgsize;
}

/* Last IOVA of a window; windows never wrap (checked at map time). */
static uvfio_iova_t map_last(const struct uvfio_dma_map *m)
{
	return m->iova + m->size - 1;
}

/*
 * AVL primitives.  Recursion depth is the tree height: at most about
 * 1.44 * log2(65536) = 24 levels for the largest space we allow.
 */
static int height(const struct uvfio_dma_map *n)
{
	return n ? n->height : 0;
}

static void fix_height(struct uvfio_dma_map *n)
{
	int l = height(n->left);
	int r = height(n->right);

	n->height = (l > r ? l : r) + 1;
}

static struct uvfio_dma_map *rotate_right(struct uvfio_dma_map *n)
{
	struct uvfio_dma_map *l = n->left;

	n->left = l->right;
	l->right = n;
	fix_height(n);
	fix_height(l);
	return l;
}

static struct uvfio_dma_map *rotate_left(struct uvfio_dma_map *n)
{
	struct uvfio_dma_map *r = n->right;

	n->right = r->left;
	r->left = n;
	fix_height(n);
	fix_height(r);
	return r;
}

static struct uvfio_dma_map *balance(struct uvfio_dma_map *n)
{
	int bf;

	fix_height(n);
	bf = height(n->left) - height(n->right);
	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

/* Insert @m; the caller has checked it overlaps nothing. */
static struct uvfio_dma_map *avl_insert(struct uvfio_dma_map *root, struct uvfio_dma_map *m)
{
	if (!root) {
		m->left = NULL;
		m->right = NULL;
		m->height = 1;
		return m;
	}
	if (m->iova < root->iova)
		root->left = avl_insert(root->left, m);
	else
		root->right = avl_insert(root->right, m);
	return balance(root);
}

/* Detach the minimum of @n into *@min; returns the new subtree. */
static struct uvfio_dma_map *avl_take_min(struct uvfio_dma_map *n, struct uvfio_dma_map **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = avl_take_min(n->left, min);
	return balance(n);
}

/* Unlink the node with key @iova (it exists); returns the new subtree. */
static struct uvfio_dma_map *avl_remove(struct uvfio_dma_map *n, uvfio_iova_t iova)
{
	struct uvfio_dma_map *min;

	if (!n)
		return NULL;
	if (iova < n->iova) {
		n->left = avl_remove(n->left, iova);
	} else if (iova > n->iova) {
		n->right = avl_remove(n->right, iova);
	} else {
		struct uvfio_dma_map *l = n->left;
		struct uvfio_dma_map *r = n->right;

		if (!r)
			return l;
		r = avl_take_min(r, &min);
		min->left = l;
		min->right = r;
		return balance(min);
	}
	return balance(n);
}

/* The window containing @iova, or NULL; uses and refreshes the cache. */
static struct uvfio_dma_map *find(struct uvfio_dma_space *s, uvfio_iova_t iova)
{
	struct uvfio_dma_map *n = s->last;

	if (n && iova >= n->iova && iova - n->iova < n->size)
		return n;
	n = s->root;
	while (n) {
		if (iova < n->iova)
			n = n->left;
		else if (iova - n->iova < n->size)
			break;
		else
			n = n->right;
	}
	if (n)
		s->last = n;
	return n;
}

/* The lowest window starting at or after @iova, or NULL. */
static struct uvfio_dma_map *lower_bound(const struct uvfio_dma_space *s, uvfio_iova_t iova)
{
	struct uvfio_dma_map *best = NULL;
	struct uvfio_dma_map *n = s->root;

	while (n) {
		if (n->iova >= iova) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

const struct uvfio_dma_map *uvfio_dma_space_find(struct uvfio_dma_space *s, uvfio_iova_t iova)
{
	return find(s, iova);
}

static void map_free(struct uvfio_dma_map *m)
{
	if (m->va)
		munmap(m->va, m->size);
	free(m);
}

/*
 * The SIGBUS guard (see the top of this file).  Per thread: the window a
 * copy is reading or writing, and where to go back to if it faults.
 */
struct dma_guard {
	sigjmp_buf env;
	const char *lo;
	const char *hi;
	volatile sig_atomic_t armed;
	bool unblocked;
};

static _Thread_local struct dma_guard guard;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction guard_old; /* under guard_lock; read by the handler */

static void guard_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct dma_guard *g = &guard;
	const char *addr = si->si_addr;

	/* si_code > 0: raised by the kernel for a fault (sigaction(2)), not sent. */
	if (g->armed && si->si_code > 0 && addr >= g->lo && addr < g->hi) {
		g->armed = 0;
		siglongjmp(g->env, 1);
	}
	/* Not ours: what was there before. */
	if ((guard_old.sa_flags & SA_SIGINFO) && guard_old.sa_sigaction) {
		guard_old.sa_sigaction(sig, si, uc);
		return;
	}
	if (!(guard_old.sa_flags & SA_SIGINFO) && guard_old.sa_handler != SIG_DFL &&
	    guard_old.sa_handler != SIG_IGN) {
		guard_old.sa_handler(sig);
		return;
	}
	/*
	 * The default action: reinstate it; a fault repeats on return and
	 * terminates as it would have without us, a sent signal is raised
	 * again (both async-signal-safe; SIGBUS is not blocked: SA_NODEFER).
	 */
	signal(SIGBUS, SIG_DFL);
	if (si->si_code <= 0)
		raise(SIGBUS);
}

/*
 * Install the handler unless it is in place.  Checked at every map that
 * needs it, not once: a program that installs its own SIGBUS handler later
 * replaces ours, and the next such map puts ours back in front of it.
 */
static void guard_install(void)
{
	struct sigaction sa = {
		.sa_sigaction = guard_sigbus,
		/*
		 * SA_NODEFER: SIGBUS stays unblocked in the handler, so the
		 * siglongjmp() out of it needs no saved signal mask and a
		 * guarded copy costs no system call.
		 */
		.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK,
	};
	struct sigaction cur;

	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&guard_lock);
	if (!sigaction(SIGBUS, NULL, &cur) &&
	    !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == guard_sigbus))
		sigaction(SIGBUS, &sa, &guard_old);
	pthread_mutex_unlock(&guard_lock);
}

/*
 * memcpy() under the guard; [@lo, @lo + @len) is the window's mapping.
 * Return: 0, or -EFAULT if the copy touched a page the file no longer has
 * (some bytes may have moved).
 */
static int guarded_copy(void *dst, const void *src, size_t n, const void *lo, uint64_t len)
{
	struct dma_guard *g = &guard;

	/*
	 * A fault's SIGBUS is forced on a thread that blocks it, with the
	 * default action (signal(7)): the process dies and no handler runs.
	 * Hosts block every signal in their device threads (lib/mdev does),
	 * so unblock SIGBUS here, once per thread; blocking it never kept a
	 * fault from killing the process anyway.
	 */
	if (!g->unblocked) {
		sigset_t bus;

		sigemptyset(&bus);
		sigaddset(&bus, SIGBUS);
		pthread_sigmask(SIG_UNBLOCK, &bus, NULL);
		g->unblocked = true;
	}
	g->lo = lo;
	g->hi = (const char *)lo + len;
	if (sigsetjmp(g->env, 0))
		return -EFAULT;
	g->armed = 1;
	memcpy(dst, src, n);
	g->armed = 0;
	return 0;
}

/*
 * F_SEAL_SHRINK on @fd if it can take it (memfd_create(2), fcntl(2) "File
 * Sealing").  Return: true if the file can no longer shrink.
 */
static bool seal_shrink(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0)
		return false; /* not a memfd/shmem file */
	if (seals & F_SEAL_SHRINK)
		return true;
	return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0;
}

/* Map the window's memory from @fd; type1 pins pages, we mmap them. */
static int map_fd(struct uvfio_dma_map *m, int fd)
{
	struct stat st;
	int prot = 0;
	void *va;

	/*
	 * Only regular files (memfd, tmpfs, hugetlbfs): their size can be
	 * checked, so the device never touches a page beyond EOF (SIGBUS).
	 * Seal first, then check the size, so a shrink cannot slip between.
	 */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (!seal_shrink(fd)) {
		guard_install();
	} else if (fstat(fd, &st) < 0) {
		return -errno;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size < m->offset ||
	    (uint64_t)st.st_size - m->offset < m->size)
		return -EINVAL;
	if (m->prot & UVFIO_DMA_READ)
		prot |= PROT_READ;
	if (m->prot & UVFIO_DMA_WRITE)
		prot |= PROT_WRITE;
	va = mmap(NULL, m->size, prot, MAP_SHARED, fd, (off_t)m->offset);
	if (va == MAP_FAILED)
		return -errno;
	m->va = va;
	return 0;
}

int uvfio_dma_space_map(struct uvfio_dma_space *s, uvfio_iova_t iova, uint64_t size, uint32_t flags,
			int fd, uint64_t offset)
{
	const uint32_t known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	const uint64_t mask = s->pgsize - 1;
	struct uvfio_dma_map *m;
	struct uvfio_dma_map *next;
	uvfio_iova_t last;
	int ret;

	/* type1: unknown flags, and neither READ nor WRITE, are -EINVAL. */
	if ((flags & ~known) || !(flags & known))
		return -EINVAL;
	/* type1: size 0 or size/iova/vaddr not aligned to the smallest page: -EINVAL. */
	if (!size || (size & mask) || (iova & mask) || (offset & mask))
		return -EINVAL;
	/* type1: iova + size - 1 must not wrap; nor may the fd offset. */
	last = iova + size - 1;
	if (last < iova || offset + size - 1 < offset || offset + size - 1 > INT64_MAX)
		return -EINVAL;
	/* type1: any overlap with an existing mapping is -EEXIST. */
	if (find(s, iova))
		return -EEXIST;
	next = lower_bound(s, iova);
	if (next && next->iova <= last)
		return -EEXIST;
	/* type1: dma_avail (dma_entry_limit) exhausted is -ENOSPC. */
	if (s->nmaps >= s->max_maps)
		return -ENOSPC;
	/* Our analogue of RLIMIT_MEMLOCK (§3.5): a byte budget per client. */
	if (size > s->max_bytes - s->bytes)
		return -ENOSPC;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->iova = iova;
	m->size = size;
	m->offset = offset;
	if (flags & VFIO_DMA_MAP_FLAG_READ)
		m->prot |= UVFIO_DMA_READ;
	if (flags & VFIO_DMA_MAP_FLAG_WRITE)
		m->prot |= UVFIO_DMA_WRITE;
	if (fd >= 0) {
		ret = map_fd(m, fd);
		if (ret) {
			free(m);
			return ret;
		}
		/* The mapping keeps the memory; the fd itself is not needed. */
		close(fd);
	}
	s->root = avl_insert(s->root, m);
	s->nmaps++;
	s->bytes += size;
	return 0;
}

static void remove_map(struct uvfio_dma_space *s, struct uvfio_dma_map *m)
{
	s->root = avl_remove(s->root, m->iova);
	s->nmaps--;
	s->bytes -= m->size;
	if (s->last == m)
		s->last = NULL;
	map_free(m);
}

static void free_tree(struct uvfio_dma_map *n)
{
	if (!n)
		return;
	free_tree(n->left);
	free_tree(n->right);
	map_free(n);
}

void uvfio_dma_space_clear(struct uvfio_dma_space *s)
{
	free_tree(s->root);
	s->root = NULL;
	s->last = NULL;
	s->nmaps = 0;
	s->bytes = 0;
}

int uvfio_dma_space_unmap(struct uvfio_dma_space *s, uvfio_iova_t iova, uint64_t size,
			  uint32_t flags, uint64_t *unmapped)
{
	const uint64_t mask = s->pgsize - 1;
	struct uvfio_dma_map *m;
	uvfio_iova_t last;
	uint64_t total = 0;

	*unmapped = 0;
	/* GET_DIRTY_BITMAP is not supported (no dirty tracking): -EINVAL. */
	if (flags & ~(uint32_t)VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;
	if (flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		/* linux/vfio.h: UNMAP_FLAG_ALL requires iova = size = 0. */
		if (iova || size)
			return -EINVAL;
		*unmapped = s->bytes;
		uvfio_dma_space_clear(s);
		return 0;
	}
	/* type1: size non-zero and aligned, iova aligned, no wrap. */
	if (!size || (size & mask) || (iova & mask))
		return -EINVAL;
	last = iova + size - 1;
	if (last < iova)
		return -EINVAL;
	/* type1 v2: a window that starts before iova or ends after last would be bisected. */
	m = find(s, iova);
	if (m && m->iova < iova)
		return -EINVAL;
	m = find(s, last);
	if (m && map_last(m) > last)
		return -EINVAL;
	while ((m = lower_bound(s, iova)) && m->iova <= last) {
		total += m->size;
		remove_map(s, m);
	}
	*unmapped = total;
	return 0;
}

int uvfio_dma_space_translate(struct uvfio_dma_space *s, uvfio_iova_t iova, size_t len,
			      unsigned int prot, void **va)
{
	struct uvfio_dma_map *m;
	uint64_t n = len ? len : 1;

	if (iova + (n - 1) < iova)
		return -EFAULT;
	m = find(s, iova);
	if (!m || iova + (n - 1) > map_last(m))
		return -EFAULT;
	if ((prot & m->prot) != prot)
		return -EPERM;
	if (!m->va)
		return -ENOMEM;
	*va = (char *)m->va + (iova - m->iova);
	return 0;
}

int uvfio_dma_space_rw(struct uvfio_dma_space *s, uvfio_iova_t iova, void *buf, size_t len,
		       bool write, uvfio_dma_msg_fn msg, void *arg)
{
	const unsigned int need = write ? UVFIO_DMA_WRITE : UVFIO_DMA_READ;
	uvfio_iova_t cur = iova;
	size_t left = len;
	int ret;

	if (!len)
		return 0;
	if (iova + (len - 1) < iova)
		return -EFAULT;
	/* Check every byte first, so a failure moves nothing. */
	while (left) {
		struct uvfio_dma_map *m = find(s, cur);
		uint64_t chunk;

		if (!m)
			return -EFAULT;
		if (!(m->prot & need))
			return -EPERM;
		if (!m->va && !msg)
			return -ENOMEM;
		chunk = map_last(m) - cur + 1;
		if (chunk >= left)
			break;
		left -= chunk;
		cur += chunk;
	}
	cur = iova;
	left = len;
	while (left) {
		struct uvfio_dma_map *m = find(s, cur);
		char *p = (char *)buf + (len - left);
		uint64_t chunk;

		if (!m)
			return -EFAULT;
		chunk = map_last(m) - cur + 1;
		if (chunk > left)
			chunk = left;
		if (m->va) {
			char *mem = (char *)m->va + (cur - m->iova);

			/* A client may have shrunk the file under us: guarded. */
			if (write)
				ret = guarded_copy(mem, p, chunk, m->va, m->size);
			else
				ret = guarded_copy(p, mem, chunk, m->va, m->size);
			if (ret)
				return ret;
		} else {
			/*
			 * The callback may let the client unmap windows
			 * (commands are queued while a DMA reply is awaited,
			 * never processed), so m stays valid; still, look the
			 * next piece up again rather than following m.
			 */
			ret = msg(arg, cur, p, chunk, write);
			if (ret)
				return ret;
		}
		left -= chunk;
		cur += chunk;
	}
	return 0;
}
