"""Each core sends the rows its neurons reach, to the cores that need them,
each core holds the input dimensions its neurons encode, and each filter
covers the dimensions its connections reach (spinnc.mapper.partition's
nets, spinnc.apps._writing's filters)."""

import nengo
import numpy as np

import spinnc
from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine
from spinnc.regions import Region

from ..firmware_sim.test_arm_learning import run_both


def split_activities(n=1200):
    """A population too big for one core whose neurons each drive one row."""
    with nengo.Network(seed=1) as net:
        u = nengo.Node(lambda t: np.sin(6 * t))
        a = nengo.Ensemble(n, 1, label="a")
        b = nengo.Ensemble(200, n // 100, label="b")
        nengo.Connection(u, a)
        # neuron i drives row i // 100 (each row the summed activity of 100 neurons)
        transform = np.kron(np.eye(n // 100), np.ones((1, 100))) * 2e-4
        nengo.Connection(a.neurons, b, transform=transform, synapse=0.01)
        net.probe = nengo.Probe(b, synapse=0.02)
    return net


def test_each_core_sends_the_rows_its_neurons_reach():
    net = split_activities()
    compilation = compile_network(net, Machine.spinn3(), n_steps=10, seed=0)
    parts = compilation.partition
    cores = parts.vertices_of["a"]
    assert len(cores) > 1
    sent = [net_ for net_ in parts.nets if net_.source in cores]
    # each row from the cores holding its neurons (a core's slice may span two rows')
    reaching = [len(range(s.lo // 100, (s.hi - 1) // 100 + 1))
                for s in (parts.vertices[v].slices[0] for v in cores)]
    assert sum(n.size for n in sent) == sum(reaching) < 12 * len(cores)
    conns = {c.name: c for c in compilation.fixed_graph.connections}
    for n in sent:  # row r of a's transform is b's dimension r
        (s,) = parts.vertices[n.source].slices
        rows = n.rows_of(conns[n.connections[0]].post_indices)
        assert all(s.lo < 100 * (r + 1) and 100 * r < s.hi for r in rows)


def test_pruned_rows_compute_what_nengo_computes():
    net = split_activities()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    error = np.sqrt(np.mean((sim.data[net.probe] - ref.data[net.probe]) ** 2))
    assert np.abs(ref.data[net.probe]).max() > 0.2  # it carries something
    assert error < 0.05


def learned_matrix(n=60):
    rng = np.random.RandomState(2)
    with nengo.Network(seed=2) as net:
        a, b = nengo.Ensemble(n, 1, label="a"), nengo.Ensemble(n, 1, label="b")
        nengo.Connection(nengo.Node(lambda t: np.cos(5 * t)), a)
        conn = nengo.Connection(a.neurons, b.neurons, learning_rule_type=nengo.Oja(1e-5),
                                transform=rng.uniform(high=1e-3, size=(n, n)))
        nengo.Probe(conn, "weights", sample_every=0.01)
        nengo.Probe(b, synapse=0.01)
    return net


def test_a_learned_matrix_row_goes_to_the_core_of_its_neuron():
    compilation = compile_network(learned_matrix(), Machine.spinn3(), n_steps=10, seed=0)
    parts = compilation.partition
    post_cores = parts.vertices_of["b"]
    assert len(post_cores) > 1  # split so that each core receives fewer rows
    pre_cores = set(parts.vertices_of["a"])
    learned = [n for n in parts.nets if n.source in pre_cores and n.rows is not None]
    assert learned
    for n in learned:  # its rows reach the neurons of its sinks alone
        for sink in n.sinks:
            (s,) = parts.vertices[sink].slices
            assert np.all((n.rows >= s.lo) & (n.rows < s.hi))


def test_a_core_holds_the_dimensions_its_neurons_encode():
    """b's input is its 1 dimension and a learned row per neuron: a core of
    b holds the dimension and its own neurons' rows, and filters those."""
    image = compile_network(learned_matrix(), Machine.spinn3(), n_steps=10, seed=0).image
    held = 0
    for core in Emulator(image).cores:
        if core.app.name != "ensemble" or not core.name.startswith("b"):
            continue
        header, arrays = core.region(Region.POPULATION)
        n = int(header["n_neurons"])
        assert int(header["input_dims"]) == 1 + n
        assert arrays["encoders"].reshape(n, 1 + n)[:, 1:].astype(bool).sum(axis=0).tolist() \
            == [1] * n  # each row is one neuron's
        filters = core.region(Region.FILTERS)[1]["filters"]
        assert sum(int(f["dims"]) for f in filters) <= 1 + n
        held += n
    assert held == 60


def test_filters_cover_the_dimensions_their_connections_reach():
    with nengo.Network(seed=3) as net:
        x = nengo.Ensemble(60, 6, label="x")
        nengo.Connection(nengo.Node([0.5, -0.5]), x[:2], synapse=0.005)
        nengo.Connection(nengo.Node([0.3, 0.2]), x[4:], synapse=0.05)
        nengo.Probe(x, synapse=0.01)
    image = compile_network(net, Machine.spinn3(), n_steps=10, seed=0).image
    (core,) = [c for c in Emulator(image).cores if c.app.name == "ensemble"]
    filters = core.region(Region.FILTERS)[1]["filters"]
    assert sorted((int(f["first"]), int(f["dims"])) for f in filters) == [(0, 2), (4, 2)]


def test_pruned_nets_and_narrow_filters_run_alike_on_both_engines():
    run_both(learned_matrix(), steps=60)
