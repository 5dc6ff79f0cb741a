// SPDX-License-Identifier: MIT
/*
 * Unit tests of uvfioctl lspci's decoder (tools/uvfioctl/lspci.h): title
 * lines per class and -n/-nn, the header registers, every capability uvfio
 * emulates against golden outputs (tests/golden/lspci/, checked by hand
 * against Debian's lspci -F), hex dumps and their reading back, hostile
 * buffers (loops, pointers into the header or off the end, all-ones ids,
 * random bytes), and the verb's exit statuses.
 *
 * UVFIO_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "lspci.h"
#include "pci/pcicfg.h"

#define GOLDEN_DIR UVFIO_SOURCE_ROOT "/tests/golden/lspci/"

static uint8_t cfg[4096];

/* decode() - run the decoder into a string (caller frees). */
static char *decode(const uint8_t *buf, size_t len, const struct uvfio_lspci_opts *o, int *rc)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	*rc = uvfio_lspci_decode(f, "00:00.0", buf, len, o);
	fclose(f);
	return text;
}

static char *decode_ok(const uint8_t *buf, size_t len, int verbose, int numeric)
{
	struct uvfio_lspci_opts o = {.verbose = verbose, .numeric = numeric};
	int rc;
	char *s = decode(buf, len, &o, &rc);

	assert_int_equal(rc, 0);
	return s;
}

static void put16(uint8_t *b, unsigned int off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, unsigned int off, uint32_t v)
{
	put16(b, off, (uint16_t)v);
	put16(b, off + 2, (uint16_t)(v >> 16));
}

static void base_cfg(uint32_t class_code, uint8_t rev)
{
	memset(cfg, 0, sizeof(cfg));
	put16(cfg, PCI_VENDOR_ID, 0x1234);
	put16(cfg, PCI_DEVICE_ID, 0x11e8);
	cfg[PCI_REVISION_ID] = rev;
	cfg[PCI_CLASS_PROG] = (uint8_t)class_code;
	put16(cfg, PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
}

static void check_golden(const char *name, const char *text)
{
	char path[512];
	char *want;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (getenv("UVFIO_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	f = fopen(path, "r");
	if (!f)
		fail_msg("missing golden file %s (UVFIO_UPDATE_GOLDEN=1 writes it)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = calloc(1, (size_t)n + 1);
	assert_non_null(want);
	assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (strcmp(want, text) != 0) {
		printf("--- %s\n%s--- got\n%s", path, want, text);
		fail_msg("output differs from %s", path);
	}
	free(want);
}

/*
 * Title lines.
 */
struct title_case {
	uint32_t class_code;
	uint8_t rev;
	int verbose;
	int numeric;
	const char *want;
};

static const struct title_case titles[] = {
	{0x00ff00, 0x10, 0, 0, "00:00.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)\n"},
	{0x00ff00, 0x10, 0, 1, "00:00.0 00ff: 1234:11e8 (rev 10)\n"},
	{0x00ff00, 0x10, 0, 2, "00:00.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10)\n"},
	{0x070002, 0, 0, 0, "00:00.0 Serial controller: Device 1234:11e8\n"},
	{0x070002, 0, 1, 0, "00:00.0 Serial controller: Device 1234:11e8 (prog-if 02 [16550])\n"},
	{0x070002, 0, 1, 1, "00:00.0 0700: 1234:11e8 (prog-if 02 [16550])\n"},
	{0x078000, 1, 0, 0, "00:00.0 Communication controller: Device 1234:11e8 (rev 01)\n"},
	{0x010802, 2, 1, 0,
	 "00:00.0 Non-Volatile memory controller: Device 1234:11e8 (rev 02) "
	 "(prog-if 02 [NVM Express])\n"},
	{0x010802, 2, 0, 2,
	 "00:00.0 Non-Volatile memory controller [0108]: Device [1234:11e8] (rev 02)\n"},
	{0x020000, 0, 0, 0, "00:00.0 Ethernet controller: Device 1234:11e8\n"},
	{0x030000, 0, 1, 0,
	 "00:00.0 VGA compatible controller: Device 1234:11e8 (prog-if 00 [VGA controller])\n"},
	{0x060400, 0, 0, 0, "00:00.0 PCI bridge: Device 1234:11e8\n"},
	{0x0c0330, 0, 1, 0, "00:00.0 USB controller: Device 1234:11e8 (prog-if 30 [XHCI])\n"},
	{0x0c0377, 0, 1, 0, "00:00.0 USB controller: Device 1234:11e8 (prog-if 77)\n"},
	{0xab1200, 0, 0, 0, "00:00.0 Class ab12: Device 1234:11e8\n"},
	{0xab1200, 0, 0, 2, "00:00.0 Class [ab12]: Device [1234:11e8]\n"},
	{0xff0000, 0, 0, 0, "00:00.0 Unassigned class [ff00]: Device 1234:11e8\n"},
};

static void test_titles(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		const struct title_case *t = &titles[i];
		char *s;

		base_cfg(t->class_code, t->rev);
		/* Verbose output goes on; compare the first line only. */
		s = decode_ok(cfg, 256, t->verbose, t->numeric);
		s[strcspn(s, "\n") + 1] = '\0';
		assert_string_equal(s, t->want);
		free(s);
	}
}

/* The header registers at -v and -vv: flags, latency, interrupt, BARs, ROM. */
static void test_header_registers(void **state)
{
	struct uvfio_lspci_opts o = {.verbose = 2, .have_sizes = true};
	char *s;
	int rc;

	(void)state;
	base_cfg(0x00ff00, 0x10);
	put16(cfg, PCI_COMMAND,
	      PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	put16(cfg, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_REC_MASTER_ABORT);
	put16(cfg, PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	put16(cfg, PCI_SUBSYSTEM_ID, 0x1100);
	cfg[PCI_LATENCY_TIMER] = 32;
	cfg[PCI_CACHE_LINE_SIZE] = 16;
	cfg[PCI_MIN_GNT] = 2;
	cfg[PCI_INTERRUPT_PIN] = 1;
	cfg[PCI_INTERRUPT_LINE] = 11;
	put32(cfg, PCI_BASE_ADDRESS_0, 0xfea00000);
	put32(cfg, PCI_BASE_ADDRESS_1, 0xc001);
	put32(cfg, PCI_BASE_ADDRESS_2,
	      PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	put32(cfg, PCI_ROM_ADDRESS, 0xfeb00000);
	o.size[0] = 1 << 20;
	o.size[1] = 8;
	o.size[2] = 1ull << 32;
	o.size[5] = 4096; /* a size without flags: an unassigned 32-bit BAR */
	o.size[UVFIO_LSPCI_ROM] = 64 << 10;
	s = decode(cfg, 256, &o, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(
		s,
		"00:00.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)\n"
		"\tSubsystem: Device 1af4:1100\n"
		"\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- "
		"SERR- FastB2B- DisINTx+\n"
		"\tStatus: Cap- 66MHz- UDF- FastB2B- ParErr- DEVSEL=medium >TAbort- <TAbort- "
		"<MAbort+ >SERR- <PERR- INTx-\n"
		"\tLatency: 32 (500ns min), Cache Line Size: 64 bytes\n"
		"\tInterrupt: pin A routed to IRQ 11\n"
		"\tRegion 0: Memory at fea00000 (32-bit, non-prefetchable) [size=1M]\n"
		"\tRegion 1: I/O ports at c000 [size=8]\n"
		"\tRegion 2: Memory at <unassigned> (64-bit, prefetchable) [size=4G]\n"
		"\tRegion 5: Memory at <unassigned> (32-bit, non-prefetchable) [size=4K]\n"
		"\tExpansion ROM at feb00000 [disabled] [size=64K]\n"
		"\n");
	free(s);

	o.verbose = 1;
	s = decode(cfg, 256, &o, &rc);
	assert_non_null(strstr(s, "\tFlags: bus master, medium devsel, latency 32, IRQ 11\n"
				  "\tMemory at fea00000 (32-bit, non-prefetchable) [size=1M]\n"
				  "\tI/O ports at c000 [size=8]\n"));
	free(s);

	/* A 64-bit BAR in the last slot has no upper half. */
	base_cfg(0x00ff00, 0);
	put32(cfg, PCI_BASE_ADDRESS_5, PCI_BASE_ADDRESS_MEM_TYPE_64);
	s = decode_ok(cfg, 256, 2, 0);
	assert_non_null(strstr(s, "Region 5: Memory at <broken-64-bit-slot> (64-bit, "
				  "non-prefetchable) [disabled]\n"));
	free(s);
}

/*
 * Golden devices, built with lib/pci's capability builders: what uvfio
 * devices show.
 */
static struct uvfio_pcicfg *new_space(bool pcie, uint32_t class_code)
{
	const struct uvfio_pcicfg_id id = {
		.vendor = 0x1234,
		.device = 0xfe02,
		.subsystem_vendor = 0x1234,
		.subsystem_device = 0x0001,
		.revision = 2,
		.class_code = class_code,
		.irq_pin = 1,
	};
	struct uvfio_pcicfg *c;

	assert_int_equal(uvfio_pcicfg_new(&id, pcie, NULL, &c), 0);
	return c;
}

static void golden_space(struct uvfio_pcicfg *c, const char *name, const uint64_t *sizes)
{
	struct uvfio_lspci_opts o = {.verbose = 2};
	unsigned int n = uvfio_pcicfg_size(c);
	char file[128];
	char *s;
	int rc;

	memset(cfg, 0, sizeof(cfg));
	assert_int_equal(uvfio_pcicfg_read(c, 0, cfg, n), 0);
	if (sizes) {
		o.have_sizes = true;
		memcpy(o.size, sizes, sizeof(o.size));
	}
	s = decode(cfg, n, &o, &rc);
	assert_int_equal(rc, 0);
	snprintf(file, sizeof(file), "%s-vv.txt", name);
	check_golden(file, s);
	free(s);

	/* The dump lspci -F reads (tests/integration/tools feeds them to it). */
	o = (struct uvfio_lspci_opts){.hex = 4};
	s = decode(cfg, n, &o, &rc);
	snprintf(file, sizeof(file), "%s.dump", name);
	check_golden(file, s);
	free(s);
}

static void test_golden_pcie_full(void **state)
{
	static const uint8_t body[5] = {1, 2, 3, 4, 5};
	const uint64_t sizes[UVFIO_LSPCI_NR_SIZES] = {0x4000, 0, 0x100, 0, 0x100000, 0, 0x10000};
	struct uvfio_pcicfg *c = new_space(true, 0x010802);
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	uint32_t v;

	(void)state;
	assert_int_equal(uvfio_pcicfg_set_bar(c, 0, 0x4000, PCI_BASE_ADDRESS_MEM_TYPE_64), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(c, 2, 0x100, PCI_BASE_ADDRESS_SPACE_IO), 0);
	assert_int_equal(uvfio_pcicfg_set_bar(c, 4, 0x100000, PCI_BASE_ADDRESS_MEM_PREFETCH), 0);
	assert_int_equal(uvfio_pcicfg_set_rom(c, 0x10000), 0);
	assert_true(uvfio_pcicfg_add_pm(c) > 0);
	assert_true(uvfio_pcicfg_add_msi(c, 4, UVFIO_PCICFG_MSI_64BIT | UVFIO_PCICFG_MSI_MASKABLE) >
		    0);
	assert_true(uvfio_pcicfg_add_msix(c, 8, 0, 0x2000, 0, 0x3000) > 0);
	assert_true(uvfio_pcicfg_add_pcie(c, PCI_EXP_TYPE_ENDPOINT, UVFIO_PCICFG_PCIE_FLR) > 0);
	assert_true(uvfio_pcicfg_add_af(c) > 0);
	assert_true(uvfio_pcicfg_add_vendor(c, body, sizeof(body)) > 0);
	assert_true(uvfio_pcicfg_add_aer(c) > 0);
	assert_true(uvfio_pcicfg_add_dsn(c, 0x0123456789abcdefull) > 0);
	/* Program BAR0 and enable decoding, as a driver would. */
	v = 0xfe000000;
	assert_int_equal(uvfio_pcicfg_write(c, PCI_BASE_ADDRESS_0, &v, 4), 0);
	assert_int_equal(uvfio_pcicfg_write(c, PCI_COMMAND, &cmd, 2), 0);
	golden_space(c, "pcie-full", sizes);
	uvfio_pcicfg_free(c);
}

/* The four MSI layouts, 256-byte spaces (no extended capabilities). */
static void test_golden_msi_layouts(void **state)
{
	static const struct {
		unsigned int flags;
		const char *name;
	} layouts[] = {
		{0, "msi-32"},
		{UVFIO_PCICFG_MSI_64BIT, "msi-64"},
		{UVFIO_PCICFG_MSI_MASKABLE, "msi-32-mask"},
		{UVFIO_PCICFG_MSI_64BIT | UVFIO_PCICFG_MSI_MASKABLE, "msi-64-mask"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		struct uvfio_pcicfg *c = new_space(false, 0x070002);
		uint16_t ctrl;
		int pos;

		assert_int_equal(uvfio_pcicfg_set_bar(c, 0, 8, PCI_BASE_ADDRESS_SPACE_IO), 0);
		pos = uvfio_pcicfg_add_msi(c, 2, layouts[i].flags);
		assert_true(pos > 0);
		/* Enable with both vectors, as a driver would. */
		ctrl = PCI_MSI_FLAGS_ENABLE | (1 << 4);
		assert_int_equal(uvfio_pcicfg_write(c, (unsigned int)pos + PCI_MSI_FLAGS, &ctrl, 2),
				 0);
		golden_space(c, layouts[i].name, NULL);
		uvfio_pcicfg_free(c);
	}
}

/*
 * Hostile buffers.
 */
static void cap_buf(void)
{
	base_cfg(0x00ff00, 0);
	put16(cfg, PCI_STATUS, PCI_STATUS_CAP_LIST);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
}

static void assert_has(const char *s, const char *needle)
{
	if (!strstr(s, needle)) {
		printf("%s", s);
		fail_msg("no \"%s\" in the output", needle);
	}
}

static void test_std_loops(void **state)
{
	char *s;

	(void)state;
	/* 0x40 -> 0x50 -> 0x40 */
	cap_buf();
	cfg[0x40] = PCI_CAP_ID_VNDR;
	cfg[0x41] = 0x50;
	cfg[0x42] = 4;
	cfg[0x50] = PCI_CAP_ID_PM;
	cfg[0x51] = 0x40;
	s = decode_ok(cfg, 256, 1, 0);
	assert_has(s, "\tCapabilities: [40] Vendor Specific Information: Len=04 <?>\n"
		      "\tCapabilities: [50] Power Management version 0\n"
		      "\tCapabilities: [40] <chain looped>\n");
	free(s);

	/* A capability pointing at itself, low bits set (masked to 0x60). */
	cap_buf();
	cfg[PCI_CAPABILITY_LIST] = 0x63;
	cfg[0x60] = PCI_CAP_ID_MSIX;
	cfg[0x61] = 0x62;
	s = decode_ok(cfg, 256, 2, 0);
	assert_has(s, "\tCapabilities: [60] MSI-X: Enable- Count=1 Masked-\n");
	assert_has(s, "\tCapabilities: [60] <chain looped>\n");
	free(s);

	/* Every slot used, the last pointing at the first: 48 then the loop. */
	cap_buf();
	for (unsigned int p = 0x40; p < 0x100; p += 4) {
		cfg[p] = 0x77;
		cfg[p + 1] = (uint8_t)(p + 4 < 0x100 ? p + 4 : 0x40);
	}
	s = decode_ok(cfg, 256, 1, 0);
	assert_has(s, "\tCapabilities: [fc] Capability ID 0x77 [0000]\n"
		      "\tCapabilities: [40] <chain looped>\n");
	free(s);
}

static void test_std_broken(void **state)
{
	char *s;

	(void)state;
	/* A pointer into the header. */
	cap_buf();
	cfg[0x40] = PCI_CAP_ID_PM;
	cfg[0x41] = 0x20;
	s = decode_ok(cfg, 256, 1, 0);
	assert_has(s, "\tCapabilities: [40] Power Management version 0\n"
		      "\tCapabilities: [20] <chain broken>\n");
	free(s);

	/* An all-ones id (what an absent function reads). */
	cap_buf();
	cfg[0x40] = 0xff;
	cfg[0x41] = 0x50;
	s = decode_ok(cfg, 256, 2, 0);
	assert_has(s, "\tCapabilities: [40] <chain broken>\n");
	free(s);

	/* The last dword, with a capability whose registers run off the end. */
	cap_buf();
	cfg[PCI_CAPABILITY_LIST] = 0xfc;
	cfg[0xfc] = PCI_CAP_ID_EXP;
	put16(cfg, 0xfe, 2);
	s = decode_ok(cfg, 256, 2, 0);
	assert_has(s, "\tCapabilities: [fc] Express (v2) Endpoint, MSI 00\n");
	free(s);

	/* A 64-byte dump holds no capabilities. */
	cap_buf();
	s = decode_ok(cfg, 64, 2, 0);
	assert_has(s, "\tCapabilities: <access denied>\n");
	free(s);
}

static void pcie_ext_buf(void)
{
	cap_buf();
	cfg[0x40] = PCI_CAP_ID_EXP;
	put16(cfg, 0x42, 2);
}

static void test_ext_hostile(void **state)
{
	char *s;

	(void)state;
	/* 0x100 AER -> 0x200 unknown -> 0x300 DSN -> 0x200 */
	pcie_ext_buf();
	put32(cfg, 0x100, PCI_EXT_CAP_ID_ERR | 1 << 16 | 0x200u << 20);
	put32(cfg, 0x200, 0x55 | 1 << 16 | 0x300u << 20);
	put32(cfg, 0x300, PCI_EXT_CAP_ID_DSN | 1 << 16 | 0x200u << 20);
	s = decode_ok(cfg, 4096, 1, 0);
	assert_has(s, "\tCapabilities: [100] Advanced Error Reporting\n"
		      "\tCapabilities: [200] Extended Capability ID 0x55\n"
		      "\tCapabilities: [300] Device Serial Number 00-00-00-00-00-00-00-00\n"
		      "\tCapabilities: [200] <chain looped>\n");
	free(s);

	/* A pointer back into standard space. */
	put32(cfg, 0x300, PCI_EXT_CAP_ID_DSN | 1 << 16 | 0x0fcu << 20);
	s = decode_ok(cfg, 4096, 2, 0);
	assert_has(s, "\tCapabilities: [300 v1] Device Serial Number 00-00-00-00-00-00-00-00\n"
		      "\tCapabilities: [0fc] <chain broken>\n");
	free(s);

	/* The last dword: AER's registers would run past the buffer. */
	pcie_ext_buf();
	put32(cfg, 0x100, PCI_EXT_CAP_ID_DSN | 1 << 16 | 0xffcu << 20);
	put32(cfg, 0xffc, PCI_EXT_CAP_ID_ERR | 2 << 16);
	s = decode_ok(cfg, 4096, 2, 0);
	assert_has(s, "\tCapabilities: [ffc v2] Advanced Error Reporting\n\t\tUESta:");
	free(s);

	/* All ones at the next header ends the list silently. */
	put32(cfg, 0xffc, 0xffffffff);
	s = decode_ok(cfg, 4096, 2, 0);
	assert_null(strstr(s, "[ffc"));
	free(s);

	/* No Express capability: lspci does not look at extended space. */
	cap_buf();
	put32(cfg, 0x100, PCI_EXT_CAP_ID_ERR | 1 << 16);
	s = decode_ok(cfg, 4096, 2, 0);
	assert_null(strstr(s, "[100"));
	free(s);
}

/* Random bytes must decode without a crash (ASan/UBSan builds check more). */
static void test_random_spaces(void **state)
{
	unsigned int seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = round % 3 == 0 ? 256 : round % 3 == 1 ? 4096 : 64;
		char *s;

		for (size_t i = 0; i < sizeof(cfg); i++)
			cfg[i] = (uint8_t)rand_r(&seed);
		cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
		if (round & 1) {
			/* Aim the chain at an Express capability, to walk extended space. */
			cfg[PCI_CAPABILITY_LIST] = 0x40;
			cfg[0x40] = PCI_CAP_ID_EXP;
		}
		s = decode_ok(cfg, len, 2 + (round & 1), round % 3);
		if (!(strlen(s) > 0 && s[strlen(s) - 1] == '\n')) {
			printf("round %d:\n%s|\n", round, s);
			fail();
		}
		free(s);
	}
}

static void test_bad_lengths(void **state)
{
	struct uvfio_lspci_opts o = {0};
	int rc;
	char *s;

	(void)state;
	s = decode(cfg, 63, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	free(s);
	s = decode(cfg, 4097, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	free(s);
}

/*
 * Hex dumps and reading them back.
 */
static void test_hexdump_roundtrip(void **state)
{
	static const int levels[] = {1, 3, 4};
	static const size_t lens[] = {64, 256, 4096};
	uint8_t back[4096];

	(void)state;
	for (size_t l = 0; l < 3; l++) {
		struct uvfio_lspci_opts o = {.hex = levels[l]};
		char slot[32];
		size_t len = 0;
		char *s;
		FILE *f;
		int rc;

		for (size_t i = 0; i < sizeof(cfg); i++)
			cfg[i] = (uint8_t)(i * 7 + 3);
		s = decode(cfg, 4096, &o, &rc);
		assert_int_equal(rc, 0);
		if (levels[l] == 4)
			assert_has(s, "\nff0: ");
		else
			assert_null(strstr(s, "\n100: "));
		f = fmemopen(s, strlen(s), "r");
		assert_non_null(f);
		assert_int_equal(uvfio_lspci_read_dump(f, slot, sizeof(slot), back, &len), 1);
		assert_string_equal(slot, "00:00.0");
		assert_int_equal(len, lens[l]);
		assert_memory_equal(back, cfg, len);
		assert_int_equal(uvfio_lspci_read_dump(f, slot, sizeof(slot), back, &len), 0);
		fclose(f);
		free(s);
	}
	base_cfg(0x00ff00, 0x10);
	{
		struct uvfio_lspci_opts o = {.hex = 1};
		int rc;
		char *s = decode(cfg, 256, &o, &rc);

		assert_string_equal(
			s, "00:00.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)\n"
			   "00: 34 12 e8 11 00 00 00 00 10 00 ff 00 00 00 00 00\n"
			   "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			   "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			   "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			   "\n");
		free(s);
	}
}

static void test_read_dump_many_and_malformed(void **state)
{
	static const char two[] = "00:01.0 Class ab12: Device 1234:0001\n"
				  "00: 34 12 01 00\n"
				  "\n"
				  "00:02.0 Foo\n"
				  "10: 01 02\n";
	static const char *const bad[] = {
		"00: 34 12\n",			    /* bytes before any device */
		"00:01.0 x\n00: 345\n",		    /* not a byte */
		"00:01.0 x\nfff: 00 00 00 00 00\n", /* past 4096 */
	};
	uint8_t back[4096];
	char slot[32];
	size_t len;
	FILE *f;

	(void)state;
	f = fmemopen((void *)two, strlen(two), "r");
	assert_int_equal(uvfio_lspci_read_dump(f, slot, sizeof(slot), back, &len), 1);
	assert_string_equal(slot, "00:01.0");
	assert_int_equal(len, 64);
	assert_int_equal(back[0], 0x34);
	assert_int_equal(uvfio_lspci_read_dump(f, slot, sizeof(slot), back, &len), 1);
	assert_string_equal(slot, "00:02.0");
	assert_int_equal(back[0], 0);
	assert_int_equal(back[0x11], 2);
	assert_int_equal(uvfio_lspci_read_dump(f, slot, sizeof(slot), back, &len), 0);
	fclose(f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fmemopen((void *)bad[i], strlen(bad[i]), "r");
		assert_int_equal(uvfio_lspci_read_dump(f, slot, sizeof(slot), back, &len), -EINVAL);
		fclose(f);
	}
}

/*
 * The verb's exit statuses.
 */
static int run_main(int argc, const char **argv)
{
	char *copy[8];

	for (int i = 0; i < argc; i++)
		copy[i] = (char *)argv[i];
	copy[argc] = NULL;
	fflush(stdout);
	return uvfioctl_lspci_main(argc, copy);
}

static void test_main_statuses(void **state)
{
	const char *none[] = {"lspci", "-v"};
	const char *badopt[] = {"lspci", "-q", "unix:/x"};
	const char *both[] = {"lspci", "-F", "/dev/null", "unix:/x"};
	const char *gone[] = {"lspci", "unix:/nonexistent/uvfio-lspci.sock"};
	const char *nofile[] = {"lspci", "-F", "/nonexistent/dump"};
	const char *empty[] = {"lspci", "-F", "/dev/null"};
	const char *help[] = {"lspci", "--help"};

	(void)state;
	assert_int_equal(run_main(2, none), 2);
	assert_int_equal(run_main(3, badopt), 2);
	assert_int_equal(run_main(4, both), 2);
	assert_int_equal(run_main(2, gone), 1);
	assert_int_equal(run_main(3, nofile), 1);
	assert_int_equal(run_main(3, empty), 0);
	assert_int_equal(run_main(2, help), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_titles),
	cmocka_unit_test(test_header_registers),
	cmocka_unit_test(test_golden_pcie_full),
	cmocka_unit_test(test_golden_msi_layouts),
	cmocka_unit_test(test_std_loops),
	cmocka_unit_test(test_std_broken),
	cmocka_unit_test(test_ext_hostile),
	cmocka_unit_test(test_random_spaces),
	cmocka_unit_test(test_bad_lengths),
	cmocka_unit_test(test_hexdump_roundtrip),
	cmocka_unit_test(test_read_dump_many_and_malformed),
	cmocka_unit_test(test_main_statuses),
};

UVFIO_TEST_MAIN(tests)
