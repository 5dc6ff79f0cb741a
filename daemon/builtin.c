// SPDX-License-Identifier: MIT
/*
 * daemon/builtin.c - the vendor drivers built into uvfiod: parents "edu"
 * (devices/edu) and "mtty" (devices/mtty, Linux's mtty sample: types
 * mtty-1 and mtty-2 sharing a pool of 24 ports, linux-vfio.md §6.4).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <uvfio/mdev.h>

#include "daemon.h"
#include "edu/edu.h"
#include "mtty/mtty.h"

/* edu: instances per parent (the kernel samples use small fixed pools too). */
#define EDU_PARENT_CAPACITY 16

static int edu_create(struct uvfio_mdev *m, void *parent_priv,
		      const struct uvfio_mdev_type_info *type, struct uvfio_dev **out,
		      void **drvdata)
{
	int ret;

	(void)parent_priv;
	(void)type;
	(void)drvdata;
	ret = uvfio_edu_create(out);
	if (ret)
		return ret;
	uvfio_edu_set_log(*out, uvfio_mdev_dev_log, m);
	return 0;
}

static void edu_remove(struct uvfio_mdev *m, void *parent_priv, struct uvfio_dev *dev,
		       void *drvdata)
{
	(void)m;
	(void)parent_priv;
	(void)drvdata;
	uvfio_edu_destroy(dev);
}

static const struct uvfio_mdev_parent_ops edu_ops = {
	.version = UVFIO_MDEV_OPS_VERSION,
	.create = edu_create,
	.remove = edu_remove,
};

static const struct uvfio_mdev_type_info edu_types[] = {
	{
		.name = "edu",
		.pretty_name = "edu",
		.description = "QEMU's educational PCI device 1234:11e8: factorial, DMA, "
			       "INTx/MSI (docs/edu.md)",
	},
};

/* mtty: the ports a type takes are devices/mtty's own accounting. */
static unsigned int mtty_get_available(void *parent_priv, const struct uvfio_mdev_type_info *type,
				       unsigned int used)
{
	(void)parent_priv;
	return uvfio_mtty_available_instances(type->priv, used);
}

static int mtty_create(struct uvfio_mdev *m, void *parent_priv,
		       const struct uvfio_mdev_type_info *type, struct uvfio_dev **out,
		       void **drvdata)
{
	const struct uvfio_mtty_type *mt = type->priv;
	int ret;

	(void)parent_priv;
	(void)drvdata;
	ret = uvfio_mtty_create(mt->nr_ports, out);
	if (ret)
		return ret;
	uvfio_dev_set_log(*out, uvfio_mdev_dev_log, m);
	return 0;
}

static void mtty_remove(struct uvfio_mdev *m, void *parent_priv, struct uvfio_dev *dev,
			void *drvdata)
{
	(void)m;
	(void)parent_priv;
	(void)drvdata;
	uvfio_mtty_destroy(dev);
}

/* The pty of each port, for `uvfioctl list` (the sample's vendor attributes). */
static void mtty_show_attrs(struct uvfio_mdev *m, void *drvdata, uvfio_mdev_attr_fn emit, void *ctx)
{
	struct uvfio_dev *dev = uvfio_mdev_dev(m);
	char name[32];
	char pty[64];

	(void)drvdata;
	for (unsigned int p = 0; dev && p < uvfio_mtty_nr_ports(dev); p++) {
		if (uvfio_mtty_port_pty(dev, p, pty, sizeof(pty)))
			continue;
		snprintf(name, sizeof(name), "port%u_pty", p);
		emit(ctx, name, pty);
	}
}

static const struct uvfio_mdev_parent_ops mtty_ops = {
	.version = UVFIO_MDEV_OPS_VERSION,
	.create = mtty_create,
	.remove = mtty_remove,
	.get_available = mtty_get_available,
	.show_attrs = mtty_show_attrs,
};

int builtin_register(struct uvfio_mdev_core *core)
{
	struct uvfio_mdev_type_info mtty_types[UVFIO_MTTY_MAX_PORTS];
	unsigned int n = 0;
	int ret;

	ret = uvfio_mdev_parent_register(core,
					 &(struct uvfio_mdev_parent_info){
						 .name = "edu",
						 .ops = &edu_ops,
						 .capacity = EDU_PARENT_CAPACITY,
						 .types = edu_types,
						 .nr_types = 1,
					 },
					 NULL);
	if (ret)
		return ret;

	for (const struct uvfio_mtty_type *t = uvfio_mtty_types;
	     t->name && n < UVFIO_MTTY_MAX_PORTS; t++, n++) {
		mtty_types[n] = (struct uvfio_mdev_type_info){
			.name = t->name,
			.pretty_name = t->description,
			.description = t->nr_ports == 1
					       ? "16550A serial card on a host pty, 1 port "
						 "(4348:3253, Linux's mtty sample)"
					       : "16550A serial card on host ptys, 2 ports "
						 "(4348:3253, Linux's mtty sample)",
			.weight = t->nr_ports,
			.priv = (void *)t,
		};
	}
	return uvfio_mdev_parent_register(core,
					  &(struct uvfio_mdev_parent_info){
						  .name = "mtty",
						  .ops = &mtty_ops,
						  .capacity = UVFIO_MTTY_PARENT_PORTS,
						  .types = mtty_types,
						  .nr_types = n,
					  },
					  NULL);
}
