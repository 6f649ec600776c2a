"""Region data format: the bytes each core's application reads, in layouts shared by
the writers (:mod:`spinnc.mapper.regions`) and the readers (the emulator's kernels).

A core's data starts with a region table, then its regions; everything is
little-endian 32-bit words::

    magic 0x434e5053 ('SPNC'), format version, region count
    (region id, byte offset, byte length) for each region
    the regions, in table order

Each region has a :class:`Layout`: a header (a numpy structured dtype) and
arrays whose shapes are named header fields.  The same Layout packs a region
here and unpacks it in the emulator's kernels, so the two cannot drift apart.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import neurons

MAGIC = 0x434E5053  # 'SPNC' little-endian
VERSION = 13  # 2: population regions start with a neuron model code; 3: a recording
#             period per probeable state variable of the model; 4: value sources'
#             PLAYBACK region (their packets, computed by the mapper); 5: populations
#             record their probes' decoded values (probe_dims, probe_decoders,
#             decoded_every) and their neurons' input currents (input_every); no
#             recorder cores (no PROBES region); FILTERS: filters of any order (order,
#             coefficient format, the coefficients after the filters); 6: the LEARNING
#             region (learned decoders, spinnc.learning); 7: the INPUT_SHARE region (a
#             cluster of cores sharing one filtered input, spinnc.mapper.clusters) and
#             the OUTPUT_SHARE region (a cluster adding its partial sums); 8: BCM and
#             Oja rules (LEARNING_RULE's forget and forget_shift); 9: a value filter
#             covers the member input dimensions its connections reach (FILTER's first);
#             10: the PROFILE region (a core records its cycles in each tick); 11: a
#             learning rule records its trace and its input rows (LEARNING_RULE's
#             trace_every, inputs_every); 12: a rule learns from a run of its
#             member's neurons (LEARNING_RULE's first); 13: a rule's trace has
#             trace_frac fractional bits (LEARNING_RULE's trace_frac; s16.15 before)
U32, I32, I64 = "<u4", "<i4", "<i8"


def _header(*fields):
    """A header of unsigned 32-bit fields."""
    return np.dtype([(name, U32) for name in fields])


@dataclass(frozen=True)
class Layout:
    """A region: a header, then arrays shaped by header fields (in order)."""

    name: str
    header: np.dtype
    arrays: tuple = ()  # (name, dtype, (header field or int, ...))

    def _shape(self, header, dims):
        return tuple(int(header[d]) if isinstance(d, str) else d for d in dims)

    def pack(self, header: dict, **arrays) -> bytes:
        head = np.zeros((), dtype=self.header)
        for key in self.header.names:
            head[key] = header[key]
        parts = [head.tobytes()]
        for name, dtype, dims in self.arrays:
            shape = self._shape(head, dims)
            value = np.asarray(arrays[name])
            if value.shape != shape:
                raise ValueError(f"{self.name} region: {name} has shape {value.shape}, "
                                 f"its header says {shape}")
            parts.append(np.ascontiguousarray(value, dtype=np.dtype(dtype)).tobytes())
        return b"".join(parts)

    def unpack(self, data: bytes) -> tuple[dict, dict]:
        if len(data) < self.header.itemsize:
            raise ValueError(f"{self.name} region: {len(data)} bytes, shorter than its header")
        head = np.frombuffer(data, dtype=self.header, count=1)[0]
        header = {key: head[key].item() for key in self.header.names}
        offset, arrays = self.header.itemsize, {}
        for name, dtype, dims in self.arrays:
            shape = self._shape(head, dims)
            dtype = np.dtype(dtype)
            size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
            if offset + size > len(data):
                raise ValueError(f"{self.name} region: {name} runs past the region's "
                                 f"{len(data)} bytes")
            arrays[name] = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)),
                                         offset=offset).reshape(shape)
            offset += size
        if offset != len(data):
            raise ValueError(f"{self.name} region: {len(data) - offset} bytes left over")
        return header, arrays


OUTPUT_KEY = np.dtype([("key", U32), ("mask", U32), ("size", U32), ("member", U32)])
INPUT_KEY = np.dtype([("key", U32), ("mask", U32), ("size", U32), ("member", U32),
                      ("filter", U32), ("map_offset", U32)])
#: A filter of ``order`` (its coefficients' format: ``frac_bits``; its 2 x order
#: words, numerator then feedback, from word ``coefficients`` of the region's
#: coefficient array; spinnc.frontend.synapses.Filter).  A value filter (``neurons``
#: 0) filters ``dims`` dimensions into its member's input dimensions ``first ..``
#: (those its connections reach); a neuron filter one, into the neurons
#: ``map_size`` words of the index map from ``map_offset`` name.
FILTER = np.dtype([("member", U32), ("neurons", U32), ("dims", U32), ("map_offset", U32),
                   ("map_size", U32), ("order", U32), ("frac_bits", U32),
                   ("coefficients", U32), ("first", U32)])

#: One learning rule on a core (spinnc.learning), of two kinds.  A rule that
#: learns (``kind`` a rule's code, PES 1) holds a learned connection's weights
#: on a member: ``rows`` (the connection's size_out) x n_neurons at element
#: ``weights`` of the weights (s24.39), learned from the error in member input
#: dimensions ``error ..``, with its activity trace at word ``trace`` of the
#: traces, the rate as a mantissa and two shifts, the trace's filter (``spike``
#: per spike, ``decay`` s1.30; the trace and ``spike`` have ``trace_frac``
#: fractional bits) and its weights' recording period.  A
#: rule of kind 0 *derives* rows from an earlier learning rule ``source`` of
#: the same member: ``transform`` (rows x the source's rows, s16.15, from word
#: ``transform`` of the transforms) times the source's decoded sums.  Either
#: kind with ``decoded`` 1 writes its rows into the member's decoded rows from
#: ``row`` (the sent rows, then the probe rows).  BCM (3) and Oja (4) learn
#: weights as PES does, from the post's activities in the member input
#: dimensions ``error ..`` (BCM: then theta); Oja forgets by ``forget`` (a
#: mantissa) and ``forget_shift`` (spinnc.learning.oja).
LEARNING_RULE = np.dtype([("member", U32), ("kind", U32), ("row", U32), ("rows", U32),
                          ("decoded", U32), ("error", U32), ("trace", U32), ("weights", U32),
                          ("n_neurons", U32), ("rate", I32), ("rate_shift", U32),
                          ("delta_shift", U32), ("spike", I32), ("decay", I32),
                          ("weights_every", U32), ("source", U32), ("transform", U32),
                          ("forget", I32), ("forget_shift", U32),
                          ("trace_every", U32), ("inputs_every", U32), ("first", U32),
                          ("trace_frac", U32)])


class Region:
    """Region ids and layouts (one per id; populations take ids from 16)."""

    SYSTEM = 0
    OUTPUT_KEYS = 1
    INPUT_KEYS = 2
    FILTERS = 3
    INDEX_MAP = 4
    VALUES = 5
    WEIGHTS = 7
    PLAYBACK = 8  # a value source's packets of every tick of its period
    LEARNING = 9  # an ensemble core's learning rules, traces and learned weights
    #: an ensemble core of a cluster sharing one filtered input: the core of
    #: its chip whose region holds the input (two ticks' of ``dims`` words),
    #: the block ``first:first + width`` it filters, and (on that core) the input
    INPUT_SHARE = 10
    #: an ensemble core of a cluster adding its partial sums: the core whose
    #: region holds them (two ticks' of ``cores`` x ``rows`` words), which of
    #: the ``cores`` it is, and the rows ``first:first + width`` it adds and sends
    OUTPUT_SHARE = 11
    #: a profiled core (the ``profile`` setting): its runtime writes the cycles
    #: of each of its first ``ticks`` ticks after its provenance block
    #: (spinnc.recording.provenance_bytes)
    PROFILE = 12
    POPULATION = 16  # + member index

    LAYOUTS = {
        SYSTEM: Layout("system", _header("application", "timestep_us", "n_steps",
                                         "n_members")),
        OUTPUT_KEYS: Layout("output keys", _header("n_nets"),
                            (("nets", OUTPUT_KEY, ("n_nets",)),)),
        INPUT_KEYS: Layout("input keys", _header("n_entries"),
                           (("entries", INPUT_KEY, ("n_entries",)),)),
        FILTERS: Layout("filters", _header("n_filters", "n_coefficients"),
                        (("filters", FILTER, ("n_filters",)),
                         ("coefficients", I32, ("n_coefficients",)))),
        INDEX_MAP: Layout("index map", _header("length"), (("indices", U32, ("length",)),)),
        VALUES: Layout("values", _header("dims", "period"),
                       (("values", I32, ("period", "dims")),)),
        WEIGHTS: Layout("weights", _header("rows", "cols"),
                        (("weights", I32, ("rows", "cols")),)),
        PLAYBACK: Layout("playback", _header("rows", "period"),
                         (("payloads", I32, ("period", "rows")),)),
        # The 64-bit weights first, at a multiple of 8 bytes from the region's start.
        LEARNING: Layout("learning", _header("n_rules", "n_traces", "n_weights",
                                             "n_transforms"),
                         (("weights", I64, ("n_weights",)),
                          ("rules", LEARNING_RULE, ("n_rules",)),
                          ("traces", I32, ("n_traces",)),
                          ("transforms", I32, ("n_transforms",)))),
        INPUT_SHARE: Layout("input share", _header("lead_core", "dims", "first", "width",
                                                   "n_buffer"),
                            (("buffer", I32, ("n_buffer",)),)),
        OUTPUT_SHARE: Layout("output share", _header("lead_core", "rows", "first", "width",
                                                     "cores", "index", "n_buffer"),
                             (("buffer", I32, ("n_buffer",)),)),
        PROFILE: Layout("profile", _header("ticks")),
        POPULATION: None,  # LIF's; see population_layout
    }

    @classmethod
    def layout(cls, region_id: int) -> Layout:
        """The layout that reads region ``region_id`` (a population's follows
        its model code)."""
        return POPULATION_REGION if region_id >= cls.POPULATION else cls.LAYOUTS[region_id]


# -- populations: a model code, the model's constants and state, what is recorded -----

#: The words every population region starts with, whatever its neuron model.
POPULATION_HEAD = (("model", U32), ("n_neurons", U32), ("input_dims", U32),
                   ("output_dims", U32), ("probe_dims", U32))


def recorded_fields(model: neurons.NeuronModel) -> tuple[str, ...]:
    """The recording periods (0: not recorded) of a population of ``model``:
    its spikes, each of the model's probes, its probes' decoded values (the
    ``probe_dims`` rows of ``probe_decoders``) and its neurons' input currents."""
    return (("spikes_every",) + tuple(f"{probe}_every" for probe in model.probes)
            + ("decoded_every", "input_every"))


@lru_cache(maxsize=None)
def population_layout(model: neurons.NeuronModel) -> Layout:
    """The POPULATION region of ``model``'s neurons: the model code and sizes,
    the model's constants (one word each: a count unsigned, a fixed-point
    constant signed), the recording periods (:func:`recorded_fields`); then encoders, bias and gains,
    the model's state (a word per neuron per variable), the decoders of the
    rows it sends (``output_dims``) and those of the rows it only records
    (``probe_dims``: its value probes' decoded values)."""
    constants = [(v.name, U32 if v.fmt is None else I32) for v in model.constants]
    header = np.dtype(list(POPULATION_HEAD) + constants
                      + [(f, U32) for f in recorded_fields(model)])
    state = tuple((v.name, I32, ("n_neurons",)) for v in model.state)
    return Layout(f"population ({model.name})", header,
                  (("encoders", I32, ("n_neurons", "input_dims")), ("bias", I32, ("n_neurons",)),
                   ("gain", I32, ("n_neurons",)))  # gain scales inputs into the neurons
                  + state + (("decoders", I32, ("output_dims", "n_neurons")),
                             ("probe_decoders", I32, ("probe_dims", "n_neurons"))))


class _PopulationRegion:
    """Reads a population region by the layout of the model its first word names."""

    name = "population"

    def unpack(self, data: bytes) -> tuple[dict, dict]:
        if len(data) < 4:
            raise ValueError(f"population region: {len(data)} bytes, no model code")
        code = int(np.frombuffer(data, dtype=U32, count=1)[0])
        try:
            model = neurons.model_by_code(code)
        except KeyError as e:
            raise ValueError(f"population region: {e.args[0]}") from None
        return population_layout(model).unpack(data)


POPULATION_REGION = _PopulationRegion()
Region.LAYOUTS[Region.POPULATION] = population_layout(neurons.model_named("LIF"))


# -- the region table -----------------------------------------------------------------

TABLE_HEADER = np.dtype([("magic", U32), ("version", U32), ("count", U32)])
TABLE_ENTRY = np.dtype([("id", U32), ("offset", U32), ("length", U32)])


def pack_regions(regions: dict[int, bytes]) -> bytes:
    """A region table followed by the regions."""
    table = np.zeros(len(regions), dtype=TABLE_ENTRY)
    offset = TABLE_HEADER.itemsize + TABLE_ENTRY.itemsize * len(regions)
    for row, (region_id, data) in zip(table, regions.items()):
        row["id"], row["offset"], row["length"] = region_id, offset, len(data)
        offset += len(data)
    header = np.array((MAGIC, VERSION, len(regions)), dtype=TABLE_HEADER)
    return header.tobytes() + table.tobytes() + b"".join(regions.values())


def unpack_regions(blob: bytes) -> dict[int, bytes]:
    """The regions of a core's data by id; ValueError if the table is broken."""
    if len(blob) < TABLE_HEADER.itemsize:
        raise ValueError(f"region data of {len(blob)} bytes has no region table")
    header = np.frombuffer(blob, dtype=TABLE_HEADER, count=1)[0]
    if header["magic"] != MAGIC or header["version"] != VERSION:
        raise ValueError(f"region data has magic {int(header['magic']):#010x} version "
                         f"{int(header['version'])}; expected {MAGIC:#010x} version {VERSION}")
    count = int(header["count"])
    end_of_table = TABLE_HEADER.itemsize + TABLE_ENTRY.itemsize * count
    if end_of_table > len(blob):
        raise ValueError(f"region table of {count} entries runs past {len(blob)} bytes")
    table = np.frombuffer(blob, dtype=TABLE_ENTRY, count=count, offset=TABLE_HEADER.itemsize)
    regions = {}
    for entry in table:
        start, length = int(entry["offset"]), int(entry["length"])
        if start < end_of_table or start + length > len(blob):
            raise ValueError(f"region {int(entry['id'])} at {start}+{length} is outside "
                             f"the {len(blob)} bytes of data")
        regions[int(entry["id"])] = blob[start:start + length]
    return regions


def read_regions(blob: bytes) -> dict[int, tuple[dict, dict]]:
    """Every region of a core's data, unpacked: id -> (header, arrays)."""
    return {rid: Region.layout(rid).unpack(data) for rid, data in unpack_regions(blob).items()}
