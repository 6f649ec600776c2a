"""The live host I/O messages: a host function's values between the machine
and the host each tick, as SDP (``spinnaker/HOST_PROTOCOL.md``, Live I/O).

Machine to host, through IP tag :data:`OUTPUT_TAG` of the root Ethernet
chip (the SDP header kept, so the host knows the core from its source):

- a ``host_out`` core sends its filtered input of tick t, in messages of up
  to :data:`VALUES_PER_MESSAGE` s16.15 words: cmd_rc :data:`VALUES`,
  arg1 = t, arg2 = the first value's index, arg3 = the count;
- a ``host_in`` core asks for tick t's answer of a function without input:
  cmd_rc :data:`REQUEST`, arg1 = t, no data.

Host to machine, a UDP datagram to a reverse IP tag of the root Ethernet
chip, which SC&MP delivers to its ``host_in`` core as SDP data (the payload
starts at cmd_rc): cmd_rc :data:`VALUES`, arg1 = the first index, arg2 =
the count, arg3 = the tick it answers, then the words.

The tags: :data:`OUTPUT_TAG` for the output and :data:`FIRST_INPUT_TAG`
onwards, one per ``host_in`` core (SC&MP's eight fixed tags, tag 0 left to
the system as SpiNNaker's tools leave it).  The firmware (``host_in.c``,
``host_out.c``) writes the same numbers.
"""

import struct
from dataclasses import dataclass

import numpy as np

VALUES, REQUEST = 0, 1  # cmd_rc of a message
VALUES_PER_MESSAGE = 64  # 256 bytes of SDP data
OUTPUT_TAG = 1
FIRST_INPUT_TAG = 2
N_TAGS = 8  # SC&MP's fixed tags (IPTAG SET)
MAX_INPUT_TAGS = N_TAGS - FIRST_INPUT_TAG
#: The monitor's Ethernet port: SDP to it goes out through the message's IP tag.
PORT_ETH = 0xFF
#: The SDP port of the host I/O applications' data (host_in, host_out).
APP_PORT = 1

_HEAD = struct.Struct("<HHIII")  # cmd_rc, seq, arg1-3
_SDP = struct.Struct("<2xBBBBBBBB")  # padding, flags, tag, dest/srce port, dest y/x, srce y/x


@dataclass(frozen=True)
class MachineMessage:
    """A message from a core to the host, as its UDP datagram arrives."""

    x: int
    y: int
    cpu: int  # the sending core
    kind: int  # VALUES or REQUEST
    tick: int
    first: int
    words: np.ndarray  # int32 s16.15


class Values:
    """One tick's values as their messages arrive, each with up to
    :data:`VALUES_PER_MESSAGE` words from a first index."""

    def __init__(self, size: int):
        self.words = np.zeros(size, dtype=np.int32)
        self.have = np.zeros(size, dtype=bool)

    def add(self, first: int, words: np.ndarray) -> bool:
        """Put ``words`` at ``first``; whether every value is now in.

        Raises
        ------
        ValueError
            If they run past the values' end.
        """
        if first + len(words) > len(self.words):
            raise ValueError(f"values {first} to {first + len(words) - 1} of "
                             f"{len(self.words)}")
        self.words[first:first + len(words)] = words
        self.have[first:first + len(words)] = True
        return bool(self.have.all())

    @property
    def count(self) -> int:
        """How many of the values are in."""
        return int(self.have.sum())


def machine_messages(tick: int, words: np.ndarray) -> list[tuple]:
    """The (cmd_rc, arg1, arg2, arg3, data) of the messages a host_out core
    sends for ``tick``: one per :data:`VALUES_PER_MESSAGE` words."""
    words = np.asarray(words, dtype="<i4")
    return [(VALUES, tick, first, len(chunk), chunk.tobytes())
            for first in range(0, max(len(words), 1), VALUES_PER_MESSAGE)
            for chunk in [words[first:first + VALUES_PER_MESSAGE]]]


def request_message(tick: int) -> tuple:
    """The message a host_in core sends to ask for ``tick``'s answer."""
    return (REQUEST, tick, 0, 0, b"")


def pack_machine_datagram(x: int, y: int, cpu: int, message: tuple) -> bytes:
    """The UDP datagram the root Ethernet chip sends for a core's message
    (padding, SDP header with the core as source, then the message)."""
    cmd, a1, a2, a3, data = message
    header = _SDP.pack(0x07, OUTPUT_TAG, PORT_ETH, APP_PORT << 5 | cpu, 0, 0, y, x)
    return header + _HEAD.pack(cmd, 0, a1, a2, a3) + data


def unpack_machine_datagram(datagram: bytes) -> MachineMessage:
    """A core's message from its datagram.

    Raises
    ------
    ValueError
        If it is too short or its data does not hold the words it counts.
    """
    if len(datagram) < _SDP.size + _HEAD.size:
        raise ValueError(f"a host I/O datagram of {len(datagram)} bytes: it needs at least "
                         f"{_SDP.size + _HEAD.size}")
    _, _, _, srce, _, _, y, x = _SDP.unpack_from(datagram)
    cmd, _, tick, first, count = _HEAD.unpack_from(datagram, _SDP.size)
    data = datagram[_SDP.size + _HEAD.size:]
    if cmd not in (VALUES, REQUEST) or (cmd == VALUES and len(data) != 4 * count):
        raise ValueError(f"a host I/O datagram from ({x}, {y}, {srce & 31}) with cmd {cmd}, "
                         f"{count} values and {len(data)} data bytes")
    return MachineMessage(x, y, srce & 31, cmd, tick, first,
                          np.frombuffer(data, "<i4").astype(np.int32))


def pack_answer(tick: int, first: int, words: np.ndarray) -> bytes:
    """A datagram for a reverse IP tag: part of tick ``tick``'s answer."""
    words = np.asarray(words, dtype="<i4")
    return _HEAD.pack(VALUES, 0, first, len(words), tick) + words.tobytes()


def answers(tick: int, words: np.ndarray) -> list[bytes]:
    """Tick ``tick``'s whole answer as reverse IP tag datagrams."""
    words = np.asarray(words, dtype="<i4")
    return [pack_answer(tick, first, words[first:first + VALUES_PER_MESSAGE])
            for first in range(0, max(len(words), 1), VALUES_PER_MESSAGE)]


def unpack_answer(payload: bytes) -> tuple[int, int, np.ndarray]:
    """(tick, first, words) of a reverse IP tag datagram.

    Raises
    ------
    ValueError
        If it is not an answer of whole words.
    """
    if len(payload) < _HEAD.size:
        raise ValueError(f"an answer of {len(payload)} bytes: it needs at least {_HEAD.size}")
    cmd, _, first, count, tick = _HEAD.unpack_from(payload)
    data = payload[_HEAD.size:]
    if cmd != VALUES or len(data) != 4 * count or count > VALUES_PER_MESSAGE:
        raise ValueError(f"an answer with cmd {cmd}, {count} values and {len(data)} bytes")
    return tick, first, np.frombuffer(data, "<i4").astype(np.int32)
