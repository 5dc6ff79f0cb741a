/* SPDX-License-Identifier: MIT */
/*
 * uvfio/mdev.h - the mediated-device core: vendor drivers register parents
 * with their types; instances are created and removed by UUID, and each is a
 * lib/device device served on its own socket by its own thread.
 *
 * After Linux's mdev (linux-vfio.md §6): a parent is a device factory, a
 * type is a device model variant with a name, a description, a device_api
 * ("vfio-pci") and an available_instances count that falls as instances are
 * made; an instance has a UUID and a type.  Where the kernel exposes these
 * as sysfs attributes (§6.2), the core exposes them as name/value strings
 * (uvfio_mdev_type_attrs(), uvfio_mdev_attrs()).
 *
 * Kernel operations and their uvfio counterparts:
 *
 *   kernel (mdev_parent_ops / mdev_driver /   uvfio
 *           vfio_device_ops)
 *   create / probe                            ops->create: returns a struct uvfio_dev
 *   remove                                    ops->remove: frees it
 *   open_device / close_device                ops->open / ops->release (the core admits
 *                                             a client / the client left), plus the
 *                                             device's own uvfio_dev_ops open/release
 *   read / write                              the uvfio_dev's region ops
 *   mmap                                      the uvfio_dev's memory BARs (sparse mmap)
 *   ioctl (IRQs, reset, region info)          lib/device, from the uvfio_dev's set-up
 *   device_feature (VFIO_DEVICE_FEATURE)      ops->feature (version 2), then the
 *                                             uvfio_dev's own uvfio_dev_ops feature
 *   get_available / max_instances             ops->get_available / parent capacity and
 *                                             type weight and max_instances
 *   show_description, vendor sysfs attrs      type description, ops->show_attrs
 *   writable vendor attrs (mdevctl "attrs")   ops->store_attr
 *   request (REQ when the host wants it back) uvfio_mdev_remove(): REQ, bounded wait
 *
 * Threading: the core's functions may be called from any thread (the core
 * serialises them with one lock) except where a function says otherwise.
 * Parent ops create, remove, get_available, show_attrs and store_attr run
 * on the calling thread with the core lock held: they must not call back
 * into the core.  ops->open, ops->release and ops->feature run on the
 * instance's thread.
 */
#ifndef UVFIO_MDEV_H
#define UVFIO_MDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <uvfio/device.h>

#ifdef __cplusplus
extern "C" {
#endif

struct uvfio_mdev_core;
struct uvfio_mdev_parent;
struct uvfio_mdev;

/*
 * Version of struct uvfio_mdev_parent_ops this header describes.  1: up to
 * @store_attr; 2: @feature appended.  uvfio_mdev_parent_register() takes 1
 * and 2 and reads @feature only from a version-2 struct, so a plugin built
 * against an older header still loads (UVFIO_MDEV_PLUGIN_ABI is unchanged:
 * the descriptor's layout is the same).
 */
#define UVFIO_MDEV_OPS_VERSION 2

/* A canonical UUID string, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", with its NUL. */
#define UVFIO_MDEV_UUID_LEN 37

/* The only device API uvfio serves (kernel: VFIO_DEVICE_API_PCI_STRING). */
#define UVFIO_MDEV_DEVICE_API_PCI "vfio-pci"

/**
 * struct uvfio_mdev_type_info - one type of a parent.
 * @name: unique in the core, e.g. "mtty-1" (the kernel's type directory
 *        name, "<driver>-<sysfs_name>").  [A-Za-z0-9._-], 1..63 characters.
 * @pretty_name: the optional "name" attribute, or NULL (then @name).
 * @description: the "description" attribute, or NULL.
 * @device_api: NULL for "vfio-pci".
 * @weight: capacity units an instance takes from the parent (0 means 1),
 *          e.g. mtty-2 takes two of the parent's 24 ports.
 * @max_instances: cap on instances of this type, 0 for none (then the
 *          parent's capacity alone limits it).
 * @priv: the vendor's, handed back as ops' @type->priv.
 */
struct uvfio_mdev_type_info {
	const char *name;
	const char *pretty_name;
	const char *description;
	const char *device_api;
	unsigned int weight;
	unsigned int max_instances;
	void *priv;
};

/* Emits one attribute; see uvfio_mdev_parent_ops.show_attrs. */
typedef void (*uvfio_mdev_attr_fn)(void *ctx, const char *name, const char *value);

/**
 * struct uvfio_mdev_parent_ops - a vendor driver's callbacks.
 * @version: UVFIO_MDEV_OPS_VERSION.
 * @create: build the device of a new instance @m of @type (required).
 *          Called before @m is served: the device will be served from the
 *          instance's own thread.  *@drvdata may be set for later ops.
 *          Return 0 with *@out set, or -errno.
 * @remove: free @dev (required); it is no longer served.
 * @get_available: optional: how many more instances of @type fit, given
 *          that instances of this parent take @used capacity units now.
 *          Without it: (capacity - used) / weight, capped by max_instances.
 * @open: optional: a client was admitted to @m (instance thread).
 * @release: optional: that client left (instance thread).
 * @show_attrs: optional: emit vendor attributes of @m (e.g. mtty's pty
 *          paths) by calling @emit(@ctx, name, value) for each.
 * @store_attr: optional: set attribute @name to @value on a created, not
 *          yet served instance (mdevctl's ordered "attrs" are applied this
 *          way after creation).  Return 0, -ENOENT (no such attribute),
 *          -EINVAL (bad value).
 * @feature: optional, version 2: a VFIO device feature request of @m's
 *          client (DEVICE_FEATURE, contract §5.12; the kernel mdev's
 *          per-instance device_feature op), on the instance thread.
 *          @flags, @data, @len, @out_len and the return value are those of
 *          uvfio_dev_feature_fn (device.h): GET writes at most @len bytes
 *          to @data and sets *@out_len; SET takes @data/@len as input;
 *          PROBE returns 0 if every indicated operation is supported.
 *          Return -ENOTTY for a feature it does not serve: the instance's
 *          own uvfio_dev_ops feature (if any) is asked next, and without
 *          one the client gets ENOTTY.
 */
struct uvfio_mdev_parent_ops {
	unsigned int version;
	int (*create)(struct uvfio_mdev *m, void *parent_priv,
		      const struct uvfio_mdev_type_info *type, struct uvfio_dev **out,
		      void **drvdata);
	void (*remove)(struct uvfio_mdev *m, void *parent_priv, struct uvfio_dev *dev,
		       void *drvdata);
	unsigned int (*get_available)(void *parent_priv, const struct uvfio_mdev_type_info *type,
				      unsigned int used);
	void (*open)(struct uvfio_mdev *m, void *drvdata);
	void (*release)(struct uvfio_mdev *m, void *drvdata);
	void (*show_attrs)(struct uvfio_mdev *m, void *drvdata, uvfio_mdev_attr_fn emit, void *ctx);
	int (*store_attr)(struct uvfio_mdev *m, void *drvdata, const char *name, const char *value);
	/* Version 2. */
	int (*feature)(struct uvfio_mdev *m, void *drvdata, uint32_t flags, void *data, size_t len,
		       size_t *out_len);
};

/**
 * struct uvfio_mdev_parent_info - what uvfio_mdev_parent_register() copies.
 * @name: unique parent name, e.g. "mtty" (same character set as types).
 * @ops: kept by pointer: must outlive the parent.
 * @priv: handed to the ops.
 * @capacity: capacity units of the parent (the kernel's parent-wide
 *            available_instances; mtty: 24 ports), 0 for unlimited.
 * @types, @nr_types: the types (copied; their @priv kept by pointer).
 */
struct uvfio_mdev_parent_info {
	const char *name;
	const struct uvfio_mdev_parent_ops *ops;
	void *priv;
	unsigned int capacity;
	const struct uvfio_mdev_type_info *types;
	unsigned int nr_types;
};

/**
 * struct uvfio_mdev_plugin - the descriptor a vendor-driver plugin exports
 * as the symbol "uvfio_mdev_plugin" (UVFIO_MDEV_PLUGIN_SYMBOL):
 *
 *	const struct uvfio_mdev_plugin uvfio_mdev_plugin = {
 *		.abi_version = UVFIO_MDEV_PLUGIN_ABI,
 *		.name = "mydev",
 *		.register_parents = mydev_register,
 *	};
 *
 * @abi_version: UVFIO_MDEV_PLUGIN_ABI of the headers it was built with; a
 *               plugin of another version is refused.
 * @name: for messages.
 * @register_parents: call uvfio_mdev_parent_register() for each parent;
 *               return 0 or -errno (the plugin is then unloaded, after
 *               the core unregisters any parent it did register).
 * A plugin's parents are unregistered before it is unloaded.  Plugins call
 * the uvfio_mdev_* and uvfio_dev_* functions of the host program (uvfiod
 * exports them).
 */
struct uvfio_mdev_plugin {
	unsigned int abi_version;
	const char *name;
	int (*register_parents)(struct uvfio_mdev_core *core);
};

#define UVFIO_MDEV_PLUGIN_ABI 1
#define UVFIO_MDEV_PLUGIN_SYMBOL "uvfio_mdev_plugin"

/**
 * struct uvfio_mdev_core_config - settings of a core.
 * @runtime_dir: where instance sockets are made ("<dir>/<uuid>.sock");
 *               must exist.  Copied.
 * @max_instances: cap on instances in the core, 0 for the default (64).
 * @log: diagnostics (syslog levels), or NULL for silence.
 * @log_opaque: handed to @log.
 */
struct uvfio_mdev_core_config {
	const char *runtime_dir;
	unsigned int max_instances;
	void (*log)(void *opaque, int level, const char *msg);
	void *log_opaque;
};

#define UVFIO_MDEV_DEFAULT_MAX_INSTANCES 64

/**
 * uvfio_mdev_core_create() - an empty core.
 * @cfg: settings (copied).
 * @out: the core.
 * Return: 0, -EINVAL (no runtime dir, or its path is too long for socket
 * names), -ENOMEM.
 */
int uvfio_mdev_core_create(const struct uvfio_mdev_core_config *cfg, struct uvfio_mdev_core **out);

/**
 * uvfio_mdev_core_destroy() - remove every instance (as uvfio_mdev_remove()
 * with @timeout_ms), unregister every parent, unload plugins, free.
 */
void uvfio_mdev_core_destroy(struct uvfio_mdev_core *core, int timeout_ms);

/**
 * uvfio_mdev_core_shutdown() - remove every instance at once: raise REQ on
 * all connected clients, wait up to @timeout_ms in total for them to leave,
 * then disconnect the rest.  Parents stay registered.
 */
void uvfio_mdev_core_shutdown(struct uvfio_mdev_core *core, int timeout_ms);

/**
 * uvfio_mdev_parent_register() - add a parent and its types.
 * @out: optional: the parent.
 * Return: 0; -EINVAL (bad name, no types, ops version other than 1 and 2,
 * or missing create/remove); -EEXIST (parent or a type name already registered);
 * -ENOMEM.
 */
int uvfio_mdev_parent_register(struct uvfio_mdev_core *core,
			       const struct uvfio_mdev_parent_info *info,
			       struct uvfio_mdev_parent **out);

/**
 * uvfio_mdev_parent_unregister() - remove the parent's instances (REQ and
 * a wait of at most @timeout_ms each) and forget it (kernel:
 * mdev_unregister_parent()).
 */
void uvfio_mdev_parent_unregister(struct uvfio_mdev_parent *parent, int timeout_ms);

/**
 * uvfio_mdev_plugin_load() - dlopen() @path, check its "uvfio_mdev_plugin"
 * descriptor and call its register_parents.
 * Return: 0; -ENOENT (cannot be loaded), -ENOEXEC (no descriptor),
 * -EPROTO (another ABI version), or the plugin's -errno.  Each failure is
 * logged with the file's path.
 */
int uvfio_mdev_plugin_load(struct uvfio_mdev_core *core, const char *path);

/**
 * uvfio_mdev_plugin_load_dir() - load every "*.so" of @dir, in name order.
 * A plugin that fails is logged and skipped.
 * Return: the number loaded, or -errno if @dir cannot be read (-ENOENT for
 * a missing directory, which callers usually ignore).
 */
int uvfio_mdev_plugin_load_dir(struct uvfio_mdev_core *core, const char *dir);

/** struct uvfio_mdev_attr - one name/value attribute (mdevctl's "attrs" entries). */
struct uvfio_mdev_attr {
	const char *name;
	const char *value;
};

/**
 * struct uvfio_mdev_create_args - how to create an instance.
 * @parent: optional: the parent the type must belong to.
 * @type: the type name (required).
 * @uuid: optional: the UUID (any case; stored lower-case); NULL to
 *        generate a random one.
 * @owner, @group: the uid (and gid) the socket belongs to and that may
 *        connect (root may too).  (uid_t)-1 for the core's own.
 * @attrs: optional: @nr_attrs name/value pairs, applied in order with
 *        ops->store_attr before the instance is served.
 */
struct uvfio_mdev_create_args {
	const char *parent;
	const char *type;
	const char *uuid;
	uid_t owner;
	gid_t group;
	const struct uvfio_mdev_attr *attrs;
	unsigned int nr_attrs;
};

/**
 * uvfio_mdev_create() - create and start serving an instance.
 * Its socket is "<runtime_dir>/<uuid>.sock", mode 0600, owned by @owner
 * (chown when the core runs as root).  A connecting peer whose
 * SO_PEERCRED uid is neither the owner nor root is disconnected before the
 * device sees it; one client at a time is served, a second one is refused
 * with EBUSY.
 * @uuid_out: optional: the instance's UUID string (UVFIO_MDEV_UUID_LEN).
 * @out: optional: the instance (valid until it is removed).
 * Return: 0; -EINVAL (bad UUID or args); -ENOENT (no such type, or not
 * of @parent); -EEXIST (UUID in use); -ENOSPC (no instances of the type
 * left); -EDQUOT (the core's instance cap reached); -ENOTSUP (an attribute
 * but no store_attr); the vendor's -errno; -errno from the socket.
 */
int uvfio_mdev_create(struct uvfio_mdev_core *core, const struct uvfio_mdev_create_args *args,
		      char *uuid_out, struct uvfio_mdev **out);

/**
 * uvfio_mdev_remove() - remove instance @uuid (kernel: writing 1 to its
 * "remove"): stop accepting; if a client is connected, raise its REQ
 * interrupt (linux-vfio.md §4.3) and wait up to @timeout_ms for it to go,
 * then disconnect it; free the device.
 * Return: 0, -EINVAL (bad UUID), -ENOENT (not running), -EBUSY (being
 * removed by another caller).
 */
int uvfio_mdev_remove(struct uvfio_mdev_core *core, const char *uuid, int timeout_ms);

/**
 * uvfio_mdev_type_attrs() - the attributes of type @type, as its sysfs
 * directory has them: "parent", "name", "description", "device_api",
 * "available_instances", "instances" (running now).
 * Return: 0, -ENOENT.
 */
int uvfio_mdev_type_attrs(struct uvfio_mdev_core *core, const char *type, uvfio_mdev_attr_fn emit,
			  void *ctx);

/**
 * uvfio_mdev_for_each_type() - call @fn(ctx, type name) for every type, in
 * registration order.  @fn runs with the core lock held: it must not call
 * into the core (copy the names, then ask).
 */
void uvfio_mdev_for_each_type(struct uvfio_mdev_core *core, void (*fn)(void *ctx, const char *type),
			      void *ctx);

/**
 * uvfio_mdev_attrs() - the attributes of instance @uuid: "uuid",
 * "mdev_type", "parent", "socket", "owner" (uid), "connected" (0/1),
 * then the vendor's (ops->show_attrs).
 * Return: 0, -EINVAL, -ENOENT.
 */
int uvfio_mdev_attrs(struct uvfio_mdev_core *core, const char *uuid, uvfio_mdev_attr_fn emit,
		     void *ctx);

/**
 * uvfio_mdev_for_each() - call @fn(ctx, uuid) for every instance, oldest
 * first.  @fn runs with the core lock held: it must not call into the core.
 */
void uvfio_mdev_for_each(struct uvfio_mdev_core *core, void (*fn)(void *ctx, const char *uuid),
			 void *ctx);

/** uvfio_mdev_count() - instances in the core. */
unsigned int uvfio_mdev_count(struct uvfio_mdev_core *core);

/**
 * uvfio_mdev_type_parent() - the parent name of type @type, or NULL.
 * The string lives as long as the parent.
 */
const char *uvfio_mdev_type_parent(struct uvfio_mdev_core *core, const char *type);

/*
 * For vendor drivers, on an instance they were handed.
 */

/** uvfio_mdev_uuid() - the instance's UUID string.  Any thread. */
const char *uvfio_mdev_uuid(const struct uvfio_mdev *m);
/** uvfio_mdev_type_name() - the instance's type name.  Any thread. */
const char *uvfio_mdev_type_name(const struct uvfio_mdev *m);
/** uvfio_mdev_dev() - the instance's device (NULL inside ops->create). */
struct uvfio_dev *uvfio_mdev_dev(const struct uvfio_mdev *m);

/**
 * uvfio_mdev_dev_log() - a log callback for uvfio_dev_set_log() (and models'
 * own set_log hooks) with @opaque = the instance: routes the device's
 * messages to the core's log, prefixed with the instance's UUID.
 */
void uvfio_mdev_dev_log(void *opaque, int level, const char *msg);

/**
 * uvfio_mdev_valid_uuid() - whether @s is a UUID (36 characters, 8-4-4-4-12
 * hex digits).  Any thread.
 */
bool uvfio_mdev_valid_uuid(const char *s);

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_MDEV_H */
