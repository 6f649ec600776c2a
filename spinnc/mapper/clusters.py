"""Clusters of cores on one chip that share their input, or add their
partial sums before sending them: ensembles too wide, or too widely split,
for every core to receive and send everything.

**Input.** Every core of a split ensemble receives and filters every input
dimension: about 160 cycles a packet and 120 a dimension
(:mod:`spinnc.costs`), whatever its share of the neurons.  From a few
hundred dimensions that alone is over a core's budget, and so is what the
receiver of a split ensemble gets: each core of the source sends a partial
sum of every row, so a 64-D ensemble fed by a 2,000-neuron one on 44 cores
receives 2,816 packets a tick.  This pass gives such a population
``input_slices``: ``k`` blocks of its input dimensions.  The partitioner
makes its cores clusters of ``k`` on one chip (core ``j`` of a cluster
holds a slice of the neurons and block ``j`` of the input): core ``j``
receives and filters block ``j`` only, writes it into the cluster's input in
SDRAM, and every core of the cluster encodes from the whole input
(:mod:`spinnc.apps.ensemble`, in the firmware and the Python engine alike).
Each connection into such a population is replaced by one per block it
reaches (its rows into the block), so the keys and the router need nothing
new: a block's connections are nets to that block's cores.

**Output.** Where a split ensemble's partial sums would swamp a receiver
even when the receiver shares its input, its cores form clusters that add
them (``shares_output``): every core writes its partial sums into the
cluster's SDRAM and core ``j`` adds the cluster's sums of the rows of block
``j`` (the rows out of the population, in order, cut into ``k`` blocks) and
sends them, so the receivers get a sum a row from each cluster, not from
each core.  Connections out of it are cut at the blocks' boundaries; each
piece is sent by core ``sent_by`` of each cluster.

The cores of a chip are not in lock step within a tick, so a core reads
what its cluster wrote in the tick before: a shared input reaches the
neurons one tick later, and shared sums leave one tick later, than an
unshared core's.  That tick is paid only where it buys a fit or a quarter of
the cores (:data:`CORES_SAVED`).  nengo_spinnaker shared an ensemble's input
through SDRAM in the same way (Mundy et al. 2015, "An efficient SpiNNaker
implementation of the Neural Engineering Framework", IJCNN).  Populations
that learn keep their own inputs and outputs: a learning rule reads its
error, and sends its learned rows, in the tick.
"""

from dataclasses import replace

import numpy as np

from .. import apps, costs, neurons
from ..apps import MemberLoad
from ..apps.ensemble import probe_edges
from ..frontend.graph import Graph
from ..machine import Machine
from .partition import even_bounds, planned_splits

#: Sharing the input (one tick later) is worth it when it saves at least
#: this share of the population's cores, or when nothing else fits.
CORES_SAVED = 0.25
#: A split ensemble shares its sums when its partial sums would take more
#: than this share of a receiving core's budget even with the receiver's
#: input shared over a chip's cores.
SUMS_FRACTION = 0.5

_ENSEMBLE = apps.application("ensemble")


def form_clusters(graph: Graph, machine: Machine,
                  cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> Graph:
    """``graph`` with clusters where they are needed (module docstring):
    populations that share their output get ``cluster`` and
    ``shares_output`` and their connections out cut into row blocks, then
    populations that share their input get ``input_slices`` and their
    connections in split by block."""
    cycles = int(cycle_fraction * machine.cycles_per_tick)
    dtcm = min(costs.DTCM_BUDGET, machine.dtcm_bytes - costs.DTCM_RESERVE)
    most = machine.app_cores
    # A split source's every core sends a partial sum of every row, and how
    # many cores a population takes depends on its input being shared: first
    # the splits with the inputs shared (a source too wide to fit counts as
    # one core until its own is) ...
    tried = _share_inputs(graph, planned_splits(graph, machine, cycle_fraction), most,
                          cycles, dtcm)
    # ... then the sums no receiver could take shared, then every input that
    # is worth sharing, given who sends it.
    graph, senders = _share_outputs(graph, tried, planned_splits(tried, machine, cycle_fraction),
                                    most, cycles)
    return _share_inputs(graph, senders, most, cycles, dtcm)


def _share_inputs(graph, senders, most, cycles, dtcm):
    """``graph`` with the populations whose input is worth sharing given
    ``input_slices`` and their connections in split by block (``senders``:
    the cores or clusters of each population, each sending every row)."""
    populations, connections = dict(graph.populations), list(graph.connections)
    shared = False
    for name, pop in graph.populations.items():
        into = [c for c in graph.incoming(name) if c.target != "neurons"]
        if not into or pop.input_slices or not _may_cluster(graph, name):
            continue
        blocks = _blocks(graph, name, into, senders, most, cycles, dtcm)
        if len(blocks) == 1:
            continue
        if pop.cluster and len(blocks) != pop.cluster:  # its sums' clusters: their size
            bounds = even_bounds(pop.dimensions, pop.cluster)
            blocks = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
        populations[name] = replace(pop, cluster=len(blocks), input_slices=tuple(blocks))
        shared = True
        kept = {id(c) for c in into}
        connections = [c for c in connections if id(c) not in kept]
        for c in into:
            connections += _pieces(c, blocks)
    if not shared:
        return graph
    return replace(graph, populations=populations, connections=connections)


def _may_cluster(graph, name) -> bool:
    """Whether a population may share its input or sums: not if it learns."""
    pop = graph.populations[name]
    return not (pop.encoder_learning or any(
        c.learned is not None or c.target in ("error", "weights")
        for c in graph.outgoing(name) + graph.incoming(name)))


def _share_outputs(graph, tried, sources, most, cycles):
    """``graph`` with the split populations whose partial sums no receiver
    could take sharing them, and the packets' senders of each population
    (its cores, or its clusters when they share their sums); ``tried`` is
    ``graph`` with the inputs shared, and ``sources`` its splits."""
    senders = dict(sources)
    populations, connections = dict(graph.populations), list(graph.connections)
    for name, pop in graph.populations.items():
        cores = sources.get(name, 1)
        out = [c for c in graph.outgoing(name) if c.target not in ("probe", "weights")]
        if cores < 2 or not out or not _may_cluster(graph, name):
            continue
        per_receiver: dict = {}
        for c in out:
            per_receiver[c.post] = per_receiver.get(c.post, 0) + c.size_out
        # Packets a tick into one core of each receiver, its input shared at most.
        worst = max(cores * rows / _most_blocks(graph, post, most)
                    for post, rows in per_receiver.items())
        if costs.receive_cycles(worst, 1) <= SUMS_FRACTION * cycles:
            continue
        # Clusters as big as sharing its input would make them, else a chip's cores.
        k = tried.populations[name].cluster or min(most, cores)
        populations[name] = replace(pop, cluster=k, shares_output=True)
        senders[name] = -(-cores // k)
        kept = {id(c) for c in out}
        connections = [c for c in connections if id(c) not in kept] + _row_blocks(out, k)
    if senders == sources:  # nothing shares its sums
        return graph, senders
    return replace(graph, populations=populations, connections=connections), senders


def _most_blocks(graph, post, most) -> int:
    """The most input blocks a receiver could share its input in (1 if it
    is not a population that may)."""
    pop = graph.populations.get(post)
    if pop is None or not _may_cluster(graph, post):
        return 1
    return max(1, min(most, pop.dimensions, pop.n_neurons))


def _row_blocks(out, k):
    """The connections ``out`` of a population cut where ``k`` even blocks
    of all their rows (in order) meet; each piece sent by its block's core."""
    sizes = np.array([c.size_out for c in out])
    first = np.concatenate(([0], np.cumsum(sizes)))
    bounds = even_bounds(first[-1], k)
    pieces = []
    for c, lo in zip(out, first[:-1]):
        for j in range(k):
            a, b = max(bounds[j], lo) - lo, min(bounds[j + 1], lo + c.size_out) - lo
            if a < b:
                pieces.append(replace(c, name=f"{c.name}<{a}:{b}>", weights=c.weights[a:b],
                                      post_indices=c.post_indices[a:b], sent_by=j))
    return pieces


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
    reached = [(np.unique(c.post_indices), sources.get(c.pre, 1)) for c in into]
    filters = {c.filter for c in into}
    out = sum(c.size_out for c in graph.outgoing(name) if c.target not in ("probe", "weights"))
    probe_dims = sum(c.size_out for c in probe_edges(graph, name))
    model = neurons.model_named(pop.model)
    sizes = np.arange(1, n + 1)

    def cores(k):
        """Cores for ``k`` blocks (None if they do not fit)."""
        bounds = even_bounds(d, k)
        width = int(np.diff(bounds).max())
        packets = int((below[bounds[1:]] - below[bounds[:-1]]).max())
        entries = np.zeros(k, dtype=np.int64)  # nets into a block's core: a key entry each
        for dims, senders in reached:
            entries[np.unique(np.searchsorted(bounds, dims, side="right") - 1)] += senders
        nets = int(entries.max())
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
