/* SPDX-License-Identifier: MIT */
/*
 * tests/hostile/hostile.h - hostile-peer suites against the device side.
 *
 * A target is a running server with two edu instances: instance 0 is
 * attacked, instance 1 is the bystander that must keep serving.  Targets:
 *   serve   two `uvfio-serve edu --socket-path P` child processes;
 *   daemon  one `uvfiod` with two edu instances made with `uvfioctl start`.
 * UVFIO_HOSTILE_TARGET=serve|daemon picks one; the default is daemon when
 * build/daemon/uvfiod and build/tools/uvfioctl exist, else serve.
 *
 * Each case is one cmocka test run through hostile_run(): the case body runs
 * REPS times (UVFIO_HOSTILE_REPS, default 20; 3 in sanitizer builds) unless
 * it is a slow case (once), then the runner checks that the target process
 * is alive, that a well-behaved client (the driver library) still opens both
 * instances and reads 1234:11e8 and the edu ident 0x010000ed from BAR0, that
 * the target's fd count is back to its baseline, and that its memory
 * (VmRSS, VmData) did not grow over the batch.
 */
#ifndef UVFIO_TEST_HOSTILE_H
#define UVFIO_TEST_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/pci_regs.h>

#include "proto/proto.h"
#include "edu/edu.h" /* the edu register map: the model's own */

#define HOSTILE_NINST 2
#define HOSTILE_PATH_MAX 108

#define UVFIO_SERVE_BIN UVFIO_BUILD_ROOT "/devices/uvfio-serve"
#define UVFIOD_BIN UVFIO_BUILD_ROOT "/daemon/uvfiod"
#define UVFIOCTL_BIN UVFIO_BUILD_ROOT "/tools/uvfioctl"

/* The server's per-client I/O timeout (lib/device: DEV_IO_TIMEOUT_MS). */
#define SERVER_IO_TIMEOUT_MS 5000
/* The server's wait for a DMA reply (lib/device: DEV_DMA_TIMEOUT_MS). */
#define SERVER_DMA_TIMEOUT_MS 5000

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HOSTILE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define HOSTILE_SANITIZED 1
#endif
#endif
#ifndef HOSTILE_SANITIZED
#define HOSTILE_SANITIZED 0
#endif

enum target_kind {
	TARGET_SERVE,
	TARGET_DAEMON,
};

struct target_inst {
	char sock[HOSTILE_PATH_MAX];
	char where[HOSTILE_PATH_MAX + 8];
	char uuid[64];
	pid_t pid; /* the process serving it */
};

struct target {
	enum target_kind kind;
	char dir[64];
	char log[HOSTILE_PATH_MAX];
	pid_t pids[HOSTILE_NINST]; /* processes we started (daemon: pids[0] only) */
	unsigned int npids;
	struct target_inst inst[HOSTILE_NINST];
	int base_fds; /* fds of inst[0].pid when idle */
	int base_maps; /* lines of its /proc/PID/maps when idle */
	bool up;
};

/* The one target of a test binary (hostile_setup() starts it). */
extern struct target *T;

/* cmocka group setup/teardown: start and stop the target. */
int hostile_setup(void **state);
int hostile_teardown(void **state);

/* Case flags. */
#define HC_SLOW (1u << 0)   /* run once: it waits for server timeouts */
#define HC_NO_MEM (1u << 1) /* skip the memory-growth check */
/* Skipped in the ThreadSanitizer build: the case needs a device process to
 * survive a SIGBUS, which TSan's runtime turns into process death. */
#define HC_NO_TSAN (1u << 2)

typedef void (*hostile_body)(struct target *t);

/* Run @body as a case: repetitions, then health, fd and memory checks. */
void hostile_run(const char *name, hostile_body body, unsigned int flags);

/*
 * HCASE(name, flags) { body using t } - define the case body and a cmocka
 * test function @name running it through hostile_run().
 */
#define HCASE(name, flags)                                                                         \
	static void name##_body(struct target *t);                                                 \
	static void name(void **state)                                                             \
	{                                                                                          \
		(void)state;                                                                       \
		hostile_run(#name, name##_body, (flags));                                          \
	}                                                                                          \
	static void name##_body(struct target *t)

/* Repetitions of a normal case. */
unsigned int hostile_reps(void);

/* Target inspection. */
int target_fds(pid_t pid);
int target_maps(pid_t pid);
int target_mem(pid_t pid, long *rss_kb, long *data_kb);
bool target_alive(struct target *t);
/*
 * target_health() - open instance @i with the driver library (retrying
 * while it is busy for up to @wait_ms) and check ids and the edu ident.
 * Return: 0, or -errno with @why filled.
 */
int target_health(const struct target *t, unsigned int i, int wait_ms, char *why, size_t len);
/* Assert target_health() of instance @i. */
void assert_healthy(const struct target *t, unsigned int i, int wait_ms);

/*
 * Raw clients.
 */
/* Connect to instance 0 (or @i) with receive/send timeouts of @timeout_ms. */
int hc_connect_inst(const struct target *t, unsigned int i, int timeout_ms);
int hc_connect(const struct target *t);
/* Connect and negotiate (retrying while the device is busy); asserts. */
int hc_open(const struct target *t);
/* Connect and negotiate with @json (NULL: none); returns the fd, or -errno. */
int hc_open_json(const struct target *t, const char *json);

uint16_t hc_id(void);
/* Send one message; more than 16 fds go with a raw sendmsg. */
int hc_send(int sock, uint16_t id, uint16_t cmd, uint32_t flags, const void *p, size_t len,
	    const int *fds, unsigned int nfds);
/* Send raw bytes (and fds on the first byte); MSG_NOSIGNAL.  Return: 0 or -errno. */
int hc_send_raw(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds);
/* Build a header. */
struct uvfio_msg_hdr hc_hdr(uint16_t id, uint16_t cmd, uint32_t size, uint32_t flags);
/* Receive one message into @buf (size @size).  Return as uvfio_msg_recv(). */
int hc_recv(int sock, struct uvfio_msg *m, void *buf, size_t size);
/*
 * hc_call() - send a command, wait for its reply (server DMA requests in
 * between fail the call with -EPROTO).  Return: 0 with the reply payload in
 * @rbuf (*@rlen bytes), -errno of an error reply, -EPROTO for a reply that
 * is not ours, -ECONNRESET on EOF, -EAGAIN on timeout.
 */
int hc_call(int sock, uint16_t cmd, const void *p, size_t len, const int *fds, unsigned int nfds,
	    void *rbuf, size_t rsize, size_t *rlen);
/* hc_call() with flags (e.g. UVFIO_MSG_NO_REPLY: returns after sending). */
int hc_call_flags(int sock, uint16_t cmd, uint32_t flags, const void *p, size_t len,
		  const int *fds, unsigned int nfds, void *rbuf, size_t rsize, size_t *rlen);
int hc_version(int sock, const char *json);
int hc_read(int sock, uint32_t region, uint64_t off, void *buf, uint32_t count);
int hc_write(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count);
/* Assert that config-space ids read back: the stream is in step. */
void hc_assert_in_step(int sock);
/* COMMAND = MEMORY | MASTER. */
void hc_enable(int sock);
/*
 * hc_expect_closed() - wait up to @ms for EOF, discarding what comes first.
 * Return: true if the server closed the connection.
 */
bool hc_expect_closed(int sock, int ms);
/*
 * hc_expect_error_or_close() - wait for the reply to @id: an error reply
 * (returns its errno, > 0), EOF (returns 0); a success reply fails the test.
 */
int hc_expect_error_or_close(int sock, uint16_t id, int ms);
/* Whether @fd (a pipe read end) sees EOF within @ms: every writer is gone. */
bool hc_pipe_released(int rfd, int ms);

/* DMA_MAP / DMA_UNMAP. */
int hc_dma_map(int sock, uint64_t addr, uint64_t size, uint32_t flags, uint64_t offset, int fd);
int hc_dma_unmap(int sock, uint64_t addr, uint64_t size, uint32_t flags);
int hc_set_irqs(int sock, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
		const void *data, size_t dlen, const int *fds, unsigned int nfds);

/* Time. */
int64_t hc_now_ms(void);
void hc_sleep_ms(int ms);

/* Fds of this process. */
int self_fds(void);

#endif
