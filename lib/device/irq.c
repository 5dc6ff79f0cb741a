// SPDX-License-Identifier: MIT
/*
 * lib/device/irq.c - interrupt indexes with vfio-pci's semantics
 * (shared/docs/linux-vfio.md §1.3 SET_IRQS table, §4): INTx level-triggered
 * with auto-mask and unmask (action or unmask eventfd), MSI/MSI-X
 * per-vector eventfds with masking and pending bits in config space /
 * the MSI-X table, ERR and REQ as single eventfds.
 *
 * Every function here runs on the device thread, except
 * uvfio_dev_req_trigger() (any thread; req_fd is under req_lock).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "device/dev_priv.h"

/*
 * Signal an eventfd (eventfd(2): add 1 to the counter), never blocking, as
 * the kernel's eventfd_signal() never does.  The client chose the fd's
 * blocking mode and shares it with us (one open file description), so a
 * write to a blocking eventfd whose counter is at its maximum would stop
 * the device thread until the client reads it: write only when poll()
 * says it can be written without blocking.  (Only a client writing its own
 * eventfd between the two calls could still make the write wait.)
 */
static void signal_fd(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	uint64_t one = 1;

	if (fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
		return; /* counter at its maximum: the signal is already pending */
	if (write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the same, on a non-blocking eventfd. */
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * vfio-pci takes an eventfd with eventfd_ctx_fdget(), which fails with
 * -EINVAL for any other kind of file (linux-vfio.md §1.3).  We check the
 * same way /proc shows it, so a pipe or socket a client passes can never
 * block the device thread on write.
 */
static bool is_eventfd(int fd)
{
	char path[64];
	char link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return true; /* no /proc: cannot tell, accept as the spec does */
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") == 0;
}

int dev_irq_init(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;
	unsigned int i;

	irq->mode = -1;
	irq->intx_trigger = -1;
	irq->intx_unmask = -1;
	irq->err_fd = -1;
	irq->req_fd = -1;
	for (i = 0; i < 32; i++)
		irq->msi_fds[i] = -1;
	return -pthread_mutex_init(&irq->req_lock, NULL);
}

void dev_irq_fini(struct uvfio_dev *dev)
{
	dev_irq_drop_client(dev);
	free(dev->irq.msix_fds);
	dev->irq.msix_fds = NULL;
	pthread_mutex_destroy(&dev->irq.req_lock);
}

unsigned int dev_irq_count(const struct uvfio_dev *dev, unsigned int index)
{
	/* vfio_pci_get_irq_count() (linux-vfio.md §4). */
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return dev->id.irq_pin ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return dev->irq.msi_count;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return dev->irq.msix_count;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return dev->has_pcie ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

int dev_irq_info(const struct uvfio_dev *dev, unsigned int index, uint32_t *flags, uint32_t *count)
{
	/*
	 * vfio-pci's VFIO_DEVICE_GET_IRQ_INFO: ERR exists only on PCIe
	 * (-EINVAL otherwise); EVENTFD always; INTx MASKABLE|AUTOMASKED;
	 * every other index NORESIZE except MSI-X, which is resizable because
	 * we behave as vfio-pci with dynamic MSI-X (has_dyn_msix, Linux 6.5+,
	 * linux-vfio.md §4.2): vectors may be bound one at a time while the
	 * index is on.  On such hardware ERR = REQ = MSI = 0x9
	 * (EVENTFD|NORESIZE) and MSI-X = 0x1; libvfio-user reports 0x1 for all.
	 */
	if (index >= VFIO_PCI_NUM_IRQS || (index == VFIO_PCI_ERR_IRQ_INDEX && !dev->has_pcie))
		return -EINVAL;
	*flags = VFIO_IRQ_INFO_EVENTFD;
	if (index == VFIO_PCI_INTX_IRQ_INDEX)
		*flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (index != VFIO_PCI_MSIX_IRQ_INDEX)
		*flags |= VFIO_IRQ_INFO_NORESIZE;
	*count = dev_irq_count(dev, index);
	return 0;
}

/*
 * INTx (linux-vfio.md §4.1).
 */

/* The interrupt "hardware" path: vfio_intx_handler() auto-masks and signals. */
static void intx_update(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;

	if (irq->mode != VFIO_PCI_INTX_IRQ_INDEX || !irq->intx_level || irq->intx_masked ||
	    irq->intx_virq_disabled)
		return;
	irq->intx_masked = true;
	signal_fd(irq->intx_trigger);
}

/* vfio_pci_intx_mask(). */
static void intx_mask(struct uvfio_dev *dev)
{
	if (dev->irq.mode == VFIO_PCI_INTX_IRQ_INDEX)
		dev->irq.intx_masked = true;
}

void dev_irq_intx_unmask(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;

	/*
	 * vfio_pci_intx_unmask_handler(): only while INTx is the mode and
	 * COMMAND.INTX_DISABLE is clear; a line still asserted fires again
	 * (and masks again) instead of staying unmasked.
	 */
	if (irq->mode != VFIO_PCI_INTX_IRQ_INDEX || !irq->intx_masked || irq->intx_virq_disabled)
		return;
	irq->intx_masked = false;
	intx_update(dev);
}

static void intx_set_unmask_fd(struct uvfio_dev *dev, int fd)
{
	struct dev_irqs *irq = &dev->irq;

	if (irq->intx_unmask >= 0) {
		dev_ep_del(dev, irq->intx_unmask);
		close_fd(&irq->intx_unmask);
	}
	if (fd < 0)
		return;
	if (dev_ep_add(dev, fd, EPOLLIN, DEV_TAG(TAG_UNMASK, 0))) {
		dev_log(dev, LOG_ERR, "SET_IRQS: cannot watch the INTx unmask eventfd");
		close(fd);
		return;
	}
	irq->intx_unmask = fd;
}

void dev_irq_unmask_fd_ready(struct uvfio_dev *dev)
{
	uint64_t cnt;

	if (dev->irq.intx_unmask < 0)
		return;
	/* vfio_virqfd: a write to the unmask eventfd means ACTION_UNMASK. */
	if (read(dev->irq.intx_unmask, &cnt, sizeof(cnt)) != sizeof(cnt))
		return;
	dev_irq_intx_unmask(dev);
}

static void intx_disable(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;

	intx_set_unmask_fd(dev, -1);
	close_fd(&irq->intx_trigger);
	irq->intx_masked = false;
	if (irq->mode == VFIO_PCI_INTX_IRQ_INDEX)
		irq->mode = -1;
}

static void intx_enable(struct uvfio_dev *dev, int fd)
{
	struct dev_irqs *irq = &dev->irq;

	irq->mode = VFIO_PCI_INTX_IRQ_INDEX;
	irq->intx_trigger = fd;
	/* vfio_intx_enable(): ctx->masked = vdev->virq_disabled. */
	irq->intx_masked = irq->intx_virq_disabled;
	/* A line already asserted interrupts as soon as the handler is in. */
	intx_update(dev);
}

void dev_irq_command(struct uvfio_dev *dev, uint16_t cmd)
{
	struct dev_irqs *irq = &dev->irq;
	bool disable = (cmd & PCI_COMMAND_INTX_DISABLE) != 0;

	/* vfio_basic_config_write(): INTx disable emulation. */
	if (disable && !irq->intx_virq_disabled) {
		irq->intx_virq_disabled = true;
		intx_mask(dev);
	} else if (!disable && irq->intx_virq_disabled) {
		irq->intx_virq_disabled = false;
		dev_irq_intx_unmask(dev);
	}
}

int uvfio_dev_intx_set_level(struct uvfio_dev *dev, bool asserted)
{
	if (!dev || !dev->id.irq_pin)
		return -ENODEV;
	dev->irq.intx_level = asserted;
	/* PCI 3.0 §6.2.3: Status.Interrupt reflects the line, whatever the masks. */
	uvfio_pcicfg_set_intx_status(dev->cfg, asserted);
	intx_update(dev);
	return 0;
}

/* Take the fd for sub-index @i out of the message (caller closes what is left). */
static int take_fd(int *fds, unsigned int nfds, unsigned int i)
{
	int fd;

	if (!nfds)
		return -1; /* contract §5.7: DATA_EVENTFD without fds = de-assign */
	fd = fds[i];
	fds[i] = -1;
	return fd;
}

/* vfio_pci_set_intx_trigger(). */
static int intx_trigger(struct uvfio_dev *dev, unsigned int start, unsigned int count,
			uint32_t flags, const uint8_t *data, int *fds, unsigned int nfds)
{
	struct dev_irqs *irq = &dev->irq;
	bool is_intx = irq->mode == VFIO_PCI_INTX_IRQ_INDEX;

	if (is_intx && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable(dev);
		return 0;
	}
	if (!(is_intx || irq->mode < 0) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int fd = take_fd(fds, nfds, 0);

		if (is_intx) {
			/* vfio_intx_set_signal(): swap the trigger, keep INTx on. */
			close_fd(&irq->intx_trigger);
			irq->intx_trigger = fd;
		} else {
			intx_enable(dev, fd);
		}
		return 0;
	}
	if (!is_intx)
		return -EINVAL;
	/* Loopback: vfio_send_intx_eventfd(), no masking involved. */
	if (irq->intx_virq_disabled)
		return 0;
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || data[0])
		signal_fd(irq->intx_trigger);
	return 0;
}

/* vfio_pci_set_intx_mask(). */
static int intx_mask_action(struct uvfio_dev *dev, unsigned int start, unsigned int count,
			    uint32_t flags, const uint8_t *data)
{
	if (dev->irq.mode != VFIO_PCI_INTX_IRQ_INDEX || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -ENOTTY; /* vfio-pci: "XXX implement me" */
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || data[0])
		intx_mask(dev);
	return 0;
}

/* vfio_pci_set_intx_unmask(). */
static int intx_unmask_action(struct uvfio_dev *dev, unsigned int start, unsigned int count,
			      uint32_t flags, const uint8_t *data, int *fds, unsigned int nfds)
{
	if (dev->irq.mode != VFIO_PCI_INTX_IRQ_INDEX || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		/* vfio_virqfd_enable() / _disable(): the KVM resample eventfd. */
		intx_set_unmask_fd(dev, take_fd(fds, nfds, 0));
		return 0;
	}
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || data[0])
		dev_irq_intx_unmask(dev);
	return 0;
}

/*
 * MSI / MSI-X (linux-vfio.md §4.2).
 */

static int *vec_fds(struct uvfio_dev *dev, bool msix)
{
	return msix ? dev->irq.msix_fds : dev->irq.msi_fds;
}

static bool vec_masked(struct uvfio_dev *dev, bool msix, unsigned int v)
{
	return msix ? uvfio_pcicfg_msix_masked(dev->cfg, v) : uvfio_pcicfg_msi_masked(dev->cfg, v);
}

static void vec_set_pending(struct uvfio_dev *dev, bool msix, unsigned int v, bool pending)
{
	if (msix)
		uvfio_pcicfg_msix_set_pending(dev->cfg, v, pending);
	else
		uvfio_pcicfg_msi_set_pending(dev->cfg, v, pending);
}

static bool vec_pending(struct uvfio_dev *dev, bool msix, unsigned int v)
{
	return msix ? uvfio_pcicfg_msix_pending(dev->cfg, v)
		    : uvfio_pcicfg_msi_pending(dev->cfg, v);
}

/* Set or clear the Mask Bit of MSI-X vectors [@from, @to) (PCI 3.0 §6.8.2.9). */
static void msix_hw_mask(struct uvfio_dev *dev, unsigned int from, unsigned int to, bool masked)
{
	uint32_t vc = masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0;
	unsigned int v;

	for (v = from; v < to && v < dev->irq.msix_count; v++)
		uvfio_pcicfg_msix_table_write(dev->cfg,
					      v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL,
					      &vc, sizeof(vc));
}

/*
 * What the kernel's MSI-X set-up does to the function when vfio-pci enables
 * or disables the index (pci_alloc_irq_vectors / pci_free_irq_vectors):
 * MSI-X Enable in the capability, and the Mask Bit of each allocated
 * vector's Vector Control cleared (set again on disable).  vfio-pci leaves
 * the MSI-X capability unvirtualised, so the client sees these bits as the
 * kernel left them; a client that emulates the table itself (QEMU) never
 * writes ours, and its vectors must still fire.
 */
static void msix_hw_enable(struct uvfio_dev *dev, bool on)
{
	unsigned int off = dev->msix_cap_off + PCI_MSIX_FLAGS;
	uint16_t ctrl = 0;

	if (!dev->has_msix || !dev->cfg)
		return;
	if (!uvfio_pcicfg_read(dev->cfg, off, &ctrl, sizeof(ctrl))) {
		if (on)
			ctrl |= PCI_MSIX_FLAGS_ENABLE;
		else
			ctrl &= (uint16_t)~PCI_MSIX_FLAGS_ENABLE;
		uvfio_pcicfg_write(dev->cfg, off, &ctrl, sizeof(ctrl));
	}
	msix_hw_mask(dev, 0, dev->irq.nctx, !on);
	/* Our own writes: nothing pending to re-check beyond what follows. */
	dev->ev_recheck_vectors = false;
}

/* vfio_msi_disable(): every vector's eventfd goes, the index is off. */
static void msi_disable(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;
	unsigned int i;

	if (irq->mode == VFIO_PCI_MSIX_IRQ_INDEX)
		msix_hw_enable(dev, false);

	for (i = 0; i < 32; i++)
		close_fd(&irq->msi_fds[i]);
	for (i = 0; irq->msix_fds && i < irq->msix_count; i++)
		close_fd(&irq->msix_fds[i]);
	irq->nctx = 0;
	if (irq->mode == VFIO_PCI_MSI_IRQ_INDEX || irq->mode == VFIO_PCI_MSIX_IRQ_INDEX)
		irq->mode = -1;
}

void dev_irq_recheck_vectors(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;
	bool msix = irq->mode == VFIO_PCI_MSIX_IRQ_INDEX;
	int *fds;
	unsigned int v;

	if (irq->mode != VFIO_PCI_MSI_IRQ_INDEX && !msix)
		return;
	fds = vec_fds(dev, msix);
	/* PCI 3.0 §6.8.3.4 / §6.8.2.9: a pending vector fires once unmasked. */
	for (v = 0; v < irq->nctx; v++) {
		if (fds[v] < 0 || !vec_pending(dev, msix, v) || vec_masked(dev, msix, v))
			continue;
		vec_set_pending(dev, msix, v, false);
		signal_fd(fds[v]);
	}
}

/*
 * vfio_pci_set_msi_trigger(), with the semantics of vfio-pci on a platform
 * with dynamic MSI-X (linux-vfio.md §4.2), for MSI as well as MSI-X.
 *
 * The first TRIGGER|EVENTFD enables the index with start + count vectors
 * (vfio_msi_enable).  While the index is on, a TRIGGER|EVENTFD (re)binds or
 * unbinds any vectors within the index's count (vfio_msi_set_block); binding
 * a vector past those enabled allocates it (vfio_msi_alloc_irq ->
 * pci_msix_alloc_irq_at), and an unbound vector stays allocated until the
 * index is disabled.  A kernel without dynamic MSI-X, and the kernel for
 * MSI, would answer EINVAL for vectors past the first enable; we do not,
 * because QEMU 10.1 never sends the whole range first (contract §5.7): it
 * sends the eventfds in chunks of at most our max_msg_fds, start and count
 * per chunk, so the first chunk is all the "enable" ever sees.
 *
 * DATA_EVENTFD with no fds de-assigns the @count vectors (contract §5.7:
 * QEMU sends a run of -1 slots that way), the kernel's fd -1; with fds
 * there is one per vector (checked by dev_set_irqs()).
 */
static int msi_trigger(struct uvfio_dev *dev, unsigned int index, unsigned int start,
		       unsigned int count, uint32_t flags, const uint8_t *data, int *fds,
		       unsigned int nfds)
{
	struct dev_irqs *irq = &dev->irq;
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	bool is_index = irq->mode == (int)index;
	int *vfds = vec_fds(dev, msix);
	unsigned int i;

	if (is_index && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable(dev);
		return 0;
	}
	if (!(is_index || irq->mode < 0))
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		/* [start, start + count) is within the index's count (dev_set_irqs). */
		if (!is_index) {
			/* vfio_msi_enable(nvec = start + count); 0 vectors fails. */
			if (!count)
				return -EINVAL;
			irq->mode = (int)index;
			irq->nctx = start + count;
			if (msix)
				msix_hw_enable(dev, true);
		} else if (nfds && start + count > irq->nctx) {
			/*
			 * Binding past the allocated vectors allocates them, and
			 * the MSI-X core leaves them unmasked as at enable.  We
			 * keep the allocation a prefix, [0, nctx): where the
			 * kernel allocates only the vectors bound, we also
			 * allocate (unmask) any unbound ones below them, as an
			 * enable of start + count vectors would have.  Only the
			 * Mask Bits of never-bound vectors differ, and QEMU does
			 * not read them (it emulates the table).  De-assigning
			 * (no fds) allocates nothing: vfio_msi_set_vector_signal()
			 * returns early for fd < 0 without a context.
			 */
			if (msix)
				msix_hw_mask(dev, irq->nctx, start + count, false);
			irq->nctx = start + count;
		}
		for (i = 0; i < count; i++) {
			close_fd(&vfds[start + i]);
			vfds[start + i] = take_fd(fds, nfds, i);
		}
		dev_irq_recheck_vectors(dev);
		return 0;
	}
	if (!is_index)
		return -EINVAL;
	/* Loopback: signal the bound eventfds of the range (masking not involved). */
	for (i = start; i < start + count && i < irq->nctx; i++) {
		if ((flags & VFIO_IRQ_SET_DATA_NONE) || data[i - start])
			signal_fd(vfds[i]);
	}
	return 0;
}

int uvfio_dev_msi_trigger(struct uvfio_dev *dev, unsigned int index, unsigned int vector)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	int fd;

	if (!dev || (index != VFIO_PCI_MSI_IRQ_INDEX && !msix))
		return -EINVAL;
	if (vector >= dev_irq_count(dev, index))
		return -EINVAL;
	if (dev->irq.mode != (int)index || vector >= dev->irq.nctx)
		return -ENODEV;
	if (vec_masked(dev, msix, vector)) {
		vec_set_pending(dev, msix, vector, true);
		return 0;
	}
	fd = vec_fds(dev, msix)[vector];
	if (fd < 0)
		return -ENODEV;
	signal_fd(fd);
	return 0;
}

/*
 * ERR / REQ (linux-vfio.md §4.3): vfio_pci_set_ctx_trigger_single().
 */
static int trigger_single(int *slot, unsigned int start, unsigned int count, uint32_t flags,
			  const uint8_t *data, int *fds, unsigned int nfds)
{
	/* vfio_pci_set_err_trigger() / _req_trigger(). */
	if (start != 0 || count > 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (*slot >= 0) {
			if (count)
				signal_fd(*slot);
			else
				close_fd(slot);
			return 0;
		}
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (!count)
			return -EINVAL;
		if (data[0] && *slot >= 0)
			signal_fd(*slot);
		return 0;
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (!count)
			return -EINVAL;
		close_fd(slot);
		*slot = take_fd(fds, nfds, 0);
		return 0;
	}
	return -EINVAL;
}

int uvfio_dev_err_trigger(struct uvfio_dev *dev)
{
	if (!dev || dev->irq.err_fd < 0)
		return -ENODEV;
	signal_fd(dev->irq.err_fd);
	return 0;
}

int uvfio_dev_req_trigger(struct uvfio_dev *dev)
{
	int ret = -ENODEV;

	if (!dev)
		return -ENODEV;
	pthread_mutex_lock(&dev->irq.req_lock);
	if (dev->irq.req_fd >= 0) {
		signal_fd(dev->irq.req_fd);
		ret = 0;
	}
	pthread_mutex_unlock(&dev->irq.req_lock);
	return ret;
}

int uvfio_dev_irq_mode(const struct uvfio_dev *dev)
{
	if (!dev || dev->irq.mode < 0)
		return -ENODEV;
	return dev->irq.mode;
}

/*
 * SET_IRQS: vfio_set_irqs_validate_and_prepare() then
 * vfio_pci_set_irqs_ioctl()'s dispatch (linux-vfio.md §1.3).
 */
int dev_set_irqs(struct uvfio_dev *dev, const struct vfio_irq_set *set, const uint8_t *data,
		 size_t data_len, int *fds, unsigned int nfds)
{
	const uint32_t data_mask = VFIO_IRQ_SET_DATA_TYPE_MASK;
	const uint32_t action_mask = VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t flags = set->flags;
	unsigned int max;
	unsigned int i;
	int ret;

	/* Validation, all -EINVAL (vfio_set_irqs_validate_and_prepare). */
	if (set->argsz < offsetof(struct vfio_irq_set, data) || set->index >= VFIO_PCI_NUM_IRQS ||
	    (flags & ~(data_mask | action_mask)))
		return -EINVAL;
	max = dev_irq_count(dev, set->index);
	if (set->start >= max || (uint64_t)set->start + set->count > max)
		return -EINVAL;
	switch (flags & data_mask) {
	case VFIO_IRQ_SET_DATA_NONE:
		if (data_len || nfds)
			return -EINVAL;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		/* The bools travel in the payload, one per sub-index (contract §5.7). */
		if (data_len != set->count || nfds)
			return -EINVAL;
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		/*
		 * The eventfds travel as fds, not in the payload (QEMU sends
		 * argsz 20): one per sub-index, or none to de-assign them all.
		 */
		if (data_len || (nfds && nfds != set->count))
			return -EINVAL;
		for (i = 0; i < nfds; i++) {
			if (!is_eventfd(fds[i]))
				return -EINVAL;
		}
		break;
	default:
		return -EINVAL;
	}

	/*
	 * Dispatch: an action vfio-pci has no handler for (MASK/UNMASK on MSI,
	 * MSI-X, ERR, REQ; no or several action bits) is -ENOTTY, as is ERR
	 * on a device that is not PCIe (unreachable: its count is 0).
	 */
	switch (set->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		switch (flags & action_mask) {
		case VFIO_IRQ_SET_ACTION_MASK:
			return intx_mask_action(dev, set->start, set->count, flags, data);
		case VFIO_IRQ_SET_ACTION_UNMASK:
			return intx_unmask_action(dev, set->start, set->count, flags, data, fds,
						  nfds);
		case VFIO_IRQ_SET_ACTION_TRIGGER:
			return intx_trigger(dev, set->start, set->count, flags, data, fds, nfds);
		}
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if ((flags & action_mask) == VFIO_IRQ_SET_ACTION_TRIGGER)
			return msi_trigger(dev, set->index, set->start, set->count, flags, data,
					   fds, nfds);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if ((flags & action_mask) == VFIO_IRQ_SET_ACTION_TRIGGER && dev->has_pcie)
			return trigger_single(&dev->irq.err_fd, set->start, set->count, flags, data,
					      fds, nfds);
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if ((flags & action_mask) == VFIO_IRQ_SET_ACTION_TRIGGER) {
			pthread_mutex_lock(&dev->irq.req_lock);
			ret = trigger_single(&dev->irq.req_fd, set->start, set->count, flags, data,
					     fds, nfds);
			pthread_mutex_unlock(&dev->irq.req_lock);
			return ret;
		}
		break;
	}
	return -ENOTTY;
}

void dev_irq_drop_client(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;

	/* Spec "Client disconnect": close every eventfd the client gave us. */
	intx_disable(dev);
	msi_disable(dev);
	close_fd(&irq->err_fd);
	pthread_mutex_lock(&irq->req_lock);
	close_fd(&irq->req_fd);
	pthread_mutex_unlock(&irq->req_lock);
	irq->mode = -1;
}

void dev_irq_reset(struct uvfio_dev *dev)
{
	struct dev_irqs *irq = &dev->irq;

	/*
	 * VFIO_DEVICE_RESET leaves the SET_IRQS configuration (eventfds,
	 * enabled index) alone, as vfio-pci does; the function's own state
	 * goes: the line is deasserted, INTx unmasked, INTX_DISABLE follows
	 * the reset COMMAND register.
	 */
	irq->intx_level = false;
	irq->intx_masked = false;
	irq->intx_virq_disabled = (uvfio_pcicfg_command(dev->cfg) & PCI_COMMAND_INTX_DISABLE) != 0;
	if (dev->id.irq_pin)
		uvfio_pcicfg_set_intx_status(dev->cfg, false);
	/*
	 * The kernel's reset restores the MSI-X state it programmed
	 * (pci_restore_state), so vectors enabled through SET_IRQS keep firing.
	 */
	if (irq->mode == VFIO_PCI_MSIX_IRQ_INDEX)
		msix_hw_enable(dev, true);
}
