"""The mapping report: how a model was partitioned, placed, keyed and routed.

``mapping.json`` holds::

    quantisation: [{owner, parameter, format, count, max_error, rms_error, saturated}]
    vertices:     [{vertex, name, application, slices [[object, lo, hi]], neurons,
                    input_dims, input_block ([lo, hi] of a shared input, or null),
                    cluster (-1: none), output_dims, cycles, dtcm, sdram, x, y, core}]
    nets:         [{net, source, pre, group, size, key, mask, sinks}]
    routing:      [{x, y, entries, default_routable, minimised}]
    learning:     [{rule, type, learns, population, rows, values,
                    cores [{vertex, neurons, cycles}]}]
    seconds:      {stage: seconds}

``mapping.txt`` shows the same as tables; machine.json, placements.json and
routing_tables.json hold the machine, placements and tables in the official
tools' (PACMAN's) schemas (:mod:`spinnc.report.pacman`).  After a run,
``provenance.json`` and ``provenance.txt`` hold the emulator's (or the
board's) per core and per router counters, and their sums per board
(``boards``: cores, max cycles, overruns, packets sent, received, routed,
dropped, and sent off the board over its links).
"""

import json
from pathlib import Path

import numpy as np

from .. import costs, neurons
from ..compiler import Compilation
from ..mapper import placement_summary
from ..router import is_default_routable
from ..table import format_table
from .pacman import write_pacman_files


def mapping_report(compiled: Compilation) -> dict:
    """The mapping of a compiled model as plain data (JSON-serialisable)."""
    placements, keys = compiled.placements, compiled.keys
    vertices = [{"vertex": i, "name": v.name, "application": v.application,
                 "slices": [[s.obj, s.lo, s.hi] for s in v.slices], "neurons": v.neurons,
                 "input_dims": v.input_dims,
                 "input_block": list(v.input_block) if v.input_block is not None else None,
                 "cluster": v.cluster, "output_dims": v.output_dims,
                 "cycles": v.resources.cycles, "dtcm": v.resources.dtcm,
                 "sdram": v.resources.sdram,
                 **dict(zip(("x", "y", "core"), placements.location(i)))}
                for i, v in enumerate(compiled.partition.vertices)]
    nets = [{"net": i, "source": net.source, "pre": net.pre, "group": net.group,
             "size": net.size, "key": int(keys.keys[i]), "mask": int(keys.masks[i]),
             "sinks": [int(s) for s in net.sinks]}
            for i, net in enumerate(compiled.partition.nets)]
    routing = [{"x": x, "y": y, "entries": len(table),
                "default_routable": int(is_default_routable(table).sum()),
                "minimised": len(compiled.image.tables[x, y])}
               for (x, y), table in sorted(compiled.tables.items())]
    return {"quantisation": compiled.quantisation.to_dict(), "vertices": vertices,
            "nets": nets, "routing": routing, "learning": learning_report(compiled),
            "seconds": {k: round(v, 4) for k, v in compiled.seconds.items()}}


def learning_report(compiled: Compilation) -> list[dict]:
    """Each learning rule: what it learns, on which cores, and the cycles a
    tick its learning plans on each (costs.learning_cycles)."""
    graph, partition = compiled.fixed_graph, compiled.partition
    rules = {}
    for c in graph.connections:
        if c.learned is not None and c.learned.rule_name not in rules:
            rules[c.learned.rule_name] = (c.pre, "weights", c.learned.weights.shape[0])
    for name, pop in graph.populations.items():
        for r in pop.encoder_learning:
            rules[r.rule_name] = (name, "encoders", r.dims)
    out = []
    for name, (pop, learns, rows) in rules.items():
        cores = []
        for v in partition.vertices_of[pop]:
            s = next(s for s in partition.vertices[v].slices if s.obj == pop)
            model = neurons.model_named(graph.populations[pop].model)
            cores.append({"vertex": v, "neurons": s.size,
                          "cycles": int(costs.learning_cycles(s.size, rows, 1, model=model))})
        rule = next((r for r in _rule_types(graph) if r[0] == name), None)
        out.append({"rule": name, "type": rule[1] if rule else "", "learns": learns,
                    "population": pop, "rows": rows,
                    "values": rows * graph.populations[pop].n_neurons, "cores": cores})
    return out


def _rule_types(graph):
    """(rule name, nengo rule type's name) of the Graph's learning rules."""
    for c in graph.connections:
        if c.learned is not None:
            yield c.learned.rule_name, type(c.learned.rule.learning_rule_type).__name__
    for pop in graph.populations.values():
        for r in pop.encoder_learning:
            yield r.rule_name, type(r.rule.learning_rule_type).__name__


def mapping_text(compiled: Compilation, report: dict) -> str:
    """The mapping report as text tables."""
    nets = format_table(
        ("net", "from vertex", "of", "group", "dims", "key", "mask", "to vertices"),
        [(n["net"], n["source"], n["pre"], n["group"], n["size"], f"{n['key']:#010x}",
          f"{n['mask']:#010x}", " ".join(map(str, n["sinks"]))) for n in report["nets"]],
        "Keys per net")
    learning = format_table(
        ("rule", "type", "learns", "of", "rows", "values", "cores (vertex: cycles a tick)"),
        [(r["rule"], r["type"], r["learns"], r["population"], r["rows"], r["values"],
          " ".join(f"{c['vertex']}: {c['cycles']:,}" for c in r["cores"]))
         for r in report["learning"]], "Learning on the cores")
    return "\n\n".join([
        compiled.graph.summary(), "Quantisation\n" + str(compiled.quantisation),
        compiled.partition.summary(),
        placement_summary(compiled.partition.vertices, compiled.placements), nets,
        routing_table(report["routing"])] + ([learning] if report["learning"] else []))


def routing_table(routing: list) -> str:
    """Each chip's routing-table size, as generated and after minimisation."""
    return format_table(
        ("chip", "entries", "default-routable", "after minimisation", "compression"),
        [(f"({r['x']}, {r['y']})", r["entries"], r["default_routable"], r["minimised"],
          f"{r['minimised'] / r['entries']:.0%}") for r in routing],
        f"Routing tables ({len(routing)} chips; every net checked)")


def provenance_text(provenance, machine=None) -> str:
    """Per core cycles, overruns and packets; per router counters; per board
    sums when ``machine`` has more than one board."""
    return _provenance_text(provenance, provenance.by_board(machine) if machine else None)


def _provenance_text(provenance, boards: list | None) -> str:
    """:func:`provenance_text` with the per board sums (``Provenance.by_board``)."""
    cores = format_table(
        ("chip", "core", "name", "max cycles", "overruns", "sent", "received"),
        [(f"({c.x}, {c.y})", c.core, c.name, c.max_cycles, c.overruns, c.packets_sent,
          c.packets_received) for c in provenance.cores],
        f"Cores ({provenance.ticks} ticks of {provenance.cycles_per_tick:,} cycles)")
    routers = format_table(
        ("chip", "local", "non-local", "default-routed", "dropped"),
        [(f"({r.x}, {r.y})", r.local_multicast, r.non_local_multicast, r.default_routed,
          r.dropped) for r in provenance.routers], "Routers (multicast packets)")
    if provenance.profiles:
        rows = profile_summary(provenance)
        routers += "\n\n" + format_table(
            ("chip", "core", "name", "mean cycles", "p99 cycles", "max cycles", "of a tick"),
            [(f"({r['x']}, {r['y']})", r["core"], r["name"], f"{r['mean']:.0f}", r["p99"],
              r["max"], f"{r['max'] / provenance.cycles_per_tick:.0%}") for r in rows],
            "Profiled cores (cycles in each tick; profile.csv has every tick)")
    if boards is None or len(boards) == 1:
        return f"{cores}\n\n{routers}"
    table = format_table(
        ("board", "Ethernet chip", "cores", "max cycles", "overruns", "sent", "received",
         "routed", "dropped", "off the board"),
        [(b["board"], "({}, {})".format(*b["ethernet_chip"]), b["cores"], b["max_cycles"],
          b["overruns"], b["packets_sent"], b["packets_received"], b["routed"], b["dropped"],
          b["packets_off_board"]) for b in boards],
        "Boards (sums over each board's cores and routers)")
    return f"{table}\n\n{cores}\n\n{routers}"


def profile_summary(provenance) -> list[dict]:
    """Per profiled core (the ``profile`` setting): where it is, its name,
    and the mean, 99th percentile and most of its cycles in a tick."""
    names = {(c.x, c.y, c.core): c.name for c in provenance.cores}
    return [{"x": x, "y": y, "core": core, "name": names[x, y, core], "ticks": len(cycles),
             "mean": float(cycles.mean()) if len(cycles) else 0.0,
             "p99": int(np.percentile(cycles, 99, method="higher")) if len(cycles) else 0,
             "max": int(cycles.max()) if len(cycles) else 0}
            for (x, y, core), cycles in provenance.profiles.items()]


def write_provenance_report(provenance, directory, machine=None) -> Path:
    """Write provenance.json and provenance.txt into ``directory`` (with each
    board's sums, ``boards``, when ``machine`` is given), and profile.csv
    (each profiled core's cycles in each tick) when cores were profiled."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = provenance.to_dict()
    boards = None if machine is None else provenance.by_board(machine)
    if boards is not None:
        data["boards"] = boards
    if provenance.profiles:
        data["profiles"] = profile_summary(provenance)
        where = list(provenance.profiles)
        columns = np.column_stack([provenance.profiles[w] for w in where])
        header = "tick," + ",".join(f"x{x}y{y}c{core}" for x, y, core in where)
        rows = np.column_stack([np.arange(len(columns)), columns])
        np.savetxt(directory / "profile.csv", rows, fmt="%d", delimiter=",", header=header,
                   comments="")
    (directory / "provenance.json").write_text(json.dumps(data, indent=1))
    (directory / "provenance.txt").write_text(_provenance_text(provenance, boards) + "\n")
    return directory


def write_mapping_report(compiled: Compilation, directory) -> Path:
    """Write mapping.json, mapping.txt and the PACMAN files into ``directory``
    (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    report = mapping_report(compiled)
    (directory / "mapping.json").write_text(json.dumps(report, indent=1))
    (directory / "mapping.txt").write_text(mapping_text(compiled, report) + "\n")
    write_pacman_files(compiled, directory)
    return directory
