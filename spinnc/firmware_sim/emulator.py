"""The emulated machine: loads an Image and runs it tick by tick.

Execution model (DESIGN.md): every core runs its application once per tick;
a packet sent in tick ``t`` reaches its receivers' filters in tick ``t + 1``.
Tick ``t`` (from 0) is nengo's step ``t + 1`` (time ``(t + 1) dt``), so a
recording made in tick ``t`` is row ``t`` of nengo's probe data.

A tick:

1. the routers deliver last tick's packets: one scatter of every payload into
   every receiving filter dimension (:class:`~.packets.Fabric` traced each
   key once, hop by hop through the Image's tables);
2. filters update; each member's value filters are summed into its input;
   the cores of a cluster sharing an input write their blocks of it and
   encode from the whole input their cluster wrote in the tick before
   (:class:`~.kernels.InputShare`, :mod:`spinnc.mapper.clusters`);
3. ensembles encode, update their LIF neurons and decode their spikes into
   this tick's payloads (a core of a cluster adding its sums sends its
   cluster's sums of the tick before, :class:`~.kernels.OutputShare`); value sources play back this tick's row;
   interposers send their weights times this tick's filtered input;
4. ensembles record what is due this tick (spikes, state, input currents
   and the decoded rows of the value probes they feed, in the tick they
   decode them);
5. host functions: a host_out core hands the host its filtered input of this
   tick, ``host(name, (t + 1) dt, x)`` answers at once, and the host_in core
   sends the answer (times its weights) in the same tick, so it is used in
   tick ``t + 1``, like a value source's packets.  A host function with no
   inputs is called with an empty ``x``.  An answer of None is one that did
   not come in time (a board's host): the host_in core sends nothing then
   and resends its last answer at the next tick's start (:class:`_Answering`);
6. cycles are counted per core from :mod:`spinnc.costs` (its application's
   cost function, the partitioner's), with each tick's own spikes (the
   firmware's ensemble tick depends on them); a tick over the machine's
   ``cycles_per_tick`` is an overrun (an error in strict mode).

Precision: the kernels compute in the firmware's fixed point (``"fixed"``,
bit-exact) or, on the same Image, in float64 on the real values of the
stored words (``"float"``, see :mod:`.kernels`).  Routing, timing, cycle
counts and provenance do not depend on it; payloads are s16.15 words in
fixed mode and float64 reals in float mode.
"""

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from .. import apps, costs, recording
from ..errors import ImageError, SpinncError
from ..image import Image
from ..regions import Region, pack_regions, read_regions, unpack_regions
from .kernels import (EnsembleKernel, FilterBank, InputShare, Member, MemberInputs,
                      OutputShare, PlaybackKernel, Recorder, TransformKernel, arithmetic)
from .engines import ticks_to_run
from .packets import Fabric, RouterCounts, groups
from ..formats.provenance import CoreProvenance, LinkProvenance, Provenance, RouterProvenance

Host = Callable[[str, float, np.ndarray], np.ndarray]


@dataclass
class _Answering:
    """A host_in core's answer state, as ``host_in.c`` keeps it: a tick
    after one without an answer (a late host) starts by resending the last
    answer; an answer is sent when it arrives unless the tick's packets are
    already out (then it waits as the last answer: at most one send a tick)."""

    values: np.ndarray | None = None  # the last answer
    arrived: bool = True  # an answer came in this tick (none is owed before the first)
    sent: bool = False  # this tick's packets are out

    def resend(self) -> bool:
        """The tick's start: whether the last answer goes out again now."""
        again = self.values is not None and not self.arrived
        self.arrived, self.sent = False, again
        return again

    def arrive(self, values: np.ndarray) -> None:
        self.values, self.arrived = values, True


class TickOverrun(SpinncError):
    """A core needed more cycles in a tick than the machine has (strict mode)."""


@dataclass
class Core:
    """One emulated application core: where it is, its regions, and the
    flat-array indices of its packets and filters."""

    index: int
    x: int
    y: int
    core: int
    name: str
    application: str
    regions: dict = field(repr=False)
    app: object = field(default=None, repr=False)  # its spinnc.apps.Application
    recordings: list = field(default_factory=list, repr=False)  # what it records
    slots: np.ndarray = field(default=None, repr=False)  # packet slots it sends
    net_slots: list = field(default_factory=list, repr=False)  # the slots of each output net
    filter_start: list = field(default_factory=list)  # first filter dimension of each filter
    base_cycles: int = 0  # cycles every tick, before recording
    received: int = 0  # packets reaching it per tick

    def region(self, region_id: int):
        """(header, arrays) of a region; empty when the core has none."""
        return self.regions.get(region_id, ({}, {}))


class Emulator:
    """Runs an :class:`~spinnc.image.Image` on an emulated SpiNNaker machine.

    Parameters
    ----------
    image : Image
        What a board would be given; nothing else is read.
    strict : bool
        Raise :class:`TickOverrun` on the first tick a core overruns.
    precision : {"fixed", "float"}
        ``"fixed"``: the firmware's fixed-point arithmetic, bit-exact.
        ``"float"``: the same kernels in float64 on the real values of the
        Image's parameters, with nengo's float LIF update, to tell
        quantisation error from mapping and timing effects.

    Raises
    ------
    ValueError
        If ``precision`` is neither.
    ImageError
        If the Image disagrees with its machine or its cores' data
        (:meth:`Image.check`).
    """

    def __init__(self, image: Image, strict: bool = False, precision: str = "fixed"):
        self.arith = arithmetic(precision, image.dt)  # first: a bad precision fails fast
        image.check()
        self.precision = precision
        self.image, self.machine, self.strict = image, image.machine, strict
        self.dt = image.dt
        self.cores = [self._load(i, c) for i, c in enumerate(image.cores)]
        self._where = {(c.x, c.y, c.core): c for c in self.cores}
        self._allocate_slots()
        self._share_sums()
        self._build_filters()
        self.fabric = Fabric(self.machine, image.tables, set(self._where))
        self._connect()
        self._build_kernels()
        self._count_cycles()
        self.t = 0
        self.payloads = np.zeros(self.n_slots, dtype=self.arith.dtype)  # sent last tick
        self.max_cycles = np.zeros(len(self.cores), dtype=np.int64)
        self.last_cycles = np.zeros(len(self.cores), dtype=np.int64)  # in the last tick
        self.overruns = np.zeros(len(self.cores), dtype=np.int64)
        # Profiled cores (a PROFILE region) record each tick's cycles, as their runtime does.
        self.profiled = np.array([c.index for c in self.cores if Region.PROFILE in c.regions],
                                 dtype=np.int64)
        self.profile_rows = np.zeros((image.n_steps, len(self.profiled)), dtype=np.int64)

    # -- loading ----------------------------------------------------------------

    def _load(self, index: int, image_core) -> Core:
        where = f"core {image_core.core} of chip ({image_core.x}, {image_core.y})"
        try:
            regions = read_regions(image_core.data)
        except ValueError as error:
            raise ImageError(f"{where} ('{image_core.name}'): {error}") from None
        # Image.check has matched its SYSTEM region with the Image.
        app = apps.application(image_core.application)  # Image.check knows the name
        return Core(index, image_core.x, image_core.y, image_core.core, image_core.name,
                    image_core.application, regions, app, app.recordings(regions))

    def _allocate_slots(self) -> None:
        """A packet slot per (core, net, dimension): the payload vector's index."""
        keys, owner = [], []
        for c in self.cores:
            nets = c.region(Region.OUTPUT_KEYS)[1].get("nets", [])
            c.net_slots = []
            for net in nets:
                size = int(net["size"])
                c.net_slots.append(np.arange(len(keys), len(keys) + size))
                keys.extend(int(net["key"]) + d for d in range(size))
                owner.extend([c.index] * size)
            c.slots = np.concatenate(c.net_slots) if c.net_slots else np.zeros(0, np.int64)
        self.slot_key = np.asarray(keys, dtype=np.int64)
        self.slot_core = np.asarray(owner, dtype=np.int64)
        self.n_slots = len(keys)

    def _share_sums(self) -> None:
        """Slots of their own (no key) for the partial sums of the cores of
        clusters that add them (OUTPUT_SHARE regions), after the packets'
        slots; each tick such a core sends, in its packets' slots, its
        cluster's sums of the tick before of the rows it sends."""
        clusters: dict = {}  # (x, y, lead core) -> [(core, header)]
        for c in self.cores:
            header = c.region(Region.OUTPUT_SHARE)[0]
            if header:
                clusters.setdefault((c.x, c.y, int(header["lead_core"])), []).append((c, header))
        self.partial_slots: dict = {}  # core index -> the slots of its partial sums
        first, sent, source, target = self.n_slots, [], [], []
        for (x, y, lead), cores in clusters.items():
            rows, k = int(cores[0][1]["rows"]), int(cores[0][1]["cores"])
            by_index, covered = {}, np.zeros(rows, dtype=np.int64)
            for c, h in cores:
                lo, width = int(h["first"]), int(h["width"])
                if (int(h["rows"]) != rows or int(h["cores"]) != k or lo + width > rows
                        or c.slots.size != width or int(h["index"]) in by_index):
                    raise ImageError(f"'{c.name}': its OUTPUT_SHARE region does not match its "
                                     f"cluster's {k} cores of {rows} sums or its output keys")
                covered[lo:lo + width] += 1
                self.partial_slots[c.index] = self.n_slots + np.arange(rows)
                self.n_slots += rows
                by_index[int(h["index"])] = (c, lo, width)
            holds = any(c.core == lead and int(h["n_buffer"]) == 2 * k * rows for c, h in cores)
            if sorted(by_index) != list(range(k)) or not holds or not np.all(covered == 1):
                raise ImageError(f"the {len(cores)} cores on chip ({x}, {y}) adding their sums "
                                 f"in core {lead}'s region are not its {k} cores, or do not "
                                 f"send each of its {rows} rows once")
            for c, lo, width in by_index.values():
                for other, _, _ in by_index.values():
                    source.extend(self.partial_slots[other.index][lo:lo + width] - first)
                    target.extend(len(sent) + np.arange(width))
                sent.extend(c.slots.tolist())
        self.sums = OutputShare(first, self.n_slots - first, np.asarray(source, np.int64),
                                np.asarray(target, np.int64), np.asarray(sent, np.int64),
                                self.arith)

    def _build_filters(self) -> None:
        """Every filter dimension, each member's input dimensions, and which
        filter dimensions sum into which member dimension or neurons."""
        rows, widths, source, target = [], [], [], []  # rows: (order, frac_bits, words) a filter
        self.member_base: dict = {}  # (core index, member) -> first member dimension
        self.neuron_inputs: dict = {}  # (core index, member) -> [(filter dim, neurons)]
        widths_of: dict = {}  # (core index, member) -> its input dimensions
        n_inputs = 0
        for c in self.cores:
            for m, dims in self._member_dims(c):
                self.member_base[c.index, m] = n_inputs
                widths_of[c.index, m] = dims
                n_inputs += dims
            arrays = c.region(Region.FILTERS)[1]
            filters, words = arrays.get("filters", []), arrays.get("coefficients")
            index_map = c.region(Region.INDEX_MAP)[1].get("indices", np.zeros(0, np.uint32))
            for e in c.region(Region.INPUT_KEYS)[1].get("entries", []):
                at, size, f = int(e["map_offset"]), int(e["size"]), int(e["filter"])
                if f >= len(filters) or at + size > len(index_map) or (
                        size and index_map[at:at + size].max() >= filters[f]["dims"]):
                    raise ImageError(f"core {c.index}: input key entry {e} maps packets past "
                                     "its filter's dimensions")
            for f in filters:
                first, dims, m = sum(widths), int(f["dims"]), int(f["member"])
                order, at = int(f["order"]), int(f["coefficients"])
                c.filter_start.append(first)
                rows.append((order, int(f["frac_bits"]), words[at:at + 2 * order]))
                widths.append(dims)
                if f["neurons"]:
                    lo = int(f["map_offset"])
                    neurons = index_map[lo:lo + int(f["map_size"])].astype(np.int64)
                    self.neuron_inputs.setdefault((c.index, m), []).append((first, neurons))
                elif (c.index, m) in self.member_base:
                    at = int(f["first"])
                    if at + dims > widths_of[c.index, m]:
                        raise ImageError(f"core {c.index}: filter of member {m} covers "
                                         f"dimensions {at}+{dims} of its "
                                         f"{widths_of[c.index, m]}")
                    source.extend(range(first, first + dims))
                    target.extend(self.member_base[c.index, m] + at + np.arange(dims))
        order = max((r[0] for r in rows), default=1)
        num, den = np.zeros((len(rows), order), np.int64), np.zeros((len(rows), order), np.int64)
        for i, (n, _, w) in enumerate(rows):  # zero-padded to the highest order
            num[i, :n], den[i, :n] = w[:n], w[n:]
        frac_bits = np.array([r[1] for r in rows], dtype=np.int64)
        widths = np.asarray(widths, dtype=np.int64)  # then a row per filter dimension
        self.filters = FilterBank(num.repeat(widths, axis=0), den.repeat(widths, axis=0),
                                  frac_bits.repeat(widths), self.arith)
        n_inputs = self._share_inputs(n_inputs)
        self.inputs = MemberInputs(np.asarray(source), np.asarray(target), n_inputs, self.arith)

    def _share_inputs(self, n_inputs: int) -> int:
        """The inputs clusters of cores share (INPUT_SHARE regions), after
        the ``n_inputs`` member dimensions: one block of each cluster's width
        that its cores encode from; returns the member dimensions in all."""
        clusters: dict = {}  # (x, y, lead core) -> [(core, header)]
        for c in self.cores:
            header = c.region(Region.INPUT_SHARE)[0]
            if header:
                clusters.setdefault((c.x, c.y, int(header["lead_core"])), []).append((c, header))
        self.encode_base: dict = {}  # (core index, member) -> its encoders' first dimension
        own, into, shared = [], [], []
        for (x, y, lead), cores in clusters.items():
            dims = int(cores[0][1]["dims"])
            covered = np.zeros(dims, dtype=np.int64)
            leads = [c for c, h in cores if c.core == lead and int(h["n_buffer"]) == 2 * dims]
            for c, h in cores:
                lo, width = int(h["first"]), int(h["width"])
                if (int(h["dims"]) != dims or lo + width > dims
                        or c.region(Region.SYSTEM)[0].get("n_members") != 1):
                    raise ImageError(f"'{c.name}': its INPUT_SHARE region does not match its "
                                     f"cluster's input of {dims} dimensions")
                covered[lo:lo + width] += 1
                self.encode_base[c.index, 0] = n_inputs
                own.extend(self.member_base[c.index, 0] + np.arange(width))
                into.extend(len(shared) + lo + np.arange(width))
            if not leads or not np.all(covered == 1):
                raise ImageError(f"the cores on chip ({x}, {y}) sharing the input held by core "
                                 f"{lead} do not hold it or do not cover each of its {dims} "
                                 "dimensions once")
            shared.extend(n_inputs + np.arange(dims))
            n_inputs += dims
        self.share = InputShare(np.asarray(own, np.int64), np.asarray(into, np.int64),
                                np.asarray(shared, np.int64))
        return n_inputs

    def _member_dims(self, c: Core):
        """(member, input dimensions) of a receiving core's members."""
        return c.app.input_members(c.regions, self.image.host_functions.get(c.name))

    def _connect(self) -> None:
        """Trace every packet slot through the routers; map each delivery to
        the filter dimension it adds into (the receiver's key table and index
        map): ``deliver_to`` / ``deliver_from``, by slot, then receiver."""
        self._host_traces = {}  # slot -> trace, of the host_in cores' slots
        sender = [self.cores[owner] for owner in self.slot_core.tolist()]
        for slot, c in enumerate(sender):
            if c.application == "host_in":
                self._host_traces[slot] = self.fabric.trace(c.x, c.y, int(self.slot_key[slot]))
        reached = self.fabric.follow_all(np.array([c.x for c in sender], dtype=np.int64),
                                         np.array([c.y for c in sender], dtype=np.int64),
                                         self.slot_key)
        self.router_counts: dict = {chip: RouterCounts() for chip in self.image.tables}
        self.router_counts.update(reached.counts)
        self.link_counts: dict = reached.links  # (x, y, link) -> packets per tick
        receiver = np.array([self._where[where].index for where in
                             zip(reached.x.tolist(), reached.y.tolist(), reached.core.tolist())],
                            dtype=np.int64)
        for index, n in zip(*np.unique(receiver, return_counts=True)):
            self.cores[index].received += int(n)
        to, delivery, entries = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], \
            [np.zeros(0, np.int64)]
        for index, at in groups(receiver):
            dims, (row, entry) = self._input_dims(self.cores[index],
                                                  self.slot_key[reached.packet[at]])
            to.append(dims)
            delivery.append(at[row])
            entries.append(entry)
        delivery, entries = np.concatenate(delivery), np.concatenate(entries)
        order = np.lexsort((entries, delivery))  # by delivery (so by slot), then entry
        self.deliver_to = np.concatenate(to)[order]
        self.deliver_from = reached.packet[delivery[order]]

    def _input_dims(self, receiver: Core, keys: np.ndarray):
        """The filter dimension each of ``keys`` (packets ``receiver`` gets)
        adds into by every matching entry of its key table: the dimensions,
        and (key index, entry index) of each."""
        entries = receiver.region(Region.INPUT_KEYS)[1].get("entries", [])
        index_map = receiver.region(Region.INDEX_MAP)[1].get("indices")
        if len(entries) == 0:
            return np.zeros(0, np.int64), (np.zeros(0, np.int64), np.zeros(0, np.int64))
        field = {name: np.array([int(e[name]) for e in entries], dtype=np.int64)
                 for name in ("key", "mask", "size", "filter", "map_offset")}
        keys = np.asarray(keys, dtype=np.int64)[:, None]
        d = keys - field["key"]
        match = ((keys & field["mask"]) == field["key"]) & (d >= 0) & (d < field["size"])
        row, entry = np.nonzero(match)  # every matching entry: a net may feed several filters
        starts = np.asarray(receiver.filter_start, dtype=np.int64)
        dims = (starts[field["filter"][entry]]
                + np.asarray(index_map, dtype=np.int64)[field["map_offset"][entry]
                                                        + d[row, entry]])
        return dims, (row, entry)

    def _build_kernels(self) -> None:
        """Each core's application adds what it computes (``add_*`` below),
        then the batched kernels and the recorders are built."""
        self._members, self._sources, self._transforms = [], [], []
        self.host_in, self.host_out = {}, {}
        self._answering: dict[str, _Answering] = {}  # by host_in core
        self.silent_ticks = np.zeros(self.n_slots, dtype=np.int64)  # a late host's
        for c in self.cores:
            c.app.python_kernel(c, self)
        members = self._members
        self.ensembles = (EnsembleKernel(members, self.inputs.size, self.arith)
                          if members else None)
        self.playback = PlaybackKernel(self._sources, self.arith)
        self.transforms = TransformKernel(self._transforms, self.inputs.size, self.arith)
        first_neuron = {(m.core, m.member): int(self.ensembles.start[i])
                        for i, m in enumerate(members)}
        first_row = {(m.core, m.member): self.ensembles.probe_start[i]
                     for i, m in enumerate(members)}
        # (core index, kind, member) -> Recorder, grouped by what they sample.
        self.recorders: dict = {}
        self._recorders_of: dict = {}  # source -> [Recorder]
        # The rules' learned weights and traces, every rule's after the last's;
        # their input rows are the member inputs they read.
        first_weight, first_trace, at, trace_at = {}, {}, 0, 0
        first_input = {}
        for rule in (self.ensembles.learners if self.ensembles is not None else []):
            first_weight[rule.where], first_trace[rule.where] = at, trace_at
            inputs = getattr(rule, "inputs", None)  # Voja records no input rows
            first_input[rule.where] = int(inputs[0]) if inputs is not None else 0
            at += rule.rows * rule.n
            trace_at += rule.trace.n
        for c in self.cores:
            for r in c.recordings:
                first = {"decoded": first_row, "weights": first_weight, "trace": first_trace,
                         "inputs": first_input}.get(r.source, first_neuron)
                index = first[c.index, r.member] + np.arange(r.width)
                recorder = self.recorders[c.index, r.kind, r.member] = Recorder(index, r.every)
                self._recorders_of.setdefault(r.source, []).append(recorder)

    # The Python engine's vocabulary for the applications' kernels (spinnc.apps).

    def add_member(self, core: Core, member: int, header: dict, arrays: dict,
                   slots: np.ndarray, rules: list = ()) -> None:
        """A population slice: its POPULATION region, its decoders' packet
        slots and its learning rules ((index on the core, LEARNING_RULE
        record, weights, trace) each)."""
        if slots.size != header["output_dims"]:
            raise ImageError(f"'{core.name}' member {member}: {header['output_dims']} "
                             f"decoder rows but {slots.size} output keys")
        self._members.append(Member(core.index, member, header, arrays,
                                    self.member_base[core.index, member], slots,
                                    self.neuron_inputs.get((core.index, member), []),
                                    list(rules), self.encode_base.get((core.index, member))))

    def add_playback(self, slots: np.ndarray, values: np.ndarray, weights: np.ndarray,
                     payloads: np.ndarray) -> None:
        """Packets played back each tick (row ``t % period``): the stored
        ``payloads`` in fixed point, the real product of the values and the
        weights in float mode.  Only an application with ``horizon_regions``
        plays back (:meth:`extend` rebuilds the playback from those)."""
        self._sources.append((slots, values, weights, payloads))

    def add_transform(self, core: Core, member: int, slots: np.ndarray,
                      weights: np.ndarray) -> None:
        """Packets ``slots``: ``weights`` times member ``member``'s filtered
        input of this tick (fixed.dot; sent this tick, used in the next)."""
        self._transforms.append((slots, self.member_base[core.index, member], weights))

    def add_host_in(self, name: str, slots: np.ndarray, weights: np.ndarray) -> None:
        """The packets of host function ``name``'s answer, times the weights."""
        self.host_in[name] = (slots, self.arith.param(weights))
        self._answering[name] = _Answering()

    def add_host_out(self, core: Core) -> None:
        """A host function's filtered input (the core's member 0)."""
        size = int(self.image.host_functions[core.name]["size_in"])
        self.host_out[core.name] = self.member_base[core.index, 0] + np.arange(size)

    def _count_cycles(self) -> None:
        """Each core's cycles per tick (its application's cost function over
        its load), and what recording adds when due."""
        record_core, record_words, record_every = [], [], []
        spike_cycles = {}  # (core, member) -> the cycles a spike of it adds
        for c in self.cores:
            load = c.app.load(c.regions, self.image.host_functions.get(c.name))
            load.sent_dims, load.received_packets = int(c.slots.size), c.received
            for member, m in enumerate(load.members):
                if m.model is not None:  # a population: its spikes are counted per tick
                    m.spikes = m.later_spikes = 0
                    base = c.app.member_cycles(m)
                    spike_cycles[c.index, member] = (
                        int(c.app.member_cycles(replace(m, spikes=1)) - base),
                        int(c.app.member_cycles(replace(m, later_spikes=1)) - base),
                        m.model.spike_later_ticks)
            c.base_cycles = int(c.app.cycles(load))
            for r in c.recordings:
                record_core.append(c.index), record_words.append(r.words)
                record_every.append(r.every)
        self.base_cycles = np.array([c.base_cycles for c in self.cores], dtype=np.int64)
        self.record_core = np.asarray(record_core, dtype=np.int64)
        self.record_cycles = costs.RECORD_CYCLES_PER_WORD * np.asarray(record_words, np.int64)
        self.record_every = np.asarray(record_every, dtype=np.int64)
        # Per member: its core, what a spike of it costs in its tick, and what
        # it costs again spike_later_ticks later (the cost function's terms).
        self.member_core = np.zeros(0, dtype=np.int64)
        self.member_spike_cycles = self.member_later_cycles = self.member_core
        self.member_later_ticks = self.member_core
        if self.ensembles is not None:
            members = self.ensembles.members
            per = np.array([spike_cycles.get((m.core, m.member), (0, 0, 0)) for m in members],
                           dtype=np.int64).reshape(-1, 3)
            self.member_core = np.array([m.core for m in members], dtype=np.int64)
            (self.member_spike_cycles, self.member_later_cycles,
             self.member_later_ticks) = (per[:, k].copy() for k in range(3))
        self._later = sorted({int(k) for k in np.unique(
            self.member_later_ticks[self.member_later_cycles > 0])})
        self._past_counts: list = []  # each member's spikes in the last ticks, latest first
        self.tick_spike_cycles = np.zeros(len(self.cores), dtype=np.int64)

    # -- running ----------------------------------------------------------------

    def run(self, n_steps: int | None = None, host: Host | None = None) -> None:
        """Advance ``n_steps`` ticks (the Image's step count by default).

        ``host(name, t, x) -> y`` computes the image's host functions each
        tick (see the module docstring for when its values enter).

        Raises
        ------
        ImageError
            If the ticks run would pass the Image's ``n_steps``: its cores
            play back and record for that many ticks only, as a board's do.
        """
        n_steps = ticks_to_run(self.image, self.t, n_steps, host)
        for _ in range(n_steps):
            self._tick(host)

    def extend(self, image: Image) -> bool:
        """Go on into ``image``, this Image compiled for a longer horizon
        (:meth:`Image.continues`), keeping every state as it is: only the
        value sources' samples and the step count are taken from it.  Returns
        False, changing nothing, if ``image`` differs in anything else (then
        it must be run from the start)."""
        image.check()
        if not image.continues(self.image):
            return False
        self._sources = []  # every playback is a core's with horizon regions
        for c, new in zip(self.cores, image.cores):
            if c.app.horizon_regions:
                c.regions = read_regions(new.data)
                c.app.python_kernel(c, self)  # adds only what those regions hold
        self.playback = PlaybackKernel(self._sources, self.arith)
        rows = np.zeros((image.n_steps, len(self.profiled)), dtype=np.int64)
        rows[:len(self.profile_rows)] = self.profile_rows
        self.image, self.profile_rows = image, rows
        return True

    def _tick(self, host: Host | None) -> None:
        t = self.t
        x = self.arith.scatter(self.deliver_to, self.deliver_from, self.payloads,
                               self.filters.size)
        y = self.filters.step(x)
        u = self.share.exchange(self.inputs.sum(y))
        payloads = np.zeros(self.n_slots, dtype=self.arith.dtype)
        if self.ensembles is not None:
            spikes = self.ensembles.step(y, u, payloads)
            self.sums.exchange(payloads)
            self._count_spikes(spikes)
            for source, recorders in self._recorders_of.items():
                if not any(r.due(t) for r in recorders):
                    continue
                if source == "spikes":
                    values = np.zeros(self.ensembles.n_neurons, dtype=bool)
                    values[spikes] = True
                elif source == "decoded":
                    values = self.ensembles.decoded
                elif source == "current":
                    values = self.ensembles.current
                elif source == "weights":
                    values = np.concatenate([r.recorded() for r in self.ensembles.learners])
                elif source == "trace":  # after this tick's spikes entered them
                    values = np.concatenate([r.trace.a for r in self.ensembles.learners])
                elif source == "inputs":
                    values = u
                else:
                    values = self.ensembles.state_variable(source)
                for recorder in recorders:
                    recorder.record(t, values)
        self.playback.step(t, payloads)
        self.transforms.step(u, payloads)
        for name, spec in self.image.host_functions.items():
            index = self.host_out.get(name)
            value = (self.arith.to_real(u[index]) if index is not None
                     else np.zeros(int(spec["size_in"])))
            answering = self._answering.get(name)  # a host_in core's, if it has one
            if answering is not None and answering.resend():
                self._send_answer(name, answering, payloads)
            answer = host(name, (t + 1) * self.dt, value)
            if answer is not None:  # None: not in time, the host_in core resends its last
                answer = np.reshape(np.asarray(answer, float), -1)
                if answer.size != int(spec["size_out"]):
                    raise SpinncError(f"host function '{name}' returned {answer.size} values "
                                      f"in tick {t}; the image expects {spec['size_out']}")
                if answering is not None:
                    # In fixed mode this saturates, as the host's packets would.
                    answering.arrive(self.arith.from_real(answer))
                    if not answering.sent:
                        self._send_answer(name, answering, payloads)
            if answering is not None and not answering.sent:  # no packets this tick
                self.silent_ticks[self.host_in[name][0]] += 1
        self.payloads = payloads
        self.t += 1  # the tick has run, even if it overran
        self._account(t)

    def _send_answer(self, name: str, answering: "_Answering", payloads: np.ndarray) -> None:
        slots, weights = self.host_in[name]
        payloads[slots] = self.arith.dot(weights, answering.values)
        answering.sent = True

    def _count_spikes(self, spikes: np.ndarray) -> None:
        """The cycles this tick's spikes, and those of ``spike_later_ticks``
        before, add to each core (its cost function's per-spike terms, the
        same for every neuron of a member: counted per member)."""
        counts = np.diff(np.searchsorted(spikes, self.ensembles.start))
        cycles = counts * self.member_spike_cycles
        for k in self._later:
            if k <= len(self._past_counts):
                cycles += np.where(self.member_later_ticks == k,
                                   self._past_counts[k - 1] * self.member_later_cycles, 0)
        # float64 adds these integers exactly (far below 2**53)
        self.tick_spike_cycles = np.bincount(self.member_core, weights=cycles,
                                             minlength=len(self.cores)).astype(np.int64)
        if self._later:
            self._past_counts = [counts, *self._past_counts[:max(self._later) - 1]]

    def _account(self, t: int) -> None:
        cycles = self.base_cycles + self.tick_spike_cycles
        if self.record_core.size:
            due = (t + 1) % self.record_every == 0
            cycles = cycles + np.bincount(self.record_core[due], self.record_cycles[due],
                                          minlength=len(self.cores)).astype(np.int64)
        np.maximum(self.max_cycles, cycles, out=self.max_cycles)
        self.last_cycles = cycles
        if self.profiled.size and t < len(self.profile_rows):
            self.profile_rows[t] = cycles[self.profiled]
        over = cycles > self.machine.cycles_per_tick
        self.overruns += over
        if self.strict and over.any():
            c = self.cores[int(np.argmax(over))]
            raise TickOverrun(
                f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}', {c.application}) took "
                f"{int(cycles[c.index])} cycles in tick {t}, over the "
                f"{self.machine.cycles_per_tick} of a tick: partition it onto more cores "
                "or lengthen the tick")

    # -- results ----------------------------------------------------------------

    def provenance(self) -> Provenance:
        """What every core and router counted in the ticks run so far (each
        tick's packets, less those a late host's host_in cores did not send)."""
        ticks = self.t
        sent = np.array([int(c.slots.size) * ticks for c in self.cores], dtype=np.int64)
        received = np.array([c.received * ticks for c in self.cores], dtype=np.int64)
        routers = {chip: {name: n * ticks for name, n in vars(counts).items()}
                   for chip, counts in self.router_counts.items()}
        links = {link: n * ticks for link, n in self.link_counts.items()}
        for slot in np.flatnonzero(self.silent_ticks):
            silent, trace = int(self.silent_ticks[slot]), self._host_traces[slot]
            sent[self.slot_core[slot]] -= silent
            for where in trace.cores:
                received[self._where[where].index] -= silent
            for chip, counts in trace.counts.items():
                for name, n in vars(counts).items():
                    routers[chip][name] -= n * silent
            for link, n in trace.links.items():
                links[link] -= n * silent
        cores = [CoreProvenance(c.x, c.y, c.core, c.name, c.application,
                                int(self.max_cycles[c.index]), int(self.overruns[c.index]),
                                int(sent[c.index]), int(received[c.index]))
                 for c in self.cores]
        routers = [RouterProvenance(x, y, n["local"], n["non_local"], n["default_routed"],
                                    n["dropped"])
                   for (x, y), n in sorted(routers.items())]
        links = [LinkProvenance(x, y, link, n) for (x, y, link), n in sorted(links.items())]
        profiles = {(self.cores[i].x, self.cores[i].y, self.cores[i].core):
                    self.profile_rows[:ticks, k].copy() for k, i in enumerate(self.profiled)}
        return Provenance(ticks, self.machine.cycles_per_tick, cores, routers, links, profiles)

    def last_tick_cycles(self) -> dict:
        """Each core's cycles in the last tick run: (x, y, core) -> cycles."""
        return {(c.x, c.y, c.core): int(self.last_cycles[c.index]) for c in self.cores}

    def learned(self, x: int, y: int, core: int, rule: int) -> np.ndarray:
        """Learning rule ``rule``'s weights or encoders on a core now, as its
        recordings hold them (s16.15 words, or reals in float mode)."""
        where = (self._where[x, y, core].index, rule)
        learner = next(r for r in (self.ensembles.learners if self.ensembles else [])
                       if r.where == where)
        return learner.recorded()

    def region_data(self, x: int, y: int, core: int) -> bytes:
        """A core's region data as its firmware leaves it in SDRAM when it
        pauses or stops: the Image's, with what its learning rules have
        learned written back into its LEARNING region (fixed point)."""
        c = self._where[x, y, core]
        data = self.image.cores[c.index].data
        if Region.LEARNING not in c.regions or self.precision != "fixed":
            return data
        blobs = unpack_regions(data)
        header, arrays = c.region(Region.LEARNING)
        weights = np.array(arrays["weights"], dtype=np.int64)
        for learner in self.ensembles.learners:
            if learner.where[0] == c.index:
                rule = arrays["rules"][learner.where[1]]
                at = int(rule["weights"])
                weights[at:at + learner.values.size] = learner.values.ravel()
        blobs[Region.LEARNING] = Region.LAYOUTS[Region.LEARNING].pack(
            header, **dict(arrays, weights=weights))
        return pack_regions(blobs)

    def recording_buffer(self, x: int, y: int, core: int) -> bytes:
        """A core's recording buffer as its firmware would leave it
        (:func:`spinnc.recording.pack_recordings`)."""
        return recording.pack_recordings(self, x, y, core)

    def recordings(self) -> dict[str, np.ndarray]:
        """Every probe's samples in nengo's units and shape ``(n_samples, size)``:
        values and voltages as reals, spikes as ``1 / dt`` per spike.

        They go through the recording buffers a board's cores would fill
        (:mod:`spinnc.recording`), so a board's read-back cannot drift from them.
        """
        buffers = {(c.x, c.y, c.core): self.recording_buffer(c.x, c.y, c.core)
                   for c in self.cores}
        return recording.recordings_from_buffers(self.image, buffers, self.precision, self.t)
