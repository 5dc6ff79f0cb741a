// SPDX-License-Identifier: MIT
/*
 * lib/pci/walk.c - capability walks over a copy of config space
 * (include/uvfio/pci.h).
 *
 * The bytes come from a device, so nothing is trusted: every pointer has its
 * reserved low bits masked (PCI LB 3.0 §6.7), is checked to lie past the
 * header and to leave room for the capability's header inside the buffer,
 * and a caller-held counter ends chains that loop or run too long, as
 * pciutils and the kernel's PCI_FIND_CAP_TTL do.
 */
#include <errno.h>

#include <uvfio/pci.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int uvfio_pci_cap_next(const uint8_t *cfg, size_t len, int pos, unsigned int *guard)
{
	unsigned int ptr;

	if (!cfg || !guard || len < PCI_STD_HEADER_SIZEOF || pos < 0)
		return -EINVAL;
	if (pos == 0) {
		if (!(get16(cfg + PCI_STATUS) & PCI_STATUS_CAP_LIST))
			return 0;
		ptr = cfg[PCI_CAPABILITY_LIST];
	} else {
		if (pos < PCI_STD_HEADER_SIZEOF || pos >= PCI_CFG_SPACE_SIZE ||
		    (size_t)pos + PCI_CAP_LIST_NEXT + 1 > len)
			return -EINVAL;
		ptr = cfg[pos + PCI_CAP_LIST_NEXT];
	}
	/* PCI LB 3.0 §6.7: the bottom two bits of a pointer are reserved. */
	ptr &= ~3u;
	if (!ptr)
		return 0;
	if (ptr < PCI_STD_HEADER_SIZEOF || ptr + PCI_CAP_LIST_NEXT + 1 > len)
		return -EINVAL;
	if (++*guard > UVFIO_PCI_CAP_TTL)
		return -ELOOP;
	return (int)ptr;
}

int uvfio_pci_ext_cap_next(const uint8_t *cfg, size_t len, int pos, unsigned int *guard)
{
	unsigned int ptr;
	uint32_t hdr;

	if (!cfg || !guard || len < PCI_CFG_SPACE_EXP_SIZE || pos < 0)
		return -EINVAL;
	if (pos == 0) {
		/* PCIe r4.0 §7.6.3: a space without extended capabilities
		 * has 0 at 0x100; all ones is what an absent function reads. */
		hdr = get32(cfg + PCI_CFG_SPACE_SIZE);
		if (hdr == 0 || hdr == 0xffffffff)
			return 0;
		ptr = PCI_CFG_SPACE_SIZE;
	} else {
		if (pos < PCI_CFG_SPACE_SIZE || pos > PCI_CFG_SPACE_EXP_SIZE - 4)
			return -EINVAL;
		hdr = get32(cfg + pos);
		/* PCI_EXT_CAP_NEXT masks the reserved low two bits. */
		ptr = PCI_EXT_CAP_NEXT(hdr);
		if (!ptr)
			return 0;
		if (ptr < PCI_CFG_SPACE_SIZE)
			return -EINVAL;
	}
	if (++*guard > UVFIO_PCI_EXT_CAP_TTL)
		return -ELOOP;
	return (int)ptr;
}

int uvfio_pci_find_cap(const uint8_t *cfg, size_t len, uint8_t id)
{
	unsigned int guard = 0;
	int pos = 0;

	while ((pos = uvfio_pci_cap_next(cfg, len, pos, &guard)) > 0)
		if (cfg[pos + PCI_CAP_LIST_ID] == id)
			return pos;
	return pos < 0 ? pos : -ENOENT;
}

int uvfio_pci_find_ext_cap(const uint8_t *cfg, size_t len, uint16_t id)
{
	unsigned int guard = 0;
	int pos = 0;

	while ((pos = uvfio_pci_ext_cap_next(cfg, len, pos, &guard)) > 0)
		if (PCI_EXT_CAP_ID(get32(cfg + pos)) == id)
			return pos;
	return pos < 0 ? pos : -ENOENT;
}

/* Names as lspci prints them. */
static const char *const cap_names[PCI_CAP_ID_MAX + 1] = {
	[PCI_CAP_ID_PM] = "Power Management",
	[PCI_CAP_ID_AGP] = "AGP",
	[PCI_CAP_ID_VPD] = "Vital Product Data",
	[PCI_CAP_ID_SLOTID] = "Slot ID",
	[PCI_CAP_ID_MSI] = "MSI",
	[PCI_CAP_ID_CHSWP] = "CompactPCI hot-swap",
	[PCI_CAP_ID_PCIX] = "PCI-X",
	[PCI_CAP_ID_HT] = "HyperTransport",
	[PCI_CAP_ID_VNDR] = "Vendor Specific Information",
	[PCI_CAP_ID_DBG] = "Debug port",
	[PCI_CAP_ID_CCRC] = "CompactPCI central resource control",
	[PCI_CAP_ID_SHPC] = "Hot-plug capable",
	[PCI_CAP_ID_SSVID] = "Subsystem",
	[PCI_CAP_ID_AGP3] = "AGP3",
	[PCI_CAP_ID_SECDEV] = "Secure device",
	[PCI_CAP_ID_EXP] = "Express",
	[PCI_CAP_ID_MSIX] = "MSI-X",
	[PCI_CAP_ID_SATA] = "SATA HBA",
	[PCI_CAP_ID_AF] = "PCI Advanced Features",
	[PCI_CAP_ID_EA] = "Enhanced Allocation",
};

static const char *const ext_cap_names[PCI_EXT_CAP_ID_MAX + 1] = {
	[PCI_EXT_CAP_ID_ERR] = "Advanced Error Reporting",
	[PCI_EXT_CAP_ID_VC] = "Virtual Channel",
	[PCI_EXT_CAP_ID_DSN] = "Device Serial Number",
	[PCI_EXT_CAP_ID_PWR] = "Power Budgeting",
	[PCI_EXT_CAP_ID_RCLD] = "Root Complex Link",
	[PCI_EXT_CAP_ID_RCILC] = "Root Complex Internal Link Control",
	[PCI_EXT_CAP_ID_RCEC] = "Root Complex Event Collector",
	[PCI_EXT_CAP_ID_MFVC] = "Multi-Function Virtual Channel",
	[PCI_EXT_CAP_ID_VC9] = "Virtual Channel",
	[PCI_EXT_CAP_ID_RCRB] = "Root Complex Register Block",
	[PCI_EXT_CAP_ID_VNDR] = "Vendor Specific Information",
	[PCI_EXT_CAP_ID_ACS] = "Access Control Services",
	[PCI_EXT_CAP_ID_ARI] = "Alternative Routing-ID Interpretation (ARI)",
	[PCI_EXT_CAP_ID_ATS] = "Address Translation Service (ATS)",
	[PCI_EXT_CAP_ID_SRIOV] = "Single Root I/O Virtualization (SR-IOV)",
	[PCI_EXT_CAP_ID_MRIOV] = "Multi-Root I/O Virtualization (MR-IOV)",
	[PCI_EXT_CAP_ID_MCAST] = "Multicast",
	[PCI_EXT_CAP_ID_PRI] = "Page Request Interface (PRI)",
	[PCI_EXT_CAP_ID_REBAR] = "Physical Resizable BAR",
	[PCI_EXT_CAP_ID_DPA] = "Dynamic Power Allocation",
	[PCI_EXT_CAP_ID_TPH] = "Transaction Processing Hints",
	[PCI_EXT_CAP_ID_LTR] = "Latency Tolerance Reporting",
	[PCI_EXT_CAP_ID_SECPCI] = "Secondary PCI Express",
	[PCI_EXT_CAP_ID_PMUX] = "Protocol Multiplexing",
	[PCI_EXT_CAP_ID_PASID] = "Process Address Space ID (PASID)",
	[PCI_EXT_CAP_ID_DPC] = "Downstream Port Containment",
	[PCI_EXT_CAP_ID_L1SS] = "L1 PM Substates",
	[PCI_EXT_CAP_ID_PTM] = "Precision Time Measurement",
	[PCI_EXT_CAP_ID_DVSEC] = "Designated Vendor-Specific",
	[PCI_EXT_CAP_ID_DLF] = "Data Link Feature",
	[PCI_EXT_CAP_ID_PL_16GT] = "Physical Layer 16.0 GT/s",
	[PCI_EXT_CAP_ID_DOE] = "Data Object Exchange",
};

const char *uvfio_pci_cap_name(uint8_t id)
{
	return id <= PCI_CAP_ID_MAX ? cap_names[id] : NULL;
}

const char *uvfio_pci_ext_cap_name(uint16_t id)
{
	return id <= PCI_EXT_CAP_ID_MAX ? ext_cap_names[id] : NULL;
}
