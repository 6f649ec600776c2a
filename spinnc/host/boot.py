"""Booting a board: send SC&MP's boot image to the boot ROM on UDP 54321,
then wait until VER says the board is up (``spinnaker/HOST_PROTOCOL.md``,
"Boot").

spinnc ships no SC&MP.  A real board needs the real ``scamp.boot`` image
(from spinnaker_tools, or the copy bundled with rig): pass its path as
``image``.  Without one, :func:`boot` sends a zero-filled placeholder of the
largest documented size (32 KiB), which is all the virtual board
(:mod:`spinnc.virtual_board`) checks.
"""

import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ProtocolError, ProtocolTimeout, SpinncError
from ..formats import scp
from .connection import SCPConnection
from .controller import BoardController, Version

# Boot values: the first 128 bytes of the system variables, written into bytes
# 384-511 of the image.  Offsets are those of SC&MP's sv struct (sark.struct).
SV_CPU_CLK, SV_MEM_CLK, SV_LED0, SV_BOOT_SIG = 0x24, 0x26, 0x30, 0x5C
CPU_CLOCK_MHZ, MEM_CLOCK_MHZ = 200, 130
LED0 = {1: 0x00076104, 2: 0x00006103, 3: 0x00000502, 4: 0x00000001, 5: 0x00000001}
PACKET_DELAY = 0.05  # seconds between boot packets (the boot ROM has no flow control)


@dataclass
class BootResult:
    """What booting found: the Ethernet chip's VER answer and how long it took."""

    version: Version
    seconds: float


def boot_values(hw_ver: int = 5, now: int | None = None) -> bytes:
    """The 128 bytes of boot values for a board of hardware version ``hw_ver``
    (5 = SpiNN-5, 3 = SpiNN-3)."""
    now = int(time.time()) if now is None else now
    values = bytearray(128)
    values[scp.SV_HW_VER] = hw_ver
    struct.pack_into("<I", values, scp.SV_UNIX_TIME, now)
    struct.pack_into("<HH", values, SV_CPU_CLK, CPU_CLOCK_MHZ, MEM_CLOCK_MHZ)
    struct.pack_into("<I", values, SV_LED0, LED0.get(hw_ver, 1))
    values[scp.SV_ROOT_CHIP] = 1
    struct.pack_into("<I", values, SV_BOOT_SIG, now)
    return bytes(values)


def boot_packets(image: bytes, hw_ver: int = 5) -> list[bytes]:
    """The boot datagrams for ``image`` (with its boot values written in):
    start, one per 1024-byte block (as big-endian words), end."""
    image = bytearray(image) + b"\x00" * (-len(image) % 4)
    if len(image) < scp.BOOT_VALUES.stop or len(image) > scp.BOOT_IMAGE_MAX:
        raise ValueError(f"a boot image has {scp.BOOT_VALUES.stop} to {scp.BOOT_IMAGE_MAX} "
                         f"bytes, not {len(image)}")
    image[scp.BOOT_VALUES] = boot_values(hw_ver)
    n_blocks = -(-len(image) // scp.BOOT_BLOCK)
    packets = [scp.BootPacket(scp.BOOT_START, arg3=n_blocks - 1).pack()]
    for b in range(n_blocks):
        block = bytes(image[b * scp.BOOT_BLOCK:(b + 1) * scp.BOOT_BLOCK])
        words = np.frombuffer(block, dtype="<u4").astype(">u4")  # the boot ROM reads big-endian
        packets.append(scp.BootPacket(scp.BOOT_DATA, (len(words) - 1) << 8 | b,
                                      data=words.tobytes()).pack())
    packets.append(scp.BootPacket(scp.BOOT_END, 1).pack())
    return packets


def read_image(image: str | Path | bytes | None) -> bytes:
    """The boot image's bytes (a 32 KiB placeholder when ``image`` is None).

    Raises
    ------
    SpinncError
        If the file is missing, unreadable or not 512 bytes to 32 KiB (checked
        before reading it, so a huge file is not read).
    """
    if image is None:
        return bytes(scp.BOOT_IMAGE_MAX)
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    path = Path(image)
    low, high = scp.BOOT_VALUES.stop, scp.BOOT_IMAGE_MAX
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise SpinncError(f"boot image {path}: is a directory; give SC&MP's scamp.boot")
        if not low <= size <= high:
            raise SpinncError(f"boot image {path} has {size:,} bytes: SC&MP's scamp.boot has "
                              f"{low} to {high:,}; is it the right file?")
        with path.open("rb") as file:
            data = file.read(high + 1)
    except FileNotFoundError:
        raise SpinncError(f"boot image {path}: no such file; give the path of SC&MP's "
                          "scamp.boot") from None
    except OSError as error:
        raise SpinncError(f"boot image {path}: cannot read it: "
                          f"{error.strerror or error}") from None
    if not low <= len(data) <= high:  # it changed while we looked
        raise SpinncError(f"boot image {path} has {len(data):,} bytes: SC&MP's scamp.boot "
                          f"has {low} to {high:,}")
    return data


def boot(host: str, image: str | Path | bytes | None = None, *, boot_port: int = scp.BOOT_PORT,
         port: int = scp.SCP_PORT, hw_ver: int = 5, packet_delay: float = PACKET_DELAY,
         wait: float = 10.0, poll: float = 0.1) -> BootResult:
    """Boot the board at ``host`` and wait until it answers as booted.

    Parameters
    ----------
    host : str
        The board's host name or IP address.
    image : path or bytes, optional
        The SC&MP boot image (``scamp.boot``).  A real board needs it; without
        one a 32 KiB placeholder is sent, which only the virtual board accepts.
    boot_port, port : int
        The boot ROM's UDP port (54321) and SC&MP's SCP port (17893).
    hw_ver : int
        Hardware version for the boot values (5 for SpiNN-5, 3 for SpiNN-3).
    packet_delay : float
        Seconds between boot packets.
    wait : float
        Seconds to wait for VER to report a p2p address after the last packet.
    poll : float
        Seconds between VER polls.

    Raises
    ------
    SpinncError
        If ``image`` is missing, unreadable or not the size of a boot image,
        a port is not 1-65535, or ``host`` cannot be resolved.
    ProtocolTimeout
        If the board is not booted ``wait`` seconds after the image was sent.
    """
    start = time.monotonic()
    for what, number in (("boot port", boot_port), ("SCP port", port)):
        if isinstance(number, bool) or not isinstance(number, int) or \
                not 1 <= number <= 65535:
            raise SpinncError(f"{what} {number!r}: give a UDP port number from 1 to 65535")
    data = read_image(image)
    try:
        packets = boot_packets(data, hw_ver)
    except ValueError as error:
        raise SpinncError(f"boot image: {error}") from None
    try:
        address = (socket.gethostbyname(host), boot_port)
    except OSError as error:  # socket.gaierror: no such host
        raise SpinncError(f"cannot find the board {host!r}: {error.strerror or error}; give "
                          "its host name or IP address") from None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i, packet in enumerate(packets):
            sock.sendto(packet, address)
            if i + 1 < len(packets):
                time.sleep(packet_delay)
    deadline = time.monotonic() + wait
    connection = SCPConnection(host, port, timeout=min(poll * 2, 1.0), retries=0)
    with BoardController(connection=connection) as board:
        while True:
            try:
                version = board.version()
                if version.booted:
                    return BootResult(version, time.monotonic() - start)
            except ProtocolError:
                pass  # SC&MP is still starting: not answering yet
            if time.monotonic() > deadline:
                raise ProtocolTimeout(
                    f"the board at {host} was sent its boot image on UDP {boot_port} but is "
                    f"not booted {wait:g} s later (VER on port {port}): check the host name, "
                    "that the board is powered and that the image is SC&MP's scamp.boot")
            time.sleep(poll)
