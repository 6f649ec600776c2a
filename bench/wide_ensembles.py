"""High-dimensional ensembles on SpiNN-5 boards: cores, clusters sharing an
input, cycles, packets, and the decoded value against nengo's.

For D = 16, 64, 128 and 512, an ensemble of ``--neurons`` LIF neurons
(default 2,000) represents a constant D-vector of norm 0.5 from a node and
is probed (synapse 0.02); for D = 64 and 256 (``chain``) it feeds another
such ensemble, which is probed: the receiver of a split ensemble's partial
sums.  Each is compiled for one SpiNN-5 board (three,
``Machine.boards(3)``, if one is too few) twice: as spinnc maps it (cores
share their input in clusters where that saves a quarter of the cores or is
all that fits, and add their partial sums where no receiver could take
them, spinnc/mapper/clusters.py) and with clusters turned off,
to show what sharing buys (``cores_without_sharing``).  The mapped model runs ``--steps`` ticks on the
Python engine; ``max_cycles_per_tick`` is the most any core took in a tick
(provenance, of a budget of 80,000, 40% of 200,000),
``planned_max_cycles`` the partitioner's most, and ``rms_vs_nengo`` the RMS
difference of the last 50 ticks' mean decoded value from nengo's, beside
``rms_nengo_error`` (nengo's own error against the vector).

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/wide_ensembles.py [--steps N] [--neurons N]
"""

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import nengo
import numpy as np

import spinnc
from spinnc import compiler
from spinnc.errors import DoesNotFit, RoutingTableOverflow
from spinnc.machine import Machine


def wide_ensemble(dims, neurons, chain=False, seed=0):
    """An ensemble fed a D-vector (``chain``: then into another like it), probed."""
    rng = np.random.RandomState(seed)
    x = rng.randn(dims)
    x *= 0.5 / np.linalg.norm(x)
    with nengo.Network(seed=seed) as network:
        ens = nengo.Ensemble(neurons, dims, label=f"ensemble{dims}")
        nengo.Connection(nengo.Node(x), ens)
        if chain:
            after = nengo.Ensemble(neurons, dims, label=f"after{dims}")
            nengo.Connection(ens, after)
            ens = after
        probe = nengo.Probe(ens, synapse=0.02)
    return network, probe, x


def run(network, probe, steps, share=True):
    """(boards, Simulator after ``steps`` ticks) on one board, else three;
    (None, the error) if neither fits."""
    saved = compiler.form_clusters
    if not share:
        compiler.form_clusters = lambda graph, machine: graph
    try:
        for boards, machine in ((1, Machine.spinn5()), (3, Machine.boards(3))):
            try:
                sim = spinnc.Simulator(network, machine=machine, placer="hilbert",
                                       horizon=steps, progress_bar=False)
            except (DoesNotFit, RoutingTableOverflow) as error:
                if boards == 3:
                    return None, str(error)
                continue
            if share:
                sim.run_steps(steps)
            return boards, sim
    finally:
        compiler.form_clusters = saved


def measure(dims, neurons, steps, chain=False):
    network, probe, x = wide_ensemble(dims, neurons, chain)
    start = time.perf_counter()
    boards, sim = run(network, probe, steps)
    seconds = time.perf_counter() - start
    _, alone = run(network, probe, steps, share=False)
    unshared = (len(alone.compilation.image.cores) if not isinstance(alone, str)
                else "does not fit: " + alone.split(";")[0])
    vertices = sim.compilation.partition.vertices
    provenance = sim.provenance()
    ours = sim.data[probe][-50:].mean(axis=0)
    with nengo.Simulator(network, progress_bar=False) as reference:
        reference.run_steps(steps)
    theirs = reference.data[probe][-50:].mean(axis=0)
    clusters = {v.cluster for v in vertices if v.cluster >= 0}
    pops = sim.compilation.fixed_graph.populations
    return dict(model=f"{'chain ' if chain else ''}{dims}-D", neurons=neurons, boards=boards,
                cores=len(vertices),
                cores_without_sharing=unshared, clusters=len(clusters),
                cores_per_cluster=(sum(v.cluster >= 0 for v in vertices) // len(clusters)
                                   if clusters else 0),
                sharing_input=[n for n, p in pops.items() if p.input_slices],
                adding_sums=[n for n, p in pops.items() if p.shares_output],
                planned_max_cycles=max(v.resources.cycles for v in vertices),
                max_cycles_per_tick=max(c.max_cycles for c in provenance.cores),
                packets_per_tick=round(sum(c.packets_sent for c in provenance.cores)
                                       / provenance.ticks, 1),
                rms_vs_nengo=round(float(np.sqrt(np.mean((ours - theirs) ** 2))), 5),
                rms_nengo_error=round(float(np.sqrt(np.mean((theirs - x) ** 2))), 5),
                compile_and_run_seconds=round(seconds, 1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--neurons", type=int, default=2000)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    out = [measure(d, args.neurons, args.steps) for d in (16, 64, 128, 512)]
    out += [measure(d, args.neurons, args.steps, chain=True) for d in (64, 256)]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
