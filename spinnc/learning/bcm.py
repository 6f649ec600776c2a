"""BCM (Bienenstock, Cooper & Munro 1982), as nengo runs it: each tick a
connection's full weight matrix changes by ``learning_rate * dt *
outer(p * (p - theta), a)``, ``a`` the pre neurons' activities through
``pre_synapse``, ``p`` the post neurons' through ``post_synapse`` and
``theta`` theirs through ``theta_synapse`` (activities ``amplitude / dt``
per spike).

On the cores the matrix (post neurons x pre neurons, per spike, s24.39) is
learned on the pre's cores as PES learns decoders (:mod:`spinnc.learning`);
``p`` and ``theta`` are input dimensions there, the post's activities sent
as decoded values through the two synapses.  Row ``j``'s signal is ``s[j] =
sat(round(p[j] * sat(p[j] - theta[j]) >> 25))``, ``p (p - theta) / 2**10``
in s16.15 (room for activities of thousands of Hz, 2**-5 Hz**2 apart), and
the update is :func:`~spinnc.learning.outer_update` with ``k =
learning_rate * amplitude * 2**10``.
"""

import nengo
import numpy as np

from .. import fixed
from ..errors import QuantisationError
from . import (TYPICAL_RATE, WEIGHT_FRAC, LearningRule, check_full_matrix, outer_update,
               rate_fields, rate_words, record_rate, register, shift_round, trace_of)

#: s = p (p - theta) / 2**SIGNAL_BITS
SIGNAL_BITS = 10
#: The update that must not underflow: p (p - theta) of this (Hz**2) times
#: a pre activity of TYPICAL_RATE must change a weight by one unit.
TYPICAL_SIGNAL = 10.0


def signals(p, theta) -> np.ndarray:
    """Each row's signal ``p (p - theta) / 2**10`` in s16.15."""
    p = np.asarray(p, np.int64)
    diff = fixed.saturate(p - np.asarray(theta, np.int64)).astype(np.int64)
    return fixed.saturate(shift_round(p * diff, 15 + SIGNAL_BITS))


class BCM(LearningRule):
    name = "BCM"
    code = 3
    nengo_type = nengo.BCM
    probeables = {"pre_filtered": "trace", "post_filtered": "inputs"}
    inputs_per_row = 2  # p, then theta

    def activities(self, rule_type) -> list:
        return [rule_type.post_synapse, rule_type.theta_synapse]

    def quantise(self, rule_type, population, dt: float, owner) -> dict:
        """The LEARNING region fields of BCM ``rule_type`` on weights out of
        ``population`` (a float Graph Population)."""
        k = float(rule_type.learning_rate) * population.amplitude  # per spike: x amp / dt
        if k and abs(k) * TYPICAL_SIGNAL * TYPICAL_RATE * 2.0**WEIGHT_FRAC < 1:
            smallest = 2.0**-WEIGHT_FRAC / (TYPICAL_SIGNAL * TYPICAL_RATE * population.amplitude)
            raise QuantisationError(
                f"{owner}: learning rate {rule_type.learning_rate:g} underflows the learned "
                f"weights' format (s24.39): p (p - theta) of {TYPICAL_SIGNAL:g} Hz^2 at "
                f"{TYPICAL_RATE:g} Hz would change no weight; the smallest rate that learns "
                f"is {smallest:.3g}")
        trace = trace_of(rule_type.pre_synapse, population.amplitude, dt, owner)
        rate, rate_shift, delta_shift = rate_words(k * 2.0**SIGNAL_BITS, WEIGHT_FRAC, owner,
                                                   trace.frac)
        return dict(kind=self.code, rate=rate, rate_shift=rate_shift, delta_shift=delta_shift,
                    **trace.fields)

    def step_fixed(self, weights, trace, inputs, record) -> None:
        rows = weights.shape[0]
        outer_update(weights, trace, signals(inputs[:rows], inputs[rows:]),
                     *rate_fields(record))

    def real_constants(self, record) -> tuple:
        return (record_rate(record, WEIGHT_FRAC) * 2.0**-SIGNAL_BITS,)

    def step_float(self, weights, trace, inputs, constants) -> None:
        rows = weights.shape[0]
        p, theta = inputs[:rows], inputs[rows:]
        weights += constants[0] * np.multiply.outer(p * (p - theta), trace)

    def check(self, conn, rule) -> None:
        check_full_matrix(conn, self.name)


register(BCM())
