"""Binding two 64-D vectors with a circular convolution (nengo's
CircularConvolution network, the binding of semantic pointers) into an
EnsembleArray.

The convolution's product ensembles (264 of them) feed its output through
a dense inverse-DFT transform.  Folded away, that passthrough node would
make every product ensemble send all 64 rows and every array sub-ensemble
receive 264 packets a tick, more than a core can take; spinnc keeps it as
an interposer instead (spinnc/frontend/interposers.py), split over three
cores by input dimensions, so each sub-ensemble receives three partial
sums a tick.  The array's output is one tick later than nengo's (the
connections into the interposer have no synapse).
"""

import nengo
import numpy as np

D = 64
rng = np.random.RandomState(7)
a = rng.randn(D) / np.sqrt(D)
b = rng.randn(D) / np.sqrt(D)

with nengo.Network(label="circular convolution", seed=4) as model:
    stimulus_a = nengo.Node(a, label="a")
    stimulus_b = nengo.Node(b, label="b")
    bind = nengo.networks.CircularConvolution(50, D, label="bind")
    nengo.Connection(stimulus_a, bind.input_a)
    nengo.Connection(stimulus_b, bind.input_b)
    result = nengo.networks.EnsembleArray(50, D, label="result")
    nengo.Connection(bind.output, result.input)
    nengo.Probe(result.output, synapse=0.02, label="result")
