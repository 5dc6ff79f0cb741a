/* SPDX-License-Identifier: MIT */
/*
 * uvfio/pci.h - PCI config-space helpers shared by both sides.
 *
 * Capability walks over a buffer holding a copy of config space (256 or
 * 4096 bytes), with loop guards: a device controls these bytes, so every
 * pointer is bounds-checked and a chain that loops or runs too long ends the
 * walk with -ELOOP (pciutils does the same).  Constants are those of
 * <linux/pci_regs.h>; nothing here redefines them.
 */
#ifndef UVFIO_PCI_H
#define UVFIO_PCI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/pci_regs.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Walk limits: at most 48 standard capabilities fit in 0x40-0xff (the
 * kernel's PCI_FIND_CAP_TTL), at most 480 extended ones of 8 bytes in
 * 0x100-0xfff.
 */
#define UVFIO_PCI_CAP_TTL 48
#define UVFIO_PCI_EXT_CAP_TTL 480

/**
 * uvfio_pci_cap_next() - next standard capability after @pos.
 * @cfg: config space copy; @len: its length (>= 64).
 * @pos: 0 to start (reads PCI_CAPABILITY_LIST if STATUS has CAP_LIST), else
 *       the offset returned by the previous call.
 * @guard: caller-held counter, set to 0 before the first call.
 *
 * Return: offset of the next capability (>= 0x40), 0 at the end, -ELOOP
 * after 48 capabilities, -EINVAL for a pointer outside [0x40, @len - 2].
 */
int uvfio_pci_cap_next(const uint8_t *cfg, size_t len, int pos, unsigned int *guard);

/**
 * uvfio_pci_ext_cap_next() - next extended capability after @pos.
 * @pos: 0 to start at 0x100.  Requires @len == 4096.
 * Return: offset (>= 0x100), 0 at the end (or an empty header at 0x100),
 * -ELOOP after 480 capabilities, -EINVAL for a bad pointer.
 */
int uvfio_pci_ext_cap_next(const uint8_t *cfg, size_t len, int pos, unsigned int *guard);

/**
 * uvfio_pci_find_cap() - offset of the first standard capability @id.
 * Return: offset, -ENOENT if absent, -ELOOP / -EINVAL as for the walk.
 */
int uvfio_pci_find_cap(const uint8_t *cfg, size_t len, uint8_t id);

/**
 * uvfio_pci_find_ext_cap() - offset of the first extended capability @id.
 * Return: offset, -ENOENT if absent, -ELOOP / -EINVAL as for the walk.
 */
int uvfio_pci_find_ext_cap(const uint8_t *cfg, size_t len, uint16_t id);

/** uvfio_pci_cap_name() - "MSI", "PCI Express"... or NULL if unknown. */
const char *uvfio_pci_cap_name(uint8_t id);
/** uvfio_pci_ext_cap_name() - "Advanced Error Reporting"... or NULL. */
const char *uvfio_pci_ext_cap_name(uint16_t id);

#ifdef __cplusplus
}
#endif
#endif /* UVFIO_PCI_H */
