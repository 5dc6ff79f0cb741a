/* SPDX-License-Identifier: MIT */
/*
 * daemon/daemon.h - uvfiod's internals, shared by its files.
 */
#ifndef UVFIO_DAEMON_H
#define UVFIO_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <uvfio/mdev.h>

/* Version of the control protocol (docs/control-protocol.md). */
#define UVFIOD_PROTOCOL 1
/* Longest request line, newline included. */
#define UVFIOD_MAX_REQUEST (64 * 1024)
/* Control connections served at once. */
#define UVFIOD_MAX_CONNS 32
/* Default time a client gets to release a device after REQ. */
#define UVFIOD_STOP_TIMEOUT_MS 5000

struct daemon {
	struct uvfio_mdev_core *core;
	char runtime_dir[PATH_MAX];
	char config_dir[PATH_MAX];
	char control_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int stop_timeout_ms;
	uid_t self;
	/* Serialises changes to definition files and starts of defined instances. */
	pthread_mutex_t defs_lock;
};

/* uvfiod's log: stderr, "uvfiod: <level>: <message>". */
void dlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The log callback handed to the mdev core. */
void dlog_cb(void *opaque, int level, const char *msg);

/* builtin.c: register the edu and mtty parents. */
int builtin_register(struct uvfio_mdev_core *core);

/*
 * control.c: handle one request line from a peer with credentials @peer;
 * return the reply (malloc'd JSON text without the newline), never NULL
 * unless out of memory.
 */
char *control_handle(struct daemon *d, const struct ucred *peer, const char *line);

/* control.c: start every definition with "start": "auto".  Return: how many. */
int control_autostart(struct daemon *d);

#endif
