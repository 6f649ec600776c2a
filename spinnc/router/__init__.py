"""Router: multicast trees over the machine's links, per-chip routing tables,
minimisation to the 1023 usable entries, and verification."""

from .verify import RoutingError, check
from .equivalence import check_equivalent
from .files import read_tables, write_tables
from .generate import routing_tables
from .ordered_covering import minimise, minimise_chip, minimise_tables
from .trees import Routes, UnroutableNet, route
from .table import ENTRY, is_default_routable

__all__ = [
    "route", "Routes", "UnroutableNet", "routing_tables", "minimise", "minimise_chip",
    "minimise_tables",
    "check", "RoutingError", "check_equivalent", "read_tables", "write_tables", "ENTRY",
    "is_default_routable",
]
