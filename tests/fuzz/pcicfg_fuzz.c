// SPDX-License-Identifier: MIT
/*
 * Fuzz target for lib/pci: sequences of config-space accesses.
 *
 * The first byte picks the mode.  Access mode builds a config space with
 * every capability we have (PM, MSI, MSI-X, PCIe, AF, vendor, AER, DSN; the
 * input may leave some out and picks MSI/MSI-X sizes and flags), BARs of
 * each kind and a ROM, then decodes the rest of the input into reads,
 * writes, MSI-X table and PBA accesses, resets, status-bit and pending-bit
 * updates and BAR sizing, against a device model whose raw bytes live in an
 * array and which may fail an access on request.
 *
 * Oracles (pcicfg.h and pcicfg_priv.h): an access succeeds exactly when it
 * is inside the space (or the model failed it); reads have no side effects;
 * the capability chain, identity and header type never change, whatever is
 * written; the model sees only naturally aligned pieces of bytes no table
 * virtualises; every event agrees with the state the accessors report
 * (COMMAND, MSI/MSI-X enable and vectors, per-vector masks, power state);
 * BARs size as documented and stay aligned to their size; MSI-X table
 * writes read back through the documented write masks.
 *
 * Walk mode treats the input as a config space a device sent us and walks
 * its capability chains (uvfio/pci.h): every walk ends, every offset
 * returned is inside the buffer, find agrees with the walk.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pci/pcicfg_priv.h"
#include "uvfio/pci.h"
#include "fuzz.h"

#define MAX_OPS 200
#define MAX_CHAIN 64

/* Header COMMAND bits we implement (pcicfg_caps.c: HEADER_COMMAND_WRITE). */
#define COMMAND_BITS                                                                               \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |           \
	 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

/* The device built in access mode. */
#define BAR0_SIZE 0x10000u /* 64-bit prefetchable memory: MSI-X table and PBA */
#define PBA_OFF 0x8000u
#define BAR2_SIZE 256u	       /* I/O */
#define BAR3_SIZE 0x1000u      /* 32-bit memory */
#define BAR4_SIZE (1ull << 40) /* 64-bit memory, high dword writable */
#define ROM_SIZE 0x10000u

struct chain {
	unsigned int n;
	int pos[MAX_CHAIN];
	uint32_t id[MAX_CHAIN];
	int end; /* what the walk ended with: 0 or -errno */
};

struct state {
	struct uvfio_pcicfg *cfg;
	unsigned int size;
	uint8_t model[PCI_CFG_SPACE_EXP_SIZE]; /* the model's raw bytes */
	bool fail;			       /* the model fails accesses (-EIO) */
	bool reset_in_flr;		       /* the FLR callback resets again */
	bool in_reset;
	unsigned int flrs;
	unsigned int msi_nvec;
	unsigned int msix_nvec;
	bool has_msi;
	bool has_msix;
	bool has_pm;
	bool msi_maskable;
	uint16_t vendor;
	uint16_t device;
};

static uint64_t bar_sizes[7] = {BAR0_SIZE, 0, BAR2_SIZE, BAR3_SIZE, BAR4_SIZE, 0, ROM_SIZE};

/* Every byte of a piece the model sees is one no table virtualises. */
static void check_raw_piece(struct state *s, unsigned int off, unsigned int len)
{
	unsigned int i;

	FZ_CHECK(len == 1 || len == 2 || len == 4);
	FZ_CHECK(off % len == 0 && off + len <= s->size);
	for (i = 0; i < len; i++)
		FZ_CHECK(s->cfg->virt[off + i] != 0xff);
}

static int ev_raw_read(void *opaque, unsigned int off, void *buf, unsigned int len)
{
	struct state *s = opaque;

	check_raw_piece(s, off, len);
	if (s->fail)
		return -EIO;
	memcpy(buf, s->model + off, len);
	return 0;
}

static int ev_raw_write(void *opaque, unsigned int off, const void *buf, unsigned int len)
{
	struct state *s = opaque;
	const uint8_t *in = buf;
	unsigned int i;

	check_raw_piece(s, off, len);
	if (s->fail)
		return -EIO;
	for (i = 0; i < len; i++) {
		/* Bits the driver may not write come back as they were, or 0. */
		uint8_t m = (uint8_t)(~s->cfg->virt[off + i] & s->cfg->wmask[off + i]);
		uint8_t kept = (uint8_t)(in[i] & ~m);

		FZ_CHECK(kept == 0 || kept == (uint8_t)(s->model[off + i] & ~m));
	}
	memcpy(s->model + off, buf, len);
	return 0;
}

static void ev_command(void *opaque, uint16_t old_cmd, uint16_t new_cmd)
{
	struct state *s = opaque;

	FZ_CHECK(old_cmd != new_cmd);
	FZ_CHECK((new_cmd & ~COMMAND_BITS) == 0);
	FZ_CHECK_EQ(new_cmd, uvfio_pcicfg_command(s->cfg));
}

static void ev_msi_ctrl(void *opaque, bool enabled, unsigned int nvec)
{
	struct state *s = opaque;
	unsigned int n = 0;
	bool en = false;

	FZ_CHECK(s->has_msi);
	FZ_CHECK(nvec && !(nvec & (nvec - 1)) && nvec <= s->msi_nvec);
	FZ_CHECK_EQ(uvfio_pcicfg_msi(s->cfg, &en, &n, NULL, NULL), 0);
	FZ_CHECK_EQ(en, enabled);
	FZ_CHECK_EQ(n, nvec);
}

static void ev_msix_ctrl(void *opaque, bool enabled, bool function_masked)
{
	struct state *s = opaque;
	bool en = false;
	bool fm = false;

	FZ_CHECK(s->has_msix);
	FZ_CHECK_EQ(uvfio_pcicfg_msix(s->cfg, NULL, &en, &fm), 0);
	FZ_CHECK_EQ(en, enabled);
	FZ_CHECK_EQ(fm, function_masked);
}

static void ev_vector_mask(void *opaque, bool msix, unsigned int vector, bool masked)
{
	struct state *s = opaque;

	if (msix) {
		FZ_CHECK(s->has_msix && vector < s->msix_nvec);
		FZ_CHECK_EQ(masked, uvfio_pcicfg_msix_masked(s->cfg, vector));
	} else {
		FZ_CHECK(s->has_msi && s->msi_maskable && vector < s->msi_nvec);
		FZ_CHECK_EQ(masked, uvfio_pcicfg_msi_masked(s->cfg, vector));
	}
}

static void ev_flr(void *opaque)
{
	struct state *s = opaque;

	s->flrs++;
	/* pcicfg.h: callbacks may reset config space again. */
	if (s->reset_in_flr)
		uvfio_pcicfg_reset(s->cfg);
}

static void ev_power_state(void *opaque, unsigned int state)
{
	struct state *s = opaque;

	FZ_CHECK(s->has_pm);
	/* D1/D2 are not supported: such writes are discarded. */
	FZ_CHECK(state == 0 || state == 3);
	FZ_CHECK_EQ(state, uvfio_pcicfg_power_state(s->cfg));
}

/* ---- chains -------------------------------------------------------------- */

static void walk(const uint8_t *img, size_t len, struct chain *std, struct chain *ext)
{
	unsigned int guard = 0;
	int pos = 0;

	std->n = 0;
	while ((pos = uvfio_pci_cap_next(img, len, pos, &guard)) > 0) {
		FZ_CHECK(pos >= PCI_STD_HEADER_SIZEOF && (size_t)pos + 2 <= len);
		FZ_CHECK(guard <= UVFIO_PCI_CAP_TTL);
		if (std->n < MAX_CHAIN) {
			std->pos[std->n] = pos;
			std->id[std->n] = img[pos];
		}
		std->n++;
	}
	std->end = pos;
	FZ_CHECK(pos == 0 || pos == -EINVAL || pos == -ELOOP);

	ext->n = 0;
	ext->end = 0;
	if (len < PCI_CFG_SPACE_EXP_SIZE)
		return;
	guard = 0;
	pos = 0;
	while ((pos = uvfio_pci_ext_cap_next(img, len, pos, &guard)) > 0) {
		uint32_t hdr;

		FZ_CHECK(pos >= PCI_CFG_SPACE_SIZE && pos <= PCI_CFG_SPACE_EXP_SIZE - 4);
		FZ_CHECK(guard <= UVFIO_PCI_EXT_CAP_TTL);
		memcpy(&hdr, img + pos, 4);
		if (ext->n < MAX_CHAIN) {
			ext->pos[ext->n] = pos;
			ext->id[ext->n] = PCI_EXT_CAP_ID(hdr);
		}
		ext->n++;
	}
	ext->end = pos;
	FZ_CHECK(pos == 0 || pos == -EINVAL || pos == -ELOOP);
}

static void same_chain(const struct chain *a, const struct chain *b)
{
	unsigned int i;

	FZ_CHECK_EQ(a->n, b->n);
	FZ_CHECK_EQ(a->end, b->end);
	for (i = 0; i < a->n && i < MAX_CHAIN; i++) {
		FZ_CHECK_EQ(a->pos[i], b->pos[i]);
		FZ_CHECK_EQ(a->id[i], b->id[i]);
	}
}

/* find agrees with the walk: the first capability of that id, or its end. */
static void check_find(const uint8_t *img, size_t len, const struct chain *std,
		       const struct chain *ext, uint8_t id, uint16_t ext_id)
{
	unsigned int i;
	int want = std->end < 0 ? std->end : -ENOENT;

	for (i = 0; i < std->n && i < MAX_CHAIN; i++) {
		if (std->id[i] == id) {
			want = std->pos[i];
			break;
		}
	}
	if (std->n <= MAX_CHAIN)
		FZ_CHECK_EQ(uvfio_pci_find_cap(img, len, id), want);
	uvfio_pci_cap_name(id);
	if (len < PCI_CFG_SPACE_EXP_SIZE)
		return;
	want = ext->end < 0 ? ext->end : -ENOENT;
	for (i = 0; i < ext->n && i < MAX_CHAIN; i++) {
		if (ext->id[i] == ext_id) {
			want = ext->pos[i];
			break;
		}
	}
	if (ext->n <= MAX_CHAIN)
		FZ_CHECK_EQ(uvfio_pci_find_ext_cap(img, len, ext_id), want);
	uvfio_pci_ext_cap_name(ext_id);
}

static void fuzz_walk(struct fz *f)
{
	static uint8_t img[PCI_CFG_SPACE_EXP_SIZE];
	struct chain std;
	struct chain ext;
	size_t len;
	uint8_t id;
	uint16_t ext_id;

	switch (fz_u8(f) & 3) {
	case 0:
		len = PCI_CFG_SPACE_SIZE;
		break;
	case 1:
		len = PCI_CFG_SPACE_EXP_SIZE;
		break;
	default:
		len = fz_u16(f) % (PCI_CFG_SPACE_EXP_SIZE + 1);
		break;
	}
	id = fz_u8(f);
	ext_id = fz_u16(f);
	fz_bytes(f, img, len);
	if (len < PCI_STD_HEADER_SIZEOF) {
		unsigned int guard = 0;

		FZ_CHECK_EQ(uvfio_pci_cap_next(img, len, 0, &guard), -EINVAL);
		return;
	}
	walk(img, len, &std, &ext);
	check_find(img, len, &std, &ext, id, ext_id);
}

/* ---- access mode ---------------------------------------------------------- */

static bool in_range(const struct state *s, unsigned int off, unsigned int len)
{
	return off <= s->size && len <= s->size - off;
}

/* The whole space as a driver reads it (the model not failing). */
static void read_all(struct state *s, uint8_t *img)
{
	bool fail = s->fail;

	s->fail = false;
	FZ_CHECK_EQ(uvfio_pcicfg_read(s->cfg, 0, img, s->size), 0);
	s->fail = fail;
}

static unsigned int pick_len(struct fz *f, unsigned int size)
{
	switch (fz_u8(f) & 7) {
	case 0:
		return 1;
	case 1:
		return 2;
	case 2:
	case 3:
		return 4;
	case 4:
		return 8;
	case 5:
		return fz_u8(f) % 65;
	case 6:
		return size;
	default:
		return fz_u16(f) % (size + 8);
	}
}

/* An offset, mostly inside a capability we built. */
static unsigned int pick_off(struct fz *f, const struct state *s, const struct chain *std,
			     const struct chain *ext)
{
	unsigned int k = fz_u8(f);
	unsigned int n = std->n + ext->n;

	if (k < 64 || !n)
		return fz_u16(f) % (s->size + 8);
	k %= n;
	if (k < std->n)
		return (unsigned int)std->pos[k] + fz_u8(f) % 64;
	return (unsigned int)ext->pos[k - std->n] + fz_u8(f) % 64;
}

static void check_bars(struct state *s)
{
	unsigned int b;

	for (b = 0; b <= PCI_STD_NUM_BARS; b++) {
		uint64_t size = uvfio_pcicfg_bar_size(s->cfg, b);
		uint64_t addr = uvfio_pcicfg_bar_addr(s->cfg, b);

		FZ_CHECK_EQ(size, bar_sizes[b]);
		if (size)
			FZ_CHECK((addr & (size - 1)) == 0);
		else
			FZ_CHECK(addr == 0);
	}
}

/* Write all ones to a BAR and read the size back (pcicfg.h: set_bar/set_rom). */
static void size_bar(struct state *s, unsigned int b)
{
	unsigned int reg = b == PCI_STD_NUM_BARS ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * b;
	uint32_t ones = 0xffffffff;
	uint32_t v = 0;
	uint32_t want;

	FZ_CHECK_EQ(uvfio_pcicfg_write(s->cfg, reg, &ones, 4), 0);
	FZ_CHECK_EQ(uvfio_pcicfg_read(s->cfg, reg, &v, 4), 0);
	if (b == PCI_STD_NUM_BARS)
		want = ((uint32_t) ~(ROM_SIZE - 1) & PCI_ROM_ADDRESS_MASK) | PCI_ROM_ADDRESS_ENABLE;
	else if (b == 1)
		want = (uint32_t)(~(uint64_t)(BAR0_SIZE - 1) >> 32);
	else if (b == 5)
		want = (uint32_t)(~(BAR4_SIZE - 1) >> 32);
	else if (b == 2)
		want = ((uint32_t) ~(BAR2_SIZE - 1) & (uint32_t)PCI_BASE_ADDRESS_IO_MASK) |
		       PCI_BASE_ADDRESS_SPACE_IO;
	else if (b == 3)
		want = (uint32_t) ~(BAR3_SIZE - 1) & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
	else if (b == 0)
		want = ((uint32_t) ~(BAR0_SIZE - 1) & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK) |
		       PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;
	else
		want = PCI_BASE_ADDRESS_MEM_TYPE_64; /* BAR4: no address bit below 2^40 */
	FZ_CHECK_EQ(v, want);
	if (b == PCI_STD_NUM_BARS)
		FZ_CHECK(uvfio_pcicfg_rom_enabled(s->cfg));
}

static uint32_t msix_field_mask(uint32_t at)
{
	switch (at % PCI_MSIX_ENTRY_SIZE) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		return 0xfffffffc;
	case PCI_MSIX_ENTRY_VECTOR_CTRL:
		return PCI_MSIX_ENTRY_CTRL_MASKBIT;
	default:
		return 0xffffffff;
	}
}

static bool msix_access_ok(uint32_t off, unsigned int len, uint32_t size)
{
	return (len == 4 || len == 8) && !(off & (len - 1)) && off < size && len <= size - off;
}

static void op_msix(struct state *s, struct fz *f)
{
	struct uvfio_pcicfg_msix_layout l = {0};
	uint32_t tsize = s->has_msix ? s->msix_nvec * PCI_MSIX_ENTRY_SIZE : 0;
	uint32_t psize = s->has_msix ? (s->msix_nvec + 63) / 64 * 8 : 0;
	unsigned int kind = fz_u8(f) % 3;
	unsigned int len = (fz_u8(f) & 1) ? 8 : 4;
	uint8_t in[8];
	uint8_t out[8];
	uint32_t off;
	int want;
	int ret;
	unsigned int i;

	if (fz_u8(f) < 16)
		len = fz_u8(f) % 9;
	off = fz_u16(f) % ((kind == 2 ? psize : tsize) + 16);
	fz_bytes(f, in, sizeof(in));
	if (s->has_msix) {
		FZ_CHECK_EQ(uvfio_pcicfg_msix(s->cfg, &l, NULL, NULL), 0);
		FZ_CHECK_EQ(l.table_size, tsize);
		FZ_CHECK_EQ(l.pba_size, psize);
	}
	want = !s->has_msix ? -ENOENT
			    : (msix_access_ok(off, len, kind == 2 ? psize : tsize) ? 0 : -EINVAL);
	switch (kind) {
	case 0:
		ret = uvfio_pcicfg_msix_table_write(s->cfg, off, in, len);
		FZ_CHECK_EQ(ret, want);
		if (ret)
			break;
		FZ_CHECK_EQ(uvfio_pcicfg_msix_table_read(s->cfg, off, out, len), 0);
		for (i = 0; i < len; i += 4) {
			uint32_t a;
			uint32_t b;

			memcpy(&a, in + i, 4);
			memcpy(&b, out + i, 4);
			FZ_CHECK_EQ(b, a & msix_field_mask(off + i));
		}
		break;
	case 1:
		FZ_CHECK_EQ(uvfio_pcicfg_msix_table_read(s->cfg, off, out, len), want);
		break;
	default:
		FZ_CHECK_EQ(uvfio_pcicfg_msix_pba_read(s->cfg, off, out, len), want);
		if (want == 0) {
			/* The PBA agrees with the pending accessor, bit by bit. */
			for (i = 0; i < len * 8; i++) {
				unsigned int v = off * 8 + i;
				bool bit = out[i / 8] & (1u << (i % 8));

				if (v < s->msix_nvec)
					FZ_CHECK_EQ(bit, uvfio_pcicfg_msix_pending(s->cfg, v));
				else
					FZ_CHECK(!bit);
			}
		}
		break;
	}
}

static void op_pending(struct state *s, struct fz *f)
{
	bool msix = fz_bool(f);
	bool pending = fz_bool(f);
	unsigned int n = msix ? s->msix_nvec : s->msi_nvec;
	unsigned int v = fz_u16(f) % (n + 2);

	if (msix) {
		uvfio_pcicfg_msix_set_pending(s->cfg, v, pending);
		if (s->has_msix && v < n)
			FZ_CHECK_EQ(uvfio_pcicfg_msix_pending(s->cfg, v), pending);
		else
			FZ_CHECK(!uvfio_pcicfg_msix_pending(s->cfg, v));
	} else {
		uvfio_pcicfg_msi_set_pending(s->cfg, v, pending);
		if (s->has_msi && s->msi_maskable && v < n)
			FZ_CHECK_EQ(uvfio_pcicfg_msi_pending(s->cfg, v), pending);
		else
			FZ_CHECK(!uvfio_pcicfg_msi_pending(s->cfg, v));
	}
}

static void check_state(struct state *s)
{
	unsigned int nvec = 0;
	bool en = false;
	uint16_t id[2];

	FZ_CHECK((uvfio_pcicfg_command(s->cfg) & ~COMMAND_BITS) == 0);
	FZ_CHECK(uvfio_pcicfg_power_state(s->cfg) == 0 || uvfio_pcicfg_power_state(s->cfg) == 3);
	if (s->has_msi) {
		FZ_CHECK_EQ(uvfio_pcicfg_msi(s->cfg, &en, &nvec, NULL, NULL), 0);
		FZ_CHECK(nvec && !(nvec & (nvec - 1)) && nvec <= s->msi_nvec);
	} else {
		FZ_CHECK_EQ(uvfio_pcicfg_msi(s->cfg, &en, &nvec, NULL, NULL), -ENOENT);
	}
	memcpy(id, s->cfg->shadow, sizeof(id));
	FZ_CHECK_EQ(id[0], s->vendor);
	FZ_CHECK_EQ(id[1], s->device);
}

static int build(struct state *s, struct fz *f, uint8_t mode)
{
	const struct uvfio_pcicfg_events ev = {
		.opaque = s,
		.command = ev_command,
		.msi_ctrl = ev_msi_ctrl,
		.msix_ctrl = ev_msix_ctrl,
		.vector_mask = ev_vector_mask,
		.flr = ev_flr,
		.power_state = ev_power_state,
		.raw_read = ev_raw_read,
		.raw_write = ev_raw_write,
	};
	struct uvfio_pcicfg_id id = {
		.vendor = 0x1af4,
		.device = 0x10f0,
		.subsystem_vendor = 0x1af4,
		.subsystem_device = 1,
		.revision = 2,
		.class_code = 0x010802,
		.irq_pin = (uint8_t)(fz_u8(f) % 5),
	};
	bool extended = mode & 2;
	unsigned int skip = fz_u8(f);
	unsigned int msi_flags = (mode >> 2) & 3;
	uint8_t body[64];
	unsigned int body_len = fz_u8(f) % (sizeof(body) + 1);
	unsigned int i;
	int ret;

	s->vendor = id.vendor;
	s->device = id.device;
	s->msi_nvec = 1u << (((mode >> 4) & 7) % 6);
	s->msix_nvec = fz_u16(f) % 2048 + 1;
	s->reset_in_flr = fz_bool(f);
	for (i = 0; i < sizeof(s->model); i++)
		s->model[i] = (uint8_t)(i * 131 + mode);
	fz_bytes(f, body, body_len);
	if (uvfio_pcicfg_new(&id, extended, &ev, &s->cfg))
		return -1;
	s->size = uvfio_pcicfg_size(s->cfg);
	FZ_CHECK_EQ(s->size, extended ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE);

	FZ_CHECK_EQ(
		uvfio_pcicfg_set_bar(s->cfg, 0, BAR0_SIZE,
				     PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH),
		0);
	FZ_CHECK_EQ(uvfio_pcicfg_set_bar(s->cfg, 1, 4096, 0), -EBUSY);
	FZ_CHECK_EQ(uvfio_pcicfg_set_bar(s->cfg, 2, BAR2_SIZE, PCI_BASE_ADDRESS_SPACE_IO), 0);
	FZ_CHECK_EQ(uvfio_pcicfg_set_bar(s->cfg, 3, BAR3_SIZE, 0), 0);
	FZ_CHECK_EQ(uvfio_pcicfg_set_bar(s->cfg, 4, BAR4_SIZE, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	FZ_CHECK_EQ(uvfio_pcicfg_set_bar(s->cfg, 5, 16, 0), -EBUSY);
	FZ_CHECK_EQ(uvfio_pcicfg_set_rom(s->cfg, ROM_SIZE), 0);

	if (!(skip & 1)) {
		FZ_CHECK(uvfio_pcicfg_add_pm(s->cfg) > 0);
		s->has_pm = true;
	}
	if (!(skip & 2)) {
		FZ_CHECK(uvfio_pcicfg_add_msi(s->cfg, s->msi_nvec, msi_flags) > 0);
		s->has_msi = true;
		s->msi_maskable = msi_flags & UVFIO_PCICFG_MSI_MASKABLE;
	}
	if (!(skip & 4)) {
		/* The table (up to 32 KiB) and the PBA share BAR0. */
		FZ_CHECK(uvfio_pcicfg_add_msix(s->cfg, s->msix_nvec, 0, 0, 0, PBA_OFF) > 0);
		s->has_msix = true;
	}
	if (!(skip & 8))
		FZ_CHECK(uvfio_pcicfg_add_pcie(s->cfg, PCI_EXP_TYPE_ENDPOINT,
					       (mode & 0x80) ? UVFIO_PCICFG_PCIE_FLR : 0) > 0);
	if (!(skip & 16))
		FZ_CHECK(uvfio_pcicfg_add_af(s->cfg) > 0);
	if (!(skip & 32)) {
		ret = uvfio_pcicfg_add_vendor(s->cfg, body, body_len);
		FZ_CHECK(ret > 0 || ret == -ENOSPC || ret == -EINVAL);
	}
	ret = uvfio_pcicfg_add_aer(s->cfg);
	FZ_CHECK(extended ? ret >= PCI_CFG_SPACE_SIZE : ret == -EINVAL);
	ret = uvfio_pcicfg_add_dsn(s->cfg, 0x0123456789abcdefull);
	FZ_CHECK(extended ? ret >= PCI_CFG_SPACE_SIZE : ret == -EINVAL);
	/* Each capability once. */
	if (s->has_msi)
		FZ_CHECK_EQ(uvfio_pcicfg_add_msi(s->cfg, 1, 0), -EEXIST);
	if (s->has_pm)
		FZ_CHECK_EQ(uvfio_pcicfg_add_pm(s->cfg), -EEXIST);
	return 0;
}

static void fuzz_access(struct fz *f, uint8_t mode)
{
	static uint8_t img[PCI_CFG_SPACE_EXP_SIZE];
	static uint8_t img2[PCI_CFG_SPACE_EXP_SIZE];
	struct state *s = calloc(1, sizeof(*s));
	struct chain std0;
	struct chain ext0;
	struct chain std;
	struct chain ext;
	unsigned int ops;

	if (!s)
		return;
	if (build(s, f, mode)) {
		free(s);
		return;
	}
	read_all(s, img);
	walk(img, s->size, &std0, &ext0);
	FZ_CHECK_EQ(std0.end, 0);
	FZ_CHECK_EQ(ext0.end, 0);
	check_bars(s);

	for (ops = 0; ops < MAX_OPS && fz_more(f); ops++) {
		uint8_t buf[PCI_CFG_SPACE_EXP_SIZE + 8];
		uint8_t op = fz_u8(f);
		unsigned int off;
		unsigned int len;
		int ret;

		s->fail = false;
		switch (op % 12) {
		case 0: /* read anywhere, twice */
			off = pick_off(f, s, &std0, &ext0);
			len = pick_len(f, s->size);
			ret = uvfio_pcicfg_read(s->cfg, off, buf, len);
			FZ_CHECK_EQ(ret, in_range(s, off, len) ? 0 : -EINVAL);
			if (!ret) {
				FZ_CHECK_EQ(uvfio_pcicfg_read(s->cfg, off, img2, len), 0);
				FZ_CHECK(memcmp(buf, img2, len) == 0);
			}
			break;
		case 1:
		case 2:
		case 3: /* write, mostly into a capability */
			off = pick_off(f, s, &std0, &ext0);
			len = pick_len(f, s->size);
			if (len > sizeof(buf))
				len = sizeof(buf);
			if (fz_u8(f) < 32)
				memset(buf, 0xff, len);
			else
				fz_bytes(f, buf, len);
			ret = uvfio_pcicfg_write(s->cfg, off, buf, len);
			FZ_CHECK_EQ(ret, in_range(s, off, len) ? 0 : -EINVAL);
			break;
		case 4: /* the model fails the next access */
			s->fail = true;
			off = pick_off(f, s, &std0, &ext0);
			len = pick_len(f, s->size);
			fz_bytes(f, buf, len < sizeof(buf) ? len : sizeof(buf));
			if (fz_bool(f))
				ret = uvfio_pcicfg_read(s->cfg, off, buf, len);
			else
				ret = uvfio_pcicfg_write(s->cfg, off, buf, len);
			FZ_CHECK(ret == 0 || ret == -EIO || ret == -EINVAL);
			if (!in_range(s, off, len))
				FZ_CHECK_EQ(ret, -EINVAL);
			break;
		case 5:
		case 6:
			op_msix(s, f);
			break;
		case 7:
			uvfio_pcicfg_reset(s->cfg);
			break;
		case 8: { /* the device latches status bits */
			unsigned int l = 1u << (fz_u8(f) % 4);
			uint32_t bits = fz_u32(f);

			off = pick_off(f, s, &std0, &ext0);
			ret = uvfio_pcicfg_set_status_bits(s->cfg, off, l, bits);
			FZ_CHECK_EQ(ret, (l <= 4 && !(off & (l - 1)) && in_range(s, off, l))
						 ? 0
						 : -EINVAL);
			break;
		}
		case 9: { /* the INTx line */
			bool up = fz_bool(f);
			uint16_t st = 0;

			uvfio_pcicfg_set_intx_status(s->cfg, up);
			FZ_CHECK_EQ(uvfio_pcicfg_read(s->cfg, PCI_STATUS, &st, 2), 0);
			FZ_CHECK_EQ((st & PCI_STATUS_INTERRUPT) != 0, up);
			break;
		}
		case 10:
			op_pending(s, f);
			break;
		default:
			size_bar(s, fz_u8(f) % (PCI_STD_NUM_BARS + 1));
			break;
		}
		s->fail = false;
		check_state(s);
	}

	/* Whatever was written, the layout and identity stand. */
	check_bars(s);
	read_all(s, img);
	walk(img, s->size, &std, &ext);
	same_chain(&std0, &std);
	same_chain(&ext0, &ext);
	FZ_CHECK_EQ(img[PCI_HEADER_TYPE], PCI_HEADER_TYPE_NORMAL);
	check_find(img, s->size, &std, &ext, PCI_CAP_ID_MSIX, PCI_EXT_CAP_ID_DSN);
	/* After a reset COMMAND is 0 and MSI/MSI-X are off (pcicfg.h). */
	uvfio_pcicfg_reset(s->cfg);
	FZ_CHECK_EQ(uvfio_pcicfg_command(s->cfg), 0);
	if (s->has_msix) {
		bool en = true;
		bool fm = true;

		FZ_CHECK_EQ(uvfio_pcicfg_msix(s->cfg, NULL, &en, &fm), 0);
		FZ_CHECK(!en && !fm);
		FZ_CHECK(uvfio_pcicfg_msix_masked(s->cfg, 0));
		FZ_CHECK(!uvfio_pcicfg_msix_pending(s->cfg, 0));
	}
	uvfio_pcicfg_free(s->cfg);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	uint8_t mode;

	if (size > 16384)
		return 0;
	fz_init(&f, data, size);
	mode = fz_u8(&f);
	if (mode & 1)
		fuzz_walk(&f);
	else
		fuzz_access(&f, mode);
	return 0;
}
