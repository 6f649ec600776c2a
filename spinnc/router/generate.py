"""Routing tables from routing trees: one entry per net on every chip it passes.

The tables keep every entry, default-routable ones included, with their
source bits: the minimiser removes those that default routing handles (it
needs them to know which keys arrive at the chip), and the reports count them.
Keys never overlap (the key allocator proves it), so entries are ordered by
key; entries with equal key and mask are merged.
"""

import numpy as np

from ..mapper.keys import KeyAllocation
from .trees import Routes
from .table import ENTRY


def routing_tables(routes: Routes, keys: KeyAllocation) -> dict[tuple, np.ndarray]:
    """Per-chip tables ``{(x, y): ENTRY array}`` for the routed nets."""
    if len(routes.net) == 0:
        return {}
    chip = routes.x.astype(np.int64) << 16 | routes.y
    key = keys.keys[routes.net].astype(np.int64)
    mask = keys.masks[routes.net].astype(np.int64)
    # Sort by chip, then key and mask: one int64 sort on (chip, key), mask last.
    order = np.lexsort((mask, chip << 32 | key))
    chip, key, mask = chip[order], key[order], mask[order]
    route_bits, source = routes.route[order], routes.source[order]
    # Equal (chip, key, mask): one entry with the union of routes and sources.
    starts = np.flatnonzero(np.r_[True, (np.diff(chip) != 0) | (np.diff(key) != 0)
                                  | (np.diff(mask) != 0)])
    chip, key, mask = chip[starts], key[starts], mask[starts]
    route_bits = np.bitwise_or.reduceat(route_bits, starts)
    source = np.bitwise_or.reduceat(source, starts)
    bounds = np.flatnonzero(np.r_[True, np.diff(chip) != 0, True])
    tables = {}
    for begin, end in zip(bounds[:-1], bounds[1:]):
        table = np.zeros(end - begin, dtype=ENTRY)
        table["key"], table["mask"] = key[begin:end], mask[begin:end]
        table["route"], table["source"] = route_bits[begin:end], source[begin:end]
        tables[(int(chip[begin] >> 16), int(chip[begin] & 0xFFFF))] = table
    return tables
