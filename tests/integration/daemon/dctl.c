// SPDX-License-Identifier: MIT
/*
 * tests/integration/daemon/dctl.c - uvfiod and uvfioctl for the daemon tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dctl.h"
#include "proc.h"

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

int dmn_init(struct dmn *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	rc = make_tmpdir(d->dir, sizeof(d->dir), "uvfiod");
	if (rc)
		return rc;
	if (chmod(d->dir, 0755) < 0)
		return -errno;
	snprintf(d->run, sizeof(d->run), "%s/run", d->dir);
	snprintf(d->etc, sizeof(d->etc), "%s/etc", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/uvfiod.log", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/control.sock", d->run);
	return 0;
}

int dmn_start(struct dmn *d, int stop_timeout_ms, const char *extra)
{
	char timeout[16];
	struct stat st;
	int waited = 0;

	snprintf(timeout, sizeof(timeout), "%d", stop_timeout_ms);
	fflush(stdout);
	fflush(stderr);
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			/* Not the test's stdout: a pipe reader would wait for uvfiod too. */
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(UVFIOD_PATH, "uvfiod", "--runtime-dir", d->run, "--config-dir", d->etc,
		      "--plugin-dir", TEST_PLUGIN_DIR, "--stop-timeout", timeout, extra,
		      (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", UVFIOD_PATH, strerror(errno));
		_exit(127);
	}
	while (stat(d->ctl, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = -1;
			return -ECHILD;
		}
		if (waited > 5000)
			return -ETIMEDOUT;
		sleep_ms(5);
		waited += 5;
	}
	return 0;
}

int dmn_stop(struct dmn *d)
{
	int rc;

	if (d->pid < 0)
		return -ESRCH;
	kill(d->pid, SIGTERM);
	rc = wait_exit(d->pid, 10000);
	if (rc == -ETIMEDOUT) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = -1;
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void dmn_fini(struct dmn *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = -1;
	}
	if (d->dir[0])
		nftw(d->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool dmn_log_has(const struct dmn *d, const char *needle)
{
	FILE *f = fopen(d->log, "r");
	char *buf;
	size_t n;
	bool r;

	if (!f)
		return false;
	buf = calloc(1, 1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf)
		return false;
	buf[n] = '\0';
	r = strstr(buf, needle) != NULL;
	free(buf);
	return r;
}

int ctl(const struct dmn *d, char *out, char *err, ...)
{
	char *argv[40];
	int n = 0;
	va_list ap;
	char *a;

	argv[n++] = UVFIOCTL_PATH;
	argv[n++] = "--runtime-dir";
	argv[n++] = (char *)d->run;
	argv[n++] = "--config-dir";
	argv[n++] = (char *)d->etc;
	va_start(ap, err);
	while ((a = va_arg(ap, char *)) && n < 39)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return run_cmd(argv, out, out ? CTL_BUF : 0, err, err ? CTL_BUF : 0, 30000);
}

static void slurp_file(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (!buf || !len)
		return;
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
}

int run_as(uid_t uid, char *const argv[], char *out, char *err, int timeout_ms)
{
	FILE *fo = tmpfile();
	FILE *fe = tmpfile();
	pid_t pid;
	int rc;

	if (!fo || !fe) {
		rc = -errno;
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		dup2(fileno(fo), STDOUT_FILENO);
		dup2(fileno(fe), STDERR_FILENO);
		if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid(uid) < 0) {
			fprintf(stderr, "setuid %u: %s\n", (unsigned int)uid, strerror(errno));
			_exit(126);
		}
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	rc = wait_exit(pid, timeout_ms);
	if (rc == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	slurp_file(fo, out, CTL_BUF);
	slurp_file(fe, err, CTL_BUF);
out:
	if (fo)
		fclose(fo);
	if (fe)
		fclose(fe);
	return rc;
}

int start_instance(const struct dmn *d, char *uuid, char *sock, const char *type, const char *opt1,
		   const char *opt2)
{
	char out[CTL_BUF];
	char err[CTL_BUF];
	int rc;

	rc = ctl(d, out, err, "start", "--type", type, opt1, opt2, (char *)NULL);
	if (rc != 0) {
		fprintf(stderr, "uvfioctl start --type %s: %d: %s", type, rc, err);
		return rc < 0 ? rc : -EIO;
	}
	/* "UUID SOCKET\n" */
	if (sscanf(out, "%36s %127s", uuid, sock) != 2)
		return -EPROTO;
	return 0;
}

int avail(const struct dmn *d, const char *type)
{
	char out[CTL_BUF];
	json_object *r;
	json_object *types;
	int n = -1;

	if (ctl(d, out, NULL, "--json", "types", (char *)NULL) != 0)
		return -1;
	r = json_tokener_parse(out);
	if (!r)
		return -1;
	if (json_object_object_get_ex(r, "types", &types)) {
		for (size_t i = 0; i < json_object_array_length(types); i++) {
			json_object *t = json_object_array_get_idx(types, i);
			json_object *v;

			if (json_object_object_get_ex(t, "type", &v) &&
			    strcmp(json_object_get_string(v), type) == 0 &&
			    json_object_object_get_ex(t, "available_instances", &v))
				n = json_object_get_int(v);
		}
	}
	json_object_put(r);
	return n;
}

const char *me(void)
{
	static char name[64];
	struct passwd *pw = getpwuid(geteuid());

	if (pw)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned int)geteuid());
	return name;
}
