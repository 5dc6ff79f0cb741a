/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.h - what the benchmarks of uvfio-bench share: time, statistics,
 * the result table and its JSON, the bench device model served by lib/device,
 * and the bare responder and raw client it is compared with.
 *
 * Every figure is printed with a baseline measured in the same run and their
 * ratio (DESIGN.md, Performance): absolute times on shared 2-core machines are
 * noisy, ratios much less so.
 */
#ifndef UVFIO_BENCH_H
#define UVFIO_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uvfio/device.h"
#include "uvfio/driver.h"
#include "proto/proto.h"

/*
 * Time and statistics.
 */
uint64_t now_ns(void);
void sleep_us(unsigned long us);
/* The median of @n values (@v is sorted in place). */
double median(double *v, size_t n);
/* The @p-th percentile (0..100) of @n values (@v is sorted in place). */
double percentile(double *v, size_t n, double p);

/* Most runs a figure keeps. */
#define MAX_RUNS 64

/* Run-size knobs: the defaults, or a few times smaller with --quick. */
struct bench_opts {
	bool quick;
	unsigned int rounds; /* runs of each measurement; the median is reported */
	const char *only;    /* run only groups whose name contains this */
};
extern struct bench_opts opts;
/* @n scaled down for --quick (never below @min). */
unsigned long scaled(unsigned long n, unsigned long min);

/*
 * Results.  @ratio = @value / @baseline.  @target_kind says how the ratio is
 * judged: none, at most @target, or at least @target.
 */
enum target_kind {
	TARGET_NONE = 0,
	TARGET_LE,
	TARGET_GE,
};

struct result {
	char id[64];
	char group[32];
	char what[160];
	char unit[16];
	double value;
	char baseline_what[160];
	double baseline;
	double ratio;
	enum target_kind kind;
	double target;
	char target_src[16]; /* "issue" or "ours" */
	char note[256];
	double runs[MAX_RUNS];
	unsigned int nruns;
	double baseline_runs[MAX_RUNS];
	unsigned int nbaseline_runs;
	const char *stat; /* how value, baseline and ratio come from the runs */
};

/*
 * How a figure comes from its runs.
 * RUNS_PAIRED: medians of the runs; the ratio is the median of the per-run
 *   ratios (runs taken in alternation, run i of each close in time).
 * RUNS_BEST_LOW / RUNS_BEST_HIGH: the best decile of the runs (10th
 *   percentile of times, 90th of rates) of figure and baseline alike, and
 *   their ratio.  For the socket and wake-up benchmarks: on a small VM each
 *   run lands in a fast or a slow scheduling regime (threads sharing a CPU
 *   or waking each other across CPUs), which adds time unrelated to the
 *   code; the best runs of each are its cost without that noise.
 */
enum run_stat {
	RUNS_PAIRED,
	RUNS_BEST_LOW,
	RUNS_BEST_HIGH,
};

/* Record a result: computes the ratio and prints one line. */
struct result *result_add(const char *id, const char *group, const char *what, const char *unit,
			  double value, const char *baseline_what, double baseline,
			  enum target_kind kind, double target, const char *target_src);
void result_runs(struct result *r, const double *runs, unsigned int n, const double *base,
		 unsigned int nbase);
/* Record a result from its runs and those of its baseline (enum run_stat). */
struct result *result_add_runs(const char *id, const char *group, const char *what,
			       const char *unit, const double *runs, unsigned int n,
			       const char *baseline_what, const double *base, unsigned int nbase,
			       enum run_stat stat, enum target_kind kind, double target,
			       const char *target_src);
/* The median of @n values, @v left untouched. */
double median_of(const double *v, unsigned int n);
void result_note(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A free-form line in the output and in the JSON "notes". */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int results_write_json(const char *path, double elapsed_s);
void results_print_table(void);

/*
 * The bench device model: BAR0 trapped (4 KiB of registers), BAR2 backed by
 * memory (64 KiB, offered as a sparse mmap area), MSI with one vector, and a
 * "job" eventfd watched on the device thread: signalling it runs bdev.job(bdev)
 * there (interrupt and DMA benchmarks).
 */
#define BDEV_BAR0_SIZE 0x1000
#define BDEV_BAR2_SIZE 0x10000
#define BDEV_REG_VALUE 0x10 /* reads back as 0xc0ffee00 + reads served */

struct bdev {
	struct uvfio_dev *dev;
	uint32_t regs[BDEV_BAR0_SIZE / 4];
	uint32_t reads;
	void *bar2;
	int listen_fd;
	char dir[64];
	char path[96];
	pthread_t th;
	int run_ret;
	/* Job: signal job_fd; the device thread calls job(b), then signals done_fd. */
	int job_fd;
	int done_fd;
	void (*job)(struct bdev *b);
	void *job_arg;
	bool job_sync; /* bdev_run_job() waits: signal done_fd after the job */
};

/*
 * Create the model, listen on a fresh socket in a temporary directory and
 * serve it with uvfio_dev_run() on a new thread.  @poll_us: latency mode
 * (0 = off).  @max_dma_maps: 0 for the default.
 * Return: 0 or -errno.
 */
int bdev_start(struct bdev *b, unsigned int poll_us, uint32_t max_dma_maps);
/* Stop, join, destroy, remove the socket. */
void bdev_stop(struct bdev *b);
/* "unix:PATH" for uvfio_device_open(). */
const char *bdev_where(struct bdev *b, char *buf, size_t len);
/* Run @fn on the device thread and wait for it to return. */
void bdev_run_job(struct bdev *b, void (*fn)(struct bdev *b), void *arg);

/*
 * The raw client: lib/proto framing only for the set-up messages, then plain
 * write()/read() of REGION_READ (32 bytes) and its reply (36 bytes).
 */
#define RAW_REQ_SIZE 32
#define RAW_REP_SIZE 36

/* Connect to @path, negotiate VERSION, enable COMMAND.MEMORY|MASTER. */
int raw_connect_uvfio(const char *path, int *out);
/* A lib/proto request and its reply; returns 0 or -errno. */
int raw_call(int sock, uint16_t cmd, const void *p, size_t len, const int *fds, unsigned int nfds,
	     void *rbuf, size_t rsize, size_t *rlen);
/* Encode REGION_READ of 4 bytes at BAR0 + @off with id @id into @buf. */
void raw_encode_read(uint8_t *buf, uint16_t id, uint64_t off);
/* write() all of @buf, read() exactly @len: 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
int read_all(int fd, void *buf, size_t len);
/* One raw REGION_READ round trip; returns the value read or -errno (as int64). */
int64_t raw_read32(int sock, uint16_t id, uint64_t off);

/*
 * The bare responder: a thread that reads 32-byte REGION_READs and answers
 * each with 36 bytes, with plain read()/write() and no library.  @poll_us:
 * busy-poll (recv MSG_DONTWAIT) for up to that long after each reply before
 * a blocking read, as the latency mode does.
 */
struct bare {
	int sock; /* the client end */
	int srv;
	unsigned int poll_us;
	pthread_t th;
	uint64_t served;
};
int bare_start(struct bare *b, unsigned int poll_us);
void bare_stop(struct bare *b);

/* The groups of benchmarks (b_*.c). */
void bench_rtt(void);
void bench_pipeline(void);
void bench_posted(void);
void bench_dma_maps(void);
void bench_irq(void);
void bench_copy(void);
void bench_multi(void);

/* Abort the run with a message: a benchmark that cannot set up is a bug. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define CHECK(expr)                                                                                \
	do {                                                                                       \
		long long check_ret_ = (long long)(expr);                                          \
		if (check_ret_ < 0)                                                                \
			die("%s:%d: %s = %lld", __FILE__, __LINE__, #expr, check_ret_);            \
	} while (0)

#endif /* UVFIO_BENCH_H */
