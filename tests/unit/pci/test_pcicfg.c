// SPDX-License-Identifier: MIT
/*
 * Unit tests of lib/pci's config space: every header field and every
 * capability field read, written and dropped as the permission tables say,
 * BAR/ROM sizing, RW1C, chunking, reset and the events each write fires.
 */
#include <errno.h>
#include <string.h>

#include "test.h"

#include "pci/pcicfg.h"
#include <uvfio/pci.h>

/* ---- fixture: an event log and a model behind raw_read/raw_write -------- */

struct evlog {
	int command;
	uint16_t cmd_old;
	uint16_t cmd_new;
	int msi_ctrl;
	bool msi_en;
	unsigned int msi_nvec;
	int msix_ctrl;
	bool msix_en;
	bool msix_fm;
	int vector_mask;
	bool vm_msix;
	unsigned int vm_vec;
	bool vm_masked;
	uint64_t vm_seen; /* bit per vector < 64 that got an event */
	int flr;
	int power_state;
	unsigned int pstate;
	int raw_read;
	int raw_write;
	unsigned int raw_off; /* last raw write */
	unsigned int raw_len;
	int raw_err;	 /* returned by raw_read when nonzero */
	bool flr_resets; /* the flr callback calls uvfio_pcicfg_reset */
	struct uvfio_pcicfg *cfg;
	uint8_t model[4096];
};

static void ev_command(void *o, uint16_t old_cmd, uint16_t new_cmd)
{
	struct evlog *l = o;

	l->command++;
	l->cmd_old = old_cmd;
	l->cmd_new = new_cmd;
}

static void ev_msi_ctrl(void *o, bool enabled, unsigned int nvec)
{
	struct evlog *l = o;

	l->msi_ctrl++;
	l->msi_en = enabled;
	l->msi_nvec = nvec;
}

static void ev_msix_ctrl(void *o, bool enabled, bool fm)
{
	struct evlog *l = o;

	l->msix_ctrl++;
	l->msix_en = enabled;
	l->msix_fm = fm;
}

static void ev_vector_mask(void *o, bool msix, unsigned int vector, bool masked)
{
	struct evlog *l = o;

	l->vector_mask++;
	l->vm_msix = msix;
	l->vm_vec = vector;
	l->vm_masked = masked;
	if (vector < 64)
		l->vm_seen |= 1ull << vector;
}

static void ev_flr(void *o)
{
	struct evlog *l = o;

	l->flr++;
	if (l->flr_resets)
		uvfio_pcicfg_reset(l->cfg);
}

static void ev_power_state(void *o, unsigned int state)
{
	struct evlog *l = o;

	l->power_state++;
	l->pstate = state;
}

static int ev_raw_read(void *o, unsigned int off, void *buf, unsigned int len)
{
	struct evlog *l = o;

	l->raw_read++;
	if (l->raw_err)
		return l->raw_err;
	memcpy(buf, l->model + off, len);
	return 0;
}

static int ev_raw_write(void *o, unsigned int off, const void *buf, unsigned int len)
{
	struct evlog *l = o;

	l->raw_write++;
	l->raw_off = off;
	l->raw_len = len;
	memcpy(l->model + off, buf, len);
	return 0;
}

static const struct uvfio_pcicfg_id test_id = {
	.vendor = 0x1234,
	.device = 0x5678,
	.subsystem_vendor = 0xabcd,
	.subsystem_device = 0xef01,
	.revision = 0x10,
	.class_code = 0x028000,
	.irq_pin = 1,
};

static struct evlog the_log;

/* A fresh config space wired to a cleared log; @raw adds the model. */
static struct uvfio_pcicfg *mk(bool extended, bool raw)
{
	struct uvfio_pcicfg_events ev = {
		.opaque = &the_log,
		.command = ev_command,
		.msi_ctrl = ev_msi_ctrl,
		.msix_ctrl = ev_msix_ctrl,
		.vector_mask = ev_vector_mask,
		.flr = ev_flr,
		.power_state = ev_power_state,
	};
	struct uvfio_pcicfg *cfg = NULL;

	memset(&the_log, 0, sizeof(the_log));
	if (raw) {
		ev.raw_read = ev_raw_read;
		ev.raw_write = ev_raw_write;
	}
	assert_int_equal(uvfio_pcicfg_new(&test_id, extended, &ev, &cfg), 0);
	assert_non_null(cfg);
	the_log.cfg = cfg;
	return cfg;
}

static uint32_t rd(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len)
{
	uint8_t b[4] = {0};
	uint32_t v = 0;
	unsigned int i;

	assert_int_equal(uvfio_pcicfg_read(cfg, off, b, len), 0);
	for (i = 0; i < len; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static void wr(struct uvfio_pcicfg *cfg, unsigned int off, unsigned int len, uint32_t v)
{
	uint8_t b[4];
	unsigned int i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	assert_int_equal(uvfio_pcicfg_write(cfg, off, b, len), 0);
}

/* One field: write @write at @off (relative to the capability), expect @expect. */
struct field_case {
	unsigned int off;
	unsigned int len;
	uint32_t write;
	uint32_t expect;
};

/* Each case on a fresh object from @build (which returns the cap offset). */
static void run_cases(const char *what, int (*build)(struct uvfio_pcicfg *cfg, bool ext), bool ext,
		      const struct field_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct uvfio_pcicfg *cfg = mk(ext, false);
		int base = build(cfg, ext);
		uint32_t got;

		assert_true(base >= 0);
		wr(cfg, (unsigned int)base + c[i].off, c[i].len, c[i].write);
		got = rd(cfg, (unsigned int)base + c[i].off, c[i].len);
		if (got != c[i].expect)
			fail_msg("%s case %zu: off %#x len %u wrote %#x read %#x, want %#x", what,
				 i, c[i].off, c[i].len, c[i].write, got, c[i].expect);
		uvfio_pcicfg_free(cfg);
	}
}

#define RUN(what, build, ext, cases)                                                               \
	run_cases(what, build, ext, cases, sizeof(cases) / sizeof(cases[0]))

/* ---- header ------------------------------------------------------------- */

static int build_none(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)cfg;
	(void)ext;
	return 0;
}

static const struct field_case header_cases[] = {
	{PCI_VENDOR_ID, 2, 0xffff, 0x1234},
	{PCI_DEVICE_ID, 2, 0x0000, 0x5678},
	{PCI_VENDOR_ID, 4, 0xffffffff, 0x56781234},
	{PCI_COMMAND, 2, 0xffff, 0x0547}, /* IO MEM MASTER PARITY SERR INTX_DISABLE */
	{PCI_COMMAND, 2, PCI_COMMAND_SPECIAL | PCI_COMMAND_INVALIDATE, 0},
	{PCI_COMMAND, 1, 0xff, 0x47},
	{PCI_COMMAND + 1, 1, 0xff, 0x05},
	{PCI_STATUS, 2, 0xffff, 0}, /* no caps, nothing latched */
	{PCI_REVISION_ID, 1, 0xff, 0x10},
	{PCI_CLASS_REVISION, 4, 0xffffffff, 0x02800010},
	{PCI_CACHE_LINE_SIZE, 1, 0x10, 0x10},
	{PCI_LATENCY_TIMER, 1, 0x40, 0x40},
	{PCI_HEADER_TYPE, 1, 0xff, 0},
	{PCI_BIST, 1, 0xff, 0},
	{PCI_CACHE_LINE_SIZE, 4, 0xffffffff, 0x0000ffff},
	{PCI_BASE_ADDRESS_0, 4, 0xffffffff, 0}, /* unimplemented BARs */
	{PCI_BASE_ADDRESS_1, 4, 0xffffffff, 0},
	{PCI_BASE_ADDRESS_2, 4, 0xffffffff, 0},
	{PCI_BASE_ADDRESS_3, 4, 0xffffffff, 0},
	{PCI_BASE_ADDRESS_4, 4, 0xffffffff, 0},
	{PCI_BASE_ADDRESS_5, 4, 0xffffffff, 0},
	{PCI_CARDBUS_CIS, 4, 0xffffffff, 0},
	{PCI_SUBSYSTEM_VENDOR_ID, 2, 0, 0xabcd},
	{PCI_SUBSYSTEM_ID, 2, 0, 0xef01},
	{PCI_ROM_ADDRESS, 4, 0xffffffff, 0}, /* no ROM */
	{PCI_CAPABILITY_LIST, 1, 0xff, 0},
	{0x35, 1, 0xff, 0},
	{0x38, 4, 0xffffffff, 0},
	{PCI_INTERRUPT_LINE, 1, 0x0b, 0x0b},
	{PCI_INTERRUPT_PIN, 1, 0x03, 0x01},
	{PCI_MIN_GNT, 1, 0xff, 0},
	{PCI_MAX_LAT, 1, 0xff, 0},
	{PCI_INTERRUPT_LINE, 4, 0xffffffff, 0x000001ff},
	{0x40, 4, 0xffffffff, 0}, /* gap without a model: 0, dropped */
	{0xfc, 4, 0xffffffff, 0},
};

static void test_header_fields(void **state)
{
	(void)state;
	RUN("header", build_none, false, header_cases);
	RUN("header/ext", build_none, true, header_cases);
}

static void test_command_events(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);

	(void)state;
	wr(cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(the_log.command, 1);
	assert_int_equal(the_log.cmd_old, 0);
	assert_int_equal(the_log.cmd_new, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(uvfio_pcicfg_command(cfg), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* Same value again, or with only dropped bits: no event. */
	wr(cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SPECIAL);
	assert_int_equal(the_log.command, 1);

	/* A dword write covering STATUS too fires once. */
	wr(cfg, PCI_COMMAND, 4, PCI_COMMAND_INTX_DISABLE | 0xffff0000);
	assert_int_equal(the_log.command, 2);
	assert_int_equal(the_log.cmd_old, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(the_log.cmd_new, PCI_COMMAND_INTX_DISABLE);

	/* Writes elsewhere never fire it. */
	wr(cfg, PCI_CACHE_LINE_SIZE, 1, 8);
	assert_int_equal(the_log.command, 2);
	uvfio_pcicfg_free(cfg);
}

static void test_status_rw1c_and_interrupt(void **state)
{
	const uint16_t rw1c = PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR |
			      PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_REC_TARGET_ABORT |
			      PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY;
	struct uvfio_pcicfg *cfg = mk(false, false);

	(void)state;
	/* The device latches every bit it can; only the RW1C ones stick. */
	assert_int_equal(uvfio_pcicfg_set_status_bits(cfg, PCI_STATUS, 2, 0xffff), 0);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), rw1c);
	/* Writing 0 changes nothing; writing 1 clears just that bit. */
	wr(cfg, PCI_STATUS, 2, 0);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), rw1c);
	wr(cfg, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), rw1c & ~PCI_STATUS_REC_MASTER_ABORT);
	/* Byte access to the high half. */
	wr(cfg, PCI_STATUS + 1, 1, 0xff);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), 0);

	/* INTERRUPT mirrors the line, read-only. */
	uvfio_pcicfg_set_intx_status(cfg, true);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), PCI_STATUS_INTERRUPT);
	wr(cfg, PCI_STATUS, 2, 0xffff);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), PCI_STATUS_INTERRUPT);
	/* ... also with INTx disabled in COMMAND (PCI LB 3.0 §6.2.3). */
	wr(cfg, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), PCI_STATUS_INTERRUPT);
	uvfio_pcicfg_set_intx_status(cfg, false);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), 0);

	/* CAP_LIST appears with the first capability, read-only. */
	assert_true(uvfio_pcicfg_add_pm(cfg) > 0);
	wr(cfg, PCI_STATUS, 2, 0xffff);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);

	/* Bad latch arguments. */
	assert_int_equal(uvfio_pcicfg_set_status_bits(cfg, PCI_STATUS, 3, 1), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_status_bits(cfg, PCI_STATUS + 1, 2, 1), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_status_bits(cfg, 256, 4, 1), -EINVAL);
	/* Latching a read-write register does nothing. */
	assert_int_equal(uvfio_pcicfg_set_status_bits(cfg, PCI_COMMAND, 2, 0xffff), 0);
	assert_int_equal(rd(cfg, PCI_COMMAND, 2), PCI_COMMAND_INTX_DISABLE);
	uvfio_pcicfg_free(cfg);
}

/* ---- BARs and ROM ------------------------------------------------------- */

struct bar_case {
	unsigned int bar;
	uint64_t size;
	unsigned int flags;
	uint32_t sized_lo;     /* read-back after writing all ones */
	uint32_t sized_hi;     /* upper dword for 64-bit */
	uint32_t addr_lo;      /* write this... */
	uint32_t addr_lo_read; /* ...read this */
};

static const struct bar_case bar_cases[] = {
	{0, 4096, 0, 0xfffff000, 0, 0x12345678, 0x12345000},
	{1, 1u << 20, PCI_BASE_ADDRESS_MEM_PREFETCH, 0xfff00008, 0, 0xfebc1234, 0xfeb00008},
	{2, 16, 0, 0xfffffff0, 0, 0xffffffff, 0xfffffff0},
	{3, 1ull << 31, 0, 0x80000000, 0, 0x7fffffff, 0},
	{0, 16384, PCI_BASE_ADDRESS_MEM_TYPE_64, 0xffffc004, 0xffffffff, 0x0000c005, 0x0000c004},
	{2, 1ull << 33, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH, 0x0000000c,
	 0xfffffffe, 0xffffffff, 0x0000000c},
	{4, 32, PCI_BASE_ADDRESS_SPACE_IO, 0xffffffe1, 0, 0x0000c0ff, 0x0000c0e1},
	{5, 4, PCI_BASE_ADDRESS_SPACE_IO, 0xfffffffd, 0, 0x00001002, 0x00001001},
};

static void test_bar_sizing(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bar_cases) / sizeof(bar_cases[0]); i++) {
		const struct bar_case *c = &bar_cases[i];
		struct uvfio_pcicfg *cfg = mk(false, false);
		unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * c->bar;
		bool is64 = c->flags & PCI_BASE_ADDRESS_MEM_TYPE_64;
		unsigned int other;

		assert_int_equal(uvfio_pcicfg_set_bar(cfg, c->bar, c->size, c->flags), 0);
		assert_int_equal(uvfio_pcicfg_bar_size(cfg, c->bar), c->size);
		assert_int_equal(uvfio_pcicfg_bar_flags(cfg, c->bar), c->flags);
		/* Power-on: type bits only. */
		assert_int_equal(rd(cfg, reg, 4), c->flags);
		wr(cfg, reg, 4, 0xffffffff);
		if (rd(cfg, reg, 4) != c->sized_lo)
			fail_msg("bar case %zu: sized %#x want %#x", i, rd(cfg, reg, 4),
				 c->sized_lo);
		if (is64) {
			assert_int_equal(rd(cfg, reg + 4, 4), 0);
			wr(cfg, reg + 4, 4, 0xffffffff);
			assert_int_equal(rd(cfg, reg + 4, 4), c->sized_hi);
			assert_int_equal(uvfio_pcicfg_bar_size(cfg, c->bar + 1), 0);
			wr(cfg, reg + 4, 4, 0x00000001);
		}
		wr(cfg, reg, 4, c->addr_lo);
		assert_int_equal(rd(cfg, reg, 4), c->addr_lo_read);
		if (is64)
			assert_int_equal(uvfio_pcicfg_bar_addr(cfg, c->bar),
					 (1ull << 32 | c->addr_lo_read) & ~(uint64_t)0xf &
						 ~(c->size - 1));
		/* Sub-dword writes obey the same masks. */
		wr(cfg, reg, 1, 0xff);
		assert_int_equal(rd(cfg, reg, 1), c->sized_lo & 0xff);
		/* Every other BAR stays unimplemented. */
		for (other = 0; other < 6; other++) {
			unsigned int r = PCI_BASE_ADDRESS_0 + 4 * other;

			if (other == c->bar || (is64 && other == c->bar + 1))
				continue;
			wr(cfg, r, 4, 0xffffffff);
			assert_int_equal(rd(cfg, r, 4), 0);
			assert_int_equal(uvfio_pcicfg_bar_size(cfg, other), 0);
		}
		uvfio_pcicfg_free(cfg);
	}
}

static void test_bar_64bit_qword_write(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);
	uint8_t ones[8];
	uint8_t back[8];

	(void)state;
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 2, 1 << 20, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(uvfio_pcicfg_write(cfg, PCI_BASE_ADDRESS_2, ones, 8), 0);
	assert_int_equal(uvfio_pcicfg_read(cfg, PCI_BASE_ADDRESS_2, back, 8), 0);
	assert_int_equal(back[0], 0x04);
	assert_int_equal(back[1], 0x00);
	assert_int_equal(back[2], 0xf0);
	assert_int_equal(back[3], 0xff);
	assert_int_equal(back[4] & back[5] & back[6] & back[7], 0xff);
	assert_int_equal(uvfio_pcicfg_bar_addr(cfg, 2), 0xfffffffffff00000ull);
	uvfio_pcicfg_free(cfg);
}

static void test_bar_errors(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);

	(void)state;
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 6, 4096, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 4095, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 0, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 8, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 1ull << 32, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 2, PCI_BASE_ADDRESS_SPACE_IO), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 512, PCI_BASE_ADDRESS_SPACE_IO), -EINVAL);
	assert_int_equal(
		uvfio_pcicfg_set_bar(cfg, 0, 16,
				     PCI_BASE_ADDRESS_SPACE_IO | PCI_BASE_ADDRESS_MEM_PREFETCH),
		-EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 4096, PCI_BASE_ADDRESS_MEM_TYPE_1M), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 5, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 1, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 1, 4096, 0), -EBUSY);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 2, 4096, 0), -EBUSY); /* upper half */
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64), -EBUSY);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 3, 64, PCI_BASE_ADDRESS_SPACE_IO), 0);
	assert_int_equal(uvfio_pcicfg_bar_flags(cfg, 3), PCI_BASE_ADDRESS_SPACE_IO);
	assert_int_equal(uvfio_pcicfg_set_rom(cfg, 1024), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_rom(cfg, 3000), -EINVAL);
	assert_int_equal(uvfio_pcicfg_set_rom(cfg, 2048), 0);
	assert_int_equal(uvfio_pcicfg_set_rom(cfg, 4096), -EBUSY);
	assert_int_equal(uvfio_pcicfg_bar_size(cfg, 6), 2048);
	assert_int_equal(uvfio_pcicfg_bar_size(cfg, 7), 0);
	uvfio_pcicfg_free(cfg);
}

static void test_rom(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);

	(void)state;
	assert_int_equal(uvfio_pcicfg_set_rom(cfg, 64 * 1024), 0);
	assert_int_equal(rd(cfg, PCI_ROM_ADDRESS, 4), 0);
	wr(cfg, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(rd(cfg, PCI_ROM_ADDRESS, 4), 0xffff0001);
	assert_true(uvfio_pcicfg_rom_enabled(cfg));
	/* Sizing with the enable bit clear, as Linux does. */
	wr(cfg, PCI_ROM_ADDRESS, 4, PCI_ROM_ADDRESS_MASK);
	assert_int_equal(rd(cfg, PCI_ROM_ADDRESS, 4), 0xffff0000);
	assert_false(uvfio_pcicfg_rom_enabled(cfg));
	/* Bits 1-10 are reserved and read 0. */
	wr(cfg, PCI_ROM_ADDRESS, 4, 0x000007fe);
	assert_int_equal(rd(cfg, PCI_ROM_ADDRESS, 4), 0);
	wr(cfg, PCI_ROM_ADDRESS, 4, 0xfeed0001);
	assert_int_equal(rd(cfg, PCI_ROM_ADDRESS, 4), 0xfeed0001);
	assert_int_equal(uvfio_pcicfg_bar_addr(cfg, 6), 0xfeed0000);
	uvfio_pcicfg_reset(cfg);
	assert_int_equal(rd(cfg, PCI_ROM_ADDRESS, 4), 0);
	assert_false(uvfio_pcicfg_rom_enabled(cfg));
	uvfio_pcicfg_free(cfg);
}

/* ---- Power Management --------------------------------------------------- */

static int build_pm(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_pm(cfg);
}

static const struct field_case pm_cases[] = {
	{PCI_CAP_LIST_ID, 1, 0xff, PCI_CAP_ID_PM},
	{PCI_CAP_LIST_NEXT, 1, 0xff, 0},
	{PCI_PM_PMC, 2, 0xffff, 0x0003},  /* PM 1.2, no D1/D2, no PME */
	{PCI_PM_CTRL, 2, 0xffff, 0x000b}, /* D3hot | No_Soft_Reset; PME bits read 0 */
	{PCI_PM_CTRL, 2, 0x0001, 0x0008}, /* D1 unsupported: discarded */
	{PCI_PM_CTRL, 2, 0x0002, 0x0008}, /* D2 likewise */
	{PCI_PM_CTRL, 2, PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS, 0x0008},
	{PCI_PM_CTRL, 1, 0x03, 0x0b},
	{PCI_PM_PPB_EXTENSIONS, 2, 0xffff, 0},
	{0, 4, 0xffffffff, 0x00030001},
};

static void test_pm(void **state)
{
	struct uvfio_pcicfg *cfg;
	int pm;

	(void)state;
	RUN("pm", build_pm, false, pm_cases);

	cfg = mk(false, false);
	pm = uvfio_pcicfg_add_pm(cfg);
	assert_int_equal(pm, 0x40);
	assert_int_equal(rd(cfg, PCI_CAPABILITY_LIST, 1), 0x40);
	assert_int_equal(uvfio_pcicfg_add_pm(cfg), -EEXIST);
	wr(cfg, pm + PCI_PM_CTRL, 2, 3);
	assert_int_equal(the_log.power_state, 1);
	assert_int_equal(the_log.pstate, 3);
	assert_int_equal(uvfio_pcicfg_power_state(cfg), 3);
	wr(cfg, pm + PCI_PM_CTRL, 2, 3); /* no change */
	wr(cfg, pm + PCI_PM_CTRL, 2, 1); /* discarded */
	assert_int_equal(the_log.power_state, 1);
	assert_int_equal(uvfio_pcicfg_power_state(cfg), 3);
	wr(cfg, pm + PCI_PM_CTRL, 2, 0);
	assert_int_equal(the_log.power_state, 2);
	assert_int_equal(the_log.pstate, 0);
	/* Reset from D3hot returns to D0 and says so. */
	wr(cfg, pm + PCI_PM_CTRL, 2, 3);
	uvfio_pcicfg_reset(cfg);
	assert_int_equal(the_log.power_state, 4);
	assert_int_equal(the_log.pstate, 0);
	assert_int_equal(uvfio_pcicfg_power_state(cfg), 0);
	uvfio_pcicfg_free(cfg);
}

/* ---- MSI, four layouts -------------------------------------------------- */

struct msi_layout {
	unsigned int flags;
	unsigned int len; /* bytes the cap takes */
	unsigned int data;
	unsigned int mask; /* 0: none */
	unsigned int pending;
};

static const struct msi_layout msi_layouts[] = {
	{0, 12, PCI_MSI_DATA_32, 0, 0},
	{UVFIO_PCICFG_MSI_64BIT, 16, PCI_MSI_DATA_64, 0, 0},
	{UVFIO_PCICFG_MSI_MASKABLE, 20, PCI_MSI_DATA_32, PCI_MSI_MASK_32, PCI_MSI_PENDING_32},
	{UVFIO_PCICFG_MSI_64BIT | UVFIO_PCICFG_MSI_MASKABLE, 24, PCI_MSI_DATA_64, PCI_MSI_MASK_64,
	 PCI_MSI_PENDING_64},
};

static void test_msi_layouts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msi_layouts) / sizeof(msi_layouts[0]); i++) {
		const struct msi_layout *l = &msi_layouts[i];
		bool is64 = l->flags & UVFIO_PCICFG_MSI_64BIT;
		struct uvfio_pcicfg *cfg = mk(false, false);
		uint16_t ctrl0 = 0x0004; /* MMC = log2(4) */
		bool en;
		unsigned int nvec;
		uint64_t addr;
		uint16_t data;
		int msi;
		int pm;

		if (is64)
			ctrl0 |= PCI_MSI_FLAGS_64BIT;
		if (l->mask)
			ctrl0 |= PCI_MSI_FLAGS_MASKBIT;
		msi = uvfio_pcicfg_add_msi(cfg, 4, l->flags);
		assert_int_equal(msi, 0x40);
		/* The next capability lands right after this layout. */
		pm = uvfio_pcicfg_add_pm(cfg);
		assert_int_equal(pm, msi + (int)l->len);
		assert_int_equal(rd(cfg, msi + PCI_CAP_LIST_NEXT, 1), pm);

		assert_int_equal(rd(cfg, msi, 1), PCI_CAP_ID_MSI);
		assert_int_equal(rd(cfg, msi + PCI_MSI_FLAGS, 2), ctrl0);
		assert_int_equal(uvfio_pcicfg_msi(cfg, &en, &nvec, &addr, &data), 0);
		assert_false(en);
		assert_int_equal(nvec, 1);

		/* Enable with MME 7: clamped to MMC 2; one event. */
		wr(cfg, msi + PCI_MSI_FLAGS, 2, 0xffff);
		assert_int_equal(rd(cfg, msi + PCI_MSI_FLAGS, 2),
				 ctrl0 | PCI_MSI_FLAGS_ENABLE | (2 << 4));
		assert_int_equal(the_log.msi_ctrl, 1);
		assert_true(the_log.msi_en);
		assert_int_equal(the_log.msi_nvec, 4);
		/* MME 1: two vectors. */
		wr(cfg, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (1 << 4));
		assert_int_equal(the_log.msi_ctrl, 2);
		assert_int_equal(the_log.msi_nvec, 2);
		/* Read-only MMC/64-bit/maskbit writes change nothing, no event. */
		wr(cfg, msi + PCI_MSI_FLAGS, 2,
		   PCI_MSI_FLAGS_ENABLE | (1 << 4) | PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT);
		assert_int_equal(the_log.msi_ctrl, 2);
		/* Byte write of the high half of flags does nothing. */
		wr(cfg, msi + PCI_MSI_FLAGS + 1, 1, 0xff);
		assert_int_equal(the_log.msi_ctrl, 2);

		wr(cfg, msi + PCI_MSI_ADDRESS_LO, 4, 0xffffffff);
		assert_int_equal(rd(cfg, msi + PCI_MSI_ADDRESS_LO, 4), 0xfffffffc);
		if (is64) {
			wr(cfg, msi + PCI_MSI_ADDRESS_HI, 4, 0x12345678);
			assert_int_equal(rd(cfg, msi + PCI_MSI_ADDRESS_HI, 4), 0x12345678);
		}
		/* Data is 16 bits; the rest of its dword reads 0. */
		wr(cfg, msi + l->data, 4, 0xffffabcd);
		assert_int_equal(rd(cfg, msi + l->data, 4), 0xabcd);
		assert_int_equal(uvfio_pcicfg_msi(cfg, &en, &nvec, &addr, &data), 0);
		assert_true(en);
		assert_int_equal(nvec, 2);
		assert_int_equal(addr, is64 ? 0x12345678fffffffcull : 0xfffffffcull);
		assert_int_equal(data, 0xabcd);

		if (l->mask) {
			/* Mask bits of the 4 vectors implemented only. */
			wr(cfg, msi + l->mask, 4, 0xffffffff);
			assert_int_equal(rd(cfg, msi + l->mask, 4), 0xf);
			assert_int_equal(the_log.vector_mask, 4);
			assert_false(the_log.vm_msix);
			assert_true(the_log.vm_masked);
			assert_true(uvfio_pcicfg_msi_masked(cfg, 3));
			wr(cfg, msi + l->mask, 4, 0x5);
			assert_int_equal(the_log.vector_mask, 6); /* 1 and 3 unmasked */
			assert_false(uvfio_pcicfg_msi_masked(cfg, 1));
			assert_true(uvfio_pcicfg_msi_masked(cfg, 2));
			/* Pending: read-only to the driver, set by the device. */
			wr(cfg, msi + l->pending, 4, 0xffffffff);
			assert_int_equal(rd(cfg, msi + l->pending, 4), 0);
			uvfio_pcicfg_msi_set_pending(cfg, 2, true);
			uvfio_pcicfg_msi_set_pending(cfg, 9, true); /* out of range */
			assert_int_equal(rd(cfg, msi + l->pending, 4), 0x4);
			assert_true(uvfio_pcicfg_msi_pending(cfg, 2));
			uvfio_pcicfg_msi_set_pending(cfg, 2, false);
			assert_false(uvfio_pcicfg_msi_pending(cfg, 2));
		} else {
			assert_false(uvfio_pcicfg_msi_masked(cfg, 0));
			uvfio_pcicfg_msi_set_pending(cfg, 0, true);
			assert_false(uvfio_pcicfg_msi_pending(cfg, 0));
			/* Past the short layout: the PM cap, not mask bits. */
			assert_int_equal(rd(cfg, msi + (int)l->len, 1), PCI_CAP_ID_PM);
		}
		/* Disable: event with enabled false. */
		wr(cfg, msi + PCI_MSI_FLAGS, 2, 0);
		assert_false(the_log.msi_en);
		assert_int_equal(the_log.msi_nvec, 1);
		uvfio_pcicfg_free(cfg);
	}
}

static void test_msi_32_vectors_and_errors(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);
	int msi;

	(void)state;
	assert_int_equal(uvfio_pcicfg_add_msi(cfg, 3, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msi(cfg, 0, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msi(cfg, 64, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msi(cfg, 1, 1u << 5), -EINVAL);
	msi = uvfio_pcicfg_add_msi(cfg, 32, UVFIO_PCICFG_MSI_MASKABLE);
	assert_true(msi > 0);
	assert_int_equal(uvfio_pcicfg_add_msi(cfg, 1, 0), -EEXIST);
	assert_int_equal(rd(cfg, msi + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_MASKBIT | (5 << 1));
	wr(cfg, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (5 << 4));
	assert_int_equal(the_log.msi_nvec, 32);
	wr(cfg, msi + PCI_MSI_MASK_32, 4, 0xffffffff);
	assert_int_equal(rd(cfg, msi + PCI_MSI_MASK_32, 4), 0xffffffff);
	assert_int_equal(the_log.vector_mask, 32);
	/* One vector unmasked with a byte write: one event. */
	wr(cfg, msi + PCI_MSI_MASK_32 + 3, 1, 0x7f);
	assert_int_equal(the_log.vector_mask, 33);
	assert_int_equal(the_log.vm_vec, 31);
	assert_false(the_log.vm_masked);
	uvfio_pcicfg_free(cfg);

	/* A single vector: MME stays 0 whatever is written. */
	cfg = mk(false, false);
	msi = uvfio_pcicfg_add_msi(cfg, 1, UVFIO_PCICFG_MSI_64BIT);
	wr(cfg, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_QSIZE);
	assert_int_equal(rd(cfg, msi + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT);
	assert_int_equal(the_log.msi_ctrl, 0);
	uvfio_pcicfg_free(cfg);
}

/* ---- MSI-X -------------------------------------------------------------- */

static struct uvfio_pcicfg *mk_msix(unsigned int nvec, int *off)
{
	struct uvfio_pcicfg *cfg = mk(false, false);

	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 16384, 0), 0);
	*off = uvfio_pcicfg_add_msix(cfg, nvec, 0, 0, 0, 0x2000);
	assert_true(*off > 0);
	return cfg;
}

static int build_msix(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 2, 8192, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	return uvfio_pcicfg_add_msix(cfg, 5, 2, 0x1000, 2, 0x1800);
}

static const struct field_case msix_cases[] = {
	{PCI_CAP_LIST_ID, 1, 0, PCI_CAP_ID_MSIX},
	{PCI_MSIX_FLAGS, 2, 0xffff, 0xc004}, /* enable + function mask; size 5 - 1 */
	{PCI_MSIX_FLAGS, 2, 0x07ff, 0x0004}, /* table size read-only */
	{PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_MASKALL, 0x4004},
	{PCI_MSIX_FLAGS + 1, 1, 0x80, 0x80},
	{PCI_MSIX_TABLE, 4, 0xffffffff, 0x00001002},
	{PCI_MSIX_PBA, 4, 0, 0x00001802},
};

static void test_msix_cap_fields(void **state)
{
	(void)state;
	RUN("msix", build_msix, false, msix_cases);
}

static uint32_t trd(struct uvfio_pcicfg *cfg, uint32_t off)
{
	uint8_t b[4];

	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, off, b, 4), 0);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void twr(struct uvfio_pcicfg *cfg, uint32_t off, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	assert_int_equal(uvfio_pcicfg_msix_table_write(cfg, off, b, 4), 0);
}

static void test_msix_table(void **state)
{
	struct uvfio_pcicfg_msix_layout l;
	struct uvfio_pcicfg *cfg;
	bool en;
	bool fm;
	uint8_t q[8];
	int off;
	unsigned int v;

	(void)state;
	cfg = mk_msix(5, &off);
	assert_int_equal(uvfio_pcicfg_msix(cfg, &l, &en, &fm), 0);
	assert_int_equal(l.nvec, 5);
	assert_int_equal(l.table_bar, 0);
	assert_int_equal(l.table_off, 0);
	assert_int_equal(l.table_size, 80);
	assert_int_equal(l.pba_bar, 0);
	assert_int_equal(l.pba_off, 0x2000);
	assert_int_equal(l.pba_size, 8);
	assert_false(en);
	assert_false(fm);

	/* Reset value: every vector masked, address/data 0. */
	for (v = 0; v < 5; v++) {
		assert_int_equal(trd(cfg, v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL), 1);
		assert_int_equal(trd(cfg, v * 16 + PCI_MSIX_ENTRY_DATA), 0);
		assert_true(uvfio_pcicfg_msix_masked(cfg, v));
	}
	/* Address bits 1:0 read 0; upper address and data are 32 bits. */
	twr(cfg, 16 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xffffffff);
	twr(cfg, 16 + PCI_MSIX_ENTRY_UPPER_ADDR, 0xffffffff);
	twr(cfg, 16 + PCI_MSIX_ENTRY_DATA, 0xffffffff);
	assert_int_equal(trd(cfg, 16 + PCI_MSIX_ENTRY_LOWER_ADDR), 0xfffffffc);
	assert_int_equal(trd(cfg, 16 + PCI_MSIX_ENTRY_UPPER_ADDR), 0xffffffff);
	assert_int_equal(trd(cfg, 16 + PCI_MSIX_ENTRY_DATA), 0xffffffff);
	assert_int_equal(the_log.vector_mask, 0);
	/* Vector control: only the mask bit; unmasking fires. */
	twr(cfg, 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0xfffffffe);
	assert_int_equal(trd(cfg, 16 + PCI_MSIX_ENTRY_VECTOR_CTRL), 0);
	assert_int_equal(the_log.vector_mask, 1);
	assert_true(the_log.vm_msix);
	assert_int_equal(the_log.vm_vec, 1);
	assert_false(the_log.vm_masked);
	assert_false(uvfio_pcicfg_msix_masked(cfg, 1));
	twr(cfg, 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0); /* no change */
	assert_int_equal(the_log.vector_mask, 1);
	twr(cfg, 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0xffffffff);
	assert_int_equal(trd(cfg, 16 + PCI_MSIX_ENTRY_VECTOR_CTRL), 1);
	assert_int_equal(the_log.vector_mask, 2);
	assert_true(the_log.vm_masked);

	/* An 8-byte write of data + vector control. */
	memset(q, 0, sizeof(q));
	q[0] = 0x42;
	assert_int_equal(uvfio_pcicfg_msix_table_write(cfg, 3 * 16 + 8, q, 8), 0);
	assert_int_equal(trd(cfg, 3 * 16 + 8), 0x42);
	assert_int_equal(the_log.vector_mask, 3);
	assert_int_equal(the_log.vm_vec, 3);
	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, 3 * 16 + 8, q, 8), 0);
	assert_int_equal(q[0], 0x42);
	assert_int_equal(q[4], 0);

	/* Bad table accesses. */
	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, 2, q, 4), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, 4, q, 8), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, 0, q, 2), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, 80, q, 4), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_table_write(cfg, 76, q, 8), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_table_write(cfg, 0xfffffffc, q, 4), -EINVAL);
	uvfio_pcicfg_free(cfg);
}

static void test_msix_function_mask(void **state)
{
	struct uvfio_pcicfg *cfg;
	int off;

	(void)state;
	cfg = mk_msix(5, &off);
	/* Unmask vectors 1 and 4. */
	twr(cfg, 1 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	twr(cfg, 4 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	assert_int_equal(the_log.vector_mask, 2);
	the_log.vector_mask = 0;
	the_log.vm_seen = 0;

	/* Enable: msix_ctrl only. */
	wr(cfg, off + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(the_log.msix_ctrl, 1);
	assert_true(the_log.msix_en);
	assert_false(the_log.msix_fm);
	assert_int_equal(the_log.vector_mask, 0);

	/* Function mask: vectors 1 and 4 become masked, the others were. */
	wr(cfg, off + PCI_MSIX_FLAGS + 1, 1, (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8);
	assert_int_equal(the_log.msix_ctrl, 2);
	assert_true(the_log.msix_fm);
	assert_int_equal(the_log.vector_mask, 2);
	assert_int_equal(the_log.vm_seen, (1u << 1) | (1u << 4));
	assert_true(the_log.vm_masked);
	assert_true(uvfio_pcicfg_msix_masked(cfg, 1));

	/* Toggling a vector's own bit under the function mask: no event. */
	twr(cfg, 2 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	twr(cfg, 1 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
	assert_int_equal(the_log.vector_mask, 2);

	/* Function unmask: now 2 and 4 are unmasked. */
	the_log.vm_seen = 0;
	wr(cfg, off + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(the_log.msix_ctrl, 3);
	assert_int_equal(the_log.vector_mask, 4);
	assert_int_equal(the_log.vm_seen, (1u << 2) | (1u << 4));
	assert_false(the_log.vm_masked);
	assert_false(uvfio_pcicfg_msix_masked(cfg, 2));
	assert_true(uvfio_pcicfg_msix_masked(cfg, 1));
	assert_true(uvfio_pcicfg_msix_masked(cfg, 5)); /* out of range */

	/* Same value again: nothing. */
	wr(cfg, off + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | 0x7ff);
	assert_int_equal(the_log.msix_ctrl, 3);
	uvfio_pcicfg_free(cfg);
}

static void test_msix_pba(void **state)
{
	struct uvfio_pcicfg *cfg;
	uint8_t b[8];
	int off;

	(void)state;
	cfg = mk_msix(70, &off);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 0, b, 8), 0);
	assert_int_equal(b[0] | b[1] | b[7], 0);
	uvfio_pcicfg_msix_set_pending(cfg, 3, true);
	uvfio_pcicfg_msix_set_pending(cfg, 65, true);
	uvfio_pcicfg_msix_set_pending(cfg, 70, true); /* out of range: ignored */
	assert_true(uvfio_pcicfg_msix_pending(cfg, 3));
	assert_false(uvfio_pcicfg_msix_pending(cfg, 70));
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 0, b, 4), 0);
	assert_int_equal(b[0], 0x08);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 8, b, 8), 0);
	assert_int_equal(b[0], 0x02);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 12, b, 4), 0);
	assert_int_equal(b[0], 0);
	uvfio_pcicfg_msix_set_pending(cfg, 3, false);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 0, b, 4), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 16, b, 4), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 2, b, 4), -EINVAL);
	assert_int_equal(uvfio_pcicfg_msix_pba_read(cfg, 4, b, 8), -EINVAL);
	uvfio_pcicfg_free(cfg);
}

static void test_msix_errors(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);
	struct uvfio_pcicfg_msix_layout l;
	uint8_t b[4];

	(void)state;
	assert_int_equal(uvfio_pcicfg_msix(cfg, &l, NULL, NULL), -ENOENT);
	assert_int_equal(uvfio_pcicfg_msix_table_read(cfg, 0, b, 4), -ENOENT);
	assert_true(uvfio_pcicfg_msix_masked(cfg, 0));
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 4096, 0), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 1, 64, PCI_BASE_ADDRESS_SPACE_IO), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 2, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 0, 0, 0, 0, 0x800), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 2049, 0, 0, 0, 0x800), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 6, 0, 0, 0x800), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 0, 4, 0, 0x800), -EINVAL); /* align */
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 0, 0, 0, 0x804), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 0, 0xff8, 0, 0x800), -EINVAL); /* fit */
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 1, 0, 0, 0x800), -EINVAL);     /* I/O */
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 3, 0, 0, 0x800), -EINVAL);     /* upper */
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 0, 0, 0, 0x38), -EINVAL);      /* overlap */
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 0, 0, 0, 0x40), 0x40);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 4, 0, 0, 0, 0x40), -EEXIST);
	/* A BAR not declared yet is not checked. */
	uvfio_pcicfg_free(cfg);
	cfg = mk(false, false);
	assert_int_equal(uvfio_pcicfg_add_msix(cfg, 2048, 4, 0, 5, 0), 0x40);
	assert_int_equal(uvfio_pcicfg_msix(cfg, &l, NULL, NULL), 0);
	assert_int_equal(l.pba_size, 256);
	assert_int_equal(rd(cfg, 0x40 + PCI_MSIX_FLAGS, 2), 0x7ff);
	uvfio_pcicfg_free(cfg);
}

/* ---- PCI Express -------------------------------------------------------- */

static int build_pcie_flr(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR);
}

static int build_pcie(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, 0);
}

static int build_pcie_rcend(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_RC_END, 0);
}

static const struct field_case pcie_cases[] = {
	{PCI_CAP_LIST_ID, 1, 0xff, PCI_CAP_ID_EXP},
	{PCI_EXP_FLAGS, 2, 0xffff, 0x0002},
	{PCI_EXP_DEVCAP, 4, 0xffffffff, 0x10008020}, /* FLR, RBER, ext tag, 128 B */
	{PCI_EXP_DEVCTL, 2, 0x7fff, 0x79ff},	     /* not phantom, not aux PM */
	{PCI_EXP_DEVCTL, 2, 0x0000, 0x0000},
	{PCI_EXP_DEVCTL, 2, 0x8000, 0x2810}, /* FLR: reset to defaults, reads 0 */
	{PCI_EXP_DEVCTL, 2, 0x80e5, 0x2810},
	{PCI_EXP_DEVCTL + 1, 1, 0x80, 0x28},
	{PCI_EXP_DEVSTA, 2, 0xffff, 0},
	{PCI_EXP_LNKCAP, 4, 0xffffffff, 0x00000011}, /* x1, 2.5 GT/s */
	{PCI_EXP_LNKCTL, 2, 0xffff, 0x00cb},
	{PCI_EXP_LNKSTA, 2, 0xffff, 0x0011},
	{PCI_EXP_SLTCAP, 4, 0xffffffff, 0},
	{PCI_EXP_SLTCTL, 4, 0xffffffff, 0},
	{PCI_EXP_RTCTL, 4, 0xffffffff, 0},
	{PCI_EXP_RTSTA, 4, 0xffffffff, 0},
	{PCI_EXP_DEVCAP2, 4, 0xffffffff, PCI_EXP_DEVCAP2_COMP_TMOUT_DIS},
	{PCI_EXP_DEVCTL2, 2, 0xffff, PCI_EXP_DEVCTL2_COMP_TMOUT_DIS}, /* not ARI */
	{PCI_EXP_DEVSTA2, 2, 0xffff, 0},
	{PCI_EXP_LNKCAP2, 4, 0xffffffff, PCI_EXP_LNKCAP2_SLS_2_5GB},
	{PCI_EXP_LNKCTL2, 2, 0xffff, PCI_EXP_LNKCTL2_TLS_2_5GT},
	{PCI_EXP_LNKSTA2, 2, 0xffff, 0},
	{PCI_EXP_SLTCAP2, 4, 0xffffffff, 0},
	{PCI_EXP_SLTCTL2, 4, 0xffffffff, 0},
};

static const struct field_case pcie_noflr_cases[] = {
	{PCI_EXP_DEVCAP, 4, 0, 0x00008020},
	{PCI_EXP_DEVCTL, 2, 0xffff, 0x79ff}, /* FLR bit not writable */
	{PCI_EXP_DEVCTL, 2, 0x8000, 0x0000},
};

static const struct field_case pcie_rcend_cases[] = {
	{PCI_EXP_FLAGS, 2, 0, 0x0092},	{PCI_EXP_LNKCAP, 4, 0xffffffff, 0},
	{PCI_EXP_LNKCTL, 2, 0xffff, 0}, {PCI_EXP_LNKSTA, 2, 0, 0},
	{PCI_EXP_LNKCAP2, 4, 0, 0},	{PCI_EXP_LNKCTL2, 2, 0xffff, 0},
};

static void test_pcie_fields(void **state)
{
	(void)state;
	RUN("pcie", build_pcie_flr, true, pcie_cases);
	RUN("pcie-noflr", build_pcie, true, pcie_noflr_cases);
	RUN("pcie-rcend", build_pcie_rcend, true, pcie_rcend_cases);
}

static void test_pcie_flr_and_devsta(void **state)
{
	struct uvfio_pcicfg *cfg = mk(true, false);
	int exp;

	(void)state;
	assert_int_equal(uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ROOT_PORT, 0), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, 2), -EINVAL);
	exp = uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR);
	assert_int_equal(exp, 0x40);
	assert_int_equal(uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, 0), -EEXIST);
	/* Latency Timer does not apply to PCI Express. */
	wr(cfg, PCI_LATENCY_TIMER, 1, 0x40);
	assert_int_equal(rd(cfg, PCI_LATENCY_TIMER, 1), 0);

	/* DEVSTA error bits: latched by the device, RW1C; AUXPD/TRPND not. */
	assert_int_equal(uvfio_pcicfg_set_status_bits(cfg, exp + PCI_EXP_DEVSTA, 2, 0xffff), 0);
	assert_int_equal(rd(cfg, exp + PCI_EXP_DEVSTA, 2), 0x000f);
	wr(cfg, exp + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_NFED);
	assert_int_equal(rd(cfg, exp + PCI_EXP_DEVSTA, 2), 0x000d);

	/* Program some state, then FLR through a dword write of DEVCTL|DEVSTA. */
	wr(cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(cfg, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_PAYLOAD_256B);
	the_log.command = 0;
	wr(cfg, exp + PCI_EXP_DEVCTL, 4, PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_CERE);
	assert_int_equal(the_log.flr, 1);
	assert_int_equal(rd(cfg, exp + PCI_EXP_DEVCTL, 2), 0x2810);
	assert_int_equal(rd(cfg, exp + PCI_EXP_DEVSTA, 2), 0);
	assert_int_equal(rd(cfg, PCI_COMMAND, 2), 0);
	assert_int_equal(the_log.command, 1); /* the reset turned memory/master off */
	/* Writing FLR again fires again; writing without it does not. */
	wr(cfg, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(the_log.flr, 2);
	wr(cfg, exp + PCI_EXP_DEVCTL, 2, 0x2810);
	assert_int_equal(the_log.flr, 2);

	/* The flr callback may reset again from inside the write. */
	the_log.flr_resets = true;
	wr(cfg, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR | 0x2810);
	assert_int_equal(the_log.flr, 3);
	assert_int_equal(rd(cfg, exp + PCI_EXP_DEVCTL, 2), 0x2810);
	uvfio_pcicfg_free(cfg);
}

/* ---- Advanced Features -------------------------------------------------- */

static int build_af(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_af(cfg);
}

static const struct field_case af_cases[] = {
	{PCI_CAP_LIST_ID, 1, 0xff, PCI_CAP_ID_AF},
	{PCI_AF_LENGTH, 1, 0xff, PCI_CAP_AF_SIZEOF},
	{PCI_AF_CAP, 1, 0, PCI_AF_CAP_TP | PCI_AF_CAP_FLR},
	{PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR, 0}, /* FLR reads back 0 */
	{PCI_AF_CTRL, 1, 0xfe, 0},
	{PCI_AF_STATUS, 1, 0xff, 0},
	{6, 2, 0xffff, 0},
	{0, 4, 0xffffffff, 0x03060013},
};

static void test_af(void **state)
{
	struct uvfio_pcicfg *cfg;
	int af;

	(void)state;
	RUN("af", build_af, false, af_cases);
	cfg = mk(false, false);
	af = uvfio_pcicfg_add_af(cfg);
	assert_int_equal(af, 0x40);
	assert_int_equal(uvfio_pcicfg_add_af(cfg), -EEXIST);
	wr(cfg, PCI_COMMAND, 2, PCI_COMMAND_IO);
	wr(cfg, af + PCI_AF_CTRL, 1, 0xfe);
	assert_int_equal(the_log.flr, 0);
	wr(cfg, af + PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR);
	assert_int_equal(the_log.flr, 1);
	assert_int_equal(rd(cfg, PCI_COMMAND, 2), 0);
	/* A dword write at the cap start reaches AF_CTRL too. */
	wr(cfg, af, 4, 0xffffffff);
	assert_int_equal(the_log.flr, 1); /* bytes 0-3 only */
	wr(cfg, af + 4, 4, 0xffffffff);
	assert_int_equal(the_log.flr, 2);
	uvfio_pcicfg_free(cfg);
}

/* ---- vendor-specific ---------------------------------------------------- */

static void test_vendor_default(void **state)
{
	static const uint8_t body[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	struct uvfio_pcicfg *cfg = mk(false, false);
	int v;

	(void)state;
	assert_int_equal(uvfio_pcicfg_add_vendor(cfg, body, 256), -EINVAL);
	v = uvfio_pcicfg_add_vendor(cfg, body, sizeof(body));
	assert_int_equal(v, 0x40);
	assert_int_equal(rd(cfg, v, 4), 0xaa080009);
	assert_int_equal(rd(cfg, v + 4, 4), 0xeeddccbb);
	/* Without a model: writes dropped, body reads as given. */
	wr(cfg, v, 4, 0);
	wr(cfg, v + 4, 4, 0x11223344);
	assert_int_equal(rd(cfg, v, 4), 0xaa080009);
	assert_int_equal(rd(cfg, v + 4, 4), 0xeeddccbb);
	/* Several vendor caps may be chained; NULL body reads 0. */
	assert_int_equal(uvfio_pcicfg_add_vendor(cfg, NULL, 1), 0x48);
	assert_int_equal(rd(cfg, 0x48, 4), 0x00040009);
	assert_int_equal(rd(cfg, v + PCI_CAP_LIST_NEXT, 1), 0x48);
	uvfio_pcicfg_free(cfg);
}

static void test_vendor_raw_passthrough(void **state)
{
	static const uint8_t body[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	struct uvfio_pcicfg *cfg = mk(false, true);
	uint8_t b[8];
	int v;

	(void)state;
	v = uvfio_pcicfg_add_vendor(cfg, body, sizeof(body));
	memset(the_log.model, 0x5a, sizeof(the_log.model));
	/* Head bytes are ours, body bytes the model's. */
	assert_int_equal(rd(cfg, v, 4), 0x5a080009);
	assert_int_equal(the_log.raw_read, 1);
	assert_int_equal(rd(cfg, v, 2), 0x0009);
	assert_int_equal(the_log.raw_read, 1); /* the head alone: no model access */
	wr(cfg, v + 4, 4, 0x11223344);
	assert_int_equal(the_log.raw_write, 1);
	assert_int_equal(the_log.raw_off, v + 4);
	assert_int_equal(the_log.raw_len, 4);
	assert_int_equal(rd(cfg, v + 4, 4), 0x11223344);
	/* A dword write over the head sends only byte 3 to the model. */
	wr(cfg, v, 4, 0x77665544);
	assert_int_equal(the_log.raw_write, 2);
	assert_int_equal(the_log.raw_off, v + 3);
	assert_int_equal(the_log.raw_len, 1);
	assert_int_equal(the_log.model[v + 3], 0x77);
	assert_int_equal(the_log.model[v], 0x5a);
	assert_int_equal(rd(cfg, v, 4), 0x77080009);
	/* The model's errors come back. */
	the_log.raw_err = -EIO;
	assert_int_equal(uvfio_pcicfg_read(cfg, v + 4, b, 4), -EIO);
	the_log.raw_err = 0;
	/* Gaps go to the model too. */
	assert_int_equal(rd(cfg, 0x80, 4), 0x5a5a5a5a);
	wr(cfg, 0x80, 2, 0x1234);
	assert_int_equal(the_log.raw_off, 0x80);
	assert_int_equal(rd(cfg, 0x80, 4), 0x5a5a1234);
	uvfio_pcicfg_free(cfg);
}

/* ---- AER and DSN -------------------------------------------------------- */

static int build_aer(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_aer(cfg);
}

#define UNC_ALL 0x03fff030u
#define COR_ALL 0x0000f1c1u

static const struct field_case aer_cases[] = {
	{0, 4, 0xffffffff, 0x00020001}, /* header: AER v2, last */
	{PCI_ERR_UNCOR_STATUS, 4, 0xffffffff, 0},
	{PCI_ERR_UNCOR_MASK, 4, 0, 0},
	{PCI_ERR_UNCOR_MASK, 4, 0xffffffff, UNC_ALL},
	{PCI_ERR_UNCOR_SEVER, 4, 0xffffffff, UNC_ALL},
	{PCI_ERR_UNCOR_SEVER, 4, 0, 0},
	{PCI_ERR_COR_STATUS, 4, 0xffffffff, 0},
	{PCI_ERR_COR_MASK, 4, 0xffffffff, COR_ALL},
	{PCI_ERR_CAP, 4, 0xffffffff, 0}, /* no ECRC */
	{PCI_ERR_HEADER_LOG, 4, 0xffffffff, 0},
	{PCI_ERR_HEADER_LOG + 12, 4, 0xffffffff, 0},
};

static void test_aer(void **state)
{
	struct uvfio_pcicfg *cfg;
	int aer;

	(void)state;
	RUN("aer", build_aer, true, aer_cases);
	cfg = mk(true, false);
	aer = uvfio_pcicfg_add_aer(cfg);
	assert_int_equal(aer, 0x100);
	assert_int_equal(uvfio_pcicfg_add_aer(cfg), -EEXIST);
	/* Power-on masks and severities (PCIe r4.0 §7.8.4). */
	assert_int_equal(rd(cfg, aer + PCI_ERR_UNCOR_MASK, 4), PCI_ERR_UNC_INTN);
	assert_int_equal(rd(cfg, aer + PCI_ERR_UNCOR_SEVER, 4), 0x00462030);
	assert_int_equal(rd(cfg, aer + PCI_ERR_COR_MASK, 4), 0x0000e000);
	/* Status RW1C. */
	assert_int_equal(
		uvfio_pcicfg_set_status_bits(cfg, aer + PCI_ERR_UNCOR_STATUS, 4, 0xffffffff), 0);
	assert_int_equal(rd(cfg, aer + PCI_ERR_UNCOR_STATUS, 4), UNC_ALL);
	wr(cfg, aer + PCI_ERR_UNCOR_STATUS, 4, PCI_ERR_UNC_UNSUP | PCI_ERR_UNC_DLP);
	assert_int_equal(rd(cfg, aer + PCI_ERR_UNCOR_STATUS, 4),
			 UNC_ALL & ~(PCI_ERR_UNC_UNSUP | PCI_ERR_UNC_DLP));
	assert_int_equal(
		uvfio_pcicfg_set_status_bits(cfg, aer + PCI_ERR_COR_STATUS, 4, PCI_ERR_COR_BAD_TLP),
		0);
	wr(cfg, aer + PCI_ERR_COR_STATUS, 4, 0);
	assert_int_equal(rd(cfg, aer + PCI_ERR_COR_STATUS, 4), PCI_ERR_COR_BAD_TLP);
	wr(cfg, aer + PCI_ERR_COR_STATUS, 1, 0xff);
	assert_int_equal(rd(cfg, aer + PCI_ERR_COR_STATUS, 4), 0);
	/* Reset clears status, restores masks. */
	wr(cfg, aer + PCI_ERR_UNCOR_MASK, 4, 0);
	uvfio_pcicfg_reset(cfg);
	assert_int_equal(rd(cfg, aer + PCI_ERR_UNCOR_STATUS, 4), 0);
	assert_int_equal(rd(cfg, aer + PCI_ERR_UNCOR_MASK, 4), PCI_ERR_UNC_INTN);
	uvfio_pcicfg_free(cfg);

	/* Extended caps need a 4 KiB space. */
	cfg = mk(false, false);
	assert_int_equal(uvfio_pcicfg_add_aer(cfg), -EINVAL);
	assert_int_equal(uvfio_pcicfg_add_dsn(cfg, 1), -EINVAL);
	uvfio_pcicfg_free(cfg);
}

static int build_dsn(struct uvfio_pcicfg *cfg, bool ext)
{
	(void)ext;
	return uvfio_pcicfg_add_dsn(cfg, 0x0123456789abcdefull);
}

static const struct field_case dsn_cases[] = {
	{0, 4, 0xffffffff, 0x00010003},
	{4, 4, 0, 0x89abcdef},
	{8, 4, 0xffffffff, 0x01234567},
	{6, 2, 0, 0x89ab},
};

static void test_dsn(void **state)
{
	struct uvfio_pcicfg *cfg;

	(void)state;
	RUN("dsn", build_dsn, true, dsn_cases);
	cfg = mk(true, false);
	assert_int_equal(uvfio_pcicfg_add_dsn(cfg, 7), 0x100);
	assert_int_equal(uvfio_pcicfg_add_dsn(cfg, 7), -EEXIST);
	uvfio_pcicfg_free(cfg);
}

/* ---- chain construction, walkers over our own dump ---------------------- */

static void test_chain_and_walk(void **state)
{
	static const uint8_t std_ids[] = {PCI_CAP_ID_PM,  PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX,
					  PCI_CAP_ID_EXP, PCI_CAP_ID_AF,  PCI_CAP_ID_VNDR};
	struct uvfio_pcicfg *cfg = mk(true, false);
	uint8_t dump[4096];
	unsigned int guard = 0;
	int offs[6];
	int pos = 0;
	int aer;
	int dsn;
	size_t i;

	(void)state;
	assert_int_equal(uvfio_pcicfg_size(cfg), 4096);
	/* No extended cap yet: 0 at 0x100. */
	assert_int_equal(rd(cfg, 0x100, 4), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 4096, 0), 0);
	offs[0] = uvfio_pcicfg_add_pm(cfg);
	offs[1] = uvfio_pcicfg_add_msi(cfg, 8, UVFIO_PCICFG_MSI_64BIT);
	offs[2] = uvfio_pcicfg_add_msix(cfg, 16, 0, 0, 0, 0x800);
	offs[3] = uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR);
	offs[4] = uvfio_pcicfg_add_af(cfg);
	offs[5] = uvfio_pcicfg_add_vendor(cfg, "abc", 3);
	aer = uvfio_pcicfg_add_aer(cfg);
	dsn = uvfio_pcicfg_add_dsn(cfg, 42);
	assert_int_equal(offs[0], 0x40);
	assert_int_equal(offs[1], 0x48);
	assert_int_equal(offs[2], 0x58);
	assert_int_equal(offs[3], 0x64);
	assert_int_equal(offs[4], 0xa0);
	assert_int_equal(offs[5], 0xa8);
	assert_int_equal(aer, 0x100);
	assert_int_equal(dsn, 0x100 + PCI_ERR_ROOT_COMMAND);

	assert_int_equal(uvfio_pcicfg_read(cfg, 0, dump, sizeof(dump)), 0);
	assert_true(dump[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	for (i = 0; i < 6; i++) {
		pos = uvfio_pci_cap_next(dump, sizeof(dump), pos, &guard);
		assert_int_equal(pos, offs[i]);
		assert_int_equal(dump[pos], std_ids[i]);
		assert_int_equal(pos & 3, 0);
	}
	assert_int_equal(uvfio_pci_cap_next(dump, sizeof(dump), pos, &guard), 0);
	assert_int_equal(uvfio_pci_find_cap(dump, sizeof(dump), PCI_CAP_ID_MSIX), offs[2]);
	assert_int_equal(uvfio_pci_find_cap(dump, 256, PCI_CAP_ID_VNDR), offs[5]);
	assert_int_equal(uvfio_pci_find_ext_cap(dump, sizeof(dump), PCI_EXT_CAP_ID_ERR), aer);
	assert_int_equal(uvfio_pci_find_ext_cap(dump, sizeof(dump), PCI_EXT_CAP_ID_DSN), dsn);
	assert_int_equal(uvfio_pci_find_ext_cap(dump, sizeof(dump), PCI_EXT_CAP_ID_SRIOV), -ENOENT);
	/* AER header points at DSN, DSN ends the list. */
	assert_int_equal(rd(cfg, aer, 4), 0x00020001u | (uint32_t)dsn << 20);
	assert_int_equal(rd(cfg, dsn, 4), 0x00010003);

	/* Room runs out: a vendor cap that cannot fit. */
	assert_int_equal(uvfio_pcicfg_add_vendor(cfg, NULL, 200), -ENOSPC);
	uvfio_pcicfg_free(cfg);
}

static void test_std_space_full(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);

	(void)state;
	/* 0x40 + 184 = 0xf8; PM's 8 bytes end exactly at 0x100. */
	assert_int_equal(uvfio_pcicfg_add_vendor(cfg, NULL, 181), 0x40);
	assert_int_equal(uvfio_pcicfg_add_pm(cfg), 0xf8);
	assert_int_equal(uvfio_pcicfg_add_msi(cfg, 1, 0), -ENOSPC);
	assert_int_equal(uvfio_pcicfg_add_af(cfg), -ENOSPC);
	uvfio_pcicfg_free(cfg);
}

static void test_empty_ext_header(void **state)
{
	struct uvfio_pcicfg *cfg = mk(true, true);

	(void)state;
	memset(the_log.model, 0xff, sizeof(the_log.model));
	/* The model answers gaps with ones, yet 0x100 stays 0. */
	assert_int_equal(rd(cfg, 0x100, 4), 0);
	wr(cfg, 0x100, 4, 0x12345678);
	assert_int_equal(rd(cfg, 0x100, 4), 0);
	assert_int_equal(rd(cfg, 0x104, 4), 0xffffffff);
	assert_int_equal(rd(cfg, 0xffc, 4), 0xffffffff);
	uvfio_pcicfg_free(cfg);
}

/* ---- chunking and range ------------------------------------------------- */

static void test_chunking_across_caps(void **state)
{
	static const uint8_t body[] = {1, 2, 3, 4, 5};
	struct uvfio_pcicfg *cfg = mk(false, true);
	uint8_t b[4];
	int v;
	int msi;

	(void)state;
	memset(the_log.model, 0xa5, sizeof(the_log.model));
	v = uvfio_pcicfg_add_vendor(cfg, body, sizeof(body)); /* 0x40..0x47 */
	msi = uvfio_pcicfg_add_msi(cfg, 1, 0);		      /* 0x48..     */
	assert_int_equal(v, 0x40);
	assert_int_equal(msi, 0x48);

	/* Unaligned dword at 0x47: model byte, MSI id/next, MSI flags low. */
	assert_int_equal(uvfio_pcicfg_read(cfg, 0x47, b, 4), 0);
	assert_int_equal(b[0], 0xa5);
	assert_int_equal(b[1], PCI_CAP_ID_MSI);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0);
	assert_int_equal(the_log.raw_read, 1);

	b[0] = 0x3c;
	b[1] = 0xff;
	b[2] = 0xff;
	b[3] = PCI_MSI_FLAGS_ENABLE;
	assert_int_equal(uvfio_pcicfg_write(cfg, 0x47, b, 4), 0);
	/* The model got exactly its byte... */
	assert_int_equal(the_log.raw_write, 1);
	assert_int_equal(the_log.raw_off, 0x47);
	assert_int_equal(the_log.raw_len, 1);
	assert_int_equal(the_log.model[0x47], 0x3c);
	assert_int_equal(the_log.model[0x48], 0xa5);
	/* ...and MSI its enable bit, with its event. */
	assert_int_equal(the_log.msi_ctrl, 1);
	assert_true(the_log.msi_en);
	assert_int_equal(rd(cfg, msi, 2), PCI_CAP_ID_MSI);

	/* Header / first cap boundary: 0x3e..0x41. */
	assert_int_equal(uvfio_pcicfg_read(cfg, 0x3e, b, 4), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0);
	assert_int_equal(b[2], PCI_CAP_ID_VNDR);
	assert_int_equal(b[3], 0x48);
	uvfio_pcicfg_free(cfg);
}

static void test_out_of_range(void **state)
{
	struct uvfio_pcicfg *cfg = mk(false, false);
	uint8_t b[16];

	(void)state;
	assert_int_equal(uvfio_pcicfg_read(cfg, 256, b, 1), -EINVAL);
	assert_int_equal(uvfio_pcicfg_read(cfg, 252, b, 8), -EINVAL);
	assert_int_equal(uvfio_pcicfg_read(cfg, 0xffffffffu, b, 2), -EINVAL);
	assert_int_equal(uvfio_pcicfg_read(cfg, 4, b, 0xfffffffeu), -EINVAL);
	assert_int_equal(uvfio_pcicfg_write(cfg, 256, b, 1), -EINVAL);
	assert_int_equal(uvfio_pcicfg_write(cfg, 255, b, 2), -EINVAL);
	assert_int_equal(uvfio_pcicfg_read(cfg, 255, b, 1), 0);
	assert_int_equal(uvfio_pcicfg_read(cfg, 256, b, 0), 0);
	assert_int_equal(uvfio_pcicfg_read(cfg, 0, NULL, 4), -EINVAL);
	/* Odd lengths and alignments inside the space are fine. */
	assert_int_equal(uvfio_pcicfg_read(cfg, 1, b, 13), 0);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(b[1], 0x78);
	uvfio_pcicfg_free(cfg);

	cfg = mk(true, false);
	assert_int_equal(uvfio_pcicfg_read(cfg, 4095, b, 1), 0);
	assert_int_equal(uvfio_pcicfg_read(cfg, 4096, b, 1), -EINVAL);
	assert_int_equal(uvfio_pcicfg_read(cfg, 4092, b, 8), -EINVAL);
	uvfio_pcicfg_free(cfg);

	/* Bad identities. */
	{
		struct uvfio_pcicfg_id id = test_id;
		struct uvfio_pcicfg *c = NULL;

		id.irq_pin = 5;
		assert_int_equal(uvfio_pcicfg_new(&id, false, NULL, &c), -EINVAL);
		id.irq_pin = 0;
		id.class_code = 0x1000000;
		assert_int_equal(uvfio_pcicfg_new(&id, false, NULL, &c), -EINVAL);
		assert_int_equal(uvfio_pcicfg_new(NULL, false, NULL, &c), -EINVAL);
		/* No events at all is fine. */
		assert_int_equal(uvfio_pcicfg_new(&test_id, true, NULL, &c), 0);
		assert_true(uvfio_pcicfg_add_pcie(c, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR) >
			    0);
		wr(c, 0x40 + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
		wr(c, PCI_COMMAND, 2, 0xffff);
		assert_int_equal(rd(c, 0x40, 4) & 0xff, PCI_CAP_ID_EXP);
		uvfio_pcicfg_free(c);
		uvfio_pcicfg_free(NULL);
	}
}

/* ---- reset -------------------------------------------------------------- */

static void test_reset(void **state)
{
	struct uvfio_pcicfg *cfg = mk(true, false);
	int pm;
	int msi;
	int msix;
	int exp;

	(void)state;
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 16384, 0), 0);
	assert_int_equal(
		uvfio_pcicfg_set_bar(cfg, 2, 1 << 20,
				     PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH),
		0);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 4, 16, PCI_BASE_ADDRESS_SPACE_IO), 0);
	pm = uvfio_pcicfg_add_pm(cfg);
	msi = uvfio_pcicfg_add_msi(cfg, 4, UVFIO_PCICFG_MSI_MASKABLE);
	msix = uvfio_pcicfg_add_msix(cfg, 4, 0, 0, 0, 0x1000);
	exp = uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR);
	assert_true(pm > 0 && msi > 0 && msix > 0 && exp > 0);

	/* Power-on state once: reset must not fire anything. */
	uvfio_pcicfg_reset(cfg);
	assert_int_equal(the_log.command + the_log.msi_ctrl + the_log.msix_ctrl +
				 the_log.vector_mask + the_log.power_state + the_log.flr,
			 0);

	wr(cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	wr(cfg, PCI_BASE_ADDRESS_0, 4, 0xfebf0000);
	wr(cfg, PCI_BASE_ADDRESS_2, 4, 0xe0000000);
	wr(cfg, PCI_BASE_ADDRESS_3, 4, 0x1);
	wr(cfg, PCI_BASE_ADDRESS_4, 4, 0xc000);
	wr(cfg, PCI_INTERRUPT_LINE, 1, 11);
	wr(cfg, PCI_CACHE_LINE_SIZE, 1, 16);
	wr(cfg, pm + PCI_PM_CTRL, 2, 3);
	wr(cfg, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (2 << 4));
	wr(cfg, msi + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
	wr(cfg, msi + PCI_MSI_MASK_32, 4, 0x3);
	uvfio_pcicfg_msi_set_pending(cfg, 1, true);
	wr(cfg, msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	twr(cfg, 2 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	twr(cfg, 2 * 16 + PCI_MSIX_ENTRY_DATA, 0x99);
	uvfio_pcicfg_msix_set_pending(cfg, 3, true);
	wr(cfg, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_PAYLOAD_256B);
	wr(cfg, exp + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_CCC);
	uvfio_pcicfg_set_status_bits(cfg, PCI_STATUS, 2, PCI_STATUS_SIG_TARGET_ABORT);
	uvfio_pcicfg_set_intx_status(cfg, true);

	memset(&the_log, 0, offsetof(struct evlog, cfg));
	uvfio_pcicfg_reset(cfg);

	/* Registers. */
	assert_int_equal(rd(cfg, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(cfg, PCI_STATUS, 2), PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	assert_int_equal(rd(cfg, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(rd(cfg, PCI_BASE_ADDRESS_2, 4), 0xc);
	assert_int_equal(rd(cfg, PCI_BASE_ADDRESS_3, 4), 0);
	assert_int_equal(rd(cfg, PCI_BASE_ADDRESS_4, 4), 1);
	assert_int_equal(rd(cfg, PCI_INTERRUPT_LINE, 1), 0);
	assert_int_equal(rd(cfg, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(rd(cfg, PCI_CACHE_LINE_SIZE, 1), 0);
	assert_int_equal(rd(cfg, PCI_VENDOR_ID, 4), 0x56781234);
	assert_int_equal(rd(cfg, pm + PCI_PM_CTRL, 2), PCI_PM_CTRL_NO_SOFT_RESET);
	assert_int_equal(rd(cfg, msi + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_MASKBIT | (2 << 1));
	assert_int_equal(rd(cfg, msi + PCI_MSI_ADDRESS_LO, 4), 0);
	assert_int_equal(rd(cfg, msi + PCI_MSI_MASK_32, 4), 0);
	assert_int_equal(rd(cfg, msi + PCI_MSI_PENDING_32, 4), 0);
	assert_int_equal(rd(cfg, msix + PCI_MSIX_FLAGS, 2), 3);
	assert_int_equal(trd(cfg, 2 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL), 1);
	assert_int_equal(trd(cfg, 2 * 16 + PCI_MSIX_ENTRY_DATA), 0);
	assert_false(uvfio_pcicfg_msix_pending(cfg, 3));
	assert_int_equal(rd(cfg, exp + PCI_EXP_DEVCTL, 2), 0x2810);
	assert_int_equal(rd(cfg, exp + PCI_EXP_LNKCTL, 2), 0);
	assert_int_equal(rd(cfg, exp + PCI_EXP_LNKCAP, 4), 0x11);

	/* Events: exactly one per changed thing, never flr. */
	assert_int_equal(the_log.command, 1);
	assert_int_equal(the_log.cmd_old, 7);
	assert_int_equal(the_log.cmd_new, 0);
	assert_int_equal(the_log.msi_ctrl, 1);
	assert_false(the_log.msi_en);
	assert_int_equal(the_log.msi_nvec, 1);
	assert_int_equal(the_log.msix_ctrl, 1);
	assert_false(the_log.msix_en);
	assert_int_equal(the_log.power_state, 1);
	assert_int_equal(the_log.pstate, 0);
	/* MSI vectors 0, 1 unmasked; MSI-X vector 2 masked again. */
	assert_int_equal(the_log.vector_mask, 3);
	assert_true(the_log.vm_msix);
	assert_int_equal(the_log.vm_vec, 2);
	assert_true(the_log.vm_masked);
	assert_int_equal(the_log.flr, 0);

	/* Twice is once. */
	memset(&the_log, 0, offsetof(struct evlog, cfg));
	uvfio_pcicfg_reset(cfg);
	assert_int_equal(the_log.command + the_log.msi_ctrl + the_log.msix_ctrl +
				 the_log.vector_mask + the_log.power_state + the_log.flr,
			 0);
	/* BARs still size after reset. */
	wr(cfg, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(rd(cfg, PCI_BASE_ADDRESS_0, 4), 0xffffc000);
	uvfio_pcicfg_free(cfg);
}

/* ---- hostile: random accesses never break the invariants --------------- */

static uint32_t prng(uint32_t *s)
{
	/* xorshift32: deterministic, so a failure reproduces. */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_random_accesses(void **state)
{
	struct uvfio_pcicfg *cfg = mk(true, true);
	uint32_t seed = 0x9e3779b9;
	uint8_t buf[64];
	uint8_t dump[4096];
	int i;

	(void)state;
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 0, 16384, 0), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(cfg, 2, 1 << 20, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	assert_int_equal(uvfio_pcicfg_set_rom(cfg, 1 << 16), 0);
	assert_true(uvfio_pcicfg_add_pm(cfg) > 0);
	assert_true(uvfio_pcicfg_add_msi(cfg, 8,
					 UVFIO_PCICFG_MSI_64BIT | UVFIO_PCICFG_MSI_MASKABLE) > 0);
	assert_true(uvfio_pcicfg_add_msix(cfg, 33, 0, 0, 0, 0x2000) > 0);
	assert_true(uvfio_pcicfg_add_pcie(cfg, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR) > 0);
	assert_true(uvfio_pcicfg_add_af(cfg) > 0);
	assert_true(uvfio_pcicfg_add_vendor(cfg, "xyz", 3) > 0);
	assert_true(uvfio_pcicfg_add_aer(cfg) > 0);
	assert_true(uvfio_pcicfg_add_dsn(cfg, 1) > 0);
	the_log.flr_resets = true;

	for (i = 0; i < 20000; i++) {
		uint32_t r = prng(&seed);
		unsigned int off = prng(&seed) % 4100;
		unsigned int len = 1 + prng(&seed) % sizeof(buf);
		unsigned int j;
		int ret;

		for (j = 0; j < len; j++)
			buf[j] = (uint8_t)prng(&seed);
		switch (r % 8) {
		case 0:
		case 1:
		case 2:
			ret = uvfio_pcicfg_write(cfg, off, buf, len);
			assert_int_equal(ret, off + len <= 4096 ? 0 : -EINVAL);
			break;
		case 3:
			ret = uvfio_pcicfg_read(cfg, off, buf, len);
			assert_int_equal(ret, off + len <= 4096 ? 0 : -EINVAL);
			break;
		case 4:
			(void)uvfio_pcicfg_msix_table_write(cfg, off & ~3u, buf, 4 << (r >> 3 & 1));
			break;
		case 5:
			uvfio_pcicfg_msix_set_pending(cfg, off % 40, r & 16);
			uvfio_pcicfg_msi_set_pending(cfg, off % 40, r & 16);
			break;
		case 6:
			(void)uvfio_pcicfg_set_status_bits(cfg, off & ~3u, 4, r);
			break;
		default:
			if (!(r & 0xf0))
				uvfio_pcicfg_reset(cfg);
			break;
		}
	}
	/* The layout survived: identity, chains and sizing are intact. */
	assert_int_equal(uvfio_pcicfg_read(cfg, 0, dump, sizeof(dump)), 0);
	assert_int_equal(rd(cfg, PCI_VENDOR_ID, 4), 0x56781234);
	assert_int_equal(uvfio_pci_find_cap(dump, sizeof(dump), PCI_CAP_ID_VNDR), 0xb0);
	assert_int_equal(uvfio_pci_find_ext_cap(dump, sizeof(dump), PCI_EXT_CAP_ID_DSN), 0x12c);
	wr(cfg, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(rd(cfg, PCI_BASE_ADDRESS_0, 4), 0xffffc000);
	uvfio_pcicfg_free(cfg);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_header_fields),
	cmocka_unit_test(test_command_events),
	cmocka_unit_test(test_status_rw1c_and_interrupt),
	cmocka_unit_test(test_bar_sizing),
	cmocka_unit_test(test_bar_64bit_qword_write),
	cmocka_unit_test(test_bar_errors),
	cmocka_unit_test(test_rom),
	cmocka_unit_test(test_pm),
	cmocka_unit_test(test_msi_layouts),
	cmocka_unit_test(test_msi_32_vectors_and_errors),
	cmocka_unit_test(test_msix_cap_fields),
	cmocka_unit_test(test_msix_table),
	cmocka_unit_test(test_msix_function_mask),
	cmocka_unit_test(test_msix_pba),
	cmocka_unit_test(test_msix_errors),
	cmocka_unit_test(test_pcie_fields),
	cmocka_unit_test(test_pcie_flr_and_devsta),
	cmocka_unit_test(test_af),
	cmocka_unit_test(test_vendor_default),
	cmocka_unit_test(test_vendor_raw_passthrough),
	cmocka_unit_test(test_aer),
	cmocka_unit_test(test_dsn),
	cmocka_unit_test(test_chain_and_walk),
	cmocka_unit_test(test_std_space_full),
	cmocka_unit_test(test_empty_ext_header),
	cmocka_unit_test(test_chunking_across_caps),
	cmocka_unit_test(test_out_of_range),
	cmocka_unit_test(test_reset),
	cmocka_unit_test(test_random_accesses),
};

UVFIO_TEST_MAIN(tests)
