// SPDX-License-Identifier: MIT
/*
 * lib/driver/sys.c - the default system-call table (backend.h: sys ops):
 * thin wrappers that return -errno instead of -1 and errno, so a mock table
 * in a unit test has the same shape as the real one.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"

static int sys_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int sys_close(int fd)
{
	return close(fd) ? -errno : 0;
}

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

static int sys_ioctl_int(int fd, unsigned long request, unsigned long arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

static int sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **out)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int sys_munmap(void *addr, size_t len)
{
	return munmap(addr, len) ? -errno : 0;
}

static ssize_t sys_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static ssize_t sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pwrite(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static ssize_t sys_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (!size)
		return -EINVAL;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static int sys_access(const char *path, int mode)
{
	return access(path, mode) ? -errno : 0;
}

const struct uvfio_sys_ops uvfio_sys_default = {
	.version = UVFIO_SYS_OPS_VERSION,
	.open = sys_open,
	.close = sys_close,
	.ioctl = sys_ioctl,
	.ioctl_int = sys_ioctl_int,
	.mmap = sys_mmap,
	.munmap = sys_munmap,
	.pread = sys_pread,
	.pwrite = sys_pwrite,
	.readlink = sys_readlink,
	.access = sys_access,
};
