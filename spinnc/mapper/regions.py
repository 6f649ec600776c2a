"""Region data: the bytes each core's application reads, in layouts shared by writer and reader.

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

import numpy as np

from .. import fixed
from ..frontend.graph import Graph
from .keys import KeyAllocation
from .partition import Partition

MAGIC = 0x434E5053  # 'SPNC' little-endian
VERSION = 1
U32, I32 = "<u4", "<i4"


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
FILTER = np.dtype([("member", U32), ("neurons", U32), ("a", I32), ("b", I32), ("dims", U32),
                   ("map_offset", U32), ("map_size", U32)])
RECORDED_PROBE = np.dtype([("member", U32), ("dims", U32), ("sample_every", U32)])

APPLICATION_CODES = {"ensemble": 1, "value_source": 2, "recorder": 3, "host_in": 4,
                     "host_out": 5}


class Region:
    """Region ids and layouts (one per id; populations take ids from 16)."""

    SYSTEM = 0
    OUTPUT_KEYS = 1
    INPUT_KEYS = 2
    FILTERS = 3
    INDEX_MAP = 4
    VALUES = 5
    PROBES = 6
    WEIGHTS = 7
    POPULATION = 16  # + member index

    LAYOUTS = {
        SYSTEM: Layout("system", _header("application", "timestep_us", "n_steps",
                                         "n_members")),
        OUTPUT_KEYS: Layout("output keys", _header("n_nets"),
                            (("nets", OUTPUT_KEY, ("n_nets",)),)),
        INPUT_KEYS: Layout("input keys", _header("n_entries"),
                           (("entries", INPUT_KEY, ("n_entries",)),)),
        FILTERS: Layout("filters", _header("n_filters"),
                        (("filters", FILTER, ("n_filters",)),)),
        INDEX_MAP: Layout("index map", _header("length"), (("indices", U32, ("length",)),)),
        VALUES: Layout("values", _header("dims", "period"),
                       (("values", I32, ("period", "dims")),)),
        PROBES: Layout("probes", _header("n_probes"),
                       (("probes", RECORDED_PROBE, ("n_probes",)),)),
        WEIGHTS: Layout("weights", _header("rows", "cols"),
                        (("weights", I32, ("rows", "cols")),)),
        POPULATION: Layout(
            "population",
            np.dtype([(f, U32) for f in ("n_neurons", "input_dims", "output_dims")]
                     + [(f, I32) for f in ("decay", "dt_over_tau_rc", "tau_rc_ticks",
                                           "tau_ref_ticks", "min_voltage")]
                     + [(f, U32) for f in ("exp_terms", "log_terms", "spikes_every",
                                           "voltage_every")]),
            (("encoders", I32, ("n_neurons", "input_dims")), ("bias", I32, ("n_neurons",)),
             ("voltage", I32, ("n_neurons",)), ("refractory", I32, ("n_neurons",)),
             ("decoders", I32, ("output_dims", "n_neurons")))),
    }

    @classmethod
    def layout(cls, region_id: int) -> Layout:
        return cls.LAYOUTS[cls.POPULATION if region_id >= cls.POPULATION else region_id]


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


# -- writing every vertex's regions -------------------------------------------------------


def region_data(graph: Graph, partition: Partition, keys: KeyAllocation,
                n_steps: int) -> list[bytes]:
    """The region data of every vertex, by vertex index."""
    context = _Context(graph, partition, keys, n_steps)
    return [pack_regions(WRITERS[v.application](context, i, v))
            for i, v in enumerate(partition.vertices)]


class _Context:
    """What the writers share, with the nets indexed by source and by sink."""

    def __init__(self, graph: Graph, partition: Partition, keys: KeyAllocation, n_steps: int):
        self.graph, self.partition, self.keys, self.n_steps = graph, partition, keys, n_steps
        self.connections = {c.name: c for c in graph.connections}
        self._from = [[] for _ in partition.vertices]
        self._into = [[] for _ in partition.vertices]
        for i, net in enumerate(partition.nets):
            self._from[net.source].append((i, net))
            for sink in net.sinks:
                self._into[sink].append((i, net))

    def nets_from(self, vertex: int):
        return self._from[vertex]

    def nets_into(self, vertex: int):
        return self._into[vertex]


def _system(context, vertex, members) -> bytes:
    return Region.LAYOUTS[Region.SYSTEM].pack(dict(
        application=APPLICATION_CODES[vertex.application],
        timestep_us=round(context.graph.dt * 1e6), n_steps=context.n_steps,
        n_members=members))


def _output_keys(context, index, member_of) -> bytes:
    rows = [(context.keys.keys[i], context.keys.masks[i], net.size, member_of(net))
            for i, net in context.nets_from(index)]
    return Region.LAYOUTS[Region.OUTPUT_KEYS].pack(
        dict(n_nets=len(rows)), nets=np.array(rows, dtype=OUTPUT_KEY))


def _inputs(context, index, vertex) -> dict[int, bytes]:
    """Input keys, filters and the index map of a receiving core.

    Each member's filters are its distinct synapses (value inputs) and its
    distinct (synapse, neurons) pairs (neuron inputs), as the partitioner
    costed them.  An entry maps a net's packets to a filter; the index map
    says which filter dimension each packet dimension adds into.
    """
    graph = context.graph
    members = [s.obj for s in vertex.slices]
    recorder = vertex.application == "recorder"
    filters, filter_index, index_map = [], {}, []
    for m, s in enumerate(vertex.slices):
        incoming = graph.incoming(s.obj, probe=recorder)
        dims = s.size if vertex.application != "ensemble" else graph.populations[s.obj].dimensions
        for conn in incoming:
            key = (m, _filter_key(conn))
            if key in filter_index:
                continue
            filter_index[key] = len(filters)
            a, b = conn.filter
            if conn.target == "neurons":
                reached = conn.post_indices[(conn.post_indices >= s.lo)
                                            & (conn.post_indices < s.hi)] - s.lo
                filters.append((m, 1, a, b, 1, len(index_map), len(reached)))
                index_map.extend(reached.tolist())
            else:
                filters.append((m, 0, a, b, dims, 0, 0))
    entries = []
    for i, net in context.nets_into(index):
        for conn_name in net.connections:
            conn = context.connections[conn_name]
            if conn.post not in members or (conn.target == "probe") != recorder:
                continue  # for another sink of the net (probes have their own names)
            m = members.index(conn.post)
            if conn.target == "neurons" and not filters[filter_index[m, _filter_key(conn)]][6]:
                continue  # global inhibition of neurons on other slices
            dims_map = [0] if conn.target == "neurons" else conn.post_indices.tolist()
            entries.append((context.keys.keys[i], context.keys.masks[i], net.size, m,
                            filter_index[m, _filter_key(conn)], len(index_map)))
            index_map.extend(dims_map)
    layouts = Region.LAYOUTS
    return {
        Region.INPUT_KEYS: layouts[Region.INPUT_KEYS].pack(
            dict(n_entries=len(entries)), entries=np.array(entries, dtype=INPUT_KEY)),
        Region.FILTERS: layouts[Region.FILTERS].pack(
            dict(n_filters=len(filters)), filters=np.array(filters, dtype=FILTER)),
        Region.INDEX_MAP: layouts[Region.INDEX_MAP].pack(
            dict(length=len(index_map)), indices=np.array(index_map, dtype=np.uint32)),
    }


def _filter_key(conn):
    if conn.target == "neurons":
        return ("neurons", conn.filter, conn.post_indices.tobytes())
    return ("value", conn.filter)


def _ensemble(context: _Context, index: int, vertex) -> dict[int, bytes]:
    graph, groups = context.graph, context.partition.groups
    regions = {Region.SYSTEM: _system(context, vertex, len(vertex.slices))}
    members = {s.obj: m for m, s in enumerate(vertex.slices)}
    regions[Region.OUTPUT_KEYS] = _output_keys(
        context, index, lambda net: members[net.pre])
    regions.update(_inputs(context, index, vertex))
    nets = context.nets_from(index)
    for m, s in enumerate(vertex.slices):
        pop = graph.populations[s.obj]
        rows = [groups[s.obj][net.group].connections[0].weights[:, s.lo:s.hi]
                for _, net in nets if net.pre == s.obj]
        decoders = np.concatenate(rows) if rows else np.zeros((0, s.size), dtype=np.int32)
        every = {p.kind: p.sample_every for p in graph.probes.values() if p.target == s.obj}
        lif = pop.lif
        header = dict(n_neurons=s.size, input_dims=pop.dimensions,
                      output_dims=decoders.shape[0], decay=lif.decay,
                      dt_over_tau_rc=lif.dt_over_tau_rc, tau_rc_ticks=lif.tau_rc_ticks,
                      tau_ref_ticks=lif.tau_ref_ticks, min_voltage=lif.min_voltage,
                      exp_terms=lif.exp_terms, log_terms=lif.log_terms,
                      spikes_every=every.get("spikes", 0), voltage_every=every.get("voltage", 0))
        regions[Region.POPULATION + m] = Region.LAYOUTS[Region.POPULATION].pack(
            header, encoders=pop.encoders[s.lo:s.hi], bias=pop.bias[s.lo:s.hi],
            voltage=pop.initial_voltage[s.lo:s.hi], refractory=pop.initial_refractory[s.lo:s.hi],
            decoders=decoders)
    return regions


def _weights(context: _Context, index: int, name: str) -> bytes:
    """The weights of each outgoing group, stacked in net order: the core
    computes each tick's packets as a fixed-point dot product with its input."""
    groups = context.partition.groups[name]
    rows = [groups[net.group].connections[0].weights for _, net in context.nets_from(index)]
    size = context.graph.inputs[name].size_out
    weights = np.concatenate(rows) if rows else np.zeros((0, size), dtype=np.int32)
    return Region.LAYOUTS[Region.WEIGHTS].pack(dict(rows=weights.shape[0], cols=size),
                                               weights=weights)


def _value_source(context: _Context, index: int, vertex) -> dict[int, bytes]:
    """Played-back inputs: the input's values for every step (one row for a
    constant), and the weights of the groups out of it."""
    name = vertex.slices[0].obj
    inp = context.graph.inputs[name]
    if inp.kind == "time":
        raw = fixed.quantise(inp.samples(context.n_steps, context.graph.dt),
                             what=f"input '{name}' values", hint="Scale the input down")
    else:
        raw = inp.value[None, :]
    return {
        Region.SYSTEM: _system(context, vertex, 1),
        Region.OUTPUT_KEYS: _output_keys(context, index, lambda net: 0),
        Region.VALUES: Region.LAYOUTS[Region.VALUES].pack(
            dict(dims=raw.shape[1], period=raw.shape[0]), values=raw),
        Region.WEIGHTS: _weights(context, index, name),
    }


def _recorder(context: _Context, index: int, vertex) -> dict[int, bytes]:
    probes = [(m, s.size, context.graph.probes[s.obj].sample_every)
              for m, s in enumerate(vertex.slices)]
    regions = {Region.SYSTEM: _system(context, vertex, len(probes))}
    regions.update(_inputs(context, index, vertex))
    regions[Region.PROBES] = Region.LAYOUTS[Region.PROBES].pack(
        dict(n_probes=len(probes)), probes=np.array(probes, dtype=RECORDED_PROBE))
    return regions


def _host_in(context: _Context, index: int, vertex) -> dict[int, bytes]:
    """The host sends the function's output each tick; the core applies the
    groups' weights and sends the packets."""
    return {Region.SYSTEM: _system(context, vertex, 1),
            Region.OUTPUT_KEYS: _output_keys(context, index, lambda net: 0),
            Region.WEIGHTS: _weights(context, index, vertex.slices[0].obj)}


def _host_out(context: _Context, index: int, vertex) -> dict[int, bytes]:
    regions = {Region.SYSTEM: _system(context, vertex, 1)}
    regions.update(_inputs(context, index, vertex))
    return regions


#: Region writers by application (one registry, as nengo's builder does).
WRITERS = {"ensemble": _ensemble, "value_source": _value_source, "recorder": _recorder,
           "host_in": _host_in, "host_out": _host_out}
