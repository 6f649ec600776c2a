"""PES on the cores against nengo's: learned outputs, weights, what is refused."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.errors import UnsupportedFeature


def channel(learning_rate=1e-3, target=lambda t: np.sin(6 * t), seed=1):
    """A communication channel learned from zero: b learns to output u."""
    with nengo.Network(seed=seed) as net:
        u = nengo.Node(target, label="u")
        a = nengo.Ensemble(100, 1, label="a")
        b = nengo.Ensemble(100, 1, label="b")
        e = nengo.Ensemble(100, 1, label="e")
        nengo.Connection(u, a)
        conn = nengo.Connection(a, b, function=lambda x: 0,
                                learning_rule_type=nengo.PES(learning_rate))
        nengo.Connection(b, e)
        nengo.Connection(u, e, transform=-1)
        nengo.Connection(e, conn.learning_rule)
        net.watch = dict(b=nengo.Probe(b, synapse=0.03), e=nengo.Probe(e, synapse=0.03),
                          weights=nengo.Probe(conn, "weights", sample_every=0.05))
    return net


def rms(x):
    return float(np.sqrt(np.mean(np.square(x))))


@pytest.fixture(scope="module")
def channel_runs():
    net = channel()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(1.5)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(1.5)
    return net, ref, sim


def test_a_learned_channel_reaches_nengos_error(channel_runs):
    net, ref, sim = channel_runs
    late = sim.trange() > 1.0
    error = rms(sim.data[net.watch["e"]][late])
    assert abs(error - rms(ref.data[net.watch["e"]][late])) < 0.05
    # It learned: from an output of 0 (an error of u) to one that follows u.
    assert error < 0.3 * rms(np.sin(6 * sim.trange()[late]))
    assert rms(sim.data[net.watch["b"]][late]) > 0.5


def test_the_weights_probe_shows_the_machines_weights(channel_runs):
    net, ref, sim = channel_runs
    ours, theirs = sim.data[net.watch["weights"]], ref.data[net.watch["weights"]]
    assert ours.shape == theirs.shape == (30, 1, 100)
    assert not np.allclose(ours[0], ours[-1])
    assert np.abs(ours - theirs).max() < 0.1 * np.abs(theirs).max()


def test_connections_with_equal_initial_decoders_learn_apart():
    with nengo.Network(seed=2) as net:
        a = nengo.Ensemble(80, 1)
        nengo.Connection(nengo.Node(0.3), a)
        outs = []
        for goal in (0.5, -0.5):
            b = nengo.Node(size_in=1)
            conn = nengo.Connection(a, b, function=lambda x: 0,
                                    learning_rule_type=nengo.PES(1e-3))
            error = nengo.Node(size_in=1)
            nengo.Connection(b, error, synapse=None)
            nengo.Connection(nengo.Node(-goal), error, synapse=None)
            nengo.Connection(error, conn.learning_rule)
            outs.append(nengo.Probe(b, synapse=0.05))
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.6)
    late = sim.trange() > 0.45
    assert np.allclose(sim.data[outs[0]][late], 0.5, atol=0.1)
    assert np.allclose(sim.data[outs[1]][late], -0.5, atol=0.1)


def test_a_transform_through_a_passthrough_node_learns_exactly():
    """nengo's test_pes_transform: the learned connection reaches a probe
    and the error through passthrough nodes."""
    T = np.array([[0.5], [-0.5]])
    with nengo.Network(seed=3) as net:
        u = nengo.Node([1])
        a = nengo.Ensemble(200, 1)
        b = nengo.Node(size_in=2)
        e = nengo.Node(size_in=1)
        nengo.Connection(u, a)
        conn = nengo.Connection(a, b, function=lambda x: [0], transform=T,
                                learning_rule_type=nengo.PES(learning_rate=1e-3))
        nengo.Connection(b[0], e, synapse=None)
        nengo.Connection(nengo.Node(-1), e)
        nengo.Connection(e, conn.learning_rule, transform=T, synapse=None)
        probe = nengo.Probe(b, synapse=0.05)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    assert np.allclose(sim.data[probe][sim.trange() > 0.7], [1, -1], atol=0.05)


def test_float_emulation_learns_as_the_fixed_point_does(channel_runs):
    net, _, sim = channel_runs
    floating = sim.emulate("float")
    name = sim._probe_names[net.watch["e"]]
    late = sim.trange() > 1.0
    assert abs(rms(floating.data[name][late]) - rms(sim.data[net.watch["e"]][late])) < 0.03


@pytest.mark.parametrize("rule, message", [
    (nengo.RLS(), "the learning rule RLS.*spinnc runs BCM, Oja, PES, Voja on the cores"),
    ([nengo.PES(), nengo.PES()], "2 learning rules on one connection"),
])
def test_rules_spinnc_does_not_run_are_named(rule, message):
    with nengo.Network() as net:
        a, b = nengo.Ensemble(20, 1), nengo.Ensemble(30, 1)
        nengo.Connection(a, b, learning_rule_type=rule, label="learned")
    with pytest.raises(UnsupportedFeature, match=f"'learned'.*{message}"):
        spinnc.Simulator(net)


def test_pes_from_a_run_of_neurons_learns_from_those_alone():
    """From a slice of the pre's neurons, split over cores (one holds none
    of them): the output follows nengo's, the weights probe shows the
    slice's columns, and the weights of the other neurons stay zero."""
    with nengo.Network(seed=6) as net:
        u = nengo.Node(lambda t: np.sin(6 * t))
        a = nengo.Ensemble(1200, 1)
        b = nengo.Node(size_in=1)
        nengo.Connection(u, a)
        conn = nengo.Connection(a.neurons[700:1000], b, transform=np.zeros((1, 300)),
                                learning_rule_type=nengo.PES(1e-3))
        e = nengo.Node(size_in=1)
        nengo.Connection(b, e, synapse=None)
        nengo.Connection(u, e, transform=-1, synapse=None)
        nengo.Connection(e, conn.learning_rule)
        out = nengo.Probe(b, synapse=0.03)
        weights = nengo.Probe(conn, "weights", sample_every=0.1)
        activities = nengo.Probe(conn.learning_rule, "activities")
        neurons = nengo.Probe(a.neurons[700:1000], synapse=conn.learning_rule_type.pre_synapse)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(1.0)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    assert sum(c.application == "ensemble" for c in sim.compilation.image.cores) >= 3
    late = sim.trange() > 0.5
    error = rms(sim.data[out][late, 0] - np.sin(6 * sim.trange()[late]))
    expected = rms(ref.data[out][late, 0] - np.sin(6 * ref.trange()[late]))
    assert error < 0.5 * rms(np.sin(6 * sim.trange()[late]))  # it learned
    assert abs(error - expected) < 0.05
    assert sim.data[weights].shape == ref.data[weights].shape == (10, 1, 300)
    assert np.abs(sim.data[weights] - ref.data[weights]).max() < 0.2 * np.abs(
        ref.data[weights]).max()
    assert sim.data[conn].weights.shape == (1, 300)
    assert sim.data[activities].shape == (1000, 300)
    assert np.abs(sim.data[activities][:-1] - sim.data[neurons][1:]).max() < 1e-3


def test_pes_from_neurons_picked_by_a_step_says_what_to_connect():
    with nengo.Network() as net:
        a, b = nengo.Ensemble(20, 1), nengo.Ensemble(20, 1)
        nengo.Connection(a.neurons[::2], b, transform=np.ones((1, 10)),
                         learning_rule_type=nengo.PES(), label="learned")
    with pytest.raises(UnsupportedFeature, match="'learned'.*a list or a step.*slice of step 1"):
        spinnc.Simulator(net)


def test_a_rate_that_underflows_is_refused_with_the_smallest_that_works():
    with nengo.Network() as net:
        a, b = nengo.Ensemble(20, 1), nengo.Ensemble(20, 1)
        nengo.Connection(a, b, learning_rule_type=nengo.PES(1e-14), label="learned")
    with pytest.raises(spinnc.errors.QuantisationError, match="learned.*smallest rate"):
        spinnc.Simulator(net)


def test_sim_data_gives_the_weights_the_cores_learned(channel_runs):
    net, ref, sim = channel_runs
    conn = next(c for c in net.all_connections if c.learning_rule_type is not None)
    # (nengo's sim.data keeps the built weights; its last probe sample is the learned ones)
    ours, theirs = sim.data[conn].weights, ref.data[net.watch["weights"]][-1]
    assert ours.shape == theirs.shape == (1, 100)
    assert not np.allclose(ours, sim.model.params[conn].weights)  # not nengo's build
    assert np.abs(ours - theirs).max() < 0.1 * np.abs(theirs).max()
    # The last probe sample is the weights of its step.
    assert np.allclose(sim.data[net.watch["weights"]][-1], ours, atol=1e-9)


def test_the_mapping_report_shows_the_learning_on_each_core():
    from spinnc.compiler import compile_network
    from spinnc.report.mapping import mapping_report, mapping_text

    compiled = compile_network(channel(), n_steps=10, seed=0)
    report = mapping_report(compiled)
    (rule,) = report["learning"]
    assert (rule["type"], rule["learns"], rule["population"], rule["rows"]) == (
        "PES", "weights", "a", 1)
    assert rule["cores"] and all(c["cycles"] > 0 for c in rule["cores"])
    assert "Learning on the cores" in mapping_text(compiled, report)


def test_compare_weighs_the_learned_output_against_nengos():
    net = channel()
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.8)
        comparison = sim.compare()
    learned = comparison[sim._probe_names[net.watch["b"]]]
    # Learning from 0 to the sine: the learned output follows nengo's closely
    # (measured: 0.0027 of a reference RMS of 0.64), and so do the weights.
    assert learned.reference_rms > 0.3
    assert learned.rms_error < 0.02 * learned.reference_rms
    weights = comparison[sim._probe_names[net.watch["weights"]]]
    assert weights.kind == "weights" and weights.rms_error < 0.05 * weights.reference_rms


def test_pes_from_a_run_of_neurons_learns_when_only_its_weights_are_probed():
    """Its output reaches nothing, so only the weights probe keeps the rule
    on the cores: the weights it learns follow nengo's."""
    with nengo.Network(seed=8) as net:
        u = nengo.Node(lambda t: np.sin(6 * t))
        a = nengo.Ensemble(600, 1)
        nengo.Connection(u, a)
        conn = nengo.Connection(a.neurons[200:500], nengo.Node(size_in=1),
                                transform=np.zeros((1, 300)),
                                learning_rule_type=nengo.PES(1e-3))
        nengo.Connection(u, conn.learning_rule, transform=-1)
        weights = nengo.Probe(conn, "weights", sample_every=0.05)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    ours, theirs = sim.data[weights], ref.data[weights]
    assert ours.shape == theirs.shape == (6, 1, 300)
    assert np.abs(theirs[-1]).max() > 0
    assert np.abs(ours - theirs).max() < 0.1 * np.abs(theirs).max()
