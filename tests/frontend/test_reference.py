"""The float reference is nengo's simulator, keyed by the Graph's probe names."""

import nengo
import numpy as np

from spinnc.frontend import build, reference

from .models import MODELS


def test_reference_equals_nengo_and_uses_graph_names():
    network = MODELS["two_dimensional"]()
    data = reference(network, 0.05)
    graph = build(network)
    assert set(data) == set(graph.probes)
    with nengo.Simulator(network, progress_bar=False) as sim:
        sim.run(0.05)
    # nengo's own runs of one network can differ in the last bit (its operator
    # order varies between builds), so compare to float precision.
    for probe in network.all_probes:
        np.testing.assert_allclose(data[graph.name_of(probe)], sim.data[probe],
                                   rtol=1e-9, atol=1e-12)
    assert data["a voltage"].shape == (10, 80)  # sample_every=5 steps


def test_reference_keeps_a_probe_labelled_t():
    with nengo.Network(seed=0) as network:
        e = nengo.Ensemble(20, 1, label="e")
        nengo.Connection(nengo.Node(0.5), e)
        nengo.Probe(e, synapse=0.01, label="t")
    data = reference(network, 0.02)
    assert data["t"].shape == (20, 1) and data["t"][-1, 0] > 0.1  # the probe, not the time


def test_reference_seed_seeds_the_build_of_an_unseeded_network():
    with nengo.Network() as network:
        e = nengo.Ensemble(20, 1, label="e")
        nengo.Connection(nengo.Node(0.5), e)
        nengo.Probe(e.neurons, "voltage", label="v")
    first = reference(network, 0.02, seed=3)
    np.testing.assert_array_equal(first["v"], reference(network, 0.02, seed=3)["v"])
    assert not np.array_equal(first["v"], reference(network, 0.02, seed=4)["v"])
    # Same build as the Graph: one step of nengo's LIF from the Graph's
    # initial voltages gives the first recorded voltages.
    pop = build(network, seed=3).populations["e"]
    current = pop.gain * 0 + pop.bias  # the input is filtered from 0: 0 at step 1
    expected = pop.initial_voltage - (current - pop.initial_voltage) * np.expm1(-0.001 / 0.02)
    expected = np.where(expected > 1, 0.0, np.maximum(expected, 0))  # spikes reset
    np.testing.assert_allclose(first["v"][0], expected, rtol=1e-12)
