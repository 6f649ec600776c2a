"""The applications' per-tick work, batched over every core that runs them.

Each class holds the state of all cores of one kind (or one stage shared by
several kinds) in flat arrays, so a tick is a handful of numpy operations
whatever the number of cores and neurons:

* :class:`FilterBank`: every input filter dimension of every receiving core:
  linear filters of any order (``y = a y + b x`` in s1.30 for a Lowpass).
* :class:`MemberInputs`: the sum of each member's value filters (its input).
* :class:`EnsembleKernel`: encode, the neuron models' updates, decode (the
  rows sent and the probe rows recorded).
* :class:`PlaybackKernel`: played-back inputs (value sources).
* :class:`TransformKernel`: weights times a member's filtered input (interposers).
* :class:`Recorder`: samples of values every ``every`` ticks.

The kernels do their arithmetic through an arithmetic object chosen once per
emulator (:func:`arithmetic`):

* :class:`FixedArithmetic` is :mod:`spinnc.fixed`'s: every sum of products is
  exact in int64 and rounded once, so runs are bit-exact and deterministic.
* :class:`FloatArithmetic` converts every stored parameter to the real value
  its raw word stands for and computes in float64, with nengo's own neuron
  update.  Comparing the two separates quantisation error from mapping and
  timing effects (DESIGN.md, "Fixed point").
"""

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from .. import fixed, learning
from .. import neurons as models
from ..learning import voja
from ..errors import ImageError
from ..fixed import S16_15, Format
from ._kernels import decode, encode, encoder_runs, ensemble_tick
from .packets import scatter

#: A fixed-point ensemble kernel of at least this many neurons, of one model
#: with a compiled loop, splits its tick (encoding, neuron update, decoding)
#: into two halves run on two threads.  Each half's sums are exact in int64,
#: so the result is the same bits.  Below it a thread's hand-over costs more
#: than it saves.  The threads are OpenMP's (``_kernels.ensemble_tick``),
#: which Python's ``threading`` does not count: the router's minimiser still
#: forks its workers after an emulation, and they run no OpenMP code.
SPLIT_NEURONS = 20_000


def kernel_threads() -> int:
    """Threads a big ensemble kernel uses: ``SPINNC_THREADS`` (1 turns the
    split off), else 2 on a machine of two or more cores."""
    value = os.environ.get("SPINNC_THREADS", "")
    if value.strip():
        return max(1, int(value))
    return 2 if (os.cpu_count() or 1) > 1 else 1


_NO_WORDS = np.zeros(0, dtype=np.int64)

HALF = 1 << 14  # half an s16.15 unit: the rounding of a dot product

#: The precisions :func:`arithmetic` offers.
PRECISIONS = ("fixed", "float")


def population_model(header: dict) -> models.NeuronModel:
    """The neuron model of a POPULATION header (LIF for a header built without
    a model code)."""
    return models.model_by_code(header.get("model", models.model_named("LIF").code))


class FixedArithmetic:
    """The firmware's arithmetic: :mod:`spinnc.fixed` on raw integer words.

    Values (payloads, filter outputs, voltages) are int32 words; ``wide``
    values are int64 accumulators that :meth:`saturate` brings back to words.
    """

    name = "fixed"
    dtype = np.dtype(np.int32)  # values and payloads
    wide_dtype = np.dtype(np.int64)  # accumulators

    def param(self, raw, fmt: Format = S16_15) -> np.ndarray:
        """A stored parameter, as the kernels use it (``fmt`` is its format)."""
        return np.asarray(raw, dtype=np.int64)

    def value(self, raw) -> np.ndarray:
        """Stored s16.15 values (initial states, played-back values)."""
        return np.asarray(raw, dtype=np.int32)

    def wide(self, x) -> np.ndarray:
        """``x`` as an accumulator (booleans become 0 and 1)."""
        return np.asarray(x).astype(np.int64)

    def saturate(self, x) -> np.ndarray:
        return fixed.saturate(x)

    def mul(self, a, b, fmt: Format = S16_15) -> np.ndarray:
        """``a * b`` with ``b`` in ``fmt``, rounded once (:func:`spinnc.fixed.mul`)."""
        return fixed.mul(a, b, fmt)

    def param_bits(self, raw, frac_bits) -> np.ndarray:
        """:meth:`param` with the format's fractional bits given per element."""
        return np.asarray(raw, dtype=np.int64)

    def mul_bits(self, a, b, frac_bits) -> np.ndarray:
        """:meth:`mul` with ``b``'s fractional bits per element (:func:`spinnc.fixed.mul_bits`)."""
        return fixed.mul_bits(a, b, frac_bits)

    def dot(self, a, b, fmt: Format = S16_15) -> np.ndarray:
        """``a @ b`` with ``b`` in ``fmt``, rounded once (:func:`spinnc.fixed.dot`)."""
        return fixed.dot(a, b, fmt)

    def encoder_matrix(self, words: np.ndarray, start: np.ndarray, base: np.ndarray,
                       size: int):
        """Encoders for :meth:`encode`: neuron ``i``'s are ``words[start[i]:
        start[i + 1]]``, for the consecutive input dimensions from ``base[i]``
        (of ``size``)."""
        return (np.ascontiguousarray(words, dtype=np.int32), start.astype(np.int64),
                base.astype(np.int64))

    def encode(self, encoders, u: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """``encoders @ u`` (s16.15 dot products exact in int64, rounded
        once, saturated) plus ``bias``: int64, not yet saturated (a compiled
        loop, ``_kernels.pyx``)."""
        words, start, base = encoders
        out = np.empty(bias.size, dtype=np.int64)
        encode(words, start, base, np.ascontiguousarray(u, dtype=np.int32), bias, out)
        return out

    def saturate_wide(self, x: np.ndarray) -> np.ndarray:
        """:meth:`saturate` in place, keeping the accumulator type."""
        return fixed._clip(x, fixed.INT32_MIN, fixed.INT32_MAX, out=x)

    def accumulate(self, index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
        """Sums of ``weights`` by ``index`` into ``size`` accumulators; exact,
        since float64 adds up to 2**22 int32 terms without rounding."""
        return np.bincount(index, weights=weights, minlength=size).astype(np.int64)

    def scatter(self, to: np.ndarray, frm: np.ndarray, payloads: np.ndarray,
                size: int) -> np.ndarray:
        """Every delivery of last tick's payloads, summed into its filter dimension."""
        return scatter(to, frm, payloads, size)

    def to_real(self, x) -> np.ndarray:
        """Real values (float64) of values in this arithmetic."""
        return fixed.to_float(x)

    def from_real(self, x) -> np.ndarray:
        """Reals as values: rounded and saturated, as the host's packets are."""
        return fixed.to_fixed(x)[0]

    def neuron_constants(self, model: models.NeuronModel, header: dict):
        """A population's model constants from its POPULATION header."""
        return model.fixed_constants(header)

    def neuron_state(self, model: models.NeuronModel, arrays: dict) -> dict:
        """The model's state from the stored words (int64 holding int32 words)."""
        return model.fixed_state(arrays)

    def neuron_step(self, model: models.NeuronModel, constants, current: np.ndarray,
                    state: dict) -> np.ndarray:
        """The model's fixed-point update; returns the indices of the neurons
        that spiked."""
        return model.fixed_step(constants, current, state)


class FloatArithmetic:
    """float64 arithmetic on the real values the stored words stand for.

    No rounding beyond float64's and no saturation: what differs from a
    :class:`FixedArithmetic` run is the quantisation of the fixed point.
    Parameters are converted once, at load: s16.15 words ``/ 2**15``, s1.30
    ``/ 2**30``.
    """

    name = "float"
    dtype = np.dtype(np.float64)
    wide_dtype = np.dtype(np.float64)

    def __init__(self, dt: float):
        self.dt = dt  # the neuron updates run in seconds, as nengo's do

    def param(self, raw, fmt: Format = S16_15) -> np.ndarray:
        return fixed.to_float(raw, fmt)

    def value(self, raw) -> np.ndarray:
        return fixed.to_float(raw)

    def wide(self, x) -> np.ndarray:
        return np.asarray(x).astype(np.float64)

    def saturate(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def mul(self, a, b, fmt: Format = S16_15) -> np.ndarray:
        return np.multiply(a, b, dtype=np.float64)

    def param_bits(self, raw, frac_bits) -> np.ndarray:
        return np.asarray(raw, dtype=np.float64) * np.exp2(-np.asarray(frac_bits, np.float64))

    def mul_bits(self, a, b, frac_bits) -> np.ndarray:
        return np.multiply(a, b, dtype=np.float64)

    def dot(self, a, b, fmt: Format = S16_15) -> np.ndarray:
        return np.matmul(np.asarray(a, np.float64), np.asarray(b, np.float64))

    def encoder_matrix(self, words: np.ndarray, start: np.ndarray, base: np.ndarray,
                       size: int):
        columns = base.repeat(np.diff(start)) + (np.arange(start[-1])
                                                  - start[:-1].repeat(np.diff(start)))
        return scipy.sparse.csr_matrix((self.param(words), columns, start),
                                       shape=(base.size, size), dtype=np.float64)

    def encode(self, encoders, u: np.ndarray, bias: np.ndarray) -> np.ndarray:
        return encoders @ u + bias

    def saturate_wide(self, x: np.ndarray) -> np.ndarray:
        return x

    def accumulate(self, index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=size)

    def scatter(self, to: np.ndarray, frm: np.ndarray, payloads: np.ndarray,
                size: int) -> np.ndarray:
        return np.bincount(to, weights=payloads[frm], minlength=size).astype(np.float64)

    def to_real(self, x) -> np.ndarray:
        return np.array(x, dtype=np.float64)

    def from_real(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def neuron_constants(self, model: models.NeuronModel, header: dict):
        return model.float_constants(header, self.dt)

    def neuron_state(self, model: models.NeuronModel, arrays: dict) -> dict:
        return model.float_state(arrays, self.dt)

    def neuron_step(self, model: models.NeuronModel, constants, current: np.ndarray,
                    state: dict) -> np.ndarray:
        """nengo's own update of the model; returns the indices of the neurons
        that spiked."""
        return model.float_step(constants, current, state)


def arithmetic(precision: str, dt: float) -> FixedArithmetic | FloatArithmetic:
    """The arithmetic object for ``precision`` ("fixed" or "float").

    Raises
    ------
    ValueError
        For any other precision, naming the choices.
    """
    if precision == "fixed":
        return FixedArithmetic()
    if precision == "float":
        return FloatArithmetic(dt)
    raise ValueError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}, "
                     f"not {precision!r}")


class FilterBank:
    """Every filter dimension of every receiving core, as flat arrays.

    Each dimension runs its filter (:mod:`spinnc.fixed`, "Synaptic
    filters") on the tick's accumulated input ``x``: ``y' = sat(x g0 + y p1
    + s1)``, ``s_k' = sat(x g_k + y p_k+1 + s_k+1)`` (``y`` last tick's
    output), every product rounded once in the filter's coefficient format.
    Filters of lower order than the bank's highest are padded with zero
    coefficients, whose products and states stay exactly 0, so one
    vectorised loop over the orders runs them all.

    Parameters
    ----------
    num, den : ndarray of int (dimensions, order)
        Per filter dimension, its filter's numerator g0.. and feedback p1..
        (raw words, zero-padded).
    frac_bits : ndarray of int (dimensions,)
        The fractional bits of each dimension's coefficient format.
    arith : FixedArithmetic or FloatArithmetic, optional
        The arithmetic (fixed point by default).
    """

    def __init__(self, num: np.ndarray, den: np.ndarray, frac_bits: np.ndarray, arith=None):
        self.arith = arith = arith or FixedArithmetic()
        frac_bits = np.asarray(frac_bits, dtype=np.int64)
        n, order = np.shape(num)
        # One shift for all when the formats agree (the usual case, s1.30)
        self.frac = int(frac_bits[0]) if n and (frac_bits == frac_bits[0]).all() else frac_bits
        columns = self.frac if np.ndim(self.frac) == 0 else frac_bits[:, None]
        self.num = arith.param_bits(np.reshape(num, (n, order)), columns)
        self.den = arith.param_bits(np.reshape(den, (n, order)), columns)
        self.y = np.zeros(n, dtype=arith.dtype)
        self.s = np.zeros((n, max(order - 1, 0)), dtype=arith.dtype)  # s1 .. s_{order-1}

    @property
    def size(self) -> int:
        return self.y.size

    def step(self, x: np.ndarray) -> np.ndarray:
        """Update with this tick's accumulated input ``x`` and return the outputs."""
        ar, f, g, p, s = self.arith, self.frac, self.num, self.den, self.s
        x = ar.saturate(x)  # the accumulator is an s16.15 word
        y = self.y  # last tick's output: every partial sum uses it
        rest = s[:, 0] if s.shape[1] else 0
        self.y = ar.saturate(ar.wide(ar.mul_bits(x, g[:, 0], f))
                             + ar.mul_bits(y, p[:, 0], f) + rest)
        for k in range(1, g.shape[1]):  # s_k from s_k+1, before s_k+1 changes
            nxt = s[:, k] if k < s.shape[1] else 0
            s[:, k - 1] = ar.saturate(ar.wide(ar.mul_bits(x, g[:, k], f))
                                      + ar.mul_bits(y, p[:, k], f) + nxt)
        return self.y


class MemberInputs:
    """Each member's input: the sum of its value filters' outputs.

    ``source[i]`` is a filter dimension that adds into member dimension
    ``target[i]``; ``size`` member dimensions in all.
    """

    def __init__(self, source: np.ndarray, target: np.ndarray, size: int, arith=None):
        self.arith = arith or FixedArithmetic()
        self.source = np.asarray(source, dtype=np.int64)
        self.target = np.asarray(target, dtype=np.int64)
        self.size = size

    def sum(self, y: np.ndarray) -> np.ndarray:
        """Member dimensions, plus one trailing 0 that padded encoders point at."""
        total = self.arith.accumulate(self.target, y[self.source], self.size + 1)
        return self.arith.saturate(total)


class InputShare:
    """The inputs that clusters of cores share (:mod:`spinnc.mapper.clusters`):
    each tick every core writes its own filtered block (member dimensions
    ``own``) at ``into`` of the shared inputs, and the cores encode from the
    shared inputs (member dimensions ``shared``) as written in the tick
    before, as the firmware reads its cluster's input from SDRAM."""

    def __init__(self, own: np.ndarray, into: np.ndarray, shared: np.ndarray):
        self.own, self.into, self.shared = own, into, shared
        self.last = None  # the shared inputs written last tick (zero before the first)

    def exchange(self, u: np.ndarray) -> np.ndarray:
        """Member inputs ``u`` with the shared inputs of the tick before (in place)."""
        if not self.shared.size:
            return u
        written = np.zeros(self.shared.size, dtype=u.dtype)
        written[self.into] = u[self.own]
        u[self.shared] = 0 if self.last is None else self.last
        self.last = written
        return u


class OutputShare:
    """The partial sums that clusters of cores add (:mod:`spinnc.mapper.clusters`):
    each tick the cores decode into ``count`` slots of their own from
    ``first``; each sent slot ``sent[i]`` then carries the saturated sum of
    the partial sums at ``source`` (positions from ``first``) whose
    ``target`` is ``i``, as written in the tick before, as the firmware adds
    its cluster's sums from SDRAM."""

    def __init__(self, first: int, count: int, source: np.ndarray, target: np.ndarray,
                 sent: np.ndarray, arith):
        self.first, self.count, self.arith = first, count, arith
        self.source, self.target, self.sent = source, target, sent
        self.last = None  # the partial sums of the tick before (zero before the first)

    def exchange(self, payloads: np.ndarray) -> None:
        """This tick's sent sums into ``payloads`` (in place)."""
        if not self.sent.size:
            return
        now = payloads[self.first:self.first + self.count].copy()
        if self.last is None:
            payloads[self.sent] = 0
        else:
            ar = self.arith
            payloads[self.sent] = ar.saturate(ar.accumulate(self.target, self.last[self.source],
                                                            self.sent.size))
        self.last = now


@dataclass
class Member:
    """An ensemble core's population slice, from its POPULATION region."""

    core: int  # index of the core in the emulator
    member: int
    header: dict
    arrays: dict
    input_base: int  # its first member dimension (MemberInputs)
    slots: np.ndarray  # packet slots of its decoder rows, in row order
    neuron_inputs: list  # [(filter dimension, neuron indices in the slice)]
    #: its learning rules: (index on the core, LEARNING_RULE record, learned values,
    #: traces, transform), of the values and traces those a rule has (None otherwise)
    rules: list = ()
    #: the first member dimension it encodes from when that is not its own
    #: input (a cluster's shared input, InputShare), else None
    encode_base: int | None = None


class EnsembleKernel:
    """Every ensemble member of every core, batched.

    Each neuron's encoders are a run of words over its member's input dimensions,
    neurons are updated in groups of one model and equal constants (usually one), and
    each neuron's per-spike decoders are a column of (packet slot, weight)
    pairs that its spike adds in (a compiled loop over the spikes).  ``arith`` is the arithmetic (fixed point by default).
    """

    def __init__(self, members: list[Member], zero_input: int, arith=None):
        self.arith = ar = arith or FixedArithmetic()
        self.members = members
        sizes = [m.header["n_neurons"] for m in members]
        self.start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        n = self.n_neurons = int(self.start[-1])
        width = max([m.header["input_dims"] for m in members] + [1])
        encoders = np.zeros((n, width), dtype=np.int64)
        input_index = np.full((n, width), zero_input, dtype=np.int64)
        self.bias = np.zeros(n, dtype=np.int64)
        self.gain = np.zeros(n, dtype=np.int64)
        rows, cols, values, slots = [], [], [], []
        groups: dict = {}
        neuron_filter, neuron_target = [], []
        probed, self.probe_start = [], []  # probe rows: decoded after every sent row
        n_probe = 0
        for i, m in enumerate(members):
            lo, hi, dims = self.start[i], self.start[i + 1], m.header["input_dims"]
            encoders[lo:hi, :dims] = m.arrays["encoders"]
            base = m.input_base if m.encode_base is None else m.encode_base
            input_index[lo:hi, :dims] = base + np.arange(dims)
            self.bias[lo:hi] = m.arrays["bias"]
            self.gain[lo:hi] = m.arrays["gain"]
            decoders = m.arrays["decoders"]
            r, c = np.nonzero(decoders)
            rows.append(len(slots) + r)
            cols.append(lo + c)
            values.append(decoders[r, c].astype(np.int64))
            slots.extend(m.slots.tolist())
            probe_rows = m.arrays.get("probe_decoders", np.zeros((0, hi - lo), np.int32))
            self.probe_start.append(n_probe)
            probed.append((n_probe, lo, probe_rows))
            n_probe += probe_rows.shape[0]
            model = population_model(m.header)
            key = (model, ar.neuron_constants(model, m.header))
            groups.setdefault(key, []).append((np.arange(lo, hi), m.arrays))
            for fdim, neurons in m.neuron_inputs:
                neuron_filter.extend([fdim] * len(neurons))
                neuron_target.extend((lo + np.asarray(neurons, dtype=np.int64)).tolist())
        self.slots = np.asarray(slots, dtype=np.int64)
        self.n_probe_rows = n_probe
        for first, lo, probe_rows in probed:
            r, c = np.nonzero(probe_rows)
            rows.append(len(slots) + first + r)
            cols.append(lo + c)
            values.append(probe_rows[r, c].astype(np.int64))
        self.decoded = np.zeros(n_probe, dtype=ar.dtype)  # this tick's probe rows
        self.current = np.zeros(n, dtype=ar.dtype)  # this tick's input currents
        # Each neuron's encoders, for its member's consecutive input dimensions.
        real = input_index < zero_input
        self.encoder_start = np.concatenate([[0], np.cumsum(real.sum(axis=1))])
        self.encoders = ar.encoder_matrix(encoders[real], self.encoder_start,
                                          input_index[:, 0], zero_input + 1)
        self.bias, self.gain = ar.param(self.bias), ar.param(self.gain)
        # Per neuron (neuron-major, as a CSC matrix), the packet slots its
        # spike adds into and its per-spike decoders there.
        rows = np.concatenate(rows or [np.zeros(0, np.int64)])
        cols = np.concatenate(cols or [np.zeros(0, np.int64)])
        values = ar.param(np.concatenate(values or [np.zeros(0, np.int64)]))
        order = np.lexsort((rows, cols))  # by neuron, then slot
        # int32 slots and words (reals in float mode): the per-spike loop reads
        # these, and is bound by their memory traffic
        if self.slots.size + n_probe >= 2**31:
            raise ImageError(f"{self.slots.size + n_probe:,} packet slots and probe rows: "
                             "the emulator's decoding indexes them with 32 bits")
        self.decode_slot = np.ascontiguousarray(rows[order], dtype=np.int32)
        self.decode_weight = np.ascontiguousarray(
            values[order], dtype=np.int32 if isinstance(ar, FixedArithmetic) else np.float64)
        self.decode_start = np.concatenate(
            [[0], np.cumsum(np.bincount(cols, minlength=n))]).astype(np.int64)
        # One group per model and set of constants: (key, neuron indices, state).
        self.groups = []
        for (model, constants), parts in groups.items():
            index = np.concatenate([i for i, _ in parts])  # in order when there is one group
            stored = {v.name: np.concatenate([a[v.name] for _, a in parts])
                      for v in model.state}
            self.groups.append(((model, constants), index,
                                models.State(ar.neuron_state(model, stored))))
        self.neuron_filter = np.asarray(neuron_filter, dtype=np.int64)
        self.neuron_target = np.asarray(neuron_target, dtype=np.int64)
        # Learning rules: where each one's rows are in the tick's decoded sums.
        sent_start = np.concatenate([[0], np.cumsum([m.slots.size for m in members])])
        rules, by_index, by_weights = [], {}, {}
        for i, m in enumerate(members):
            out = int(m.header["output_dims"])
            for index, record, weights, trace, transform in m.rules:
                row, rows = int(record["row"]), int(record["rows"])
                first = (sent_start[i] + row if row < out
                         else self.slots.size + self.probe_start[i] + row - out)
                first = first if record["decoded"] else None
                if record["kind"] == voja.Voja.code:
                    lo = int(self.start[i])
                    slots = (self.encoder_start[lo:lo + int(record["n_neurons"]), None]
                             + np.arange(rows))
                    rule = LearnedEncoders((m.core, index), lo, m.input_base, record, weights,
                                           trace, slots, self.encoder_words(), ar)
                elif record["kind"]:
                    rule = LearnedRows((m.core, index), int(self.start[i] + record["first"]),
                                       first, m.input_base, record, weights, trace, ar)
                    # rules of one connection change one matrix (LEARNING_RULE's weights)
                    rule.weights = by_weights.setdefault((m.core, int(record["weights"])),
                                                         rule.weights)
                else:
                    rule = DerivedRows(by_index[m.core, int(record["source"])], first,
                                       transform, ar)
                by_index[m.core, index] = rule
                rules.append(rule)
        self.learning = rules
        self.learners = [r for r in rules if not isinstance(r, DerivedRows)]
        self.compiled = None  # (loop, packed constants): the model's compiled loop
        if isinstance(ar, FixedArithmetic) and len(self.groups) == 1:
            self.compiled = self.groups[0][0][0].compiled_loop(self.groups[0][0][1])
        self.threads = 1
        if self.compiled is not None:
            self._compile_tick()

    def encoder_words(self) -> np.ndarray:
        """The encoders the neurons encode with, neuron ``i``'s from
        ``encoder_start[i]`` (the arithmetic's array, changed in place)."""
        return self.encoders[0] if isinstance(self.encoders, tuple) else self.encoders.data

    def _compile_tick(self) -> None:
        """Buffers of the compiled tick (:func:`~._kernels.ensemble_tick`):
        the state as one block of int32 words, a row per variable (the
        groups' state views of it), and the parts of the neurons it runs at
        once (two halves of a big population when there are threads for them)."""
        n = self.n_neurons
        key, index, state = self.groups[0]
        model = key[0]
        self.state_block = np.stack([np.asarray(state[v.name], dtype=np.int32)
                                     for v in model.state])
        self.groups[0] = (key, index, models.State(
            {v.name: self.state_block[k] for k, v in enumerate(model.state)}))
        self.threads = kernel_threads() if n >= SPLIT_NEURONS else 1
        self.parts = np.array([0, n // 2, n] if self.threads > 1 else [0, n], dtype=np.int64)
        width = self.slots.size + self.n_probe_rows
        self.part_totals = np.zeros((self.parts.size - 1, width), dtype=np.int64)
        self.part_spikes = np.zeros(self.parts.size - 1, dtype=np.int64)
        self.spike_buffer = np.zeros(n, dtype=np.int64)
        self.encoder_runs = encoder_runs(*self.encoders[1:])

    def step(self, y: np.ndarray, u: np.ndarray, payloads: np.ndarray) -> np.ndarray:
        """One tick: filter outputs ``y``, member inputs ``u``; writes the
        decoded partial sums into ``payloads`` and returns the indices of the
        neurons that spiked, in increasing order."""
        ar = self.arith
        if self.compiled is not None:
            spikes, total = self._step_compiled(y, u)
        else:
            # current = encoders . u (exact, rounded once) + bias + gain x neuron inputs
            current = ar.encode(self.encoders, u, self.bias)
            if self.neuron_filter.size:
                current += self._neuron_inputs(y)
            current = ar.saturate_wide(current)
            self.current = current.astype(ar.dtype)  # recorded as words; the step may reuse it
            spikes, total = self._step_neurons(current)
        total = ar.saturate(total)
        for rule in self.learning:  # learned rows decode from their own weights
            rule.decode(spikes, total)
        payloads[self.slots] = total[:self.slots.size]
        self.decoded = total[self.slots.size:]
        for rule in self.learners:  # this tick's error and last tick's trace
            rule.learn(u, spikes)
        return spikes

    def _neuron_inputs(self, y: np.ndarray) -> np.ndarray:
        """What the neurons' own inputs add to their currents: each neuron's
        inputs summed exactly, then scaled by its gain once."""
        ar = self.arith
        summed = ar.accumulate(self.neuron_target, y[self.neuron_filter], self.n_neurons)
        return ar.mul(ar.saturate(summed), self.gain)

    def _step_neurons(self, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The neurons' update: the indices of those that spiked, in
        increasing order, and the sum of their per-spike decoders (exact in
        int64; in float64 in neuron order, as a sparse product adds)."""
        ar = self.arith
        if len(self.groups) == 1:  # the usual case: one model, one set of constants
            (model, constants), _, state = self.groups[0]
            spikes = ar.neuron_step(model, constants, current, state)
        else:
            spikes = np.sort(np.concatenate([
                index[ar.neuron_step(model, constants, np.ascontiguousarray(current[index]),
                                     state)]
                for (model, constants), index, state in self.groups]))
        total = np.zeros(self.slots.size + self.n_probe_rows, dtype=ar.wide_dtype)
        decode(np.ascontiguousarray(spikes, dtype=np.int64), self.decode_start,
               self.decode_slot, self.decode_weight, total)
        return spikes, total

    def _step_compiled(self, y: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_step_neurons` with the encoding, in one compiled call of
        the model's loop over :attr:`parts` (each part's sums apart, exact)."""
        loop, constants = self.compiled
        words = self.encoders[0]
        extra = (np.ascontiguousarray(self._neuron_inputs(y), dtype=np.int64)
                 if self.neuron_filter.size else _NO_WORDS)
        self.part_totals.fill(0)
        ensemble_tick(loop, constants, words, self.encoder_runs, np.ascontiguousarray(u, np.int32),
                      self.bias, extra, self.state_block, self.current, self.spike_buffer,
                      self.decode_start, self.decode_slot, self.decode_weight, self.part_totals,
                      self.parts, self.part_spikes, self.threads)
        spikes = np.concatenate([self.spike_buffer[lo:lo + count] for lo, count
                                 in zip(self.parts[:-1], self.part_spikes)])  # a copy
        return spikes, self.part_totals.sum(axis=0)

    def voltage(self) -> np.ndarray:
        """Every neuron's membrane voltage (s16.15 words, or reals in float mode)."""
        return self.state_variable("voltage")

    def state_variable(self, name: str) -> np.ndarray:
        """Every neuron's state variable ``name`` (0 for models without it)."""
        v = np.zeros(self.n_neurons, dtype=self.arith.dtype)
        for _, index, state in self.groups:
            if name in state:
                v[index] = state[name]
        return v


class SpikeTrace:
    """The activity trace a learning rule keeps of its member's neurons
    ``lo .. lo + n`` (spinnc.learning.step_trace): the spikes of each tick
    through the rule's Lowpass, as words (with the record's ``trace_frac``
    fractional bits) or reals."""

    def __init__(self, lo: int, words: np.ndarray, record, arith):
        self.lo, self.n, self.arith = lo, words.size, arith
        self.spike, self.decay = int(record["spike"]), int(record["decay"])
        if arith.name == "fixed":
            self.a = words.copy()
        else:
            unit = 2.0**-int(record["trace_frac"])
            self.a = words * unit
            self.spike_real, self.decay_real = self.spike * unit, self.decay * 2.0**-30

    def local(self, spikes: np.ndarray) -> np.ndarray:
        """The tick's spikes (increasing global indices) of these neurons, as theirs."""
        lo, hi = np.searchsorted(spikes, self.lo), np.searchsorted(spikes, self.lo + self.n)
        return spikes[lo:hi] - self.lo

    def step(self, spikes: np.ndarray) -> None:
        """Add this tick's spikes."""
        spiked = np.zeros(self.n, dtype=bool)
        spiked[self.local(spikes)] = True
        if self.arith.name == "fixed":
            self.a = learning.step_trace(self.a, spiked, self.spike, self.decay)
        else:
            self.a = self.decay_real * self.a + np.where(spiked, self.spike_real, 0.0)


class LearnedRows:
    """One learning rule's weights on one member (spinnc.learning), in the
    order the firmware runs it each tick: decode its rows with the weights
    before this tick's update (:meth:`decode`), then update them by the
    rule's module from its member input dimensions (PES's error, BCM's and
    Oja's post activities) and the trace of the spikes before this tick,
    then add this tick's spikes to the trace (:meth:`learn`)."""

    def __init__(self, where, first_neuron: int, first_row, input_base: int, record,
                 weights: np.ndarray, trace: np.ndarray, arith):
        self.where, self.first_row = where, first_row
        self.arith, self.record = arith, record
        self.rule = learning.rule_of_code(record["kind"])
        self.rows, self.n = weights.shape
        self.inputs = (input_base + int(record["error"])
                       + np.arange(self.rule.inputs_per_row * self.rows))
        self.trace = SpikeTrace(first_neuron, trace, record, arith)
        if arith.name == "fixed":
            self.weights = weights.copy()
        else:  # reals: per-spike weights and the constants they stand for
            self.weights = weights * 2.0**-learning.WEIGHT_FRAC
            self.constants = self.rule.real_constants(record)

    def decode(self, spikes: np.ndarray, total: np.ndarray) -> None:
        """This tick's sums of the learned rows (``self.sums``, which derived
        rows read), into ``total`` when the rows are decoded."""
        mine = self.trace.local(spikes)
        if self.arith.name == "fixed":
            self.sums = learning.decode(self.weights, mine)
        else:
            self.sums = self.weights[:, mine].sum(axis=1)
        if self.first_row is not None:
            total[self.first_row:self.first_row + self.rows] = self.sums

    def learn(self, u: np.ndarray, spikes: np.ndarray) -> None:
        if self.arith.name == "fixed":
            self.rule.step_fixed(self.weights, self.trace.a, u[self.inputs], self.record)
        else:
            self.rule.step_float(self.weights, self.trace.a, u[self.inputs], self.constants)
        self.trace.step(spikes)

    @property
    def values(self) -> np.ndarray:
        """What it learns (its weights: int64 s24.39, or reals)."""
        return self.weights

    def recorded(self) -> np.ndarray:
        """The weights as a weights probe records them (s16.15 words, or reals)."""
        if self.arith.name == "fixed":
            return learning.recorded(self.weights).ravel()
        return self.weights.ravel().copy()


class LearnedEncoders:
    """A rule learning a member's encoders (Voja, :mod:`spinnc.learning.voja`):
    after the tick's decode, the learned encoders (s32.31) move towards the
    learned connection's output by the trace of the spikes before this tick,
    the neurons' encoders become their rounded words, and this tick's
    spikes enter the trace."""

    def __init__(self, where, first_neuron: int, input_base: int, record, encoders: np.ndarray,
                 traces: np.ndarray, slots: np.ndarray, words: np.ndarray, arith):
        self.where, self.arith = where, arith
        self.n, self.rows = encoders.shape
        self.x = input_base + int(record["error"]) + np.arange(self.rows)
        self.signal = input_base + int(record["row"])
        self.slots, self.words = slots, words
        self.rate = learning.rate_fields(record)
        self.trace = SpikeTrace(first_neuron, traces[:self.n], record, arith)
        scale = traces[self.n:]  # Voja's traces: then each neuron's gain / radius
        if arith.name == "fixed":
            self.encoders, self.scale = encoders.copy(), scale
        else:
            self.encoders = encoders * 2.0**-voja.ENCODER_FRAC
            self.scale = fixed.to_float(scale)
            self.alpha = learning.record_rate(record, voja.ENCODER_FRAC)

    def decode(self, spikes, total) -> None:
        """Nothing decoded: Voja changes what the neurons encode."""

    def learn(self, u: np.ndarray, spikes: np.ndarray) -> None:
        if self.arith.name == "fixed":
            signal = int(fixed.saturate(np.int64(1 << 15) + int(u[self.signal])))
            voja.step_fixed(self.encoders, self.trace.a, self.scale, u[self.x], signal,
                            *self.rate)
            self.words[self.slots] = voja.words(self.encoders)
        else:
            c = self.alpha * (1.0 + u[self.signal]) * self.trace.a
            self.encoders += c[:, None] * (np.multiply.outer(self.scale, u[self.x])
                                           - self.encoders)
            self.words[self.slots] = self.encoders
        self.trace.step(spikes)

    @property
    def values(self) -> np.ndarray:
        """What it learns (its encoders: int64 s32.31, or reals)."""
        return self.encoders

    def recorded(self) -> np.ndarray:
        """The encoders as an encoders probe records them (s16.15 words, or reals)."""
        if self.arith.name == "fixed":
            return voja.words(self.encoders).ravel()
        return self.encoders.ravel().copy()


class DerivedRows:
    """Rows decoded from a learning rule's (an edge folded through
    passthrough nodes): ``transform`` (s16.15) times the source's sums of
    the tick, rounded once (fixed.dot)."""

    def __init__(self, source: LearnedRows, first_row, transform: np.ndarray, arith):
        self.source, self.first_row, self.arith = source, first_row, arith
        self.transform = arith.param(transform)
        self.rows = transform.shape[0]

    def decode(self, spikes: np.ndarray, total: np.ndarray) -> None:
        ar = self.arith
        total[self.first_row:self.first_row + self.rows] = ar.saturate(
            ar.dot(self.transform, self.source.sums))


class PlaybackKernel:
    """Value sources: every tick's packets are row ``t % period`` of their
    payloads: in fixed point the stored ones (the mapper's fixed.dot of the
    values and the weights, what the cores send), in float mode the real
    product of the stored values and weights."""

    def __init__(self, sources: list[tuple], arith=None):
        """``sources``: (slots, values (period, dims), weights (rows, dims),
        payloads (period, rows)) as stored s16.15 words; ``arith``: the
        arithmetic (fixed point by default)."""
        ar = arith or FixedArithmetic()
        tables, slots, base, period, width = [], [], [], [], []
        offset = 0
        for slot, values, weights, payloads in sources:
            if ar.name == "fixed":
                table = np.asarray(payloads, dtype=np.int32)
            else:
                table = ar.saturate(ar.dot(ar.value(values), ar.param(weights).T))
            tables.append(table.ravel())
            rows = table.shape[1]
            slots.append(slot)
            base.append(offset + np.arange(rows))
            period.append(np.full(rows, table.shape[0]))
            width.append(np.full(rows, rows))
            offset += table.size
        cat = lambda parts: (np.concatenate(parts).astype(np.int64) if parts
                             else np.zeros(0, np.int64))
        self.table = np.concatenate(tables) if tables else np.zeros(0, ar.dtype)
        self.slots, self.base = cat(slots), cat(base)
        self.period, self.width = cat(period), cat(width)

    def step(self, t: int, payloads: np.ndarray) -> None:
        if self.slots.size:
            payloads[self.slots] = self.table[self.base + (t % self.period) * self.width]


class TransformKernel:
    """Packets that are weights times member inputs (interposer cores), all
    cores' rows in one sparse matrix: each row's products exact in int64
    and rounded once, as fixed.dot (and the firmware's spinnc_dot) does."""

    def __init__(self, parts: list[tuple], size: int, arith=None):
        """``parts``: (slots, first member dimension, weights (rows, dims) as
        stored s16.15 words); ``size``: the member dimensions (``u``'s length)."""
        self.arith = ar = arith or FixedArithmetic()
        rows, cols, values, slots = [], [], [], []
        for slot, base, weights in parts:
            r, c = np.nonzero(weights)
            rows.append(len(slots) + r)
            cols.append(base + c)
            values.append(np.asarray(weights)[r, c])
            slots.extend(np.asarray(slot).tolist())
        cat = lambda parts, dtype=np.int64: (np.concatenate(parts).astype(dtype) if parts
                                             else np.zeros(0, dtype))
        self.slots = np.asarray(slots, dtype=np.int64)
        data = ar.param(cat(values))
        self.matrix = scipy.sparse.csr_matrix((data, (cat(rows), cat(cols))),
                                              shape=(self.slots.size, size), dtype=data.dtype)

    def step(self, u: np.ndarray, payloads: np.ndarray) -> None:
        if not self.slots.size:
            return
        ar = self.arith
        if ar.name == "fixed":
            acc = self.matrix @ np.asarray(u[:self.matrix.shape[1]], dtype=np.int64)
            payloads[self.slots] = fixed.saturate((acc + HALF) >> 15)
        else:
            payloads[self.slots] = self.matrix @ u[:self.matrix.shape[1]]


class Recorder:
    """Samples of some member dimensions (or neurons) every ``every`` ticks.

    Like nengo, a probe with ``sample_every = k`` records at steps k, 2k, ...;
    tick t (from 0) is step t + 1.
    """

    def __init__(self, index: np.ndarray, every: int):
        self.index = np.asarray(index, dtype=np.int64)
        self.every = every
        self.samples: list[np.ndarray] = []

    def due(self, t: int) -> bool:
        return (t + 1) % self.every == 0

    def record(self, t: int, values: np.ndarray) -> None:
        if self.due(t):
            self.samples.append(values[self.index])

    def data(self) -> np.ndarray:
        if not self.samples:
            return np.zeros((0, self.index.size), dtype=np.int32)
        return np.stack(self.samples)
