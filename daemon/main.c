// SPDX-License-Identifier: MIT
/*
 * daemon/main.c - uvfiod: hosts the mdev core's parents (built-in edu and
 * mtty, plus plugins), a control socket speaking docs/control-protocol.md,
 * one vfio-user socket per running instance, and persistent definitions.
 *
 *   uvfiod [--runtime-dir DIR] [--config-dir DIR] [--plugin-dir DIR]...
 *          [--max-instances N] [--stop-timeout MS] [-v|-q]
 *
 * Runs in the foreground and logs to stderr (contract §1: no daemonizing;
 * a service manager supervises it).  On SIGTERM or SIGINT it stops
 * accepting, raises REQ on every connected client, waits up to the stop
 * timeout for them to leave, removes its sockets and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "paths.h"

#define MAX_PLUGIN_DIRS 8

static int log_threshold = LOG_INFO;

void dlog(int level, const char *fmt, ...)
{
	/* syslog(3) levels 0..7. */
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	char msg[1024];
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "uvfiod: %s: %s\n", names[level & 7], msg);
}

void dlog_cb(void *opaque, int level, const char *msg)
{
	(void)opaque;
	dlog(level, "%s", msg);
}

/*
 * Control connections: one thread each, tracked so shutdown can end them.
 */
struct conn {
	struct daemon *d;
	int fd;
	struct ucred peer;
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conns_cond = PTHREAD_COND_INITIALIZER;
static int conn_fds[UVFIOD_MAX_CONNS];
static unsigned int nr_conns;

static bool send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void conn_forget(int fd)
{
	pthread_mutex_lock(&conns_lock);
	for (unsigned int i = 0; i < nr_conns; i++) {
		if (conn_fds[i] == fd) {
			conn_fds[i] = conn_fds[--nr_conns];
			break;
		}
	}
	pthread_cond_broadcast(&conns_cond);
	pthread_mutex_unlock(&conns_lock);
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	char *buf = malloc(UVFIOD_MAX_REQUEST + 1);
	size_t have = 0;

	while (buf) {
		char *nl;
		ssize_t n;

		nl = memchr(buf, '\n', have);
		if (!nl) {
			if (have >= UVFIOD_MAX_REQUEST) {
				static const char e[] =
					"{\"ok\":false,\"error\":\"request too long\"}\n";

				send_all(c->fd, e, sizeof(e) - 1);
				break;
			}
			n = recv(c->fd, buf + have, UVFIOD_MAX_REQUEST - have, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			have += (size_t)n;
			continue;
		}
		*nl = '\0';
		if (nl > buf && nl[-1] == '\r')
			nl[-1] = '\0';
		if (buf[0]) {
			char *reply = control_handle(c->d, &c->peer, buf);

			if (!reply || !send_all(c->fd, reply, strlen(reply)) ||
			    !send_all(c->fd, "\n", 1)) {
				free(reply);
				break;
			}
			free(reply);
		}
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have);
	}
	free(buf);
	conn_forget(c->fd);
	close(c->fd);
	free(c);
	return NULL;
}

static void conn_start(struct daemon *d, int fd)
{
	/* An idle control client is dropped after a while (it holds a thread). */
	struct timeval tv = {.tv_sec = 60};
	socklen_t len = sizeof(struct ucred);
	pthread_attr_t attr;
	pthread_t t;
	struct conn *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_close;
	c->d = d;
	c->fd = fd;
	/* unix(7): SO_PEERCRED, the credentials of the peer at connect(). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &len) < 0 || len != sizeof(c->peer)) {
		dlog(LOG_WARNING, "control: SO_PEERCRED: %s", strerror(errno));
		goto err_free;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	pthread_mutex_lock(&conns_lock);
	if (nr_conns >= UVFIOD_MAX_CONNS) {
		pthread_mutex_unlock(&conns_lock);
		static const char e[] =
			"{\"ok\":false,\"error\":\"too many control connections\"}\n";

		send_all(fd, e, sizeof(e) - 1);
		goto err_free;
	}
	conn_fds[nr_conns++] = fd;
	pthread_mutex_unlock(&conns_lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_thread, c) != 0) {
		pthread_attr_destroy(&attr);
		conn_forget(fd);
		goto err_free;
	}
	pthread_attr_destroy(&attr);
	return;

err_free:
	free(c);
err_close:
	close(fd);
}

/* Shutdown: end every control connection's reads; wait (bounded) for them. */
static void conns_drain(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&conns_lock);
	for (unsigned int i = 0; i < nr_conns; i++)
		shutdown(conn_fds[i], SHUT_RD);
	while (nr_conns) {
		if (pthread_cond_timedwait(&conns_cond, &conns_lock, &ts) == ETIMEDOUT)
			break;
	}
	if (nr_conns)
		dlog(LOG_WARNING, "%u control connection(s) still busy at exit", nr_conns);
	pthread_mutex_unlock(&conns_lock);
}

/*
 * Set-up.
 */

/*
 * The runtime directory: made if missing (0755 as root so owners reach
 * their sockets, 0700 otherwise); an existing one must be a directory we
 * own (never follow a planted symlink in /tmp).
 */
static int ensure_runtime_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, geteuid() == 0 ? 0755 : 0700) < 0 && errno != EEXIST) {
		dlog(LOG_ERR, "cannot create runtime directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		dlog(LOG_ERR, "runtime directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		dlog(LOG_ERR, "runtime directory %s belongs to uid %u, not to us", dir,
		     (unsigned int)st.st_uid);
		return -EPERM;
	}
	return 0;
}

/* One uvfiod per runtime directory: an flock()ed pid file. */
static int take_lock(const char *dir)
{
	char path[PATH_MAX + 16];
	char pid[32];
	int fd;

	snprintf(path, sizeof(path), "%s/uvfiod.pid", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		dlog(LOG_ERR, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		dlog(LOG_ERR, "another uvfiod is running on %s", dir);
		close(fd);
		return -EBUSY;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, pid, strlen(pid)) < 0) {
		/* The lock is what matters; the pid is for people. */
	}
	return fd;
}

static void drop_lock(const char *dir, int fd)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/uvfiod.pid", dir);
	unlink(path);
	close(fd);
}

static int control_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* We hold the pid lock: a socket left here is a dead daemon's. */
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * 0666: anyone may connect and read (types, list); who may change
	 * anything is decided per request by SO_PEERCRED (control.c).
	 */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 16) < 0) {
		int ret = -errno;

		close(fd);
		unlink(path);
		return ret;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfiod [OPTIONS]\n"
		"Serve mediated devices (edu, mtty, plugins) over vfio-user, in the foreground.\n"
		"  --runtime-dir DIR    sockets: control.sock and <uuid>.sock (default\n"
		"                       $UVFIO_RUNTIME_DIR, /run/uvfio as root, else\n"
		"                       $XDG_RUNTIME_DIR/uvfio or /tmp/uvfio-$UID)\n"
		"  --config-dir DIR     definitions <DIR>/<parent>/<uuid> (default\n"
		"                       $UVFIO_CONFIG_DIR, /etc/uvfio as root, else\n"
		"                       $XDG_CONFIG_HOME/uvfio or ~/.config/uvfio)\n"
		"  --plugin-dir DIR     load vendor-driver plugins (*.so) from DIR; repeatable\n"
		"                       (default %s and $UVFIO_PLUGIN_DIR)\n"
		"  --max-instances N    cap on running instances (default %u)\n"
		"  --stop-timeout MS    time a client gets to release a device after REQ\n"
		"                       (default %d)\n"
		"  -v, --verbose        debug messages too\n"
		"  -q, --quiet          warnings and errors only\n"
		"  -h, --help           this text\n",
		UVFIOD_PLUGIN_DIR, UVFIO_MDEV_DEFAULT_MAX_INSTANCES, UVFIOD_STOP_TIMEOUT_MS);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return *s && !*end && !errno && *out <= max ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"runtime-dir", required_argument, NULL, 'r'},
		{"config-dir", required_argument, NULL, 'c'},
		{"plugin-dir", required_argument, NULL, 'p'},
		{"max-instances", required_argument, NULL, 'm'},
		{"stop-timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct daemon d;
	const char *plugin_dirs[MAX_PLUGIN_DIRS];
	unsigned int nr_plugin_dirs = 0;
	unsigned long max_instances = 0;
	unsigned long val;
	sigset_t sigs;
	int lock_fd;
	int ctl_fd;
	int sig_fd;
	int status = 1;
	int opt;
	int ret;

	d.stop_timeout_ms = UVFIOD_STOP_TIMEOUT_MS;
	while ((opt = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			snprintf(d.runtime_dir, sizeof(d.runtime_dir), "%s", optarg);
			break;
		case 'c':
			snprintf(d.config_dir, sizeof(d.config_dir), "%s", optarg);
			break;
		case 'p':
			if (nr_plugin_dirs == MAX_PLUGIN_DIRS) {
				fprintf(stderr, "uvfiod: at most %d --plugin-dir\n",
					MAX_PLUGIN_DIRS);
				return 2;
			}
			plugin_dirs[nr_plugin_dirs++] = optarg;
			break;
		case 'm':
			if (parse_uint(optarg, 4096, &max_instances) || !max_instances) {
				fprintf(stderr, "uvfiod: --max-instances takes 1..4096\n");
				return 2;
			}
			break;
		case 't':
			if (parse_uint(optarg, 600000, &val)) {
				fprintf(stderr, "uvfiod: --stop-timeout takes 0..600000 (ms)\n");
				return 2;
			}
			d.stop_timeout_ms = (int)val;
			break;
		case 'v':
			log_threshold = LOG_DEBUG;
			break;
		case 'q':
			log_threshold = LOG_WARNING;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "uvfiod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!d.runtime_dir[0] && uvfio_default_runtime_dir(d.runtime_dir, sizeof(d.runtime_dir))) {
		fprintf(stderr, "uvfiod: runtime directory path too long\n");
		return 2;
	}
	if (!d.config_dir[0] && uvfio_default_config_dir(d.config_dir, sizeof(d.config_dir))) {
		fprintf(stderr, "uvfiod: no config directory (set --config-dir or HOME)\n");
		return 2;
	}
	if (uvfio_control_path(d.runtime_dir, d.control_path, sizeof(d.control_path))) {
		fprintf(stderr, "uvfiod: runtime directory path too long for a socket\n");
		return 2;
	}
	if (!nr_plugin_dirs) {
		const char *env = getenv(UVFIO_PLUGIN_DIR_ENV);

		plugin_dirs[nr_plugin_dirs++] = UVFIOD_PLUGIN_DIR;
		if (env && *env)
			plugin_dirs[nr_plugin_dirs++] = env;
	}
	d.self = geteuid();
	pthread_mutex_init(&d.defs_lock, NULL);

	/* Signals go to a signalfd; every thread made later inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		dlog(LOG_ERR, "signalfd: %s", strerror(errno));
		return 1;
	}

	if (ensure_runtime_dir(d.runtime_dir))
		goto out_sig;
	lock_fd = take_lock(d.runtime_dir);
	if (lock_fd < 0)
		goto out_sig;

	ret = uvfio_mdev_core_create(
		&(struct uvfio_mdev_core_config){
			.runtime_dir = d.runtime_dir,
			.max_instances = (unsigned int)max_instances,
			.log = dlog_cb,
		},
		&d.core);
	if (ret) {
		dlog(LOG_ERR, "cannot create the mdev core: %s", strerror(-ret));
		goto out_lock;
	}
	ret = builtin_register(d.core);
	if (ret) {
		dlog(LOG_ERR, "cannot register the built-in parents: %s", strerror(-ret));
		goto out_core;
	}
	for (unsigned int i = 0; i < nr_plugin_dirs; i++) {
		ret = uvfio_mdev_plugin_load_dir(d.core, plugin_dirs[i]);
		if (ret == -ENOENT)
			dlog(LOG_DEBUG, "no plugin directory %s", plugin_dirs[i]);
		else if (ret < 0)
			dlog(LOG_WARNING, "plugin directory %s: %s", plugin_dirs[i],
			     strerror(-ret));
		else
			dlog(LOG_INFO, "%d plugin(s) loaded from %s", ret, plugin_dirs[i]);
	}

	/* Definitions first, so a client that sees the socket sees them running. */
	ret = control_autostart(&d);
	if (ret)
		dlog(LOG_INFO, "%d defined instance(s) auto-started", ret);

	ctl_fd = control_listen(d.control_path);
	if (ctl_fd < 0) {
		dlog(LOG_ERR, "cannot listen on %s: %s", d.control_path, strerror(-ctl_fd));
		goto out_core;
	}
	dlog(LOG_INFO, "ready: control socket %s, definitions in %s", d.control_path, d.config_dir);

	for (;;) {
		struct pollfd pfd[2] = {
			{.fd = ctl_fd, .events = POLLIN},
			{.fd = sig_fd, .events = POLLIN},
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			dlog(LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				dlog(LOG_INFO, "SIGHUP ignored");
				continue;
			}
			dlog(LOG_INFO, "%s: shutting down", strsignal((int)si.ssi_signo));
			status = 0;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0)
				conn_start(&d, fd);
			else if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
				dlog(LOG_ERR, "control accept: %s", strerror(errno));
		}
	}

	/* Stop accepting, let requests in progress finish, then the instances. */
	close(ctl_fd);
	unlink(d.control_path);
	conns_drain(d.stop_timeout_ms + 2000);
	uvfio_mdev_core_shutdown(d.core, d.stop_timeout_ms);
out_core:
	uvfio_mdev_core_destroy(d.core, d.stop_timeout_ms);
out_lock:
	drop_lock(d.runtime_dir, lock_fd);
out_sig:
	close(sig_fd);
	if (status == 0)
		dlog(LOG_INFO, "exiting");
	return status;
}
