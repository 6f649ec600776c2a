"""Verification: follow every net's packets through the tables, chip by chip.

A packet is matched against a chip's table (first match wins); a miss is
default-routed out of the link opposite the one it came in on, and dropped if
it came from a core.  A packet sent over a dead link, off the machine or
round a loop is an error, and so is one that reaches a core that is not a
sink of its net, reaches a sink twice or misses one.  Every key of a net's
block (one per dimension) is followed.

All nets are followed together, level by level (one table lookup per chip
per level for every packet there), and the deliveries of all of them are
compared with their sinks in one sort.  Only when something is wrong is the
offending net followed again on its own, to name what went wrong.
"""

import numpy as np

from ..errors import SpinncError
from ..machine import Link, Machine
from ..mapper.keys import KeyAllocation
from ..mapper.vertices import Net, Placements



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
    if not nets:
        return
    bad = _first_bad_net(nets, placements, keys, tables, machine)
    if bad is not None:
        _check_net(bad, nets[bad], placements, keys, tables, machine)
        raise RoutingError(f"net {bad} (group {nets[bad].group} of '{nets[bad].pre}'): its "
                           "packets do not reach exactly its sinks")  # not reached: explained above


def _neighbours(machine: Machine) -> np.ndarray:
    """Chip index at the far end of each working link, shape (chips, 6); -1 where
    the link is dead or leads off the machine.  Chip index = x * height + y."""
    table = np.full((machine.width * machine.height, 6), -1, dtype=np.int64)
    for x, y in machine.working_chips:
        for link in Link:
            other = machine.neighbour(x, y, link)
            if other is not None:
                table[x * machine.height + y, link] = other[0] * machine.height + other[1]
    return table


def _first_bad_net(nets, placements, keys, tables, machine):
    """Follow every net's packets at once; the index of the lowest net whose
    packets go wrong (dropped, off the machine, looping, to the wrong cores),
    or None when all reach exactly their sinks."""
    height = machine.height
    n_chips = machine.width * height
    n_cores, core_bit = machine.arch.cores_per_chip, machine.arch.core_bit
    opposite = np.array([machine.arch.opposite_link(l) for l in range(machine.arch.n_links)])
    sizes = np.array([net.size for net in nets], dtype=np.int64)
    packet_net = np.repeat(np.arange(len(nets)), sizes)
    starts = np.cumsum(sizes) - sizes
    packet_key = (keys.keys[packet_net].astype(np.int64)
                  | (np.arange(len(packet_net)) - starts[packet_net]))
    sources = np.array([net.source for net in nets], dtype=np.int64)
    chip_of = placements.x.astype(np.int64) * height + placements.y.astype(np.int64)
    neighbours = _neighbours(machine)
    bad = []  # nets seen going wrong during the walk

    # The frontier: packets, the chip each is at, the link it arrived by (-1: its core).
    packet = np.arange(len(packet_net))
    chip = chip_of[sources][packet_net]
    arrival = np.full(len(packet), -1, dtype=np.int64)
    visits, deliveries = [], []
    for _ in range(n_chips + 1):
        if packet.size == 0:
            break
        visits.append(packet * n_chips + chip)
        routes = np.empty(len(packet), dtype=np.int64)
        order = np.argsort(chip, kind="stable")
        bounds = np.flatnonzero(np.diff(chip[order])) + 1
        for group in np.split(order, bounds):
            c = int(chip[group[0]])
            routes[group] = _lookup(tables.get((c // height, c % height)),
                                   packet_key[packet[group]])
        missed = routes < 0
        bad.append(packet_net[packet[missed & (arrival < 0)]])  # from a core, dropped
        routes[missed] = np.left_shift(1, opposite[arrival[missed]])  # default routing
        routes[missed & (arrival < 0)] = 0
        core_bits = (routes[:, None] >> (core_bit + np.arange(n_cores))) & 1
        who, core = np.nonzero(core_bits)
        deliveries.append((packet[who] * n_chips + chip[who]) * n_cores + core)
        who, link = np.nonzero((routes[:, None] >> np.arange(len(opposite))) & 1)
        nxt = neighbours[chip[who], link]
        bad.append(packet_net[packet[who[nxt < 0]]])  # over a dead link or off the machine
        alive = nxt >= 0
        packet, chip, arrival = packet[who[alive]], nxt[alive], opposite[link[alive]]
    else:
        bad.append(packet_net[packet])  # still travelling after visiting every chip: a loop

    visits = np.sort(np.concatenate(visits))
    twice = visits[1:][visits[1:] == visits[:-1]]
    bad.append(packet_net[twice // n_chips])  # a chip reached twice by one key
    delivered = np.sort(np.concatenate(deliveries))
    expected = _expected_deliveries(nets, placements, packet_net, sizes, chip_of, n_chips, n_cores)
    if delivered.shape != expected.shape or not np.array_equal(delivered, expected):
        wrong = np.setxor1d(delivered, expected)
        repeated = delivered[1:][delivered[1:] == delivered[:-1]]
        bad.append(packet_net[np.concatenate([wrong, repeated]) // (n_cores * n_chips)])
    bad = np.concatenate(bad)
    return int(bad.min()) if bad.size else None


def _expected_deliveries(nets, placements, packet_net, sizes, chip_of, n_chips, n_cores):
    """Sorted codes (packet, chip, core) of every sink core of every packet."""
    sink_codes = [np.unique(chip_of[np.asarray(net.sinks, dtype=np.int64)] * n_cores
                            + placements.core[np.asarray(net.sinks, dtype=np.int64)])
                  if len(net.sinks) else np.zeros(0, dtype=np.int64) for net in nets]
    counts = np.array([len(c) for c in sink_codes], dtype=np.int64)
    per_net = np.concatenate(sink_codes).astype(np.int64) if nets else np.zeros(0, np.int64)
    net_start = np.cumsum(counts) - counts
    # Each packet of a net expects every one of its net's sink codes.
    n_each = counts[packet_net]
    owner = np.repeat(np.arange(len(packet_net)), n_each)
    offset = np.arange(n_each.sum()) - np.repeat(np.cumsum(n_each) - n_each, n_each)
    codes = per_net[net_start[packet_net[owner]] + offset]
    return np.sort(owner * n_chips * n_cores + codes)


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
            for core in range(machine.arch.cores_per_chip):
                if route >> (machine.arch.core_bit + core) & 1:
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
