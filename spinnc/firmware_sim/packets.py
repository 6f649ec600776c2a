"""Multicast packets through the emulated routers, hop by hop.

Each chip's :class:`Router` looks a key up in its table (first match wins,
HARDWARE.md "Router"): a hit goes to the entry's links and cores; a miss is
default routed out of the link opposite the one it came in by, and a miss of a
packet from a local core is dropped.  A link that is dead or leads off the
machine drops the packet, as does a route to a core that runs nothing (on a
board the router times out on a receive register nobody reads).

Tables do not change during a run, so :class:`Fabric` follows each (source
chip, key) once and remembers where it ends up and what every router on the
way counted (:meth:`Fabric.follow_all`: every packet of a tick at once, hop
by hop).  Each tick then costs one vectorised scatter of all payloads.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..arch import SPINN1
from ..machine import Machine

N_LINKS = SPINN1.n_links
N_CORES = SPINN1.cores_per_chip
#: Where a packet came into a router from: a local core, or a link 0-5.
LOCAL = -1


@dataclass
class RouterCounts:
    """Per-tick (static) counts of one router, like its diagnostic counters."""

    local: int = 0  # multicast packets from this chip's cores
    non_local: int = 0  # multicast packets that arrived over a link
    default_routed: int = 0
    dropped: int = 0


class Router:
    """One chip's multicast router: an ordered key/mask/route table."""

    def __init__(self, x: int, y: int, table: np.ndarray | None):
        self.x, self.y = x, y
        if table is None or len(table) == 0:
            self.keys = self.masks = self.routes = np.zeros(0, dtype=np.uint32)
        else:
            self.keys = np.asarray(table["key"], dtype=np.uint32)
            self.masks = np.asarray(table["mask"], dtype=np.uint32)
            self.routes = np.asarray(table["route"], dtype=np.uint32)

    def lookup(self, key: int) -> int | None:
        """The route bits of the first entry matching ``key``, or None (a miss)."""
        hits = np.flatnonzero((np.uint32(key) & self.masks) == self.keys)
        return int(self.routes[hits[0]]) if hits.size else None

    def lookup_many(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`lookup` of many keys: (route bits, hit) arrays.  Per distinct
        mask, a key's masked value is searched among the entries of that mask;
        the first entry of all those found wins."""
        keys = np.asarray(keys, dtype=np.uint32)
        first = np.full(keys.size, len(self.keys), dtype=np.int64)
        for mask, values, entry in self._by_mask:
            masked = keys & mask
            at = np.minimum(np.searchsorted(values, masked), len(values) - 1)
            found = values[at] == masked
            first[found] = np.minimum(first[found], entry[at[found]])
        hit = first < len(self.keys)
        routes = np.zeros(keys.size, dtype=np.int64)
        routes[hit] = self.routes[first[hit]]
        return routes, hit

    @cached_property
    def _by_mask(self) -> list:
        """Per distinct mask: its entries' key values, sorted, each with the
        first entry (table order) that has it."""
        groups = []
        for mask in np.unique(self.masks):
            entry = np.flatnonzero(self.masks == mask)
            values, at = np.unique(self.keys[entry], return_index=True)
            groups.append((mask, values, entry[at]))  # np.unique: each value's first
        return groups


@dataclass
class Trace:
    """Where one packet ends up: the cores it reaches, and per-router counts."""

    cores: list = field(default_factory=list)  # [(x, y, core)]
    counts: dict = field(default_factory=dict)  # (x, y) -> RouterCounts
    links: dict = field(default_factory=dict)  # (x, y, link) -> packets sent over it


@dataclass
class Deliveries:
    """Where a batch of packets ends up (:meth:`Fabric.follow_all`): each
    delivery's packet (its index in the batch) and core, in packet order,
    and what the routers and links counted for the whole batch."""

    packet: np.ndarray
    x: np.ndarray
    y: np.ndarray
    core: np.ndarray
    counts: dict  # (x, y) -> RouterCounts
    links: dict  # (x, y, link) -> packets sent over it


class Fabric:
    """The machine's routers and links, with memoised packet traces.

    Parameters
    ----------
    machine : Machine
        Says which links work and where they lead.
    tables : dict
        ``{(x, y): ENTRY array}`` from the Image.
    running : set
        ``(x, y, core)`` of every core that runs an application.
    """

    def __init__(self, machine: Machine, tables: dict, running: set):
        self.machine = machine
        self.routers = {chip: Router(*chip, table) for chip, table in tables.items()}
        self.running = running
        self._traces: dict = {}
        # A packet cannot visit more routers than there are directed links
        # without looping; a corrupt table that loops drops it instead.
        self.max_hops = 6 * machine.width * machine.height + 1

    def router(self, x: int, y: int) -> Router:
        if (x, y) not in self.routers:
            self.routers[x, y] = Router(x, y, None)  # no table: everything defaults
        return self.routers[x, y]

    def trace(self, x: int, y: int, key: int) -> Trace:
        """Follow a packet with ``key`` sent by a core of chip (x, y)."""
        memo = self._traces.get((x, y, key))
        if memo is None:
            memo = self._traces[x, y, key] = self._follow(x, y, key)
        return memo

    def follow_all(self, x: np.ndarray, y: np.ndarray, keys: np.ndarray) -> Deliveries:
        """Every packet ``keys[i]`` sent by a core of chip (x[i], y[i]), once:
        what :meth:`trace` finds for each, summed, breadth first over all of
        them at once (a packet past ``max_hops`` routers is dropped, as there)."""
        m = self.machine
        height, n = m.height, len(keys)
        keys = np.asarray(keys, dtype=np.uint32)
        chips = m.width * height
        # Per chip: the chip each link leads to (-1: none) and its running cores.
        far = np.full((chips, N_LINKS), -1, dtype=np.int64)
        for cx, cy in m.working_chips:
            for link in range(N_LINKS):
                there = m.neighbour(cx, cy, link)
                if there is not None:
                    far[cx * height + cy, link] = there[0] * height + there[1]
        running = np.zeros((chips, N_CORES), dtype=bool)
        for cx, cy, core in self.running:
            running[cx * height + cy, core] = True
        tally = {name: np.zeros(chips, dtype=np.int64)
                 for name in ("visits", "local", "non_local", "default_routed", "dropped")}
        link_sent = np.zeros(chips * N_LINKS, dtype=np.int64)
        visits = np.zeros(n, dtype=np.int64)  # routers each packet's tree has visited
        packet = np.arange(n)
        chip = np.asarray(x, dtype=np.int64) * height + np.asarray(y, dtype=np.int64)
        came = np.full(n, LOCAL, dtype=np.int64)
        delivered = [(np.zeros(0, np.int64),) * 3]  # (packet, chip, core) of each hop's

        def count(name, where):
            tally[name] += np.bincount(where, minlength=chips)

        while packet.size:
            count("visits", chip)
            order = np.argsort(packet, kind="stable")  # each packet's visits this hop, in turn
            runs = np.r_[0, np.flatnonzero(np.diff(packet[order])) + 1]
            rank = np.empty(packet.size, dtype=np.int64)
            rank[order] = np.arange(packet.size) - np.repeat(runs, np.diff(np.r_[runs,
                                                                                 packet.size]))
            over = visits[packet] + rank >= self.max_hops
            visits += np.bincount(packet, minlength=n)
            count("dropped", chip[over])
            packet, chip, came = packet[~over], chip[~over], came[~over]
            local = came == LOCAL
            count("local", chip[local])
            count("non_local", chip[~local])
            route = np.zeros(packet.size, dtype=np.int64)
            hit = np.zeros(packet.size, dtype=bool)
            for c, at in groups(chip):
                route[at], hit[at] = self.router(*divmod(int(c), height)).lookup_many(
                    keys[packet[at]])
            count("dropped", chip[~hit & local])
            default = ~hit & ~local
            count("default_routed", chip[default])
            route[default] = 1 << ((came[default] + 3) % N_LINKS)
            keep = hit | default
            packet, chip, route = packet[keep], chip[keep], route[keep]
            cores = (route[:, None] >> (N_LINKS + np.arange(N_CORES))) & 1 == 1
            row, core = np.nonzero(cores)
            reached = running[chip[row], core]
            count("dropped", chip[row[~reached]])
            delivered.append((packet[row[reached]], chip[row[reached]], core[reached]))
            out = (route[:, None] >> np.arange(N_LINKS)) & 1 == 1
            row, link = np.nonzero(out)
            there = far[chip[row], link]
            count("dropped", chip[row[there < 0]])
            row, link, there = row[there >= 0], link[there >= 0], there[there >= 0]
            link_sent += np.bincount(chip[row] * N_LINKS + link, minlength=chips * N_LINKS)
            packet, chip, came = packet[row], there, (link + 3) % N_LINKS
        packet, chip, core = (np.concatenate(parts) for parts in zip(*delivered))
        order = np.argsort(packet, kind="stable")  # by packet, as the batch is
        packet, chip, core = packet[order], chip[order], core[order]
        counts = {divmod(int(c), height): RouterCounts(*(int(tally[name][c]) for name in
                                                         ("local", "non_local",
                                                          "default_routed", "dropped")))
                  for c in np.flatnonzero(tally["visits"])}
        links = {(*divmod(int(i) // N_LINKS, height), int(i) % N_LINKS): int(link_sent[i])
                 for i in np.flatnonzero(link_sent)}
        return Deliveries(packet, chip // height, chip % height, core, counts, links)

    def _follow(self, x0: int, y0: int, key: int) -> Trace:
        trace = Trace()
        # Depth first over (chip, arrival link); a multicast tree may fork.
        frontier = [(x0, y0, LOCAL)]
        hops = 0
        while frontier:
            x, y, came_in = frontier.pop()
            counts = trace.counts.setdefault((x, y), RouterCounts())
            hops += 1
            if hops > self.max_hops:
                counts.dropped += 1
                continue
            if came_in == LOCAL:
                counts.local += 1
            else:
                counts.non_local += 1
            route = self.router(x, y).lookup(key)
            if route is None:
                if came_in == LOCAL:
                    counts.dropped += 1
                    continue
                counts.default_routed += 1
                route = 1 << ((came_in + 3) % N_LINKS)
            for link in range(N_LINKS):
                if route >> link & 1:
                    far = self.machine.neighbour(x, y, link)
                    if far is None:
                        counts.dropped += 1
                    else:
                        trace.links[x, y, link] = trace.links.get((x, y, link), 0) + 1
                        frontier.append((*far, (link + 3) % N_LINKS))
            for core in range(N_CORES):
                if route >> (N_LINKS + core) & 1:
                    if (x, y, core) in self.running:
                        trace.cores.append((x, y, core))
                    else:
                        counts.dropped += 1
        return trace


def groups(values: np.ndarray):
    """(value, the indices holding it) for each distinct value, in order."""
    if values.size == 0:
        return zip([], [])
    order = np.argsort(values, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(values[order]) != 0])
    return zip(values[order[starts]], np.split(order, starts[1:]))


def scatter(deliver_to: np.ndarray, deliver_from: np.ndarray, payloads: np.ndarray,
            size: int) -> np.ndarray:
    """Sum ``payloads[deliver_from]`` into ``size`` accumulators at ``deliver_to``.

    Exact: payloads are int32 and a tick's sums stay far below 2**53, so
    float64 ``bincount`` adds them without rounding.
    """
    if deliver_to.size == 0:
        return np.zeros(size, dtype=np.int64)
    total = np.bincount(deliver_to, weights=payloads[deliver_from], minlength=size)
    return total.astype(np.int64)
