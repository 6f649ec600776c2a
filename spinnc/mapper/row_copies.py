"""Copies of a population whose learned full weight matrix has too many rows
for its cores: each copy simulates the same neurons and learns a block of
the rows.

A rule that learns a full weight matrix (BCM, Oja, PES into neurons) runs
on every core of its pre population: each core updates every row of its
neurons' columns, receives and filters every row's input (the post neurons'
activities, or their local errors) and sends a partial sum of every row.
From a hundred or so post neurons that is over a core's budget whatever its
share of the neurons, so cutting the neurons finer does not help; cutting
the rows does.  This pass cuts the matrix's rows into ``k`` even blocks and
gives the population ``k - 1`` copies (``'<name>.rows<lo>:<hi>'``, with
``copy_of`` naming it).  The population learns the first block and keeps
everything else (its other connections, probes and rules); copy ``b``
learns block ``b`` and nothing else.  A copy receives the population's
input through the same connection groups (the same packets, which the
router delivers to the copy's cores too) and its rows' inputs alone, and
the neurons' updates are deterministic integer arithmetic, so every copy
spikes exactly as the population does.  The price is the neurons simulated
once per copy.

When the model does not fit whole, ``k`` is the number of blocks (of 2, 3,
4, 6, 9, ...) with which the partitioner fits every core on the fewest
cores (:func:`spinnc.mapper.partition.planned_cores`): a post ensemble
receives a partial sum of each of its rows from every core of the block
that learns it, so cutting the rows finer can cost more cores than it saves.
"""

from dataclasses import replace

import numpy as np

from .. import costs, learning
from ..errors import DoesNotFit
from ..frontend.graph import Connection, Graph
from ..machine import Machine
from .partition import even_bounds, planned_cores


class _CannotCopy(Exception):
    """The population's connections cannot be cut for copies."""


def copy_learned_rows(graph: Graph, machine: Machine,
                      cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> Graph:
    """``graph`` with row copies where a learned matrix needs them (module
    docstring), or ``graph`` itself when every core fits without.

    Raises
    ------
    DoesNotFit
        As the partitioner does, when the model does not fit even with the
        rows of the learned matrices cut as finely as they can be.
    """
    matrices = {c.name: c for c in graph.connections if _learns_matrix(c)}
    if not matrices:
        return graph
    try:
        planned_cores(graph, machine, cycle_fraction)
        return graph
    except DoesNotFit as error:
        failure = error
    blocks, best = dict.fromkeys(matrices, 1), None
    for c in matrices.values():  # each in turn, with the blocks chosen for those before
        if not _may_copy(graph, c, matrices, blocks):
            continue
        chosen, worse = None, 0
        for k in _block_counts(c.size_out):
            try:
                trial = _with_copies(graph, matrices, {**blocks, c.name: k})
            except _CannotCopy:  # connections into the population that cannot be cut
                break
            try:
                cores = planned_cores(trial, machine, cycle_fraction)
            except DoesNotFit as error:
                failure, worse = error, worse + (chosen is not None)
            else:
                if chosen is None or cores < chosen[0]:
                    chosen, worse = (cores, k, trial), 0
                else:
                    worse += 1
            if worse >= 2:  # more blocks only add cores from here
                break
        if chosen is not None:
            blocks[c.name], best = chosen[1], chosen[2]
    if best is None:
        raise failure
    return best


def _block_counts(rows: int) -> list[int]:
    """The row blocks tried: 2, 3, 4, 6, 9, ... (half again each time), and
    a row a block."""
    counts, k = [], 2
    while k < rows:
        counts.append(k)
        k += max(1, k // 2)
    return counts + [rows]


def _learns_matrix(c: Connection) -> bool:
    """A connection that learns its own full weight matrix (not an edge
    derived from one, not a probe of it)."""
    learned = c.learned
    return (learned is not None and learned.matrix and c.target == "value"
            and learned.row_block is None and learned.transform.shape == (c.size_out,) * 2)


def _may_copy(graph: Graph, c: Connection, matrices: dict, blocks: dict) -> bool:
    """Whether ``c``'s population may have row copies: not a population
    whose encoders learn (its copies would need to learn them too), not a
    matrix into itself, and one matrix cut per population (whether the
    connections into it can be cut, :func:`_with_copies` finds out)."""
    pop = graph.populations[c.pre]
    others = [o for o in matrices.values() if o.pre == c.pre and o is not c]
    return not (pop.encoder_learning or c.post == c.pre
                or any(blocks[o.name] > 1 for o in others))


def _with_copies(graph: Graph, matrices: dict, blocks: dict) -> Graph:
    """``graph`` with each matrix ``c`` of ``matrices`` cut into
    ``blocks[c.name]`` row blocks, learned by its population and copies."""
    cut = [c for name, c in matrices.items() if blocks[name] > 1]
    if not cut:
        return graph
    populations, connections = dict(graph.populations), list(graph.connections)
    for c in cut:
        copies = _copies(graph, c, blocks[c.name])
        for name, pop, _, _, _ in copies:
            populations[name] = pop
        rewritten = []
        for conn in connections:
            if conn.post == c.pre and conn.target in ("value", "neurons"):
                rewritten += [p for p in (_into(conn, name, remap)
                                          for name, _, remap, _, _ in copies) if p is not None]
            elif (conn.pre == c.pre and conn.learned is not None
                  and c.learned.rule_name in (conn.learned.rule_name, conn.learned.shares)):
                rewritten += [_rows(conn, name, remap, lo, hi)
                              for name, _, remap, lo, hi in copies]
            else:
                rewritten.append(conn)
        connections = rewritten
    return replace(graph, populations=populations, connections=connections)


def _copies(graph: Graph, c: Connection, k: int) -> list:
    """(name, Population, input remap, first row, end row) of the population
    ``c`` learns on (the first block) and of its copies.  A remap takes the
    population's input dimensions to the holder's (-1: not there): each
    holds its rows' inputs of ``c``'s rule alone; copies hold no other
    rule's (zero encoders, unread) either."""
    pop = graph.populations[c.pre]
    rows = c.size_out
    learned_dims = np.zeros(pop.dimensions, dtype=bool)
    for other in graph.outgoing(c.pre):
        if other.learned is not None and other.learned.error >= 0:
            width = other.learned.transform.shape[1] * _module(other).inputs_per_row
            learned_dims[other.learned.error:other.learned.error + width] = True
    # Its rule's inputs, and those of the rules that change its weights too:
    # each kind of input's first dimension, and the inputs' extent.
    kinds = [(o.learned.error + rows * np.arange(_module(o).inputs_per_row)[:, None],
              o.learned.error, rows * _module(o).inputs_per_row)
             for o in _cut_with(graph, c)]
    bounds = even_bounds(rows, k)
    out = []
    for b, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
        keep = ~learned_dims if b else np.ones(pop.dimensions, dtype=bool)
        for starts, first, width in kinds:
            keep[first:first + width] = False
            keep[(starts + np.arange(lo, hi)).ravel()] = True
        remap = np.full(pop.dimensions, -1)
        remap[keep] = np.arange(np.count_nonzero(keep))
        name = pop.name if b == 0 else f"{pop.name}.rows{lo}:{hi}"
        holder = replace(pop, name=name, dimensions=int(np.count_nonzero(keep)),
                         encoders=pop.encoders[:, keep],
                         encoder_learning=pop.encoder_learning if b == 0 else [],
                         copy_of="" if b == 0 else pop.name)
        out.append((name, holder, remap, lo, hi))
    return out


def _cut_with(graph: Graph, c: Connection) -> list[Connection]:
    """``c`` and the edges of the rules that change its weights too
    (``Learned.shares``): their rows are cut alike."""
    return [c] + [o for o in graph.outgoing(c.pre)
                  if o.learned is not None and o.learned.shares == c.learned.rule_name]


def _module(c: Connection):
    return learning.rule_for(c.learned.rule.learning_rule_type)


def _into(conn: Connection, name: str, remap: np.ndarray) -> Connection | None:
    """``conn`` (into the population) into holder ``name``: its rows into
    dimensions the holder has (None: none)."""
    renamed = name != conn.post
    if conn.target == "neurons":
        return replace(conn, name=f"{conn.name}>{name}", post=name) if renamed else conn
    new = remap[conn.post_indices]
    reached = new >= 0
    if not reached.any():
        return None
    if reached.all() and not renamed and np.array_equal(new, conn.post_indices):
        return conn
    if conn.learned is not None:  # another rule's rows: cut or sent twice, they would diverge
        raise _CannotCopy
    weights = conn.weights if reached.all() else conn.weights[reached]
    return replace(conn, name=f"{conn.name}>{name}" if renamed else conn.name, post=name,
                   weights=weights, post_indices=new[reached])


def _rows(conn: Connection, name: str, remap: np.ndarray, lo: int, hi: int) -> Connection:
    """Rows ``lo:hi`` of an edge carrying the learned matrix (the connection,
    a probe of its output, a probe of its weights), out of holder ``name``."""
    learned = conn.learned
    rows = learned.transform.shape[1]
    if learned.transform.shape[0] != rows or conn.size_out != rows:
        raise _CannotCopy  # an edge derived from the matrix: its rows mix the blocks'
    sliced = {field: getattr(learned, field)[lo:hi]
              for field in ("weights", "error_transform", "post_neurons")
              if getattr(learned, field) is not None}
    part = replace(learned, transform=learned.transform[lo:hi, lo:hi],
                   error=int(remap[learned.error + lo]) if learned.error >= 0 else -1,
                   row_block=(lo, hi, rows), **sliced)
    return replace(conn, name=f"{conn.name}.rows{lo}:{hi}", pre=name,
                   weights=conn.weights[lo:hi], post_indices=conn.post_indices[lo:hi],
                   learned=part)
