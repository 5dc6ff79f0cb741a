// SPDX-License-Identifier: MIT
/*
 * lib/device/main.c - uvfio_dev_main(): the vfio-user backend-program
 * conventions (contract §1: --socket-path=PATH / --fd=FDNUM, mutually
 * exclusive; honour SIGTERM; never daemonize).  The one place in lib/device
 * that prints: the API says it reports errors on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device/dev_priv.h"

/* Exit statuses (device.h: uvfio_dev_main). */
#define EXIT_CLEAN 0
#define EXIT_ERROR 1
#define EXIT_USAGE 2

/* The device a signal stops; set before the handlers go in. */
static struct uvfio_dev *volatile sig_dev;

static void on_signal(int sig)
{
	(void)sig;
	/* Async-signal-safe: a write to the device's stop eventfd. */
	uvfio_dev_stop(sig_dev);
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;

	fputs("uvfio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: [--socket-path=PATH | --fd=N]\n", stderr);
	return EXIT_USAGE;
}

/* Match --name=VALUE or --name VALUE; 1 matched, 0 not, -1 value missing. */
static int take_opt(const char *name, int argc, char **argv, int *i, const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

int uvfio_dev_main(struct uvfio_dev *dev, int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct sigaction old_term;
	struct sigaction old_int;
	const char *path = NULL;
	const char *fdstr = NULL;
	int listening = 0;
	socklen_t optlen = sizeof(listening);
	char *end;
	long fdnum = -1;
	int fd;
	int ret;
	int i;

	if (!dev)
		return EXIT_ERROR;
	for (i = 0; i < argc; i++) {
		const char *val = NULL;
		int m;

		m = take_opt("--socket-path", argc, argv, &i, &val);
		if (m < 0)
			return usage("--socket-path needs a value");
		if (m > 0) {
			if (path)
				return usage("--socket-path given twice");
			path = val;
			continue;
		}
		m = take_opt("--fd", argc, argv, &i, &val);
		if (m < 0)
			return usage("--fd needs a value");
		if (m > 0) {
			if (fdstr)
				return usage("--fd given twice");
			fdstr = val;
			continue;
		}
		return usage("unknown option '%s'", argv[i]);
	}
	if (path && fdstr)
		return usage("--socket-path and --fd are mutually exclusive");
	if (!path && !fdstr)
		return usage("one of --socket-path or --fd is required");
	if (path && !*path)
		return usage("--socket-path: empty path");
	if (fdstr) {
		errno = 0;
		fdnum = strtol(fdstr, &end, 10);
		if (errno || end == fdstr || *end || fdnum < 0 || fdnum > INT_MAX)
			return usage("--fd: '%s' is not a file descriptor number", fdstr);
		if (fcntl((int)fdnum, F_GETFD) < 0) {
			fprintf(stderr, "uvfio: --fd %ld: not an open file descriptor\n", fdnum);
			return EXIT_ERROR;
		}
	}

	sig_dev = dev;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);

	if (path) {
		fd = uvfio_dev_listen(path);
		if (fd < 0) {
			fprintf(stderr, "uvfio: cannot listen on %s: %s\n", path, strerror(-fd));
			ret = fd;
			goto out_signals;
		}
		ret = uvfio_dev_run(dev, fd);
		close(fd);
		unlink(path);
	} else {
		fd = (int)fdnum;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) < 0) {
			ret = -errno;
			fprintf(stderr, "uvfio: --fd %d: not a socket: %s\n", fd, strerror(-ret));
			goto out_signals;
		}
		/* --fd may be a listening or an already connected socket (contract §1). */
		if (listening)
			ret = uvfio_dev_run(dev, fd);
		else
			ret = uvfio_dev_serve_conn(dev, fd);
	}
	if (ret < 0)
		fprintf(stderr, "uvfio: serving failed: %s\n", strerror(-ret));

out_signals:
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sig_dev = NULL;
	return ret < 0 ? EXIT_ERROR : EXIT_CLEAN;
}
