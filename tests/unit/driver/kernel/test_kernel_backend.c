// SPDX-License-Identifier: MIT
/*
 * test_kernel_backend.c - the kernel VFIO backend against the mock /dev/vfio
 * (mock_vfio.c): parsing, open/close, groups shared in one container, DMA,
 * regions, IRQs, reset, the messages a user meets, and failure injection
 * (every ioctl, then every system call, made to fail in turn) with nothing
 * leaked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <poll.h>

#include "test.h"
#include "uvfio/driver.h"
#include "driver/kernel.h"
#include "mock_vfio.h"

static char logbuf[8192];

static void log_fn(void *opaque, int level, const char *msg)
{
	size_t n = strlen(logbuf);

	(void)opaque;
	(void)level;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static struct uvfio_container *new_container(void)
{
	struct uvfio_container *c;

	assert_int_equal(uvfio_container_create(&c), 0);
	mock_install(c);
	logbuf[0] = '\0';
	uvfio_container_set_log(c, log_fn, NULL);
	return c;
}

static int setup(void **state)
{
	(void)state;
	mock_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mock_uninstall();
	return 0;
}

/* ---- pure parsing ------------------------------------------------------- */

static void test_parse_bdf(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} good[] = {
		{"0000:00:03.0", "0000:00:03.0"}, {"00:03.0", "0000:00:03.0"},
		{"0000:1F:1f.7", "0000:1f:1f.7"}, {"10000:e1:00.1", "10000:e1:00.1"},
		{"3:4.5", "0000:03:04.5"},
	};
	static const char *const bad[] = {
		"",	    "00:03",   "00:03.8",   "00:20.0",		 "0000:000:03.0", "g0:03.0",
		"00:03.0x", "unix:/x", "1:2:3:4.0", "000000000:00:03.0", ":00:03.0",
	};
	char out[UVFIO_KERNEL_BDF_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(uvfio_kernel_parse_bdf(good[i].in, out), 0);
		assert_string_equal(out, good[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(uvfio_kernel_parse_bdf(bad[i], out), -EINVAL);
}

/* Build a GET_INFO reply: head, then caps at @off[i]. */
struct info_buf {
	union {
		struct vfio_iommu_type1_info ii;
		uint8_t b[512];
	};
};

static void put_range_cap(struct info_buf *ib, uint32_t off, uint32_t next, uint32_t nr,
			  const struct vfio_iova_range *r, uint32_t nr_r)
{
	struct vfio_iommu_type1_info_cap_iova_range *c = (void *)(ib->b + off);

	c->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	c->header.version = 1;
	c->header.next = next;
	c->nr_iovas = nr;
	memcpy(c->iova_ranges, r, sizeof(*r) * nr_r);
}

static void test_parse_iommu_info(void **state)
{
	static const struct vfio_iova_range r2[2] = {{0, 0xfedfffff},
						     {0xfef00000, 0x7fffffffffULL}};
	struct uvfio_kernel_iommu_info info;
	struct vfio_iommu_type1_info_dma_avail *a;
	struct info_buf ib;

	(void)state;
	/* A good chain: ranges then DMA_AVAIL. */
	memset(&ib, 0, sizeof(ib));
	ib.ii.argsz = sizeof(ib);
	ib.ii.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	ib.ii.iova_pgsizes = 0x40201000;
	ib.ii.cap_offset = 24;
	put_range_cap(&ib, 24, 80, 2, r2, 2);
	a = (void *)(ib.b + 80);
	a->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	a->avail = 65535;
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), 0);
	assert_true(info.has_ranges);
	assert_int_equal(info.nr_ranges, 2);
	assert_int_equal(info.ranges[1].start, 0xfef00000);
	assert_true(info.has_dma_avail);
	assert_int_equal(info.dma_avail, 65535);
	assert_int_equal(info.pgsizes, 0x40201000);

	/* A loop: DMA_AVAIL points back at the first cap. */
	a->header.next = 24;
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), -EPROTO);
	/* Pointing at itself. */
	a->header.next = 80;
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), -EPROTO);
	a->header.next = 0;
	/* Out of the buffer. */
	ib.ii.cap_offset = 600;
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), -EPROTO);
	/* Inside the fixed part. */
	ib.ii.cap_offset = 8;
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), -EPROTO);
	ib.ii.cap_offset = 24;
	/* nr_iovas larger than the buffer holds. */
	put_range_cap(&ib, 24, 80, 1000000, r2, 2);
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), -EPROTO);
	/* A cap header cut by the end of the buffer (argsz shorter). */
	put_range_cap(&ib, 24, 80, 2, r2, 2);
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, 84, &info), -EPROTO);
	/* start > end. */
	{
		struct vfio_iova_range bad[1] = {{0x2000, 0x1000}};

		put_range_cap(&ib, 24, 0, 1, bad, 1);
		assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib), &info), -EPROTO);
	}
	/* No caps at all (kernels before 5.4): a default without the MSI window. */
	memset(&ib, 0, sizeof(ib));
	ib.ii.argsz = sizeof(ib.ii);
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, sizeof(ib.ii), &info), 0);
	assert_false(info.has_ranges);
	assert_int_equal(info.nr_ranges, 2);
	assert_int_equal(info.ranges[0].end, 0xfedfffff);
	assert_int_equal(info.pgsizes, 4096);
	/* Too short to be a reply. */
	assert_int_equal(uvfio_kernel_parse_iommu_info(&ib, 4, &info), -EPROTO);
}

/* ---- open, regions, DMA, IRQs --------------------------------------------- */

static void test_open_edu(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_region_info ri;
	struct uvfio_device_info di;
	struct uvfio_device *d;
	uint16_t vid = 0;
	void *bar;

	(void)state;
	assert_int_equal(uvfio_device_open(c, "00:03.0", &d), 0);
	assert_string_equal(uvfio_device_backend(d), "kernel");
	assert_int_equal(uvfio_device_get_info(d, &di), 0);
	assert_true(di.flags & VFIO_DEVICE_FLAGS_PCI);
	assert_int_equal(di.num_regions, VFIO_PCI_NUM_REGIONS);
	assert_int_equal(mock.iommu_type, VFIO_TYPE1v2_IOMMU);
	/* The feature line names what this kernel lacks. */
	assert_non_null(strstr(logbuf, "iommufd (/dev/iommu): not supported by this kernel"));
	assert_non_null(strstr(logbuf, "VFIO cdev (/dev/vfio/devices/vfio0): not supported by this "
				       "kernel"));

	/* BAR0 info needs two GET_REGION_INFO calls (the sparse cap). */
	assert_int_equal(uvfio_region_get_info(d, VFIO_PCI_BAR0_REGION_INDEX, &ri), 0);
	assert_int_equal(ri.size, 1 << 20);
	assert_true(ri.has_sparse);
	assert_int_equal(ri.nr_sparse, 2);
	assert_int_equal(ri.sparse[1].offset, 0x2000);

	assert_int_equal(uvfio_config_read16(d, PCI_VENDOR_ID, &vid), 0);
	assert_int_equal(vid, 0x1234);
	assert_int_equal(uvfio_config_find_cap(d, PCI_CAP_ID_MSI), 0x40);

	/* Through region read/write (not mapped yet): ident, liveness, factorial. */
	assert_int_equal(uvfio_bar_read32(d, 0, 0x00), MOCK_EDU_IDENT);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x04, 0x12345678), 0);
	assert_int_equal(uvfio_bar_read32(d, 0, 0x04), ~0x12345678u);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x08, 5), 0);
	assert_int_equal(uvfio_bar_read32(d, 0, 0x08), 120);

	/* mmap: sparse areas mapped, the hole not. */
	assert_int_equal(mock_count_bar_maps(), 0);
	assert_int_equal(uvfio_region_mmap(d, VFIO_PCI_BAR0_REGION_INDEX, &bar), 0);
	assert_int_equal(*(volatile uint32_t *)bar, MOCK_EDU_IDENT);
	assert_int_equal(mock_count_bar_maps(), 2);
	uvfio_region_unmap(d, VFIO_PCI_BAR0_REGION_INDEX);
	assert_int_equal(mock_count_bar_maps(), 0);

	uvfio_device_close(d);
	assert_false(mock_find("0000:00:03.0")->open_count);
	uvfio_container_destroy(c);
}

static void test_dma(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_dma_buf *early, *b1, *b2;
	struct uvfio_device *d;
	uvfio_iova_t iova;

	(void)state;
	/* A buffer allocated before any device: mapped when the device joins. */
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &early), 0);
	assert_int_equal(mock.nmaps, 0);
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(mock.nmaps, 1);
	assert_int_equal(mock.maps[0].iova, early->iova);
	assert_int_equal(mock.maps[0].vaddr, (uintptr_t)early->vaddr);
	assert_int_equal(mock.maps[0].flags, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	uvfio_dma_free(c, early);
	assert_int_equal(mock.nmaps, 0);

	/* edu's 28-bit DMA mask: IOVAs below 256 MiB; freed IOVAs are reused. */
	assert_int_equal(uvfio_device_set_dma_mask(d, 28), 0);
	assert_int_equal(uvfio_dma_alloc(c, 8192, 0, &b1), 0);
	assert_true(b1->iova + b1->size <= (1u << 28));
	assert_int_equal(mock.nmaps, 1);
	iova = b1->iova;
	uvfio_dma_free(c, b1);
	assert_int_equal(mock.nmaps, 0);
	assert_int_equal(uvfio_dma_alloc(c, 8192, UVFIO_DMA_READONLY, &b2), 0);
	assert_int_equal(b2->iova, iova);
	assert_int_equal(mock.maps[0].flags, VFIO_DMA_MAP_FLAG_READ);

	/* The device leaves and comes back: the buffer is mapped again. */
	uvfio_device_close(d);
	assert_int_equal(mock.nmaps, 0);
	assert_int_equal(mock.container_groups, 0);
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(mock.nmaps, 1);
	assert_int_equal(mock.maps[0].iova, b2->iova);
	uvfio_device_close(d);
	uvfio_dma_free(c, b2);
	uvfio_container_destroy(c);
}

static void test_groups_shared(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_device *a, *b, *n;
	struct uvfio_dma_buf *buf;

	(void)state;
	/* Two functions of group 1 and nvme in group 2: one container. */
	mock_add("0000:00:03.1", 1, "vfio-pci", 0x1234, 0x11e8, 0x00ff00);
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &a), 0);
	assert_int_equal(uvfio_device_open(c, "0000:00:03.1", &b), 0);
	assert_int_equal(mock.group_opens, 1);
	assert_int_equal(uvfio_device_open(c, "0000:00:04.0", &n), 0);
	assert_int_equal(mock.group_opens, 2);
	assert_int_equal(mock.container_groups, 2);
	assert_int_equal(mock.set_iommu_calls, 1);
	/* One map for the whole container, not one per device or group. */
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &buf), 0);
	assert_int_equal(mock.nmaps, 1);
	/* The same device twice: the kernel says busy, the message says so. */
	{
		struct uvfio_device *again;

		assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &again), -EBUSY);
		assert_non_null(strstr(uvfio_last_error(), "already open"));
	}
	uvfio_device_close(a);
	assert_int_equal(mock.container_groups, 2);
	uvfio_device_close(b);
	assert_int_equal(mock.container_groups, 1);
	assert_int_equal(mock.nmaps, 1);
	uvfio_device_close(n);
	assert_int_equal(mock.container_groups, 0);
	uvfio_dma_free(c, buf);
	uvfio_container_destroy(c);
}

/* A second group narrows the IOVA ranges: buffers are re-checked and re-mapped. */
static void test_group_narrows_ranges(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_dma_buf *low, *b;
	struct uvfio_device *e, *n;

	(void)state;
	mock.narrow_with_two = true;
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &e), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &low), 0);
	assert_true(low->iova < 0x100000);
	/* nvme's group would put the buffer outside the ranges: refused, edu unharmed. */
	assert_int_equal(uvfio_device_open(c, "0000:00:04.0", &n), -ERANGE);
	assert_true(uvfio_last_error()[0] != '\0');
	assert_int_equal(mock.container_groups, 1);
	assert_int_equal(mock.nmaps, 1);
	assert_int_equal(mock.maps[0].iova, low->iova);
	uvfio_dma_free(c, low);
	/* With no buffer in the way it joins, and new IOVAs honour the new ranges. */
	assert_int_equal(uvfio_device_open(c, "0000:00:04.0", &n), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, 0, &b), 0);
	assert_true(b->iova >= 0x100000);
	assert_int_equal(mock.nmaps, 1);
	uvfio_dma_free(c, b);
	uvfio_device_close(n);
	uvfio_device_close(e);
	uvfio_container_destroy(c);
}

static void test_type1_fallback(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_device *d;

	(void)state;
	mock.no_type1v2 = true;
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(mock.iommu_type, VFIO_TYPE1_IOMMU);
	uvfio_device_close(d);
	uvfio_container_destroy(c);
}

static void test_irqs(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_irq_info ii;
	struct uvfio_device *d;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ifd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int64_t n;

	(void)state;
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(uvfio_irq_get_info(d, VFIO_PCI_INTX_IRQ_INDEX, &ii), 0);
	assert_true(ii.flags & VFIO_IRQ_INFO_AUTOMASKED);
	/* MSI: a raise at 0x60 signals the eventfd. */
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd), 0);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x60, 0x1), 0);
	n = uvfio_irq_wait(d, efd, 1000);
	assert_int_equal(n, 1);
	/* Loopback trigger. */
	assert_int_equal(uvfio_irq_trigger(d, VFIO_PCI_MSI_IRQ_INDEX, 0), 0);
	assert_int_equal(uvfio_irq_wait(d, efd, 1000), 1);
	/* INTx while MSI is on: vfio-pci refuses, the error says what was asked. */
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &ifd), -EINVAL);
	assert_non_null(strstr(uvfio_last_error(), "SET_IRQS"));
	assert_int_equal(uvfio_irq_disable(d, VFIO_PCI_MSI_IRQ_INDEX), 0);
	assert_int_equal(uvfio_irq_enable(d, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &ifd), 0);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x60, 0x2), 0);
	assert_int_equal(uvfio_irq_wait(d, ifd, 1000), 1);
	assert_int_equal(uvfio_irq_unmask(d, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(mock_find("0000:00:03.0")->unmasks[0], 1);
	/* Closing the device releases the kernel's eventfd references. */
	uvfio_device_close(d);
	assert_int_equal(mock_find("0000:00:03.0")->irq_efd[0], -1);
	close(efd);
	close(ifd);
	uvfio_container_destroy(c);
}

static void test_reset(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_device *d;

	(void)state;
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(uvfio_device_reset(d), -ENOTTY);
	assert_non_null(strstr(uvfio_last_error(), "no reset"));
	uvfio_device_close(d);
	mock_find("0000:00:03.0")->has_reset = true;
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x04, 7), 0);
	assert_int_equal(uvfio_device_reset(d), 0);
	assert_int_equal(uvfio_bar_read32(d, 0, 0x04), ~0u);
	uvfio_device_close(d);
	uvfio_container_destroy(c);
}

/* ---- what a user is told -------------------------------------------------- */

/* open @bdf and expect failure @err with every string of @words in the message */
static void expect_open_error(struct uvfio_container *c, const char *bdf, int err,
			      const char *const *words)
{
	struct uvfio_device *d = NULL;
	int ret = uvfio_device_open(c, bdf, &d);
	const char *msg = uvfio_last_error();

	if (ret != err)
		fail_msg("open %s: %d, expected %d (%s)", bdf, ret, err, msg);
	for (; *words; words++)
		if (!strstr(msg, *words))
			fail_msg("open %s: message lacks \"%s\": %s", bdf, *words, msg);
}

static void test_messages(void **state)
{
	struct uvfio_container *c = new_container();
	int fds = mock_count_fds();

	(void)state;
	mock_add("0000:00:05.0", 5, "nvme", 0x1b36, 0x0010, 0x010802);
	mock_add("0000:00:06.0", 6, "", 0x1234, 0x11e8, 0x00ff00);
	mock_add("0000:00:07.0", -1, "vfio-pci", 0x1234, 0x11e8, 0x00ff00);
	mock_add("0000:00:1f.0", 7, "lpc_ich", 0x8086, 0x2918, 0x060100);
	mock_add("0000:00:1f.3", 7, "vfio-pci", 0x8086, 0x2930, 0x0c0500);

	expect_open_error(
		c, "0000:00:05.0", -ENODEV,
		(const char *const[]){
			"not bound to vfio-pci", "bound to nvme",
			"echo vfio-pci > /sys/bus/pci/devices/0000:00:05.0/driver_override",
			"echo 0000:00:05.0 > /sys/bus/pci/devices/0000:00:05.0/driver/unbind",
			"echo 0000:00:05.0 > /sys/bus/pci/drivers_probe", NULL});
	expect_open_error(c, "00:06.0", -ENODEV,
			  (const char *const[]){"not bound to vfio-pci", "has no driver",
						"driver_override", "drivers_probe", NULL});
	assert_null(strstr(uvfio_last_error(), "modprobe"));
	/* No vfio-pci driver at all: load it first. */
	mock.no_vfio_pci = true;
	expect_open_error(
		c, "00:06.0", -ENODEV,
		(const char *const[]){"has no driver",
				      "the vfio-pci module is not loaded: modprobe vfio-pci",
				      "driver_override", NULL});
	mock.no_vfio_pci = false;
	expect_open_error(
		c, "0000:00:07.0", -ENODEV,
		(const char *const[]){"no IOMMU group", "iommu_group", "intel_iommu=on", NULL});
	expect_open_error(c, "0000:00:1f.3", -EBUSY,
			  (const char *const[]){"IOMMU group 7 is not viable", "0000:00:1f.0",
						"lpc_ich", "/sys/kernel/iommu_groups/7/devices",
						NULL});
	expect_open_error(c, "0000:00:09.0", -ENODEV,
			  (const char *const[]){"no PCI device 0000:00:09.0", NULL});

	mock.no_container_node = true;
	expect_open_error(
		c, "0000:00:03.0", -ENOENT,
		(const char *const[]){"/dev/vfio/vfio does not exist", "modprobe vfio-pci", NULL});
	mock.no_container_node = false;

	mock.eacces_group = true;
	expect_open_error(c, "0000:00:03.0", -EACCES,
			  (const char *const[]){"/dev/vfio/1 is not accessible", "chown", "chmod",
						"root", NULL});
	mock.eacces_group = false;

	mock.eperm_set_iommu = true;
	expect_open_error(c, "0000:00:03.0", -EPERM,
			  (const char *const[]){"interrupt remapping", "vfio_iommu_type1",
						"allow_unsafe_interrupts", NULL});
	mock.eperm_set_iommu = false;

	/* Nothing left open by any of them. */
	assert_int_equal(mock_count_fds(), fds);
	assert_int_equal(mock.container_groups, 0);
	uvfio_container_destroy(c);
}

static void test_features(void **state)
{
	char text[512];
	unsigned int f;

	(void)state;
	/* The real machine: whatever it has, the text says it. */
	f = uvfio_kernel_features(NULL, text, sizeof(text));
	assert_non_null(strstr(text, "iommufd (/dev/iommu): "));
	if (!(f & UVFIO_KERNEL_IOMMUFD))
		assert_non_null(strstr(text, "iommufd (/dev/iommu): not supported by this kernel"));
	if (!(f & UVFIO_KERNEL_VFIO_CONTAINER))
		assert_non_null(strstr(text, "modprobe vfio-pci"));
}

/* ---- failure injection ------------------------------------------------- */

/*
 * scenario() - everything a driver does, stopping at the first error.
 * Return: 0 or the error.
 */
static int scenario(struct uvfio_container *c, struct uvfio_device **dp, struct uvfio_dma_buf **b1,
		    struct uvfio_dma_buf **b2, int efd)
{
	struct uvfio_region_info ri;
	uint16_t vid;
	void *bar;
	int ret;

	ret = uvfio_dma_alloc(c, 4096, 0, b1);
	if (ret)
		return ret;
	ret = uvfio_device_open(c, "0000:00:03.0", dp);
	if (ret)
		return ret;
	ret = uvfio_device_set_dma_mask(*dp, 28);
	if (ret)
		return ret;
	ret = uvfio_region_get_info(*dp, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (ret)
		return ret;
	ret = uvfio_config_read16(*dp, PCI_VENDOR_ID, &vid);
	if (ret)
		return ret;
	ret = uvfio_region_mmap(*dp, VFIO_PCI_BAR0_REGION_INDEX, &bar);
	if (ret)
		return ret;
	ret = uvfio_irq_enable(*dp, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd);
	if (ret)
		return ret;
	ret = uvfio_dma_alloc(c, 8192, 0, b2);
	if (ret)
		return ret;
	ret = uvfio_region_write(*dp, VFIO_PCI_BAR0_REGION_INDEX, 0x60, &(uint32_t){1}, 4);
	if (ret)
		return ret;
	return uvfio_irq_disable(*dp, VFIO_PCI_MSI_IRQ_INDEX);
}

static void run_injection(unsigned int kinds, const char *what)
{
	unsigned int total;
	unsigned int n;
	unsigned int errors = 0;

	/*
	 * Call n fails, for n = 1, 2, ... until a run reaches its end with no
	 * call failed.  The failure stays armed through the teardown, so the
	 * teardown's own calls (unmap, UNSET_CONTAINER, close) are failed too.
	 */
	for (n = 1;; n++) {
		struct uvfio_container *c;
		struct uvfio_device *d = NULL;
		struct uvfio_dma_buf *b1 = NULL, *b2 = NULL;
		int fds, maps, efd, ret;
		int g;

		mock_reset();
		fds = mock_count_fds();
		maps = mock_count_bar_maps();
		c = new_container();
		efd = eventfd(0, EFD_CLOEXEC);
		mock_fail_at(n, kinds);
		uvfio_clear_error();
		ret = scenario(c, &d, &b1, &b2, efd);
		/* A clean error: an explanation, not a bare errno. */
		if (ret) {
			errors++;
			if (!uvfio_last_error()[0])
				fail_msg("%s call %u failed with %d but no message", what, n, ret);
		}
		/* b2 unmapped from a live container, b1 after the device left. */
		if (b2)
			uvfio_dma_free(c, b2);
		if (d)
			uvfio_device_close(d);
		if (b1)
			uvfio_dma_free(c, b1);
		uvfio_container_destroy(c);
		close(efd);
		if (mock_count_fds() != fds || mock_count_bar_maps() != maps)
			fail_msg("%s call %u failing leaked: fds %d -> %d, BAR maps %d -> %d", what,
				 n, fds, mock_count_fds(), maps, mock_count_bar_maps());
		for (g = 0; g < (int)mock.ndev; g++)
			if (mock.dev[g].open_count)
				fail_msg("%s call %u failing left %s open", what, n,
					 mock.dev[g].bdf);
		assert_int_equal(mock.container_groups, 0);
		if (!mock.injected) {
			/* Past the last call: the sweep is complete. */
			assert_int_equal(ret, 0);
			total = n - 1;
			break;
		}
		if (n > 500)
			fail_msg("%s: no end to the calls", what);
	}
	printf("%s: %u calls (teardown included), each failed in turn: %u made the driver's "
	       "steps fail, all with a message, nothing leaked\n",
	       what, total, errors);
	assert_true(total > 10);
	assert_true(errors > 0);
}

static void test_fail_each_ioctl(void **state)
{
	(void)state;
	run_injection(MOCK_IOCTL, "ioctl");
}

static void test_fail_each_call(void **state)
{
	(void)state;
	run_injection(MOCK_ALL, "system call");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse_bdf),
	cmocka_unit_test(test_parse_iommu_info),
	cmocka_unit_test_setup_teardown(test_open_edu, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dma, setup, teardown),
	cmocka_unit_test_setup_teardown(test_groups_shared, setup, teardown),
	cmocka_unit_test_setup_teardown(test_group_narrows_ranges, setup, teardown),
	cmocka_unit_test_setup_teardown(test_type1_fallback, setup, teardown),
	cmocka_unit_test_setup_teardown(test_irqs, setup, teardown),
	cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
	cmocka_unit_test(test_features),
	cmocka_unit_test_setup_teardown(test_fail_each_ioctl, setup, teardown),
	cmocka_unit_test_setup_teardown(test_fail_each_call, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
