"""AdaptiveLIF and SpikingRectifiedLinear: the fixed-point step against
per-neuron integer references (plain Python, the formats of the models'
docstrings), the float step against nengo's own ``step``."""

import nengo
import numpy as np
import pytest

from spinnc import neurons
from spinnc.errors import QuantisationError
from spinnc.frontend.quantisation import _Quantiser
from spinnc.neurons.adaptive_lif import FloatALIF, float_alif_step
from spinnc.neurons.lif import FloatLIF
from spinnc.neurons.spiking_relu import FloatReLU, float_relu_step

from ..firmware_sim.test_against_reference import ONE, lif_neuron, rmul, sat

DT = 0.001
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def quantised(model, params, state):
    """A model's stored header (constants by name) and state words."""
    constants, words = model.quantise(_Quantiser(True), "ens", params, state, DT)
    return constants, {k: np.asarray(v, np.int32) for k, v in words.items()}


def currents(rng, n, ticks):
    """Currents in the usual range, with extremes that saturate every stage."""
    j = rng.integers(-2 * ONE, 30 * ONE, size=(ticks, n))
    extreme = rng.random((ticks, n)) < 0.05
    j[extreme] = rng.choice([INT32_MIN, INT32_MAX, 0, ONE, ONE + 1], size=extreme.sum())
    return j


# -- AdaptiveLIF --------------------------------------------------------------

ALIF = neurons.model_named("AdaptiveLIF")


def alif_neuron(c: dict, current: int, v: int, ref: int, n: int):
    """One AdaptiveLIF neuron, one tick, in plain integers."""
    v, ref, spiked = lif_neuron(c, sat(current - n), v, ref)
    n = sat(n - rmul(n, c["dt_over_tau_n"], 30) + (c["jump"] if spiked else 0))
    return v, ref, n, spiked


@pytest.mark.parametrize("seed", range(6))
def test_adaptive_lif_fixed_step_matches_the_per_neuron_reference(seed):
    rng = np.random.default_rng(seed)
    params = {"tau_rc": rng.uniform(0.005, 0.1), "tau_ref": rng.choice([0.0, 0.002, 0.004]),
              "min_voltage": rng.choice([0.0, -1.0]), "tau_n": rng.uniform(0.01, 2.0),
              "inc_n": rng.uniform(0.0, 0.5), "amplitude": 1.0}
    n = 40
    state = {"voltage": rng.uniform(0, 1, n), "refractory": rng.choice([0.0, 0.0015], n),
             "adaptation": rng.uniform(0, 2, n) * (seed % 2)}
    header, words = quantised(ALIF, params, state)
    constants = ALIF.fixed_constants(header)
    kernel_state = ALIF.fixed_state(words)
    ref = [list(map(int, words[k])) for k in ("voltage", "refractory", "adaptation")]
    for j in currents(rng, n, 60):
        spikes = ALIF.fixed_step(constants, j.astype(np.int64), kernel_state)
        expected = []
        for i in range(n):
            ref[0][i], ref[1][i], ref[2][i], s = alif_neuron(header, int(j[i]), ref[0][i],
                                                             ref[1][i], ref[2][i])
            expected.append(s)
        assert np.flatnonzero(expected).tolist() == spikes.tolist()
        for k, name in enumerate(("voltage", "refractory", "adaptation")):
            assert kernel_state[name].tolist() == ref[k]


def test_adaptive_lif_float_step_is_nengos_step():
    rng = np.random.default_rng(3)
    nt = nengo.AdaptiveLIF(tau_n=0.1, inc_n=0.05, tau_rc=0.02, tau_ref=0.002)
    n = 50
    v, r, a = rng.uniform(0, 1, n), rng.choice([0.0, 0.0015], n), rng.uniform(0, 1, n)
    mine = {"voltage": v.copy(), "refractory": r.copy(), "adaptation": a.copy()}
    c = FloatALIF(FloatLIF(0.02, 0.002, 0.0, DT), 0.1, 0.05, 1.0)
    output = np.zeros(n)
    for _ in range(100):
        j = rng.uniform(0, 6, n)
        nt.step(DT, j, output, v, r, a)
        spikes = float_alif_step(c, j, mine)
        assert spikes.tolist() == np.flatnonzero(output).tolist()
        for name, theirs in (("voltage", v), ("refractory", r), ("adaptation", a)):
            np.testing.assert_array_equal(mine[name], theirs)


def test_adaptive_lif_saturating_jump_names_ensemble_parameter_value_and_range():
    params = {"tau_rc": 0.02, "tau_ref": 0.002, "min_voltage": 0.0, "tau_n": 1e-3,
              "inc_n": 1e5, "amplitude": 1.0}
    with pytest.raises(QuantisationError, match=r"'ens' adaptation jump.*s16\.15 \(range "
                                                r"-65536 to 65536\).*1e\+08"):
        quantised(ALIF, params, {"voltage": np.zeros(1), "refractory": np.zeros(1),
                                 "adaptation": np.zeros(1)})
    with pytest.raises(QuantisationError, match="'ens' tau_n=0.0001"):
        quantised(ALIF, dict(params, tau_n=1e-4, inc_n=0.01),
                  {"voltage": np.zeros(1), "refractory": np.zeros(1),
                   "adaptation": np.zeros(1)})


# -- SpikingRectifiedLinear ----------------------------------------------------

RELU = neurons.model_named("SpikingRectifiedLinear")


def relu_neuron(dt30: int, current: int, v: int):
    """One SpikingRectifiedLinear neuron, one tick, in plain integers."""
    v = sat(v + rmul(max(current, 0), dt30, 30))
    if v >= ONE:
        return v % ONE, True  # v >= 0 here: drop the whole units
    return v, False


@pytest.mark.parametrize("seed", range(4))
def test_spiking_relu_fixed_step_matches_the_per_neuron_reference(seed):
    rng = np.random.default_rng(seed)
    n = 50
    header, words = quantised(RELU, {"amplitude": 1.0}, {"voltage": rng.uniform(0, 1, n)})
    assert header["dt"] == round(DT * 2**30)
    constants, state = RELU.fixed_constants(header), RELU.fixed_state(words)
    ref = list(map(int, words["voltage"]))
    for j in currents(rng, n, 50) * 40:  # currents up to ~1000: rates to 1/dt
        j = np.clip(j, INT32_MIN, INT32_MAX)
        spikes = RELU.fixed_step(constants, j.astype(np.int64), state)
        expected = []
        for i in range(n):
            ref[i], s = relu_neuron(header["dt"], int(j[i]), ref[i])
            expected.append(s)
        assert np.flatnonzero(expected).tolist() == spikes.tolist()
        assert state["voltage"].tolist() == ref


def test_spiking_relu_float_step_is_nengos_step_below_one_spike_a_tick():
    rng = np.random.default_rng(5)
    nt = nengo.SpikingRectifiedLinear()
    n = 60
    v = rng.uniform(0, 1, n)
    mine = {"voltage": v.copy()}
    output = np.zeros(n)
    for _ in range(200):
        j = rng.uniform(-100, 900, n)  # J dt < 1
        nt.step(DT, j, output, v)
        spikes = float_relu_step(FloatReLU(DT, 1.0), j, mine)
        assert spikes.tolist() == np.flatnonzero(output).tolist()
        np.testing.assert_array_equal(mine["voltage"], v)


def test_rate_curves_are_nengos():
    j = np.linspace(-2, 30, 300)
    np.testing.assert_allclose(RELU.rates({"amplitude": 1.0}, j, DT),
                               nengo.SpikingRectifiedLinear().rates(j, 1.0, 0.0).ravel())
    lif = neurons.model_named("LIF")
    np.testing.assert_allclose(lif.rates({"tau_rc": 0.02, "tau_ref": 0.002}, j, DT),
                               nengo.LIF().rates(j, 1.0, 0.0).ravel(), rtol=1e-12)
