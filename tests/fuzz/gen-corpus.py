#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/.

Seeds are small and real: the messages QEMU 10.1, libvfio-user and SPDK
send (contract §3, §5), and op sequences that drive each target into its
interesting states (MSI-X enabled, INTx masked, windows that meet...).
The files are checked in; run this again after changing a target's input
format:  tests/fuzz/gen-corpus.py [CORPUS_DIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")

# QEMU 10.1's VERSION proposal (hw/vfio-user/proxy.c), libvfio-user's reply,
# ours (lib/proto/negotiate.c), and a twin-socket reply (contract §3.4).
QEMU_JSON = (b'{"capabilities": {"max_msg_fds": 16, "max_data_xfer_size": 1048576, '
             b'"pgsizes": 4096, "max_dma_maps": 65535, "migration": {"pgsize": 4096, '
             b'"max_bitmap_size": 268435456}, "write_multiple": true}}')
LIBVFIO_USER_JSON = (b'{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576,'
                     b'"migration":{"pgsize":4096,"max_bitmap_size":268435456},'
                     b'"twin_socket":{"supported":true},"pgsizes":4096,"max_dma_maps":65535}}')
OUR_JSON = (b'{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576,'
            b'"max_dma_maps":65535,"pgsizes":4096,"write_multiple":true}}')
TWIN_JSON = (b'{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576,'
             b'"max_dma_maps":65535,"pgsizes":4096,'
             b'"twin_socket":{"supported":true,"fd_index":0}}}')

CMD = {"VERSION": 1, "DMA_MAP": 2, "DMA_UNMAP": 3, "GET_INFO": 4, "GET_REGION_INFO": 5,
       "GET_REGION_IO_FDS": 6, "GET_IRQ_INFO": 7, "SET_IRQS": 8, "REGION_READ": 9,
       "REGION_WRITE": 10, "DMA_READ": 11, "DMA_WRITE": 12, "RESET": 13, "DIRTY_PAGES": 14,
       "WRITE_MULTI": 15, "FEATURE": 16, "MIG_READ": 17, "MIG_WRITE": 18}
REPLY = 1
ERROR = 0x20


def msg(cmd, payload=b"", flags=0, msg_id=0, error_no=0):
    """One message: 16-byte header (proto.h struct uvfio_msg_hdr) + payload."""
    return struct.pack("<HHIII", msg_id, CMD[cmd], 16 + len(payload), flags, error_no) + payload


def version(minor=0, json=QEMU_JSON):
    return struct.pack("<HH", 0, minor) + (json + b"\0" if json is not None else b"")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def proto():
    # error_no of a command says how many fds check_direct() pretends came with it.
    dma_map = struct.pack("<IIQQQ", 32, 3, 0, 0x100000, 0x10000)
    dma_unmap = struct.pack("<IIQQ", 24, 0, 0x100000, 0x10000)
    irq_efd = struct.pack("<IIIII", 20, 0x24, 2, 0, 4)  # DATA_EVENTFD | TRIGGER, MSI-X
    irq_bool = struct.pack("<IIIII", 22, 0x22, 2, 0, 2) + b"\1\0"
    rd = struct.pack("<QII", 0x10, 0, 4)
    wr = struct.pack("<QII", 0x4, 7, 2) + b"\x07\x01"
    seeds = {
        "version-qemu": msg("VERSION", version(0, QEMU_JSON)),
        "version-reply-ours": msg("VERSION", version(0, OUR_JSON), flags=REPLY),
        "version-reply-libvfio-user": msg("VERSION", version(0, LIBVFIO_USER_JSON),
                                          flags=REPLY),
        "version-spdk-nojson": msg("VERSION", version(0, None)),
        "dma-map-fd": msg("DMA_MAP", dma_map, error_no=1),
        "dma-unmap": msg("DMA_UNMAP", dma_unmap),
        "get-info": msg("GET_INFO", struct.pack("<IIII", 16, 0, 0, 0)),
        "get-info-reply": msg("GET_INFO", struct.pack("<IIII", 16, 3, 9, 5), flags=REPLY),
        "region-info": msg("GET_REGION_INFO", struct.pack("<IIIIQQ", 32, 0, 0, 0, 0, 0)),
        "irq-info": msg("GET_IRQ_INFO", struct.pack("<IIII", 16, 0, 2, 0)),
        "set-irqs-eventfd": msg("SET_IRQS", irq_efd, error_no=4),
        "set-irqs-bool": msg("SET_IRQS", irq_bool),
        "region-read": msg("REGION_READ", rd),
        "region-read-reply": msg("REGION_READ", rd[:12] + b"\4\0\0\0" + b"\x34\x12\xe8\x11",
                                 flags=REPLY),
        "region-write": msg("REGION_WRITE", wr),
        "dma-read-reply": msg("DMA_READ", struct.pack("<QQ", 0x1000, 4) + b"abcd", flags=REPLY),
        "dma-write": msg("DMA_WRITE", struct.pack("<QQ", 0x1000, 3) + b"xyz"),
        "reset": msg("RESET"),
        "write-multi": msg("WRITE_MULTI", struct.pack("<Q", 2) +
                           struct.pack("<QII", 0, 0, 4) + b"\1\0\0\0\0\0\0\0" +
                           struct.pack("<QII", 4, 0, 2) + b"\2\0\0\0\0\0\0\0"),
        "error-reply": msg("REGION_READ", flags=REPLY | ERROR, error_no=22),
        "feature": msg("FEATURE", struct.pack("<II", 16, 0x40000) + b"\0" * 8),
        "dirty-pages": msg("DIRTY_PAGES", struct.pack("<II", 8, 1)),
        "mig-read-reply": msg("MIG_READ", struct.pack("<II", 8, 2) + b"mg", flags=REPLY),
    }
    # A whole session, as QEMU opens a device.
    seeds["session-qemu"] = b"".join([
        msg("VERSION", version(0, QEMU_JSON), msg_id=0),
        msg("GET_INFO", struct.pack("<IIII", 16, 0, 0, 0), msg_id=1),
        msg("GET_REGION_INFO", struct.pack("<IIIIQQ", 32, 0, 7, 0, 0, 0), msg_id=2),
        msg("DMA_MAP", dma_map, msg_id=3),
        msg("REGION_READ", struct.pack("<QII", 0, 7, 4), msg_id=4),
        msg("SET_IRQS", irq_efd, msg_id=5),
        msg("RESET", msg_id=6),
    ])
    for name, data in seeds.items():
        write("proto", name, data)


def negotiate():
    seeds = {
        "json-qemu": b"\0" + QEMU_JSON,
        "json-ours": b"\0" + OUR_JSON,
        "json-libvfio-user": b"\0" + LIBVFIO_USER_JSON,
        "json-twin": b"\0" + TWIN_JSON,
        "json-empty": b"\0{}",
        "json-nocaps": b'\0{"capabilities":{}}',
        "server-qemu": b"\1" + version(0, QEMU_JSON),
        "server-rust-vmm-minor1": b"\1" + version(1, OUR_JSON),
        "server-spdk": b"\1" + version(0, None),
        "client-ours": b"\2" + version(0, OUR_JSON),
        "client-twin": b"\2" + version(0, TWIN_JSON),
        "client-libvfio-user": b"\2" + version(0, LIBVFIO_USER_JSON),
        "caps": b"\3" + struct.pack("<IQIQBB", 16, 1 << 20, 65535, 4096, 3, 0),
    }
    for name, data in seeds.items():
        write("negotiate", name, data)


def pcicfg():
    # Access mode: mode byte (even), irq_pin, skip mask, vendor body length,
    # MSI-X vectors (u16), reset_in_flr, vendor body; then ops (pcicfg_fuzz.c).
    def build(mode, skip=0, nvec=8, body=b"\xaa\xbb\xcc\xdd"):
        return bytes([mode, 1, skip, len(body)]) + struct.pack("<H", nvec - 1) + b"\0" + body

    def rd(off, lenbyte=2):  # op 0, k < 64: explicit offset
        return bytes([0, 0]) + struct.pack("<H", off) + bytes([lenbyte])

    def wr(off, data):  # op 1, explicit offset, 2-byte / 4-byte / 1-byte length
        lb = {1: 0, 2: 1, 4: 2}[len(data)]
        return bytes([1, 0]) + struct.pack("<H", off) + bytes([lb, 0xff]) + data

    def size_bar(b):  # op 11
        return bytes([11, b])

    # Full PCIe space (mode 0x02 = extended, MSI 32-bit non-maskable, 1 vector;
    # 0x8e = + 64-bit maskable MSI + FLR).  PM at 0x40, MSI at 0x48.
    seq = (size_bar(0) + size_bar(1) + size_bar(2) + size_bar(4) + size_bar(5) + size_bar(6) +
           wr(0x04, b"\x07\x04") + rd(0x04) + wr(0x4a, b"\x01\x00") + rd(0x00, 7))
    write("pcicfg", "access-pcie-all-caps", build(0x02) + seq)
    write("pcicfg", "access-pcie-msi64-flr", build(0xde, nvec=2048) + seq +
          bytes([7]) + bytes([9, 1]))
    write("pcicfg", "access-conventional", build(0x10, nvec=1) + seq)
    write("pcicfg", "access-msix-table", build(0x02, nvec=4) +
          bytes([5, 0, 0, 0x40, 0x0c, 0x00]) + b"\0" * 8 +  # table write, vector 0 ctrl
          bytes([6, 2, 0, 0x40, 0x00, 0x00]) + b"\0" * 8 +  # PBA read
          bytes([10, 1, 1, 0, 0]))  # MSI-X vector 0 pending
    # Walk mode: a config space as a device sends it.
    img = bytearray(256)
    struct.pack_into("<HHHH", img, 0, 0x1234, 0x11e8, 0x0007, 0x0010)
    img[0x34] = 0x40
    img[0x40:0x42] = b"\x01\x50"  # PM -> 0x50
    img[0x50:0x52] = b"\x05\x60"  # MSI -> 0x60
    img[0x60:0x62] = b"\x11\x70"  # MSI-X -> 0x70
    img[0x70:0x72] = b"\x10\x00"  # PCIe, end
    write("pcicfg", "walk-256", bytes([0x01, 0, 0x11]) + struct.pack("<H", 3) + bytes(img))
    ext = bytearray(img) + bytearray(4096 - 256)
    struct.pack_into("<I", ext, 0x100, 0x0001 | 2 << 16 | 0x148 << 20)  # AER -> 0x148
    struct.pack_into("<I", ext, 0x148, 0x0003 | 1 << 16)  # DSN, end
    write("pcicfg", "walk-4096", bytes([0x01, 1, 0x10]) + struct.pack("<H", 3) + bytes(ext))
    loop = bytearray(img)
    loop[0x71] = 0x40  # PCIe -> PM: a loop
    write("pcicfg", "walk-loop", bytes([0x01, 0, 0x09]) + struct.pack("<H", 0) + bytes(loop))


def irqs():
    # shape: bit0 no INTx, bit1 not PCIe, bit2 no MSI, bit3 no MSI-X, bits4-5
    # MSI flags, bit6 FLR; then MSI vectors (log2 byte) and MSI-X vectors.
    def build(shape=0x70, msi_log2=2, msix=7):
        return bytes([shape, msi_log2, msix])

    def set_irqs(index, dtype, action, start, count, fds=()):
        # op 0; shape 0: index byte, data-type and action selectors, start, count;
        # with EVENTFD one selector byte per fd (count of them).
        return bytes([0, 0, index, dtype, action, start, count]) + bytes(fds)

    NONE, BOOL, EFD = 0, 1, 2
    MASK, UNMASK, TRIGGER = 0, 1, 2
    cmd_off = bytes([6, 0, 0, 0, 0, 0])  # COMMAND = 0
    cmd_mem = bytes([6, 0, 0x06, 0x00, 0, 0])  # COMMAND = MEMORY | MASTER
    write("irqs", "msix-enable-fire", build() + cmd_mem +
          set_irqs(2, EFD, TRIGGER, 0, 4, (0, 1, 2, 3)) +
          bytes([9, 2, 0]) + bytes([9, 2, 3]) +  # fire vectors 0, 3
          bytes([8, 0, 1, 0xff, 1]) +  # mask vector 0 in the table
          bytes([9, 2, 0]) + bytes([8, 0, 0, 0xff, 1]) +  # pending, then unmask
          set_irqs(2, NONE, TRIGGER, 0, 0) + cmd_off)
    write("irqs", "msi-enable-mask", build(0x70, 3) + cmd_mem +
          set_irqs(1, EFD, TRIGGER, 0, 8, range(8)) +
          bytes([6, 2, 0xff, 0, 0, 0]) +  # MSI mask register (32-bit layout)
          bytes([9, 1, 5]) + bytes([6, 2, 0, 0, 0, 0]) +
          set_irqs(1, BOOL, TRIGGER, 0, 2) + b"\1\1")
    write("irqs", "intx-automask-unmask", build() + cmd_mem +
          set_irqs(0, EFD, TRIGGER, 0, 1, (0,)) +
          set_irqs(0, EFD, UNMASK, 0, 1, (1,)) +
          bytes([9, 0, 1]) +  # line up: fires, masks
          bytes([12]) +  # unmask eventfd written
          bytes([9, 0, 0]) + set_irqs(0, NONE, UNMASK, 0, 1) +
          set_irqs(0, NONE, MASK, 0, 1) + bytes([6, 0, 0x00, 0x04, 0, 0]) +  # INTX_DISABLE
          bytes([11]) + bytes([14]))
    write("irqs", "err-req-flr", build(0x70) +
          set_irqs(3, EFD, TRIGGER, 0, 1, (0,)) + set_irqs(4, EFD, TRIGGER, 0, 1, (1,)) +
          bytes([9, 3]) + bytes([9, 4]) +
          bytes([6, 5, 0x00, 0x80, 0, 0]) +  # DEVCTL Initiate FLR
          set_irqs(4, NONE, TRIGGER, 0, 0) + bytes([13]))
    write("irqs", "pipe-refused", build() + set_irqs(2, EFD, TRIGGER, 0, 2, (0, 250)))
    write("irqs", "conventional-no-intx", build(0x03) + set_irqs(0, EFD, TRIGGER, 0, 1, (0,)) +
          set_irqs(3, EFD, TRIGGER, 0, 1, (0,)))


def dma():
    # Header: max_maps byte (bit 7: unlimited bytes; else a byte of budget pages).
    # map: op 0, with_fd (<96), offset page, iova (<200: page), size (<220: pages),
    # flags selector (<240) and flags (%3 + 1).
    def map_(iova_pg, npages, fd=True, off_pg=0, flags=3):
        return bytes([0, 0 if fd else 200, off_pg, iova_pg, npages, 0, flags - 1])

    def unmap(iova_pg, npages):
        return bytes([3, iova_pg, npages, 0])

    def rw(iova_pg, low, length, write):
        return bytes([6, iova_pg]) + struct.pack("<HH", low, length) + bytes([write, 0, 255])

    def translate(iova_pg, low, length, prot):
        return bytes([5, 255, iova_pg]) + struct.pack("<HH", low, length) + bytes([prot])

    write("dma", "map-adjacent-rw", bytes([0x86]) + map_(1, 2) + map_(3, 1, fd=False) +
          map_(4, 2, off_pg=4, flags=1) + rw(1, 100, 9000, 1) + rw(1, 100, 9000, 0) +
          translate(4, 8, 100, 1) + bytes([7, 3, 0, 0]) + unmap(1, 2) + unmap(3, 3))
    write("dma", "bisect-overlap", bytes([0x10, 8]) + map_(2, 4) + map_(3, 1) + unmap(3, 1) +
          unmap(0, 8) + bytes([5, 0]))
    write("dma", "limits", bytes([0x01, 2]) + map_(0, 1) + map_(1, 1) + map_(2, 4) +
          bytes([5, 0]) + map_(2, 1))
    write("dma", "top-of-space", bytes([0x90]) + bytes([0, 200, 0, 229, 1, 0, 2]) +
          bytes([0, 0, 0, 222, 8, 0, 2]) + bytes([3, 229, 1, 0]))


proto()
negotiate()
pcicfg()
irqs()
dma()
