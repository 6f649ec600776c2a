"""SPA-sized networks on one SpiNN-5 board: cores, packets a tick and the
most cycles a core takes in a tick.

For ``CircularConvolution(50, D)`` (two constant D-vectors bound into an
``EnsembleArray(50, D)``), D = 64, 128, 512, and for ``EnsembleArray(50, D)``
(fed by a D-vector, into another EnsembleArray), D = 8, 32, 128: each is compiled for
``machine.spinn5()`` (three boards, ``Machine.boards(3)``, if one is too
few or a chip's routing table overflows) and run for
``--steps`` ticks on the Python engine; the figures come from the
emulator's provenance (packets_sent / ticks over every core, max_cycles).
``interposers`` counts the cores of passthrough nodes kept as interposers
(spinnc/frontend/interposers.py); ``max_routing_entries`` is the longest
chip's routing table after minimisation (a router holds 1023).  The placer
is ``hilbert``: with the default annealing placer the 512-D model overflows
a chip's routing table.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/spa_sizes.py [--steps N] [--quick]
"""

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.errors import DoesNotFit, RoutingTableOverflow
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine


def circular_convolution(dims, seed=0):
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as network:
        a, b = nengo.Node(rng.randn(dims) / np.sqrt(dims)), nengo.Node(
            rng.randn(dims) / np.sqrt(dims))
        bind = nengo.networks.CircularConvolution(50, dims)
        nengo.Connection(a, bind.input_a)
        nengo.Connection(b, bind.input_b)
        result = nengo.networks.EnsembleArray(50, dims)
        nengo.Connection(bind.output, result.input)
    return network


def ensemble_array(dims, seed=0):
    with nengo.Network(seed=seed) as network:
        stimulus = nengo.Node(np.linspace(-0.5, 0.5, dims))
        array = nengo.networks.EnsembleArray(50, dims, label="array")
        after = nengo.networks.EnsembleArray(50, dims, label="after")
        nengo.Connection(stimulus, array.input)
        nengo.Connection(array.output, after.input)
    return network


def measure(label, network, steps, sender=None):
    """The figures of ``network``; with ``sender``, also the packets a tick
    that the cores whose names start with it send (one network's own)."""
    start = time.perf_counter()
    for boards, machine in ((1, Machine.spinn5()), (3, Machine.boards(3))):
        try:
            compilation = compile_network(network, machine, n_steps=steps, seed=0,
                                          placer="hilbert")
            break
        except (DoesNotFit, RoutingTableOverflow) as error:
            if boards == 3:
                return dict(model=label, error=str(error))
    compiled = time.perf_counter() - start
    emulator = Emulator(compilation.image)
    emulator.run(steps)
    provenance = emulator.provenance()
    return dict(model=label, boards=boards, cores=len(compilation.image.cores),
                interposers=sum(v.application == "interposer"
                                for v in compilation.partition.vertices),
                packets_per_tick=sum(c.packets_sent for c in provenance.cores) / provenance.ticks,
                max_cycles_per_tick=max(c.max_cycles for c in provenance.cores),
                max_routing_entries=max(len(t) for t in compilation.image.tables.values()),
                **({} if sender is None else {f"{sender.rstrip('.')}_packets_per_tick": sum(
                    c.packets_sent for c in provenance.cores if c.name.startswith(sender))
                    / provenance.ticks}),
                compile_seconds=round(compiled, 1),
                run_seconds=round(time.perf_counter() - start - compiled, 1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="the smallest of each")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    out = []
    for dims in ([64] if args.quick else [64, 128, 512]):
        out.append(measure(f"CircularConvolution(50, {dims})", circular_convolution(dims),
                           args.steps))
    for dims in ([8] if args.quick else [8, 32, 128]):
        out.append(measure(f"EnsembleArray(50, {dims})", ensemble_array(dims), args.steps,
                           sender="array."))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
