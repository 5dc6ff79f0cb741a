/* SPDX-License-Identifier: MIT */
/* tests/plugins/test_plugin.h - what the tests know of the test plugin. */
#ifndef UVFIO_TEST_PLUGIN_H
#define UVFIO_TEST_PLUGIN_H

#define UVT_PARENT "uvt"
#define UVT_TYPE "uvt-regs"
#define UVT_MAX_INSTANCES 4
/* QEMU's vendor ID, a device ID no real device uses ("7e57": test). */
#define UVT_VENDOR 0x1234
#define UVT_DEVICE 0x7e57
#define UVT_CLASS 0xff0000 /* unassigned class */
#define UVT_BAR_SIZE 4096
#define UVT_MAGIC 0x7e57ab1eu

#define UVT_REG_MAGIC 0x00
#define UVT_REG_SCRATCH 0x04
#define UVT_REG_READS 0x08
#define UVT_REG_INSTANCE 0x0c

#define UVT_PLUGIN_FILE "uvfio-test-plugin.so"
#define UVT_BADABI_FILE "uvfio-test-plugin-badabi.so"

#endif
