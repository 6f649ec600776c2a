"""nengo.Izhikevich: the two-variable model of Izhikevich (2003).

nengo's update (``Izhikevich.step``), per tick with ``dt`` in ms (``h = 1000 dt``)::

    J = max(J, -30)
    v += (0.04 v**2 + 5 v + 140 - u + J) * h
    spiked = v >= 30;  v[spiked] = reset_voltage
    u += tau_recovery * (coupling * v - u) * h;  u[spiked] += reset_recovery

In fixed point ``v`` and ``u`` are s16.15 (millivolt-scale values, far inside
+-65536; ``v`` is below 30 before each update, so ``v**2`` fits); ``0.04``,
``h``, ``coupling`` and ``tau_recovery * h`` are coefficients in s1.30 (``h``
must be below 2, so ``dt`` below 2 ms); ``140``, the reset voltage and the
recovery jump are s16.15.  Each product is :func:`spinnc.fixed.mul`; the sum
is exact in int64 and saturated once.  All numpy, every neuron at once.
"""

from dataclasses import dataclass

import nengo
import numpy as np

from .. import fixed
from ..fixed import S1_30, S16_15
from . import NeuronModel, Variable, register

ONE = S16_15.one


@dataclass(frozen=True)
class IzhConstants:
    """The stored constants (raw words)."""

    h: int  # dt in ms, s1.30
    square: int  # 0.04, s1.30
    coupling: int  # s1.30
    rate: int  # tau_recovery * h, s1.30
    reset_voltage: int  # s16.15
    reset_recovery: int  # s16.15
    floor: int  # -30, s16.15: the lowest input current


@dataclass(frozen=True)
class FloatIzh:
    """nengo's parameters (float mode)."""

    dt: float
    tau_recovery: float
    coupling: float
    reset_voltage: float
    reset_recovery: float


def izh_step(c: IzhConstants, current: np.ndarray, state) -> np.ndarray:
    """The fixed-point update of int64 ``voltage`` and ``recovery`` (s16.15),
    in place; returns the spiking neurons' indices."""
    v, u = state["voltage"], state["recovery"]
    j = np.maximum(np.asarray(current, np.int64), c.floor)
    square = fixed.mul(fixed.mul(v, v, S16_15), c.square, S1_30).astype(np.int64)
    drive = fixed.saturate(square + 5 * v + 140 * ONE - u + j)
    v += fixed.mul(drive, c.h, S1_30)
    fixed._clip(v, fixed.INT32_MIN, fixed.INT32_MAX, out=v)
    spikes = np.flatnonzero(v >= 30 * ONE)
    v[spikes] = c.reset_voltage
    u += fixed.mul(fixed.saturate(fixed.mul(v, c.coupling, S1_30).astype(np.int64) - u),
                   c.rate, S1_30)
    u[spikes] += c.reset_recovery
    fixed._clip(u, fixed.INT32_MIN, fixed.INT32_MAX, out=u)
    return spikes


def float_izh_step(c: FloatIzh, current: np.ndarray, state) -> np.ndarray:
    """nengo's ``Izhikevich.step`` in float64, in place; the spiking indices."""
    v, u = state["voltage"], state["recovery"]
    j = np.maximum(-30.0, current)
    dv = (0.04 * v**2 + 5 * v + 140 - u + j) * 1000
    v[:] += dv * c.dt
    spiked = v >= 30
    v[spiked] = c.reset_voltage
    du = (c.tau_recovery * (c.coupling * v - u)) * 1000
    u[:] += du * c.dt
    u[spiked] = u[spiked] + c.reset_recovery
    return np.flatnonzero(spiked)


class Izhikevich(NeuronModel):
    """nengo.Izhikevich."""

    name = "Izhikevich"
    code = 4
    nengo_type = nengo.Izhikevich
    constants = (
        Variable("h", S1_30, "dt in ms, a coefficient below 2"),
        Variable("square", S1_30, "0.04, the v**2 coefficient"),
        Variable("coupling", S1_30, "coupling, a coefficient (0.2 by default)"),
        Variable("rate", S1_30, "tau_recovery * dt in ms, a coefficient"),
        Variable("reset_voltage", S16_15, "a voltage (mV scale)"),
        Variable("reset_recovery", S16_15, "a recovery jump (mV scale)"),
        Variable("floor", S16_15, "nengo's lowest input current, -30"),
    )
    state = (Variable("voltage", S16_15, "membrane voltage, mV scale, spikes at 30"),
             Variable("recovery", S16_15, "recovery variable, mV scale"))
    probes = {"voltage": "voltage", "recovery": "recovery"}
    #: three 64-bit multiplies, a multiply-add chain and the reset per neuron;
    #: a spike's reset costs about what it replaces
    #: [M] bench/cost_model.py, 2026-12-02 (was 40 [E]).
    #: Planned for at one spike per neuron per tick (every neuron spikes in
    #: the first tick from nengo's initial state).
    cycles_per_neuron = 228
    cycles_per_spike = 3
    spikes_per_tick = 1.0

    def parameters(self, neuron_type):
        return {k: float(getattr(neuron_type, k))
                for k in ("tau_recovery", "coupling", "reset_voltage", "reset_recovery")}

    def quantise(self, q, owner, params, state, dt):
        h = dt * 1000
        values = {"h": (h, S1_30), "square": (0.04, S1_30),
                  "coupling": (params["coupling"], S1_30),
                  "rate": (params["tau_recovery"] * h, S1_30),
                  "reset_voltage": (params["reset_voltage"], S16_15),
                  "reset_recovery": (params["reset_recovery"], S16_15),
                  "floor": (-30.0, S16_15)}
        constants = {k: int(fixed.quantise([v], fmt, f"'{owner}' izhikevich {k}",
                                           "dt must be below 2 ms; coupling and "
                                           "tau_recovery * dt in ms below 2")[0])
                     for k, (v, fmt) in values.items()}
        return constants, {k: q(owner, f"initial {k}", state[k]) for k in ("voltage",
                                                                            "recovery")}

    def fixed_constants(self, header):
        return IzhConstants(*(int(header[v.name]) for v in self.constants))

    def fixed_step(self, c, current, state):
        return izh_step(c, current, state)

    def float_constants(self, header, dt):
        real = lambda k, fmt: float(fixed.to_float(header[k], fmt))
        return FloatIzh(dt, real("rate", S1_30) / (dt * 1000), real("coupling", S1_30),
                        real("reset_voltage", S16_15), real("reset_recovery", S16_15))

    def float_state(self, arrays, dt):
        return {k: fixed.to_float(arrays[k]) for k in ("voltage", "recovery")}

    def float_step(self, c, current, state):
        return float_izh_step(c, current, state)

    def rates(self, params, current, dt):
        """No closed form: the float update run for 1 s from rest on every
        current at once, spikes counted (as nengo's ``settled_firingrate``,
        without its settling millisecond)."""
        current = np.asarray(current, dtype=np.float64)
        c = FloatIzh(dt, params["tau_recovery"], params["coupling"],
                     params["reset_voltage"], params["reset_recovery"])
        state = {"voltage": np.zeros(current.size), "recovery": np.zeros(current.size)}
        flat, count = current.ravel(), np.zeros(current.size)
        steps = int(round(1.0 / dt))
        for _ in range(steps):
            count[float_izh_step(c, flat, state)] += 1
        return (count / (steps * dt)).reshape(current.shape)

    def describe(self, params):
        return " ".join(f"{k}={v:g}" for k, v in params.items())


register(Izhikevich())
