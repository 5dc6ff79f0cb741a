/* SPDX-License-Identifier: MIT */
/*
 * uvfio/device.h - export an emulated PCI device over vfio-user.
 *
 * A device model (a "vendor driver": devices/edu, devices/mtty, yours) creates
 * a struct uvfio_dev, describes its PCI identity, BARs, capabilities and
 * interrupts, and serves it on a socket.  The library does the rest as Linux's
 * vfio-pci and type1 IOMMU would: config-space virtualisation, interrupt
 * semantics (INTx auto-masking, MSI/MSI-X masking and pending bits), a DMA
 * space with type1 v2 rules, reset, and the vfio-user protocol.
 *
 * Threading: every callback of a device runs on that device's thread (the one
 * calling uvfio_dev_run() / uvfio_dev_serve_conn()).  The functions below are
 * to be called from that thread (from inside callbacks, deferred work or fd
 * watches), except where a function says otherwise.
 */
#ifndef UVFIO_DEVICE_H
#define UVFIO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>
#include <linux/pci_regs.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef UVFIO_IOVA_T_DEFINED
#define UVFIO_IOVA_T_DEFINED
/* An I/O virtual address: never a pointer in this process. */
typedef uint64_t uvfio_iova_t;
#endif

struct uvfio_dev;

/*
 * Version of struct uvfio_dev_ops this header describes.  1: up to
 * @cfg_write; 2: @feature appended.  uvfio_dev_create() takes 1 and 2, and
 * reads @feature only from a version-2 struct (one compiled against an
 * older header ends before it).
 */
#define UVFIO_DEV_OPS_VERSION 2

/** enum uvfio_reset_reason - why a device model's reset callback runs. */
enum uvfio_reset_reason {
	UVFIO_RESET_DEVICE = 1, /* DEVICE_RESET from the client */
	UVFIO_RESET_FLR = 2,    /* FLR through PCIe DEVCTL or AF */
};

/**
 * struct uvfio_region_ops - access callbacks of a trapped region.
 * @read: fill @buf with @len bytes at @off.  @len is 1, 2, 4 or 8 for
 *        accesses a driver makes with a CPU instruction, larger for bulk
 *        access; [@off, @off+@len) is inside the region (checked).
 * @write: apply @len bytes from @buf at @off.
 *
 * Return: @len, or -errno (replied to the client as an error).
 */
struct uvfio_region_ops {
	ssize_t (*read)(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len);
	ssize_t (*write)(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			 size_t len);
};

/**
 * typedef uvfio_dev_feature_fn - serve one VFIO device feature request.
 * @dev: the device.
 * @priv: the model's (or the host's, see uvfio_dev_set_feature_handler()).
 * @flags: the request's flags as the kernel's struct vfio_device_feature
 *         has them: the feature index (flags & VFIO_DEVICE_FEATURE_MASK,
 *         e.g. VFIO_DEVICE_FEATURE_MIGRATION) | VFIO_DEVICE_FEATURE_GET,
 *         _SET or _PROBE.  The library has already refused what the kernel
 *         refuses before a driver sees it (unknown bits, GET|SET without
 *         PROBE, none of GET/SET/PROBE: EINVAL), so exactly one of GET and
 *         SET is set, or PROBE (with any of GET and SET) is.
 * @data: the feature data, after the 8-byte argsz/flags head.
 *         GET: a buffer of @len bytes that starts with the request's data
 *         (input of features such as DMA_LOGGING_REPORT), the rest zero;
 *         the model writes the feature data there, at most @len bytes.
 *         SET: the request's data, @len bytes; the model may update it in
 *         place (in/out fields such as DMA_LOGGING_START's page_size): the
 *         reply echoes the request with those updates.
 *         PROBE: the request's data, unused.
 * @len: GET: room in @data, min(request argsz - 8, the device's
 *         max_data_xfer_size); SET/PROBE: the bytes of request data.
 * @out_len: GET only: set to the bytes written (<= @len); the reply's argsz
 *         is 8 + *@out_len (contract §5.12).
 *
 * Runs on the device thread, inside the handling of a client request (DMA
 * by message fails there; see uvfio_dev_defer()).  PROBE asks whether the
 * feature supports every operation @flags indicates (none but PROBE: the
 * feature exists at all), as vfio_check_feature() answers it; the library
 * replies with the request echoed.
 *
 * Return: 0 (SET done, GET data written, PROBE supported); -ENOTTY if the
 * model does not implement feature @flags & VFIO_DEVICE_FEATURE_MASK (the
 * kernel's answer for an unsupported feature); -EINVAL if it does not
 * support the operation asked for, or @len is too small for GET data or
 * SET input (vfio_check_feature(): argsz < minsz); or any -errno, replied
 * to the client as an error.
 */
typedef int (*uvfio_dev_feature_fn)(struct uvfio_dev *dev, void *priv, uint32_t flags, void *data,
				    size_t len, size_t *out_len);

/**
 * struct uvfio_dev_ops - a device model's callbacks; all optional.
 * @version: UVFIO_DEV_OPS_VERSION.
 * @reset: bring the model to its power-on state.  Config space has already
 *         been reset by the library.  Return 0 or -errno.
 * @open: a client completed negotiation.
 * @release: the client went away; its DMA maps and eventfds are already gone
 *           and the model's state is kept for the next client.
 * @cfg_read, @cfg_write: config-space bytes no capability table virtualises
 *         (vendor-specific capability bodies, unassigned gaps).  Without them
 *         such bytes read 0 and writes are dropped.
 * @feature: (version 2) VFIO device features, uvfio_dev_feature_fn: the
 *         DEVICE_FEATURE command (contract §5.12), the kernel's
 *         VFIO_DEVICE_FEATURE ioctl (linux-vfio.md §1.3).  Without it every
 *         feature is unsupported (ENOTTY).
 */
struct uvfio_dev_ops {
	unsigned int version;
	int (*reset)(struct uvfio_dev *dev, void *priv, enum uvfio_reset_reason why);
	void (*open)(struct uvfio_dev *dev, void *priv);
	void (*release)(struct uvfio_dev *dev, void *priv);
	int (*cfg_read)(struct uvfio_dev *dev, void *priv, unsigned int off, void *buf,
			unsigned int len);
	int (*cfg_write)(struct uvfio_dev *dev, void *priv, unsigned int off, const void *buf,
			 unsigned int len);
	/* Version 2. */
	uvfio_dev_feature_fn feature;
};

/** struct uvfio_dev_pci_id - the PCI identity of a device. */
struct uvfio_dev_pci_id {
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem_device;
	uint8_t revision;
	uint32_t class_code; /* 24 bits: base << 16 | sub << 8 | prog-if */
	uint8_t irq_pin;     /* 0 = no INTx, 1 = INTA ... 4 = INTD */
};

/* Flags of uvfio_dev_create(). */
#define UVFIO_DEV_PCIE (1u << 0) /* 4096-byte config space */
#define UVFIO_DEV_NO_RESET (1u << 1) /* do not report VFIO_DEVICE_FLAGS_RESET */

/**
 * struct uvfio_dev_limits - per-client limits (DESIGN.md "Security").
 * @max_dma_maps: DMA_MAP windows at once.  Default 65535 (type1's
 *   dma_entry_limit), at most 65535 (QEMU 10.1's ceiling).  Reported as
 *   "max_dma_maps"; one more map is refused with ENOSPC, as type1 does.
 * @max_dma_bytes: bytes mapped at once, over all windows.  Default 64 GiB,
 *   no ceiling.  The protocol has no key for it, so it is not reported;
 *   a map past it is refused with ENOSPC (our analogue of the kernel's
 *   locked-memory limit, linux-vfio.md §3.5).
 * @max_msg_fds: fds the client may attach to one message.  Default and
 *   ceiling 16 (QEMU 10.1 refuses more).  Reported as "max_msg_fds"; a
 *   message with more is refused with EINVAL and its fds closed.
 * @max_data_xfer_size: largest count of a REGION_READ/WRITE (and of the
 *   receive buffer).  Default 1 MiB (the spec's default), between 4096 (a
 *   whole PCIe config space) and 64 MiB (QEMU's ceiling).  Reported as
 *   "max_data_xfer_size"; a larger count is refused with E2BIG.
 *
 * Zero fields take the defaults.  The limits apply to each client anew.
 */
struct uvfio_dev_limits {
	uint32_t max_dma_maps;
	uint64_t max_dma_bytes;
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
};

/**
 * uvfio_dev_create() - create a device.
 * @ops: the model's callbacks (kept by pointer; must outlive the device), or
 *       NULL.  @ops->version is 1 or 2 (UVFIO_DEV_OPS_VERSION); fields a
 *       version does not have are not read.
 * @priv: passed back to every callback.
 * @id: PCI identity.
 * @flags: UVFIO_DEV_*.
 * @out: the new device.
 * Return: 0, -EINVAL (bad id/flags/ops version), -ENOMEM.
 */
int uvfio_dev_create(const struct uvfio_dev_ops *ops, void *priv,
		     const struct uvfio_dev_pci_id *id, unsigned int flags,
		     struct uvfio_dev **out);
/**
 * uvfio_dev_destroy() - disconnect any client and free the device.
 * Must not be called while uvfio_dev_run() runs on another thread: stop it
 * and join first.
 */
void uvfio_dev_destroy(struct uvfio_dev *dev);
void *uvfio_dev_priv(const struct uvfio_dev *dev);

/**
 * uvfio_dev_set_log() - route library diagnostics to @fn (default: silent).
 * @level: syslog-style (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG).
 */
void uvfio_dev_set_log(struct uvfio_dev *dev,
		       void (*fn)(void *opaque, int level, const char *msg), void *opaque);
/**
 * uvfio_dev_set_limits() - set the per-client limits (struct uvfio_dev_limits).
 * @dev: the device; before serving, or from the device thread while no
 *   client is connected (like every function here, not from another thread
 *   while the device is being served).
 * @limits: the limits; zero fields take the defaults: 65535 maps, 64 GiB
 *   mapped, 16 fds per message, 1 MiB transfers.  Without a call the
 *   defaults apply.
 *
 * max_dma_maps, max_msg_fds and max_data_xfer_size are reported in the
 * VERSION reply (with "pgsizes" 4096); max_dma_bytes has no protocol key.
 * Return: 0; -EINVAL (NULL, more than 65535 maps or 16 fds, a transfer size
 * above 64 MiB or below 4096); -EBUSY while a client is connected.
 */
int uvfio_dev_set_limits(struct uvfio_dev *dev, const struct uvfio_dev_limits *limits);

/**
 * uvfio_dev_set_feature_handler() - put a host's feature handler in front
 * of the model's.
 * @dev: the device; before serving, or from the device thread.
 * @fn: called for every DEVICE_FEATURE request with @priv, as
 *      uvfio_dev_ops.feature is; when it returns -ENOTTY (feature not
 *      its), the model's ops->feature, if any, is asked next.  NULL
 *      removes the handler.
 * @priv: handed to @fn.
 *
 * For a program that serves devices others built: the mdev core routes a
 * parent's per-instance feature op (mdev.h) through it.  A device model
 * uses uvfio_dev_ops.feature instead.
 * Return: 0, -EINVAL (@dev NULL).
 */
int uvfio_dev_set_feature_handler(struct uvfio_dev *dev, uvfio_dev_feature_fn fn, void *priv);

/*
 * Regions.  Call before serving.
 */

/**
 * uvfio_dev_setup_bar() - a trapped BAR served by @ops.
 * @bar: 0..5.
 * @size: power of two (>= 16 memory, >= 4 I/O).
 * @pci_flags: PCI_BASE_ADDRESS_SPACE_IO, or memory with
 *             PCI_BASE_ADDRESS_MEM_TYPE_64 / PCI_BASE_ADDRESS_MEM_PREFETCH.
 * Accesses are refused with EIO while COMMAND.MEMORY (or .IO) is clear, as
 * vfio-pci does (linux-vfio.md §2.4).  If the MSI-X table or PBA lives in this
 * BAR, the library serves those ranges itself.
 * Return: 0, -EINVAL, -EBUSY (already set up).
 */
int uvfio_dev_setup_bar(struct uvfio_dev *dev, unsigned int bar, uint64_t size,
			unsigned int pci_flags, const struct uvfio_region_ops *ops, void *priv);

/**
 * uvfio_dev_setup_bar_mem() - a BAR backed by memory, offered to the client
 * as sparse mmap areas with the fd (minus any MSI-X table/PBA pages).
 * @fd: a memfd (or any mmap-able fd) of at least @fd_offset + @size bytes;
 *      -1 lets the library create a memfd.  The library dups @fd.
 * @mapping: out, optional; the model's own mapping of the BAR memory.
 * Region reads and writes of such a BAR are served from the memory.
 * Return: 0, -EINVAL, -EBUSY, -ENOMEM, or -errno from memfd_create/mmap.
 */
int uvfio_dev_setup_bar_mem(struct uvfio_dev *dev, unsigned int bar, uint64_t size,
			    unsigned int pci_flags, int fd, uint64_t fd_offset, void **mapping);

/** uvfio_dev_setup_rom() - an expansion ROM holding a copy of @image. */
int uvfio_dev_setup_rom(struct uvfio_dev *dev, const void *image, size_t len);

/**
 * uvfio_dev_setup_region() - a device-specific region (index >= 9) with a
 * VFIO_REGION_INFO_CAP_TYPE capability.
 * @flags: VFIO_REGION_INFO_FLAG_READ and/or _WRITE.
 * Return: 0, -EINVAL, -EBUSY.
 */
int uvfio_dev_setup_region(struct uvfio_dev *dev, unsigned int index, uint64_t size,
			   uint32_t flags, uint32_t type, uint32_t subtype,
			   const struct uvfio_region_ops *ops, void *priv);

/*
 * Capabilities (config space).  Each returns the capability's offset in
 * config space or -errno.  IRQ counts follow from them: INTx 1 if irq_pin,
 * MSI nvec, MSI-X nvec, ERR 1 with a PCIe capability, REQ 1 always.
 */
int uvfio_dev_add_cap_pm(struct uvfio_dev *dev);
#define UVFIO_MSI_64BIT (1u << 0)
#define UVFIO_MSI_MASKABLE (1u << 1)
int uvfio_dev_add_cap_msi(struct uvfio_dev *dev, unsigned int nvec, unsigned int flags);
int uvfio_dev_add_cap_msix(struct uvfio_dev *dev, unsigned int nvec, unsigned int table_bar,
			   uint32_t table_off, unsigned int pba_bar, uint32_t pba_off);
#define UVFIO_PCIE_FLR (1u << 0)
int uvfio_dev_add_cap_pcie(struct uvfio_dev *dev, unsigned int flags);
int uvfio_dev_add_cap_vendor(struct uvfio_dev *dev, const void *body, unsigned int len);
int uvfio_dev_add_cap_aer(struct uvfio_dev *dev);
int uvfio_dev_add_cap_dsn(struct uvfio_dev *dev, uint64_t serial);

/*
 * Interrupts.
 */

/**
 * uvfio_dev_irq_mode() - the interrupt type the client enabled.
 * @dev: the device.
 *
 * The mode follows the client's SET_IRQS only, as vfio-pci's irq_type: the
 * first TRIGGER|EVENTFD on INTx, MSI or MSI-X enables that index (one at a
 * time) and TRIGGER|DATA_NONE with count 0 disables it; a disconnect
 * disables it too.  Config-space writes do not change it.  On SET_IRQS the
 * library programs the function as the kernel programs hardware: enabling
 * MSI-X sets MSI-X Enable in the capability and clears the Mask Bit of the
 * allocated vectors, disabling it undoes both (vfio-pci leaves the MSI-X
 * capability unvirtualised).  The MSI capability is virtualised, as in
 * vfio-pci: its Enable bit is whatever the client wrote, independent of the
 * mode.  Device thread only.
 *
 * Return: VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX or
 * VFIO_PCI_MSIX_IRQ_INDEX, or -ENODEV if none is enabled (or @dev is NULL).
 */
int uvfio_dev_irq_mode(const struct uvfio_dev *dev);

/**
 * uvfio_dev_intx_set_level() - drive the INTx line (level-triggered).
 *
 * When the line is asserted, not masked and COMMAND.INTX_DISABLE is clear,
 * the trigger eventfd is signalled once and INTx masks itself until the
 * client unmasks it (action or unmask eventfd); if the line is still asserted
 * at unmask it fires again, as vfio-pci does (linux-vfio.md §4.1).
 * Return: 0, or -ENODEV without INTx.
 */
int uvfio_dev_intx_set_level(struct uvfio_dev *dev, bool asserted);

/**
 * uvfio_dev_msi_trigger() - fire MSI or MSI-X vector @vector.
 * @index: VFIO_PCI_MSI_IRQ_INDEX or VFIO_PCI_MSIX_IRQ_INDEX.
 * A masked vector gets its pending bit set and fires when unmasked.
 * Return: 0, -EINVAL (bad vector), -ENODEV (index not enabled or no eventfd).
 */
int uvfio_dev_msi_trigger(struct uvfio_dev *dev, unsigned int index, unsigned int vector);

/** uvfio_dev_err_trigger() / uvfio_dev_req_trigger() - signal ERR / REQ. */
int uvfio_dev_err_trigger(struct uvfio_dev *dev);
/**
 * uvfio_dev_req_trigger() - ask the client to release the device (REQ).
 * May be called from any thread.
 * Return: 0, or -ENODEV if no client registered a REQ eventfd.
 */
int uvfio_dev_req_trigger(struct uvfio_dev *dev);

/*
 * DMA: the client's memory, through its DMA_MAP windows only.
 *
 * A window that comes with an fd is mmapped by the library.  Where the fd is
 * a memfd that allows it, the library adds F_SEAL_SHRINK at DMA_MAP time
 * (permanently, on the client's file), so the client cannot shrink the
 * memory under the device - the nearest thing to the kernel pinning pages.
 * For other fds (a memfd without MFD_ALLOW_SEALING, tmpfs files) the copies
 * of uvfio_dev_dma_read()/uvfio_dev_dma_write() run under a SIGBUS guard
 * (a process-wide SIGBUS handler, installed at such a DMA_MAP, that passes
 * every other SIGBUS on to the handler it replaced; a thread doing such a
 * copy gets SIGBUS unblocked): a client that shrinks the file makes the
 * copy fail with -EFAULT instead of killing the process.
 *
 * A window without an fd is reached with DMA_READ/DMA_WRITE messages in
 * the spec's layout ({u64 address, u64 count, data}).  QEMU 10.1 and 10.2
 * use another one (contract §5.11: a u32 count at 8, data at 12), so
 * message DMA with them is not interoperable: a DMA_WRITE lands in guest
 * memory 4 bytes late behind 4 zero bytes (its last 4 bytes lost), and a
 * DMA_READ reply is refused as malformed (-EIO) - or, when its first 4
 * data bytes are zero, taken with the data shifted by 4 bytes.  There is no
 * compatibility layout: run such a QEMU with fd-backed shared guest RAM
 * (-object memory-backend-memfd,share=on -machine memory-backend=...), so
 * RAM comes with fds and no DMA goes by message.  QEMU maps only its
 * ROM/flash without an fd.
 */
#define UVFIO_DMA_READ (1u << 0)  /* the device reads client memory */
#define UVFIO_DMA_WRITE (1u << 1) /* the device writes client memory */

/**
 * uvfio_dev_dma_read() - copy @len bytes of client memory at @iova to @buf.
 * Goes through a mapping's memory when it came with an fd, else sends
 * DMA_READ messages to the client (split at its max_data_xfer_size).
 * Return: 0; -EFAULT if any byte is outside the client's mappings, or lies
 * in memory the client has truncated since (some bytes may have been
 * copied then); -EPERM if a mapping lacks read permission; -ENOTCONN
 * without a client; -EIO if the client failed a DMA_READ; -EACCES while
 * bus mastering is disabled.
 */
int uvfio_dev_dma_read(struct uvfio_dev *dev, uvfio_iova_t iova, void *buf, size_t len);
/** uvfio_dev_dma_write() - as uvfio_dev_dma_read(), towards the client. */
int uvfio_dev_dma_write(struct uvfio_dev *dev, uvfio_iova_t iova, const void *buf, size_t len);

/**
 * uvfio_dev_dma_translate() - a pointer to client memory for direct access.
 * @prot: UVFIO_DMA_READ and/or UVFIO_DMA_WRITE.
 * @va: out; valid until the model returns to the device loop (an unmap can
 *      only be processed then).
 *
 * Accesses through @va are not guarded: if the client's fd could not be
 * sealed against shrinking (see above) and the client truncates it, they
 * raise SIGBUS and kill the process.  Models serving untrusted clients
 * should prefer uvfio_dev_dma_read()/uvfio_dev_dma_write(), which fail
 * with -EFAULT instead.
 * Return: 0; -EFAULT (not wholly inside one mapping); -EPERM; -ENOMEM (the
 * mapping has no fd: use uvfio_dev_dma_read/write).
 */
int uvfio_dev_dma_translate(struct uvfio_dev *dev, uvfio_iova_t iova, size_t len,
			    unsigned int prot, void **va);

/*
 * The device loop.
 */

/**
 * uvfio_dev_defer() - run @fn(dev, arg) on the device thread after the reply
 * to the message being handled has been sent (or at once, from the loop,
 * when called outside message handling).  A model uses it for work that must
 * not hold up a synchronous client request, e.g. DMA by message (contract
 * §5.11: deadlock hazard).  Up to 64 items may be pending.
 * Return: 0 or -ENOSPC.
 */
int uvfio_dev_defer(struct uvfio_dev *dev, void (*fn)(struct uvfio_dev *dev, void *arg),
		    void *arg);

/**
 * uvfio_dev_watch_fd() - call @cb on the device thread when @fd is ready.
 * @events: EPOLLIN / EPOLLOUT ...  One watch per fd; at most 32 watches.
 * Return: 0, -EEXIST, -ENOSPC.
 */
int uvfio_dev_watch_fd(struct uvfio_dev *dev, int fd, uint32_t events,
		       void (*cb)(struct uvfio_dev *dev, void *arg, uint32_t revents), void *arg);
int uvfio_dev_unwatch_fd(struct uvfio_dev *dev, int fd);

/* Longest busy-poll uvfio_dev_set_poll_us() accepts, in microseconds. */
#define UVFIO_DEV_POLL_US_MAX 1000u

/**
 * uvfio_dev_set_poll_us() - latency mode: busy-poll before sleeping.
 * @usec: after each client message the device thread keeps checking its
 *        fds without sleeping for up to @usec microseconds, then falls back
 *        to a blocking wait.  0 (the default) turns it off.
 *
 * For device models that need the lowest MMIO round trip: a message that
 * arrives within the budget is taken without a wake-up of the device thread.
 * The cost is up to @usec of CPU time burnt after every message.  The
 * environment variable UVFIO_DEV_POLL_US, when set (0 to
 * UVFIO_DEV_POLL_US_MAX), overrides this setting for every device of the
 * process (for benchmarks).
 *
 * Call before serving or from the device thread.
 * Return: 0, -EINVAL (@dev NULL or @usec above UVFIO_DEV_POLL_US_MAX).
 */
int uvfio_dev_set_poll_us(struct uvfio_dev *dev, unsigned int usec);

/**
 * uvfio_dev_listen() - create a listening socket at @path, mode 0600.
 * An existing socket file at @path is replaced.
 * Return: the listening fd, or -errno.
 */
int uvfio_dev_listen(const char *path);

/**
 * uvfio_dev_run() - serve clients from @listen_fd until uvfio_dev_stop().
 * One client at a time (as the kernel allows one container per group); a
 * second connection gets an error reply (EBUSY) to its VERSION and is closed,
 * without delaying the client being served.  When a client disconnects its
 * DMA maps and eventfds are dropped and the device state is kept.
 * Return: 0 after uvfio_dev_stop(), or -errno on a listening-socket error.
 */
int uvfio_dev_run(struct uvfio_dev *dev, int listen_fd);

/**
 * uvfio_dev_serve_conn() - serve one already-connected client on @conn_fd
 * until it disconnects or uvfio_dev_stop().  Takes ownership of @conn_fd.
 * Return: 0, or -errno.
 */
int uvfio_dev_serve_conn(struct uvfio_dev *dev, int conn_fd);

/**
 * uvfio_dev_stop() - make uvfio_dev_run()/serve_conn() return.
 * Async-signal-safe; callable from any thread.
 */
void uvfio_dev_stop(struct uvfio_dev *dev);

/**
 * uvfio_dev_main() - the standalone backend-program convention (contract
 * §1): parse --socket-path=PATH / --socket-path PATH or --fd=N / --fd N
 * (mutually exclusive; --fd may be a listening or a connected socket),
 * stop cleanly on SIGTERM and SIGINT, serve.  @argv[0..argc) are the
 * options left after the model's own.
 * Return: a process exit status (0 clean, 1 error, 2 usage), with a message
 * on stderr for errors.
 */
int uvfio_dev_main(struct uvfio_dev *dev, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_DEVICE_H */
