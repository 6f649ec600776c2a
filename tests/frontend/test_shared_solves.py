"""nengo's decoder solves shared with a forked helper (spinnc.frontend.shared_solves):
the same decoders as a serial build, bit for bit, nengo's errors where nengo
raises them, and a serial finish when the helper stops."""

import os

import nengo
import numpy as np
import pytest

from spinnc.frontend import shared_solves
from spinnc.frontend.builder import nengo_model

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="shares solves by forking")


def network(n_ensembles=12, bad=False):
    with nengo.Network(seed=5) as net:
        u = nengo.Node([0.3, -0.2])
        ensembles = [nengo.Ensemble(20 + 7 * i, 2) for i in range(n_ensembles)]
        nengo.Connection(u, ensembles[0])
        for i, (a, b) in enumerate(zip(ensembles, ensembles[1:])):
            nengo.Connection(a, b, function=lambda x, i=i: x * (i % 3 - 1))
            nengo.Connection(a[1], b[0], solver=nengo.solvers.LstsqL2(reg=0.01 * (i + 1)))
        if bad:  # no eval point reaches a neuron: nengo's BuildError
            silent = nengo.Ensemble(10, 1, intercepts=nengo.dists.Choice([0.99]),
                                    encoders=nengo.dists.Choice([[1]]),
                                    eval_points=nengo.dists.Choice([[-0.5]]), label="silent")
            nengo.Connection(u[0], silent)
            for b in ensembles:
                nengo.Connection(silent, b[1])
    return net


def weights(model, net):
    return [np.asarray(model.params[c].weights) for c in net.all_connections
            if isinstance(c.pre_obj, nengo.Ensemble)]


@pytest.fixture
def share_all(monkeypatch):
    monkeypatch.setattr(shared_solves, "MIN_SOLVES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def serial_weights(net, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(shared_solves, "MIN_SOLVES", 10**9)
        return weights(nengo_model(net), net)


def test_shared_solves_give_a_serial_builds_decoders(share_all, monkeypatch):
    net = network()
    expected = serial_weights(net, monkeypatch)
    calls = {"helper": 0}
    sharing = shared_solves._sharing

    def counting(serial, incoming):  # the builder's solver: count what the helper sent
        solve = sharing(serial, incoming)
        load = shared_solves.pickle.load

        def counted(*args):
            calls["helper"] += 1
            return load(*args)

        monkeypatch.setattr(shared_solves.pickle, "load", counted)
        return solve

    monkeypatch.setattr(shared_solves, "_sharing", counting)
    found = weights(nengo_model(net), net)
    assert 5 <= calls["helper"] <= len(expected) - 5  # the helper solved some, not all
    assert len(found) == len(expected) == 22
    assert all(np.array_equal(f, e) for f, e in zip(found, expected))
    assert nengo_connection_is_nengos()


def nengo_connection_is_nengos():
    import nengo.builder.connection as nengo_connection

    return nengo_connection.solve_for_decoders.__module__ == "nengo.builder.connection"


def test_nengos_build_error_is_raised_whoever_solves(share_all):
    with pytest.raises(nengo.exceptions.BuildError, match="'activities' matrix is all zero"):
        nengo_model(network(bad=True))
    assert nengo_connection_is_nengos()


def test_the_builder_finishes_alone_when_the_helper_stops(share_all, monkeypatch):
    net = network()
    expected = serial_weights(net, monkeypatch)
    helper = shared_solves._helper

    def dying(serial, out):  # the helper dies after its third solve
        solve, count = helper(serial, out), [0]

        def solve_then_die(*args, **kwargs):
            result = solve(*args, **kwargs)
            count[0] += 1
            if count[0] == 6:
                os._exit(1)
            return result

        return solve_then_die

    monkeypatch.setattr(shared_solves, "_helper", dying)
    found = weights(nengo_model(net), net)
    assert all(np.array_equal(f, e) for f, e in zip(found, expected))


def test_small_networks_build_serially(monkeypatch):
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked for a small network"))
    nengo_model(network(n_ensembles=3))
