/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/common/proc.c - child processes for integration tests.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "proc.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int make_tmpdir(char *dir, size_t len, const char *tag)
{
	if ((size_t)snprintf(dir, len, "/tmp/uvfio-%s-XXXXXX", tag) >= len)
		return -ENAMETOOLONG;
	if (!mkdtemp(dir))
		return -errno;
	return 0;
}

void remove_tmpdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -EINVAL;
}

int wait_exit(pid_t pid, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return exit_code(status);
		if (r < 0)
			return -errno;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

int served_start(struct served *s, const char *model)
{
	long long deadline;
	struct stat st;
	int rc;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	rc = make_tmpdir(s->dir, sizeof(s->dir), model);
	if (rc < 0)
		return rc;
	snprintf(s->sock, sizeof(s->sock), "%s/dev.sock", s->dir);
	snprintf(s->where, sizeof(s->where), "unix:%s", s->sock);
	snprintf(s->log, sizeof(s->log), "%s/serve.log", s->dir);

	s->pid = fork();
	if (s->pid < 0) {
		rc = -errno;
		goto err_rmdir;
	}
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execl(UVFIO_SERVE_PATH, "uvfio-serve", model, "--socket-path", s->sock,
		      (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", UVFIO_SERVE_PATH, strerror(errno));
		_exit(127);
	}

	/* Bounded wait for the socket; open_device() retries the connect. */
	deadline = now_ms() + 5000;
	while (stat(s->sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = -1;
			rc = -ECHILD;
			goto err_rmdir;
		}
		if (now_ms() > deadline) {
			rc = -ETIMEDOUT;
			goto err_kill;
		}
		sleep_ms(5);
	}
	return 0;

err_kill:
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = -1;
err_rmdir:
	remove_tmpdir(s->dir);
	return rc;
}

int served_stop(struct served *s)
{
	int rc;

	if (s->pid <= 0)
		return -ECHILD;
	kill(s->pid, SIGTERM);
	rc = wait_exit(s->pid, 5000);
	if (rc == -ETIMEDOUT) {
		kill(s->pid, SIGKILL);
		rc = wait_exit(s->pid, 5000);
		if (rc >= 0)
			rc = 128 + SIGKILL;
	}
	s->pid = -1;
	remove_tmpdir(s->dir);
	return rc;
}

bool served_log_contains(const struct served *s, const char *needle)
{
	char buf[16384];
	FILE *f = fopen(s->log, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

int open_device(const char *where, struct uvfio_container **c, struct uvfio_device **d)
{
	long long deadline = now_ms() + 5000;
	int rc;

	rc = uvfio_container_create(c);
	if (rc < 0)
		return rc;
	for (;;) {
		rc = uvfio_device_open(*c, where, d);
		if (rc == 0)
			return 0;
		if ((rc != -ECONNREFUSED && rc != -ENOENT) || now_ms() > deadline)
			break;
		sleep_ms(10);
	}
	uvfio_container_destroy(*c);
	*c = NULL;
	return rc;
}

/* Read what is left in @fd into @buf (NUL-terminated). */
static void slurp(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	if (!buf || !size)
		return;
	lseek(fd, 0, SEEK_SET);
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

int run_cmd(char *const argv[], char *out, size_t outsz, char *err, size_t errsz,
	    int timeout_ms)
{
	FILE *fo = tmpfile();
	FILE *fe = tmpfile();
	pid_t pid;
	int rc;

	if (!fo || !fe) {
		rc = -errno;
		goto out_close;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out_close;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(fileno(fo), STDOUT_FILENO);
		dup2(fileno(fe), STDERR_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	rc = wait_exit(pid, timeout_ms);
	if (rc == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	slurp(fileno(fo), out, outsz);
	slurp(fileno(fe), err, errsz);
out_close:
	if (fo)
		fclose(fo);
	if (fe)
		fclose(fe);
	return rc;
}
