// SPDX-License-Identifier: MIT
/*
 * tests/hostile/hostile.c - targets, the case runner and the raw client of
 * the device-side hostile suites (see hostile.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "test.h"
#include "hostile.h"

static struct target the_target;
struct target *T = &the_target;

/* Memory growth allowed over a batch (kB): noise, malloc arenas, caches. */
#define MEM_SLACK_KB 384
/* Growth that fails even when not monotonic. */
#define MEM_HARD_KB 4096
/* How long the target may take to close what a case left behind. */
#define SETTLE_MS 3000
/* Mappings that may come and go (malloc arenas, large-allocation mmaps). */
#define MAPS_SLACK 8

int64_t hc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hc_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

unsigned int hostile_reps(void)
{
	const char *s = getenv("UVFIO_HOSTILE_REPS");

	if (s && atoi(s) > 0)
		return (unsigned int)atoi(s);
	return HOSTILE_SANITIZED ? 3 : 20;
}

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Fds open when the target came up: everything else belongs to a case. */
static unsigned char base_open[4096];

static void snapshot_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(base_open, 0, sizeof(base_open));
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= 0 && fd < (int)sizeof(base_open))
			base_open[fd] = 1;
	}
	closedir(d);
}

/*
 * A failed case leaves its fds open (cmocka's assertions jump out of it):
 * close them, or its connection keeps the device busy for every later case.
 */
static void close_case_fds(void)
{
	int fds[1024];
	unsigned int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned int i;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 1024) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (fd >= (int)sizeof(base_open) || !base_open[fd])
			fds[n++] = fd;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

int self_fds(void)
{
	return count_dir("/proc/self/fd") - 1; /* the directory's own fd */
}

int target_fds(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	return count_dir(path);
}

int target_maps(pid_t pid)
{
	char path[64];
	FILE *f;
	int n = 0;
	int c;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

int target_mem(pid_t pid, long *rss_kb, long *data_kb)
{
	char path[64];
	char line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	*rss_kb = -1;
	*data_kb = -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kb = atol(line + 6);
		else if (!strncmp(line, "VmData:", 7))
			*data_kb = atol(line + 7);
	}
	fclose(f);
	return *rss_kb >= 0 && *data_kb >= 0 ? 0 : -EIO;
}

/*
 * Processes.
 */

static int wait_exit(pid_t pid, int ms)
{
	int64_t deadline = hc_now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -errno;
		if (hc_now_ms() > deadline)
			return -ETIMEDOUT;
		hc_sleep_ms(5);
	}
}

static pid_t spawn(const char *log, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Run @argv to completion, stdout into @out; return its exit status. */
static int run_capture(char *const argv[], char *out, size_t outsz, int ms)
{
	int p[2];
	pid_t pid;
	size_t got = 0;
	int64_t deadline = hc_now_ms() + ms;
	int rc;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(p[1], STDOUT_FILENO);
		/* "uvfiod is not running" while it starts: retried, not news. */
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int64_t left = deadline - hc_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if (got + 1 >= outsz) {
			char sink[256];

			n = read(p[0], sink, sizeof(sink));
		} else {
			n = read(p[0], out + got, outsz - 1 - got);
			if (n > 0)
				got += (size_t)n;
		}
		if (n <= 0)
			break;
	}
	out[got] = '\0';
	close(p[0]);
	rc = wait_exit(pid, ms);
	if (rc == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		wait_exit(pid, 2000);
	}
	return rc;
}

static bool exists_exec(const char *path)
{
	return access(path, X_OK) == 0;
}

static int wait_socket(const char *path, pid_t pid, int ms)
{
	int64_t deadline = hc_now_ms() + ms;
	struct stat st;

	while (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		if (hc_now_ms() > deadline)
			return -ETIMEDOUT;
		hc_sleep_ms(5);
	}
	return 0;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int start_serve(struct target *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < HOSTILE_NINST; i++) {
		struct target_inst *in = &t->inst[i];
		char path[sizeof(in->sock)];
		char *argv[] = {(char *)UVFIO_SERVE_BIN, (char *)"edu", (char *)"--socket-path",
				in->sock, NULL};

		snprintf(path, sizeof(path), "%s/edu%u.sock", t->dir, i);
		memcpy(in->sock, path, sizeof(path));
		snprintf(in->where, sizeof(in->where), "unix:%s", path);
		in->pid = spawn(t->log, argv);
		if (in->pid < 0)
			return -errno;
		t->pids[t->npids++] = in->pid;
		ret = wait_socket(in->sock, in->pid, 10000);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The daemon: uvfiod --runtime-dir D/run --config-dir D/etc, two edu
 * instances by `uvfioctl start --type edu`, which prints the UUID and the
 * socket path of the new instance.
 */
static int daemon_ctl_env(const struct target *t, char *ctl, size_t len)
{
	return snprintf(ctl, len, "%s/run", t->dir) >= (int)len ? -ENAMETOOLONG : 0;
}

static int parse_start_output(const char *out, struct target_inst *in)
{
	const char *p;
	size_t n;

	/* A UUID: 36 characters of hex and dashes. */
	for (p = out; *p; p++) {
		n = strspn(p, "0123456789abcdefABCDEF-");
		if (n == 36) {
			memcpy(in->uuid, p, 36);
			in->uuid[36] = '\0';
			break;
		}
		if (n)
			p += n - 1;
	}
	/* The socket path: the first word starting with '/' and ending in .sock or a path. */
	for (p = out; (p = strchr(p, '/')); p++) {
		if (p != out && p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != ':' &&
		    p[-1] != '=')
			continue;
		n = strcspn(p, " \t\n\"',");
		if (n >= sizeof(in->sock))
			return -ENAMETOOLONG;
		memcpy(in->sock, p, n);
		in->sock[n] = '\0';
		break;
	}
	if (!in->uuid[0] || !in->sock[0])
		return -EPROTO;
	snprintf(in->where, sizeof(in->where), "unix:%s", in->sock);
	return 0;
}

static int start_daemon(struct target *t)
{
	char run[96];
	char etc[96];
	char out[2048];
	pid_t pid;
	unsigned int i;
	int ret;

	ret = daemon_ctl_env(t, run, sizeof(run));
	if (ret)
		return ret;
	snprintf(etc, sizeof(etc), "%s/etc", t->dir);
	mkdir(run, 0700);
	mkdir(etc, 0700);
	{
		char *argv[] = {(char *)UVFIOD_BIN, (char *)"--runtime-dir", run,
				(char *)"--config-dir", etc, NULL};

		pid = spawn(t->log, argv);
	}
	if (pid < 0)
		return -errno;
	t->pids[t->npids++] = pid;
	for (i = 0; i < HOSTILE_NINST; i++) {
		char *argv[] = {(char *)UVFIOCTL_BIN, (char *)"--runtime-dir", run,
				(char *)"start", (char *)"--type", (char *)"edu", NULL};
		int64_t deadline = hc_now_ms() + 10000;

		/* The control socket may not be up yet: retry for a while. */
		for (;;) {
			ret = run_capture(argv, out, sizeof(out), 10000);
			if (ret == 0)
				break;
			if (waitpid(pid, NULL, WNOHANG) == pid)
				return -ECHILD;
			if (hc_now_ms() > deadline)
				return -ETIMEDOUT;
			hc_sleep_ms(50);
		}
		ret = parse_start_output(out, &t->inst[i]);
		if (ret) {
			fprintf(stderr, "hostile: cannot parse `uvfioctl start` output: %s\n", out);
			return ret;
		}
		t->inst[i].pid = pid;
		ret = wait_socket(t->inst[i].sock, pid, 10000);
		if (ret)
			return ret;
	}
	return 0;
}

static enum target_kind pick_kind(void)
{
	const char *s = getenv("UVFIO_HOSTILE_TARGET");

	if (s && !strcmp(s, "serve"))
		return TARGET_SERVE;
	if (s && !strcmp(s, "daemon"))
		return TARGET_DAEMON;
	if (exists_exec(UVFIOD_BIN) && exists_exec(UVFIOCTL_BIN))
		return TARGET_DAEMON;
	return TARGET_SERVE;
}

static void target_stop(struct target *t, int *status)
{
	unsigned int i;

	if (status)
		*status = 0;
	for (i = 0; i < t->npids; i++) {
		int rc;

		if (t->pids[i] <= 0)
			continue;
		kill(t->pids[i], SIGTERM);
		rc = wait_exit(t->pids[i], 10000);
		if (rc == -ETIMEDOUT) {
			kill(t->pids[i], SIGKILL);
			wait_exit(t->pids[i], 5000);
			rc = 128 + SIGKILL;
		}
		if (status && rc && !*status)
			*status = rc;
		t->pids[i] = -1;
	}
	t->npids = 0;
	t->up = false;
}

static void print_log_tail(const struct target *t)
{
	char buf[4096];
	FILE *f = fopen(t->log, "r");
	long size;
	size_t n;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	printf("---- target log (tail) ----\n%s\n----\n", buf);
}

/* Wait until the target's fd count is at most @limit; return the last count. */
static int settle_fds(const struct target *t, int limit, int ms)
{
	int64_t deadline = hc_now_ms() + ms;
	int n;

	for (;;) {
		n = target_fds(t->inst[0].pid);
		if (n < 0 || n <= limit || hc_now_ms() > deadline)
			return n;
		hc_sleep_ms(10);
	}
}

/* The fd count once it has not changed for 200 ms. */
static int stable_fds(const struct target *t)
{
	int last = target_fds(t->inst[0].pid);
	int64_t since = hc_now_ms();
	int64_t deadline = since + 5000;

	while (hc_now_ms() < deadline) {
		int n;

		hc_sleep_ms(20);
		n = target_fds(t->inst[0].pid);
		if (n != last) {
			last = n;
			since = hc_now_ms();
		} else if (hc_now_ms() - since >= 200) {
			break;
		}
	}
	return last;
}

static int target_start(struct target *t)
{
	unsigned int i;
	int ret;

	memset(t->inst, 0, sizeof(t->inst));
	t->npids = 0;
	snprintf(t->dir, sizeof(t->dir), "/tmp/uvfio-hostile-XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	snprintf(t->log, sizeof(t->log), "%s/target.log", t->dir);
	t->kind = pick_kind();
	ret = t->kind == TARGET_DAEMON ? start_daemon(t) : start_serve(t);
	if (ret) {
		fprintf(stderr, "hostile: cannot start the %s target: %s\n",
			t->kind == TARGET_DAEMON ? "daemon" : "serve", strerror(-ret));
		print_log_tail(t);
		target_stop(t, NULL);
		remove_tree(t->dir);
		return ret;
	}
	t->up = true;
	for (i = 0; i < HOSTILE_NINST; i++) {
		char why[256];

		ret = target_health(t, i, 10000, why, sizeof(why));
		if (ret) {
			fprintf(stderr, "hostile: instance %u unhealthy at start: %s\n", i, why);
			print_log_tail(t);
			target_stop(t, NULL);
			remove_tree(t->dir);
			return ret;
		}
	}
	t->base_fds = stable_fds(t);
	t->base_maps = target_maps(t->inst[0].pid);
	return 0;
}

int hostile_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	/*
	 * No target, no cases: exit without a summary line, which the test
	 * runner counts as a failure (cmocka would count one failed case).
	 */
	if (target_start(T)) {
		printf("hostile: no target to test\n");
		exit(1);
	}
	snapshot_fds();
	printf("hostile: target %s, %u reps per case%s\n",
	       T->kind == TARGET_DAEMON ? "uvfiod (2 edu instances)" : "uvfio-serve (2 x edu)",
	       hostile_reps(), HOSTILE_SANITIZED ? " (sanitizer build)" : "");
	return 0;
}

int hostile_teardown(void **state)
{
	int status;

	(void)state;
	if (!T->npids)
		return 0;
	/* A target that died in a case was reported by it; stop what is left. */
	if (!target_alive(T)) {
		target_stop(T, NULL);
		remove_tree(T->dir);
		return 0;
	}
	target_stop(T, &status);
	/* A clean exit on SIGTERM; under ASan, LeakSanitizer reports through it. */
	if (status) {
		printf("hostile: target exited with status %d\n", status);
		print_log_tail(T);
	}
	remove_tree(T->dir);
	return status ? -1 : 0;
}

bool target_alive(struct target *t)
{
	bool alive = t->npids > 0;
	unsigned int i;

	for (i = 0; i < t->npids; i++) {
		int st;

		if (t->pids[i] <= 0) {
			alive = false;
		} else if (waitpid(t->pids[i], &st, WNOHANG) != 0) {
			/* Reaped here: the case that killed it reports it. */
			printf("hostile: target process %d died (%s %d)\n", (int)t->pids[i],
			       WIFSIGNALED(st) ? "signal" : "status",
			       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			t->pids[i] = -1;
			alive = false;
		}
	}
	return alive;
}

int target_health(const struct target *t, unsigned int i, int wait_ms, char *why, size_t len)
{
	struct uvfio_container *c = NULL;
	struct uvfio_device *d = NULL;
	int64_t deadline = hc_now_ms() + wait_ms;
	uint16_t vendor = 0;
	uint16_t device = 0;
	uint16_t cmd = 0;
	uint32_t ident;
	int ret;

	why[0] = '\0';
	ret = uvfio_container_create(&c);
	if (ret) {
		snprintf(why, len, "container: %d", ret);
		return ret;
	}
	for (;;) {
		ret = uvfio_device_open(c, t->inst[i].where, &d);
		if (!ret)
			break;
		if ((ret != -EBUSY && ret != -ECONNREFUSED && ret != -EAGAIN &&
		     ret != -ECONNRESET && ret != -ETIMEDOUT) ||
		    hc_now_ms() > deadline) {
			snprintf(why, len, "open %s: %s (%s)", t->inst[i].where, strerror(-ret),
				 uvfio_last_error());
			goto out;
		}
		hc_sleep_ms(20);
	}
	uvfio_device_set_timeout(d, 5000);
	ret = uvfio_config_read16(d, PCI_VENDOR_ID, &vendor);
	if (!ret)
		ret = uvfio_config_read16(d, PCI_DEVICE_ID, &device);
	if (ret || vendor != UVFIO_EDU_VENDOR || device != UVFIO_EDU_DEVICE) {
		snprintf(why, len, "config ids %04x:%04x (%d)", vendor, device, ret);
		ret = ret ? ret : -EIO;
		goto out_close;
	}
	ret = uvfio_config_read16(d, PCI_COMMAND, &cmd);
	if (!ret)
		ret = uvfio_config_write16(d, PCI_COMMAND, (uint16_t)(cmd | PCI_COMMAND_MEMORY));
	if (ret) {
		snprintf(why, len, "COMMAND: %d", ret);
		goto out_close;
	}
	ident = uvfio_bar_read32(d, 0, 0);
	if (ident != UVFIO_EDU_IDENT) {
		snprintf(why, len, "edu ident 0x%08x (%s)", ident, uvfio_last_error());
		ret = -EIO;
	}
out_close:
	uvfio_device_close(d);
out:
	uvfio_container_destroy(c);
	return ret;
}

void assert_healthy(const struct target *t, unsigned int i, int wait_ms)
{
	char why[256];
	int ret = target_health(t, i, wait_ms, why, sizeof(why));

	if (ret) {
		printf("instance %u unhealthy: %s\n", i, why);
		print_log_tail(t);
	}
	assert_int_equal(ret, 0);
}

static void mem_sample(const struct target *t, long *rss, long *data)
{
	settle_fds(t, t->base_fds, SETTLE_MS);
	assert_int_equal(target_mem(t->inst[0].pid, rss, data), 0);
}

static void check_growth(const char *name, const char *what, const long *v, unsigned int n)
{
	bool monotonic = true;
	long growth = v[n - 1] - v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] < v[i - 1])
			monotonic = false;
	if ((monotonic && growth > MEM_SLACK_KB) || growth > MEM_HARD_KB) {
		printf("%s: target %s grew by %ld kB over the batch:", name, what, growth);
		for (i = 0; i < n; i++)
			printf(" %ld", v[i]);
		printf("\n");
		fail_msg("%s: target %s grows (%ld kB)", name, what, growth);
	}
}

void hostile_run(const char *name, hostile_body body, unsigned int flags)
{
	struct target *t = T;
	unsigned int reps = (flags & HC_SLOW) ? 1 : hostile_reps();
	bool mem = !(flags & HC_NO_MEM) && !HOSTILE_SANITIZED && reps >= 10;
	long rss[6];
	long data[6];
	unsigned int ns = 0;
	unsigned int step = reps >= 5 ? (reps - 1) / 4 : 1;
	int my_fds;
	unsigned int r;
	int n;

	/* Debugging aid: UVFIO_HOSTILE_ONLY=name runs that case only. */
	if (getenv("UVFIO_HOSTILE_ONLY") && strcmp(getenv("UVFIO_HOSTILE_ONLY"), name))
		return;
#if defined(__SANITIZE_THREAD__)
	if (flags & HC_NO_TSAN)
		UVFIO_SKIP("%s: a device thread's SIGBUS guard cannot recover under "
			   "ThreadSanitizer (covered by the plain and ASan builds)",
			   name);
#endif
	close_case_fds();
	/* A target killed by an earlier case: start a fresh one. */
	if (!t->up || !target_alive(t)) {
		if (t->npids) {
			target_stop(t, NULL);
			remove_tree(t->dir);
		}
		assert_int_equal(target_start(t), 0);
	}
	my_fds = self_fds();
	body(t);
	if (mem)
		mem_sample(t, &rss[ns], &data[ns]), ns++;
	for (r = 1; r < reps; r++) {
		body(t);
		if (mem && r % step == 0 && ns < 6)
			mem_sample(t, &rss[ns], &data[ns]), ns++;
	}
	if (!target_alive(t)) {
		print_log_tail(t);
		t->up = false;
		fail_msg("%s: the target process died", name);
	}
	/* An unhealthy target is replaced before the next case. */
	t->up = false;
	assert_healthy(t, 0, 10000);
	assert_healthy(t, 1, 10000);
	t->up = true;
	n = settle_fds(t, t->base_fds, SETTLE_MS);
	if (n > t->base_fds) {
		printf("%s: target holds %d fds, %d at rest\n", name, n, t->base_fds);
		fail_msg("%s: the target leaks fds", name);
	}
	/* Client memory the target mapped (DMA windows) goes with the client. */
	n = target_maps(t->inst[0].pid);
	if (n > t->base_maps + MAPS_SLACK) {
		printf("%s: target has %d mappings, %d at rest\n", name, n, t->base_maps);
		fail_msg("%s: the target leaks mappings", name);
	}
	if (mem && ns >= 3) {
		check_growth(name, "VmRSS", rss, ns);
		check_growth(name, "VmData", data, ns);
	}
	n = self_fds();
	if (n != my_fds)
		fail_msg("%s: the test itself leaked fds (%d -> %d)", name, my_fds, n);
}

/*
 * The raw client.
 */

static uint16_t next_id = 0x100;

uint16_t hc_id(void)
{
	return next_id++;
}

int hc_connect_inst(const struct target *t, unsigned int i, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int64_t deadline = hc_now_ms() + 10000;
	int fd;

	strcpy(sa.sun_path, t->inst[i].sock);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		/* A connect waits at most the send timeout for backlog room. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if ((errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) ||
		    hc_now_ms() > deadline)
			return -errno;
		hc_sleep_ms(10);
	}
}

int hc_connect(const struct target *t)
{
	return hc_connect_inst(t, 0, 5000);
}

int hc_open_json(const struct target *t, const char *json)
{
	int64_t deadline = hc_now_ms() + 10000;

	for (;;) {
		int fd = hc_connect(t);
		int ret;

		if (fd < 0)
			return fd;
		ret = hc_version(fd, json);
		if (!ret)
			return fd;
		close(fd);
		/* Still serving the previous connection of this case: again. */
		if ((ret != -EBUSY && ret != -ECONNRESET) || hc_now_ms() > deadline)
			return ret;
		hc_sleep_ms(5);
	}
}

int hc_open(const struct target *t)
{
	int fd = hc_open_json(t, "{\"capabilities\":{\"max_msg_fds\":16}}");

	if (fd < 0)
		printf("hc_open: %s\n", strerror(-fd));
	assert_true(fd >= 0);
	return fd;
}

struct uvfio_msg_hdr hc_hdr(uint16_t id, uint16_t cmd, uint32_t size, uint32_t flags)
{
	struct uvfio_msg_hdr h = {.msg_id = id, .cmd = cmd, .size = size, .flags = flags};

	return h;
}

int hc_send_raw(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	size_t off = 0;
	char *ctl = NULL;

	if (nfds) {
		struct msghdr mh = {0};
		struct iovec v = {.iov_base = (void *)buf, .iov_len = len};
		struct cmsghdr *cm;
		size_t space = CMSG_SPACE(sizeof(int) * nfds);
		ssize_t n;

		ctl = calloc(1, space);
		if (!ctl)
			return -ENOMEM;
		mh.msg_iov = &v;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = space;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		free(ctl);
		if (n < 0)
			return -errno;
		off = (size_t)n;
	}
	while (off < len) {
		ssize_t n = send(sock, (const char *)buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

int hc_send(int sock, uint16_t id, uint16_t cmd, uint32_t flags, const void *p, size_t len,
	    const int *fds, unsigned int nfds)
{
	struct uvfio_msg_hdr hdr = {.msg_id = id, .cmd = cmd, .flags = flags};
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
	uint8_t *buf;
	int ret;

	if (nfds <= UVFIO_MAX_MSG_FDS)
		return uvfio_msg_send(sock, &hdr, &iov, len ? 1 : 0, fds, nfds);
	buf = malloc(sizeof(hdr) + len);
	if (!buf)
		return -ENOMEM;
	hdr.size = (uint32_t)(sizeof(hdr) + len);
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy(buf + sizeof(hdr), p, len);
	ret = hc_send_raw(sock, buf, sizeof(hdr) + len, fds, nfds);
	free(buf);
	return ret;
}

int hc_recv(int sock, struct uvfio_msg *m, void *buf, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->payload = buf;
	return uvfio_msg_recv(sock, m, size, UVFIO_MAX_MSG_FDS);
}

static uint8_t rx_buf[(1 << 20) + 4096];

int hc_call_flags(int sock, uint16_t cmd, uint32_t flags, const void *p, size_t len,
		  const int *fds, unsigned int nfds, void *rbuf, size_t rsize, size_t *rlen)
{
	uint16_t id = hc_id();
	struct uvfio_msg m;
	int ret;

	ret = hc_send(sock, id, cmd, flags, p, len, fds, nfds);
	if (ret)
		return ret;
	if (flags & UVFIO_MSG_NO_REPLY)
		return 0;
	ret = hc_recv(sock, &m, rx_buf, sizeof(rx_buf));
	if (ret)
		return ret;
	uvfio_msg_close_fds(&m);
	if ((m.hdr.flags & UVFIO_MSG_TYPE_MASK) != UVFIO_MSG_TYPE_REPLY || m.hdr.msg_id != id ||
	    m.hdr.cmd != cmd)
		return -EPROTO;
	if (m.hdr.flags & UVFIO_MSG_ERROR) {
		if (m.len || !m.hdr.error_no)
			return -EPROTO;
		return -(int)m.hdr.error_no;
	}
	if (rbuf) {
		if (m.len > rsize)
			return -EMSGSIZE;
		memcpy(rbuf, m.payload, m.len);
	}
	if (rlen)
		*rlen = m.len;
	return 0;
}

int hc_call(int sock, uint16_t cmd, const void *p, size_t len, const int *fds, unsigned int nfds,
	    void *rbuf, size_t rsize, size_t *rlen)
{
	return hc_call_flags(sock, cmd, UVFIO_MSG_TYPE_COMMAND, p, len, fds, nfds, rbuf, rsize,
			     rlen);
}

int hc_version(int sock, const char *json)
{
	uint8_t buf[4 + UVFIO_MAX_JSON];
	struct uvfio_msg_version v = {.major = 0, .minor = 0};
	size_t len = sizeof(v);
	uint8_t rbuf[8192];
	size_t rlen;
	struct uvfio_caps caps;
	int ret;

	memcpy(buf, &v, sizeof(v));
	if (json) {
		size_t n = strlen(json) + 1;

		assert_true(n <= UVFIO_MAX_JSON);
		memcpy(buf + len, json, n);
		len += n;
	}
	ret = hc_call(sock, UVFIO_CMD_VERSION, buf, len, NULL, 0, rbuf, sizeof(rbuf), &rlen);
	if (ret)
		return ret;
	return uvfio_version_client(rbuf, rlen, &caps);
}

int hc_read(int sock, uint32_t region, uint64_t off, void *buf, uint32_t count)
{
	static uint8_t r[(1 << 20) + 64];
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};
	size_t rlen;
	int ret;

	ret = hc_call(sock, UVFIO_CMD_REGION_READ, &rw, sizeof(rw), NULL, 0, r, sizeof(r), &rlen);
	if (ret)
		return ret;
	if (rlen != sizeof(rw) + count)
		return -EPROTO;
	memcpy(buf, r + sizeof(rw), count);
	return 0;
}

int hc_write(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count)
{
	static uint8_t msg[(1 << 20) + 64];
	struct uvfio_msg_region_rw rw = {.offset = off, .region = region, .count = count};

	assert_true(count <= (1u << 20));
	memcpy(msg, &rw, sizeof(rw));
	memcpy(msg + sizeof(rw), buf, count);
	return hc_call(sock, UVFIO_CMD_REGION_WRITE, msg, sizeof(rw) + count, NULL, 0, NULL, 0,
		       NULL);
}

void hc_assert_in_step(int sock)
{
	uint16_t ids[2] = {0, 0};

	assert_int_equal(hc_read(sock, VFIO_PCI_CONFIG_REGION_INDEX, 0, ids, 4), 0);
	assert_int_equal(ids[0], UVFIO_EDU_VENDOR);
	assert_int_equal(ids[1], UVFIO_EDU_DEVICE);
}

void hc_enable(int sock)
{
	uint16_t v = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

	assert_int_equal(hc_write(sock, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, &v, 2), 0);
}

bool hc_expect_closed(int sock, int ms)
{
	int64_t deadline = hc_now_ms() + ms;
	char buf[65536];

	for (;;) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		int64_t left = deadline - hc_now_ms();
		ssize_t n;

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)left) <= 0)
			return false;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return true;
		if (n < 0 && errno == ECONNRESET)
			return true;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return true;
	}
}

int hc_expect_error_or_close(int sock, uint16_t id, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	struct uvfio_msg m;
	int ret;

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = hc_recv(sock, &m, rx_buf, sizeof(rx_buf));
	uvfio_msg_close_fds(&m);
	if (ret == -ECONNRESET || ret == -EPROTO)
		return 0;
	if (ret) {
		printf("no answer: %s\n", strerror(-ret));
		fail_msg("neither an error reply nor a close (%d)", ret);
	}
	if (m.hdr.msg_id != id || !(m.hdr.flags & UVFIO_MSG_ERROR)) {
		printf("reply id %u (want %u) cmd %u flags 0x%x size %u\n", m.hdr.msg_id, id,
		       m.hdr.cmd, m.hdr.flags, m.hdr.size);
		fail_msg("a hostile message was accepted");
	}
	assert_true(m.hdr.error_no > 0);
	return (int)m.hdr.error_no;
}

bool hc_pipe_released(int rfd, int ms)
{
	int64_t deadline = hc_now_ms() + ms;

	for (;;) {
		struct pollfd p = {.fd = rfd, .events = POLLIN};
		int64_t left = deadline - hc_now_ms();
		char c;

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)left) <= 0)
			return false;
		if (p.revents & POLLHUP)
			return true;
		if (read(rfd, &c, 1) == 0)
			return true;
	}
}

int hc_dma_map(int sock, uint64_t addr, uint64_t size, uint32_t flags, uint64_t offset, int fd)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.offset = offset,
		.addr = addr,
		.size = size,
	};

	return hc_call(sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), fd >= 0 ? &fd : NULL,
		       fd >= 0 ? 1 : 0, NULL, 0, NULL);
}

int hc_dma_unmap(int sock, uint64_t addr, uint64_t size, uint32_t flags)
{
	struct uvfio_msg_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = flags,
		.addr = addr,
		.size = size,
	};
	uint8_t r[64];
	size_t rlen;

	return hc_call(sock, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0, r, sizeof(r), &rlen);
}

int hc_set_irqs(int sock, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
		const void *data, size_t dlen, const int *fds, unsigned int nfds)
{
	uint8_t buf[sizeof(struct vfio_irq_set) + 4096];
	struct vfio_irq_set set = {
		.argsz = (uint32_t)(sizeof(set) + dlen),
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};

	assert_true(dlen <= 4096);
	memcpy(buf, &set, sizeof(set));
	if (dlen)
		memcpy(buf + sizeof(set), data, dlen);
	return hc_call(sock, UVFIO_CMD_DEVICE_SET_IRQS, buf, sizeof(set) + dlen, fds, nfds, NULL, 0,
		       NULL);
}
