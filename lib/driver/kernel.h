/* SPDX-License-Identifier: MIT */
/*
 * lib/driver/kernel.h - internals of the kernel VFIO backend (type1
 * container/group/device API on /dev/vfio), shared by kernel*.c, pcidrv.c
 * and the unit tests.  Not a public API.
 *
 * Every system call goes through the container's struct uvfio_sys_ops
 * (backend.h), so a mock /dev/vfio can stand in for the kernel.  Directory
 * listing (sysfs) is not in that table (version 1), so it has its own hook
 * here, uvfio_kernel_set_list_dir().
 */
#ifndef UVFIO_DRIVER_KERNEL_H
#define UVFIO_DRIVER_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "backend.h"

/* "DDDD:BB:DD.F" with a domain of up to 8 hex digits (VMD uses 0x10000+). */
#define UVFIO_KERNEL_BDF_MAX 20

/* IOVA ranges kept from the IOVA_RANGE capability; later ones are dropped. */
#define UVFIO_KERNEL_MAX_IOVA_RANGES 64

/**
 * struct uvfio_kernel_iommu_info - VFIO_IOMMU_GET_INFO, decoded.
 * @pgsizes: iova_pgsizes (4096 if the kernel reported none).
 * @has_dma_avail, @dma_avail: VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL.
 * @has_ranges: the IOVA_RANGE capability was present; if not, @ranges holds
 *              a default (everything except the x86 MSI window).
 * @nr_ranges, @ranges: usable IOVA ranges, inclusive ends.
 */
struct uvfio_kernel_iommu_info {
	uint64_t pgsizes;
	bool has_dma_avail;
	uint32_t dma_avail;
	bool has_ranges;
	uint32_t nr_ranges;
	struct vfio_iova_range ranges[UVFIO_KERNEL_MAX_IOVA_RANGES];
};

/**
 * uvfio_kernel_parse_iommu_info() - decode a VFIO_IOMMU_GET_INFO reply.
 * @buf: struct vfio_iommu_type1_info and its capability chain.
 * @len: bytes valid at @buf.
 * @info: out.
 * Every capability offset is bounds-checked; offsets must increase; at most
 * 64 capabilities are walked; a range with start > end is malformed.
 * Return: 0 or -EPROTO.
 */
int uvfio_kernel_parse_iommu_info(const void *buf, size_t len,
				  struct uvfio_kernel_iommu_info *info);

/**
 * uvfio_kernel_parse_bdf() - normalise a PCI address.
 * @s: "DDDD:BB:DD.F" or "BB:DD.F" (hex; a missing domain is 0000).
 * @out: "%04x:%02x:%02x.%x", UVFIO_KERNEL_BDF_MAX bytes.
 * Return: 0, or -EINVAL if @s is not a PCI address.
 */
int uvfio_kernel_parse_bdf(const char *s, char out[UVFIO_KERNEL_BDF_MAX]);

/** uvfio_kernel_is_bdf() - @s parses as a PCI address. */
bool uvfio_kernel_is_bdf(const char *s);

/*
 * sysfs directory listing: call @fn for each entry but "." and ".."; stop
 * when it returns non-zero and return that.  Return 0 or -errno otherwise.
 */
typedef int (*uvfio_kernel_list_dir_fn)(const char *path, int (*fn)(void *arg, const char *name),
					void *arg);

/** uvfio_kernel_set_list_dir() - replace the directory lister (NULL: opendir). */
void uvfio_kernel_set_list_dir(uvfio_kernel_list_dir_fn fn);
/** uvfio_kernel_list_dir() - list @path through the current lister. */
int uvfio_kernel_list_dir(const char *path, int (*fn)(void *arg, const char *name), void *arg);

/**
 * uvfio_kernel_read_attr() - read a sysfs attribute of a PCI device as a
 * number ("0x1234\n" as vendor, device, class ... print it).
 * @sys: system calls.  @bdf: normalised address.  @attr: "vendor", ...
 * Return: 0 and *@val, or -errno (-EINVAL for unparsable text).
 */
int uvfio_kernel_read_attr(const struct uvfio_sys_ops *sys, const char *bdf, const char *attr,
			   uint32_t *val);

/**
 * uvfio_kernel_driver_of() - the name of the driver @bdf is bound to.
 * @drv: out, "" when the device has no driver.
 * Return: 0, or -errno (-ENOENT: no such device).
 */
int uvfio_kernel_driver_of(const struct uvfio_sys_ops *sys, const char *bdf, char *drv, size_t len);

/** uvfio_kernel_is_vfio_driver() - vfio-pci or a vfio-pci variant driver. */
bool uvfio_kernel_is_vfio_driver(const char *drv);

/**
 * uvfio_kernel_group_of() - the IOMMU group number of @bdf.
 * Return: 0 and *@group, -ENOENT (no iommu_group link: no IOMMU), -errno.
 */
int uvfio_kernel_group_of(const struct uvfio_sys_ops *sys, const char *bdf, int *group);

/**
 * uvfio_kernel_explain_open() - check what stops @bdf from being used through
 * VFIO before touching /dev/vfio, and say it in uvfio_last_error().
 * Checks: the device exists, it has an IOMMU group, it is bound to vfio-pci.
 * Return: 0 and *@group, or -ENODEV with the explanation set.
 */
int uvfio_kernel_explain_open(const struct uvfio_sys_ops *sys, const char *bdf, int *group);

/**
 * uvfio_kernel_explain_not_viable() - set uvfio_last_error() for IOMMU group
 * @group that VFIO_GROUP_GET_STATUS called not viable, naming the device of
 * /sys/kernel/iommu_groups/@group/devices that spoils it and its driver.
 * Return: @err.
 */
int uvfio_kernel_explain_not_viable(const struct uvfio_sys_ops *sys, int group, int err);

#endif /* UVFIO_DRIVER_KERNEL_H */
