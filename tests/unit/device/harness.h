/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/device/harness.h - a test device model served by lib/device on
 * a thread, and a raw vfio-user client written with lib/proto.
 */
#ifndef UVFIO_TEST_DEVICE_HARNESS_H
#define UVFIO_TEST_DEVICE_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uvfio/device.h"
#include "proto/proto.h"

/*
 * The model's BAR0 (4 KiB, trapped).  Writes of 4 bytes to the command
 * registers act; every byte reads back what was last stored.
 */
#define M_INTX 0x00	/* W: INTx level */
#define M_MSIX 0x04	/* W: fire MSI-X vector; result at M_RET */
#define M_MSI 0x08	/* W: fire MSI vector; result at M_RET */
#define M_ERR 0x0c	/* W: ERR trigger */
#define M_REQ 0x10	/* W: REQ trigger */
#define M_MEMPOKE 0x14	/* W: store the value at BAR2 offset 0 */
#define M_JOB 0x18	/* W: deferred DMA job (read, then write +1) */
#define M_JOB_SYNC 0x1c /* W: the same job, inside the request */
#define M_RESETS 0x20	/* R: model resets */
#define M_REASON 0x24	/* R: last reset reason */
#define M_OPENS 0x28	/* R: open callbacks */
#define M_RELEASES 0x2c /* R: release callbacks */
#define M_RET 0x40	/* R: last trigger result */
#define M_JOB_RET 0x44	/* R: last job result */
#define M_JOB_IOVA 0x60 /* u64: job source */
#define M_JOB_LEN 0x68	/* u32: job length (<= 64) */
#define M_JOB_DST 0x70	/* u64: job destination */
#define M_JOB_BUF 0x80	/* 64 bytes: what the job read */
#define M_SCRATCH 0xc0	/* 64 bytes of plain storage */

#define M_BAR0_SIZE 0x1000
#define M_BAR2_SIZE 0x4000
#define M_MSIX_TABLE 0x3000
#define M_MSIX_PBA 0x3800
#define M_NVEC 4
#define M_ROM_LEN 3000
#define M_REGION9_SIZE 256
#define M_REGION9_TYPE 0x80001234u
#define M_REGION9_SUBTYPE 7u

struct model {
	struct uvfio_dev *dev;
	uint8_t regs[M_BAR0_SIZE];
	uint8_t r9[M_REGION9_SIZE];
	uint8_t *bar2;
	int pcie_off;
	int msi_off;
	int msix_off;
};

struct srv {
	struct model m;
	int sock; /* the client end */
	pthread_t th;
	int srv_fd;
	int ret;
	bool running;
};

/* Create the model (flags: UVFIO_DEV_*). */
void model_create(struct model *m, unsigned int flags);
void model_destroy(struct model *m);

/* Serve a new socketpair connection on a thread. */
void srv_connect(struct srv *s);
/* Close the client end and wait for serve_conn() to return. */
void srv_disconnect(struct srv *s);
/* model_create + srv_connect + VERSION. */
void srv_start(struct srv *s);
void srv_stop(struct srv *s);

/* Raw client. */
int cl_send(int sock, uint16_t id, uint16_t cmd, uint32_t flags, const void *p, size_t len,
	    const int *fds, unsigned int nfds);
/* Receive one message into @buf; returns 0 or -errno. */
int cl_recv(int sock, struct uvfio_msg *m, void *buf, size_t size);
/*
 * Send a command and wait for its reply (any message in between fails the
 * test).  Returns 0, -errno from an error reply, or -EPROTO.
 */
int cl_call(int sock, uint16_t cmd, const void *p, size_t len, const int *fds, unsigned int nfds,
	    void *rbuf, size_t rsize, size_t *rlen);
uint16_t cl_next_id(void);
/* The fd the last cl_call() reply carried (the caller closes it), or -1. */
extern int cl_reply_fd;
int cl_version(int sock, const char *json);
int cl_read(int sock, uint32_t region, uint64_t off, void *buf, uint32_t count);
int cl_write(int sock, uint32_t region, uint64_t off, const void *buf, uint32_t count);
uint32_t cl_read32(int sock, uint32_t region, uint64_t off);
void cl_write32(int sock, uint32_t region, uint64_t off, uint32_t v);
void cl_cfg_write16(int sock, unsigned int off, uint16_t v);
uint16_t cl_cfg_read16(int sock, unsigned int off);
/* COMMAND = MEMORY | MASTER (| extra). */
void cl_enable(int sock, uint16_t extra);
int cl_set_irqs(int sock, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
		const void *data, size_t dlen, const int *fds, unsigned int nfds);

/* Eventfds. */
int efd_new(void);
/* Counter value read (non-blocking), 0 if not signalled. */
uint64_t efd_take(int fd);
/* Wait up to @ms for a signal; returns the counter or 0. */
uint64_t efd_wait(int fd, int ms);

/* Open fds of this process. */
int count_fds(void);

#define QEMU_JSON                                                                                  \
	"{\"capabilities\": {\"pgsizes\": 4096, \"max_msg_fds\": 16, \"max_dma_maps\": 65535, "    \
	"\"max_data_xfer_size\": 1048576, \"migration\": {\"max_bitmap_size\": 268435456, "        \
	"\"pgsize\": 4096}, \"write_multiple\": true}}"

#endif
