"""Action selection by the basal ganglia: the action with the highest utility
is released from inhibition (its output is near 0, the others negative)."""

import nengo
import numpy as np


def utilities(t):
    """Three actions whose utilities take turns at being the highest."""
    return [[0.8, 0.4, 0.3], [0.3, 0.9, 0.4], [0.4, 0.3, 0.7]][min(int(t / 0.5), 2)]


with nengo.Network(label="basal ganglia", seed=4) as model:
    actions = nengo.Node(utilities, label="utilities")
    basal_ganglia = nengo.networks.BasalGanglia(dimensions=3, label="basal ganglia")
    nengo.Connection(actions, basal_ganglia.input, synapse=None)
    nengo.Probe(actions, label="utilities")
    nengo.Probe(basal_ganglia.output, synapse=0.01, label="selection")
