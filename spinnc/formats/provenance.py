"""Provenance: what each core and router counted during a run, as the official
tools report it (per core: max cycles in a tick, overruns, packets sent and
received; per router: local and non-local multicast, default routed, dropped)."""

from dataclasses import asdict, dataclass, field


@dataclass
class CoreProvenance:
    x: int
    y: int
    core: int
    name: str
    application: str
    max_cycles: int = 0  # the most cycles any tick took
    overruns: int = 0  # ticks over the machine's cycles per tick
    packets_sent: int = 0
    packets_received: int = 0


@dataclass
class RouterProvenance:
    x: int
    y: int
    local_multicast: int = 0
    non_local_multicast: int = 0
    default_routed: int = 0
    dropped: int = 0


@dataclass
class LinkProvenance:
    """Packets sent out of chip (x, y) over ``link`` (0-5: E, NE, N, W, SW, S)."""

    x: int
    y: int
    link: int
    packets: int = 0


@dataclass
class Provenance:
    """A run's provenance: ticks run so far, cores in Image order, routers
    by chip, the links packets crossed, and the profiled cores' cycles of
    each tick run, ``(x, y, core) -> int64 array`` (the ``profile``
    setting)."""

    ticks: int
    cycles_per_tick: int
    cores: list[CoreProvenance] = field(default_factory=list)
    routers: list[RouterProvenance] = field(default_factory=list)
    links: list[LinkProvenance] = field(default_factory=list)
    profiles: dict = field(default_factory=dict, repr=False)

    @property
    def packets_sent(self) -> int:
        return sum(c.packets_sent for c in self.cores)

    @property
    def dropped(self) -> int:
        return sum(r.dropped for r in self.routers)

    @property
    def overruns(self) -> int:
        return sum(c.overruns for c in self.cores)

    def core(self, x: int, y: int, core: int) -> CoreProvenance:
        return next(c for c in self.cores if (c.x, c.y, c.core) == (x, y, core))

    def router(self, x: int, y: int) -> RouterProvenance:
        return next(r for r in self.routers if (r.x, r.y) == (x, y))

    def to_dict(self) -> dict:
        """Plain JSON-serialisable data (the counters; not the profiles)."""
        return {"ticks": self.ticks, "cycles_per_tick": self.cycles_per_tick,
                **{name: [asdict(item) for item in getattr(self, name)]
                   for name in ("cores", "routers", "links")}}

    def by_board(self, machine) -> list[dict]:
        """The counters summed over each board of ``machine`` (its Ethernet
        chip): cores, the busiest core's cycles, overruns, packets sent and
        received, multicast packets its routers passed and dropped, and the
        packets that left the board over its links."""
        boards = {tuple(chip): {"board": i, "ethernet_chip": list(chip), "cores": 0,
                                "max_cycles": 0, "overruns": 0, "packets_sent": 0,
                                "packets_received": 0, "routed": 0, "dropped": 0,
                                "packets_off_board": 0}
                  for i, chip in enumerate(machine.ethernet_chips)}

        def board(x, y):
            return boards[machine.ethernet_chip(x, y)]

        for c in self.cores:
            b = board(c.x, c.y)
            b["cores"] += 1
            b["max_cycles"] = max(b["max_cycles"], c.max_cycles)
            b["overruns"] += c.overruns
            b["packets_sent"] += c.packets_sent
            b["packets_received"] += c.packets_received
        for r in self.routers:
            b = board(r.x, r.y)
            b["routed"] += r.local_multicast + r.non_local_multicast
            b["dropped"] += r.dropped
        for link in self.links:
            there = machine.neighbour(link.x, link.y, link.link)
            if there is not None and board(*there) is not board(link.x, link.y):
                board(link.x, link.y)["packets_off_board"] += link.packets
        return list(boards.values())

