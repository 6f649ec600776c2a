"""BCM and Oja on the cores against nengo's: the full weight matrices they
learn, their fixed-point arithmetic, and what does not fit."""

import nengo
import numpy as np
import pytest
from nengo.processes import WhiteSignal

import spinnc
from spinnc import learning
from spinnc.compiler import compile_network
from spinnc.errors import DoesNotFit, QuantisationError, UnsupportedFeature
from spinnc.learning import bcm, oja
from spinnc.machine import Machine

RULES = {"BCM": lambda: nengo.BCM(learning_rate=1e-8),
         "Oja": lambda: nengo.Oja(learning_rate=1e-5),
         "Oja+BCM": lambda: [nengo.Oja(learning_rate=1e-5), nengo.BCM(learning_rate=1e-8)]}


def unsupervised(rule, n=30, solver=False, seed=3):
    """nengo's test_unsupervised, smaller: a's neurons to b's, learned."""
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        u = nengo.Node(WhiteSignal(0.5, high=10, seed=1), size_out=2)
        a = nengo.Ensemble(n, dimensions=2)
        b = nengo.Ensemble(n + 1, dimensions=2)
        nengo.Connection(u, a)
        if solver:
            conn = nengo.Connection(a, b, solver=nengo.solvers.LstsqL2(weights=True))
        else:
            conn = nengo.Connection(a.neurons, b.neurons, label="learned",
                                    transform=rng.uniform(high=1e-3, size=(n + 1, n)))
        conn.learning_rule_type = rule
        net.conn = conn
        net.weights = nengo.Probe(conn, "weights", sample_every=0.01)
        net.out = nengo.Probe(b, synapse=0.03)
    return net


@pytest.fixture(scope="module", params=[("BCM", False), ("Oja", False), ("BCM", True),
                                        ("Oja", True)], ids=lambda p: f"{p[0]}-{p[1]}")
def runs(request):
    name, solver = request.param
    net = unsupervised(RULES[name](), solver=solver)
    with nengo.Simulator(net, seed=4, progress_bar=False) as ref:
        ref.run(0.5)
    with spinnc.Simulator(net, seed=4, progress_bar=False) as sim:
        sim.run(0.5)
    return net, ref, sim


def assert_learns_as_nengo(net, ref, sim, output_error=0.05):
    """The learned changes of ``net.weights`` follow nengo's (and nengo
    learned much), and ``net.out`` is within ``output_error`` rms."""
    ours, theirs = sim.data[net.weights], ref.data[net.weights]
    assert ours.shape == theirs.shape
    learned, expected = ours[-1] - ours[0], theirs[-1] - theirs[0]
    assert np.abs(expected).mean() > 0.5 * np.abs(theirs[0]).mean()
    assert np.corrcoef(learned.ravel(), expected.ravel())[0, 1] > 0.999
    assert abs(np.abs(learned).mean() / np.abs(expected).mean() - 1) < 0.02
    error = np.sqrt(np.mean((sim.data[net.out] - ref.data[net.out]) ** 2))
    assert error < output_error


def test_the_cores_learn_the_weights_nengo_learns(runs):
    net, ref, sim = runs
    assert sim.data[net.weights].shape == (50, 31, 30)
    assert_learns_as_nengo(net, ref, sim)


def test_sim_data_gives_the_matrix_the_cores_learned(runs):
    net, ref, sim = runs
    assert sim.data[net.conn].weights.shape == (31, 30)
    assert np.allclose(sim.data[net.conn].weights, sim.data[net.weights][-1], atol=2e-8)
    assert not np.allclose(sim.data[net.conn].weights, ref.data[net.weights][0])


def test_float_emulation_learns_as_the_fixed_point_does(runs):
    net, _, sim = runs
    floating = sim.emulate("float").data[sim._probe_names[net.weights]]
    fixed_point = sim.data[net.weights]
    change = np.abs(fixed_point[-1] - fixed_point[0]).mean()
    assert np.abs(floating[-1] - fixed_point[-1]).mean() < 0.01 * change


def test_bcm_signals_are_p_times_p_minus_theta():
    rng = np.random.RandomState(0)
    p, theta = rng.uniform(0, 400, 50), rng.uniform(0, 400, 50)
    words = bcm.signals(np.round(p * 2**15), np.round(theta * 2**15))
    assert np.allclose(words * 2.0**(bcm.SIGNAL_BITS - 15), p * (p - theta), atol=0.05)


def test_oja_forgets_by_alpha_beta_p_squared():
    alpha_beta = 1e-5 * 1e-3 * 2.0
    factor, shift = learning.mantissa(alpha_beta, oja.FORGET_SCALE, "conn")
    p = np.array([0.0, 50.0, 200.0, 900.0])
    weights = np.full((4, 3), 0.75 * 2.0**learning.WEIGHT_FRAC).astype(np.int64)
    before = weights.copy()
    oja.forget(weights, np.round(p * 2**15).astype(np.int64), factor, shift)
    expected = before * (1 - alpha_beta * p[:, None] ** 2)
    assert np.array_equal(weights[0], before[0])  # silent neurons forget nothing
    assert np.allclose(weights, expected, rtol=1e-6)


def test_a_rate_that_underflows_names_the_smallest_that_works():
    net = unsupervised(nengo.BCM(learning_rate=1e-16), n=10)
    with pytest.raises(QuantisationError, match="'learned'.*learning rate 1e-16 underflows.*"
                                                "smallest rate that learns is"):
        spinnc.Simulator(net)


def test_a_matrix_too_large_names_the_connection_and_its_size():
    """A matrix into its own ensemble: its rows are not cut over copies
    (a copy would need every row's output), so 150 x 150 does not fit."""
    with nengo.Network(seed=3) as net:
        a = nengo.Ensemble(150, 2)
        nengo.Connection(a.neurons, a.neurons, transform=np.zeros((150, 150)), label="learned",
                         learning_rule_type=nengo.BCM())
    with pytest.raises(DoesNotFit, match=r"'learned'.* learns its full 150 x 150 weight matrix "
                                         r"\(BCM\) on the cores of 'ensemble0', its rows not cut "
                                         r".*learns into itself"):
        compile_network(net, Machine.spinn5(), n_steps=10)


def test_a_slice_of_neurons_is_refused():
    with nengo.Network() as net:
        a, b = nengo.Ensemble(10, 1), nengo.Ensemble(10, 1)
        nengo.Connection(a.neurons[:5], b.neurons, transform=np.ones((10, 5)) * 1e-3,
                         learning_rule_type=nengo.BCM(), label="learned")
    with pytest.raises(UnsupportedFeature, match="'learned'.*BCM on a slice of an ensemble"):
        spinnc.Simulator(net)


def pes_neurons(error=None, n=30, seed=2):
    """PES between two ensembles' neurons: nengo's test_pes_neuron_neuron,
    smaller; the error is b's decoded output minus the target, or ``error``."""
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        stim, target = nengo.Node([0.5, -0.5]), nengo.Node([0.5, -0.5])
        a, b = nengo.Ensemble(n, 2), nengo.Ensemble(n, 2)
        nengo.Connection(stim, a)
        conn = nengo.Connection(a.neurons, b.neurons, learning_rule_type=nengo.PES(7e-4),
                                transform=rng.uniform(high=4e-4, size=(n, n)))
        if error is None:
            e = nengo.Ensemble(n, 2)
            nengo.Connection(target, e, transform=-1)
            nengo.Connection(b, e)
            nengo.Connection(e, conn.learning_rule)
        else:
            nengo.Connection(nengo.Node(error), conn.learning_rule)
        net.out = nengo.Probe(b, synapse=0.03)
        net.weights = nengo.Probe(conn, "weights", sample_every=0.01)
    return net, b


def test_pes_into_neurons_learns_from_the_local_error():
    net, b = pes_neurons(error=[0.1, -0.2])
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.2)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.2)
    learned = sim.data[net.weights][-1] - sim.data[net.weights][0]
    expected = ref.data[net.weights][-1] - ref.data[net.weights][0]
    assert np.corrcoef(learned.ravel(), expected.ravel())[0, 1] > 0.9999
    assert abs(np.abs(learned).mean() / np.abs(expected).mean() - 1) < 0.01
    # Each row follows its neuron's local error, the error times its encoder.
    local = sim.data[b].scaled_encoders @ [0.1, -0.2]
    assert np.corrcoef(learned.sum(axis=1), local)[0, 1] < -0.9999


def test_pes_into_neurons_reaches_its_target():
    net, _ = pes_neurons()
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    late = sim.trange() > 0.8
    assert np.abs(sim.data[net.out][sim.trange() < 0.05].mean(axis=0) - [0.5, -0.5]).max() > 0.2
    assert np.allclose(sim.data[net.out][late].mean(axis=0), [0.5, -0.5], atol=0.05)


def test_a_simulator_closed_before_it_ran_has_no_samples_of_the_weights():
    net = unsupervised(nengo.BCM(), n=10)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        pass
    assert sim.data[net.weights].shape == (0, 11, 10)


@pytest.mark.parametrize("solver", [False, True], ids=["neurons", "solver"])
def test_oja_and_bcm_on_one_connection_add_their_changes_as_nengo_does(solver):
    """nengo's test_unsupervised with [Oja, BCM], smaller: both rules change
    one matrix; the cores run Oja first (its forgetting reads the weights
    before the tick's changes, as nengo's does), then BCM on the same
    weights.  Without BCM's part the change would be 0.72 of nengo's."""
    net = unsupervised([nengo.Oja(learning_rate=1e-5), nengo.BCM(learning_rate=1e-8)],
                       solver=solver)
    with nengo.Simulator(net, seed=4, progress_bar=False) as ref:
        ref.run(0.5)
    with spinnc.Simulator(net, seed=4, progress_bar=False) as sim:
        sim.run(0.5)
    assert_learns_as_nengo(net, ref, sim)


@pytest.mark.parametrize("rules, message", [
    ([nengo.Oja(), nengo.Oja()], "Oja and Oja on one connection.*each reads the weights"),
    ([nengo.PES(), nengo.BCM()], "2 learning rules on one connection \\(PES and BCM\\).*"
                                 "all learn its weight matrix"),
])
def test_rules_that_cannot_share_a_connection_are_refused(rules, message):
    with nengo.Network() as net:
        a, b = nengo.Ensemble(20, 1), nengo.Ensemble(30, 1)
        nengo.Connection(a.neurons, b.neurons, transform=np.zeros((30, 20)),
                         learning_rule_type=rules, label="learned")
    with pytest.raises(UnsupportedFeature, match=f"'learned'.*{message}"):
        spinnc.Simulator(net)
