// SPDX-License-Identifier: MIT
/*
 * uvfio-mtty - serve one mtty card standalone, as a vfio-user backend
 * program (contract §1: --socket-path PATH or --fd N).
 *
 *   uvfio-mtty [--ports 1|2] --socket-path PATH
 *
 * Prints one line per port, "port N: /dev/pts/M", before serving.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtty.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: uvfio-mtty [--ports 1|2] (--socket-path PATH | --fd N)\n");
}

int main(int argc, char **argv)
{
	unsigned int nr_ports = 1;
	struct uvfio_dev *dev;
	char **rest;
	int nrest = 0;
	int status;
	int ret;

	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (!rest)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			free(rest);
			return 0;
		}
		if (!strncmp(argv[i], "--ports=", 8))
			val = argv[i] + 8;
		else if (!strcmp(argv[i], "--ports") && i + 1 < argc)
			val = argv[++i];
		if (!val) {
			rest[nrest++] = argv[i];
			continue;
		}
		if (strcmp(val, "1") && strcmp(val, "2")) {
			usage(stderr);
			free(rest);
			return 2;
		}
		nr_ports = (unsigned int)(val[0] - '0');
	}

	ret = uvfio_mtty_create(nr_ports, &dev);
	if (ret) {
		fprintf(stderr, "uvfio-mtty: cannot create the device: %s\n", strerror(-ret));
		free(rest);
		return 1;
	}
	for (unsigned int i = 0; i < nr_ports; i++) {
		char pty[64];

		if (uvfio_mtty_port_pty(dev, i, pty, sizeof(pty)) == 0)
			printf("port %u: %s\n", i, pty);
	}
	fflush(stdout);
	status = uvfio_dev_main(dev, nrest, rest);
	uvfio_mtty_destroy(dev);
	free(rest);
	return status;
}
