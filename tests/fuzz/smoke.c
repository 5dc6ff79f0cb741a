// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/smoke.c - a libFuzzer-free driver for one fuzz target, so that
 * `make check` runs every target with any compiler (gcc, ASan, TSan, plain):
 * the seed corpus first, then a fixed series of inputs generated from a
 * deterministic PRNG (random bytes, and mutations and splices of the seeds),
 * the same series on every run and every machine.
 *
 *   test-fuzz-NAME               corpus + generated inputs, then the summary
 *   test-fuzz-NAME FILE...       replay these inputs only (a saved crash)
 *
 * Environment: UVFIO_FUZZ_RUNS (generated inputs; default per target),
 * UVFIO_FUZZ_SEED (default 1), UVFIO_FUZZ_SECONDS (stop generating after
 * this long; default 60), UVFIO_FUZZ_CRASH_DIR (where a crashing input is
 * saved; default $TMPDIR or /tmp).
 *
 * A crash (sanitizer report, FZ_CHECK, signal) saves the input being run and
 * ends the program without the summary line, which tests/run-tests.sh counts
 * as a failure.
 *
 * Built with: -DFUZZ_NAME="proto" -DFUZZ_CORPUS="/path/to/corpus/proto"
 * -DFUZZ_RUNS=20000 -DFUZZ_MAX_LEN=4096.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_RUNS
#define FUZZ_RUNS 10000
#endif
#ifndef FUZZ_MAX_LEN
#define FUZZ_MAX_LEN 4096
#endif
#define SMOKE_MAX_SEEDS 1024

/* Optional hooks a target or the sanitizer runtime may provide. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

struct seed {
	uint8_t *data;
	size_t len;
	char *name;
};

static struct seed seeds[SMOKE_MAX_SEEDS];
static unsigned int nseeds;

/* The input being run, saved by the crash handlers. */
static const uint8_t *cur_data;
static size_t cur_len;
static char crash_path[512];

static void save_current(void)
{
	static const char msg[] = "fuzz smoke: crashing input saved to ";
	size_t off = 0;
	int fd;

	if (!cur_data)
		return; /* between inputs: nothing to save */
	fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	while (off < cur_len) {
		ssize_t n = write(fd, cur_data + off, cur_len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, crash_path, strlen(crash_path)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* nothing more to do in a dying process */
	}
}

static void on_fatal_signal(int sig)
{
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_one(const uint8_t *data, size_t len)
{
	/* A private copy of exactly @len bytes, so ASan sees any overread. */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, data, len);
	cur_data = copy;
	cur_len = len;
	LLVMFuzzerTestOneInput(copy, len);
	cur_data = NULL;
	cur_len = 0;
	free(copy);
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = off;
	return 0;
}

static int cmp_seed(const void *a, const void *b)
{
	return strcmp(((const struct seed *)a)->name, ((const struct seed *)b)->name);
}

static unsigned int load_corpus(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[1024];

	if (!d)
		return 0;
	while ((de = readdir(d)) && nseeds < SMOKE_MAX_SEEDS) {
		struct seed *s = &seeds[nseeds];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_file(path, &s->data, &s->len))
			continue;
		s->name = strdup(de->d_name);
		if (!s->name) {
			free(s->data);
			continue;
		}
		nseeds++;
	}
	closedir(d);
	/* readdir order is the file system's: sort, so every run is the same. */
	qsort(seeds, nseeds, sizeof(seeds[0]), cmp_seed);
	return nseeds;
}

/* xorshift64*: small, fast, the same everywhere. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

/* Values that find edge cases faster than uniform bytes do. */
static const uint64_t interesting[] = {
	0,
	1,
	2,
	3,
	4,
	7,
	8,
	15,
	16,
	31,
	32,
	63,
	64,
	127,
	128,
	255,
	256,
	0x7fff,
	0x8000,
	0xffff,
	0x1000,
	0xfff,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000ull,
	0x7fffffffffffffffull,
	0xfffffffffffff000ull,
	0xffffffffffffffffull,
};

/* Mutate @buf[0..*len) in place (capacity FUZZ_MAX_LEN), libFuzzer style. */
static void mutate(uint8_t *buf, size_t *len)
{
	unsigned int n = 1 + (unsigned int)rng_below(8);

	while (n--) {
		size_t l = *len;
		size_t at = rng_below(l + 1);
		size_t k;

		switch (rng_below(9)) {
		case 0: /* flip a bit */
			if (l)
				buf[rng_below(l)] ^= (uint8_t)(1u << rng_below(8));
			break;
		case 1: /* a random byte */
			if (l)
				buf[rng_below(l)] = (uint8_t)rng();
			break;
		case 2: { /* an interesting value, 1/2/4/8 bytes little-endian */
			uint64_t v = interesting[rng_below(sizeof(interesting) /
							   sizeof(interesting[0]))];
			size_t w = (size_t)1 << rng_below(4);

			if (l >= w) {
				at = rng_below(l - w + 1);
				for (k = 0; k < w; k++)
					buf[at + k] = (uint8_t)(v >> (8 * k));
			}
			break;
		}
		case 3: /* insert random bytes */
			k = 1 + rng_below(16);
			if (l + k <= FUZZ_MAX_LEN) {
				memmove(buf + at + k, buf + at, l - at);
				for (size_t i = 0; i < k; i++)
					buf[at + i] = (uint8_t)rng();
				*len = l + k;
			}
			break;
		case 4: /* delete a range */
			if (at < l) {
				k = 1 + rng_below(l - at);
				memmove(buf + at, buf + at + k, l - at - k);
				*len = l - k;
			}
			break;
		case 5: /* duplicate a range */
			if (at < l) {
				k = 1 + rng_below(l - at < 64 ? l - at : 64);
				if (l + k <= FUZZ_MAX_LEN) {
					memmove(buf + at + k, buf + at, l - at);
					*len = l + k;
				}
			}
			break;
		case 6: /* splice: a piece of another seed */
			if (nseeds) {
				const struct seed *s = &seeds[rng_below(nseeds)];
				size_t from = rng_below(s->len + 1);

				k = rng_below(s->len - from + 1);
				if (at + k > FUZZ_MAX_LEN)
					k = FUZZ_MAX_LEN - at;
				memcpy(buf + at, s->data + from, k);
				if (at + k > l)
					*len = at + k;
			}
			break;
		case 7: /* truncate */
			*len = at;
			break;
		default: /* add or subtract a little */
			if (l)
				buf[rng_below(l)] += (uint8_t)(rng_below(35) - 17);
			break;
		}
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

int main(int argc, char **argv)
{
	unsigned long runs = env_ulong("UVFIO_FUZZ_RUNS", FUZZ_RUNS);
	unsigned long limit_s = env_ulong("UVFIO_FUZZ_SECONDS", 60);
	const char *dir = getenv("UVFIO_FUZZ_CRASH_DIR");
	static uint8_t buf[FUZZ_MAX_LEN];
	unsigned long done = 0;
	double t0 = now_s();
	unsigned int i;
	int ret;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(crash_path, sizeof(crash_path), "%s/fuzz-crash-%s-%d", dir, FUZZ_NAME,
		 (int)getpid());
	signal(SIGABRT, on_fatal_signal);
	signal(SIGSEGV, on_fatal_signal);
	signal(SIGBUS, on_fatal_signal);
	signal(SIGFPE, on_fatal_signal);
	signal(SIGILL, on_fatal_signal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(save_current);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	if (argc > 1) {
		for (i = 1; i < (unsigned int)argc; i++) {
			uint8_t *data;
			size_t len;

			ret = read_file(argv[i], &data, &len);
			if (ret) {
				fprintf(stderr, "%s: %s\n", argv[i], strerror(-ret));
				return 2;
			}
			run_one(data, len);
			free(data);
			printf("fuzz-%s: %s: ok\n", FUZZ_NAME, argv[i]);
		}
		printf("%d passed, 0 failed\n", argc - 1);
		return 0;
	}

	if (!load_corpus(FUZZ_CORPUS)) {
		printf("fuzz-%s: no seed corpus in %s\n", FUZZ_NAME, FUZZ_CORPUS);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < nseeds; i++)
		run_one(seeds[i].data, seeds[i].len);

	rng_state = env_ulong("UVFIO_FUZZ_SEED", 1) * 0x9e3779b97f4a7c15ull + 1;
	for (done = 0; done < runs; done++) {
		size_t len;

		if ((done & 255) == 0 && now_s() - t0 > (double)limit_s)
			break;
		if (rng_below(4) == 0) {
			/* Random bytes, mostly short. */
			len = rng_below(rng_below(FUZZ_MAX_LEN) + 1);
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)rng();
		} else {
			const struct seed *s = &seeds[rng_below(nseeds)];

			len = s->len < FUZZ_MAX_LEN ? s->len : FUZZ_MAX_LEN;
			memcpy(buf, s->data, len);
			mutate(buf, &len);
		}
		run_one(buf, len);
	}
	printf("fuzz-%s: %u seed inputs, %lu generated inputs (seed %lu), %.1f s%s\n", FUZZ_NAME,
	       nseeds, done, env_ulong("UVFIO_FUZZ_SEED", 1), now_s() - t0,
	       done < runs ? " (time limit)" : "");
	for (i = 0; i < nseeds; i++) {
		free(seeds[i].data);
		free(seeds[i].name);
	}
	printf("1 passed, 0 failed\n");
	return 0;
}
