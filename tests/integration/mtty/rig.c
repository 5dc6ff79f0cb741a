// SPDX-License-Identifier: MIT
/*
 * tests/integration/mtty/rig.c - see rig.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "rig.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void dev_log(void *opaque, int level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "mtty dev [%d]: %s\n", level, msg);
}

static void *serve_thread(void *arg)
{
	struct rig *r = arg;

	r->run_ret = uvfio_dev_run(r->dev, r->listen_fd);
	return NULL;
}

int rig_open_driver(struct rig *r)
{
	int ret;

	ret = uvfio_container_create(&r->c);
	if (ret)
		return ret;
	ret = uvfio_device_open(r->c, r->where, &r->d);
	if (ret) {
		fprintf(stderr, "rig: open %s: %s (%s)\n", r->where, strerror(-ret),
			uvfio_last_error());
		uvfio_container_destroy(r->c);
		r->c = NULL;
		r->d = NULL;
		return ret;
	}
	ret = uvfio_device_enable(r->d);
	if (ret)
		fprintf(stderr, "rig: enable: %s\n", strerror(-ret));
	return ret;
}

void rig_close_driver(struct rig *r)
{
	if (r->d)
		uvfio_device_close(r->d);
	if (r->c)
		uvfio_container_destroy(r->c);
	r->d = NULL;
	r->c = NULL;
}

int rig_start(struct rig *r, unsigned int nr_ports, bool open_driver)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->listen_fd = -1;
	r->nr_ports = nr_ports;
	snprintf(r->dir, sizeof(r->dir), "/tmp/uvfio-mtty-test-XXXXXX");
	if (!mkdtemp(r->dir))
		return -errno;
	snprintf(r->sock, sizeof(r->sock), "%s/mtty.sock", r->dir);
	snprintf(r->where, sizeof(r->where), "unix:%s", r->sock);

	ret = uvfio_mtty_create(nr_ports, &r->dev);
	if (ret)
		goto err_rmdir;
	if (getenv("UVFIO_TEST_VERBOSE"))
		uvfio_dev_set_log(r->dev, dev_log, NULL);
	for (unsigned int i = 0; i < nr_ports; i++) {
		ret = uvfio_mtty_port_pty(r->dev, i, r->pty[i], sizeof(r->pty[i]));
		if (ret)
			goto err_destroy;
	}
	r->listen_fd = uvfio_dev_listen(r->sock);
	if (r->listen_fd < 0) {
		ret = r->listen_fd;
		goto err_destroy;
	}
	ret = -pthread_create(&r->thread, NULL, serve_thread, r);
	if (ret)
		goto err_close;
	r->running = true;
	if (open_driver) {
		ret = rig_open_driver(r);
		if (ret) {
			rig_stop(r);
			return ret;
		}
	}
	return 0;

err_close:
	close(r->listen_fd);
	unlink(r->sock);
err_destroy:
	uvfio_mtty_destroy(r->dev);
	r->dev = NULL;
err_rmdir:
	rmdir(r->dir);
	return ret;
}

void rig_stop(struct rig *r)
{
	rig_close_driver(r);
	if (r->running) {
		uvfio_dev_stop(r->dev);
		pthread_join(r->thread, NULL);
		r->running = false;
	}
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	r->listen_fd = -1;
	uvfio_mtty_destroy(r->dev);
	r->dev = NULL;
	unlink(r->sock);
	rmdir(r->dir);
}

uint8_t rig_rd(struct rig *r, unsigned int port, unsigned int reg)
{
	return uvfio_bar_read8(r->d, port, reg);
}

void rig_wr(struct rig *r, unsigned int port, unsigned int reg, uint8_t v)
{
	int ret = uvfio_bar_write8(r->d, port, reg, v);

	if (ret)
		fprintf(stderr, "rig: write BAR%u+%u: %s\n", port, reg, strerror(-ret));
}

int rig_open_pty(struct rig *r, unsigned int port)
{
	struct termios t;
	int fd = open(r->pty[port], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

size_t fd_read_exact(int fd, void *buf, size_t len, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = end - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(fd, (char *)buf + got, len - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	return got;
}

size_t fd_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	size_t put = 0;

	while (put < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int64_t left = end - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = write(fd, (const char *)buf + put, len - put);
		if (n > 0)
			put += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	return put;
}

int child_spawn(struct child *ch, char *const argv[])
{
	int in[2];
	int out[2];
	int err[2];

	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	ch->pid = fork();
	if (ch->pid < 0) {
		int e = errno;

		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		return -e;
	}
	if (ch->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	ch->in = in[1];
	ch->out = out[0];
	ch->err = err[0];
	return 0;
}

static void collect(int fd, char *buf, size_t sz, size_t *len, bool *open)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			*open = false;
		return;
	}
	if (buf && sz) {
		size_t room = sz - 1 - *len;
		size_t take = (size_t)n < room ? (size_t)n : room;

		memcpy(buf + *len, tmp, take);
		*len += take;
		buf[*len] = 0;
	}
}

int child_finish(struct child *ch, char *out, size_t outsz, char *err, size_t errsz, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	bool out_open = true;
	bool err_open = true;
	size_t out_len = 0;
	size_t err_len = 0;
	bool killed = false;
	int status;

	if (out && outsz)
		out[0] = 0;
	if (err && errsz)
		err[0] = 0;
	if (ch->in >= 0)
		close(ch->in);
	ch->in = -1;
	while (out_open || err_open) {
		struct pollfd pfd[2] = {
			{.fd = out_open ? ch->out : -1, .events = POLLIN},
			{.fd = err_open ? ch->err : -1, .events = POLLIN},
		};
		int64_t left = end - now_ms();

		if (left <= 0) {
			if (killed)
				break;
			kill(ch->pid, SIGKILL);
			killed = true;
			end = now_ms() + 2000;
			continue;
		}
		if (poll(pfd, 2, (int)left) <= 0)
			continue;
		if (pfd[0].revents)
			collect(ch->out, out, outsz, &out_len, &out_open);
		if (pfd[1].revents)
			collect(ch->err, err, errsz, &err_len, &err_open);
	}
	close(ch->out);
	close(ch->err);
	if (!killed) {
		/* Output closed: the child is exiting; give it the rest of the time. */
		while (now_ms() < end) {
			pid_t p = waitpid(ch->pid, &status, WNOHANG);

			if (p == ch->pid)
				goto reaped;
			sleep_ms(5);
		}
		kill(ch->pid, SIGKILL);
	}
	if (waitpid(ch->pid, &status, 0) != ch->pid)
		return -errno;
reaped:
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int run_serial(const char *const args[], char *out, size_t outsz, char *err, size_t errsz,
	       int timeout_ms)
{
	char *argv[32];
	struct child ch;
	size_t n = 0;
	int ret;

	argv[n++] = (char *)UVFIO_SERIAL_PATH;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	ret = child_spawn(&ch, argv);
	if (ret)
		return ret;
	return child_finish(&ch, out, outsz, err, errsz, timeout_ms);
}
