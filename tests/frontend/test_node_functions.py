"""Functions on connections out of nodes, applied where the node's value is computed."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.frontend import build


def test_the_input_carries_the_function_columns_after_the_nodes_own():
    with nengo.Network(seed=0) as net:
        node = nengo.Node([0.5, -0.2], label="n")
        ens = nengo.Ensemble(20, 1, label="e")
        nengo.Connection(node[1], ens, function=np.square, transform=3.0)
        nengo.Connection(node, ens, function=lambda x: x[0] * x[1], label="product")
    graph = build(net, seed=0)
    inp = graph.inputs["n"]
    assert inp.kind == "constant" and inp.size_out == 4
    np.testing.assert_allclose(inp.value, [0.5, -0.2, 0.04, -0.1])
    weights = sorted((c.weights for c in graph.connections), key=lambda w: w[0, 2])
    np.testing.assert_allclose(weights[0], [[0, 0, 0, 1]])  # the product
    np.testing.assert_allclose(weights[1], [[0, 0, 3, 0]])  # 3 * square of n[1]


def run_both(model, probes, seconds=0.3):
    with nengo.Simulator(model, progress_bar=False) as ref, \
            spinnc.Simulator(model, progress_bar=False) as sim:
        ref.run(seconds)
        sim.run(seconds)
        return [(sim.data[p], ref.data[p]) for p in probes]


@pytest.mark.parametrize("output", [
    0.5,  # a constant
    lambda t: np.sin(2 * np.pi * t),  # a function of time, sampled
    nengo.processes.WhiteSignal(1.0, high=5, seed=1),  # a process, sampled
])
def test_function_out_of_a_sampled_node_matches_nengo(output):
    with nengo.Network(seed=0) as model:
        node = nengo.Node(output, size_out=1)
        ens = nengo.Ensemble(100, 1)
        nengo.Connection(node, ens, function=np.square)
        probe = nengo.Probe(ens, synapse=0.03)
        node_probe = nengo.Probe(node)
    (ours, theirs), (ours_node, theirs_node) = run_both(model, [probe, node_probe])
    assert ours_node.shape == theirs_node.shape == (300, 1)  # the node's own columns
    np.testing.assert_allclose(ours_node, theirs_node)
    assert np.sqrt(np.mean((ours - theirs) ** 2)) < 0.05


def test_function_out_of_a_live_node_and_a_host_node_with_input():
    state = {"v": 0.6}
    with nengo.Network(seed=0) as model:
        live = nengo.Node(lambda t: [state["v"], -state["v"]])
        host = nengo.Node(lambda t, x: 2 * x, size_in=1)
        nengo.Connection(live[0], host, function=lambda x: x + 0.1, synapse=None)
        ens = nengo.Ensemble(100, 1)
        nengo.Connection(host, ens, function=lambda x: x / 4)
        direct = nengo.Node(size_in=1)
        nengo.Connection(live, direct, function=lambda x: x[0] * x[1], synapse=None)
        probes = [nengo.Probe(ens, synapse=0.03), nengo.Probe(host), nengo.Probe(live),
                  nengo.Probe(direct)]
    (ens_ours, ens_ref), (host_ours, host_ref), (live_ours, live_ref), (prod_ours, prod_ref) = \
        run_both(model, probes)
    np.testing.assert_allclose(live_ours, live_ref)
    np.testing.assert_allclose(prod_ours, prod_ref)  # computed on the host from the nodes
    assert live_ours.shape == (300, 2) and host_ours.shape == (300, 1)
    # the host node's input crosses the machine (a tick later than nengo's)
    np.testing.assert_allclose(host_ours[5:], host_ref[5:], atol=1e-3)
    assert abs(ens_ours[-1, 0] - ens_ref[-1, 0]) < 0.05  # (2 * 0.7) / 4 = 0.35


def test_probes_of_connections_out_of_nodes_are_nengos():
    with nengo.Network(seed=0) as model:
        wave = nengo.Node(np.sin)
        half = nengo.Node(0.5)
        out = nengo.Node(size_in=1)
        plain = nengo.Connection(wave, out, transform=-1, synapse=None)
        squared = nengo.Connection(half, out, function=lambda x: x ** 2, synapse=None)
        filtered = nengo.Connection(wave, out, function=np.square, synapse=0.01)
        probes = [nengo.Probe(plain, "output", synapse=None),
                  nengo.Probe(squared, "output", synapse=None),
                  nengo.Probe(filtered, "output", synapse=0.005)]
    for ours, theirs in run_both(model, probes, seconds=0.2):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_a_probe_of_a_connection_out_of_an_ensemble_is_refused():
    with nengo.Network(seed=0) as model:
        conn = nengo.Connection(nengo.Ensemble(10, 1), nengo.Ensemble(10, 1))
        nengo.Probe(conn, "output")
    with pytest.raises(spinnc.errors.UnsupportedFeature, match="probing 'output' of Connection"):
        build(model, seed=0)
