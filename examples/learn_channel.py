"""A communication channel learned with PES: ``post`` starts out decoding 0
from ``pre`` and learns, from the error ``post - stimulus`` fed back to the
learned connection, to pass the stimulus through.  The decoders change on
``pre``'s cores each tick (s24.39 fixed point, spinnc.learning); learning is
switched off after 3 s to show that the channel keeps what it learned."""

import nengo
import numpy as np

with nengo.Network(label="learned channel", seed=3) as model:
    stimulus = nengo.Node(lambda t: 0.8 * np.sin(2 * np.pi * t), label="stimulus")
    pre = nengo.Ensemble(100, dimensions=1, label="pre")
    post = nengo.Ensemble(100, dimensions=1, label="post")
    error = nengo.Ensemble(100, dimensions=1, label="error")
    nengo.Connection(stimulus, pre)
    learned = nengo.Connection(pre, post, function=lambda x: 0,
                               learning_rule_type=nengo.PES(learning_rate=2e-4))
    nengo.Connection(post, error)
    nengo.Connection(stimulus, error, transform=-1)
    nengo.Connection(error, learned.learning_rule)
    # Off after 3 s: a strong inhibition silences the error ensemble.
    stop = nengo.Node(lambda t: 0 if t < 3 else 1, label="stop learning")
    nengo.Connection(stop, error.neurons, transform=-10 * np.ones((error.n_neurons, 1)))
    nengo.Probe(stimulus, label="stimulus")
    nengo.Probe(post, synapse=0.02, label="post")
    nengo.Probe(error, synapse=0.02, label="error")
