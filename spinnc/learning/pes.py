"""PES (Prescribed Error Sensitivity, MacNeil & Eliasmith 2011), as nengo runs it:
each tick ``decoders -= learning_rate * dt / n * outer(error, activities)``,
``activities`` the pre population's spikes (``amplitude / dt``) through the
rule's ``pre_synapse``, ``n`` its neurons.  Into an ensemble's neurons (from
the pre's neurons, or from its decoders: nengo then learns its transform
times the decoders) it learns the full weight matrix alike, from the local
error: the error times the post's scaled encoders, a row per post neuron
(:func:`spinnc.frontend.learning.learn_weights`).

On the cores, per spike (``weights * amplitude / dt``), the change of
weight ``w[j, i]`` is ``k * e[j] * a[i]`` with ``k = -learning_rate *
amplitude / n``, computed in two rounded products: ``ak[i] = round(a[i] *
rate >> rate_shift)`` (int32, a per-neuron scale), then ``w[j, i] +=
round(ak[i] * e[j] >> delta_shift)``, clamped to s16.15's range.  ``rate``
is ``k`` as a 31-bit mantissa; the shifts put ``ak`` at the most fractional
bits that hold it for any activity trace (at least 24) and the change at
:data:`~spinnc.learning.WEIGHT_FRAC`.  So the precision is that of the error
and the trace themselves, whatever the rate.
"""

import nengo
import numpy as np

from ..errors import QuantisationError, UnsupportedFeature
from . import (TYPICAL_RATE, WEIGHT_FRAC, LearningRule, check_full_matrix, outer_update,
               rate_fields, rate_value, rate_words, record_rate, register, trace_of)

#: The update that must not underflow: an error of this size times an
#: activity of TYPICAL_RATE must change a weight by at least one unit.
TYPICAL_ERROR = 0.01


def quantise_rate(k: float, owner, n_neurons: int, amplitude: float,
                  trace_frac: int = 15) -> tuple[int, int, int]:
    """(rate, rate_shift, delta_shift) of per-spike rate ``k``
    (:func:`spinnc.learning.rate_words` into s24.39, for traces with
    ``trace_frac`` fractional bits).

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
    return rate_words(k, WEIGHT_FRAC, owner, trace_frac)


def rate_of(rate: int, rate_shift: int, delta_shift: int) -> float:
    """The real per-spike rate ``k`` that (rate, rate_shift, delta_shift)
    hold for s16.15 traces."""
    return rate_value(rate, rate_shift, delta_shift, WEIGHT_FRAC)


class PES(LearningRule):
    name = "PES"
    code = 1
    nengo_type = nengo.PES
    probeables = {"activities": "trace", "error": "inputs"}

    def quantise(self, rule_type, population, dt: float, owner,
                 neurons: int | None = None) -> dict:
        """The LEARNING region fields of PES ``rule_type`` learning from
        ``population`` (a float Graph Population), or from ``neurons`` of
        them (a slice: nengo divides the rate by the neurons it reads)."""
        n, amplitude = neurons or population.n_neurons, population.amplitude
        k = -float(rule_type.learning_rate) * amplitude / n
        trace = trace_of(rule_type.pre_synapse, amplitude, dt, owner)
        rate, rate_shift, delta_shift = quantise_rate(k, owner, n, amplitude, trace.frac)
        return dict(kind=self.code, rate=rate, rate_shift=rate_shift, delta_shift=delta_shift,
                    **trace.fields)

    def step_fixed(self, weights, trace, error, record) -> None:
        outer_update(weights, trace, error, *rate_fields(record))

    def real_constants(self, record) -> tuple:
        return (record_rate(record, WEIGHT_FRAC),)

    def step_float(self, weights, trace, error, constants) -> None:
        weights += constants[0] * np.multiply.outer(error, trace)

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
        every = np.arange(ensemble.n_neurons)[conn.pre_slice] if neurons else None
        if neurons and (every.size == 0 or not np.array_equal(
                every, np.arange(every[0], every[0] + every.size))):
            raise UnsupportedFeature(
                conn, "PES from neurons picked by a list or a step",
                "connect from a run of neurons (a slice of step 1), or from all of them "
                "with zeros in the columns it should not use")
        if isinstance(conn.post_obj, nengo.ensemble.Neurons):
            if not isinstance(conn.post_slice, slice):  # nengo's own error first
                raise nengo.exceptions.BuildError(
                    "PES learning rule does not support advanced indexing on non-decoded "
                    "connections")
            # From neurons or from an ensemble's decoders, nengo learns the full
            # matrix (its transform times the decoders) from the local error.
            check_full_matrix(conn, "PES into neurons", post_slices=True, pre_runs=True)


register(PES())
