// SPDX-License-Identifier: MIT
/*
 * tools/uvfioctl/ctl.c - the mdevctl-like verbs (linux-vfio.md §6.3):
 * each builds one request of docs/control-protocol.md with json-c, sends it
 * to uvfiod's control socket, and prints the reply.
 *
 * Without a running uvfiod, definitions can still be edited in the config
 * directory (define with --parent, undefine, modify, list --defined), as
 * mdevctl edits /etc/mdevctl.d with no daemon; uvfiod starts "auto" ones
 * when it starts.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>
#include <uuid/uuid.h>

#include "ctl.h"
#include "defs.h"
#include "paths.h"

/* Longest reply we accept (a list of many instances). */
#define REPLY_MAX (4 * 1024 * 1024)
#define MAX_ATTRS 32

static const char *const verbs[] = {"types",  "list",	  "start",  "stop",
				    "define", "undefine", "modify", "attrs"};

bool uvfioctl_is_ctl_verb(const char *verb)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verb, verbs[i]) == 0)
			return true;
	}
	return false;
}

void uvfioctl_ctl_usage(FILE *f)
{
	fprintf(f,
		"Verbs (as mdevctl's):\n"
		"  types                               types, with available_instances\n"
		"  list [--defined] [--uuid U]         running instances (type, socket, owner,\n"
		"                                      attributes such as mtty's ptys), or\n"
		"                                      the definitions\n"
		"  start --type T [--uuid U] [--owner USER] [--attr NAME=VALUE]...\n"
		"                                      start an instance; prints UUID and socket\n"
		"  start --uuid U                      start a defined instance\n"
		"  stop --uuid U [--timeout MS]        stop it (the client gets REQ first)\n"
		"  define --type T [--uuid U] [--auto] [--owner USER] [--attr NAME=VALUE]...\n"
		"  define --uuid U                     define a running instance as it is\n"
		"  undefine --uuid U\n"
		"  modify --uuid U [--type T] [--auto|--manual] [--owner USER]\n"
		"  attrs --uuid U | --type T           every attribute of an instance or type\n"
		"  (--parent P may name the parent in start, define and modify; offline\n"
		"   define needs it)\n");
}

/*
 * Talking to uvfiod.
 */

struct session {
	const struct uvfioctl_globals *g;
	char runtime_dir[PATH_MAX];
	char config_dir[PATH_MAX];
	char control[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int timeout_s;
};

/* Return: a connected fd, -ENOENT (no daemon), or another -errno. */
static int connect_daemon(struct session *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = s->timeout_s};
	int fd;
	int ret;

	if (strlen(s->control) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, s->control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		/* No socket file, or a file nobody listens on: no daemon. */
		return ret == -ECONNREFUSED ? -ENOENT : ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void not_running(const struct session *s)
{
	fprintf(stderr, "uvfioctl: uvfiod is not running (no control socket at %s)\n", s->control);
}

/*
 * Send @req, read one reply line.  Return: the reply (ok or not), or NULL
 * with a message printed.
 */
static json_object *transact(int fd, json_object *req)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	size_t have = 0;
	size_t cap = 4096;
	char *buf;
	json_object *r;

	if (send(fd, text, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		fprintf(stderr, "uvfioctl: cannot send to uvfiod: %s\n", strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t n;

		if (have && buf[have - 1] == '\n')
			break;
		if (have + 1 >= cap) {
			char *nb = cap >= REPLY_MAX ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				fprintf(stderr, "uvfioctl: reply too long\n");
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + have, cap - have - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr,
				"uvfioctl: uvfiod closed the connection without a reply%s%s\n",
				n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			free(buf);
			return NULL;
		}
		have += (size_t)n;
	}
	if (!buf) {
		fprintf(stderr, "uvfioctl: out of memory\n");
		return NULL;
	}
	buf[have] = '\0';
	r = json_tokener_parse(buf);
	free(buf);
	if (!r || !json_object_is_type(r, json_type_object)) {
		fprintf(stderr, "uvfioctl: malformed reply from uvfiod\n");
		if (r)
			json_object_put(r);
		return NULL;
	}
	return r;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

static bool jbool(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* The reply's "ok", printing its error otherwise. */
static bool reply_ok(json_object *r)
{
	if (jbool(r, "ok"))
		return true;
	fprintf(stderr, "uvfioctl: %s\n", *jstr(r, "error") ? jstr(r, "error") : "failed");
	return false;
}

static void print_json(json_object *r)
{
	json_object_object_del(r, "ok");
	printf("%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * Printing.
 */

static void print_types(json_object *r)
{
	json_object *types;
	const char *last = "";

	if (!json_object_object_get_ex(r, "types", &types))
		return;
	/* mdevctl types: grouped by parent. */
	for (size_t i = 0; i < json_object_array_length(types); i++) {
		json_object *t = json_object_array_get_idx(types, i);

		if (strcmp(last, jstr(t, "parent")) != 0) {
			last = jstr(t, "parent");
			printf("%s\n", last);
		}
		printf("  %s\n", jstr(t, "type"));
		printf("    Available instances: %s\n", jstr(t, "available_instances"));
		printf("    Device API: %s\n", jstr(t, "device_api"));
		printf("    Name: %s\n", jstr(t, "name"));
		if (*jstr(t, "description"))
			printf("    Description: %s\n", jstr(t, "description"));
	}
}

static void print_attrs_inline(json_object *attrs)
{
	if (!attrs || !json_object_is_type(attrs, json_type_object))
		return;
	json_object_object_foreach(attrs, key, val)
	{
		printf(" %s=%s", key, json_object_get_string(val));
	}
}

static void print_instances(json_object *r, const char *only)
{
	json_object *arr;

	if (!json_object_object_get_ex(r, "instances", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		json_object *attrs = NULL;

		if (only && strcasecmp(only, jstr(o, "uuid")) != 0)
			continue;
		printf("%s %s %s %s owner=%s socket=%s", jstr(o, "uuid"), jstr(o, "parent"),
		       jstr(o, "mdev_type"), jbool(o, "defined") ? jstr(o, "start") : "transient",
		       jstr(o, "owner"), jstr(o, "socket"));
		if (jbool(o, "connected"))
			printf(" connected");
		json_object_object_get_ex(o, "attrs", &attrs);
		print_attrs_inline(attrs);
		printf("\n");
	}
}

static void print_def_attrs(json_object *attrs)
{
	for (size_t j = 0; attrs && j < json_object_array_length(attrs); j++) {
		json_object_object_foreach(json_object_array_get_idx(attrs, j), key, val)
		{
			printf(" %s=%s", key, json_object_get_string(val));
		}
	}
}

static void print_definitions(json_object *r, const char *only)
{
	json_object *arr;

	if (!json_object_object_get_ex(r, "definitions", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		json_object *attrs = NULL;

		if (only && strcasecmp(only, jstr(o, "uuid")) != 0)
			continue;
		printf("%s %s %s %s", jstr(o, "uuid"), jstr(o, "parent"), jstr(o, "mdev_type"),
		       jstr(o, "start"));
		if (*jstr(o, "owner"))
			printf(" owner=%s", jstr(o, "owner"));
		if (jbool(o, "active"))
			printf(" (active)");
		json_object_object_get_ex(o, "attrs", &attrs);
		print_def_attrs(attrs);
		printf("\n");
	}
}

/*
 * Offline definitions (no uvfiod): the config directory directly.
 */

static int offline(struct session *s, const char *verb, json_object *req, const char *only)
{
	json_object *r = json_object_new_object();
	const char *uuid = jstr(req, "uuid");
	struct uvfio_def def = {0};
	int ret;

	fprintf(stderr,
		"uvfioctl: uvfiod is not running (no control socket at %s): %s "
		"definitions in %s\n",
		s->control, strcmp(verb, "list") == 0 ? "reading" : "editing", s->config_dir);
	if (strcmp(verb, "list") == 0) {
		struct uvfio_def *defs;
		json_object *arr = json_object_new_array();
		int n = def_list(s->config_dir, &defs);

		if (n < 0) {
			fprintf(stderr, "uvfioctl: cannot read %s: %s\n", s->config_dir,
				strerror(-n));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			json_object *o = def_to_json(&defs[i], true);

			json_object_object_add(o, "active", json_object_new_boolean(0));
			json_object_array_add(arr, o);
		}
		def_list_free(defs, n);
		json_object_object_add(r, "definitions", arr);
		if (s->g->json)
			print_json(r);
		else
			print_definitions(r, only);
		json_object_put(r);
		return 0;
	}
	if (strcmp(verb, "undefine") == 0) {
		ret = def_remove(s->config_dir, uuid);
		if (ret) {
			fprintf(stderr, "uvfioctl: %s %s: %s\n",
				ret == -ENOENT ? "unknown UUID" : "cannot undefine", uuid,
				ret == -ENOENT ? "no such definition" : strerror(-ret));
			return 1;
		}
		return 0;
	}
	if (strcmp(verb, "modify") == 0) {
		char old_parent[DEF_NAME_MAX];
		json_object *v;

		ret = def_load(s->config_dir, uuid, &def);
		if (ret) {
			fprintf(stderr, "uvfioctl: unknown UUID %s: no such definition\n", uuid);
			return 1;
		}
		snprintf(old_parent, sizeof(old_parent), "%s", def.parent);
		if (*jstr(req, "type"))
			snprintf(def.mdev_type, sizeof(def.mdev_type), "%s", jstr(req, "type"));
		if (*jstr(req, "parent"))
			snprintf(def.parent, sizeof(def.parent), "%s", jstr(req, "parent"));
		if (*jstr(req, "start"))
			def.autostart = strcmp(jstr(req, "start"), "auto") == 0;
		if (json_object_object_get_ex(req, "owner", &v))
			snprintf(def.owner, sizeof(def.owner), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(req, "attrs", &v)) {
			def_clear(&def);
			def.attrs = json_object_get(v);
		}
		if (strcmp(old_parent, def.parent) != 0)
			def_remove(s->config_dir, uuid);
	} else {
		/* define */
		struct uvfio_def old;
		json_object *v;

		if (!*jstr(req, "parent") || !*jstr(req, "type")) {
			fprintf(stderr, "uvfioctl: to define without uvfiod, give --parent and "
					"--type\n");
			return 1;
		}
		if (*uuid) {
			snprintf(def.uuid, sizeof(def.uuid), "%s", uuid);
		} else {
			uuid_t u;

			uuid_generate_random(u);
			uuid_unparse_lower(u, def.uuid);
		}
		for (char *c = def.uuid; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (def_load(s->config_dir, def.uuid, &old) == 0) {
			def_clear(&old);
			fprintf(stderr, "uvfioctl: UUID %s is already defined (use modify)\n",
				def.uuid);
			return 1;
		}
		snprintf(def.parent, sizeof(def.parent), "%s", jstr(req, "parent"));
		snprintf(def.mdev_type, sizeof(def.mdev_type), "%s", jstr(req, "type"));
		def.autostart = strcmp(jstr(req, "start"), "auto") == 0;
		snprintf(def.owner, sizeof(def.owner), "%s", jstr(req, "owner"));
		def.attrs = json_object_object_get_ex(req, "attrs", &v) ? json_object_get(v)
									: json_object_new_array();
	}
	ret = def_save(s->config_dir, &def);
	if (ret) {
		fprintf(stderr, "uvfioctl: cannot write the definition in %s: %s\n", s->config_dir,
			ret == -EINVAL ? "invalid parent, type or UUID" : strerror(-ret));
		def_clear(&def);
		return 1;
	}
	if (strcmp(verb, "define") == 0)
		printf("%s\n", def.uuid);
	def_clear(&def);
	json_object_put(r);
	return 0;
}

/*
 * Verbs.
 */

static int usage_err(const char *verb, const char *msg)
{
	fprintf(stderr, "uvfioctl %s: %s (see uvfioctl --help)\n", verb, msg);
	return 2;
}

int uvfioctl_ctl_main(const struct uvfioctl_globals *g, int argc, char **argv)
{
	enum { OPT_ATTR = 256, OPT_TIMEOUT, OPT_JSON, OPT_RUNTIME, OPT_CONFIG };
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"uuid", required_argument, NULL, 'u'},
		{"parent", required_argument, NULL, 'p'},
		{"owner", required_argument, NULL, 'o'},
		{"auto", no_argument, NULL, 'a'},
		{"manual", no_argument, NULL, 'm'},
		{"defined", no_argument, NULL, 'd'},
		{"attr", required_argument, NULL, OPT_ATTR},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"json", no_argument, NULL, OPT_JSON},
		{"runtime-dir", required_argument, NULL, OPT_RUNTIME},
		{"config-dir", required_argument, NULL, OPT_CONFIG},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct uvfioctl_globals gl = *g;
	struct session s = {.g = &gl, .timeout_s = 30};
	const char *verb = argv[0];
	const char *type = NULL;
	const char *uuid = NULL;
	const char *parent = NULL;
	const char *owner = NULL;
	const char *start = NULL;
	json_object *attrs = NULL;
	long timeout_ms = -1;
	bool defined = false;
	json_object *req;
	json_object *r;
	int status = 1;
	int opt;
	int fd;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "t:u:p:o:amdh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			type = optarg;
			break;
		case 'u':
			uuid = optarg;
			break;
		case 'p':
			parent = optarg;
			break;
		case 'o':
			owner = optarg;
			break;
		case 'a':
			start = "auto";
			break;
		case 'm':
			start = "manual";
			break;
		case 'd':
			defined = true;
			break;
		case OPT_ATTR: {
			const char *eq = strchr(optarg, '=');
			json_object *a;
			char name[128];

			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(name))
				return usage_err(verb, "--attr takes NAME=VALUE");
			if (!attrs)
				attrs = json_object_new_array();
			if (json_object_array_length(attrs) >= MAX_ATTRS)
				return usage_err(verb, "too many --attr");
			memcpy(name, optarg, (size_t)(eq - optarg));
			name[eq - optarg] = '\0';
			a = json_object_new_object();
			json_object_object_add(a, name, json_object_new_string(eq + 1));
			json_object_array_add(attrs, a);
			break;
		}
		case OPT_TIMEOUT: {
			char *end;

			timeout_ms = strtol(optarg, &end, 10);
			if (*end || timeout_ms < 0 || timeout_ms > 600000)
				return usage_err(verb, "--timeout takes 0..600000 (ms)");
			break;
		}
		case OPT_JSON:
			gl.json = true;
			break;
		case OPT_RUNTIME:
			gl.runtime_dir = optarg;
			break;
		case OPT_CONFIG:
			gl.config_dir = optarg;
			break;
		case 'h':
			uvfioctl_ctl_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "uvfioctl %s: unknown option or missing value: %s\n", verb,
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "uvfioctl %s: unexpected argument '%s'\n", verb, argv[optind]);
		return 2;
	}
	if (uuid && !def_valid_uuid(uuid)) {
		fprintf(stderr, "uvfioctl %s: '%s' is not a UUID\n", verb, uuid);
		return 2;
	}

	/* What each verb needs (mdevctl's rules). */
	if ((strcmp(verb, "stop") == 0 || strcmp(verb, "undefine") == 0 ||
	     strcmp(verb, "modify") == 0) &&
	    !uuid)
		return usage_err(verb, "--uuid is required");
	if (strcmp(verb, "start") == 0 && !type && !uuid)
		return usage_err(verb, "give --type (and optionally --uuid), or --uuid of a "
				       "defined instance");
	if (strcmp(verb, "define") == 0 && !type && !uuid)
		return usage_err(verb, "give --type, or --uuid of a running instance");
	if (strcmp(verb, "attrs") == 0 && !type && !uuid)
		return usage_err(verb, "give --uuid or --type");

	if (gl.runtime_dir)
		snprintf(s.runtime_dir, sizeof(s.runtime_dir), "%s", gl.runtime_dir);
	else if (uvfio_default_runtime_dir(s.runtime_dir, sizeof(s.runtime_dir)))
		return usage_err(verb, "runtime directory path too long");
	if (gl.config_dir)
		snprintf(s.config_dir, sizeof(s.config_dir), "%s", gl.config_dir);
	else
		uvfio_default_config_dir(s.config_dir, sizeof(s.config_dir));
	if (uvfio_control_path(s.runtime_dir, s.control, sizeof(s.control)))
		return usage_err(verb, "runtime directory path too long for a socket");
	if (timeout_ms > 0)
		s.timeout_s += (int)(timeout_ms / 1000);

	req = json_object_new_object();
	json_object_object_add(req, "op", json_object_new_string(verb));
	if (type)
		json_object_object_add(req, "type", json_object_new_string(type));
	if (uuid && strcmp(verb, "list") != 0)
		json_object_object_add(req, "uuid", json_object_new_string(uuid));
	if (parent)
		json_object_object_add(req, "parent", json_object_new_string(parent));
	if (owner)
		json_object_object_add(req, "owner", json_object_new_string(owner));
	if (start)
		json_object_object_add(req, "start", json_object_new_string(start));
	if (attrs)
		json_object_object_add(req, "attrs", attrs);
	if (defined)
		json_object_object_add(req, "defined", json_object_new_boolean(1));
	if (timeout_ms >= 0)
		json_object_object_add(req, "timeout_ms", json_object_new_int((int)timeout_ms));

	fd = connect_daemon(&s);
	if (fd < 0) {
		bool can_offline = strcmp(verb, "define") == 0 || strcmp(verb, "undefine") == 0 ||
				   strcmp(verb, "modify") == 0 ||
				   (strcmp(verb, "list") == 0 && defined);

		if (fd == -ENOENT && can_offline && s.config_dir[0])
			status = offline(&s, verb, req, uuid);
		else if (fd == -ENOENT)
			not_running(&s);
		else
			fprintf(stderr, "uvfioctl: cannot connect to uvfiod at %s: %s\n", s.control,
				strerror(-fd));
		json_object_put(req);
		return status;
	}
	r = transact(fd, req);
	close(fd);
	json_object_put(req);
	if (!r)
		return 1;
	if (!reply_ok(r))
		goto out;
	status = 0;
	if (gl.json && strcmp(verb, "stop") != 0 && strcmp(verb, "undefine") != 0) {
		print_json(r);
	} else if (strcmp(verb, "types") == 0) {
		print_types(r);
	} else if (strcmp(verb, "list") == 0) {
		if (defined)
			print_definitions(r, uuid);
		else
			print_instances(r, uuid);
	} else if (strcmp(verb, "start") == 0) {
		printf("%s %s\n", jstr(r, "uuid"), jstr(r, "socket"));
	} else if (strcmp(verb, "define") == 0) {
		printf("%s\n", jstr(r, "uuid"));
	} else if (strcmp(verb, "attrs") == 0) {
		json_object *a;

		if (json_object_object_get_ex(r, "attrs", &a)) {
			json_object_object_foreach(a, key, val)
			{
				printf("%s=%s\n", key, json_object_get_string(val));
			}
		}
	}
out:
	json_object_put(r);
	return status;
}
