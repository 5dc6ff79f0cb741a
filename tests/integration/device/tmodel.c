/* SPDX-License-Identifier: MIT */
/*
 * tests/integration/device/tmodel.c - the test-only MSI-X / sparse-mmap
 * device model (see tmodel.h).  It uses include/uvfio/device.h only, like
 * any model.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmodel.h"

static ssize_t tm_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct tmodel *tm = priv;
	uint32_t v;

	memset(buf, 0xff, len);
	if (len != 4)
		return (ssize_t)len;
	switch (off) {
	case TM_REG_MAGIC:
		v = TM_MAGIC;
		break;
	case TM_REG_RESULT:
		v = (uint32_t)tm->result;
		break;
	case TM_REG_OFFSET:
		v = tm->offset;
		break;
	case TM_REG_VALUE:
		v = tm->value;
		break;
	case TM_REG_IRQ_MODE:
		v = (uint32_t)uvfio_dev_irq_mode(dev);
		break;
	case TM_REG_TRIGGERS:
		v = tm->triggers;
		break;
	default:
		return (ssize_t)len;
	}
	v = htole32(v);
	memcpy(buf, &v, 4);
	return (ssize_t)len;
}

static void tm_cmd(struct tmodel *tm, uint32_t cmd)
{
	if (tm->offset > TM_BAR0_SIZE - 4 || (tm->offset & 3)) {
		tm->result = -EINVAL;
		return;
	}
	/* Through the model's own mapping: the same memory the client mmaps. */
	switch (cmd) {
	case TM_CMD_STORE:
		*(volatile uint32_t *)(tm->bar0 + tm->offset) = htole32(tm->value);
		tm->result = 0;
		break;
	case TM_CMD_LOAD:
		tm->value = le32toh(*(volatile uint32_t *)(tm->bar0 + tm->offset));
		tm->result = 0;
		break;
	default:
		tm->result = -EINVAL;
		break;
	}
}

static ssize_t tm_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			size_t len)
{
	struct tmodel *tm = priv;
	uint32_t v;

	if (len != 4)
		return (ssize_t)len;
	memcpy(&v, buf, 4);
	v = le32toh(v);
	switch (off) {
	case TM_REG_TRIGGER:
		tm->triggers++;
		tm->result = uvfio_dev_msi_trigger(dev, VFIO_PCI_MSIX_IRQ_INDEX, v);
		break;
	case TM_REG_OFFSET:
		tm->offset = v;
		break;
	case TM_REG_VALUE:
		tm->value = v;
		break;
	case TM_REG_CMD:
		tm_cmd(tm, v);
		break;
	default:
		break;
	}
	return (ssize_t)len;
}

static const struct uvfio_region_ops tm_ctrl_ops = {
	.read = tm_read,
	.write = tm_write,
};

static const struct uvfio_dev_ops tm_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
};

static void *tm_thread(void *arg)
{
	struct tmodel *tm = arg;

	tm->run_rc = uvfio_dev_run(tm->dev, tm->listen_fd);
	return NULL;
}

int tmodel_start(struct tmodel *tm, uint32_t max_msg_fds)
{
	static const struct uvfio_dev_pci_id id = {
		.vendor = TM_VENDOR,
		.device = TM_DEVICE,
		.subsystem_vendor = TM_VENDOR,
		.subsystem_device = TM_DEVICE,
		.revision = 1,
		.class_code = 0x00ff00,
		.irq_pin = 0,
	};
	void *mapping = NULL;
	int rc;

	memset(tm, 0, sizeof(*tm));
	tm->listen_fd = -1;
	snprintf(tm->dir, sizeof(tm->dir), "/tmp/uvfio-tmodel-XXXXXX");
	if (!mkdtemp(tm->dir))
		return -errno;
	snprintf(tm->sock, sizeof(tm->sock), "%s/dev.sock", tm->dir);
	snprintf(tm->where, sizeof(tm->where), "unix:%s", tm->sock);

	rc = uvfio_dev_create(&tm_ops, tm, &id, UVFIO_DEV_PCIE, &tm->dev);
	if (rc < 0)
		goto err_rmdir;
	if (max_msg_fds) {
		struct uvfio_dev_limits lim = { .max_msg_fds = max_msg_fds };

		rc = uvfio_dev_set_limits(tm->dev, &lim);
		if (rc < 0)
			goto err_destroy;
	}
	rc = uvfio_dev_setup_bar_mem(tm->dev, 0, TM_BAR0_SIZE,
				     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32,
				     -1, 0, &mapping);
	if (rc < 0)
		goto err_destroy;
	tm->bar0 = mapping;
	rc = uvfio_dev_setup_bar(tm->dev, 2, TM_BAR2_SIZE,
				 PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32,
				 &tm_ctrl_ops, tm);
	if (rc < 0)
		goto err_destroy;
	rc = uvfio_dev_add_cap_pcie(tm->dev, 0);
	if (rc < 0)
		goto err_destroy;
	rc = uvfio_dev_add_cap_msix(tm->dev, TM_NVEC, 0, TM_TABLE_OFF, 0, TM_PBA_OFF);
	if (rc < 0)
		goto err_destroy;

	rc = uvfio_dev_listen(tm->sock);
	if (rc < 0)
		goto err_destroy;
	tm->listen_fd = rc;
	rc = -pthread_create(&tm->thread, NULL, tm_thread, tm);
	if (rc < 0)
		goto err_close;
	return 0;

err_close:
	close(tm->listen_fd);
err_destroy:
	uvfio_dev_destroy(tm->dev);
	tm->dev = NULL;
err_rmdir:
	unlink(tm->sock);
	rmdir(tm->dir);
	return rc;
}

int tmodel_stop(struct tmodel *tm)
{
	uvfio_dev_stop(tm->dev);
	pthread_join(tm->thread, NULL);
	uvfio_dev_destroy(tm->dev);
	tm->dev = NULL;
	close(tm->listen_fd);
	unlink(tm->sock);
	rmdir(tm->dir);
	return tm->run_rc;
}
