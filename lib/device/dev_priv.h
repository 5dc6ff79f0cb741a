/* SPDX-License-Identifier: MIT */
/*
 * lib/device/dev_priv.h - the exported device's internals, shared by the
 * files of lib/device (and its unit tests).  Not a public header.
 */
#ifndef UVFIO_DEVICE_PRIV_H
#define UVFIO_DEVICE_PRIV_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "uvfio/device.h"
#include "proto/proto.h"
#include "pci/pcicfg.h"
#include "device/dma.h"

/* Device-specific regions (index >= VFIO_PCI_NUM_REGIONS) a device may have. */
#define DEV_MAX_SPECIFIC_REGIONS 8
#define DEV_MAX_REGIONS (VFIO_PCI_NUM_REGIONS + DEV_MAX_SPECIFIC_REGIONS)
/* device.h: "at most 32 watches", "up to 64 items may be pending". */
#define DEV_MAX_WATCHES 32
#define DEV_MAX_DEFER 64
/* Connections refused with EBUSY that we track at once, and for how long. */
#define DEV_MAX_REFUSE 8
#define DEV_REFUSE_MS 2000
/* Client commands kept while a DMA reply is awaited, and their byte budget. */
#define DEV_MAX_QUEUED 16
/* QEMU's own timeout for a synchronous request (contract §2): 5000 ms. */
#define DEV_DMA_TIMEOUT_MS 5000
/* Longest a started message or a send may stall before we drop the client:
 * QEMU's own request timeout (contract §2). */
#define DEV_IO_TIMEOUT_MS 5000
/* Messages handled per wake-up of the client socket before polling again. */
#define DEV_MSG_BATCH 16

/* Defaults of struct uvfio_dev_limits (device.h). */
#define DEV_DEFAULT_MAX_DMA_MAPS 65535 /* type1's dma_entry_limit default, U16_MAX */
#define DEV_DEFAULT_MAX_DMA_BYTES (64ull << 30)
#define DEV_DEFAULT_MAX_MSG_FDS UVFIO_MAX_MSG_FDS
#define DEV_DEFAULT_MAX_XFER (1u << 20)
/* Smallest transfer limit we accept: a whole 4096-byte config space read (contract §4). */
#define DEV_MIN_XFER 4096u
/* DMA page size we advertise in "pgsizes" (contract §3.1 default). */
#define DEV_PGSIZE 4096u

/* vfio-pci's region offset encoding, VFIO_PCI_OFFSET_SHIFT (linux-vfio.md §1.0). */
#define DEV_REGION_SHIFT 40

enum dev_region_kind {
	REGION_ABSENT = 0,
	REGION_TRAPPED, /* BAR or device-specific region served by ops */
	REGION_MEM,	/* BAR backed by memory, mmappable */
	REGION_ROM,	/* expansion ROM image */
	REGION_CONFIG,	/* config space, through lib/pci */
};

/**
 * struct dev_region - one region index.
 * @kind: what serves it.
 * @size: bytes (0 = absent).
 * @flags: VFIO_REGION_INFO_FLAG_READ / _WRITE.
 * @pci_flags: BARs: PCI_BASE_ADDRESS_* flags.
 * @ops, @priv: trapped regions.
 * @fd: memory BARs: the memfd (ours); @fd_offset where the BAR starts in it.
 * @mem: memory BARs and ROM: our mapping / copy.
 * @type, @subtype: device-specific regions' VFIO_REGION_INFO_CAP_TYPE.
 */
struct dev_region {
	enum dev_region_kind kind;
	uint64_t size;
	uint32_t flags;
	unsigned int pci_flags;
	const struct uvfio_region_ops *ops;
	void *priv;
	int fd;
	uint64_t fd_offset;
	void *mem;
	uint32_t type;
	uint32_t subtype;
};

/**
 * struct dev_irqs - interrupt state (linux-vfio.md §4).
 * @mode: index enabled through SET_IRQS, or -1 (vfio-pci's irq_type).
 * @intx_trigger, @intx_unmask: INTx eventfds, -1 when unset.
 * @intx_masked: vfio-pci's ctx->masked (auto-mask or ACTION_MASK).
 * @intx_level: the line as the model drives it.
 * @intx_virq_disabled: COMMAND.INTX_DISABLE (vfio-pci's virq_disabled).
 * @msi_count, @msix_count: vectors the capabilities offer.
 * @msi_fds, @msix_fds: per-vector trigger eventfds.
 * @nctx: vectors allocated (vfio-pci's num_ctx): start + count of the
 *        SET_IRQS that enabled MSI/MSI-X, grown when a later one binds
 *        eventfds past it (dynamic MSI-X, linux-vfio.md §4.2).
 * @err_fd: ERR eventfd.
 * @req_fd: REQ eventfd, under @req_lock (uvfio_dev_req_trigger() may run
 *          on any thread).
 */
struct dev_irqs {
	int mode;
	int intx_trigger;
	int intx_unmask;
	bool intx_masked;
	bool intx_level;
	bool intx_virq_disabled;
	unsigned int msi_count;
	unsigned int msix_count;
	int msi_fds[32]; /* PCI 3.0 §6.8.1.3: MSI has at most 32 vectors */
	int *msix_fds;
	unsigned int nctx;
	int err_fd;
	int req_fd;
	pthread_mutex_t req_lock;
};

struct dev_watch {
	bool used;
	int fd;
	uint32_t events;
	void (*cb)(struct uvfio_dev *dev, void *arg, uint32_t revents);
	void *arg;
};

struct dev_defer {
	void (*fn)(struct uvfio_dev *dev, void *arg);
	void *arg;
};

/* A second connection waiting for its EBUSY (device.h: uvfio_dev_run). */
struct dev_refuse {
	int fd;
	uint64_t deadline_ms;
	uint32_t got;	/* header bytes received */
	uint32_t drain; /* payload bytes still to discard */
	struct uvfio_msg_hdr hdr;
};

/* A client command received while a DMA reply was awaited. */
struct dev_queued {
	struct uvfio_msg msg; /* payload malloc'd */
};

struct uvfio_dev {
	const struct uvfio_dev_ops *ops;
	void *priv;
	/*
	 * ops->feature when ops is version 2 (a version-1 struct ends before
	 * it), else NULL; and a host's handler asked first
	 * (uvfio_dev_set_feature_handler()).
	 */
	uvfio_dev_feature_fn ops_feature;
	uvfio_dev_feature_fn host_feature;
	void *host_feature_priv;
	struct uvfio_dev_pci_id id;
	unsigned int flags;
	void (*log_fn)(void *opaque, int level, const char *msg);
	void *log_opaque;
	struct uvfio_dev_limits limits;

	struct uvfio_pcicfg *cfg;
	struct dev_region regions[DEV_MAX_REGIONS];
	unsigned int num_regions;
	bool has_pcie;
	bool has_msix;
	unsigned int msix_cap_off;
	struct uvfio_pcicfg_msix_layout msix;

	/* Config-space events noted during a write, acted on after it. */
	bool ev_flr;
	bool ev_recheck_vectors;
	bool d3;

	struct dev_irqs irq;
	struct uvfio_dma_space dma;

	/* The connection. */
	int sock;
	bool negotiated;
	bool opened; /* ops->open was called: release is due */
	bool conn_broken;
	struct uvfio_caps peer;
	uint16_t dma_msg_id;
	uint8_t *rxbuf;
	size_t rxbuf_size;
	bool in_msg;

	/* The loop. */
	int epfd;
	int stopfd;
	int listen_fd;
	bool ep_dirty;
	unsigned int poll_us; /* latency mode (uvfio_dev_set_poll_us), 0 = off */
	struct dev_watch watches[DEV_MAX_WATCHES];
	struct dev_defer defer[DEV_MAX_DEFER];
	unsigned int defer_head;
	unsigned int defer_count;
	struct dev_refuse refuse[DEV_MAX_REFUSE];
	struct dev_queued *queue[DEV_MAX_QUEUED];
	unsigned int queue_head;
	unsigned int queue_count;
};

/* device.c */
void dev_log(struct uvfio_dev *dev, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int dev_do_reset(struct uvfio_dev *dev, enum uvfio_reset_reason why);
void dev_after_cfg_change(struct uvfio_dev *dev);
bool dev_bus_master(const struct uvfio_dev *dev);

/* irq.c */
int dev_irq_init(struct uvfio_dev *dev);
void dev_irq_fini(struct uvfio_dev *dev);
unsigned int dev_irq_count(const struct uvfio_dev *dev, unsigned int index);
int dev_irq_info(const struct uvfio_dev *dev, unsigned int index, uint32_t *flags, uint32_t *count);
int dev_set_irqs(struct uvfio_dev *dev, const struct vfio_irq_set *set, const uint8_t *data,
		 size_t data_len, int *fds, unsigned int nfds);
void dev_irq_drop_client(struct uvfio_dev *dev);
void dev_irq_reset(struct uvfio_dev *dev);
void dev_irq_intx_unmask(struct uvfio_dev *dev);
void dev_irq_command(struct uvfio_dev *dev, uint16_t cmd);
void dev_irq_recheck_vectors(struct uvfio_dev *dev);
void dev_irq_unmask_fd_ready(struct uvfio_dev *dev);

/* region.c */
uint64_t dev_region_offset(unsigned int index);
int dev_region_info(struct uvfio_dev *dev, const struct vfio_region_info *req, void *out,
		    size_t out_size, size_t *out_len, int *fd);
int dev_region_access(struct uvfio_dev *dev, unsigned int index, uint64_t off, void *buf,
		      size_t len, bool write);
void dev_regions_fini(struct uvfio_dev *dev);

/* loop.c */
int dev_loop_init(struct uvfio_dev *dev);
void dev_loop_fini(struct uvfio_dev *dev);
int dev_ep_add(struct uvfio_dev *dev, int fd, uint32_t events, uint64_t tag);
void dev_ep_del(struct uvfio_dev *dev, int fd);

/* Epoll tags: kind in the top 32 bits, index below. */
#define DEV_TAG(kind, idx) (((uint64_t)(kind) << 32) | (uint32_t)(idx))
enum dev_tag_kind {
	TAG_STOP = 1,
	TAG_LISTEN,
	TAG_CLIENT,
	TAG_UNMASK,
	TAG_WATCH,
	TAG_REFUSE,
};

#endif /* UVFIO_DEVICE_PRIV_H */
