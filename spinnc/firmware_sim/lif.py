"""The LIF neuron update an ensemble core runs every tick.

:func:`lif_step` is the fixed-point update: nengo's exact integration and
sub-tick spike times built from :mod:`spinnc.fixed` operations (the scheme is
documented in :mod:`spinnc.fixed`).  :func:`float_lif_step` is nengo's own
float64 update (``nengo.LIF.step``) over the same state, for the emulator's
float mode.  All neurons update at once: the fixed-point update is one
compiled loop (``_kernels.pyx``), the float one numpy operations on arrays.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import fixed
from ..fixed import S16_15, LIFConstants
from . import _kernels

#: 1/n in s1.30 (n from 1), for the spike time's series.
_INVERSE = fixed._INVERSE.astype(np.int64)

ONE = S16_15.one


@dataclass
class LIFState:
    """Membrane voltage and remaining refractory ticks, both s16.15 words
    (int32; the emulator's kernel holds them widened to int64)."""

    voltage: np.ndarray
    refractory: np.ndarray


def lif_step(lif: LIFConstants, current: np.ndarray, state: LIFState) -> np.ndarray:
    """Advance the neurons one tick with input ``current`` (s16.15).

    Updates ``state`` in place and returns the boolean spike vector.
    """
    voltage = state.voltage.astype(np.int64)
    refractory = state.refractory.astype(np.int64)
    spikes = lif_update(lif, decay_table(lif), np.asarray(current, dtype=np.int64),
                        voltage, refractory)
    state.voltage = voltage.astype(np.int32)
    state.refractory = refractory.astype(np.int32)
    spiked = np.zeros(voltage.size, dtype=bool)
    spiked[spikes] = True
    return spiked


@lru_cache(maxsize=64)
def decay_table(lif: LIFConstants) -> np.ndarray:
    """``k(delta)`` (s1.30) for every integration fraction ``delta`` of a
    tick, 0 to 1 in s16.15 (``ONE + 1`` entries): 0 while refractory, the
    stored ``k(1)`` for a whole tick, and the series in between.  The series
    is evaluated here once for all 2**15 fractions instead of every tick on
    the neurons that leave their refractory period: the same values."""
    delta = np.arange(ONE + 1, dtype=np.int64)
    exponent = fixed.mul(lif.dt_over_tau_rc, delta, S16_15)  # s1.30
    table = fixed.one_minus_exp_neg(exponent, lif.exp_terms).astype(np.int64)
    table[0], table[ONE] = 0, lif.decay
    table.flags.writeable = False
    return table


def lif_update(lif: LIFConstants, table: np.ndarray, current: np.ndarray,
               voltage: np.ndarray, refractory: np.ndarray) -> np.ndarray:
    """:func:`lif_step` on int64 state arrays, updated in place.

    ``table`` is :func:`decay_table` of ``lif``; ``current``, ``voltage`` and
    ``refractory`` are contiguous int64 arrays holding int32 words (the state
    stays within int32, as the firmware's does).  Returns the indices of the
    neurons that spiked, in increasing order.  The per-neuron loop is
    compiled (``_kernels.pyx``).
    """
    spikes = np.empty(current.size, dtype=np.int64)
    count = _kernels.lif_update(table, _INVERSE, lif.tau_rc_ticks, lif.tau_ref_ticks,
                                lif.min_voltage, lif.log_terms,
                                np.ascontiguousarray(current, dtype=np.int64), voltage,
                                refractory, spikes)
    return spikes[:count]


@dataclass(frozen=True)
class FloatLIF:
    """A population's LIF constants as reals, recovered from its stored
    fixed-point :class:`~spinnc.fixed.LIFConstants` (float mode)."""

    tau_rc: float  # seconds: tau_rc_ticks * dt
    tau_ref: float  # seconds: tau_ref_ticks * dt
    min_voltage: float
    dt: float

    @classmethod
    def from_fixed(cls, lif: LIFConstants, dt: float) -> "FloatLIF":
        """The real constants that ``lif``'s s16.15 words stand for."""
        real = lambda raw: float(fixed.to_float(raw))
        return cls(real(lif.tau_rc_ticks) * dt, real(lif.tau_ref_ticks) * dt,
                   real(lif.min_voltage), dt)


def float_lif_step(lif: FloatLIF, current: np.ndarray, state: LIFState) -> np.ndarray:
    """Advance the neurons one tick in float64, exactly as ``nengo.LIF.step``.

    ``state`` holds float64 arrays: the voltage, and the refractory time in
    *seconds* (nengo's unit, so every operation is nengo's and the result is
    bit-identical to it).  Updates ``state`` in place and returns the boolean
    spike vector.
    """
    dt, tau_rc = lif.dt, lif.tau_rc
    current = np.asarray(current, dtype=np.float64)
    refractory = state.refractory - dt
    # Integrate for the part of the tick after the refractory period ends.
    delta_t = np.clip(dt - refractory, 0, dt)
    voltage = state.voltage - (current - state.voltage) * np.expm1(-delta_t / tau_rc)
    spiked = voltage > 1
    # Spike time from v(0) = 1: when in the tick the voltage crossed 1.
    t_spike = dt + tau_rc * np.log1p(-(voltage[spiked] - 1) / (current[spiked] - 1))
    voltage[voltage < lif.min_voltage] = lif.min_voltage
    voltage[spiked] = 0
    refractory[spiked] = lif.tau_ref + t_spike
    state.voltage, state.refractory = voltage, refractory
    return spiked
