"""Application binaries in SpiNNaker's APLX format.

An APLX file is a table of 16-byte little-endian records (opcode, a, b, c):
1 ACOPY (dest, src, len), 2 RCOPY (dest, src relative to the record, len),
3 FILL (dest, len, word), 4 EXEC (pc); any other opcode (0, 0xFF) ends the
table.  Code and data sections follow (``spinnaker/FIRMWARE.md`` section 2,
``spinnaker/HOST_PROTOCOL.md`` "Applications").  spinnc's applications are
built into APLX files by :mod:`spinnc.firmware.build` and shipped in
:mod:`spinnc.firmware`.
"""

import struct

import numpy as np

from ..errors import ProtocolError

RECORD = struct.Struct("<IIII")
ACOPY, RCOPY, FILL, EXEC, END = 1, 2, 3, 4, 0xFF
ITCM = 0x00000000  # where a core's code runs from
HEADER_BYTES = 64  # mkaplx's header: four records (spinnc's binaries too)


def extent(table: bytes) -> int:
    """Bytes the APLX binary starting with ``table`` claims: its records up
    to the EXEC or end record, and every section an RCOPY reads.

    Raises
    ------
    ProtocolError
        If ``table`` holds no EXEC or end record.
    """
    offset = end = 0
    while True:
        if offset + RECORD.size > len(table):
            raise ProtocolError(f"not an APLX binary: no EXEC or end record in its first "
                                f"{len(table)} bytes")
        opcode, _, source, length = RECORD.unpack_from(table, offset)
        if opcode == RCOPY:
            end = max(end, offset + source + length)
        offset += RECORD.size
        if opcode not in (ACOPY, RCOPY, FILL):  # EXEC starts the code; others end
            return max(end, offset)


def binary_length(blob: bytes) -> int:
    """Bytes of the APLX binary at the start of ``blob`` (:func:`extent`).

    Raises
    ------
    ProtocolError
        If it is not an APLX table, or a section runs past ``blob``.
    """
    end = extent(blob)
    if end > len(blob):
        raise ProtocolError(f"APLX binary: a section runs to byte {end}, past the "
                            f"{len(blob)} bytes there are")
    return end


def binary_checksum(binary: bytes) -> int:
    """APP_COPY_RUN's checksum of a binary: the sum of its little-endian
    32-bit words (zero-padded to a word) mod 2**32, of which the request
    carries the low 29 bits (``(checksum & 0x1FFFFFFF) << 3 | link`` in arg1)."""
    padded = bytes(binary) + b"\0" * (-len(binary) % 4)
    return int(np.frombuffer(padded, "<u4").sum(dtype=np.uint64)) & 0xFFFFFFFF
