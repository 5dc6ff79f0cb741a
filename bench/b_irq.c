// SPDX-License-Identifier: MIT
/*
 * bench/b_irq.c - interrupt latency: from the device model raising MSI
 * (uvfio_dev_msi_trigger() on the device thread) to the driver's callback
 * (uvfio_loop) or the return of uvfio_irq_wait(), against a raw eventfd
 * ping-pong between two threads.
 *
 * Each interrupt is asked for by the driver thread through an eventfd the
 * device thread watches (uvfio_dev_watch_fd), so both sides sleep between
 * interrupts exactly as the baseline's two threads do.  One-way latency is
 * trigger -> callback (CLOCK_MONOTONIC on both threads); the round trip
 * adds the request hop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"

#define MSI VFIO_PCI_MSI_IRQ_INDEX

struct irq_state {
	volatile uint64_t t_trigger;
	volatile uint64_t t_cb;
	volatile unsigned int got;
};

/* Device thread: the model raises its interrupt. */
static void irq_job(struct bdev *b)
{
	struct irq_state *s = b->job_arg;

	s->t_trigger = now_ns();
	CHECK(uvfio_dev_msi_trigger(b->dev, MSI, 0));
}

/* Driver thread, uvfio_loop callback. */
static void irq_cb(void *opaque, struct uvfio_device *d, uint32_t index, uint32_t vector,
		   uint64_t count)
{
	struct irq_state *s = opaque;

	(void)d;
	(void)index;
	(void)vector;
	(void)count;
	s->t_cb = now_ns();
	s->got++;
}

static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		die("kick: %s", strerror(errno));
}

/* The baseline's "device": wait for a request, raise the "interrupt". */
struct pingpong {
	int req;
	int irq;
	volatile uint64_t t_trigger;
	volatile bool stop;
	pthread_t th;
};

static void *pong_thread(void *arg)
{
	struct pingpong *p = arg;
	uint64_t v;

	for (;;) {
		if (read(p->req, &v, sizeof(v)) != sizeof(v) || p->stop)
			break;
		p->t_trigger = now_ns();
		kick(p->irq);
	}
	return NULL;
}

struct irq_runs {
	double oneway[MAX_RUNS];
	double rtt[MAX_RUNS];
};

static void record(struct irq_runs *r, unsigned int round, double *ow, double *rt, unsigned long n)
{
	r->oneway[round] = median(ow, n);
	r->rtt[round] = median(rt, n);
}

void bench_irq(void)
{
	/* Many short alternating runs: this machine's speed changes in phases of seconds. */
	unsigned int rounds = opts.rounds * 5 < MAX_RUNS ? opts.rounds * 5 : MAX_RUNS;
	unsigned long n = scaled(4000, 500);
	struct irq_runs lp = {0};
	struct irq_runs wt = {0};
	struct irq_runs base = {0};
	struct irq_state s = {0};
	struct pingpong pp = {0};
	struct uvfio_container *cont;
	struct uvfio_device *dev;
	struct uvfio_loop *loop;
	char where[128];
	struct bdev d;
	double *ow = calloc(n, sizeof(double));
	double *rt = calloc(n, sizeof(double));
	unsigned int round;
	unsigned long i;
	int efd;

	if (!ow || !rt)
		die("out of memory");
	printf("\n== interrupt latency, device trigger -> driver (%lu interrupts x %u runs)\n", n,
	       rounds);
	CHECK(bdev_start(&d, 0, 0));
	CHECK(uvfio_container_create(&cont));
	CHECK(uvfio_device_open(cont, bdev_where(&d, where, sizeof(where)), &dev));
	CHECK(uvfio_device_enable(dev));
	CHECK(uvfio_loop_create(&loop));
	CHECK(uvfio_loop_add_irqs(loop, dev, MSI, 1, 0, irq_cb, &s));
	efd = uvfio_loop_irq_fd(loop, dev, MSI, 0);
	CHECK(efd);
	d.job = irq_job;
	d.job_arg = &s;
	pp.req = eventfd(0, EFD_CLOEXEC);
	pp.irq = eventfd(0, EFD_CLOEXEC);
	if (pp.req < 0 || pp.irq < 0 || pthread_create(&pp.th, NULL, pong_thread, &pp))
		die("eventfd ping-pong set-up");

	for (round = 0; round < rounds; round++) {
		/* uvfio: device thread raises MSI, driver loop calls back. */
		for (i = 0; i < n + n / 10; i++) {
			unsigned int got = s.got;
			uint64_t t0 = now_ns();

			kick(d.job_fd);
			while (s.got == got)
				CHECK(uvfio_loop_run_once(loop, -1));
			if (i >= n / 10) {
				ow[i - n / 10] = (double)(s.t_cb - s.t_trigger);
				rt[i - n / 10] = (double)(s.t_cb - t0);
			}
		}
		record(&lp, round, ow, rt, n);

		/* uvfio: the same, waited for with uvfio_irq_wait(). */
		for (i = 0; i < n + n / 10; i++) {
			uint64_t t0 = now_ns();
			uint64_t t1;

			kick(d.job_fd);
			CHECK(uvfio_irq_wait(dev, efd, -1));
			t1 = now_ns();
			if (i >= n / 10) {
				ow[i - n / 10] = (double)(t1 - s.t_trigger);
				rt[i - n / 10] = (double)(t1 - t0);
			}
		}
		record(&wt, round, ow, rt, n);

		/* Baseline: two threads, two eventfds, blocking read(). */
		for (i = 0; i < n + n / 10; i++) {
			uint64_t t0 = now_ns();
			uint64_t t1;
			uint64_t v;

			kick(pp.req);
			if (read(pp.irq, &v, sizeof(v)) != sizeof(v))
				die("ping-pong read");
			t1 = now_ns();
			if (i >= n / 10) {
				ow[i - n / 10] = (double)(t1 - pp.t_trigger);
				rt[i - n / 10] = (double)(t1 - t0);
			}
		}
		record(&base, round, ow, rt, n);
	}

	result_add_runs("irq.loop.oneway", "irq", "MSI trigger -> uvfio_loop callback (one way)",
			"ns", lp.oneway, rounds, "eventfd write -> read() in another thread",
			base.oneway, rounds, RUNS_BEST_LOW, TARGET_LE, 1.10, "ours");
	result_add_runs("irq.wait.oneway", "irq", "MSI trigger -> uvfio_irq_wait return (one way)",
			"ns", wt.oneway, rounds, "eventfd write -> read() in another thread",
			base.oneway, rounds, RUNS_BEST_LOW, TARGET_LE, 1.10, "ours");
	result_add_runs("irq.loop.roundtrip", "irq",
			"request (watched eventfd) -> MSI -> loop callback", "ns", lp.rtt, rounds,
			"eventfd ping-pong round trip", base.rtt, rounds, RUNS_BEST_LOW,
			TARGET_NONE, 0, NULL);

	pp.stop = true;
	kick(pp.req);
	pthread_join(pp.th, NULL);
	close(pp.req);
	close(pp.irq);
	uvfio_loop_destroy(loop);
	uvfio_container_destroy(cont);
	bdev_stop(&d);
	free(ow);
	free(rt);
}
