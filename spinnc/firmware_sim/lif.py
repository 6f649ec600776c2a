"""The LIF neuron update an ensemble core runs every tick, in fixed point.

The scheme (nengo's exact integration and sub-tick spike times, built from
:mod:`spinnc.fixed` operations) is documented in :mod:`spinnc.fixed`.  All
neurons of a core update at once: no Python loop over neurons.
"""

from dataclasses import dataclass

import numpy as np

from .. import fixed
from ..fixed import S1_30, S16_15, LIFConstants

ONE = S16_15.one


@dataclass
class LIFState:
    """Membrane voltage and remaining refractory ticks, both s16.15 int32."""

    voltage: np.ndarray
    refractory: np.ndarray


def lif_step(lif: LIFConstants, current: np.ndarray, state: LIFState) -> np.ndarray:
    """Advance the neurons one tick with input ``current`` (s16.15).

    Updates ``state`` in place and returns the boolean spike vector.
    """
    current = np.asarray(current, dtype=np.int64)
    refractory = state.refractory.astype(np.int64) - ONE
    # Fraction of this tick each neuron integrates for (0 while refractory).
    delta = np.clip(ONE - refractory, 0, ONE)
    decay = np.where(delta == ONE, lif.decay, 0).astype(np.int64)
    partial = (delta > 0) & (delta < ONE)
    if partial.any():
        exponent = fixed.mul(lif.dt_over_tau_rc, delta[partial], S16_15)  # s1.30
        decay[partial] = fixed.one_minus_exp_neg(exponent, lif.exp_terms)

    voltage = state.voltage.astype(np.int64)
    voltage = voltage + fixed.mul(fixed.saturate(current - voltage), decay, S1_30)
    voltage = fixed.saturate(voltage).astype(np.int64)
    spiked = voltage > ONE

    if spiked.any():
        # Time since the crossing of 1, in ticks: tau_rc/dt * -ln(1 - r),
        # r = (v - 1) / (J - 1) (J > v > 1 for a neuron that just spiked).
        over = voltage[spiked] - ONE
        drive = np.maximum(current[spiked] - ONE, over)
        ratio = fixed.div(over, drive, S1_30)
        ticks = fixed.mul(lif.tau_rc_ticks, fixed.neg_log1m(ratio, lif.log_terms), S1_30)
        ticks = np.minimum(ticks, delta[spiked])
        refractory[spiked] = lif.tau_ref_ticks + ONE - ticks

    voltage = np.maximum(voltage, lif.min_voltage)
    voltage[spiked] = 0
    state.voltage = voltage.astype(np.int32)
    # A finished refractory period stays at 0 instead of counting down forever.
    state.refractory = np.maximum(refractory, 0).astype(np.int32)
    return spiked
