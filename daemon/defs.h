/* SPDX-License-Identifier: MIT */
/*
 * daemon/defs.h - persistent instance definitions, in mdevctl's layout
 * (linux-vfio.md §6.3): one JSON file per instance at
 * <config-dir>/<parent>/<uuid>:
 *
 *	{ "mdev_type": "mtty-2", "start": "auto", "attrs": [], "owner": "alice" }
 *
 * "attrs" is mdevctl's ordered list of one-member objects ({"name": "value"}),
 * applied in order after creation; "owner" (uvfio's addition) is the user
 * the instance's socket belongs to.  Shared by uvfiod and uvfioctl (which
 * edits definitions itself when no daemon runs).
 */
#ifndef UVFIO_DAEMON_DEFS_H
#define UVFIO_DAEMON_DEFS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define DEF_NAME_MAX 64
#define DEF_UUID_LEN 37

struct uvfio_def {
	char uuid[DEF_UUID_LEN];
	char parent[DEF_NAME_MAX];
	char mdev_type[DEF_NAME_MAX];
	bool autostart;
	char owner[DEF_NAME_MAX]; /* "" for the default (the daemon's user) */
	json_object *attrs;	  /* array of {"name": "value"}; owned; never NULL when loaded */
};

/* def_valid_name() - a parent or type name usable as a directory name. */
bool def_valid_name(const char *s);
/* def_valid_uuid() - 8-4-4-4-12 hex digits. */
bool def_valid_uuid(const char *s);

/*
 * def_load() - the definition of @uuid, whatever its parent.
 * Return: 0, -ENOENT (none), -EINVAL (a malformed file), -errno.
 */
int def_load(const char *config_dir, const char *uuid, struct uvfio_def *out);

/*
 * def_save() - write @d to <config_dir>/<parent>/<uuid> (directories made
 * as needed; written to a temporary file and renamed, so a crash leaves the
 * old or the new file).  Return: 0 or -errno.
 */
int def_save(const char *config_dir, const struct uvfio_def *d);

/* def_remove() - remove every definition of @uuid.  Return: 0, -ENOENT. */
int def_remove(const char *config_dir, const char *uuid);

/*
 * def_list() - every definition, sorted by parent then UUID.  Malformed
 * files are skipped.  *@out is an array to free with def_list_free().
 * Return: the count, or -errno (a missing directory is 0 definitions).
 */
int def_list(const char *config_dir, struct uvfio_def **out);
void def_list_free(struct uvfio_def *defs, int n);

/* def_clear() - drop @d's attrs reference. */
void def_clear(struct uvfio_def *d);

/* def_to_json() - @d as a JSON object (new reference) for replies and files. */
json_object *def_to_json(const struct uvfio_def *d, bool with_ids);

/*
 * def_attrs_valid() - whether @attrs is a JSON array of objects with
 * exactly one string member each.
 */
bool def_attrs_valid(json_object *attrs);

#endif
