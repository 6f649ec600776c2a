"""The shared byte formats: round trips, and one layout for host and board."""

import numpy as np
import pytest

from spinnc.errors import ProtocolError
from spinnc.formats import aplx, iptag, router_entry, scp
from spinnc.host import controller
from spinnc.router import table
from spinnc.virtual_board import board, board_state


def test_router_entries_round_trip():
    rows = [(0x100, 0xFFFFFF00, 1 << 7), (0x200, 0xFFFFFFF0, 0b101)]
    packed = router_entry.pack_entries(rows, app_id=17)
    assert len(packed.tobytes()) == 16 * len(rows)
    back = router_entry.unpack_entries(packed.tobytes())
    assert [(int(e["key"]), int(e["mask"]), int(e["route"])) for e in back] == rows
    assert list(back["free"]) == [17, 17] and list(back["next"]) == [0, 1]
    assert router_entry.ROUTER_ENTRY.unpack_from(packed.tobytes(), 16) == (1, 17, 0b101, 0x200,
                                                                        0xFFFFFFF0)


def test_one_router_entry_layout_for_host_and_board():
    assert scp.ROUTER_ENTRY is router_entry.ROUTER_ENTRY
    assert board.ROUTER_ENTRY is router_entry.ROUTER_ENTRY
    assert controller.router_entries is not None
    assert table.ENTRY is router_entry.ENTRY
    entries = controller.router_entries([(1, 2, 3)], 5)
    assert entries.dtype == router_entry.RTE


def test_iptag_round_trip():
    tag = iptag.IPTagEntry(bytes([127, 0, 0, 1]), 17894, 3, iptag.IPTagEntry.IN_USE
                           | iptag.IPTagEntry.STRIP, 9, 1234, 0x0102, 0x21)
    data = tag.pack()
    assert len(data) == 32
    assert iptag.IPTagEntry.unpack(data) == tag
    assert iptag.IPTagEntry.unpack(data[:25]) == tag  # a reply without the padding
    assert board_state.IPTag is iptag.IPTagEntry


def test_aplx_length_and_checksum():
    from spinnc import firmware

    binary = firmware.binary("ensemble")
    assert aplx.binary_length(binary + b"\xff" * 40) == len(binary)
    assert firmware.application_of(binary + b"\0" * 8) == "ensemble"
    assert firmware.application_of(binary[:-4] + b"\1\2\3\4") == ""  # not the shipped one
    with pytest.raises(ProtocolError, match="runs to byte"):
        aplx.binary_length(binary[:-1])
    # Records up to EXEC count; an opcode other than 1-4 ends the table.
    table = aplx.RECORD.pack(aplx.RCOPY, 0, 32, 8) + aplx.RECORD.pack(0, 0, 0, 0)
    assert aplx.extent(table) == 40
    with pytest.raises(ProtocolError, match="no EXEC or end record"):
        aplx.extent(aplx.RECORD.pack(aplx.FILL, 0, 4, 0))
    assert aplx.binary_checksum(b"\x01\x00\x00\x00\xff\xff\xff\xff\x02") == 2
    words = np.frombuffer(binary, "<u4")
    assert aplx.binary_checksum(binary) == int(words.sum(dtype=np.uint64)) & 0xFFFFFFFF
    assert controller.binary_checksum is aplx.binary_checksum
    assert board.binary_checksum is aplx.binary_checksum


def test_scp_round_trip():
    datagram = scp.request(scp.Command.READ, 7, 0x60000000, 16, 0, dest=(1, 2), cpu=3)
    packet = scp.parse_scp(datagram)
    assert (packet.cmd_rc, packet.seq, packet.args) == (scp.Command.READ, 7,
                                                        (0x60000000, 16, 0))
    assert packet.sdp.dest == (1, 2) and scp.unpack_port_cpu(packet.sdp.dest_port_cpu) == (0, 3)
    boot = scp.BootPacket(scp.BOOT_DATA, 1, 2, 3, b"\0\0\0\1")
    assert scp.BootPacket.unpack(boot.pack()) == boot
