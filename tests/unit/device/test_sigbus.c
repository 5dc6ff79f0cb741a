// SPDX-License-Identifier: MIT
/*
 * lib/device against a client that shrinks (ftruncate) its memory after
 * DMA_MAP: a sealable memfd gets F_SEAL_SHRINK at map time, so the shrink
 * fails; one that cannot be sealed is reached under a SIGBUS guard, so the
 * model's DMA fails with -EFAULT and the device keeps serving.  A SIGBUS
 * that is not the guard's still terminates the process as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define CFG VFIO_PCI_CONFIG_REGION_INDEX
#define RAM_SIZE 0x10000
#define IOVA 0x100000

static int map_fd(int sock, uint64_t iova, uint64_t size, int fd, uint64_t offset)
{
	struct uvfio_msg_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.offset = offset,
		.addr = iova,
		.size = size,
	};

	return cl_call(sock, UVFIO_CMD_DMA_MAP, &m, sizeof(m), &fd, 1, NULL, 0, NULL);
}

/* The harness model's job: read @len at @src, write it back +1 at @dst. */
static int run_job(int sock, uint64_t src, uint32_t len, uint64_t dst, uint32_t reg)
{
	assert_int_equal(cl_write(sock, BAR0, M_JOB_IOVA, &src, 8), 0);
	cl_write32(sock, BAR0, M_JOB_LEN, len);
	assert_int_equal(cl_write(sock, BAR0, M_JOB_DST, &dst, 8), 0);
	cl_write32(sock, BAR0, reg, 1);
	/* A deferred job has run by the time this read is answered. */
	return (int)cl_read32(sock, BAR0, M_JOB_RET);
}

static int ram_new(unsigned int mfd_flags, uint8_t **map)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC | mfd_flags);
	unsigned int i;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
	*map = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(*map != MAP_FAILED);
	for (i = 0; i < RAM_SIZE; i++)
		(*map)[i] = (uint8_t)i;
	return fd;
}

/* A memfd without MFD_ALLOW_SEALING: shrunk after the map, DMA gets -EFAULT. */
static void test_shrink_unsealable(void **state)
{
#if defined(__SANITIZE_THREAD__)
	UVFIO_SKIP("SIGBUS recovery cannot be exercised under ThreadSanitizer, whose runtime "
		   "turns the fault into process death (covered by the plain and ASan builds)");
#endif
	uint8_t *ram;
	int fd = ram_new(0, &ram);
	struct srv s;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	assert_int_equal(map_fd(s.sock, IOVA, RAM_SIZE, fd, 0), 0);
	assert_int_equal(run_job(s.sock, IOVA + 0x10, 16, IOVA + 0x2000, M_JOB), 0);
	assert_int_equal(ram[0x2000], 0x11);
	/* Cannot be sealed (F_SEAL_SEAL from the start): the shrink goes through. */
	assert_int_equal(ftruncate(fd, 0x4000), 0);
	/* Reading past the new end, deferred and inside the request. */
	assert_int_equal(run_job(s.sock, IOVA + 0x8000, 16, IOVA + 0x100, M_JOB), -EFAULT);
	assert_int_equal(run_job(s.sock, IOVA + 0x8000, 16, IOVA + 0x100, M_JOB_SYNC), -EFAULT);
	/* Writing past it (the read is in the part still there). */
	assert_int_equal(run_job(s.sock, IOVA + 0x10, 16, IOVA + 0xc000, M_JOB), -EFAULT);
	/* A copy straddling the new end. */
	assert_int_equal(run_job(s.sock, IOVA + 0x3ff8, 16, IOVA + 0x100, M_JOB), -EFAULT);
	/* What is left of the file still works; the device keeps serving. */
	assert_int_equal(run_job(s.sock, IOVA + 0x20, 8, IOVA + 0x1000, M_JOB), 0);
	assert_int_equal(ram[0x1000], 0x21);
	assert_int_equal(cl_read32(s.sock, CFG, 0), 0x11e81234);
	/* Grown back: the pages are there again (zeros). */
	assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
	assert_int_equal(run_job(s.sock, IOVA + 0x8000, 4, IOVA + 0x9000, M_JOB), 0);
	assert_int_equal(ram[0x9000], 1);
	srv_stop(&s);
	munmap(ram, RAM_SIZE);
	close(fd);
}

/* A sealable memfd: DMA_MAP adds F_SEAL_SHRINK, so the shrink itself fails. */
static void test_shrink_sealed(void **state)
{
	uint8_t *ram;
	int fd = ram_new(MFD_ALLOW_SEALING, &ram);
	int qfd;
	struct srv s;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	assert_int_equal(fcntl(fd, F_GET_SEALS), 0);
	assert_int_equal(map_fd(s.sock, IOVA, RAM_SIZE, fd, 0), 0);
	assert_int_equal(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK);
	assert_int_equal(ftruncate(fd, 0x4000), -1);
	assert_int_equal(errno, EPERM);
	/* Growing is still allowed (only SHRINK was added). */
	assert_int_equal(ftruncate(fd, 2 * RAM_SIZE), 0);
	assert_int_equal(run_job(s.sock, IOVA + 0x8000, 16, IOVA + 0x100, M_JOB), 0);
	assert_int_equal(ram[0x100], 1);

	/* QEMU's sealed memory-backend-memfd (seal=on): already sealed, kept as is. */
	qfd = memfd_create("qemu-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(qfd >= 0);
	assert_int_equal(ftruncate(qfd, RAM_SIZE), 0);
	assert_int_equal(fcntl(qfd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	assert_int_equal(map_fd(s.sock, 2 * IOVA, RAM_SIZE, qfd, 0), 0);
	assert_int_equal(fcntl(qfd, F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	assert_int_equal(run_job(s.sock, IOVA + 0x10, 4, 2 * IOVA, M_JOB), 0);
	srv_stop(&s);
	close(qfd);
	munmap(ram, RAM_SIZE);
	close(fd);
}

/* In a child: map an unsealable memfd so the guard is installed, then run @what. */
static int child_status(int what)
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		const struct rlimit no_core = {0, 0};
		uint8_t *ram;
		int fd = ram_new(0, &ram);
		struct srv s;

		setrlimit(RLIMIT_CORE, &no_core);
		/* cmocka's own SIGBUS handler would catch what we chain to it. */
		signal(SIGBUS, SIG_DFL);

		srv_start(&s);
		if (map_fd(s.sock, IOVA, RAM_SIZE, fd, 0))
			_exit(3);
		srv_stop(&s);
		if (what == 0) {
			/* A fault outside any guarded copy. */
			if (ftruncate(fd, 0))
				_exit(4);
			ram[0x100] = 1;
		} else {
			kill(getpid(), SIGBUS);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* The guard only catches its own faults: any other SIGBUS still kills. */
static void test_foreign_sigbus(void **state)
{
	int st;

	(void)state;
	st = child_status(0);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGBUS);
	st = child_status(1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGBUS);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_shrink_unsealable),
	cmocka_unit_test(test_shrink_sealed),
	cmocka_unit_test(test_foreign_sigbus),
};

UVFIO_TEST_MAIN(tests)
