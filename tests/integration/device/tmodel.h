/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/device/tmodel.h - a test-only device model: MSI-X and a
 * memory-backed BAR offered as sparse mmap areas, served in-process on its
 * own thread.  Not a real device: its ids are made up.
 *
 * BAR0: 64 KiB of memory (a memfd the library creates); the MSI-X table
 *       lives at 0x8000 and the PBA at 0x9000, so the client may mmap
 *       [0, 0x8000) and [0xa000, 0x10000) only.
 * BAR2: 4 KiB of trapped control registers (TM_REG_*), through which a
 *       driver makes the model act on its device thread.
 */
#ifndef UVFIO_TEST_TMODEL_H
#define UVFIO_TEST_TMODEL_H

#include <pthread.h>
#include <stdint.h>

#include <uvfio/device.h>

#define TM_VENDOR 0x1234
#define TM_DEVICE 0xfe01

#define TM_NVEC 8
#define TM_BAR0_SIZE 0x10000
#define TM_TABLE_OFF 0x8000
#define TM_PBA_OFF 0x9000
#define TM_BAR2_SIZE 0x1000

#define TM_MAGIC 0x746d6f64 /* "tmod" */

#define TM_REG_MAGIC 0x00    /* RO TM_MAGIC */
#define TM_REG_TRIGGER 0x04  /* WO: fire MSI-X vector N */
#define TM_REG_RESULT 0x08   /* RO: return value of the last trigger/command */
#define TM_REG_OFFSET 0x10   /* RW: BAR0 offset for TM_REG_CMD */
#define TM_REG_VALUE 0x14    /* RW: value for TM_REG_CMD */
#define TM_REG_CMD 0x18      /* WO: TM_CMD_* */
#define TM_REG_IRQ_MODE 0x1c /* RO: uvfio_dev_irq_mode() */
#define TM_REG_TRIGGERS 0x20 /* RO: triggers so far */

#define TM_CMD_STORE 1 /* the model writes VALUE at BAR0[OFFSET] through its mapping */
#define TM_CMD_LOAD 2  /* the model reads BAR0[OFFSET] into VALUE through its mapping */

struct tmodel {
	struct uvfio_dev *dev;
	volatile uint8_t *bar0; /* the model's own mapping of BAR0 */
	pthread_t thread;
	int listen_fd;
	int run_rc;
	char dir[256];
	char sock[300];
	char where[310];

	uint32_t offset;
	uint32_t value;
	int32_t result;
	uint32_t triggers;
};

/*
 * tmodel_start() - build the device and serve it on a thread.
 * @max_msg_fds: the limit reported in negotiation, 0 for the default.
 * Return: 0 or -errno.
 */
int tmodel_start(struct tmodel *tm, uint32_t max_msg_fds);
/* tmodel_stop() - stop, join, free.  Return: uvfio_dev_run()'s result. */
int tmodel_stop(struct tmodel *tm);

#endif
