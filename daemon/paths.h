/* SPDX-License-Identifier: MIT */
/*
 * daemon/paths.h - where uvfiod keeps its sockets and definitions; shared
 * with uvfioctl so both find the same places.
 */
#ifndef UVFIO_DAEMON_PATHS_H
#define UVFIO_DAEMON_PATHS_H

#include <stddef.h>

#define UVFIO_RUNTIME_DIR_ENV "UVFIO_RUNTIME_DIR"
#define UVFIO_CONFIG_DIR_ENV "UVFIO_CONFIG_DIR"
#define UVFIO_PLUGIN_DIR_ENV "UVFIO_PLUGIN_DIR"
#define UVFIO_CONTROL_SOCK "control.sock"

/*
 * uvfio_default_runtime_dir() - $UVFIO_RUNTIME_DIR, else /run/uvfio as root,
 * else $XDG_RUNTIME_DIR/uvfio, else /tmp/uvfio-$UID.
 * Return: 0 or -ENAMETOOLONG.
 */
int uvfio_default_runtime_dir(char *buf, size_t len);

/*
 * uvfio_default_config_dir() - $UVFIO_CONFIG_DIR, else /etc/uvfio as root,
 * else $XDG_CONFIG_HOME/uvfio, else $HOME/.config/uvfio.
 * Return: 0, -ENOENT (no HOME), -ENAMETOOLONG.
 */
int uvfio_default_config_dir(char *buf, size_t len);

/* uvfio_control_path() - "<runtime_dir>/control.sock".  Return: 0 or -ENAMETOOLONG. */
int uvfio_control_path(const char *runtime_dir, char *buf, size_t len);

#endif
