"""Learning rules on the cores: one module per rule, a registry by nengo type.

A rule module says which nengo learning rule it runs (:class:`LearningRule`):
whether it runs on a given connection (:meth:`LearningRule.check`, one line
naming what to change), its constants in fixed point (:meth:`LearningRule.quantise`)
and its code in the LEARNING region.  The arithmetic of learned weights,
shared by every rule that changes them (PES its decoders, BCM and Oja a full
weight matrix) and by both engines, is here.

A rule that learns weights learns *rows*: each tick it updates every weight
``w[j, i]`` of its rows from the trace of neuron ``i``'s spikes and a signal
of row ``j`` that it computes from its member's input dimensions
(:attr:`LearningRule.inputs_per_row` of them per row, from its ``error``
dimension on): PES's error, or the post neurons' filtered activities that
BCM and Oja read, which reach the learning cores as packets like any decoded
value (:meth:`LearningRule.activities`).

Learned weights
---------------
A learned connection's per-spike decoders (``weights * amplitude / dt``, as
every connection's: :mod:`spinnc.fixed`, "Decoders") live on its ensemble's
cores in **s24.39**: int64 words with :data:`WEIGHT_FRAC` fractional bits,
kept within s16.15's range.  s16.15 would stall learning: with nengo's
default rate of 1e-4 over 100 neurons, an error of 0.01 and a neuron firing
at 10 Hz change its decoder by 1e-7 per tick, a thirtieth of s16.15's unit;
39 fractional bits hold that change in 2**16 units, deterministically (no
stochastic rounding, so no generator to keep in step between engines).

Decoding a learned row adds the spiking neurons' weights shifted to 31
fractional bits (exact in int64: a core has far fewer than 2**16 neurons)
and rounds once to s16.15 (:func:`decode`).  A weight that starts as an
s16.15 decoder ``d`` is ``d << 24``, so before any update a learned row
decodes exactly as a fixed one does.
"""

import math
from dataclasses import dataclass

import numpy as np

from .. import fixed

#: Fractional bits of learned weights (int64).
WEIGHT_FRAC = 39
#: Learned weights stay within s16.15's range (per spike).
WEIGHT_MIN, WEIGHT_MAX = -(1 << 55), (1 << 55) - 1
#: Decoding shifts the weights to 31 fractional bits before adding them.
DECODE_SHIFT = 8
#: The recorded weights (``Probe(conn, "weights")``) are s16.15: 24 bits fewer.
RECORD_SHIFT = WEIGHT_FRAC - fixed.S16_15.frac_bits
#: A rate that does not learn from activities of this (Hz) is refused as
#: underflowing (each rule: with its typical signal).
TYPICAL_RATE = 10.0


def shift_round(x, shift: int):
    """``x`` (int64) divided by ``2**shift``, rounded to nearest (ties up):
    ``(x + 2**(shift - 1)) >> shift``, the contract's rounding."""
    x = np.asarray(x, dtype=np.int64)
    return (x + (1 << (shift - 1))) >> shift if shift > 0 else x


def from_decoders(raw: np.ndarray) -> np.ndarray:
    """s16.15 per-spike decoders as learned weights (exact)."""
    return np.asarray(raw, dtype=np.int64) << RECORD_SHIFT


def decode(weights: np.ndarray, spikes: np.ndarray) -> np.ndarray:
    """The s16.15 payloads of learned rows ``weights`` (rows, neurons) for
    the neurons ``spikes``: their weights at 31 fractional bits added
    exactly, rounded once, saturated."""
    total = (weights[:, spikes] >> DECODE_SHIFT).sum(axis=1, dtype=np.int64)
    return fixed.saturate(shift_round(total, WEIGHT_FRAC - DECODE_SHIFT - 15))


def recorded(weights: np.ndarray) -> np.ndarray:
    """Learned weights as the s16.15 words a weights probe records."""
    return fixed.saturate(shift_round(weights, RECORD_SHIFT))


def rate_words(k: float, out_frac: int, owner, trace_frac: int = 15) -> tuple[int, int, int]:
    """A rate ``k`` as the cores multiply by it: (rate, rate_shift,
    delta_shift) such that, for a trace ``a`` with ``trace_frac``
    fractional bits and a signal ``s`` in s16.15, ``round(round(a * rate >>
    rate_shift) * s >> delta_shift)`` is ``k a s`` with ``out_frac``
    fractional bits.  ``rate`` is ``k`` as a 31-bit mantissa; the first
    product (int32, ``ak``) keeps the most fractional bits that hold it for
    any trace, at least ``out_frac - 15`` (so ``delta_shift >= 0``): the
    precision is that of the trace and the signal.

    Raises
    ------
    QuantisationError
        If ``k`` is too large for the format, naming ``owner``.
    """
    if k == 0:
        return 0, 1, 0
    least = out_frac - 15
    ak_frac = max(least, 30 - math.ceil(math.log2(abs(k) * 2.0**(31 - trace_frac))))
    k_frac = 30 - math.floor(math.log2(abs(k)))
    rate = round(k * 2.0**k_frac)
    if abs(rate) >= 2**31:  # rounded up to 2**31
        k_frac -= 1
        rate = round(k * 2.0**k_frac)
    rate_shift = trace_frac + k_frac - ak_frac
    if rate_shift < 1:
        from ..errors import QuantisationError

        raise QuantisationError(f"{owner}: learning rate {abs(k):g} (per tick and unit) is "
                                "too large for the cores' learning arithmetic; use a "
                                "smaller one")
    return int(rate), int(rate_shift), int(ak_frac - least)


def outer_update(weights, trace, signal, rate: int, rate_shift: int, delta_shift: int) -> None:
    """``weights[j, i] += k * signal[j] * trace[i]`` in place (int64, rows x
    neurons), ``k`` as :func:`rate_words` holds it: ``ak[i] = sat(round(trace[i]
    * rate >> rate_shift))``, then ``round(ak[i] * signal[j] >> delta_shift)``,
    clamped to s16.15's range.  The update of every rule learning weights."""
    ak = fixed.saturate(shift_round(np.asarray(trace, np.int64) * rate, rate_shift))
    delta = shift_round(np.multiply.outer(np.asarray(signal, np.int64), ak.astype(np.int64)),
                        delta_shift)
    np.clip(weights + delta, WEIGHT_MIN, WEIGHT_MAX, out=weights)


def rate_fields(record) -> tuple[int, int, int]:
    """(rate, rate_shift, delta_shift) of a LEARNING record (:func:`rate_words`)."""
    return int(record["rate"]), int(record["rate_shift"]), int(record["delta_shift"])


def rate_value(rate: int, rate_shift: int, delta_shift: int, out_frac: int,
               trace_frac: int = 15) -> float:
    """The real rate ``k`` that :func:`rate_words` made these words of."""
    return rate * 2.0**-(rate_shift + delta_shift + out_frac - 15 - trace_frac)


def record_rate(record, out_frac: int) -> float:
    """The real rate ``k`` of a LEARNING record (:func:`rate_value`)."""
    return rate_value(*rate_fields(record), out_frac, int(record["trace_frac"]))


#: The most fractional bits of a trace (a word per neuron).
TRACE_FRAC_MAX = 24


def trace_frac(amplitude: float, dt: float) -> int:
    """The fractional bits of the traces of spikes of ``amplitude``: the most
    that hold ``amplitude / dt`` (a neuron spiking every tick, the largest a
    Lowpass of its spikes reaches) twice over, in an int32.  At 1 ms and
    amplitude 1 that is 20 (s11.20): nengo's filtered activities within a
    millionth of a hertz, where s16.15 was 1e-4 off after a few hundred
    rounded decays."""
    top = max(1.0, abs(amplitude) / dt)
    return int(min(TRACE_FRAC_MAX, max(0, 30 - math.ceil(math.log2(top)))))


@dataclass(frozen=True)
class Trace:
    """A low-pass trace of a population's spikes (nengo's filtered activities,
    spikes as ``amplitude / dt``): ``a' = sat(spike + round(a * decay))`` per
    neuron that spiked, ``a' = sat(round(a * decay))`` otherwise; ``spike``
    and the trace with ``frac`` fractional bits (:func:`trace_frac`),
    ``decay`` in s1.30."""

    spike: int
    decay: int
    frac: int = 15

    @property
    def fields(self) -> dict:
        """Its LEARNING_RULE fields."""
        return dict(spike=self.spike, decay=self.decay, trace_frac=self.frac)


def trace_of(synapse, amplitude: float, dt: float, obj) -> Trace:
    """The trace of nengo synapse ``synapse`` (a Lowpass or None) on spikes of
    ``amplitude``; UnsupportedFeature naming ``obj`` for other synapses."""
    import nengo

    from ..errors import UnsupportedFeature

    if synapse is None:
        decay = 0.0
    elif type(synapse) is nengo.Lowpass:
        decay = float(np.exp(-dt / synapse.tau)) if synapse.tau > 0 else 0.0
    else:
        raise UnsupportedFeature(obj, f"pre_synapse {synapse} on a learning rule",
                                 "use a nengo.Lowpass or None as its pre_synapse")
    frac = trace_frac(amplitude, dt)
    spike = int(round(amplitude / dt * (1.0 - decay) * 2.0**frac))
    return Trace(spike, int(fixed.to_fixed([decay], fixed.S1_30)[0][0]), frac)


def step_trace(a: np.ndarray, spiked: np.ndarray, trace_spike, trace_decay) -> np.ndarray:
    """One tick of traces ``a`` (int64 words) given which neurons spiked."""
    a = shift_round(np.asarray(a, np.int64) * np.asarray(trace_decay, np.int64), 30)
    return fixed.saturate(a + np.where(spiked, np.asarray(trace_spike, np.int64), 0))


class LearningRule:
    """What a rule module provides (one registered instance per rule).

    Attributes
    ----------
    name : str
        Its name in messages and reports.
    code : int
        Its ``kind`` in the LEARNING region (unique, never reused).
    nengo_type : type
        The nengo learning rule type it runs.
    """

    name = ""
    code = 0
    nengo_type: type = type(None)
    #: a rule learning weights: input dimensions it reads per learned row
    inputs_per_row = 1
    #: passes over its weights per tick (the cost model's)
    weight_passes = 1
    #: whether its update reads the weights (Oja's forgetting): with other
    #: rules on one connection it runs first, on the weights before the tick
    reads_weights = False
    #: what a probe of its nengo LearningRule may record on the cores, by
    #: nengo's attribute: ``"trace"``, its activity trace (a word per neuron),
    #: or ``"inputs"``, its first row of input dimensions (a word per row)
    probeables: dict = {}

    def check(self, conn, rule) -> None:
        """Raise UnsupportedFeature if this rule cannot run on ``conn``."""

    def activities(self, rule_type) -> list:
        """The nengo synapses through which the post neurons' activities
        reach the rule's input dimensions, one block of rows each (none for
        a rule whose input comes from connections into it)."""
        return []

    def step_fixed(self, weights, trace, inputs, record) -> None:
        """One tick's update of ``weights`` (int64, rows x neurons, in place)
        from the traces (s16.15 words), its input dimensions ``inputs``
        (s16.15, :attr:`inputs_per_row` blocks of rows) and its LEARNING
        record's constants."""
        raise NotImplementedError

    def real_constants(self, record) -> tuple:
        """The real constants of :meth:`step_float` that ``record`` holds."""
        raise NotImplementedError

    def step_float(self, weights, trace, inputs, constants) -> None:
        """:meth:`step_fixed` in reals (per-spike weights, activities in Hz)."""
        raise NotImplementedError


_BY_TYPE: dict = {}
_BY_CODE: dict = {}


def register(rule: LearningRule) -> LearningRule:
    _BY_TYPE[rule.nengo_type] = rule
    _BY_CODE[rule.code] = rule
    return rule


def rule_of_code(code: int) -> LearningRule:
    """The module whose LEARNING ``kind`` is ``code``."""
    return _BY_CODE[int(code)]


def rule_for(nengo_rule) -> LearningRule | None:
    """The module that runs nengo learning rule (type instance) ``nengo_rule``."""
    return _BY_TYPE.get(type(nengo_rule))


def supported_names() -> list[str]:
    return sorted(r.name for r in _BY_TYPE.values())


def check_full_matrix(conn, name: str, post_slices: bool = False,
                      pre_runs: bool = False) -> None:
    """That ``conn`` has a full weight matrix for rule ``name`` to learn:
    all of an ensemble's spiking neurons (or its decoders), or with
    ``pre_runs`` a slice of them (the rule checks it), to all of another's,
    or with ``post_slices`` to some of its neurons, a row each
    (UnsupportedFeature naming ``conn`` otherwise; nengo refuses decoded
    connections itself)."""
    import nengo

    from ..errors import UnsupportedFeature

    for obj, cut in ((conn.pre_obj, conn.pre_slice), (conn.post_obj, conn.post_slice)):
        ens = getattr(obj, "ensemble", obj)
        if not isinstance(ens, nengo.Ensemble) or isinstance(ens.neuron_type, nengo.Direct):
            raise UnsupportedFeature(conn, f"{name} on a connection between "
                                     f"{type(conn.pre_obj).__name__} and "
                                     f"{type(conn.post_obj).__name__}",
                                     "connect two ensembles of spiking neurons")
        if obj is conn.pre_obj and (isinstance(obj, nengo.Ensemble) or pre_runs) or (
                post_slices and obj is conn.post_obj
                and isinstance(obj, nengo.ensemble.Neurons)):
            # decoded: the slice is in the decoders, the matrix is all neurons';
            # into some neurons: a row per neuron reached
            continue
        every = np.arange(obj.size_out if obj is conn.pre_obj else obj.size_in)
        if not np.array_equal(every[cut], every):
            raise UnsupportedFeature(conn, f"{name} on a slice of an ensemble",
                                     "connect all of its neurons (zero the weights it "
                                     "should not use)")


def mantissa(k: float, frac: int, owner) -> tuple[int, int]:
    """``k`` as (m, shift): ``round(x * m >> shift)`` is ``k x`` with
    ``frac`` more fractional bits than ``x``, ``m`` a 31-bit mantissa.

    Raises
    ------
    QuantisationError
        If ``k 2**frac`` is too large for one (``shift`` < 1), naming ``owner``.
    """
    if k == 0:
        return 0, 1
    scaled = k * 2.0**frac
    shift = 30 - math.floor(math.log2(abs(scaled)))
    m = round(scaled * 2.0**shift)
    if abs(m) >= 2**31:
        shift -= 1
        m = round(scaled * 2.0**shift)
    if shift < 1:
        from ..errors import QuantisationError

        raise QuantisationError(f"{owner}: the constant {k:g} is too large for the cores' "
                                "learning arithmetic; use a smaller learning rate")
    return int(m), int(shift)


def squared(p) -> np.ndarray:
    """``p**2 / 2**10`` in s16.15 of activities ``p`` (s16.15, Hz): room for
    activities to 1,000 Hz and beyond, 2**-5 Hz**2 apart."""
    p = np.asarray(p, np.int64)
    return fixed.saturate(shift_round(p * p, 25))


from . import bcm, oja, pes, voja  # noqa: E402,F401  (register the rules)
