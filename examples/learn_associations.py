"""An associative memory learned on the cores: Voja moves the encoders of
``memory``'s neurons towards the keys they respond to, while PES learns the
decoders from ``memory`` to ``recall`` that map each key to its value.  For
the first half of the run the keys and values are shown together; then
learning stops (the learning signal turns Voja off, and inhibition silences
the error) and the keys alone recall the values."""

import nengo
import numpy as np

n_items, d_key, d_value, n_neurons = 4, 2, 2, 200
rng = np.random.RandomState(7)
keys = nengo.dists.UniformHypersphere(surface=True).sample(n_items, d_key, rng=rng)
values = nengo.dists.UniformHypersphere(surface=False).sample(n_items, d_value, rng=rng)
# Each neuron responds to one key at most (as narrow as the keys are apart).
intercept = (keys @ keys.T - np.eye(n_items)).max()
period = 0.3
T = 2 * n_items * period  # learn for T / 2, then recall


def cycle(items):
    """The items in turn, ``period`` seconds each."""
    return lambda t: items[int(t // period) % len(items)]


with nengo.Network(label="learned associations", seed=7) as model:
    in_keys = nengo.Node(cycle(keys), label="keys")
    in_values = nengo.Node(cycle(values), label="values")
    learning = nengo.Node(lambda t: -float(t >= T / 2), label="learning")  # 0: learn, -1: stop
    memory = nengo.Ensemble(n_neurons, d_key, intercepts=[intercept] * n_neurons,
                            label="memory")
    recall = nengo.Node(size_in=d_value, label="recall")
    error = nengo.Ensemble(n_neurons, d_value, label="error")
    conn_in = nengo.Connection(in_keys, memory, synapse=None,
                               learning_rule_type=nengo.Voja(learning_rate=5e-2,
                                                             post_synapse=None))
    nengo.Connection(learning, conn_in.learning_rule, synapse=None)
    conn_out = nengo.Connection(memory, recall, function=lambda x: np.zeros(d_value),
                                learning_rule_type=nengo.PES(1e-3))
    nengo.Connection(recall, error)
    nengo.Connection(in_values, error, transform=-1)
    nengo.Connection(error, conn_out.learning_rule)
    nengo.Connection(learning, error.neurons, transform=[[10.0]] * n_neurons, synapse=None)
    nengo.Probe(in_values, label="values")
    nengo.Probe(recall, synapse=0.01, label="recall")
