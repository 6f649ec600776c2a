"""Oja (1982), as nengo runs it: each tick a connection's full weight matrix
changes by ``alpha * outer(p, a) - alpha * beta * p[:, None]**2 * W``,
``alpha = learning_rate * dt``, ``a`` the pre neurons' activities through
``pre_synapse`` and ``p`` the post neurons' through ``post_synapse``.

On the cores the matrix is learned as BCM's is (:mod:`spinnc.learning.bcm`),
``p`` an input dimension per row.  Each tick the forgetting comes first, from
the weights before the tick's update as nengo's: ``c[j] = sat(round(q[j] *
forget >> forget_shift))`` with ``q = p**2 / 2**10`` (s16.15,
:func:`~spinnc.learning.squared`), ``alpha beta p**2`` in s0.31, then ``w[j,
i] -= round(sat(round(w[j, i] >> 24)) * c[j] >> 7)`` (the weight in s16.15
times ``c``, back at 39 fractional bits); then the Hebbian term,
:func:`~spinnc.learning.outer_update` with ``k = learning_rate * amplitude``.
"""

import nengo
import numpy as np

from .. import fixed
from ..errors import QuantisationError
from . import (RECORD_SHIFT, TYPICAL_RATE, WEIGHT_FRAC, WEIGHT_MAX, WEIGHT_MIN, LearningRule,
               check_full_matrix, mantissa, outer_update, rate_fields, rate_words, record_rate,
               register, shift_round, squared, trace_of)

#: c in s0.31
FORGET_FRAC = 31
#: q (p**2 / 2**10, s16.15) times forget is c: 2**10 * 2**(31 - 15) more
FORGET_SCALE = 10 + FORGET_FRAC - 15


def forget(weights, p, factor: int, shift: int) -> None:
    """Oja's forgetting of ``weights`` (int64, in place) for activities ``p``."""
    c = fixed.saturate(shift_round(squared(p).astype(np.int64) * factor, shift))
    words = fixed.saturate(shift_round(weights, RECORD_SHIFT)).astype(np.int64)
    forgotten = shift_round(words * c.astype(np.int64)[:, None],
                            fixed.S16_15.frac_bits + FORGET_FRAC - WEIGHT_FRAC)
    np.clip(weights - forgotten, WEIGHT_MIN, WEIGHT_MAX, out=weights)


class Oja(LearningRule):
    name = "Oja"
    code = 4
    nengo_type = nengo.Oja
    probeables = {"pre_filtered": "trace", "post_filtered": "inputs"}
    weight_passes = 2  # the forgetting, then the update
    reads_weights = True  # (the forgetting)

    def activities(self, rule_type) -> list:
        return [rule_type.post_synapse]

    def quantise(self, rule_type, population, dt: float, owner) -> dict:
        """The LEARNING region fields of Oja ``rule_type`` on weights out of
        ``population`` (a float Graph Population)."""
        k = float(rule_type.learning_rate) * population.amplitude  # per spike: x amp / dt
        if k and abs(k) * TYPICAL_RATE * TYPICAL_RATE * 2.0**WEIGHT_FRAC < 1:
            smallest = 2.0**-WEIGHT_FRAC / (TYPICAL_RATE**2 * population.amplitude)
            raise QuantisationError(
                f"{owner}: learning rate {rule_type.learning_rate:g} underflows the learned "
                f"weights' format (s24.39): activities of {TYPICAL_RATE:g} Hz would change "
                f"no weight; the smallest rate that learns is {smallest:.3g}")
        trace = trace_of(rule_type.pre_synapse, population.amplitude, dt, owner)
        rate, rate_shift, delta_shift = rate_words(k, WEIGHT_FRAC, owner, trace.frac)
        alpha_beta = float(rule_type.learning_rate) * dt * float(rule_type.beta)
        factor, shift = mantissa(alpha_beta, FORGET_SCALE, owner)
        return dict(kind=self.code, rate=rate, rate_shift=rate_shift, delta_shift=delta_shift,
                    forget=factor, forget_shift=shift, **trace.fields)

    def step_fixed(self, weights, trace, p, record) -> None:
        forget(weights, p, int(record["forget"]), int(record["forget_shift"]))
        outer_update(weights, trace, p, *rate_fields(record))

    def real_constants(self, record) -> tuple:
        alpha_beta = int(record["forget"]) * 2.0**-(int(record["forget_shift"]) + FORGET_SCALE)
        return record_rate(record, WEIGHT_FRAC), alpha_beta

    def step_float(self, weights, trace, p, constants) -> None:
        k, alpha_beta = constants
        weights -= (alpha_beta * p * p)[:, None] * weights
        weights += k * np.multiply.outer(p, trace)

    def check(self, conn, rule) -> None:
        check_full_matrix(conn, self.name)


register(Oja())
