"""Voja on the cores against nengo's: learned encoders, the learning signal."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.errors import UnsupportedFeature


def encoder_net(control=None):
    """nengo's test_voja_encoders: half the neurons always fire and learn
    the input; the rest never fire and keep their encoders."""
    rng = np.random.RandomState(1)
    n, vector = 100, np.array([0.3, -0.4, 0.6]) / np.linalg.norm([0.3, -0.4, 0.6])
    encoders = np.append(nengo.dists.UniformHypersphere(surface=True).sample(n // 2, 3, rng=rng),
                         [-vector] * (n // 2), axis=0)
    with nengo.Network(seed=1) as net:
        u = nengo.Node(vector)
        x = nengo.Ensemble(n, 3, intercepts=[-1] * (n // 2) + [0.99] * (n // 2),
                           encoders=encoders, max_rates=nengo.dists.Uniform(300, 400),
                           radius=2.0)
        conn = nengo.Connection(u, x, synapse=None,
                                learning_rule_type=nengo.Voja(learning_rate=0.1))
        if control is not None:
            nengo.Connection(nengo.Node(control), conn.learning_rule, synapse=None)
        net.rule = nengo.Probe(conn.learning_rule, "scaled_encoders", sample_every=0.05)
        net.ens = nengo.Probe(x, "scaled_encoders", sample_every=0.05)
    return net, x, vector


def test_voja_learns_the_encoders_nengo_learns():
    net, x, vector = encoder_net()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.6)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.6)
    ours = sim.data[net.rule]
    scale = (sim.data[x].gain / x.radius)[:, None]
    assert ours.shape == ref.data[net.rule].shape == (12, 100, 3)
    assert np.allclose(ours[-1, :50] / scale[:50], vector, atol=0.01)  # learned
    assert np.allclose(ours[:, 50:], ours[0, 50:])  # silent neurons keep theirs
    assert np.abs(ours - ref.data[net.rule]).max() < 0.01 * np.abs(ours).max()
    assert np.array_equal(ours, sim.data[net.ens])


def test_the_learning_signal_stops_voja():
    net, _, _ = encoder_net(control=lambda t: 0 if t < 0.2 else -1)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
    encoders = sim.data[net.rule]
    assert not np.allclose(encoders[0], encoders[3])  # learning until 0.2 s
    assert np.array_equal(encoders[5], encoders[-1])  # then none


def test_voja_into_a_slice_is_refused():
    with nengo.Network() as net:
        x = nengo.Ensemble(20, 2)
        nengo.Connection(nengo.Node([0.5]), x[0], learning_rule_type=nengo.Voja(),
                         label="learned")
    with pytest.raises(UnsupportedFeature, match="'learned'.*slice of an ensemble"):
        spinnc.Simulator(net)



def test_sim_data_keeps_the_built_encoders_as_nengo_does():
    """nengo's tests rely on it (test_voja_encoders); the probes show the learned ones."""
    net, x, vector = encoder_net()
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
        assert np.array_equal(sim.data[x].scaled_encoders, sim.model.params[x].scaled_encoders)
    assert not np.allclose(sim.data[net.ens][-1], sim.model.params[x].scaled_encoders)
