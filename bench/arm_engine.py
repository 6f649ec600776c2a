"""Benchmark the ARM engine (spinnc.firmware_sim.arm.ArmEmulator): the real
firmware executed instruction by instruction in unicorn.

Models, each compiled and run for its number of ticks (``--steps`` for all):

``demo``
    spinnc's demo (a sine into 100 LIF neurons decoding x**2 into 100 more,
    spikes probed) on a SpiNN-3: three cores;
``chain``
    a sine through a chain of 8 ensembles of 600 LIF neurons, the last
    probed, on a SpiNN-3: nine cores (8 ensemble, a value source; ten with
    the recorder it had when written, the 10-core model of issue 14);
``nodes``
    a 4-D function of time and a 2-D constant into 20 neurons, probed with
    and without a synapse and every 5 ticks (two value_source cores and an
    ensemble core): little work per tick, so the engine's per-tick cost
    (interrupts, peripherals, packets) dominates;
``ensembles``
    a sine into 200 LIF neurons decoding x**2 into 200 more (ensemble
    cores and a value source): the firmware's work dominates;
``pipeline``
    examples/pipeline.py on a SpiNN-5 (49 cores), only with ``--models``.

Prints JSON per model: emulated instructions per second and wall seconds
per simulated second (start-up, i.e. the cost tables, loading and the
handshake, excluded and reported apart), with the DTCM alignment check on
(the default) and off, the fastest of ``--repeat`` runs, the CPU seconds
too (the machine may be shared), the most cycles a core took in a tick (as
its firmware measured it), whether the C hooks were used, and the Python
engine's seconds per simulated second on the same Image, measured in the
same run.  Target: >= 50 M instructions/s.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/arm_engine.py [--steps N] [--repeat R]
        [--models demo,chain,nodes,ensembles,pipeline]
"""

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.arm import ArmEmulator
from spinnc.machine import Machine


def nodes():
    with nengo.Network(seed=0) as net:
        wave = nengo.Node(lambda t: np.sin(np.arange(1, 5) * 3 * t), label="wave")
        const = nengo.Node([0.5, -0.5], label="const")
        ens = nengo.Ensemble(20, 6, label="ens")  # the probes are recorded on its core
        nengo.Connection(wave, ens[:4])
        nengo.Connection(const, ens[4:])
        nengo.Probe(ens, label="ens raw")
        nengo.Probe(ens, synapse=0.01, label="ens filtered")
        nengo.Probe(ens, synapse=0.005, sample_every=0.005, label="ens every 5")
    return net


def ensembles():
    with nengo.Network(seed=2) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t), label="stim")
        a = nengo.Ensemble(200, 1, label="a")
        b = nengo.Ensemble(200, 1, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b, function=lambda x: x ** 2)
        nengo.Probe(b, synapse=0.01, label="b")
    return net


def demo():
    from spinnc.demo import demo_model
    return demo_model()


def chain():
    with nengo.Network(seed=4) as net:
        stim = nengo.Node(lambda t: np.sin(6 * t), label="stim")
        previous = stim
        for i in range(8):
            ensemble = nengo.Ensemble(600, 1, label=f"e{i}")
            nengo.Connection(previous, ensemble)
            previous = ensemble
        nengo.Probe(previous, synapse=0.01, label="out")
    return net


def pipeline():
    import runpy
    from pathlib import Path
    return runpy.run_path(str(Path(__file__).parents[1] / "examples" / "pipeline.py"))["model"]


#: name -> (network, machine, ticks by default)
MODELS = {"demo": (demo, Machine.spinn3, 1000), "chain": (chain, Machine.spinn3, 200),
          "nodes": (nodes, Machine.spinn3, 1000), "ensembles": (ensembles, Machine.spinn3, 1000),
          "pipeline": (pipeline, Machine.spinn5, 50)}
DEFAULT = ("demo", "chain", "nodes", "ensembles")


def measure(image, steps, check_alignment):
    start = time.perf_counter()
    arm = ArmEmulator(image, check_alignment=check_alignment)
    loaded = time.perf_counter()
    before = arm.instructions
    cpu = time.process_time()
    arm.run(steps)
    ran = time.perf_counter()
    cpu = time.process_time() - cpu
    instructions = arm.instructions - before
    seconds = ran - loaded
    simulated = steps * image.dt
    cycles = max(c.max_cycles for c in arm.provenance().cores)
    return {"check_alignment": check_alignment, "c_hooks": arm.cores[0].native,
            "start_seconds": round(loaded - start, 3),
            "run_seconds": round(seconds, 3), "instructions": instructions,
            "instructions_per_second": round(instructions / seconds),
            "seconds_per_simulated_second": round(seconds / simulated, 3),
            "cpu_seconds_per_simulated_second": round(cpu / simulated, 3),
            "instructions_per_cpu_second": round(instructions / cpu),
            "most_cycles_in_a_tick": cycles}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="ticks for every model (default: each "
                        "model's own: " + ", ".join(f"{n} {m[2]}" for n, m in MODELS.items())
                        + ")")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement, the fastest reported (default 3)")
    parser.add_argument("--models", default=",".join(DEFAULT),
                        help=f"comma-separated, of {', '.join(MODELS)}")
    args = parser.parse_args()
    out = {}
    for name in args.models.split(","):
        build, machine, steps = MODELS[name]
        steps = args.steps or steps
        image = compile_network(build(), machine(), n_steps=steps, seed=0).image
        runs = [min((measure(image, steps, check) for _ in range(args.repeat)),
                    key=lambda run: run["run_seconds"]) for check in (True, False)]
        python = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            Emulator(image).run(steps)
            python = min(python, time.perf_counter() - start)
        cores = {}
        for c in image.cores:
            cores[c.application] = cores.get(c.application, 0) + 1
        out[name] = {"cores": cores, "steps": steps, "arm": runs,
                     "python_engine_seconds_per_simulated_second":
                         round(python / (steps * image.dt), 3)}
    out["target_instructions_per_second"] = 50_000_000
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
