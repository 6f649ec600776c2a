"""nengo's timing for what is known before the run.

In nengo a node's value (or an ensemble's noise) at step ``s`` reaches the
neurons in step ``s`` when the connection has no synapse.  On the machine a
packet sent in tick ``t`` is used in tick ``t + 1``, so a value source playing
step ``s``'s value in its own tick would be one step late.  Values known in
advance (constants, functions of time, seeded processes, noise) can be sent a
tick early instead: this pass points every synapse-free connection from such
an input into a population at a copy of the input that plays the next step's
value.  (With a synapse, nengo reads the filter's output a step later too,
which the packet's tick already gives.)  What it cannot fix, the first step:
step 1's value would have to be sent before the first tick, so such a
connection delivers zero in step 1.
"""

from dataclasses import replace

import nengo
import numpy as np

from .graph import Graph, Input

#: the suffix of an input's copy that plays one step early
EARLY = ".early"


def play_early(graph: Graph) -> Graph:
    """``graph`` with its synapse-free connections from inputs known in
    advance into populations fed by copies of those inputs one step ahead."""
    inputs, connections = dict(graph.inputs), []
    for conn in graph.connections:
        inp = graph.inputs.get(conn.pre)
        if (inp is None or inp.kind != "time" or conn.synapse is not None
                or conn.post not in graph.populations):
            connections.append(conn)
            continue
        name = conn.pre + EARLY
        if name not in inputs:
            inputs[name] = _one_step_ahead(inp, name)
        connections.append(replace(conn, pre=name))
    used = {c.pre for c in connections}
    # An ensemble's noise feeds nothing else once its copy plays it.
    inputs = {name: inp for name, inp in inputs.items()
              if name in used or not _is_noise(graph, name)}
    return replace(graph, inputs=inputs, connections=connections)


def _is_noise(graph: Graph, name: str) -> bool:
    return isinstance(graph.inputs[name].obj, nengo.Ensemble)


def _one_step_ahead(inp: Input, name: str) -> Input:
    """A copy of ``inp`` whose row for step ``s`` is ``inp``'s for ``s + 1``
    (the last row repeats: it would arrive after the run)."""
    sampler = inp.sampler

    def ahead(n_steps, dt):
        values = np.asarray(sampler(n_steps, dt))
        return np.concatenate([values[1:], values[-1:]]) if len(values) else values

    return replace(inp, name=name, sampler=ahead)
