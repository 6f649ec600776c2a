"""The firmware's learning rules (kernels/learning.c) against the Python
engine's, word for word: PES's learned, derived and weights-only rows, a
population split over cores, Voja's encoders, BCM's, Oja's and PES's full
matrices, and the traces and input rows the rules record for probes of them."""

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.arm import ArmEmulator
from spinnc.machine import Machine

STEPS = 120


def matrix_12x20(rule):
    """A rule learning a's neurons to b's, 12 x 20, with probes of its
    weights, its post_filtered and b (``net.conn``, ``.weights``, ``.post``,
    ``.out``)."""
    rng = np.random.RandomState(4)
    with nengo.Network(seed=4) as net:
        u = nengo.Node(lambda t: [np.sin(9 * t), np.cos(5 * t)])
        a = nengo.Ensemble(20, 2)
        b = nengo.Ensemble(12, 2)
        nengo.Connection(u, a)
        net.conn = nengo.Connection(a.neurons, b.neurons, learning_rule_type=rule,
                                    transform=rng.uniform(high=2e-3, size=(12, 20)))
        net.weights = nengo.Probe(net.conn, "weights", sample_every=0.01)
        rules = net.conn.learning_rule  # (a list for several rules: the first's)
        net.post = nengo.Probe(rules[0] if isinstance(rules, list) else rules, "post_filtered",
                               sample_every=0.002)
        net.out = nengo.Probe(b, synapse=0.01)
    return net


def run_both(network, steps=STEPS, machine=None):
    image = compile_network(network, machine or Machine.spinn3(), n_steps=steps, seed=0,
                            placer="hilbert").image
    python, arm = Emulator(image), ArmEmulator(image)
    python.run(steps)
    arm.run(steps)
    expected, found = python.recordings(), arm.recordings()
    arm.close()
    assert sorted(found) == sorted(expected)
    for name in expected:
        assert np.array_equal(found[name], expected[name]), name
    return found, image


def pes_channel(n=40, dims=1, pre_synapse=nengo.Lowpass(0.005), into_node=False, seed=1):
    with nengo.Network(seed=seed) as net:
        u = nengo.Node(lambda t: np.sin(8 * t + np.arange(dims)))
        a = nengo.Ensemble(n, dims)
        b = nengo.Node(size_in=dims) if into_node else nengo.Ensemble(40, dims)
        nengo.Connection(u, a)
        conn = nengo.Connection(a, b, function=lambda x: np.zeros(dims),
                                learning_rule_type=nengo.PES(2e-3, pre_synapse=pre_synapse))
        error = nengo.Node(size_in=dims)
        nengo.Connection(b, error, synapse=None if into_node else 0.005)
        nengo.Connection(u, error, transform=-1)
        nengo.Connection(error, conn.learning_rule)
        nengo.Probe(b, synapse=0.01)  # through the node: a derived probe row
        nengo.Probe(conn, "weights", sample_every=0.01)
        nengo.Probe(conn.learning_rule, "activities", sample_every=0.005)
        nengo.Probe(conn.learning_rule, "error")
    return net


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(dims=2, pre_synapse=None),
    dict(into_node=True),  # learned rows only through a passthrough node
])
def test_pes_agrees_with_the_python_engine(kwargs):
    found, _ = run_both(pes_channel(**kwargs))
    weights = next(v for k, v in found.items() if k.endswith(".weights"))
    assert not np.array_equal(weights[0], weights[-1])  # it learned


def test_pes_on_a_population_split_over_cores():
    found, image = run_both(pes_channel(n=900))
    assert sum(c.application == "ensemble" for c in image.cores) > 3
    trace = next(v for k, v in found.items() if k.endswith(".activities"))
    assert trace.shape == (STEPS // 5, 900)
    assert trace[:, :300].any() and trace[:, -300:].any()  # every core's neurons


def test_pes_from_a_run_of_neurons_agrees_with_the_python_engine():
    """From neurons 500 .. 800 of 900 split over cores: some cores learn
    from some of their neurons, one from none."""
    with nengo.Network(seed=7) as net:
        u = nengo.Node(lambda t: np.sin(8 * t))
        a = nengo.Ensemble(900, 1)
        nengo.Connection(u, a)
        b = nengo.Node(size_in=1)
        conn = nengo.Connection(a.neurons[500:800], b, transform=np.zeros((1, 300)),
                                learning_rule_type=nengo.PES(1e-3))
        nengo.Connection(u, conn.learning_rule, transform=-1)
        nengo.Probe(b, synapse=0.01)
        nengo.Probe(conn, "weights", sample_every=0.01)
        nengo.Probe(conn.learning_rule, "activities", sample_every=0.01)
    found, image = run_both(net)
    assert sum(c.application == "ensemble" for c in image.cores) > 3
    weights = next(v for k, v in found.items() if k.endswith(".weights"))
    assert weights.shape == (STEPS // 10, 300)
    assert not np.array_equal(weights[0], weights[-1])  # it learned


def test_voja_agrees_with_the_python_engine():
    with nengo.Network(seed=2) as net:
        u = nengo.Node([0.6, -0.3])
        x = nengo.Ensemble(40, 2, intercepts=nengo.dists.Uniform(-0.5, 0.5))
        conn = nengo.Connection(u, x, synapse=None,
                                learning_rule_type=nengo.Voja(learning_rate=0.05))
        nengo.Connection(nengo.Node(lambda t: -float(t > 0.08)), conn.learning_rule,
                         synapse=None)
        nengo.Probe(conn.learning_rule, "scaled_encoders", sample_every=0.01)
        nengo.Probe(conn.learning_rule, "post_filtered")
        nengo.Probe(x, synapse=0.01)
    found, _ = run_both(net)
    encoders = next(v for k, v in found.items() if "learning_rule" in k)
    assert not np.array_equal(encoders[0], encoders[6])  # it learned, then stopped
    assert np.array_equal(encoders[9], encoders[-1])


def test_the_arm_engine_reads_back_what_the_cores_learned():
    """The firmware writes its learned weights back into SDRAM when it
    pauses: sim.data[conn].weights on the ARM engine equals the Python's."""
    import spinnc

    net = pes_channel()
    conn = next(c for c in net.all_connections if c.learning_rule_type is not None)
    weights = {}
    for engine in ("python", "arm"):
        with spinnc.Simulator(net, progress_bar=False, engine=engine) as sim:
            sim.run_steps(60)
            weights[engine] = sim.data[conn].weights
            sim.run_steps(20)
            weights[engine, "later"] = sim.data[conn].weights
    assert np.array_equal(weights["arm"], weights["python"])
    assert np.array_equal(weights["arm", "later"], weights["python", "later"])
    assert not np.array_equal(weights["arm"], weights["arm", "later"])


@pytest.mark.parametrize("rule", [nengo.BCM(learning_rate=1e-7),
                                  nengo.Oja(learning_rate=1e-4, beta=2.0)], ids=str)
def test_weight_matrix_rules_agree_with_the_python_engine(rule):
    net = matrix_12x20(rule)
    with net:
        nengo.Probe(net.conn.learning_rule, "pre_filtered")
    found, _ = run_both(net)
    weights = next(v for k, v in found.items() if k.endswith(".weights"))
    assert not np.array_equal(weights[0], weights[-1])  # it learned


def test_two_rules_on_one_matrix_agree_with_the_python_engine():
    """Oja then BCM change the same weights (LEARNING_RULE's weights: the
    same word), each from its own trace and inputs."""
    net = matrix_12x20([nengo.BCM(learning_rate=1e-7), nengo.Oja(learning_rate=1e-4)])
    with net:
        nengo.Probe(net.conn.learning_rule[0], "pre_filtered")  # BCM's: it runs second
    found, image = run_both(net)
    weights = next(v for k, v in found.items() if k.endswith(".weights"))
    assert not np.array_equal(weights[0], weights[-1])  # it learned


def test_row_blocks_learned_by_copies_agree_with_the_python_engine():
    """A tight cycle budget cuts the matrix's rows over copies of the pre
    ensemble (spinnc.mapper.row_copies): each copy's cores learn, record
    and send their block."""
    from tests.learning.test_row_copies import TIGHT

    found, image = run_both(matrix_12x20(nengo.BCM()),
                            machine=Machine.spinn3(cycles_per_tick=TIGHT))
    assert any(".rows" in c.name for c in image.cores)
    weights = next(v for k, v in found.items() if k.endswith(".weights"))
    assert not np.array_equal(weights[0], weights[-1])  # it learned


def test_pes_into_neurons_agrees_with_the_python_engine():
    rng = np.random.RandomState(5)
    with nengo.Network(seed=5) as net:
        a, b = nengo.Ensemble(20, 1), nengo.Ensemble(12, 1)
        nengo.Connection(nengo.Node(lambda t: np.sin(7 * t)), a)
        conn = nengo.Connection(a.neurons, b.neurons, learning_rule_type=nengo.PES(1e-3),
                                transform=rng.uniform(high=1e-3, size=(12, 20)))
        nengo.Connection(b, conn.learning_rule)
        nengo.Probe(conn, "weights", sample_every=0.01)
        nengo.Probe(conn.learning_rule, "activities")
    found, _ = run_both(net)
    weights = next(v for k, v in found.items() if k.endswith(".weights"))
    assert not np.array_equal(weights[0], weights[-1])  # it learned
