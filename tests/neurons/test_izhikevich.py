"""Izhikevich: the fixed-point step against a per-neuron integer reference,
the float step against nengo's ``step``, and a run close to nengo."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc import neurons
from spinnc.neurons.izhikevich import FloatIzh, float_izh_step

from ..firmware_sim.test_against_reference import ONE, rmul, sat
from .test_models import DT, quantised

IZH = neurons.model_named("Izhikevich")


def izh_neuron(c: dict, current: int, v: int, u: int):
    """One Izhikevich neuron, one tick, in plain integers."""
    j = max(current, c["floor"])
    square = rmul(rmul(v, v, 15), c["square"], 30)
    v = sat(v + rmul(sat(square + 5 * v + 140 * ONE - u + j), c["h"], 30))
    spiked = v >= 30 * ONE
    if spiked:
        v = c["reset_voltage"]
    u = u + rmul(sat(rmul(v, c["coupling"], 30) - u), c["rate"], 30)
    return v, sat(u + (c["reset_recovery"] if spiked else 0)), spiked


@pytest.mark.parametrize("seed", range(4))
def test_fixed_step_matches_the_per_neuron_reference(seed):
    rng = np.random.default_rng(seed)
    params = {"tau_recovery": rng.choice([0.02, 0.1]), "coupling": rng.choice([0.2, 0.25]),
              "reset_voltage": rng.choice([-65.0, -50.0]), "reset_recovery": rng.choice([2.0, 8.0])}
    n = 40
    header, words = quantised(IZH, params, {"voltage": rng.uniform(-70, 29, n),
                                            "recovery": rng.uniform(-15, 5, n)})
    c, state = IZH.fixed_constants(header), IZH.fixed_state(words)
    v, u = list(map(int, words["voltage"])), list(map(int, words["recovery"]))
    for _ in range(80):
        j = rng.integers(-40 * ONE, 40 * ONE, size=n)
        j[rng.random(n) < 0.05] = -(2**31)
        spikes = IZH.fixed_step(c, j.astype(np.int64), state)
        expected = []
        for i in range(n):
            v[i], u[i], s = izh_neuron(header, int(j[i]), v[i], u[i])
            expected.append(s)
        assert spikes.tolist() == np.flatnonzero(expected).tolist()
        assert state["voltage"].tolist() == v and state["recovery"].tolist() == u


def test_float_step_is_nengos_step():
    rng = np.random.default_rng(1)
    nt = nengo.Izhikevich(tau_recovery=0.1, coupling=0.2, reset_voltage=-50, reset_recovery=2)
    n = 50
    v, u = rng.uniform(-70, 20, n), rng.uniform(-15, 5, n)
    mine = {"voltage": v.copy(), "recovery": u.copy()}
    output = np.zeros(n)
    c = FloatIzh(DT, 0.1, 0.2, -50.0, 2.0)
    for _ in range(200):
        j = rng.uniform(-40, 40, n)
        nt.step(DT, j, output, v, u)
        spikes = float_izh_step(c, j, mine)
        assert spikes.tolist() == np.flatnonzero(output).tolist()
        np.testing.assert_array_equal(mine["voltage"], v)
        np.testing.assert_array_equal(mine["recovery"], u)


def test_rate_curve_is_nengos_settled_rate():
    j = np.linspace(-5, 40, 10)
    params = IZH.parameters(nengo.Izhikevich())
    np.testing.assert_allclose(IZH.rates(params, j, DT),
                               nengo.Izhikevich().rates(j, 1.0, 0.0).ravel(), atol=2)


@pytest.mark.parametrize("precision", ["fixed", "float"])
def test_run_close_to_nengo(precision):
    def run(simulator, **kwargs):
        with nengo.Network(seed=3) as net:
            ens = nengo.Ensemble(60, 1, neuron_type=nengo.Izhikevich())
            nengo.Connection(nengo.Node(0.5), ens)
            spikes, value = nengo.Probe(ens.neurons), nengo.Probe(ens, synapse=0.03)
        with simulator(net, **kwargs) as sim:
            sim.run(1.0)
        return sim.data[spikes].sum(axis=0) * sim.dt, sim.data[value][-300:].mean()

    nengo_rates, nengo_value = run(nengo.Simulator, progress_bar=False)
    rates, value = run(spinnc.Simulator, precision=precision)
    assert nengo_rates.mean() > 20
    assert np.abs(rates - nengo_rates).max() <= 1
    assert abs(value - nengo_value) < 1e-3
