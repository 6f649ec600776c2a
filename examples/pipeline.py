"""A wide pipeline: a 16-dimensional signal through four ensemble arrays, each
dimension squared and then scaled on the way.  Large enough (64 ensembles,
25,600 neurons) to spread over several chips of a SpiNN-5 board, so its
machine map and routing tables show traffic between chips.

Run it with ``spinnc run examples/pipeline.py --duration 0.5``.
"""

import nengo
import numpy as np

DIMENSIONS = 16
NEURONS = 400  # per ensemble

with nengo.Network(label="pipeline", seed=3) as model:
    phases = np.linspace(0, np.pi, DIMENSIONS, endpoint=False)
    stimulus = nengo.Node(lambda t: np.sin(2 * np.pi * t + phases), label="stimulus")
    stages = [nengo.networks.EnsembleArray(NEURONS, DIMENSIONS, label=f"stage {i}")
              for i in range(4)]
    nengo.Connection(stimulus, stages[0].input)
    nengo.Connection(stages[0].add_output("square", np.square), stages[1].input)
    nengo.Connection(stages[1].output, stages[2].input, transform=0.8)
    nengo.Connection(stages[2].output, stages[3].input, transform=1.2)
    nengo.Probe(stimulus, label="stimulus")
    nengo.Probe(stages[1].output, synapse=0.01, label="squared")
    nengo.Probe(stages[3].output, synapse=0.01, label="output")
