// SPDX-License-Identifier: MIT
/*
 * lib/pci/pcicfg.c - config space as data: the object, the access path, the
 * capability chain, BARs and reset.  The capability tables and their hooks
 * are in pcicfg_caps.c.
 *
 * Access semantics are vfio-pci's (linux-vfio.md §2.1): every access is cut
 * into naturally aligned 4/2/1-byte pieces that never cross a capability
 * boundary; each piece is served by its owner's per-byte masks:
 *   read:  (shadow & virt) | (raw & ~virt)
 *   write: virtual bits: (shadow & ~write) | (val & write), then RW1C bits
 *          where val has a 1 are cleared; non-virtual writable bits go to
 *          the device model; everything else is dropped silently.
 * then the owner's write hook turns the change into events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci/pcicfg_priv.h"

/* PCI LB 3.0 §6.2.5.1: an I/O BAR may not claim more than 256 bytes. */
#define PCICFG_IO_BAR_MAX 256u
/* PCI LB 3.0 §6.2.5.1: memory BARs decode at least 16 bytes, I/O BARs 4. */
#define PCICFG_MEM_BAR_MIN 16u
#define PCICFG_IO_BAR_MIN 4u
/* PCI LB 3.0 §6.2.5.2: the ROM BAR's address field is bits 31:11. */
#define PCICFG_ROM_MIN 2048u

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint8_t owner_of(const struct uvfio_pcicfg *cfg, unsigned int off)
{
	return cfg->map[off];
}

/*
 * Lay @t out over [@off, @off + @len) for owner @idx: per-byte masks, then
 * each register's masks and power-on value.
 */
static void apply_table(struct uvfio_pcicfg *cfg, unsigned int idx, unsigned int off,
			unsigned int len)
{
	const struct pcicfg_table *t = cfg->caps[idx].table;
	unsigned int i;
	unsigned int b;

	for (b = off; b < off + len; b++) {
		cfg->map[b] = (uint8_t)idx;
		cfg->virt[b] = (uint8_t)~t->rest_raw;
		cfg->wmask[b] = t->rest_write;
		cfg->w1c[b] = 0;
		cfg->shadow[b] = 0;
		cfg->init[b] = 0;
	}
	for (i = 0; i < t->nregs; i++) {
		const struct pcicfg_reg *r = &t->regs[i];

		if (r->off + r->size > len)
			continue; /* a layout shorter than the table (never for ours) */
		for (b = 0; b < r->size; b++) {
			unsigned int at = off + r->off + b;
			unsigned int sh = 8 * b;

			cfg->virt[at] = (uint8_t) ~(r->raw >> sh);
			cfg->wmask[at] = (uint8_t)(r->write >> sh);
			cfg->w1c[at] = (uint8_t)(r->rw1c >> sh);
			cfg->shadow[at] = (uint8_t)(r->init >> sh);
			cfg->init[at] = (uint8_t)(r->init >> sh);
		}
	}
}

/* The header bytes of a capability: virtual, read-only. */
static void make_fixed(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len)
{
	unsigned int b;

	for (b = off; b < off + len; b++) {
		cfg->virt[b] = 0xff;
		cfg->wmask[b] = 0;
		cfg->w1c[b] = 0;
	}
}

void pcicfg_set_init(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int size, uint32_t v)
{
	pcicfg_putn(cfg->shadow + off, size, v);
	pcicfg_putn(cfg->init + off, size, v);
}

void pcicfg_set_write(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int size, uint32_t mask)
{
	pcicfg_putn(cfg->wmask + off, size, mask);
}

uint32_t pcicfg_reg_old(const struct uvfio_pcicfg *cfg, const struct pcicfg_cap *cap,
			unsigned int off, unsigned int len, const uint8_t *old, unsigned int roff,
			unsigned int size)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++) {
		unsigned int at = roff + i;
		uint8_t b;

		if (at >= off && at < off + len)
			b = old[at - off];
		else
			b = cfg->shadow[cap->off + at];
		v |= (uint32_t)b << (8 * i);
	}
	return v;
}

static int new_owner(struct uvfio_pcicfg *cfg, const struct pcicfg_table *t, unsigned int off,
		     unsigned int len)
{
	unsigned int idx = cfg->ncaps;

	if (idx >= PCICFG_MAX_CAPS)
		return -ENOSPC;
	cfg->caps[idx].table = t;
	cfg->caps[idx].off = (uint16_t)off;
	cfg->caps[idx].len = (uint16_t)len;
	cfg->ncaps++;
	return (int)idx;
}

/*
 * Append a standard capability of @len bytes: dword aligned from 0x40 up,
 * linked from PCI_CAPABILITY_LIST or the previous capability's next pointer,
 * STATUS.CAP_LIST set (PCI LB 3.0 §6.7).  The bytes the capability takes
 * beyond @len up to the next dword belong to it and read 0.
 */
int pcicfg_add_std(struct uvfio_pcicfg *cfg, uint8_t id, const struct pcicfg_table *t,
		   unsigned int len)
{
	unsigned int off = cfg->std_free;
	unsigned int span = (len + 3) & ~3u;
	int idx;

	if (len < PCI_CAP_LIST_NEXT + 1)
		return -EINVAL;
	if (off + span > PCI_CFG_SPACE_SIZE)
		return -ENOSPC;
	idx = new_owner(cfg, t, off, span);
	if (idx < 0)
		return idx;
	apply_table(cfg, (unsigned int)idx, off, span);
	make_fixed(cfg, off, PCI_CAP_LIST_NEXT + 1);
	pcicfg_set_init(cfg, off + PCI_CAP_LIST_ID, 1, id);
	pcicfg_set_init(cfg, off + PCI_CAP_LIST_NEXT, 1, 0);

	if (cfg->std_tail) {
		pcicfg_set_init(cfg, cfg->std_tail + PCI_CAP_LIST_NEXT, 1, off);
	} else {
		pcicfg_set_init(cfg, PCI_CAPABILITY_LIST, 1, off);
		pcicfg_set_init(cfg, PCI_STATUS, 2,
				pcicfg_get16(cfg->init + PCI_STATUS) | PCI_STATUS_CAP_LIST);
	}
	cfg->std_tail = (uint16_t)off;
	cfg->std_free = (uint16_t)(off + span);
	return (int)off;
}

/* PCIe r4.0 §7.6.3: extended capability header = id | version << 16 | next << 20. */
static uint32_t ext_header(uint16_t id, uint8_t version, unsigned int next)
{
	return (uint32_t)id | (uint32_t)(version & 0xf) << 16 | (uint32_t)next << 20;
}

/*
 * Append an extended capability from 0x100 up, dword aligned, chained through
 * the previous header's next field.  The first one replaces the empty header
 * at 0x100.
 */
int pcicfg_add_ext(struct uvfio_pcicfg *cfg, uint16_t id, uint8_t version,
		   const struct pcicfg_table *t, unsigned int len)
{
	unsigned int off = cfg->ext_free;
	unsigned int span = (len + 3) & ~3u;
	int idx;

	if (cfg->size < PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	if (len < 4)
		return -EINVAL;
	if (off + span > cfg->size)
		return -ENOSPC;
	idx = new_owner(cfg, t, off, span);
	if (idx < 0)
		return idx;
	apply_table(cfg, (unsigned int)idx, off, span);
	make_fixed(cfg, off, 4);
	pcicfg_set_init(cfg, off, 4, ext_header(id, version, 0));
	if (cfg->ext_tail) {
		uint32_t prev = pcicfg_get32(cfg->init + cfg->ext_tail);

		prev = (prev & 0x000fffff) | (uint32_t)off << 20;
		pcicfg_set_init(cfg, cfg->ext_tail, 4, prev);
	}
	cfg->ext_tail = (uint16_t)off;
	cfg->ext_free = (uint16_t)(off + span);
	return (int)off;
}

int uvfio_pcicfg_new(const struct uvfio_pcicfg_id *id, bool extended,
		     const struct uvfio_pcicfg_events *ev, struct uvfio_pcicfg **out)
{
	unsigned int size = extended ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
	struct uvfio_pcicfg *cfg;
	uint8_t *p;

	if (!id || !out || id->irq_pin > 4 || id->class_code > 0xffffff)
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg) + 6 * (size_t)size);
	if (!cfg)
		return -ENOMEM;
	cfg->size = size;
	if (ev)
		cfg->ev = *ev;
	p = cfg->mem;
	cfg->shadow = p;
	cfg->init = p + size;
	cfg->virt = p + 2 * size;
	cfg->wmask = p + 3 * size;
	cfg->w1c = p + 4 * size;
	cfg->map = p + 5 * size;

	cfg->caps[PCICFG_OWNER_HEADER].table = &pcicfg_header_table;
	cfg->caps[PCICFG_OWNER_HEADER].off = 0;
	cfg->caps[PCICFG_OWNER_HEADER].len = PCI_STD_HEADER_SIZEOF;
	cfg->caps[PCICFG_OWNER_GAP].table = &pcicfg_gap_table;
	cfg->caps[PCICFG_OWNER_EXT_EMPTY].table = &pcicfg_ext_empty_table;
	cfg->ncaps = PCICFG_OWNER_FIRST_CAP;
	cfg->std_free = PCI_STD_HEADER_SIZEOF;
	cfg->ext_free = PCI_CFG_SPACE_SIZE;

	apply_table(cfg, PCICFG_OWNER_GAP, PCI_STD_HEADER_SIZEOF, size - PCI_STD_HEADER_SIZEOF);
	apply_table(cfg, PCICFG_OWNER_HEADER, 0, PCI_STD_HEADER_SIZEOF);
	if (extended) {
		/* No extended capability yet: the dword at 0x100 must read 0
		 * whatever the model returns for gaps (PCIe r4.0 §7.6.3). */
		cfg->caps[PCICFG_OWNER_EXT_EMPTY].off = PCI_CFG_SPACE_SIZE;
		cfg->caps[PCICFG_OWNER_EXT_EMPTY].len = 4;
		apply_table(cfg, PCICFG_OWNER_EXT_EMPTY, PCI_CFG_SPACE_SIZE, 4);
	}

	pcicfg_set_init(cfg, PCI_VENDOR_ID, 2, id->vendor);
	pcicfg_set_init(cfg, PCI_DEVICE_ID, 2, id->device);
	pcicfg_set_init(cfg, PCI_REVISION_ID, 1, id->revision);
	pcicfg_set_init(cfg, PCI_CLASS_PROG, 3, id->class_code);
	pcicfg_set_init(cfg, PCI_SUBSYSTEM_VENDOR_ID, 2, id->subsystem_vendor);
	pcicfg_set_init(cfg, PCI_SUBSYSTEM_ID, 2, id->subsystem_device);
	pcicfg_set_init(cfg, PCI_INTERRUPT_PIN, 1, id->irq_pin);
	*out = cfg;
	return 0;
}

void uvfio_pcicfg_free(struct uvfio_pcicfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->msix_table);
	free(cfg);
}

unsigned int uvfio_pcicfg_size(const struct uvfio_pcicfg *cfg)
{
	return cfg->size;
}

/* ---- the access path ---------------------------------------------------- */

static bool same_piece(const struct uvfio_pcicfg *cfg, unsigned int a, unsigned int b)
{
	return owner_of(cfg, a) == owner_of(cfg, b) &&
	       (cfg->virt[a] == 0xff) == (cfg->virt[b] == 0xff);
}

/*
 * The largest naturally aligned piece (4, 2 or 1 bytes) at @off that fits in
 * @len and has a single owner: pieces never cross a capability boundary
 * (linux-vfio.md §2.1, vfio_pci_cap_remaining_dword).  Unlike vfio-pci we
 * also cut where bytes pass from ours to the model's (a vendor cap's head
 * and body), so the model never sees a byte it does not own.
 */
static unsigned int piece_len(const struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len)
{
	unsigned int sz;

	for (sz = 4; sz > 1; sz >>= 1) {
		unsigned int i;

		if ((off & (sz - 1)) || sz > len)
			continue;
		for (i = 1; i < sz; i++)
			if (!same_piece(cfg, off, off + i))
				break;
		if (i == sz)
			return sz;
	}
	return 1;
}

/* The model's view of [@off, @off + @sz); the shadow when it has none. */
static int raw_read(struct uvfio_pcicfg *cfg, unsigned int off, uint8_t *buf, unsigned int sz)
{
	if (cfg->ev.raw_read)
		return cfg->ev.raw_read(cfg->ev.opaque, off, buf, sz);
	memcpy(buf, cfg->shadow + off, sz);
	return 0;
}

static int read_piece(struct uvfio_pcicfg *cfg, unsigned int off, uint8_t *out, unsigned int sz)
{
	const struct pcicfg_cap *cap = &cfg->caps[owner_of(cfg, off)];
	uint8_t raw[4];
	bool need_raw = false;
	unsigned int i;
	int ret;

	for (i = 0; i < sz; i++)
		if (cfg->virt[off + i] != 0xff)
			need_raw = true;
	if (need_raw) {
		ret = raw_read(cfg, off, raw, sz);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < sz; i++) {
		uint8_t v = cfg->virt[off + i];

		out[i] = (uint8_t)(cfg->shadow[off + i] & v);
		if (need_raw)
			out[i] |= (uint8_t)(raw[i] & ~v);
	}
	if (cap->table->read)
		cap->table->read(cfg, cap, off - cap->off, out, sz);
	return 0;
}

static int write_piece(struct uvfio_pcicfg *cfg, unsigned int off, const uint8_t *in,
		       unsigned int sz)
{
	const struct pcicfg_cap *cap = &cfg->caps[owner_of(cfg, off)];
	uint8_t old[4];
	uint8_t raw[4];
	bool raw_writable = false;
	bool raw_kept = false;
	unsigned int i;
	int ret;

	/* Non-virtual bits belong to the model: read-modify-write them when
	 * some of them are read-only, as vfio_default_config_write does. */
	for (i = 0; i < sz; i++) {
		uint8_t nv = (uint8_t)~cfg->virt[off + i];

		if (nv & cfg->wmask[off + i])
			raw_writable = true;
		if (nv & ~cfg->wmask[off + i])
			raw_kept = true;
	}
	if (raw_writable) {
		if (raw_kept) {
			ret = raw_read(cfg, off, raw, sz);
			if (ret < 0)
				return ret;
		}
		for (i = 0; i < sz; i++) {
			uint8_t m = (uint8_t)(~cfg->virt[off + i] & cfg->wmask[off + i]);

			raw[i] = (uint8_t)((raw_kept ? raw[i] & ~m : 0) | (in[i] & m));
		}
		if (cfg->ev.raw_write) {
			ret = cfg->ev.raw_write(cfg->ev.opaque, off, raw, sz);
			if (ret < 0)
				return ret;
		}
	}

	memcpy(old, cfg->shadow + off, sz);
	for (i = 0; i < sz; i++) {
		uint8_t v = cfg->virt[off + i];
		uint8_t w = cfg->wmask[off + i] & v;
		uint8_t c = cfg->w1c[off + i] & v;
		uint8_t b = old[i];

		b = (uint8_t)((b & ~w) | (in[i] & w));
		b = (uint8_t)(b & ~(in[i] & c));
		cfg->shadow[off + i] = b;
	}
	if (cap->table->written)
		cap->table->written(cfg, cap, off - cap->off, sz, old);
	return 0;
}

static bool out_of_range(const struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len)
{
	return off > cfg->size || len > cfg->size - off;
}

/**
 * uvfio_pcicfg_read() - read @len bytes at @off as a driver sees them.
 * @cfg: the config space.
 * @off: any offset; @len: any length, [@off, @off + @len) inside the space.
 * @buf: out, @len bytes in config-space (little-endian) order.
 *
 * Served piece by piece (see piece_len()); bytes that are the model's come
 * from raw_read.
 * Return: 0; -EINVAL when the range is outside the space or @buf is NULL;
 * an error raw_read returned (pieces before it were read).
 */
int uvfio_pcicfg_read(struct uvfio_pcicfg *cfg, unsigned int off, void *buf, unsigned int len)
{
	uint8_t *p = buf;

	if (!cfg || out_of_range(cfg, off, len) || (len && !buf))
		return -EINVAL;
	while (len) {
		unsigned int sz = piece_len(cfg, off, len);
		int ret = read_piece(cfg, off, p, sz);

		if (ret < 0)
			return ret;
		off += sz;
		p += sz;
		len -= sz;
	}
	return 0;
}

/**
 * uvfio_pcicfg_write() - write @len bytes at @off as a driver would.
 * @cfg: the config space.
 * @off: any offset; @len: any length, [@off, @off + @len) inside the space.
 * @buf: @len bytes in config-space (little-endian) order.
 *
 * Read-only bits are dropped silently, RW1C bits cleared where 1 is written,
 * the model's bytes go to raw_write; each piece's write hook fires its
 * events before the next piece is written.
 * Return: 0; -EINVAL when the range is outside the space or @buf is NULL;
 * an error raw_read/raw_write returned (pieces before it were written).
 */
int uvfio_pcicfg_write(struct uvfio_pcicfg *cfg, unsigned int off, const void *buf,
		       unsigned int len)
{
	const uint8_t *p = buf;

	if (!cfg || out_of_range(cfg, off, len) || (len && !buf))
		return -EINVAL;
	while (len) {
		unsigned int sz = piece_len(cfg, off, len);
		int ret = write_piece(cfg, off, p, sz);

		if (ret < 0)
			return ret;
		off += sz;
		p += sz;
		len -= sz;
	}
	return 0;
}

/* ---- reset -------------------------------------------------------------- */

/*
 * Power-on values into every virtual writable or RW1C bit; read-only bits
 * (identity, layout, STATUS.INTERRUPT, which mirrors the model's INTx line)
 * are kept.  Pending bits are cleared: they are device state.  Then every
 * write hook sees the whole capability change, so events fire exactly for
 * what changed: command(), msi_ctrl(), msix_ctrl(), vector_mask(),
 * power_state().  Never flr().
 */
void pcicfg_reset_internal(struct uvfio_pcicfg *cfg)
{
	uint8_t old[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t msix_old[2048 / 8];
	const struct uvfio_pcicfg_msix_layout *ml = &cfg->msix_layout;
	unsigned int b;
	unsigned int i;

	memcpy(old, cfg->shadow, cfg->size);
	if (cfg->msix) {
		memset(msix_old, 0, sizeof(msix_old));
		for (i = 0; i < ml->nvec; i++)
			if (pcicfg_msix_vector_masked(cfg, i))
				msix_old[i / 8] |= (uint8_t)(1u << (i % 8));
	}

	for (b = 0; b < cfg->size; b++) {
		uint8_t m = (uint8_t)((cfg->wmask[b] | cfg->w1c[b]) & cfg->virt[b]);

		cfg->shadow[b] = (uint8_t)((cfg->shadow[b] & ~m) | (cfg->init[b] & m));
	}
	if (cfg->msi_pending_off)
		pcicfg_put32(cfg->shadow + cfg->msi + cfg->msi_pending_off, 0);
	if (cfg->msix)
		pcicfg_msix_reset_table(cfg);

	for (i = 0; i < cfg->ncaps; i++) {
		const struct pcicfg_cap *cap = &cfg->caps[i];

		if (cap->table->written && cap->len)
			cap->table->written(cfg, cap, 0, cap->len, old + cap->off);
	}

	if (cfg->msix && cfg->ev.vector_mask) {
		for (i = 0; i < ml->nvec; i++) {
			bool was = msix_old[i / 8] & (1u << (i % 8));
			bool now = pcicfg_msix_vector_masked(cfg, i);

			if (was != now)
				cfg->ev.vector_mask(cfg->ev.opaque, true, i, now);
		}
	}
}

/**
 * uvfio_pcicfg_reset() - power-on state of every writable register.
 * @cfg: the config space.
 *
 * COMMAND 0, BAR and ROM addresses 0 (type bits kept), MSI and MSI-X
 * disabled, every MSI-X vector masked with address/data 0, PBA and MSI
 * pending bits clear, PMCSR D0, DEVCTL/LNKCTL/DEVCTL2 defaults, RW1C status
 * bits (STATUS, DEVSTA, AER) clear, interrupt line 0.  The layout, identity,
 * STATUS.INTERRUPT and bytes owned by the model are kept.  Fires command(),
 * msi_ctrl(), msix_ctrl(), vector_mask() and power_state() for what changed;
 * never flr().  Callbacks may call uvfio_pcicfg_reset() again (a no-op).
 */
void uvfio_pcicfg_reset(struct uvfio_pcicfg *cfg)
{
	if (cfg)
		pcicfg_reset_internal(cfg);
}

/*
 * A function-level reset requested by the driver (PCIe DEVCTL Initiate FLR,
 * AF_CTRL FLR): config space returns to power-on state (PCIe r4.0 §6.6.2),
 * then the model hears about it.  The callback may reset config space again.
 */
void pcicfg_do_flr(struct uvfio_pcicfg *cfg)
{
	pcicfg_reset_internal(cfg);
	if (cfg->ev.flr)
		cfg->ev.flr(cfg->ev.opaque);
}

/* ---- header state ------------------------------------------------------- */

uint16_t uvfio_pcicfg_command(const struct uvfio_pcicfg *cfg)
{
	return pcicfg_get16(cfg->shadow + PCI_COMMAND);
}

void uvfio_pcicfg_set_intx_status(struct uvfio_pcicfg *cfg, bool asserted)
{
	uint16_t st = pcicfg_get16(cfg->shadow + PCI_STATUS);

	/* PCI LB 3.0 §6.2.3: Interrupt Status reflects the INTx line state,
	 * independent of COMMAND.INTX_DISABLE. */
	if (asserted)
		st |= PCI_STATUS_INTERRUPT;
	else
		st &= (uint16_t)~PCI_STATUS_INTERRUPT;
	pcicfg_put16(cfg->shadow + PCI_STATUS, st);
}

int uvfio_pcicfg_set_status_bits(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len,
				 uint32_t bits)
{
	unsigned int i;

	if (!cfg || (len != 1 && len != 2 && len != 4) || (off & (len - 1)) ||
	    out_of_range(cfg, off, len))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		uint8_t m = cfg->w1c[off + i] & cfg->virt[off + i];

		cfg->shadow[off + i] |= (uint8_t)((bits >> (8 * i)) & m);
	}
	return 0;
}

/* ---- BARs --------------------------------------------------------------- */

static unsigned int bar_reg(unsigned int bar)
{
	return PCI_BASE_ADDRESS_0 + 4 * bar;
}

static bool bar_taken(const struct uvfio_pcicfg *cfg, unsigned int bar)
{
	return cfg->bar_size[bar] || cfg->bar_upper[bar];
}

/**
 * uvfio_pcicfg_set_bar() - declare BAR @bar of @size bytes.
 * @cfg: the config space.
 * @bar: 0..5; a 64-bit BAR also takes @bar + 1, so 0..4.
 * @size: a power of two; memory: 16 bytes .. 2 GiB (32-bit) or 2^63 (64-bit);
 *        I/O: 4 .. 256 bytes (PCI LB 3.0 §6.2.5.1).
 * @flags: PCI_BASE_ADDRESS_SPACE_IO, or memory with
 *         PCI_BASE_ADDRESS_MEM_TYPE_64 and/or PCI_BASE_ADDRESS_MEM_PREFETCH.
 *
 * The BAR then sizes as vfio_bar_fixup does (linux-vfio.md §2.2): address
 * bits below @size and the type bits are read-only, so writing all ones
 * reads back ~(size - 1) | type; the upper dword of a 64-bit BAR keeps
 * (~(size - 1)) >> 32.  BARs never declared read 0 and ignore writes.
 *
 * Return: 0, -EINVAL (bad size, flags or index), -EBUSY (slot taken).
 */
int uvfio_pcicfg_set_bar(struct uvfio_pcicfg *cfg, unsigned int bar, uint64_t size,
			 unsigned int flags)
{
	const unsigned int mem_flags = PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;
	unsigned int reg;
	uint64_t mask;

	if (!cfg || bar >= PCI_STD_NUM_BARS || !is_pow2(size))
		return -EINVAL;
	if (flags & PCI_BASE_ADDRESS_SPACE_IO) {
		if (flags != PCI_BASE_ADDRESS_SPACE_IO || size < PCICFG_IO_BAR_MIN ||
		    size > PCICFG_IO_BAR_MAX)
			return -EINVAL;
	} else {
		if ((flags & ~mem_flags) || size < PCICFG_MEM_BAR_MIN)
			return -EINVAL;
		if (!(flags & PCI_BASE_ADDRESS_MEM_TYPE_64) && size > (1ull << 31))
			return -EINVAL;
		if ((flags & PCI_BASE_ADDRESS_MEM_TYPE_64) &&
		    (bar + 1 >= PCI_STD_NUM_BARS || size > (1ull << 63)))
			return -EINVAL;
	}
	if (bar_taken(cfg, bar) ||
	    ((flags & PCI_BASE_ADDRESS_MEM_TYPE_64) && bar_taken(cfg, bar + 1)))
		return -EBUSY;

	reg = bar_reg(bar);
	mask = ~(size - 1);
	cfg->bar_size[bar] = size;
	cfg->bar_flags[bar] = flags;
	pcicfg_set_init(cfg, reg, 4, flags);
	if (flags & PCI_BASE_ADDRESS_SPACE_IO) {
		pcicfg_set_write(cfg, reg, 4, (uint32_t)mask & (uint32_t)PCI_BASE_ADDRESS_IO_MASK);
	} else {
		pcicfg_set_write(cfg, reg, 4, (uint32_t)mask & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
		if (flags & PCI_BASE_ADDRESS_MEM_TYPE_64) {
			cfg->bar_upper[bar + 1] = true;
			pcicfg_set_write(cfg, reg + 4, 4, (uint32_t)(mask >> 32));
		}
	}
	return 0;
}

/**
 * uvfio_pcicfg_set_rom() - declare an expansion ROM of @size bytes.
 * @cfg: the config space.
 * @size: a power of two, 2 KiB .. 2 GiB (PCI LB 3.0 §6.2.5.2).
 *
 * Address bits above @size and the enable bit (bit 0) are writable; bits
 * 1-10 read 0.  Without a ROM the register reads 0 and ignores writes.
 * Return: 0, -EINVAL, -EBUSY (already declared).
 */
int uvfio_pcicfg_set_rom(struct uvfio_pcicfg *cfg, uint64_t size)
{
	uint32_t mask;

	if (!cfg || !is_pow2(size) || size < PCICFG_ROM_MIN || size > (1ull << 31))
		return -EINVAL;
	if (cfg->bar_size[PCI_STD_NUM_BARS])
		return -EBUSY;
	cfg->bar_size[PCI_STD_NUM_BARS] = size;
	mask = (uint32_t) ~(size - 1) & PCI_ROM_ADDRESS_MASK;
	pcicfg_set_write(cfg, PCI_ROM_ADDRESS, 4, mask | PCI_ROM_ADDRESS_ENABLE);
	return 0;
}

uint64_t uvfio_pcicfg_bar_size(const struct uvfio_pcicfg *cfg, unsigned int bar)
{
	if (!cfg || bar > PCI_STD_NUM_BARS)
		return 0;
	return cfg->bar_size[bar];
}

unsigned int uvfio_pcicfg_bar_flags(const struct uvfio_pcicfg *cfg, unsigned int bar)
{
	if (!cfg || bar >= PCI_STD_NUM_BARS)
		return 0;
	return cfg->bar_flags[bar];
}

/**
 * uvfio_pcicfg_bar_addr() - the address a driver programmed into @bar.
 * @cfg: the config space.
 * @bar: 0..5, or 6 for the ROM (enable bit stripped).
 * Return: the address (both dwords of a 64-bit BAR), 0 if @bar is not
 * declared.
 */
uint64_t uvfio_pcicfg_bar_addr(const struct uvfio_pcicfg *cfg, unsigned int bar)
{
	uint64_t v;

	if (!cfg || bar > PCI_STD_NUM_BARS || !cfg->bar_size[bar])
		return 0;
	if (bar == PCI_STD_NUM_BARS)
		return pcicfg_get32(cfg->shadow + PCI_ROM_ADDRESS) & PCI_ROM_ADDRESS_MASK;
	v = pcicfg_get32(cfg->shadow + bar_reg(bar));
	if (cfg->bar_flags[bar] & PCI_BASE_ADDRESS_SPACE_IO)
		return v & (uint32_t)PCI_BASE_ADDRESS_IO_MASK;
	v &= (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
	if (cfg->bar_flags[bar] & PCI_BASE_ADDRESS_MEM_TYPE_64)
		v |= (uint64_t)pcicfg_get32(cfg->shadow + bar_reg(bar + 1)) << 32;
	return v;
}

/**
 * uvfio_pcicfg_rom_enabled() - ROM address decode enable bit (PCI LB 3.0 §6.2.5.2).
 * @cfg: the config space.
 * Return: true when a ROM is declared and its enable bit is set.
 */
bool uvfio_pcicfg_rom_enabled(const struct uvfio_pcicfg *cfg)
{
	return cfg && cfg->bar_size[PCI_STD_NUM_BARS] &&
	       (cfg->shadow[PCI_ROM_ADDRESS] & PCI_ROM_ADDRESS_ENABLE);
}
