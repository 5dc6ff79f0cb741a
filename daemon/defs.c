// SPDX-License-Identifier: MIT
/*
 * daemon/defs.c - persistent definitions: <config-dir>/<parent>/<uuid>
 * JSON files in mdevctl's format (linux-vfio.md §6.3), read and written
 * with json-c.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defs.h"

/* A definition file is small; anything bigger is not one of ours. */
#define DEF_FILE_MAX (64 * 1024)

bool def_valid_name(const char *s)
{
	size_t n;

	if (!s || !*s || *s == '.' || *s == '-')
		return false;
	for (n = 0; s[n]; n++) {
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' && s[n] != '_' && s[n] != '-')
			return false;
	}
	return n < DEF_NAME_MAX;
}

bool def_valid_uuid(const char *s)
{
	/* RFC 4122 §3: 8-4-4-4-12 hexadecimal digits. */
	static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!s || strlen(s) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

bool def_attrs_valid(json_object *attrs)
{
	size_t n;

	if (!attrs || !json_object_is_type(attrs, json_type_array))
		return false;
	n = json_object_array_length(attrs);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(attrs, i);
		int members = 0;

		if (!json_object_is_type(o, json_type_object))
			return false;
		json_object_object_foreach(o, key, val)
		{
			(void)key;
			if (!json_object_is_type(val, json_type_string))
				return false;
			members++;
		}
		if (members != 1)
			return false;
	}
	return true;
}

void def_clear(struct uvfio_def *d)
{
	if (d->attrs)
		json_object_put(d->attrs);
	d->attrs = NULL;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Parse file @path of @parent/@uuid into @out. */
static int parse_file(const char *path, const char *parent, const char *uuid, struct uvfio_def *out)
{
	json_object *root;
	json_object *v;
	struct stat st;
	const char *s;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > DEF_FILE_MAX)
		return -EINVAL;
	root = json_object_from_file(path);
	if (!root)
		return -EINVAL;
	if (!json_object_is_type(root, json_type_object))
		goto err;
	snprintf(out->uuid, sizeof(out->uuid), "%s", uuid);
	lower(out->uuid);
	snprintf(out->parent, sizeof(out->parent), "%s", parent);
	if (!json_object_object_get_ex(root, "mdev_type", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !def_valid_name(s = json_object_get_string(v)))
		goto err;
	snprintf(out->mdev_type, sizeof(out->mdev_type), "%s", s);
	out->autostart = false;
	if (json_object_object_get_ex(root, "start", &v)) {
		if (!json_object_is_type(v, json_type_string))
			goto err;
		s = json_object_get_string(v);
		if (strcmp(s, "auto") == 0)
			out->autostart = true;
		else if (strcmp(s, "manual") != 0)
			goto err;
	}
	if (json_object_object_get_ex(root, "owner", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) >= sizeof(out->owner))
			goto err;
		snprintf(out->owner, sizeof(out->owner), "%s", json_object_get_string(v));
	}
	if (json_object_object_get_ex(root, "attrs", &v)) {
		if (!def_attrs_valid(v))
			goto err;
		out->attrs = json_object_get(v);
	} else {
		out->attrs = json_object_new_array();
	}
	json_object_put(root);
	return out->attrs ? 0 : -ENOMEM;

err:
	json_object_put(root);
	return -EINVAL;
}

/*
 * Call @fn(path, parent, uuid, arg) for each <config_dir>/<parent>/<uuid> a
 * definition of @uuid may be stored at (mdevctl keeps one file per parent
 * directory; the same UUID may be defined under several parents), until @fn
 * returns true.  @fn gets the UUID in lower case.
 * Return: 0, -EINVAL for a bad UUID, -ENOENT / -errno if @config_dir can't
 * be read.
 */
static int def_walk(const char *config_dir, const char *uuid,
		    bool (*fn)(const char *path, const char *parent, const char *uuid, void *arg),
		    void *arg)
{
	char want[DEF_UUID_LEN];
	struct dirent *e;
	DIR *d;

	if (!def_valid_uuid(uuid))
		return -EINVAL;
	snprintf(want, sizeof(want), "%s", uuid);
	lower(want);
	d = opendir(config_dir);
	if (!d)
		return errno == ENOENT ? -ENOENT : -errno;
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (!def_valid_name(e->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", config_dir, e->d_name, want) >=
		    sizeof(path))
			continue;
		if (fn(path, e->d_name, want, arg))
			break;
	}
	closedir(d);
	return 0;
}

struct def_load_ctx {
	struct uvfio_def *out;
	int ret;
};

/* def_load(): the first parent holding the file is the definition. */
static bool load_one(const char *path, const char *parent, const char *uuid, void *arg)
{
	struct def_load_ctx *ctx = arg;

	if (access(path, F_OK) < 0)
		return false;
	ctx->ret = parse_file(path, parent, uuid, ctx->out);
	return true;
}

int def_load(const char *config_dir, const char *uuid, struct uvfio_def *out)
{
	struct def_load_ctx ctx = { .out = out, .ret = -ENOENT };
	int ret = def_walk(config_dir, uuid, load_one, &ctx);

	return ret ? ret : ctx.ret;
}

json_object *def_to_json(const struct uvfio_def *d, bool with_ids)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (with_ids) {
		json_object_object_add(o, "uuid", json_object_new_string(d->uuid));
		json_object_object_add(o, "parent", json_object_new_string(d->parent));
	}
	json_object_object_add(o, "mdev_type", json_object_new_string(d->mdev_type));
	json_object_object_add(o, "start",
			       json_object_new_string(d->autostart ? "auto" : "manual"));
	json_object_object_add(o, "attrs",
			       d->attrs ? json_object_get(d->attrs) : json_object_new_array());
	if (d->owner[0])
		json_object_object_add(o, "owner", json_object_new_string(d->owner));
	return o;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int def_save(const char *config_dir, const struct uvfio_def *d)
{
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char tmp[PATH_MAX + 8];
	json_object *o;
	const char *text;
	size_t len;
	int fd;
	int ret;

	if (!def_valid_uuid(d->uuid) || !def_valid_name(d->parent) || !def_valid_name(d->mdev_type))
		return -EINVAL;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", config_dir, d->parent) >= sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->uuid) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	ret = mkdir_p(dir, 0755);
	if (ret)
		return ret;
	o = def_to_json(d, false);
	if (!o)
		return -ENOMEM;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out_put;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		ret = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		goto out_put;
	}
	close(fd);
	ret = rename(tmp, path) < 0 ? -errno : 0;
	if (ret)
		unlink(tmp);
out_put:
	json_object_put(o);
	return ret;
}

/* def_remove(): every parent's copy goes; *@arg is 0 once one went. */
static bool remove_one(const char *path, const char *parent, const char *uuid, void *arg)
{
	int *ret = arg;

	(void)parent;
	(void)uuid;
	if (unlink(path) == 0)
		*ret = 0;
	else if (errno != ENOENT)
		*ret = -errno;
	return false;
}

int def_remove(const char *config_dir, const char *uuid)
{
	int removed = -ENOENT;
	int ret = def_walk(config_dir, uuid, remove_one, &removed);

	return ret ? ret : removed;
}

static int def_cmp(const void *a, const void *b)
{
	const struct uvfio_def *x = a;
	const struct uvfio_def *y = b;
	int c = strcmp(x->parent, y->parent);

	return c ? c : strcmp(x->uuid, y->uuid);
}

int def_list(const char *config_dir, struct uvfio_def **out)
{
	struct uvfio_def *defs = NULL;
	struct dirent *pe;
	int n = 0;
	int cap = 0;
	DIR *d;

	*out = NULL;
	d = opendir(config_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((pe = readdir(d))) {
		char pdir[PATH_MAX];
		struct dirent *e;
		DIR *sub;

		if (!def_valid_name(pe->d_name))
			continue;
		if ((size_t)snprintf(pdir, sizeof(pdir), "%s/%s", config_dir, pe->d_name) >=
		    sizeof(pdir))
			continue;
		sub = opendir(pdir);
		if (!sub)
			continue;
		while ((e = readdir(sub))) {
			char path[PATH_MAX];

			if (!def_valid_uuid(e->d_name))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", pdir, e->d_name) >=
			    sizeof(path))
				continue;
			if (n == cap) {
				int ncap = cap ? cap * 2 : 16;
				struct uvfio_def *nd = realloc(defs, (size_t)ncap * sizeof(*nd));

				if (!nd) {
					closedir(sub);
					closedir(d);
					def_list_free(defs, n);
					return -ENOMEM;
				}
				defs = nd;
				cap = ncap;
			}
			if (parse_file(path, pe->d_name, e->d_name, &defs[n]) == 0)
				n++;
		}
		closedir(sub);
	}
	closedir(d);
	if (n)
		qsort(defs, (size_t)n, sizeof(*defs), def_cmp);
	*out = defs;
	return n;
}

void def_list_free(struct uvfio_def *defs, int n)
{
	for (int i = 0; i < n; i++)
		def_clear(&defs[i]);
	free(defs);
}
