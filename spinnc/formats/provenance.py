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
    by chip, and the links packets crossed."""

    ticks: int
    cycles_per_tick: int
    cores: list[CoreProvenance] = field(default_factory=list)
    routers: list[RouterProvenance] = field(default_factory=list)
    links: list[LinkProvenance] = field(default_factory=list)

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
        """Plain JSON-serialisable data."""
        return asdict(self)
