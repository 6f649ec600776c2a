"""Region data: each vertex's regions, written by its application
(:mod:`spinnc.apps`) from the fixed-point Graph, the partition and the keys,
in the format of :mod:`spinnc.regions`."""

from .. import apps
from ..frontend.graph import Graph
from ..regions import Region, pack_regions
from .keys import KeyAllocation
from .partition import Partition
from .vertices import Placements


def region_data(graph: Graph, partition: Partition, keys: KeyAllocation,
                n_steps: int, placements: Placements | None = None) -> list[bytes]:
    """The region data of every vertex, by vertex index (``placements``: where
    each is, for cores that find each other on their chip)."""
    context = Context(graph, partition, keys, n_steps, placements)
    return [pack_regions({**apps.application(v.application).write(context, i, v),
                          **_profile(v, n_steps)})
            for i, v in enumerate(partition.vertices)]


def _profile(vertex, n_steps: int) -> dict:
    """A profiled vertex's PROFILE region: it records the cycles of each of
    its ``n_steps`` ticks (any application: its runtime does it)."""
    if not vertex.profile:
        return {}
    return {Region.PROFILE: Region.layout(Region.PROFILE).pack({"ticks": n_steps})}


class Context:
    """What the applications' writers read, with the nets indexed by source and by sink."""

    def __init__(self, graph: Graph, partition: Partition, keys: KeyAllocation, n_steps: int,
                 placements: Placements | None = None):
        self.graph, self.partition, self.keys, self.n_steps = graph, partition, keys, n_steps
        self.placements = placements
        self.connections = {c.name: c for c in graph.connections}
        self._from = [[] for _ in partition.vertices]
        self._into = [[] for _ in partition.vertices]
        for i, net in enumerate(partition.nets):
            self._from[net.source].append((i, net))
            for sink in net.sinks:
                self._into[sink].append((i, net))

    def nets_from(self, vertex: int):
        """(net index, net) of the nets the vertex sends."""
        return self._from[vertex]

    def nets_into(self, vertex: int):
        """(net index, net) of the nets the vertex receives."""
        return self._into[vertex]
