// SPDX-License-Identifier: MIT
/* uvfio-lspci-test: "uvfioctl lspci" on its own, for tests and by hand. */
#include "lspci.h"

int main(int argc, char **argv)
{
	argv[0] = "lspci";
	return uvfioctl_lspci_main(argc, argv);
}
