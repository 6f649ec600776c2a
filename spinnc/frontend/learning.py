"""Learned connections in the Graph: where a learning rule's error enters.

nengo sums the connections into ``conn.learning_rule`` into the rule's error.
spinnc gives the population that learns (the connection's pre ensemble) one
input dimension per row of the learned connection, with zero encoders (they
change no current): the error connections are routed there like any decoded
input, filtered by their synapses on the learning cores, and the rule reads
them from the member's input.  Every edge that carries the learned weights
(the connection, and what folding passthrough nodes made of it, an error
connection included) is decoded by the cores from the one set of learned
weights (:class:`~.graph.Learned`), so nothing needs an error of its own.
"""

from dataclasses import replace

import numpy as np

from ..errors import UnsupportedFeature
from .graph import Connection, Graph


def rule_name(graph: Graph, rule) -> str:
    """The Graph name of a nengo LearningRule (its connection's ends)."""
    conn = rule.connection
    ends = [getattr(o, "ensemble", o) for o in (conn.pre_obj, conn.post_obj)]
    return "->".join(graph.names.get(o, type(o).__name__) for o in ends) + ".learning_rule"


def attach(graph: Graph, connections: list[Connection]) -> list[Connection]:
    """Give every learned connection its error dimensions on its pre
    population and turn the error connections into inputs there (the
    ``"error"`` edges are replaced).

    Raises
    ------
    UnsupportedFeature
        If a learned connection reaches neurons through a passthrough node.
    """
    first: dict = {}  # rule name -> its first error dimension
    for c in connections:
        if c.learned is None:
            continue
        if c.target == "neurons":
            raise UnsupportedFeature(c.learned.rule.connection,
                                     "a learned connection into neurons through a "
                                     "passthrough node", "connect it into an ensemble")
        if c.learned.rule_name not in first:
            pop = graph.populations[c.pre]
            rows = c.learned.transform.shape[1]
            first[c.learned.rule_name] = pop.dimensions
            pop.encoders = np.hstack([pop.encoders, np.zeros((pop.n_neurons, rows))])
            pop.dimensions += rows
    into = {name: learner.pre for name in first for learner in connections
            if learner.learned is not None and learner.learned.rule_name == name}
    for pop in graph.populations.values():  # rules that learn encoders: their signal
        for rule in pop.encoder_learning:
            first[rule.rule_name], into[rule.rule_name] = rule.signal, pop.name
    out = []
    for c in connections:
        if c.target == "error":
            if c.post not in into:  # nothing learns: the error goes nowhere
                continue
            c = replace(c, post=into[c.post], target="value",
                        post_indices=first[c.post] + c.post_indices)
        if c.learned is not None:  # (an error may carry learned weights too)
            c = replace(c, learned=replace(c.learned, error=first[c.learned.rule_name]))
        out.append(c)
    return out
