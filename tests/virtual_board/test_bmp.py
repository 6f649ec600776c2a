"""The virtual frame's BMP: the requests SpiNNMan sends a BMP for
spalloc-server (version, power, FPGA registers), and what power does to the
virtual machine's boards."""

import socket
import struct

import pytest

from spinnc.formats.bmp import FPGA_FLAG, STOP_REGISTERS, VERSION_TEXT, BMPCommand
from spinnc.formats.scp import Command, ReturnCode, parse_scp, request
from spinnc.host import BoardController
from spinnc.host.boot import boot
from spinnc.machine import Machine
from spinnc.virtual_board import VirtualBoard
from spinnc.virtual_board.bmp import VirtualBMP


def ask(bmp, command, board=0, a1=0, a2=0, a3=0, data=b""):
    """One request to board ``board`` (the SDP destination cpu): (rc, args..., data)."""
    replies = bmp.handle(request(command, 7, a1, a2, a3, data, dest=(0, 0), cpu=board))
    assert len(replies) == 1
    reply = parse_scp(replies[0], 0)
    assert reply.seq == 7
    return reply.cmd_rc, reply.data


@pytest.fixture
def frame():
    board = VirtualBoard(Machine.boards(3), booted=True)
    return board, VirtualBMP(board)


def test_version_is_a_bmp_with_fpga_registers(frame):
    _, bmp = frame
    rc, data = ask(bmp, BMPCommand.VER, board=2)
    assert rc == ReturnCode.OK
    board, _, build = struct.unpack_from("<III", data)
    assert board & 0xFF == 2 and data[12:] == VERSION_TEXT
    assert ask(bmp, BMPCommand.VER, board=3)[0] == ReturnCode.CPU


def test_boards_start_off_and_power_follows_the_mask(frame):
    board, bmp = frame
    assert board.unpowered == {0, 1, 2} and not board.powered
    assert board.handle(request(Command.VER, 1)) == []  # no power: no answer
    assert ask(bmp, BMPCommand.POWER, a1=1, a2=0b011)[0] == ReturnCode.OK
    assert board.unpowered == {2} and board.powered and not board.booted
    with pytest.raises(KeyError):
        board.chip(*board.machine.ethernet_chips[2])  # a board without power is not there
    board.chip(*board.machine.ethernet_chips[1])
    assert ask(bmp, BMPCommand.POWER, a1=0, a2=0b001)[0] == ReturnCode.OK
    assert board.unpowered == {0, 2} and board.handle(request(Command.VER, 1)) == []
    for mask in (0, 0b1000):  # no board, or one the frame does not have
        assert ask(bmp, BMPCommand.POWER, a1=1, a2=mask)[0] == ReturnCode.ARG
    assert ask(bmp, BMPCommand.POWER, a1=2, a2=1)[0] == ReturnCode.ARG
    assert bmp.power_commands == 2


def test_fpga_registers(frame):
    _, bmp = frame
    assert ask(bmp, BMPCommand.FPGA_READ, 1, FPGA_FLAG, 4, 2)[0] == ReturnCode.DEAD  # no power
    ask(bmp, BMPCommand.POWER, a1=1, a2=0b111)
    for fpga in range(3):
        rc, data = ask(bmp, BMPCommand.FPGA_READ, 1, FPGA_FLAG, 4, fpga)
        assert rc == ReturnCode.OK and struct.unpack("<I", data)[0] & 3 == fpga
    fpga, address = STOP_REGISTERS[3]  # west
    assert ask(bmp, BMPCommand.FPGA_WRITE, 1, address, 4, fpga, struct.pack("<I", 1))[0] == 0x80
    assert ask(bmp, BMPCommand.FPGA_READ, 1, address, 4, fpga) == (0x80, struct.pack("<I", 1))
    assert bmp.stopped_links() == {(1, 3)}
    assert ask(bmp, BMPCommand.FPGA_READ, 1, 0x1234, 4, 0)[0] == ReturnCode.ARG
    assert ask(bmp, BMPCommand.FPGA_READ, 1, FPGA_FLAG, 4, 3)[0] == ReturnCode.ARG
    ask(bmp, BMPCommand.POWER, a1=0, a2=0b010)  # the FPGA loses its registers
    assert bmp.stopped_links() == set()


def test_power_cycle_unboots_and_empties_the_machine(frame):
    board, bmp = frame
    ask(bmp, BMPCommand.POWER, a1=1, a2=0b111)
    board.booted = True
    board.chip(0, 0).write(0x60000000, b"\x01\x02\x03\x04")
    assert board.stored_bytes > 0
    ask(bmp, BMPCommand.POWER, a1=1, a2=0b100)  # a board powered again: the machine resets
    assert not board.booted and board.stored_bytes == 0


def test_over_udp_a_powered_frame_boots():
    with VirtualBoard(Machine.boards(3), port=0, boot_port=0, boot_delay=0.05) as board, \
            VirtualBMP(board, port=0) as bmp:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2.0)
        sock.sendto(request(BMPCommand.POWER, 1, 1, 0b111, dest=(0, 0)), bmp.address)
        assert parse_scp(sock.recv(512), 0).cmd_rc == ReturnCode.OK
        sock.close()
        host, port = board.address
        boot(host, boot_port=board.boot_address[1], port=port, packet_delay=0.0)
        with BoardController(host, port) as controller:
            assert controller.version().booted
