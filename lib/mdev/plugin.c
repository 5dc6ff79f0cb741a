// SPDX-License-Identifier: MIT
/*
 * lib/mdev/plugin.c - vendor drivers as shared objects: each exports one
 * versioned descriptor, "uvfio_mdev_plugin" (include/uvfio/mdev.h), whose
 * register_parents adds its parents to the core.  A new device type then
 * needs no rebuild of the host program.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mdev/mdev_priv.h"

/* Serialises loads: core->loading_plugin names the one whose parents register. */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void unregister_plugin_parents(struct uvfio_mdev_core *core, struct mdev_plugin_handle *h)
{
	struct uvfio_mdev_parent *p;

	for (;;) {
		pthread_mutex_lock(&core->lock);
		for (p = core->parents; p && p->plugin != h; p = p->next)
			;
		pthread_mutex_unlock(&core->lock);
		if (!p)
			return;
		uvfio_mdev_parent_unregister(p, 0);
	}
}

int uvfio_mdev_plugin_load(struct uvfio_mdev_core *core, const char *path)
{
	const struct uvfio_mdev_plugin *desc;
	struct mdev_plugin_handle *h;
	void *handle;
	int ret;

	if (!core || !path)
		return -EINVAL;
	/* RTLD_LOCAL: plugins do not see each other's symbols, only the host's. */
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		mdev_log(core, LOG_ERR, "plugin %s: cannot load: %s", path, dlerror());
		return -ENOENT;
	}
	desc = dlsym(handle, UVFIO_MDEV_PLUGIN_SYMBOL);
	if (!desc) {
		mdev_log(core, LOG_ERR, "plugin %s: no %s descriptor: not a uvfio plugin", path,
			 UVFIO_MDEV_PLUGIN_SYMBOL);
		ret = -ENOEXEC;
		goto err_close;
	}
	if (desc->abi_version != UVFIO_MDEV_PLUGIN_ABI) {
		mdev_log(core, LOG_ERR,
			 "plugin %s: ABI version %u, this uvfiod speaks %u: rejected", path,
			 desc->abi_version, UVFIO_MDEV_PLUGIN_ABI);
		ret = -EPROTO;
		goto err_close;
	}
	if (!desc->register_parents) {
		mdev_log(core, LOG_ERR, "plugin %s: no register_parents: rejected", path);
		ret = -ENOEXEC;
		goto err_close;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->path = strdup(path))) {
		free(h);
		ret = -ENOMEM;
		goto err_close;
	}
	h->handle = handle;

	pthread_mutex_lock(&load_lock);
	pthread_mutex_lock(&core->lock);
	/* dlopen() of a loaded object returns the same handle: once is enough. */
	for (struct mdev_plugin_handle *o = core->plugins; o; o = o->next) {
		if (o->handle == handle) {
			pthread_mutex_unlock(&core->lock);
			pthread_mutex_unlock(&load_lock);
			mdev_log(core, LOG_ERR, "plugin %s: already loaded (as %s)", path, o->path);
			free(h->path);
			free(h);
			ret = -EEXIST;
			goto err_close;
		}
	}
	/* Parents registered from now on belong to this load (unregistered with it). */
	core->loading_plugin = h;
	pthread_mutex_unlock(&core->lock);
	ret = desc->register_parents(core);
	pthread_mutex_lock(&core->lock);
	core->loading_plugin = NULL;
	pthread_mutex_unlock(&core->lock);
	pthread_mutex_unlock(&load_lock);
	if (ret) {
		mdev_log(core, LOG_ERR, "plugin %s (%s): register_parents failed: %s", path,
			 desc->name ? desc->name : "?", strerror(ret < 0 ? -ret : ret));
		unregister_plugin_parents(core, h);
		free(h->path);
		free(h);
		ret = ret < 0 ? ret : -EINVAL;
		goto err_close;
	}
	pthread_mutex_lock(&core->lock);
	h->next = core->plugins;
	core->plugins = h;
	pthread_mutex_unlock(&core->lock);
	mdev_log(core, LOG_INFO, "plugin %s (%s) loaded", path, desc->name ? desc->name : "?");
	return 0;

err_close:
	dlclose(handle);
	return ret;
}

static int so_filter(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

int uvfio_mdev_plugin_load_dir(struct uvfio_mdev_core *core, const char *dir)
{
	struct dirent **names;
	int loaded = 0;
	int n;

	if (!core || !dir)
		return -EINVAL;
	n = scandir(dir, &names, so_filter, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		char path[4096];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) <
			    sizeof(path) &&
		    uvfio_mdev_plugin_load(core, path) == 0)
			loaded++;
		free(names[i]);
	}
	free(names);
	return loaded;
}

void mdev_plugins_unload(struct uvfio_mdev_core *core)
{
	while (core->plugins) {
		struct mdev_plugin_handle *h = core->plugins;

		core->plugins = h->next;
		dlclose(h->handle);
		free(h->path);
		free(h);
	}
}
