"""A communication channel: a sine wave passed from one ensemble to the next."""

import nengo
import numpy as np

with nengo.Network(label="communication channel", seed=1) as model:
    stimulus = nengo.Node(lambda t: np.sin(2 * np.pi * t), label="stimulus")
    a = nengo.Ensemble(100, dimensions=1, label="a")
    b = nengo.Ensemble(100, dimensions=1, label="b")
    nengo.Connection(stimulus, a)
    nengo.Connection(a, b)
    nengo.Probe(stimulus, label="stimulus")
    nengo.Probe(b, synapse=0.01, label="b")
