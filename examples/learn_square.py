"""x squared learned from an error: ``square`` starts out decoding a random
function of ``x`` and learns with PES, from the error ``square - x**2``
(computed by an ensemble from ``x`` itself), to decode ``x**2``."""

import nengo
import numpy as np

with nengo.Network(label="learned square", seed=4) as model:
    stimulus = nengo.Node(lambda t: np.sin(2 * np.pi * 0.5 * t), label="stimulus")
    x = nengo.Ensemble(150, dimensions=1, label="x")
    square = nengo.Ensemble(150, dimensions=1, label="square")
    error = nengo.Ensemble(150, dimensions=1, label="error")
    nengo.Connection(stimulus, x)
    learned = nengo.Connection(x, square, function=lambda v: np.random.RandomState(0).rand(),
                               learning_rule_type=nengo.PES(learning_rate=1e-3))
    nengo.Connection(square, error)
    nengo.Connection(x, error, function=np.square, transform=-1)
    nengo.Connection(error, learned.learning_rule)
    nengo.Probe(stimulus, label="stimulus")
    nengo.Probe(square, synapse=0.02, label="square")
    nengo.Probe(error, synapse=0.02, label="error")
