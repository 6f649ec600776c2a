"""A machine of three boards small enough that a model of seven cores must
span all of them, and such a model: for the tests of many boards (loading
through each board, per-board provenance, spalloc jobs)."""

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.machine import Machine


def three_small_boards() -> Machine:
    """Three boards with three application cores each (one on the Ethernet
    chip, two beside it)."""
    machine = Machine.boards(3, app_cores=1)
    alive = {(x + dx, y) for x, y in machine.ethernet_chips for dx in (0, 1, 2)}
    return machine.with_dead(cores=[(x, y, 1) for x, y in machine.working_chips
                                    if (x, y) not in alive])


def chain(seed: int = 3) -> nengo.Network:
    """An input and a chain of six ensembles (seven cores); ``net.probe``
    decodes the last, ``net.spikes`` its spikes."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: np.sin(4 * t))
        ensembles = [nengo.Ensemble(100, 1, label=name) for name in "abcdef"]
        nengo.Connection(stim, ensembles[0])
        for pre, post in zip(ensembles, ensembles[1:]):
            nengo.Connection(pre, post)
        net.probe = nengo.Probe(ensembles[-1], synapse=0.01)
        net.spikes = nengo.Probe(ensembles[-1].neurons)
    return net


def chain_image(n_steps: int = 50):
    """(machine, the chain's Image on it)."""
    machine = three_small_boards()
    return machine, compile_network(chain(), machine, n_steps=n_steps, placer="hilbert").image
