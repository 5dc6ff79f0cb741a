// SPDX-License-Identifier: MIT
/*
 * bench/model.c - the bench device model, served by lib/device on its own
 * thread with uvfio_dev_run(), as uvfiod serves each device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"

static ssize_t bar0_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct bdev *b = priv;

	(void)dev;
	if (off == BDEV_REG_VALUE && len == 4) {
		/* A register with a side effect, as a status register has. */
		uint32_t v = 0xc0ffee00u + (b->reads++ & 0xff);

		memcpy(buf, &v, sizeof(v));
		return (ssize_t)len;
	}
	memcpy(buf, (uint8_t *)b->regs + off, len);
	return (ssize_t)len;
}

static ssize_t bar0_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			  size_t len)
{
	struct bdev *b = priv;

	(void)dev;
	memcpy((uint8_t *)b->regs + off, buf, len);
	return (ssize_t)len;
}

static const struct uvfio_region_ops bar0_ops = {
	.read = bar0_read,
	.write = bar0_write,
};

static const struct uvfio_dev_ops bdev_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
};

static void job_ready(struct uvfio_dev *dev, void *arg, uint32_t revents)
{
	struct bdev *b = arg;
	uint64_t v;
	uint64_t one = 1;

	(void)dev;
	(void)revents;
	if (read(b->job_fd, &v, sizeof(v)) != sizeof(v))
		return;
	if (b->job)
		b->job(b);
	if (b->job_sync && write(b->done_fd, &one, sizeof(one)) != sizeof(one))
		die("done eventfd: %s", strerror(errno));
}

static void *run_thread(void *arg)
{
	struct bdev *b = arg;

	b->run_ret = uvfio_dev_run(b->dev, b->listen_fd);
	return NULL;
}

int bdev_start(struct bdev *b, unsigned int poll_us, uint32_t max_dma_maps)
{
	const struct uvfio_dev_pci_id id = {
		.vendor = 0x1234,
		.device = 0xbe0c,
		.class_code = 0xff0000,
	};
	int ret;

	memset(b, 0, sizeof(*b));
	b->listen_fd = -1;
	ret = uvfio_dev_create(&bdev_ops, b, &id, UVFIO_DEV_PCIE, &b->dev);
	if (ret)
		return ret;
	CHECK(uvfio_dev_setup_bar(b->dev, 0, BDEV_BAR0_SIZE, 0, &bar0_ops, b));
	CHECK(uvfio_dev_setup_bar_mem(b->dev, 2, BDEV_BAR2_SIZE, 0, -1, 0, &b->bar2));
	CHECK(uvfio_dev_add_cap_msi(b->dev, 1, UVFIO_MSI_64BIT));
	CHECK(uvfio_dev_add_cap_pcie(b->dev, 0));
	if (max_dma_maps) {
		struct uvfio_dev_limits l = {.max_dma_maps = max_dma_maps};

		CHECK(uvfio_dev_set_limits(b->dev, &l));
	}
	CHECK(uvfio_dev_set_poll_us(b->dev, poll_us));
	b->job_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->done_fd = eventfd(0, EFD_CLOEXEC);
	if (b->job_fd < 0 || b->done_fd < 0)
		die("eventfd: %s", strerror(errno));
	CHECK(uvfio_dev_watch_fd(b->dev, b->job_fd, EPOLLIN, job_ready, b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/uvfio-bench-XXXXXX");
	if (!mkdtemp(b->dir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(b->path, sizeof(b->path), "%s/dev.sock", b->dir);
	b->listen_fd = uvfio_dev_listen(b->path);
	CHECK(b->listen_fd);
	if (pthread_create(&b->th, NULL, run_thread, b))
		die("pthread_create");
	return 0;
}

void bdev_stop(struct bdev *b)
{
	uvfio_dev_stop(b->dev);
	pthread_join(b->th, NULL);
	if (b->run_ret)
		die("uvfio_dev_run: %d", b->run_ret);
	uvfio_dev_destroy(b->dev);
	close(b->listen_fd);
	close(b->job_fd);
	close(b->done_fd);
	unlink(b->path);
	rmdir(b->dir);
	b->dev = NULL;
}

const char *bdev_where(struct bdev *b, char *buf, size_t len)
{
	snprintf(buf, len, "unix:%s", b->path);
	return buf;
}

void bdev_run_job(struct bdev *b, void (*fn)(struct bdev *b), void *arg)
{
	uint64_t one = 1;
	uint64_t v;

	b->job = fn;
	b->job_arg = arg;
	b->job_sync = true;
	if (write(b->job_fd, &one, sizeof(one)) != sizeof(one) ||
	    read(b->done_fd, &v, sizeof(v)) != sizeof(v))
		die("job eventfds: %s", strerror(errno));
	b->job_sync = false;
}
