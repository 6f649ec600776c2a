"""Probes of a learning rule (``nengo.Probe(conn.learning_rule, attr)``):
what the cores read, recorded there, against what the same run's other
probes say it must be, and the attributes that are refused."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.errors import UnsupportedFeature

STEPS = 300


def pes_network(pre_synapse, n=100):
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(nengo.processes.WhiteSignal(0.5, high=10, seed=5))
        x = nengo.Ensemble(n, 1)
        y = nengo.Ensemble(50, 1)
        nengo.Connection(stim, x, synapse=None)
        conn = nengo.Connection(x, y, learning_rule_type=nengo.PES(pre_synapse=pre_synapse))
        err = nengo.Node(size_in=1)
        nengo.Connection(y, err)
        nengo.Connection(stim, err, transform=-1)
        nengo.Connection(err, conn.learning_rule)  # through nengo's default Lowpass(0.005)
        net.watch = dict(
            activities=nengo.Probe(conn.learning_rule, "activities"),
            error=nengo.Probe(conn.learning_rule, "error"),
            sampled=nengo.Probe(conn.learning_rule, "error", sample_every=0.005),
            neurons=nengo.Probe(x.neurons, synapse=pre_synapse),
            err=nengo.Probe(err, synapse=0.005))
    return net


def run(net, steps=STEPS, **kwargs):
    with spinnc.Simulator(net, progress_bar=False, **kwargs) as sim:
        sim.run_steps(steps)
    return {k: sim.data[p] for k, p in net.watch.items()}


@pytest.mark.parametrize("pre_synapse", [None, 0, nengo.Lowpass(0.05)], ids=str)
def test_pes_activities_are_the_filtered_spikes_one_step_ahead(pre_synapse):
    """nengo's own relation (test_pes_synapse): the rule's activities at step
    n are the neurons' output through pre_synapse that a probe shows at n + 1
    (at n without a synapse: the probe filters nothing).  Unfiltered, the
    cores' trace is exact; through a Lowpass it has 20 fractional bits
    (s16.15 was 2e-4 Hz off, which nengo's own test does not allow)."""
    data = run(pes_network(pre_synapse))
    activities, neurons = data["activities"], data["neurons"]
    assert activities.shape == (STEPS, 100)
    assert activities.max() > 100  # the neurons spike
    if pre_synapse is None:
        assert np.array_equal(activities, neurons)
    elif getattr(pre_synapse, "tau", pre_synapse) == 0:  # 0: Lowpass(0)
        assert np.array_equal(activities[:-1], neurons[1:])
    else:
        assert np.abs(activities[:-1] - neurons[1:]).max() < 5e-5
        assert not np.array_equal(activities[1:], activities[:-1])


def test_pes_error_is_the_filtered_error_the_cores_receive():
    """The error the rule reads is its error connection's output through the
    connection's synapse: what a probe of the error node with that synapse
    shows in the same step (s16.15 against float)."""
    data = run(pes_network(nengo.Lowpass(0.005)))
    error, expected = data["error"], data["err"]
    assert error.shape == (STEPS, 1)
    assert np.abs(error).max() > 0.02
    assert np.abs(error - expected).max() < 2e-3
    assert np.array_equal(data["sampled"], error[4::5])  # sample_every keeps nengo's rows


def test_the_trace_of_a_population_split_over_cores_is_in_neuron_order():
    net = pes_network(nengo.Lowpass(0.01), n=900)
    data = run(net, steps=60)
    assert np.abs(data["activities"][:-1] - data["neurons"][1:]).max() < 5e-5


@pytest.mark.parametrize("rule", [nengo.BCM(learning_rate=1e-7),
                                  nengo.Oja(learning_rate=1e-4)], ids=str)
def test_weight_rules_record_their_pre_and_post_activities(rule):
    """pre_filtered is nengo's (one step ahead of a probe of the pre's
    neurons through pre_synapse); post_filtered is what reached the pre's
    cores: the post's activities cross the machine as packets, so it is one
    step behind nengo's, in step with such a probe of the post's neurons."""
    rng = np.random.RandomState(4)
    with nengo.Network(seed=4) as net:
        u = nengo.Node(lambda t: [np.sin(9 * t), np.cos(5 * t)])
        a, b = nengo.Ensemble(20, 2), nengo.Ensemble(12, 2)
        nengo.Connection(u, a)
        conn = nengo.Connection(a.neurons, b.neurons, learning_rule_type=rule,
                                transform=rng.uniform(high=2e-3, size=(12, 20)))
        net.watch = dict(pre=nengo.Probe(conn.learning_rule, "pre_filtered"),
                         post=nengo.Probe(conn.learning_rule, "post_filtered"),
                         a=nengo.Probe(a.neurons, synapse=rule.pre_synapse),
                         b=nengo.Probe(b.neurons, synapse=rule.post_synapse))
    data = run(net)
    assert data["pre"].shape == (STEPS, 20) and data["post"].shape == (STEPS, 12)
    assert data["pre"].max() > 50 and data["post"].max() > 50
    assert np.abs(data["pre"][:-1] - data["a"][1:]).max() < 5e-5
    assert np.abs(data["post"] - data["b"]).max() < 1e-3


def test_voja_records_its_post_activities():
    with nengo.Network(seed=2) as net:
        u = nengo.Node([0.6, -0.3])
        x = nengo.Ensemble(40, 2, intercepts=nengo.dists.Uniform(-0.5, 0.5))
        rule = nengo.Voja(learning_rate=0.05)
        conn = nengo.Connection(u, x, synapse=None, learning_rule_type=rule)
        net.watch = dict(post=nengo.Probe(conn.learning_rule, "post_filtered"),
                         x=nengo.Probe(x.neurons, synapse=rule.post_synapse))
    data = run(net)
    assert data["post"].max() > 50
    assert np.abs(data["post"][:-1] - data["x"][1:]).max() < 5e-5


def refused(build):
    with nengo.Network(seed=1) as net:
        a, b = nengo.Ensemble(30, 1), nengo.Ensemble(30, 1)
        build(a, b)
    with pytest.raises(UnsupportedFeature) as info:
        spinnc.Simulator(net, progress_bar=False)
    return str(info.value)


def test_what_the_cores_do_not_record_is_refused_naming_what_they_do():
    def delta(a, b):
        conn = nengo.Connection(a, b, learning_rule_type=nengo.PES())
        nengo.Probe(conn.learning_rule, "delta")

    message = refused(delta)
    assert "probing 'delta' of a PES rule" in message
    assert "activities, error" in message

    def synapse(a, b):
        conn = nengo.Connection(a, b, learning_rule_type=nengo.PES())
        nengo.Probe(conn.learning_rule, "activities", synapse=0.01)

    assert "synapse=None" in refused(synapse)

    def theta(a, b):
        conn = nengo.Connection(a.neurons, b.neurons, transform=np.zeros((30, 30)),
                                learning_rule_type=nengo.BCM())
        nengo.Probe(conn.learning_rule, "theta")

    assert "pre_filtered, post_filtered" in refused(theta)


def test_the_error_of_pes_into_neurons_is_refused():
    """Its cores receive the local error (the error times the post's
    encoders), not the error nengo's probe shows."""
    def local(a, b):
        conn = nengo.Connection(a.neurons, b.neurons, transform=np.zeros((30, 30)),
                                learning_rule_type=nengo.PES())
        nengo.Connection(b, conn.learning_rule)
        nengo.Probe(conn.learning_rule, "error")

    assert "local error" in refused(local)


def test_a_rule_whose_output_reaches_nothing_still_learns():
    """nengo learns a connection into a node that feeds nothing, and so do
    the cores: the rule's error is recorded, and ``sim.data`` gives the
    weights it learned."""
    with nengo.Network(seed=5) as net:
        u = nengo.Node(lambda t: np.sin(6 * t))
        a = nengo.Ensemble(60, 1)
        nengo.Connection(u, a)
        conn = nengo.Connection(a, nengo.Node(size_in=1), function=lambda x: 0,
                                learning_rule_type=nengo.PES(1e-3))
        nengo.Connection(u, conn.learning_rule, transform=-1)
        error = nengo.Probe(conn.learning_rule, "error")
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    with net:
        weights = nengo.Probe(conn, "weights")  # (nengo's sim.data keeps the built ones)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    assert np.abs(sim.data[error] - ref.data[error]).max() < 1e-3
    learned, expected = sim.data[conn].weights, ref.data[weights][-1]
    assert np.abs(expected).max() > 0
    assert np.abs(learned - expected).max() < 0.1 * np.abs(expected).max()
