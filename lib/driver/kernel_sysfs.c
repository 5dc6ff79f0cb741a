// SPDX-License-Identifier: MIT
/*
 * kernel_sysfs.c - what sysfs says about a PCI device before VFIO is asked:
 * its address, IOMMU group, driver, and the words that tell a user what to
 * do when it cannot be used (Documentation/driver-api/vfio.rst, "VFIO Usage
 * Example", is the procedure the messages repeat).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

#define SYSFS_PCI_DEVICES "/sys/bus/pci/devices"
#define SYSFS_IOMMU_GROUPS "/sys/kernel/iommu_groups"
#define SYSFS_VFIO_PCI_DRIVER "/sys/bus/pci/drivers/vfio-pci"

/*
 * parse_hex() - read hex digits at *@p into @v: at least one and at most
 * @max_digits; advances *@p.
 */
static bool parse_hex(const char **p, unsigned int max_digits, unsigned long *v)
{
	unsigned int n = 0;

	*v = 0;
	while (isxdigit((unsigned char)**p)) {
		if (++n > max_digits)
			return false;
		*v = *v * 16 + (unsigned long)(isdigit((unsigned char)**p)
						       ? **p - '0'
						       : tolower((unsigned char)**p) - 'a' + 10);
		(*p)++;
	}
	return n > 0;
}

int uvfio_kernel_parse_bdf(const char *s, char out[UVFIO_KERNEL_BDF_MAX])
{
	unsigned long dom = 0, bus, dev, fn;
	const char *p = s;
	const char *colon;

	if (!s)
		return -EINVAL;
	/* Two colons: a domain is present ("0000:00:03.0"); one: "00:03.0". */
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) {
		if (!parse_hex(&p, 8, &dom) || *p++ != ':')
			return -EINVAL;
	}
	if (!parse_hex(&p, 2, &bus) || *p++ != ':')
		return -EINVAL;
	/* PCI r3.0 §2.2.6.2: 5-bit device number, 3-bit function number. */
	if (!parse_hex(&p, 2, &dev) || dev > 0x1f || *p++ != '.')
		return -EINVAL;
	if (!parse_hex(&p, 1, &fn) || fn > 7 || *p)
		return -EINVAL;
	snprintf(out, UVFIO_KERNEL_BDF_MAX, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	return 0;
}

bool uvfio_kernel_is_bdf(const char *s)
{
	char tmp[UVFIO_KERNEL_BDF_MAX];

	return uvfio_kernel_parse_bdf(s, tmp) == 0;
}

static int opendir_list(const char *path, int (*fn)(void *arg, const char *name), void *arg)
{
	struct dirent *e;
	DIR *dir;
	int ret = 0;

	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		ret = fn(arg, e->d_name);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

static uvfio_kernel_list_dir_fn list_dir_fn = opendir_list;

void uvfio_kernel_set_list_dir(uvfio_kernel_list_dir_fn fn)
{
	list_dir_fn = fn ? fn : opendir_list;
}

int uvfio_kernel_list_dir(const char *path, int (*fn)(void *arg, const char *name), void *arg)
{
	return list_dir_fn(path, fn, arg);
}

int uvfio_kernel_read_attr(const struct uvfio_sys_ops *sys, const char *bdf, const char *attr,
			   uint32_t *val)
{
	char path[256];
	char buf[32];
	unsigned long v;
	ssize_t n;
	char *end;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/%s", bdf, attr);
	fd = sys->open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	n = sys->pread(fd, buf, sizeof(buf) - 1, 0);
	sys->close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || end == buf || v > UINT32_MAX)
		return -EINVAL;
	*val = (uint32_t)v;
	return 0;
}

/* link_basename() - readlink @path and return the last component in @out. */
static int link_basename(const struct uvfio_sys_ops *sys, const char *path, char *out, size_t len)
{
	char link[512];
	const char *base;
	ssize_t n;

	n = sys->readlink(path, link, sizeof(link));
	if (n < 0)
		return (int)n;
	if ((size_t)n >= sizeof(link) - 1)
		return -ENAMETOOLONG;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(out, base);
	return 0;
}

int uvfio_kernel_driver_of(const struct uvfio_sys_ops *sys, const char *bdf, char *drv, size_t len)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s", bdf);
	ret = sys->access(path, F_OK);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/driver", bdf);
	ret = link_basename(sys, path, drv, len);
	if (ret == -ENOENT) {
		/* No driver link: the device is bound to no driver. */
		drv[0] = '\0';
		return 0;
	}
	return ret;
}

bool uvfio_kernel_is_vfio_driver(const char *drv)
{
	/*
	 * vfio-pci itself, and the vfio-pci variant drivers built on
	 * vfio_pci_core (mlx5_vfio_pci, hisi_acc_vfio_pci, ...), all of which
	 * create the group's /dev/vfio/N.
	 */
	return !strcmp(drv, "vfio-pci") || strstr(drv, "vfio") != NULL;
}

int uvfio_kernel_group_of(const struct uvfio_sys_ops *sys, const char *bdf, int *group)
{
	char path[256];
	char name[64];
	char *end;
	long g;
	int ret;

	snprintf(path, sizeof(path), SYSFS_PCI_DEVICES "/%s/iommu_group", bdf);
	ret = link_basename(sys, path, name, sizeof(name));
	if (ret)
		return ret;
	errno = 0;
	g = strtol(name, &end, 10);
	if (errno || end == name || *end || g < 0 || g > 0x7fffffff)
		return -EINVAL;
	*group = (int)g;
	return 0;
}

int uvfio_kernel_explain_open(const struct uvfio_sys_ops *sys, const char *bdf, int *group)
{
	const char *modprobe;
	char drv[128];
	int ret;

	ret = uvfio_kernel_driver_of(sys, bdf, drv, sizeof(drv));
	if (ret == -ENOENT)
		return uvfio_fail(-ENODEV,
				  "no PCI device %s: " SYSFS_PCI_DEVICES
				  "/%s does not exist (lspci -D lists the addresses)",
				  bdf, bdf);
	if (ret)
		return uvfio_fail(ret, "cannot read the driver of %s in sysfs: %s", bdf,
				  strerror(-ret));

	ret = uvfio_kernel_group_of(sys, bdf, group);
	if (ret == -ENOENT)
		return uvfio_fail(-ENODEV,
				  "%s has no IOMMU group (no " SYSFS_PCI_DEVICES
				  "/%s/iommu_group link): there is no IOMMU, or it is off; enable "
				  "VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (or "
				  "amd_iommu=on), or drive the device over vfio-user instead",
				  bdf, bdf);
	if (ret)
		return uvfio_fail(ret, "cannot read the IOMMU group of %s in sysfs: %s", bdf,
				  strerror(-ret));

	if (drv[0] && uvfio_kernel_is_vfio_driver(drv))
		return 0;
	/* Binding needs the driver: without the module there is nothing to bind to. */
	modprobe = sys->access(SYSFS_VFIO_PCI_DRIVER, F_OK)
			   ? "the vfio-pci module is not loaded: modprobe vfio-pci, then "
			   : "";
	if (!drv[0])
		return uvfio_fail(-ENODEV,
				  "%s is not bound to vfio-pci (it has no driver); %sbind it as "
				  "root: echo vfio-pci > " SYSFS_PCI_DEVICES "/%s/driver_override; "
				  "echo %s > /sys/bus/pci/drivers_probe",
				  bdf, modprobe, bdf, bdf);
	return uvfio_fail(-ENODEV,
			  "%s is not bound to vfio-pci (it is bound to %s); %sbind it as root: "
			  "echo vfio-pci > " SYSFS_PCI_DEVICES "/%s/driver_override; "
			  "echo %s > " SYSFS_PCI_DEVICES "/%s/driver/unbind; "
			  "echo %s > /sys/bus/pci/drivers_probe",
			  bdf, drv, modprobe, bdf, bdf, bdf, bdf);
}

struct culprit_search {
	const struct uvfio_sys_ops *sys;
	char bdf[256];
	char drv[128];
	unsigned int seen;
};

static int find_culprit(void *arg, const char *name)
{
	struct culprit_search *cs = arg;
	char drv[128];

	/* Bound runaway listings: no IOMMU group holds this many functions. */
	if (++cs->seen > 4096)
		return -ELOOP;
	if (uvfio_kernel_driver_of(cs->sys, name, drv, sizeof(drv)))
		return 0;
	/*
	 * A group is viable when every device is bound to a vfio driver, to no
	 * driver, or to a driver that manages DMA ownership itself
	 * (driver_managed_dma: pcieport, pci-stub since Linux 5.19).
	 */
	if (!drv[0] || uvfio_kernel_is_vfio_driver(drv) || !strcmp(drv, "pcieport") ||
	    !strcmp(drv, "pci-stub"))
		return 0;
	snprintf(cs->bdf, sizeof(cs->bdf), "%s", name);
	snprintf(cs->drv, sizeof(cs->drv), "%s", drv);
	return 1;
}

int uvfio_kernel_explain_not_viable(const struct uvfio_sys_ops *sys, int group, int err)
{
	struct culprit_search cs = {.sys = sys};
	char path[128];
	int ret;

	snprintf(path, sizeof(path), SYSFS_IOMMU_GROUPS "/%d/devices", group);
	ret = uvfio_kernel_list_dir(path, find_culprit, &cs);
	if (ret == 1)
		return uvfio_fail(err,
				  "IOMMU group %d is not viable: %s in the same group is bound to "
				  "%s, not vfio-pci; every device in %s must be bound to vfio-pci "
				  "(or to no driver) before any of them can be used",
				  group, cs.bdf, cs.drv, path);
	return uvfio_fail(err,
			  "IOMMU group %d is not viable: a device in %s is bound to a host driver; "
			  "bind every device of the group to vfio-pci (or to no driver)",
			  group, path);
}
