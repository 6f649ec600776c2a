"""The boot datagrams, byte by byte (HOST_PROTOCOL.md, "Boot")."""

import struct

import numpy as np
import pytest

from spinnc.formats import scp
from spinnc.host.boot import boot_packets, boot_values
from spinnc.formats.aplx import binary_checksum
from spinnc.host.controller import router_entries
from spinnc.router.table import make_table


def test_boot_packets_layout():
    image = bytes(i % 256 for i in range(3000)) + b"\x01"  # 3001 bytes: padded
    packets = [scp.BootPacket.unpack(p) for p in boot_packets(image, hw_ver=3)]
    assert packets[0].opcode == scp.BOOT_START and packets[0].arg3 == 3 - 1
    assert packets[-1].opcode == scp.BOOT_END and packets[-1].arg1 == 1
    data = packets[1:-1]
    assert [p.opcode for p in data] == [scp.BOOT_DATA] * 3
    assert [p.arg1 for p in data] == [255 << 8 | 0, 255 << 8 | 1, (956 // 4 - 1) << 8 | 2]
    # The words travel big-endian: swap them back and the image (with its
    # boot values in bytes 384-511) comes out.
    sent = b"".join(np.frombuffer(p.data, ">u4").astype("<u4").tobytes() for p in data)
    expected = bytearray(image + b"\x00" * 3)
    expected[384:512] = sent[384:512]
    assert sent == bytes(expected)
    values = sent[384:512]
    assert values[scp.SV_HW_VER] == 3 and values[scp.SV_ROOT_CHIP] == 1
    assert struct.unpack_from("<HH", values, 0x24) == (200, 130)  # cpu and memory clocks
    assert struct.pack(">HI", 1, scp.BOOT_START) == boot_packets(image)[0][:6]


def test_boot_values_and_sizes():
    values = boot_values(5, now=1234)
    assert len(values) == 128
    assert struct.unpack_from("<I", values, scp.SV_UNIX_TIME)[0] == 1234
    with pytest.raises(ValueError, match="boot image"):
        boot_packets(bytes(scp.BOOT_IMAGE_MAX + 4))
    assert len(boot_packets(bytes(scp.BOOT_IMAGE_MAX))) == 32 + 2


def test_router_entries_and_checksum():
    table = make_table([(0x10000, 0xFFFF0000, 1 << 7), (0x20000, 0xFFFF0000, 0b11)])
    entries = router_entries(table, 17)
    assert entries.itemsize == scp.ROUTER_ENTRY.size
    assert scp.ROUTER_ENTRY.unpack_from(entries.tobytes(), 16) == (1, 17, 0b11, 0x20000,
                                                                    0xFFFF0000)
    assert binary_checksum(b"\x01\x00\x00\x00\xff\xff\xff\xff\x02") == 2
