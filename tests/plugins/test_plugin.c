// SPDX-License-Identifier: MIT
/*
 * tests/plugins/test_plugin.c - a vendor-driver plugin for uvfiod's tests:
 * parent "uvt" with type "uvt-regs", a small PCI device with a register
 * BAR, loaded from a plugin directory through the "uvfio_mdev_plugin"
 * descriptor (include/uvfio/mdev.h).
 *
 * Built twice: uvfio-test-plugin.so, and with TEST_PLUGIN_BAD_ABI
 * uvfio-test-plugin-badabi.so, whose descriptor claims another ABI version
 * and must be refused.
 *
 * BAR0 (4 KiB, 32-bit memory, trapped):
 *   0x00 UVT_REG_MAGIC    RO  UVT_MAGIC
 *   0x04 UVT_REG_SCRATCH  RW  kept across clients
 *   0x08 UVT_REG_READS    RO  reads of BAR0 so far (this one included)
 *   0x0c UVT_REG_INSTANCE RO  instance number within the parent
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uvfio/mdev.h>

#include "test_plugin.h"

struct uvt {
	uint32_t scratch;
	uint32_t reads;
	uint32_t instance;
};

static unsigned int next_instance;

static ssize_t bar_read(struct uvfio_dev *dev, void *priv, uint64_t off, void *buf, size_t len)
{
	struct uvt *u = priv;
	uint32_t v = 0;

	(void)dev;
	if (len != 4 || (off & 3))
		return -EINVAL;
	u->reads++;
	switch (off) {
	case UVT_REG_MAGIC:
		v = UVT_MAGIC;
		break;
	case UVT_REG_SCRATCH:
		v = u->scratch;
		break;
	case UVT_REG_READS:
		v = u->reads;
		break;
	case UVT_REG_INSTANCE:
		v = u->instance;
		break;
	default:
		break;
	}
	memcpy(buf, &v, 4);
	return 4;
}

static ssize_t bar_write(struct uvfio_dev *dev, void *priv, uint64_t off, const void *buf,
			 size_t len)
{
	struct uvt *u = priv;

	(void)dev;
	if (len != 4 || (off & 3))
		return -EINVAL;
	if (off == UVT_REG_SCRATCH)
		memcpy(&u->scratch, buf, 4);
	return 4;
}

static const struct uvfio_region_ops bar_ops = {
	.read = bar_read,
	.write = bar_write,
};

static const struct uvfio_dev_ops dev_ops = {
	.version = UVFIO_DEV_OPS_VERSION,
};

static int uvt_create(struct uvfio_mdev *m, void *parent_priv,
		      const struct uvfio_mdev_type_info *type, struct uvfio_dev **out,
		      void **drvdata)
{
	const struct uvfio_dev_pci_id id = {
		.vendor = UVT_VENDOR,
		.device = UVT_DEVICE,
		.subsystem_vendor = UVT_VENDOR,
		.subsystem_device = UVT_DEVICE,
		.revision = 1,
		.class_code = UVT_CLASS,
	};
	struct uvt *u;
	int ret;

	(void)parent_priv;
	(void)type;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->instance = next_instance++;
	ret = uvfio_dev_create(&dev_ops, u, &id, 0, out);
	if (ret)
		goto err_free;
	uvfio_dev_set_log(*out, uvfio_mdev_dev_log, m);
	ret = uvfio_dev_setup_bar(*out, 0, UVT_BAR_SIZE, 0, &bar_ops, u);
	if (ret)
		goto err_destroy;
	*drvdata = u;
	return 0;

err_destroy:
	uvfio_dev_destroy(*out);
	*out = NULL;
err_free:
	free(u);
	return ret;
}

static void uvt_remove(struct uvfio_mdev *m, void *parent_priv, struct uvfio_dev *dev,
		       void *drvdata)
{
	(void)m;
	(void)parent_priv;
	uvfio_dev_destroy(dev);
	free(drvdata);
}

/* Vendor attributes: shown by `uvfioctl list`; "scratch" is writable at creation. */
static void uvt_show_attrs(struct uvfio_mdev *m, void *drvdata, uvfio_mdev_attr_fn emit, void *ctx)
{
	char buf[16];

	(void)m;
	emit(ctx, "plugin", "uvfio-test-plugin");
	snprintf(buf, sizeof(buf), "%u", ((struct uvt *)drvdata)->scratch);
	emit(ctx, "scratch", buf);
}

static int uvt_store_attr(struct uvfio_mdev *m, void *drvdata, const char *name, const char *value)
{
	struct uvt *u = drvdata;
	char *end;
	unsigned long v;

	(void)m;
	if (strcmp(name, "scratch") != 0)
		return -ENOENT;
	v = strtoul(value, &end, 0);
	if (!*value || *end || v > UINT32_MAX)
		return -EINVAL;
	u->scratch = (uint32_t)v;
	return 0;
}

static const struct uvfio_mdev_parent_ops uvt_ops = {
	.version = UVFIO_MDEV_OPS_VERSION,
	.create = uvt_create,
	.remove = uvt_remove,
	.show_attrs = uvt_show_attrs,
	.store_attr = uvt_store_attr,
};

static const struct uvfio_mdev_type_info uvt_types[] = {
	{
		.name = UVT_TYPE,
		.pretty_name = "uvt registers",
		.description = "test plugin: a BAR of registers",
		.max_instances = UVT_MAX_INSTANCES,
	},
};

static int uvt_register(struct uvfio_mdev_core *core)
{
	return uvfio_mdev_parent_register(core,
					  &(struct uvfio_mdev_parent_info){
						  .name = UVT_PARENT,
						  .ops = &uvt_ops,
						  .types = uvt_types,
						  .nr_types = 1,
					  },
					  NULL);
}

#ifdef TEST_PLUGIN_BAD_ABI
#define ABI (UVFIO_MDEV_PLUGIN_ABI + 41)
#else
#define ABI UVFIO_MDEV_PLUGIN_ABI
#endif

__attribute__((visibility("default"))) const struct uvfio_mdev_plugin uvfio_mdev_plugin = {
	.abi_version = ABI,
	.name = "uvfio-test-plugin",
	.register_parents = uvt_register,
};
