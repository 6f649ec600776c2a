"""Region-writing helpers the applications share: SYSTEM, output keys, the
input keys / filters / index map of a receiving core, and stacked weights.

``context`` is the mapper's (:class:`spinnc.mapper.regions.Context`): the
fixed-point Graph, the Partition, the keys, ``n_steps`` and the nets out of
and into each vertex.
"""

import numpy as np

from .. import costs
from ..regions import FILTER, INPUT_KEY, OUTPUT_KEY, Region


def system(context, vertex, members: int, code: int) -> bytes:
    return Region.LAYOUTS[Region.SYSTEM].pack(dict(
        application=code, timestep_us=round(context.graph.dt * 1e6),
        n_steps=context.n_steps, n_members=members))


def output_keys(context, index: int, member_of) -> bytes:
    """A row per net out of the vertex: key, mask, size and the member it
    carries (``member_of(net)``)."""
    rows = [(context.keys.keys[i], context.keys.masks[i], net.size, member_of(net))
            for i, net in context.nets_from(index)]
    return Region.LAYOUTS[Region.OUTPUT_KEYS].pack(
        dict(n_nets=len(rows)), nets=np.array(rows, dtype=OUTPUT_KEY))


def inputs(context, index: int, vertex, member_dims, probes: bool = False,
           member_map=None) -> dict[int, bytes]:
    """Input keys, filters and the index map of a receiving core.

    ``member_dims(slice)`` is a member's input width (a core sharing its
    input, :mod:`spinnc.mapper.clusters`: its block's); ``member_map(slice)``,
    if given, maps each of the member's population dimensions to its input
    (-1: not held; None: every one, less a shared input's block start: an
    ensemble core holds only the dimensions it needs, :func:`held_dims`);
    ``probes`` says the members are probes (fed by probe edges).  Each
    member's filters are its distinct synapses (value inputs) and its
    distinct (synapse, neurons) pairs (neuron inputs), as the partitioner
    costed them; a value filter covers the member dimensions its
    connections reach (:func:`filter_spans`).  An entry maps a net's
    packets to a filter; the index map says which filter dimension each
    packet dimension adds into.
    """
    graph = context.graph
    members = [s.obj for s in vertex.slices]
    # A core of a cluster sharing its input filters its block of it.
    first_dim = vertex.input_block[0] if vertex.input_block is not None else 0
    maps = [_dims_map(s, first_dim, member_dims(s), member_map) for s in vertex.slices]
    filters, filter_index, index_map, coefficients, span = [], {}, [], [], {}
    for m, s in enumerate(vertex.slices):
        into = graph.incoming(s.obj, probe=probes)
        spans = filter_spans(into, maps[m])
        for conn in into:
            key = (m, filter_key(conn))
            if key in filter_index or key[1] not in spans and conn.target != "neurons":
                continue  # (a connection into another block of a shared input)
            filter_index[key] = len(filters)
            f = conn.filter  # order, format and coefficients (frontend.synapses.Filter)
            shape = (f.order, f.frac_bits, len(coefficients))
            coefficients.extend(f.coefficients)
            if conn.target == "neurons":
                reached = conn.post_indices[(conn.post_indices >= s.lo)
                                            & (conn.post_indices < s.hi)] - s.lo
                filters.append((m, 1, 1, len(index_map), len(reached)) + shape + (0,))
                index_map.extend(reached.tolist())
            else:
                lo, hi = span[key] = spans[key[1]]
                filters.append((m, 0, hi - lo, 0, 0) + shape + (lo,))
    entries = []
    for i, net in context.nets_into(index):
        for conn_name in net.connections:
            conn = context.connections[conn_name]
            if conn.post not in members or (conn.target == "probe") != probes:
                continue  # for another sink of the net (probes have their own names)
            m = members.index(conn.post)
            if conn.target == "neurons" and not filters[filter_index[m, filter_key(conn)]][4]:
                continue  # global inhibition of neurons on other slices
            if conn.target == "neurons":
                dims_map = [0]
            else:
                held = _lookup(maps[m], net.rows_of(conn.post_indices))
                if (held < 0).all():
                    continue  # into another block of a shared input
                if (held < 0).any():
                    raise ValueError(f"core {index} receives rows of '{conn.name}' into "
                                     f"dimensions of '{conn.post}' it does not hold")
                dims_map = (held - span[m, filter_key(conn)][0]).tolist()
            entries.append((context.keys.keys[i], context.keys.masks[i], net.size, m,
                            filter_index[m, filter_key(conn)], len(index_map)))
            index_map.extend(dims_map)
    layouts = Region.LAYOUTS
    return {
        Region.INPUT_KEYS: layouts[Region.INPUT_KEYS].pack(
            dict(n_entries=len(entries)), entries=np.array(entries, dtype=INPUT_KEY)),
        Region.FILTERS: layouts[Region.FILTERS].pack(
            dict(n_filters=len(filters), n_coefficients=len(coefficients)),
            filters=np.array(filters, dtype=FILTER),
            coefficients=np.array(coefficients, dtype=np.int32)),
        Region.INDEX_MAP: layouts[Region.INDEX_MAP].pack(
            dict(length=len(index_map)), indices=np.array(index_map, dtype=np.uint32)),
    }


def _dims_map(s, first_dim: int, dims: int, member_map) -> np.ndarray:
    """Population dimension -> member input dimension (-1: not held) of
    member slice ``s`` (:func:`inputs`)."""
    held = None if member_map is None else member_map(s)
    if held is not None:
        return held
    size = max(first_dim + dims, 0)
    out = np.full(size, -1)
    out[first_dim:first_dim + dims] = np.arange(dims)
    return out


def _lookup(dims_map: np.ndarray, dims) -> np.ndarray:
    """``dims_map[dims]``, -1 beyond its end."""
    dims = np.asarray(dims)
    out = np.full(dims.shape, -1)
    inside = dims < len(dims_map)
    out[inside] = dims_map[dims[inside]]
    return out


def held_dims(context, index: int, vertex, s, encoded: np.ndarray) -> np.ndarray:
    """The population dimensions a member ``s`` of an ensemble core holds
    when it needs only those its neurons encode: ``encoded`` (sorted) and
    any a packet it receives reaches (a net's rows shared with another
    member of the core)."""
    reached = [encoded]
    for _, net in context.nets_into(index):
        for conn_name in net.connections:
            conn = context.connections[conn_name]
            if conn.post == s.obj and conn.target == "value":
                reached.append(np.asarray(net.rows_of(conn.post_indices)))
    return np.unique(np.concatenate(reached)).astype(np.int64)


def filter_spans(connections, dims_map: np.ndarray) -> dict:
    """The member input dimensions ``(lo, hi)`` that each value filter (by
    :func:`filter_key`) of ``connections`` covers: from the first to the
    last its connections reach among those the member holds (``dims_map``:
    population dimension -> member dimension, -1 not held)."""
    spans: dict = {}
    for conn in connections:
        if conn.target == "neurons":
            continue
        at = _lookup(dims_map, conn.post_indices)
        at = at[at >= 0]
        if not at.size:
            continue
        key = filter_key(conn)
        lo, hi = spans.get(key, (int(at.min()), int(at.max()) + 1))
        spans[key] = (min(lo, int(at.min())), max(hi, int(at.max()) + 1))
    return spans


def filter_key(conn):
    """Connections with equal keys share a filter of their member."""
    if conn.target == "neurons":
        return ("neurons", conn.filter, conn.post_indices.tobytes())
    return ("value", conn.filter)


def stacked_weights(context, index: int, name: str) -> np.ndarray:
    """The weights of each outgoing group of input ``name``, stacked in net
    order (rows, input ``size_out``)."""
    groups = context.partition.groups[name]
    rows = [groups[net.group].connections[0].weights for _, net in context.nets_from(index)]
    size = context.graph.inputs[name].size_out
    return np.concatenate(rows) if rows else np.zeros((0, size), dtype=np.int32)


def weights(context, index: int, name: str) -> bytes:
    """The WEIGHTS region: :func:`stacked_weights`; a host_in core computes
    each tick's packets as a fixed-point dot product with its input."""
    stacked = stacked_weights(context, index, name)
    return Region.LAYOUTS[Region.WEIGHTS].pack(dict(rows=stacked.shape[0],
                                                    cols=stacked.shape[1]), weights=stacked)


def filter_dims(regions: dict) -> dict[int, list[int]]:
    """member -> the dimensions of each of its filters, with their orders and
    formats (:class:`spinnc.costs.FilterLoad`, from FILTERS)."""
    out: dict = {}
    for f in regions.get(Region.FILTERS, ({}, {}))[1].get("filters", []):
        out.setdefault(int(f["member"]), []).append(
            costs.FilterLoad(int(f["dims"]), int(f["order"]), int(f["frac_bits"])))
    return out
