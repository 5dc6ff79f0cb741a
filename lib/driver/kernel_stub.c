// SPDX-License-Identifier: MIT
/*
 * lib/driver/kernel_stub.c - placeholder for the kernel VFIO backend.
 *
 * The kernel backend (container/group/device ioctls on /dev/vfio, in
 * lib/driver/kernel*.c) is written by another engineer against backend.h;
 * when it lands, this file leaves lib/driver/meson.build.
 */
#include <errno.h>

#include "backend.h"

int uvfio_kernel_backend_open(struct uvfio_device *d, const char *bdf)
{
	(void)d;
	return uvfio_fail(-ENOTSUP, "%s: kernel VFIO backend not built (this uvfio only speaks "
				    "vfio-user; open \"unix:PATH\")",
			  bdf);
}
