// SPDX-License-Identifier: MIT
/*
 * bench/b_multi.c - 64 device instances, each served by lib/device on its own
 * thread (uvfio_dev_run, as uvfiod does), driven by 64 client threads doing
 * 4-byte region reads at once: aggregate operations per second and p99
 * latency, against 64 bare responders driven by 64 raw clients.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define NINST 64
#define MAX_SAMPLES 200000

enum multi_kind {
	MULTI_LIB,  /* uvfio_region_read -> lib/device */
	MULTI_RAW,  /* raw client -> lib/device */
	MULTI_BARE, /* raw client -> bare responder */
};

struct client {
	enum multi_kind kind;
	int sock;
	struct uvfio_device *dev;
	pthread_t th;
	unsigned long ops;
	double *lat;
	unsigned long nlat;
	uint16_t id;
};

static atomic_int phase; /* 0 wait, 1 warm up, 2 measure, 3 stop */
static atomic_int ready;

static void client_read(struct client *c)
{
	uint32_t v;

	if (c->kind == MULTI_LIB) {
		CHECK(uvfio_region_read(c->dev, VFIO_PCI_BAR0_REGION_INDEX, BDEV_REG_VALUE, &v,
					sizeof(v)));
	} else {
		CHECK(raw_read32(c->sock, c->id++, BDEV_REG_VALUE));
	}
}

static void *client_thread(void *arg)
{
	struct client *c = arg;

	atomic_fetch_add(&ready, 1);
	while (atomic_load(&phase) == 0)
		sleep_us(100);
	while (atomic_load(&phase) == 1)
		client_read(c);
	c->ops = 0;
	c->nlat = 0;
	while (atomic_load(&phase) == 2) {
		uint64_t t0 = now_ns();

		client_read(c);
		if (c->nlat < MAX_SAMPLES)
			c->lat[c->nlat++] = (double)(now_ns() - t0);
		c->ops++;
	}
	return NULL;
}

/* One timed phase of the 64 clients; returns ops/s and the p99 in ns. */
static void multi_run(struct client *cl, double secs, double *ops_s, double *p99)
{
	static double all[NINST * 4096];
	unsigned long total = 0;
	size_t nall = 0;
	uint64_t t0;
	double dt;
	unsigned int i;

	atomic_store(&phase, 0);
	atomic_store(&ready, 0);
	for (i = 0; i < NINST; i++)
		if (pthread_create(&cl[i].th, NULL, client_thread, &cl[i]))
			die("pthread_create");
	while (atomic_load(&ready) < NINST)
		sleep_us(1000);
	atomic_store(&phase, 1);
	sleep_us((unsigned long)(secs * 1e6 / 5));
	t0 = now_ns();
	atomic_store(&phase, 2);
	sleep_us((unsigned long)(secs * 1e6));
	atomic_store(&phase, 3);
	dt = (double)(now_ns() - t0) / 1e9;
	for (i = 0; i < NINST; i++) {
		unsigned long j;
		unsigned long step;

		pthread_join(cl[i].th, NULL);
		total += cl[i].ops;
		/* An even sample of each client's latencies, so each weighs alike. */
		step = cl[i].nlat / 4096 + 1;
		for (j = 0; j < cl[i].nlat && nall < NINST * 4096; j += step)
			all[nall++] = cl[i].lat[j];
	}
	*ops_s = (double)total / dt;
	*p99 = percentile(all, nall, 99);
}

void bench_multi(void)
{
	double secs = opts.quick ? 0.4 : 1.0;
	unsigned int rounds = opts.rounds < 5 ? opts.rounds : 5;
	static struct client cl[3][NINST];
	static struct bdev d[2][NINST];
	static struct bare bare[NINST];
	struct uvfio_container *cont[NINST];
	double ops[3][32];
	double p99[3][32];
	char where[128];
	unsigned int round;
	unsigned int i;
	unsigned int k;

	printf("\n== %d instances x %d clients at once (%.1f s x %u runs per configuration)\n",
	       NINST, NINST, secs, rounds);
	if (sysconf(_SC_NPROCESSORS_ONLN) <= 2)
		bench_note("multi: a 2-core machine: %d server and %d client threads share 2 CPUs, "
			   "so this measures CPU cost per operation more than parallelism",
			   NINST, NINST);
	for (i = 0; i < NINST; i++) {
		CHECK(bdev_start(&d[0][i], 0, 0));
		CHECK(bdev_start(&d[1][i], 0, 0));
		CHECK(bare_start(&bare[i], 0));
		CHECK(uvfio_container_create(&cont[i]));
		cl[MULTI_LIB][i].kind = MULTI_LIB;
		CHECK(uvfio_device_open(cont[i], bdev_where(&d[0][i], where, sizeof(where)),
					&cl[MULTI_LIB][i].dev));
		CHECK(uvfio_device_enable(cl[MULTI_LIB][i].dev));
		cl[MULTI_RAW][i].kind = MULTI_RAW;
		CHECK(raw_connect_uvfio(d[1][i].path, &cl[MULTI_RAW][i].sock));
		cl[MULTI_BARE][i].kind = MULTI_BARE;
		cl[MULTI_BARE][i].sock = bare[i].sock;
		for (k = 0; k < 3; k++) {
			cl[k][i].lat = calloc(MAX_SAMPLES, sizeof(double));
			if (!cl[k][i].lat)
				die("out of memory");
		}
	}
	for (round = 0; round < rounds; round++)
		for (k = 0; k < 3; k++) {
			unsigned int kk = (k + round) % 3;

			multi_run(cl[kk], secs, &ops[kk][round], &p99[kk][round]);
		}

	result_add_runs("multi64.lib_client+lib_server.ops", "multi",
			"64 x (uvfio client + uvfio server): aggregate reads/s", "op/s",
			ops[MULTI_LIB], rounds, "64 x (raw client + bare responder)",
			ops[MULTI_BARE], rounds, RUNS_BEST_HIGH, TARGET_GE, 0.90, "ours");
	result_add_runs("multi64.raw_client+lib_server.ops", "multi",
			"64 x (raw client + uvfio server): aggregate reads/s", "op/s",
			ops[MULTI_RAW], rounds, "64 x (raw client + bare responder)",
			ops[MULTI_BARE], rounds, RUNS_BEST_HIGH, TARGET_GE, 0.90, "ours");
	result_add_runs("multi64.lib_client+lib_server.p99", "multi",
			"64 x (uvfio client + uvfio server): p99 read latency", "ns",
			p99[MULTI_LIB], rounds, "64 x (raw client + bare responder) p99",
			p99[MULTI_BARE], rounds, RUNS_BEST_LOW, TARGET_NONE, 0, NULL);
	result_add_runs("multi64.raw_client+lib_server.p99", "multi",
			"64 x (raw client + uvfio server): p99 read latency", "ns", p99[MULTI_RAW],
			rounds, "64 x (raw client + bare responder) p99", p99[MULTI_BARE], rounds,
			RUNS_BEST_LOW, TARGET_NONE, 0, NULL);

	for (i = 0; i < NINST; i++) {
		close(cl[MULTI_RAW][i].sock);
		uvfio_container_destroy(cont[i]);
		bdev_stop(&d[0][i]);
		bdev_stop(&d[1][i]);
		bare_stop(&bare[i]);
		for (k = 0; k < 3; k++)
			free(cl[k][i].lat);
	}
}
