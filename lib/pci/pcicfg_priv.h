/* SPDX-License-Identifier: MIT */
/*
 * lib/pci private: the config-space object and its permission tables.
 *
 * The model is vfio-pci's (linux-vfio.md §2.1): a shadow copy, a per-byte map
 * of which capability owns each byte, and per-capability tables saying, for
 * every register, which bits are virtualised (served from the shadow), which a
 * driver may write, and which it clears by writing 1.  A table may add a read
 * hook and a write hook.  When a capability is added its table is expanded
 * into the object's per-byte masks, so an access costs a few byte operations
 * and never looks at a table; builders may then narrow a mask for one
 * instance (the MSI mask bits of the vectors implemented, BAR sizes), as
 * vfio-pci builds per-device MSI perms.
 */
#ifndef UVFIO_PCICFG_PRIV_H
#define UVFIO_PCICFG_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/pcicfg.h"

/* Capability instances one object can hold: header, gap, ext placeholder and
 * every capability a 4 KiB space could fit from the builders we have. */
#define PCICFG_MAX_CAPS 64

/* Fixed owner indexes in cfg->caps[] and cfg->map[]. */
enum {
	PCICFG_OWNER_HEADER = 0,    /* the type-0 header, 0x00-0x3f */
	PCICFG_OWNER_GAP = 1,	    /* bytes no capability owns: raw to the model */
	PCICFG_OWNER_EXT_EMPTY = 2, /* the zero dword at 0x100 until an ext cap lands */
	PCICFG_OWNER_FIRST_CAP = 3,
};

/**
 * struct pcicfg_reg - one register of a capability's permission table.
 * @off: offset inside the capability.
 * @size: 1, 2 or 4 bytes.
 * @init: power-on value (restored by reset where writable).
 * @write: bits a driver may change.
 * @rw1c: bits a driver clears by writing 1 (status bits).
 * @raw: bits not virtualised: read and written through the device model
 *       (uvfio_pcicfg_events.raw_read/raw_write).  Zero, the default of a
 *       designated initialiser, means the register lives in the shadow.
 */
struct pcicfg_reg {
	uint16_t off;
	uint8_t size;
	uint32_t init;
	uint32_t write;
	uint32_t rw1c;
	uint32_t raw;
};

struct pcicfg_cap;

/**
 * struct pcicfg_table - a capability's permission table (vfio-pci perm_bits).
 * @name: for diagnostics.
 * @len: bytes the capability owns (0: the builder says, e.g. vendor caps).
 * @regs: registers with permissions; bytes no register covers are described
 *        by @rest_raw and @rest_write.
 * @rest_raw: non-virtualised bits of every byte @regs does not cover.
 * @rest_write: writable bits of those bytes.
 * @read: optional; adjusts a piece after it was read (off inside the cap).
 * @written: optional; called after a piece was written, with the old bytes
 *           of [@off, @off + @len) inside the capability; fires events.
 *
 * The header bytes of a capability (id/next, or the ext cap dword) are made
 * virtual and read-only by the chain code whatever the table says.
 */
struct pcicfg_table {
	const char *name;
	uint16_t len;
	const struct pcicfg_reg *regs;
	unsigned int nregs;
	uint8_t rest_raw;
	uint8_t rest_write;
	void (*read)(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
		     uint8_t *buf, unsigned int len);
	void (*written)(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
			unsigned int len, const uint8_t *old);
};

/** struct pcicfg_cap - one capability instance placed in config space. */
struct pcicfg_cap {
	const struct pcicfg_table *table;
	uint16_t off;
	uint16_t len;
};

struct uvfio_pcicfg {
	unsigned int size;
	struct uvfio_pcicfg_events ev;

	struct pcicfg_cap caps[PCICFG_MAX_CAPS];
	unsigned int ncaps;
	uint16_t std_free; /* next free dword for a standard cap */
	uint16_t std_tail; /* last standard cap, 0 if none */
	uint16_t ext_free;
	uint16_t ext_tail;

	/* BARs 0-5 and the ROM as 6. */
	uint64_t bar_size[7];
	unsigned int bar_flags[7];
	bool bar_upper[6]; /* upper dword of the 64-bit BAR below */

	/* Offsets of the capabilities we drive; 0 when absent. */
	uint16_t pm;
	uint16_t msi;
	uint16_t msix;
	uint16_t pcie;
	uint16_t af;
	uint16_t aer;
	uint16_t dsn;

	unsigned int msi_nvec;	/* vectors implemented (MMC) */
	unsigned int msi_flags; /* UVFIO_PCICFG_MSI_* */
	uint16_t msi_mask_off;	/* offsets inside the MSI cap, 0 if not maskable */
	uint16_t msi_pending_off;
	uint16_t msi_data_off;

	struct uvfio_pcicfg_msix_layout msix_layout;
	uint8_t *msix_table; /* nvec * PCI_MSIX_ENTRY_SIZE, little-endian */
	uint8_t *msix_pba;   /* pba_size bytes */

	/* Per-byte arrays of @size bytes each, carved from one allocation. */
	uint8_t *shadow; /* what the driver sees (virtualised bits) */
	uint8_t *init;	 /* power-on values */
	uint8_t *virt;	 /* bits served from the shadow */
	uint8_t *wmask;	 /* bits a write changes */
	uint8_t *w1c;	 /* bits a write of 1 clears */
	uint8_t *map;	 /* owner index into caps[] */
	uint8_t mem[];
};

/* Little-endian access to config-space bytes (PCI LB 3.0 §6.1: registers are
 * little-endian). */
static inline uint16_t pcicfg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pcicfg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint32_t pcicfg_getn(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static inline void pcicfg_putn(uint8_t *p, unsigned int n, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void pcicfg_put16(uint8_t *p, uint16_t v)
{
	pcicfg_putn(p, 2, v);
}

static inline void pcicfg_put32(uint8_t *p, uint32_t v)
{
	pcicfg_putn(p, 4, v);
}

/* A value placed in the field @mask (contiguous bits), like the kernel's
 * FIELD_PREP. */
#define PCICFG_FIELD(mask, v) ((uint32_t)(v) * ((uint32_t)(mask) & -(uint32_t)(mask)))

/* pcicfg.c: placing capabilities and adjusting one instance's permissions. */
int pcicfg_add_std(struct uvfio_pcicfg *cfg, uint8_t id, const struct pcicfg_table *t,
		   unsigned int len);
int pcicfg_add_ext(struct uvfio_pcicfg *cfg, uint16_t id, uint8_t version,
		   const struct pcicfg_table *t, unsigned int len);
void pcicfg_set_init(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int size, uint32_t v);
void pcicfg_set_write(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int size, uint32_t mask);
void pcicfg_reset_internal(struct uvfio_pcicfg *cfg);
void pcicfg_do_flr(struct uvfio_pcicfg *cfg);

/* Value of the register [@roff, @roff + @size) of @cap before a write of
 * [@off, @off + @len) whose old bytes are @old; bytes outside the write are
 * unchanged, so come from the shadow. */
uint32_t pcicfg_reg_old(const struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap,
			unsigned int off, unsigned int len, const uint8_t *old, unsigned int roff,
			unsigned int size);

static inline bool pcicfg_touches(unsigned int off, unsigned int len, unsigned int roff,
				  unsigned int size)
{
	return off < roff + size && roff < off + len;
}

/* pcicfg_caps.c: the header table (used at creation) and MSI-X helpers. */
extern const struct pcicfg_table pcicfg_header_table;
extern const struct pcicfg_table pcicfg_gap_table;
extern const struct pcicfg_table pcicfg_ext_empty_table;
bool pcicfg_msix_vector_masked(const struct uvfio_pcicfg *cfg, unsigned int vector);
void pcicfg_msix_reset_table(struct uvfio_pcicfg *cfg);

#endif /* UVFIO_PCICFG_PRIV_H */
