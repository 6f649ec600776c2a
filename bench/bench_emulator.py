"""Benchmark the emulator (spinnc.firmware_sim.Emulator) against nengo.

Prints JSON with two parts:

``channel``
    Node -> 1000 LIF -> 1000 LIF communication channel (1-D, sine input,
    synapse 0.01, probe on the second ensemble) for 1 s: the emulator's run
    time (``Emulator(image).run(1000)``, compile excluded) in fixed and float
    precision, against ``nengo.Simulator``'s ``sim.run(1.0)`` (build
    excluded) in the same process.  Target: fixed emulator / nengo <= 1.0.
``board``
    A full SpiNN-5 board of NEF ensembles (>= 100,000 neurons in rings of
    decoded connections; by default 680 ensembles of 150 neurons in 4
    dimensions in rings of 20, which fill 714 of the board's 768 cores: the
    partitioner keeps each core within 40% of its tick's cycles, so about
    150 neurons fit one core) compiled once and
    run (the fastest of ``--repeats`` runs, 3 by default): wall seconds per simulated second (target <= 0.5, issue 17's) beside
    ``nengo.Simulator``'s for the same network in the same process (build
    excluded; ``ratio_to_nengo``), the threads the emulator's ensemble
    kernel used (``SPINNC_THREADS``; two on a machine of two cores), and the
    process's peak resident memory after the emulation (before nengo runs;
    target < 2 GB) in all and per neuron, with the partition, compile seconds
    and the provenance highlights.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/bench_emulator.py [--quick] [--repeats N]
        [--board ENSEMBLES,NEURONS,STEPS] [--dims D1,D2,...]
"""

import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def channel_model(neurons: int, seed: int = 0) -> nengo.Network:
    with nengo.Network(label="channel", seed=seed) as model:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t), label="sine")
        a = nengo.Ensemble(neurons, 1, label="a")
        b = nengo.Ensemble(neurons, 1, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b, synapse=0.01)
        nengo.Probe(b, synapse=0.01, label="b")
    return model


def best_of(repeats: int, function) -> float:
    """The fastest of ``repeats`` timed calls of ``function()`` (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_channel(neurons: int, steps: int, repeats: int) -> dict:
    model = channel_model(neurons)
    start = time.perf_counter()
    compilation = compile_network(model, Machine.spinn5(), n_steps=steps, seed=0,
                                  placer="hilbert")
    compile_s = time.perf_counter() - start
    image = compilation.image

    def nengo_run():
        with nengo.Simulator(model, seed=0, progress_bar=False) as sim:
            start = time.perf_counter()
            sim.run(steps * 0.001)
            return time.perf_counter() - start

    nengo_s = min(nengo_run() for _ in range(repeats))
    fixed_s = best_of(repeats, lambda: Emulator(image).run(steps))
    float_s = best_of(repeats, lambda: Emulator(image, precision="float").run(steps))
    load_s = best_of(repeats, lambda: Emulator(image))  # included in the two above
    fixed_run = fixed_s - load_s
    float_run = float_s - best_of(repeats, lambda: Emulator(image, precision="float"))
    return {
        "neurons_per_ensemble": neurons, "steps": steps, "repeats": repeats,
        "compile_s": round(compile_s, 3),
        "nengo_run_s": round(nengo_s, 4),
        "emulator_load_s": round(load_s, 4),
        "emulator_fixed_run_s": round(fixed_run, 4),
        "emulator_float_run_s": round(float_run, 4),
        "ratio_fixed_to_nengo": round(fixed_run / nengo_s, 3),
        "ratio_float_to_nengo": round(float_run / nengo_s, 3),
        "target_ratio": 1.0,
        "meets_target": fixed_run / nengo_s <= 1.0,
    }


#: Rings whose first ensemble is probed (recorded on its cores, as written a recorder
#: core took a limited number of packets).
PROBED_RINGS = 8


def board_model(n_ensembles: int, neurons: int, ring: int, dims=(1, 2, 3, 4),
                seed: int = 0) -> nengo.Network:
    """``n_ensembles`` ensembles of ``neurons`` neurons and ``dims``
    dimensions (cycling through the list) in rings of ``ring``: each ring has a sine input into its first ensemble,
    every ensemble feeds the next one of its ring (decoded, the shared
    dimensions), and the first ensemble of each of the first
    ``PROBED_RINGS`` rings is probed."""
    with nengo.Network(label="board", seed=seed) as model:
        ensembles = [nengo.Ensemble(neurons, dims[i % len(dims)], label=f"e{i}")
                     for i in range(n_ensembles)]
        for first in range(0, n_ensembles, ring):
            members = ensembles[first:first + ring]
            stim = nengo.Node(lambda t, k=first: np.sin(2 * np.pi * t + k), label=f"in{first}")
            nengo.Connection(stim, members[0][0])
            for a, b in zip(members, members[1:] + members[:1]):
                if a is b:
                    continue
                k = min(a.dimensions, b.dimensions)
                nengo.Connection(a[:k], b[:k], synapse=0.005, transform=0.9)
            if first < PROBED_RINGS * ring:
                nengo.Probe(members[0], synapse=0.01, label=f"p{first}")
    return model


def bench_board(n_ensembles: int, neurons: int, steps: int, ring: int = 10,
                dims=(1, 2, 3, 4), repeats: int = 1) -> dict:
    model = board_model(n_ensembles, neurons, ring, dims)
    start = time.perf_counter()
    compilation = compile_network(model, Machine.spinn5(), n_steps=steps, seed=0,
                                  placer="hilbert")
    compile_s = time.perf_counter() - start
    image = compilation.image
    runs, emulator = [], None
    for _ in range(repeats):  # the fastest run, each on a fresh emulator (as the channel's)
        emulator = None  # freed first: the peak memory is one emulator's
        start = time.perf_counter()
        emulator = Emulator(image)
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        emulator.run(steps)
        runs.append(time.perf_counter() - start)
    run_s = min(runs)
    peak = peak_rss_mb()  # the emulator's, before nengo's build adds its own
    threads = 1 if emulator.ensembles is None else emulator.ensembles.threads
    prov = emulator.provenance()
    with nengo.Simulator(model, seed=0, progress_bar=False) as sim:
        start = time.perf_counter()
        sim.run_steps(steps)
        nengo_s = time.perf_counter() - start
    ensemble_cores = [c for c in prov.cores if c.application == "ensemble"]
    busiest = max(prov.cores, key=lambda c: c.max_cycles)
    wall_per_sim_s = run_s / (steps * image.dt)
    return {
        "ensembles": n_ensembles, "neurons_per_ensemble": neurons,
        "neurons": n_ensembles * neurons, "dimensions": list(dims), "ring": ring,
        "steps": steps, "repeats": repeats,
        "partition": {"cores": len(image.cores), "ensemble_cores": len(ensemble_cores),
                      "chips": len({(c.x, c.y) for c in image.cores})},
        "compile_s": round(compile_s, 2),
        "compile_stages_s": {k: round(v, 2) for k, v in compilation.seconds.items()},
        "emulator_load_s": round(load_s, 2),
        "run_s": round(run_s, 2),
        "kernel_threads": threads,
        "wall_s_per_simulated_s": round(wall_per_sim_s, 2),
        "target_wall_s_per_simulated_s": 0.5,
        "nengo_run_s": round(nengo_s, 2),
        "nengo_wall_s_per_simulated_s": round(nengo_s / (steps * image.dt), 2),
        "ratio_to_nengo": round(run_s / nengo_s, 3),
        "peak_rss_mb": round(peak, 1),
        "peak_rss_bytes_per_neuron": round(peak * 2**20 / (n_ensembles * neurons)),
        "target_peak_rss_mb": 2048,
        "meets_targets": wall_per_sim_s <= 0.5 and peak < 2048,
        "provenance": {
            "max_cycles_per_tick": busiest.max_cycles,
            "busiest_core": f"{busiest.name} at ({busiest.x}, {busiest.y}, {busiest.core})",
            "cycles_per_tick": prov.cycles_per_tick,
            "overruns": prov.overruns,
            "packets_sent": prov.packets_sent,
            "packets_dropped": prov.dropped,
            "links_used": len(prov.links),
        },
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs of the channel (best is kept)")
    parser.add_argument("--skip-board", action="store_true")
    parser.add_argument("--board", default=None, metavar="ENSEMBLES,NEURONS,STEPS",
                        help="the board's size (default 680,150,1000: 102,000 neurons "
                             "on 714 cores)")
    parser.add_argument("--dims", default=None,
                        help="the board's ensemble dimensions, cycled (default 4; "
                             "1,2,3,4 with --quick)")
    parser.add_argument("--skip-channel", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        channel = {"neurons": 200, "steps": 200, "repeats": args.repeats or 1}
        board = {"n_ensembles": 40, "neurons": 100, "steps": 50, "repeats": args.repeats or 1}
    else:
        channel = {"neurons": 1000, "steps": 1000, "repeats": args.repeats or 3}
        # 714 of the 768 cores (680 ensemble cores, 34 ring inputs): 102,000 neurons.
        board = {"n_ensembles": 680, "neurons": 150, "steps": 1000, "dims": (4,), "ring": 20,
                 "repeats": args.repeats or 3}
    if args.board:
        board.update(zip(("n_ensembles", "neurons", "steps"), map(int, args.board.split(","))))
    if args.dims:
        board["dims"] = tuple(int(d) for d in args.dims.split(","))
    out = {"python": sys.version.split()[0], "numpy": np.__version__,
           "nengo": nengo.__version__,
           "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    if not args.skip_channel:
        out["channel"] = bench_channel(**channel)
    if not args.skip_board:
        out["board"] = bench_board(**board)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
