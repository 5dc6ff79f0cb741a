// SPDX-License-Identifier: MIT
/*
 * pcidrv.c - the user-space PCI driver model, after Linux's struct
 * pci_driver (include/linux/pci.h) and struct pci_device_id
 * (include/linux/mod_devicetable.h; matching as pci_match_one_device() in
 * drivers/pci/pci-driver.c).
 *
 * Candidates are kernel devices bound to vfio-pci (sysfs) and vfio-user
 * sockets.  A kernel candidate is matched by its sysfs IDs without being
 * opened, so devices no driver wants (QEMU's nvme next to edu) are never
 * touched; a vfio-user candidate has no sysfs and is opened to read its
 * config space.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "kernel.h"

#define SYSFS_VFIO_PCI_DRIVER "/sys/bus/pci/drivers/vfio-pci"

/* Candidates on one bus: far more than any machine has functions bound. */
#define MAX_CANDIDATES 1024

struct bound;

struct cand {
	char *where; /* normalised PCI address, or "unix:PATH" */
	bool kernel;
	struct bound *bound;
};

struct bound {
	struct uvfio_pci_dev pdev;
	struct uvfio_pci_bus *bus;
	struct cand *cand;
};

struct uvfio_pci_bus {
	struct uvfio_container *c;
	struct uvfio_loop *loop;
	struct cand *cands;
	unsigned int ncands;
	struct bound **bound;
	unsigned int nbound;
};

const struct uvfio_pci_device_id *uvfio_pci_match_id(const struct uvfio_pci_device_id *table,
						     uint16_t vendor, uint16_t device,
						     uint16_t subvendor, uint16_t subdevice,
						     uint32_t class)
{
	const struct uvfio_pci_device_id *id;

	if (!table)
		return NULL;
	/* The terminator: vendor, subvendor and class_mask all 0 (pci_match_id()). */
	for (id = table; id->vendor || id->subvendor || id->class_mask; id++) {
		if (id->vendor != UVFIO_PCI_ANY_ID && id->vendor != vendor)
			continue;
		if (id->device != UVFIO_PCI_ANY_ID && id->device != device)
			continue;
		if (id->subvendor != UVFIO_PCI_ANY_ID && id->subvendor != subvendor)
			continue;
		if (id->subdevice != UVFIO_PCI_ANY_ID && id->subdevice != subdevice)
			continue;
		if ((id->class ^ class) & id->class_mask)
			continue;
		return id;
	}
	return NULL;
}

static int add_cand(struct uvfio_pci_bus *bus, const char *entry)
{
	char bdf[UVFIO_KERNEL_BDF_MAX];
	struct cand *n;
	const char *where;
	bool kernel;
	unsigned int i;

	if (!strncmp(entry, "unix:", 5) && entry[5]) {
		where = entry;
		kernel = false;
	} else if (!uvfio_kernel_parse_bdf(entry, bdf)) {
		where = bdf;
		kernel = true;
	} else {
		return uvfio_fail(-EINVAL,
				  "device \"%s\" is neither \"unix:PATH\" (vfio-user) nor a PCI "
				  "address (DDDD:BB:DD.F)",
				  entry);
	}
	for (i = 0; i < bus->ncands; i++)
		if (!strcmp(bus->cands[i].where, where))
			return 0;
	if (bus->ncands == MAX_CANDIDATES)
		return uvfio_fail(-E2BIG, "more than %d candidate devices", MAX_CANDIDATES);
	n = realloc(bus->cands, (bus->ncands + 1) * sizeof(*n));
	if (!n)
		return uvfio_fail(-ENOMEM, "out of memory");
	bus->cands = n;
	n[bus->ncands].where = strdup(where);
	if (!n[bus->ncands].where)
		return uvfio_fail(-ENOMEM, "out of memory");
	n[bus->ncands].kernel = kernel;
	n[bus->ncands].bound = NULL;
	bus->ncands++;
	return 0;
}

/* add_list() - the white-space separated entries of @list. */
static int add_list(struct uvfio_pci_bus *bus, const char *list)
{
	const char *p = list;
	char entry[4096];
	int ret;

	while (*p) {
		size_t n = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		while (p[n] && !isspace((unsigned char)p[n]))
			n++;
		if (n >= sizeof(entry))
			return uvfio_fail(-ENAMETOOLONG, "device name too long: %.40s...", p);
		memcpy(entry, p, n);
		entry[n] = '\0';
		ret = add_cand(bus, entry);
		if (ret)
			return ret;
		p += n;
	}
	return 0;
}

struct sysfs_scan {
	char **names;
	unsigned int n;
	int err;
};

static int scan_vfio_pci(void *arg, const char *name)
{
	struct sysfs_scan *s = arg;
	char **n;

	/* The driver directory also holds bind, unbind, new_id, module ... */
	if (!uvfio_kernel_is_bdf(name))
		return 0;
	if (s->n == MAX_CANDIDATES)
		return 0;
	n = realloc(s->names, (s->n + 1) * sizeof(*n));
	if (!n)
		goto nomem;
	s->names = n;
	n[s->n] = strdup(name);
	if (!n[s->n])
		goto nomem;
	s->n++;
	return 0;
nomem:
	s->err = -ENOMEM;
	return 1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_sysfs() - every device bound to vfio-pci, in address order. */
static int add_sysfs(struct uvfio_pci_bus *bus)
{
	struct sysfs_scan s = {0};
	unsigned int i;
	int ret;

	ret = uvfio_kernel_list_dir(SYSFS_VFIO_PCI_DRIVER, scan_vfio_pci, &s);
	/* No vfio-pci driver loaded: simply no kernel candidates. */
	if (ret < 0 && ret != -ENOENT)
		uvfio_log(bus->c, LOG_WARNING, "pci: cannot list " SYSFS_VFIO_PCI_DRIVER ": %s",
			  strerror(-ret));
	ret = s.err;
	if (!ret && s.n)
		qsort(s.names, s.n, sizeof(*s.names), cmp_names);
	for (i = 0; i < s.n; i++) {
		if (!ret)
			ret = add_cand(bus, s.names[i]);
		free(s.names[i]);
	}
	free(s.names);
	if (ret == -ENOMEM)
		return uvfio_fail(ret, "out of memory");
	return ret;
}

int uvfio_pci_bus_create(struct uvfio_container *c, struct uvfio_loop *loop, const char *devices,
			 struct uvfio_pci_bus **out)
{
	struct uvfio_pci_bus *bus;
	const char *env;
	int ret;

	if (!c || !out)
		return uvfio_fail(-EINVAL, "uvfio_pci_bus_create: missing argument");
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return uvfio_fail(-ENOMEM, "out of memory");
	bus->c = c;
	bus->loop = loop;
	if (devices) {
		ret = add_list(bus, devices);
	} else {
		ret = add_sysfs(bus);
		env = getenv(UVFIO_DEVICES_ENV);
		if (!ret && env)
			ret = add_list(bus, env);
	}
	if (ret) {
		uvfio_pci_bus_destroy(bus);
		return ret;
	}
	*out = bus;
	return 0;
}

/*
 * ids_from_sysfs() - the IDs of a kernel candidate, without opening it.
 * Return: 0 or -errno (the device vanished, or sysfs is unreadable).
 */
static int ids_from_sysfs(struct uvfio_pci_bus *bus, const char *bdf, struct uvfio_pci_dev *p)
{
	static const char *const attrs[] = {
		"vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision",
	};
	uint32_t v[6];
	unsigned int i;
	int ret;

	for (i = 0; i < 6; i++) {
		ret = uvfio_kernel_read_attr(bus->c->sys, bdf, attrs[i], &v[i]);
		if (ret)
			return ret;
	}
	p->vendor = (uint16_t)v[0];
	p->device = (uint16_t)v[1];
	p->subvendor = (uint16_t)v[2];
	p->subdevice = (uint16_t)v[3];
	p->class = v[4] & 0xffffff;
	p->revision = (uint8_t)v[5];
	return 0;
}

/* ids_from_config() - the IDs of an open device, from its config space. */
static int ids_from_config(struct uvfio_device *d, struct uvfio_pci_dev *p)
{
	uint32_t class_rev;
	int ret;

	ret = uvfio_config_read16(d, PCI_VENDOR_ID, &p->vendor);
	if (!ret)
		ret = uvfio_config_read16(d, PCI_DEVICE_ID, &p->device);
	if (!ret)
		ret = uvfio_config_read32(d, PCI_CLASS_REVISION, &class_rev);
	if (!ret)
		ret = uvfio_config_read16(d, PCI_SUBSYSTEM_VENDOR_ID, &p->subvendor);
	if (!ret)
		ret = uvfio_config_read16(d, PCI_SUBSYSTEM_ID, &p->subdevice);
	if (ret)
		return ret;
	/* PCI r3.0 §6.2.1: class code in bits 31:8, revision in 7:0. */
	p->class = class_rev >> 8;
	p->revision = (uint8_t)class_rev;
	return 0;
}

/*
 * prepare() - what the device needs before probe: BARs mapped where they can
 * be, IRQ info read.  A BAR that cannot be mapped stays NULL (region
 * read/write serve it).
 */
static int prepare(struct bound *b)
{
	struct uvfio_pci_dev *p = &b->pdev;
	struct uvfio_device_info info;
	unsigned int i;
	int ret;

	ret = uvfio_device_get_info(p->dev, &info);
	if (ret)
		return ret;
	for (i = 0; i < PCI_STD_NUM_BARS && i < info.num_regions; i++) {
		struct uvfio_region_info ri;

		ret = uvfio_region_get_info(p->dev, VFIO_PCI_BAR0_REGION_INDEX + i, &ri);
		if (ret)
			return ret;
		p->bar_size[i] = ri.size;
		if (!ri.size || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
			continue;
		if (uvfio_region_mmap(p->dev, VFIO_PCI_BAR0_REGION_INDEX + i, &p->bar[i]))
			p->bar[i] = NULL;
	}
	p->num_irqs = info.num_irqs;
	for (i = 0; i < info.num_irqs && i < VFIO_PCI_NUM_IRQS; i++) {
		/*
		 * vfio_pci_core.c: GET_IRQ_INFO of ERR is -EINVAL on a device
		 * without PCIe: an index the device does not have (count 0).
		 */
		if (uvfio_irq_get_info(p->dev, i, &p->irq[i]))
			memset(&p->irq[i], 0, sizeof(p->irq[i]));
	}
	uvfio_clear_error();
	return 0;
}

/* teardown() - undo prepare() and the open; the driver's remove ran already. */
static void teardown(struct bound *b)
{
	struct uvfio_pci_dev *p = &b->pdev;
	unsigned int i;

	if (!p->dev)
		return;
	if (p->loop)
		uvfio_loop_del_device(p->loop, p->dev);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (p->bar[i])
			uvfio_region_unmap(p->dev, VFIO_PCI_BAR0_REGION_INDEX + i);
		p->bar[i] = NULL;
	}
	uvfio_device_close(p->dev);
	p->dev = NULL;
}

static void unbind(struct uvfio_pci_bus *bus, struct bound *b)
{
	unsigned int i;

	if (b->pdev.driver && b->pdev.driver->remove)
		b->pdev.driver->remove(&b->pdev);
	teardown(b);
	for (i = 0; i < bus->nbound; i++) {
		if (bus->bound[i] == b) {
			memmove(&bus->bound[i], &bus->bound[i + 1],
				(bus->nbound - i - 1) * sizeof(bus->bound[0]));
			bus->nbound--;
			break;
		}
	}
	b->cand->bound = NULL;
	free(b);
}

/*
 * on_req() - VFIO_PCI_REQ_IRQ_INDEX: the host asks for the device back
 * (vfio_pci_core.c: vfio_pci_core_request(), when someone unbinds it); the
 * kernel waits until the device fd is closed.
 */
static void on_req(void *opaque, struct uvfio_device *d, uint32_t index, uint32_t vector,
		   uint64_t count)
{
	struct bound *b = opaque;

	(void)d;
	(void)index;
	(void)vector;
	(void)count;
	uvfio_log(b->bus->c, LOG_INFO, "pci: %s: the host requests the device back: removing %s",
		  b->pdev.name, b->pdev.driver->name);
	unbind(b->bus, b);
}

static void watch_req(struct bound *b)
{
	struct uvfio_pci_dev *p = &b->pdev;
	const struct uvfio_irq_info *req = &p->irq[VFIO_PCI_REQ_IRQ_INDEX];
	int ret;

	if (!p->loop || p->num_irqs <= VFIO_PCI_REQ_IRQ_INDEX || !req->count ||
	    !(req->flags & VFIO_IRQ_INFO_EVENTFD))
		return;
	ret = uvfio_loop_add_irqs(p->loop, p->dev, VFIO_PCI_REQ_IRQ_INDEX, 1, 0, on_req, b);
	if (ret)
		uvfio_log(b->bus->c, LOG_WARNING,
			  "pci: %s: cannot watch its REQ interrupt (%s): it will not be released "
			  "when the host asks for it",
			  p->name, strerror(-ret));
}

/*
 * try_bind() - match, open, prepare and probe candidate @cd for @drv.
 * Return: 1 bound, 0 not matched, or -errno.
 */
static int try_bind(struct uvfio_pci_bus *bus, struct cand *cd, const struct uvfio_pci_driver *drv)
{
	const struct uvfio_pci_device_id *id;
	struct uvfio_pci_dev *p;
	struct bound *b;
	struct bound **nb;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return uvfio_fail(-ENOMEM, "out of memory");
	b->bus = bus;
	b->cand = cd;
	p = &b->pdev;
	p->container = bus->c;
	p->loop = bus->loop;
	p->name = cd->where;

	if (cd->kernel) {
		ret = ids_from_sysfs(bus, cd->where, p);
		if (ret) {
			/* Let the open explain (no such device, ...). */
			ret = uvfio_device_open(bus->c, cd->where, &p->dev);
			if (!ret)
				ret = ids_from_config(p->dev, p);
			if (ret)
				goto err_teardown;
		}
		id = uvfio_pci_match_id(drv->id_table, p->vendor, p->device, p->subvendor,
					p->subdevice, p->class);
		if (!id) {
			ret = 0;
			goto err_teardown;
		}
		if (!p->dev) {
			ret = uvfio_device_open(bus->c, cd->where, &p->dev);
			if (ret)
				goto err_teardown;
		}
	} else {
		ret = uvfio_device_open(bus->c, cd->where, &p->dev);
		if (ret)
			goto err_teardown;
		ret = ids_from_config(p->dev, p);
		if (ret)
			goto err_teardown;
		id = uvfio_pci_match_id(drv->id_table, p->vendor, p->device, p->subvendor,
					p->subdevice, p->class);
		if (!id) {
			ret = 0;
			goto err_teardown;
		}
	}

	ret = prepare(b);
	if (ret)
		goto err_teardown;
	nb = realloc(bus->bound, (bus->nbound + 1) * sizeof(*nb));
	if (!nb) {
		ret = uvfio_fail(-ENOMEM, "out of memory");
		goto err_teardown;
	}
	bus->bound = nb;
	p->driver = drv;
	p->id = id;
	ret = drv->probe(p, id);
	if (ret) {
		if (ret > 0)
			ret = -EINVAL;
		if (!uvfio_last_error()[0])
			uvfio_set_error("%s: probe of %s failed: %s", drv->name, p->name,
					strerror(-ret));
		goto err_teardown;
	}
	bus->bound[bus->nbound++] = b;
	cd->bound = b;
	watch_req(b);
	uvfio_log(bus->c, LOG_INFO, "pci: %s (%04x:%04x) bound to %s", p->name, p->vendor,
		  p->device, drv->name);
	return 1;

err_teardown:
	teardown(b);
	free(b);
	return ret;
}

int uvfio_pci_bus_register(struct uvfio_pci_bus *bus, const struct uvfio_pci_driver *drv)
{
	char first_msg[512] = "";
	int first_err = 0;
	unsigned int i;
	int taken = 0;
	int ret;

	if (!bus || !drv || !drv->probe || !drv->id_table)
		return uvfio_fail(-EINVAL,
				  "uvfio_pci_bus_register: missing driver, probe or id table");
	for (i = 0; i < bus->ncands; i++) {
		if (bus->cands[i].bound)
			continue;
		uvfio_clear_error();
		ret = try_bind(bus, &bus->cands[i], drv);
		if (ret > 0) {
			taken++;
		} else if (ret < 0) {
			uvfio_log(bus->c, LOG_WARNING, "pci: %s: %s", bus->cands[i].where,
				  uvfio_last_error());
			if (!first_err) {
				first_err = ret;
				snprintf(first_msg, sizeof(first_msg), "%s", uvfio_last_error());
			}
		}
	}
	if (!taken && first_err)
		return uvfio_fail(first_err, "%s", first_msg);
	uvfio_clear_error();
	return taken;
}

void uvfio_pci_bus_unregister(struct uvfio_pci_bus *bus, const struct uvfio_pci_driver *drv)
{
	unsigned int i;

	if (!bus)
		return;
	for (i = bus->nbound; i-- > 0;)
		if (i < bus->nbound && bus->bound[i]->pdev.driver == drv)
			unbind(bus, bus->bound[i]);
}

void uvfio_pci_bus_destroy(struct uvfio_pci_bus *bus)
{
	unsigned int i;

	if (!bus)
		return;
	/* Last bound first, as Linux removes devices in reverse order. */
	while (bus->nbound)
		unbind(bus, bus->bound[bus->nbound - 1]);
	for (i = 0; i < bus->ncands; i++)
		free(bus->cands[i].where);
	free(bus->cands);
	free(bus->bound);
	free(bus);
}

unsigned int uvfio_pci_bus_count(const struct uvfio_pci_bus *bus)
{
	return bus ? bus->nbound : 0;
}

struct uvfio_pci_dev *uvfio_pci_bus_dev(const struct uvfio_pci_bus *bus, unsigned int i)
{
	return bus && i < bus->nbound ? &bus->bound[i]->pdev : NULL;
}

unsigned int uvfio_pci_bus_candidates(const struct uvfio_pci_bus *bus)
{
	return bus ? bus->ncands : 0;
}

const char *uvfio_pci_bus_candidate(const struct uvfio_pci_bus *bus, unsigned int i)
{
	return bus && i < bus->ncands ? bus->cands[i].where : NULL;
}
