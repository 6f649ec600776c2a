"""Voja (Voelker 2014), as nengo runs it: each tick the post ensemble's
scaled encoders change by ``learning_rate * dt * L * a[i] * (scale[i] *
x - e[i])``, ``x`` the learned connection's output, ``a`` the post
neurons' spikes (``amplitude / dt``) through ``post_synapse``, ``scale``
each neuron's ``gain / radius`` and ``L`` one plus what the connections into
the rule send (0 stops learning; nengo resets the signal to 1 each step).

On the cores the encoders are learned in s32.31 (int64, :data:`ENCODER_FRAC`)
and the s16.15 encoders the neurons encode with are rounded from them after
each update: ``c[i] = round(round(a[i] * rate >> rate_shift) * L >>
delta_shift)`` (s0.31, :func:`spinnc.learning.rate_words`), then ``e[i, j]
+= round(sat(round(scale[i] * x[j]) - round(e[i, j])) * c[i] >> 15)``, the
difference in s16.15.  A learned encoder stays within s16.15's range.
"""

import nengo
import numpy as np

from .. import fixed
from ..errors import QuantisationError, UnsupportedFeature
from . import LearningRule, rate_words, register, shift_round, trace_of

#: Fractional bits of learned encoders (int64).
ENCODER_FRAC = 31
ENCODER_MIN, ENCODER_MAX = -(1 << 47), (1 << 47) - 1
#: s16.15 encoders from s32.31 ones: 16 bits fewer.
WORD_SHIFT = ENCODER_FRAC - fixed.S16_15.frac_bits


def from_words(raw: np.ndarray) -> np.ndarray:
    """s16.15 encoders as learned ones (exact)."""
    return np.asarray(raw, dtype=np.int64) << WORD_SHIFT


def words(encoders: np.ndarray) -> np.ndarray:
    """Learned encoders as the s16.15 words the neurons encode with."""
    return fixed.saturate(shift_round(encoders, WORD_SHIFT))


def step_fixed(encoders, trace, scale, x, signal: int, rate: int, rate_shift: int,
               delta_shift: int) -> None:
    """One tick's update of ``encoders`` (int64, neurons x dimensions) in
    place, from the traces, the scales (s16.15 words), the learned
    connection's output ``x`` and the learning signal ``L`` (s16.15)."""
    ak = fixed.saturate(shift_round(np.asarray(trace, np.int64) * rate, rate_shift))
    c = fixed.saturate(shift_round(ak.astype(np.int64) * int(signal), delta_shift))
    target = fixed.saturate(shift_round(np.multiply.outer(np.asarray(scale, np.int64),
                                                          np.asarray(x, np.int64)), 15))
    diff = fixed.saturate(target.astype(np.int64) - shift_round(encoders, WORD_SHIFT))
    delta = shift_round(diff.astype(np.int64) * c.astype(np.int64)[:, None], 15)
    np.clip(encoders + delta, ENCODER_MIN, ENCODER_MAX, out=encoders)


class Voja(LearningRule):
    name = "Voja"
    code = 2
    nengo_type = nengo.Voja
    probeables = {"post_filtered": "trace"}

    def quantise(self, rule_type, population, dt: float, owner) -> dict:
        """The LEARNING region fields of Voja ``rule_type`` learning the
        encoders of ``population`` (a float Graph Population)."""
        alpha = float(rule_type.learning_rate) * dt
        if alpha and alpha * 10.0 * 2.0**ENCODER_FRAC < 1:  # a = 10 Hz, L = 1
            raise QuantisationError(
                f"{owner}: learning rate {rule_type.learning_rate:g} underflows the learned "
                f"encoders' format: the smallest rate that learns is "
                f"{2.0**-ENCODER_FRAC / 10.0 / dt:.3g}")
        trace = trace_of(rule_type.post_synapse, population.amplitude, dt, owner)
        rate, rate_shift, delta_shift = rate_words(alpha, ENCODER_FRAC, owner, trace.frac)
        return dict(kind=self.code, rate=rate, rate_shift=rate_shift, delta_shift=delta_shift,
                    **trace.fields)

    def check(self, conn, rule) -> None:
        post = conn.post_obj
        if not isinstance(post, nengo.Ensemble) or isinstance(post.neuron_type, nengo.Direct):
            raise UnsupportedFeature(conn, f"Voja on a connection into {type(post).__name__}",
                                     "connect into an ensemble of spiking neurons")
        if conn.post is not post:
            raise UnsupportedFeature(conn, "Voja on a connection into a slice of an ensemble",
                                     "connect into the whole ensemble")


register(Voja())
