// SPDX-License-Identifier: MIT
/*
 * bench/main.c - uvfio-bench: run the benchmark groups, print each figure
 * with its baseline and their ratio, write the results as JSON.
 *
 * Usage: uvfio-bench [--quick] [--rounds N] [--only GROUP] [--json PATH]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static const struct group {
	const char *name;
	void (*fn)(void);
} groups[] = {
	{"rtt", bench_rtt},	      {"pipe16", bench_pipeline}, {"posted", bench_posted},
	{"dma_maps", bench_dma_maps}, {"irq", bench_irq},	  {"copy", bench_copy},
	{"multi", bench_multi},
};

static void usage(void)
{
	fprintf(stderr, "usage: uvfio-bench [--quick] [--rounds N] [--only GROUP] [--json PATH]\n"
			"groups:");
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		fprintf(stderr, " %s", groups[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	uint64_t t0 = now_ns();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double elapsed;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			opts.quick = true;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			opts.rounds = (unsigned int)atoi(argv[++i]);
			if (opts.rounds < 1 || opts.rounds > 32)
				usage();
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			opts.only = argv[++i];
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else {
			usage();
		}
	}
	/* A client gone mid-write must not kill the run: write() reports EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	printf("uvfio-bench: %ld CPUs online%s; %u runs per figure, medians reported\n", cpus,
	       cpus <= 2 ? " (a 2-core machine: client and server share the CPUs; nothing pinned)"
			 : "",
	       opts.rounds);
	if (getenv("UVFIO_DEV_POLL_US"))
		bench_note("UVFIO_DEV_POLL_US=%s is set: it overrides every device's latency mode",
			   getenv("UVFIO_DEV_POLL_US"));
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		if (opts.only && !strstr(groups[g].name, opts.only))
			continue;
		groups[g].fn();
	}
	elapsed = (double)(now_ns() - t0) / 1e9;
	results_print_table();
	printf("elapsed: %.1f s\n", elapsed);
	if (json) {
		int ret = results_write_json(json, elapsed);

		if (ret) {
			fprintf(stderr, "uvfio-bench: cannot write %s: %s\n", json, strerror(-ret));
			return 1;
		}
		printf("results: %s\n", json);
	}
	return 0;
}
