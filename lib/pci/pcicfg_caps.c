// SPDX-License-Identifier: MIT
/*
 * lib/pci/pcicfg_caps.c - the permission tables of the type-0 header and of
 * every capability we build, their write hooks, the builders, and the MSI /
 * MSI-X state accessors.
 *
 * Each table lists registers with their power-on value, writable bits, RW1C
 * bits and non-virtualised bits (linux-vfio.md §2.1, perm_bits); a register
 * not listed is virtual and read-only.  Adding a capability means adding a
 * table, a builder that places it, and a hook if writes mean something.
 *
 * Where vfio-pci passes bits to hardware we have none: an emulated device's
 * registers live in the shadow, except vendor-specific bodies, which go to
 * the model raw as vfio-pci's do (linux-vfio.md §2.3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci/pcicfg_priv.h"

/* ---- type-0 header (PCI LB 3.0 §6.1, §6.2; linux-vfio.md §2.2) ---------- */

/* PCI LB 3.0 §6.2.2: the COMMAND bits a function of ours implements; the
 * rest (special cycles, MWI, VGA snoop, stepping, fast back-to-back) are
 * hardwired 0. */
#define HEADER_COMMAND_WRITE                                                                       \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |           \
	 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

/* PCI LB 3.0 §6.2.3: the STATUS error bits are write-one-to-clear. */
#define HEADER_STATUS_RW1C                                                                         \
	(PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_REC_MASTER_ABORT |  \
	 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY)

/*
 * Identity, class, header type (0, single function), BIST (0: not capable),
 * capability pointer, interrupt pin, Min_Gnt/Max_Lat: read-only.  BARs and
 * the ROM are read-only here and opened up by uvfio_pcicfg_set_bar/_rom
 * for the bits their size leaves writable.
 */
static const struct pcicfg_reg header_regs[] = {
	{.off = PCI_COMMAND, .size = 2, .write = HEADER_COMMAND_WRITE},
	{.off = PCI_STATUS, .size = 2, .rw1c = HEADER_STATUS_RW1C},
	{.off = PCI_CACHE_LINE_SIZE, .size = 1, .write = 0xff},
	{.off = PCI_LATENCY_TIMER, .size = 1, .write = 0xff},
	{.off = PCI_INTERRUPT_LINE, .size = 1, .write = 0xff}, /* scratch for the OS */
};

static void header_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
			   unsigned int len, const uint8_t *old)
{
	uint16_t was;
	uint16_t now;

	if (!pcicfg_touches(off, len, PCI_COMMAND, 2))
		return;
	was = (uint16_t)pcicfg_reg_old(cfg, cap, off, len, old, PCI_COMMAND, 2);
	now = pcicfg_get16(cfg->shadow + PCI_COMMAND);
	if (was != now && cfg->ev.command)
		cfg->ev.command(cfg->ev.opaque, was, now);
}

const struct pcicfg_table pcicfg_header_table = {
	.name = "header",
	.len = PCI_STD_HEADER_SIZEOF,
	.regs = header_regs,
	.nregs = sizeof(header_regs) / sizeof(header_regs[0]),
	.written = header_written,
};

/* Bytes no capability owns: raw to the model, as vfio-pci's unassigned_perms
 * (linux-vfio.md §2.1). */
const struct pcicfg_table pcicfg_gap_table = {
	.name = "unassigned",
	.rest_raw = 0xff,
	.rest_write = 0xff,
};

/* The dword at 0x100 of a PCIe space without extended capabilities: 0,
 * read-only (PCIe r4.0 §7.6.3; vfio-pci synthesises one the same way). */
const struct pcicfg_table pcicfg_ext_empty_table = {
	.name = "ext-empty",
	.len = 4,
};

/* ---- Power Management (PCI PM 1.2 §3.2) --------------------------------- */

/* PCI PM 1.2 §3.2.3: PMC version 011b = this spec. */
#define PM_PMC_VERSION 3

/*
 * PMC: version 3, no D1/D2, no PME support (vfio-pci also virtualises
 * PME_Support to 0).  PMCSR: only PowerState is writable; PME_En and
 * PME_Status read 0, as permitted without PME support (PCI PM 1.2 §3.2.4)
 * and as vfio-pci virtualises them.  No_Soft_Reset is set: the model keeps
 * its state across D3hot -> D0, so the OS needs no reset to bring it back.
 */
static const struct pcicfg_reg pm_regs[] = {
	{.off = PCI_PM_PMC, .size = 2, .init = PM_PMC_VERSION},
	{.off = PCI_PM_CTRL,
	 .size = 2,
	 .init = PCI_PM_CTRL_NO_SOFT_RESET,
	 .write = PCI_PM_CTRL_STATE_MASK},
};

static void pm_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
		       unsigned int len, const uint8_t *old)
{
	uint8_t *reg = cfg->shadow + cap->off + PCI_PM_CTRL;
	unsigned int was;
	unsigned int now;
	uint16_t v;

	if (!pcicfg_touches(off, len, PCI_PM_CTRL, 2))
		return;
	was = pcicfg_reg_old(cfg, cap, off, len, old, PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK;
	v = pcicfg_get16(reg);
	now = v & PCI_PM_CTRL_STATE_MASK;
	if (now == 1 || now == 2) {
		/* D1/D2 not supported: "the write completes normally, the data
		 * is discarded and no state change occurs" (PCI PM 1.2 §3.2.4). */
		v = (uint16_t)((v & ~PCI_PM_CTRL_STATE_MASK) | was);
		pcicfg_put16(reg, v);
		now = was;
	}
	if (now != was && cfg->ev.power_state)
		cfg->ev.power_state(cfg->ev.opaque, now);
}

static const struct pcicfg_table pm_table = {
	.name = "Power Management",
	.len = PCI_PM_SIZEOF,
	.regs = pm_regs,
	.nregs = sizeof(pm_regs) / sizeof(pm_regs[0]),
	.written = pm_written,
};

/**
 * uvfio_pcicfg_add_pm() - add a Power Management capability (PCI PM 1.2).
 * @cfg: the config space.
 *
 * D0 and D3hot only; writes of D1/D2 are discarded.  A PowerState change
 * fires power_state().
 * Return: offset, -EEXIST, -ENOSPC.
 */
int uvfio_pcicfg_add_pm(struct uvfio_pcicfg *cfg)
{
	int off;

	if (!cfg)
		return -EINVAL;
	if (cfg->pm)
		return -EEXIST;
	off = pcicfg_add_std(cfg, PCI_CAP_ID_PM, &pm_table, PCI_PM_SIZEOF);
	if (off > 0)
		cfg->pm = (uint16_t)off;
	return off;
}

/**
 * uvfio_pcicfg_power_state() - PMCSR PowerState (0 = D0 .. 3 = D3hot).
 * @cfg: the config space.
 * Return: the state; 0 without a PM capability.
 */
unsigned int uvfio_pcicfg_power_state(const struct uvfio_pcicfg *cfg)
{
	if (!cfg || !cfg->pm)
		return 0;
	return pcicfg_get16(cfg->shadow + cfg->pm + PCI_PM_CTRL) & PCI_PM_CTRL_STATE_MASK;
}

/* ---- MSI (PCI LB 3.0 §6.8.1), four layouts ------------------------------ */

/* Message Control: Enable and Multiple Message Enable writable; Multiple
 * Message Capable, 64-bit and per-vector-masking bits set by the builder. */
#define MSI_FLAGS_REG                                                                              \
	{                                                                                          \
		.off = PCI_MSI_FLAGS, .size = 2,                                                   \
		.write = PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE                                \
	}
/* PCI LB 3.0 §6.8.1.4: the address is dword aligned, bits 1:0 read 0. */
#define MSI_ADDR_LO_REG                                                                            \
	{                                                                                          \
		.off = PCI_MSI_ADDRESS_LO, .size = 4, .write = 0xfffffffc                          \
	}

/* The builder narrows the mask bits to the vectors implemented (§6.8.1.8);
 * pending bits are read-only, set by the device (§6.8.1.9). */
static const struct pcicfg_reg msi32_regs[] = {
	MSI_FLAGS_REG,
	MSI_ADDR_LO_REG,
	{.off = PCI_MSI_DATA_32, .size = 2, .write = 0xffff},
	{.off = PCI_MSI_MASK_32, .size = 4, .write = 0xffffffff},
	{.off = PCI_MSI_PENDING_32, .size = 4},
};

static const struct pcicfg_reg msi64_regs[] = {
	MSI_FLAGS_REG,
	MSI_ADDR_LO_REG,
	{.off = PCI_MSI_ADDRESS_HI, .size = 4, .write = 0xffffffff},
	{.off = PCI_MSI_DATA_64, .size = 2, .write = 0xffff},
	{.off = PCI_MSI_MASK_64, .size = 4, .write = 0xffffffff},
	{.off = PCI_MSI_PENDING_64, .size = 4},
};

static void msi_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
			unsigned int len, const uint8_t *old);

/* Lengths are the structures' (10/14/20/24 bytes, linux-vfio.md §2.3)
 * rounded up to a dword; the tables of the short layouts stop before the
 * mask registers. */
static const struct pcicfg_table msi_tables[4] = {
	[0] = {.name = "MSI", .len = 12, .regs = msi32_regs, .nregs = 3, .written = msi_written},
	[UVFIO_PCICFG_MSI_64BIT] =
		{.name = "MSI", .len = 16, .regs = msi64_regs, .nregs = 4, .written = msi_written},
	[UVFIO_PCICFG_MSI_MASKABLE] =
		{.name = "MSI", .len = 20, .regs = msi32_regs, .nregs = 5, .written = msi_written},
	[UVFIO_PCICFG_MSI_64BIT | UVFIO_PCICFG_MSI_MASKABLE] =
		{.name = "MSI", .len = 24, .regs = msi64_regs, .nregs = 6, .written = msi_written},
};

static unsigned int ilog2_u(unsigned int v)
{
	unsigned int r = 0;

	while (v >>= 1)
		r++;
	return r;
}

static uint32_t msi_vec_mask(const struct uvfio_pcicfg *cfg)
{
	return cfg->msi_nvec >= 32 ? 0xffffffffu : (1u << cfg->msi_nvec) - 1;
}

static void msi_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
			unsigned int len, const uint8_t *old)
{
	uint8_t *base = cfg->shadow + cap->off;

	if (pcicfg_touches(off, len, PCI_MSI_FLAGS, 2)) {
		uint16_t was = (uint16_t)pcicfg_reg_old(cfg, cap, off, len, old, PCI_MSI_FLAGS, 2);
		uint16_t now = pcicfg_get16(base + PCI_MSI_FLAGS);
		unsigned int mmc = (now & PCI_MSI_FLAGS_QMASK) >> 1;
		unsigned int mme = (now & PCI_MSI_FLAGS_QSIZE) >> 4;

		/* MME above MMC is undefined (PCI LB 3.0 §6.8.1.3); clamp it
		 * as vfio-pci clamps QSIZE to its qmax (linux-vfio.md §2.3). */
		if (mme > mmc) {
			mme = mmc;
			now = (uint16_t)((now & ~PCI_MSI_FLAGS_QSIZE) |
					 PCICFG_FIELD(PCI_MSI_FLAGS_QSIZE, mme));
			pcicfg_put16(base + PCI_MSI_FLAGS, now);
		}
		if (((was ^ now) & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)) &&
		    cfg->ev.msi_ctrl)
			cfg->ev.msi_ctrl(cfg->ev.opaque, now & PCI_MSI_FLAGS_ENABLE, 1u << mme);
	}
	if (cfg->msi_mask_off && pcicfg_touches(off, len, cfg->msi_mask_off, 4)) {
		uint32_t was = pcicfg_reg_old(cfg, cap, off, len, old, cfg->msi_mask_off, 4);
		uint32_t now = pcicfg_get32(base + cfg->msi_mask_off);
		uint32_t changed = (was ^ now) & msi_vec_mask(cfg);
		unsigned int v;

		for (v = 0; changed && v < cfg->msi_nvec; v++)
			if ((changed & (1u << v)) && cfg->ev.vector_mask)
				cfg->ev.vector_mask(cfg->ev.opaque, false, v, now & (1u << v));
	}
}

/**
 * uvfio_pcicfg_add_msi() - add an MSI capability (PCI LB 3.0 §6.8.1).
 * @cfg: the config space.
 * @nvec: vectors implemented: 1, 2, 4, 8, 16 or 32 (Multiple Message Capable).
 * @flags: UVFIO_PCICFG_MSI_64BIT, UVFIO_PCICFG_MSI_MASKABLE.
 *
 * Enable and MME are writable (MME clamped to MMC), changes fire msi_ctrl();
 * mask bits of implemented vectors are writable and fire vector_mask();
 * pending bits are set with uvfio_pcicfg_msi_set_pending().
 * Return: offset, -EINVAL, -EEXIST, -ENOSPC.
 */
int uvfio_pcicfg_add_msi(struct uvfio_pcicfg *cfg, unsigned int nvec, unsigned int flags)
{
	const unsigned int known = UVFIO_PCICFG_MSI_64BIT | UVFIO_PCICFG_MSI_MASKABLE;
	const struct pcicfg_table *t;
	bool is64 = flags & UVFIO_PCICFG_MSI_64BIT;
	bool maskable = flags & UVFIO_PCICFG_MSI_MASKABLE;
	uint16_t ctrl;
	int off;

	if (!cfg || (flags & ~known) || nvec < 1 || nvec > 32 || (nvec & (nvec - 1)))
		return -EINVAL;
	if (cfg->msi)
		return -EEXIST;
	t = &msi_tables[flags];
	off = pcicfg_add_std(cfg, PCI_CAP_ID_MSI, t, t->len);
	if (off < 0)
		return off;

	cfg->msi = (uint16_t)off;
	cfg->msi_nvec = nvec;
	cfg->msi_flags = flags;
	cfg->msi_data_off = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	ctrl = (uint16_t)PCICFG_FIELD(PCI_MSI_FLAGS_QMASK, ilog2_u(nvec));
	if (is64)
		ctrl |= PCI_MSI_FLAGS_64BIT;
	if (maskable) {
		ctrl |= PCI_MSI_FLAGS_MASKBIT;
		cfg->msi_mask_off = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
		cfg->msi_pending_off = is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32;
		/* PCI LB 3.0 §6.8.1.8: mask bits of vectors not implemented
		 * are reserved (read 0). */
		pcicfg_set_write(cfg, off + cfg->msi_mask_off, 4, msi_vec_mask(cfg));
	}
	pcicfg_set_init(cfg, off + PCI_MSI_FLAGS, 2, ctrl);
	return off;
}

int uvfio_pcicfg_msi(const struct uvfio_pcicfg *cfg, bool *enabled, unsigned int *nvec,
		     uint64_t *addr, uint16_t *data)
{
	const uint8_t *base;
	uint16_t ctrl;

	if (!cfg)
		return -EINVAL;
	if (!cfg->msi)
		return -ENOENT;
	base = cfg->shadow + cfg->msi;
	ctrl = pcicfg_get16(base + PCI_MSI_FLAGS);
	if (enabled)
		*enabled = ctrl & PCI_MSI_FLAGS_ENABLE;
	if (nvec)
		*nvec = 1u << ((ctrl & PCI_MSI_FLAGS_QSIZE) >> 4);
	if (addr) {
		*addr = pcicfg_get32(base + PCI_MSI_ADDRESS_LO);
		if (cfg->msi_flags & UVFIO_PCICFG_MSI_64BIT)
			*addr |= (uint64_t)pcicfg_get32(base + PCI_MSI_ADDRESS_HI) << 32;
	}
	if (data)
		*data = pcicfg_get16(base + cfg->msi_data_off);
	return 0;
}

bool uvfio_pcicfg_msi_masked(const struct uvfio_pcicfg *cfg, unsigned int vector)
{
	if (!cfg || !cfg->msi || !cfg->msi_mask_off || vector >= cfg->msi_nvec)
		return false;
	return pcicfg_get32(cfg->shadow + cfg->msi + cfg->msi_mask_off) & (1u << vector);
}

/**
 * uvfio_pcicfg_msi_set_pending() - set or clear MSI pending bit @vector.
 * @cfg: the config space.
 * @vector: below the vectors implemented.
 * @pending: new state.
 *
 * Only a maskable MSI has pending bits (PCI LB 3.0 §6.8.1.9); otherwise, or
 * for a vector out of range, nothing happens.
 */
void uvfio_pcicfg_msi_set_pending(struct uvfio_pcicfg *cfg, unsigned int vector, bool pending)
{
	uint8_t *reg;
	uint32_t v;

	if (!cfg || !cfg->msi || !cfg->msi_pending_off || vector >= cfg->msi_nvec)
		return;
	reg = cfg->shadow + cfg->msi + cfg->msi_pending_off;
	v = pcicfg_get32(reg);
	if (pending)
		v |= 1u << vector;
	else
		v &= ~(1u << vector);
	pcicfg_put32(reg, v);
}

bool uvfio_pcicfg_msi_pending(const struct uvfio_pcicfg *cfg, unsigned int vector)
{
	if (!cfg || !cfg->msi || !cfg->msi_pending_off || vector >= cfg->msi_nvec)
		return false;
	return pcicfg_get32(cfg->shadow + cfg->msi + cfg->msi_pending_off) & (1u << vector);
}

/* ---- MSI-X (PCI LB 3.0 §6.8.2) ------------------------------------------ */

/* PCI LB 3.0 §6.8.2.3: Table Size (N - 1) is read-only; Function Mask and
 * MSI-X Enable are read-write.  vfio-pci makes them read-only because QEMU
 * emulates them (linux-vfio.md §2.3); here we are that emulation. */
static const struct pcicfg_reg msix_regs[] = {
	{.off = PCI_MSIX_FLAGS, .size = 2, .write = PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE},
	{.off = PCI_MSIX_TABLE, .size = 4},
	{.off = PCI_MSIX_PBA, .size = 4},
};

static uint16_t msix_ctrl(const struct uvfio_pcicfg *cfg)
{
	return pcicfg_get16(cfg->shadow + cfg->msix + PCI_MSIX_FLAGS);
}

static bool msix_entry_masked(const struct uvfio_pcicfg *cfg, unsigned int vector)
{
	const uint8_t *e = cfg->msix_table + (size_t)vector * PCI_MSIX_ENTRY_SIZE;

	return pcicfg_get32(e + PCI_MSIX_ENTRY_VECTOR_CTRL) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

bool pcicfg_msix_vector_masked(const struct uvfio_pcicfg *cfg, unsigned int vector)
{
	return (msix_ctrl(cfg) & PCI_MSIX_FLAGS_MASKALL) || msix_entry_masked(cfg, vector);
}

static void msix_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
			 unsigned int len, const uint8_t *old)
{
	const uint16_t bits = PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE;
	uint16_t was;
	uint16_t now;
	unsigned int v;

	if (!pcicfg_touches(off, len, PCI_MSIX_FLAGS, 2))
		return;
	was = (uint16_t)pcicfg_reg_old(cfg, cap, off, len, old, PCI_MSIX_FLAGS, 2);
	now = msix_ctrl(cfg);
	if (!((was ^ now) & bits))
		return;
	if (cfg->ev.msix_ctrl)
		cfg->ev.msix_ctrl(cfg->ev.opaque, now & PCI_MSIX_FLAGS_ENABLE,
				  now & PCI_MSIX_FLAGS_MASKALL);
	/* The function mask changes the effective mask of every vector its
	 * own bit leaves unmasked (PCI LB 3.0 §6.8.2.3). */
	if (!((was ^ now) & PCI_MSIX_FLAGS_MASKALL) || !cfg->ev.vector_mask)
		return;
	for (v = 0; v < cfg->msix_layout.nvec; v++)
		if (!msix_entry_masked(cfg, v))
			cfg->ev.vector_mask(cfg->ev.opaque, true, v, now & PCI_MSIX_FLAGS_MASKALL);
}

static const struct pcicfg_table msix_table = {
	.name = "MSI-X",
	.len = PCI_CAP_MSIX_SIZEOF,
	.regs = msix_regs,
	.nregs = sizeof(msix_regs) / sizeof(msix_regs[0]),
	.written = msix_written,
};

/* PCI LB 3.0 §6.8.2.9: after reset every vector is masked, the rest 0. */
void pcicfg_msix_reset_table(struct uvfio_pcicfg *cfg)
{
	unsigned int v;

	memset(cfg->msix_table, 0, cfg->msix_layout.table_size);
	memset(cfg->msix_pba, 0, cfg->msix_layout.pba_size);
	for (v = 0; v < cfg->msix_layout.nvec; v++)
		pcicfg_put32(cfg->msix_table + (size_t)v * PCI_MSIX_ENTRY_SIZE +
				     PCI_MSIX_ENTRY_VECTOR_CTRL,
			     PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

/* A structure of @size bytes at @off in @bar fits in what we know of it. */
static bool msix_fits(const struct uvfio_pcicfg *cfg, unsigned int bar, uint64_t off, uint64_t size)
{
	if (bar >= PCI_STD_NUM_BARS || (off & ~(uint64_t)PCI_MSIX_TABLE_OFFSET))
		return false;
	if (cfg->bar_upper[bar])
		return false;
	if (!cfg->bar_size[bar])
		return true; /* BAR declared later; the device layer checks */
	if (cfg->bar_flags[bar] & PCI_BASE_ADDRESS_SPACE_IO)
		return false;
	return off + size <= cfg->bar_size[bar];
}

/**
 * uvfio_pcicfg_add_msix() - add an MSI-X capability (PCI LB 3.0 §6.8.2).
 * @cfg: the config space.
 * @nvec: 1..2048 vectors.
 * @table_bar, @table_off: where the table lives (8-byte aligned offset).
 * @pba_bar, @pba_off: where the PBA lives (8-byte aligned, not overlapping).
 *
 * If a BAR is already declared, the structure must fit inside it and it must
 * be a memory BAR; a BAR declared later is not checked here.  The table
 * starts with every vector masked.
 * Return: offset, -EINVAL, -EEXIST, -ENOSPC, -ENOMEM.
 */
int uvfio_pcicfg_add_msix(struct uvfio_pcicfg *cfg, unsigned int nvec, unsigned int table_bar,
			  uint32_t table_off, unsigned int pba_bar, uint32_t pba_off)
{
	struct uvfio_pcicfg_msix_layout l = {
		.nvec = nvec,
		.table_bar = table_bar,
		.table_off = table_off,
		.table_size = nvec * PCI_MSIX_ENTRY_SIZE,
		.pba_bar = pba_bar,
		.pba_off = pba_off,
		.pba_size = (nvec + 63) / 64 * 8,
	};
	uint8_t *mem;
	int off;

	if (!cfg || nvec < 1 || nvec > PCI_MSIX_FLAGS_QSIZE + 1)
		return -EINVAL;
	if (!msix_fits(cfg, table_bar, table_off, l.table_size) ||
	    !msix_fits(cfg, pba_bar, pba_off, l.pba_size))
		return -EINVAL;
	if (table_bar == pba_bar && (uint64_t)table_off < (uint64_t)pba_off + l.pba_size &&
	    (uint64_t)pba_off < (uint64_t)table_off + l.table_size)
		return -EINVAL;
	if (cfg->msix)
		return -EEXIST;
	mem = malloc(l.table_size + l.pba_size);
	if (!mem)
		return -ENOMEM;
	off = pcicfg_add_std(cfg, PCI_CAP_ID_MSIX, &msix_table, PCI_CAP_MSIX_SIZEOF);
	if (off < 0) {
		free(mem);
		return off;
	}
	cfg->msix = (uint16_t)off;
	cfg->msix_layout = l;
	cfg->msix_table = mem;
	cfg->msix_pba = mem + l.table_size;
	pcicfg_msix_reset_table(cfg);
	pcicfg_set_init(cfg, off + PCI_MSIX_FLAGS, 2, nvec - 1);
	pcicfg_set_init(cfg, off + PCI_MSIX_TABLE, 4, table_off | table_bar);
	pcicfg_set_init(cfg, off + PCI_MSIX_PBA, 4, pba_off | pba_bar);
	return off;
}

int uvfio_pcicfg_msix(const struct uvfio_pcicfg *cfg, struct uvfio_pcicfg_msix_layout *layout,
		      bool *enabled, bool *function_masked)
{
	if (!cfg)
		return -EINVAL;
	if (!cfg->msix)
		return -ENOENT;
	if (layout)
		*layout = cfg->msix_layout;
	if (enabled)
		*enabled = msix_ctrl(cfg) & PCI_MSIX_FLAGS_ENABLE;
	if (function_masked)
		*function_masked = msix_ctrl(cfg) & PCI_MSIX_FLAGS_MASKALL;
	return 0;
}

/* PCI LB 3.0 §6.8.2: table and PBA take aligned dword or qword accesses. */
static int msix_check(const struct uvfio_pcicfg *cfg, uint32_t off, const void *buf,
		      unsigned int len, uint32_t size)
{
	if (!cfg || !buf)
		return -EINVAL;
	if (!cfg->msix)
		return -ENOENT;
	if ((len != 4 && len != 8) || (off & (len - 1)) || off >= size || len > size - off)
		return -EINVAL;
	return 0;
}

int uvfio_pcicfg_msix_table_read(struct uvfio_pcicfg *cfg, uint32_t off, void *buf,
				 unsigned int len)
{
	int ret = msix_check(cfg, off, buf, len, cfg ? cfg->msix_layout.table_size : 0);

	if (ret)
		return ret;
	memcpy(buf, cfg->msix_table + off, len);
	return 0;
}

/* PCI LB 3.0 §6.8.2.4-6.8.2.8: address bits 1:0 read 0; of Vector Control
 * only the Mask Bit is defined, the rest is reserved (0). */
static uint32_t msix_entry_write_mask(unsigned int field)
{
	switch (field) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		return 0xfffffffc;
	case PCI_MSIX_ENTRY_VECTOR_CTRL:
		return PCI_MSIX_ENTRY_CTRL_MASKBIT;
	default:
		return 0xffffffff;
	}
}

int uvfio_pcicfg_msix_table_write(struct uvfio_pcicfg *cfg, uint32_t off, const void *buf,
				  unsigned int len)
{
	const uint8_t *in = buf;
	int ret = msix_check(cfg, off, buf, len, cfg ? cfg->msix_layout.table_size : 0);
	unsigned int i;

	if (ret)
		return ret;
	for (i = 0; i < len; i += 4) {
		uint32_t at = off + i;
		unsigned int vector = at / PCI_MSIX_ENTRY_SIZE;
		unsigned int field = at % PCI_MSIX_ENTRY_SIZE;
		uint32_t m = msix_entry_write_mask(field);
		bool was = pcicfg_msix_vector_masked(cfg, vector);
		bool now;

		pcicfg_put32(cfg->msix_table + at, pcicfg_get32(in + i) & m);
		if (field != PCI_MSIX_ENTRY_VECTOR_CTRL)
			continue;
		now = pcicfg_msix_vector_masked(cfg, vector);
		if (was != now && cfg->ev.vector_mask)
			cfg->ev.vector_mask(cfg->ev.opaque, true, vector, now);
	}
	return 0;
}

int uvfio_pcicfg_msix_pba_read(struct uvfio_pcicfg *cfg, uint32_t off, void *buf, unsigned int len)
{
	int ret = msix_check(cfg, off, buf, len, cfg ? cfg->msix_layout.pba_size : 0);

	if (ret)
		return ret;
	memcpy(buf, cfg->msix_pba + off, len);
	return 0;
}

bool uvfio_pcicfg_msix_masked(const struct uvfio_pcicfg *cfg, unsigned int vector)
{
	if (!cfg || !cfg->msix || vector >= cfg->msix_layout.nvec)
		return true;
	return pcicfg_msix_vector_masked(cfg, vector);
}

/**
 * uvfio_pcicfg_msix_set_pending() - set or clear PBA bit @vector.
 * @cfg: the config space.
 * @vector: below nvec; others are ignored.
 * @pending: new state.
 *
 * The PBA is read-only to the driver (PCI LB 3.0 §6.8.2.10); the device
 * layer sets a bit when a masked vector fires and clears it when it sends
 * the message after unmasking.
 */
void uvfio_pcicfg_msix_set_pending(struct uvfio_pcicfg *cfg, unsigned int vector, bool pending)
{
	if (!cfg || !cfg->msix || vector >= cfg->msix_layout.nvec)
		return;
	if (pending)
		cfg->msix_pba[vector / 8] |= (uint8_t)(1u << (vector % 8));
	else
		cfg->msix_pba[vector / 8] &= (uint8_t) ~(1u << (vector % 8));
}

bool uvfio_pcicfg_msix_pending(const struct uvfio_pcicfg *cfg, unsigned int vector)
{
	if (!cfg || !cfg->msix || vector >= cfg->msix_layout.nvec)
		return false;
	return cfg->msix_pba[vector / 8] & (1u << (vector % 8));
}

/* ---- PCI Express capability v2 (PCIe r4.0 §7.5.3) ----------------------- */

/* PCIe r4.0 §7.5.3.4: the Device Control bits of an endpoint that may be
 * written.  Phantom Functions and Aux Power PM are hardwired 0 (neither is
 * supported); Initiate FLR is added by the builder when FLR is. */
#define PCIE_DEVCTL_WRITE                                                                          \
	(PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |  \
	 PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_EXT_TAG |               \
	 PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ)
/* PCIe r4.0 §7.5.3.4 defaults: Relaxed Ordering and No Snoop enabled,
 * Max_Payload_Size 128 B, Max_Read_Request_Size 512 B. */
#define PCIE_DEVCTL_INIT                                                                           \
	(PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B)
/* PCIe r4.0 §7.5.3.5: error-detected bits are RW1C. */
#define PCIE_DEVSTA_RW1C                                                                           \
	(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD)
/* PCIe r4.0 §7.5.3.7: of Link Control an endpoint implements ASPM Control,
 * RCB, Common Clock and Extended Synch; the rest is for ports or for
 * features we do not advertise (clock PM, autonomous width). */
#define PCIE_LNKCTL_WRITE                                                                          \
	(PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES)

/*
 * A virtual x1 link at 2.5 GT/s, no ASPM, 128-byte payloads, 8-bit tags,
 * role-based error reporting (mandatory since PCIe 1.1, r4.0 §7.5.3.3),
 * Completion Timeout Disable supported (DEVCTL2 bit writable).  Slot and
 * root registers are for ports: 0.
 */
static const struct pcicfg_reg pcie_regs[] = {
	{.off = PCI_EXP_DEVCAP, .size = 4, .init = PCI_EXP_DEVCAP_RBER | PCI_EXP_DEVCAP_EXT_TAG},
	{.off = PCI_EXP_DEVCTL, .size = 2, .init = PCIE_DEVCTL_INIT, .write = PCIE_DEVCTL_WRITE},
	{.off = PCI_EXP_DEVSTA, .size = 2, .rw1c = PCIE_DEVSTA_RW1C},
	{.off = PCI_EXP_LNKCAP,
	 .size = 4,
	 .init = PCI_EXP_LNKCAP_SLS_2_5GB | PCICFG_FIELD(PCI_EXP_LNKCAP_MLW, 1)},
	{.off = PCI_EXP_LNKCTL, .size = 2, .write = PCIE_LNKCTL_WRITE},
	{.off = PCI_EXP_LNKSTA,
	 .size = 2,
	 .init = PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1},
	{.off = PCI_EXP_DEVCAP2, .size = 4, .init = PCI_EXP_DEVCAP2_COMP_TMOUT_DIS},
	{.off = PCI_EXP_DEVCTL2, .size = 2, .write = PCI_EXP_DEVCTL2_COMP_TMOUT_DIS},
	{.off = PCI_EXP_LNKCAP2, .size = 4, .init = PCI_EXP_LNKCAP2_SLS_2_5GB},
	{.off = PCI_EXP_LNKCTL2, .size = 2, .init = PCI_EXP_LNKCTL2_TLS_2_5GT},
};

/* PCIe r4.0 §7.5.3: a v2 capability spans through Slot Status 2. */
#define PCIE_CAP_LEN (PCI_EXP_SLTSTA2 + 2)

static void pcie_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
			 unsigned int len, const uint8_t *old)
{
	uint8_t *reg = cfg->shadow + cap->off + PCI_EXP_DEVCTL;
	uint16_t v;

	(void)old;
	if (!pcicfg_touches(off, len, PCI_EXP_DEVCTL, 2))
		return;
	v = pcicfg_get16(reg);
	if (!(v & PCI_EXP_DEVCTL_BCR_FLR))
		return;
	/* PCIe r4.0 §7.5.3.4: Initiate Function Level Reset always reads 0. */
	pcicfg_put16(reg, v & (uint16_t)~PCI_EXP_DEVCTL_BCR_FLR);
	pcicfg_do_flr(cfg);
}

static const struct pcicfg_table pcie_table = {
	.name = "Express",
	.len = PCIE_CAP_LEN,
	.regs = pcie_regs,
	.nregs = sizeof(pcie_regs) / sizeof(pcie_regs[0]),
	.written = pcie_written,
};

/**
 * uvfio_pcicfg_add_pcie() - add a PCI Express capability, version 2.
 * @cfg: the config space.
 * @type: PCI_EXP_TYPE_ENDPOINT, PCI_EXP_TYPE_LEG_END or PCI_EXP_TYPE_RC_END
 *        (no link registers); ports are not supported.
 * @flags: UVFIO_PCICFG_PCIE_FLR: advertise FLR; writing Initiate FLR then
 *         resets config space and fires flr().
 *
 * On a device with this capability the Latency Timer reads 0 (PCIe r4.0
 * §7.5.1.1, Latency Timer: does not apply to PCI Express, hardwired 00h).
 * Return: offset, -EINVAL, -EEXIST, -ENOSPC.
 */
int uvfio_pcicfg_add_pcie(struct uvfio_pcicfg *cfg, unsigned int type, unsigned int flags)
{
	uint32_t devcap;
	int off;

	if (!cfg || (flags & ~UVFIO_PCICFG_PCIE_FLR))
		return -EINVAL;
	if (type != PCI_EXP_TYPE_ENDPOINT && type != PCI_EXP_TYPE_LEG_END &&
	    type != PCI_EXP_TYPE_RC_END)
		return -EINVAL;
	if (cfg->pcie)
		return -EEXIST;
	off = pcicfg_add_std(cfg, PCI_CAP_ID_EXP, &pcie_table, PCIE_CAP_LEN);
	if (off < 0)
		return off;
	cfg->pcie = (uint16_t)off;
	pcicfg_set_init(cfg, off + PCI_EXP_FLAGS, 2,
			PCICFG_FIELD(PCI_EXP_FLAGS_VERS, 2) |
				PCICFG_FIELD(PCI_EXP_FLAGS_TYPE, type));
	if (flags & UVFIO_PCICFG_PCIE_FLR) {
		devcap = pcicfg_get32(cfg->init + off + PCI_EXP_DEVCAP) | PCI_EXP_DEVCAP_FLR;
		pcicfg_set_init(cfg, off + PCI_EXP_DEVCAP, 4, devcap);
		pcicfg_set_write(cfg, off + PCI_EXP_DEVCTL, 2,
				 PCIE_DEVCTL_WRITE | PCI_EXP_DEVCTL_BCR_FLR);
	}
	if (type == PCI_EXP_TYPE_RC_END) {
		/* An integrated endpoint has no link (PCIe r4.0 §7.5.3.6). */
		pcicfg_set_init(cfg, off + PCI_EXP_LNKCAP, 4, 0);
		pcicfg_set_write(cfg, off + PCI_EXP_LNKCTL, 2, 0);
		pcicfg_set_init(cfg, off + PCI_EXP_LNKSTA, 2, 0);
		pcicfg_set_init(cfg, off + PCI_EXP_LNKCAP2, 4, 0);
		pcicfg_set_init(cfg, off + PCI_EXP_LNKCTL2, 2, 0);
	}
	/* The Latency Timer does not apply to PCI Express: hardwired 0. */
	pcicfg_set_write(cfg, PCI_LATENCY_TIMER, 1, 0);
	pcicfg_set_init(cfg, PCI_LATENCY_TIMER, 1, 0);
	return off;
}

/* ---- Advanced Features (PCI AF ECN: Advanced Capabilities for Conventional PCI) */

static const struct pcicfg_reg af_regs[] = {
	{.off = PCI_AF_LENGTH, .size = 1, .init = PCI_CAP_AF_SIZEOF},
	{.off = PCI_AF_CAP, .size = 1, .init = PCI_AF_CAP_TP | PCI_AF_CAP_FLR},
	{.off = PCI_AF_CTRL, .size = 1, .write = PCI_AF_CTRL_FLR},
	{.off = PCI_AF_STATUS, .size = 1}, /* TP: nothing is ever pending */
};

static void af_written(struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap, unsigned int off,
		       unsigned int len, const uint8_t *old)
{
	uint8_t *reg = cfg->shadow + cap->off + PCI_AF_CTRL;

	(void)old;
	if (!pcicfg_touches(off, len, PCI_AF_CTRL, 1) || !(*reg & PCI_AF_CTRL_FLR))
		return;
	/* AF ECN: Initiate FLR always returns 0 when read. */
	*reg &= (uint8_t)~PCI_AF_CTRL_FLR;
	pcicfg_do_flr(cfg);
}

static const struct pcicfg_table af_table = {
	.name = "PCI Advanced Features",
	.len = PCI_CAP_AF_SIZEOF,
	.regs = af_regs,
	.nregs = sizeof(af_regs) / sizeof(af_regs[0]),
	.written = af_written,
};

/**
 * uvfio_pcicfg_add_af() - add an Advanced Features capability with TP and FLR.
 * @cfg: the config space.
 * Writing AF_CTRL FLR resets config space and fires flr(); the bit reads 0.
 * Return: offset, -EEXIST, -ENOSPC.
 */
int uvfio_pcicfg_add_af(struct uvfio_pcicfg *cfg)
{
	int off;

	if (!cfg)
		return -EINVAL;
	if (cfg->af)
		return -EEXIST;
	off = pcicfg_add_std(cfg, PCI_CAP_ID_AF, &af_table, PCI_CAP_AF_SIZEOF);
	if (off > 0)
		cfg->af = (uint16_t)off;
	return off;
}

/* ---- Vendor-specific (PCI LB 3.0 §6.7, Appendix H: ID 09h) -------------- */

/* PCI LB 3.0 Appendix H: byte 2 of a vendor-specific capability is its
 * length, head included. */
#define VNDR_LEN_OFF 2
#define VNDR_HEAD_LEN 3

/* The head is ours; the body is the model's, read and written raw, as
 * vfio-pci passes vendor capabilities to the device (linux-vfio.md §2.3). */
static const struct pcicfg_reg vndr_regs[] = {
	{.off = VNDR_LEN_OFF, .size = 1},
};

static const struct pcicfg_table vndr_table = {
	.name = "Vendor Specific Information",
	.regs = vndr_regs,
	.nregs = 1,
	.rest_raw = 0xff,
	.rest_write = 0xff,
};

/**
 * uvfio_pcicfg_add_vendor() - add a vendor-specific capability.
 * @cfg: the config space.
 * @body: @len bytes after the 3-byte head, may be NULL (zeros).
 * @len: body length; head + body at most 255 bytes.
 *
 * Body bytes (and the padding to the next dword) are the model's: reads go
 * to raw_read and writes to raw_write.  Without a raw_read callback the body
 * reads as @body; without raw_write writes are dropped.  Several vendor
 * capabilities may be added.
 * Return: offset, -EINVAL, -ENOSPC.
 */
int uvfio_pcicfg_add_vendor(struct uvfio_pcicfg *cfg, const void *body, unsigned int len)
{
	int off;

	if (!cfg || len > 0xff - VNDR_HEAD_LEN)
		return -EINVAL;
	off = pcicfg_add_std(cfg, PCI_CAP_ID_VNDR, &vndr_table, VNDR_HEAD_LEN + len);
	if (off < 0)
		return off;
	pcicfg_set_init(cfg, off + VNDR_LEN_OFF, 1, VNDR_HEAD_LEN + len);
	if (body && len) {
		memcpy(cfg->shadow + off + VNDR_HEAD_LEN, body, len);
		memcpy(cfg->init + off + VNDR_HEAD_LEN, body, len);
	}
	return off;
}

/* ---- Advanced Error Reporting (PCIe r4.0 §7.8.4) ------------------------ */

/* PCIe r4.0 §7.8.4.2: the uncorrectable errors an endpoint may log. */
#define AER_UNCOR_BITS                                                                             \
	(PCI_ERR_UNC_DLP | PCI_ERR_UNC_SURPDN | PCI_ERR_UNC_POISON_TLP | PCI_ERR_UNC_FCP |         \
	 PCI_ERR_UNC_COMP_TIME | PCI_ERR_UNC_COMP_ABORT | PCI_ERR_UNC_UNX_COMP |                   \
	 PCI_ERR_UNC_RX_OVER | PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_ECRC | PCI_ERR_UNC_UNSUP |       \
	 PCI_ERR_UNC_ACSV | PCI_ERR_UNC_INTN | PCI_ERR_UNC_MCBTLP | PCI_ERR_UNC_ATOMEG |           \
	 PCI_ERR_UNC_TLPPRE)
/* PCIe r4.0 §7.8.4.5. */
#define AER_COR_BITS                                                                               \
	(PCI_ERR_COR_RCVR | PCI_ERR_COR_BAD_TLP | PCI_ERR_COR_BAD_DLLP | PCI_ERR_COR_REP_ROLL |    \
	 PCI_ERR_COR_REP_TIMER | PCI_ERR_COR_ADV_NFAT | PCI_ERR_COR_INTERNAL |                     \
	 PCI_ERR_COR_LOG_OVER)
/* PCIe r4.0 §7.8.4.3: Uncorrectable Internal Error is masked by default. */
#define AER_UNCOR_MASK_INIT PCI_ERR_UNC_INTN
/* PCIe r4.0 §7.8.4.4: errors that default to fatal. */
#define AER_UNCOR_SEVER_INIT                                                                       \
	(PCI_ERR_UNC_DLP | PCI_ERR_UNC_SURPDN | PCI_ERR_UNC_FCP | PCI_ERR_UNC_RX_OVER |            \
	 PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_INTN)
/* PCIe r4.0 §7.8.4.6: Advisory Non-Fatal, Corrected Internal and Header Log
 * Overflow are masked by default. */
#define AER_COR_MASK_INIT (PCI_ERR_COR_ADV_NFAT | PCI_ERR_COR_INTERNAL | PCI_ERR_COR_LOG_OVER)

/*
 * Status RW1C, mask and severity writable.  Capabilities and Control: no
 * ECRC capability, so its enables and the first error pointer read 0; the
 * header log reads 0.  Root registers are not part of an endpoint's cap
 * (vfio-pci sizes it to PCI_ERR_ROOT_COMMAND, linux-vfio.md §2.3).
 */
static const struct pcicfg_reg aer_regs[] = {
	{.off = PCI_ERR_UNCOR_STATUS, .size = 4, .rw1c = AER_UNCOR_BITS},
	{.off = PCI_ERR_UNCOR_MASK,
	 .size = 4,
	 .init = AER_UNCOR_MASK_INIT,
	 .write = AER_UNCOR_BITS},
	{.off = PCI_ERR_UNCOR_SEVER,
	 .size = 4,
	 .init = AER_UNCOR_SEVER_INIT,
	 .write = AER_UNCOR_BITS},
	{.off = PCI_ERR_COR_STATUS, .size = 4, .rw1c = AER_COR_BITS},
	{.off = PCI_ERR_COR_MASK, .size = 4, .init = AER_COR_MASK_INIT, .write = AER_COR_BITS},
};

static const struct pcicfg_table aer_table = {
	.name = "Advanced Error Reporting",
	.len = PCI_ERR_ROOT_COMMAND,
	.regs = aer_regs,
	.nregs = sizeof(aer_regs) / sizeof(aer_regs[0]),
};

/* PCIe r4.0 §7.8.4.1: version 2h. */
#define AER_VERSION 2

/**
 * uvfio_pcicfg_add_aer() - add an Advanced Error Reporting extended capability.
 * @cfg: a 4096-byte config space.
 * The model logs errors with uvfio_pcicfg_set_status_bits() on the status
 * registers; the driver clears them by writing 1.
 * Return: offset, -EINVAL (256-byte space), -EEXIST, -ENOSPC.
 */
int uvfio_pcicfg_add_aer(struct uvfio_pcicfg *cfg)
{
	int off;

	if (!cfg)
		return -EINVAL;
	if (cfg->aer)
		return -EEXIST;
	off = pcicfg_add_ext(cfg, PCI_EXT_CAP_ID_ERR, AER_VERSION, &aer_table, aer_table.len);
	if (off > 0)
		cfg->aer = (uint16_t)off;
	return off;
}

/* ---- Device Serial Number (PCIe r4.0 §7.9.3) ---------------------------- */

/* PCIe r4.0 §7.9.3: serial number lower dword at 4, upper at 8, read-only. */
#define DSN_LO 4
#define DSN_HI 8
#define DSN_VERSION 1

static const struct pcicfg_reg dsn_regs[] = {
	{.off = DSN_LO, .size = 4},
	{.off = DSN_HI, .size = 4},
};

static const struct pcicfg_table dsn_table = {
	.name = "Device Serial Number",
	.len = PCI_EXT_CAP_DSN_SIZEOF,
	.regs = dsn_regs,
	.nregs = sizeof(dsn_regs) / sizeof(dsn_regs[0]),
};

/**
 * uvfio_pcicfg_add_dsn() - add a Device Serial Number extended capability.
 * @cfg: a 4096-byte config space.
 * @serial: the 64-bit serial (EUI-64), read-only.
 * Return: offset, -EINVAL (256-byte space), -EEXIST, -ENOSPC.
 */
int uvfio_pcicfg_add_dsn(struct uvfio_pcicfg *cfg, uint64_t serial)
{
	int off;

	if (!cfg)
		return -EINVAL;
	if (cfg->dsn)
		return -EEXIST;
	off = pcicfg_add_ext(cfg, PCI_EXT_CAP_ID_DSN, DSN_VERSION, &dsn_table,
			     PCI_EXT_CAP_DSN_SIZEOF);
	if (off < 0)
		return off;
	cfg->dsn = (uint16_t)off;
	pcicfg_set_init(cfg, off + DSN_LO, 4, (uint32_t)serial);
	pcicfg_set_init(cfg, off + DSN_HI, 4, (uint32_t)(serial >> 32));
	return off;
}
