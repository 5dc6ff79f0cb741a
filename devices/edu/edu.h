/* SPDX-License-Identifier: MIT */
/*
 * devices/edu/edu.h - QEMU's educational PCI device (edu) as a uvfio device
 * model.  Facts: docs/edu.md; spec: QEMU docs/specs/edu.rst (Jiri Slaby).
 *
 * The constructor only builds the device; the host (uvfio-serve, later the
 * daemon) serves it with uvfio_dev_run() / uvfio_dev_main() and frees it with
 * uvfio_edu_destroy().
 */
#ifndef UVFIO_DEVICES_EDU_H
#define UVFIO_DEVICES_EDU_H

#include <uvfio/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PCI identity (edu.md, edu.rst; subsystem as QEMU's: 1af4:1100). */
#define UVFIO_EDU_VENDOR 0x1234
#define UVFIO_EDU_DEVICE 0x11e8
#define UVFIO_EDU_REVISION 0x10
#define UVFIO_EDU_CLASS 0x00ff00

/* BAR0 registers (edu.md "BAR0 registers"). */
#define UVFIO_EDU_REG_IDENT 0x00
#define UVFIO_EDU_REG_LIVENESS 0x04
#define UVFIO_EDU_REG_FACTORIAL 0x08
#define UVFIO_EDU_REG_STATUS 0x20
#define UVFIO_EDU_REG_IRQ_STATUS 0x24
#define UVFIO_EDU_REG_IRQ_RAISE 0x60
#define UVFIO_EDU_REG_IRQ_ACK 0x64
#define UVFIO_EDU_REG_DMA_SRC 0x80
#define UVFIO_EDU_REG_DMA_DST 0x88
#define UVFIO_EDU_REG_DMA_COUNT 0x90
#define UVFIO_EDU_REG_DMA_CMD 0x98

#define UVFIO_EDU_IDENT UINT32_C(0x010000ed) /* major 1, minor 0 (0xRRrr00ed) */

#define UVFIO_EDU_STATUS_BUSY 0x01     /* computing the factorial (RO) */
#define UVFIO_EDU_STATUS_FACT_IRQ 0x80 /* raise 0x1 when the factorial is done */

#define UVFIO_EDU_IRQ_FACTORIAL 0x001 /* interrupt status bit of a factorial */
#define UVFIO_EDU_IRQ_DMA 0x100       /* interrupt status bit of a DMA */

#define UVFIO_EDU_DMA_START 0x01
#define UVFIO_EDU_DMA_TO_RAM 0x02 /* direction: 0 RAM to edu, 1 edu to RAM */
#define UVFIO_EDU_DMA_IRQ 0x04    /* raise UVFIO_EDU_IRQ_DMA when done */

/* The device's DMA buffer, in the device's own address space (edu.rst). */
#define UVFIO_EDU_DMA_BUF_ADDR 0x40000
#define UVFIO_EDU_DMA_BUF_SIZE 4096

#define UVFIO_EDU_BAR0_SIZE (1u << 20)
#define UVFIO_EDU_DMA_BITS 28 /* QEMU's dma_mask default (edu.rst) */

/**
 * uvfio_edu_create() - build an edu device, at power-on state.
 * @out: the device; free it with uvfio_edu_destroy().
 * Return: 0, -ENOMEM, or -errno from the device library.
 */
int uvfio_edu_create(struct uvfio_dev **out);

/**
 * uvfio_edu_destroy() - free a device made by uvfio_edu_create().
 * Not while it is being served (stop and join first).
 */
void uvfio_edu_destroy(struct uvfio_dev *dev);

/**
 * uvfio_edu_set_log() - route the model's messages (refused DMA, ...) and the
 * library's diagnostics to @fn; default: silent.  Call before serving.
 */
void uvfio_edu_set_log(struct uvfio_dev *dev,
		       void (*fn)(void *opaque, int level, const char *msg), void *opaque);

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_DEVICES_EDU_H */
