"""nengo.SpikingRectifiedLinear: an integrator that spikes at each unit.

nengo's update (``SpikingRectifiedLinear.step``)::

    voltage += max(J, 0) * dt;  n = floor(voltage);  voltage -= n

emitting ``n`` spikes.  A core sends at most one spike per neuron per tick, so
spinnc emits one when ``voltage >= 1`` and drops the whole units
(``voltage -= floor(voltage)``): identical to nengo while ``J * dt < 1``
(rates below ``1 / dt``; nengo's default max_rates are at most 400 Hz), capped
at ``1 / dt`` above.  In fixed point: ``voltage += mul(max(J, 0), dt)`` with
``dt`` in s1.30 (s16.15 would hold 1 ms as 33 units, 0.7 % off), ``voltage``
in s16.15.  All numpy, every neuron at once.
"""

from dataclasses import dataclass

import nengo
import numpy as np

from .. import fixed
from ..fixed import S1_30, S16_15
from . import NeuronModel, Variable, register


@dataclass(frozen=True)
class FloatReLU:
    """The real constants (float mode)."""

    dt: float
    amplitude: float


def relu_step(dt30: int, current: np.ndarray, state) -> np.ndarray:
    """The fixed-point update of int64 ``state["voltage"]`` (s16.15), in
    place; returns the spiking neurons' indices."""
    v = state["voltage"]
    v += fixed.mul(np.maximum(current, 0), dt30, S1_30)
    fixed._clip(v, fixed.INT32_MIN, fixed.INT32_MAX, out=v)
    spikes = np.flatnonzero(v >= S16_15.one)
    v[spikes] &= S16_15.one - 1  # drop the whole units (v >= 0: floor)
    return spikes


def float_relu_step(c: FloatReLU, current: np.ndarray, state) -> np.ndarray:
    """nengo's update in float64 (at most one spike a tick, see above)."""
    v = state["voltage"]
    v += np.maximum(current, 0) * c.dt
    n_spikes = np.floor(v)
    v -= n_spikes
    return np.flatnonzero(n_spikes > 0)


class SpikingRectifiedLinear(NeuronModel):
    """nengo.SpikingRectifiedLinear."""

    name = "SpikingRectifiedLinear"
    code = 3
    nengo_type = nengo.SpikingRectifiedLinear
    constants = (Variable("dt", S1_30, "the tick in seconds, a coefficient below 1"),)
    state = (Variable("voltage", S16_15, "the integral, spiking at 1"),)
    probes = {"voltage": "voltage"}
    #: a clamp, a multiply, an add, a compare and a mask per neuron; a spike
    #: costs nothing besides its decoding (the fit's -4)
    #: [M] bench/cost_model.py, 2026-12-02 (was 20 [E]).
    #: Planned for at its most, one spike per neuron per tick.
    cycles_per_neuron = 86
    cycles_per_spike = 0
    spikes_per_tick = 1.0

    def parameters(self, neuron_type):
        return {"amplitude": float(neuron_type.amplitude)}

    def quantise(self, q, owner, params, state, dt):
        raw = int(fixed.quantise([dt], S1_30, f"'{owner}' dt")[0])
        return {"dt": raw}, {"voltage": q(owner, "initial voltage", state["voltage"])}

    def fixed_constants(self, header):
        return int(header["dt"])

    def fixed_step(self, dt30, current, state):
        return relu_step(dt30, current, state)

    def float_constants(self, header, dt):
        return FloatReLU(dt, 1.0)

    def float_state(self, arrays, dt):
        return {"voltage": fixed.to_float(arrays["voltage"])}

    def float_step(self, c, current, state):
        return float_relu_step(c, current, state)

    def rates(self, params, current, dt):
        """nengo's rate (``max(J, 0)``), capped at one spike a tick."""
        return np.minimum(np.maximum(np.asarray(current, np.float64), 0), 1 / dt)

    def describe(self, params):
        return "rate = max(J, 0)"


register(SpikingRectifiedLinear())
