/* SPDX-License-Identifier: MIT */
/*
 * devices/mtty - a PCI serial card with one or two 16550A UARTs, each wired
 * to a host pseudo-terminal, after Linux's mtty sample vendor driver
 * (samples/vfio-mdev/mtty.c; shared/docs/linux-vfio.md §6.4).
 *
 * PCI identity as the sample's: vendor/device 0x4348/0x3253 (subsystem the
 * same), revision 0x10, class 07 00 02 (simple communication controller,
 * serial, 16550-compatible), INTA#, one MSI vector.  BAR n (n = 0, 1) is the
 * 8-byte I/O register block of port n.
 *
 * The UART follows the 16550D datasheet (National Semiconductor/TI, 1995,
 * cited as "16550D"): RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and the
 * divisor latch behind LCR.DLAB, 16-byte receive and transmit FIFOs with
 * trigger levels 1/4/8/14 and the character-timeout indication, loopback
 * mode.  Outside loopback, transmitted bytes go to the port's pty and bytes
 * written to the pty's slave side arrive in the receive FIFO, with flow
 * control both ways (the pty is not read while the receive FIFO is full; the
 * transmit FIFO holds bytes the pty does not take, keeping LSR.THRE clear).
 *
 * Interrupts: a port's interrupt output is "IIR reports an interrupt" gated
 * by MCR.OUT2, as on the PC (16550D, "Modem Control Register": OUT2 is a
 * user output, which PC serial adapters wire to the interrupt line's
 * enable; Linux's 8250 driver sets it whenever it uses an IRQ).  The card's INTx line is the OR of
 * its ports' outputs; with MSI enabled, vector 0 fires whenever a port raises a new interrupt
 * condition.
 *
 * Threading: everything runs on the device's thread, except where a function
 * below says otherwise.
 */
#ifndef UVFIO_MTTY_H
#define UVFIO_MTTY_H

#include <stddef.h>
#include <uvfio/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PCI identity (linux-vfio.md §6.4: that of Linux's mtty sample). */
#define UVFIO_MTTY_VENDOR 0x4348
#define UVFIO_MTTY_DEVICE 0x3253
#define UVFIO_MTTY_REVISION 0x10
#define UVFIO_MTTY_CLASS 0x070002
/* One 8-byte I/O BAR per port: the 16550's eight registers. */
#define UVFIO_MTTY_BAR_SIZE 8
#define UVFIO_MTTY_MAX_PORTS 2
/* A parent's pool of ports, as the sample's MAX_MTTYS (24). */
#define UVFIO_MTTY_PARENT_PORTS 24

/**
 * struct uvfio_mtty_type - an mdev type of the mtty parent.
 * @name: "mtty-1" or "mtty-2" (the sample's type names).
 * @description: for the type's sysfs-like "name" attribute.
 * @nr_ports: ports (and I/O BARs) of an instance.
 */
struct uvfio_mtty_type {
	const char *name;
	const char *description;
	unsigned int nr_ports;
};

/* The types, ended by an entry whose name is NULL. */
extern const struct uvfio_mtty_type uvfio_mtty_types[];

/**
 * uvfio_mtty_find_type() - the type called @name: "mtty-1" (alias "mtty")
 * or "mtty-2".  Any thread.
 * Return: the type, or NULL.
 */
const struct uvfio_mtty_type *uvfio_mtty_find_type(const char *name);

/**
 * uvfio_mtty_available_instances() - instances of @type that still fit in a
 * parent of UVFIO_MTTY_PARENT_PORTS ports of which @ports_in_use are taken
 * (the sample: available_instances = remaining ports / nr_ports).  Any thread.
 */
unsigned int uvfio_mtty_available_instances(const struct uvfio_mtty_type *type,
					    unsigned int ports_in_use);

/**
 * uvfio_mtty_create() - create an mtty device with @nr_ports ports.
 * @nr_ports: 1 or 2.
 * @out: the device, ready to serve (uvfio_dev_run() and friends).  Each port
 *       has a new pty, whose slave path uvfio_mtty_port_pty() gives.
 * Call from the thread that will serve the device, or before serving starts.
 * Return: 0, -EINVAL (@nr_ports), -ENOMEM, or -errno from the pty, timerfd or
 * device set-up.
 */
int uvfio_mtty_create(unsigned int nr_ports, struct uvfio_dev **out);

/*
 * uvfio_mtty1_create(), uvfio_mtty2_create() - uvfio_mtty_create() with 1 or
 * 2 ports, in the shape of a model table's create hook (uvfio-serve).
 */
int uvfio_mtty1_create(struct uvfio_dev **out);
int uvfio_mtty2_create(struct uvfio_dev **out);

/**
 * uvfio_mtty_destroy() - destroy a device made by uvfio_mtty_create(), its
 * ptys included.  As uvfio_dev_destroy(): not while it is being served.
 * NULL is a no-op.
 */
void uvfio_mtty_destroy(struct uvfio_dev *dev);

/*
 * The functions below take a device made by uvfio_mtty_create() (another
 * model's device is not recognised reliably: do not pass one).
 */

/** uvfio_mtty_nr_ports() - ports of @dev (1 or 2).  Any thread. */
unsigned int uvfio_mtty_nr_ports(const struct uvfio_dev *dev);

/**
 * uvfio_mtty_port_pty() - the pty slave path of @port ("/dev/pts/7").
 * Any thread: the path is fixed at creation.
 * @name, @len: buffer for the NUL-terminated path.
 * Return: 0, -EINVAL (bad port), -ERANGE (@len too small).
 */
int uvfio_mtty_port_pty(const struct uvfio_dev *dev, unsigned int port, char *name, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_MTTY_H */
