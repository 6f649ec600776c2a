"""Spaun-sized models mapped onto machines of many boards: seconds per
compiler stage and peak memory, beside nengo's own build of the same network.

Each model is a cortex of ``modules`` of 16 dimensions, every other one a
``nengo.networks.EnsembleArray(50, 16)`` and a ``nengo_spa.State(16)``
(800 neurons each), wired as Spaun's are: every module feeds ``FAN_OUT``
others through a random 16x16 transform, and a vision-like input node drives
the first module.  The machine is ``Machine.boards(n)`` with ``n`` the
smallest tiling of triads whose cores hold the model twice over (at most
1,200 boards, 240x240 chips).

Every size runs in a subprocess of its own, so that each peak resident
memory (``ru_maxrss``) is that model's alone; nengo's build
(``nengo.builder.Model`` + ``Builder.build``, no simulation) runs in another,
with a limit of ``--nengo-limit`` seconds.  ``--emulate S`` also emulates
each model for S simulated seconds on the Python engine (one process) and
reports wall seconds per simulated second.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/scale.py [--sizes 10000 100000 ...]
        [--emulate 0.01] [--nengo-limit 900] [--boards 1200] [--skip-nengo]
"""

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

DIMENSIONS, NEURONS_PER_DIM, FAN_OUT = 16, 50, 3
MODULE_NEURONS = DIMENSIONS * NEURONS_PER_DIM
SIZES = (10_000, 100_000, 1_000_000, 2_500_000)


def cortex(neurons: int, seed: int = 0):
    """A network of about ``neurons`` neurons in 16-D modules with Spaun-like fan-out."""
    import nengo
    import nengo_spa as spa
    import numpy as np

    rng = np.random.RandomState(seed)
    modules = max(2, round(neurons / MODULE_NEURONS))
    with nengo.Network(seed=seed) as net:
        vision = nengo.Node(lambda t: np.sin(t * np.arange(1, DIMENSIONS + 1)), label="vision")
        blocks = []
        for i in range(modules):
            if i % 2:
                block = spa.State(DIMENSIONS, subdimensions=DIMENSIONS,
                                  neurons_per_dimension=NEURONS_PER_DIM, label=f"state{i}")
            else:
                block = nengo.networks.EnsembleArray(NEURONS_PER_DIM, DIMENSIONS,
                                                     label=f"array{i}")
            blocks.append(block)
        nengo.Connection(vision, blocks[0].input)
        for i, block in enumerate(blocks):
            for j in rng.choice(modules, size=min(FAN_OUT, modules - 1), replace=False):
                if j != i:
                    transform = rng.normal(0, 0.3 / math.sqrt(DIMENSIONS),
                                           (DIMENSIONS, DIMENSIONS))
                    nengo.Connection(block.output, blocks[j].input, transform=transform)
        nengo.Probe(blocks[-1].output, synapse=0.01)
    return net


def machine_for(neurons: int, boards: int | None = None):
    """``boards`` boards, or the smallest triad tiling with twice the cores the
    model's neurons need at 100 neurons a core, capped at 1,200 boards."""
    from spinnc.machine import Machine

    if boards is None:
        per_board = Machine.spinn5().n_cores
        boards = min(1200, max(3, 3 * math.ceil(2 * neurons / 100 / per_board / 3)))
    return Machine.boards(boards)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_spinnc(neurons: int, emulate: float, boards: int | None = None) -> dict:
    from spinnc.compiler import compile_network
    from spinnc.firmware_sim import Emulator

    start = time.perf_counter()
    net = cortex(neurons)
    made = time.perf_counter() - start
    machine = machine_for(neurons, boards)
    compiled = compile_network(net, machine, n_steps=max(1, round(emulate * 1000)),
                               placer="hilbert")
    image = compiled.image
    result = {
        "neurons": sum(e.n_neurons for e in net.all_ensembles),
        "ensembles": len(net.all_ensembles), "connections": len(net.all_connections),
        "machine": f"{machine.width}x{machine.height}",
        "boards": len(machine.ethernet_chips), "cores_used": len(image.cores),
        "network_seconds": round(made, 2),
        "stage_seconds": {k: round(v, 2) for k, v in compiled.seconds.items()},
        "compile_seconds": round(sum(compiled.seconds.values()), 2),
        "compile_peak_mb": round(peak_mb(), 1),
    }
    if emulate:
        emulator = Emulator(image)
        start = time.perf_counter()
        emulator.run(image.n_steps)
        wall = time.perf_counter() - start
        result["emulated_seconds"] = emulate
        result["emulation_wall_per_simulated_second"] = round(wall / emulate, 1)
        result["peak_mb"] = round(peak_mb(), 1)
    return result


def run_nengo(neurons: int) -> dict:
    import nengo

    net = cortex(neurons)
    start = time.perf_counter()
    model = nengo.builder.Model(dt=0.001)
    model.build(net)
    return {"nengo_build_seconds": round(time.perf_counter() - start, 2),
            "nengo_peak_mb": round(peak_mb(), 1)}


def in_subprocess(kind: str, neurons: int, emulate: float, limit: float | None,
                  boards: int | None = None) -> dict:
    """One measurement in a fresh interpreter (its own peak memory)."""
    command = [sys.executable, __file__, "--one", kind, str(neurons), "--emulate", str(emulate)]
    if boards is not None:
        command += ["--boards", str(boards)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {f"{kind}_error": f"not done in {limit:g} s"}
    if done.returncode:
        return {f"{kind}_error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--emulate", type=float, default=0.0,
                        help="simulated seconds to emulate each model for (0: none)")
    parser.add_argument("--nengo-limit", type=float, default=900.0,
                        help="seconds nengo's build may take before it is given up")
    parser.add_argument("--spinnc-limit", type=float, default=1800.0)
    parser.add_argument("--boards", type=int, default=None,
                        help="map every model onto this many boards (e.g. 1200: 240x240 "
                        "chips) instead of the smallest machine that holds it twice over")
    parser.add_argument("--skip-nengo", action="store_true", help="no nengo build beside")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "NEURONS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        kind, neurons = args.one[0], int(args.one[1])
        print(json.dumps(run_spinnc(neurons, args.emulate, args.boards) if kind == "spinnc"
                         else run_nengo(neurons)))
        return
    rows = []
    for neurons in args.sizes:
        row = {"target_neurons": neurons}
        row.update(in_subprocess("spinnc", neurons, args.emulate, args.spinnc_limit,
                                 args.boards))
        if not args.skip_nengo:
            row.update(in_subprocess("nengo", neurons, 0.0, args.nengo_limit))
        if "compile_seconds" in row and "nengo_build_seconds" in row:
            row["compile_over_nengo_build"] = round(row["compile_seconds"]
                                                    / row["nengo_build_seconds"], 2)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(json.dumps({"scale": rows}))


if __name__ == "__main__":
    main()
