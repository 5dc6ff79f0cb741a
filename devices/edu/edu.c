/* SPDX-License-Identifier: MIT */
/*
 * devices/edu/edu.c - QEMU's educational PCI device (edu) as a uvfio device
 * model, written from the spec: QEMU docs/specs/edu.rst and docs/edu.md.
 *
 * Where the spec is silent the choices are ours, and each says so:
 *  - the DMA range check is the spec's, [0x40000, 0x41000): a full 4096-byte
 *    transfer works (QEMU 7.2 is off by one there, edu.md);
 *  - a DMA the device cannot do (edu-side range, an address beyond the DMA
 *    mask, an IOVA the client never mapped, bus mastering off) is refused:
 *    the buffer and client memory stay untouched, the start bit clears, and
 *    the completion interrupt 0x100 is NOT raised; the model logs why.  edu
 *    has no error register (edu.rst), so a driver sees a missing completion
 *    interrupt, and the device keeps working;
 *  - while a factorial or a DMA is in progress, writes to its registers are
 *    ignored, so the work in flight uses the values it was started with.
 *
 * The factorial and the DMA run as deferred work (uvfio_dev_defer): a DMA
 * may need DMA_READ/DMA_WRITE messages to the client, which must not be sent
 * while the client waits for the reply to the REGION_WRITE that started it
 * (vfio-user contract §5.11, deadlock hazard).
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "edu.h"

#define EDU_DMA_CMD_MASK (UVFIO_EDU_DMA_START | UVFIO_EDU_DMA_TO_RAM | UVFIO_EDU_DMA_IRQ)
#define EDU_DMA_ADDR_MASK ((UINT64_C(1) << UVFIO_EDU_DMA_BITS) - 1)

struct edu {
	struct uvfio_dev *dev;
	void (*log_fn)(void *opaque, int level, const char *msg);
	void *log_opaque;

	uint32_t liveness; /* what 0x04 reads: the inverse of what was written */
	uint32_t factorial;
	uint32_t status;
	uint32_t irq_status;
	uint64_t dma_src;
	uint64_t dma_dst;
	uint64_t dma_count;
	uint64_t dma_cmd;

	/* A deferred item is outstanding: never queue a second one. */
	bool factorial_queued;
	bool dma_queued;
	/* The interrupt mode when the INTx line was last driven: MSI or not. */
	bool msi_seen;
	/*
	 * Bumped by reset: a DMA that waited on the client across a reset must
	 * not complete into the fresh state.
	 */
	unsigned int generation;

	uint8_t dma_buf[UVFIO_EDU_DMA_BUF_SIZE];
};

static void edu_log(struct edu *edu, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void edu_log(struct edu *edu, int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!edu->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	edu->log_fn(edu->log_opaque, level, msg);
}

/* Registers at their power-on values: QEMU's edu starts zeroed too. */
static void edu_power_on(struct edu *edu)
{
	edu->liveness = 0;
	edu->factorial = 0;
	edu->status = 0;
	edu->irq_status = 0;
	edu->dma_src = 0;
	edu->dma_dst = 0;
	edu->dma_count = 0;
	edu->dma_cmd = 0;
	edu->generation++;
	memset(edu->dma_buf, 0, sizeof(edu->dma_buf));
}

static bool edu_msi_enabled(struct edu *edu)
{
	return uvfio_dev_irq_mode(edu->dev) == VFIO_PCI_MSI_IRQ_INDEX;
}

/*
 * INTx is level-triggered and stays asserted while any interrupt status bit
 * is set (edu.md, register 0x64).  With MSI enabled a PCI function must not
 * assert INTx (PCI LB 3.0 §6.8.1), so the line is low then.
 */
static void edu_update_intx(struct edu *edu)
{
	bool level;

	edu->msi_seen = edu_msi_enabled(edu);
	level = edu->irq_status != 0 && !edu->msi_seen;

	/* -ENODEV only without an interrupt pin, and edu has INTA. */
	(void)uvfio_dev_intx_set_level(edu->dev, level);
}

/*
 * The model hears of no interrupt-mode change (SET_IRQS, a client leaving),
 * so the line is brought up to date on every register access: a driver that
 * switches from MSI back to INTx with status still set gets its INTx at its
 * next access, as a level-triggered line would give it.
 */
static void edu_sync_intx(struct edu *edu)
{
	bool msi = edu_msi_enabled(edu);

	if (msi != edu->msi_seen) {
		edu->msi_seen = msi;
		edu_update_intx(edu);
	}
}

/* edu.rst "IRQ controller": OR @val into interrupt status and raise. */
static void edu_raise(struct edu *edu, uint32_t val)
{
	int rc;

	edu->irq_status |= val;
	if (edu_msi_enabled(edu)) {
		/* MSI is edge: one message per raise (edu.rst, 0x60). */
		rc = uvfio_dev_msi_trigger(edu->dev, VFIO_PCI_MSI_IRQ_INDEX, 0);
		if (rc < 0 && rc != -ENODEV)
			edu_log(edu, LOG_WARNING, "edu: MSI trigger failed: %s", strerror(-rc));
	}
	edu_update_intx(edu);
}

static void edu_ack(struct edu *edu, uint32_t val)
{
	edu->irq_status &= ~val;
	edu_update_intx(edu);
}

/*
 * n! truncated to the 32-bit register.  Multiplying the truncated product
 * keeps the low 32 bits exact; 34! and above have 2^32 as a factor, so the
 * product reaches 0 there and the loop ends early even for n = 2^32 - 1.
 */
static uint32_t edu_factorial32(uint32_t n)
{
	uint64_t acc = 1;

	for (uint64_t i = 2; i <= n && acc; i++)
		acc = (acc * i) & UINT32_MAX;
	return (uint32_t)acc;
}

static void edu_factorial_finish(struct edu *edu)
{
	edu->factorial = edu_factorial32(edu->factorial);
	edu->status &= ~UVFIO_EDU_STATUS_BUSY;
	/* edu.md 0x20: bit 0x80 asks for interrupt 0x1 on completion. */
	if (edu->status & UVFIO_EDU_STATUS_FACT_IRQ)
		edu_raise(edu, UVFIO_EDU_IRQ_FACTORIAL);
}

static void edu_factorial_work(struct uvfio_dev *dev, void *arg)
{
	struct edu *edu = arg;

	(void)dev;
	edu->factorial_queued = false;
	/* Reset may have cancelled it; a later start reuses this item. */
	if (edu->status & UVFIO_EDU_STATUS_BUSY)
		edu_factorial_finish(edu);
}

static void edu_factorial_start(struct edu *edu, uint32_t n)
{
	int rc;

	edu->factorial = n;
	edu->status |= UVFIO_EDU_STATUS_BUSY;
	if (edu->factorial_queued)
		return;
	rc = uvfio_dev_defer(edu->dev, edu_factorial_work, edu);
	if (rc < 0) {
		/* Computing it now needs no client round trip: no hazard. */
		edu_factorial_finish(edu);
		return;
	}
	edu->factorial_queued = true;
}

/* The edu-side window must lie inside the DMA buffer (edu.rst, edu.md). */
static bool edu_dma_buf_range_ok(uint64_t addr, uint64_t count)
{
	return addr >= UVFIO_EDU_DMA_BUF_ADDR && count <= UVFIO_EDU_DMA_BUF_SIZE &&
	       addr - UVFIO_EDU_DMA_BUF_ADDR <= UVFIO_EDU_DMA_BUF_SIZE - count;
}

/*
 * The RAM side must be addressable with the device's 28 address bits
 * (edu.rst: dma_mask).  QEMU truncates the address to the mask; a transfer
 * to a different address than the driver programmed helps no one, so here
 * it is refused instead.
 */
static bool edu_dma_ram_range_ok(uint64_t iova, uint64_t count)
{
	if (count == 0)
		return iova <= EDU_DMA_ADDR_MASK;
	return iova <= EDU_DMA_ADDR_MASK && count - 1 <= EDU_DMA_ADDR_MASK - iova;
}

static void edu_dma_finish(struct edu *edu, uint64_t cmd, int rc)
{
	edu->dma_cmd &= ~(uint64_t)UVFIO_EDU_DMA_START;
	/* A refused transfer raises nothing (see the top of this file). */
	if (rc == 0 && (cmd & UVFIO_EDU_DMA_IRQ))
		edu_raise(edu, UVFIO_EDU_IRQ_DMA);
}

static void edu_dma_work(struct uvfio_dev *dev, void *arg)
{
	struct edu *edu = arg;
	uint8_t bounce[UVFIO_EDU_DMA_BUF_SIZE];
	unsigned int generation = edu->generation;
	uint64_t cmd = edu->dma_cmd;
	uint64_t count = edu->dma_count;
	bool to_ram = cmd & UVFIO_EDU_DMA_TO_RAM;
	uint64_t buf_addr = to_ram ? edu->dma_src : edu->dma_dst;
	uint64_t iova = to_ram ? edu->dma_dst : edu->dma_src;
	uint8_t *buf;
	int rc = 0;

	edu->dma_queued = false;
	if (!(cmd & UVFIO_EDU_DMA_START))
		return; /* cancelled by reset */

	if (!edu_dma_buf_range_ok(buf_addr, count)) {
		edu_log(edu, LOG_WARNING,
			"edu: DMA refused: device range 0x%llx+0x%llx is outside the buffer "
			"[0x%x, 0x%x)",
			(unsigned long long)buf_addr, (unsigned long long)count,
			UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_BUF_ADDR + UVFIO_EDU_DMA_BUF_SIZE);
		edu_dma_finish(edu, cmd, -EINVAL);
		return;
	}
	if (!edu_dma_ram_range_ok(iova, count)) {
		edu_log(edu, LOG_WARNING,
			"edu: DMA refused: IOVA 0x%llx+0x%llx is beyond the %d-bit DMA mask",
			(unsigned long long)iova, (unsigned long long)count, UVFIO_EDU_DMA_BITS);
		edu_dma_finish(edu, cmd, -EINVAL);
		return;
	}
	if (count == 0) {
		edu_dma_finish(edu, cmd, 0);
		return;
	}

	buf = edu->dma_buf + (buf_addr - UVFIO_EDU_DMA_BUF_ADDR);
	if (to_ram) {
		rc = uvfio_dev_dma_write(dev, iova, buf, count);
	} else {
		/* Through a bounce buffer: a failed read leaves the buffer as it was. */
		rc = uvfio_dev_dma_read(dev, iova, bounce, count);
	}
	if (generation != edu->generation)
		return; /* reset while waiting on the client: drop the result */
	if (rc < 0) {
		edu_log(edu, LOG_WARNING, "edu: DMA refused: %s IOVA 0x%llx+0x%llx: %s",
			to_ram ? "write to" : "read from", (unsigned long long)iova,
			(unsigned long long)count, strerror(-rc));
		edu_dma_finish(edu, cmd, rc);
		return;
	}
	if (!to_ram)
		memcpy(buf, bounce, count);
	edu_dma_finish(edu, cmd, 0);
}

static void edu_dma_start(struct edu *edu)
{
	int rc;

	if (edu->dma_queued)
		return;
	rc = uvfio_dev_defer(edu->dev, edu_dma_work, edu);
	if (rc < 0) {
		/* Never transfer inline: that is the §5.11 deadlock. */
		edu_log(edu, LOG_WARNING, "edu: DMA refused: cannot defer it: %s", strerror(-rc));
		edu_dma_finish(edu, edu->dma_cmd, rc);
		return;
	}
	edu->dma_queued = true;
}

/* edu.rst: only 4-byte accesses below 0x80; 4 or 8 bytes from 0x80 on. */
static bool edu_access_ok(uint64_t off, size_t len)
{
	if (off < UVFIO_EDU_REG_DMA_SRC)
		return len == 4;
	return len == 4 || len == 8;
}

static bool edu_dma_busy(const struct edu *edu)
{
	return edu->dma_cmd & UVFIO_EDU_DMA_START;
}

/*
 * Returns false for offsets that are no register (and for the write-only
 * ones): those read all ones, like an unclaimed PCI read.  A 4-byte read of
 * a 64-bit DMA register returns its low half.
 */
static bool edu_reg_read(struct edu *edu, uint64_t off, uint64_t *val)
{
	switch (off) {
	case UVFIO_EDU_REG_IDENT:
		*val = UVFIO_EDU_IDENT;
		return true;
	case UVFIO_EDU_REG_LIVENESS:
		*val = edu->liveness;
		return true;
	case UVFIO_EDU_REG_FACTORIAL:
		*val = edu->factorial;
		return true;
	case UVFIO_EDU_REG_STATUS:
		*val = edu->status;
		return true;
	case UVFIO_EDU_REG_IRQ_STATUS:
		*val = edu->irq_status;
		return true;
	case UVFIO_EDU_REG_DMA_SRC:
		*val = edu->dma_src;
		return true;
	case UVFIO_EDU_REG_DMA_DST:
		*val = edu->dma_dst;
		return true;
	case UVFIO_EDU_REG_DMA_COUNT:
		*val = edu->dma_count;
		return true;
	case UVFIO_EDU_REG_DMA_CMD:
		*val = edu->dma_cmd;
		return true;
	default:
		return false;
	}
}

/*
 * A 4-byte write to a 64-bit DMA register sets the whole register (upper
 * half zero), so a driver with 32-bit addresses needs one access, as with
 * QEMU's edu.
 */
static void edu_reg_write(struct edu *edu, uint64_t off, uint64_t val)
{
	uint32_t val32 = (uint32_t)val;

	switch (off) {
	case UVFIO_EDU_REG_LIVENESS:
		edu->liveness = ~val32;
		break;
	case UVFIO_EDU_REG_FACTORIAL:
		/* edu.rst: the value is taken once the busy bit is clear. */
		if (!(edu->status & UVFIO_EDU_STATUS_BUSY))
			edu_factorial_start(edu, val32);
		break;
	case UVFIO_EDU_REG_STATUS:
		/* Only 0x80 is writable; 0x01 is read-only (edu.md). */
		edu->status = (edu->status & UVFIO_EDU_STATUS_BUSY) |
			      (val32 & UVFIO_EDU_STATUS_FACT_IRQ);
		break;
	case UVFIO_EDU_REG_IRQ_RAISE:
		edu_raise(edu, val32);
		break;
	case UVFIO_EDU_REG_IRQ_ACK:
		edu_ack(edu, val32);
		break;
	case UVFIO_EDU_REG_DMA_SRC:
		if (!edu_dma_busy(edu))
			edu->dma_src = val;
		break;
	case UVFIO_EDU_REG_DMA_DST:
		if (!edu_dma_busy(edu))
			edu->dma_dst = val;
		break;
	case UVFIO_EDU_REG_DMA_COUNT:
		if (!edu_dma_busy(edu))
			edu->dma_count = val;
		break;
	case UVFIO_EDU_REG_DMA_CMD:
		if (edu_dma_busy(edu))
			break;
		edu->dma_cmd = val & EDU_DMA_CMD_MASK;
		if (val & UVFIO_EDU_DMA_START)
			edu_dma_start(edu);
		break;
	default:
		/* Identification, interrupt status, no register: read-only or nothing. */
		break;
	}
}

static ssize_t edu_mmio_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf,
			     size_t len)
{
	struct edu *edu = priv;
	uint64_t val;

	(void)dev;
	edu_sync_intx(edu);
	memset(buf, 0xff, len);
	if (!edu_access_ok(off, len) || !edu_reg_read(edu, off, &val))
		return (ssize_t)len;
	/* BAR registers are little-endian, as PCI is. */
	if (len == 4) {
		uint32_t le = htole32((uint32_t)val);

		memcpy(buf, &le, 4);
	} else {
		uint64_t le = htole64(val);

		memcpy(buf, &le, 8);
	}
	return (ssize_t)len;
}

static ssize_t edu_mmio_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			      size_t len)
{
	struct edu *edu = priv;

	(void)dev;
	edu_sync_intx(edu);
	/* Accesses of other widths are ignored (edu.rst "MMIO area spec"). */
	if (!edu_access_ok(off, len))
		return (ssize_t)len;
	if (len == 4) {
		uint32_t le;

		memcpy(&le, buf, 4);
		edu_reg_write(edu, off, le32toh(le));
	} else {
		uint64_t le;

		memcpy(&le, buf, 8);
		edu_reg_write(edu, off, le64toh(le));
	}
	return (ssize_t)len;
}

static int edu_reset(struct uvfio_dev *dev, void *priv, enum uvfio_reset_reason why)
{
	struct edu *edu = priv;

	(void)dev;
	(void)why;
	edu_power_on(edu);
	edu_update_intx(edu);
	return 0;
}

static const struct uvfio_region_ops edu_mmio_ops = {
	.read = edu_mmio_read,
	.write = edu_mmio_write,
};

static const struct uvfio_dev_ops edu_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
	.reset = edu_reset,
};

int uvfio_edu_create(struct uvfio_dev **out)
{
	/* edu.md "PCI"; the subsystem ids are QEMU's defaults for its devices. */
	static const struct uvfio_dev_pci_id id = {
		.vendor = UVFIO_EDU_VENDOR,
		.device = UVFIO_EDU_DEVICE,
		.subsystem_vendor = 0x1af4,
		.subsystem_device = 0x1100,
		.revision = UVFIO_EDU_REVISION,
		.class_code = UVFIO_EDU_CLASS,
		.irq_pin = 1, /* INTA */
	};
	struct uvfio_dev *dev;
	struct edu *edu;
	int rc;

	edu = calloc(1, sizeof(*edu));
	if (!edu)
		return -ENOMEM;
	rc = uvfio_dev_create(&edu_ops, edu, &id, 0, &dev);
	if (rc < 0)
		goto err_free;
	edu->dev = dev;
	edu_power_on(edu);

	/* BAR0: 1 MiB, 32-bit, non-prefetchable memory (edu.md). */
	rc = uvfio_dev_setup_bar(dev, 0, UVFIO_EDU_BAR0_SIZE,
				 PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32,
				 &edu_mmio_ops, edu);
	if (rc < 0)
		goto err_destroy;
	/* MSI: one vector, 64-bit address, no per-vector masking (edu.md). */
	rc = uvfio_dev_add_cap_msi(dev, 1, UVFIO_MSI_64BIT);
	if (rc < 0)
		goto err_destroy;

	*out = dev;
	return 0;

err_destroy:
	uvfio_dev_destroy(dev);
err_free:
	free(edu);
	return rc;
}

void uvfio_edu_destroy(struct uvfio_dev *dev)
{
	struct edu *edu;

	if (!dev)
		return;
	edu = uvfio_dev_priv(dev);
	uvfio_dev_destroy(dev);
	free(edu);
}

void uvfio_edu_set_log(struct uvfio_dev *dev,
		       void (*fn)(void *opaque, int level, const char *msg), void *opaque)
{
	struct edu *edu = uvfio_dev_priv(dev);

	edu->log_fn = fn;
	edu->log_opaque = opaque;
	uvfio_dev_set_log(dev, fn, opaque);
}
