"""Placement as readable tables: by core and by chip."""

from collections import defaultdict

from ..table import format_table
from .vertices import Placements, Vertex


def placement_summary(vertices: list[Vertex], placements: Placements) -> str:
    """Each vertex's (x, y, core), then each used chip's cores and vertices."""
    rows = [(i, v.name, v.application, *placements.location(i)) for i, v in enumerate(vertices)]
    columns = ("vertex", "name", "application", "x", "y", "core")
    title = f"Placement ({placements.placer}, {placements.seconds * 1e3:.1f} ms)"
    if "hinted" in placements.stats:  # the chip each one's placement hint asked for
        rows = [(*row, "" if v.chip is None else f"({v.chip[0]}, {v.chip[1]})")
                for row, v in zip(rows, vertices)]
        columns += ("hint",)
        title += (f"; {placements.stats['on_hinted_chip']} of {placements.stats['hinted']} "
                  "hinted cores on their chip")
    by_core = format_table(columns, rows, title)
    chips = defaultdict(list)
    for i in range(len(vertices)):
        chips[placements.chip(i)].append(i)
    by_chip = format_table(
        ("chip", "cores used", "vertices"),
        [(f"({x}, {y})", len(vs), " ".join(str(v) for v in vs))
         for (x, y), vs in sorted(chips.items())],
        f"{len(chips)} chips used")
    return f"{by_core}\n\n{by_chip}"
