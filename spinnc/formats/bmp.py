"""What a frame's Board Management Processor (BC&MP 2) speaks: SCP over UDP
17893 (:mod:`.scp`'s headers), addressed to a board by the SDP destination
cpu, chip (0, 0).

The facts are those SpiNNMan's BMP requests send and spalloc-server relies on
(SpiNNMan 7.0 ``messages/scp/impl``: ``bmp_get_version``, ``set_power``,
``read_fpga_register``, ``write_fpga_register``; spalloc-server 7.0
``async_bmp_controller``); the FPGA registers are those of SpI/O's
``spinnaker_fpgas`` design (its README, "SPI interface").
"""

from enum import IntEnum

from .scp import Command


class BMPCommand(IntEnum):
    """The SCP commands a BMP answers."""

    VER = Command.VER
    FPGA_READ = Command.LINK_READ  # arg1 register address, arg2 4 bytes, arg3 FPGA 0-2
    FPGA_WRITE = Command.LINK_WRITE  # the same, with the word as data
    POWER = 57  # arg1 (delay ms << 16) | 1 on / 0 off, arg2 mask of boards


POWER_ON, POWER_OFF = 1, 0
#: VER's name and version: a BMP older than 2 has no FPGA registers, which
#: spalloc-server then skips; SpiNNMan accepts major versions 1 and 2.
VERSION_TEXT = b"BC&MP/Spin5-BMP\x00" + b"2.0.0\x00"
N_FPGAS = 3  # per SpiNN-5 board; each drives two of the board's six link directions
FPGA_FLAG = 0x40004  # read: bits 1:0 hold the FPGA's own number (0-2)
FPGA_ID_MASK = 0x3
#: Each FPGA's two STOP registers (1: traffic on that link direction stopped):
#: (FPGA, register address) by link, in spinnc's link numbers (E, NE, N, W, SW, S).
STOP_REGISTERS = {0: (0, 0x0005C), 5: (0, 0x1005C), 4: (1, 0x0005C), 3: (1, 0x1005C),
                  2: (2, 0x0005C), 1: (2, 0x1005C)}
