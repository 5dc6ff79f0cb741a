// SPDX-License-Identifier: MIT
/*
 * lib/device SET_IRQS for MSI and MSI-X as QEMU 10.1 sends it (contract
 * §5.7): eventfds in chunks of at most the server's max_msg_fds, each chunk
 * either all valid fds or a run of "-1" slots sent as DATA_EVENTFD with no
 * fds, argsz 20 (message size 36), start and count per chunk, and never the
 * whole range first.  The server behaves as vfio-pci with dynamic MSI-X
 * (linux-vfio.md §4.2): once the index is on, any vector within its count
 * may be bound or unbound.
 *
 * The model here has 32 MSI-X vectors (the most QEMU's 16-fd chunks split
 * in two) and 32 MSI vectors (PCI 3.0 §6.8.1.3: the MSI maximum).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define Q_NVEC 32
#define Q_BAR0_SIZE 0x4000
#define Q_TABLE 0x2000
#define Q_PBA 0x3000
#define Q_REG_MSIX 0x00 /* W: fire MSI-X vector N */
#define Q_REG_MSI 0x04	/* W: fire MSI vector N */
#define Q_REG_RET 0x08	/* R: result of the last trigger */

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define MSI VFIO_PCI_MSI_IRQ_INDEX
#define MSIX VFIO_PCI_MSIX_IRQ_INDEX
#define EFD_TRIG (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER) /* 0x24 */
#define NONE_TRIG (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)   /* 0x21 */

struct qdev {
	struct uvfio_dev *dev;
	int32_t ret;
	int sock;
	int srv_fd;
	pthread_t th;
};

static ssize_t q_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct qdev *q = priv;

	(void)dev;
	memset(buf, 0, len);
	if (off == Q_REG_RET && len == 4)
		memcpy(buf, &q->ret, 4);
	return (ssize_t)len;
}

static ssize_t q_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf, size_t len)
{
	struct qdev *q = priv;
	uint32_t v;

	if (len != 4)
		return (ssize_t)len;
	memcpy(&v, buf, 4);
	if (off == Q_REG_MSIX)
		q->ret = uvfio_dev_msi_trigger(dev, MSIX, v);
	else if (off == Q_REG_MSI)
		q->ret = uvfio_dev_msi_trigger(dev, MSI, v);
	return (ssize_t)len;
}

static const struct uvfio_region_ops q_ops = {
	.read = q_read,
	.write = q_write,
};

static void *q_thread(void *arg)
{
	struct qdev *q = arg;

	uvfio_dev_serve_conn(q->dev, q->srv_fd);
	return NULL;
}

/* Build the model with @max_msg_fds (0: the default, 16), serve it, negotiate. */
static void q_start(struct qdev *q, uint32_t max_msg_fds)
{
	const struct uvfio_dev_pci_id id = {.vendor = 0x1234, .device = 0xfe32, .irq_pin = 0};
	struct uvfio_dev_limits lim = {.max_msg_fds = max_msg_fds};
	struct timeval tv = {.tv_sec = 5};
	int sv[2];

	memset(q, 0, sizeof(*q));
	assert_int_equal(uvfio_dev_create(NULL, q, &id, UVFIO_DEV_PCIE, &q->dev), 0);
	assert_int_equal(uvfio_dev_set_limits(q->dev, &lim), 0);
	assert_int_equal(uvfio_dev_setup_bar(q->dev, 0, Q_BAR0_SIZE, 0, &q_ops, q), 0);
	assert_true(uvfio_dev_add_cap_msi(q->dev, Q_NVEC, UVFIO_MSI_64BIT | UVFIO_MSI_MASKABLE) >
		    0);
	assert_true(uvfio_dev_add_cap_msix(q->dev, Q_NVEC, 0, Q_TABLE, 0, Q_PBA) > 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	q->sock = sv[0];
	q->srv_fd = sv[1];
	assert_int_equal(pthread_create(&q->th, NULL, q_thread, q), 0);
	assert_int_equal(cl_version(q->sock, QEMU_JSON), 0);
	cl_enable(q->sock, 0);
}

static void q_stop(struct qdev *q)
{
	close(q->sock);
	pthread_join(q->th, NULL);
	uvfio_dev_destroy(q->dev);
}

/*
 * One SET_IRQS message exactly as QEMU 10.1 builds it for DATA_EVENTFD:
 * argsz 20 (sizeof(struct vfio_irq_set)), 36 bytes on the wire, fds in
 * SCM_RIGHTS only.  cl_call() checks that the reply echoes id and command.
 */
static int qemu_msg(int sock, uint32_t index, uint32_t flags, uint32_t start, uint32_t count,
		    const int *fds, unsigned int nfds)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};
	size_t rlen = 99;
	int ret;

	ret = cl_call(sock, UVFIO_CMD_DEVICE_SET_IRQS, &set, sizeof(set), fds, nfds, NULL, 0,
		      &rlen);
	if (!ret)
		assert_int_equal(rlen, 0); /* reply: header only (contract §5.7) */
	return ret;
}

/*
 * What QEMU 10.1's vfio_user_device_io_set_irqs() does with an fd array of
 * @n slots ("-1" = none) for [@start, @start + @n): split it into runs of
 * the same kind (all valid or all -1), each at most @max long; a valid run
 * goes with its fds, a -1 run with none.  Returns the number of messages, or
 * -errno of the first failed one.
 */
static int qemu_set_vectors(int sock, uint32_t index, uint32_t start, const int *fds,
			    unsigned int n, unsigned int max)
{
	unsigned int sent = 0;
	int msgs = 0;

	while (sent < n) {
		bool valid = fds[sent] != -1;
		unsigned int run = 1;
		int ret;

		while (run < max && sent + run < n && (fds[sent + run] != -1) == valid)
			run++;
		ret = qemu_msg(sock, index, EFD_TRIG, start + sent, run, valid ? fds + sent : NULL,
			       valid ? run : 0);
		if (ret)
			return ret;
		sent += run;
		msgs++;
	}
	return msgs;
}

static int32_t fire(int sock, uint32_t reg, uint32_t vector)
{
	cl_write32(sock, BAR0, reg, vector);
	return (int32_t)cl_read32(sock, BAR0, Q_REG_RET);
}

/*
 * Fire every vector; a vector with an eventfd signals it and only it, one
 * without gets -ENODEV from uvfio_dev_msi_trigger().
 */
static void check_vectors(int sock, uint32_t reg, const int *efds)
{
	unsigned int v;
	unsigned int w;

	for (v = 0; v < Q_NVEC; v++) {
		int32_t ret = fire(sock, reg, v);

		if (efds[v] < 0) {
			if (ret != -ENODEV)
				fail_msg("vector %u without eventfd: got %d", v, ret);
		} else if (ret) {
			fail_msg("vector %u: got %d", v, ret);
		}
		for (w = 0; w < Q_NVEC; w++) {
			if (efds[w] < 0)
				continue;
			if (efd_take(efds[w]) != (w == v ? 1u : 0u))
				fail_msg("vector %u fired, eventfd of %u disagrees", v, w);
		}
	}
}

static void efds_new(int *efds, const bool *hole)
{
	unsigned int v;

	for (v = 0; v < Q_NVEC; v++)
		efds[v] = hole && hole[v] ? -1 : efd_new();
}

static void efds_close(int *efds)
{
	unsigned int v;

	for (v = 0; v < Q_NVEC; v++) {
		if (efds[v] >= 0)
			close(efds[v]);
		efds[v] = -1;
	}
}

static uint32_t vector_ctrl(int sock, unsigned int v)
{
	return cl_read32(sock, BAR0,
			 Q_TABLE + v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL);
}

/*
 * QEMU 10.1's MSI-X enable (vfio_msix_enable -> vfio_enable_msix_no_vec:
 * vector 0 with fd -1, i.e. count 1 and no fds), then, with a NORESIZE
 * index, disable and re-enable all 32 vectors in two chunks of 16.
 */
static void test_msix32_chunks16(void **state)
{
	int efds[Q_NVEC];
	struct qdev q;

	(void)state;
	q_start(&q, 0);
	efds_new(efds, NULL);
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 0, 1, NULL, 0), 0);
	assert_int_equal(uvfio_dev_irq_mode(q.dev), MSIX);
	assert_int_equal(qemu_msg(q.sock, MSIX, NONE_TRIG, 0, 0, NULL, 0), 0);
	assert_int_equal(uvfio_dev_irq_mode(q.dev), -ENODEV);
	/* [0,16) then [16,32): before dynamic MSI-X semantics the second was EINVAL. */
	assert_int_equal(qemu_set_vectors(q.sock, MSIX, 0, efds, Q_NVEC, 16), 2);
	check_vectors(q.sock, Q_REG_MSIX, efds);
	/* Every allocated vector is unmasked, as the MSI-X core leaves them. */
	assert_int_equal(vector_ctrl(q.sock, 0), 0);
	assert_int_equal(vector_ctrl(q.sock, 31), 0);
	efds_close(efds);
	q_stop(&q);
}

/*
 * Holes: QEMU keeps runs apart, so 32 slots with -1s at 5..7 and 26..29
 * go as [0,5) fds, [5,8) none, [8,24) 16 fds, [24,26) fds, [26,30) none,
 * [30,32) fds: six messages.  Then single-vector binds and unbinds (what
 * QEMU sends for a resizable index, vfio_msix_vector_do_use/_release).
 */
static void test_msix32_holes(void **state)
{
	bool hole[Q_NVEC] = {false};
	int efds[Q_NVEC];
	struct qdev q;
	unsigned int v;

	(void)state;
	for (v = 5; v < 8; v++)
		hole[v] = true;
	for (v = 26; v < 30; v++)
		hole[v] = true;
	q_start(&q, 0);
	efds_new(efds, hole);
	assert_int_equal(qemu_set_vectors(q.sock, MSIX, 0, efds, Q_NVEC, 16), 6);
	/* Allocated (and unmasked): [0, 32), the holes too (irq.c: a prefix). */
	assert_int_equal(vector_ctrl(q.sock, 5), 0);
	assert_int_equal(vector_ctrl(q.sock, 27), 0);
	check_vectors(q.sock, Q_REG_MSIX, efds);

	/* Fill holes 6 and 27 one at a time; unbind 10 (count 1, no fds). */
	efds[6] = efd_new();
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 6, 1, &efds[6], 1), 0);
	efds[27] = efd_new();
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 27, 1, &efds[27], 1), 0);
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 10, 1, NULL, 0), 0);
	close(efds[10]);
	efds[10] = -1;
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 10), -ENODEV);
	check_vectors(q.sock, Q_REG_MSIX, efds);

	/* A -1 run on the last chunk (QEMU's release of 30, 31): no fds, count 2. */
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 30, 2, NULL, 0), 0);
	close(efds[30]);
	close(efds[31]);
	efds[30] = efds[31] = -1;
	check_vectors(q.sock, Q_REG_MSIX, efds);
	efds_close(efds);
	q_stop(&q);
}

/*
 * A resizable MSI-X index (we do not report NORESIZE): QEMU enables with
 * no vector, then binds vectors one by one as the guest unmasks them.
 * Binding past those enabled allocates (and unmasks) just those vectors.
 */
static void test_msix32_dynamic(void **state)
{
	struct vfio_irq_info ii = {.argsz = sizeof(ii), .index = MSIX};
	int efds[Q_NVEC];
	struct qdev q;
	size_t rlen;
	unsigned int v;

	(void)state;
	q_start(&q, 0);
	assert_int_equal(cl_call(q.sock, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
				 &ii, sizeof(ii), &rlen),
			 0);
	assert_int_equal(ii.flags, VFIO_IRQ_INFO_EVENTFD);
	assert_int_equal(ii.count, Q_NVEC);
	for (v = 0; v < Q_NVEC; v++)
		efds[v] = -1;
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 0, 1, NULL, 0), 0);
	/* Vector 0 is allocated (count 1), the rest still masked. */
	assert_int_equal(vector_ctrl(q.sock, 0), 0);
	assert_int_equal(vector_ctrl(q.sock, 17), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	/* Binding 17 allocates [1, 18) (irq.c: the allocation stays a prefix). */
	efds[17] = efd_new();
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 17, 1, &efds[17], 1), 0);
	assert_int_equal(vector_ctrl(q.sock, 17), 0);
	assert_int_equal(vector_ctrl(q.sock, 16), 0);
	assert_int_equal(vector_ctrl(q.sock, 18), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	/* Past the allocated vectors: not enabled, -ENODEV. */
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 20), -ENODEV);
	efds[31] = efd_new();
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 31, 1, &efds[31], 1), 0);
	efds[0] = efd_new();
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 0, 1, &efds[0], 1), 0);
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 17), 0);
	assert_int_equal(efd_take(efds[17]), 1);
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 31), 0);
	assert_int_equal(efd_take(efds[31]), 1);
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 0), 0);
	assert_int_equal(efd_take(efds[0]), 1);
	/* Allocated, never bound: no eventfd to signal. */
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 16), -ENODEV);
	/* Kernel semantics kept: past the index's count, and MSI while MSI-X is on. */
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 31, 2, NULL, 0), -EINVAL);
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 32, 1, NULL, 0), -EINVAL);
	assert_int_equal(qemu_msg(q.sock, MSI, EFD_TRIG, 0, 1, NULL, 0), -EINVAL);
	/* Disable: everything masked again, vectors gone. */
	assert_int_equal(qemu_msg(q.sock, MSIX, NONE_TRIG, 0, 0, NULL, 0), 0);
	assert_int_equal(vector_ctrl(q.sock, 31), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(fire(q.sock, Q_REG_MSIX, 31), -ENODEV);
	efds_close(efds);
	q_stop(&q);
}

/* MSI: 32 vectors, QEMU enables all at once (vfio_msi_enable) in 16-fd chunks. */
static void test_msi32_chunks16(void **state)
{
	bool hole[Q_NVEC] = {false};
	int efds[Q_NVEC];
	struct qdev q;

	(void)state;
	hole[20] = true;
	q_start(&q, 0);
	efds_new(efds, hole);
	/* [0,16), [16,20), [20,21) none, [21,32). */
	assert_int_equal(qemu_set_vectors(q.sock, MSI, 0, efds, Q_NVEC, 16), 4);
	assert_int_equal(uvfio_dev_irq_mode(q.dev), MSI);
	check_vectors(q.sock, Q_REG_MSI, efds);
	efds_close(efds);
	q_stop(&q);
}

/*
 * A server advertising max_msg_fds 5: QEMU's chunks are at most 5 long
 * (7 messages for 32 vectors); a chunk with more fds than that is refused
 * with EINVAL, and so is a chunk whose fd count is not its count.
 */
static void test_msix32_chunks5(void **state)
{
	int efds[Q_NVEC];
	int extra[6];
	struct qdev q;
	unsigned int i;

	(void)state;
	q_start(&q, 5);
	efds_new(efds, NULL);
	assert_int_equal(qemu_set_vectors(q.sock, MSIX, 0, efds, Q_NVEC, 5), 7);
	check_vectors(q.sock, Q_REG_MSIX, efds);
	for (i = 0; i < 6; i++)
		extra[i] = efd_new();
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 0, 6, extra, 6), -EINVAL);
	assert_int_equal(qemu_msg(q.sock, MSIX, EFD_TRIG, 0, 5, extra, 3), -EINVAL);
	/* Nothing changed; the device still serves. */
	check_vectors(q.sock, Q_REG_MSIX, efds);
	for (i = 0; i < 6; i++)
		close(extra[i]);
	efds_close(efds);
	q_stop(&q);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_msix32_chunks16), cmocka_unit_test(test_msix32_holes),
	cmocka_unit_test(test_msix32_dynamic),	cmocka_unit_test(test_msi32_chunks16),
	cmocka_unit_test(test_msix32_chunks5),
};

UVFIO_TEST_MAIN(tests)
