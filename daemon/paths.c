// SPDX-License-Identifier: MIT
/*
 * daemon/paths.c - default directories of uvfiod and uvfioctl.
 *
 * Runtime files follow the XDG Base Directory Specification
 * ($XDG_RUNTIME_DIR) for users and the FHS (/run) for root; definitions
 * live in /etc/uvfio as mdevctl's live in /etc/mdevctl.d (linux-vfio.md
 * §6.3), or $XDG_CONFIG_HOME/uvfio for a user's own daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "paths.h"

static int put(char *buf, size_t len, const char *fmt, const char *a, unsigned int n)
{
	int r = a ? snprintf(buf, len, fmt, a) : snprintf(buf, len, fmt, n);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int uvfio_default_runtime_dir(char *buf, size_t len)
{
	const char *v = env(UVFIO_RUNTIME_DIR_ENV);

	if (v)
		return put(buf, len, "%s", v, 0);
	if (geteuid() == 0)
		return put(buf, len, "%s", "/run/uvfio", 0);
	v = env("XDG_RUNTIME_DIR");
	if (v)
		return put(buf, len, "%s/uvfio", v, 0);
	return put(buf, len, "/tmp/uvfio-%u", NULL, (unsigned int)geteuid());
}

int uvfio_default_config_dir(char *buf, size_t len)
{
	const char *v = env(UVFIO_CONFIG_DIR_ENV);

	if (v)
		return put(buf, len, "%s", v, 0);
	if (geteuid() == 0)
		return put(buf, len, "%s", "/etc/uvfio", 0);
	v = env("XDG_CONFIG_HOME");
	if (v)
		return put(buf, len, "%s/uvfio", v, 0);
	v = env("HOME");
	if (!v)
		return -ENOENT;
	return put(buf, len, "%s/.config/uvfio", v, 0);
}

int uvfio_control_path(const char *runtime_dir, char *buf, size_t len)
{
	int r = snprintf(buf, len, "%s/%s", runtime_dir, UVFIO_CONTROL_SOCK);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}
