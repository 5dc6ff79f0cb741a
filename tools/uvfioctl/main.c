// SPDX-License-Identifier: MIT
/*
 * tools/uvfioctl/main.c - uvfioctl: control uvfiod with mdevctl's verbs
 * (types, list, start, stop, define, undefine, modify; linux-vfio.md §6.3),
 * and decode devices' config space as lspci does ("uvfioctl lspci").
 *
 *   uvfioctl [--runtime-dir DIR] [--config-dir DIR] [--json] VERB [OPTIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#ifdef HAVE_LSPCI
#include "lspci.h"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: uvfioctl [--runtime-dir DIR] [--config-dir DIR] [--json] VERB "
		   "[OPTIONS]\n\n");
	uvfioctl_ctl_usage(f);
#ifdef HAVE_LSPCI
	fprintf(f, "  lspci [-v|-vv] [-x|-xxx|-xxxx] [-n|-nn] DEVICE... | -F FILE\n"
		   "        decode config space as lspci does (DEVICE: unix:PATH or a PCI "
		   "address)\n");
#endif
	fprintf(f, "\nGlobal options (also accepted after the verb):\n"
		   "  --runtime-dir DIR  where uvfiod's control.sock is ($UVFIO_RUNTIME_DIR)\n"
		   "  --config-dir DIR   definitions, when uvfiod is not running "
		   "($UVFIO_CONFIG_DIR)\n"
		   "  --json             print replies as JSON (types, list, start, attrs)\n");
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; advances *i past a separate value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "uvfioctl: %s needs a value\n", name);
		exit(2);
	}
	return argv[++*i];
}

int main(int argc, char **argv)
{
	struct uvfioctl_globals g = {0};
	const char *v;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			g.json = true;
		} else if ((v = opt_value(argc, argv, &i, "--runtime-dir"))) {
			g.runtime_dir = v;
		} else if ((v = opt_value(argc, argv, &i, "--config-dir"))) {
			g.config_dir = v;
		} else {
			fprintf(stderr, "uvfioctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[i], "lspci") == 0) {
#ifdef HAVE_LSPCI
		return uvfioctl_lspci_main(argc - i, argv + i);
#else
		fprintf(stderr, "uvfioctl: this build has no lspci verb\n");
		return 2;
#endif
	}
	if (uvfioctl_is_ctl_verb(argv[i]))
		return uvfioctl_ctl_main(&g, argc - i, argv + i);
	fprintf(stderr, "uvfioctl: unknown verb '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
