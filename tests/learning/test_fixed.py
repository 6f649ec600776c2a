"""The fixed-point contract of learned weights and PES's rate."""

import numpy as np
import pytest

from spinnc import fixed, learning
from spinnc.errors import QuantisationError
from spinnc.learning import pes


def test_unchanged_learned_rows_decode_as_fixed_rows():
    rng = np.random.default_rng(1)
    decoders = rng.integers(-2**14, 2**14, size=(3, 50))
    spikes = np.flatnonzero(rng.random(50) < 0.3)
    expected = fixed.saturate(decoders[:, spikes].sum(axis=1))
    assert np.array_equal(learning.decode(learning.from_decoders(decoders), spikes), expected)
    assert np.array_equal(learning.recorded(learning.from_decoders(decoders)), decoders)


@pytest.mark.parametrize("k", [-5e-6, -3.7e-9, -1e-3, 2.5e-2])
def test_the_rate_holds_k_to_31_bits(k):
    rate, rate_shift, delta_shift = pes.quantise_rate(k, "conn", 100, 1.0)
    assert 2**29 < abs(rate) < 2**31
    assert rate_shift >= 1 and delta_shift >= 0
    assert abs(pes.rate_of(rate, rate_shift, delta_shift) / k - 1) < 2e-9


def test_an_update_matches_the_real_product():
    """k e a in s24.39, off by no more than its two roundings: half a unit
    of ak (scaled by the error) and half a unit of the weight."""
    k = -1e-3 / 200
    rate = pes.quantise_rate(k, "conn", 200, 1.0)
    trace = fixed.to_fixed(np.array([0.0, 12.5, 300.0, 999.0]))[0].astype(np.int64)
    error = fixed.to_fixed(np.array([0.25, -0.01]))[0].astype(np.int64)
    weights = np.zeros((2, 4), dtype=np.int64)
    learning.outer_update(weights, trace, error, *rate)
    real = k * np.outer(fixed.to_float(error), fixed.to_float(trace))
    bound = 0.5 * np.abs(error)[:, None] / 2**rate[2] + 0.5 + 1e-6 * np.abs(real) * 2**39
    assert np.all(np.abs(weights - real * 2.0**learning.WEIGHT_FRAC) <= bound)
    assert np.count_nonzero(weights) == 6


def test_small_rates_do_not_stall():
    """1000 ticks of an update far below s16.15's unit add up (s16.15 alone
    would never move)."""
    k = -1e-6 / 1000
    rate = pes.quantise_rate(k, "conn", 1000, 1.0)
    trace = fixed.to_fixed(np.array([10.0]))[0].astype(np.int64)
    error = fixed.to_fixed(np.array([0.01]))[0].astype(np.int64)
    weights = np.zeros((1, 1), dtype=np.int64)
    for _ in range(1000):
        learning.outer_update(weights, trace, error, *rate)
    total = weights[0, 0] * 2.0**-learning.WEIGHT_FRAC
    assert total < 0 and abs(total / (1000 * k * 0.01 * 10) - 1) < 0.01
    assert abs(total) < 2**-15  # below one unit of s16.15


def test_a_rate_that_underflows_names_the_smallest_that_works():
    with pytest.raises(QuantisationError, match=r"'pre->post'.*smallest rate that learns"):
        pes.quantise_rate(-1e-14, "'pre->post'", 100, 1.0)


def test_weights_saturate_within_s16_15():
    weights = np.array([[learning.WEIGHT_MAX - 5]], dtype=np.int64)
    rate = pes.quantise_rate(0.5, "conn", 1, 1.0)
    learning.outer_update(weights, np.array([2**25], np.int64), np.array([2**20], np.int64), *rate)
    assert weights[0, 0] == learning.WEIGHT_MAX


def test_a_trace_has_the_most_fractional_bits_its_largest_value_leaves():
    assert learning.trace_frac(1.0, 0.001) == 20  # 1000 Hz: s11.20
    assert learning.trace_frac(2.0, 0.001) == 19
    assert learning.trace_frac(1.0, 0.0001) == 16  # 10,000 Hz
    assert learning.trace_frac(1e-3, 0.001) == learning.TRACE_FRAC_MAX
    # the largest trace, a neuron spiking every tick, fits twice over
    for amplitude, dt in [(1.0, 0.001), (3.0, 0.0005), (0.1, 0.01)]:
        assert 2 * amplitude / dt * 2.0**learning.trace_frac(amplitude, dt) < 2**31


def test_a_rate_holds_its_value_for_any_trace_format():
    for frac in (15, 20, 24):
        words = learning.rate_words(-3.7e-6, learning.WEIGHT_FRAC, "conn", frac)
        assert abs(learning.rate_value(*words, learning.WEIGHT_FRAC, frac) / -3.7e-6 - 1) < 1e-8


def test_the_trace_is_a_lowpass_of_the_spikes():
    import nengo

    dt = 0.001
    trace = learning.trace_of(nengo.Lowpass(0.005), 1.0, dt, "conn")
    a, real = np.zeros(1, np.int64), 0.0
    decay = np.exp(-dt / 0.005)
    for t in range(200):
        spiked = np.array([t % 7 == 0])
        a = learning.step_trace(a, spiked, trace.spike, trace.decay)
        real = decay * real + (1 - decay) * spiked[0] / dt
    assert trace.frac == 20  # s11.20: 1000 Hz twice over
    assert abs(a[0] * 2.0**-trace.frac - real) < 1e-4
    with pytest.raises(Exception, match="pre_synapse"):
        learning.trace_of(nengo.Alpha(0.005), 1.0, dt, "conn")
