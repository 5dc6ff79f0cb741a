/* SPDX-License-Identifier: MIT */
/*
 * devices/serve.c - uvfio-serve: serve one built-in device model on its own,
 * following the vfio-user backend-program conventions (contract §1: no
 * daemonizing, --socket-path / --fd, clean stop on SIGTERM), which
 * uvfio_dev_main() implements.
 *
 *   uvfio-serve MODEL [-v|-q] [--socket-path PATH | --fd N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <uvfio/device.h>

#include "edu/edu.h"
#ifdef UVFIO_SERVE_MTTY
#include "mtty/mtty.h"
#endif

struct model {
	const char *name;
	const char *summary;
	int (*create)(struct uvfio_dev **out);
	void (*destroy)(struct uvfio_dev *dev);
	/* Optional: the model's own log hook; else the library's only. */
	void (*set_log)(struct uvfio_dev *dev, void (*fn)(void *opaque, int level, const char *msg),
			void *opaque);
	/* Optional: tell the user what to attach to (stdout, once created). */
	void (*announce)(struct uvfio_dev *dev);
};

#ifdef UVFIO_SERVE_MTTY
static void mtty_announce(struct uvfio_dev *dev)
{
	char pty[64];

	for (unsigned int p = 0; p < uvfio_mtty_nr_ports(dev); p++) {
		if (uvfio_mtty_port_pty(dev, p, pty, sizeof(pty)) == 0)
			printf("port %u: %s\n", p, pty);
	}
	fflush(stdout);
}
#endif

static const struct model models[] = {
	{
		.name = "edu",
		.summary = "QEMU's educational PCI device, 1234:11e8 (docs/edu.md)",
		.create = uvfio_edu_create,
		.destroy = uvfio_edu_destroy,
		.set_log = uvfio_edu_set_log,
	},
#ifdef UVFIO_SERVE_MTTY
	{
		.name = "mtty",
		.summary = "16550A serial card on host ptys, 1 port (Linux's mtty sample)",
		.create = uvfio_mtty1_create,
		.destroy = uvfio_mtty_destroy,
		.announce = mtty_announce,
	},
	{
		.name = "mtty-2",
		.summary = "16550A serial card on host ptys, 2 ports",
		.create = uvfio_mtty2_create,
		.destroy = uvfio_mtty_destroy,
		.announce = mtty_announce,
	},
#endif
};

/* Messages at or below this syslog level reach stderr. */
static int log_threshold = LOG_WARNING;

static void serve_log(void *opaque, int level, const char *msg)
{
	const char *model = opaque;

	if (level <= log_threshold)
		fprintf(stderr, "uvfio-serve %s: %s\n", model, msg);
}

static void list_models(FILE *f)
{
	fprintf(f, "models:\n");
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		fprintf(f, "  %-8s %s\n", models[i].name, models[i].summary);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfio-serve MODEL [-v|-q] [--socket-path PATH | --fd N]\n"
		"Serve a built-in device model over vfio-user until SIGTERM or SIGINT.\n"
		"  --socket-path PATH  listen on a new socket at PATH (mode 0600)\n"
		"  --fd N              serve on inherited socket N (listening or connected)\n"
		"  -v, --verbose       also log informational messages (twice: debug)\n"
		"  -q, --quiet         log errors only\n"
		"  -h, --help          this text\n");
	list_models(f);
}

static const struct model *find_model(const char *name)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (strcmp(models[i].name, name) == 0)
			return &models[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const struct model *m;
	struct uvfio_dev *dev;
	char **rest;
	int nrest = 0;
	int status;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	m = find_model(argv[1]);
	if (!m) {
		fprintf(stderr, "uvfio-serve: unknown model '%s'\n", argv[1]);
		list_models(stderr);
		return 2;
	}

	/* Take our own options out; the rest goes to uvfio_dev_main(). */
	rest = calloc((size_t)argc, sizeof(*rest));
	if (!rest) {
		fprintf(stderr, "uvfio-serve: out of memory\n");
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(rest);
			return 0;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			log_threshold = log_threshold < LOG_INFO ? LOG_INFO : LOG_DEBUG;
		} else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			log_threshold = LOG_ERR;
		} else {
			rest[nrest++] = argv[i];
		}
	}

	rc = m->create(&dev);
	if (rc < 0) {
		fprintf(stderr, "uvfio-serve: cannot create %s: %s\n", m->name, strerror(-rc));
		free(rest);
		return 1;
	}
	if (m->set_log)
		m->set_log(dev, serve_log, (void *)m->name);
	else
		uvfio_dev_set_log(dev, serve_log, (void *)m->name);
	if (m->announce)
		m->announce(dev);
	status = uvfio_dev_main(dev, nrest, rest);
	m->destroy(dev);
	free(rest);
	return status;
}
