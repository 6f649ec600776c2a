"""PES (Prescribed Error Sensitivity, MacNeil & Eliasmith 2011), as nengo runs it:
each tick ``decoders -= learning_rate * dt / n * outer(error, activities)``,
``activities`` the pre population's spikes (``amplitude / dt``) through the
rule's ``pre_synapse``, ``n`` its neurons.

On the cores, per spike (``weights * amplitude / dt``), the change of
weight ``w[j, i]`` is ``k * e[j] * a[i]`` with ``k = -learning_rate *
amplitude / n``, computed in two rounded products: ``ak[i] = round(a[i] *
rate >> rate_shift)`` (int32, a per-neuron scale), then ``w[j, i] +=
round(ak[i] * e[j] >> delta_shift)``, clamped to s16.15's range.  ``rate``
is ``k`` as a 31-bit mantissa; the shifts put ``ak`` at the most fractional
bits that hold it for any s16.15 activity (at least 24) and the change at
:data:`~spinnc.learning.WEIGHT_FRAC`.  So the precision is that of the error
and the trace themselves, whatever the rate.
"""

import nengo
import numpy as np

from .. import fixed
from ..errors import QuantisationError, UnsupportedFeature
from . import (WEIGHT_FRAC, WEIGHT_MAX, WEIGHT_MIN, LearningRule, rate_value, rate_words,
               register, shift_round, trace_of)

#: The update that must not underflow: an error of this size ...
TYPICAL_ERROR = 0.01
#: ... times an activity of this (Hz) must change a weight by at least one unit.
TYPICAL_RATE = 10.0


def quantise_rate(k: float, owner, n_neurons: int, amplitude: float) -> tuple[int, int, int]:
    """(rate, rate_shift, delta_shift) of per-spike rate ``k``
    (:func:`spinnc.learning.rate_words` into s24.39).

    Raises
    ------
    QuantisationError
        If an update of :data:`TYPICAL_ERROR` at :data:`TYPICAL_RATE` Hz
        underflows the weights' format, naming ``owner`` and the smallest
        learning rate that works, or if ``k`` is too large for the format.
    """
    if k != 0 and abs(k) * TYPICAL_ERROR * TYPICAL_RATE * 2.0**WEIGHT_FRAC < 1:
        smallest = n_neurons / amplitude * 2.0**-WEIGHT_FRAC / (TYPICAL_ERROR * TYPICAL_RATE)
        raise QuantisationError(
            f"{owner}: learning rate {abs(k) * n_neurons / amplitude:g} underflows the "
            f"learned weights' format (s24.39): an error of {TYPICAL_ERROR} at "
            f"{TYPICAL_RATE:g} Hz would change no weight; the smallest rate that "
            f"learns is {smallest:.3g}")
    return rate_words(k, WEIGHT_FRAC, owner)


def rate_of(rate: int, rate_shift: int, delta_shift: int) -> float:
    """The real per-spike rate ``k`` that (rate, rate_shift, delta_shift) hold."""
    return rate_value(rate, rate_shift, delta_shift, WEIGHT_FRAC)


def step_fixed(weights, trace, error, rate: int, rate_shift: int, delta_shift: int):
    """One tick's update of ``weights`` (int64, rows x neurons) in place, from
    the traces (int64 words of s16.15) and errors (s16.15) of the tick."""
    ak = fixed.saturate(shift_round(np.asarray(trace, np.int64) * rate, rate_shift))
    delta = shift_round(np.multiply.outer(np.asarray(error, np.int64), ak.astype(np.int64)),
                        delta_shift)
    np.clip(weights + delta, WEIGHT_MIN, WEIGHT_MAX, out=weights)


class PES(LearningRule):
    name = "PES"
    code = 1
    nengo_type = nengo.PES

    def quantise(self, rule_type, population, dt: float, owner) -> dict:
        """The LEARNING region fields of PES ``rule_type`` learning from
        ``population`` (a float Graph Population)."""
        n, amplitude = population.n_neurons, population.amplitude
        k = -float(rule_type.learning_rate) * amplitude / n
        rate, rate_shift, delta_shift = quantise_rate(k, owner, n, amplitude)
        trace = trace_of(rule_type.pre_synapse, amplitude, dt, owner)
        return dict(kind=self.code, rate=rate, rate_shift=rate_shift, delta_shift=delta_shift,
                    spike=trace.spike, decay=trace.decay)

    def check(self, conn, rule) -> None:
        pre = conn.pre_obj
        neurons = isinstance(pre, nengo.ensemble.Neurons)
        ensemble = pre.ensemble if neurons else pre
        if not isinstance(ensemble, nengo.Ensemble) or isinstance(ensemble.neuron_type,
                                                                 nengo.Direct):
            raise UnsupportedFeature(
                conn, f"PES on a connection from {type(pre).__name__}",
                "spinnc learns the decoders of a connection out of an ensemble of "
                "spiking neurons")
        every = np.arange(ensemble.n_neurons)
        if neurons and not np.array_equal(every[conn.pre_slice], every):
            raise UnsupportedFeature(
                conn, "PES on a connection from a slice of an ensemble's neurons",
                "connect from all of its neurons (zero the columns it should not use)")
        if isinstance(conn.post_obj, nengo.ensemble.Neurons):
            if not isinstance(conn.post_slice, slice):  # nengo's own error first
                raise nengo.exceptions.BuildError(
                    "PES learning rule does not support advanced indexing on non-decoded "
                    "connections")
            raise UnsupportedFeature(
                conn, "PES on a connection into neurons",
                "connect into the ensemble (decoded), so PES learns its decoders")


register(PES())
