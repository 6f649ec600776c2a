"""nengo's timing for what is known before the run.

In nengo a node's value (or an ensemble's noise) at step ``s`` reaches the
neurons in step ``s`` when the connection has no synapse.  On the machine a
packet sent in tick ``t`` is used in tick ``t + 1``, so a value source playing
step ``s``'s value in its own tick would be one step late.  Values known in
advance (constants, functions of time, seeded processes, noise) can be sent a
tick early instead: this pass points every synapse-free connection from such
an input into a population at a copy of the input that plays the next step's
value.  (With a synapse, nengo reads the filter's output a step later too,
which the packet's tick already gives.)  A constant without a synapse is a
constant current: it joins the population's bias, present from step 1.
What remains, the first step of a function of time: step 1's value would have
to be sent before the first tick, so such a connection delivers zero in step 1.
"""

from dataclasses import replace

import nengo
import numpy as np

from .graph import Connection, Graph, Input, Population

#: the suffix of an input's copy that plays one step early
EARLY = ".early"


def play_early(graph: Graph) -> Graph:
    """``graph`` with its synapse-free connections from inputs known in
    advance into populations fed by copies of those inputs one step ahead,
    or, from constants, folded into the populations' biases."""
    inputs, connections = dict(graph.inputs), []
    populations = dict(graph.populations)
    for conn in graph.connections:
        inp = graph.inputs.get(conn.pre)
        if (inp is None or inp.kind not in ("time", "constant") or conn.synapse is not None
                or conn.post not in graph.populations):
            connections.append(conn)
            continue
        if inp.kind == "constant":
            if _foldable(populations[conn.post], conn):
                populations[conn.post] = _with_current(populations[conn.post], conn, inp.value)
            else:  # a learning rule reads it: sent (from the first tick on, not step 1)
                connections.append(conn)
            continue
        name = conn.pre + EARLY
        if name not in inputs:
            inputs[name] = _one_step_ahead(inp, name)
        connections.append(replace(conn, pre=name))
    used = {c.pre for c in connections}
    # An ensemble's noise feeds nothing else once its copy plays it.
    inputs = {name: inp for name, inp in inputs.items()
              if name in used or name + EARLY not in inputs or not _is_noise(graph, name)}
    return replace(graph, populations=populations, inputs=inputs, connections=connections)


def _foldable(pop: Population, conn: Connection) -> bool:
    """Whether a constant through ``conn`` is a constant current: not when
    the population learns its encoders, nor into the input dimensions a
    learning rule reads (an error, Voja's input: their encoders are 0)."""
    if pop.encoder_learning:
        return False
    return conn.target == "neurons" or bool(pop.encoders[:, conn.post_indices].any())


def _with_current(pop: Population, conn: Connection, value: np.ndarray) -> Population:
    """``pop`` with the current of ``conn`` carrying the constant ``value``
    added to its constant current (as nengo computes the current: gain
    times the encoded value over the radius, gain times a neuron input)."""
    current = np.zeros(pop.n_neurons) if pop.constant_current is None else pop.constant_current
    x = conn.weights @ value
    if conn.target == "neurons":  # one row shared by the neurons it reaches
        added = np.zeros(pop.n_neurons)
        added[conn.post_indices] = pop.gain[conn.post_indices] * x[0]
    else:
        added = pop.gain * (pop.encoders[:, conn.post_indices] @ x) / pop.radius
    return replace(pop, constant_current=current + added)


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
