/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz.h - what the fuzz targets share.
 *
 * Every target defines LLVMFuzzerTestOneInput().  It is linked either with
 * libFuzzer (clang, -fsanitize=fuzzer: the fuzz-* programs of `make fuzz`)
 * or with smoke.c (any compiler: the test-fuzz-* programs of `make check`,
 * which replay the seed corpus and a fixed series of generated inputs).
 *
 * A target reads its input as a stream of decisions through struct fz; when
 * the input runs out every read returns 0, so any byte string is a valid
 * program.  FZ_CHECK() is the oracle: a broken invariant prints what broke
 * and aborts, which both drivers report as a crash with the input saved.
 */
#ifndef UVFIO_TEST_FUZZ_H
#define UVFIO_TEST_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a stream of decisions. */
struct fz {
	const uint8_t *p;
	size_t left;
};

static inline void fz_init(struct fz *f, const uint8_t *data, size_t size)
{
	f->p = data;
	f->left = size;
}

static inline bool fz_more(const struct fz *f)
{
	return f->left > 0;
}

/* Copy up to @n bytes into @out; the rest of @out is zero-filled. */
static inline size_t fz_bytes(struct fz *f, void *out, size_t n)
{
	size_t k = n < f->left ? n : f->left;

	memcpy(out, f->p, k);
	memset((uint8_t *)out + k, 0, n - k);
	f->p += k;
	f->left -= k;
	return k;
}

static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v;

	fz_bytes(f, &v, 1);
	return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint8_t b[2];

	fz_bytes(f, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint8_t b[4];

	fz_bytes(f, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t lo = fz_u32(f);

	return lo | (uint64_t)fz_u32(f) << 32;
}

/* A value in [0, @n) (0 when @n is 0). */
static inline unsigned int fz_below(struct fz *f, unsigned int n)
{
	if (n <= 1)
		return 0;
	if (n <= 256)
		return fz_u8(f) % n;
	return fz_u16(f) % n;
}

static inline bool fz_bool(struct fz *f)
{
	return fz_u8(f) & 1;
}

/* The oracle: never an assert(), which NDEBUG would remove. */
#define FZ_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__,      \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define FZ_CHECK_EQ(a, b)                                                                          \
	do {                                                                                       \
		long long fz_a_ = (long long)(a);                                                  \
		long long fz_b_ = (long long)(b);                                                  \
		if (fz_a_ != fz_b_) {                                                              \
			fprintf(stderr, "%s:%d: fuzz check failed: %s == %s (%lld != %lld)\n",     \
				__FILE__, __LINE__, #a, #b, fz_a_, fz_b_);                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif /* UVFIO_TEST_FUZZ_H */
