/* SPDX-License-Identifier: MIT */
/*
 * tools/uvfioctl/lspci.h - "uvfioctl lspci": decode a device's config space
 * the way pciutils' lspci prints it, and write hex dumps that "lspci -F"
 * reads back.
 *
 * The decoder is pure (a config-space buffer in, text out) so that it can be
 * tested on hand-built and hostile buffers; uvfioctl_lspci_main() opens the
 * devices through the driver library and feeds it.
 */
#ifndef UVFIO_TOOLS_LSPCI_H
#define UVFIO_TOOLS_LSPCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/**
 * uvfioctl_lspci_main() - the "lspci" verb of uvfioctl.
 * @argc, @argv: argv[0] is "lspci"; then options and devices:
 *     lspci [-v|-vv] [-x|-xxx|-xxxx] [-n|-nn] [-s SLOT] DEVICE...
 *     lspci [options] -F FILE
 *   DEVICE is "unix:/path" (vfio-user) or a PCI address (kernel vfio-pci).
 * Prints to stdout, diagnostics to stderr.  Uses getopt (resets optind).
 * Return: the process exit status: 0, 1 (a device could not be opened or
 * read), 2 (usage).
 */
int uvfioctl_lspci_main(int argc, char **argv);

/* Index of the expansion ROM in struct uvfio_lspci_opts.size. */
#define UVFIO_LSPCI_ROM 6
#define UVFIO_LSPCI_NR_SIZES 7

/**
 * struct uvfio_lspci_opts - how to print a device.
 * @verbose: 0 (one line), 1 (-v), 2 (-vv) or more.
 * @hex: 0, 1 (-x: 64 bytes), 2 or 3 (-xxx: 256 bytes), 4 (-xxxx: 4096 bytes).
 * @numeric: 0 (names), 1 (-n: numbers only), 2 (-nn: both).
 * @have_sizes: @size holds the BAR (0-5) and ROM (6) sizes, as the OS tells
 *     lspci; false for a dump, which carries none (lspci -F prints no sizes).
 * @size: region sizes in bytes, 0 for none.
 */
struct uvfio_lspci_opts {
	int verbose;
	int hex;
	int numeric;
	bool have_sizes;
	uint64_t size[UVFIO_LSPCI_NR_SIZES];
};

/**
 * uvfio_lspci_decode() - print one device as lspci does.
 * @out: where to print.
 * @slot: the slot name printed first ("00:03.0").
 * @cfg: config space copy; @len: its length, 64 to 4096 (lspci -F dumps may
 *     hold 64 or 256 bytes; extended capabilities are decoded only with 4096).
 * @o: options.
 * The bytes are untrusted: every pointer is bounds-checked, a capability
 * chain that loops or leaves the buffer is reported ("<chain looped>",
 * "<chain broken>") and the walk ends.  Any thread.
 * Return: 0, or -EINVAL (@len < 64 or > 4096, NULL arguments).
 */
int uvfio_lspci_decode(FILE *out, const char *slot, const uint8_t *cfg, size_t len,
		       const struct uvfio_lspci_opts *o);

/**
 * uvfio_lspci_hexdump() - the hex lines of lspci -x/-xxx/-xxxx: "00: 34 12 ..."
 * (16 bytes a line, offsets of two or three hex digits), as lspci -F reads.
 * @hex: as in struct uvfio_lspci_opts; the dump stops at @len.
 */
void uvfio_lspci_hexdump(FILE *out, const uint8_t *cfg, size_t len, int hex);

/**
 * uvfio_lspci_read_dump() - read the next device of an lspci -x dump.
 * @in: the dump; @slot: out, the slot name of its first line (up to @slot_len
 * - 1 characters); @cfg: out, 4096 bytes, zeroed past the bytes read;
 * @len: out, the number of bytes the dump gave (the highest offset + 1,
 * rounded up to 64, 256 or 4096).
 * Return: 1 (a device was read), 0 (end of input), -EINVAL (malformed line).
 */
int uvfio_lspci_read_dump(FILE *in, char *slot, size_t slot_len, uint8_t *cfg, size_t *len);

/*
 * Internal to the decoder (lspci_decode*.c).
 */

/* Class-name table levels. */
#define UVFIO_LSPCI_CLASS 1    /* code: 8-bit base class */
#define UVFIO_LSPCI_SUBCLASS 2 /* code: 16-bit base << 8 | sub */
#define UVFIO_LSPCI_PROGIF 3   /* code: 24-bit class << 8 | prog-if */

struct uvfio_lspci_class_name {
	uint32_t code;
	uint8_t level;
	const char *name;
};

extern const struct uvfio_lspci_class_name uvfio_lspci_class_names[];
extern const size_t uvfio_lspci_nr_class_names;

/**
 * struct uvfio_lspci_ctx - one device being decoded.
 * @cfg: the config space, padded with zeroes to UVFIO_LSPCI_CFG_BUF bytes so
 *     that a capability near the end can be read without a check per field.
 */
#define UVFIO_LSPCI_CFG_BUF (4096 + 64)
struct uvfio_lspci_ctx {
	FILE *out;
	const struct uvfio_lspci_opts *o;
	uint8_t cfg[UVFIO_LSPCI_CFG_BUF];
	size_t len;
	int pcie_type; /* PCI_EXP_TYPE_*, or -1 without an Express capability */
};

static inline uint8_t lspci_get8(const struct uvfio_lspci_ctx *x, unsigned int off)
{
	return off < UVFIO_LSPCI_CFG_BUF ? x->cfg[off] : 0;
}

static inline uint16_t lspci_get16(const struct uvfio_lspci_ctx *x, unsigned int off)
{
	return (uint16_t)(lspci_get8(x, off) | lspci_get8(x, off + 1) << 8);
}

static inline uint32_t lspci_get32(const struct uvfio_lspci_ctx *x, unsigned int off)
{
	return (uint32_t)lspci_get16(x, off) | (uint32_t)lspci_get16(x, off + 2) << 16;
}

/* '+' if any of @bits is set in @v, else '-' (lspci's flag notation). */
static inline char lspci_flag(uint32_t v, uint32_t bits)
{
	return (v & bits) ? '+' : '-';
}

/* lspci_decode_caps.c: the capability list walks. */
void uvfio_lspci_caps(struct uvfio_lspci_ctx *x);

#endif /* UVFIO_TOOLS_LSPCI_H */
