"""What the mapper's stages pass along: vertices (one per core), nets and placements."""

from dataclasses import dataclass, field

import numpy as np

@dataclass(frozen=True)
class Resources:
    """What one core's application uses."""

    cycles: int  # CPU cycles per tick
    dtcm: int  # bytes of DTCM
    sdram: int  # bytes of SDRAM (region data and recordings)


@dataclass(frozen=True)
class Slice:
    """Rows ``lo:hi`` of a Graph object (neurons of a population, dimensions
    of an input or probe)."""

    obj: str
    lo: int
    hi: int

    @property
    def size(self) -> int:
        return self.hi - self.lo


@dataclass
class Vertex:
    """One core's worth of the model."""

    name: str
    application: str  # ensemble, value_source, host_in or host_out
    slices: tuple[Slice, ...]
    resources: Resources
    neurons: int = 0
    input_dims: int = 0
    output_dims: int = 0
    #: the block (lo, hi) of its population's input it filters, when the
    #: cores of a cluster share their input (spinnc.mapper.clusters)
    input_block: tuple[int, int] | None = None
    cluster: int = -1  # which cluster: its cores are placed on one chip
    cluster_index: int = -1  # which core of its cluster
    #: the chip (x, y) its objects' ``chip`` setting asks for (spinnc.config), or None
    chip: tuple[int, int] | None = None
    #: whether it records its cycles in each tick (its objects' ``profile`` setting)
    profile: bool = False


@dataclass
class Net:
    """Multicast traffic from one source vertex to its sink vertices.

    A net is one outgoing connection group of its source: ``group`` numbers
    them per source, ``size`` is the packets per tick (dimensions) it sends.
    ``pre`` is the Graph object whose group it is (a shared core holds
    several) and ``connections`` names the Graph connections it carries.
    ``rows`` are the group's rows it sends, when its source core holds
    neurons of only some of them (the rows of another core's neurons, a
    connection out of a population's neurons); None: every row.
    """

    source: int
    sinks: np.ndarray
    group: int
    size: int
    connections: tuple[str, ...] = ()
    pre: str = ""
    rows: np.ndarray | None = None

    def rows_of(self, indices: np.ndarray) -> np.ndarray:
        """``indices`` (one per row of its group) of the rows it sends."""
        return indices if self.rows is None else indices[self.rows]

    @property
    def weight(self) -> float:
        """Packets per tick, the placers' cost weight."""
        return float(self.size)


@dataclass
class Placements:
    """Where each vertex runs: chip (x, y) and application core, by vertex index."""

    x: np.ndarray
    y: np.ndarray
    core: np.ndarray
    placer: str = ""
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)

    def chip(self, vertex: int) -> tuple[int, int]:
        return int(self.x[vertex]), int(self.y[vertex])

    def location(self, vertex: int) -> tuple[int, int, int]:
        return int(self.x[vertex]), int(self.y[vertex]), int(self.core[vertex])
