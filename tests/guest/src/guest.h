/* SPDX-License-Identifier: MIT */
/*
 * guest.h - a minimal harness for the guest tests (static binaries run as
 * root inside the rig guest, tests/guest/rig/README.md).  No cmocka: these
 * binaries are linked -static and Debian ships no static cmocka.
 *
 * Each check prints "[PASS] ..." / "[FAIL] ..." / "[SKIP] ..."; the last
 * line is "N passed, N failed, N skipped" (tests/guest/guest-runner.sh sums
 * it).
 */
#ifndef UVFIO_GUEST_H
#define UVFIO_GUEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_pass, g_fail, g_skip;

static inline double now_s(void);

static inline void g_vreport(const char *tag, const char *fmt, va_list ap)
{
	static double t0;

	if (!t0)
		t0 = now_s();
	/* GUEST_TIMES=1: seconds since the first check, to see where time goes. */
	if (getenv("GUEST_TIMES"))
		printf("%7.3f ", now_s() - t0);
	printf("[%s] ", tag);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

/* check() - count and print one check; returns @ok. */
__attribute__((format(printf, 2, 3))) static inline bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_vreport(ok ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (ok)
		g_pass++;
	else
		g_fail++;
	return ok;
}

/* skip() - a check that cannot run here, and why. */
__attribute__((format(printf, 1, 2))) static inline void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_vreport("SKIP", fmt, ap);
	va_end(ap);
	g_skip++;
}

/* info() - an indented note, never a check. */
__attribute__((format(printf, 1, 2))) static inline void info(const char *fmt, ...)
{
	va_list ap;

	printf("       ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int finish(void)
{
	printf("%d passed, %d failed, %d skipped\n", g_pass, g_fail, g_skip);
	fflush(stdout);
	return g_fail ? 1 : 0;
}

/* copy_str() - @s into @out, cut to fit. */
static inline void copy_str(char *out, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* sysfs_write() - write @val to @path; 0 or -errno. */
static inline int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* sysfs_driver() - the driver @bdf is bound to, "" if none. */
static inline void sysfs_driver(const char *bdf, char *out, size_t len)
{
	char path[256];
	char link[256];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		out[0] = '\0';
		return;
	}
	link[n] = '\0';
	base = strrchr(link, '/');
	copy_str(out, len, base ? base + 1 : link);
}

static inline unsigned int sysfs_hex(const char *bdf, const char *attr)
{
	char path[256];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* find_pci() - the first device vendor:device, in address order; 0 or -ENOENT. */
static inline int find_pci(unsigned int vendor, unsigned int device, char *out, size_t len)
{
	struct dirent **list;
	int n, i, ret = -ENOENT;

	n = scandir("/sys/bus/pci/devices", &list, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (ret && list[i]->d_name[0] != '.' &&
		    sysfs_hex(list[i]->d_name, "vendor") == vendor &&
		    sysfs_hex(list[i]->d_name, "device") == device) {
			copy_str(out, len, list[i]->d_name);
			ret = 0;
		}
		free(list[i]);
	}
	free(list);
	return ret;
}

/*
 * bind_pci() - bind @bdf to @driver ("" = no driver), the way
 * Documentation/driver-api/vfio.rst and the rig do it: driver_override,
 * unbind from the current driver, drivers_probe.  Return 0 if the device
 * ends up where asked.
 */
static inline int bind_pci(const char *bdf, const char *driver)
{
	char path[256];
	char cur[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	/* A name no driver has keeps the device unbound. */
	sysfs_write(path, driver[0] ? driver : "uvfio-none");
	sysfs_driver(bdf, cur, sizeof(cur));
	if (cur[0] && strcmp(cur, driver)) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		sysfs_write(path, bdf);
	}
	if (driver[0]) {
		sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	} else {
		/* Unbound now; clear the override ("\n" resets it) without a probe. */
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
		sysfs_write(path, "\n");
	}
	sysfs_driver(bdf, cur, sizeof(cur));
	return strcmp(cur, driver) ? -EIO : 0;
}

/* has_words() - every word of the NULL-terminated list is in @msg. */
static inline bool has_words(const char *msg, const char *const *words, const char **missing)
{
	for (; *words; words++) {
		if (!strstr(msg, *words)) {
			*missing = *words;
			return false;
		}
	}
	*missing = "";
	return true;
}

#endif
