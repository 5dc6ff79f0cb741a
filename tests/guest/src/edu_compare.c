// SPDX-License-Identifier: MIT
/*
 * edu_compare.c - guest-test-edu-compare: the same uvfio-edu binary drives
 * QEMU's edu behind the real vfio-pci and uvfio's own edu served over
 * vfio-user by uvfio-serve, in the same guest, and prints the same results.
 *
 * uvfio-edu and uvfio-serve come into the guest through run-guest-tests.sh's
 * GUEST_EXTRA_FILES (/rig/files, on PATH); without them this test skips.
 * Runs, all with --dma-size 2048 (QEMU 7.2 edu's limit, docs/edu.md):
 *   uvfio-edu BDF            kernel vfio-pci
 *   uvfio-edu unix:SOCKET    vfio-user
 *   uvfio-edu --irq msi / --irq intx on both
 *   uvfio-edu                (no DEVICE: found by the PCI driver model)
 * and each pair's stdout must be identical.
 */
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest.h"

#define SOCK "/tmp/uvfio-guest-edu.sock"
#define OUT_MAX 16384

/* find_prog() - @name in /rig/files or PATH into @out; 0 or -ENOENT. */
static int find_prog(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	size_t nlen = strlen(name);

	snprintf(out, len, "/rig/files/%s", name);
	if (!access(out, X_OK))
		return 0;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && n + nlen + 2 <= len) {
			memcpy(out, path, n);
			out[n] = '/';
			memcpy(out + n + 1, name, nlen + 1);
			if (!access(out, X_OK))
				return 0;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

/* run() - run @argv, its stdout into @out; the exit status, or -1. */
static int run(char *const argv[], char *out, size_t len)
{
	int pfd[2];
	size_t got = 0;
	pid_t pid;
	int status;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], out + got, len - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == len - 1)
			break;
	}
	out[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void show(const char *label, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		info("%s| %.*s", label, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* compare() - run uvfio-edu with @args on both devices and diff stdout. */
static void compare(const char *edu_bin, const char *bdf, const char *const *args, const char *what)
{
	static char out_k[OUT_MAX], out_u[OUT_MAX];
	char *argv[16];
	int n = 0, i, rk, ru;

	argv[n++] = (char *)edu_bin;
	for (i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n + 1] = NULL;
	argv[n] = (char *)bdf;
	rk = run(argv, out_k, sizeof(out_k));
	argv[n] = (char *)"unix:" SOCK;
	ru = run(argv, out_u, sizeof(out_u));
	check(rk == 0, "uvfio-edu %s %s: exit %d", what, bdf, rk);
	check(ru == 0, "uvfio-edu %s unix:" SOCK ": exit %d", what, ru);
	if (!check(rk == 0 && ru == 0 && out_k[0] && !strcmp(out_k, out_u),
		   "uvfio-edu %s: same output on QEMU's edu (vfio-pci) and uvfio's edu (vfio-user)",
		   what)) {
		show("vfio-pci ", out_k);
		show("vfio-user", out_u);
	} else {
		show("both", out_k);
	}
}

int main(void)
{
	char edu_bin[256], serve_bin[256], bdf[32];
	static char out_k[OUT_MAX], out_auto[OUT_MAX];
	struct stat st;
	pid_t server;
	double end;
	int rc, ra;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("guest-test-edu-compare: one uvfio-edu binary, kernel vfio-pci and vfio-user\n");
	if (find_prog("uvfio-edu", edu_bin, sizeof(edu_bin)) ||
	    find_prog("uvfio-serve", serve_bin, sizeof(serve_bin))) {
		skip("uvfio-edu and uvfio-serve are not in the guest: ship them with "
		     "GUEST_EXTRA_FILES=\"BUILD/drivers/edu/uvfio-edu BUILD/devices/uvfio-serve\"");
		return finish();
	}
	if (find_pci(0x1234, 0x11e8, bdf, sizeof(bdf))) {
		check(false, "an edu device in the guest");
		return finish();
	}
	unlink(SOCK);
	server = fork();
	if (server == 0) {
		execl(serve_bin, "uvfio-serve", "edu", "--socket-path", SOCK, (char *)NULL);
		_exit(127);
	}
	end = now_s() + 10;
	while (stat(SOCK, &st) && now_s() < end)
		usleep(10000);
	if (!check(!stat(SOCK, &st), "uvfio-serve edu --socket-path " SOCK " is listening")) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		return finish();
	}

	compare(edu_bin, bdf, (const char *const[]){"--dma-size", "2048", NULL}, "--dma-size 2048");
	compare(edu_bin, bdf, (const char *const[]){"--dma-size", "2048", "--irq", "msi", NULL},
		"--dma-size 2048 --irq msi");
	compare(edu_bin, bdf, (const char *const[]){"--dma-size", "2048", "--irq", "intx", NULL},
		"--dma-size 2048 --irq intx");

	/* No DEVICE: uvfio-edu finds QEMU's edu through the PCI driver model. */
	rc = run((char *const[]){edu_bin, "--dma-size", "2048", bdf, NULL}, out_k, sizeof(out_k));
	ra = run((char *const[]){edu_bin, "--dma-size", "2048", NULL}, out_auto, sizeof(out_auto));
	if (ra == 2)
		skip("uvfio-edu without DEVICE: this uvfio-edu requires a DEVICE argument");
	else
		check(rc == 0 && ra == 0 && !strcmp(out_k, out_auto),
		      "uvfio-edu with no DEVICE finds %s itself and prints the same (exit %d)", bdf,
		      ra);

	kill(server, SIGTERM);
	waitpid(server, &rc, 0);
	unlink(SOCK);
	return finish();
}
