// SPDX-License-Identifier: MIT
/*
 * tests/integration/qemu/test-qemu-edu-shrink.c - a client that shrinks its
 * guest RAM memfd after DMA_MAP (QEMU's memory-backend-memfd with seal=off
 * creates it without MFD_ALLOW_SEALING, so lib/device cannot seal it): the
 * edu model's DMA from or to the part that is gone fails with -EFAULT (the
 * model logs "Bad address") instead of a SIGBUS, and the device keeps
 * serving.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"
#include "edu/edu.h"
#include "qclient.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define CFG VFIO_PCI_CONFIG_REGION_INDEX
#define RAM_SIZE 0x10000
#define IOVA 0x100000 /* below edu's 28-bit DMA mask */

static void edu_reg64(int sock, uint64_t off, uint64_t v)
{
	assert_int_equal(qc_write(sock, BAR0, off, &v, 8), 0);
}

/* One edu DMA of @count bytes; returns once the device has finished it. */
static void edu_dma(int sock, uint64_t src, uint64_t dst, uint64_t count, uint64_t cmd)
{
	unsigned int i;

	edu_reg64(sock, UVFIO_EDU_REG_DMA_SRC, src);
	edu_reg64(sock, UVFIO_EDU_REG_DMA_DST, dst);
	edu_reg64(sock, UVFIO_EDU_REG_DMA_COUNT, count);
	edu_reg64(sock, UVFIO_EDU_REG_DMA_CMD, cmd | UVFIO_EDU_DMA_START);
	/* The transfer is deferred work, done right after the reply; poll START. */
	for (i = 0; i < 1000; i++) {
		if (!(qc_read32(sock, BAR0, UVFIO_EDU_REG_DMA_CMD) & UVFIO_EDU_DMA_START))
			return;
		usleep(1000);
	}
	fail_msg("edu DMA did not finish");
}

static void test_edu_dma_shrunk_memfd(void **state)
{
#if defined(__SANITIZE_THREAD__)
	UVFIO_SKIP("SIGBUS recovery cannot be exercised under ThreadSanitizer, whose runtime "
		   "turns the fault into process death (covered by the plain and ASan builds)");
#endif
	const uint64_t buf = UVFIO_EDU_DMA_BUF_ADDR;
	struct uvfio_msg_version v = {0, 0};
	uint8_t vbuf[4 + sizeof(QC_QEMU_JSON)];
	struct uvfio_dev *dev;
	struct qreply *r = calloc(1, sizeof(*r));
	struct qsrv s;
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	uint8_t *ram;
	int fd;
	int i;

	(void)state;
	assert_non_null(r);
	fd = memfd_create("pc.ram", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(ram != MAP_FAILED);
	for (i = 0; i < 64; i++)
		ram[0x100 + i] = (uint8_t)(0xa0 + i);

	assert_int_equal(uvfio_edu_create(&dev), 0);
	qsrv_start(&s, dev, uvfio_edu_set_log);
	memcpy(vbuf, &v, sizeof(v));
	memcpy(vbuf + 4, QC_QEMU_JSON, sizeof(QC_QEMU_JSON));
	assert_int_equal(
		qc_call(s.sock, UVFIO_CMD_VERSION, vbuf, sizeof(vbuf), NULL, 0, 4096, 0, r), 0);
	assert_int_equal(qc_dma_map(s.sock, IOVA, RAM_SIZE, 3, fd, 0), 0);
	assert_int_equal(qc_write(s.sock, CFG, PCI_COMMAND, &cmd, 2), 0);

	/* Whole: RAM -> edu -> RAM. */
	edu_dma(s.sock, IOVA + 0x100, buf, 64, 0);
	edu_dma(s.sock, buf, IOVA + 0x2000, 64, UVFIO_EDU_DMA_TO_RAM);
	assert_memory_equal(ram + 0x2000, ram + 0x100, 64);
	assert_false(qsrv_log_has(&s, "Bad address"));

	/* The client shrinks the file to 16 KiB: both directions fail with EFAULT. */
	assert_int_equal(ftruncate(fd, 0x4000), 0);
	edu_dma(s.sock, IOVA + 0x8000, buf, 64, 0);
	assert_true(qsrv_log_has(&s, "read from IOVA 0x108000+0x40: Bad address"));
	edu_dma(s.sock, buf, IOVA + 0xc000, 64, UVFIO_EDU_DMA_TO_RAM);
	assert_true(qsrv_log_has(&s, "write to IOVA 0x10c000+0x40: Bad address"));

	/* Still serving: identification, and DMA within what is left. */
	assert_int_equal(qc_read32(s.sock, BAR0, UVFIO_EDU_REG_IDENT), UVFIO_EDU_IDENT);
	edu_dma(s.sock, buf, IOVA + 0x3000, 64, UVFIO_EDU_DMA_TO_RAM);
	assert_memory_equal(ram + 0x3000, ram + 0x100, 64);

	qsrv_stop(&s);
	assert_int_equal(s.ret, 0);
	uvfio_edu_destroy(dev);
	munmap(ram, RAM_SIZE);
	close(fd);
	free(r);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_edu_dma_shrunk_memfd),
};

UVFIO_TEST_MAIN(tests)
