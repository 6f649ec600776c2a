"""Clusters of cores sharing one filtered input, for ensembles too wide for
every core to receive and filter all of their input.

Every core of a split ensemble receives every packet of its input and
filters every dimension: about 160 cycles a packet and 120 a dimension
(:mod:`spinnc.costs`), whatever its share of the neurons.  From a few
hundred dimensions that alone is over a core's budget.  This pass, run on
the fixed-point Graph before partitioning, gives such a population
``input_slices``: ``k`` blocks of its input dimensions.  The partitioner
then makes its cores clusters of ``k`` on one chip (core ``j`` of a cluster
holds a slice of the neurons and block ``j`` of the input): core ``j``
receives and filters block ``j`` only, writes it into the cluster's input in
SDRAM, and every core of the cluster encodes from the whole input
(:mod:`spinnc.apps.ensemble`, in the firmware and the Python engine alike).
The cores of a chip are not in lock step within a tick, so a core encodes
what its cluster wrote in the tick before: the input reaches these neurons
one tick later than an unshared core's.  That tick is paid only where it
buys a fit or a quarter of the cores (:data:`CORES_SAVED`).

nengo_spinnaker shared an ensemble's input through SDRAM in the same way
(Mundy et al. 2015, "An efficient SpiNNaker implementation of the Neural
Engineering Framework", IJCNN).  It serves the receivers of split
ensembles too: each core of a source sends a partial sum of every row, so
a 64-D ensemble fed by a 2,000-neuron one on 44 cores receives 2,816
packets a tick, but its cores sharing 16 blocks take 176 each.  Each
connection into such a population is
replaced by one per block it reaches (its rows into the block), so the keys
and the router need nothing new: a block's connections are nets to that
block's cores.
"""

from dataclasses import replace

import numpy as np

from .. import apps, costs, neurons
from ..apps import MemberLoad
from ..apps.ensemble import probe_edges
from ..frontend.graph import Graph
from ..machine import Machine
from .partition import planned_splits

#: Sharing the input (one tick later) is worth it when it saves at least
#: this share of the population's cores, or when nothing else fits.
CORES_SAVED = 0.25

_ENSEMBLE = apps.application("ensemble")


def share_inputs(graph: Graph, machine: Machine,
                 cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> Graph:
    """``graph`` with the populations whose cores should share their input
    given ``input_slices`` and their connections in split by block (module
    docstring).  Populations that learn keep their own inputs: a learning
    rule reads its error in the tick it arrives."""
    cycles = int(cycle_fraction * machine.cycles_per_tick)
    dtcm = min(costs.DTCM_BUDGET, machine.dtcm_bytes - costs.DTCM_RESERVE)
    sources = planned_splits(graph, machine, cycle_fraction)  # a split source's every core sends
    populations, connections = dict(graph.populations), list(graph.connections)
    shared = False
    for name, pop in graph.populations.items():
        into = [c for c in graph.incoming(name) if c.target != "neurons"]
        if (not into or pop.encoder_learning or pop.input_slices
                or any(c.learned is not None or c.target == "error"
                       for c in graph.outgoing(name) + into)):
            continue
        blocks = _blocks(graph, name, into, sources, machine.app_cores, cycles, dtcm)
        if len(blocks) == 1:
            continue
        populations[name] = replace(pop, input_slices=tuple(blocks))
        shared = True
        kept = {id(c) for c in into}
        connections = [c for c in connections if id(c) not in kept]
        for c in into:
            connections += _pieces(c, blocks)
    if not shared:
        return graph
    return replace(graph, populations=populations, connections=connections)


def _pieces(conn, blocks):
    """``conn`` as one connection per input block it reaches."""
    out = []
    for lo, hi in blocks:
        reached = (conn.post_indices >= lo) & (conn.post_indices < hi)
        if reached.any():
            out.append(replace(conn, name=f"{conn.name}[{lo}:{hi}]",
                               weights=conn.weights[reached],
                               post_indices=conn.post_indices[reached]))
    return out


def _blocks(graph, name, into, sources, most, cycles, dtcm) -> list[tuple[int, int]]:
    """The input blocks of the cheapest sharing of ``name``'s input: one
    block (no sharing) unless more save :data:`CORES_SAVED` of its cores
    (``sources``: the cores of each split population, each of which sends
    every row)."""
    pop = graph.populations[name]
    d, n = pop.dimensions, pop.n_neurons
    rows = np.zeros(d + 1, dtype=np.int64)  # packets a tick into the dimensions below each
    for c in into:
        np.add.at(rows, np.asarray(c.post_indices) + 1, sources.get(c.pre, 1))
    below = np.cumsum(rows)
    nets = sum(sources.get(c.pre, 1) for c in into)
    filters = {c.filter for c in into}
    out = sum(c.size_out for c in graph.outgoing(name) if c.target not in ("probe", "weights"))
    probe_dims = sum(c.size_out for c in probe_edges(graph, name))
    model = neurons.model_named(pop.model)
    sizes = np.arange(1, n + 1)

    def cores(k):
        """Cores for ``k`` blocks (None if they do not fit)."""
        bounds = np.linspace(0, d, k + 1).round().astype(int)
        width = int(np.diff(bounds).max())
        packets = int((below[bounds[1:]] - below[bounds[:-1]]).max())
        load = MemberLoad(sizes, d, out, probe_dims,
                          [costs.FilterLoad(width, f.order, f.frac_bits) for f in filters],
                          model=model, shared_dims=d if k > 1 else 0, own_dims=width)
        fits = ((_ENSEMBLE.member_cycles(load) + costs.receive_cycles(packets, nets) <= cycles)
                & (_ENSEMBLE.member_dtcm(load) + costs.KEY_ENTRY_BYTES * nets <= dtcm))
        if not fits.any():
            return None, bounds
        per_core = int(sizes[fits].max())
        return k * -(-n // (k * per_core)), bounds

    alone, bounds = cores(1)
    best = (alone, bounds)
    for k in range(2, min(most, d, n) + 1):
        count, bounds = cores(k)
        if count is not None and (best[0] is None or count < best[0]):
            best = (count, bounds)
    count, bounds = best
    if count is None or (alone is not None and count > (1 - CORES_SAVED) * alone):
        return [(0, d)]
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
