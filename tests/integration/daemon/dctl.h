/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/daemon/dctl.h - run uvfiod on private directories
 * under a mkdtemp() directory, and uvfioctl against it.
 */
#ifndef UVFIO_TEST_DCTL_H
#define UVFIO_TEST_DCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define UVFIOD_PATH UVFIO_BUILD_ROOT "/daemon/uvfiod"
#define UVFIOCTL_PATH UVFIO_BUILD_ROOT "/tools/uvfioctl"
#define UVFIO_SERIAL_PATH UVFIO_BUILD_ROOT "/drivers/serial/uvfio-serial"
#define TEST_PLUGIN_DIR UVFIO_BUILD_ROOT "/tests/plugins"

/* nobody: tests that need another user run as root and switch to it. */
#define NOBODY_UID 65534

struct dmn {
	char dir[64];  /* mkdtemp, mode 0755 so other users reach the sockets */
	char run[80];  /* DIR/run: --runtime-dir */
	char etc[80];  /* DIR/etc: --config-dir */
	char log[80];  /* DIR/uvfiod.log: its stderr (appended across restarts) */
	char ctl[104]; /* DIR/run/control.sock (fits sun_path) */
	pid_t pid;
};

/* dmn_init() - make the directories (nothing runs yet).  Return: 0 or -errno. */
int dmn_init(struct dmn *d);
/*
 * dmn_start() - run uvfiod with the plugin directory, --stop-timeout
 * @stop_timeout_ms and @extra (NULL or one more option), and wait (5 s)
 * for its control socket.  Return: 0 or -errno.
 */
int dmn_start(struct dmn *d, int stop_timeout_ms, const char *extra);
/* dmn_stop() - SIGTERM, reap (10 s).  Return: its exit status or -errno. */
int dmn_stop(struct dmn *d);
/* dmn_fini() - kill a daemon still running and remove the directories. */
void dmn_fini(struct dmn *d);
/* dmn_log_has() - whether uvfiod's stderr contains @needle. */
bool dmn_log_has(const struct dmn *d, const char *needle);

/*
 * ctl() - run uvfioctl --runtime-dir RUN --config-dir ETC ARGS... (NULL
 * terminated) with its stdout in @out and stderr in @err (each 8 KiB;
 * either may be NULL).  Return: its exit status, or -errno.
 */
#define CTL_BUF 8192
int ctl(const struct dmn *d, char *out, char *err, ...) __attribute__((sentinel));

/*
 * run_as() - run @argv as @uid (its gid too, no supplementary groups),
 * output as ctl().  Return: exit status or -errno.
 */
int run_as(uid_t uid, char *const argv[], char *out, char *err, int timeout_ms);

/* start_instance() - `uvfioctl start ARGS...`; the UUID and socket path out. */
int start_instance(const struct dmn *d, char *uuid, char *sock, const char *type, const char *opt1,
		   const char *opt2);

/* me() - the user name uvfiod shows for this process's uid. */
const char *me(void);

/* avail() - available_instances of @type from `uvfioctl --json types`, or -1. */
int avail(const struct dmn *d, const char *type);

#endif
