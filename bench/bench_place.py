"""Benchmark spinnc's placers against rig 2.4.1's on a synthetic graph.

Prints JSON: per placer its run time, wirelength (spinnc's metric for all:
weight x wrap-aware bounding-box half-perimeter) and total hops, and ratios
to rig.  Targets (from the placement issue): spinnc's hilbert >= 10x faster
than rig's Hilbert placer; spinnc's anneal within 1.1x of rig's annealed
wirelength in at most a tenth of its time.

The graph (see :func:`synthetic_graph`): 20,000 vertices on the 48-board
machine (a 48x48 torus, 2,304 chips x 16 application cores); every vertex is
the source of one net with 8 distinct sinks.  A sink is local with
probability 0.9 (an offset in vertex order drawn from a Laplace
distribution of scale 16, i.e. mostly the same or neighbouring populations,
as the partitioner orders a real model's slices) and otherwise any vertex
(long-range connections).  Vertices come in populations of 1-32 slices; net
weights (packets per tick) are 1-8; each vertex needs 0.25-4 MiB of SDRAM,
so cores, not SDRAM, bind (16 x 4 MiB < 117.7 MiB).

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/bench_place.py [--vertices N] [--skip-rig]
"""

import argparse
import json
import random
import time

import numpy as np

from spinnc.machine import Machine
from spinnc.mapper.place import place, total_hops, wirelength
from spinnc.mapper.vertices import Net, Resources, Slice, Vertex

FAN_OUT = 8
LOCAL_PROBABILITY = 0.9
LOCAL_SCALE = 16.0  # vertices; Laplace scale of a local sink's offset
MIB = 1 << 20


def synthetic_graph(n: int, seed: int = 1) -> tuple[list[Vertex], list[Net]]:
    """Vertices in populations and one fan-out-8 net per vertex (see the
    module docstring); the same for the same ``n`` and ``seed``."""
    rng = np.random.default_rng(seed)
    vertices = []
    population = 0
    while len(vertices) < n:
        slices = min(int(rng.integers(1, 33)), n - len(vertices))
        for s in range(slices):
            sdram = int(rng.integers(MIB // 4, 4 * MIB))
            vertices.append(Vertex(
                name=f"pop{population}[{s}]", application="ensemble",
                slices=(Slice(f"pop{population}", 100 * s, 100 * (s + 1)),),
                resources=Resources(cycles=50_000, dtcm=32_768, sdram=sdram)))
        population += 1

    nets = []
    for source in range(n):
        sinks = []
        while len(sinks) < min(FAN_OUT, n - 1):
            if rng.random() < LOCAL_PROBABILITY:
                sink = source + int(round(rng.laplace(0.0, LOCAL_SCALE)))
            else:
                sink = int(rng.integers(n))
            if 0 <= sink < n and sink != source and sink not in sinks:
                sinks.append(sink)
        nets.append(Net(source=source, sinks=np.array(sinks), group=0,
                        size=int(rng.integers(1, 9))))
    return vertices, nets


def _figures(placements, nets, machine, seconds):
    return {"seconds": round(seconds, 4),
            "wirelength": wirelength(placements, nets, machine),
            "total_hops": total_hops(placements, nets, machine)}


def run_rig(vertices, nets, machine, seed):
    """rig's Hilbert placer and its annealer (C kernel), timed on the placer
    calls alone."""
    from spinnc.interop import import_rig, placements_from_rig, rig_problem

    import_rig()
    from rig.place_and_route.place import hilbert as rig_hilbert
    from rig.place_and_route.place import sa as rig_sa
    from rig.place_and_route.place.sa.algorithm import default_kernel

    resources, rig_nets, rig_machine, constraints = rig_problem(vertices, nets, machine)
    results = {}
    start = time.perf_counter()
    chips = rig_hilbert.place(resources, rig_nets, rig_machine, constraints)
    seconds = time.perf_counter() - start
    results["rig_hilbert"] = _figures(placements_from_rig(chips, machine), nets, machine,
                                      seconds)

    start = time.perf_counter()
    chips = rig_sa.place(resources, rig_nets, rig_machine, constraints,
                         random=random.Random(seed))
    seconds = time.perf_counter() - start
    results["rig_anneal"] = _figures(placements_from_rig(chips, machine), nets, machine,
                                     seconds)
    results["rig_anneal"]["kernel"] = default_kernel.__name__
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vertices", type=int, default=20_000)
    parser.add_argument("--skip-rig", action="store_true", help="only spinnc's placers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    machine = Machine.boards(48)
    machine.core_counts  # built once, not charged to the first placer
    vertices, nets = synthetic_graph(args.vertices, args.seed)
    report = {"vertices": len(vertices), "nets": len(nets), "fan_out": FAN_OUT,
              "machine": str(machine), "placers": {}}
    for name in ("hilbert", "anneal"):
        placements = place(vertices, nets, machine, placer=name, seed=args.seed)
        report["placers"][f"spinnc_{name}"] = _figures(placements, nets, machine,
                                                       placements.seconds)
    if not args.skip_rig:
        report["placers"].update(run_rig(vertices, nets, machine, args.seed))
        figures = report["placers"]
        report["speedup_vs_rig_hilbert"] = (
            figures["rig_hilbert"]["seconds"] / figures["spinnc_hilbert"]["seconds"])
        report["wirelength_ratio_vs_rig_anneal"] = (
            figures["spinnc_anneal"]["wirelength"] / figures["rig_anneal"]["wirelength"])
        report["time_ratio_vs_rig_anneal"] = (
            figures["spinnc_anneal"]["seconds"] / figures["rig_anneal"]["seconds"])
        report["targets_met"] = {
            "hilbert_10x_faster": report["speedup_vs_rig_hilbert"] >= 10,
            "anneal_wirelength_within_1.1x": report["wirelength_ratio_vs_rig_anneal"] <= 1.1,
            "anneal_time_at_most_0.1x": report["time_ratio_vs_rig_anneal"] <= 0.1,
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
