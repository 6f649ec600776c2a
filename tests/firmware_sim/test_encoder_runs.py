"""The compiled tick encodes in runs of neurons (a member's: the same inputs
and number of encoders): the currents are :func:`encode`'s for any layout,
widths with an unrolled loop and without, and parts that cut a run."""

import numpy as np
import pytest

from spinnc.firmware_sim._kernels import encode, encoder_runs, ensemble_tick
from spinnc.fixed import LIFConstants
from spinnc.neurons import _lif
from spinnc.neurons.lif import packed_constants

INT32 = np.iinfo(np.int32)
LIF = LIFConstants(decay=52_377_515, dt_over_tau_rc=53_687_091, tau_rc_ticks=20 << 15,
                   tau_ref_ticks=2 << 15, min_voltage=0, exp_terms=8, log_terms=8)


def layout(rng, widths):
    """Members of 1..40 neurons with ``widths`` encoders each (0 for none),
    their inputs at random places in u: (start, base, words, u)."""
    counts, base = [], []
    for dims in widths:
        size = int(rng.integers(1, 41))
        counts += [dims] * size
        base += [int(rng.integers(0, 50))] * size
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    words = rng.integers(INT32.min, INT32.max, start[-1], endpoint=True).astype(np.int32)
    u = rng.integers(INT32.min, INT32.max, 70, endpoint=True).astype(np.int32)
    u[::3] = rng.integers(-2**16, 2**16, u[::3].size)  # small ones, unsaturated sums
    return start, np.asarray(base, dtype=np.int64), words, u


@pytest.mark.parametrize("seed", range(4))
def test_runs_encode_as_each_neuron(seed):
    rng = np.random.default_rng(seed)
    widths = rng.choice([0, 1, 2, 3, 4, 5, 9, 17], size=30)
    widths[:3] = [2, 2, 4]  # neighbours of one width but other inputs: runs of their own
    start, base, words, u = layout(rng, widths)
    n = start.size - 1
    bias = rng.integers(-2**31, 2**31, n).astype(np.int64)
    extra = rng.integers(-2**31, 2**31, n).astype(np.int64) if seed % 2 else np.zeros(0, np.int64)
    expected = np.zeros(n, dtype=np.int64)
    encode(words, start, base, u, bias, expected)
    if extra.size:
        expected += extra
    expected = np.clip(expected, INT32.min, INT32.max)

    runs = encoder_runs(start, base)
    n_runs = (runs.size - 1) // 4
    assert runs[n_runs] == n and n_runs <= len(widths)
    state = np.zeros((2, n), dtype=np.int32)
    current, spikes = np.zeros(n, np.int32), np.zeros(n, np.int64)
    no_decoders = np.zeros(n + 1, np.int64)
    cut = int(rng.integers(1, n))  # almost surely inside a run
    parts = np.array([0, cut, n], dtype=np.int64)
    ensemble_tick(_lif.LOOP, packed_constants(LIF), words, runs, u, bias, extra, state,
                  current, spikes, no_decoders, np.zeros(0, np.int32), np.zeros(0, np.int32),
                  np.zeros((2, 1), np.int64), parts, np.zeros(2, np.int64), 2)
    np.testing.assert_array_equal(current, expected)


def test_no_neurons_make_no_runs():
    runs = encoder_runs(np.zeros(1, np.int64), np.zeros(0, np.int64))
    assert runs.tolist() == [0]
