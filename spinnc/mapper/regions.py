"""Region data writers: each vertex's regions, from the fixed-point Graph,
the partition and the keys, in the format of :mod:`spinnc.regions`."""

import math

import numpy as np

from .. import fixed, neurons
from ..frontend.graph import Graph
from ..regions import (APPLICATION_CODES, FILTER, INPUT_KEY, OUTPUT_KEY, RECORDED_PROBE,
                       Region, pack_regions, population_layout)
from .keys import KeyAllocation
from .partition import Partition


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
        # One recording per kind: at the greatest common period of the kind's
        # probes; the host takes each probe's own samples from it.
        every = {}
        for p in graph.probes.values():
            if p.target == s.obj:
                every[p.kind] = math.gcd(every.get(p.kind, 0), p.sample_every)
        model = neurons.model_named(pop.model)
        header = dict(model=model.code, n_neurons=s.size, input_dims=pop.dimensions,
                      output_dims=decoders.shape[0], **pop.constants,
                      spikes_every=every.get("spikes", 0), voltage_every=every.get("voltage", 0))
        state = {name: words[s.lo:s.hi] for name, words in pop.state.items()}
        regions[Region.POPULATION + m] = population_layout(model).pack(
            header, encoders=pop.encoders[s.lo:s.hi], bias=pop.bias[s.lo:s.hi],
            gain=pop.gain[s.lo:s.hi], decoders=decoders, **state)
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
