/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/mtty/rig.h - an mtty card served in-process on a thread
 * (uvfio_dev_listen + uvfio_dev_run), driven through the driver library over
 * unix:PATH, plus helpers for its ptys and for running uvfio-serial.
 */
#ifndef UVFIO_TEST_MTTY_RIG_H
#define UVFIO_TEST_MTTY_RIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uvfio/driver.h>
#include "mtty.h"

#define RIG_PATH_MAX 256
#define UVFIO_SERIAL_PATH UVFIO_BUILD_ROOT "/drivers/serial/uvfio-serial"
#define UVFIO_MTTY_PATH UVFIO_BUILD_ROOT "/devices/mtty/uvfio-mtty"

struct rig {
	unsigned int nr_ports;
	struct uvfio_dev *dev;
	char dir[RIG_PATH_MAX / 2];
	char sock[RIG_PATH_MAX / 2 + 16];
	char where[RIG_PATH_MAX];
	int listen_fd;
	pthread_t thread;
	bool running;
	int run_ret;
	/* The test's own driver-side view, when opened. */
	struct uvfio_container *c;
	struct uvfio_device *d;
	char pty[UVFIO_MTTY_MAX_PORTS][64];
};

/*
 * rig_start() - create an mtty with @nr_ports ports, serve it on a thread at
 * DIR/mtty.sock; if @open_driver, open it with the driver library and set
 * COMMAND.IO (uvfio_device_enable).  Return: 0 or -errno.
 */
int rig_start(struct rig *r, unsigned int nr_ports, bool open_driver);
/* rig_close_driver() - close the test's device and container (client leaves). */
void rig_close_driver(struct rig *r);
/* rig_open_driver() - (re)open the test's device and enable it. */
int rig_open_driver(struct rig *r);
/* rig_stop() - close the driver side, stop and join the thread, destroy. */
void rig_stop(struct rig *r);

/* Register access on @port (BAR @port) through the test's device. */
uint8_t rig_rd(struct rig *r, unsigned int port, unsigned int reg);
void rig_wr(struct rig *r, unsigned int port, unsigned int reg, uint8_t v);

/* rig_open_pty() - open @port's pty slave, raw, O_NONBLOCK.  Return: fd or -errno. */
int rig_open_pty(struct rig *r, unsigned int port);
/* pty_read_exact() - read @len bytes from @fd within @timeout_ms.  Return: bytes read. */
size_t fd_read_exact(int fd, void *buf, size_t len, int timeout_ms);
/* fd_write_all() - write @len bytes to @fd (non-blocking ok) within @timeout_ms. */
size_t fd_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/* A child process with pipes to its stdin, stdout and stderr. */
struct child {
	pid_t pid;
	int in;	 /* write end of its stdin, or -1 */
	int out; /* read end of its stdout */
	int err; /* read end of its stderr */
};

/* child_spawn() - start @argv (argv[0] a path).  Return: 0 or -errno. */
int child_spawn(struct child *ch, char *const argv[]);
/*
 * child_finish() - close its stdin, collect stdout/stderr (NUL-terminated,
 * may be NULL) and reap it within @timeout_ms (SIGKILL after).
 * Return: exit status, 128 + signal, or -errno.
 */
int child_finish(struct child *ch, char *out, size_t outsz, char *err, size_t errsz,
		 int timeout_ms);

/*
 * run_serial() - run uvfio-serial with @args (NULL-terminated, without the
 * program name) and collect its output.  Return: as child_finish().
 */
int run_serial(const char *const args[], char *out, size_t outsz, char *err, size_t errsz,
	       int timeout_ms);

/* now_ms() - CLOCK_MONOTONIC in ms. */
int64_t now_ms(void);
/* sleep_ms() */
void sleep_ms(unsigned int ms);

#endif
