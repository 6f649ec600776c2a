"""The applications' per-tick work, batched over every core that runs them.

Each class holds the state of all cores of one kind (or one stage shared by
several kinds) in flat arrays, so a tick is a handful of numpy operations
whatever the number of cores and neurons:

* :class:`FilterBank`: every input filter dimension of every receiving core
  (ensembles, recorders, host outputs): ``y = a y + b x`` in s1.30 coefficients.
* :class:`MemberInputs`: the sum of each member's value filters (its input).
* :class:`EnsembleKernel`: encode, LIF update, decode, record.
* :class:`PlaybackKernel`: played-back inputs (value sources).
* :class:`Recorder`: samples of values every ``sample_every`` ticks.

All arithmetic is :mod:`spinnc.fixed`'s; every sum of products is exact in
int64 and rounded once, so runs are bit-exact and deterministic.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from .. import fixed
from ..fixed import S1_30, LIFConstants
from .lif import LIFState, lif_step

HALF = 1 << 14  # half an s16.15 unit: the rounding of a dot product


def _round_s16_15(acc: np.ndarray) -> np.ndarray:
    """Round an exact int64 sum of s16.15 x s16.15 products once, saturated."""
    return fixed.saturate((acc + HALF) >> 15)


class FilterBank:
    """Every filter dimension of every receiving core, as flat arrays.

    Parameters
    ----------
    a, b : ndarray of int32
        Per filter dimension, the s1.30 coefficients of its filter.
    """

    def __init__(self, a: np.ndarray, b: np.ndarray):
        self.a = np.asarray(a, dtype=np.int64)
        self.b = np.asarray(b, dtype=np.int64)
        self.y = np.zeros(self.a.size, dtype=np.int32)

    @property
    def size(self) -> int:
        return self.a.size

    def step(self, x: np.ndarray) -> np.ndarray:
        """Update with this tick's accumulated input ``x`` (int64) and return the outputs."""
        x = fixed.saturate(x)  # the accumulator is an s16.15 word
        self.y = fixed.saturate(fixed.mul(self.y, self.a, S1_30).astype(np.int64)
                                + fixed.mul(x, self.b, S1_30))
        return self.y


class MemberInputs:
    """Each member's input: the sum of its value filters' outputs.

    ``source[i]`` is a filter dimension that adds into member dimension
    ``target[i]``; ``size`` member dimensions in all.
    """

    def __init__(self, source: np.ndarray, target: np.ndarray, size: int):
        self.source = np.asarray(source, dtype=np.int64)
        self.target = np.asarray(target, dtype=np.int64)
        self.size = size

    def sum(self, y: np.ndarray) -> np.ndarray:
        """Member dimensions (int32), plus one trailing 0 that padded encoders point at."""
        total = np.bincount(self.target, weights=y[self.source], minlength=self.size + 1)
        return fixed.saturate(total.astype(np.int64))  # exact: few int32 terms


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


class EnsembleKernel:
    """Every ensemble member of every core, batched.

    Encoders are padded to the widest member (padding points at a zero input),
    LIF neurons are updated in groups of equal constants (usually one), and
    decoders form one block-structured sparse int64 matrix from neurons to
    packet slots.
    """

    def __init__(self, members: list[Member], zero_input: int):
        self.members = members
        sizes = [m.header["n_neurons"] for m in members]
        self.start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        n = self.n_neurons = int(self.start[-1])
        width = max([m.header["input_dims"] for m in members] + [1])
        self.encoders = np.zeros((n, width), dtype=np.int64)
        self.input_index = np.full((n, width), zero_input, dtype=np.int64)
        self.bias = np.zeros(n, dtype=np.int64)
        self.gain = np.zeros(n, dtype=np.int64)
        rows, cols, values, slots = [], [], [], []
        groups: dict = {}
        neuron_filter, neuron_target = [], []
        for i, m in enumerate(members):
            lo, hi, dims = self.start[i], self.start[i + 1], m.header["input_dims"]
            self.encoders[lo:hi, :dims] = m.arrays["encoders"]
            self.input_index[lo:hi, :dims] = m.input_base + np.arange(dims)
            self.bias[lo:hi] = m.arrays["bias"]
            self.gain[lo:hi] = m.arrays["gain"]
            decoders = m.arrays["decoders"]
            r, c = np.nonzero(decoders)
            rows.append(len(slots) + r)
            cols.append(lo + c)
            values.append(decoders[r, c].astype(np.int64))
            slots.extend(m.slots.tolist())
            lif = LIFConstants(*(int(m.header[f]) for f in LIFConstants.__dataclass_fields__))
            groups.setdefault(lif, []).append(np.arange(lo, hi))
            for fdim, neurons in m.neuron_inputs:
                neuron_filter.extend([fdim] * len(neurons))
                neuron_target.extend((lo + np.asarray(neurons, dtype=np.int64)).tolist())
        self.slots = np.asarray(slots, dtype=np.int64)
        self.decoders = scipy.sparse.csr_matrix(
            (np.concatenate(values or [np.zeros(0, np.int64)]),
             (np.concatenate(rows or [np.zeros(0, np.int64)]),
              np.concatenate(cols or [np.zeros(0, np.int64)]))),
            shape=(len(slots), n), dtype=np.int64)
        voltage = np.concatenate([m.arrays["voltage"] for m in members]).astype(np.int32)
        refractory = np.concatenate([m.arrays["refractory"] for m in members]).astype(np.int32)
        self.groups = []
        for lif, parts in groups.items():
            index = np.concatenate(parts)
            self.groups.append((lif, index, LIFState(voltage[index].copy(),
                                                     refractory[index].copy())))
        self.neuron_filter = np.asarray(neuron_filter, dtype=np.int64)
        self.neuron_target = np.asarray(neuron_target, dtype=np.int64)

    def step(self, y: np.ndarray, u: np.ndarray, payloads: np.ndarray) -> np.ndarray:
        """One tick: filter outputs ``y``, member inputs ``u``; writes the
        decoded partial sums into ``payloads`` and returns the spike vector."""
        # current = encoders . u (exact, rounded once) + bias + gain x neuron inputs
        acc = np.einsum("nd,nd->n", self.encoders, u[self.input_index].astype(np.int64))
        current = _round_s16_15(acc).astype(np.int64) + self.bias
        if self.neuron_filter.size:
            # Each neuron's inputs summed exactly, then scaled by its gain once.
            summed = np.bincount(self.neuron_target, weights=y[self.neuron_filter],
                                 minlength=self.n_neurons).astype(np.int64)
            current += fixed.mul(fixed.saturate(summed), self.gain)
        current = fixed.saturate(current)
        spiked = np.zeros(self.n_neurons, dtype=bool)
        for lif, index, state in self.groups:
            spiked[index] = lif_step(lif, current[index], state)
        # Decoding: the exact sum of the spiking neurons' per-spike decoders.
        payloads[self.slots] = fixed.saturate(self.decoders @ spiked.astype(np.int64))
        return spiked

    def voltage(self) -> np.ndarray:
        """Every neuron's membrane voltage (s16.15)."""
        v = np.zeros(self.n_neurons, dtype=np.int32)
        for _, index, state in self.groups:
            v[index] = state.voltage
        return v


class PlaybackKernel:
    """Value sources: every tick's packets are row ``t % period`` of the
    values, dotted with the weights.  The products are computed once at load
    (the same exact arithmetic) and played back."""

    def __init__(self, sources: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
        """``sources``: (slots, values (period, dims), weights (rows, dims))."""
        tables, slots, base, period, width = [], [], [], [], []
        offset = 0
        for slot, values, weights in sources:
            table = fixed.dot(values, np.asarray(weights).T).astype(np.int32)  # (period, rows)
            tables.append(table.ravel())
            rows = table.shape[1]
            slots.append(slot)
            base.append(offset + np.arange(rows))
            period.append(np.full(rows, table.shape[0]))
            width.append(np.full(rows, rows))
            offset += table.size
        cat = lambda parts: (np.concatenate(parts).astype(np.int64) if parts
                             else np.zeros(0, np.int64))
        self.table, self.slots, self.base = cat(tables), cat(slots), cat(base)
        self.period, self.width = cat(period), cat(width)

    def step(self, t: int, payloads: np.ndarray) -> None:
        if self.slots.size:
            payloads[self.slots] = self.table[self.base + (t % self.period) * self.width]


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
