"""Multicast routing: one tree over the machine's links for every net.

Trees are built by neighbour-exploring routing (NER, Navaridas et al. 2015,
as rig and the official tools use it): sinks join in order of distance from
the source, each by a shortest path from the nearest chip already in the
tree, so branches are shared where sinks are close.  Paths follow the torus
geometry (wrap-around included); where a shortest path would cross a dead
chip or link, the sink joins by a breadth-first path over working links
instead.  Among the equally short paths, the order of moves alternates from
net to net so that load spreads over links.  The loop is compiled
(``_ner.pyx``).
"""

from dataclasses import dataclass

import numpy as np

from ..arch import SPINN1
from ..errors import SpinncError
from ..machine import Link, Machine
from ..mapper.vertices import Net, Placements
from ._ner import route_nets

CORE_BIT = SPINN1.core_bit  # route bits 6-23 are cores 0-17, bits 0-5 links


class UnroutableNet(SpinncError):
    """A net's sinks cannot be reached over the working links."""


@dataclass
class Routes:
    """Every net's tree, one row per (net, chip): the route bitmap there (links
    out and cores) and the source bitmap (the link or core packets arrive
    from).  Rows of one net are contiguous, its source chip first."""

    net: np.ndarray
    x: np.ndarray
    y: np.ndarray
    route: np.ndarray
    source: np.ndarray

    def tree(self, net: int) -> dict:
        """One net's tree as ``{(x, y): (route, source)}``."""
        rows = np.flatnonzero(self.net == net)
        return {(int(self.x[r]), int(self.y[r])): (int(self.route[r]), int(self.source[r]))
                for r in rows}

    def links_used(self, net: int) -> int:
        """Chip-to-chip hops in one net's tree."""
        rows = self.net == net
        return int(sum(bin(int(r) & 0x3F).count("1") for r in self.route[rows]))


def far_ends(machine: Machine) -> np.ndarray:
    """``far_end[chip * 6 + link]``: the chip (``x * height + y``) at the far
    end of each working link, or -1."""
    table = np.full(machine.width * machine.height * 6, -1, dtype=np.int64)
    for x, y in machine.working_chips:
        for link in Link:
            other = machine.neighbour(x, y, link)
            if other is not None:
                table[(x * machine.height + y) * 6 + link] = other[0] * machine.height + other[1]
    return table


def route(nets: list[Net], placements: Placements, machine: Machine) -> Routes:
    """Build a routing tree for every net.

    Raises
    ------
    UnroutableNet
        When the machine's dead parts split it so that a sink cannot be
        reached, naming the net, the chips and why.
    """
    h = machine.height
    chip_of = np.asarray(placements.x, dtype=np.int64) * h + np.asarray(placements.y)
    core_of = np.asarray(placements.core, dtype=np.int64)
    sources = np.fromiter((n.source for n in nets), dtype=np.int64, count=len(nets))
    source_chip, source_core = chip_of[sources], core_of[sources]
    if not nets:
        empty = np.zeros(0, dtype=np.int64)
        return Routes(empty, empty, empty, empty, empty)
    # Each net's sink chips (unique, sorted) with the route bits of their cores.
    fan_out = np.fromiter((len(n.sinks) for n in nets), dtype=np.int64, count=len(nets))
    sinks = np.concatenate([np.asarray(n.sinks, dtype=np.int64) for n in nets])
    owner = np.repeat(np.arange(len(nets)), fan_out)
    order = np.lexsort((chip_of[sinks], owner))
    owner, chip, bit = owner[order], chip_of[sinks][order], np.left_shift(
        1, CORE_BIT + core_of[sinks][order])
    starts = np.flatnonzero(np.r_[True, (np.diff(owner) != 0) | (np.diff(chip) != 0)])
    sink_chip = chip[starts]
    sink_bits = np.bitwise_or.reduceat(bit, starts) if len(starts) else bit
    sink_ptr = np.searchsorted(owner[starts], np.arange(len(nets) + 1)).astype(np.int64)
    far_end = far_ends(machine)

    capacity = max(1024, 4 * (len(nets) + len(sink_chip)))  # grown if too small
    while True:
        out = [np.zeros(capacity, dtype=np.int64) for _ in range(4)]
        scratch = np.zeros(8 * machine.width * h, dtype=np.int64)
        failure = np.zeros(2, dtype=np.int64)
        rows = route_nets(machine.width, h, machine.wrap, far_end, source_chip, source_core,
                          sink_ptr, sink_chip, sink_bits, *out, scratch,
                          failure)
        if rows != -2:
            break
        capacity *= 4
    if rows == -1:
        index, target = int(failure[0]), int(failure[1])
        net = nets[index]
        source = placements.chip(net.source)
        if target < 0:
            raise UnroutableNet(f"net {index} (group {net.group} of '{net.pre}') has more "
                                "than 4096 sink chips; split its sinks over several nets")
        raise UnroutableNet(
            f"net {index} (group {net.group} of '{net.pre}', from chip {source}) cannot "
            f"reach chip {divmod(target, h)}: dead chips or links split the machine; use a "
            "machine without that split or place elsewhere")
    net, chip, route_bits, source = (a[:rows] for a in out)
    x, y = np.divmod(chip, h)
    return Routes(net, x, y, route_bits, source)
