// SPDX-License-Identifier: MIT
/*
 * bench/b_mmio.c - MMIO over the socket: the 4-byte REGION_READ round trip
 * (plain and latency mode), 16 requests in flight, posted writes and stores
 * to a sparse-mmap BAR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define BAR2 VFIO_PCI_BAR2_REGION_INDEX
/* Latency-mode budget for the benchmarks: well above one client turn-around. */
#define BENCH_POLL_US 200
#define INFLIGHT 16

/* One way of doing a 4-byte read of BAR0: raw socket or the driver library. */
struct rtt_cfg {
	const char *what;
	int sock;		  /* raw client, or -1 */
	struct uvfio_device *dev; /* driver library, or NULL */
	bool polled;		  /* the server busy-polls */
	bool client_polls;	  /* the raw client busy-polls for the reply */
	double *lat;		  /* per-op samples of the current run */
	double runs[MAX_RUNS];	  /* per-run medians */
	double means[MAX_RUNS];
	double p99s[MAX_RUNS];
};

static uint16_t raw_id;

/* The raw client, spinning on recv(MSG_DONTWAIT) for the reply instead of sleeping. */
static int64_t raw_read32_spin(int sock, uint16_t id, uint64_t off)
{
	uint8_t req[RAW_REQ_SIZE];
	uint8_t rep[RAW_REP_SIZE];
	size_t got = 0;
	uint32_t v;

	raw_encode_read(req, id, off);
	CHECK(write_all(sock, req, sizeof(req)));
	while (got < sizeof(rep)) {
		ssize_t n = recv(sock, rep + got, sizeof(rep) - got, MSG_DONTWAIT);

		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return n ? -errno : -ECONNRESET;
	}
	memcpy(&v, rep + RAW_REQ_SIZE, sizeof(v));
	return v;
}

static void one_read(struct rtt_cfg *c)
{
	uint32_t v;

	if (c->dev) {
		CHECK(uvfio_region_read(c->dev, BAR0, BDEV_REG_VALUE, &v, sizeof(v)));
	} else {
		int64_t r = c->client_polls ? raw_read32_spin(c->sock, raw_id, BDEV_REG_VALUE)
					    : raw_read32(c->sock, raw_id, BDEV_REG_VALUE);

		raw_id++;
		CHECK(r);
		v = (uint32_t)r;
	}
	if ((v & 0xffffff00u) != 0xc0ffee00u)
		die("%s: read 0x%08x", c->what, v);
}

static void rtt_run(struct rtt_cfg *c, unsigned long n, unsigned int round)
{
	unsigned long i;
	double sum = 0;

	for (i = 0; i < n / 10; i++)
		one_read(c);
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		one_read(c);
		c->lat[i] = (double)(now_ns() - t0);
		sum += c->lat[i];
	}
	c->means[round] = sum / (double)n;
	c->p99s[round] = percentile(c->lat, n, 99);
	c->runs[round] = median(c->lat, n);
	/* A polling server keeps spinning for its budget: let it go back to sleep. */
	if (c->polled)
		sleep_us(3 * BENCH_POLL_US);
}

static void rtt_result(const char *id, const char *what, struct rtt_cfg *c, struct rtt_cfg *base,
		       unsigned int n, enum target_kind kind, double target, const char *src)
{
	struct result *r;

	r = result_add_runs(id, "rtt", what, "ns", c->runs, n, base->what, base->runs, n,
			    RUNS_BEST_LOW, kind, target, src);
	result_note(r,
		    "per-op medians of %u alternating runs; mean %.0f vs %.0f ns, p99 %.0f vs "
		    "%.0f ns",
		    n, median_of(c->means, n), median_of(base->means, n), median_of(c->p99s, n),
		    median_of(base->p99s, n));
}

enum {
	C_RAW_BARE,
	C_LIB_LIB,
	C_RAW_LIB,
	C_RAW_BAREP,
	C_LIB_LIBP,
	C_RAW_LIBP,
	C_SPIN_BAREP,
	C_SPIN_LIBP,
	C_NCFG,
};

void bench_rtt(void)
{
	/* Many short alternating runs: this machine's speed changes in phases of seconds. */
	unsigned int rounds = opts.rounds * 5 < MAX_RUNS ? opts.rounds * 5 : MAX_RUNS;
	unsigned long n = scaled(4000, 500);
	struct rtt_cfg *cfg = calloc(C_NCFG, sizeof(*cfg));
	struct bare bare;
	struct bare bare_poll;
	struct bdev d[4];
	struct uvfio_container *cont;
	struct uvfio_device *dev0;
	struct uvfio_device *dev2;
	char where[128];
	int sock1;
	int sock3;
	int sock3b;
	unsigned int round;
	unsigned int i;

	if (!cfg)
		die("out of memory");
	printf("\n== 4-byte REGION_READ round trip (%lu reads x %u runs per configuration)\n", n,
	       rounds);
	CHECK(bare_start(&bare, 0));
	CHECK(bare_start(&bare_poll, BENCH_POLL_US));
	for (i = 0; i < 4; i++)
		CHECK(bdev_start(&d[i], i >= 2 ? BENCH_POLL_US : 0, 0));
	CHECK(uvfio_container_create(&cont));
	CHECK(uvfio_device_open(cont, bdev_where(&d[0], where, sizeof(where)), &dev0));
	CHECK(uvfio_device_open(cont, bdev_where(&d[2], where, sizeof(where)), &dev2));
	CHECK(uvfio_device_enable(dev0));
	CHECK(uvfio_device_enable(dev2));
	CHECK(raw_connect_uvfio(d[1].path, &sock1));
	CHECK(raw_connect_uvfio(d[3].path, &sock3));

	cfg[C_RAW_BARE] =
		(struct rtt_cfg){.what = "raw client + bare responder", .sock = bare.sock};
	cfg[C_LIB_LIB] =
		(struct rtt_cfg){.what = "uvfio_region_read + lib/device", .sock = -1, .dev = dev0};
	cfg[C_RAW_LIB] = (struct rtt_cfg){.what = "raw client + lib/device", .sock = sock1};
	cfg[C_RAW_BAREP] = (struct rtt_cfg){.what = "raw client + polling bare responder",
					    .sock = bare_poll.sock,
					    .polled = true};
	cfg[C_LIB_LIBP] = (struct rtt_cfg){.what = "uvfio_region_read + lib/device, latency mode",
					   .sock = -1,
					   .dev = dev2,
					   .polled = true};
	cfg[C_RAW_LIBP] = (struct rtt_cfg){
		.what = "raw client + lib/device, latency mode", .sock = sock3, .polled = true};
	cfg[C_SPIN_BAREP] = (struct rtt_cfg){.what = "polling raw client + polling bare responder",
					     .sock = bare_poll.sock,
					     .polled = true,
					     .client_polls = true};
	cfg[C_SPIN_LIBP] = (struct rtt_cfg){.what = "polling raw client + lib/device, latency mode",
					    .sock = sock3,
					    .polled = true,
					    .client_polls = true};
	sock3b = sock3;
	for (i = 0; i < C_NCFG; i++) {
		cfg[i].lat = calloc(n, sizeof(double));
		if (!cfg[i].lat)
			die("out of memory");
	}
	/* Interleave the configurations, rotating the order, so drift hits all alike. */
	for (round = 0; round < rounds; round++)
		for (i = 0; i < C_NCFG; i++)
			rtt_run(&cfg[(i + round) % C_NCFG], n, round);

	rtt_result("rtt.lib_client+lib_server", "uvfio client + uvfio server", &cfg[C_LIB_LIB],
		   &cfg[C_RAW_BARE], rounds, TARGET_LE, 1.10, "issue");
	rtt_result("rtt.raw_client+lib_server", "raw client + uvfio server (the server alone)",
		   &cfg[C_RAW_LIB], &cfg[C_RAW_BARE], rounds, TARGET_LE, 1.10, "issue");
	rtt_result("rtt.poll.lib_client+lib_server",
		   "latency mode: uvfio client + server vs polling bare", &cfg[C_LIB_LIBP],
		   &cfg[C_RAW_BAREP], rounds, TARGET_LE, 1.10, "issue");
	rtt_result("rtt.poll.raw_client+lib_server",
		   "latency mode: raw client + uvfio server vs polling bare", &cfg[C_RAW_LIBP],
		   &cfg[C_RAW_BAREP], rounds, TARGET_LE, 1.10, "issue");
	rtt_result("rtt.poll.spin_client+lib_server",
		   "latency mode, client polling too: raw + uvfio server", &cfg[C_SPIN_LIBP],
		   &cfg[C_SPIN_BAREP], rounds, TARGET_LE, 1.10, "issue");
	rtt_result("rtt.poll_gain.lib", "uvfio client + server: latency mode vs off",
		   &cfg[C_LIB_LIBP], &cfg[C_LIB_LIB], rounds, TARGET_NONE, 0, NULL);
	rtt_result("rtt.poll_gain.bare", "bare responder: polling vs blocking", &cfg[C_RAW_BAREP],
		   &cfg[C_RAW_BARE], rounds, TARGET_NONE, 0, NULL);
	rtt_result("rtt.poll_gain.spin_bare", "both sides polling vs both blocking (bare)",
		   &cfg[C_SPIN_BAREP], &cfg[C_RAW_BARE], rounds, TARGET_NONE, 0, NULL);
	for (i = 0; i < C_NCFG; i++)
		free(cfg[i].lat);
	free(cfg);
	close(sock1);
	close(sock3b);
	uvfio_container_destroy(cont);
	for (i = 0; i < 4; i++)
		bdev_stop(&d[i]);
	bare_stop(&bare);
	bare_stop(&bare_poll);
}

/*
 * 16 requests in flight from a raw client: a reply is answered by a new
 * request, replies are read as they come (several per read()).
 */
static double pipelined(int sock, unsigned long nops)
{
	uint8_t reqs[INFLIGHT * RAW_REQ_SIZE];
	uint8_t rbuf[(INFLIGHT + 1) * RAW_REP_SIZE];
	unsigned long sent = INFLIGHT;
	unsigned long got = 0;
	size_t have = 0;
	uint64_t t0;
	unsigned int i;

	for (i = 0; i < INFLIGHT; i++)
		raw_encode_read(reqs + i * RAW_REQ_SIZE, (uint16_t)i, BDEV_REG_VALUE);
	t0 = now_ns();
	CHECK(write_all(sock, reqs, sizeof(reqs)));
	while (got < nops) {
		ssize_t n = read(sock, rbuf + have, sizeof(rbuf) - have);
		unsigned long k;
		unsigned long more;

		if (n <= 0)
			die("pipelined read: %s", n ? strerror(errno) : "EOF");
		have += (size_t)n;
		k = have / RAW_REP_SIZE;
		for (i = 0; i < k; i++) {
			struct uvfio_msg_hdr h;

			memcpy(&h, rbuf + i * RAW_REP_SIZE, sizeof(h));
			if (h.size != RAW_REP_SIZE || (h.flags & UVFIO_MSG_ERROR))
				die("pipelined: bad reply (size %u flags 0x%x)", h.size, h.flags);
		}
		memmove(rbuf, rbuf + k * RAW_REP_SIZE, have - k * RAW_REP_SIZE);
		have -= k * RAW_REP_SIZE;
		got += k;
		more = k < nops - sent ? k : nops - sent;
		if (more) {
			CHECK(write_all(sock, reqs, more * RAW_REQ_SIZE));
			sent += more;
		}
	}
	return (double)nops * 1e9 / (double)(now_ns() - t0);
}

void bench_pipeline(void)
{
	unsigned int rounds = opts.rounds * 3 < MAX_RUNS ? opts.rounds * 3 : MAX_RUNS;
	unsigned long n = scaled(30000, 5000);
	double lib[MAX_RUNS];
	double base[MAX_RUNS];
	struct bare bare;
	struct bdev d;
	struct result *r;
	unsigned int round;
	int sock;

	printf("\n== REGION_READ throughput, %d in flight (%lu reads x %u runs)\n", INFLIGHT, n,
	       rounds);
	CHECK(bare_start(&bare, 0));
	CHECK(bdev_start(&d, 0, 0));
	CHECK(raw_connect_uvfio(d.path, &sock));
	pipelined(sock, n / 10);
	pipelined(bare.sock, n / 10);
	for (round = 0; round < rounds; round++) {
		if (round % 2) {
			lib[round] = pipelined(sock, n);
			base[round] = pipelined(bare.sock, n);
		} else {
			base[round] = pipelined(bare.sock, n);
			lib[round] = pipelined(sock, n);
		}
	}
	r = result_add_runs("pipe16.raw_client+lib_server", "pipe16",
			    "16 in flight: raw client + uvfio server", "op/s", lib, rounds,
			    "raw client + bare responder, 16 in flight", base, rounds,
			    RUNS_BEST_HIGH, TARGET_GE, 0.90, "issue");
	result_note(r,
		    "pipelined REGION_READs from a raw client (the driver library is synchronous)");
	close(sock);
	bdev_stop(&d);
	bare_stop(&bare);
}

/*
 * Posted writes (No_reply) and stores to a sparse-mmap BAR, per operation,
 * against the REGION_READ round trip through the library.
 */
void bench_posted(void)
{
	unsigned long n = scaled(100000, 10000);
	unsigned long nmm = scaled(20000000, 1000000);
	double posted[32];
	double store[32];
	double accessor[32];
	double rtt[32];
	struct uvfio_container *cont;
	struct uvfio_device *dev;
	struct uvfio_region_info info;
	char where[128];
	struct bdev d;
	struct result *r;
	volatile uint32_t *bar2;
	unsigned int round;
	unsigned long i;
	void *addr;
	uint32_t v;

	printf("\n== posted writes and sparse-mmap stores (%lu posted, %lu stores x %u runs)\n", n,
	       nmm, opts.rounds);
	CHECK(bdev_start(&d, 0, 0));
	CHECK(uvfio_container_create(&cont));
	CHECK(uvfio_device_open(cont, bdev_where(&d, where, sizeof(where)), &dev));
	CHECK(uvfio_device_enable(dev));
	CHECK(uvfio_region_get_info(dev, BAR2, &info));
	if (!info.has_sparse || !info.nr_sparse)
		die("BAR2 has no sparse mmap area");
	CHECK(uvfio_region_mmap(dev, BAR2, &addr));
	bar2 = addr;

	for (round = 0; round < opts.rounds; round++) {
		uint64_t t0;

		/* Posted: n writes, then one read so all of them have been served. */
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			v = (uint32_t)i;
			CHECK(uvfio_region_write_posted(dev, BAR0, 0x20, &v, sizeof(v)));
		}
		CHECK(uvfio_region_read(dev, BAR0, 0x20, &v, sizeof(v)));
		posted[round] = (double)(now_ns() - t0) / (double)n;
		if (v != (uint32_t)(n - 1))
			die("posted writes: read back %u", v);

		t0 = now_ns();
		for (i = 0; i < n / 4; i++)
			CHECK(uvfio_region_read(dev, BAR0, 0x20, &v, sizeof(v)));
		rtt[round] = (double)(now_ns() - t0) / (double)(n / 4);

		t0 = now_ns();
		for (i = 0; i < nmm; i++)
			bar2[(i & 63) * 4] = (uint32_t)i;
		store[round] = (double)(now_ns() - t0) / (double)nmm;
		if (((volatile uint32_t *)d.bar2)[((nmm - 1) & 63) * 4] != (uint32_t)(nmm - 1))
			die("sparse mmap store not seen by the device");

		t0 = now_ns();
		for (i = 0; i < nmm; i++)
			CHECK(uvfio_bar_write32(dev, 2, (i & 63) * 16, (uint32_t)i));
		accessor[round] = (double)(now_ns() - t0) / (double)nmm;
	}
	r = result_add_runs("posted.write", "posted",
			    "posted 4-byte REGION_WRITE (No_reply), per op", "ns", posted,
			    opts.rounds, "uvfio_region_read round trip", rtt, opts.rounds,
			    RUNS_PAIRED, TARGET_NONE, 0, NULL);
	result_note(r, "n posted writes then one read to fence them, divided by n");
	r = result_add_runs("mmap.store", "posted", "store to a sparse-mmap BAR (plain pointer)",
			    "ns", store, opts.rounds, "uvfio_region_read round trip", rtt,
			    opts.rounds, RUNS_PAIRED, TARGET_NONE, 0, NULL);
	r = result_add_runs("mmap.bar_write32", "posted", "uvfio_bar_write32 to a sparse-mmap BAR",
			    "ns", accessor, opts.rounds, "uvfio_region_read round trip", rtt,
			    opts.rounds, RUNS_PAIRED, TARGET_NONE, 0, NULL);
	uvfio_container_destroy(cont);
	bdev_stop(&d);
}
