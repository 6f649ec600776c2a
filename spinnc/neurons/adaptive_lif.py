"""nengo.AdaptiveLIF: a LIF neuron whose spikes raise an adaptation current.

nengo's update (``AdaptiveLIF.step``): the LIF update with input ``J - n``,
then ``n += dt / tau_n * (inc_n * output - n)`` with ``output = amplitude / dt``
per spike.  In fixed point that is, per tick::

    spikes = LIF update (spinnc.neurons.lif) with saturate(J - n)
    n = saturate(n - mul(n, dt / tau_n) + (spiked ? inc_n * amplitude / tau_n : 0))

``dt / tau_n`` is a decay coefficient (s1.30, as the LIF's); the jump per spike
and ``n`` are currents (s16.15).  Everything after the LIF update is numpy on
every neuron at once.
"""

from dataclasses import dataclass

import nengo
import numpy as np

from .. import fixed
from ..errors import QuantisationError
from ..fixed import S1_30, S16_15, LIFConstants
from . import Variable, register
from .lif import LIF, FloatLIF, LIFState, decay_table, float_lif_step, lif_rates, lif_update


@dataclass(frozen=True)
class ALIFConstants:
    """Fixed-point AdaptiveLIF constants: the LIF's and the adaptation's."""

    lif: LIFConstants
    dt_over_tau_n: int  # s1.30
    jump: int  # inc_n * amplitude / tau_n, s16.15


@dataclass(frozen=True)
class FloatALIF:
    """AdaptiveLIF constants as reals (float mode): nengo's parameters."""

    lif: FloatLIF
    tau_n: float
    inc_n: float
    amplitude: float


def alif_step(c: ALIFConstants, current: np.ndarray, state) -> np.ndarray:
    """The fixed-point update on int64 state arrays (``voltage``,
    ``refractory``, ``adaptation``), in place; the spiking neurons' indices."""
    n = state["adaptation"]
    drive = fixed.saturate(np.asarray(current, np.int64) - n).astype(np.int64)
    spikes = lif_update(c.lif, decay_table(c.lif), drive, state["voltage"],
                        state["refractory"])
    n -= fixed.mul(n, c.dt_over_tau_n, S1_30)
    n[spikes] += c.jump
    fixed._clip(n, fixed.INT32_MIN, fixed.INT32_MAX, out=n)
    return spikes


def float_alif_step(c: FloatALIF, current: np.ndarray, state) -> np.ndarray:
    """nengo's ``AdaptiveLIF.step`` in float64 over ``state`` (refractory
    time in seconds), in place; the spiking neurons' indices."""
    dt = c.lif.dt
    n = state["adaptation"]
    lif_state = LIFState(state["voltage"], state["refractory"])
    spiked = float_lif_step(c.lif, np.asarray(current, np.float64) - n, lif_state)
    state["voltage"], state["refractory"] = lif_state.voltage, lif_state.refractory
    output = spiked * (c.amplitude / dt)
    n += (dt / c.tau_n) * (c.inc_n * output - n)
    return np.flatnonzero(spiked)


class AdaptiveLIF(LIF):
    """nengo.AdaptiveLIF: LIF constants and state plus the adaptation."""

    name = "AdaptiveLIF"
    code = 2
    nengo_type = nengo.AdaptiveLIF
    constants = LIF.constants + (
        Variable("dt_over_tau_n", S1_30, "the adaptation's decay per tick, in [0, 2)"),
        Variable("jump", S16_15, "the adaptation current a spike adds"),
    )
    state = LIF.state + (Variable("adaptation", S16_15, "a current, subtracted from J"),)
    probes = {"voltage": "voltage", "adaptation": "adaptation"}
    #: LIF's update and, per neuron, the adaptation's decay; per spike, LIF's
    #: (in its tick and two later) and the adaptation's increment
    #: [M] bench/cost_model.py, 2026-12-02 (was 61 + 8 [E]).
    #: Planned for at LIF's 0.25 spikes per neuron per tick.
    cycles_per_neuron = 176
    cycles_per_spike = 899
    cycles_per_spike_later = 277
    spikes_per_tick = 0.25

    def parameters(self, neuron_type):
        return {**super().parameters(neuron_type), "tau_n": float(neuron_type.tau_n),
                "inc_n": float(neuron_type.inc_n),
                "amplitude": float(neuron_type.amplitude)}

    def initial_state(self, signals):
        return {**super().initial_state(signals),
                "adaptation": np.array(signals["adaptation"], dtype=np.float64)}

    def quantise(self, q, owner, params, state, dt):
        constants, words = super().quantise(q, owner, params, state, dt)
        a = dt / params["tau_n"]
        if not 0 < a < 2:
            raise QuantisationError(
                f"'{owner}' tau_n={params['tau_n']:g}: dt/tau_n = {a:g} does not fit "
                f"s1.30 (0 to 2); tau_n must be longer than dt/2 = {dt / 2:g} s")
        jump = params["inc_n"] * params["amplitude"] / params["tau_n"]
        constants["dt_over_tau_n"] = int(fixed.quantise([a], S1_30, f"'{owner}' dt/tau_n")[0])
        constants["jump"] = int(fixed.quantise(
            [jump], S16_15, f"'{owner}' adaptation jump inc_n * amplitude / tau_n",
            "Use a smaller inc_n or a longer tau_n")[0])
        words["adaptation"] = q(owner, "initial adaptation", state["adaptation"])
        return constants, words

    def fixed_constants(self, header):
        return ALIFConstants(LIF.fixed_constants(self, header), int(header["dt_over_tau_n"]),
                             int(header["jump"]))

    def fixed_step(self, c, current, state):
        return alif_step(c, current, state)

    def compiled_loop(self, constants):
        return None  # the adaptation is numpy around LIF's loop

    def float_constants(self, header, dt):
        tau_n = dt / float(fixed.to_float(header["dt_over_tau_n"], S1_30))
        # amplitude 1: the stored jump already holds inc_n * amplitude / tau_n.
        return FloatALIF(super().float_constants(header, dt), tau_n,
                         float(fixed.to_float(header["jump"])) * tau_n, 1.0)

    def float_state(self, arrays, dt):
        return {**super().float_state(arrays, dt),
                "adaptation": fixed.to_float(arrays["adaptation"])}

    def float_step(self, c, current, state):
        return float_alif_step(c, current, state)

    def rates(self, params, current, dt):
        """Steady-state rates: nengo's AdaptiveLIF has no closed form (its
        ``rates`` is LIFRate's, without adaptation), so each neuron's rate
        is found by bisection on r = LIF(J - inc_n * amplitude * r), the
        adaptation's mean at rate r."""
        current = np.asarray(current, dtype=np.float64)
        k = params["inc_n"] * params["amplitude"]
        lo = np.zeros_like(current)
        hi = lif_rates(params["tau_rc"], params["tau_ref"], current)
        for _ in range(50):  # r - LIF(J - k r) is increasing in r
            mid = (lo + hi) / 2
            high = mid > lif_rates(params["tau_rc"], params["tau_ref"], current - k * mid)
            hi, lo = np.where(high, mid, hi), np.where(high, lo, mid)
        return (lo + hi) / 2

    def describe(self, params):
        return (super().describe(params)
                + f" tau_n={params['tau_n']:g} inc_n={params['inc_n']:g}")


register(AdaptiveLIF())
