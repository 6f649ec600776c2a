"""nengo.LIF: the leaky integrate-and-fire model.

:func:`lif_step` is the fixed-point update: nengo's exact integration and
sub-tick spike times built from :mod:`spinnc.fixed` operations (the scheme is
documented in :mod:`spinnc.fixed`).  :func:`float_lif_step` is nengo's own
float64 update (``nengo.LIF.step``) over the same state, for the emulator's
float mode.  All neurons update at once: the fixed-point update is one
compiled loop (``_lif.pyx``: the spike time's series has a length per
neuron), the float one numpy operations on arrays.
"""

from dataclasses import dataclass
from functools import lru_cache

import nengo
import numpy as np

from .. import fixed
from ..errors import QuantisationError
from ..fixed import S1_30, S16_15, LIFConstants
from . import NeuronModel, Variable, _lif, register

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
    compiled (``_lif.pyx``).
    """
    spikes = np.empty(current.size, dtype=np.int64)
    count = _lif.lif_update(table, _INVERSE, lif.tau_rc_ticks, lif.tau_ref_ticks,
                            lif.min_voltage, lif.log_terms,
                            np.ascontiguousarray(current, dtype=np.int64), voltage,
                            refractory, spikes)
    return spikes[:count]


@lru_cache(maxsize=64)
def packed_constants(lif: LIFConstants) -> np.ndarray:
    """The constants of the compiled loop ``_lif.LOOP`` (with the decay table)."""
    packed = _lif.packed(decay_table(lif), _INVERSE, lif.tau_rc_ticks, lif.tau_ref_ticks,
                         lif.min_voltage, lif.log_terms)
    packed.flags.writeable = False
    return packed


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


def lif_constants(q, owner: str, params: dict, dt: float) -> LIFConstants:
    """The fixed-point LIF of :mod:`spinnc.fixed` for one population; its
    scalars are one report entry, "lif constants" (``q`` is the frontend's
    quantiser)."""
    tau_rc = params["tau_rc"]
    a = dt / tau_rc
    if a >= 2:
        raise QuantisationError(
            f"'{owner}' tau_rc={tau_rc}: dt/tau_rc = {a:g} does not fit s1.30; "
            f"tau_rc must be longer than dt/2 = {dt / 2:g} s"
        )
    decay = -np.expm1(-a)
    values = {"decay": (decay, S1_30), "dt_over_tau_rc": (a, S1_30),
              "tau_rc_ticks": (tau_rc / dt, S16_15),
              "tau_ref_ticks": (params["tau_ref"] / dt, S16_15),
              "min_voltage": (params["min_voltage"], S16_15)}
    raw = {key: int(fixed.quantise([v], fmt, f"'{owner}' lif {key}")[0])
           for key, (v, fmt) in values.items()}
    errors = np.array([fixed.to_float(raw[key], fmt) - v for key, (v, fmt) in values.items()])
    q.record(owner, "lif constants", "s1.30/s16.15", errors, 0)
    return LIFConstants(**raw, exp_terms=fixed.exp_series_terms(a),
                        log_terms=fixed.log_series_terms(decay))


def lif_rates(tau_rc: float, tau_ref: float, current: np.ndarray) -> np.ndarray:
    """nengo's LIF rate for constant currents: 0 at or below threshold 1."""
    current = np.asarray(current, dtype=np.float64)
    rates = np.zeros_like(current)
    above = current > 1  # below threshold a LIF neuron never fires
    rates[above] = 1 / (tau_ref + tau_rc * np.log1p(1 / (current[above] - 1)))
    return rates


class LIF(NeuronModel):
    """nengo.LIF (the scheme in :mod:`spinnc.fixed`)."""

    name = "LIF"
    code = 1
    nengo_type = nengo.LIF
    constants = (
        Variable("decay", S1_30, "k(1) = 1 - exp(-dt/tau_rc), a coefficient in [0, 1]"),
        Variable("dt_over_tau_rc", S1_30, "the exponent of a partial tick's k(delta)"),
        Variable("tau_rc_ticks", S16_15, "tau_rc / dt, scales the spike time's series"),
        Variable("tau_ref_ticks", S16_15, "the refractory period in ticks"),
        Variable("min_voltage", S16_15, "a voltage"),
        Variable("exp_terms", None, "series terms of k(delta)"),
        Variable("log_terms", None, "series terms of -ln(1 - r)"),
    )
    state = (Variable("voltage", S16_15, "membrane voltage, threshold 1"),
             Variable("refractory", S16_15, "remaining refractory time in ticks"))
    probes = {"voltage": "voltage"}
    #: The firmware's update per neuron (the decay's s1.30 product, the
    #: refractory clamp), per spike in its tick (the ratio's 31-step division
    #: and the log series) and two ticks later (the decay series, as the
    #: refractory period of 2 ms ends part-way through a tick at dt = 1 ms)
    #: [M] bench/cost_model.py, 2026-12-02; nengo_spinnaker's were 61 per
    #: neuron.  Planned for: 0.25 spikes per neuron per tick (the grid's most
    #: was 0.19; nengo's default max_rates, 200-400 Hz at dt = 1 ms, are at
    #: most 0.4, which the 40% cycle budget covers).
    cycles_per_neuron = 134
    cycles_per_spike = 889
    cycles_per_spike_later = 277
    spikes_per_tick = 0.25

    def parameters(self, neuron_type) -> dict[str, float]:
        return {"tau_rc": float(neuron_type.tau_rc), "tau_ref": float(neuron_type.tau_ref),
                "min_voltage": float(neuron_type.min_voltage)}

    def initial_state(self, signals):
        # nengo's refractory time is in seconds (ticks once quantised).
        return {"voltage": np.array(signals["voltage"], dtype=np.float64),
                "refractory": np.array(signals["refractory_time"], dtype=np.float64)}

    def quantise(self, q, owner, params, state, dt):
        lif = lif_constants(q, owner, params, dt)
        constants = {name: getattr(lif, name) for name in LIFConstants.__dataclass_fields__}
        return constants, {"voltage": q(owner, "initial voltage", state["voltage"]),
                           "refractory": q(owner, "initial refractory (ticks)",
                                           state["refractory"] / dt)}

    def fixed_constants(self, header):
        return LIFConstants(*(int(header[f]) for f in LIFConstants.__dataclass_fields__))

    def fixed_step(self, lif, current, state):
        return lif_update(lif, decay_table(lif), current, state["voltage"], state["refractory"])

    def compiled_loop(self, lif):
        return _lif.LOOP, packed_constants(lif)

    def float_constants(self, header, dt):
        return FloatLIF.from_fixed(LIF.fixed_constants(self, header), dt)

    def float_state(self, arrays, dt):
        # nengo counts refractory time in seconds; the Image stores ticks.
        return {"voltage": fixed.to_float(arrays["voltage"]),
                "refractory": fixed.to_float(arrays["refractory"]) * dt}

    def float_step(self, lif, current, state):
        s = LIFState(state["voltage"], state["refractory"])
        spiked = float_lif_step(lif, current, s)
        state["voltage"], state["refractory"] = s.voltage, s.refractory
        return np.flatnonzero(spiked)

    def rates(self, params, current, dt):
        return lif_rates(params["tau_rc"], params["tau_ref"], current)

    def describe(self, params):
        return f"tau_rc={params['tau_rc']:g} tau_ref={params['tau_ref']:g}"


register(LIF())
