"""The synapses of connections, as the Graph carries them.

One place decides which nengo synapses the cores run and how the Graph
describes them, so the builder, the passthrough fold, the quantiser and the
host's filtering agree.

Any ``nengo.LinearFilter`` runs on the cores (Lowpass, Alpha, a user's
``LinearFilter(num, den)`` such as a double exponential, analog or digital).  The Graph keeps the
nengo filters of a connection in series (:class:`Synapse`; more than one
after a passthrough node with synapses on both sides) and discretises them
with nengo's own code for the run's ``dt`` (``LinearFilter._get_ss``: the
method the filter names, zero-order hold by default), so spinnc filters what
nengo filters.

Timing.  nengo builds a connection's synapse in ``mode="update"``: the post
reads the filter's output one step after the filter saw its input.  For a
filter without feed-through (D = 0: every Lowpass and Alpha) nengo's
step also uses its input of the same step (``LinearFilter.NoD``), so what the
post reads is ``H(z) u``, ``H`` the discretised transfer function; with
feed-through (``LinearFilter.General``) it reads ``z^-1 H(z) u``.  Filters in
series (through a passthrough node) each add their own step.  A core filters
packets sent in the tick before, which is one step of that delay already:
:meth:`Synapse.machine` is the rest.
"""

from dataclasses import dataclass

import nengo
import numpy as np
import scipy.signal

from ..errors import UnsupportedFeature


@dataclass(frozen=True)
class Synapse:
    """nengo linear filters in series on a connection, each built as nengo
    builds a connection's synapse (``mode="update"``)."""

    parts: tuple

    def then(self, other: "Synapse | None") -> "Synapse":
        """This synapse followed by ``other`` (None: no synapse)."""
        return self if other is None else Synapse(self.parts + other.parts)

    @property
    def label(self) -> str:
        return " then ".join(_label(p) for p in self.parts)

    @property
    def tau(self) -> float | None:
        """The time constant of a single Lowpass (None otherwise)."""
        (part, *more) = self.parts
        return float(part.tau) if not more and type(part) is nengo.Lowpass else None

    def read(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """The transfer function from the pre's values to what the post reads,
        ``(num, den)`` in powers of ``z^-1`` (``den[0] == 1``): the product of
        each part's (nengo's discretisation and its step of delay)."""
        num, den = np.ones(1), np.ones(1)
        for part in self.parts:
            n, d = _read(part, dt)
            num, den = np.convolve(num, n), np.convolve(den, d)
        return num, den

    def machine(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """The filter a core runs on the packets of the tick before, ``(num,
        den)`` in powers of ``z^-1``: :meth:`read` with one step of delay less
        (the packets' own)."""
        num, den = self.read(dt)
        assert num[0] == 0, "every part delays a step"
        return np.trim_zeros(num[1:], "b") if num[1:].any() else np.zeros(1), den

    def filt(self, values: np.ndarray, dt: float) -> np.ndarray:
        """``values`` (steps first) as the post reads them through this synapse."""
        num, den = self.read(dt)
        return scipy.signal.lfilter(num, den, values, axis=0)


def _label(part) -> str:
    if type(part) is nengo.Lowpass:
        return f"lowpass {part.tau:g}s"
    if type(part) is nengo.Alpha:
        return f"alpha {part.tau:g}s"
    return (f"linearfilter num=[{', '.join(f'{v:g}' for v in part.num)}] "
            f"den=[{', '.join(f'{v:g}' for v in part.den)}]")


def _read(part: nengo.LinearFilter, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """One filter's transfer function as the post reads it (see the module's
    Timing), in powers of ``z^-1``: the same arrays for equal filters (a
    model's thousands of connections have a handful of synapses)."""
    # all its discretisation depends on
    key = (type(part), tuple(np.ravel(part.num)), tuple(np.ravel(part.den)), part.analog,
           getattr(part, "method", None), float(dt))
    read = _READ.get(key)
    if read is None:
        if len(_READ) > 4096:
            _READ.clear()
        read = _READ[key] = _discretised(part, dt)
        for array in read:
            array.flags.writeable = False
    return read


_READ: dict = {}  # the filters :func:`_read` has discretised


def _discretised(part: nengo.LinearFilter, dt: float) -> tuple[np.ndarray, np.ndarray]:
    A, B, C, D = part._get_ss(dt)  # nengo's own discretisation
    if A.size == 0:  # nengo's LinearFilter.NoX: a gain
        return np.array([0.0, D.item()]), np.ones(1)
    num, den = scipy.signal.ss2tf(A, B, C, D)
    num, den = num[0] / den[0], den / den[0]
    if (D == 0).all():  # NoD: the step's own input, so one delay (update) in all
        return num, den
    return np.concatenate([[0.0], num]), den  # General: a step more


def check(conn: nengo.Connection) -> None:
    """Raise UnsupportedFeature if the cores cannot run ``conn``'s synapse
    (its order and coefficient range are checked when quantising, where
    ``dt`` is known)."""
    if conn.synapse is not None and not isinstance(conn.synapse, nengo.LinearFilter):
        # nengo's own error first for a Synapse it could not build either
        conn.synapse.make_state((conn.size_out,), (conn.size_out,), 0.001)
        raise UnsupportedFeature(
            conn, f"synapse {conn.synapse}",
            "use synapse=None or a nengo.LinearFilter (Lowpass, Alpha, "
            "LinearFilter(num, den))")


def of(synapse) -> Synapse | None:
    """The Graph's description of a nengo synapse (None for no synapse)."""
    return None if synapse is None else Synapse((synapse,))


def as_synapse(synapse) -> Synapse | None:
    """A Graph synapse from what hand-written Graphs may hold: a Synapse, a
    nengo LinearFilter, a Lowpass time constant in seconds or None."""
    if synapse is None or isinstance(synapse, Synapse):
        return synapse
    if isinstance(synapse, nengo.LinearFilter):
        return Synapse((synapse,))
    return Synapse((nengo.Lowpass(float(synapse)),))


def in_series(first, second) -> Synapse | None:
    """Two Graph synapses in series (a passthrough node between them)."""
    first, second = as_synapse(first), as_synapse(second)
    return second if first is None else first.then(second)


#: The highest order a core runs: a dimension's state and cycles grow with it,
#: and no denominator with its poles near 1 fits s4.27 beyond order 5.
MAX_ORDER = 8


@dataclass(frozen=True)
class Filter:
    """A synapse as a core runs it (a fixed Graph's ``Connection.filter``):
    numerator ``num`` (g0 .. g_{n-1}) and feedback ``den`` (p1 .. pn, the
    denominator ``1 - p1 z^-1 - ... - pn z^-n``), raw words in the format of
    ``frac_bits`` fractional bits, on the packets of the tick before
    (:mod:`spinnc.fixed`, "Synaptic filters")."""

    frac_bits: int
    num: tuple
    den: tuple

    @property
    def order(self) -> int:
        return len(self.den)

    @property
    def coefficients(self) -> tuple:
        """The words the FILTERS region stores: num, then den."""
        return self.num + self.den


def machine_filter(synapse, dt: float, obj=None) -> tuple[np.ndarray, np.ndarray, str]:
    """The float numerator and feedback of ``synapse`` on a core, padded to
    one order ``n >= 1`` (``g``, ``p`` of :class:`Filter`), and its label.

    Raises
    ------
    UnsupportedFeature
        For an order above :data:`MAX_ORDER`, naming ``obj``.
    """
    synapse = as_synapse(synapse)
    if synapse is None:  # the value itself, a tick late: y = 0 y + 1 x
        return np.ones(1), np.zeros(1), "none"
    num, den = synapse.machine(dt)
    n = max(len(den) - 1, len(num), 1)
    if n > MAX_ORDER:
        raise UnsupportedFeature(
            obj, f"a synapse of order {n} on the cores ({synapse.label}; at most {MAX_ORDER})",
            "use a filter of lower order")
    g, p = np.zeros(n), np.zeros(n)
    g[:len(num)], p[:len(den) - 1] = num, -den[1:]
    return g, p, synapse.label
