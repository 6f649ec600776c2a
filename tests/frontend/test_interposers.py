"""Which passthrough nodes the frontend keeps as interposers, and what the
Graph then says about them."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.frontend import build
from spinnc.frontend.interposers import EXACT_RATIO, LATE_RATIO, packets


def interposers(graph):
    return {name: inp for name, inp in graph.inputs.items() if inp.kind == "interposer"}


def test_a_circular_convolutions_output_node_is_kept():
    with nengo.Network(seed=0) as network:
        a, b = nengo.Node(np.ones(16) / 4), nengo.Node(np.ones(16) / 4)
        bind = nengo.networks.CircularConvolution(10, 16)
        nengo.Connection(a, bind.input_a)
        nengo.Connection(b, bind.input_b)
        array = nengo.networks.EnsembleArray(10, 16)
        nengo.Connection(bind.output, array.input)
    graph = build(network)
    name = graph.name_of(bind.product.output)
    assert list(interposers(graph)) == [name]
    inp = graph.inputs[name]
    assert inp.size_in == bind.product.output.size_in == 36
    # 72 product ensembles send one packet each into it; it sends one row to
    # each of the array's 16 sub-ensembles (the folded nodes after it).
    into = graph.incoming(name)
    assert len(into) == 72 and all(c.weights.shape[0] == 1 for c in into)
    out = graph.outgoing(name)
    assert sorted(c.post for c in out) == sorted(graph.name_of(e) for e in array.ea_ensembles)
    assert all(c.weights.shape == (1, 36) and c.synapse.tau == 0.005 for c in out)
    # The inputs are folded: the value sources feed the product ensembles directly.
    assert {graph.inputs[c.pre].kind for c in graph.connections if c.pre in graph.inputs} == {
        "constant", "interposer"}


def test_an_ensemble_array_is_folded():
    with nengo.Network(seed=0) as network:
        array = nengo.networks.EnsembleArray(10, 8)
        after = nengo.Ensemble(20, 8)
        nengo.Connection(array.output, after)
    assert interposers(build(network)) == {}


def dense_relay(n_pre, n_post, synapse_in, synapse_out, stimulus=False):
    rng = np.random.RandomState(0)
    with nengo.Network(seed=0) as network:
        pres = [nengo.Ensemble(50 if stimulus else 10, 1) for _ in range(n_pre)]
        relay = nengo.Node(size_in=n_pre)
        posts = [nengo.Ensemble(10, 1) for _ in range(n_post)]
        for i, pre in enumerate(pres):
            nengo.Connection(pre, relay[i], synapse=synapse_in)
        transform = rng.uniform(-0.5, 0.5, (n_post, n_pre))
        for j, post in enumerate(posts):
            nengo.Connection(relay, post, transform=transform[j:j + 1], synapse=synapse_out)
        if stimulus:
            source = nengo.Node(lambda t: np.sin(8 * t))
            for pre in pres:
                nengo.Connection(source, pre)
            for post in posts:
                nengo.Probe(post, synapse=0.02)
    return network, relay


@pytest.mark.parametrize("n_pre, n_post, synapse_in, kept", [
    (4, 4, None, False),  # 16 rows folded, 8 through a core: not worth a tick of delay
    (20, 20, None, True),  # 400 against 40: traffic forces it
    (4, 4, 0.005, True),  # exact (synapses on both sides) and it halves the packets
])
def test_the_rule(n_pre, n_post, synapse_in, kept):
    network, relay = dense_relay(n_pre, n_post, synapse_in, 0.005)
    graph = build(network)
    assert (graph.name_of(relay) in interposers(graph)) == kept


def test_synapses_on_both_sides_are_exact_as_in_nengo():
    """Kept (it halves the packets; or folding refuses two synapses in a
    row), the interposer runs both filters with nengo's timing."""
    network, relay = dense_relay(4, 4, 0.005, 0.01, stimulus=True)
    graph = build(network)
    assert graph.name_of(relay) in interposers(graph)
    with nengo.Simulator(network, progress_bar=False) as ref:
        ref.run(0.5)
    with spinnc.Simulator(network) as sim:
        sim.run(0.5)
    for probe in network.probes:
        error = np.sqrt(np.mean((sim.data[probe] - ref.data[probe]) ** 2))
        assert error < 0.05 * np.ptp(ref.data[probe])


def test_packets_counts_rows_sent():
    network, relay = dense_relay(6, 3, None, 0.005)
    from spinnc.frontend import builder

    model = builder.nengo_model(network)
    graph = spinnc.frontend.graph.Graph(dt=0.001, seed=None, names=builder._names(network))
    edges = [builder._connection(model, graph, c) for c in network.all_connections]
    name = graph.names[relay]
    folded, kept = packets([c for c in edges if c.post == name],
                           [c for c in edges if c.pre == name])
    assert (folded, kept) == (6 * 3, 6 + 3)
    assert kept * EXACT_RATIO <= folded < kept * LATE_RATIO


def test_a_probe_on_a_kept_node_is_fed_by_the_sources():
    """What is recorded is computed as before: probe edges are folded through."""
    network, relay = dense_relay(4, 4, 0.005, 0.005)
    with network:
        probe = nengo.Probe(relay)
    graph = build(network)
    assert graph.name_of(relay) in interposers(graph)
    edges = graph.incoming(graph.name_of(probe), probe=True)
    assert len(edges) == 4
    assert {e.pre for e in edges} == {c.pre for c in graph.incoming(graph.name_of(relay))}
