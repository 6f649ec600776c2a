"""Benchmark the ARM engine (spinnc.firmware_sim.arm.ArmEmulator): the real
firmware executed instruction by instruction in unicorn.

A small node-only model (a 4-D function of time and a 2-D constant, each
probed with and without a synapse, one probe every 5 ticks: two
value_source cores and a recorder) compiled for a SpiNN-3 and run for
``--steps`` ticks.  Prints JSON: emulated instructions per second and wall
seconds per simulated second (start-up, i.e. loading and the handshake,
excluded and reported apart), with the DTCM alignment check on and off, and
the Python engine's seconds per simulated second on the same Image for
scale.  Target (later): >= 50 M instructions/s.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/arm_engine.py [--steps N]
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


def model():
    with nengo.Network(seed=0) as net:
        wave = nengo.Node(lambda t: np.sin(np.arange(1, 5) * 3 * t), label="wave")
        const = nengo.Node([0.5, -0.5], label="const")
        for node in (wave, const):
            nengo.Probe(node, label=f"{node.label} raw")
            nengo.Probe(node, synapse=0.01, label=f"{node.label} filtered")
        nengo.Probe(wave, synapse=0.005, sample_every=0.005, label="wave every 5")
    return net


def measure(image, steps, check_alignment):
    start = time.perf_counter()
    arm = ArmEmulator(image, check_alignment=check_alignment)
    loaded = time.perf_counter()
    before = arm.instructions
    arm.run(steps)
    ran = time.perf_counter()
    instructions = arm.instructions - before
    seconds = ran - loaded
    simulated = steps * image.dt
    cycles = max(c.max_cycles for c in arm.provenance().cores)
    return {"check_alignment": check_alignment, "start_seconds": round(loaded - start, 3),
            "run_seconds": round(seconds, 3), "instructions": instructions,
            "instructions_per_second": round(instructions / seconds),
            "seconds_per_simulated_second": round(seconds / simulated, 2),
            "most_cycles_in_a_tick": cycles}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    image = compile_network(model(), Machine.spinn3(), n_steps=args.steps, seed=0).image
    runs = [measure(image, args.steps, check) for check in (True, False)]
    start = time.perf_counter()
    Emulator(image).run(args.steps)
    python = time.perf_counter() - start
    print(json.dumps({
        "model": {"cores": {c.application: sum(d.application == c.application
                                                for d in image.cores) for c in image.cores},
                  "steps": args.steps},
        "arm": runs,
        "python_engine_seconds_per_simulated_second": round(python / (args.steps * image.dt),
                                                            3),
        "target_instructions_per_second": 50_000_000,
    }, indent=2))


if __name__ == "__main__":
    main()
