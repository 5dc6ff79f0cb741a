/* SPDX-License-Identifier: MIT */
/*
 * lib/pci - PCI config space as data (internal to uvfio).
 *
 * A 256- or 4096-byte shadow, a per-byte map of which capability owns each
 * byte, and per-capability permission tables of virtualised and writable bits
 * with optional read/write hooks, after vfio-pci's perm_bits
 * (shared/docs/linux-vfio.md §2).  For an emulated device there is no
 * hardware behind the shadow: bits a table does not virtualise go to the
 * device model through uvfio_pcicfg_events.raw_read/raw_write (vendor caps,
 * unassigned gaps), as vfio-pci passes them to the physical device.
 *
 * Pure: no I/O, no threads, no locks.  The caller serialises access.
 * Constants are those of <linux/pci_regs.h>.
 */
#ifndef UVFIO_PCICFG_H
#define UVFIO_PCICFG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/pci_regs.h>

struct uvfio_pcicfg;

/**
 * struct uvfio_pcicfg_events - what a config write means to the device.
 *
 * Every callback is optional and is called after the shadow was updated, on
 * the caller's thread, from inside uvfio_pcicfg_write() or the MSI-X table
 * functions.
 */
struct uvfio_pcicfg_events {
	void *opaque;
	/* COMMAND changed (memory/io/bus-master/INTx-disable). */
	void (*command)(void *opaque, uint16_t old_cmd, uint16_t new_cmd);
	/* MSI Enable or Multiple Message Enable changed; @nvec = 1 << MME. */
	void (*msi_ctrl)(void *opaque, bool enabled, unsigned int nvec);
	/* MSI-X Enable or Function Mask changed. */
	void (*msix_ctrl)(void *opaque, bool enabled, bool function_masked);
	/* A vector's effective mask changed (MSI mask bits or MSI-X table). */
	void (*vector_mask)(void *opaque, bool msix, unsigned int vector, bool masked);
	/* Function-level reset requested through PCIe DEVCTL or AF. */
	void (*flr)(void *opaque);
	/* PMCSR PowerState written (0 = D0 .. 3 = D3hot). */
	void (*power_state)(void *opaque, unsigned int state);
	/* Bytes not virtualised by any table (vendor caps, gaps): the model. */
	int (*raw_read)(void *opaque, unsigned int off, void *buf, unsigned int len);
	int (*raw_write)(void *opaque, unsigned int off, const void *buf, unsigned int len);
};

/**
 * struct uvfio_pcicfg_id - identity written into the header at creation.
 */
struct uvfio_pcicfg_id {
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem_device;
	uint8_t revision;
	uint32_t class_code; /* 24 bits: base << 16 | sub << 8 | prog-if */
	uint8_t irq_pin;     /* 0 none, 1..4 = INTA..INTD */
};

/* Flags of uvfio_pcicfg_add_msi(). */
#define UVFIO_PCICFG_MSI_64BIT (1u << 0)
#define UVFIO_PCICFG_MSI_MASKABLE (1u << 1)
/* Flags of uvfio_pcicfg_add_pcie(). */
#define UVFIO_PCICFG_PCIE_FLR (1u << 0)

/**
 * uvfio_pcicfg_new() - create a config space with a type-0 header.
 * @id: identity.
 * @extended: true for a 4096-byte (PCIe) space, false for 256 bytes.
 * @ev: event callbacks (copied); may be NULL.
 * @out: the new object.
 * Return: 0 or -ENOMEM / -EINVAL.
 */
int uvfio_pcicfg_new(const struct uvfio_pcicfg_id *id, bool extended,
		     const struct uvfio_pcicfg_events *ev, struct uvfio_pcicfg **out);
void uvfio_pcicfg_free(struct uvfio_pcicfg *cfg);
unsigned int uvfio_pcicfg_size(const struct uvfio_pcicfg *cfg);

/**
 * uvfio_pcicfg_set_bar() - declare BAR @bar of @size bytes.
 * @flags: PCI_BASE_ADDRESS_SPACE_IO, or memory with PCI_BASE_ADDRESS_MEM_TYPE_64
 *         and/or PCI_BASE_ADDRESS_MEM_PREFETCH.  A 64-bit BAR takes @bar+1.
 * @size: a power of two, >= 16 for memory and >= 4 for I/O.
 * Return: 0, -EINVAL (bad size/flags/index), -EBUSY (slot taken).
 */
int uvfio_pcicfg_set_bar(struct uvfio_pcicfg *cfg, unsigned int bar, uint64_t size,
			 unsigned int flags);
/** uvfio_pcicfg_set_rom() - declare an expansion ROM of @size (power of two >= 2 KiB). */
int uvfio_pcicfg_set_rom(struct uvfio_pcicfg *cfg, uint64_t size);
/** uvfio_pcicfg_bar_size() - declared size of @bar (6 = ROM), 0 if none. */
uint64_t uvfio_pcicfg_bar_size(const struct uvfio_pcicfg *cfg, unsigned int bar);
/** uvfio_pcicfg_bar_flags() - the PCI_BASE_ADDRESS_* flags of @bar. */
unsigned int uvfio_pcicfg_bar_flags(const struct uvfio_pcicfg *cfg, unsigned int bar);

/*
 * Capability builders.  Each appends a capability to the chain (standard
 * ones from 0x40 up, extended ones from 0x100 up) and returns its offset, or
 * -ENOSPC (no room), -EEXIST (already present), -EINVAL (bad arguments, an
 * extended cap in a 256-byte space).
 */
int uvfio_pcicfg_add_pm(struct uvfio_pcicfg *cfg);
/* @nvec: 1, 2, 4, 8, 16 or 32. */
int uvfio_pcicfg_add_msi(struct uvfio_pcicfg *cfg, unsigned int nvec, unsigned int flags);
/* @nvec 1..2048; table and PBA offsets 8-byte aligned inside their BARs. */
int uvfio_pcicfg_add_msix(struct uvfio_pcicfg *cfg, unsigned int nvec, unsigned int table_bar,
			  uint32_t table_off, unsigned int pba_bar, uint32_t pba_off);
/* PCI Express capability v2, device/port type @type (PCI_EXP_TYPE_ENDPOINT...). */
int uvfio_pcicfg_add_pcie(struct uvfio_pcicfg *cfg, unsigned int type, unsigned int flags);
/* Advanced Features capability with TP and FLR. */
int uvfio_pcicfg_add_af(struct uvfio_pcicfg *cfg);
/* Vendor-specific: @len bytes of body after the 3-byte id/next/length head. */
int uvfio_pcicfg_add_vendor(struct uvfio_pcicfg *cfg, const void *body, unsigned int len);
int uvfio_pcicfg_add_aer(struct uvfio_pcicfg *cfg);
int uvfio_pcicfg_add_dsn(struct uvfio_pcicfg *cfg, uint64_t serial);

/**
 * uvfio_pcicfg_read() - read @len bytes at @off as a driver would see them.
 * Any alignment; chopped into naturally aligned pieces that never cross a
 * capability boundary, each served through its owner's table and hooks.
 * Return: 0, or -EINVAL when [@off, @off+@len) is outside the space.
 */
int uvfio_pcicfg_read(struct uvfio_pcicfg *cfg, unsigned int off, void *buf, unsigned int len);
/**
 * uvfio_pcicfg_write() - write: read-only bits dropped silently, RW1C bits
 * cleared where 1 is written, BAR/ROM sizing, hooks fired.
 * Return: 0, or -EINVAL when outside the space.
 */
int uvfio_pcicfg_write(struct uvfio_pcicfg *cfg, unsigned int off, const void *buf,
		       unsigned int len);

/** uvfio_pcicfg_reset() - power-on state of every writable register; layout kept. */
void uvfio_pcicfg_reset(struct uvfio_pcicfg *cfg);

uint16_t uvfio_pcicfg_command(const struct uvfio_pcicfg *cfg);
/** uvfio_pcicfg_set_intx_status() - reflect the INTx line in STATUS.INTERRUPT. */
void uvfio_pcicfg_set_intx_status(struct uvfio_pcicfg *cfg, bool asserted);

/** uvfio_pcicfg_msi() - MSI state; returns -ENOENT without an MSI cap. */
int uvfio_pcicfg_msi(const struct uvfio_pcicfg *cfg, bool *enabled, unsigned int *nvec,
		     uint64_t *addr, uint16_t *data);
/** uvfio_pcicfg_msi_masked() - per-vector mask bit (false if not maskable). */
bool uvfio_pcicfg_msi_masked(const struct uvfio_pcicfg *cfg, unsigned int vector);
void uvfio_pcicfg_msi_set_pending(struct uvfio_pcicfg *cfg, unsigned int vector, bool pending);
bool uvfio_pcicfg_msi_pending(const struct uvfio_pcicfg *cfg, unsigned int vector);

/**
 * struct uvfio_pcicfg_msix_layout - where the MSI-X table and PBA live.
 */
struct uvfio_pcicfg_msix_layout {
	unsigned int nvec;
	unsigned int table_bar;
	uint32_t table_off;
	uint32_t table_size; /* nvec * 16 */
	unsigned int pba_bar;
	uint32_t pba_off;
	uint32_t pba_size; /* DIV_ROUND_UP(nvec, 64) * 8 */
};
/** uvfio_pcicfg_msix() - layout and state; -ENOENT without an MSI-X cap. */
int uvfio_pcicfg_msix(const struct uvfio_pcicfg *cfg, struct uvfio_pcicfg_msix_layout *layout,
		      bool *enabled, bool *function_masked);
/* Table/PBA access at offsets relative to the table/PBA start (4 or 8 bytes). */
int uvfio_pcicfg_msix_table_read(struct uvfio_pcicfg *cfg, uint32_t off, void *buf,
				 unsigned int len);
int uvfio_pcicfg_msix_table_write(struct uvfio_pcicfg *cfg, uint32_t off, const void *buf,
				  unsigned int len);
int uvfio_pcicfg_msix_pba_read(struct uvfio_pcicfg *cfg, uint32_t off, void *buf,
			       unsigned int len);
/** uvfio_pcicfg_msix_masked() - vector masked by its own bit or the function mask. */
bool uvfio_pcicfg_msix_masked(const struct uvfio_pcicfg *cfg, unsigned int vector);
void uvfio_pcicfg_msix_set_pending(struct uvfio_pcicfg *cfg, unsigned int vector, bool pending);
bool uvfio_pcicfg_msix_pending(const struct uvfio_pcicfg *cfg, unsigned int vector);

/*
 * Additions beyond the first cut of this interface.
 */

/**
 * uvfio_pcicfg_set_status_bits() - the device side latches status bits.
 * @cfg: the config space.
 * @off: a register's offset: PCI_STATUS, a PCIe cap's DEVSTA, an AER status.
 * @len: 1, 2 or 4, @off aligned to it.
 * @bits: bits to set; only write-one-to-clear bits are taken, others ignored.
 *
 * How a model reports an error (received master abort, an AER uncorrectable
 * error...); the driver clears the bits by writing 1.  Fires nothing.
 * Return: 0, or -EINVAL (range, size or alignment).
 */
int uvfio_pcicfg_set_status_bits(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len,
				 uint32_t bits);

/** uvfio_pcicfg_power_state() - PMCSR PowerState (0 = D0 .. 3 = D3hot); 0 without PM. */
unsigned int uvfio_pcicfg_power_state(const struct uvfio_pcicfg *cfg);

/** uvfio_pcicfg_bar_addr() - programmed address of @bar (6 = ROM); 0 if not declared. */
uint64_t uvfio_pcicfg_bar_addr(const struct uvfio_pcicfg *cfg, unsigned int bar);

/** uvfio_pcicfg_rom_enabled() - true when a ROM is declared and its enable bit set. */
bool uvfio_pcicfg_rom_enabled(const struct uvfio_pcicfg *cfg);

#endif /* UVFIO_PCICFG_H */
