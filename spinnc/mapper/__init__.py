"""Mapper: partition the fixed-point Graph into per-core vertices, place them on
(x, y, core), allocate multicast keys and write each core's region data."""

from .keys import KeyAllocation, allocate_keys, check_keys
from .partition import Partition, partition
from .place import PLACERS, place, total_hops, wirelength
from .regions import region_data
from .summary import placement_summary
from .vertices import Net, Placements, Resources, Slice, Vertex

__all__ = [
    "partition", "Partition", "place", "PLACERS", "wirelength", "total_hops",
    "allocate_keys", "check_keys", "KeyAllocation", "region_data",
    "placement_summary", "Vertex", "Net", "Placements", "Resources", "Slice",
]
