"""Routing-table files in the HPSR 2016 benchmark format, and rig's entries.

The format (Mundy, Heathcote and Garside, HPSR 2016, benchmark tables): a
file is a sequence of tables, each a header ``u8 x, u8 y, u16 n`` followed by
``n`` entries of four ``u32`` -- key, mask, source, route (note: source before
route) -- all little-endian.
"""

import os
from collections.abc import Iterable, Mapping

import numpy as np

from .table import ENTRY, ROUTE_BITS

HEADER = np.dtype([("x", "u1"), ("y", "u1"), ("n", "<u2")])
FILE_ENTRY = np.dtype([("key", "<u4"), ("mask", "<u4"), ("source", "<u4"), ("route", "<u4")])

Tables = dict[tuple[int, int], np.ndarray]


def parse_tables(data: bytes, name: str = "<bytes>") -> Tables:
    """Parse the bytes of an HPSR table file.

    Parameters
    ----------
    data : bytes
    name : str
        What to call the data in error messages (the file name).

    Returns
    -------
    dict
        ``{(x, y): ENTRY array}``, in file order.

    Raises
    ------
    ValueError
        On a truncated header or table, a chip that appears twice, or route or
        source bits beyond the 24 the router has; the message names the file
        and the byte offset.
    """
    tables: Tables = {}
    offset = 0
    while offset < len(data):
        if len(data) - offset < HEADER.itemsize:
            raise ValueError(f"{name}: truncated table header at byte {offset} "
                             f"({len(data) - offset} bytes left, a header has 4)")
        header = np.frombuffer(data, HEADER, count=1, offset=offset)[0]
        x, y, n = int(header["x"]), int(header["y"]), int(header["n"])
        body = offset + HEADER.itemsize
        size = n * FILE_ENTRY.itemsize
        if len(data) - body < size:
            raise ValueError(f"{name}: table of chip ({x}, {y}) at byte {offset} declares "
                             f"{n} entries ({size} bytes) but only {len(data) - body} "
                             "bytes follow: the file is truncated")
        if (x, y) in tables:
            raise ValueError(f"{name}: chip ({x}, {y}) has a second table at byte {offset}")
        raw = np.frombuffer(data, FILE_ENTRY, count=n, offset=body)
        bad = np.flatnonzero((raw["route"] | raw["source"]) & ~np.uint32(ROUTE_BITS))
        if len(bad):
            at = body + int(bad[0]) * FILE_ENTRY.itemsize
            raise ValueError(f"{name}: entry {int(bad[0])} of chip ({x}, {y}) at byte {at} "
                             "has route or source bits above bit 23: not a routing table")
        table = np.empty(n, dtype=ENTRY)
        for field in ENTRY.names:
            table[field] = raw[field]
        tables[(x, y)] = table
        offset = body + size
    return tables


def encode_tables(tables: Mapping[tuple[int, int], np.ndarray]) -> bytes:
    """The bytes of an HPSR table file holding ``tables`` in their order."""
    parts = []
    for (x, y), table in tables.items():
        if not (0 <= x < 256 and 0 <= y < 256):
            raise ValueError(f"chip ({x}, {y}): coordinates do not fit the file's u8 fields")
        if len(table) > 0xFFFF:
            raise ValueError(f"chip ({x}, {y}): {len(table)} entries do not fit the "
                             "file's u16 count")
        parts.append(np.array([(x, y, len(table))], dtype=HEADER).tobytes())
        raw = np.empty(len(table), dtype=FILE_ENTRY)
        for field in FILE_ENTRY.names:
            raw[field] = table[field]
        parts.append(raw.tobytes())
    return b"".join(parts)


def read_tables(path: str | os.PathLike) -> Tables:
    """Read an HPSR table file: ``{(x, y): ENTRY array}`` in file order."""
    with open(path, "rb") as file:
        return parse_tables(file.read(), name=os.fspath(path))


def write_tables(path: str | os.PathLike, tables: Mapping[tuple[int, int], np.ndarray]) -> None:
    """Write ``{(x, y): ENTRY array}`` as an HPSR table file."""
    data = encode_tables(tables)
    with open(path, "wb") as file:
        file.write(data)


# rig's Routes enumeration numbers routes exactly as our bitmaps' bit
# positions do (links 0-5, then cores 0-17), and uses {None} for unknown
# sources.

def _bits(bitmap: int) -> list[int]:
    return [b for b in range(bitmap.bit_length()) if bitmap >> b & 1]


def to_rig(table: np.ndarray) -> list:
    """The table as a list of rig ``RoutingTableEntry`` (rig must be installed)."""
    from rig.routing_table import Routes, RoutingTableEntry

    entries = []
    for key, mask, route, source in table.tolist():
        sources = {Routes(b) for b in _bits(source)} or {None}
        entries.append(RoutingTableEntry({Routes(b) for b in _bits(route)}, key, mask, sources))
    return entries


def from_rig(entries: Iterable) -> np.ndarray:
    """A table from rig ``RoutingTableEntry`` objects (unknown sources become 0)."""
    rows = []
    for entry in entries:
        route = sum(1 << int(r) for r in entry.route)
        source = sum(1 << int(s) for s in entry.sources if s is not None)
        rows.append((entry.key, entry.mask, route, source))
    return np.array(rows, dtype=ENTRY).reshape(-1)
