/* SPDX-License-Identifier: MIT */
/*
 * drivers/edu/edu.c - uvfio-edu: a user-level driver for QEMU's edu device
 * (docs/edu.md; QEMU docs/specs/edu.rst), on include/uvfio/driver.h only, so
 * the same binary drives uvfio's emulated edu over vfio-user and QEMU's edu
 * behind the kernel's vfio-pci.
 *
 *   uvfio-edu [--irq msi|intx] [--dma-size BYTES] [--factorial N]...
 *             [--dma-no-fd] [-v] [DEVICE]
 *
 * stdout is deterministic (no addresses, timings or backend names), so runs on
 * two backends can be diffed; -v adds diagnostics on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/driver.h>

/* edu.md "PCI" and "BAR0 registers". */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_BAR 0
#define EDU_BAR_SIZE (1u << 20)

#define REG_IDENT 0x00
#define REG_LIVENESS 0x04
#define REG_FACTORIAL 0x08
#define REG_STATUS 0x20
#define REG_IRQ_STATUS 0x24
#define REG_IRQ_RAISE 0x60
#define REG_IRQ_ACK 0x64
#define REG_DMA_SRC 0x80
#define REG_DMA_DST 0x88
#define REG_DMA_COUNT 0x90
#define REG_DMA_CMD 0x98

#define STATUS_BUSY 0x01
#define STATUS_FACT_IRQ 0x80
#define IRQ_FACTORIAL 0x001
#define IRQ_DMA 0x100
#define DMA_START 0x01
#define DMA_TO_RAM 0x02
#define DMA_IRQ 0x04

/* The device's DMA buffer: 4096 bytes at device address 0x40000 (edu.rst). */
#define EDU_DMA_BUF_ADDR 0x40000
#define EDU_DMA_BUF_SIZE 4096
/* edu addresses 28 bits of DMA by default (edu.rst: dma_mask). */
#define EDU_DMA_BITS 28

/*
 * Values the driver raises itself through 0x60: bits away from the
 * factorial (0x1) and DMA (0x100) ones.
 */
#define RAISE_A 0x00010000
#define RAISE_B 0x00200000

/* Generous: QEMU's edu completes DMA on a 100 ms timer, under TCG. */
#define TIMEOUT_MS 5000
/* How long "no interrupt" is waited for. */
#define QUIET_MS 200

#define MAX_FACTORIALS 32

enum irq_kind { IRQ_NONE, IRQ_MSI, IRQ_INTX };

struct edu {
	struct uvfio_container *c;
	struct uvfio_device *d;
	enum irq_kind irq;
	uint32_t irq_index;
	int efd;
	uint64_t irqs; /* interrupts received (eventfd counts summed) */
	unsigned int checks;
	unsigned int failures;
	bool verbose;
};

static void info(struct edu *edu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(struct edu *edu, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Diagnostics that may differ between backends: stderr, with -v only. */
static void info(struct edu *edu, const char *fmt, ...)
{
	va_list ap;

	if (!edu->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "uvfio-edu: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Count a check; on failure name it on stdout, so a diff shows it. */
static bool check(struct edu *edu, bool ok, const char *fmt, ...)
{
	va_list ap;

	edu->checks++;
	if (ok)
		return true;
	edu->failures++;
	va_start(ap, fmt);
	printf("edu: FAILED: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	return false;
}

static uint32_t rd32(struct edu *edu, uint64_t off)
{
	return uvfio_bar_read32(edu->d, EDU_BAR, off);
}

static void wr32(struct edu *edu, uint64_t off, uint32_t v)
{
	int rc = uvfio_bar_write32(edu->d, EDU_BAR, off, v);

	if (rc < 0)
		check(edu, false, "write 0x%08" PRIx32 " to register 0x%02" PRIx64 ": %s", v, off,
		      strerror(-rc));
}

static void wr64(struct edu *edu, uint64_t off, uint64_t v)
{
	int rc = uvfio_bar_write64(edu->d, EDU_BAR, off, v);

	if (rc < 0)
		check(edu, false, "write to register 0x%02" PRIx64 ": %s", off, strerror(-rc));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Let the device's requests (vfio-user DMA_READ/DMA_WRITE for buffers
 * mapped without an fd) be served while we poll a register.
 */
static void serve_device(struct edu *edu, int ms)
{
	int fd = uvfio_device_poll_fd(edu->d);

	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, ms) > 0)
			uvfio_device_process(edu->d);
	} else {
		usleep((useconds_t)ms * 1000);
	}
}

/* Poll register @off until @bits clear; 0 or -ETIMEDOUT. */
static int wait_clear(struct edu *edu, uint64_t off, uint32_t bits)
{
	int64_t deadline = now_ms() + TIMEOUT_MS;

	for (;;) {
		uint32_t v = rd32(edu, off);

		/* All ones is a failed read (driver.h: master abort), not "busy". */
		if (!(v & bits) && v != UINT32_MAX)
			return 0;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		serve_device(edu, 1);
	}
}

/* Wait for one interrupt; returns the eventfd count or -errno. */
static int64_t wait_irq(struct edu *edu, int timeout_ms)
{
	int64_t n = uvfio_irq_wait(edu->d, edu->efd, timeout_ms);

	if (n > 0)
		edu->irqs += (uint64_t)n;
	return n;
}

/*
 * The end of an interrupt handler: acknowledge at the device (edu.rst: even
 * with MSI), then re-arm INTx, which vfio masks after each trigger
 * (linux-vfio.md §4.1).  Ack first: unmasking with the line still up fires
 * again at once.
 */
static void irq_done(struct edu *edu, uint32_t bits)
{
	wr32(edu, REG_IRQ_ACK, bits);
	if (edu->irq == IRQ_INTX) {
		int rc = uvfio_irq_unmask(edu->d, VFIO_PCI_INTX_IRQ_INDEX, 0);

		check(edu, rc == 0, "unmask INTx: %s", strerror(-rc));
	}
}

/* An interrupt whose status has @bit set, then acknowledged. */
static bool expect_irq(struct edu *edu, uint32_t bit, const char *what)
{
	int64_t n = wait_irq(edu, TIMEOUT_MS);
	uint32_t st;

	if (!check(edu, n > 0, "%s: no interrupt (%s)", what,
		   n == -ETIMEDOUT ? "timed out" : strerror((int)-n)))
		return false;
	st = rd32(edu, REG_IRQ_STATUS);
	if (!check(edu, st & bit, "%s: interrupt status 0x%08" PRIx32 " lacks 0x%" PRIx32, what,
		   st, bit))
		return false;
	irq_done(edu, bit);
	return true;
}

static bool expect_no_irq(struct edu *edu, const char *what)
{
	int64_t n = wait_irq(edu, QUIET_MS);

	return check(edu, n == -ETIMEDOUT, "%s: unexpected interrupt (%s)", what,
		     n > 0 ? "fired" : strerror((int)-n));
}

static const char *irq_name(enum irq_kind k)
{
	return k == IRQ_MSI ? "msi" : k == IRQ_INTX ? "intx" : "none";
}

static int setup_irq(struct edu *edu)
{
	struct uvfio_irq_info ii;
	int rc;

	if (edu->irq == IRQ_NONE)
		return 0;
	edu->irq_index = edu->irq == IRQ_MSI ? VFIO_PCI_MSI_IRQ_INDEX : VFIO_PCI_INTX_IRQ_INDEX;
	rc = uvfio_irq_get_info(edu->d, edu->irq_index, &ii);
	if (rc < 0 || ii.count < 1) {
		check(edu, false, "the device has no %s interrupt", irq_name(edu->irq));
		return rc < 0 ? rc : -ENODEV;
	}
	edu->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (edu->efd < 0) {
		rc = -errno;
		check(edu, false, "eventfd: %s", strerror(errno));
		return rc;
	}
	rc = uvfio_irq_enable(edu->d, edu->irq_index, 0, 1, &edu->efd);
	if (!check(edu, rc == 0, "enable %s: %s", irq_name(edu->irq), strerror(-rc)))
		return rc;
	printf("edu: interrupts: %s\n", irq_name(edu->irq));
	return 0;
}

/* Leave what an earlier client may have left: pending bits, irq on factorial, DMA. */
static void quiesce(struct edu *edu)
{
	check(edu, wait_clear(edu, REG_STATUS, STATUS_BUSY) == 0, "factorial still busy at start");
	check(edu, wait_clear(edu, REG_DMA_CMD, DMA_START) == 0, "DMA still busy at start");
	wr32(edu, REG_STATUS, 0);
	wr32(edu, REG_IRQ_ACK, UINT32_MAX);
}

static void test_ident(struct edu *edu)
{
	uint32_t id = rd32(edu, REG_IDENT);

	/* edu.rst: 0xRRrr00ed, RR major and rr minor version. */
	printf("edu: identification 0x%08" PRIx32 " (version %" PRIu32 ".%" PRIu32 ")\n", id,
	       id >> 24, (id >> 16) & 0xff);
	check(edu, (id & 0xffff) == 0x00ed, "identification 0x%08" PRIx32 " is not 0xRRrr00ed",
	      id);
}

static void test_liveness(struct edu *edu)
{
	static const uint32_t patterns[] = {
		0x00000000, 0xffffffff, 0x12345678, 0xa5a5a5a5, 0x5a5a5a5a, 0x80000001,
	};
	unsigned int bad = 0;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		uint32_t v;

		wr32(edu, REG_LIVENESS, patterns[i]);
		v = rd32(edu, REG_LIVENESS);
		if (!check(edu, v == (uint32_t)~patterns[i],
			   "liveness: wrote 0x%08" PRIx32 ", read 0x%08" PRIx32
			   ", expected 0x%08" PRIx32,
			   patterns[i], v, (uint32_t)~patterns[i]))
			bad++;
	}
	if (!bad)
		printf("edu: liveness: %zu patterns ok\n", sizeof(patterns) / sizeof(patterns[0]));
}

/* n! in 32 bits, as the device's 32-bit register holds it (edu.rst). */
static uint32_t factorial32(uint32_t n)
{
	uint64_t acc = 1;

	for (uint64_t i = 2; i <= n && acc; i++)
		acc = (acc * i) & UINT32_MAX;
	return (uint32_t)acc;
}

static void test_factorial(struct edu *edu, uint32_t n)
{
	uint32_t want = factorial32(n);
	uint32_t got;
	char what[48];

	snprintf(what, sizeof(what), "factorial %" PRIu32, n);
	/* edu.md 0x20: 0x80 asks for interrupt 0x1 when the factorial is done. */
	wr32(edu, REG_STATUS, edu->irq != IRQ_NONE ? STATUS_FACT_IRQ : 0);
	wr32(edu, REG_FACTORIAL, n);
	if (edu->irq != IRQ_NONE && !expect_irq(edu, IRQ_FACTORIAL, what))
		return;
	if (!check(edu, wait_clear(edu, REG_STATUS, STATUS_BUSY) == 0, "%s: still busy", what))
		return;
	got = rd32(edu, REG_FACTORIAL);
	if (check(edu, got == want, "%s: got %" PRIu32 ", expected %" PRIu32, what, got, want))
		printf("edu: %s = %" PRIu32 " ok\n", what, got);
}

/*
 * Interrupt raise and acknowledge (0x60/0x64).  With INTx the line stays up
 * while any status bit is set (edu.md): acking one of two bits and
 * unmasking must fire again, acking the last must not.  With MSI each raise
 * is one message and an ack sends none.
 */
static void test_raise_ack(struct edu *edu)
{
	unsigned int failures = edu->failures;
	uint32_t st;

	wr32(edu, REG_STATUS, 0);
	wr32(edu, REG_IRQ_RAISE, RAISE_A);
	st = rd32(edu, REG_IRQ_STATUS);
	check(edu, st == RAISE_A, "raise 0x%08x: interrupt status 0x%08" PRIx32, RAISE_A, st);

	if (edu->irq == IRQ_MSI) {
		if (!check(edu, wait_irq(edu, TIMEOUT_MS) > 0, "raise 0x%08x: no MSI", RAISE_A))
			goto out_ack;
		wr32(edu, REG_IRQ_RAISE, RAISE_B);
		if (!check(edu, wait_irq(edu, TIMEOUT_MS) > 0, "raise 0x%08x: no MSI", RAISE_B))
			goto out_ack;
		wr32(edu, REG_IRQ_ACK, RAISE_A);
		wr32(edu, REG_IRQ_ACK, RAISE_B);
		expect_no_irq(edu, "ack");
	} else if (edu->irq == IRQ_INTX) {
		if (!check(edu, wait_irq(edu, TIMEOUT_MS) > 0, "raise 0x%08x: no INTx", RAISE_A))
			goto out_ack;
		wr32(edu, REG_IRQ_RAISE, RAISE_B);
		/* Still masked since the first trigger: nothing new yet. */
		expect_no_irq(edu, "raise while masked");
		irq_done(edu, RAISE_A);
		if (!check(edu, wait_irq(edu, TIMEOUT_MS) > 0,
			   "ack 0x%08x with 0x%08x pending: INTx did not fire again", RAISE_A,
			   RAISE_B))
			goto out_ack;
		irq_done(edu, RAISE_B);
		expect_no_irq(edu, "ack of the last bit");
	}
out_ack:
	wr32(edu, REG_IRQ_ACK, RAISE_A | RAISE_B);
	st = rd32(edu, REG_IRQ_STATUS);
	check(edu, st == 0, "after ack: interrupt status 0x%08" PRIx32, st);
	if (edu->irq == IRQ_INTX)
		uvfio_irq_unmask(edu->d, VFIO_PCI_INTX_IRQ_INDEX, 0);
	if (edu->failures == failures)
		printf("edu: interrupt raise/ack ok\n");
}

/* Byte @i of round @round's pattern: depends on both, never all zero. */
static uint8_t pattern(size_t i, unsigned int round)
{
	return (uint8_t)((i * 31 + (i >> 8) + round * 97 + 1) | (i == 0));
}

static bool dma(struct edu *edu, uint64_t src, uint64_t dst, size_t count, uint32_t dir,
		const char *what)
{
	uint32_t cmd = DMA_START | dir | (edu->irq != IRQ_NONE ? DMA_IRQ : 0);

	wr64(edu, REG_DMA_SRC, src);
	wr64(edu, REG_DMA_DST, dst);
	wr64(edu, REG_DMA_COUNT, count);
	wr32(edu, REG_DMA_CMD, cmd);
	if (edu->irq != IRQ_NONE && !expect_irq(edu, IRQ_DMA, what))
		return false;
	return check(edu, wait_clear(edu, REG_DMA_CMD, DMA_START) == 0, "%s: did not finish",
		     what);
}

/*
 * One round trip: a pattern DMA'd RAM -> edu, the RAM copy wiped, then
 * edu -> RAM into the other buffer and compared.
 */
static void test_dma(struct edu *edu, struct uvfio_dma_buf *a, struct uvfio_dma_buf *b,
		     size_t size, unsigned int round)
{
	uint8_t *pa = a->vaddr;
	uint8_t *pb = b->vaddr;
	size_t bad = 0;
	size_t first = 0;

	for (size_t i = 0; i < size; i++)
		pa[i] = pattern(i, round);
	memset(pb, 0, size);
	if (!dma(edu, a->iova, EDU_DMA_BUF_ADDR, size, 0, "DMA RAM to edu"))
		return;
	memset(pa, 0, size);
	if (!dma(edu, EDU_DMA_BUF_ADDR, b->iova, size, DMA_TO_RAM, "DMA edu to RAM"))
		return;
	for (size_t i = 0; i < size; i++) {
		if (pb[i] != pattern(i, round) && !bad++)
			first = i;
	}
	if (check(edu, bad == 0, "DMA round trip %u: %zu of %zu bytes differ, first at %zu",
		  round, bad, size, first))
		printf("edu: DMA %zu bytes RAM to edu to RAM, round %u ok\n", size, round);
}

static void run_dma(struct edu *edu, size_t size, unsigned int flags)
{
	struct uvfio_dma_buf *a = NULL;
	struct uvfio_dma_buf *b = NULL;
	int rc;

	rc = uvfio_dma_alloc(edu->c, size, flags, &a);
	if (!check(edu, rc == 0, "DMA buffer: %s", strerror(-rc)))
		return;
	rc = uvfio_dma_alloc(edu->c, size, flags, &b);
	if (!check(edu, rc == 0, "DMA buffer: %s", strerror(-rc)))
		goto out_free_a;
	info(edu, "DMA buffers at IOVA 0x%" PRIx64 " and 0x%" PRIx64, a->iova, b->iova);
	for (unsigned int round = 1; round <= 2; round++)
		test_dma(edu, a, b, size, round);
	uvfio_dma_free(edu->c, b);
out_free_a:
	uvfio_dma_free(edu->c, a);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfio-edu [--irq msi|intx] [--dma-size BYTES] [--factorial N]...\n"
		"                 [--dma-no-fd] [-v] [DEVICE]\n"
		"Drive an edu device (QEMU's 1234:11e8) and check what it does.\n"
		"  DEVICE             unix:PATH (vfio-user) or a PCI address (vfio-pci);\n"
		"                     without it, the first edu bound to vfio-pci or\n"
		"                     named in $" UVFIO_DEVICES_ENV "\n"
		"  --irq msi|intx     take completion interrupts (default: poll)\n"
		"  --dma-size BYTES   bytes per DMA, 1..4096 (default 4096; QEMU 7.2's edu\n"
		"                     needs 2048 or less, docs/edu.md)\n"
		"  --factorial N      compute N! (repeatable; default 5 10 12)\n"
		"  --dma-no-fd        DMA buffers without an fd: the server reaches them\n"
		"                     by vfio-user DMA messages\n"
		"  -v, --verbose      diagnostics on stderr\n");
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return false;
	*out = (uint32_t)v;
	return true;
}

static void log_stderr(void *opaque, int level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "uvfio-edu: [%d] %s\n", level, msg);
}

struct options {
	uint32_t factorials[MAX_FACTORIALS];
	unsigned int nfact;
	uint32_t dma_size;
	unsigned int dma_flags;
};

/* Everything, on an open device; the outcome is in edu->failures. */
static void drive(struct edu *edu, const struct options *o, bool bar_mapped)
{
	struct uvfio_region_info ri;
	uint16_t vendor;
	uint16_t device;
	uint8_t rev;
	void *bar;
	int rc;

	rc = uvfio_config_read16(edu->d, PCI_VENDOR_ID, &vendor);
	if (rc == 0)
		rc = uvfio_config_read16(edu->d, PCI_DEVICE_ID, &device);
	if (rc == 0)
		rc = uvfio_config_read8(edu->d, PCI_REVISION_ID, &rev);
	if (!check(edu, rc == 0, "config space: %s", strerror(-rc)))
		return;
	if (!check(edu, vendor == EDU_VENDOR && device == EDU_DEVICE,
		   "device %04x:%04x is not an edu (%04x:%04x)", vendor, device, EDU_VENDOR,
		   EDU_DEVICE))
		return;
	printf("edu: device %04x:%04x revision 0x%02x\n", vendor, device, rev);

	rc = uvfio_region_get_info(edu->d, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (!check(edu, rc == 0 && ri.size >= EDU_BAR_SIZE, "BAR0: %s, %" PRIu64 " bytes",
		   rc ? strerror(-rc) : "too small", rc ? 0 : ri.size))
		return;
	rc = uvfio_device_enable(edu->d);
	if (!check(edu, rc == 0, "enable memory and bus master: %s", strerror(-rc)))
		return;
	/* A trapped BAR is not mmap-able: uvfio_bar_* then use region access. */
	if (!bar_mapped) {
		rc = uvfio_region_mmap(edu->d, VFIO_PCI_BAR0_REGION_INDEX, &bar);
		bar_mapped = rc == 0;
	}
	info(edu, "BAR0 %s", bar_mapped ? "mapped" : "accessed by region read/write");
	rc = uvfio_device_set_dma_mask(edu->d, EDU_DMA_BITS);
	if (!check(edu, rc == 0, "DMA mask of %d bits: %s", EDU_DMA_BITS, strerror(-rc)))
		return;

	test_ident(edu);
	quiesce(edu);
	if (setup_irq(edu) == 0) {
		test_liveness(edu);
		for (unsigned int i = 0; i < o->nfact; i++)
			test_factorial(edu, o->factorials[i]);
		test_raise_ack(edu);
		run_dma(edu, o->dma_size, o->dma_flags);
		wr32(edu, REG_STATUS, 0);
		if (edu->irq != IRQ_NONE)
			printf("edu: interrupts received: %" PRIu64 " (%s)\n", edu->irqs,
			       irq_name(edu->irq));
	}
	if (edu->irq != IRQ_NONE && edu->efd >= 0) {
		uvfio_irq_disable(edu->d, edu->irq_index);
		close(edu->efd);
		edu->efd = -1;
	}
}

/*
 * uvfio-edu is a user-space PCI driver, shaped as Linux's struct pci_driver:
 * its id table names the edu (docs/edu.md: 1234:11e8), probe takes the first
 * edu the bus offers and declines any other, remove lets it go.  The bus
 * offers DEVICE alone when one is given, else every device bound to vfio-pci
 * and the entries of $UVFIO_DEVICES; it maps BAR0 (when it can) and reads
 * the IRQ info before probe, and closes the device after remove.
 */
static const struct uvfio_pci_device_id edu_ids[] = {
	{ UVFIO_PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ 0 },
};

/* The one edu this run drives; probe fills in its device. */
static struct edu *the_edu;

static int edu_probe(struct uvfio_pci_dev *pdev, const struct uvfio_pci_device_id *id)
{
	(void)id;
	if (the_edu->d)
		return -EBUSY;
	the_edu->d = pdev->dev;
	pdev->drvdata = the_edu;
	return 0;
}

static void edu_remove(struct uvfio_pci_dev *pdev)
{
	struct edu *edu = pdev->drvdata;

	/* drive() normally released the interrupt; make sure. */
	if (edu->irq != IRQ_NONE && edu->efd >= 0) {
		uvfio_irq_disable(edu->d, edu->irq_index);
		close(edu->efd);
		edu->efd = -1;
	}
	edu->d = NULL;
}

static const struct uvfio_pci_driver edu_pci_driver = {
	.name = "uvfio-edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "irq", required_argument, NULL, 'i' },
		{ "dma-size", required_argument, NULL, 's' },
		{ "factorial", required_argument, NULL, 'f' },
		{ "dma-no-fd", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const uint32_t default_factorials[] = { 5, 10, 12 };
	struct edu edu = { .irq = IRQ_NONE, .efd = -1 };
	struct options o = { .dma_size = EDU_DMA_BUF_SIZE };
	struct uvfio_pci_bus *bus = NULL;
	struct uvfio_pci_dev *pdev;
	const char *where = NULL;
	int opt;
	int rc;

	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (strcmp(optarg, "msi") == 0) {
				edu.irq = IRQ_MSI;
			} else if (strcmp(optarg, "intx") == 0) {
				edu.irq = IRQ_INTX;
			} else {
				fprintf(stderr, "uvfio-edu: --irq takes msi or intx\n");
				return 2;
			}
			break;
		case 's':
			if (!parse_u32(optarg, &o.dma_size) || o.dma_size < 1 ||
			    o.dma_size > EDU_DMA_BUF_SIZE) {
				fprintf(stderr, "uvfio-edu: --dma-size takes 1..%d\n",
					EDU_DMA_BUF_SIZE);
				return 2;
			}
			break;
		case 'f':
			if (o.nfact == MAX_FACTORIALS ||
			    !parse_u32(optarg, &o.factorials[o.nfact])) {
				fprintf(stderr,
					"uvfio-edu: --factorial takes a 32-bit number, at most "
					"%d times\n",
					MAX_FACTORIALS);
				return 2;
			}
			o.nfact++;
			break;
		case 'n':
			o.dma_flags |= UVFIO_DMA_NO_FD;
			break;
		case 'v':
			edu.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc - 1) {
		usage(stderr);
		return 2;
	}
	if (optind == argc - 1)
		where = argv[optind];
	if (!o.nfact) {
		o.nfact = sizeof(default_factorials) / sizeof(default_factorials[0]);
		memcpy(o.factorials, default_factorials, sizeof(default_factorials));
	}

	rc = uvfio_container_create(&edu.c);
	if (rc < 0) {
		fprintf(stderr, "uvfio-edu: container: %s\n", strerror(-rc));
		return 1;
	}
	if (edu.verbose)
		uvfio_container_set_log(edu.c, log_stderr, NULL);

	the_edu = &edu;
	rc = uvfio_pci_bus_create(edu.c, NULL, where, &bus);
	if (rc == 0)
		rc = uvfio_pci_bus_register(bus, &edu_pci_driver);
	if (rc < 0 || !edu.d) {
		if (rc < 0 && where)
			fprintf(stderr, "uvfio-edu: cannot open %s: %s%s%s\n", where, strerror(-rc),
				*uvfio_last_error() ? ": " : "", uvfio_last_error());
		else if (where)
			fprintf(stderr, "uvfio-edu: %s is not an edu device (%04x:%04x)\n", where,
				EDU_VENDOR, EDU_DEVICE);
		else if (rc < 0)
			fprintf(stderr, "uvfio-edu: no edu device: %s%s%s\n", strerror(-rc),
				*uvfio_last_error() ? ": " : "", uvfio_last_error());
		else
			fprintf(stderr, "uvfio-edu: no edu device bound to vfio-pci or named in "
					"$" UVFIO_DEVICES_ENV "\n");
		uvfio_pci_bus_destroy(bus);
		uvfio_container_destroy(edu.c);
		return 1;
	}
	pdev = uvfio_pci_bus_dev(bus, 0);
	info(&edu, "opened %s (%s backend)", uvfio_device_name(edu.d),
	     uvfio_device_backend(edu.d));

	drive(&edu, &o, pdev && pdev->bar[0]);

	/* remove, then the device is closed. */
	uvfio_pci_bus_destroy(bus);
	uvfio_container_destroy(edu.c);
	if (edu.failures) {
		printf("edu: %u of %u checks FAILED\n", edu.failures, edu.checks);
		return 1;
	}
	printf("edu: all %u checks passed\n", edu.checks);
	return 0;
}
