"""Application binaries in SpiNNaker's APLX format, and how spinnc names its
applications in them.

An APLX file is a table of 16-byte little-endian records (opcode, a, b, c):
1 ACOPY (dest, src, len), 2 RCOPY (dest, src relative to the record, len),
3 FILL (dest, len, word), 4 EXEC (pc), 0xFF END; code and data sections
follow (``spinnaker/HOST_PROTOCOL.md``, "Applications").

spinnc does not ship ARM binaries yet.  The binary it stages at ``sdram_sys``
for an application is a valid APLX table, RCOPY of one data section to the
start of ITCM then EXEC there, whose data section is the *application
stamp*: ``b"SPNCAPP\\0"``, the application's name (e.g. ``ensemble``),
NUL-padded to a word.  The virtual board reads the stamp to know which of the
emulator's kernels a core runs; a real board would execute the section as
code, so real hardware needs real binaries with the same names.
"""

import struct

import numpy as np

from ..errors import ProtocolError

RECORD = struct.Struct("<IIII")
ACOPY, RCOPY, FILL, EXEC, END = 1, 2, 3, 4, 0xFF
ITCM = 0x00000000  # where a core's code runs from
STAMP = b"SPNCAPP\x00"
NAME_MAX = 15  # vcpu app_name holds 16 bytes, NUL-terminated


def application_binary(name: str) -> bytes:
    """The APLX binary spinnc stages for application ``name``."""
    encoded = name.encode("ascii")
    if not 0 < len(encoded) <= NAME_MAX:
        raise ValueError(f"application name {name!r} must be 1-{NAME_MAX} ASCII characters")
    section = STAMP + encoded + b"\x00"
    section += b"\x00" * (-len(section) % 4)
    table_size = 3 * RECORD.size
    # RCOPY's source is relative to its own record (the first one).
    table = (RECORD.pack(RCOPY, ITCM, table_size, len(section))
             + RECORD.pack(EXEC, ITCM, 0, 0)
             + RECORD.pack(END, 0, 0, 0))
    return table + section


def application_name(binary: bytes) -> str:
    """The name stamped in an APLX binary made by :func:`application_binary`.

    Raises
    ------
    ProtocolError
        If the binary is not an APLX table ending in END, or carries no stamp.
    """
    offset = 0
    while True:
        if offset + RECORD.size > len(binary):
            raise ProtocolError("binary is not an APLX table: no END record "
                                f"in its {len(binary)} bytes")
        opcode = RECORD.unpack_from(binary, offset)[0]
        offset += RECORD.size
        if opcode == END:
            break
        if opcode not in (ACOPY, RCOPY, FILL, EXEC):
            raise ProtocolError(f"binary is not an APLX table: record {offset // 16 - 1} "
                                f"has opcode {opcode:#x}")
    if binary[offset:offset + len(STAMP)] != STAMP:
        raise ProtocolError("the APLX binary carries no spinnc application stamp "
                            "(the virtual board runs only spinnc's applications)")
    name = binary[offset + len(STAMP):].split(b"\x00", 1)[0]
    if not name:
        raise ProtocolError("the APLX binary's application stamp has no name")
    return name.decode("ascii", errors="replace")


def binary_checksum(binary: bytes) -> int:
    """APP_COPY_RUN's checksum of a binary: the sum of its little-endian
    32-bit words (zero-padded to a word) mod 2**32, of which the request
    carries the low 29 bits (``(checksum & 0x1FFFFFFF) << 3 | link`` in arg1)."""
    padded = bytes(binary) + b"\0" * (-len(binary) % 4)
    return int(np.frombuffer(padded, "<u4").sum(dtype=np.uint64)) & 0xFFFFFFFF
