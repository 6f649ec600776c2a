"""The fixed-point LIF fires at nengo's rates and follows nengo's voltages."""

import nengo
import numpy as np
import pytest

from spinnc import fixed
from spinnc.firmware_sim.lif import LIFState, lif_step
from spinnc.frontend import build, quantise


def population(neuron_type, **ensemble_args):
    with nengo.Network(seed=11) as network:
        nengo.Ensemble(100, 1, neuron_type=neuron_type, label="e", **ensemble_args)
    graph = build(network)
    fixed_graph, _ = quantise(graph)
    return graph.populations["e"], fixed_graph.populations["e"]


def fixed_currents(pop, x):
    """Input currents as the ensemble kernel computes them: encoders . x + bias."""
    x_raw = fixed.quantise(x)[:, None]
    return fixed.dot(x_raw, pop.encoders.T).astype(np.int64) + pop.bias


def measured_rates(lif, currents, seconds, dt=0.001):
    """Firing rate from the first to the last spike (no start-up transient)."""
    state = LIFState(np.zeros(currents.size, np.int32), np.zeros(currents.size, np.int32))
    count = np.zeros(currents.size)
    first = np.full(currents.size, -1)
    last = np.zeros(currents.size)
    for step in range(int(seconds / dt)):
        spiked = lif_step(lif, currents, state)
        count += spiked
        first[spiked & (first < 0)] = step
        last[spiked] = step
    return np.where(count > 1, (count - 1) / np.maximum(last - first, 1) / dt, 0.0)


@pytest.mark.parametrize("neuron_type, ensemble_args", [
    (nengo.LIF(), {}),  # nengo's defaults: 200-400 Hz, intercepts in (-1, 1)
    (nengo.LIF(tau_rc=0.05, tau_ref=0.001), {"max_rates": nengo.dists.Uniform(50, 150)}),
    (nengo.LIF(tau_rc=0.01, tau_ref=0.0015), {"max_rates": nengo.dists.Uniform(300, 500)}),
])
def test_fixed_point_rates_within_1hz_of_nengo(neuron_type, ensemble_args):
    float_pop, fixed_pop = population(neuron_type, **ensemble_args)
    x = np.linspace(-1, 1, 41)
    rates = measured_rates(fixed_pop.lif, fixed_currents(fixed_pop, x).ravel(), seconds=10)
    expected = neuron_type.rates(x[:, None] @ float_pop.encoders.T, float_pop.gain,
                                 float_pop.bias).ravel()
    assert expected.max() > 0.9 * ensemble_args.get("max_rates", nengo.dists.Uniform(200, 400)).low
    error = np.abs(rates - expected)
    assert error.max() < 1.0, f"worst {error.max():.3f} Hz at {expected[error.argmax()]:.1f} Hz"


def test_voltages_follow_nengos_lif():
    float_pop, fixed_pop = population(nengo.LIF())
    current = np.linspace(0.5, 30, 100)
    fixed_state = LIFState(fixed.quantise(np.zeros(100)), fixed.quantise(np.zeros(100)))
    voltage, refractory = np.zeros(100), np.zeros(100)
    output = np.zeros(100)
    for _ in range(200):
        spiked = lif_step(fixed_pop.lif, fixed.quantise(current), fixed_state)
        nengo.LIF().step(0.001, current, output, voltage, refractory)
        spiked_float = output > 0
        assert np.mean(spiked != spiked_float) < 0.02  # rare one-tick shifts only
        agree = spiked == spiked_float
        np.testing.assert_allclose(fixed.to_float(fixed_state.voltage)[agree], voltage[agree],
                                   atol=2e-3)


def test_refractory_period_holds_the_voltage_then_integrates_a_partial_tick():
    _, fixed_pop = population(nengo.LIF(tau_ref=0.003), max_rates=nengo.dists.Uniform(100, 200))
    state = LIFState(fixed.quantise([0.99]), fixed.quantise([0.0]))
    current = fixed.quantise([1.5])
    assert lif_step(fixed_pop.lif, current, state)[0]  # crosses 1 about 0.6 ticks ago
    for _ in range(2):  # two whole ticks of the three-tick refractory period
        assert not lif_step(fixed_pop.lif, current, state)[0]
        assert state.voltage[0] == 0
    assert not lif_step(fixed_pop.lif, current, state)[0]
    # About 0.6 of a tick of integration, not a whole one.
    whole_tick = 1.5 * -np.expm1(-0.001 / 0.02)
    partial = 1.5 * -np.expm1(-0.6 * 0.001 / 0.02)
    assert fixed.to_float(state.voltage[0]) == pytest.approx(partial, rel=0.05)
    assert fixed.to_float(state.voltage[0]) < 0.7 * whole_tick


def test_runs_are_bit_exact():
    _, fixed_pop = population(nengo.LIF())
    currents = fixed_currents(fixed_pop, np.linspace(-1, 1, 5)).ravel()
    runs = []
    for _ in range(2):
        state = LIFState(np.zeros(currents.size, np.int32), np.zeros(currents.size, np.int32))
        spikes = [lif_step(fixed_pop.lif, currents, state) for _ in range(300)]
        runs.append((np.array(spikes), state.voltage.copy(), state.refractory.copy()))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
