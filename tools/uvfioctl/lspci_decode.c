// SPDX-License-Identifier: MIT
/*
 * tools/uvfioctl/lspci_decode.c - the header of a config space, printed as
 * pciutils' lspci prints it (its output format is the specification: the
 * wording, flags and layout below are checked against Debian 12's lspci 3.9
 * by tests/integration/tools), and the hex dumps lspci -F reads back.
 *
 * Pure: a buffer in, text out.  The buffer comes from a device, so it is
 * copied into a zero-padded one first and never indexed past it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "lspci.h"

static const char *class_lookup(uint32_t code, uint8_t level)
{
	for (size_t i = 0; i < uvfio_lspci_nr_class_names; i++) {
		const struct uvfio_lspci_class_name *c = &uvfio_lspci_class_names[i];

		if (c->level == level && c->code == code)
			return c->name;
	}
	return NULL;
}

/*
 * "Non-Volatile memory controller", "Unclassified device [00ff]" (only the
 * base class has a name), "Class ab12" (neither); -n: "0108"; -nn adds the
 * number to a name: "Non-Volatile memory controller [0108]", "Class [ab12]".
 */
static void print_class(FILE *out, uint16_t cls, int numeric)
{
	const char *sub = class_lookup(cls, UVFIO_LSPCI_SUBCLASS);
	const char *base = class_lookup(cls >> 8, UVFIO_LSPCI_CLASS);

	if (numeric == 1)
		fprintf(out, "%04x", cls);
	else if (sub && numeric == 2)
		fprintf(out, "%s [%04x]", sub, cls);
	else if (sub)
		fputs(sub, out);
	else if (base)
		fprintf(out, "%s [%04x]", base, cls);
	else if (numeric == 2)
		fprintf(out, "Class [%04x]", cls);
	else
		fprintf(out, "Class %04x", cls);
}

/*
 * Vendor and device ids.  There is no vendor database here: lspci prints an
 * id it cannot name as "Device VVVV:DDDD", and so do we, always.
 */
static void print_ids(FILE *out, uint16_t vendor, uint16_t device, int numeric)
{
	if (numeric == 1)
		fprintf(out, "%04x:%04x", vendor, device);
	else if (numeric == 2)
		fprintf(out, "Device [%04x:%04x]", vendor, device);
	else
		fprintf(out, "Device %04x:%04x", vendor, device);
}

static void print_title(struct uvfio_lspci_ctx *x, const char *slot)
{
	uint16_t cls = lspci_get16(x, PCI_CLASS_DEVICE);
	uint8_t progif = lspci_get8(x, PCI_CLASS_PROG);
	uint8_t rev = lspci_get8(x, PCI_REVISION_ID);

	fprintf(x->out, "%s ", slot);
	print_class(x->out, cls, x->o->numeric);
	fputs(": ", x->out);
	print_ids(x->out, lspci_get16(x, PCI_VENDOR_ID), lspci_get16(x, PCI_DEVICE_ID),
		  x->o->numeric);
	if (rev)
		fprintf(x->out, " (rev %02x)", rev);
	if (x->o->verbose) {
		const char *name = class_lookup((uint32_t)cls << 8 | progif, UVFIO_LSPCI_PROGIF);

		/* lspci names the programming interface even with -n. */
		if (progif || name) {
			fprintf(x->out, " (prog-if %02x", progif);
			if (name)
				fprintf(x->out, " [%s]", name);
			fputc(')', x->out);
		}
	}
	fputc('\n', x->out);
}

static const char *devsel_name(uint16_t status)
{
	switch (status & PCI_STATUS_DEVSEL_MASK) {
	case PCI_STATUS_DEVSEL_FAST:
		return "fast";
	case PCI_STATUS_DEVSEL_MEDIUM:
		return "medium";
	case PCI_STATUS_DEVSEL_SLOW:
		return "slow";
	default:
		return "??";
	}
}

/* -vv: the command and status registers flag by flag. */
static void print_control_status(struct uvfio_lspci_ctx *x, uint16_t cmd, uint16_t status)
{
	fprintf(x->out,
		"\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c "
		"Stepping%c SERR%c FastB2B%c DisINTx%c\n",
		lspci_flag(cmd, PCI_COMMAND_IO), lspci_flag(cmd, PCI_COMMAND_MEMORY),
		lspci_flag(cmd, PCI_COMMAND_MASTER), lspci_flag(cmd, PCI_COMMAND_SPECIAL),
		lspci_flag(cmd, PCI_COMMAND_INVALIDATE), lspci_flag(cmd, PCI_COMMAND_VGA_PALETTE),
		lspci_flag(cmd, PCI_COMMAND_PARITY), lspci_flag(cmd, PCI_COMMAND_WAIT),
		lspci_flag(cmd, PCI_COMMAND_SERR), lspci_flag(cmd, PCI_COMMAND_FAST_BACK),
		lspci_flag(cmd, PCI_COMMAND_INTX_DISABLE));
	fprintf(x->out,
		"\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c "
		"<MAbort%c >SERR%c <PERR%c INTx%c\n",
		lspci_flag(status, PCI_STATUS_CAP_LIST), lspci_flag(status, PCI_STATUS_66MHZ),
		lspci_flag(status, PCI_STATUS_UDF), lspci_flag(status, PCI_STATUS_FAST_BACK),
		lspci_flag(status, PCI_STATUS_PARITY), devsel_name(status),
		lspci_flag(status, PCI_STATUS_SIG_TARGET_ABORT),
		lspci_flag(status, PCI_STATUS_REC_TARGET_ABORT),
		lspci_flag(status, PCI_STATUS_REC_MASTER_ABORT),
		lspci_flag(status, PCI_STATUS_SIG_SYSTEM_ERROR),
		lspci_flag(status, PCI_STATUS_DETECTED_PARITY),
		lspci_flag(status, PCI_STATUS_INTERRUPT));
}

/* -v: the same registers as a sentence. */
static void print_flags(struct uvfio_lspci_ctx *x, uint16_t cmd, uint16_t status)
{
	uint8_t irq = lspci_get8(x, PCI_INTERRUPT_LINE);

	fputs("\tFlags: ", x->out);
	if (cmd & PCI_COMMAND_MASTER)
		fputs("bus master, ", x->out);
	if (cmd & PCI_COMMAND_VGA_PALETTE)
		fputs("VGA palette snoop, ", x->out);
	if (cmd & PCI_COMMAND_WAIT)
		fputs("stepping, ", x->out);
	if (cmd & PCI_COMMAND_FAST_BACK)
		fputs("fast Back2Back, ", x->out);
	if (status & PCI_STATUS_66MHZ)
		fputs("66MHz, ", x->out);
	if (status & PCI_STATUS_UDF)
		fputs("user-definable features, ", x->out);
	fprintf(x->out, "%s devsel", devsel_name(status));
	if (cmd & PCI_COMMAND_MASTER)
		fprintf(x->out, ", latency %d", lspci_get8(x, PCI_LATENCY_TIMER));
	if (irq)
		fprintf(x->out, ", IRQ %d", irq);
	fputc('\n', x->out);
}

static void print_latency_irq(struct uvfio_lspci_ctx *x, uint16_t cmd)
{
	uint8_t min_gnt = lspci_get8(x, PCI_MIN_GNT);
	uint8_t max_lat = lspci_get8(x, PCI_MAX_LAT);
	uint8_t cache_line = lspci_get8(x, PCI_CACHE_LINE_SIZE);
	uint8_t pin = lspci_get8(x, PCI_INTERRUPT_PIN);
	uint8_t irq = lspci_get8(x, PCI_INTERRUPT_LINE);

	if (cmd & PCI_COMMAND_MASTER) {
		fprintf(x->out, "\tLatency: %d", lspci_get8(x, PCI_LATENCY_TIMER));
		/* PCI LB 3.0 §6.2.4: MIN_GNT and MAX_LAT count 0.25 us units. */
		if (min_gnt || max_lat) {
			fputs(" (", x->out);
			if (min_gnt)
				fprintf(x->out, "%dns min", min_gnt * 250);
			if (min_gnt && max_lat)
				fputs(", ", x->out);
			if (max_lat)
				fprintf(x->out, "%dns max", max_lat * 250);
			fputc(')', x->out);
		}
		/* PCI LB 3.0 §6.2.4: the cache line size counts dwords. */
		if (cache_line)
			fprintf(x->out, ", Cache Line Size: %d bytes", cache_line * 4);
		fputc('\n', x->out);
	}
	/* PCI LB 3.0 §6.2.4: pins 1-4 are INTA#-INTD#; the rest are reserved. */
	if (pin || irq)
		fprintf(x->out, "\tInterrupt: pin %c routed to IRQ %d\n",
			pin >= 1 && pin <= 4 ? 'A' + pin - 1 : '?', irq);
}

/* " [size=16K]": the largest unit that divides the size, as lspci prints it. */
static void print_size(FILE *out, uint64_t size)
{
	static const char *const unit[] = {"", "K", "M", "G", "T"};
	unsigned int u = 0;

	if (!size)
		return;
	while (u < sizeof(unit) / sizeof(unit[0]) - 1 && !(size % 1024)) {
		size /= 1024;
		u++;
	}
	fprintf(out, " [size=%llu%s]", (unsigned long long)size, unit[u]);
}

static void print_region_head(struct uvfio_lspci_ctx *x, unsigned int i)
{
	if (x->o->verbose > 1)
		fprintf(x->out, "\tRegion %u: ", i);
	else
		fputc('\t', x->out);
}

/*
 * The BARs.  One difference from lspci 3.9 on purpose: the upper half of a
 * 64-bit BAR is not a region of its own (PCI LB 3.0 §6.2.5.1), while lspci
 * -F prints a non-zero upper dword as one more, bogus, region.
 */
static void print_bars(struct uvfio_lspci_ctx *x, unsigned int nr, uint16_t cmd)
{
	for (unsigned int i = 0; i < nr; i++) {
		uint32_t flg = lspci_get32(x, PCI_BASE_ADDRESS_0 + 4 * i);
		uint64_t len = x->o->have_sizes ? x->o->size[i] : 0;
		uint64_t addr;
		unsigned int type;
		bool broken = false;
		unsigned int bar = i;

		/* All ones reads from a BAR being sized or a function that is gone. */
		if (flg == 0xffffffff)
			flg = 0;
		if (!flg && !len)
			continue;
		if (flg & PCI_BASE_ADDRESS_SPACE_IO) {
			addr = flg & PCI_BASE_ADDRESS_IO_MASK;
			print_region_head(x, bar);
			fputs("I/O ports at ", x->out);
			if (addr || (cmd & PCI_COMMAND_IO))
				fprintf(x->out, "%04llx", (unsigned long long)addr);
			else
				fputs("<unassigned>", x->out);
			if (!(cmd & PCI_COMMAND_IO))
				fputs(" [disabled]", x->out);
			print_size(x->out, len);
			fputc('\n', x->out);
			continue;
		}
		type = flg & PCI_BASE_ADDRESS_MEM_TYPE_MASK;
		addr = flg & PCI_BASE_ADDRESS_MEM_MASK;
		if (type == PCI_BASE_ADDRESS_MEM_TYPE_64) {
			if (i + 1 >= nr) {
				broken = true;
			} else {
				i++;
				addr |= (uint64_t)lspci_get32(x, PCI_BASE_ADDRESS_0 + 4 * i) << 32;
			}
		}
		print_region_head(x, bar);
		fputs("Memory at ", x->out);
		if (broken)
			fputs("<broken-64-bit-slot>", x->out);
		else if (addr)
			fprintf(x->out, "%08llx", (unsigned long long)addr);
		else
			fputs("<unassigned>", x->out);
		fprintf(x->out, " (%s, %sprefetchable)",
			type == PCI_BASE_ADDRESS_MEM_TYPE_32   ? "32-bit"
			: type == PCI_BASE_ADDRESS_MEM_TYPE_64 ? "64-bit"
			: type == PCI_BASE_ADDRESS_MEM_TYPE_1M ? "low-1M"
							       : "type 3",
			(flg & PCI_BASE_ADDRESS_MEM_PREFETCH) ? "" : "non-");
		if (!(cmd & PCI_COMMAND_MEMORY))
			fputs(" [disabled]", x->out);
		print_size(x->out, len);
		fputc('\n', x->out);
	}
}

static void print_rom(struct uvfio_lspci_ctx *x, unsigned int reg, uint16_t cmd)
{
	uint32_t flg = lspci_get32(x, reg);
	uint64_t len = x->o->have_sizes ? x->o->size[UVFIO_LSPCI_ROM] : 0;

	if (flg == 0xffffffff)
		flg = 0;
	if (!flg && !len)
		return;
	fputs("\tExpansion ROM at ", x->out);
	if (flg & PCI_ROM_ADDRESS_MASK)
		fprintf(x->out, "%08x", flg & PCI_ROM_ADDRESS_MASK);
	else
		fputs("<unassigned>", x->out);
	if (!(flg & PCI_ROM_ADDRESS_ENABLE))
		fputs(" [disabled]", x->out);
	else if (!(cmd & PCI_COMMAND_MEMORY))
		fputs(" [disabled by cmd]", x->out);
	print_size(x->out, len);
	fputc('\n', x->out);
}

static void print_verbose(struct uvfio_lspci_ctx *x)
{
	uint16_t cmd = lspci_get16(x, PCI_COMMAND);
	uint16_t status = lspci_get16(x, PCI_STATUS);
	uint8_t htype = lspci_get8(x, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;

	if (htype == PCI_HEADER_TYPE_NORMAL) {
		uint16_t sv = lspci_get16(x, PCI_SUBSYSTEM_VENDOR_ID);

		/* 0 and all ones: no subsystem ids implemented. */
		if (sv && sv != 0xffff) {
			fputs("\tSubsystem: ", x->out);
			print_ids(x->out, sv, lspci_get16(x, PCI_SUBSYSTEM_ID), x->o->numeric);
			fputc('\n', x->out);
		}
	}
	if (x->o->verbose > 1) {
		print_control_status(x, cmd, status);
		print_latency_irq(x, cmd);
	} else {
		print_flags(x, cmd, status);
	}
	switch (htype) {
	case PCI_HEADER_TYPE_NORMAL:
		print_bars(x, PCI_STD_NUM_BARS, cmd);
		print_rom(x, PCI_ROM_ADDRESS, cmd);
		break;
	case PCI_HEADER_TYPE_BRIDGE:
		/* Bus numbers and windows are not decoded (uvfio emulates type 0 only). */
		print_bars(x, 2, cmd);
		print_rom(x, PCI_ROM_ADDRESS1, cmd);
		break;
	case PCI_HEADER_TYPE_CARDBUS:
		print_bars(x, 1, cmd);
		break;
	default:
		fprintf(x->out, "\t!!! Unknown header type %02x\n", htype);
		return;
	}
	if (status & PCI_STATUS_CAP_LIST)
		uvfio_lspci_caps(x);
}

int uvfio_lspci_decode(FILE *out, const char *slot, const uint8_t *cfg, size_t len,
		       const struct uvfio_lspci_opts *o)
{
	struct uvfio_lspci_ctx *x;

	if (!out || !slot || !cfg || !o || len < PCI_STD_HEADER_SIZEOF ||
	    len > PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->out = out;
	x->o = o;
	x->len = len;
	x->pcie_type = -1;
	memcpy(x->cfg, cfg, len);

	print_title(x, slot);
	if (o->verbose)
		print_verbose(x);
	if (o->hex)
		uvfio_lspci_hexdump(out, cfg, len, o->hex);
	if (o->verbose || o->hex)
		fputc('\n', out);
	free(x);
	return 0;
}

void uvfio_lspci_hexdump(FILE *out, const uint8_t *cfg, size_t len, int hex)
{
	size_t n = hex >= 4   ? PCI_CFG_SPACE_EXP_SIZE
		   : hex >= 3 ? PCI_CFG_SPACE_SIZE
			      : PCI_STD_HEADER_SIZEOF;

	if (n > len)
		n = len;
	/* lspci -F reads "OFFSET:" then hex bytes; lspci prints 16 a line. */
	for (size_t i = 0; i + 16 <= n; i += 16) {
		fprintf(out, "%02zx:", i);
		for (size_t j = 0; j < 16; j++)
			fprintf(out, " %02x", cfg[i + j]);
		fputc('\n', out);
	}
}

/*
 * Dump reading: lspci -F's input.  A line that starts with a hex offset and a
 * colon holds bytes; any other non-blank line starts a device and names its
 * slot (its first word).
 */
static int parse_hex_line(const char *line, uint8_t *cfg, size_t *hi)
{
	char *end;
	unsigned long off = strtoul(line, &end, 16);

	if (end == line || *end != ':')
		return -EINVAL;
	for (const char *p = end + 1;;) {
		unsigned long b;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			return 0;
		b = strtoul(p, &end, 16);
		if (end == p || b > 0xff || off >= PCI_CFG_SPACE_EXP_SIZE)
			return -EINVAL;
		cfg[off++] = (uint8_t)b;
		if (off > *hi)
			*hi = off;
		p = end;
	}
}

static bool is_hex_line(const char *line)
{
	const char *p = line;

	while (isxdigit((unsigned char)*p))
		p++;
	return p != line && *p == ':' && (p[1] == ' ' || p[1] == '\n' || !p[1]);
}

int uvfio_lspci_read_dump(FILE *in, char *slot, size_t slot_len, uint8_t *cfg, size_t *len)
{
	char line[512];
	size_t hi = 0;
	bool have_dev = false;

	memset(cfg, 0, PCI_CFG_SPACE_EXP_SIZE);
	for (;;) {
		long at = ftell(in);

		if (!fgets(line, sizeof(line), in))
			break;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		if (is_hex_line(line)) {
			if (!have_dev || parse_hex_line(line, cfg, &hi) < 0)
				return -EINVAL;
			continue;
		}
		if (have_dev) {
			/* The next device: leave its line for the next call. */
			if (at < 0 || fseek(in, at, SEEK_SET) < 0)
				return -EINVAL;
			break;
		}
		have_dev = true;
		snprintf(slot, slot_len, "%.*s", (int)strcspn(line, " \t\n"), line);
	}
	if (!have_dev)
		return 0;
	*len = hi <= PCI_STD_HEADER_SIZEOF ? PCI_STD_HEADER_SIZEOF
	       : hi <= PCI_CFG_SPACE_SIZE  ? PCI_CFG_SPACE_SIZE
					   : PCI_CFG_SPACE_EXP_SIZE;
	return 1;
}
