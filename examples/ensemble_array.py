"""An EnsembleArray: eight one-dimensional ensembles carry an 8-D signal.

Its input and output are passthrough nodes; spinnc folds them away and each
sub-ensemble sends only its own dimension (one packet a tick), so the array
sends 8 packets a tick, whatever the model downstream reads of it.
"""

import nengo
import numpy as np

D = 8
phases = np.linspace(0, np.pi, D, endpoint=False)

with nengo.Network(label="ensemble array", seed=3) as model:
    stimulus = nengo.Node(lambda t: 0.8 * np.sin(2 * np.pi * t + phases), label="stimulus")
    array = nengo.networks.EnsembleArray(50, D, label="array")
    after = nengo.networks.EnsembleArray(50, D, label="after")
    nengo.Connection(stimulus, array.input)
    nengo.Connection(array.output, after.input, transform=-1)
    nengo.Probe(array.output, synapse=0.01, label="array")
    nengo.Probe(after.output, synapse=0.01, label="after")
