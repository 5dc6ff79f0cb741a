/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/qemu/qclient.h - a raw vfio-user client on lib/proto
 * that checks every reply the way QEMU 10.1's client does
 * (shared/docs/vfio-user-protocol.md, "contract"): the id and command
 * echoed, flags exactly 0x1 or 0x21, no more bytes than QEMU allots for
 * the reply, no more fds than it takes; and a device served in-process on
 * a socketpair, with its log captured.
 */
#ifndef UVFIO_TEST_QCLIENT_H
#define UVFIO_TEST_QCLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uvfio/device.h"
#include "proto/proto.h"

/* contract §3.2: QEMU 10.1's VERSION JSON, byte for byte (214-byte message). */
#define QC_QEMU_JSON                                                                               \
	"{\"capabilities\": {\"pgsizes\": 4096, \"max_msg_fds\": 16, \"max_dma_maps\": 65535, "    \
	"\"max_data_xfer_size\": 1048576, \"migration\": {\"max_bitmap_size\": 268435456, "        \
	"\"pgsize\": 4096}, \"write_multiple\": true}}"

/* Reply sizes QEMU 10.1 allots, whole message (contract §5). */
#define QC_ALLOT_DMA_MAP 48
#define QC_ALLOT_DMA_UNMAP 40
#define QC_ALLOT_DEVICE_INFO 32
#define QC_ALLOT_IRQ_INFO 32
#define QC_ALLOT_SET_IRQS 36 /* the request buffer is reused: header only fits */

/* A device served on one end of a socketpair by uvfio_dev_serve_conn(). */
struct qsrv {
	struct uvfio_dev *dev;
	int sock; /* the client end */
	int srv_fd;
	pthread_t th;
	int ret;
	pthread_mutex_t log_lock;
	char log[8192]; /* every log line, '\n'-separated (truncated when full) */
	size_t log_len;
};

/*
 * Serve @dev (already built) on a new socketpair; capture its log through
 * @set_log (a model's own, like uvfio_edu_set_log), or uvfio_dev_set_log()
 * if NULL, before the device thread starts.
 */
void qsrv_start(struct qsrv *s, struct uvfio_dev *dev,
		void (*set_log)(struct uvfio_dev *dev,
				void (*fn)(void *opaque, int level, const char *msg),
				void *opaque));
/* Close the client end and wait for the device thread; @dev is left to the caller. */
void qsrv_stop(struct qsrv *s);
/* The log callback qsrv_start() installs (for models with their own set_log). */
void qsrv_log(void *opaque, int level, const char *msg);
/* Whether a log line so far contains @needle. */
bool qsrv_log_has(struct qsrv *s, const char *needle);

/* A reply as received and checked. */
struct qreply {
	struct uvfio_msg_hdr hdr;
	uint8_t data[(1u << 20) + 64];
	size_t len;
	int fd; /* -1, or the one fd it carried (caller closes) */
};

/* QEMU's global 16-bit id counter starts at 0 (contract §2 [observed]). */
extern uint16_t qc_next_id;

/*
 * Send one command (one sendmsg, fds on its first byte) with the next id
 * and @flags (0 or UVFIO_MSG_NO_REPLY).  Returns the id used.
 */
uint16_t qc_send(int sock, uint16_t cmd, uint32_t flags, const void *payload, size_t len,
		 const int *fds, unsigned int nfds);

/*
 * Receive the reply to (@id, @cmd) into @r and check it as QEMU does: a
 * reply type with flags exactly 0x1, or 0x21 with an errno and no payload;
 * whole size at most @allot; at most @max_fds fds.  Fails the test on any
 * violation.  Returns 0, or -errno of an error reply.
 */
int qc_reply(int sock, uint16_t id, uint16_t cmd, size_t allot, unsigned int max_fds,
	     struct qreply *r);

/* qc_send() + qc_reply(). */
int qc_call(int sock, uint16_t cmd, const void *payload, size_t len, const int *fds,
	    unsigned int nfds, size_t allot, unsigned int max_fds, struct qreply *r);

/* REGION_READ as QEMU sends it (32 bytes); the reply must be exactly 32 + count. */
int qc_read(int sock, uint32_t region, uint64_t off, void *buf, uint32_t count);
/* REGION_WRITE, waited for. */
int qc_write(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count);
/* REGION_WRITE posted (No_reply, flags 0x10): nothing comes back. */
void qc_write_posted(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count);
uint32_t qc_read32(int sock, uint32_t region, uint64_t off);
void qc_write32(int sock, uint32_t region, uint64_t off, uint32_t v);

/* DMA_MAP as QEMU sends it (argsz 32, 48 bytes); @fd < 0 for none. */
int qc_dma_map(int sock, uint64_t iova, uint64_t size, uint32_t flags, int fd, uint64_t offset);

/* Eventfds. */
int qc_efd(void);
/* Counter (non-blocking read), 0 if not signalled. */
uint64_t qc_efd_take(int fd);

#endif
