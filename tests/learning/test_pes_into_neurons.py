"""PES into an ensemble's neurons from its pre's decoders, and into a slice of
its neurons: nengo learns the full matrix (transform times decoders) from the
local error, a row per post neuron reached; so do the cores, in every engine."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.errors import UnsupportedFeature


def model(from_neurons=False, post=slice(None), rows=30, pre=slice(None)):
    with nengo.Network(seed=4) as net:
        stim = nengo.Node([0.5, -0.5])
        a = nengo.Ensemble(40, 2, label="a")
        b = nengo.Ensemble(30, 2, label="b")
        error = nengo.Ensemble(60, 2, label="error")
        nengo.Connection(stim, a)
        source = a.neurons[pre] if from_neurons else a
        conn = nengo.Connection(source, b.neurons[post],
                                transform=np.full((rows, source.size_out), 0.01),
                                learning_rule_type=nengo.PES(1e-4), label="learned")
        nengo.Connection(stim, error, transform=-1)
        nengo.Connection(b, error)
        nengo.Connection(error, conn.learning_rule)
        net.decoded = nengo.Probe(b, synapse=0.03)
        net.weights = nengo.Probe(conn, "weights", sample_every=0.01)
    return net, conn


def run(net, **options):
    with (nengo.Simulator if options.pop("nengo", False) else spinnc.Simulator)(
            net, progress_bar=False, **options) as sim:
        sim.run(0.3)
    return sim


@pytest.mark.parametrize("from_neurons, post, rows, pre", [
    (False, slice(None), 30, slice(None)),  # nengo's test_pes_ens_neurons, smaller
    (False, slice(5, 17), 12, slice(None)),  # from decoders into some neurons
    (True, slice(5, 17), 12, slice(None)),  # from neurons into some neurons
    (True, slice(5, 17), 12, slice(10, 35)),  # from some neurons into some neurons
])
def test_the_learned_matrix_follows_nengos(from_neurons, post, rows, pre):
    net, conn = model(from_neurons, post, rows, pre)
    ref = run(net, nengo=True)
    sim = run(net)
    learned, wanted = sim.data[net.weights], ref.data[net.weights]
    assert learned.shape == wanted.shape == (30, rows, len(range(40)[pre]))
    change, wanted_change = learned[-1] - learned[0], wanted[-1] - wanted[0]
    assert np.linalg.norm(wanted_change) > 1e-3  # it learned something
    assert np.corrcoef(change.ravel(), wanted_change.ravel())[0, 1] > 0.99
    assert np.linalg.norm(change - wanted_change) < 0.1 * np.linalg.norm(wanted_change)
    assert np.sqrt(np.mean((sim.data[net.decoded] - ref.data[net.decoded]) ** 2)) < 0.02
    np.testing.assert_allclose(sim.data[conn].weights, learned[-1], atol=2 ** -15)


@pytest.mark.parametrize("from_neurons, pre", [(False, slice(None)), (True, slice(None)),
                                               (True, slice(10, 35))])
def test_the_engines_learn_the_same_bits(from_neurons, pre):
    net, conn = model(from_neurons, slice(5, 17), 12, pre)
    python, arm = run(net), run(net, engine="arm")
    for probe in (net.decoded, net.weights):
        np.testing.assert_array_equal(python.data[probe], arm.data[probe])


def test_bcm_into_a_slice_of_neurons_is_still_refused():
    with nengo.Network() as net:
        a, b = nengo.Ensemble(20, 1), nengo.Ensemble(20, 1)
        nengo.Connection(a.neurons, b.neurons[:10], transform=np.zeros((10, 20)),
                         learning_rule_type=nengo.BCM(), label="learned")
    with pytest.raises(UnsupportedFeature, match="'learned'.*BCM on a slice of an ensemble"):
        spinnc.Simulator(net)


@pytest.mark.parametrize("from_neurons", [True, False], ids=["neurons", "decoders"])
def test_a_200_x_200_matrix_learns_as_nengo_does(from_neurons):
    """nengo's test_pes_neuron_neuron and test_pes_ens_neurons sizes: the
    post's cores hold and receive the rows of their own neurons alone (and
    the pre's copies learn blocks of rows where one core cannot)."""
    n = 200
    rng = np.random.RandomState(0)
    with nengo.Network(seed=1) as net:
        stim, target = nengo.Node([0.5, -0.5]), nengo.Node([0.5, -0.5])
        a, b, error = nengo.Ensemble(n, 2), nengo.Ensemble(n, 2), nengo.Ensemble(n, 2)
        nengo.Connection(stim, a)
        if from_neurons:
            conn = nengo.Connection(a.neurons, b.neurons, learning_rule_type=nengo.PES(7e-4),
                                    transform=rng.uniform(high=4e-4, size=(n, n)))
        else:
            conn = nengo.Connection(a, b.neurons, transform=np.ones((n, 2)),
                                    learning_rule_type=nengo.PES(1e-4))
        nengo.Connection(target, error, transform=-1)
        nengo.Connection(b, error)
        nengo.Connection(error, conn.learning_rule)
        decoded = nengo.Probe(b, synapse=0.03)
        weights = nengo.Probe(conn, "weights", sample_every=0.01)
    ours, theirs = run(net), run(net, nengo=True)
    late = ours.trange() > 0.25
    mine = np.abs(ours.data[decoded][late] - [0.5, -0.5]).max()
    nengos = np.abs(theirs.data[decoded][late] - [0.5, -0.5]).max()
    assert mine < 0.05 and abs(mine - nengos) < 0.02
    learned = ours.data[weights][-1] - ours.data[weights][0]
    expected = theirs.data[weights][-1] - theirs.data[weights][0]
    assert np.corrcoef(learned.ravel(), expected.ravel())[0, 1] > 0.95
