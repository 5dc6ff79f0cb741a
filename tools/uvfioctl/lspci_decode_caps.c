// SPDX-License-Identifier: MIT
/*
 * tools/uvfioctl/lspci_decode_caps.c - capabilities, printed as lspci prints
 * them: one table of decoders per list (standard, extended), one function per
 * capability.  Decoded in full: the capabilities uvfio emulates (PM, MSI,
 * MSI-X, PCIe endpoint device registers, AF, vendor, AER, DSN); any other is
 * named only.
 *
 * The chains are walked with the shared walkers of uvfio/pci.h (bounds and
 * TTL checked), plus a visited map so that a loop is reported where it
 * closes, as lspci reports it: "Capabilities: [40] <chain looped>".
 */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <uvfio/pci.h>

#include "lspci.h"

/*
 * AER capabilities and control bits linux/pci_regs.h (6.1) does not name:
 * PCIe r4.0 §7.8.4.7 Advanced Error Capabilities and Control Register.
 */
#define LSPCI_AER_MULTI_HDR_REC_CAP 0x00000200
#define LSPCI_AER_MULTI_HDR_REC_EN 0x00000400
#define LSPCI_AER_TLP_PREFIX_PRESENT 0x00000800
#define LSPCI_AER_HDR_LOG_CAP 0x00001000

struct flag_name {
	uint32_t bit;
	const char *name;
};

/* "Name1+ Name2- ..." for each flag of @names, separated by spaces. */
static void print_flag_list(FILE *out, uint32_t v, const struct flag_name *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s%c", i ? " " : "", names[i].name, lspci_flag(v, names[i].bit));
}

/*
 * Power Management (PCI PM 1.2 §3.2).
 */
static void cap_pm(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	/* PCI PM 1.2 §3.2.3: Aux_Current encodings. */
	static const int aux_ma[] = {0, 55, 100, 160, 220, 270, 320, 375};
	uint16_t pmc = lspci_get16(x, pos + PCI_PM_PMC);
	uint16_t ctl;
	uint8_t bse;

	fprintf(x->out, "Power Management version %d\n", pmc & PCI_PM_CAP_VER_MASK);
	if (x->o->verbose < 2)
		return;
	fprintf(x->out,
		"\t\tFlags: PMEClk%c DSI%c D1%c D2%c AuxCurrent=%dmA "
		"PME(D0%c,D1%c,D2%c,D3hot%c,D3cold%c)\n",
		lspci_flag(pmc, PCI_PM_CAP_PME_CLOCK), lspci_flag(pmc, PCI_PM_CAP_DSI),
		lspci_flag(pmc, PCI_PM_CAP_D1), lspci_flag(pmc, PCI_PM_CAP_D2),
		aux_ma[(pmc & PCI_PM_CAP_AUX_POWER) >> 6], lspci_flag(pmc, PCI_PM_CAP_PME_D0),
		lspci_flag(pmc, PCI_PM_CAP_PME_D1), lspci_flag(pmc, PCI_PM_CAP_PME_D2),
		lspci_flag(pmc, PCI_PM_CAP_PME_D3hot), lspci_flag(pmc, PCI_PM_CAP_PME_D3cold));
	ctl = lspci_get16(x, pos + PCI_PM_CTRL);
	fprintf(x->out, "\t\tStatus: D%d NoSoftRst%c PME-Enable%c DSel=%d DScale=%d PME%c\n",
		ctl & PCI_PM_CTRL_STATE_MASK, lspci_flag(ctl, PCI_PM_CTRL_NO_SOFT_RESET),
		lspci_flag(ctl, PCI_PM_CTRL_PME_ENABLE), (ctl & PCI_PM_CTRL_DATA_SEL_MASK) >> 9,
		(ctl & PCI_PM_CTRL_DATA_SCALE_MASK) >> 13, lspci_flag(ctl, PCI_PM_CTRL_PME_STATUS));
	bse = lspci_get8(x, pos + PCI_PM_PPB_EXTENSIONS);
	if (bse)
		fprintf(x->out, "\t\tBridge: PM%c B3%c\n", lspci_flag(bse, PCI_PM_BPCC_ENABLE),
			lspci_flag(~bse, PCI_PM_PPB_B2_B3));
}

/*
 * MSI (PCI LB 3.0 §6.8.1): four layouts, by 64-bit and per-vector masking.
 */
static void cap_msi(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint16_t flags = lspci_get16(x, pos + PCI_MSI_FLAGS);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;

	fprintf(x->out, "MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n",
		lspci_flag(flags, PCI_MSI_FLAGS_ENABLE), 1 << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4),
		1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1), lspci_flag(flags, PCI_MSI_FLAGS_MASKBIT),
		lspci_flag(flags, PCI_MSI_FLAGS_64BIT));
	if (x->o->verbose < 2)
		return;
	fputs("\t\tAddress: ", x->out);
	if (is64)
		fprintf(x->out, "%08x%08x  Data: %04x\n", lspci_get32(x, pos + PCI_MSI_ADDRESS_HI),
			lspci_get32(x, pos + PCI_MSI_ADDRESS_LO),
			lspci_get16(x, pos + PCI_MSI_DATA_64));
	else
		fprintf(x->out, "%08x  Data: %04x\n", lspci_get32(x, pos + PCI_MSI_ADDRESS_LO),
			lspci_get16(x, pos + PCI_MSI_DATA_32));
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		fprintf(x->out, "\t\tMasking: %08x  Pending: %08x\n",
			lspci_get32(x, pos + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32)),
			lspci_get32(x, pos + (is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32)));
}

/*
 * MSI-X (PCI LB 3.0 §6.8.2).
 */
static void cap_msix(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint16_t ctrl = lspci_get16(x, pos + PCI_MSIX_FLAGS);
	uint32_t table = lspci_get32(x, pos + PCI_MSIX_TABLE);
	uint32_t pba = lspci_get32(x, pos + PCI_MSIX_PBA);

	fprintf(x->out, "MSI-X: Enable%c Count=%d Masked%c\n",
		lspci_flag(ctrl, PCI_MSIX_FLAGS_ENABLE), (ctrl & PCI_MSIX_FLAGS_QSIZE) + 1,
		lspci_flag(ctrl, PCI_MSIX_FLAGS_MASKALL));
	if (x->o->verbose < 2)
		return;
	fprintf(x->out, "\t\tVector table: BAR=%u offset=%08x\n", table & PCI_MSIX_TABLE_BIR,
		table & PCI_MSIX_TABLE_OFFSET);
	fprintf(x->out, "\t\tPBA: BAR=%u offset=%08x\n", pba & PCI_MSIX_PBA_BIR,
		pba & PCI_MSIX_PBA_OFFSET);
}

/*
 * PCI Express (PCIe r4.0 §7.5.3): the header for every port type; the
 * device registers for the function types uvfio emulates (endpoint, legacy
 * endpoint, root-complex integrated endpoint) and upstream ports.  Link and
 * "2" registers are not decoded.
 */
static const char *const pcie_type_names[] = {
	[PCI_EXP_TYPE_ENDPOINT] = "Endpoint",
	[PCI_EXP_TYPE_LEG_END] = "Legacy Endpoint",
	[PCI_EXP_TYPE_ROOT_PORT] = "Root Port",
	[PCI_EXP_TYPE_UPSTREAM] = "Upstream Port",
	[PCI_EXP_TYPE_DOWNSTREAM] = "Downstream Port",
	[PCI_EXP_TYPE_PCI_BRIDGE] = "PCI-Express to PCI/PCI-X Bridge",
	[PCI_EXP_TYPE_PCIE_BRIDGE] = "PCI/PCI-X to PCI-Express Bridge",
	[PCI_EXP_TYPE_RC_END] = "Root Complex Integrated Endpoint",
	[PCI_EXP_TYPE_RC_EC] = "Root Complex Event Collector",
};

static bool pcie_is_endpoint(int type)
{
	return type == PCI_EXP_TYPE_ENDPOINT || type == PCI_EXP_TYPE_LEG_END ||
	       type == PCI_EXP_TYPE_RC_END;
}

static void pcie_devcap(struct uvfio_lspci_ctx *x, int type, uint32_t cap)
{
	/* PCIe r4.0 §7.5.3.3: acceptable L0s and L1 latencies. */
	static const char *const l0s[] = {"<64ns", "<128ns", "<256ns", "<512ns",
					  "<1us",  "<2us",   "<4us",   "unlimited"};
	static const char *const l1[] = {"<1us",  "<2us",  "<4us",  "<8us",
					 "<16us", "<32us", "<64us", "unlimited"};
	/* Slot Power Limit Scale: 1.0x, 0.1x, 0.01x, 0.001x. */
	static const double scale[] = {1.0, 0.1, 0.01, 0.001};

	fprintf(x->out, "\t\tDevCap:\tMaxPayload %d bytes, PhantFunc %d",
		128 << (cap & PCI_EXP_DEVCAP_PAYLOAD),
		(1 << ((cap & PCI_EXP_DEVCAP_PHANTOM) >> 3)) - 1);
	if (type == PCI_EXP_TYPE_ENDPOINT || type == PCI_EXP_TYPE_LEG_END)
		fprintf(x->out, ", Latency L0s %s, L1 %s", l0s[(cap & PCI_EXP_DEVCAP_L0S) >> 6],
			l1[(cap & PCI_EXP_DEVCAP_L1) >> 9]);
	fprintf(x->out, "\n\t\t\tExtTag%c", lspci_flag(cap, PCI_EXP_DEVCAP_EXT_TAG));
	if (type != PCI_EXP_TYPE_RC_END)
		fprintf(x->out, " AttnBtn%c AttnInd%c PwrInd%c",
			lspci_flag(cap, PCI_EXP_DEVCAP_ATN_BUT),
			lspci_flag(cap, PCI_EXP_DEVCAP_ATN_IND),
			lspci_flag(cap, PCI_EXP_DEVCAP_PWR_IND));
	fprintf(x->out, " RBE%c", lspci_flag(cap, PCI_EXP_DEVCAP_RBER));
	if (pcie_is_endpoint(type))
		fprintf(x->out, " FLReset%c", lspci_flag(cap, PCI_EXP_DEVCAP_FLR));
	if (type == PCI_EXP_TYPE_ENDPOINT || type == PCI_EXP_TYPE_UPSTREAM)
		fprintf(x->out, " SlotPowerLimit %gW",
			((cap & PCI_EXP_DEVCAP_PWR_VAL) >> 18) *
				scale[(cap & PCI_EXP_DEVCAP_PWR_SCL) >> 26]);
	fputc('\n', x->out);
}

static void pcie_devctl_sta(struct uvfio_lspci_ctx *x, int type, uint32_t cap, uint16_t ctl,
			    uint16_t sta)
{
	fprintf(x->out,
		"\t\tDevCtl:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c\n"
		"\t\t\tRlxdOrd%c ExtTag%c PhantFunc%c AuxPwr%c NoSnoop%c",
		lspci_flag(ctl, PCI_EXP_DEVCTL_CERE), lspci_flag(ctl, PCI_EXP_DEVCTL_NFERE),
		lspci_flag(ctl, PCI_EXP_DEVCTL_FERE), lspci_flag(ctl, PCI_EXP_DEVCTL_URRE),
		lspci_flag(ctl, PCI_EXP_DEVCTL_RELAX_EN), lspci_flag(ctl, PCI_EXP_DEVCTL_EXT_TAG),
		lspci_flag(ctl, PCI_EXP_DEVCTL_PHANTOM), lspci_flag(ctl, PCI_EXP_DEVCTL_AUX_PME),
		lspci_flag(ctl, PCI_EXP_DEVCTL_NOSNOOP_EN));
	if (pcie_is_endpoint(type) && (cap & PCI_EXP_DEVCAP_FLR))
		fprintf(x->out, " FLReset%c", lspci_flag(ctl, PCI_EXP_DEVCTL_BCR_FLR));
	fprintf(x->out, "\n\t\t\tMaxPayload %d bytes, MaxReadReq %d bytes\n",
		128 << ((ctl & PCI_EXP_DEVCTL_PAYLOAD) >> 5),
		128 << ((ctl & PCI_EXP_DEVCTL_READRQ) >> 12));
	fprintf(x->out,
		"\t\tDevSta:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c AuxPwr%c "
		"TransPend%c\n",
		lspci_flag(sta, PCI_EXP_DEVSTA_CED), lspci_flag(sta, PCI_EXP_DEVSTA_NFED),
		lspci_flag(sta, PCI_EXP_DEVSTA_FED), lspci_flag(sta, PCI_EXP_DEVSTA_URD),
		lspci_flag(sta, PCI_EXP_DEVSTA_AUXPD), lspci_flag(sta, PCI_EXP_DEVSTA_TRPND));
}

static void cap_express(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint16_t flags = lspci_get16(x, pos + PCI_EXP_FLAGS);
	int type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;
	uint32_t cap;

	x->pcie_type = type;
	fputs("Express ", x->out);
	if (x->o->verbose > 1)
		fprintf(x->out, "(v%d) ", flags & PCI_EXP_FLAGS_VERS);
	if ((size_t)type < sizeof(pcie_type_names) / sizeof(pcie_type_names[0]) &&
	    pcie_type_names[type])
		fputs(pcie_type_names[type], x->out);
	else
		fprintf(x->out, "Unknown type %d", type);
	fprintf(x->out, ", MSI %02x\n", (flags & PCI_EXP_FLAGS_IRQ) >> 9);
	if (x->o->verbose < 2 || !(pcie_is_endpoint(type) || type == PCI_EXP_TYPE_UPSTREAM))
		return;
	cap = lspci_get32(x, pos + PCI_EXP_DEVCAP);
	pcie_devcap(x, type, cap);
	pcie_devctl_sta(x, type, cap, lspci_get16(x, pos + PCI_EXP_DEVCTL),
			lspci_get16(x, pos + PCI_EXP_DEVSTA));
}

static void cap_vendor(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	/* PCI LB 3.0 §6.7 / H: byte 2 is the capability's length. */
	fprintf(x->out, "Vendor Specific Information: Len=%02x <?>\n", lspci_get8(x, pos + 2));
}

static void cap_af(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint8_t cap = lspci_get8(x, pos + PCI_AF_CAP);

	fputs("PCI Advanced Features\n", x->out);
	if (x->o->verbose < 2)
		return;
	fprintf(x->out, "\t\tAFCap: TP%c FLR%c\n", lspci_flag(cap, PCI_AF_CAP_TP),
		lspci_flag(cap, PCI_AF_CAP_FLR));
	fprintf(x->out, "\t\tAFCtrl: FLR%c\n",
		lspci_flag(lspci_get8(x, pos + PCI_AF_CTRL), PCI_AF_CTRL_FLR));
	fprintf(x->out, "\t\tAFStatus: TP%c\n",
		lspci_flag(lspci_get8(x, pos + PCI_AF_STATUS), PCI_AF_STATUS_TP));
}

static void cap_null(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	(void)pos;
	fputs("Null\n", x->out);
}

/*
 * Advanced Error Reporting (PCIe r4.0 §7.8.4), the registers every function
 * has; a root port's root registers are not decoded.
 */
static const struct flag_name aer_unc[] = {
	{PCI_ERR_UNC_DLP, "DLP"},	    {PCI_ERR_UNC_SURPDN, "SDES"},
	{PCI_ERR_UNC_POISON_TLP, "TLP"},    {PCI_ERR_UNC_FCP, "FCP"},
	{PCI_ERR_UNC_COMP_TIME, "CmpltTO"}, {PCI_ERR_UNC_COMP_ABORT, "CmpltAbrt"},
	{PCI_ERR_UNC_UNX_COMP, "UnxCmplt"}, {PCI_ERR_UNC_RX_OVER, "RxOF"},
	{PCI_ERR_UNC_MALF_TLP, "MalfTLP"},  {PCI_ERR_UNC_ECRC, "ECRC"},
	{PCI_ERR_UNC_UNSUP, "UnsupReq"},    {PCI_ERR_UNC_ACSV, "ACSViol"},
};

static const struct flag_name aer_cor[] = {
	{PCI_ERR_COR_RCVR, "RxErr"},	    {PCI_ERR_COR_BAD_TLP, "BadTLP"},
	{PCI_ERR_COR_BAD_DLLP, "BadDLLP"},  {PCI_ERR_COR_REP_ROLL, "Rollover"},
	{PCI_ERR_COR_REP_TIMER, "Timeout"}, {PCI_ERR_COR_ADV_NFAT, "AdvNonFatalErr"},
};

#define NFLAGS(a) (sizeof(a) / sizeof((a)[0]))

static void aer_flags(struct uvfio_lspci_ctx *x, const char *label, uint32_t v,
		      const struct flag_name *names, size_t n)
{
	fprintf(x->out, "\t\t%s:\t", label);
	print_flag_list(x->out, v, names, n);
	fputc('\n', x->out);
}

static void ext_aer(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint32_t cap;

	fputs("Advanced Error Reporting\n", x->out);
	if (x->o->verbose < 2)
		return;
	aer_flags(x, "UESta", lspci_get32(x, pos + PCI_ERR_UNCOR_STATUS), aer_unc, NFLAGS(aer_unc));
	aer_flags(x, "UEMsk", lspci_get32(x, pos + PCI_ERR_UNCOR_MASK), aer_unc, NFLAGS(aer_unc));
	aer_flags(x, "UESvrt", lspci_get32(x, pos + PCI_ERR_UNCOR_SEVER), aer_unc, NFLAGS(aer_unc));
	aer_flags(x, "CESta", lspci_get32(x, pos + PCI_ERR_COR_STATUS), aer_cor, NFLAGS(aer_cor));
	aer_flags(x, "CEMsk", lspci_get32(x, pos + PCI_ERR_COR_MASK), aer_cor, NFLAGS(aer_cor));
	cap = lspci_get32(x, pos + PCI_ERR_CAP);
	fprintf(x->out,
		"\t\tAERCap:\tFirst Error Pointer: %02x, ECRCGenCap%c ECRCGenEn%c ECRCChkCap%c "
		"ECRCChkEn%c\n"
		"\t\t\tMultHdrRecCap%c MultHdrRecEn%c TLPPfxPres%c HdrLogCap%c\n",
		PCI_ERR_CAP_FEP(cap), lspci_flag(cap, PCI_ERR_CAP_ECRC_GENC),
		lspci_flag(cap, PCI_ERR_CAP_ECRC_GENE), lspci_flag(cap, PCI_ERR_CAP_ECRC_CHKC),
		lspci_flag(cap, PCI_ERR_CAP_ECRC_CHKE),
		lspci_flag(cap, LSPCI_AER_MULTI_HDR_REC_CAP),
		lspci_flag(cap, LSPCI_AER_MULTI_HDR_REC_EN),
		lspci_flag(cap, LSPCI_AER_TLP_PREFIX_PRESENT),
		lspci_flag(cap, LSPCI_AER_HDR_LOG_CAP));
	fprintf(x->out, "\t\tHeaderLog: %08x %08x %08x %08x\n",
		lspci_get32(x, pos + PCI_ERR_HEADER_LOG),
		lspci_get32(x, pos + PCI_ERR_HEADER_LOG + 4),
		lspci_get32(x, pos + PCI_ERR_HEADER_LOG + 8),
		lspci_get32(x, pos + PCI_ERR_HEADER_LOG + 12));
}

/* Device Serial Number (PCIe r4.0 §7.9.3): a 64-bit EUI, most significant byte first. */
static void ext_dsn(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint64_t sn = (uint64_t)lspci_get32(x, pos + 8) << 32 | lspci_get32(x, pos + 4);

	fputs("Device Serial Number ", x->out);
	for (int i = 7; i >= 0; i--)
		fprintf(x->out, "%02x%s", (unsigned int)(sn >> (8 * i)) & 0xff, i ? "-" : "\n");
}

struct cap_decoder {
	uint16_t id;
	void (*show)(struct uvfio_lspci_ctx *x, unsigned int pos);
};

static const struct cap_decoder std_decoders[] = {
	{0, cap_null},
	{PCI_CAP_ID_PM, cap_pm},
	{PCI_CAP_ID_MSI, cap_msi},
	{PCI_CAP_ID_VNDR, cap_vendor},
	{PCI_CAP_ID_EXP, cap_express},
	{PCI_CAP_ID_MSIX, cap_msix},
	{PCI_CAP_ID_AF, cap_af},
};

static const struct cap_decoder ext_decoders[] = {
	{PCI_EXT_CAP_ID_ERR, ext_aer},
	{PCI_EXT_CAP_ID_DSN, ext_dsn},
};

static const struct cap_decoder *find_decoder(const struct cap_decoder *t, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

static void show_std_cap(struct uvfio_lspci_ctx *x, unsigned int pos)
{
	uint8_t id = lspci_get8(x, pos + PCI_CAP_LIST_ID);
	const struct cap_decoder *d = find_decoder(std_decoders, NFLAGS(std_decoders), id);
	const char *name;

	if (d) {
		d->show(x, pos);
		return;
	}
	name = uvfio_pci_cap_name(id);
	if (name)
		fprintf(x->out, "%s\n", name);
	else
		fprintf(x->out, "Capability ID %#02x [%04x]\n", id, lspci_get16(x, pos + 2));
}

static void show_ext_cap(struct uvfio_lspci_ctx *x, unsigned int pos, uint16_t id)
{
	const struct cap_decoder *d = find_decoder(ext_decoders, NFLAGS(ext_decoders), id);
	const char *name;

	if (d) {
		d->show(x, pos);
		return;
	}
	name = uvfio_pci_ext_cap_name(id);
	if (name)
		fprintf(x->out, "%s\n", name);
	else
		fprintf(x->out, "Extended Capability ID %#02x\n", id);
}

static void walk_std(struct uvfio_lspci_ctx *x)
{
	uint8_t seen[PCI_CFG_SPACE_SIZE] = {0};
	unsigned int guard = 0;
	int pos = 0;

	for (;;) {
		int prev = pos;

		pos = uvfio_pci_cap_next(x->cfg, x->len, pos, &guard);
		if (pos == 0)
			return;
		if (pos < 0) {
			unsigned int next =
				lspci_get8(x, prev ? (unsigned int)prev + PCI_CAP_LIST_NEXT
						   : PCI_CAPABILITY_LIST) &
				~3u;

			/*
			 * -ELOOP: 48 capabilities fill every dword of 0x40-0xff, so
			 * the 49th pointer goes back to one of them; else a pointer
			 * into the header or past the buffer.
			 */
			fprintf(x->out, "\tCapabilities: [%02x] %s\n", next,
				pos == -ELOOP ? "<chain looped>" : "<chain broken>");
			return;
		}
		fprintf(x->out, "\tCapabilities: [%02x] ", pos);
		if (seen[pos]) {
			fputs("<chain looped>\n", x->out);
			return;
		}
		seen[pos] = 1;
		/* An all-ones id is what an absent function or a bad pointer reads. */
		if (lspci_get8(x, (unsigned int)pos + PCI_CAP_LIST_ID) == 0xff) {
			fputs("<chain broken>\n", x->out);
			return;
		}
		show_std_cap(x, (unsigned int)pos);
	}
}

static void walk_ext(struct uvfio_lspci_ctx *x)
{
	uint8_t seen[PCI_CFG_SPACE_EXP_SIZE / 4] = {0};
	unsigned int guard = 0;
	int pos = 0;

	for (;;) {
		int prev = pos;
		uint32_t hdr;

		pos = uvfio_pci_ext_cap_next(x->cfg, x->len, pos, &guard);
		if (pos == 0)
			return;
		if (pos == -ELOOP) {
			fputs("\tCapabilities: <chain looped>\n", x->out);
			return;
		}
		if (pos < 0) {
			fprintf(x->out, "\tCapabilities: [%03x] <chain broken>\n",
				PCI_EXT_CAP_NEXT(lspci_get32(x, (unsigned int)prev)));
			return;
		}
		hdr = lspci_get32(x, (unsigned int)pos);
		/* An empty or all-ones header ends the list silently, as in lspci. */
		if (hdr == 0 || hdr == 0xffffffff)
			return;
		fprintf(x->out, "\tCapabilities: [%03x", pos);
		if (x->o->verbose > 1)
			fprintf(x->out, " v%d", PCI_EXT_CAP_VER(hdr));
		fputs("] ", x->out);
		if (seen[pos / 4]) {
			fputs("<chain looped>\n", x->out);
			return;
		}
		seen[pos / 4] = 1;
		show_ext_cap(x, (unsigned int)pos, PCI_EXT_CAP_ID(hdr));
	}
}

void uvfio_lspci_caps(struct uvfio_lspci_ctx *x)
{
	/* A 64-byte dump (lspci -x) holds no capability. */
	if (x->len < PCI_CFG_SPACE_SIZE) {
		fputs("\tCapabilities: <access denied>\n", x->out);
		return;
	}
	walk_std(x);
	/* lspci looks for extended capabilities on PCI Express functions only. */
	if (x->pcie_type >= 0 && x->len >= PCI_CFG_SPACE_EXP_SIZE)
		walk_ext(x);
}
