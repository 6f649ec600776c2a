"""Verification: follow every net's packets through the tables, chip by chip.

A packet is matched against a chip's table (first match wins); a miss is
default-routed out of the link opposite the one it came in on, and dropped if
it came from a core.  A packet sent over a dead link, off the machine or
round a loop is an error, and so is one that reaches a core that is not a
sink of its net, reaches a sink twice or misses one.  Every key of a net's
block (one per dimension) is followed.
"""

import numpy as np

from ..errors import SpinncError
from ..machine import Link, Machine
from ..mapper.keys import KeyAllocation
from ..mapper.vertices import Net, Placements
from .trees import CORE_BIT



class RoutingError(SpinncError):
    """A net's packets do not reach exactly its sinks."""


def _lookup(table, keys):
    """Route bitmaps of ``keys`` in ``table``; -1 where no entry matches."""
    if table is None or len(table) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    masks = table["mask"].astype(np.int64)
    match = (keys[:, None] & masks[None, :]) == table["key"].astype(np.int64)[None, :]
    first = np.argmax(match, axis=1)
    return np.where(match.any(axis=1), table["route"].astype(np.int64)[first], -1)


def check(nets: list[Net], placements: Placements, keys: KeyAllocation,
          tables: dict, machine: Machine) -> None:
    """Prove that every net's packets reach exactly its sink cores, each once.

    Parameters
    ----------
    nets, placements, keys
        The mapping.
    tables : dict
        ``{(x, y): ENTRY array}``, generated or minimised.
    machine : Machine

    Raises
    ------
    RoutingError
        Naming the net, the key (hex), the chip and what went wrong.
    """
    for index, net in enumerate(nets):
        _check_net(index, net, placements, keys, tables, machine)


def _check_net(index, net, placements, keys, tables, machine):
    name = f"net {index} (group {net.group} of '{net.pre}')"
    packet_keys = int(keys.keys[index]) | np.arange(net.size, dtype=np.int64)
    expected = sorted({(placements.chip(v), int(placements.core[v])) for v in net.sinks})
    delivered = [[] for _ in packet_keys]
    source = placements.chip(net.source)
    # Work list of (chip, arrival link or None for the source core, key indices).
    work = [(source, None, np.arange(len(packet_keys)))]
    visited = {}  # chip -> which keys have been there: a second visit is a loop
    while work:
        chip, arrival, which = work.pop()
        seen = visited.setdefault(chip, np.zeros(len(packet_keys), dtype=bool))
        if seen[which].any():
            raise RoutingError(f"{name}: key {packet_keys[which[seen[which]][0]]:#010x} "
                               f"reaches chip {chip} twice (a loop or a duplicate path)")
        seen[which] = True
        routes = _lookup(tables.get(chip), packet_keys[which])
        missed = routes < 0
        if missed.any():
            if arrival is None:
                raise RoutingError(
                    f"{name}: key {packet_keys[which[missed][0]]:#010x} from a core on chip "
                    f"{chip} matches no entry there and is dropped")
            routes[missed] = 1 << Link(arrival).opposite  # default routing
        for route in np.unique(routes):
            group = which[routes == route]
            for core in range(18):
                if route >> (CORE_BIT + core) & 1:
                    for k in group:
                        delivered[k].append((chip, core))
            for link in Link:
                if route >> link & 1:
                    nxt = machine.neighbour(*chip, link)
                    if nxt is None:
                        raise RoutingError(
                            f"{name}: key {packet_keys[group[0]]:#010x} leaves chip {chip} "
                            f"by {link.name} link, which is dead or leads off the machine")
                    work.append((nxt, link.opposite, group))
    for k, cores in enumerate(delivered):
        if sorted(cores) != expected:
            extra = sorted(set(cores) - set(expected)) or sorted(
                {c for c in cores if cores.count(c) > 1})
            missing = sorted(set(expected) - set(cores))
            raise RoutingError(
                f"{name}: key {packet_keys[k]:#010x} reaches {len(cores)} cores for "
                f"{len(expected)} sinks (missing {missing[:3]}, unexpected or repeated "
                f"{extra[:3]})")
