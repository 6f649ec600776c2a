"""Multicast routing tables as numpy structured arrays.

A table is an array of :data:`ENTRY` in first-match order: the router sends
a packet where the first entry with ``packet_key & mask == key`` says, and a
packet that matches nothing is default routed, out of the link opposite the
one it came in by (HARDWARE.md, "Router").

``route`` and ``source`` are bitmaps: bits 0-5 are the links E, NE, N, W, SW,
S (link ``l``'s opposite is ``(l + 3) % 6``) and bits 6-23 are cores 0-17.
``source`` says which inputs the entry's packets arrive from; it is what
tells whether an entry can be left to default routing.
"""

from collections.abc import Iterable

import numpy as np

from ..arch import SPINN1
from ..formats.router_entry import ENTRY

N_LINKS = SPINN1.n_links
N_CORES = SPINN1.cores_per_chip
LINK_BITS = SPINN1.link_mask
ROUTE_BITS = SPINN1.route_mask
LINK_NAMES = ("E", "NE", "N", "W", "SW", "S")


def make_table(rows: Iterable = ()) -> np.ndarray:
    """A table from ``(key, mask, route)`` or ``(key, mask, route, source)``
    rows (``source`` defaults to 0, unknown), or a copy of an ENTRY array."""
    if isinstance(rows, np.ndarray):
        return rows.astype(ENTRY, copy=True)
    rows = [tuple(row) + (0,) * (4 - len(row)) for row in rows]
    return np.array(rows, dtype=ENTRY)


def popcount(values) -> np.ndarray:
    """Number of set bits of each uint32 (vectorised)."""
    values = np.asarray(values, dtype=np.uint32)
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(values).astype(np.int64)
    # SWAR bit count (Hacker's Delight, section 5.1) for older numpy.
    v = values - ((values >> 1) & 0x55555555)
    v = (v & 0x33333333) + ((v >> 2) & 0x33333333)
    v = (v + (v >> 4)) & 0x0F0F0F0F
    return ((v * np.uint32(0x01010101)) >> 24).astype(np.int64)


def matches_something(table: np.ndarray) -> np.ndarray:
    """Whether each entry can match a key at all: one with a 1 in its key
    where its mask has an X never does."""
    return (table["key"] & ~table["mask"]) == 0


def intersects(key_a, mask_a, key_b, mask_b) -> np.ndarray:
    """Whether the (valid) key/mask pairs a and b match a common key
    (broadcasting): they agree on every bit both care about."""
    return ((key_a ^ key_b) & mask_a & mask_b) == 0


def is_default_routable(entries: np.ndarray) -> np.ndarray:
    """Whether each entry does what default routing would: exactly one source,
    a link, and a route of exactly the opposite link (vectorised)."""
    source = entries["source"].astype(np.uint32)
    route = entries["route"].astype(np.uint32)
    one_link = (source & LINK_BITS != 0) & (popcount(source) == 1)
    # The opposite of link l is l + 3 mod 6: rotate the six link bits by 3.
    opposite = ((source << 3) | (source >> 3)) & LINK_BITS
    return one_link & (route == opposite)


def default_route(arrival_link: int) -> int:
    """The route a packet that arrived on ``arrival_link`` takes on a miss."""
    return 1 << ((arrival_link + 3) % N_LINKS)


def arrival_link(source: int) -> int | None:
    """The arrival link of a single-link source bitmap, else None."""
    source = int(source)
    if source & LINK_BITS and source & (source - 1) == 0:
        return source.bit_length() - 1
    return None


def first_match(table: np.ndarray, key: int) -> int | None:
    """Index of the first entry matching ``key``, or None."""
    hits = np.flatnonzero((np.uint32(key) & table["mask"]) == table["key"])
    return int(hits[0]) if len(hits) else None


def route_of(table: np.ndarray, key: int, arrival_link: int | None = None) -> int | None:
    """Where the router sends a packet with ``key``.

    Parameters
    ----------
    table : ENTRY array
    key : int
    arrival_link : int, optional
        The link the packet came in by; None for a packet sent by a local core.

    Returns
    -------
    int or None
        The route bitmap of the first matching entry; on a miss, the default
        route (the link opposite ``arrival_link``), or None (the packet is
        dropped) for a locally sourced packet.
    """
    index = first_match(table, key)
    if index is not None:
        return int(table["route"][index])
    return None if arrival_link is None else default_route(arrival_link)


def describe_route(route: int | None) -> str:
    """A route bitmap in words, e.g. ``0x000044 (N, core 0)``."""
    if route is None:
        return "dropped"
    route = int(route)
    names = [LINK_NAMES[b] for b in range(N_LINKS) if route >> b & 1]
    names += [f"core {c}" for c in range(N_CORES) if route >> (N_LINKS + c) & 1]
    return f"0x{route:06x} ({', '.join(names) or 'nowhere'})"


def remove_default_routes(table: np.ndarray) -> np.ndarray:
    """Remove the entries that default routing can replace.

    An entry goes if it is default-routable (:func:`is_default_routable`) and
    no later entry matches any of its keys: its packets would be caught by
    that entry instead of missing the table.  (An earlier entry that matches
    some of its keys takes them either way.  rig's ``remove_default_routes``
    makes the same check.)

    Returns
    -------
    ENTRY array
        The remaining entries, in their order.
    """
    return table[~default_removable(table)]


def default_removable(table: np.ndarray, block: int = 512) -> np.ndarray:
    """Which entries :func:`remove_default_routes` removes (a boolean per
    entry); ``block`` candidates are tested against the table at a time,
    which bounds the memory of the pairwise test."""
    candidates = np.flatnonzero(is_default_routable(table))
    valid = matches_something(table)
    index = np.flatnonzero(valid)
    key, mask = table["key"][index], table["mask"][index]
    # An entry that matches nothing has nothing to default route: it goes.
    removable = np.zeros(len(table), dtype=bool)
    removable[candidates] = ~valid[candidates]
    candidates = candidates[valid[candidates]]
    for start in range(0, len(candidates), block):
        rows = candidates[start:start + block]
        later = index > rows[:, None]
        hits = intersects(table["key"][rows, None], table["mask"][rows, None], key, mask)
        removable[rows] = ~(hits & later).any(axis=1)
    return removable
