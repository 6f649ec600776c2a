"""An integrator: a recurrent ensemble that sums its input over time."""

import nengo

TAU = 0.1  # recurrent synapse (s)

with nengo.Network(label="integrator", seed=2) as model:
    stimulus = nengo.Node(
        nengo.processes.Piecewise({0: 0, 0.2: 1, 0.7: 0, 1.2: -1, 1.6: 0}), label="stimulus")
    memory = nengo.Ensemble(200, dimensions=1, label="memory")
    nengo.Connection(stimulus, memory, transform=TAU, synapse=TAU)
    nengo.Connection(memory, memory, synapse=TAU)
    nengo.Probe(stimulus, label="stimulus")
    nengo.Probe(memory, synapse=0.01, label="memory")
