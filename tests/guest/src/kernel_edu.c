// SPDX-License-Identifier: MIT
/*
 * kernel_edu.c - guest-test-kernel-edu: uvfio's driver library on QEMU's edu
 * behind the real vfio-pci and the emulated Intel IOMMU (docs/edu.md).
 *
 * The edu device is found by the PCI driver model (id table 1234:11e8) among
 * the devices bound to vfio-pci; QEMU's nvme, also bound, must be left alone.
 * Then: identification, liveness, factorials, MSI and INTx through the event
 * loop (INTx re-armed by unmask), DMA both ways within QEMU 7.2 edu's limits
 * (2048 bytes, IOVAs under its 28-bit mask), a buffer allocated before the
 * device joined, IOVA reuse, hugetlb memory, and a DMA to an unmapped IOVA
 * that the IOMMU blocks without touching the memory that was there.
 */
#include <inttypes.h>
#include <sys/mman.h>
#include <pthread.h>
#include <unistd.h>

#include "guest.h"
#include "uvfio/driver.h"
#include "edu/edu.h" /* the edu register map (edu.md), shared with the model */

/* docs/edu.md, QEMU 7.2: at most 2048 bytes per transfer, 28-bit DMA addresses. */
#define XFER 2048

static struct uvfio_pci_dev *edu;
static int removed;
static uint32_t irq_seen;
static int irq_calls;

static void log_fn(void *opaque, int level, const char *msg)
{
	(void)opaque;
	info("log[%d]: %s", level, msg);
}

static int edu_probe(struct uvfio_pci_dev *p, const struct uvfio_pci_device_id *id)
{
	(void)id;
	edu = p;
	p->drvdata = &edu;
	return uvfio_device_enable(p->dev);
}

static void edu_remove(struct uvfio_pci_dev *p)
{
	if (p->drvdata == &edu)
		removed++;
}

static const struct uvfio_pci_device_id edu_ids[] = {
	{UVFIO_PCI_DEVICE(0x1234, 0x11e8)},
	{0},
};

static const struct uvfio_pci_driver edu_driver = {
	.name = "guest-edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

/* An edu interrupt: read the status, acknowledge it (docs/edu.md: 0x24, 0x64). */
static void on_irq(void *opaque, struct uvfio_device *d, uint32_t index, uint32_t vector,
		   uint64_t count)
{
	uint32_t st = uvfio_bar_read32(d, 0, UVFIO_EDU_REG_IRQ_STATUS);

	(void)opaque;
	(void)index;
	(void)vector;
	(void)count;
	irq_seen |= st;
	irq_calls++;
	uvfio_bar_write32(d, 0, UVFIO_EDU_REG_IRQ_ACK, st);
}

/* wait_irq() - run the loop until an interrupt with @bits came, or 5 s. */
static bool wait_irq(struct uvfio_loop *l, uint32_t bits)
{
	double end = now_s() + 5.0;

	while (!(irq_seen & bits) && now_s() < end)
		uvfio_loop_run_once(l, 100);
	return (irq_seen & bits) != 0;
}

/*
 * wait_clear() - poll until @bits of register @off clear, or 5 s.  Registers
 * below 0x80 only take 4-byte accesses (docs/edu.md), the DMA ones 8.
 */
static bool wait_clear(struct uvfio_device *d, uint64_t off, uint64_t bits)
{
	double end = now_s() + 5.0;

	while ((off < 0x80 ? uvfio_bar_read32(d, 0, off) : uvfio_bar_read64(d, 0, off)) & bits) {
		if (now_s() > end)
			return false;
		usleep(1000);
	}
	return true;
}

static bool dma(struct uvfio_device *d, uint64_t src, uint64_t dst, uint64_t cmd)
{
	uvfio_bar_write64(d, 0, UVFIO_EDU_REG_DMA_SRC, src);
	uvfio_bar_write64(d, 0, UVFIO_EDU_REG_DMA_DST, dst);
	uvfio_bar_write64(d, 0, UVFIO_EDU_REG_DMA_COUNT, XFER);
	uvfio_bar_write64(d, 0, UVFIO_EDU_REG_DMA_CMD, cmd);
	return wait_clear(d, UVFIO_EDU_REG_DMA_CMD, UVFIO_EDU_DMA_START);
}

/*
 * alias_of() - a second mapping of the pages behind @p (a memfd buffer), so
 * they stay inspectable after the buffer is freed.  Root only
 * (/proc/self/map_files, CAP_SYS_ADMIN).
 */
static void *alias_of(void *p, size_t len)
{
	char line[512];
	char path[128];
	uintptr_t lo, hi;
	void *alias = NULL;
	FILE *f = fopen("/proc/self/maps", "r");
	int fd;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) != 2)
			continue;
		if ((uintptr_t)p < lo || (uintptr_t)p >= hi)
			continue;
		snprintf(path, sizeof(path), "/proc/self/map_files/%" PRIxPTR "-%" PRIxPTR, lo, hi);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			alias = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				     (off_t)((uintptr_t)p - lo));
			if (alias == MAP_FAILED)
				alias = NULL;
			close(fd);
		}
		break;
	}
	fclose(f);
	return alias;
}

/* dmar_fault_logged() - the kernel logged a DMAR fault at @iova since boot. */
static bool dmar_fault_logged(uint64_t iova)
{
	char want[64];
	char buf[2048];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	snprintf(want, sizeof(want), "fault addr 0x%" PRIx64, iova);
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, "DMAR") && strstr(buf, want))
			found = true;
	}
	close(fd);
	return found;
}

static void test_dma(struct uvfio_container *c, struct uvfio_loop *l, struct uvfio_device *d,
		     struct uvfio_dma_buf *early)
{
	struct uvfio_dma_buf *src = NULL, *dst = NULL, *u = NULL, *v = NULL, *huge = NULL;
	uint8_t *alias;
	uvfio_iova_t old;
	bool ok;
	int i;
	int ret;

	ret = uvfio_device_set_dma_mask(d, UVFIO_EDU_DMA_BITS);
	check(ret == 0, "DMA mask %d bits: %s", UVFIO_EDU_DMA_BITS,
	      ret ? uvfio_last_error() : "ok");
	ret = uvfio_dma_alloc(c, 4096, 0, &src);
	if (!ret)
		ret = uvfio_dma_alloc(c, 4096, 0, &dst);
	if (!check(ret == 0, "two DMA buffers: %s", ret ? uvfio_last_error() : "ok"))
		goto out;
	check(src->iova + src->size <= (1u << UVFIO_EDU_DMA_BITS) &&
		      dst->iova + dst->size <= (1u << UVFIO_EDU_DMA_BITS),
	      "IOVAs 0x%" PRIx64 " and 0x%" PRIx64 " are under the 28-bit mask", src->iova,
	      dst->iova);
	for (i = 0; i < XFER; i++)
		((uint8_t *)src->vaddr)[i] = (uint8_t)(i * 7 + 3);

	ok = dma(d, src->iova, UVFIO_EDU_DMA_BUF_ADDR, UVFIO_EDU_DMA_START);
	check(ok, "DMA RAM -> edu, %d bytes", XFER);
	irq_seen = 0;
	ok = dma(d, UVFIO_EDU_DMA_BUF_ADDR, dst->iova,
		 UVFIO_EDU_DMA_START | UVFIO_EDU_DMA_TO_RAM | UVFIO_EDU_DMA_IRQ);
	ok = ok && wait_irq(l, UVFIO_EDU_IRQ_DMA);
	check(ok, "DMA edu -> RAM with its completion interrupt 0x%x", irq_seen);
	check(!memcmp(src->vaddr, dst->vaddr, XFER), "DMA round trip: %d bytes match", XFER);

	/* The buffer allocated before the device joined was mapped when it did. */
	ok = dma(d, UVFIO_EDU_DMA_BUF_ADDR, early->iova,
		 UVFIO_EDU_DMA_START | UVFIO_EDU_DMA_TO_RAM);
	check(ok && !memcmp(src->vaddr, early->vaddr, XFER),
	      "DMA into the buffer allocated before the device joined (IOVA 0x%" PRIx64 ")",
	      early->iova);

	/* An unmapped IOVA: the IOMMU blocks the write; the memory stays untouched. */
	ret = uvfio_dma_alloc(c, 4096, 0, &u);
	if (!check(ret == 0, "a third buffer: %s", ret ? uvfio_last_error() : "ok"))
		goto out;
	alias = alias_of(u->vaddr, 4096);
	old = u->iova;
	uvfio_dma_free(c, u);
	u = NULL;
	if (!alias) {
		skip("unmapped-IOVA DMA: cannot alias the buffer's pages (/proc/self/map_files)");
	} else {
		ok = dma(d, UVFIO_EDU_DMA_BUF_ADDR, old,
			 UVFIO_EDU_DMA_START | UVFIO_EDU_DMA_TO_RAM);
		for (i = 0; i < 4096 && !alias[i]; i++)
			;
		check(ok && i == 4096,
		      "DMA to the unmapped IOVA 0x%" PRIx64 " is blocked: the freed buffer's "
		      "memory is untouched",
		      old);
		munmap(alias, 4096);
		if (dmar_fault_logged(old))
			info("the kernel logged the DMAR fault at 0x%" PRIx64, old);
		else
			info("no DMAR fault line for 0x%" PRIx64 " in /dev/kmsg", old);
	}
	ret = uvfio_dma_alloc(c, 4096, 0, &v);
	check(ret == 0 && v->iova == old, "a freed IOVA is reused (0x%" PRIx64 ")",
	      v ? v->iova : 0);
	if (v)
		uvfio_dma_free(c, v);

	/* Huge pages on request. */
	if (sysfs_write("/proc/sys/vm/nr_hugepages", "2")) {
		skip("hugetlb DMA: cannot reserve huge pages");
	} else {
		ret = uvfio_dma_alloc(c, 2 << 20, UVFIO_DMA_HUGETLB, &huge);
		if (check(ret == 0, "a 2 MiB hugetlb buffer: %s",
			  ret ? uvfio_last_error() : "ok")) {
			ok = dma(d, UVFIO_EDU_DMA_BUF_ADDR, huge->iova,
				 UVFIO_EDU_DMA_START | UVFIO_EDU_DMA_TO_RAM);
			check(ok && !memcmp(src->vaddr, huge->vaddr, XFER) &&
				      huge->iova + huge->size <= (1u << UVFIO_EDU_DMA_BITS),
			      "DMA into hugetlb memory at IOVA 0x%" PRIx64, huge->iova);
			uvfio_dma_free(c, huge);
		}
	}
out:
	if (src)
		uvfio_dma_free(c, src);
	if (dst)
		uvfio_dma_free(c, dst);
}

/*
 * test_req() - the host takes the device back: unbinding it from vfio-pci
 * makes the kernel signal the REQ interrupt and wait for the device fd to be
 * closed (vfio_pci_core_request(), vfio_unregister_group_dev()).  The bus
 * runs the driver's remove and closes the device; the unbind completes; the
 * device is then given back to vfio-pci for the tests after this one.
 */
struct unbinder {
	char bdf[32];
	int ret;
};

static void *unbind_thread(void *arg)
{
	struct unbinder *u = arg;

	/* Blocks until the device fd is closed. */
	u->ret = sysfs_write("/sys/bus/pci/drivers/vfio-pci/unbind", u->bdf);
	return NULL;
}

static void test_req(struct uvfio_loop *l, struct uvfio_pci_bus *bus)
{
	struct unbinder u = {.ret = -1};
	char drv[64];
	pthread_t th;
	double end;

	copy_str(u.bdf, sizeof(u.bdf), edu->name);
	if (!edu->irq[VFIO_PCI_REQ_IRQ_INDEX].count) {
		skip("REQ: the device has no REQ interrupt");
		return;
	}
	/*
	 * A thread, not a child process: a child would inherit the device fd
	 * and the BAR mapping, and the kernel would wait for it too.
	 */
	if (pthread_create(&th, NULL, unbind_thread, &u)) {
		skip("REQ: no thread");
		return;
	}
	end = now_s() + 20;
	while (uvfio_pci_bus_count(bus) && now_s() < end)
		uvfio_loop_run_once(l, 100);
	check(uvfio_pci_bus_count(bus) == 0 && removed == 1,
	      "REQ: unbinding %s from vfio-pci made the bus run remove and close it", u.bdf);
	pthread_join(th, NULL);
	sysfs_driver(u.bdf, drv, sizeof(drv));
	check(u.ret == 0 && !drv[0], "REQ: the host's unbind completed (driver now \"%s\")", drv);
	/* driver_override still says vfio-pci (the rig set it). */
	sysfs_write("/sys/bus/pci/drivers_probe", u.bdf);
	sysfs_driver(u.bdf, drv, sizeof(drv));
	check(!strcmp(drv, "vfio-pci"), "%s bound to vfio-pci again", u.bdf);
}

int main(void)
{
	struct uvfio_container *c;
	struct uvfio_dma_buf *early = NULL;
	struct uvfio_pci_bus *bus;
	struct uvfio_loop *l;
	struct uvfio_device *d;
	unsigned int i;
	uint32_t v;
	char text[512];
	char nvme[32];
	double t0 = now_s();
	bool ok;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("guest-test-kernel-edu: uvfio on QEMU's edu behind vfio-pci\n");
	uvfio_kernel_features(NULL, text, sizeof(text));
	info("%s", text);
	check(strstr(text, "/dev/vfio/vfio): present") != NULL,
	      "the VFIO container API is present");
	check(strstr(text, "iommufd (/dev/iommu): not supported by this kernel") &&
		      strstr(text, "VFIO cdev (/dev/vfio/devices): not supported by this kernel"),
	      "iommufd and the VFIO cdev are reported as not supported by this kernel");

	if (uvfio_container_create(&c) || uvfio_loop_create(&l)) {
		check(false, "container and loop");
		return finish();
	}
	uvfio_container_set_log(c, log_fn, NULL);
	ret = uvfio_dma_alloc(c, 4096, 0, &early);
	check(ret == 0, "a DMA buffer before any device joined: %s",
	      ret ? uvfio_last_error() : "ok");

	ret = uvfio_pci_bus_create(c, l, NULL, &bus);
	if (!check(ret == 0, "PCI bus from /sys/bus/pci/drivers/vfio-pci: %s",
		   ret ? uvfio_last_error() : "ok"))
		return finish();
	for (i = 0; i < uvfio_pci_bus_candidates(bus); i++)
		info("candidate %s", uvfio_pci_bus_candidate(bus, i));
	ret = uvfio_pci_bus_register(bus, &edu_driver);
	if (!check(ret == 1 && edu, "the edu driver probed %d device(s) by its id table (%s)", ret,
		   ret < 0 ? uvfio_last_error() : "1234:11e8"))
		return finish();
	d = edu->dev;
	info("edu at %s", edu->name);

	/* nvme is bound to vfio-pci too, but no driver wanted it: never opened. */
	if (find_pci(0x1b36, 0x0010, nvme, sizeof(nvme)) == 0) {
		char path[128], link[128], drv[64];
		ssize_t n;
		int fd;

		sysfs_driver(nvme, drv, sizeof(drv));
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", nvme);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		snprintf(path, sizeof(path), "/dev/vfio/%s",
			 strrchr(link, '/') ? strrchr(link, '/') + 1 : "?");
		fd = open(path, O_RDWR | O_CLOEXEC);
		check(!strcmp(drv, "vfio-pci") && fd >= 0,
		      "nvme %s (vfio-pci) was left alone: its group %s is not held", nvme, path);
		if (fd >= 0)
			close(fd);
	} else {
		skip("nvme left alone: no 1b36:0010 in this guest");
	}

	check(edu->vendor == 0x1234 && edu->device == 0x11e8 && edu->class == 0x00ff00 &&
		      edu->revision == 0x10,
	      "probe saw %04x:%04x class %06x rev %02x", edu->vendor, edu->device, edu->class,
	      edu->revision);
	check(edu->bar[0] && edu->bar_size[0] == (1u << 20),
	      "BAR0 mapped before probe, %" PRIu64 " bytes", edu->bar_size[0]);
	check(edu->irq[VFIO_PCI_MSI_IRQ_INDEX].count == 1 &&
		      (edu->irq[VFIO_PCI_INTX_IRQ_INDEX].flags & VFIO_IRQ_INFO_AUTOMASKED),
	      "IRQ info read before probe: MSI x%u, INTx automasked",
	      edu->irq[VFIO_PCI_MSI_IRQ_INDEX].count);

	/* Identification, liveness, factorials (docs/edu.md). */
	v = *(volatile uint32_t *)edu->bar[0];
	check(v == 0x010000ed && uvfio_bar_read32(d, 0, UVFIO_EDU_REG_IDENT) == v,
	      "identification 0x%08x through the mmap and the accessor", v);
	uvfio_bar_write32(d, 0, UVFIO_EDU_REG_LIVENESS, 0x12345678);
	v = uvfio_bar_read32(d, 0, UVFIO_EDU_REG_LIVENESS);
	check(v == ~0x12345678u, "liveness: wrote 0x12345678, read 0x%08x", v);
	{
		static const uint32_t n[] = {5, 10, 12}, f[] = {120, 3628800, 479001600};

		for (i = 0; i < 3; i++) {
			uvfio_bar_write32(d, 0, UVFIO_EDU_REG_FACTORIAL, n[i]);
			ok = wait_clear(d, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_BUSY);
			v = uvfio_bar_read32(d, 0, UVFIO_EDU_REG_FACTORIAL);
			check(ok && v == f[i], "factorial %u! = %u", n[i], v);
		}
	}

	/* MSI through the loop. */
	ret = uvfio_loop_add_irqs(l, d, VFIO_PCI_MSI_IRQ_INDEX, 1, 0, on_irq, NULL);
	check(ret == 0, "MSI vector bound to a loop callback: %s", ret ? uvfio_last_error() : "ok");
	irq_seen = 0;
	uvfio_bar_write32(d, 0, UVFIO_EDU_REG_IRQ_RAISE, 0x00010000);
	ok = wait_irq(l, 0x00010000);
	check(ok, "MSI: raised 0x10000, the callback saw 0x%x", irq_seen);
	irq_seen = 0;
	uvfio_bar_write32(d, 0, UVFIO_EDU_REG_STATUS, UVFIO_EDU_STATUS_FACT_IRQ);
	uvfio_bar_write32(d, 0, UVFIO_EDU_REG_FACTORIAL, 6);
	ok = wait_irq(l, UVFIO_EDU_IRQ_FACTORIAL);
	v = uvfio_bar_read32(d, 0, UVFIO_EDU_REG_FACTORIAL);
	check(ok && v == 720, "MSI: factorial-done interrupt 0x%x, 6! = %u", irq_seen, v);
	uvfio_bar_write32(d, 0, UVFIO_EDU_REG_STATUS, 0);

	test_dma(c, l, d, early);

	/* INTx: level, auto-masked by VFIO, re-armed by the loop's unmask. */
	uvfio_loop_del_irqs(l, d, VFIO_PCI_MSI_IRQ_INDEX);
	ret = uvfio_loop_add_irqs(l, d, VFIO_PCI_INTX_IRQ_INDEX, 1, UVFIO_LOOP_UNMASK, on_irq,
				  NULL);
	check(ret == 0, "INTx bound to a loop callback with unmask: %s",
	      ret ? uvfio_last_error() : "ok");
	irq_calls = 0;
	for (i = 1; i <= 3; i++) {
		irq_seen = 0;
		uvfio_bar_write32(d, 0, UVFIO_EDU_REG_IRQ_RAISE, 0x40 + i);
		ok = wait_irq(l, 0x40 + i);
		check(ok, "INTx round %u: the callback saw 0x%x, acked; unmasked", i, irq_seen);
	}
	check(uvfio_loop_run_once(l, 300) == 0 && irq_calls == 3,
	      "INTx: no interrupt after the acknowledged ones (%d callbacks)", irq_calls);
	uvfio_loop_del_irqs(l, d, VFIO_PCI_INTX_IRQ_INDEX);

	/* edu has no reset method (docs/edu.md, QEMU 7.2). */
	ret = uvfio_device_reset(d);
	check(ret == -ENOTTY && strstr(uvfio_last_error(), "reset"),
	      "reset: -ENOTTY with a reason: %s", uvfio_last_error());

	test_req(l, bus);

	uvfio_pci_bus_destroy(bus);
	check(removed == 1, "remove ran once: on REQ, or at teardown");
	uvfio_dma_free(c, early);
	uvfio_loop_destroy(l);
	uvfio_container_destroy(c);
	info("%.2f s", now_s() - t0);
	return finish();
}
