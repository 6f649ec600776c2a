"""Prove that a minimised routing table routes every key like the original.

The keys that matter are those the original table routes: every key matching
one of its entries.  Each such key must leave by the same route in the
minimised table; a miss there is right exactly when the original entry that
routed the key is default-routable (its ``source`` gives the arrival link, and
default routing sends the packet out of the opposite one).

The proof is exact.  For each original entry, the keys it routes are its
key/mask cube minus the cubes of earlier entries.  Most of the time the first
minimised entry that touches the cube contains all of it and no earlier
original entry overlaps it, and one vectorised comparison decides the whole
cube.  Otherwise the cube is split on a bit that an undecided entry cares
about, recursively (a ternary decision procedure), until every piece is
either shadowed by an earlier original entry or routed by a single minimised
entry (or by none).
"""

import numpy as np

from spinnc.errors import SpinncError

from .table import describe_route, intersects, is_default_routable, matches_something


class TablesDiffer(SpinncError, ValueError):
    """A minimised table (or file of tables) does not do what the original does."""


class RoutingMismatch(TablesDiffer):
    """A minimised table routes some key differently from the original.

    Attributes
    ----------
    chip : tuple or None
    key : int
        A key that both tables route, differently.
    expected, got : int or None
        The routes (None: the key misses the minimised table).
    """

    def __init__(self, chip, key: int, expected: int, got: int | None, expected_default: bool):
        self.chip, self.key, self.expected, self.got = chip, key, expected, got
        where = f"chip {tuple(chip)}: " if chip is not None else ""
        got_text = (describe_route(got) if got is not None
                    else "a miss (default routing)")
        original = describe_route(expected) + (" (default-routable)" if expected_default else "")
        super().__init__(f"{where}key 0x{key:08x} is routed to {original} by the original "
                         f"table but to {got_text} by the minimised one")


def _covers(key_a, mask_a, key_b, mask_b):
    """Whether cube a contains all of (intersecting) cube b: a cares only
    about bits that b cares about."""
    return (mask_a & ~mask_b) == 0


def _valid(table):
    keep = np.flatnonzero(matches_something(table))
    t = table[keep]
    return keep, t["key"].astype(np.uint32), t["mask"].astype(np.uint32), t["route"]


def check_equivalent(original: np.ndarray, minimised: np.ndarray, chip=None,
                     block: int = 256) -> None:
    """Prove that ``minimised`` routes every key of ``original`` the same way.

    Parameters
    ----------
    original, minimised : ENTRY arrays
    chip : (x, y), optional
        Named in the error.
    block : int
        Original entries compared with the minimised table per vectorised step
        (bounds memory on large tables).

    Raises
    ------
    RoutingMismatch
        (a ValueError) naming the chip, the first differing key (in the order
        of the original table's entries) and both routes.
    """
    o_index, ok, om, oroute = _valid(original)
    default_ok = is_default_routable(original[o_index])
    _, fk, fm, froute = _valid(minimised)
    n = len(ok)

    # Per original entry: is it shadowed in part by an earlier one, and which
    # minimised entry touches it first?
    simple = np.zeros(n, dtype=bool)
    wrong = np.zeros(n, dtype=bool)
    position = np.arange(n)
    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        k, m = ok[rows, None], om[rows, None]
        earlier = (intersects(k, m, ok, om) & (position < position[rows, None])).any(axis=1)
        if len(fk):
            hits = intersects(k, m, fk, fm)
            hit = hits.any(axis=1)
            first = hits.argmax(axis=1)
            whole = ~hit | _covers(fk[first], fm[first], ok[rows], om[rows])
            same = np.where(hit, froute[first] == oroute[rows], default_ok[rows])
        else:
            whole, same = True, default_ok[rows]
        simple[rows] = ~earlier & whole
        wrong[rows] = ~same

    # Entries in order: a simple one is decided; the others are proved (or
    # refuted) piece by piece.
    for i in np.flatnonzero(~simple | wrong):
        if simple[i]:
            key = int(ok[i])
        else:
            key = _first_difference(i, ok, om, oroute, bool(default_ok[i]), fk, fm, froute)
            if key is None:
                continue
        hits = np.flatnonzero((np.uint32(key) & fm) == fk)
        got = int(froute[hits[0]]) if len(hits) else None
        raise RoutingMismatch(chip, key, int(oroute[i]), got, bool(default_ok[i]))


def _first_difference(i, ok, om, oroute, default_ok, fk, fm, froute) -> int | None:
    """A key that original entry ``i`` routes and the minimised table routes
    differently, or None: exact, by splitting entry i's cube."""
    expected = oroute[i]
    shadow = np.flatnonzero(intersects(ok[i], om[i], ok[:i], om[:i]))
    touch = np.flatnonzero(intersects(ok[i], om[i], fk, fm))
    stack = [(int(ok[i]), int(om[i]), shadow, touch)]
    while stack:
        qk, qm, s, f = stack.pop()
        qk32, qm32 = np.uint32(qk), np.uint32(qm)
        if len(s) and _covers(ok[s], om[s], qk32, qm32).any():
            continue  # every key here belongs to an earlier entry
        uniform = len(f) == 0 or _covers(fk[f[0]], fm[f[0]], qk32, qm32)
        if uniform:
            right = froute[f[0]] == expected if len(f) else default_ok
            if right:
                continue
            if len(s) == 0:
                return qk
            bits = int(om[s[0]]) & ~qm  # find a piece no earlier entry shadows
        else:
            bits = int(fm[f[0]]) & ~qm  # make the first minimised entry decide
        bit = bits & -bits
        for value in (bit, 0):  # the 0 half is popped (searched) first
            k, m = np.uint32(qk | value), np.uint32(qm | bit)
            stack.append((qk | value, qm | bit,
                          s[intersects(ok[s], om[s], k, m)],
                          f[intersects(fk[f], fm[f], k, m)]))
    return None
