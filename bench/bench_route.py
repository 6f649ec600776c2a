"""Routing benchmark: the 20,000-vertex, 48-board graph of bench_place, routed,
tabled and minimised by spinnc and (with the interop extra) by rig 2.4.1.

Both route the same placement (spinnc's Hilbert placer) and the same keys.
spinnc: NER trees (``spinnc.router.trees``), table generation, minimisation
to 1023 entries (default-route removal, then ordered covering where a table
is still too large).  rig: NER, ``routing_tree_to_tables``, then
``minimise_table`` with default-route removal and ordered covering, as
nengo_spinnaker ran it.  spinnc's verification (following every net's
packets through the minimised tables) is timed separately: rig has none.

Prints JSON: seconds per stage, total and max entries, tables over 1023, and
ratios to rig.
"""

import argparse
import json
import time

import numpy as np

from bench_place import synthetic_graph
from spinnc.machine import Machine
from spinnc.mapper import allocate_keys, check_keys, place
from spinnc.router.verify import check
from spinnc.router.generate import routing_tables
from spinnc.router.ordered_covering import minimise
from spinnc.router.trees import route

LIMIT = 1023


def table_stats(sizes) -> dict:
    sizes = np.asarray(list(sizes))
    return {"tables": int(len(sizes)), "total_entries": int(sizes.sum()),
            "mean_entries": float(sizes.mean()), "max_entries": int(sizes.max()),
            "tables_over_1023": int((sizes > LIMIT).sum())}


def run_spinnc(nets, placements, keys, machine, verify: bool) -> dict:
    stages = {}
    start = time.perf_counter()
    trees = route(nets, placements, machine)
    stages["route"] = time.perf_counter() - start
    start = time.perf_counter()
    tables = routing_tables(trees, keys)
    stages["tables"] = time.perf_counter() - start
    start = time.perf_counter()
    minimised = {chip: minimise(table, target=LIMIT) for chip, table in tables.items()}
    stages["minimise"] = time.perf_counter() - start
    result = {"seconds": {k: round(v, 3) for k, v in stages.items()},
              "end_to_end_seconds": round(sum(stages.values()), 3),
              "generated": table_stats(len(t) for t in tables.values()),
              "minimised": table_stats(len(t) for t in minimised.values())}
    if verify:
        start = time.perf_counter()
        check(nets, placements, keys, minimised, machine)
        result["check_seconds"] = round(time.perf_counter() - start, 3)
    return result


def run_rig(vertices, nets, placements, keys, machine) -> dict:
    from spinnc.interop import import_rig, rig_problem

    import_rig()
    from rig.place_and_route import Cores
    from rig.place_and_route.route.ner import route as ner_route
    from rig.routing_table import (minimise_table, ordered_covering, remove_default_routes,
                                   routing_tree_to_tables)

    resources, rig_nets, rig_machine, constraints = rig_problem(vertices, nets, machine)
    rig_placements = {i: placements.chip(i) for i in range(len(vertices))}
    allocations = {i: {Cores: slice(int(c), int(c) + 1)} for i, c in enumerate(placements.core)}
    net_keys = {rig_net: (int(keys.keys[i]), int(keys.masks[i]))
                for i, rig_net in enumerate(rig_nets)}
    stages = {}
    start = time.perf_counter()
    routes = ner_route(resources, rig_nets, rig_machine, constraints, rig_placements,
                       allocations, Cores)
    stages["route"] = time.perf_counter() - start
    start = time.perf_counter()
    tables = routing_tree_to_tables(routes, net_keys)
    stages["tables"] = time.perf_counter() - start
    start = time.perf_counter()
    methods = (remove_default_routes.minimise, ordered_covering.minimise)
    minimised = {chip: minimise_table(table, LIMIT, methods) for chip, table in tables.items()}
    stages["minimise"] = time.perf_counter() - start
    return {"seconds": {k: round(v, 3) for k, v in stages.items()},
            "end_to_end_seconds": round(sum(stages.values()), 3),
            "generated": table_stats(len(t) for t in tables.values()),
            "minimised": table_stats(len(t) for t in minimised.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vertices", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-rig", action="store_true")
    parser.add_argument("--skip-check", action="store_true")
    args = parser.parse_args()

    machine = Machine.boards(48)
    vertices, nets = synthetic_graph(args.vertices, args.seed)
    placements = place(vertices, nets, machine, placer="hilbert")
    keys = allocate_keys(nets, placements)
    check_keys(keys)
    report = {"vertices": len(vertices), "nets": len(nets), "machine": str(machine),
              "placer": "hilbert",
              "spinnc": run_spinnc(nets, placements, keys, machine, not args.skip_check)}
    if not args.skip_rig:
        try:
            report["rig"] = run_rig(vertices, nets, placements, keys, machine)
        except ImportError as error:
            report["rig"] = f"skipped: {error}"
    rig = report.get("rig")
    if isinstance(rig, dict):
        ours = report["spinnc"]
        report["speedup_vs_rig_end_to_end"] = rig["end_to_end_seconds"] / ours["end_to_end_seconds"]
        report["speedup_vs_rig_per_stage"] = {
            stage: rig["seconds"][stage] / max(ours["seconds"][stage], 1e-9)
            for stage in ours["seconds"]}
        report["entries_ratio_vs_rig"] = (ours["minimised"]["total_entries"]
                                          / rig["minimised"]["total_entries"])
        report["targets_met"] = {
            "end_to_end_10x_faster": report["speedup_vs_rig_end_to_end"] >= 10,
            "no_more_entries": report["entries_ratio_vs_rig"] <= 1.0,
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
