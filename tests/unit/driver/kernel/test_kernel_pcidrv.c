// SPDX-License-Identifier: MIT
/*
 * test_kernel_pcidrv.c - the PCI driver model (id matching, candidates from
 * sysfs and UVFIO_DEVICES, probe with BARs mapped and IRQ info read, probe
 * rollback, REQ-driven remove) and the event loop (a callback per vector,
 * INTx re-armed by unmask, fds, stop), on the mock /dev/vfio.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "test.h"
#include "uvfio/driver.h"
#include "driver/kernel.h"
#include "mock_vfio.h"

static int setup(void **state)
{
	(void)state;
	mock_reset();
	unsetenv(UVFIO_DEVICES_ENV);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mock_uninstall();
	unsetenv(UVFIO_DEVICES_ENV);
	return 0;
}

/* ---- id matching --------------------------------------------------------- */

static void test_match_id(void **state)
{
	static const struct uvfio_pci_device_id table[] = {
		{UVFIO_PCI_DEVICE(0x1234, 0x11e8), .driver_data = 1},
		{.vendor = 0x1b36,
		 .device = 0x0010,
		 .subvendor = 0x1af4,
		 .subdevice = UVFIO_PCI_ANY_ID,
		 .driver_data = 2},
		/* NVMe by class: 01:08:02 (PCI Code and ID Assignment r1.11 §1.2). */
		{UVFIO_PCI_DEVICE_CLASS(0x010802, 0xffffff), .driver_data = 3},
		{UVFIO_PCI_DEVICE_CLASS(0x0c0000, 0xff0000), .driver_data = 4},
		{UVFIO_PCI_DEVICE(0x1234, UVFIO_PCI_ANY_ID), .driver_data = 5},
		{0},
	};
	const struct uvfio_pci_device_id *id;

	(void)state;
	id = uvfio_pci_match_id(table, 0x1234, 0x11e8, 0, 0, 0x00ff00);
	assert_non_null(id);
	assert_int_equal(id->driver_data, 1); /* first match wins over entry 5 */
	id = uvfio_pci_match_id(table, 0x1234, 0x1111, 0, 0, 0);
	assert_int_equal(id->driver_data, 5);
	id = uvfio_pci_match_id(table, 0x1b36, 0x0010, 0x1af4, 0x1100, 0x010802);
	assert_int_equal(id->driver_data, 2);
	/* Other subvendor: falls to the class entry. */
	id = uvfio_pci_match_id(table, 0x1b36, 0x0010, 0x8086, 0x1100, 0x010802);
	assert_int_equal(id->driver_data, 3);
	id = uvfio_pci_match_id(table, 0x8086, 0x2930, 0, 0, 0x0c0500);
	assert_int_equal(id->driver_data, 4);
	assert_null(uvfio_pci_match_id(table, 0x8086, 0x2918, 0, 0, 0x060100));
	assert_null(uvfio_pci_match_id(NULL, 1, 2, 3, 4, 5));
	/* An empty table matches nothing (the terminator is not a wildcard). */
	assert_null(uvfio_pci_match_id(&table[5], 0x1234, 0x11e8, 0, 0, 0));
}

/* ---- a test driver -------------------------------------------------------- */

struct probe_log {
	int probes;
	int removes;
	int fail_with;
	uintptr_t data;
	char name[32];
	uint16_t vendor;
	uint32_t class;
	void *bar0;
	uint64_t bar0_size;
	uint32_t msi_count;
	bool loop_ready;
};

static struct probe_log plog;

static int t_probe(struct uvfio_pci_dev *p, const struct uvfio_pci_device_id *id)
{
	plog.probes++;
	plog.data = id->driver_data;
	snprintf(plog.name, sizeof(plog.name), "%s", p->name);
	plog.vendor = p->vendor;
	plog.class = p->class;
	plog.bar0 = p->bar[0];
	plog.bar0_size = p->bar_size[0];
	plog.msi_count = p->irq[VFIO_PCI_MSI_IRQ_INDEX].count;
	plog.loop_ready = p->loop != NULL;
	if (plog.fail_with) {
		/* Leave things behind for the rollback to clean. */
		if (p->loop)
			assert_int_equal(uvfio_loop_add_irqs(p->loop, p->dev,
							     VFIO_PCI_MSI_IRQ_INDEX, 1, 0,
							     (uvfio_loop_irq_fn)abort, NULL),
					 0);
		uvfio_set_error("edu-test: refusing the device");
		return plog.fail_with;
	}
	p->drvdata = &plog;
	return 0;
}

static void t_remove(struct uvfio_pci_dev *p)
{
	assert_ptr_equal(p->drvdata, &plog);
	plog.removes++;
}

static const struct uvfio_pci_device_id edu_ids[] = {
	{UVFIO_PCI_DEVICE(0x1234, 0x11e8), .driver_data = 42},
	{0},
};

static const struct uvfio_pci_driver edu_drv = {
	.name = "edu-test",
	.id_table = edu_ids,
	.probe = t_probe,
	.remove = t_remove,
};

static struct uvfio_container *new_container(void)
{
	struct uvfio_container *c;

	assert_int_equal(uvfio_container_create(&c), 0);
	mock_install(c);
	return c;
}

static void test_probe_by_id_table(void **state)
{
	struct uvfio_container *c;
	struct uvfio_pci_bus *bus;
	struct uvfio_loop *l;
	struct uvfio_pci_dev *p;
	int fds;

	(void)state;
	memset(&plog, 0, sizeof(plog));
	fds = mock_count_fds();
	c = new_container();
	assert_int_equal(uvfio_loop_create(&l), 0);
	assert_int_equal(uvfio_pci_bus_create(c, l, NULL, &bus), 0);
	/* Candidates: the two vfio-pci devices, in address order, not "bind"/"new_id". */
	assert_int_equal(uvfio_pci_bus_candidates(bus), 2);
	assert_string_equal(uvfio_pci_bus_candidate(bus, 0), "0000:00:03.0");
	assert_string_equal(uvfio_pci_bus_candidate(bus, 1), "0000:00:04.0");

	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 1);
	assert_int_equal(plog.probes, 1);
	assert_int_equal(plog.data, 42);
	assert_string_equal(plog.name, "0000:00:03.0");
	assert_int_equal(plog.vendor, 0x1234);
	assert_int_equal(plog.class, 0x00ff00);
	assert_non_null(plog.bar0);
	assert_int_equal(plog.bar0_size, 1 << 20);
	assert_int_equal(*(volatile uint32_t *)plog.bar0, MOCK_EDU_IDENT);
	assert_int_equal(plog.msi_count, 1);
	assert_true(plog.loop_ready);
	/* nvme was matched by its sysfs IDs only: never opened, group 2 untouched. */
	assert_int_equal(mock_find("0000:00:04.0")->open_count, 0);
	assert_int_equal(mock.group_opens, 1);
	/* REQ is watched. */
	assert_true(mock_find("0000:00:03.0")->irq_efd[VFIO_PCI_REQ_IRQ_INDEX] >= 0);

	assert_int_equal(uvfio_pci_bus_count(bus), 1);
	p = uvfio_pci_bus_dev(bus, 0);
	assert_non_null(p);
	assert_ptr_equal(p->driver, &edu_drv);
	/* Registering again takes nothing: the device is bound. */
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 0);

	uvfio_pci_bus_unregister(bus, &edu_drv);
	assert_int_equal(plog.removes, 1);
	assert_int_equal(uvfio_pci_bus_count(bus), 0);
	assert_int_equal(mock_find("0000:00:03.0")->open_count, 0);
	/* And again, then the bus goes with the device bound. */
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 1);
	uvfio_pci_bus_destroy(bus);
	assert_int_equal(plog.removes, 2);
	uvfio_loop_destroy(l);
	uvfio_container_destroy(c);
	assert_int_equal(mock_count_fds(), fds);
	assert_int_equal(mock_count_bar_maps(), 0);
}

static void test_probe_failure_rolled_back(void **state)
{
	struct uvfio_container *c;
	struct uvfio_pci_bus *bus;
	struct uvfio_loop *l;
	int fds;

	(void)state;
	memset(&plog, 0, sizeof(plog));
	plog.fail_with = -EIO;
	fds = mock_count_fds();
	c = new_container();
	assert_int_equal(uvfio_loop_create(&l), 0);
	assert_int_equal(uvfio_pci_bus_create(c, l, NULL, &bus), 0);
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), -EIO);
	assert_non_null(strstr(uvfio_last_error(), "refusing"));
	assert_int_equal(plog.probes, 1);
	assert_int_equal(plog.removes, 0);
	assert_int_equal(uvfio_pci_bus_count(bus), 0);
	/* Device closed, its group and the container released, IRQs disabled. */
	assert_int_equal(mock_find("0000:00:03.0")->open_count, 0);
	assert_int_equal(mock_find("0000:00:03.0")->irq_efd[VFIO_PCI_MSI_IRQ_INDEX], -1);
	assert_int_equal(mock.container_groups, 0);
	assert_int_equal(mock_count_bar_maps(), 0);
	/* The loop holds nothing of it either: it is idle. */
	assert_int_equal(uvfio_loop_run_once(l, 0), 0);
	uvfio_pci_bus_destroy(bus);
	uvfio_loop_destroy(l);
	uvfio_container_destroy(c);
	assert_int_equal(mock_count_fds(), fds);
}

static void test_req_removes(void **state)
{
	struct uvfio_container *c;
	struct uvfio_pci_bus *bus;
	struct uvfio_loop *l;
	uint64_t one = 1;
	int efd;

	(void)state;
	memset(&plog, 0, sizeof(plog));
	c = new_container();
	assert_int_equal(uvfio_loop_create(&l), 0);
	assert_int_equal(uvfio_pci_bus_create(c, l, NULL, &bus), 0);
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 1);
	/* The host asks for the device back (vfio_pci_core_request()). */
	efd = mock_find("0000:00:03.0")->irq_efd[VFIO_PCI_REQ_IRQ_INDEX];
	assert_true(efd >= 0);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(uvfio_loop_run_once(l, 1000), 1);
	assert_int_equal(plog.removes, 1);
	assert_int_equal(uvfio_pci_bus_count(bus), 0);
	assert_int_equal(mock_find("0000:00:03.0")->open_count, 0);
	uvfio_pci_bus_destroy(bus);
	assert_int_equal(plog.removes, 1);
	uvfio_loop_destroy(l);
	uvfio_container_destroy(c);
}

static void test_candidate_lists(void **state)
{
	struct uvfio_container *c = new_container();
	struct uvfio_pci_bus *bus;

	(void)state;
	memset(&plog, 0, sizeof(plog));
	/* UVFIO_DEVICES adds to sysfs; duplicates collapse; white space separates. */
	setenv(UVFIO_DEVICES_ENV, " unix:/nonexistent/uvfio.sock\t00:03.0 ", 1);
	assert_int_equal(uvfio_pci_bus_create(c, NULL, NULL, &bus), 0);
	assert_int_equal(uvfio_pci_bus_candidates(bus), 3);
	assert_string_equal(uvfio_pci_bus_candidate(bus, 2), "unix:/nonexistent/uvfio.sock");
	/* The socket fails to open, edu binds: success. */
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 1);
	uvfio_pci_bus_destroy(bus);

	/* An explicit list replaces sysfs and the environment. */
	assert_int_equal(uvfio_pci_bus_create(c, NULL, "0000:00:04.0", &bus), 0);
	assert_int_equal(uvfio_pci_bus_candidates(bus), 1);
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 0);
	assert_int_equal(mock_find("0000:00:04.0")->open_count, 0);
	uvfio_pci_bus_destroy(bus);

	/* An explicit device that cannot be opened: its explanation comes back. */
	mock_add("0000:00:05.0", 5, "", 0x1234, 0x11e8, 0x00ff00);
	assert_int_equal(uvfio_pci_bus_create(c, NULL, "00:05.0", &bus), 0);
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), -ENODEV);
	assert_non_null(strstr(uvfio_last_error(), "not bound to vfio-pci"));
	uvfio_pci_bus_destroy(bus);
	assert_int_equal(uvfio_pci_bus_create(c, NULL, "0000:00:09.0", &bus), 0);
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), -ENODEV);
	assert_non_null(strstr(uvfio_last_error(), "no PCI device"));
	uvfio_pci_bus_destroy(bus);

	/* Not an address nor a socket. */
	assert_int_equal(uvfio_pci_bus_create(c, NULL, "00:03.0 eth0", &bus), -EINVAL);
	assert_non_null(strstr(uvfio_last_error(), "\"eth0\""));
	uvfio_container_destroy(c);
}

/* ---- the loop ------------------------------------------------------------ */

struct irq_log {
	int calls;
	uint64_t count;
	uint32_t index;
	struct uvfio_loop *l;
	bool del_self;
	bool stop;
};

static void on_irq(void *opaque, struct uvfio_device *d, uint32_t index, uint32_t vector,
		   uint64_t count)
{
	struct irq_log *lg = opaque;

	assert_int_equal(vector, 0);
	lg->calls++;
	lg->count += count;
	lg->index = index;
	/* Acknowledge at the device, as a driver does. */
	uvfio_bar_write32(d, 0, 0x64, uvfio_bar_read32(d, 0, 0x24));
	if (lg->del_self)
		assert_int_equal(uvfio_loop_del_irqs(lg->l, d, index), 0);
	if (lg->stop)
		uvfio_loop_stop(lg->l);
}

static void on_fd(void *opaque, int fd, uint32_t events)
{
	char ch;

	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	(*(int *)opaque)++;
}

static void test_loop(void **state)
{
	struct uvfio_container *c = new_container();
	struct irq_log lg = {0};
	struct uvfio_device *d;
	struct uvfio_loop *l;
	int fds = mock_count_fds();
	int pfd[2];
	int fdcalls = 0;

	(void)state;
	assert_int_equal(uvfio_device_open(c, "0000:00:03.0", &d), 0);
	assert_int_equal(uvfio_loop_create(&l), 0);
	lg.l = l;
	assert_true(uvfio_loop_fd(l) >= 0);

	/* INTx, re-armed by the loop after each callback. */
	assert_int_equal(uvfio_loop_add_irqs(l, d, VFIO_PCI_INTX_IRQ_INDEX, 1, UVFIO_LOOP_UNMASK,
					     on_irq, &lg),
			 0);
	assert_int_equal(uvfio_loop_add_irqs(l, d, VFIO_PCI_INTX_IRQ_INDEX, 1, 0, on_irq, &lg),
			 -EEXIST);
	assert_int_equal(uvfio_loop_add_irqs(l, d, VFIO_PCI_ERR_IRQ_INDEX, 2, 0, on_irq, &lg),
			 -EINVAL);
	assert_true(uvfio_loop_irq_fd(l, d, VFIO_PCI_INTX_IRQ_INDEX, 0) >= 0);
	assert_int_equal(uvfio_loop_irq_fd(l, d, VFIO_PCI_INTX_IRQ_INDEX, 1), -ENOENT);
	assert_int_equal(uvfio_loop_run_once(l, 0), 0);
	assert_int_equal(uvfio_bar_write32(d, 0, 0x60, 0x4), 0);
	assert_int_equal(uvfio_loop_run_once(l, 1000), 1);
	assert_int_equal(lg.calls, 1);
	assert_int_equal(lg.count, 1);
	assert_int_equal(mock_find("0000:00:03.0")->unmasks[0], 1);
	assert_int_equal(mock_find("0000:00:03.0")->irq_status, 0);

	/* INTx and MSI are exclusive: switch by deleting and adding. */
	assert_int_equal(uvfio_loop_del_irqs(l, d, VFIO_PCI_INTX_IRQ_INDEX), 0);
	assert_int_equal(mock_find("0000:00:03.0")->irq_efd[0], -1);
	assert_int_equal(uvfio_loop_del_irqs(l, d, VFIO_PCI_INTX_IRQ_INDEX), -ENOENT);
	assert_int_equal(uvfio_loop_add_irqs(l, d, VFIO_PCI_MSI_IRQ_INDEX, 1, 0, on_irq, &lg), 0);

	/* A callback may remove its own vector; a caller fd; stop from a callback. */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(uvfio_loop_add_fd(l, pfd[0], EPOLLIN, on_fd, &fdcalls), 0);
	assert_int_equal(write(pfd[1], "x", 1), 1);
	lg.del_self = true;
	lg.stop = true;
	assert_int_equal(uvfio_bar_write32(d, 0, 0x60, 0x1), 0);
	assert_int_equal(uvfio_loop_run(l), 0);
	assert_int_equal(lg.calls, 2);
	assert_int_equal(lg.index, VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(mock_find("0000:00:03.0")->irq_efd[1], -1);
	/* The fd event may have come in the same batch or may still wait. */
	if (!fdcalls)
		assert_int_equal(uvfio_loop_run_once(l, 1000), 1);
	assert_int_equal(fdcalls, 1);
	assert_int_equal(uvfio_loop_del_fd(l, pfd[0]), 0);
	assert_int_equal(uvfio_loop_del_fd(l, pfd[0]), -ENOENT);

	/* Destroying the loop disables what is still registered. */
	assert_int_equal(uvfio_loop_add_irqs(l, d, VFIO_PCI_MSI_IRQ_INDEX, 1, 0, on_irq, &lg), 0);
	uvfio_loop_destroy(l);
	assert_int_equal(mock_find("0000:00:03.0")->irq_efd[1], -1);
	close(pfd[0]);
	close(pfd[1]);
	uvfio_device_close(d);
	uvfio_container_destroy(c);
	assert_int_equal(mock_count_fds(), fds);
}

/* ---- the same over vfio-user: uvfio-serve's edu ------------------------------ */

#define SERVE_PATH UVFIO_BUILD_ROOT "/devices/uvfio-serve"

static uint32_t vu_seen;

static void vu_irq(void *opaque, struct uvfio_device *d, uint32_t index, uint32_t vector,
		   uint64_t count)
{
	uint32_t st = uvfio_bar_read32(d, 0, 0x24);

	(void)opaque;
	(void)index;
	(void)vector;
	(void)count;
	vu_seen |= st;
	uvfio_bar_write32(d, 0, 0x64, st);
}

static bool vu_wait(struct uvfio_loop *l, uint32_t bits)
{
	int i;

	for (i = 0; i < 500 && !(vu_seen & bits); i++)
		uvfio_loop_run_once(l, 10);
	return (vu_seen & bits) != 0;
}

/*
 * The driver model and the loop on a vfio-user device: the candidate is
 * matched by its config space; MSI arrives through the loop; DMA buffers
 * without an fd are reached by the server's DMA_READ/DMA_WRITE requests,
 * which the loop serves from the device's poll fd while the driver waits.
 */
static void test_vfio_user_loop(void **state)
{
	char dir[] = "/tmp/uvfio-kt-XXXXXX";
	char sock[64], where[80];
	struct uvfio_dma_buf *src = NULL, *dst = NULL;
	struct uvfio_container *c;
	struct uvfio_pci_bus *bus;
	struct uvfio_pci_dev *p;
	struct uvfio_loop *l;
	struct stat st;
	pid_t pid;
	int i;

	(void)state;
	if (access(SERVE_PATH, X_OK))
		UVFIO_SKIP("no %s in this build", SERVE_PATH);
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/edu.sock", dir);
	snprintf(where, sizeof(where), "unix:%s", sock);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(SERVE_PATH, "uvfio-serve", "edu", "--socket-path", sock, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && stat(sock, &st); i++)
		usleep(10000);
	assert_int_equal(stat(sock, &st), 0);

	memset(&plog, 0, sizeof(plog));
	assert_int_equal(uvfio_container_create(&c), 0);
	assert_int_equal(uvfio_loop_create(&l), 0);
	assert_int_equal(uvfio_pci_bus_create(c, l, where, &bus), 0);
	assert_int_equal(uvfio_pci_bus_register(bus, &edu_drv), 1);
	assert_int_equal(plog.vendor, 0x1234);
	assert_int_equal(plog.class, 0x00ff00);
	p = uvfio_pci_bus_dev(bus, 0);
	assert_string_equal(p->name, where);
	assert_string_equal(uvfio_device_backend(p->dev), "vfio-user");
	assert_int_equal(uvfio_device_enable(p->dev), 0);
	assert_int_equal(uvfio_device_set_dma_mask(p->dev, 28), 0);

	assert_int_equal(uvfio_loop_add_irqs(l, p->dev, VFIO_PCI_MSI_IRQ_INDEX, 1, 0, vu_irq, NULL),
			 0);
	vu_seen = 0;
	assert_int_equal(uvfio_bar_write32(p->dev, 0, 0x60, 0x10000), 0);
	assert_true(vu_wait(l, 0x10000));

	assert_int_equal(uvfio_dma_alloc(c, 4096, UVFIO_DMA_NO_FD, &src), 0);
	assert_int_equal(uvfio_dma_alloc(c, 4096, UVFIO_DMA_NO_FD, &dst), 0);
	for (i = 0; i < 2048; i++)
		((uint8_t *)src->vaddr)[i] = (uint8_t)(i * 5 + 1);
	/* RAM -> edu, then edu -> RAM, each with its completion interrupt. */
	vu_seen = 0;
	uvfio_bar_write64(p->dev, 0, 0x80, src->iova);
	uvfio_bar_write64(p->dev, 0, 0x88, 0x40000);
	uvfio_bar_write64(p->dev, 0, 0x90, 2048);
	uvfio_bar_write64(p->dev, 0, 0x98, 0x1 | 0x4);
	assert_true(vu_wait(l, 0x100));
	vu_seen = 0;
	uvfio_bar_write64(p->dev, 0, 0x80, 0x40000);
	uvfio_bar_write64(p->dev, 0, 0x88, dst->iova);
	uvfio_bar_write64(p->dev, 0, 0x90, 2048);
	uvfio_bar_write64(p->dev, 0, 0x98, 0x1 | 0x2 | 0x4);
	assert_true(vu_wait(l, 0x100));
	assert_memory_equal(src->vaddr, dst->vaddr, 2048);

	uvfio_dma_free(c, src);
	uvfio_dma_free(c, dst);
	uvfio_pci_bus_destroy(bus);
	assert_int_equal(plog.removes, 1);
	uvfio_loop_destroy(l);
	uvfio_container_destroy(c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sock);
	rmdir(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_match_id),
	cmocka_unit_test_setup_teardown(test_probe_by_id_table, setup, teardown),
	cmocka_unit_test_setup_teardown(test_probe_failure_rolled_back, setup, teardown),
	cmocka_unit_test_setup_teardown(test_req_removes, setup, teardown),
	cmocka_unit_test_setup_teardown(test_candidate_lists, setup, teardown),
	cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
	cmocka_unit_test_setup_teardown(test_vfio_user_loop, setup, teardown),
};

UVFIO_TEST_MAIN(tests)
