// SPDX-License-Identifier: MIT
/*
 * bench/b_dma.c - the DMA space: map+unmap and translations as the number
 * of mappings grows (over the socket, and in the lib/device DMA module
 * itself), and device-model copies through the translation API.
 *
 * 1M mappings: lib/device caps a client at 65535 (uvfio_dev_set_limits:
 * QEMU rejects a larger max_dma_maps, contract §3.3), so 1M is measured on
 * the DMA module (lib/device/dma.h) directly.
 *
 * Every mapping is fd-backed and mmapped as the library does.  A process
 * has at most vm.max_map_count (65530) mappings, so the background windows
 * take consecutive pages of one memfd in descending order: each new mmap
 * lands just below the previous one and the kernel merges them into one
 * VMA.  They are removed in ascending IOVA order (from the top of that VMA)
 * so the removal never splits it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "device/dma.h"

#define PG 4096ull
#define NSIZES 3
#define MAP_FLAGS (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static const unsigned long sizes[NSIZES] = {1024, 65536, 1048576};
static const char *const size_names[NSIZES] = {"1k", "64k", "1M"};

/* xorshift64: cheap, deterministic. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int new_memfd(uint64_t size)
{
	int fd = memfd_create("uvfio-bench-dma", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		die("memfd: %s", strerror(errno));
	return fd;
}

static unsigned int count_vmas(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned int n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * In-process: one space per size, all built first so the runs of the
 * sizes can be interleaved.  Window i: IOVA 2i pages (a one-page hole after
 * each), memfd page N-1-i.  The measured window goes into a random hole.
 */
struct space {
	struct uvfio_dma_space s;
	unsigned long n;
	int memfd;
	double mu_nofd[32];
	double mu_fd[32];
	double tr_hot[32];
	double tr_rand[32];
};

static void space_build(struct space *sp, unsigned long n)
{
	unsigned long i;

	sp->n = n;
	sp->memfd = new_memfd((n + 1) * PG);
	uvfio_dma_space_init(&sp->s, (uint32_t)n + 16, UINT64_MAX / 2, PG);
	for (i = 0; i < n; i++) {
		int fd = dup(sp->memfd);

		CHECK(fd);
		CHECK(uvfio_dma_space_map(&sp->s, 2 * i * PG, PG, MAP_FLAGS, fd, (n - 1 - i) * PG));
	}
}

static void space_free(struct space *sp)
{
	uint64_t u;
	unsigned long i;

	for (i = 0; i < sp->n; i++)
		CHECK(uvfio_dma_space_unmap(&sp->s, 2 * i * PG, PG, 0, &u));
	close(sp->memfd);
}

static void space_run(struct space *sp, unsigned int round, unsigned long ops, uint64_t *seed)
{
	unsigned long i;
	uint64_t t0;
	uint64_t u;
	void *va;
	volatile uintptr_t sink = 0;

	/* Map+unmap of a window without fd: the tree and its checks only. */
	t0 = now_ns();
	for (i = 0; i < ops; i++) {
		uvfio_iova_t iova = (2 * (rnd(seed) % sp->n) + 1) * PG;

		CHECK(uvfio_dma_space_map(&sp->s, iova, PG, MAP_FLAGS, -1, 0));
		CHECK(uvfio_dma_space_unmap(&sp->s, iova, PG, 0, &u));
	}
	sp->mu_nofd[round] = (double)(now_ns() - t0) / (double)ops;

	/* Map+unmap fd-backed: what DMA_MAP does (dup stands in for SCM_RIGHTS). */
	t0 = now_ns();
	for (i = 0; i < ops / 4; i++) {
		uvfio_iova_t iova = (2 * (rnd(seed) % sp->n) + 1) * PG;
		int fd = dup(sp->memfd);

		CHECK(uvfio_dma_space_map(&sp->s, iova, PG, MAP_FLAGS, fd, sp->n * PG));
		CHECK(uvfio_dma_space_unmap(&sp->s, iova, PG, 0, &u));
	}
	sp->mu_fd[round] = (double)(now_ns() - t0) / (double)(ops / 4);

	/* Translations: the same window again and again (the last-hit cache). */
	t0 = now_ns();
	for (i = 0; i < ops * 4; i++) {
		CHECK(uvfio_dma_space_translate(&sp->s, 2 * (sp->n / 2) * PG + (i & 511) * 8, 8,
						UVFIO_DMA_READ, &va));
		sink += (uintptr_t)va;
	}
	sp->tr_hot[round] = (double)(now_ns() - t0) / (double)(ops * 4);

	/* Translations: a random window each time. */
	t0 = now_ns();
	for (i = 0; i < ops * 4; i++) {
		CHECK(uvfio_dma_space_translate(&sp->s, 2 * (rnd(seed) % sp->n) * PG + 64, 8,
						UVFIO_DMA_READ, &va));
		sink += (uintptr_t)va;
	}
	sp->tr_rand[round] = (double)(now_ns() - t0) / (double)(ops * 4);
	(void)sink;
}

static void flat_results(const char *idfmt, const char *whatfmt, double (*get)[32], double target,
			 const char *note)
{
	unsigned int k;

	for (k = 0; k < NSIZES; k++) {
		char id[64];
		char what[160];
		char base[160];
		struct result *r;

		snprintf(id, sizeof(id), idfmt, size_names[k]);
		snprintf(what, sizeof(what), whatfmt, size_names[k]);
		snprintf(base, sizeof(base), whatfmt, size_names[0]);
		r = result_add_runs(id, "dma_maps", what, "ns/op", get[k], opts.rounds, base,
				    get[0], opts.rounds, RUNS_PAIRED, k ? TARGET_LE : TARGET_NONE,
				    target, "ours");
		if (note)
			result_note(r, "%s", note);
	}
}

static void bench_dma_inproc(void)
{
	unsigned long ops = scaled(100000, 20000);
	struct space *sp = calloc(NSIZES, sizeof(*sp));
	double(*get)[32] = calloc(NSIZES, sizeof(*get));
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned int vmas0 = count_vmas();
	unsigned int round;
	unsigned int k;
	uint64_t t0;

	if (!sp || !get)
		die("out of memory");
	printf("\n== DMA module in process: map+unmap and translate with 1k, 64k, 1M mappings "
	       "(%lu ops x %u runs)\n",
	       ops, opts.rounds);
	t0 = now_ns();
	for (k = 0; k < NSIZES; k++)
		space_build(&sp[k], sizes[k]);
	bench_note("dma_maps: built 1k+64k+1M fd-backed windows in %.1f s; the process has %u "
		   "mappings (VMAs) for them, %u before",
		   (double)(now_ns() - t0) / 1e9, count_vmas(), vmas0);
	for (round = 0; round < opts.rounds; round++)
		for (k = 0; k < NSIZES; k++)
			space_run(&sp[(k + round) % NSIZES], round, ops, &seed);

	for (k = 0; k < NSIZES; k++)
		memcpy(get[k], sp[k].mu_nofd, sizeof(get[k]));
	flat_results("dma.inproc.map_unmap.%s", "dma module: map+unmap (no fd), %s maps", get, 2.0,
		     "random hole among the windows; target: 'flat' read as at most log2 growth");
	for (k = 0; k < NSIZES; k++)
		memcpy(get[k], sp[k].mu_fd, sizeof(get[k]));
	flat_results("dma.inproc.map_unmap_fd.%s", "dma module: map+unmap fd-backed, %s maps", get,
		     2.0, "includes dup+fstat+mmap+close+munmap per op");
	for (k = 0; k < NSIZES; k++)
		memcpy(get[k], sp[k].tr_hot, sizeof(get[k]));
	flat_results("dma.inproc.translate_hot.%s", "dma module: translate, same window, %s maps",
		     get, 1.25, "last-hit cache");
	for (k = 0; k < NSIZES; k++)
		memcpy(get[k], sp[k].tr_rand, sizeof(get[k]));
	flat_results("dma.inproc.translate_random.%s",
		     "dma module: translate, random window, %s maps", get, 2.0,
		     "AVL lookup, uniform over the windows: cache misses grow with the tree");
	for (k = 0; k < NSIZES; k++)
		space_free(&sp[k]);
	free(sp);
	free(get);
}

/*
 * Over the socket: DMA_MAP (with its memfd) + DMA_UNMAP from a raw client to
 * a lib/device device holding 1k or 64k (65534 + the measured one) windows.
 */
struct sock_space {
	struct bdev d;
	int sock;
	int memfd;
	unsigned long n;
	double mu[32];
};

static void dma_map_msg(int sock, uvfio_iova_t iova, int fd, uint64_t off)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = MAP_FLAGS,
		.offset = off,
		.addr = iova,
		.size = PG,
	};
	uint8_t rbuf[64];

	CHECK(raw_call(sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), &fd, 1, rbuf, sizeof(rbuf), NULL));
}

static void dma_unmap_msg(int sock, uvfio_iova_t iova, uint64_t size)
{
	struct uvfio_msg_dma_unmap u = {.argsz = sizeof(u), .addr = iova, .size = size};
	uint8_t rbuf[64];

	CHECK(raw_call(sock, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, rbuf, sizeof(rbuf),
		       NULL));
}

static void bench_dma_socket(void)
{
	unsigned long ops = scaled(10000, 2000);
	struct sock_space ss[2];
	uint64_t seed = 0x2545f4914f6cdd1dull;
	unsigned int round;
	unsigned int k;
	uint64_t t0;

	printf("\n== DMA_MAP+DMA_UNMAP over the socket with 1k and 64k mappings (%lu ops x %u "
	       "runs)\n",
	       ops, opts.rounds);
	t0 = now_ns();
	for (k = 0; k < 2; k++) {
		unsigned long i;

		ss[k].n = k ? 65534 : 1024;
		ss[k].memfd = new_memfd((ss[k].n + 1) * PG);
		CHECK(bdev_start(&ss[k].d, 0, 0));
		CHECK(raw_connect_uvfio(ss[k].d.path, &ss[k].sock));
		for (i = 0; i < ss[k].n; i++)
			dma_map_msg(ss[k].sock, 2 * i * PG, ss[k].memfd, (ss[k].n - 1 - i) * PG);
	}
	bench_note("dma_maps: socket: 1k+64k windows mapped over the socket in %.1f s",
		   (double)(now_ns() - t0) / 1e9);
	for (round = 0; round < opts.rounds; round++) {
		for (k = 0; k < 2; k++) {
			struct sock_space *s = &ss[(k + round) % 2];
			unsigned long i;

			t0 = now_ns();
			for (i = 0; i < ops; i++) {
				uvfio_iova_t iova = (2 * (rnd(&seed) % s->n) + 1) * PG;

				dma_map_msg(s->sock, iova, s->memfd, s->n * PG);
				dma_unmap_msg(s->sock, iova, PG);
			}
			s->mu[round] = (double)(now_ns() - t0) / (double)ops;
		}
	}
	for (k = 0; k < 2; k++) {
		struct result *r;
		char id[64];
		char what[128];

		snprintf(id, sizeof(id), "dma.socket.map_unmap.%s", k ? "64k" : "1k");
		snprintf(what, sizeof(what), "DMA_MAP(fd)+DMA_UNMAP over the socket, %s maps",
			 k ? "64k" : "1k");
		r = result_add_runs(id, "dma_maps", what, "ns/op", ss[k].mu, opts.rounds,
				    "the same with 1k maps", ss[0].mu, opts.rounds, RUNS_PAIRED,
				    k ? TARGET_LE : TARGET_NONE, 2.0, "ours");
		result_note(r,
			    "two synchronous round trips per op (raw client, lib/device server); "
			    "%s = %lu windows",
			    k ? "64k" : "1k", ss[k].n + 1);
	}
	for (k = 0; k < 2; k++) {
		/* One DMA_UNMAP of the whole range: windows go in ascending order. */
		dma_unmap_msg(ss[k].sock, 0, 2 * ss[k].n * PG);
		close(ss[k].sock);
		close(ss[k].memfd);
		bdev_stop(&ss[k].d);
	}
}

void bench_dma_maps(void)
{
	bench_dma_inproc();
	bench_dma_socket();
}

/*
 * Device-model copies through the DMA API, on the device thread, from and
 * to driver memory (uvfio_dma_alloc: memfd-backed, mapped with its fd).
 */
#define NCOPY 3
static const size_t copy_sizes[NCOPY] = {4096, 65536, 1048576};
static const char *const copy_names[NCOPY] = {"4KiB", "64KiB", "1MiB"};

struct copy_job {
	uvfio_iova_t iova;
	uint8_t *local;
	unsigned int round;
	double rd[NCOPY][32];
	double rd_base[NCOPY][32];
	double tr[NCOPY][32];
	double wr[NCOPY][32];
	double wr_base[NCOPY][32];
};

static double per_op(uint64_t t0, unsigned long n)
{
	return (double)(now_ns() - t0) / (double)n;
}

static void copy_run(struct bdev *b)
{
	struct copy_job *j = b->job_arg;
	unsigned int k;

	for (k = 0; k < NCOPY; k++) {
		size_t len = copy_sizes[k];
		unsigned long n = scaled((64ul << 20) / len, 16);
		unsigned long i;
		uint64_t t0;
		void *va;

		CHECK(uvfio_dev_dma_translate(b->dev, j->iova, len,
					      UVFIO_DMA_READ | UVFIO_DMA_WRITE, &va));
		for (i = 0; i < n / 8; i++)
			memcpy(j->local, va, len);

		t0 = now_ns();
		for (i = 0; i < n; i++)
			memcpy(j->local, va, len);
		j->rd_base[k][j->round] = per_op(t0, n);

		t0 = now_ns();
		for (i = 0; i < n; i++)
			CHECK(uvfio_dev_dma_read(b->dev, j->iova, j->local, len));
		j->rd[k][j->round] = per_op(t0, n);

		t0 = now_ns();
		for (i = 0; i < n; i++) {
			void *p;

			CHECK(uvfio_dev_dma_translate(b->dev, j->iova, len, UVFIO_DMA_READ, &p));
			memcpy(j->local, p, len);
		}
		j->tr[k][j->round] = per_op(t0, n);

		t0 = now_ns();
		for (i = 0; i < n; i++)
			memcpy(va, j->local, len);
		j->wr_base[k][j->round] = per_op(t0, n);

		t0 = now_ns();
		for (i = 0; i < n; i++)
			CHECK(uvfio_dev_dma_write(b->dev, j->iova, j->local, len));
		j->wr[k][j->round] = per_op(t0, n);
	}
}

void bench_copy(void)
{
	struct uvfio_container *cont;
	struct uvfio_device *dev;
	struct uvfio_dma_buf *buf;
	struct copy_job *j = calloc(1, sizeof(*j));
	char where[128];
	struct bdev d;
	unsigned int k;

	if (!j)
		die("out of memory");
	printf("\n== device-model DMA copies, 4 KiB to 1 MiB (%u runs)\n", opts.rounds);
	CHECK(bdev_start(&d, 0, 0));
	CHECK(uvfio_container_create(&cont));
	CHECK(uvfio_device_open(cont, bdev_where(&d, where, sizeof(where)), &dev));
	CHECK(uvfio_device_enable(dev));
	CHECK(uvfio_dma_alloc(cont, 2u << 20, 0, &buf));
	memset(buf->vaddr, 0x5a, buf->size);
	j->iova = buf->iova;
	j->local = aligned_alloc(4096, 1u << 20);
	if (!j->local)
		die("out of memory");
	memset(j->local, 0xa5, 1u << 20);
	for (j->round = 0; j->round < opts.rounds; j->round++)
		bdev_run_job(&d, copy_run, j);
	for (k = 0; k < NCOPY; k++) {
		char id[64];
		char what[128];

		snprintf(id, sizeof(id), "copy.dma_read.%s", copy_names[k]);
		snprintf(what, sizeof(what), "uvfio_dev_dma_read %s", copy_names[k]);
		result_add_runs(id, "copy", what, "ns", j->rd[k], opts.rounds,
				"memcpy from the pre-translated mapping", j->rd_base[k],
				opts.rounds, RUNS_PAIRED, TARGET_LE, 1.10, "ours");

		snprintf(id, sizeof(id), "copy.translate_memcpy.%s", copy_names[k]);
		snprintf(what, sizeof(what), "uvfio_dev_dma_translate + memcpy %s", copy_names[k]);
		result_add_runs(id, "copy", what, "ns", j->tr[k], opts.rounds,
				"memcpy from the pre-translated mapping", j->rd_base[k],
				opts.rounds, RUNS_PAIRED, TARGET_LE, 1.10, "ours");

		snprintf(id, sizeof(id), "copy.dma_write.%s", copy_names[k]);
		snprintf(what, sizeof(what), "uvfio_dev_dma_write %s", copy_names[k]);
		result_add_runs(id, "copy", what, "ns", j->wr[k], opts.rounds,
				"memcpy to the pre-translated mapping", j->wr_base[k], opts.rounds,
				RUNS_PAIRED, TARGET_LE, 1.10, "ours");
	}
	free(j->local);
	uvfio_dma_free(cont, buf);
	uvfio_container_destroy(cont);
	bdev_stop(&d);
	free(j);
}
