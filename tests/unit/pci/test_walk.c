// SPDX-License-Identifier: MIT
/*
 * Unit tests of the capability walkers of <uvfio/pci.h> over hand-built
 * (and hostile) config-space buffers: normal chains, loops, self-loops,
 * pointers out of range or into the header, truncated buffers, extended
 * chains and the empty extended header.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "test.h"

#include <uvfio/pci.h>

static uint8_t cfg[4096];

static void reset_cfg(bool cap_list)
{
	memset(cfg, 0, sizeof(cfg));
	if (cap_list)
		cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
}

static void put_cap(unsigned int at, uint8_t id, uint8_t next)
{
	cfg[at + PCI_CAP_LIST_ID] = id;
	cfg[at + PCI_CAP_LIST_NEXT] = next;
}

static void put_ext(unsigned int at, uint16_t id, uint8_t ver, unsigned int next)
{
	uint32_t h = (uint32_t)id | (uint32_t)ver << 16 | (uint32_t)next << 20;

	cfg[at] = (uint8_t)h;
	cfg[at + 1] = (uint8_t)(h >> 8);
	cfg[at + 2] = (uint8_t)(h >> 16);
	cfg[at + 3] = (uint8_t)(h >> 24);
}

/* Walk the standard list; store offsets; return the final status. */
static int walk(size_t len, int *out, int max, int *n)
{
	unsigned int guard = 0;
	int pos = 0;

	*n = 0;
	for (;;) {
		pos = uvfio_pci_cap_next(cfg, len, pos, &guard);
		if (pos <= 0)
			return pos;
		if (*n < max)
			out[*n] = pos;
		(*n)++;
	}
}

static int walk_ext(size_t len, int *out, int max, int *n)
{
	unsigned int guard = 0;
	int pos = 0;

	*n = 0;
	for (;;) {
		pos = uvfio_pci_ext_cap_next(cfg, len, pos, &guard);
		if (pos <= 0)
			return pos;
		if (*n < max)
			out[*n] = pos;
		(*n)++;
	}
}

static void test_normal_chain(void **state)
{
	int offs[8];
	int n;

	(void)state;
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, PCI_CAP_ID_PM, 0x50);
	put_cap(0x50, PCI_CAP_ID_MSI, 0x60);
	put_cap(0x60, PCI_CAP_ID_EXP, 0);
	assert_int_equal(walk(256, offs, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(offs[0], 0x40);
	assert_int_equal(offs[1], 0x50);
	assert_int_equal(offs[2], 0x60);
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_MSI), 0x50);
	assert_int_equal(uvfio_pci_find_cap(cfg, 4096, PCI_CAP_ID_EXP), 0x60);
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_MSIX), -ENOENT);

	/* Reserved low pointer bits are masked (PCI LB 3.0 §6.7). */
	cfg[PCI_CAPABILITY_LIST] = 0x43;
	cfg[0x40 + PCI_CAP_LIST_NEXT] = 0x52;
	assert_int_equal(walk(256, offs, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(offs[0], 0x40);
	assert_int_equal(offs[1], 0x50);

	/* No CAP_LIST in STATUS: no list, whatever the pointer says. */
	cfg[PCI_STATUS] = 0;
	assert_int_equal(walk(256, offs, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_PM), -ENOENT);

	/* CAP_LIST with a null pointer: empty. */
	reset_cfg(true);
	assert_int_equal(walk(256, offs, 8, &n), 0);
	assert_int_equal(n, 0);
}

static void test_loops(void **state)
{
	int offs[64];
	int n;

	(void)state;
	/* a -> b -> a */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, PCI_CAP_ID_PM, 0x80);
	put_cap(0x80, PCI_CAP_ID_MSI, 0x40);
	assert_int_equal(walk(256, offs, 64, &n), -ELOOP);
	assert_int_equal(n, UVFIO_PCI_CAP_TTL);
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_EXP), -ELOOP);
	/* A present cap is still found before the guard trips. */
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_MSI), 0x80);

	/* self-loop */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, PCI_CAP_ID_PM, 0x40);
	assert_int_equal(walk(256, offs, 64, &n), -ELOOP);
	assert_int_equal(n, UVFIO_PCI_CAP_TTL);
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_MSI), -ELOOP);

	/* 48 distinct caps are fine; the 49th trips (0x40..0xfc holds 48). */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	for (unsigned int at = 0x40; at < 0x100; at += 4)
		put_cap(at, PCI_CAP_ID_VNDR, at + 4 < 0x100 ? (uint8_t)(at + 4) : 0);
	assert_int_equal(walk(256, offs, 64, &n), 0);
	assert_int_equal(n, 48);
}

static void test_bad_pointers(void **state)
{
	unsigned int guard = 0;
	int offs[8];
	int n;

	(void)state;
	/* First pointer into the header. */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x20;
	assert_int_equal(walk(256, offs, 8, &n), -EINVAL);
	assert_int_equal(uvfio_pci_find_cap(cfg, 256, PCI_CAP_ID_PM), -EINVAL);

	/* A next pointer just below 0x40. */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, PCI_CAP_ID_PM, 0x3c);
	assert_int_equal(walk(256, offs, 8, &n), -EINVAL);
	assert_int_equal(n, 1);

	/* Pointer past a short buffer: header would not fit. */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, PCI_CAP_ID_PM, 0xfc);
	assert_int_equal(walk(0x80, offs, 8, &n), -EINVAL);
	assert_int_equal(n, 1);
	assert_int_equal(walk(256, offs, 8, &n), 0); /* fits in the full space */
	assert_int_equal(n, 2);

	/* Truncated buffers. */
	reset_cfg(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, PCI_CAP_ID_PM, 0);
	assert_int_equal(walk(64, offs, 8, &n), -EINVAL);   /* cap at 0x40 not inside */
	assert_int_equal(walk(0x41, offs, 8, &n), -EINVAL); /* only its id byte */
	assert_int_equal(walk(0x42, offs, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(uvfio_pci_cap_next(cfg, 63, 0, &guard), -EINVAL);

	/* Bad arguments. */
	assert_int_equal(uvfio_pci_cap_next(NULL, 256, 0, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_cap_next(cfg, 256, 0, NULL), -EINVAL);
	assert_int_equal(uvfio_pci_cap_next(cfg, 256, -1, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_cap_next(cfg, 256, 0x20, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_cap_next(cfg, 256, 0x100, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_cap_next(cfg, 256, 0xff, &guard), -EINVAL);
}

static void test_ext_chain(void **state)
{
	int offs[8];
	int n;

	(void)state;
	reset_cfg(false);
	put_ext(0x100, PCI_EXT_CAP_ID_ERR, 2, 0x140);
	put_ext(0x140, PCI_EXT_CAP_ID_DSN, 1, 0x200);
	put_ext(0x200, PCI_EXT_CAP_ID_VNDR, 1, 0);
	assert_int_equal(walk_ext(4096, offs, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(offs[0], 0x100);
	assert_int_equal(offs[1], 0x140);
	assert_int_equal(offs[2], 0x200);
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 4096, PCI_EXT_CAP_ID_DSN), 0x140);
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 4096, PCI_EXT_CAP_ID_ACS), -ENOENT);
	/* A 256-byte buffer has no extended space. */
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 256, PCI_EXT_CAP_ID_ERR), -EINVAL);

	/* Low bits of the next field are masked (PCI_EXT_CAP_NEXT). */
	put_ext(0x100, PCI_EXT_CAP_ID_ERR, 2, 0x143);
	assert_int_equal(walk_ext(4096, offs, 8, &n), 0);
	assert_int_equal(offs[1], 0x140);

	/* A null capability (id 0) at 0x100 that links on, as vfio-pci
	 * synthesises when hiding the first one: walked through. */
	put_ext(0x100, 0, 0, 0x140);
	assert_int_equal(walk_ext(4096, offs, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 4096, PCI_EXT_CAP_ID_VNDR), 0x200);
}

static void test_ext_empty_and_bad(void **state)
{
	unsigned int guard = 0;
	int offs[8];
	int n;

	(void)state;
	/* Empty header at 0x100. */
	reset_cfg(false);
	assert_int_equal(walk_ext(4096, offs, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 4096, PCI_EXT_CAP_ID_ERR), -ENOENT);
	/* All ones: an absent function. */
	memset(cfg + 0x100, 0xff, 4);
	assert_int_equal(walk_ext(4096, offs, 8, &n), 0);
	assert_int_equal(n, 0);

	/* Extended loop: a -> b -> a. */
	reset_cfg(false);
	put_ext(0x100, PCI_EXT_CAP_ID_ERR, 2, 0x180);
	put_ext(0x180, PCI_EXT_CAP_ID_DSN, 1, 0x100);
	assert_int_equal(walk_ext(4096, offs, 8, &n), -ELOOP);
	assert_int_equal(n, UVFIO_PCI_EXT_CAP_TTL);
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 4096, PCI_EXT_CAP_ID_ACS), -ELOOP);

	/* Extended self-loop. */
	reset_cfg(false);
	put_ext(0x100, PCI_EXT_CAP_ID_ERR, 2, 0x100);
	assert_int_equal(walk_ext(4096, offs, 8, &n), -ELOOP);

	/* Next pointer into the standard space. */
	reset_cfg(false);
	put_ext(0x100, PCI_EXT_CAP_ID_ERR, 2, 0x40);
	assert_int_equal(walk_ext(4096, offs, 8, &n), -EINVAL);
	assert_int_equal(n, 1);
	assert_int_equal(uvfio_pci_find_ext_cap(cfg, 4096, PCI_EXT_CAP_ID_DSN), -EINVAL);

	/* The last possible header. */
	reset_cfg(false);
	put_ext(0x100, PCI_EXT_CAP_ID_ERR, 2, 0xffc);
	put_ext(0xffc, PCI_EXT_CAP_ID_DSN, 1, 0);
	assert_int_equal(walk_ext(4096, offs, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(offs[1], 0xffc);

	/* Bad arguments. */
	assert_int_equal(uvfio_pci_ext_cap_next(cfg, 256, 0, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_ext_cap_next(cfg, 4095, 0, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_ext_cap_next(cfg, 4096, 0x40, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_ext_cap_next(cfg, 4096, 0xffd, &guard), -EINVAL);
	assert_int_equal(uvfio_pci_ext_cap_next(cfg, 4096, 0, NULL), -EINVAL);
	assert_int_equal(uvfio_pci_ext_cap_next(NULL, 4096, 0, &guard), -EINVAL);
}

struct name_case {
	unsigned int id;
	const char *name;
};

static const struct name_case std_names[] = {
	{PCI_CAP_ID_PM, "Power Management"},
	{PCI_CAP_ID_MSI, "MSI"},
	{PCI_CAP_ID_MSIX, "MSI-X"},
	{PCI_CAP_ID_EXP, "Express"},
	{PCI_CAP_ID_VNDR, "Vendor Specific Information"},
	{PCI_CAP_ID_AF, "PCI Advanced Features"},
	{0x00, NULL},
	{0x15, NULL},
	{0xff, NULL},
};

static const struct name_case ext_names[] = {
	{PCI_EXT_CAP_ID_ERR, "Advanced Error Reporting"},
	{PCI_EXT_CAP_ID_DSN, "Device Serial Number"},
	{PCI_EXT_CAP_ID_VNDR, "Vendor Specific Information"},
	{PCI_EXT_CAP_ID_SRIOV, "Single Root I/O Virtualization (SR-IOV)"},
	{0x0000, NULL},
	{0x001c, NULL},
	{0xffff, NULL},
};

static void test_names(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(std_names) / sizeof(std_names[0]); i++) {
		const char *got = uvfio_pci_cap_name((uint8_t)std_names[i].id);

		if (!std_names[i].name)
			assert_null(got);
		else
			assert_string_equal(got, std_names[i].name);
	}
	for (i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++) {
		const char *got = uvfio_pci_ext_cap_name((uint16_t)ext_names[i].id);

		if (!ext_names[i].name)
			assert_null(got);
		else
			assert_string_equal(got, ext_names[i].name);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_normal_chain),	  cmocka_unit_test(test_loops),
	cmocka_unit_test(test_bad_pointers),	  cmocka_unit_test(test_ext_chain),
	cmocka_unit_test(test_ext_empty_and_bad), cmocka_unit_test(test_names),
};

UVFIO_TEST_MAIN(tests)
