// SPDX-License-Identifier: MIT
/*
 * tests/integration/qemu/test-qemu-replay.c - the start-up of QEMU 10.1's
 * vfio-user-pci client, replayed message by message against the edu model
 * and the MSI-X test model (tests/integration/device/tmodel.c), with every
 * reply checked the way QEMU checks it (qclient.c: id and command echoed,
 * flags exactly 0x1 / 0x21, no more bytes than QEMU allots, at most one fd).
 *
 * Sources: shared/docs/vfio-user-protocol.md ("contract") §3.2 (the exact
 * VERSION), §4 "Observed QEMU 10.1 start-up sequence", §5.1-§5.10 (sizes
 * and flags of each command, reply buffers QEMU allots).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "test.h"
#include "edu/edu.h"
#include "qclient.h"
#include "tmodel.h"

#define CFG VFIO_PCI_CONFIG_REGION_INDEX
#define INTX VFIO_PCI_INTX_IRQ_INDEX
#define MSI VFIO_PCI_MSI_IRQ_INDEX
#define MSIX VFIO_PCI_MSIX_IRQ_INDEX
#define RD VFIO_DMA_MAP_FLAG_READ
#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define RAM_SIZE 0x8000000ull /* -m 128M (contract §4) */

static struct qreply *r;

static int setup(void **state)
{
	(void)state;
	r = calloc(1, sizeof(*r));
	return r ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(r);
	return 0;
}

/* contract §3.2/§3.3: 214 bytes out; 0.0 back, NUL-terminated JSON within QEMU's limits. */
static void replay_version(int sock)
{
	uint8_t msg[4 + sizeof(QC_QEMU_JSON)];
	struct uvfio_msg_version v = {0, 0};
	struct uvfio_caps caps;
	uint16_t id;

	memcpy(msg, &v, sizeof(v));
	memcpy(msg + 4, QC_QEMU_JSON, sizeof(QC_QEMU_JSON));
	assert_int_equal(sizeof(struct uvfio_msg_hdr) + sizeof(msg), 214);
	id = qc_send(sock, UVFIO_CMD_VERSION, 0, msg, sizeof(msg), NULL, 0);
	assert_int_equal(id, 0); /* QEMU's first id */
	assert_int_equal(qc_reply(sock, id, UVFIO_CMD_VERSION, 4096, 0, r), 0);
	memcpy(&v, r->data, sizeof(v));
	assert_int_equal(v.major, 0);
	assert_int_equal(v.minor, 0);
	assert_true(r->len > 4);
	assert_int_equal(r->data[r->len - 1], '\0');
	assert_int_equal(uvfio_version_client(r->data, r->len, &caps), 0);
	assert_true(caps.max_msg_fds <= 16);
	assert_true(caps.max_data_xfer_size <= (64u << 20));
	assert_true(caps.max_dma_maps <= 65535);
	assert_int_equal(caps.pgsizes & 0xfff, 0);
	assert_non_null(strstr((char *)r->data + 4, "\"write_multiple\":true"));
}

/* contract §4 step 2: three maps before GET_INFO; RAM with the memfd if @ram_fd >= 0. */
static void replay_dma_maps(int sock, int ram_fd)
{
	assert_int_equal(qc_dma_map(sock, 0, 0xa0000, RW, ram_fd, 0), 0);
	assert_int_equal(qc_dma_map(sock, 0xc0000, RAM_SIZE - 0xc0000, RW, ram_fd, 0xc0000), 0);
	assert_int_equal(qc_dma_map(sock, 0xfffc0000, 0x40000, RD, -1, 0), 0);
}

/* contract §5.3: argsz 16, 32 bytes allotted; QEMU's limits on the counts. */
static void replay_device_info(int sock, uint32_t want_flags)
{
	struct uvfio_msg_device_info di = {.argsz = 16};

	assert_int_equal(qc_call(sock, UVFIO_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0,
				 QC_ALLOT_DEVICE_INFO, 0, r),
			 0);
	assert_int_equal(r->len, 16);
	memcpy(&di, r->data, sizeof(di));
	assert_int_equal(di.argsz, 16);
	assert_int_equal(di.flags, want_flags);
	assert_true(di.num_regions >= VFIO_PCI_NUM_REGIONS && di.num_regions <= 100);
	assert_int_equal(di.num_irqs, VFIO_PCI_NUM_IRQS);
}

/*
 * contract §5.4: argsz 32 first, then again with the argsz returned;
 * argsz + 16 bytes allotted, at most one fd, cap_offset in [32, argsz].
 * Returns the final info; *@fd gets the region fd (or -1).
 */
static struct vfio_region_info replay_region_info(int sock, uint32_t index, int *fd)
{
	struct vfio_region_info ri = {.argsz = 32, .index = index};
	struct vfio_region_info out;
	uint32_t argsz = 32;

	for (;;) {
		ri.argsz = argsz;
		assert_int_equal(qc_call(sock, UVFIO_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri),
					 NULL, 0, argsz + 16, 1, r),
				 0);
		assert_true(r->len >= sizeof(out) && r->len <= argsz);
		memcpy(&out, r->data, sizeof(out));
		assert_int_equal(out.index, index);
		if (out.argsz <= argsz)
			break;
		/* Too small: only the fixed part, no fd, no capabilities offered yet. */
		assert_int_equal(r->fd, -1);
		assert_int_equal(out.cap_offset, 0);
		argsz = out.argsz;
	}
	if (out.flags & VFIO_REGION_INFO_FLAG_CAPS)
		assert_true(out.cap_offset >= 32 && out.cap_offset <= argsz);
	if (out.flags & VFIO_REGION_INFO_FLAG_MMAP)
		assert_true(r->fd >= 0);
	*fd = r->fd;
	return out;
}

/* contract §5.6: 32 bytes allotted. */
static int replay_irq_info(int sock, uint32_t index, struct vfio_irq_info *ii)
{
	struct vfio_irq_info q = {.argsz = sizeof(q), .index = index};
	int ret;

	ret = qc_call(sock, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &q, sizeof(q), NULL, 0,
		      QC_ALLOT_IRQ_INFO, 0, r);
	if (!ret) {
		assert_int_equal(r->len, sizeof(*ii));
		memcpy(ii, r->data, sizeof(*ii));
		assert_int_equal(ii->index, index);
	}
	return ret;
}

/* contract §5.7: argsz 20, message 36 for every QEMU SET_IRQS, fds as SCM_RIGHTS only. */
static int replay_set_irqs(int sock, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
			   const int *fds, unsigned int nfds)
{
	struct vfio_irq_set set = {
		.argsz = 20,
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};
	int ret;

	ret = qc_call(sock, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), fds, nfds,
		      QC_ALLOT_SET_IRQS, 0, r);
	if (!ret)
		assert_int_equal(r->len, 0);
	return ret;
}

/* QEMU's BAR / ROM sizing (vfio_bar_prepare, vfio_pci_size_rom): save, ones, read, restore. */
static uint32_t size_bar(int sock, unsigned int off, uint32_t ones)
{
	uint32_t orig = 0;
	uint32_t mask = 0;

	assert_int_equal(qc_read(sock, CFG, off, &orig, 4), 0);
	assert_int_equal(qc_write(sock, CFG, off, &ones, 4), 0);
	assert_int_equal(qc_read(sock, CFG, off, &mask, 4), 0);
	assert_int_equal(qc_write(sock, CFG, off, &orig, 4), 0);
	return mask;
}

/* contract §5.2: argsz 24, 40 bytes allotted, the 24-byte entry echoed. */
static uint64_t replay_dma_unmap(int sock, uint32_t flags, uint64_t iova, uint64_t size)
{
	struct uvfio_msg_dma_unmap u = {.argsz = 24, .flags = flags, .addr = iova, .size = size};

	assert_int_equal(qc_call(sock, UVFIO_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0,
				 QC_ALLOT_DMA_UNMAP, 0, r),
			 0);
	assert_int_equal(r->len, 24);
	memcpy(&u, r->data, sizeof(u));
	assert_int_equal(u.flags, flags);
	assert_int_equal(u.addr, iova);
	return u.size;
}

static void replay_reset(int sock)
{
	uint16_t id = qc_send(sock, UVFIO_CMD_DEVICE_RESET, 0, NULL, 0, NULL, 0);

	/* contract §5.10: 16 bytes both ways. */
	assert_int_equal(qc_reply(sock, id, UVFIO_CMD_DEVICE_RESET, 16, 0, r), 0);
	assert_int_equal(r->len, 0);
}

static void cfg_command(int sock, uint16_t cmd)
{
	assert_int_equal(qc_write(sock, CFG, PCI_COMMAND, &cmd, 2), 0);
}

/* The realize and first machine reset of a QEMU with edu (contract §4), fd-less or memfd RAM. */
static void replay_edu(int ram_fd)
{
	static const uint32_t queried[] = {0, 1, 2, 3, 4, 5, 7};
	struct vfio_region_info ri;
	struct vfio_irq_info ii;
	struct uvfio_dev *dev;
	struct qsrv s;
	uint8_t cfg[256];
	int trig = qc_efd();
	int resample = qc_efd();
	int msi = qc_efd();
	uint64_t one = 1;
	uint32_t v;
	size_t i;
	int fd;

	assert_int_equal(uvfio_edu_create(&dev), 0);
	qsrv_start(&s, dev, uvfio_edu_set_log);
	replay_version(s.sock);
	replay_dma_maps(s.sock, ram_fd);
	replay_device_info(s.sock, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	for (i = 0; i < sizeof(queried) / sizeof(queried[0]); i++) {
		ri = replay_region_info(s.sock, queried[i], &fd);
		assert_int_equal(fd, -1); /* edu: no mmappable region */
		if (queried[i] == 0)
			assert_int_equal(ri.size, UVFIO_EDU_BAR0_SIZE);
		else if (queried[i] == CFG)
			assert_int_equal(ri.size, 256);
		else
			assert_int_equal(ri.size, 0);
	}
	/* ERR on a conventional PCI device: EINVAL, as vfio-pci; QEMU carries on. */
	assert_int_equal(replay_irq_info(s.sock, VFIO_PCI_ERR_IRQ_INDEX, &ii), -EINVAL);

	/* contract §4 step 4: the whole config space, then ROM and BAR sizing, the pin. */
	assert_int_equal(qc_read(s.sock, CFG, 0, cfg, sizeof(cfg)), 0);
	memcpy(&v, cfg, 4);
	assert_int_equal(v, UVFIO_EDU_DEVICE << 16 | UVFIO_EDU_VENDOR);
	assert_int_equal(size_bar(s.sock, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS_MASK), 0); /* no ROM */
	assert_int_equal(size_bar(s.sock, PCI_BASE_ADDRESS_0, 0xffffffff), 0xfff00000);
	assert_int_equal(size_bar(s.sock, PCI_BASE_ADDRESS_1, 0xffffffff), 0);
	assert_int_equal(cfg[PCI_INTERRUPT_PIN], 1);

	/* contract §4 step 5: INTx on, INTx off, machine reset, INTx re-armed. */
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x24, 0, 1, &trig, 1), 0);
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x21, 0, 0, NULL, 0), 0);
	replay_reset(s.sock);
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x24, 0, 1, &trig, 1), 0);
	/* INTx under KVM: mask, the resample eventfd, unmask (all start 0 count 1). */
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x09, 0, 1, NULL, 0), 0);
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x14, 0, 1, &resample, 1), 0);
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x11, 0, 1, NULL, 0), 0);
	/* BARs rewritten, memory and bus master on (the guest's BIOS). */
	v = 0xfeb00000;
	assert_int_equal(qc_write(s.sock, CFG, PCI_BASE_ADDRESS_0, &v, 4), 0);
	cfg_command(s.sock, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* The line: raise fires once and auto-masks; the resample eventfd unmasks. */
	qc_write32(s.sock, 0, UVFIO_EDU_REG_IRQ_RAISE, 0x1);
	assert_int_equal(qc_efd_take(trig), 1);
	qc_write32(s.sock, 0, UVFIO_EDU_REG_IRQ_RAISE, 0x2);
	assert_int_equal(qc_efd_take(trig), 0);
	qc_write32(s.sock, 0, UVFIO_EDU_REG_IRQ_ACK, 0x3);
	assert_int_equal(write(resample, &one, sizeof(one)), sizeof(one));
	qc_write32(s.sock, 0, UVFIO_EDU_REG_IRQ_RAISE, 0x4);
	for (i = 0; i < 100 && !qc_efd_take(trig); i++)
		usleep(1000); /* the resample eventfd is handled by the device loop */
	assert_true(i < 100);
	qc_write32(s.sock, 0, UVFIO_EDU_REG_IRQ_ACK, 0x4);

	/* contract §4 step 5: memory map changes: unmap RAM, re-map in pieces. */
	assert_int_equal(replay_dma_unmap(s.sock, 0, 0xc0000, RAM_SIZE - 0xc0000),
			 RAM_SIZE - 0xc0000);
	assert_int_equal(qc_dma_map(s.sock, 0xc0000, 0x20000, RD, ram_fd, 0xc0000), 0);
	assert_int_equal(qc_dma_map(s.sock, 0xe0000, 0x20000, RD, ram_fd, 0xe0000), 0);
	assert_int_equal(qc_dma_map(s.sock, 0x100000, RAM_SIZE - 0x100000, RW, ram_fd, 0x100000),
			 0);

	/* contract §5.8: posted MMIO writes (No_reply) to the memory BAR; never answered. */
	v = 0x12345678;
	qc_write_posted(s.sock, 0, UVFIO_EDU_REG_LIVENESS, &v, 4);
	qc_write_posted(s.sock, 0, 0x7fff0, &v, 4); /* no register: ignored, still silent */
	assert_int_equal(qc_read32(s.sock, 0, UVFIO_EDU_REG_LIVENESS), ~0x12345678u);

	/* contract §5.9: WRITE_MULTI, posted, 24 + 24 * wr_cnt bytes. */
	{
		uint8_t wm[8 + 2 * 24];
		uint64_t cnt = 2;
		struct uvfio_msg_write_multi_entry e[2] = {
			{.offset = UVFIO_EDU_REG_LIVENESS, .region = 0, .count = 4},
			{.offset = UVFIO_EDU_REG_DMA_SRC, .region = 0, .count = 8},
		};
		uint64_t src = 0x41000;
		uint64_t got = 0;

		v = 0x0f0f0f0f;
		memcpy(e[0].data, &v, 4);
		memcpy(e[1].data, &src, 8);
		memcpy(wm, &cnt, 8);
		memcpy(wm + 8, e, sizeof(e));
		assert_int_equal(sizeof(struct uvfio_msg_hdr) + sizeof(wm), 24 + 24 * 2);
		qc_send(s.sock, UVFIO_CMD_REGION_WRITE_MULTI, UVFIO_MSG_NO_REPLY, wm, sizeof(wm),
			NULL, 0);
		assert_int_equal(qc_read32(s.sock, 0, UVFIO_EDU_REG_LIVENESS), ~0x0f0f0f0fu);
		assert_int_equal(qc_read(s.sock, 0, UVFIO_EDU_REG_DMA_SRC, &got, 8), 0);
		assert_int_equal(got, src);
	}

	/* The guest driver switches to MSI: INTx off, MSI on with one vector. */
	assert_int_equal(replay_set_irqs(s.sock, INTX, 0x21, 0, 0, NULL, 0), 0);
	assert_int_equal(replay_set_irqs(s.sock, MSI, 0x24, 0, 1, &msi, 1), 0);
	qc_write32(s.sock, 0, UVFIO_EDU_REG_IRQ_RAISE, 0x1);
	assert_int_equal(qc_efd_take(msi), 1);
	assert_int_equal(qc_efd_take(trig), 0);

	/* contract §5.2: QEMU's unmap of the whole space: flags 2, addr 0, size 0. */
	assert_int_equal(replay_dma_unmap(s.sock, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0),
			 0xa0000 + 0x40000 + RAM_SIZE - 0xc0000);
	assert_false(qsrv_log_has(&s, "malformed"));

	qsrv_stop(&s);
	assert_int_equal(s.ret, 0);
	uvfio_edu_destroy(dev);
	close(trig);
	close(resample);
	close(msi);
}

/* Default QEMU: anonymous guest RAM, so no DMA_MAP carries an fd. */
static void test_edu_anonymous_ram(void **state)
{
	(void)state;
	replay_edu(-1);
}

/* -object memory-backend-memfd,share=on: RAM maps carry the memfd, ROM/flash none. */
static void test_edu_memfd_ram(void **state)
{
	int fd = memfd_create("pc.ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)RAM_SIZE), 0);
	/* QEMU's default seal=on. */
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	replay_edu(fd);
	close(fd);
}

static int tm_connect(const struct tmodel *tm)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(sock >= 0);
	assert_true(strlen(tm->sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, tm->sock, strlen(tm->sock) + 1);
	assert_int_equal(connect(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return sock;
}

/*
 * The MSI-X model, a PCIe device with a memory BAR offered as sparse mmap
 * areas, served with max_msg_fds 3: region info with capabilities and one
 * fd, ERR info, and MSI-X enabled the way QEMU 10.1 does it.
 */
static void test_tmodel_msix(void **state)
{
	static const uint32_t queried[] = {0, 1, 2, 3, 4, 5, 7};
	struct vfio_region_info ri;
	struct vfio_irq_info ii;
	struct tmodel tm;
	int efds[TM_NVEC];
	uint32_t v;
	size_t i;
	int sock;
	int fd;

	(void)state;
	assert_int_equal(tmodel_start(&tm, 3), 0);
	sock = tm_connect(&tm);
	qc_next_id = 0;
	replay_version(sock);
	replay_dma_maps(sock, -1);
	/* tmodel does not pass UVFIO_DEV_NO_RESET: RESET | PCI. */
	replay_device_info(sock, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	for (i = 0; i < sizeof(queried) / sizeof(queried[0]); i++) {
		ri = replay_region_info(sock, queried[i], &fd);
		if (queried[i] == 0) {
			/* Sparse mmap areas around the MSI-X pages, the memfd with them. */
			assert_int_equal(ri.size, TM_BAR0_SIZE);
			assert_true(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
			assert_true(ri.flags & VFIO_REGION_INFO_FLAG_CAPS);
			assert_true(fd >= 0);
			close(fd);
		} else {
			assert_int_equal(fd, -1);
		}
	}
	assert_int_equal(replay_irq_info(sock, VFIO_PCI_ERR_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 1);
	assert_int_equal(replay_irq_info(sock, MSIX, &ii), 0);
	assert_int_equal(ii.count, TM_NVEC);
	assert_int_equal(ii.flags, VFIO_IRQ_INFO_EVENTFD); /* dynamic MSI-X: resizable */
	assert_int_equal(replay_irq_info(sock, INTX, &ii), 0);
	assert_int_equal(ii.count, 0); /* no pin */

	assert_int_equal(size_bar(sock, PCI_BASE_ADDRESS_0, 0xffffffff), 0xffff0000);
	assert_int_equal(size_bar(sock, PCI_BASE_ADDRESS_2, 0xffffffff), 0xfffff000);
	cfg_command(sock, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	replay_reset(sock);
	cfg_command(sock, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/*
	 * MSI-X: vfio_msix_enable() first enables with vector 0 and fd -1 (no
	 * fds, count 1); then all vectors in chunks of max_msg_fds = 3:
	 * [0,3), [3,6), [6,8), each 36 bytes with its fds.
	 */
	for (i = 0; i < TM_NVEC; i++)
		efds[i] = qc_efd();
	assert_int_equal(replay_set_irqs(sock, MSIX, 0x24, 0, 1, NULL, 0), 0);
	assert_int_equal(replay_set_irqs(sock, MSIX, 0x21, 0, 0, NULL, 0), 0);
	assert_int_equal(replay_set_irqs(sock, MSIX, 0x24, 0, 3, efds, 3), 0);
	assert_int_equal(replay_set_irqs(sock, MSIX, 0x24, 3, 3, efds + 3, 3), 0);
	assert_int_equal(replay_set_irqs(sock, MSIX, 0x24, 6, 2, efds + 6, 2), 0);
	for (v = 0; v < TM_NVEC; v++) {
		qc_write32(sock, 2, TM_REG_TRIGGER, v);
		assert_int_equal(qc_read32(sock, 2, TM_REG_RESULT), 0);
		assert_int_equal(qc_efd_take(efds[v]), 1);
	}
	/* Release of vector 7 (a -1 slot alone): count 1, no fds. */
	assert_int_equal(replay_set_irqs(sock, MSIX, 0x24, 7, 1, NULL, 0), 0);
	qc_write32(sock, 2, TM_REG_TRIGGER, 7);
	assert_int_equal((int32_t)qc_read32(sock, 2, TM_REG_RESULT), -ENODEV);
	assert_int_equal(qc_read32(sock, 2, TM_REG_IRQ_MODE), MSIX);
	assert_int_equal(replay_dma_unmap(sock, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0),
			 0xa0000 + 0x40000 + RAM_SIZE - 0xc0000);
	close(sock);
	assert_int_equal(tmodel_stop(&tm), 0);
	for (i = 0; i < TM_NVEC; i++)
		close(efds[i]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_edu_anonymous_ram),
	cmocka_unit_test(test_edu_memfd_ram),
	cmocka_unit_test(test_tmodel_msix),
};

UVFIO_TEST_MAIN_FULL(tests, setup, teardown)
