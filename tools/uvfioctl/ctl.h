/* SPDX-License-Identifier: MIT */
/*
 * tools/uvfioctl/ctl.h - uvfioctl's mdevctl-like verbs, talking to uvfiod
 * over its control socket (docs/control-protocol.md).
 */
#ifndef UVFIO_TOOLS_CTL_H
#define UVFIO_TOOLS_CTL_H

#include <stdbool.h>
#include <stdio.h>

/* Options given before the verb (uvfioctl --runtime-dir DIR list ...). */
struct uvfioctl_globals {
	const char *runtime_dir; /* NULL: the default (daemon/paths.h) */
	const char *config_dir;
	bool json;
};

/* uvfioctl_is_ctl_verb() - whether @verb is one of ctl.c's. */
bool uvfioctl_is_ctl_verb(const char *verb);

/*
 * uvfioctl_ctl_main() - run verb @argv[0] with its options.
 * Return: the exit status: 0, 1 (failed: the daemon said no, or is not
 * running), 2 (usage).
 */
int uvfioctl_ctl_main(const struct uvfioctl_globals *g, int argc, char **argv);

/* uvfioctl_ctl_usage() - the verbs' part of `uvfioctl --help`. */
void uvfioctl_ctl_usage(FILE *f);

#endif
