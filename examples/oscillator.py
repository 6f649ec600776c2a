"""A two-dimensional oscillator: a recurrent ensemble that rotates its state."""

import nengo
import numpy as np

TAU = 0.1  # recurrent synapse (s)
FREQUENCY = 1.0  # Hz
OMEGA = 2 * np.pi * FREQUENCY

with nengo.Network(label="oscillator", seed=3) as model:
    kick = nengo.Node(lambda t: [1, 0] if t < 0.1 else [0, 0], label="kick")
    oscillator = nengo.Ensemble(400, dimensions=2, label="oscillator")
    nengo.Connection(kick, oscillator)
    nengo.Connection(oscillator, oscillator, synapse=TAU,
                     transform=[[1, -OMEGA * TAU], [OMEGA * TAU, 1]])
    nengo.Probe(oscillator, synapse=0.01, label="oscillator")
