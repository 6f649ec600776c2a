"""The ensemble application: population slices of spiking neurons.

Per tick a core filters its inputs, encodes each member's input (encoders x
gain + bias), updates its neurons with their model's step
(:mod:`spinnc.neurons`), decodes the spikes into one partial sum per output
dimension and sends them; it records spikes, the neurons' input currents, the
neuron models' probeable state and, in the tick it decodes them, the partial
sums of the value probes it feeds (its ``probe_decoders`` rows: sent nowhere,
the host adds the cores' parts and applies the probe's synapse, so a probe
shows each tick's value in that tick, as nengo's does).  One POPULATION
region per member (ids from ``Region.POPULATION``): its model code,
constants and state, and a recording period per recordable thing
(``spikes_every``, ``<probe>_every`` for each of the model's probes,
``decoded_every``, ``input_every``; 0 when not recorded).
"""

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .. import costs, learning, neurons
from ..frontend.graph import LearnedEncoders
from ..learning import voja
from ..regions import LEARNING_RULE, Region, population_layout
from . import Application, CoreLoad, CoreRecording, MemberLoad, key_entries, register
from ._writing import filter_dims, held_dims, inputs, output_keys, system


def probe_edges(graph, population: str) -> list:
    """The connections from ``population`` into value probes, in Graph order:
    its cores decode a block of probe rows for each (their weights)."""
    return [c for c in graph.outgoing(population) if c.target == "probe"]


def encodes_only(graph, name: str) -> bool:
    """Whether the cores of population ``name`` need only the input
    dimensions their own neurons encode (:func:`encoded_dims`): they receive
    only those rows (spinnc.mapper.partition) and hold only those
    dimensions, which for rows into single neurons (a learned full matrix,
    a weight solver's) saves most of the filtering and encoding.  Not a
    population sharing its input, or one whose learning rules read
    dimensions of zero encoders."""
    pop = graph.populations.get(name)
    return (pop is not None and not pop.input_slices and not pop.encoder_learning
            and not any(c.learned is not None for c in graph.outgoing(name)))


def encoded_dims(graph, name: str, lo: int, hi: int) -> np.ndarray:
    """The input dimensions neurons ``lo:hi`` of population ``name`` encode
    (a non-zero encoder), ascending."""
    return np.flatnonzero(np.asarray(graph.populations[name].encoders)[lo:hi].any(axis=0))


def recording_period(graph, name: str) -> int:
    """Ticks between a value probe's recorded rows: every tick when the host
    filters what the cores record (a synapse on an edge into it, or the
    probe's own), else its ``sample_every``."""
    probe = graph.probes[name]
    edges = graph.incoming(name, probe=True)
    if probe.host_synapse is not None or any(e.synapse is not None for e in edges):
        return 1
    return probe.sample_every


def _populations(regions: dict):
    """(member, header, arrays) of each POPULATION region, in member order."""
    return [(rid - Region.POPULATION, h, a) for rid, (h, a) in sorted(regions.items())
            if rid >= Region.POPULATION]


def input_share(regions: dict) -> dict:
    """A core's INPUT_SHARE header ({} when it filters all of its input)."""
    return dict(regions.get(Region.INPUT_SHARE, ({}, {}))[0])


def _rules(regions: dict) -> list:
    """The records of a core's learning rules (none without a LEARNING region)."""
    return list(regions.get(Region.LEARNING, ({}, {}))[1].get("rules", []))


def _rule_weights(arrays: dict, rule) -> np.ndarray:
    """A rule's learned weights (rows x neurons, int64 s24.39), a copy."""
    if not rule["kind"]:
        return None
    rows, n, at = int(rule["rows"]), int(rule["n_neurons"]), int(rule["weights"])
    shape = (n, rows) if rule["kind"] == voja.Voja.code else (rows, n)  # encoders: by neuron
    return np.array(arrays["weights"][at:at + rows * n], dtype=np.int64).reshape(shape)


def learned_words(arrays: dict, index: int) -> np.ndarray:
    """Rule ``index``'s learned values in a LEARNING region's ``arrays``, as
    its recording holds them (s16.15 words: weights by row, encoders by
    neuron)."""
    rule = arrays["rules"][index]
    values = _rule_weights(arrays, rule)
    if rule["kind"] == voja.Voja.code:
        return voja.words(values).ravel()
    return learning.recorded(values).ravel()


def _rule_transform(arrays: dict, rule, rules) -> np.ndarray | None:
    """A derived rule's transform (rows x its source's rows, s16.15), else None."""
    if rule["kind"]:
        return None
    rows, cols, at = int(rule["rows"]), int(rules[rule["source"]]["rows"]), int(rule["transform"])
    return np.array(arrays["transforms"][at:at + rows * cols], dtype=np.int64).reshape(rows, cols)


def _rule_trace(arrays: dict, rule) -> np.ndarray:
    """A rule's activity trace (s16.15 words), a copy."""
    if not rule["kind"]:
        return None
    at, n = int(rule["trace"]), int(rule["n_neurons"])
    words = 2 * n if rule["kind"] == voja.Voja.code else n  # Voja's: then the scales
    return np.array(arrays["traces"][at:at + words], dtype=np.int64)


@dataclass
class PlannedRule:
    """A learning rule of a member.  A *learning* one (``source`` None) holds
    the weights of ``learned`` (a :class:`~spinnc.frontend.graph.Learned`)
    and decodes them into row ``row`` when an edge sends or probes them as
    they are; a *derived* one decodes ``edge``'s rows, ``learned.transform``
    times the rows of learning rule ``source`` (an index on the core).
    ``row`` is the first of the member's decoded rows (sent, then probe rows)
    it writes, None for none; ``probes`` are the weights probes recording it,
    ``rule_probes`` the probes of its trace and inputs (Graph kinds
    ``trace`` and ``inputs``)."""

    member: int
    learned: object  # a Learned, or a LearnedEncoders (a rule learning encoders)
    row: int | None = None
    source: int | None = None
    edge: object = None
    probes: list = field(default_factory=list)
    rule_probes: list = field(default_factory=list)


def planned_rules(graph, groups, nets, slices) -> list[PlannedRule]:
    """The learning rules of a core (``nets``: the nets out of it, in order),
    in the order of its LEARNING region: per member, a learning rule per
    learned connection it holds, then a derived rule per learned edge it
    decodes (its sent edges, then its probe edges, in row order) that is
    not the connection's own rows."""
    rules = []
    for m, s in enumerate(slices):
        # (edge, its rows here, whether they continue its rows in the net before)
        decoded = ([(groups[s.obj][net.group].connections[0], net.size,
                     net.rows is not None and net.rows[0] > 0) for net in nets
                    if net.pre == s.obj]
                   + [(c, c.size_out, False) for c in probe_edges(graph, s.obj)])
        probes = [c for c in graph.outgoing(s.obj) if c.target == "weights"]
        learning, derived, row = {}, [], 0

        def learner(learned):
            if learned.rule_name not in learning:
                learning[learned.rule_name] = PlannedRule(m, learned)
            return learning[learned.rule_name]

        for edge, rows, continues in decoded:
            if edge.learned is not None and not continues:  # (its rows in one run)
                own = learner(edge.learned)
                if own.row is None and _is_identity(edge.learned.transform):
                    own.row = row
                else:
                    derived.append(PlannedRule(m, edge.learned, row, own, edge))
            row += rows
        for probe in probes:  # (an edge that only keeps its rule running records nothing)
            rule = learner(probe.learned)
            if probe.post in graph.probes:
                rule.probes.append(probe.post)
        for rule in graph.populations[s.obj].encoder_learning:  # one at most (builder)
            learning[rule.rule_name] = PlannedRule(m, rule, probes=[
                name for name, p in graph.probes.items()
                if p.kind == "encoders" and p.target == s.obj])
        copy_of = graph.populations[s.obj].copy_of  # a copy learns a block of rows
        for rule in learning.values():
            # its trace: the population's own; its inputs: each copy records its rows'
            rule.rule_probes = [name for name, p in graph.probes.items()
                                if p.rule == rule.learned.rule_name and (
                                    p.target == s.obj
                                    or (p.kind == "inputs" and copy_of and p.target == copy_of))]
        first = len(rules)
        index = {id(r): first + i for i, r in enumerate(learning.values())}
        rules += list(learning.values())
        rules += [replace(r, source=index[id(r.source)]) for r in derived]
    return rules


def rule_neurons(learned, s) -> tuple[int, int]:
    """The neurons ``(lo, hi)`` of population slice ``s`` that learning rule
    ``learned`` learns from (its ``pre_neurons`` there; empty: ``lo == hi``)."""
    lo, hi = getattr(learned, "pre_neurons", None) or (s.lo, s.hi)
    lo = min(max(lo, s.lo), s.hi)
    return lo, max(lo, min(hi, s.hi))


def _is_identity(transform) -> bool:
    """Whether a fixed Graph's (s16.15) learned transform is the identity."""
    t = np.asarray(transform)
    return t.shape[0] == t.shape[1] and np.array_equal(t, np.eye(len(t)) * (1 << 15))


def _learning_records(graph, rules: list[PlannedRule], slices, decoders: list,
                      probe_rows: list) -> list:
    """(LEARNING_RULE fields, initial weights (int64), the index of the
    rule whose weights it changes too (``Learned.shares``) or None, initial
    traces or None, transform or None) of each planned rule; the learned rows
    of each member's ``decoders`` and ``probe_rows`` are zeroed (the rules
    decode them)."""
    def period(probes, kind=None):  # a recording's: the probes' common period
        every = [graph.probes[p].sample_every for p in probes
                 if kind is None or graph.probes[p].kind == kind]
        return math.gcd(*every) if every else 0

    out = []
    for r in rules:
        s, learned = slices[r.member], r.learned
        record = dict.fromkeys(LEARNING_RULE.names, 0)
        lo, hi = rule_neurons(learned, s)
        # the trace on each core, the input rows (the same on every core) on the first
        record.update(member=r.member, first=lo - s.lo, n_neurons=hi - lo,
                      trace_every=period(r.rule_probes, "trace") if hi > lo else 0,
                      inputs_every=period(r.rule_probes, "inputs") if s.lo == 0 else 0)
        every = period(r.probes)
        if isinstance(learned, LearnedEncoders):  # its signal's dimension in ``row``
            pop = graph.populations[s.obj]
            record.update(rows=learned.dims, row=learned.signal, error=learned.x,
                          weights_every=every, **learned.constants)
            traces = np.concatenate([np.zeros(s.size, np.int64), learned.scale[s.lo:s.hi]])
            out.append((record, voja.from_words(pop.encoders[s.lo:s.hi, :learned.dims]),
                        traces, None))
            continue
        rows = learned.transform.shape[0] if r.source is not None else learned.weights.shape[0]
        if r.row is not None:
            sent = decoders[r.member].shape[0]
            into, first = ((decoders[r.member], r.row) if r.row < sent
                           else (probe_rows[r.member], r.row - sent))
            into[first:first + rows] = 0
        record.update(row=r.row or 0, rows=rows, decoded=int(r.row is not None))
        if r.source is None:
            record.update(error=learned.error, weights_every=every if hi > lo else 0,
                          **learned.constants)
            initial = learning.from_decoders(learned.weights[:, lo:hi])
            if learned.shares is not None:  # another rule's weights (an earlier one's)
                initial = next(i for i, other in enumerate(rules) if other.member == r.member
                               and other.source is None
                               and other.learned.rule_name == learned.shares)
            out.append((record, initial, np.zeros(hi - lo, np.int64), None))
        else:
            record.update(kind=0, source=r.source)
            out.append((record, None, None, np.asarray(learned.transform)))
    return out


def _learning_region(rules: list) -> bytes:
    """The LEARNING region of a core's rules (:func:`_learning_records`)."""
    records, weights, traces, transforms = [], [], [], []
    n_traces = n_weights = n_transforms = 0
    at = {}  # rule -> its weights' first word
    for i, (record, initial, trace, transform) in enumerate(rules):
        record = dict(record)
        if isinstance(initial, int):  # it changes the weights of rule ``initial``
            record.update(trace=n_traces, weights=at[initial])
            traces.append(trace)
            n_traces += trace.size
        elif initial is not None:
            at[i] = n_weights
            record.update(trace=n_traces, weights=n_weights)
            weights.append(initial.ravel())
            traces.append(trace)
            n_traces += trace.size
            n_weights += initial.size
        else:
            record.update(transform=n_transforms)
            transforms.append(transform.ravel())
            n_transforms += transform.size
        records.append(tuple(record[f] for f in LEARNING_RULE.names))
    cat = lambda parts, dtype: (np.concatenate(parts).astype(dtype) if parts
                                else np.zeros(0, dtype))
    return Region.LAYOUTS[Region.LEARNING].pack(
        dict(n_rules=len(records), n_traces=n_traces, n_weights=n_weights,
             n_transforms=n_transforms),
        weights=cat(weights, np.int64), rules=np.array(records, dtype=LEARNING_RULE),
        traces=cat(traces, np.int32), transforms=cat(transforms, np.int32))


def _cluster_lead(context, vertex) -> int:
    """The first vertex of ``vertex``'s cluster (:mod:`spinnc.mapper.clusters`),
    whose region holds what the cluster shares, checked to be on one chip."""
    partition, placements = context.partition, context.placements
    (s,) = vertex.slices
    cluster = [v for v in partition.vertices_of[s.obj]
               if partition.vertices[v].cluster == vertex.cluster]
    if placements is None or len({placements.chip(v) for v in cluster}) != 1:
        raise ValueError(f"the cores of a cluster of '{s.obj}' are not placed on one chip "
                         "(place them with spinnc.mapper.place)")
    return cluster[0]


def _input_share(context, index: int, vertex) -> bytes:
    """The INPUT_SHARE region of a core of a cluster sharing its input: its
    cluster's first core holds the input, two ticks' of words (zero when
    loaded)."""
    lead = _cluster_lead(context, vertex)
    dims = context.graph.populations[vertex.slices[0].obj].dimensions
    lo, hi = vertex.input_block
    n_buffer = 2 * dims if index == lead else 0
    return Region.LAYOUTS[Region.INPUT_SHARE].pack(
        dict(lead_core=int(context.placements.core[lead]), dims=dims, first=lo,
             width=hi - lo, n_buffer=n_buffer), buffer=np.zeros(n_buffer, dtype=np.int32))


def _cluster_rows(groups) -> list:
    """A population's connection groups in the order its cluster adds their
    sums: by the core that sends them, then in order (each core's a run)."""
    return sorted(groups, key=lambda g: g.sent_by)  # stable: in order within a core's


def _output_share(context, index: int, vertex, decoded) -> bytes:
    """The OUTPUT_SHARE region of a core of a cluster adding its partial
    sums (``decoded``: its groups in the cluster's order): the cluster's
    first core holds two ticks' of every core's sums (zero when loaded)."""
    lead = _cluster_lead(context, vertex)
    cores = context.graph.populations[vertex.slices[0].obj].cluster
    j = vertex.cluster_index
    rows = sum(g.size for g in decoded)
    first = sum(g.size for g in decoded if g.sent_by < j)
    width = sum(g.size for g in decoded if g.sent_by == j)
    n_buffer = 2 * cores * rows if index == lead else 0
    return Region.LAYOUTS[Region.OUTPUT_SHARE].pack(
        dict(lead_core=int(context.placements.core[lead]), rows=rows, first=first,
             width=width, cores=cores, index=j, n_buffer=n_buffer),
        buffer=np.zeros(n_buffer, dtype=np.int32))


class Ensemble(Application):
    name = "ensemble"
    code = 1

    def member_cycles(self, m: MemberLoad):
        return (costs.ensemble_cycles(m.neurons, m.input_dims, m.output_dims, m.filters,
                                      m.recorded_words, m.model, m.spikes,
                                      m.later_spikes, m.probe_dims)
                + costs.learning_cycles(m.neurons, m.learned_rows, m.learning_rules,
                                        m.spikes, m.model, m.derived_products,
                                        m.learned_updates)
                + costs.share_cycles(m.shared_dims, m.own_dims)
                + costs.sums_cycles(m.output_dims, m.sum_cores, m.sent_rows))

    def member_dtcm(self, m: MemberLoad):
        return (costs.ensemble_dtcm(m.neurons, m.input_dims, m.output_dims, m.filters,
                                    m.recorded_words, m.model, m.probe_dims)
                + costs.learning_dtcm(m.neurons, m.learned_rows, m.learning_rules)
                + costs.WORD * m.shared_dims)  # the shared input, copied

    def cycles(self, load: CoreLoad):
        """Its members (nengo_spinnaker's ensemble model, which includes
        sending the decoded values) and the packets it receives."""
        return (sum(self.member_cycles(m) for m in load.members)
                + costs.receive_cycles(load.received_packets, load.key_entries))

    def dtcm(self, load: CoreLoad):
        return (sum(self.member_dtcm(m) for m in load.members)
                + costs.KEY_ENTRY_BYTES * load.key_entries)

    def load(self, regions, host_spec=None) -> CoreLoad:
        filters = filter_dims(regions)
        rules = _rules(regions)
        share = input_share(regions)
        sums = dict(regions.get(Region.OUTPUT_SHARE, ({}, {}))[0])
        return CoreLoad([MemberLoad(int(h["n_neurons"]), int(h["input_dims"]),
                                    int(h["output_dims"]), int(h["probe_dims"]),
                                    filters.get(m, []), model=neurons.model_by_code(h["model"]),
                                    learned_rows=sum(int(r["rows"]) for r in rules
                                                     if r["member"] == m and r["kind"]),
                                    learned_updates=sum(
                                        int(r["rows"]) * learning.rule_of_code(r["kind"])
                                        .weight_passes
                                        for r in rules if r["member"] == m and r["kind"]),
                                    learning_rules=sum(1 for r in rules
                                                       if r["member"] == m and r["kind"]),
                                    derived_products=sum(
                                        int(r["rows"]) * int(rules[r["source"]]["rows"])
                                        for r in rules if r["member"] == m and not r["kind"]),
                                    shared_dims=int(share.get("dims", 0)),
                                    own_dims=int(share.get("width", 0)),
                                    sum_cores=int(sums.get("cores", 0)),
                                    sent_rows=int(sums.get("width", 0)))
                         for m, h, _ in _populations(regions)],
                        key_entries=key_entries(regions))

    def input_members(self, regions, host_spec=None):
        """Each member's filtered input: all of it, or its block of a shared one."""
        share = input_share(regions)
        return [(m, int(share.get("width", h["input_dims"])))
                for m, h, _ in _populations(regions)]

    def recordings(self, regions):
        """Per member, when recorded: spikes, each of its model's probes, its
        probes' decoded values, its neurons' input currents."""
        out = []
        for m, h, _ in _populations(regions):
            model = neurons.model_by_code(h["model"])
            n = int(h["n_neurons"])
            if h["spikes_every"]:
                out.append(CoreRecording("spikes", m, n, int(h["spikes_every"]), "spikes"))
            for probe, variable in model.probes.items():
                every = int(h[f"{probe}_every"])
                if every:
                    out.append(CoreRecording(probe, m, n, every, variable))
            if h["decoded_every"] and h["probe_dims"]:
                out.append(CoreRecording("value", m, int(h["probe_dims"]),
                                         int(h["decoded_every"]), "decoded"))
            if h["input_every"]:
                out.append(CoreRecording("input", m, n, int(h["input_every"]), "current"))
        # Then, after every member's, each rule's learned weights, its trace
        # and its input rows, those it records (``member``: its index on the core).
        for i, r in enumerate(_rules(regions)):
            widths = {"weights": int(r["rows"]) * int(r["n_neurons"]),
                      "trace": int(r["n_neurons"]), "inputs": int(r["rows"])}
            out += [CoreRecording(kind, i, width, int(r[f"{kind}_every"]), kind)
                    for kind, width in widths.items() if r[f"{kind}_every"]]
        return out

    def write(self, context, index, vertex):
        graph, groups = context.graph, context.partition.groups
        regions = {Region.SYSTEM: system(context, vertex, len(vertex.slices), self.code)}
        members = {s.obj: m for m, s in enumerate(vertex.slices)}
        regions[Region.OUTPUT_KEYS] = output_keys(context, index, lambda net: members[net.pre])
        block = vertex.input_block
        # Each member's input dimensions: those its neurons need, or all (or its block)
        held = {s.obj: held_dims(context, index, vertex, s, encoded_dims(graph, s.obj, s.lo, s.hi))
                for s in vertex.slices if encodes_only(graph, s.obj)}

        def member_map(s):
            if s.obj not in held:
                return None
            out = np.full(graph.populations[s.obj].dimensions, -1)
            out[held[s.obj]] = np.arange(len(held[s.obj]))
            return out

        regions.update(inputs(context, index, vertex,
                              lambda s: (graph.populations[s.obj].dimensions if block is None
                                         else block[1] - block[0]), member_map=member_map))
        if block is not None:
            regions[Region.INPUT_SHARE] = _input_share(context, index, vertex)
        nets = context.nets_from(index)
        decoders, probe_rows = [], []
        for s in vertex.slices:
            if graph.populations[s.obj].shares_output:  # every row, in its cluster's order
                decoded = _cluster_rows(groups[s.obj])
                regions[Region.OUTPUT_SHARE] = _output_share(context, index, vertex, decoded)
                rows = [g.connections[0].weights[:, s.lo:s.hi] for g in decoded]
            else:  # each net its rows (a core sends the rows its neurons reach)
                rows = [net.rows_of(groups[s.obj][net.group].connections[0].weights)[:, s.lo:s.hi]
                        for _, net in nets if net.pre == s.obj]
            decoders.append(np.concatenate(rows) if rows
                            else np.zeros((0, s.size), dtype=np.int32))
            probed = probe_edges(graph, s.obj)
            probe_rows.append(np.concatenate([c.weights[:, s.lo:s.hi] for c in probed])
                              if probed else np.zeros((0, s.size), dtype=np.int32))
        rules = _learning_records(graph, planned_rules(graph, groups, [n for _, n in nets],
                                                       vertex.slices),
                                  vertex.slices, decoders, probe_rows)
        for m, s in enumerate(vertex.slices):
            pop = graph.populations[s.obj]
            decoders_, probe_rows_ = decoders[m], probe_rows[m]
            # One recording per kind: at the greatest common period of the kind's
            # probes; the host takes each probe's own samples from it.
            every = {}
            for p in graph.probes.values():
                if p.target == s.obj:
                    every[p.kind] = math.gcd(every.get(p.kind, 0), p.sample_every)
            for c in probe_edges(graph, s.obj):
                every["decoded"] = math.gcd(every.get("decoded", 0),
                                            recording_period(graph, c.post))
            model = neurons.model_named(pop.model)
            recorded = {f"{kind}_every": every.get(kind, 0)
                        for kind in ("spikes", *model.probes, "decoded", "input")}
            encoders = pop.encoders[s.lo:s.hi]
            if s.obj in held:
                encoders = encoders[:, held[s.obj]]
            header = dict(model=model.code, n_neurons=s.size, input_dims=encoders.shape[1],
                          output_dims=decoders_.shape[0], probe_dims=probe_rows_.shape[0],
                          **pop.constants, **recorded)
            state = {name: words[s.lo:s.hi] for name, words in pop.state.items()}
            regions[Region.POPULATION + m] = population_layout(model).pack(
                header, encoders=encoders, bias=pop.bias[s.lo:s.hi],
                gain=pop.gain[s.lo:s.hi], decoders=decoders_, probe_decoders=probe_rows_,
                **state)
        if rules:
            regions[Region.LEARNING] = _learning_region(rules)
        return regions

    def python_kernel(self, core, engine):
        nets = core.region(Region.OUTPUT_KEYS)[1].get("nets", [])
        learned = core.regions.get(Region.LEARNING, ({}, {}))[1]
        rules = _rules(core.regions)
        for m, header, arrays in _populations(core.regions):
            slots = [s for net, s in zip(nets, core.net_slots) if int(net["member"]) == m]
            if core.index in engine.partial_slots:  # it decodes into them; its cluster sends
                slots = [engine.partial_slots[core.index]]
            own = [(i, r, _rule_weights(learned, r), _rule_trace(learned, r),
                    _rule_transform(learned, r, rules))
                   for i, r in enumerate(rules) if r["member"] == m]
            engine.add_member(core, m, header, arrays,
                              np.concatenate(slots) if slots else np.zeros(0, np.int64), own)


register(Ensemble())
