"""Routing-table files: the HPSR 2016 benchmark format, PACMAN's JSON, rig's entries.

The HPSR format (Mundy, Heathcote and Garside, HPSR 2016, benchmark tables):
a file is a sequence of tables, each a header ``u8 x, u8 y, u16 n`` followed
by ``n`` entries of four ``u32`` -- key, mask, source, route (note: source
before route) -- all little-endian.

PACMAN's routing_tables.json (the official tools' schema,
``pacman/utilities/file_format_schemas/routing_tables.json``): a list of
``{x, y, entries: [{key, mask, defaultable, spinnaker_route}]}``, the route
numbered as ours (links 0-5, then cores).  It has no sources: an entry
marked ``defaultable`` with a one-link route reads as arriving from the
opposite link, any other as from unknown inputs (kept by minimisation).

:func:`read_tables` and :func:`write_tables` take a file ending in
``.json`` as PACMAN's, any other as HPSR.
"""

import json
import os
from collections.abc import Iterable, Mapping

import numpy as np

from .table import ENTRY, ROUTE_BITS, arrival_link, default_route, is_default_routable

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


def pacman_tables(tables: Mapping[tuple[int, int], np.ndarray]) -> list:
    """``{(x, y): ENTRY array}`` in PACMAN's routing_tables.json schema."""
    out = []
    for (x, y), table in tables.items():
        defaultable = is_default_routable(table).tolist()
        out.append({"x": int(x), "y": int(y), "entries": [
            {"key": key, "mask": mask, "defaultable": default, "spinnaker_route": route}
            for key, mask, route, default in zip(table["key"].tolist(), table["mask"].tolist(),
                                                 table["route"].tolist(), defaultable)]})
    return out


_PACMAN_TABLE_KEYS = ("x", "y", "entries")
_PACMAN_ENTRY_KEYS = ("key", "mask", "defaultable", "spinnaker_route")


def parse_pacman_tables(data, name: str = "<json>") -> Tables:
    """Tables from PACMAN's routing_tables.json (parsed JSON).

    Raises
    ------
    ValueError
        Naming the file, the table and the entry, on anything the schema
        does not allow: a missing or unknown field, a value of the wrong type
        or out of range (keys and masks are u32, routes 24 bits), or a chip
        that appears twice.
    """
    if not isinstance(data, list):
        raise ValueError(f"{name}: routing_tables.json holds a list of tables, not "
                         f"{type(data).__name__}")
    tables: Tables = {}
    for t, item in enumerate(data):
        where = f"{name}: table {t}"
        _check_fields(item, _PACMAN_TABLE_KEYS, where)
        x, y = (_integer(item[k], 0, 255, f"{where} {k}") for k in ("x", "y"))
        if (x, y) in tables:
            raise ValueError(f"{where}: chip ({x}, {y}) has a second table")
        entries = item["entries"]
        if not isinstance(entries, list):
            raise ValueError(f"{where} (chip ({x}, {y})): entries is a list, not "
                             f"{type(entries).__name__}")
        table = np.empty(len(entries), dtype=ENTRY)
        for e, entry in enumerate(entries):
            at = f"{where} (chip ({x}, {y})) entry {e}"
            _check_fields(entry, _PACMAN_ENTRY_KEYS, at)
            key = _integer(entry["key"], 0, 0xFFFFFFFF, f"{at} key")
            mask = _integer(entry["mask"], 0, 0xFFFFFFFF, f"{at} mask")
            route = _integer(entry["spinnaker_route"], 0, ROUTE_BITS, f"{at} spinnaker_route")
            if not isinstance(entry["defaultable"], bool):
                raise ValueError(f"{at}: defaultable is true or false, not "
                                 f"{entry['defaultable']!r}")
            # A defaultable entry's one link out is opposite the link its packets came in by.
            link = arrival_link(route) if entry["defaultable"] else None
            table[e] = (key, mask, route, 0 if link is None else default_route(link))
        tables[(x, y)] = table
    return tables


def _check_fields(item, names: tuple, where: str) -> None:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: an object with {', '.join(names)}, not "
                         f"{type(item).__name__}")
    missing = [k for k in names if k not in item]
    unknown = sorted(set(item) - set(names))
    if missing or unknown:
        raise ValueError(f"{where}: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else [])
            + ([f"unknown field {', '.join(map(repr, unknown))}"] if unknown else []))
            + f" (the schema has {', '.join(names)})")


def _integer(value, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}: an integer, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what}: {value} is outside {low} to {high:#x}")
    return value


def is_json_path(path) -> bool:
    """Whether a table file is read and written as PACMAN's JSON (its name ends in .json)."""
    return os.fspath(path).lower().endswith(".json")


def read_tables(path: str | os.PathLike) -> Tables:
    """Read a table file (PACMAN's JSON if it ends in .json, else HPSR):
    ``{(x, y): ENTRY array}`` in file order."""
    with open(path, "rb") as file:
        data = file.read()
    name = os.fspath(path)
    if not is_json_path(path):
        return parse_tables(data, name=name)
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        where = (f": {error.msg} at line {error.lineno} column {error.colno}"
                 if isinstance(error, json.JSONDecodeError) else " (not UTF-8 text)")
        raise ValueError(f"{name}: not valid JSON{where}") from None
    return parse_pacman_tables(parsed, name=name)


def write_tables(path: str | os.PathLike, tables: Mapping[tuple[int, int], np.ndarray]) -> None:
    """Write ``{(x, y): ENTRY array}`` as a table file (PACMAN's JSON if the
    path ends in .json, else HPSR)."""
    if is_json_path(path):
        data = json.dumps(pacman_tables(tables), indent=1).encode()
    else:
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
