"""Quantisation of a Graph to fixed point, and its report."""

import nengo
import numpy as np
import pytest

from spinnc import fixed
from spinnc.errors import QuantisationError
from spinnc.fixed import S1_30, S16_15
from spinnc.frontend import build, quantise
from spinnc.frontend.synapses import Filter

from .models import MODELS


@pytest.fixture(scope="module")
def demo():
    graph = build(MODELS["demo"]())
    fixed_graph, report = quantise(graph)
    return graph, fixed_graph, report


def test_arrays_are_rounded_to_s16_15(demo):
    graph, fixed_graph, _ = demo
    assert fixed_graph.fixed and not graph.fixed
    for name, pop in graph.populations.items():
        q = fixed_graph.populations[name]
        assert q.encoders.dtype == np.int32
        np.testing.assert_array_equal(q.encoders, fixed.to_fixed(pop.scaled_encoders)[0])
        np.testing.assert_array_equal(q.bias, fixed.to_fixed(pop.bias)[0])
        np.testing.assert_array_equal(q.initial_voltage, fixed.to_fixed(pop.initial_voltage)[0])


def test_population_weights_are_stored_per_spike(demo):
    graph, fixed_graph, _ = demo
    for conn, q in zip(graph.connections, fixed_graph.connections):
        scale = 1 / graph.dt if conn.pre in graph.populations else 1.0
        np.testing.assert_array_equal(q.weights, fixed.to_fixed(conn.weights * scale)[0])


def test_lif_constants(demo):
    graph, fixed_graph, _ = demo
    pop = graph.populations["x"]
    lif = fixed_graph.populations["x"].lif
    a = graph.dt / pop.tau_rc
    assert lif.decay == fixed.to_fixed(-np.expm1(-a), S1_30)[0]
    assert lif.dt_over_tau_rc == fixed.to_fixed(a, S1_30)[0]
    assert lif.tau_ref_ticks == 2 * S16_15.one and lif.tau_rc_ticks == 20 * S16_15.one
    assert lif.exp_terms == fixed.exp_series_terms(a)


def test_report_lists_every_array_with_errors_within_half_a_unit(demo):
    graph, _, report = demo
    owners = {e.owner for e in report.entries}
    assert set(graph.populations) <= owners
    assert {c.name for c in graph.connections} <= owners
    for entry in report.entries:
        unit = 2.0**-15 if entry.format == "s16.15" else 2.0**-30
        if entry.format in ("s16.15", "s1.30"):
            assert entry.max_error <= unit / 2
        assert 0 <= entry.rms_error <= entry.max_error
        assert entry.saturated == 0
    weights = next(e for e in report.entries if e.owner == "x->y")
    assert weights.parameter == "weights per spike" and weights.count == 100
    assert "encoders x gain / radius" in str(report)


def test_lowpass_coefficients_match_nengos_discretisation(demo):
    _, fixed_graph, _ = demo
    (conn,) = [c for c in fixed_graph.connections if c.name == "x->y"]
    assert (conn.filter.order, conn.filter.frac_bits) == (1, 30)
    (a,), (b,) = conn.filter.den, conn.filter.num
    assert a + b == S1_30.one
    signal = np.random.RandomState(0).uniform(-1, 1, size=(200, 1))
    expected = nengo.Lowpass(0.005).filt(signal, dt=0.001)
    ours, y = np.zeros_like(signal), 0.0
    for i, x in enumerate(signal):
        y = a / S1_30.one * y + b / S1_30.one * x
        ours[i] = y
    np.testing.assert_allclose(ours, expected, atol=1e-8)


def test_synapse_none_passes_values_through():
    with nengo.Network(seed=0) as network:
        nengo.Connection(nengo.Node([1.0], label="n"), nengo.Ensemble(10, 1, label="e"),
                         synapse=None)
    fixed_graph, _ = quantise(build(network))
    assert fixed_graph.connections[0].filter == Filter(30, (S1_30.one,), (0,))


def saturating_network():
    with nengo.Network(seed=0) as network:
        stim = nengo.Node([1.0], label="stim")
        e = nengo.Ensemble(10, 1, radius=1e-6, label="e")
        nengo.Connection(stim, e, transform=1e6)
    return network


def test_saturating_parameter_raises_naming_population_and_parameter():
    with pytest.raises(QuantisationError, match="'e' encoders x gain / radius"):
        quantise(build(saturating_network()))


def test_non_strict_quantisation_counts_saturated_values():
    _, report = quantise(build(saturating_network()), strict=False)
    by_name = {(e.owner, e.parameter): e for e in report.entries}
    assert by_name["e", "encoders x gain / radius"].saturated == 10
    assert by_name["stim->e", "weights"].saturated == 1
    assert report.saturated == 11


def test_accumulator_overflow_is_caught():
    def network(radius):
        with nengo.Network(seed=0) as net:
            nengo.Ensemble(10, 4, radius=radius, label="wide")
        return net

    largest = np.abs(build(network(1.0)).populations["wide"].scaled_encoders).max()
    # Scaled encoders up to 60000 over 4 dimensions: in range, but 4 products
    # of 60000 x 65536 could overflow the int64 accumulator.
    with pytest.raises(QuantisationError, match="'wide'.*overflow"):
        quantise(build(network(largest / 60000)))
    quantise(build(network(largest / 100)))  # and a sane radius is fine


def test_summary_lists_objects_and_sizes(demo):
    graph, fixed_graph, _ = demo
    text = graph.summary()
    for name in ["x", "y", "sine", "x squared", "x spikes", "x->y"]:
        assert name in text
    assert "2 populations (200 neurons)" in text
    assert "fixed point" in fixed_graph.summary()
