// SPDX-License-Identifier: MIT
/*
 * bench/common.c - time, statistics, and the result table and its JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_RESULTS 96
#define MAX_NOTES 32

struct bench_opts opts = {.rounds = 7};

static struct result results[MAX_RESULTS];
static unsigned int nresults;
static char notes[MAX_NOTES][256];
static unsigned int nnotes;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_us(unsigned long us)
{
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000),
			      .tv_nsec = (long)(us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double percentile(double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	/* Nearest rank. */
	i = (size_t)(p / 100.0 * (double)n + 0.5);
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return v[i];
}

double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

unsigned long scaled(unsigned long n, unsigned long min)
{
	if (opts.quick)
		n /= 5;
	return n < min ? min : n;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "uvfio-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static bool judge(const struct result *r)
{
	return r->kind == TARGET_LE ? r->ratio <= r->target : r->ratio >= r->target;
}

static const char *verdict(const struct result *r)
{
	if (r->kind == TARGET_NONE)
		return "-";
	return judge(r) ? "met" : "MISSED";
}

static void target_str(const struct result *r, char *buf, size_t len)
{
	if (r->kind == TARGET_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s %.2f", r->kind == TARGET_LE ? "<=" : ">=", r->target);
}

static struct result *result_new(const char *id, const char *group, const char *what,
				 const char *unit, double value, const char *baseline_what,
				 double baseline, enum target_kind kind, double target,
				 const char *target_src, double ratio);

double median_of(const double *v, unsigned int n)
{
	double tmp[MAX_RUNS];

	if (n > MAX_RUNS)
		n = MAX_RUNS;
	memcpy(tmp, v, n * sizeof(*v));
	return median(tmp, n);
}

static double percentile_of(const double *v, unsigned int n, double p)
{
	double tmp[MAX_RUNS];

	if (n > MAX_RUNS)
		n = MAX_RUNS;
	memcpy(tmp, v, n * sizeof(*v));
	return percentile(tmp, n, p);
}

struct result *result_add_runs(const char *id, const char *group, const char *what,
			       const char *unit, const double *runs, unsigned int n,
			       const char *baseline_what, const double *base, unsigned int nbase,
			       enum run_stat stat, enum target_kind kind, double target,
			       const char *target_src)
{
	static const char *const names[] = {
		[RUNS_PAIRED] = "median of runs; ratio: median of paired per-run ratios",
		[RUNS_BEST_LOW] = "10th percentile of runs (best decile)",
		[RUNS_BEST_HIGH] = "90th percentile of runs (best decile)",
	};
	double value;
	double baseline;
	double ratio;
	struct result *r;

	if (stat == RUNS_PAIRED) {
		value = median_of(runs, n);
		baseline = median_of(base, nbase);
	} else {
		double p = stat == RUNS_BEST_LOW ? 10 : 90;

		value = percentile_of(runs, n, p);
		baseline = percentile_of(base, nbase, p);
	}
	ratio = baseline > 0 ? value / baseline : 0;
	if (stat == RUNS_PAIRED && n == nbase && n <= MAX_RUNS) {
		double q[MAX_RUNS];
		unsigned int i;

		for (i = 0; i < n; i++)
			q[i] = base[i] > 0 ? runs[i] / base[i] : 0;
		ratio = median(q, n);
	}
	r = result_new(id, group, what, unit, value, baseline_what, baseline, kind, target,
		       target_src, ratio);
	result_runs(r, runs, n, base, nbase);
	r->stat = names[stat];
	return r;
}

struct result *result_add(const char *id, const char *group, const char *what, const char *unit,
			  double value, const char *baseline_what, double baseline,
			  enum target_kind kind, double target, const char *target_src)
{
	return result_new(id, group, what, unit, value, baseline_what, baseline, kind, target,
			  target_src, baseline > 0 ? value / baseline : 0);
}

static struct result *result_new(const char *id, const char *group, const char *what,
				 const char *unit, double value, const char *baseline_what,
				 double baseline, enum target_kind kind, double target,
				 const char *target_src, double ratio)
{
	struct result *r;
	char t[32];

	if (nresults >= MAX_RESULTS)
		die("too many results");
	r = &results[nresults++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->group, sizeof(r->group), "%s", group);
	snprintf(r->what, sizeof(r->what), "%s", what);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	snprintf(r->baseline_what, sizeof(r->baseline_what), "%s", baseline_what);
	snprintf(r->target_src, sizeof(r->target_src), "%s", target_src ? target_src : "");
	r->value = value;
	r->baseline = baseline;
	r->ratio = ratio;
	r->kind = kind;
	r->target = target;
	target_str(r, t, sizeof(t));
	printf("  %-58s %12.1f %-6s | base %12.1f | ratio %7.4g | target %-8s %s\n", what, value,
	       unit, baseline, r->ratio, t, verdict(r));
	fflush(stdout);
	return r;
}

void result_runs(struct result *r, const double *runs, unsigned int n, const double *base,
		 unsigned int nbase)
{
	unsigned int i;

	for (i = 0; i < n && i < MAX_RUNS; i++)
		r->runs[i] = runs[i];
	r->nruns = i;
	for (i = 0; i < nbase && i < MAX_RUNS; i++)
		r->baseline_runs[i] = base[i];
	r->nbaseline_runs = i;
}

void result_note(struct result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (nnotes < MAX_NOTES)
		vsnprintf(notes[nnotes++], sizeof(notes[0]), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	printf("  note: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

void results_print_table(void)
{
	unsigned int i;
	unsigned int met = 0;
	unsigned int missed = 0;

	printf("\n%-34s %14s %14s %8s %-9s %s\n", "id", "figure", "baseline", "ratio", "target",
	       "met?");
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		char t[32];

		target_str(r, t, sizeof(t));
		printf("%-34s %14.1f %14.1f %8.4g %-9s %s\n", r->id, r->value, r->baseline,
		       r->ratio, t, verdict(r));
		if (r->kind != TARGET_NONE) {
			if (judge(r))
				met++;
			else
				missed++;
		}
	}
	printf("\ntargets: %u met, %u missed\n", met, missed);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_runs(FILE *f, const double *v, unsigned int n)
{
	unsigned int i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%.3f", i ? ", " : "", v[i]);
	fputc(']', f);
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && p) {
			p += 2;
			p[strcspn(p, "\n")] = 0;
			snprintf(buf, len, "%s", p);
			break;
		}
	}
	fclose(f);
}

int results_write_json(const char *path, double elapsed_s)
{
	const char *env_build = getenv("UVFIO_BENCH_BUILD");
	const char *env_git = getenv("UVFIO_BENCH_GIT");
	char tmp[512];
	char cpu[128];
	char stamp[64];
	struct utsname u;
	time_t t = time(NULL);
	unsigned int i;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	fprintf(f, "{\n  \"schema\": 1,\n  \"date\": ");
	json_str(f, stamp);
	fprintf(f, ",\n  \"git\": ");
	json_str(f, env_git ? env_git : "");
	fprintf(f, ",\n  \"build\": ");
	json_str(f, env_build ? env_build : "");
	fprintf(f, ",\n  \"host\": {\"cpus\": %ld, \"cpu\": ", sysconf(_SC_NPROCESSORS_ONLN));
	json_str(f, cpu);
	fprintf(f, ", \"kernel\": ");
	json_str(f, u.release);
	fprintf(f, "},\n  \"quick\": %s,\n  \"rounds\": %u,\n  \"elapsed_s\": %.1f,\n",
		opts.quick ? "true" : "false", opts.rounds, elapsed_s);
	fprintf(f, "  \"notes\": [");
	for (i = 0; i < nnotes; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, notes[i]);
	}
	fprintf(f, "\n  ],\n  \"results\": [");
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
		json_str(f, r->id);
		fprintf(f, ", \"group\": ");
		json_str(f, r->group);
		fprintf(f, ",\n     \"what\": ");
		json_str(f, r->what);
		fprintf(f, ",\n     \"unit\": ");
		json_str(f, r->unit);
		fprintf(f, ", \"value\": %.3f, \"runs\": ", r->value);
		json_runs(f, r->runs, r->nruns);
		fprintf(f, ",\n     \"baseline_what\": ");
		json_str(f, r->baseline_what);
		fprintf(f, ",\n     \"baseline\": %.3f, \"baseline_runs\": ", r->baseline);
		json_runs(f, r->baseline_runs, r->nbaseline_runs);
		fprintf(f, ",\n     \"ratio\": %.4f, \"stat\": ", r->ratio);
		json_str(f, r->stat ? r->stat : "single figure");
		fprintf(f, ", ");
		if (r->kind == TARGET_NONE) {
			fprintf(f, "\"target\": null, \"target_from\": null, \"met\": null");
		} else {
			fprintf(f, "\"target\": \"%s %.2f\", \"target_from\": ",
				r->kind == TARGET_LE ? "<=" : ">=", r->target);
			json_str(f, r->target_src);
			fprintf(f, ", \"met\": %s", judge(r) ? "true" : "false");
		}
		fprintf(f, ",\n     \"note\": ");
		json_str(f, r->note);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f))
		return -errno;
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}
