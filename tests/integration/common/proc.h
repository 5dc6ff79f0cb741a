/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/common/proc.h - child processes for integration tests:
 * uvfio-serve on a socket in a temporary directory, and one-shot commands
 * with their output captured.
 */
#ifndef UVFIO_TEST_PROC_H
#define UVFIO_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct uvfio_container;
struct uvfio_device;

/* Short enough for sockaddr_un.sun_path (108 bytes). */
#define PROC_DIR_MAX 64
#define PROC_PATH_MAX 96

/* Paths of the programs under test, in the build tree. */
#define UVFIO_SERVE_PATH UVFIO_BUILD_ROOT "/devices/uvfio-serve"
#define UVFIO_EDU_PATH UVFIO_BUILD_ROOT "/drivers/edu/uvfio-edu"

struct served {
	char dir[PROC_DIR_MAX];        /* temporary directory, removed at stop */
	char sock[PROC_PATH_MAX];      /* DIR/dev.sock */
	char where[PROC_PATH_MAX + 8]; /* "unix:" DIR/dev.sock */
	char log[PROC_PATH_MAX];       /* DIR/serve.log: the server's stderr */
	pid_t pid;
};

/*
 * served_start() - run `uvfio-serve MODEL --socket-path DIR/dev.sock` with
 * stderr to DIR/serve.log and wait (bounded) until the socket accepts.
 * Return: 0 or -errno.
 */
int served_start(struct served *s, const char *model);

/*
 * served_stop() - SIGTERM the server, reap it (SIGKILL after 5 s).
 * Return: its exit status (0..255), 128 + signal if killed, or -errno.
 * Removes the temporary directory.
 */
int served_stop(struct served *s);

/* served_log_contains() - whether the server's stderr has @needle. */
bool served_log_contains(const struct served *s, const char *needle);

/*
 * open_device() - uvfio_device_open() retried while the server is not yet
 * accepting (-ECONNREFUSED / -ENOENT), up to 5 s.
 */
int open_device(const char *where, struct uvfio_container **c, struct uvfio_device **d);

/*
 * run_cmd() - run @argv (argv[0] a path), stdout to @out (@outsz bytes,
 * NUL-terminated, may be NULL) and stderr to @err likewise, killing it after
 * @timeout_ms.
 * Return: exit status (0..255), 128 + signal, or -errno.
 */
int run_cmd(char *const argv[], char *out, size_t outsz, char *err, size_t errsz,
	    int timeout_ms);

/* wait_exit() - reap @pid within @timeout_ms; status as run_cmd(), -ETIMEDOUT. */
int wait_exit(pid_t pid, int timeout_ms);

/* make_tmpdir() - a fresh directory under /tmp named after @tag. */
int make_tmpdir(char *dir, size_t len, const char *tag);

/* remove_tmpdir() - remove @dir and the plain files in it. */
void remove_tmpdir(const char *dir);

#endif
