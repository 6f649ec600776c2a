"""The Graph's parameters equal nengo.Simulator's, array for array."""

import nengo
from nengo.cache import NoDecoderCache
import numpy as np
import pytest
from nengo.ensemble import Neurons

from spinnc.frontend import build, nengo_model

from .models import MODELS


@pytest.fixture(scope="module", params=sorted(MODELS))
def built(request):
    network = MODELS[request.param]()
    graph = build(network, dt=0.001)
    # Without nengo's decoder cache, as spinnc builds: decoders cached by a
    # run with other BLAS threading may differ in their last bits.
    model = nengo.builder.Model(dt=0.001, decoder_cache=NoDecoderCache())
    with nengo.Simulator(network, dt=0.001, model=model, progress_bar=False) as sim:
        yield network, graph, sim


def test_population_parameters_equal_nengo(built):
    network, graph, sim = built
    assert len(graph.populations) == len(network.all_ensembles)
    for ens in network.all_ensembles:
        pop = graph.populations[graph.name_of(ens)]
        data = sim.data[ens]
        np.testing.assert_array_equal(pop.gain, data.gain)
        np.testing.assert_array_equal(pop.bias, data.bias)
        np.testing.assert_array_equal(pop.encoders, data.encoders)
        np.testing.assert_allclose(pop.scaled_encoders, data.scaled_encoders, rtol=1e-12)
        assert pop.radius == ens.radius and pop.tau_rc == ens.neuron_type.tau_rc
        voltage = sim.signals[sim.model.sig[ens.neurons]["voltage"]]
        np.testing.assert_array_equal(pop.initial_voltage, voltage)


def nengo_matrix(sim, conn):
    """One nengo connection as a (post size_in, source output) matrix, from
    the simulator's data."""
    pre = conn.pre_obj
    source_size = pre.n_neurons if isinstance(pre, nengo.Ensemble) else pre.size_out
    block = np.zeros((conn.size_out, source_size))
    weights = sim.data[conn].weights
    if isinstance(pre, nengo.Ensemble):
        block[:] = weights
    else:
        pre_indices = np.arange(pre.size_out)[conn.pre_slice]
        if weights is None:
            weights = np.eye(len(pre_indices))
        elif np.ndim(weights) == 0:
            weights = weights * np.eye(len(pre_indices))
        elif np.ndim(weights) == 1:
            weights = np.diag(weights)
        block[:, pre_indices] = weights
    matrix = np.zeros((conn.post_obj.size_in, source_size))
    matrix[np.arange(conn.post_obj.size_in)[conn.post_slice]] = block
    return matrix


def test_connection_weights_equal_nengo_composed_through_passthroughs(built):
    network, graph, sim = built
    for conn in graph.connections:
        if conn.target == "probe":
            continue
        expected = nengo_matrix(sim, conn.obj[0])
        for later in conn.obj[1:]:
            expected = nengo_matrix(sim, later) @ expected
        post = conn.obj[-1].post_obj
        actual = np.zeros((post.size_in, expected.shape[1]))
        actual[conn.post_indices] = conn.weights  # neurons: one row for each
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15,
                                   err_msg=conn.name)
        if conn.target == "neurons":
            assert isinstance(post, Neurons) and conn.weights.shape[0] == 1


def test_every_nengo_connection_is_accounted_for(built):
    network, graph, sim = built
    passthroughs = {n for n in network.all_nodes if n.output is None}
    used = {c for conn in graph.connections for c in conn.obj}
    for conn in network.all_connections:
        touches_passthrough = conn.pre_obj in passthroughs or conn.post_obj in passthroughs
        assert conn in used or touches_passthrough, conn
    names = set(graph.populations) | set(graph.inputs)
    for conn in graph.connections:
        assert conn.pre in names
        assert conn.post in (graph.probes if conn.target == "probe" else names)


def test_decoded_probe_weights_equal_nengo(built):
    network, graph, sim = built
    probe_conns = {c.post_obj: c for c in sim.model.params
                   if isinstance(c, nengo.Connection) and isinstance(c.post_obj, nengo.Probe)}
    for probe in network.all_probes:
        name = graph.name_of(probe)
        if probe.attr != "decoded_output":
            continue
        (conn,) = graph.incoming(name, probe=True)
        np.testing.assert_array_equal(conn.weights, sim.data[probe_conns[probe]].weights)
        assert conn.synapse == (None if probe.synapse is None else probe.synapse.tau)


def test_probes_keep_kind_size_and_sampling():
    network = MODELS["two_dimensional"]()
    graph = build(network)
    voltage = graph.probes["a voltage"]
    assert (voltage.kind, voltage.size, voltage.sample_every, voltage.target) == (
        "voltage", 80, 5, "a")
    assert graph.probes["b slice"].size == 1
    (into_slice,) = graph.incoming("b slice", probe=True)
    assert into_slice.weights.shape == (1, 60)
    assert graph.inputs["host"].kind == "host"
    assert graph.inputs["stim"].kind == "constant"
    assert graph.inputs["wave"].kind == "time"


def test_ensemble_array_paths_with_zero_weights_are_dropped():
    graph = build(MODELS["ensemble_array"]())
    into_array = [c for c in graph.connections if c.pre == "stim" and c.post.startswith("ea.")]
    assert len(into_array) == 3
    for conn in into_array:
        assert np.count_nonzero(conn.weights) == 1
    inhibition = [c for c in graph.connections if c.target == "neurons"]
    assert [(c.pre, c.post, c.weights.shape) for c in inhibition] == [("gate", "ea.ea_0", (1, 40))]


def test_inhibition_through_a_neuron_input_node_is_global():
    graph = build(MODELS["gated_memory"]())
    gates = [c for c in graph.connections if c.target == "neurons"]
    assert sorted(c.post for c in gates) == ["memory.diff.diff_0", "memory.diff.diff_1"]
    for conn in gates:
        assert conn.pre == "gate" and conn.weights.shape == (1, 1)
        assert len(conn.post_indices) == 30


def test_time_inputs_are_sampled_as_nengo_evaluates_them():
    with nengo.Network(seed=0) as network:
        wave = nengo.Node(lambda t: [np.sin(t), t], label="wave")
        noise = nengo.Node(nengo.processes.WhiteSignal(1.0, high=5, seed=3), label="noise")
        p_wave, p_noise = nengo.Probe(wave), nengo.Probe(noise)
    graph = build(network)
    with nengo.Simulator(network, progress_bar=False) as sim:
        sim.run_steps(20)
    np.testing.assert_allclose(graph.inputs["wave"].samples(20, 0.001), sim.data[p_wave])
    np.testing.assert_allclose(graph.inputs["noise"].samples(20, 0.001), sim.data[p_noise])


def test_seed_argument_seeds_an_unseeded_network():
    def make():
        with nengo.Network() as network:
            nengo.Ensemble(30, 1, label="e")
        return network

    network = make()
    first, again = build(network, seed=7), build(network, seed=7)
    np.testing.assert_array_equal(first.populations["e"].gain, again.populations["e"].gain)
    other = build(network, seed=8)
    assert not np.array_equal(first.populations["e"].gain, other.populations["e"].gain)
    model = nengo_model(network, seed=7)
    np.testing.assert_array_equal(first.populations["e"].bias,
                                  model.params[network.ensembles[0]].bias)


def test_names_are_unique_and_readable():
    with nengo.Network(seed=0) as network:
        a = nengo.Ensemble(10, 1, label="a")
        b = nengo.Ensemble(10, 1, label="a")
        c = nengo.Ensemble(10, 1)
        with nengo.Network(label="sub"):
            d = nengo.Ensemble(10, 1, label="d")
        probe = nengo.Probe(a, label="a")
        default_probe = nengo.Probe(c.neurons)
    graph = build(network)
    assert [graph.name_of(o) for o in (a, b, c, d)] == ["a", "a#2", "ensemble2", "sub.d"]
    assert graph.name_of(probe) == "a"  # probes have their own namespace
    assert graph.name_of(default_probe) == "ensemble2.spikes"


@pytest.mark.parametrize("transform", [
    nengo.Convolution(2, (4, 4, 2), init=np.arange(36.0).reshape(3, 3, 2, 2) / 36),
    nengo.Convolution(2, (2, 5), kernel_size=(3,), strides=(1,), channels_last=False,
                      padding="same"),
    nengo.transforms.ConvolutionTranspose(2, (3, 3, 1), init=np.ones((3, 3, 1, 2))),
    nengo.transforms.Sparse((3, 4), indices=[[0, 1], [2, 3]], init=[2.0, -1.0]),
])
def test_other_transforms_become_their_dense_matrix(transform):
    x = np.random.RandomState(0).uniform(-1, 1, transform.size_in)
    with nengo.Network(seed=0) as network:
        node = nengo.Node(x)
        out = nengo.Node(size_in=transform.size_out)
        nengo.Connection(node, out, transform=transform, synapse=None)
        probe = nengo.Probe(out)
    graph = build(network, dt=0.001)
    with nengo.Simulator(network, progress_bar=False) as sim:
        sim.step()
    (conn,) = graph.incoming(graph.name_of(probe), probe=True)
    value = np.zeros(transform.size_out)  # the rows the fold kept: those not all zero
    value[conn.post_indices] = conn.weights @ x
    np.testing.assert_allclose(value, sim.data[probe][0], atol=1e-12)


def test_unseeded_processes_are_seeded_by_the_process_seed():
    with nengo.Network(seed=0) as network:
        a = nengo.Node(nengo.processes.WhiteNoise())
        b = nengo.Node(nengo.processes.WhiteNoise())

    def samples(process_seed):
        graph = build(network, dt=0.001, process_seed=process_seed)
        return [graph.inputs[graph.name_of(n)].samples(50, 0.001) for n in (a, b)]

    first = samples(1)
    for again, sample in zip(samples(1), first):
        np.testing.assert_array_equal(again, sample)
    assert not np.allclose(first[0], first[1])
    assert not np.allclose(samples(2)[0], first[0])


def test_rows_into_the_same_dimension_add_up():
    with nengo.Network(seed=0) as network:
        u = nengo.Node([0.25, 0.5])
        b = nengo.Ensemble(20, 2)
        nengo.Connection(u[[0, 1]], b[[1, 1]])
        nengo.Connection(u[[1, 1]], b[[0, 0]])
    graph = build(network, dt=0.001)
    first, second = graph.incoming(graph.name_of(b))
    np.testing.assert_array_equal(first.post_indices, [1])
    np.testing.assert_array_equal(first.weights, [[1.0, 1.0]])
    np.testing.assert_array_equal(second.post_indices, [0])
    np.testing.assert_array_equal(second.weights, [[0.0, 2.0]])


def test_weights_per_neuron_become_extra_input_dimensions():
    with nengo.Network(seed=0) as network:
        u = nengo.Node([0.5, -0.25])
        ens = nengo.Ensemble(6, 1)
        transform = np.arange(12.0).reshape(6, 2)  # rank 2
        nengo.Connection(u, ens.neurons, transform=transform)
        nengo.Connection(u, ens.neurons, transform=np.zeros((6, 2)))  # reaches nothing
    graph = build(network, dt=0.001)
    pop = graph.populations[graph.name_of(ens)]
    (conn,) = graph.incoming(graph.name_of(ens))
    assert pop.dimensions == 3 and conn.target == "value"
    np.testing.assert_array_equal(conn.post_indices, [1, 2])
    x = np.array([0.5, -0.25])
    # the extra dimensions add gain * (transform @ x) to each neuron's current
    current = pop.scaled_encoders[:, 1:] @ (conn.weights @ x)
    np.testing.assert_allclose(current, pop.gain * (transform @ x), atol=1e-12)
