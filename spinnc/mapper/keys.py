"""Multicast key allocation, and a checker that proves keys never overlap.

Each net (one connection group of one source vertex) gets a block of keys:
an aligned power-of-two block whose low bits carry the dimension, so the
packet for dimension ``d`` has key ``key | d`` and one ``key/mask`` entry
routes them all.  Blocks are handed out in placement order (chip by chip),
so nets from nearby cores get numerically close keys, which the routing-table
minimiser can merge.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import DoesNotFit
from .vertices import Net, Placements

#: SC&MP's own routing entry: key 0xffff5554, mask 0xfffffffe (HARDWARE.md [C]).
RESERVED_KEY = 0xFFFF5554
RESERVED_MASK = 0xFFFFFFFE
KEY_SPACE = 1 << 32


@dataclass
class KeyAllocation:
    """Key and mask of every net, by net index (uint32 arrays)."""

    keys: np.ndarray
    masks: np.ndarray

    def packet_key(self, net: int, dimension: int) -> int:
        return int(self.keys[net]) | dimension


def block_size(size: int) -> int:
    """The power-of-two block that holds ``size`` dimensions (at least 1)."""
    return 1 << max(0, int(size) - 1).bit_length()


def allocate_keys(nets: list[Net], placements: Placements | None = None) -> KeyAllocation:
    """One aligned key block per net, in placement order of the sources.

    Parameters
    ----------
    nets : list of Net
    placements : Placements, optional
        When given, blocks follow the sources' (x, y, core) order.

    Raises
    ------
    DoesNotFit
        If the blocks need more than the 32-bit key space.
    """
    sizes = np.array([block_size(net.size) for net in nets], dtype=np.int64)
    sources = np.array([net.source for net in nets], dtype=np.int64)
    if placements is not None and len(nets):
        order = np.lexsort((-sizes, sources, placements.core[sources],
                            placements.y[sources], placements.x[sources]))
    else:
        order = np.lexsort((-sizes, sources))
    keys = np.zeros(len(nets), dtype=np.int64)
    cursor = 0
    for i in order:
        size = sizes[i]
        cursor = -(-cursor // size) * size  # align the block to its size
        if cursor <= RESERVED_KEY + 1 and cursor + size > RESERVED_KEY:
            cursor = -(-(RESERVED_KEY + 2) // size) * size  # step over SC&MP's keys
        if cursor + size > KEY_SPACE:
            raise DoesNotFit(f"{len(nets)} nets need more than the 2^32 multicast keys")
        keys[i] = cursor
        cursor += size
    masks = (KEY_SPACE - sizes) & 0xFFFFFFFF
    return KeyAllocation(keys.astype(np.uint32), masks.astype(np.uint32))


def check_keys(allocation: KeyAllocation) -> None:
    """Prove that no packet key matches two nets' key/mask, that every entry
    is well formed, and that none matches SC&MP's reserved keys.

    Raises
    ------
    ValueError
        Naming the first offending net (or pair of nets).
    """
    keys = allocation.keys.astype(np.int64)
    masks = allocation.masks.astype(np.int64)
    loose = np.flatnonzero(keys & ~masks & 0xFFFFFFFF)
    if loose.size:
        raise ValueError(f"net {loose[0]}: key {keys[loose[0]]:#010x} has bits outside "
                         f"its mask {masks[loose[0]]:#010x}")
    for reserved in (RESERVED_KEY, RESERVED_KEY + 1):
        hit = np.flatnonzero((reserved & masks) == keys)
        if hit.size:
            raise ValueError(f"net {hit[0]}: key/mask {keys[hit[0]]:#010x}/"
                             f"{masks[hit[0]]:#010x} matches SC&MP's key {reserved:#010x}")
    inverted = (~masks) & 0xFFFFFFFF
    contiguous = (inverted & (inverted + 1)) == 0  # low bits free: an interval
    if contiguous.all():
        order = np.argsort(keys, kind="stable")
        ends = keys[order] + inverted[order]
        clash = np.flatnonzero(ends[:-1] >= keys[order][1:])
        if clash.size:
            a, b = order[clash[0]], order[clash[0] + 1]
            raise ValueError(f"nets {a} and {b} overlap: {keys[a]:#010x}/{masks[a]:#010x} "
                             f"and {keys[b]:#010x}/{masks[b]:#010x}")
        return
    # General masks: two entries overlap iff they agree wherever both care.
    for a in range(len(keys)):
        common = masks[a] & masks[a + 1:]
        clash = np.flatnonzero(((keys[a] ^ keys[a + 1:]) & common) == 0)
        if clash.size:
            b = a + 1 + clash[0]
            raise ValueError(f"nets {a} and {b} overlap: {keys[a]:#010x}/{masks[a]:#010x} "
                             f"and {keys[b]:#010x}/{masks[b]:#010x}")
