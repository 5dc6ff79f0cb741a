// SPDX-License-Identifier: MIT
/*
 * lib/device interrupts over the wire: the SET_IRQS combination matrix
 * against vfio-pci's answers (shared/docs/linux-vfio.md §1.3, §4), INTx
 * auto-masking, MSI and MSI-X masking with pending bits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "harness.h"

#define BAR0 VFIO_PCI_BAR0_REGION_INDEX
#define CFG VFIO_PCI_CONFIG_REGION_INDEX
#define D_NONE VFIO_IRQ_SET_DATA_NONE
#define D_BOOL VFIO_IRQ_SET_DATA_BOOL
#define D_EFD VFIO_IRQ_SET_DATA_EVENTFD
#define A_MASK VFIO_IRQ_SET_ACTION_MASK
#define A_UNMASK VFIO_IRQ_SET_ACTION_UNMASK
#define A_TRIG VFIO_IRQ_SET_ACTION_TRIGGER

static const uint32_t datas[3] = {D_NONE, D_BOOL, D_EFD};
static const uint32_t actions[3] = {A_MASK, A_UNMASK, A_TRIG};

/*
 * Expected errno of SET_IRQS (start 0, count 1) per index, action, data,
 * with nothing enabled ([0]) and with the index itself enabled ([1]);
 * vfio_pci_set_irqs_ioctl() and its handlers.
 */
/* clang-format off */
static const int expect[2][5][3][3] = {
	[0] = {
		/* INTx, not enabled: every handler checks is_intx first -> EINVAL,
		 * except TRIGGER+EVENTFD, which enables it. */
		[0] = { { EINVAL, EINVAL, EINVAL }, { EINVAL, EINVAL, EINVAL },
			{ EINVAL, EINVAL, 0 } },
		/* MSI/MSI-X: no MASK/UNMASK handler -> ENOTTY; loopback needs the
		 * index enabled -> EINVAL; EVENTFD enables. */
		[1] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY },
			{ EINVAL, EINVAL, 0 } },
		[2] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY },
			{ EINVAL, EINVAL, 0 } },
		/* ERR/REQ: TRIGGER only; DATA_NONE with no eventfd is EINVAL
		 * (vfio_pci_set_ctx_trigger_single), BOOL is a no-op. */
		[3] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY },
			{ EINVAL, 0, 0 } },
		[4] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY },
			{ EINVAL, 0, 0 } },
	},
	[1] = {
		/* INTx enabled: MASK+EVENTFD is "XXX implement me" -> ENOTTY. */
		[0] = { { 0, 0, ENOTTY }, { 0, 0, 0 }, { 0, 0, 0 } },
		[1] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY }, { 0, 0, 0 } },
		[2] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY }, { 0, 0, 0 } },
		[3] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY }, { 0, 0, 0 } },
		[4] = { { ENOTTY, ENOTTY, ENOTTY }, { ENOTTY, ENOTTY, ENOTTY }, { 0, 0, 0 } },
	},
};
/* clang-format on */

static const unsigned int index_count[5] = {1, M_NVEC, M_NVEC, 1, 1};

/* Enable @index with an eventfd per sub-index (kept in @efds). */
static void enable_index(int sock, unsigned int index, int *efds)
{
	unsigned int n = index_count[index];
	unsigned int i;

	for (i = 0; i < n; i++)
		efds[i] = efd_new();
	assert_int_equal(cl_set_irqs(sock, index, D_EFD | A_TRIG, 0, n, NULL, 0, efds, n), 0);
}

static void close_all(int *efds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (efds[i] >= 0)
			close(efds[i]);
		efds[i] = -1;
	}
}

static void test_set_irqs_matrix(void **state)
{
	struct srv s;
	unsigned int st;
	unsigned int index;
	unsigned int a;
	unsigned int d;
	unsigned int cases = 0;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	for (st = 0; st < 2; st++) {
		for (index = 0; index < 5; index++) {
			for (a = 0; a < 3; a++) {
				for (d = 0; d < 3; d++) {
					int efds[M_NVEC] = {-1, -1, -1, -1};
					uint8_t one = 1;
					int fd = -1;
					int want = -expect[st][index][a][d];
					int ret;

					srv_connect(&s);
					assert_int_equal(cl_version(s.sock, NULL), 0);
					if (st)
						enable_index(s.sock, index, efds);
					if (datas[d] == D_EFD)
						fd = efd_new();
					ret = cl_set_irqs(s.sock, index, datas[d] | actions[a], 0,
							  1, &one, datas[d] == D_BOOL ? 1 : 0, &fd,
							  fd >= 0 ? 1 : 0);
					if (ret != want)
						fail_msg("state %u index %u action %#x data %#x: "
							 "got %d, want %d",
							 st, index, actions[a], datas[d], ret,
							 want);
					/* Loopback signals the bound eventfd of sub-index 0. */
					if (st && !ret && actions[a] == A_TRIG && datas[d] != D_EFD)
						assert_int_equal(efd_take(efds[0]), 1);
					if (fd >= 0)
						close(fd);
					close_all(efds, M_NVEC);
					srv_disconnect(&s);
					cases++;
				}
			}
		}
	}
	assert_int_equal(cases, 90);
	model_destroy(&s.m);
}

struct edge_case {
	const char *what;
	int enable; /* index enabled first, or -1 */
	uint32_t index;
	uint32_t flags;
	uint32_t start;
	uint32_t count;
	unsigned int nbool; /* bytes of payload */
	unsigned int nfds;  /* eventfds sent (a pipe if use_pipe) */
	bool use_pipe;
	int ret;
};

static const struct edge_case edges[] = {
	{"index 5", -1, 5, D_NONE | A_TRIG, 0, 1, 0, 0, false, -EINVAL},
	{"start past the count", -1, 0, D_EFD | A_TRIG, 1, 1, 0, 1, false, -EINVAL},
	{"start+count past the count", -1, 1, D_EFD | A_TRIG, 2, 3, 0, 0, false, -EINVAL},
	{"count wraps", -1, 1, D_NONE | A_TRIG, 1, 0xffffffffu, 0, 0, false, -EINVAL},
	{"two data bits", -1, 0, D_NONE | D_BOOL | A_TRIG, 0, 1, 1, 0, false, -EINVAL},
	{"no data bit", -1, 0, A_TRIG, 0, 1, 0, 0, false, -EINVAL},
	{"two action bits", 0, 0, D_NONE | A_MASK | A_TRIG, 0, 1, 0, 0, false, -ENOTTY},
	{"no action bit", 0, 0, D_NONE, 0, 1, 0, 0, false, -ENOTTY},
	{"unknown flag", -1, 0, D_NONE | A_TRIG | (1u << 6), 0, 1, 0, 0, false, -EINVAL},
	{"fewer fds than count", -1, 1, D_EFD | A_TRIG, 0, 2, 0, 1, false, -EINVAL},
	{"not an eventfd", -1, 0, D_EFD | A_TRIG, 0, 1, 0, 1, true, -EINVAL},
	{"MSI enable of 0 vectors", -1, 1, D_EFD | A_TRIG, 0, 0, 0, 0, false, -EINVAL},
	{"INTx while MSI is on", 1, 0, D_EFD | A_TRIG, 0, 1, 0, 1, false, -EINVAL},
	{"MSI-X while MSI is on", 1, 2, D_EFD | A_TRIG, 0, 1, 0, 1, false, -EINVAL},
	{"MSI while INTx is on", 0, 1, D_EFD | A_TRIG, 0, 1, 0, 1, false, -EINVAL},
	{"disable MSI", 1, 1, D_NONE | A_TRIG, 0, 0, 0, 0, false, 0},
	{"disable INTx when off", -1, 0, D_NONE | A_TRIG, 0, 0, 0, 0, false, -EINVAL},
	{"disable MSI-X when MSI is on", 1, 2, D_NONE | A_TRIG, 0, 0, 0, 0, false, -EINVAL},
	{"MSI-X de-assign without fds", 2, 2, D_EFD | A_TRIG, 2, 2, 0, 0, false, 0},
	{"MSI-X enable without fds", -1, 2, D_EFD | A_TRIG, 0, 4, 0, 0, false, 0},
	{"ERR clear with NONE count 0", 3, 3, D_NONE | A_TRIG, 0, 0, 0, 0, false, 0},
	{"ERR BOOL count 0", 3, 3, D_BOOL | A_TRIG, 0, 0, 0, 0, false, -EINVAL},
	{"REQ count 2", -1, 4, D_NONE | A_TRIG, 0, 2, 0, 0, false, -EINVAL},
	{"REQ EVENTFD count 0", -1, 4, D_EFD | A_TRIG, 0, 0, 0, 0, false, -EINVAL},
	{"INTx unmask eventfd de-assign", 0, 0, D_EFD | A_UNMASK, 0, 1, 0, 0, false, 0},
	{"BOOL payload short", 1, 1, D_BOOL | A_TRIG, 0, 2, 1, 0, false, -EINVAL},
};

static void test_set_irqs_edges(void **state)
{
	struct srv s;
	size_t i;

	(void)state;
	model_create(&s.m, UVFIO_DEV_PCIE);
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge_case *c = &edges[i];
		int efds[M_NVEC] = {-1, -1, -1, -1};
		int fds[2] = {-1, -1};
		int pfd[2] = {-1, -1};
		uint8_t bools[4] = {1, 1, 1, 1};
		unsigned int k;
		int ret;

		srv_connect(&s);
		assert_int_equal(cl_version(s.sock, NULL), 0);
		if (c->enable >= 0)
			enable_index(s.sock, (unsigned int)c->enable, efds);
		if (c->use_pipe) {
			assert_int_equal(pipe(pfd), 0);
			fds[0] = pfd[0];
		} else {
			for (k = 0; k < c->nfds; k++)
				fds[k] = efd_new();
		}
		ret = cl_set_irqs(s.sock, c->index, c->flags, c->start, c->count, bools, c->nbool,
				  fds, c->nfds);
		if (ret != c->ret)
			fail_msg("%s: got %d, want %d", c->what, ret, c->ret);
		for (k = 0; k < 2; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		if (pfd[1] >= 0)
			close(pfd[1]);
		close_all(efds, M_NVEC);
		srv_disconnect(&s);
	}
	model_destroy(&s.m);
}

static void test_irq_state_after(void **state)
{
	int efds[M_NVEC] = {-1, -1, -1, -1};
	struct srv s;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	/* MSI-X on, vectors 2 and 3 de-assigned (QEMU's chunk of -1s). */
	enable_index(s.sock, VFIO_PCI_MSIX_IRQ_INDEX, efds);
	assert_int_equal(uvfio_dev_irq_mode(s.m.dev), VFIO_PCI_MSIX_IRQ_INDEX);
	assert_int_equal(cl_set_irqs(s.sock, 2, D_EFD | A_TRIG, 2, 2, NULL, 0, NULL, 0), 0);
	cl_write32(s.sock, BAR0, M_MSIX, 3);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), -ENODEV);
	cl_write32(s.sock, BAR0, M_MSIX, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), 0);
	assert_int_equal(efd_take(efds[1]), 1);
	/* MSI fired while MSI-X is the mode: -ENODEV; a bad vector: -EINVAL. */
	cl_write32(s.sock, BAR0, M_MSI, 0);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), -ENODEV);
	cl_write32(s.sock, BAR0, M_MSIX, M_NVEC);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), -EINVAL);
	/* Disable: mode off. */
	assert_int_equal(cl_set_irqs(s.sock, 2, D_NONE | A_TRIG, 0, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(uvfio_dev_irq_mode(s.m.dev), -ENODEV);
	close_all(efds, M_NVEC);
	/* ERR/REQ: set, fire from the model, clear. */
	enable_index(s.sock, VFIO_PCI_ERR_IRQ_INDEX, efds);
	enable_index(s.sock, VFIO_PCI_REQ_IRQ_INDEX, efds + 1);
	cl_write32(s.sock, BAR0, M_ERR, 1);
	cl_write32(s.sock, BAR0, M_REQ, 1);
	assert_int_equal(efd_take(efds[0]), 1);
	assert_int_equal(efd_take(efds[1]), 1);
	assert_int_equal(cl_set_irqs(s.sock, 3, D_NONE | A_TRIG, 0, 0, NULL, 0, NULL, 0), 0);
	cl_write32(s.sock, BAR0, M_ERR, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), -ENODEV);
	close_all(efds, 2);
	srv_stop(&s);
}

static void set_intx(int sock, uint32_t level)
{
	cl_write32(sock, BAR0, M_INTX, level);
}

static int intx_action(int sock, uint32_t action)
{
	return cl_set_irqs(sock, VFIO_PCI_INTX_IRQ_INDEX, D_NONE | action, 0, 1, NULL, 0, NULL, 0);
}

static void test_intx(void **state)
{
	struct srv s;
	int t = efd_new();
	int u = efd_new();
	uint64_t one = 1;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	/* A line asserted before INTx is enabled fires at enable. */
	set_intx(s.sock, 1);
	assert_true(cl_cfg_read16(s.sock, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	assert_int_equal(cl_set_irqs(s.sock, 0, D_EFD | A_TRIG, 0, 1, NULL, 0, &t, 1), 0);
	assert_int_equal(efd_take(t), 1);
	/* Auto-masked: asserting again does nothing. */
	set_intx(s.sock, 1);
	assert_int_equal(efd_take(t), 0);
	/* Unmask while still asserted: fires again (and masks again). */
	assert_int_equal(intx_action(s.sock, A_UNMASK), 0);
	assert_int_equal(efd_take(t), 1);
	assert_int_equal(intx_action(s.sock, A_UNMASK), 0);
	assert_int_equal(efd_take(t), 1);
	/* Deassert, unmask: quiet; assert: fires. */
	set_intx(s.sock, 0);
	assert_false(cl_cfg_read16(s.sock, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	assert_int_equal(intx_action(s.sock, A_UNMASK), 0);
	assert_int_equal(efd_take(t), 0);
	set_intx(s.sock, 1);
	assert_int_equal(efd_take(t), 1);

	/* The unmask eventfd (KVM's resamplefd): a write unmasks. */
	assert_int_equal(cl_set_irqs(s.sock, 0, D_EFD | A_UNMASK, 0, 1, NULL, 0, &u, 1), 0);
	assert_int_equal(write(u, &one, sizeof(one)), sizeof(one));
	assert_int_equal(efd_wait(t, 2000), 1); /* still asserted: fires again */
	set_intx(s.sock, 0);
	assert_int_equal(write(u, &one, sizeof(one)), sizeof(one));
	/* A round trip: the loop has handled the unmask eventfd by then, or will. */
	usleep(20000);
	assert_int_equal(cl_read32(s.sock, CFG, 0), 0x11e81234);
	assert_int_equal(efd_take(t), 0);
	set_intx(s.sock, 1);
	assert_int_equal(efd_take(t), 1);

	/* COMMAND.INTX_DISABLE masks; clearing it unmasks (and re-fires). */
	set_intx(s.sock, 0);
	assert_int_equal(intx_action(s.sock, A_UNMASK), 0);
	cl_enable(s.sock, PCI_COMMAND_INTX_DISABLE);
	set_intx(s.sock, 1);
	assert_int_equal(efd_take(t), 0);
	assert_true(cl_cfg_read16(s.sock, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	assert_int_equal(intx_action(s.sock, A_UNMASK), 0); /* ignored while disabled */
	assert_int_equal(efd_take(t), 0);
	cl_enable(s.sock, 0);
	assert_int_equal(efd_take(t), 1);

	/* MASK action, then UNMASK with BOOL. */
	set_intx(s.sock, 0);
	assert_int_equal(intx_action(s.sock, A_UNMASK), 0);
	assert_int_equal(intx_action(s.sock, A_MASK), 0);
	set_intx(s.sock, 1);
	assert_int_equal(efd_take(t), 0);
	{
		uint8_t zero = 0;
		uint8_t yes = 1;

		assert_int_equal(cl_set_irqs(s.sock, 0, D_BOOL | A_UNMASK, 0, 1, &zero, 1, NULL, 0),
				 0);
		assert_int_equal(efd_take(t), 0);
		assert_int_equal(cl_set_irqs(s.sock, 0, D_BOOL | A_UNMASK, 0, 1, &yes, 1, NULL, 0),
				 0);
		assert_int_equal(efd_take(t), 1);
	}
	/* Loopback ignores the mask. */
	assert_int_equal(intx_action(s.sock, A_TRIG), 0);
	assert_int_equal(efd_take(t), 1);
	/* Disabled: no signal; the model may still drive the line. */
	assert_int_equal(cl_set_irqs(s.sock, 0, D_NONE | A_TRIG, 0, 0, NULL, 0, NULL, 0), 0);
	set_intx(s.sock, 0);
	set_intx(s.sock, 1);
	assert_int_equal(efd_take(t), 0);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), 0);
	srv_stop(&s);
	close(t);
	close(u);
}

static uint32_t msix_ctrl_off(const struct srv *s)
{
	return (uint32_t)s->m.msix_off + PCI_MSIX_FLAGS;
}

static void test_msix(void **state)
{
	int efds[M_NVEC];
	uint32_t vc;
	uint64_t q;
	uint16_t ctrl;
	uint8_t b2[2];
	struct srv s;
	uint8_t bools[M_NVEC] = {0, 1, 0, 1};

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	/* Before SET_IRQS every vector is masked (power-on state). */
	assert_int_equal(cl_read32(s.sock, 2, M_MSIX_TABLE + 16 + 12), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	enable_index(s.sock, VFIO_PCI_MSIX_IRQ_INDEX, efds);
	/* Enabling through SET_IRQS programs the function as the kernel does. */
	assert_true(cl_cfg_read16(s.sock, msix_ctrl_off(&s)) & PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(cl_read32(s.sock, 2, M_MSIX_TABLE + 16 + 12), 0);
	cl_write32(s.sock, BAR0, M_MSIX, 1);
	assert_int_equal(efd_take(efds[1]), 1);

	/* Mask vector 1 in the table: a trigger sets its PBA bit instead. */
	cl_write32(s.sock, 2, M_MSIX_TABLE + 16 + 12, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	cl_write32(s.sock, BAR0, M_MSIX, 1);
	assert_int_equal((int)cl_read32(s.sock, BAR0, M_RET), 0);
	assert_int_equal(efd_take(efds[1]), 0);
	assert_int_equal(cl_read32(s.sock, 2, M_MSIX_PBA), 1u << 1);
	/* Unmask: it fires, the bit clears. */
	cl_write32(s.sock, 2, M_MSIX_TABLE + 16 + 12, 0);
	assert_int_equal(efd_take(efds[1]), 1);
	assert_int_equal(cl_read32(s.sock, 2, M_MSIX_PBA), 0);

	/* Function mask through config space. */
	ctrl = cl_cfg_read16(s.sock, msix_ctrl_off(&s));
	cl_cfg_write16(s.sock, msix_ctrl_off(&s), ctrl | PCI_MSIX_FLAGS_MASKALL);
	cl_write32(s.sock, BAR0, M_MSIX, 2);
	assert_int_equal(efd_take(efds[2]), 0);
	assert_int_equal(cl_read32(s.sock, 2, M_MSIX_PBA), 1u << 2);
	cl_cfg_write16(s.sock, msix_ctrl_off(&s), ctrl);
	assert_int_equal(efd_take(efds[2]), 1);

	/* Table access: 8 bytes, and a sub-dword read. */
	q = 0xfee00000ull | (0x12ull << 32);
	assert_int_equal(cl_write(s.sock, 2, M_MSIX_TABLE, &q, 8), 0);
	q = 0;
	assert_int_equal(cl_read(s.sock, 2, M_MSIX_TABLE, &q, 8), 0);
	assert_int_equal(q, 0xfee00000ull | (0x12ull << 32));
	assert_int_equal(cl_read(s.sock, 2, M_MSIX_TABLE + 2, b2, 2), 0);
	assert_int_equal(b2[0], 0xe0);
	assert_int_equal(b2[1], 0xfe);
	/* The PBA is read-only. */
	cl_write32(s.sock, 2, M_MSIX_PBA, 0xf);
	assert_int_equal(cl_read32(s.sock, 2, M_MSIX_PBA), 0);

	/* Loopback with BOOL selects sub-indexes. */
	assert_int_equal(cl_set_irqs(s.sock, 2, D_BOOL | A_TRIG, 0, M_NVEC, bools, M_NVEC, NULL, 0),
			 0);
	assert_int_equal(efd_take(efds[0]), 0);
	assert_int_equal(efd_take(efds[1]), 1);
	assert_int_equal(efd_take(efds[3]), 1);

	/* Disable: MSI-X Enable goes off again, vectors masked. */
	assert_int_equal(cl_set_irqs(s.sock, 2, D_NONE | A_TRIG, 0, 0, NULL, 0, NULL, 0), 0);
	assert_false(cl_cfg_read16(s.sock, msix_ctrl_off(&s)) & PCI_MSIX_FLAGS_ENABLE);
	vc = cl_read32(s.sock, 2, M_MSIX_TABLE + 12);
	assert_int_equal(vc, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	close_all(efds, M_NVEC);
	srv_stop(&s);
}

static void test_msi(void **state)
{
	int efds[M_NVEC];
	const unsigned int mask_off = PCI_MSI_MASK_64;
	const unsigned int pend_off = PCI_MSI_PENDING_64;
	struct srv s;
	uint32_t v;

	(void)state;
	srv_start(&s);
	cl_enable(s.sock, 0);
	enable_index(s.sock, VFIO_PCI_MSI_IRQ_INDEX, efds);
	assert_int_equal(uvfio_dev_irq_mode(s.m.dev), VFIO_PCI_MSI_IRQ_INDEX);
	cl_write32(s.sock, BAR0, M_MSI, 3);
	assert_int_equal(efd_take(efds[3]), 1);
	/* Mask bit 0 in the capability: pending instead, fires on unmask. */
	cl_write32(s.sock, CFG, (uint64_t)s.m.msi_off + mask_off, 1);
	cl_write32(s.sock, BAR0, M_MSI, 0);
	assert_int_equal(efd_take(efds[0]), 0);
	v = cl_read32(s.sock, CFG, (uint64_t)s.m.msi_off + pend_off);
	assert_int_equal(v & 1, 1);
	cl_write32(s.sock, CFG, (uint64_t)s.m.msi_off + mask_off, 0);
	assert_int_equal(efd_take(efds[0]), 1);
	v = cl_read32(s.sock, CFG, (uint64_t)s.m.msi_off + pend_off);
	assert_int_equal(v & 1, 0);
	close_all(efds, M_NVEC);
	srv_stop(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_set_irqs_matrix),
	cmocka_unit_test(test_set_irqs_edges),
	cmocka_unit_test(test_irq_state_after),
	cmocka_unit_test(test_intx),
	cmocka_unit_test(test_msix),
	cmocka_unit_test(test_msi),
};

UVFIO_TEST_MAIN(tests)
