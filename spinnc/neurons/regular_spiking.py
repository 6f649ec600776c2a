"""nengo.RegularSpiking: a rate neuron type turned into regular spikes.

nengo's update (``RegularSpiking.step``, after the base type's rate ``r(J)``)::

    voltage += r(J) * dt;  n = floor(voltage);  output = amplitude / dt * n;  voltage -= n

spinnc runs it for two base types, with the base type's ``amplitude``:

* ``nengo.LIFRate``: ``r(J) = amplitude / (tau_ref + tau_rc * log1p(1 / (J - 1)))``
  for ``J > 1``, else 0;
* ``nengo.RectifiedLinear``: ``r(J) = amplitude * max(J, 0)``.

A RegularSpiking of any other base type (or of a subclass of these with its
own ``step``) is refused (:meth:`RegularSpiking.runs`): the frontend raises
UnsupportedFeature naming the ensemble, the type and these base types.

One spike a tick
----------------
A core sends at most one spike per neuron per tick, so, as
:mod:`spinnc.neurons.spiking_relu` does, spinnc emits one spike when
``voltage >= 1`` and drops the whole units (``voltage -= floor(voltage)``, for
every neuron as nengo does).  That is nengo's update exactly while
``r(J) * dt < 1`` (rates below ``1 / dt``: a LIFRate's rate is below
``1 / tau_ref``, 500 Hz by default), and a spike every tick above.  Two
consequences of the cap: an initial voltage of 2 or more sends one spike, not
``floor(voltage)``; a negative initial voltage (not nengo's default
``Uniform(0, 1)``) becomes its fractional part without nengo's negative
spike count.  The RegularSpiking's own ``amplitude`` scales the decoders (the
weights are stored per spike, :mod:`spinnc.fixed`).

The fixed-point rate: one table lookup, no log and no division
--------------------------------------------------------------
LIFRate's rate needs a log and a division per neuron per tick; ARM968 has
neither a floating-point unit nor a divider.  So the *rate per tick*
``p(x) = r(threshold + x) * dt`` of the population's base type is tabulated
when quantising (in float64 on the host, then rounded to s1.30), and each tick
interpolates it linearly between knots that are spaced by octaves of ``x``
(as a floating-point number's exponent and leading mantissa bits), which is
a count-leading-zeros and a few shifts.  With ``B = TABLE_BITS = 3``:

* ``threshold`` (s16.15) is 1 for LIFRate and 0 for RectifiedLinear.
* Knot ``i`` (``0 <= i < TABLE_SIZE = (32 - B) * 2**B + 1 = 233``) sits at
  ``x_i = (i - e_i * 2**B) << e_i`` raw s16.15 units, with
  ``e_i = max((i >> B) - 1, 0)``: every raw value 0..15, then 8 knots per
  octave up to ``x = 2**31`` (the first knot past every s16.15 current).
  ``table[i] = round(p(x_i * 2**-15) * 2**30)`` (s1.30, halves up), and
  ``table[0] = 0``.  The rate is increasing, so the table is non-decreasing.
* Per neuron per tick, with ``J`` the s16.15 input current::

      if J <= threshold:  p = 0
      else:
          x = J - threshold                       # 1 .. 2**31 - 1
          k = 31 - clz(x)                         # the leading bit, 0 .. 30
          e = max(k - B, 0)
          i = (e << B) + (x >> e)                 # 1 .. TABLE_SIZE - 2
          f = x & ((1 << e) - 1)                  # 0 .. 2**e - 1
          p = table[i] + (((table[i+1] - table[i]) * f + ((1 << e) >> 1)) >> e)
      voltage = saturate(voltage + ((p + 2**14) >> 15))   # s1.30 -> s16.15, rounded
      spike = voltage >= 1.0;  voltage &= 2**15 - 1       # voltage - floor(voltage)

  The product is below ``2**31 * 2**27`` (int64); every shift is arithmetic.
  For RectifiedLinear, whose rate is a line, interpolation is exact up to
  the knots' rounding (at most one s1.30 unit).  For LIFRate with nengo's
  default tau_rc=20 ms and tau_ref=2 ms at dt=1 ms the interpolation is
  within 0.25 Hz (0.08 %) of nengo's rate at every current (largest near
  J = 18); the voltage's s16.15 rounding adds at most 2**-16 a tick.

Rates per tick of 2 or more do not fit s1.30: those knots are clamped to the
largest s1.30 word, deliberately (not a quantisation error): any ``p >= 1``
spikes every tick under the cap above, so the result is the same.  (Only the
stretch between the last knot below 1 per tick and the first clamped one
interpolates a chord below the true rate, at rates above ``1 / dt`` already.)

Formats (every one in :mod:`spinnc.fixed`): the table in s1.30 (rates per tick
of 5 Hz are 0.005; s16.15 would keep 164 units of them, s1.30 5.4 million);
``voltage``, the threshold and the float mode's parameters in s16.15 (the
voltage is a probe, and recordings hold s16.15 words).  All numpy on every
neuron at once; the float mode is nengo's own float64 update.
"""

from dataclasses import dataclass
from functools import lru_cache

import nengo
import numpy as np

from .. import fixed
from ..errors import UnsupportedFeature
from ..fixed import S1_30, S16_15
from . import NeuronModel, Variable, register

ONE = S16_15.one

#: Mantissa bits of the table's index: 2**TABLE_BITS knots per octave.
TABLE_BITS = 3
#: Knots: the raw values 0 .. 2**(B+1) - 1, then 2**B per octave up to 2**31.
TABLE_SIZE = ((32 - TABLE_BITS) << TABLE_BITS) + 1

#: The supported base types by their code in the ``base`` header word.
BASES = {0: nengo.RectifiedLinear, 1: nengo.LIFRate}
RECTIFIED_LINEAR, LIF_RATE = 0, 1


def knots() -> np.ndarray:
    """The table's knots ``x_i`` in raw s16.15 units (int64)."""
    i = np.arange(TABLE_SIZE, dtype=np.int64)
    e = np.maximum((i >> TABLE_BITS) - 1, 0)
    return (i - (e << TABLE_BITS)) << e


def base_code(base_type) -> int | None:
    """The ``base`` code of a base type instance, None when spinnc does not
    run it: a LIFRate or a RectifiedLinear, or a subclass keeping its
    ``step`` (LIF, AdaptiveLIFRate and SpikingRectifiedLinear have their own)."""
    for code, kind in BASES.items():
        if isinstance(base_type, kind) and type(base_type).step is kind.step:
            return code
    return None


def base_rates(params: dict, current: np.ndarray) -> np.ndarray:
    """The base type's rate (Hz) as nengo's ``step`` computes it, float64."""
    j = np.asarray(current, dtype=np.float64)
    if int(params["base"]) == RECTIFIED_LINEAR:
        return params["rate_amplitude"] * np.maximum(0.0, j)
    return lif_rate(params["rate_amplitude"], params["tau_rc"], params["tau_ref"], j - 1)


def lif_rate(amplitude: float, tau_rc: float, tau_ref: float, x: np.ndarray) -> np.ndarray:
    """LIFRate's rate for ``x = J - 1`` (nengo's ``LIFRate.step``): 0 at or
    below threshold."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    above = x > 0
    out[above] = amplitude / (tau_ref + tau_rc * np.log1p(1.0 / x[above]))
    return out


def rate_table(params: dict, dt: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The rate per tick at every knot: (raw s1.30 words, their rounding
    errors in spikes per tick over the knots that fit, the number clamped)."""
    x = knots().astype(np.float64) * S16_15.resolution  # exact: integers times 2**-15
    if int(params["base"]) == RECTIFIED_LINEAR:
        p = params["rate_amplitude"] * x * dt
    else:
        p = lif_rate(params["rate_amplitude"], params["tau_rc"], params["tau_ref"], x) * dt
    p[0] = 0.0
    raw, clamped = fixed.to_fixed(p, S1_30)  # saturates to the largest word: see above
    errors = (fixed.to_float(raw, S1_30) - p)[~clamped]
    return raw.astype(np.int64), errors, int(clamped.sum())


@dataclass(frozen=True)
class RSConstants:
    """The fixed step's constants: the threshold (s16.15) and the table (s1.30)."""

    threshold: int
    table: tuple


@lru_cache(maxsize=64)
def table_array(c: RSConstants) -> np.ndarray:
    """``c.table`` as a read-only int64 array (built once per population)."""
    table = np.array(c.table, dtype=np.int64)
    table.flags.writeable = False
    return table


def rate_per_tick(c: RSConstants, current: np.ndarray) -> np.ndarray:
    """The interpolated rate per tick (int64 s1.30) for s16.15 currents, as
    the module docstring specifies."""
    table = table_array(c)
    x = np.maximum(np.asarray(current, dtype=np.int64) - c.threshold, 0)
    # The leading bit k of x (x = m 2**exp with m in [0.5, 1), exact for
    # integers below 2**53): k = exp - 1; x = 0 gives exp = 0, i = 0, p = 0.
    _, exp = np.frexp(x.astype(np.float64))
    e = np.maximum(exp.astype(np.int64) - 1 - TABLE_BITS, 0)
    i = (e << TABLE_BITS) + (x >> e)
    one_e = np.left_shift(1, e)
    frac = x & (one_e - 1)
    low = table[i]
    return low + (((table[i + 1] - low) * frac + (one_e >> 1)) >> e)


def rs_step(c: RSConstants, current: np.ndarray, state) -> np.ndarray:
    """The fixed-point update of int64 ``state["voltage"]`` (s16.15), in
    place; returns the spiking neurons' indices."""
    v = state["voltage"]
    v += (rate_per_tick(c, current) + (1 << (S16_15.frac_bits - 1))) >> S16_15.frac_bits
    fixed._clip(v, fixed.INT32_MIN, fixed.INT32_MAX, out=v)
    spikes = np.flatnonzero(v >= ONE)
    v &= ONE - 1  # v - floor(v), either sign (two's complement)
    return spikes


@dataclass(frozen=True)
class FloatRS:
    """nengo's parameters (float mode): the base type's and dt."""

    base: int
    rate_amplitude: float
    tau_rc: float
    tau_ref: float
    dt: float


def float_rs_step(c: FloatRS, current: np.ndarray, state) -> np.ndarray:
    """nengo's update in float64 over ``state["voltage"]``, in place (at most
    one spike a tick, see above); the spiking neurons' indices."""
    rate = base_rates(vars(c), current)
    v = state["voltage"]
    v += c.dt * rate
    n_spikes = np.floor(v)
    v -= n_spikes
    return np.flatnonzero(n_spikes > 0)


def _rate_variable(i: int) -> Variable:
    return Variable(f"rate_{i:03d}", S1_30,
                    f"the rate per tick at knot {i} (x = {int(knots()[i])} s16.15 units "
                    "above the threshold), spikes per tick below 2")


class RegularSpiking(NeuronModel):
    """nengo.RegularSpiking of nengo.LIFRate or nengo.RectifiedLinear."""

    name = "RegularSpiking"
    code = 5
    nengo_type = nengo.RegularSpiking
    constants = (
        Variable("base", None, "the base type: 0 RectifiedLinear, 1 LIFRate (the float "
                               "mode's rate; the fixed update reads only the table)"),
        Variable("threshold", S16_15, "a current: the rate is 0 at or below it "
                                      "(1 for LIFRate, 0 for RectifiedLinear)"),
        Variable("rate_amplitude", S16_15, "the base type's amplitude, a rate scale "
                                           "(float mode)"),
        Variable("tau_rc_ticks", S16_15, "LIFRate's tau_rc / dt (float mode; 0 for "
                                         "RectifiedLinear)"),
        Variable("tau_ref_ticks", S16_15, "LIFRate's tau_ref / dt (float mode; 0 for "
                                          "RectifiedLinear)"),
    ) + tuple(_rate_variable(i) for i in range(TABLE_SIZE))
    state = (Variable("voltage", S16_15, "the integral of the rate, spiking at 1"),)
    probes = {"voltage": "voltage"}
    #: a compare, a count-leading-zeros, four shifts and masks, two loads, a
    #: multiply-accumulate, the rounding and the add, compare and mask of
    #: SpikingRectifiedLinear's update per neuron, and per spike
    #: [M] bench/cost_model.py, 2026-12-02 (was 30 [E]).  Planned for at its
    #: most, one spike per neuron per tick.
    cycles_per_neuron = 109
    cycles_per_spike = 10
    cycles_per_spike_later = 11
    spikes_per_tick = 1.0

    def runs(self, neuron_type) -> bool:
        """Only a RegularSpiking of a LIFRate or a RectifiedLinear."""
        return base_code(getattr(neuron_type, "base_type", None)) is not None

    def supported(self) -> str:
        return "nengo.RegularSpiking of nengo.LIFRate or nengo.RectifiedLinear"

    def parameters(self, neuron_type):
        base = neuron_type.base_type
        code = base_code(base)
        if code is None:  # the frontend refuses it first (runs)
            raise UnsupportedFeature(neuron_type, f"base type {type(base).__name__}",
                                     f"spinnc runs {self.supported()}")
        params = {"base": float(code), "rate_amplitude": float(base.amplitude)}
        if code == LIF_RATE:
            params.update(tau_rc=float(base.tau_rc), tau_ref=float(base.tau_ref))
        return params

    def quantise(self, q, owner, params, state, dt):
        lif = int(params["base"]) == LIF_RATE
        values = {"threshold": 1.0 if lif else 0.0,
                  "rate_amplitude": params["rate_amplitude"],
                  "tau_rc_ticks": params["tau_rc"] / dt if lif else 0.0,
                  "tau_ref_ticks": params["tau_ref"] / dt if lif else 0.0}
        constants = {"base": int(params["base"])}
        for key, value in values.items():
            constants[key] = int(fixed.quantise(
                [value], S16_15, f"'{owner}' regular spiking {key}",
                "the base type's amplitude, tau_rc / dt and tau_ref / dt must be below "
                "65536")[0])
        table, errors, _ = rate_table(params, dt)
        q.record(owner, "rate per tick table", S1_30.name, errors, 0, table.size)
        constants.update({f"rate_{i:03d}": int(w) for i, w in enumerate(table)})
        return constants, {"voltage": q(owner, "initial voltage", state["voltage"])}

    def fixed_constants(self, header):
        return RSConstants(int(header["threshold"]),
                           tuple(int(header[f"rate_{i:03d}"]) for i in range(TABLE_SIZE)))

    def fixed_step(self, c, current, state):
        return rs_step(c, current, state)

    def float_constants(self, header, dt):
        real = lambda key: float(fixed.to_float(header[key]))
        return FloatRS(int(header["base"]), real("rate_amplitude"),
                       real("tau_rc_ticks") * dt, real("tau_ref_ticks") * dt, dt)

    def float_state(self, arrays, dt):
        return {"voltage": fixed.to_float(arrays["voltage"])}

    def float_step(self, c, current, state):
        return float_rs_step(c, current, state)

    def rates(self, params, current, dt):
        """The base type's rate (nengo's), capped at one spike a tick."""
        return np.minimum(base_rates(params, current), 1 / dt)

    def describe(self, params):
        if int(params["base"]) == RECTIFIED_LINEAR:
            return f"RectifiedLinear rate = {params['rate_amplitude']:g} max(J, 0)"
        return (f"LIFRate tau_rc={params['tau_rc']:g} tau_ref={params['tau_ref']:g}"
                + (f" amplitude={params['rate_amplitude']:g}"
                   if params["rate_amplitude"] != 1 else ""))


register(RegularSpiking())
