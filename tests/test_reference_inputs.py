"""The reference sees exactly the inputs the machine saw, seeded or not."""

import nengo
import numpy as np
import pytest

import spinnc


def test_compare_of_an_unseeded_white_signal_reports_only_the_machines_error():
    with nengo.Network(seed=0) as net:
        node = nengo.Node(nengo.processes.WhiteSignal(1.0, high=5), label="noise")
        ens = nengo.Ensemble(100, 1, noise=nengo.processes.WhiteNoise(
            nengo.dists.Gaussian(0, 0.01)), label="ens")
        nengo.Connection(node, ens)
        nengo.Probe(node, label="in")
        nengo.Probe(ens, synapse=0.03, label="out")
    with spinnc.Simulator(net, precision="float", progress_bar=False) as sim:
        sim.run(0.5)
        comparison = sim.compare()
    assert comparison["in"].rms_error < 1e-12
    assert comparison["in"].reference_rms > 0.1
    assert comparison["out"].relative_error < 0.1
    # the user's network is untouched
    assert isinstance(node.output, nengo.processes.WhiteSignal) and node.output.seed is None
    assert isinstance(ens.noise, nengo.processes.WhiteNoise)


def test_the_reference_replays_a_live_node_and_keeps_calling_functions_with_input():
    calls, host_calls = [], []

    def live(t):
        calls.append(t)
        return np.sin(t * len(calls))  # reads its own history: live

    with nengo.Network(seed=0) as net:
        node = nengo.Node(live)
        host = nengo.Node(lambda t, x: host_calls.append(t) or x, size_in=1)
        nengo.Connection(node, host, synapse=None)
        probe = nengo.Probe(node)
    calls.clear(), host_calls.clear()  # nengo calls them once when the nodes are made
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(50)
        ref = sim.reference()
        with pytest.raises(nengo.exceptions.ValidationError, match="live nodes"):
            sim.reference(0.051)
    assert len(calls) == 50  # not called by the reference
    assert len(host_calls) == 100  # the run and the reference's own run
    np.testing.assert_array_equal(ref["node0.out"], sim.data[probe])
