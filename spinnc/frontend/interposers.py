"""Keep a passthrough node as an interposer when folding it multiplies traffic.

Folding a passthrough node (:mod:`.passthrough`) turns every path ``source ->
node -> sink`` into one connection.  Through a dense transform that costs
packets: each of ``m`` sources then sends every one of the ``n`` rows it
reaches, ``m * n`` packets a tick, where a core that sums the node's inputs
and applies the outgoing transforms itself (an *interposer*, the old
nengo_spinnaker backend's name) receives ``m`` and sends ``n``.  A
``CircularConvolution(50, 64)``'s output node is the case in point: 264
product ensembles, 64 dimensions out.

The rule, per node, in the order the nodes feed each other (packets a tick
counted as rows sent: those of every folded path, against those into the
node plus those out of it):

* **keep** when folding is refused (synapses on both sides of a path: two
  Lowpass filters in a row are not one, an interposer runs both);
* **keep** when every connection into and out of the node has a synapse
  and the interposer at least halves the packets: then it is exact (nengo
  reads a synapse's output a step later, which the packet's tick gives);
* **keep** otherwise only when the interposer divides the packets by
  :data:`LATE_RATIO` or more: a synapse-free side makes it one tick later
  than nengo on those paths, which is worth it only when traffic forces it;
* **fold** in every other case.

A kept node becomes an :class:`~.graph.Input` of kind ``"interposer"``:
its ``size_in`` dimensions are the filtered sum of the connections into it,
and the connections out of it carry the outgoing transforms as weights, as
a host input's do.  Only connections into populations (their decoded
inputs or their neurons) and into other interposers leave it: paths to
probes and to host functions are folded through it as before, so what is
recorded or computed on the host is unchanged.
"""

import numpy as np

from ..errors import UnsupportedFeature
from .graph import Connection, Input
from .passthrough import ends_at_probe, fold_passthroughs

#: Where the timing would differ from nengo's, a node is kept only when the
#: interposer divides the packets a tick by this much.
LATE_RATIO = 8
#: Where it is exact, when it at least halves them.
EXACT_RATIO = 2

INTERPOSER = "interposer"


def fold_with_interposers(connections: list[Connection], passthroughs: dict, inputs: dict,
                          populations) -> list[Connection]:
    """Fold the passthrough nodes, keeping as interposers those the rule
    (module docstring) keeps.

    Parameters
    ----------
    connections : list of Connection
        As :func:`~.passthrough.fold_passthroughs` takes them.
    passthroughs : dict
        Passthrough node (or Direct ensemble) name -> its nengo object.
    inputs : dict
        The Graph's inputs: each kept node is added as an interposer Input.
    populations : collection of str
        The names of the Graph's populations (what an interposer may feed).

    Returns
    -------
    list of Connection
        Connections that neither start nor end at a folded node.
    """
    for name in _in_feeding_order(connections, passthroughs):
        node = passthroughs[name]
        if _keep(name, node, connections):
            size = int(node.size_in) if hasattr(node, "size_in") else int(node.dimensions)
            inputs[name] = Input(name, INTERPOSER, size, size, obj=node)
        else:
            connections = fold_passthroughs(connections, {name: node})
    return _fold_what_leaves(connections, inputs, passthroughs, set(populations))


def packets(into: list[Connection], out_of: list[Connection]) -> tuple[int, int]:
    """Rows sent a tick (folded paths, through a kept node) of the paths
    from ``into`` to ``out_of``."""
    folded = sum(_rows((second.weights[:, first.post_indices] @ first.weights))
                 for first in into for second in out_of)
    kept = sum(_rows(c.weights) for c in into) + sum(_rows(c.weights) for c in out_of)
    return folded, kept


def _rows(weights: np.ndarray) -> int:
    return int(np.count_nonzero(np.any(weights != 0, axis=1)))


def _keep(name: str, node, connections: list[Connection]) -> bool:
    into = [c for c in connections if c.post == name and not ends_at_probe(c)]
    out_of = [c for c in connections if c.pre == name and _may_leave(c)]
    if not into or not out_of or any(c.pre == name for c in into):
        return False  # nothing to save, or a loop the fold reports
    try:
        fold_passthroughs(into + out_of, {name: node})
    except UnsupportedFeature:
        return True  # folding refused: an interposer runs both synapses
    folded, kept = packets(into, out_of)
    exact = all(c.synapse is not None for c in into + out_of)
    return kept * (EXACT_RATIO if exact else LATE_RATIO) <= folded


def _may_leave(conn: Connection) -> bool:
    """Whether ``conn`` may stay a connection out of an interposer (before
    later folds say where it ends)."""
    return conn.target in ("value", "neurons")


def _in_feeding_order(connections: list[Connection], passthroughs: dict) -> list[str]:
    """The nodes, each after the nodes that feed it (a cycle's nodes last,
    in their order: the fold refuses what it cannot do)."""
    feeds = {name: set() for name in passthroughs}
    for c in connections:
        if c.pre in feeds and c.post in feeds and c.pre != c.post and not ends_at_probe(c):
            feeds[c.post].add(c.pre)
    order, done = [], set()
    while len(order) < len(feeds):
        ready = [n for n in feeds if n not in done and feeds[n] <= done]
        if not ready:
            ready = [n for n in feeds if n not in done]
        for n in ready:
            order.append(n)
            done.add(n)
    return order


def _fold_what_leaves(connections, inputs, passthroughs, populations):
    """Fold, through their interposer, the paths that end elsewhere than
    at a population's (or another interposer's) decoded input; drop
    interposers left with nothing to send."""
    while True:
        for name in [n for n, i in inputs.items() if i.kind == INTERPOSER]:
            out_of = [c for c in connections if c.pre == name]
            elsewhere = [c for c in out_of if not (
                c.post in populations and c.target in ("value", "neurons")
                or c.target == "value" and _interposer(inputs, c.post))]
            if not elsewhere and out_of:
                continue
            into = [c for c in connections if c.post == name and not ends_at_probe(c)]
            kept = [c for c in connections if not any(c is e for e in elsewhere)]
            if len(elsewhere) == len(out_of):  # nothing stays: fold it all
                del inputs[name]
                kept = [c for c in kept if c.post != name or ends_at_probe(c)]
            connections = kept + fold_passthroughs(into + elsewhere, {name: passthroughs[name]})
            break
        else:
            return connections


def _interposer(inputs: dict, name: str) -> bool:
    inp = inputs.get(name)
    return inp is not None and inp.kind == INTERPOSER
