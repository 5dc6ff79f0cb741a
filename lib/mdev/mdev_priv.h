/* SPDX-License-Identifier: MIT */
/*
 * lib/mdev/mdev_priv.h - the mdev core's internals, shared by the files of
 * lib/mdev.  Not a public header.
 */
#ifndef UVFIO_MDEV_PRIV_H
#define UVFIO_MDEV_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>

#include "uvfio/mdev.h"

/* Longest parent or type name (the kernel's sysfs names are short too). */
#define MDEV_NAME_MAX 63
/* Second clients refused with EBUSY at once per instance (lib/device: 8). */
#define MDEV_MAX_REFUSE 4

struct mdev_type {
	struct uvfio_mdev_type_info info; /* strings owned (strdup) */
	struct uvfio_mdev_parent *parent;
	unsigned int instances;
};

struct uvfio_mdev_parent {
	struct uvfio_mdev_core *core;
	struct uvfio_mdev_parent *next;
	char *name;
	const struct uvfio_mdev_parent_ops *ops;
	void *priv;
	unsigned int capacity;
	unsigned int used; /* capacity units taken by instances */
	struct mdev_type *types;
	unsigned int nr_types;
	void *plugin; /* the struct mdev_plugin_handle that registered it, or NULL */
};

/* A second client being refused: read its first header, reply EBUSY, close. */
struct mdev_refuse {
	int fd;
	unsigned int got;
	unsigned char hdr[16]; /* struct uvfio_msg_hdr (vfio-user spec: header) */
};

enum mdev_state {
	MDEV_RUNNING,
	MDEV_REMOVING,
};

struct uvfio_mdev {
	struct uvfio_mdev_core *core;
	struct uvfio_mdev *next;
	struct mdev_type *type;
	char uuid[UVFIO_MDEV_UUID_LEN];
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uid_t owner;
	gid_t group;
	struct uvfio_dev *dev;
	void *drvdata;
	enum mdev_state state;

	/* Serving (lib/mdev/serve.c). */
	int listen_fd;
	int stop_fd; /* eventfd: wakes the instance thread out of its accept poll */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* protects the three below */
	pthread_cond_t cond;  /* signalled when @client becomes false */
	bool client;	      /* a client is being served */
	bool stopping;	      /* no new client may be served */
	struct mdev_refuse refuse[MDEV_MAX_REFUSE];
};

struct mdev_plugin_handle {
	struct mdev_plugin_handle *next;
	void *handle;
	char *path;
};

struct uvfio_mdev_core {
	pthread_mutex_t lock;
	char *runtime_dir;
	unsigned int max_instances;
	void (*log)(void *opaque, int level, const char *msg);
	void *log_opaque;
	struct uvfio_mdev_parent *parents; /* registration order */
	struct uvfio_mdev *instances;	   /* creation order */
	unsigned int nr_instances;
	struct mdev_plugin_handle *plugins;
	void *loading_plugin; /* struct mdev_plugin_handle whose register_parents runs */
};

void mdev_log(struct uvfio_mdev_core *core, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* serve.c: listen on the instance socket and start its thread. */
int mdev_serve_start(struct uvfio_mdev *m);
/* serve.c: REQ, bounded wait for the client, stop the thread, close the socket. */
void mdev_serve_request(struct uvfio_mdev *m);
bool mdev_serve_wait_client(struct uvfio_mdev *m, long long deadline_ms);
void mdev_serve_stop(struct uvfio_mdev *m);
long long mdev_now_ms(void);
/* plugin.c: dlclose every plugin (their parents are gone). */
void mdev_plugins_unload(struct uvfio_mdev_core *core);

#endif
