// SPDX-License-Identifier: MIT
/*
 * uvfioctl lspci against live uvfio devices and against the real lspci.
 *
 * Devices: edu and mtty served by uvfio-serve (child processes); the test
 * MSI-X model (tests/integration/device/tmodel.c) and a PCIe device with PM,
 * MSI, MSI-X, PCIe (FLR), vendor, AER and DSN capabilities, both served
 * in-process on threads.  For each, uvfio-lspci-test (the verb on its own)
 * prints -vv and writes an -xxxx dump; Debian's /usr/bin/lspci -F decodes
 * the dump, and:
 *  - both print the same capability lines (offset, version, name, header
 *    flags), the same title, subsystem and region lines (sizes aside: a dump
 *    carries none);
 *  - every line we print for the dump (our -F) is, in order, a line lspci
 *    prints: same wording, same flags, same layout;
 *  - lspci's -xxxx of the dump reproduces our hex lines byte for byte.
 * The lspci comparisons skip when /usr/bin/lspci is missing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#include <uvfio/device.h>
#include <uvfio/driver.h>

#include "../common/proc.h"
#include "../device/tmodel.h"

#define LSPCI_TOOL UVFIO_BUILD_ROOT "/tests/unit/tools/uvfio-lspci-test"
#define REAL_LSPCI "/usr/bin/lspci"
#define OUT_MAX (64 * 1024)
#define TIMEOUT_MS 20000

/*
 * A PCIe device with every capability uvfio_dev can build, served on a thread.
 */
struct fullmodel {
	struct uvfio_dev *dev;
	pthread_t thread;
	int listen_fd;
	int run_rc;
	char dir[PROC_DIR_MAX];
	char sock[PROC_PATH_MAX];
	char where[PROC_PATH_MAX + 8];
};

static ssize_t fm_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	(void)dev;
	(void)priv;
	(void)off;
	memset(buf, 0, len);
	return (ssize_t)len;
}

static ssize_t fm_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			size_t len)
{
	(void)dev;
	(void)priv;
	(void)off;
	(void)buf;
	return (ssize_t)len;
}

static const struct uvfio_region_ops fm_io_ops = {
	.read = fm_read,
	.write = fm_write,
};

static const struct uvfio_dev_ops fm_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
};

static void *fm_thread(void *arg)
{
	struct fullmodel *fm = arg;

	fm->run_rc = uvfio_dev_run(fm->dev, fm->listen_fd);
	return NULL;
}

static int fullmodel_start(struct fullmodel *fm)
{
	static const struct uvfio_dev_pci_id id = {
		.vendor = 0x1234,
		.device = 0xfe03,
		.subsystem_vendor = 0x1234,
		.subsystem_device = 0x0003,
		.revision = 3,
		.class_code = 0x010802, /* NVMe, so lspci names a prog-if too */
		.irq_pin = 1,
	};
	static const uint8_t vendor_body[5] = {0x75, 0x76, 0x66, 0x69, 0x6f};
	static const uint8_t rom[2048] = {0x55, 0xaa};
	int rc;

	memset(fm, 0, sizeof(*fm));
	fm->listen_fd = -1;
	rc = make_tmpdir(fm->dir, sizeof(fm->dir), "lspci");
	if (rc < 0)
		return rc;
	snprintf(fm->sock, sizeof(fm->sock), "%s/dev.sock", fm->dir);
	snprintf(fm->where, sizeof(fm->where), "unix:%s", fm->sock);
	rc = uvfio_dev_create(&fm_ops, fm, &id, UVFIO_DEV_PCIE, &fm->dev);
	if (rc < 0)
		goto err_rmdir;
	rc = uvfio_dev_setup_bar_mem(fm->dev, 0, 0x4000,
				     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
				     -1, 0, NULL);
	if (rc == 0)
		rc = uvfio_dev_setup_bar(fm->dev, 2, 0x100, PCI_BASE_ADDRESS_SPACE_IO, &fm_io_ops,
					 fm);
	if (rc == 0)
		rc = uvfio_dev_setup_bar(fm->dev, 4, 0x100000,
					 PCI_BASE_ADDRESS_SPACE_MEMORY |
						 PCI_BASE_ADDRESS_MEM_PREFETCH,
					 &fm_io_ops, fm);
	if (rc == 0)
		rc = uvfio_dev_setup_rom(fm->dev, rom, sizeof(rom));
	if (rc == 0)
		rc = uvfio_dev_add_cap_pm(fm->dev);
	if (rc >= 0)
		rc = uvfio_dev_add_cap_msi(fm->dev, 4, UVFIO_MSI_64BIT | UVFIO_MSI_MASKABLE);
	if (rc >= 0)
		rc = uvfio_dev_add_cap_msix(fm->dev, 16, 0, 0x2000, 0, 0x3000);
	if (rc >= 0)
		rc = uvfio_dev_add_cap_pcie(fm->dev, UVFIO_PCIE_FLR);
	if (rc >= 0)
		rc = uvfio_dev_add_cap_vendor(fm->dev, vendor_body, sizeof(vendor_body));
	if (rc >= 0)
		rc = uvfio_dev_add_cap_aer(fm->dev);
	if (rc >= 0)
		rc = uvfio_dev_add_cap_dsn(fm->dev, 0x0123456789abcdefull);
	if (rc < 0)
		goto err_destroy;
	rc = uvfio_dev_listen(fm->sock);
	if (rc < 0)
		goto err_destroy;
	fm->listen_fd = rc;
	rc = -pthread_create(&fm->thread, NULL, fm_thread, fm);
	if (rc < 0)
		goto err_close;
	return 0;

err_close:
	close(fm->listen_fd);
err_destroy:
	uvfio_dev_destroy(fm->dev);
	fm->dev = NULL;
err_rmdir:
	remove_tmpdir(fm->dir);
	return rc;
}

static int fullmodel_stop(struct fullmodel *fm)
{
	uvfio_dev_stop(fm->dev);
	pthread_join(fm->thread, NULL);
	uvfio_dev_destroy(fm->dev);
	close(fm->listen_fd);
	remove_tmpdir(fm->dir);
	return fm->run_rc;
}

/*
 * Running the tools.
 */
struct outputs {
	char mine_vv[OUT_MAX];	  /* uvfio-lspci-test -vv -n DEVICE (live: with sizes) */
	char mine_dump[OUT_MAX];  /* uvfio-lspci-test -xxxx DEVICE */
	char mine_f[OUT_MAX];	  /* uvfio-lspci-test -F DUMP -vv -n */
	char theirs[OUT_MAX];	  /* lspci -F DUMP -vv -n */
	char theirs_hex[OUT_MAX]; /* lspci -F DUMP -xxxx */
	char err[4096];
	char dump_path[PROC_PATH_MAX + 16];
};

static void tool(struct outputs *o, char *out, const char *a1, const char *a2, const char *a3,
		 const char *a4)
{
	char *argv[] = {(char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
	char *full[6] = {LSPCI_TOOL};
	int rc;

	memcpy(full + 1, argv, sizeof(argv));
	rc = run_cmd(full, out, OUT_MAX, o->err, sizeof(o->err), TIMEOUT_MS);
	if (rc != 0)
		fail_msg("%s %s %s: exit %d: %s", LSPCI_TOOL, a1, a2 ? a2 : "", rc, o->err);
}

static void real_lspci(struct outputs *o, char *out, const char *opt1, const char *opt2)
{
	char *argv[] = {REAL_LSPCI, "-F", o->dump_path, (char *)opt1, (char *)opt2, NULL};
	int rc = run_cmd(argv, out, OUT_MAX, o->err, sizeof(o->err), TIMEOUT_MS);

	if (rc != 0)
		fail_msg("lspci -F %s: exit %d: %s", o->dump_path, rc, o->err);
}

/* The lines of @text starting with @prefix, in order, joined with '\n'. */
static void lines_with(const char *text, const char *prefix, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		if (strncmp(p, prefix, strlen(prefix)) == 0 && n + len + 2 < outsz) {
			memcpy(out + n, p, len);
			n += len;
			out[n++] = '\n';
			out[n] = '\0';
		}
		p += len;
		if (*p)
			p++;
	}
}

/* Drop " [size=...]" (a dump carries no sizes) from every line. */
static void strip_sizes(char *s)
{
	char *p;

	while ((p = strstr(s, " [size="))) {
		char *end = strchr(p, ']');

		memmove(p, end + 1, strlen(end + 1) + 1);
	}
}

/* Every line of @mine occurs in @theirs, in the same order. */
static void assert_ordered_subset(const char *mine, const char *theirs, const char *what)
{
	const char *t = theirs;

	for (const char *p = mine; *p;) {
		size_t len = strcspn(p, "\n");
		const char *hit;
		char line[512];

		snprintf(line, sizeof(line), "%.*s\n", (int)len, p);
		/* Find the line as a whole line of @theirs, at or after @t. */
		for (hit = t; (hit = strstr(hit, line)); hit++)
			if (hit == theirs || hit[-1] == '\n')
				break;
		if (!hit) {
			printf("--- ours (%s)\n%s--- lspci\n%s", what, mine, theirs);
			fail_msg("%s: lspci does not print, in this order, our line: %s", what,
				 line);
		}
		t = hit + strlen(line);
		p += len;
		if (*p)
			p++;
	}
}

static bool have_lspci(void)
{
	return access(REAL_LSPCI, X_OK) == 0;
}

/*
 * check_device() - the whole comparison for one device at @where.
 * @expect_caps: capability lines our -vv must contain (offsets of what the
 *     model builds), checked with or without lspci.
 */
static void check_device(const char *where, const char *dir, const char *const *expect_caps)
{
	struct outputs *o = calloc(1, sizeof(*o));
	char *a = malloc(OUT_MAX);
	char *b = malloc(OUT_MAX);
	FILE *f;

	assert_non_null(o);
	assert_non_null(a);
	assert_non_null(b);
	snprintf(o->dump_path, sizeof(o->dump_path), "%s/dev.lspci", dir);

	tool(o, o->mine_vv, "-vv", "-n", (char *)where, NULL);
	tool(o, o->mine_dump, "-xxxx", (char *)where, NULL, NULL);
	for (const char *const *c = expect_caps; *c; c++)
		if (!strstr(o->mine_vv, *c)) {
			printf("%s", o->mine_vv);
			fail_msg("%s: no \"%s\"", where, *c);
		}
	/* Live: the OS knows region sizes, so we print them, as lspci does. */
	assert_non_null(strstr(o->mine_vv, "[size="));

	f = fopen(o->dump_path, "w");
	assert_non_null(f);
	fputs(o->mine_dump, f);
	fclose(f);
	tool(o, o->mine_f, "-F", o->dump_path, "-vv", "-n");

	if (!have_lspci()) {
		free(a);
		free(b);
		free(o);
		UVFIO_SKIP("%s missing: no comparison with pciutils", REAL_LSPCI);
	}
	real_lspci(o, o->theirs, "-vv", "-n");
	real_lspci(o, o->theirs_hex, "-xxxx", NULL);

	/* The same capabilities, at the same offsets, with the same header lines. */
	lines_with(o->mine_vv, "\tCapabilities: ", a, OUT_MAX);
	lines_with(o->theirs, "\tCapabilities: ", b, OUT_MAX);
	assert_true(strlen(a) > 0);
	assert_string_equal(a, b);

	/* Title (ids, class, revision, prog-if) and subsystem. */
	assert_memory_equal(o->mine_vv, o->theirs, strcspn(o->theirs, "\n") + 1);
	lines_with(o->mine_vv, "\tSubsystem: ", a, OUT_MAX);
	lines_with(o->theirs, "\tSubsystem: ", b, OUT_MAX);
	assert_string_equal(a, b);

	/* Every region lspci can see in a dump, we print too (sizes aside). */
	lines_with(o->mine_vv, "\tRegion ", a, OUT_MAX);
	strip_sizes(a);
	lines_with(o->theirs, "\tRegion ", b, OUT_MAX);
	assert_ordered_subset(b, a, "regions");

	/* Everything we print for the dump, lspci prints the same way. */
	assert_ordered_subset(o->mine_f, o->theirs, where);

	/* lspci reads our dump back byte for byte: its own dump has our hex lines. */
	lines_with(o->mine_dump, "", a, OUT_MAX);
	assert_string_equal(strchr(a, '\n') + 1, strchr(o->theirs_hex, '\n') + 1);

	free(a);
	free(b);
	free(o);
}

static void test_edu(void **state)
{
	static const char *const caps[] = {
		"\tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+\n", NULL};
	struct served srv;

	(void)state;
	assert_int_equal(served_start(&srv, "edu"), 0);
	check_device(srv.where, srv.dir, caps);
	assert_int_equal(served_stop(&srv), 0);
}

static void test_mtty(void **state)
{
	static const char *const caps[] = {"] MSI: ", NULL};
	struct served srv;

	(void)state;
	assert_int_equal(served_start(&srv, "mtty"), 0);
	check_device(srv.where, srv.dir, caps);
	assert_int_equal(served_stop(&srv), 0);
}

static void test_msix_model(void **state)
{
	static const char *const caps[] = {"] Express (v2) Endpoint, MSI 00\n",
					   "] MSI-X: Enable- Count=8 Masked-\n",
					   "\t\tVector table: BAR=0 offset=00008000\n",
					   "\t\tPBA: BAR=0 offset=00009000\n", NULL};
	struct tmodel tm;

	(void)state;
	assert_int_equal(tmodel_start(&tm, 0), 0);
	check_device(tm.where, tm.dir, caps);
	assert_int_equal(tmodel_stop(&tm), 0);
}

/*
 * The full model, first programmed by a driver (BAR0, COMMAND, MSI-X
 * enabled) so that the decoder sees more than power-on zeroes.
 */
static void program_full(const char *where)
{
	struct uvfio_container *c;
	struct uvfio_device *d;
	int pos;

	assert_int_equal(open_device(where, &c, &d), 0);
	assert_int_equal(uvfio_config_write32(d, PCI_BASE_ADDRESS_0, 0xfe000000), 0);
	assert_int_equal(
		uvfio_config_write16(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), 0);
	pos = uvfio_config_find_cap(d, PCI_CAP_ID_MSIX);
	assert_true(pos > 0);
	assert_int_equal(uvfio_config_write16(d, (unsigned int)pos + PCI_MSIX_FLAGS,
					      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL),
			 0);
	uvfio_device_close(d);
	uvfio_container_destroy(c);
}

static void test_full_model(void **state)
{
	static const char *const caps[] = {
		"\tCapabilities: [40] Power Management version 3\n",
		"] MSI: Enable- Count=1/4 Maskable+ 64bit+\n",
		"] MSI-X: ",
		"\t\tVector table: BAR=0 offset=00002000\n",
		"] Express (v2) Endpoint, MSI 00\n",
		"FLReset+",
		"] Vendor Specific Information: Len=08 <?>\n",
		"\tCapabilities: [100 v2] Advanced Error Reporting\n",
		"] Device Serial Number 01-23-45-67-89-ab-cd-ef\n",
		"\tRegion 0: Memory at ",
		"(64-bit, non-prefetchable) [size=16K]\n",
		"\tRegion 2: I/O ports at <unassigned> [disabled] [size=256]\n",
		"\tRegion 4: Memory at <unassigned> (32-bit, prefetchable) [size=1M]\n",
		"\tExpansion ROM at <unassigned> [disabled] [size=2K]\n",
		NULL,
	};
	struct fullmodel fm;

	(void)state;
	assert_int_equal(fullmodel_start(&fm), 0);
	program_full(fm.where);
	check_device(fm.where, fm.dir, caps);
	assert_int_equal(fullmodel_stop(&fm), 0);
}

/* The golden dumps of tests/golden/lspci, decoded by us and by lspci. */
static void test_golden_dumps(void **state)
{
	static const char *const names[] = {"pcie-full", "msi-32", "msi-64", "msi-32-mask",
					    "msi-64-mask"};
	struct outputs *o = calloc(1, sizeof(*o));

	(void)state;
	assert_non_null(o);
	if (!have_lspci()) {
		free(o);
		UVFIO_SKIP("%s missing: no comparison with pciutils", REAL_LSPCI);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(o->dump_path, sizeof(o->dump_path),
			 UVFIO_SOURCE_ROOT "/tests/golden/lspci/%s.dump", names[i]);
		tool(o, o->mine_f, "-F", o->dump_path, "-vv", NULL);
		real_lspci(o, o->theirs, "-vv", NULL);
		assert_ordered_subset(o->mine_f, o->theirs, names[i]);
	}
	free(o);
}

/* A device that cannot be opened: exit 1 and the library's explanation. */
static void test_unopenable(void **state)
{
	char *argv[] = {LSPCI_TOOL, "-vv", "unix:/nonexistent/uvfio-lspci.sock", NULL};
	char err[4096];
	int rc;

	(void)state;
	rc = run_cmd(argv, NULL, 0, err, sizeof(err), TIMEOUT_MS);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "lspci: cannot open unix:/nonexistent/uvfio-lspci.sock: "));
	argv[1] = "-q";
	assert_int_equal(run_cmd(argv, NULL, 0, err, sizeof(err), TIMEOUT_MS), 2);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_edu),	     cmocka_unit_test(test_mtty),
	cmocka_unit_test(test_msix_model),   cmocka_unit_test(test_full_model),
	cmocka_unit_test(test_golden_dumps), cmocka_unit_test(test_unopenable),
};

UVFIO_TEST_MAIN(tests)
