"""virtual_board: a SpiNNaker board speaking SC&MP 4.0 over UDP.

:mod:`.board` serves the protocol (:mod:`spinnc.formats`' byte layouts) and
runs what it is loaded with on :class:`spinnc.firmware_sim.Emulator`;
:mod:`.board_state` is a chip's state as SC&MP keeps it, :mod:`.board_memory`
its sparse SDRAM and allocators, :mod:`.board_faults` the datagram faults;
:mod:`.bmp` is the frame's BMP that switches the boards' power.
"""

from .board import BoardCounts, Faults, VirtualBoard, serve

__all__ = ["VirtualBoard", "Faults", "BoardCounts", "serve"]
