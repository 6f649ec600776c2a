"""Fold passthrough nodes away.

A passthrough node (``Node(size_in=n)`` with no output function) only sums
its inputs, so every path ``source -> node -> sink`` becomes one connection
``source -> sink`` whose weights are the product of the two.  Its synapse is
the two in series (:func:`spinnc.frontend.synapses.in_series`): the product
of their transfer functions with each one's step of delay, as nengo runs
them, so the fold is exact whatever the synapses (two Lowpass make a
second-order filter on the sink's core).
"""

from dataclasses import replace

from ..errors import UnsupportedFeature
from . import synapses
from .graph import Connection


def fold_passthroughs(connections: list[Connection], passthroughs: dict) -> list[Connection]:
    """Replace every path through the named passthrough nodes by a direct
    connection.

    Parameters
    ----------
    connections : list of Connection
        Connections among populations, inputs, probes and passthrough nodes.
    passthroughs : dict
        Passthrough node name -> nengo Node (for error messages).

    Returns
    -------
    list of Connection
        Connections that neither start nor end at a passthrough node.  Paths
        whose composed weights are exactly zero are dropped, and so are the
        rows of a folded connection that its source does not reach (their
        packets would always carry zero).
    """
    for name, node in passthroughs.items():
        # (probes have names of their own: one may share the node's)
        into = [c for c in connections if c.post == name and not ends_at_probe(c)]
        out_of = [c for c in connections if c.pre == name]
        if any(c.pre == name for c in into):
            raise UnsupportedFeature(
                node, "a passthrough node connected to itself", "give the loop a population"
            )
        folded = []
        for first in into:
            for second in out_of:
                through = second.weights[:, first.post_indices]
                weights = through @ first.weights
                learned = first.learned  # learned rows: those its transform reaches
                if learned is not None:
                    learned = replace(learned, transform=through @ learned.transform)
                reach = weights if learned is None else learned.transform
                # Only the rows this source reaches: a sub-ensemble of an
                # EnsembleArray sends its own dimension, not D with zeros.
                kept = reach.any(axis=1) if second.target != "neurons" else slice(None)
                weights, posts = weights[kept], second.post_indices[kept]
                if learned is not None:
                    learned = replace(learned, transform=learned.transform[kept])
                if not reach.any():
                    continue
                folded.append(
                    replace(
                        second,
                        pre=first.pre,
                        weights=weights,
                        post_indices=posts,
                        synapse=synapses.in_series(first.synapse, second.synapse),
                        obj=first.obj + second.obj,
                        learned=learned,
                    )
                )
        connections = [c for c in connections
                       if c.pre != name and (c.post != name or ends_at_probe(c))] + folded
    return connections


def ends_at_probe(conn: Connection) -> bool:
    """Whether ``conn`` ends at a probe (whose name is in the probes' namespace)."""
    return conn.target in ("probe", "weights")

