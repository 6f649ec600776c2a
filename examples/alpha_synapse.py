"""Alpha synapses: a square wave through two ensembles joined by
``nengo.Alpha`` synapses (second-order filters, run on the ensembles' cores
in s1.30 fixed point), and a third-order LinearFilter smoothing it more."""

import nengo
import numpy as np

with nengo.Network(label="alpha synapses", seed=2) as model:
    stimulus = nengo.Node(lambda t: 0.8 * np.sign(np.sin(2 * np.pi * 2 * t)), label="stimulus")
    a = nengo.Ensemble(100, dimensions=1, label="a")
    b = nengo.Ensemble(100, dimensions=1, label="b")
    c = nengo.Ensemble(100, dimensions=1, label="c")
    nengo.Connection(stimulus, a, synapse=nengo.Alpha(0.005))
    nengo.Connection(a, b, synapse=nengo.Alpha(0.01))
    tau = 0.005  # three Lowpass(5 ms) poles: 1 / (tau s + 1)**3
    nengo.Connection(b, c, synapse=nengo.LinearFilter([1.0], [tau**3, 3 * tau**2, 3 * tau, 1.0]))
    nengo.Probe(stimulus, label="stimulus")
    nengo.Probe(b, synapse=0.01, label="b")
    nengo.Probe(c, synapse=0.01, label="c")
