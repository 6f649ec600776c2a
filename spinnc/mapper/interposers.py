"""Split interposers that one core cannot run into blocks that fit.

An interposer (:mod:`spinnc.frontend.interposers`) of ``n`` input dimensions
and ``R`` output rows costs a core its received packets, ``n`` filtered
dimensions and ``R x n`` weights a tick (the interposer application's cost
function).  When that is over the budget, this pass, run on the fixed-point
Graph before partitioning, replaces it by a grid of interposers: blocks of
``c`` consecutive input dimensions by blocks of ``r`` output rows.  Block
``(j, q)`` receives only the packets into its dimensions (every row block of
a column block shares those packets: one net, multicast), and sends its
rows' partial sums over them; a receiver adds the partial sums of the column
blocks (it receives ``ceil(n / c)`` packets a row instead of one).  The
split chosen has the fewest column blocks among those within
:data:`CORES_SLACK` of the fewest cores.
Each block is an ordinary interposer Input of the Graph with its own
connections, so the partitioner, the keys and the region writers need
nothing new.
"""

from dataclasses import replace
from math import ceil

import numpy as np

from .. import apps, costs
from ..apps import CoreLoad, MemberLoad
from ..errors import DoesNotFit
from ..frontend.graph import Graph, Input
from ..machine import Machine

INTERPOSER = "interposer"
#: Among the splits within this factor of the fewest cores, the one with the
#: fewest column blocks: each column block sends every receiver a partial sum
#: a row, and every block a routing entry on each chip its rows reach (a
#: 512-D circular convolution's 55 blocks of 19 dimensions, the fewest cores,
#: overflowed a receiving chip's table; 29 blocks of 36 take 6 cores more).
CORES_SLACK = 1.1


def split_interposers(graph: Graph, machine: Machine,
                      cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> Graph:
    """``graph`` with every interposer too big for one core split into a
    grid of interposers that fit (module docstring).

    Raises
    ------
    DoesNotFit
        When even one input dimension and one row do not fit a core.
    """
    cycles = int(cycle_fraction * machine.cycles_per_tick)
    dtcm = min(costs.DTCM_BUDGET, machine.dtcm_bytes - costs.DTCM_RESERVE)
    inputs, connections = dict(graph.inputs), list(graph.connections)
    settings = dict(graph.settings)
    for name, inp in graph.inputs.items():
        if inp.kind != INTERPOSER:
            continue
        into, out_of = graph.incoming(name), graph.outgoing(name)
        columns, rows = _grid(name, inp.size_in, into, out_of, cycles, dtcm)
        if len(columns) == 1 and len(rows) == 1:
            continue
        del inputs[name]
        kept = {id(c) for c in into + out_of}
        connections = [c for c in connections if id(c) not in kept]
        for j, (lo, hi) in enumerate(columns):
            for q, block in enumerate(rows):
                piece = f"{name}/{j}.{q}"
                block_into, block_out = _block(piece, into, out_of, lo, hi, block)
                if block_out:  # else its rows are all zero over these dimensions
                    inputs[piece] = Input(piece, INTERPOSER, hi - lo, hi - lo, obj=inp.obj)
                    connections += block_into + block_out
                    if name in graph.settings:  # each piece is placed and profiled as it was
                        settings[piece] = graph.settings[name]
    return replace(graph, inputs=inputs, connections=connections, settings=settings)


def _load(c: int, r: int, packets: int, entries: int, filters) -> CoreLoad:
    """A block of ``c`` dimensions and ``r`` rows (``filters``: the distinct
    filters into the interposer)."""
    return CoreLoad([MemberLoad(input_dims=c, filters=[costs.FilterLoad(c, f.order, f.frac_bits)
                                                       for f in filters])],
                    sent_dims=r, weights=r * c, received_packets=packets, key_entries=entries)


def _grid(name, size, into, out_of, cycles, dtcm):
    """Column blocks [(lo, hi)] and row blocks [[(connection, row)]] of the
    cheapest split that fits."""
    app = apps.application(INTERPOSER)
    rows = [(k, i) for k, c in enumerate(out_of) for i in range(c.weights.shape[0])]
    n_rows = max(len(rows), 1)
    # Per connection, how many of its dimensions lie below each dimension.
    below = np.zeros((len(into), size + 1), dtype=np.int64)
    for i, c in enumerate(into):
        np.add.at(below[i], np.asarray(c.post_indices) + 1, 1)
    below = np.cumsum(below, axis=1)
    packets = below.sum(axis=0)  # packets a tick into the dimensions below each
    filters = {c.filter for c in into}
    splits = []  # (cores, column blocks, bounds, rows a block)
    for c in sorted({ceil(size / k) for k in range(1, size + 1)}, reverse=True):
        if splits and ceil(size / c) > CORES_SLACK * min(s[0] for s in splits):
            break  # more column blocks than any split we would take has cores
        lo = np.arange(0, size, c)
        hi = np.minimum(lo + c, size)
        worst = int((packets[hi] - packets[lo]).max())
        entries = int(((below[:, hi] - below[:, lo]) > 0).sum(axis=0).max(initial=0))
        fixed = _load(c, 0, worst, entries, filters)
        spare_cycles = cycles - app.cycles(fixed)
        spare_dtcm = dtcm - app.dtcm(fixed) - costs.KEY_ENTRY_BYTES * entries
        per_row = _load(c, 1, 0, 0, ())
        row_cycles = app.cycles(per_row) - app.cycles(_load(c, 0, 0, 0, ()))
        row_dtcm = app.dtcm(per_row) - app.dtcm(_load(c, 0, 0, 0, ()))
        r = int(min(spare_cycles // row_cycles, spare_dtcm // row_dtcm, n_rows))
        if r < 1:
            continue
        bounds = list(zip(lo.tolist(), hi.tolist()))
        splits.append((lo.size * ceil(n_rows / r), lo.size, bounds, r))
    if not splits:
        raise DoesNotFit(
            f"interposer '{name}' ({size} dimensions in, {len(rows)} rows out) does not fit "
            f"a core even one dimension and one row at a time within {cycles:,} cycles "
            f"and {dtcm:,} bytes of DTCM a core; reduce the connections into it")
    fewest = min(s[0] for s in splits)
    _, _, bounds, r = min((s for s in splits if s[0] <= CORES_SLACK * fewest),
                          key=lambda s: (s[1], s[0]))
    return bounds, [rows[i:i + r] for i in range(0, len(rows), r)] or [[]]


def _block(piece, into, out_of, lo, hi, block):
    """The connections into and out of the interposer block of input
    dimensions ``lo:hi`` and output rows ``block``."""
    into_block, out = [], []
    for c in into:
        reached = (c.post_indices >= lo) & (c.post_indices < hi)
        if reached.any():
            into_block.append(replace(c, name=f"{c.name}/{piece}", post=piece,
                               weights=c.weights[reached],
                               post_indices=c.post_indices[reached] - lo))
    by_connection: dict = {}
    for k, i in block:
        by_connection.setdefault(k, []).append(i)
    for k, index in by_connection.items():
        c = out_of[k]
        weights = c.weights[index][:, lo:hi]
        sent = np.any(weights != 0, axis=1)  # rows all zero over these dimensions add nothing
        if sent.any():
            out.append(replace(c, name=f"{c.name}/{piece}", pre=piece, weights=weights[sent],
                               post_indices=np.asarray(c.post_indices)[index][sent]))
    return into_block, out
