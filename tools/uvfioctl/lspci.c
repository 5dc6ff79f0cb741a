// SPDX-License-Identifier: MIT
/*
 * tools/uvfioctl/lspci.c - "uvfioctl lspci": open devices through the driver
 * library, read their whole config space and print it as lspci would; or
 * decode an lspci -x dump (-F), as lspci -F does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <uvfio/driver.h>

#include "lspci.h"

static void usage(FILE *f)
{
	fputs("usage: uvfioctl lspci [-v|-vv] [-x|-xxx|-xxxx] [-n|-nn] [-s SLOT] DEVICE...\n"
	      "       uvfioctl lspci [-v|-vv] [-x|-xxx|-xxxx] [-n|-nn] -F FILE\n"
	      "Print the config space of vfio devices as lspci does.\n"
	      "  DEVICE          unix:/path (vfio-user) or a PCI address (kernel vfio-pci)\n"
	      "  -v, -vv         verbose: capabilities; twice: every register lspci decodes\n"
	      "  -x, -xxx, -xxxx hex dump of 64, 256 or 4096 bytes (lspci -F reads it)\n"
	      "  -n, -nn         numeric ids and classes; twice: names and numbers\n"
	      "  -s, --slot SLOT the slot printed for a vfio-user device (default 00:00.0,\n"
	      "                  then 00:01.0 ... for each further device)\n"
	      "  -F FILE         decode an lspci -x dump instead of opening devices\n",
	      f);
}

/*
 * "0000:00:03.0" -> "00:03.0" (lspci leaves out domain 0); "0001:00:03.0" and
 * "00:03.0" as they are.
 */
static void kernel_slot(const char *where, char *slot, size_t len)
{
	if (strncmp(where, "0000:", 5) == 0 && strlen(where) == 12)
		where += 5;
	snprintf(slot, len, "%s", where);
}

/*
 * What lspci learns from the OS: the BAR and ROM sizes, from the device's
 * region info (0 where a region is absent or its index unknown).
 */
static void read_sizes(struct uvfio_device *d, struct uvfio_lspci_opts *o)
{
	o->have_sizes = true;
	for (unsigned int i = 0; i < UVFIO_LSPCI_NR_SIZES; i++) {
		struct uvfio_region_info ri;
		uint32_t index = i < PCI_STD_NUM_BARS ? VFIO_PCI_BAR0_REGION_INDEX + i
						      : VFIO_PCI_ROM_REGION_INDEX;

		o->size[i] = 0;
		if (uvfio_region_get_info(d, index, &ri) == 0)
			o->size[i] = ri.size;
	}
}

static const char *why(int rc)
{
	const char *msg = uvfio_last_error();

	return msg && *msg ? msg : strerror(-rc);
}

static int show_device(struct uvfio_container *c, const char *where, const char *slot,
		       struct uvfio_lspci_opts o)
{
	struct uvfio_region_info ri;
	struct uvfio_device *d;
	uint8_t *cfg = NULL;
	size_t len;
	int rc;

	rc = uvfio_device_open(c, where, &d);
	if (rc < 0) {
		fprintf(stderr, "lspci: cannot open %s: %s\n", where, why(rc));
		return 1;
	}
	rc = uvfio_region_get_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (rc < 0) {
		fprintf(stderr, "lspci: %s: no config region: %s\n", where, why(rc));
		goto out_close;
	}
	/* 256 bytes for PCI, 4096 for PCIe; more is a device-specific tail. */
	len = ri.size > PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE : (size_t)ri.size;
	if (len < PCI_STD_HEADER_SIZEOF) {
		fprintf(stderr, "lspci: %s: config region of %llu bytes\n", where,
			(unsigned long long)ri.size);
		rc = -EINVAL;
		goto out_close;
	}
	cfg = malloc(len);
	if (!cfg) {
		rc = -ENOMEM;
		goto out_close;
	}
	rc = uvfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, 0, cfg, len);
	if (rc < 0) {
		fprintf(stderr, "lspci: %s: reading config space: %s\n", where, why(rc));
		goto out_free;
	}
	read_sizes(d, &o);
	rc = uvfio_lspci_decode(stdout, slot, cfg, len, &o);
out_free:
	free(cfg);
out_close:
	uvfio_device_close(d);
	return rc < 0 ? 1 : 0;
}

static int show_dump(const char *path, const struct uvfio_lspci_opts *o)
{
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	char slot[64];
	size_t len;
	FILE *in;
	int rc;

	in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "lspci: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((rc = uvfio_lspci_read_dump(in, slot, sizeof(slot), cfg, &len)) > 0)
		uvfio_lspci_decode(stdout, slot, cfg, len, o);
	if (rc < 0)
		fprintf(stderr, "lspci: %s: malformed dump\n", path);
	if (in != stdin)
		fclose(in);
	return rc < 0 ? 1 : 0;
}

int uvfioctl_lspci_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"slot", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct uvfio_lspci_opts o = {0};
	struct uvfio_container *c;
	const char *slot = NULL;
	const char *file = NULL;
	int status = 0;
	int opt;

	/* glibc: optind 0 restarts getopt, whoever parsed before us. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "vxns:F:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			o.verbose++;
			break;
		case 'x':
			o.hex++;
			break;
		case 'n':
			o.numeric = o.numeric < 2 ? o.numeric + 1 : 2;
			break;
		case 's':
			slot = optarg;
			break;
		case 'F':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (file) {
		if (optind != argc || slot) {
			usage(stderr);
			return 2;
		}
		return show_dump(file, &o);
	}
	if (optind >= argc) {
		fputs("lspci: no device given\n", stderr);
		usage(stderr);
		return 2;
	}
	if (uvfio_container_create(&c) < 0) {
		fputs("lspci: out of memory\n", stderr);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		char name[64];

		if (strncmp(argv[i], "unix:", 5) == 0) {
			if (slot && i == optind)
				snprintf(name, sizeof(name), "%s", slot);
			else
				snprintf(name, sizeof(name), "00:%02x.0", (i - optind) & 0x1f);
		} else {
			kernel_slot(argv[i], name, sizeof(name));
		}
		if (show_device(c, argv[i], name, o))
			status = 1;
	}
	uvfio_container_destroy(c);
	return status;
}
