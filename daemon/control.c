// SPDX-License-Identifier: MIT
/*
 * daemon/control.c - the control protocol (docs/control-protocol.md): one
 * JSON request per line, one JSON reply per line, built and parsed with
 * json-c.  mdevctl's verbs (linux-vfio.md §6.3): types, list, start, stop,
 * define, undefine, modify; plus attrs and version.
 *
 * Who may do what (SO_PEERCRED of the control connection): anyone may
 * read (version, types, list, attrs); only root and the daemon's own user
 * may change anything.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>
#include <uuid/uuid.h>

#include "daemon.h"
#include "defs.h"

/*
 * Replies.
 */

static json_object *ok_reply(void)
{
	json_object *r = json_object_new_object();

	if (r)
		json_object_object_add(r, "ok", json_object_new_boolean(1));
	return r;
}

static json_object *err_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_object *err_reply(const char *fmt, ...)
{
	json_object *r = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r) {
		json_object_object_add(r, "ok", json_object_new_boolean(0));
		json_object_object_add(r, "error", json_object_new_string(msg));
	}
	return r;
}

/* Optional string member @key of @req; *@out NULL if absent.  -EINVAL if not a string. */
static int get_str(json_object *req, const char *key, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(req, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	*out = json_object_get_string(v);
	return 0;
}

/*
 * Users.
 */

/* @s: a user name or a numeric uid.  Return: 0, or -ENOENT. */
static int resolve_user(const char *s, uid_t *uid, gid_t *gid)
{
	struct passwd pw;
	struct passwd *res = NULL;
	char buf[4096];
	char *end;
	unsigned long n;

	if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) == 0 && res) {
		*uid = res->pw_uid;
		*gid = res->pw_gid;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -ENOENT;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno || n >= (unsigned long)(uid_t)-1)
		return -ENOENT;
	*uid = (uid_t)n;
	*gid = (gid_t)n;
	if (getpwuid_r(*uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		*gid = res->pw_gid;
	return 0;
}

static void user_name(uid_t uid, char *out, size_t len)
{
	struct passwd pw;
	struct passwd *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, len, "%s", res->pw_name);
	else
		snprintf(out, len, "%u", (unsigned int)uid);
}

/*
 * Attribute collection from the core.
 */

struct names {
	char **v;
	unsigned int n;
	unsigned int cap;
};

static void names_add(void *ctx, const char *name)
{
	struct names *ns = ctx;
	char *d;

	if (ns->n == ns->cap) {
		unsigned int cap = ns->cap ? ns->cap * 2 : 16;
		char **nv = realloc(ns->v, cap * sizeof(*nv));

		if (!nv)
			return;
		ns->v = nv;
		ns->cap = cap;
	}
	d = strdup(name);
	if (d)
		ns->v[ns->n++] = d;
}

static void names_free(struct names *ns)
{
	for (unsigned int i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static void attr_to_obj(void *ctx, const char *name, const char *value)
{
	json_object_object_add(ctx, name, json_object_new_string(value));
}

/* Core attributes of an instance; the rest are the vendor's. */
static bool core_attr(const char *name)
{
	static const char *const core[] = {"uuid",  "mdev_type", "parent", "socket",
					   "owner", "connected", "state"};

	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
		if (strcmp(name, core[i]) == 0)
			return true;
	}
	return false;
}

/* Instance @uuid as a JSON object for "list" and "start", or NULL if gone. */
static json_object *instance_json(struct daemon *d, const char *uuid)
{
	json_object *all = json_object_new_object();
	json_object *o;
	json_object *vendor;
	char owner[64];
	uid_t uid;
	int ret;

	if (!all)
		return NULL;
	ret = uvfio_mdev_attrs(d->core, uuid, attr_to_obj, all);
	if (ret) {
		json_object_put(all);
		return NULL;
	}
	o = json_object_new_object();
	vendor = json_object_new_object();
	json_object_object_foreach(all, key, val)
	{
		if (!core_attr(key)) {
			json_object_object_add(vendor, key, json_object_get(val));
		} else if (strcmp(key, "owner") == 0) {
			uid = (uid_t)strtoul(json_object_get_string(val), NULL, 10);
			user_name(uid, owner, sizeof(owner));
			json_object_object_add(o, "owner", json_object_new_string(owner));
			json_object_object_add(o, "owner_uid", json_object_new_int64(uid));
		} else if (strcmp(key, "connected") == 0) {
			json_object_object_add(
				o, "connected",
				json_object_new_boolean(strcmp(json_object_get_string(val), "1") ==
							0));
		} else {
			json_object_object_add(o, key, json_object_get(val));
		}
	}
	json_object_object_add(o, "attrs", vendor);
	json_object_put(all);
	return o;
}

/*
 * Verbs.
 */

static json_object *do_version(void)
{
	json_object *r = ok_reply();

	json_object_object_add(r, "version", json_object_new_string(UVFIO_VERSION));
	json_object_object_add(r, "protocol", json_object_new_int(UVFIOD_PROTOCOL));
	return r;
}

static json_object *do_types(struct daemon *d)
{
	struct names ns = {0};
	json_object *arr = json_object_new_array();
	json_object *r;

	uvfio_mdev_for_each_type(d->core, names_add, &ns);
	for (unsigned int i = 0; i < ns.n; i++) {
		json_object *a = json_object_new_object();
		json_object *t = json_object_new_object();

		if (uvfio_mdev_type_attrs(d->core, ns.v[i], attr_to_obj, a)) {
			json_object_put(a);
			json_object_put(t);
			continue;
		}
		json_object_object_add(t, "type", json_object_new_string(ns.v[i]));
		json_object_object_foreach(a, key, val)
		{
			if (strcmp(key, "available_instances") == 0 ||
			    strcmp(key, "instances") == 0)
				json_object_object_add(
					t, key,
					json_object_new_int64(atoll(json_object_get_string(val))));
			else
				json_object_object_add(t, key, json_object_get(val));
		}
		json_object_put(a);
		json_object_array_add(arr, t);
	}
	names_free(&ns);
	r = ok_reply();
	json_object_object_add(r, "types", arr);
	return r;
}

static json_object *do_list(struct daemon *d, json_object *req)
{
	struct names ns = {0};
	json_object *defined_v;
	bool defined = false;
	json_object *arr = json_object_new_array();
	json_object *r;

	if (json_object_object_get_ex(req, "defined", &defined_v))
		defined = json_object_get_boolean(defined_v);
	uvfio_mdev_for_each(d->core, names_add, &ns);
	if (defined) {
		struct uvfio_def *defs;
		int n;

		pthread_mutex_lock(&d->defs_lock);
		n = def_list(d->config_dir, &defs);
		pthread_mutex_unlock(&d->defs_lock);
		if (n < 0) {
			names_free(&ns);
			json_object_put(arr);
			return err_reply("cannot read definitions in %s: %s", d->config_dir,
					 strerror(-n));
		}
		for (int i = 0; i < n; i++) {
			json_object *o = def_to_json(&defs[i], true);
			bool active = false;

			for (unsigned int j = 0; j < ns.n; j++)
				active = active || strcmp(ns.v[j], defs[i].uuid) == 0;
			json_object_object_add(o, "active", json_object_new_boolean(active));
			json_object_array_add(arr, o);
		}
		def_list_free(defs, n);
		names_free(&ns);
		r = ok_reply();
		json_object_object_add(r, "definitions", arr);
		return r;
	}
	for (unsigned int i = 0; i < ns.n; i++) {
		json_object *o = instance_json(d, ns.v[i]);
		struct uvfio_def def;

		if (!o)
			continue;
		pthread_mutex_lock(&d->defs_lock);
		if (def_load(d->config_dir, ns.v[i], &def) == 0) {
			json_object_object_add(o, "defined", json_object_new_boolean(1));
			json_object_object_add(
				o, "start",
				json_object_new_string(def.autostart ? "auto" : "manual"));
			def_clear(&def);
		} else {
			json_object_object_add(o, "defined", json_object_new_boolean(0));
		}
		pthread_mutex_unlock(&d->defs_lock);
		json_object_array_add(arr, o);
	}
	names_free(&ns);
	r = ok_reply();
	json_object_object_add(r, "instances", arr);
	return r;
}

/* Say why uvfio_mdev_create() failed, in words. */
static json_object *create_error(struct daemon *d, int ret, const char *type, const char *uuid,
				 const char *parent)
{
	switch (ret) {
	case -ENOENT:
		if (parent && uvfio_mdev_type_parent(d->core, type))
			return err_reply("type '%s' does not belong to parent '%s'", type, parent);
		return err_reply("unknown type '%s' (see `uvfioctl types`)", type);
	case -EEXIST:
		return err_reply("an instance with UUID %s is already running", uuid);
	case -ENOSPC:
		return err_reply("no instances of type '%s' left (available_instances is 0)", type);
	case -EDQUOT:
		return err_reply("uvfiod's limit of running instances is reached");
	case -EINVAL:
		return err_reply("invalid UUID or arguments");
	case -EPERM:
		return err_reply("only a uvfiod running as root can give an instance to "
				 "another user");
	case -ENOTSUP:
		return err_reply("type '%s' takes no attributes", type);
	default:
		return err_reply("cannot create a '%s' instance: %s", type, strerror(-ret));
	}
}

/*
 * Start one instance.  @attrs: a valid attrs array or NULL.  Called with
 * d->defs_lock held for defined instances (so undefine does not race).
 */
static json_object *start_instance(struct daemon *d, const char *type, const char *parent,
				   const char *uuid, uid_t owner, gid_t group, json_object *attrs)
{
	struct uvfio_mdev_attr *av = NULL;
	char id[UVFIO_MDEV_UUID_LEN];
	unsigned int na = 0;
	json_object *r;
	json_object *o;
	int ret;

	if (attrs) {
		size_t n = json_object_array_length(attrs);

		av = calloc(n + 1, sizeof(*av));
		if (!av)
			return err_reply("out of memory");
		for (size_t i = 0; i < n; i++) {
			json_object_object_foreach(json_object_array_get_idx(attrs, i), key, val)
			{
				av[na].name = key;
				av[na].value = json_object_get_string(val);
				na++;
			}
		}
	}
	ret = uvfio_mdev_create(d->core,
				&(struct uvfio_mdev_create_args){
					.parent = parent,
					.type = type,
					.uuid = uuid,
					.owner = owner,
					.group = group,
					.attrs = av,
					.nr_attrs = na,
				},
				id, NULL);
	free(av);
	if (ret)
		return create_error(d, ret, type, uuid, parent);
	r = ok_reply();
	o = instance_json(d, id);
	json_object_object_add(r, "uuid", json_object_new_string(id));
	if (o) {
		json_object *v;

		if (json_object_object_get_ex(o, "socket", &v))
			json_object_object_add(r, "socket", json_object_get(v));
		json_object_object_add(r, "instance", o);
	}
	return r;
}

/* The owner a request names, or the requester. */
static json_object *owner_of(json_object *req, const char *deflt, const struct ucred *peer,
			     uid_t *uid, gid_t *gid)
{
	const char *owner;

	if (get_str(req, "owner", &owner))
		return err_reply("\"owner\" must be a string");
	if (!owner || !*owner)
		owner = deflt && *deflt ? deflt : NULL;
	if (!owner) {
		*uid = peer->uid;
		*gid = peer->gid;
		return NULL;
	}
	if (resolve_user(owner, uid, gid))
		return err_reply("unknown user '%s'", owner);
	return NULL;
}

static json_object *do_start(struct daemon *d, json_object *req, const struct ucred *peer)
{
	const char *type;
	const char *parent;
	const char *uuid;
	json_object *attrs = NULL;
	json_object *r;
	struct uvfio_def def;
	uid_t uid;
	gid_t gid;
	int ret;

	if (get_str(req, "type", &type) || get_str(req, "parent", &parent) ||
	    get_str(req, "uuid", &uuid))
		return err_reply("\"type\", \"parent\" and \"uuid\" must be strings");
	if (uuid && !def_valid_uuid(uuid))
		return err_reply("'%s' is not a UUID", uuid);
	if (json_object_object_get_ex(req, "attrs", &attrs) && !def_attrs_valid(attrs))
		return err_reply("\"attrs\" must be a list of {\"name\": \"value\"} objects");

	if (type) {
		/* Transient (mdevctl start -t TYPE [-u UUID]). */
		r = owner_of(req, NULL, peer, &uid, &gid);
		if (r)
			return r;
		return start_instance(d, type, parent, uuid, uid, gid, attrs);
	}
	if (!uuid)
		return err_reply("start needs a type, or the UUID of a defined instance");

	/* A defined instance (mdevctl start -u UUID). */
	pthread_mutex_lock(&d->defs_lock);
	ret = def_load(d->config_dir, uuid, &def);
	if (ret) {
		pthread_mutex_unlock(&d->defs_lock);
		if (ret == -ENOENT)
			return err_reply("unknown UUID %s: no such definition (give a type to "
					 "start a transient instance)",
					 uuid);
		return err_reply("cannot read the definition of %s: %s", uuid, strerror(-ret));
	}
	r = owner_of(req, def.owner, peer, &uid, &gid);
	if (!r)
		r = start_instance(d, def.mdev_type, def.parent, def.uuid, uid, gid,
				   attrs ? attrs : def.attrs);
	pthread_mutex_unlock(&d->defs_lock);
	def_clear(&def);
	return r;
}

static json_object *do_stop(struct daemon *d, json_object *req)
{
	const char *uuid;
	json_object *v;
	int timeout = d->stop_timeout_ms;
	int ret;

	if (get_str(req, "uuid", &uuid) || !uuid)
		return err_reply("stop needs a \"uuid\"");
	if (!def_valid_uuid(uuid))
		return err_reply("'%s' is not a UUID", uuid);
	if (json_object_object_get_ex(req, "timeout_ms", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return err_reply("\"timeout_ms\" must be a number");
		timeout = json_object_get_int(v);
		if (timeout < 0 || timeout > 600000)
			return err_reply("\"timeout_ms\" must be 0..600000");
	}
	ret = uvfio_mdev_remove(d->core, uuid, timeout);
	if (ret == -ENOENT)
		return err_reply("unknown UUID %s: no such running instance", uuid);
	if (ret == -EBUSY)
		return err_reply("instance %s is already being stopped", uuid);
	if (ret)
		return err_reply("cannot stop %s: %s", uuid, strerror(-ret));
	return ok_reply();
}

/* Fill @def's type and parent from @type; reply with an error if unknown. */
static json_object *set_type(struct daemon *d, struct uvfio_def *def, const char *type,
			     const char *parent)
{
	const char *p = uvfio_mdev_type_parent(d->core, type);

	if (!p)
		return err_reply("unknown type '%s' (see `uvfioctl types`)", type);
	if (parent && strcmp(parent, p) != 0)
		return err_reply("type '%s' does not belong to parent '%s'", type, parent);
	snprintf(def->mdev_type, sizeof(def->mdev_type), "%s", type);
	snprintf(def->parent, sizeof(def->parent), "%s", p);
	return NULL;
}

/* "start": "auto" | "manual", or "auto": true|false; -EINVAL otherwise. */
static int get_start(json_object *req, bool *set, bool *autostart)
{
	json_object *v;

	*set = false;
	if (json_object_object_get_ex(req, "start", &v)) {
		const char *s = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(s, "auto") != 0 && strcmp(s, "manual") != 0))
			return -EINVAL;
		*set = true;
		*autostart = strcmp(s, "auto") == 0;
	}
	return 0;
}

static json_object *do_define(struct daemon *d, json_object *req)
{
	const char *type;
	const char *parent;
	const char *uuid;
	const char *owner;
	json_object *attrs = NULL;
	struct uvfio_def def = {0};
	struct uvfio_def old;
	json_object *r;
	bool start_set;
	uid_t uid;
	gid_t gid;
	int ret;

	if (get_str(req, "type", &type) || get_str(req, "parent", &parent) ||
	    get_str(req, "uuid", &uuid) || get_str(req, "owner", &owner))
		return err_reply("\"type\", \"parent\", \"uuid\" and \"owner\" must be strings");
	if (get_start(req, &start_set, &def.autostart))
		return err_reply("\"start\" must be \"auto\" or \"manual\"");
	if (uuid && !def_valid_uuid(uuid))
		return err_reply("'%s' is not a UUID", uuid);
	if (json_object_object_get_ex(req, "attrs", &attrs) && !def_attrs_valid(attrs))
		return err_reply("\"attrs\" must be a list of {\"name\": \"value\"} objects");
	if (owner && *owner) {
		if (resolve_user(owner, &uid, &gid))
			return err_reply("unknown user '%s'", owner);
		if (strlen(owner) >= sizeof(def.owner))
			return err_reply("owner name too long");
		snprintf(def.owner, sizeof(def.owner), "%s", owner);
	}

	if (!type) {
		/* mdevctl define -u UUID: from the running instance. */
		json_object *o;
		json_object *v;

		if (!uuid)
			return err_reply("define needs a type, or the UUID of a running instance");
		o = instance_json(d, uuid);
		if (!o)
			return err_reply("unknown UUID %s: not running, and no type given", uuid);
		json_object_object_get_ex(o, "mdev_type", &v);
		r = set_type(d, &def, json_object_get_string(v), parent);
		if (!r && !def.owner[0] && json_object_object_get_ex(o, "owner", &v))
			snprintf(def.owner, sizeof(def.owner), "%s", json_object_get_string(v));
		json_object_put(o);
		if (r)
			return r;
	} else {
		r = set_type(d, &def, type, parent);
		if (r)
			return r;
	}
	if (uuid) {
		snprintf(def.uuid, sizeof(def.uuid), "%s", uuid);
		for (char *c = def.uuid; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	} else {
		struct names ns = {0};
		char id[UVFIO_MDEV_UUID_LEN];

		/* A fresh random (v4) UUID, as mdevctl's uuidgen, that no instance uses. */
		do {
			uuid_t u;

			uuid_generate_random(u);
			uuid_unparse_lower(u, id);
			names_free(&ns);
			uvfio_mdev_for_each(d->core, names_add, &ns);
			for (unsigned int i = 0; i < ns.n; i++) {
				if (strcmp(ns.v[i], id) == 0)
					id[0] = '\0';
			}
		} while (!id[0]);
		names_free(&ns);
		snprintf(def.uuid, sizeof(def.uuid), "%s", id);
	}
	def.attrs = attrs ? json_object_get(attrs) : json_object_new_array();

	pthread_mutex_lock(&d->defs_lock);
	if (def_load(d->config_dir, def.uuid, &old) == 0) {
		def_clear(&old);
		pthread_mutex_unlock(&d->defs_lock);
		r = err_reply("UUID %s is already defined (use modify)", def.uuid);
		goto out;
	}
	ret = def_save(d->config_dir, &def);
	pthread_mutex_unlock(&d->defs_lock);
	if (ret) {
		r = err_reply("cannot write the definition in %s: %s", d->config_dir,
			      strerror(-ret));
		goto out;
	}
	dlog(LOG_INFO, "defined %s (%s/%s, %s)", def.uuid, def.parent, def.mdev_type,
	     def.autostart ? "auto" : "manual");
	r = ok_reply();
	json_object_object_add(r, "uuid", json_object_new_string(def.uuid));
	json_object_object_add(r, "definition", def_to_json(&def, true));
out:
	def_clear(&def);
	return r;
}

static json_object *do_undefine(struct daemon *d, json_object *req)
{
	const char *uuid;
	int ret;

	if (get_str(req, "uuid", &uuid) || !uuid)
		return err_reply("undefine needs a \"uuid\"");
	if (!def_valid_uuid(uuid))
		return err_reply("'%s' is not a UUID", uuid);
	pthread_mutex_lock(&d->defs_lock);
	ret = def_remove(d->config_dir, uuid);
	pthread_mutex_unlock(&d->defs_lock);
	if (ret == -ENOENT)
		return err_reply("unknown UUID %s: no such definition", uuid);
	if (ret)
		return err_reply("cannot remove the definition of %s: %s", uuid, strerror(-ret));
	dlog(LOG_INFO, "undefined %s", uuid);
	return ok_reply();
}

static json_object *do_modify(struct daemon *d, json_object *req)
{
	const char *uuid;
	const char *type;
	const char *parent;
	const char *owner;
	json_object *attrs = NULL;
	struct uvfio_def def;
	char old_parent[DEF_NAME_MAX];
	json_object *r = NULL;
	bool start_set;
	bool autostart;
	uid_t uid;
	gid_t gid;
	int ret;

	if (get_str(req, "uuid", &uuid) || !uuid)
		return err_reply("modify needs a \"uuid\"");
	if (!def_valid_uuid(uuid))
		return err_reply("'%s' is not a UUID", uuid);
	if (get_str(req, "type", &type) || get_str(req, "parent", &parent) ||
	    get_str(req, "owner", &owner))
		return err_reply("\"type\", \"parent\" and \"owner\" must be strings");
	if (get_start(req, &start_set, &autostart))
		return err_reply("\"start\" must be \"auto\" or \"manual\"");
	if (json_object_object_get_ex(req, "attrs", &attrs) && !def_attrs_valid(attrs))
		return err_reply("\"attrs\" must be a list of {\"name\": \"value\"} objects");
	if (owner && *owner && resolve_user(owner, &uid, &gid))
		return err_reply("unknown user '%s'", owner);

	pthread_mutex_lock(&d->defs_lock);
	ret = def_load(d->config_dir, uuid, &def);
	if (ret) {
		pthread_mutex_unlock(&d->defs_lock);
		if (ret == -ENOENT)
			return err_reply("unknown UUID %s: no such definition", uuid);
		return err_reply("cannot read the definition of %s: %s", uuid, strerror(-ret));
	}
	snprintf(old_parent, sizeof(old_parent), "%s", def.parent);
	if (type)
		r = set_type(d, &def, type, parent);
	if (!r) {
		if (start_set)
			def.autostart = autostart;
		if (owner)
			snprintf(def.owner, sizeof(def.owner), "%s", owner);
		if (attrs) {
			def_clear(&def);
			def.attrs = json_object_get(attrs);
		}
		/* A new parent means a new directory: drop the old file first. */
		if (strcmp(old_parent, def.parent) != 0)
			def_remove(d->config_dir, def.uuid);
		ret = def_save(d->config_dir, &def);
		if (ret)
			r = err_reply("cannot write the definition: %s", strerror(-ret));
	}
	pthread_mutex_unlock(&d->defs_lock);
	if (!r) {
		r = ok_reply();
		json_object_object_add(r, "definition", def_to_json(&def, true));
		dlog(LOG_INFO, "modified %s (%s/%s, %s)", def.uuid, def.parent, def.mdev_type,
		     def.autostart ? "auto" : "manual");
	}
	def_clear(&def);
	return r;
}

static json_object *do_attrs(struct daemon *d, json_object *req)
{
	const char *uuid;
	const char *type;
	json_object *a;
	json_object *r;
	int ret;

	if (get_str(req, "uuid", &uuid) || get_str(req, "type", &type) || (!uuid && !type))
		return err_reply("attrs needs a \"uuid\" or a \"type\"");
	a = json_object_new_object();
	if (uuid) {
		if (!def_valid_uuid(uuid)) {
			json_object_put(a);
			return err_reply("'%s' is not a UUID", uuid);
		}
		ret = uvfio_mdev_attrs(d->core, uuid, attr_to_obj, a);
		if (ret) {
			json_object_put(a);
			return err_reply("unknown UUID %s: no such running instance", uuid);
		}
	} else {
		ret = uvfio_mdev_type_attrs(d->core, type, attr_to_obj, a);
		if (ret) {
			json_object_put(a);
			return err_reply("unknown type '%s' (see `uvfioctl types`)", type);
		}
	}
	r = ok_reply();
	json_object_object_add(r, "attrs", a);
	return r;
}

/* Verbs that change state need root or the daemon's own user. */
static bool may_change(const struct daemon *d, const struct ucred *peer)
{
	return peer->uid == 0 || peer->uid == d->self;
}

char *control_handle(struct daemon *d, const struct ucred *peer, const char *line)
{
	enum json_tokener_error jerr;
	json_object *req;
	json_object *r = NULL;
	const char *op;
	char *text;

	req = json_tokener_parse_verbose(line, &jerr);
	if (!req || !json_object_is_type(req, json_type_object)) {
		r = err_reply("malformed request: %s",
			      req ? "not a JSON object" : json_tokener_error_desc(jerr));
		goto out;
	}
	if (get_str(req, "op", &op) || !op) {
		r = err_reply("request without an \"op\"");
		goto out;
	}
	if (strcmp(op, "version") == 0) {
		r = do_version();
	} else if (strcmp(op, "types") == 0) {
		r = do_types(d);
	} else if (strcmp(op, "list") == 0) {
		r = do_list(d, req);
	} else if (strcmp(op, "attrs") == 0) {
		r = do_attrs(d, req);
	} else if (strcmp(op, "start") == 0 || strcmp(op, "stop") == 0 ||
		   strcmp(op, "define") == 0 || strcmp(op, "undefine") == 0 ||
		   strcmp(op, "modify") == 0) {
		if (!may_change(d, peer)) {
			r = err_reply("permission denied: only root or uid %u may %s instances",
				      (unsigned int)d->self, op);
			dlog(LOG_WARNING, "control: uid %u (pid %d) may not %s",
			     (unsigned int)peer->uid, (int)peer->pid, op);
		} else if (strcmp(op, "start") == 0) {
			r = do_start(d, req, peer);
		} else if (strcmp(op, "stop") == 0) {
			r = do_stop(d, req);
		} else if (strcmp(op, "define") == 0) {
			r = do_define(d, req);
		} else if (strcmp(op, "undefine") == 0) {
			r = do_undefine(d, req);
		} else {
			r = do_modify(d, req);
		}
	} else {
		r = err_reply("unknown op '%s'", op);
	}
out:
	if (req)
		json_object_put(req);
	if (!r)
		return NULL;
	text = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(r);
	return text;
}

int control_autostart(struct daemon *d)
{
	struct uvfio_def *defs;
	int started = 0;
	int n;

	pthread_mutex_lock(&d->defs_lock);
	n = def_list(d->config_dir, &defs);
	if (n < 0) {
		pthread_mutex_unlock(&d->defs_lock);
		dlog(LOG_ERR, "cannot read definitions in %s: %s", d->config_dir, strerror(-n));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		struct ucred self = {.uid = d->self, .gid = getegid(), .pid = getpid()};
		json_object *req = json_object_new_object();
		json_object *r;
		json_object *v;
		uid_t uid;
		gid_t gid;

		if (!defs[i].autostart) {
			json_object_put(req);
			continue;
		}
		if (!uvfio_mdev_type_parent(d->core, defs[i].mdev_type)) {
			dlog(LOG_WARNING, "definition %s: type '%s' is not registered: not started",
			     defs[i].uuid, defs[i].mdev_type);
			json_object_put(req);
			continue;
		}
		r = owner_of(req, defs[i].owner, &self, &uid, &gid);
		if (!r)
			r = start_instance(d, defs[i].mdev_type, defs[i].parent, defs[i].uuid, uid,
					   gid, defs[i].attrs);
		json_object_put(req);
		if (json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v)) {
			started++;
			dlog(LOG_INFO, "auto-started %s (%s)", defs[i].uuid, defs[i].mdev_type);
		} else if (json_object_object_get_ex(r, "error", &v)) {
			dlog(LOG_ERR, "auto-start of %s failed: %s", defs[i].uuid,
			     json_object_get_string(v));
		}
		json_object_put(r);
	}
	def_list_free(defs, n);
	pthread_mutex_unlock(&d->defs_lock);
	return started;
}
