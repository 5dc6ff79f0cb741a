// SPDX-License-Identifier: MIT
/*
 * lib/mdev/core.c - the mediated-device core: parents and their types,
 * instances by UUID, capacity accounting, attributes.
 *
 * After Linux's drivers/vfio/mdev (linux-vfio.md §6.1, §6.2): a parent
 * registers types; "create" on a type makes an instance named by a UUID,
 * "remove" on an instance destroys it; available_instances of a type falls
 * as instances are made.  One lock (core->lock) guards the lists and counts;
 * waiting for a client to leave is done without it (uvfio_mdev_remove()).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "mdev/mdev_priv.h"

void mdev_log(struct uvfio_mdev_core *core, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!core || !core->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	core->log(core->log_opaque, level, msg);
}

void uvfio_mdev_dev_log(void *opaque, int level, const char *msg)
{
	struct uvfio_mdev *m = opaque;

	if (m)
		mdev_log(m->core, level, "%s: %s", m->uuid, msg);
}

/* Parent and type names become file names (<config-dir>/<parent>/) and JSON. */
static bool valid_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '.' || *s == '-')
		return false;
	for (; s[n]; n++) {
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' && s[n] != '_' && s[n] != '-')
			return false;
	}
	return n <= MDEV_NAME_MAX;
}

bool uvfio_mdev_valid_uuid(const char *s)
{
	uuid_t u;

	/* uuid_parse() takes exactly the 36-character 8-4-4-4-12 form. */
	return s && strlen(s) == UVFIO_MDEV_UUID_LEN - 1 && uuid_parse(s, u) == 0;
}

/* The canonical lower-case form of @s into @out, or -EINVAL. */
static int canon_uuid(const char *s, char *out)
{
	uuid_t u;

	if (!uvfio_mdev_valid_uuid(s))
		return -EINVAL;
	uuid_parse(s, u);
	uuid_unparse_lower(u, out);
	return 0;
}

/*
 * Core.
 */

int uvfio_mdev_core_create(const struct uvfio_mdev_core_config *cfg, struct uvfio_mdev_core **out)
{
	struct uvfio_mdev_core *core;

	if (!cfg || !out || !cfg->runtime_dir || !*cfg->runtime_dir)
		return -EINVAL;
	/* "<dir>/<uuid>.sock" must fit in sockaddr_un.sun_path. */
	if (strlen(cfg->runtime_dir) + 1 + (UVFIO_MDEV_UUID_LEN - 1) + 5 >=
	    sizeof(((struct sockaddr_un *)0)->sun_path))
		return -EINVAL;
	core = calloc(1, sizeof(*core));
	if (!core)
		return -ENOMEM;
	core->runtime_dir = strdup(cfg->runtime_dir);
	if (!core->runtime_dir) {
		free(core);
		return -ENOMEM;
	}
	pthread_mutex_init(&core->lock, NULL);
	core->max_instances =
		cfg->max_instances ? cfg->max_instances : UVFIO_MDEV_DEFAULT_MAX_INSTANCES;
	core->log = cfg->log;
	core->log_opaque = cfg->log_opaque;
	*out = core;
	return 0;
}

static struct mdev_type *find_type(struct uvfio_mdev_core *core, const char *name)
{
	for (struct uvfio_mdev_parent *p = core->parents; p; p = p->next) {
		for (unsigned int i = 0; i < p->nr_types; i++) {
			if (strcmp(p->types[i].info.name, name) == 0)
				return &p->types[i];
		}
	}
	return NULL;
}

static struct uvfio_mdev_parent *find_parent(struct uvfio_mdev_core *core, const char *name)
{
	for (struct uvfio_mdev_parent *p = core->parents; p; p = p->next) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

static struct uvfio_mdev *find_instance(struct uvfio_mdev_core *core, const char *uuid)
{
	for (struct uvfio_mdev *m = core->instances; m; m = m->next) {
		if (strcmp(m->uuid, uuid) == 0)
			return m;
	}
	return NULL;
}

static unsigned int type_weight(const struct mdev_type *t)
{
	return t->info.weight ? t->info.weight : 1;
}

/*
 * available_instances (linux-vfio.md §6.2, mandatory): the vendor's count,
 * or what the parent's remaining capacity holds, capped by the type's own
 * cap and by the core's cap on instances.
 */
static unsigned int available(const struct uvfio_mdev_core *core, const struct mdev_type *t)
{
	const struct uvfio_mdev_parent *p = t->parent;
	unsigned int avail = UINT_MAX;
	unsigned int core_left;

	if (p->ops->get_available) {
		avail = p->ops->get_available(p->priv, &t->info, p->used);
	} else if (p->capacity) {
		avail = (p->capacity > p->used ? p->capacity - p->used : 0) / type_weight(t);
	}
	if (t->info.max_instances) {
		unsigned int left = t->info.max_instances > t->instances
					    ? t->info.max_instances - t->instances
					    : 0;

		if (left < avail)
			avail = left;
	}
	core_left = core->max_instances > core->nr_instances
			    ? core->max_instances - core->nr_instances
			    : 0;
	return avail < core_left ? avail : core_left;
}

/*
 * Removal of a set of instances, already marked MDEV_REMOVING (so nobody
 * else touches them): ask every connected client to leave at once (REQ),
 * wait for all within one deadline, stop the rest, then free them.
 */
static void remove_set(struct uvfio_mdev_core *core, struct uvfio_mdev **set, unsigned int n,
		       int timeout_ms)
{
	long long deadline = mdev_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	for (unsigned int i = 0; i < n; i++)
		mdev_serve_request(set[i]);
	for (unsigned int i = 0; i < n; i++) {
		if (!mdev_serve_wait_client(set[i], deadline))
			mdev_log(core, LOG_WARNING,
				 "%s: client did not release the device within %d ms: "
				 "disconnecting it",
				 set[i]->uuid, timeout_ms);
	}
	for (unsigned int i = 0; i < n; i++)
		mdev_serve_stop(set[i]);

	pthread_mutex_lock(&core->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct uvfio_mdev *m = set[i];
		struct mdev_type *t = m->type;
		struct uvfio_mdev **pp;

		for (pp = &core->instances; *pp; pp = &(*pp)->next) {
			if (*pp == m) {
				*pp = m->next;
				break;
			}
		}
		core->nr_instances--;
		t->instances--;
		t->parent->used -= type_weight(t);
		t->parent->ops->remove(m, t->parent->priv, m->dev, m->drvdata);
		mdev_log(core, LOG_INFO, "%s: removed (%s)", m->uuid, t->info.name);
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->cond);
		free(m);
	}
	pthread_mutex_unlock(&core->lock);
}

/* Mark and collect the running instances @filter accepts (NULL: all). */
static unsigned int collect(struct uvfio_mdev_core *core, const struct uvfio_mdev_parent *filter,
			    struct uvfio_mdev ***out)
{
	struct uvfio_mdev **set;
	unsigned int n = 0;

	pthread_mutex_lock(&core->lock);
	set = calloc(core->nr_instances + 1, sizeof(*set));
	if (set) {
		for (struct uvfio_mdev *m = core->instances; m; m = m->next) {
			if (m->state != MDEV_RUNNING || (filter && m->type->parent != filter))
				continue;
			m->state = MDEV_REMOVING;
			set[n++] = m;
		}
	}
	pthread_mutex_unlock(&core->lock);
	*out = set;
	return n;
}

void uvfio_mdev_core_shutdown(struct uvfio_mdev_core *core, int timeout_ms)
{
	struct uvfio_mdev **set;
	unsigned int n;

	if (!core)
		return;
	n = collect(core, NULL, &set);
	if (n)
		remove_set(core, set, n, timeout_ms);
	free(set);
}

static void parent_free(struct uvfio_mdev_parent *p)
{
	for (unsigned int i = 0; i < p->nr_types; i++) {
		free((char *)p->types[i].info.name);
		free((char *)p->types[i].info.pretty_name);
		free((char *)p->types[i].info.description);
		free((char *)p->types[i].info.device_api);
	}
	free(p->types);
	free(p->name);
	free(p);
}

static bool parent_busy(struct uvfio_mdev_core *core, const struct uvfio_mdev_parent *parent)
{
	for (struct uvfio_mdev *m = core->instances; m; m = m->next) {
		if (!parent || m->type->parent == parent)
			return true;
	}
	return false;
}

void uvfio_mdev_parent_unregister(struct uvfio_mdev_parent *parent, int timeout_ms)
{
	struct uvfio_mdev_core *core;
	struct uvfio_mdev_parent **pp;
	struct uvfio_mdev **set;
	unsigned int n;

	if (!parent)
		return;
	core = parent->core;
	n = collect(core, parent, &set);
	if (n)
		remove_set(core, set, n, timeout_ms);
	free(set);
	pthread_mutex_lock(&core->lock);
	/* Instances another caller is removing right now: let it finish. */
	while (parent_busy(core, parent)) {
		pthread_mutex_unlock(&core->lock);
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000}, NULL);
		pthread_mutex_lock(&core->lock);
	}
	for (pp = &core->parents; *pp; pp = &(*pp)->next) {
		if (*pp == parent) {
			*pp = parent->next;
			break;
		}
	}
	pthread_mutex_unlock(&core->lock);
	mdev_log(core, LOG_INFO, "parent %s unregistered", parent->name);
	parent_free(parent);
}

void uvfio_mdev_core_destroy(struct uvfio_mdev_core *core, int timeout_ms)
{
	if (!core)
		return;
	uvfio_mdev_core_shutdown(core, timeout_ms);
	while (core->parents)
		uvfio_mdev_parent_unregister(core->parents, timeout_ms);
	mdev_plugins_unload(core);
	pthread_mutex_destroy(&core->lock);
	free(core->runtime_dir);
	free(core);
}

/*
 * Parents.
 */

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

int uvfio_mdev_parent_register(struct uvfio_mdev_core *core,
			       const struct uvfio_mdev_parent_info *info,
			       struct uvfio_mdev_parent **out)
{
	struct uvfio_mdev_parent *p;
	struct uvfio_mdev_parent **pp;
	bool fail = false;
	int ret;

	if (!core || !info || !valid_name(info->name) || !info->ops || info->ops->version < 1 ||
	    info->ops->version > UVFIO_MDEV_OPS_VERSION || !info->ops->create ||
	    !info->ops->remove || !info->types || !info->nr_types)
		return -EINVAL;
	for (unsigned int i = 0; i < info->nr_types; i++) {
		const char *api = info->types[i].device_api;

		if (!valid_name(info->types[i].name))
			return -EINVAL;
		/* Only vfio-pci devices are served (device.h). */
		if (api && strcmp(api, UVFIO_MDEV_DEVICE_API_PCI) != 0)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(info->types[i].name, info->types[j].name) == 0)
				return -EEXIST;
		}
	}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->types = calloc(info->nr_types, sizeof(*p->types));
	p->name = strdup(info->name);
	if (!p->types || !p->name) {
		fail = true;
	} else {
		for (unsigned int i = 0; i < info->nr_types; i++) {
			struct mdev_type *t = &p->types[i];
			const struct uvfio_mdev_type_info *ti = &info->types[i];

			t->parent = p;
			t->info = *ti;
			t->info.name = dup_opt(ti->name, &fail);
			t->info.pretty_name = dup_opt(ti->pretty_name, &fail);
			t->info.description = dup_opt(ti->description, &fail);
			t->info.device_api = dup_opt(
				ti->device_api ? ti->device_api : UVFIO_MDEV_DEVICE_API_PCI, &fail);
			p->nr_types = i + 1;
		}
	}
	if (fail) {
		parent_free(p);
		return -ENOMEM;
	}
	p->core = core;
	p->ops = info->ops;
	p->priv = info->priv;
	p->capacity = info->capacity;

	pthread_mutex_lock(&core->lock);
	p->plugin = core->loading_plugin;
	if (find_parent(core, p->name)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	for (unsigned int i = 0; i < p->nr_types; i++) {
		if (find_type(core, p->types[i].info.name)) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	for (pp = &core->parents; *pp; pp = &(*pp)->next)
		;
	*pp = p;
	pthread_mutex_unlock(&core->lock);
	mdev_log(core, LOG_INFO, "parent %s registered with %u type(s)", p->name, p->nr_types);
	if (out)
		*out = p;
	return 0;

err_unlock:
	pthread_mutex_unlock(&core->lock);
	mdev_log(core, LOG_ERR, "parent %s: a parent or type of that name exists", p->name);
	parent_free(p);
	return ret;
}

/*
 * Instances.
 */

static int apply_attrs(struct uvfio_mdev *m, const struct uvfio_mdev_create_args *args)
{
	const struct uvfio_mdev_parent_ops *ops = m->type->parent->ops;
	int ret;

	for (unsigned int i = 0; i < args->nr_attrs; i++) {
		const struct uvfio_mdev_attr *a = &args->attrs[i];

		if (!a->name || !a->value)
			return -EINVAL;
		if (!ops->store_attr) {
			mdev_log(m->core, LOG_ERR, "%s: type %s has no writable attributes (%s)",
				 m->uuid, m->type->info.name, a->name);
			return -ENOTSUP;
		}
		ret = ops->store_attr(m, m->drvdata, a->name, a->value);
		if (ret) {
			mdev_log(m->core, LOG_ERR, "%s: attribute %s=%s: %s", m->uuid, a->name,
				 a->value, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int uvfio_mdev_create(struct uvfio_mdev_core *core, const struct uvfio_mdev_create_args *args,
		      char *uuid_out, struct uvfio_mdev **out)
{
	struct uvfio_mdev_parent *p;
	struct uvfio_mdev **pp;
	struct uvfio_mdev *m;
	struct mdev_type *t;
	char uuid[UVFIO_MDEV_UUID_LEN];
	uid_t self = geteuid();
	int ret;

	if (!core || !args || !args->type || (args->nr_attrs && !args->attrs))
		return -EINVAL;
	if (args->uuid && canon_uuid(args->uuid, uuid))
		return -EINVAL;
	/* Only root can give a socket away (chown(2)). */
	if (args->owner != (uid_t)-1 && args->owner != self && self != 0)
		return -EPERM;

	pthread_mutex_lock(&core->lock);
	t = find_type(core, args->type);
	if (!t || (args->parent && strcmp(t->parent->name, args->parent) != 0)) {
		ret = -ENOENT;
		goto out_unlock;
	}
	p = t->parent;
	if (args->uuid) {
		if (find_instance(core, uuid)) {
			ret = -EEXIST;
			goto out_unlock;
		}
	} else {
		do {
			uuid_t u;

			/* The kernel's mdevs are usually v4 UUIDs (mdevctl uses uuidgen). */
			uuid_generate_random(u);
			uuid_unparse_lower(u, uuid);
		} while (find_instance(core, uuid));
	}
	if (core->nr_instances >= core->max_instances) {
		ret = -EDQUOT;
		goto out_unlock;
	}
	if (available(core, t) == 0) {
		ret = -ENOSPC;
		goto out_unlock;
	}

	m = calloc(1, sizeof(*m));
	if (!m) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	m->core = core;
	m->type = t;
	memcpy(m->uuid, uuid, sizeof(uuid));
	snprintf(m->sock_path, sizeof(m->sock_path), "%s/%s.sock", core->runtime_dir, uuid);
	m->owner = args->owner == (uid_t)-1 ? self : args->owner;
	m->group = args->owner == (uid_t)-1 ? getegid() : args->group;
	m->listen_fd = -1;
	m->stop_fd = -1;
	for (unsigned int i = 0; i < MDEV_MAX_REFUSE; i++)
		m->refuse[i].fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&m->cond, &ca);
		pthread_condattr_destroy(&ca);
	}

	ret = p->ops->create(m, p->priv, &t->info, &m->dev, &m->drvdata);
	if (ret || !m->dev) {
		if (!ret)
			ret = -EIO;
		mdev_log(core, LOG_ERR, "%s: %s: create failed: %s", uuid, t->info.name,
			 strerror(-ret));
		goto err_free;
	}
	ret = apply_attrs(m, args);
	if (ret)
		goto err_remove;
	ret = mdev_serve_start(m);
	if (ret) {
		mdev_log(core, LOG_ERR, "%s: cannot serve on %s: %s", uuid, m->sock_path,
			 strerror(-ret));
		goto err_remove;
	}
	m->state = MDEV_RUNNING;
	for (pp = &core->instances; *pp; pp = &(*pp)->next)
		;
	*pp = m;
	core->nr_instances++;
	t->instances++;
	p->used += type_weight(t);
	mdev_log(core, LOG_INFO, "%s: created (%s) on %s, owner uid %u", uuid, t->info.name,
		 m->sock_path, (unsigned int)m->owner);
	if (uuid_out)
		memcpy(uuid_out, uuid, sizeof(uuid));
	if (out)
		*out = m;
	pthread_mutex_unlock(&core->lock);
	return 0;

err_remove:
	p->ops->remove(m, p->priv, m->dev, m->drvdata);
err_free:
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
out_unlock:
	pthread_mutex_unlock(&core->lock);
	return ret;
}

int uvfio_mdev_remove(struct uvfio_mdev_core *core, const char *uuid, int timeout_ms)
{
	char id[UVFIO_MDEV_UUID_LEN];
	struct uvfio_mdev *m;

	if (!core || canon_uuid(uuid, id))
		return -EINVAL;
	pthread_mutex_lock(&core->lock);
	m = find_instance(core, id);
	if (!m) {
		pthread_mutex_unlock(&core->lock);
		return -ENOENT;
	}
	if (m->state != MDEV_RUNNING) {
		pthread_mutex_unlock(&core->lock);
		return -EBUSY;
	}
	m->state = MDEV_REMOVING;
	pthread_mutex_unlock(&core->lock);
	remove_set(core, &m, 1, timeout_ms);
	return 0;
}

/*
 * Attributes.
 */

int uvfio_mdev_type_attrs(struct uvfio_mdev_core *core, const char *type, uvfio_mdev_attr_fn emit,
			  void *ctx)
{
	struct mdev_type *t;
	char num[16];

	if (!core || !type || !emit)
		return -EINVAL;
	pthread_mutex_lock(&core->lock);
	t = find_type(core, type);
	if (!t) {
		pthread_mutex_unlock(&core->lock);
		return -ENOENT;
	}
	emit(ctx, "parent", t->parent->name);
	emit(ctx, "name", t->info.pretty_name ? t->info.pretty_name : t->info.name);
	emit(ctx, "description", t->info.description ? t->info.description : "");
	emit(ctx, "device_api", t->info.device_api);
	snprintf(num, sizeof(num), "%u", available(core, t));
	emit(ctx, "available_instances", num);
	snprintf(num, sizeof(num), "%u", t->instances);
	emit(ctx, "instances", num);
	pthread_mutex_unlock(&core->lock);
	return 0;
}

void uvfio_mdev_for_each_type(struct uvfio_mdev_core *core, void (*fn)(void *ctx, const char *type),
			      void *ctx)
{
	if (!core || !fn)
		return;
	pthread_mutex_lock(&core->lock);
	for (struct uvfio_mdev_parent *p = core->parents; p; p = p->next) {
		for (unsigned int i = 0; i < p->nr_types; i++)
			fn(ctx, p->types[i].info.name);
	}
	pthread_mutex_unlock(&core->lock);
}

int uvfio_mdev_attrs(struct uvfio_mdev_core *core, const char *uuid, uvfio_mdev_attr_fn emit,
		     void *ctx)
{
	char id[UVFIO_MDEV_UUID_LEN];
	struct uvfio_mdev *m;
	char num[16];
	bool client;

	if (!core || !emit || canon_uuid(uuid, id))
		return -EINVAL;
	pthread_mutex_lock(&core->lock);
	m = find_instance(core, id);
	if (!m) {
		pthread_mutex_unlock(&core->lock);
		return -ENOENT;
	}
	emit(ctx, "uuid", m->uuid);
	emit(ctx, "mdev_type", m->type->info.name);
	emit(ctx, "parent", m->type->parent->name);
	emit(ctx, "socket", m->sock_path);
	snprintf(num, sizeof(num), "%u", (unsigned int)m->owner);
	emit(ctx, "owner", num);
	pthread_mutex_lock(&m->lock);
	client = m->client;
	pthread_mutex_unlock(&m->lock);
	emit(ctx, "connected", client ? "1" : "0");
	emit(ctx, "state", m->state == MDEV_RUNNING ? "running" : "removing");
	if (m->type->parent->ops->show_attrs)
		m->type->parent->ops->show_attrs(m, m->drvdata, emit, ctx);
	pthread_mutex_unlock(&core->lock);
	return 0;
}

void uvfio_mdev_for_each(struct uvfio_mdev_core *core, void (*fn)(void *ctx, const char *uuid),
			 void *ctx)
{
	if (!core || !fn)
		return;
	pthread_mutex_lock(&core->lock);
	for (struct uvfio_mdev *m = core->instances; m; m = m->next)
		fn(ctx, m->uuid);
	pthread_mutex_unlock(&core->lock);
}

unsigned int uvfio_mdev_count(struct uvfio_mdev_core *core)
{
	unsigned int n;

	if (!core)
		return 0;
	pthread_mutex_lock(&core->lock);
	n = core->nr_instances;
	pthread_mutex_unlock(&core->lock);
	return n;
}

const char *uvfio_mdev_type_parent(struct uvfio_mdev_core *core, const char *type)
{
	struct mdev_type *t;

	if (!core || !type)
		return NULL;
	pthread_mutex_lock(&core->lock);
	t = find_type(core, type);
	pthread_mutex_unlock(&core->lock);
	return t ? t->parent->name : NULL;
}

const char *uvfio_mdev_uuid(const struct uvfio_mdev *m)
{
	return m ? m->uuid : NULL;
}

const char *uvfio_mdev_type_name(const struct uvfio_mdev *m)
{
	return m ? m->type->info.name : NULL;
}

struct uvfio_dev *uvfio_mdev_dev(const struct uvfio_mdev *m)
{
	return m ? m->dev : NULL;
}
