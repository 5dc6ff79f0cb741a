/* SPDX-License-Identifier: MIT */
/*
 * mock_vfio.h - a mock /dev/vfio and sysfs behind struct uvfio_sys_ops: one
 * type1 container, IOMMU groups and edu-like PCI devices, well enough for the
 * kernel backend to open a device, map DMA, read and mmap regions and set
 * IRQs.  Every fd it hands out is a real fd (a dup of /dev/null, so leaks
 * show in /proc/self/fd) and every BAR mapping is a real mapping of a memfd
 * named "uvfio-mock-bar" (so leaks show in /proc/self/maps).
 *
 * Failure injection: mock_fail_at(N, kinds) makes the Nth call among @kinds
 * return -EIO (N counts from 1; 0 disables).
 */
#ifndef UVFIO_TEST_MOCK_VFIO_H
#define UVFIO_TEST_MOCK_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/backend.h"

#define MOCK_MAX_DEVICES 8
#define MOCK_MAX_MAPS 64

/* Call kinds for mock_fail_at(). */
#define MOCK_IOCTL (1u << 0)
#define MOCK_OPEN (1u << 1)
#define MOCK_MMAP (1u << 2)
#define MOCK_RW (1u << 3)    /* pread / pwrite */
#define MOCK_SYSFS (1u << 4) /* readlink / access / list_dir */
#define MOCK_ALL 0x1fu

struct mock_device {
	const char *bdf;
	int group;
	const char *driver; /* "vfio-pci", "nvme", "" (none) */
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class;
	bool has_reset;
	/* state */
	int open_count;
	uint32_t live, fact, status, irq_status;
	uint8_t config[256];
	int irq_efd[5]; /* TRIGGER eventfd per index (vector 0) */
	unsigned int unmasks[5];
};

struct mock_map {
	uint64_t iova, size, vaddr;
	uint32_t flags;
};

struct mock_state {
	/* configuration */
	bool no_container_node; /* /dev/vfio/vfio absent */
	bool no_vfio_pci;	/* the vfio-pci driver is not loaded */
	bool eacces_group;	/* /dev/vfio/N: permission denied */
	bool no_type1v2;
	bool eperm_set_iommu; /* no interrupt remapping */
	bool no_iova_cap;
	bool narrow_with_two; /* two groups attached: IOVAs start at 1 MiB */
	unsigned int ndev;
	struct mock_device dev[MOCK_MAX_DEVICES];
	/* state */
	int container_groups; /* groups attached */
	int iommu_type;
	struct mock_map maps[MOCK_MAX_MAPS];
	unsigned int nmaps;
	unsigned int calls; /* counted calls (of the fail kinds) */
	unsigned int fail_at;
	unsigned int fail_kinds;
	unsigned int injected;
	unsigned int ioctls; /* every ioctl, counted */
	unsigned int set_iommu_calls;
	unsigned int group_opens;
};

extern struct mock_state mock;
extern const struct uvfio_sys_ops mock_sys;

/* mock_reset() - one edu (00:03.0, group 1, vfio-pci) and one nvme (00:04.0, group 2, vfio-pci). */
void mock_reset(void);
/* mock_add() - another device; returns it. */
struct mock_device *mock_add(const char *bdf, int group, const char *driver, uint16_t vendor,
			     uint16_t device, uint32_t class);
struct mock_device *mock_find(const char *bdf);
void mock_fail_at(unsigned int n, unsigned int kinds);
/* mock_install() - mock_sys into @c and the mock lister into the backend. */
void mock_install(struct uvfio_container *c);
void mock_uninstall(void);

/* Leak accounting: open fds and mock BAR mappings of this process. */
int mock_count_fds(void);
int mock_count_bar_maps(void);

/* The mock's BAR0 register file (edu layout). */
#define MOCK_EDU_IDENT 0x010000edu

#endif
