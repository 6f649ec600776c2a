"""The mapping in the JSON files SpiNNaker's official tools write.

PACMAN (the official tools' place and route) and its users' scripts read
three files, each in a JSON schema of PACMAN's
(``pacman/utilities/file_format_schemas``):

``machine.json``
    ``width``, ``height``, ``root`` (the boot chip), ``ethernetResources`` and
    ``standardResources`` (monitors, router entries, SDRAM and IP tags of an
    Ethernet and of any other chip) and ``chips``: ``[x, y, {cores,
    ethernet, ipAddress, deadLinks}]`` for each working chip (dead chips are
    left out; ``cores`` counts the monitor).
``placements.json``
    ``[{vertex_label, x, y, p}]``: each vertex's core.
``routing_tables.json``
    ``[{x, y, entries: [{key, mask, defaultable, spinnaker_route}]}]``: each
    chip's table as generated, before minimisation (the input the official
    tools hand their table compressors; ``spinnc tables minimise`` reads it).
"""

import json
from pathlib import Path

from ..compiler import Compilation
from ..machine import Link, Machine
from ..router.files import pacman_tables

#: IP tags of an Ethernet chip that a mapping may use: [C] the official tools
#: offer tags 1 to 7 (SpiNNMachine, spinn_machine/chip.py); other chips have none.
ETHERNET_TAGS = list(range(1, 8))


def pacman_machine(machine: Machine) -> dict:
    """``machine`` in PACMAN's machine.json schema."""
    def resources(tags):
        return {"monitors": 1, "routerEntries": machine.router_entries,
                "sdram": machine.sdram_bytes, "tags": tags}

    ethernet = set(machine.ethernet_chips)
    chips = []
    for x, y in machine.working_chips:
        details = {"cores": len(machine.cores(x, y)) + 1,
                   "ethernet": list(machine.ethernet_chip(x, y))}
        if (x, y) in ethernet:
            # spinnc knows a board's address only when it talks to it.
            details["ipAddress"] = "0.0.0.0"
        dead = [int(link) for link in Link if machine.neighbour(x, y, link) is None]
        if dead:
            details["deadLinks"] = dead
        chips.append([x, y, details])
    return {"width": machine.width, "height": machine.height,
            "root": list(machine.ethernet_chips[0]),
            "ethernetResources": resources(ETHERNET_TAGS),
            "standardResources": resources([]), "chips": chips}


def pacman_placements(compiled: Compilation) -> list[dict]:
    """Each vertex's core, in PACMAN's placements.json schema."""
    placements = compiled.placements
    out = []
    for i, vertex in enumerate(compiled.partition.vertices):
        x, y, core = placements.location(i)
        out.append({"vertex_label": vertex.name, "x": int(x), "y": int(y), "p": int(core)})
    return out


def write_pacman_files(compiled: Compilation, directory) -> list[Path]:
    """Write machine.json, placements.json and routing_tables.json into
    ``directory``; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {"machine.json": pacman_machine(compiled.image.machine),
             "placements.json": pacman_placements(compiled),
             "routing_tables.json": pacman_tables(dict(sorted(compiled.tables.items())))}
    paths = []
    for name, content in files.items():
        path = directory / name
        path.write_text(json.dumps(content, indent=1))
        paths.append(path)
    return paths
