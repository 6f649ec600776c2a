"""The demo model: a sine wave into ensemble ``x``, and x squared decoded into ``y``."""

import nengo
import numpy as np


def demo_model(seed: int = 0) -> nengo.Network:
    """A small network that exercises a time input, a decoded function and probes."""
    with nengo.Network(label="demo", seed=seed) as model:
        sine = nengo.Node(lambda t: np.sin(2 * np.pi * t), label="sine")
        x = nengo.Ensemble(100, dimensions=1, label="x")
        y = nengo.Ensemble(100, dimensions=1, label="y")
        nengo.Connection(sine, x)
        nengo.Connection(x, y, function=np.square)
        nengo.Probe(sine, label="sine")
        nengo.Probe(x, synapse=0.01, label="x")
        nengo.Probe(y, synapse=0.01, label="x squared")
        nengo.Probe(x.neurons, label="x spikes")
    return model
