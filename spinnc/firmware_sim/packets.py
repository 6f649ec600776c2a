"""Multicast packets through the emulated routers, hop by hop.

Each chip's :class:`Router` looks a key up in its table (first match wins,
HARDWARE.md "Router"): a hit goes to the entry's links and cores; a miss is
default routed out of the link opposite the one it came in by, and a miss of a
packet from a local core is dropped.  A link that is dead or leads off the
machine drops the packet, as does a route to a core that runs nothing (on a
board the router times out on a receive register nobody reads).

Tables do not change during a run, so :class:`Fabric` follows each (source
chip, key) once and remembers where it ends up and what every router on the
way counted.  Each tick then costs one vectorised scatter of all payloads.
"""

from dataclasses import dataclass, field

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


@dataclass
class Trace:
    """Where one packet ends up: the cores it reaches, and per-router counts."""

    cores: list = field(default_factory=list)  # [(x, y, core)]
    counts: dict = field(default_factory=dict)  # (x, y) -> RouterCounts
    links: dict = field(default_factory=dict)  # (x, y, link) -> packets sent over it


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
