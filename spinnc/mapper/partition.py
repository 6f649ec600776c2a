"""Partitioning: the fixed-point Graph to per-core vertices and the nets between them.

Each population is split into the fewest slices of neurons whose cores stay
within the cycle and DTCM budgets (the cost model in :mod:`.costs`).  A split
ensemble decodes with partial sums: every slice sends its own contribution to
every output dimension, and receivers add the packets.  Small populations that
were not split share a core when their sum fits.  A value probe costs the
cores of the populations that feed it: they decode its rows and record them
(no packets, no recorder core; nodes' parts are the host's).  Constant and
time inputs are played from SDRAM by value source cores; host functions talk
to the board through host_in / host_out cores; an interposer (a passthrough
node kept on a core) is a core each.

Connections from one source that carry the same values (equal weights) form
one *connection group*: its packets are sent once and every receiver maps
them to its own filter.  A net is one group of one source vertex.  Probe
edges are in no group: nothing is sent for them.
"""

import warnings
from dataclasses import dataclass, field
from math import ceil

import numpy as np

from ..errors import DoesNotFit, describe
from ..frontend.graph import Connection, Graph
from ..machine import Machine
from .. import apps, costs, learning, neurons
from ..apps import CoreLoad, MemberLoad
from ..apps._writing import filter_spans
from ..apps.ensemble import encodes_only, probe_edges, recording_period
from .vertices import Net, Resources, Slice, Vertex


@dataclass
class Group:
    """Connections from one source that share their values (and packets)."""

    pre: str
    size: int
    connections: list[Connection] = field(default_factory=list)

    @property
    def sent_by(self) -> int:
        """The core of each cluster that sends it (-1: every core of its pre)."""
        return self.connections[0].sent_by


@dataclass
class Partition:
    """The partitioner's output."""

    vertices: list[Vertex]
    nets: list[Net]
    groups: dict[str, list[Group]]  # source object -> its groups (net.group indexes)
    vertices_of: dict[str, list[int]]  # population or input -> vertex indices

    def summary(self) -> str:
        from ..table import format_table

        rows = [(i, v.name, v.application, v.neurons, v.input_dims, v.output_dims,
                 v.resources.cycles, v.resources.dtcm, v.resources.sdram)
                for i, v in enumerate(self.vertices)]
        return format_table(("vertex", "name", "application", "neurons", "in dims",
                             "out dims", "cycles/tick", "DTCM B", "SDRAM B"), rows,
                            f"Partition: {len(self.vertices)} vertices, {len(self.nets)} nets")


def connection_groups(graph: Graph) -> dict[str, list[Group]]:
    """Group each source's connections by equal weights (probe edges are
    recorded where they are decoded, not sent: in no group)."""
    groups: dict[str, dict] = {}
    for conn in graph.connections:
        if conn.target in ("probe", "weights"):
            continue
        # A learned connection's weights change on its own: in no shared group.
        key = ((conn.weights.shape, conn.weights.tobytes(), conn.sent_by)
               if conn.learned is None else ("learned", conn.name))
        by_weights = groups.setdefault(conn.pre, {})
        group = by_weights.setdefault(key, Group(conn.pre, conn.weights.shape[0]))
        group.connections.append(conn)
    return {pre: list(g.values()) for pre, g in groups.items()}


@dataclass
class _Demand:
    """What one population needs per core, as functions of its neuron count."""

    name: str
    neurons: int
    input_dims: int
    output_dims: int
    filters: list[int]  # dimensions of each input filter
    recorded_words: callable  # neurons -> words recorded per tick
    recorded_bytes_per_step: callable  # neurons -> SDRAM bytes per step
    model: neurons.NeuronModel | None = None  # its neuron model's costs (LIF's if None)
    probe_dims: int = 0  # rows decoded and recorded for value probes
    learned_rows: int = 0  # rows its learning rules change (at most)
    learning_rules: int = 0
    learned_updates: int = 0  # rows its rules pass over per tick (Oja twice)
    cores: int = 0  # cores a cluster of it has (0: no clusters; mapper.clusters)
    blocks: tuple = ()  # its input blocks when its cores share their input
    sent_rows: int = 0  # rows a core sends when its cluster adds their sums (0: all)
    #: when its cores hold only the dimensions their neurons encode and some
    #: dimensions are one neuron's alone (rows into single neurons): (the
    #: dimensions several neurons encode, the most one neuron has alone)
    encoded: tuple[int, int] | None = None

    @property
    def cluster(self) -> int:
        """Cores a cluster of it has (1: no clusters)."""
        return max(1, self.cores)

    def load(self, n) -> MemberLoad:
        own = max((hi - lo for lo, hi in self.blocks), default=0)
        dims, filters = self.input_dims, self.filters
        if self.encoded is not None:  # at most its shared and its neurons' own dimensions
            dims = min(dims, self.encoded[0] + int(n) * self.encoded[1])
            filters = [costs.FilterLoad(min(f, dims), f.order, f.frac_bits) for f in filters]
        return MemberLoad(n, dims, self.output_dims, self.probe_dims, filters,
                          self.recorded_words(n), self.model,
                          learned_rows=self.learned_rows, learning_rules=self.learning_rules,
                          learned_updates=self.learned_updates,
                          shared_dims=self.input_dims if self.blocks else 0, own_dims=own,
                          sum_cores=self.cores if self.sent_rows else 0,
                          sent_rows=self.sent_rows)

    def cycles(self, n):
        """The ensemble application's cost function (vectorised over ``n``)."""
        return self._each(_ENSEMBLE.member_cycles, n)

    def dtcm(self, n):
        return self._each(_ENSEMBLE.member_dtcm, n)

    def _each(self, cost, n):
        """``cost`` of the load of ``n`` neurons (an int or an array): one
        size at a time when the input it holds depends on its neurons."""
        if self.encoded is None or np.ndim(n) == 0:
            return cost(self.load(n))
        sizes, at = np.unique(n, return_inverse=True)
        return np.array([cost(self.load(int(size))) for size in sizes])[at]


_ENSEMBLE = apps.application("ensemble")


def _filters(incoming: list[Connection], dims: int, width: int | None = None) -> list[int]:
    """One filter per distinct synapse on value inputs, as wide as the
    dimensions it reaches of ``dims`` (at most ``width``, the block a core
    of a cluster sharing its input filters), and one 1-wide filter per
    distinct (synapse, neurons) of neuron inputs."""
    spans = filter_spans(incoming, np.arange(dims))
    width = dims if width is None else width
    neuron = {(c.filter, c.post_indices.tobytes()) for c in incoming if c.target == "neurons"}
    return ([costs.FilterLoad(min(hi - lo, width), key[1].order, key[1].frac_bits)
             for key, (lo, hi) in spans.items()]
            + [costs.FilterLoad(1, f.order, f.frac_bits) for f, _ in neuron])


def _population_demands(graph: Graph, groups) -> dict[str, _Demand]:
    demands, probes_of = {}, {}
    for p in graph.probes.values():
        probes_of.setdefault(p.target, []).append(p)
    held = _held_rows(graph, probes_of)
    for name, pop in graph.populations.items():
        probes = probes_of.get(name, [])
        # Its probe rows: every tick at most (the emulator charges them when due).
        probed = [(e.size_out, recording_period(graph, e.post)) for e in probe_edges(graph, name)]
        probe_dims = sum(d for d, _ in probed)

        def row_words(p, n, size=pop.n_neurons, name=name):
            """Words a row of probe ``p`` takes on a core of ``n`` neurons."""
            if p.kind == "spikes":
                return costs.spike_words(n)
            # a learned matrix's probes: the rows the population learns of them
            words = p.size * held[name, p.name][0] // held[name, p.name][1] \
                if (name, p.name) in held else p.size
            if p.kind == "inputs":  # a learning rule's input rows (its first core's)
                return words
            return -(-n * words // size) if p.kind == "weights" else n

        def words(n, probes=probes, probe_dims=probe_dims):
            return probe_dims + sum(row_words(p, n) for p in probes)

        def sdram_per_step(n, probes=probes, probed=probed):
            return (sum(costs.WORD * row_words(p, n) / p.sample_every for p in probes)
                    + sum(costs.WORD * d / every for d, every in probed))

        # Learning: a rule per learned edge (a weights probe may have its own).
        learned = {c.learned.rule_name: c.learned for c in graph.outgoing(name)
                   if c.learned is not None}.values()
        # A core filters all of its input, or its block of a shared input.
        filtered = max((hi - lo for lo, hi in pop.input_slices), default=pop.dimensions)
        sent = {}  # a cluster's core: the rows it sends, when they add their sums
        for g in groups.get(name, []):
            if g.sent_by >= 0:
                sent[g.sent_by] = sent.get(g.sent_by, 0) + g.size
        demands[name] = _Demand(
            name, pop.n_neurons, pop.dimensions,
            sum(g.size for g in groups.get(name, [])),
            _filters(graph.incoming(name), pop.dimensions, filtered), words, sdram_per_step,
            neurons.model_named(pop.model), probe_dims,
            learned_rows=sum(c.weights.shape[0] for c in learned),
            learning_rules=len(learned),
            learned_updates=sum(c.weights.shape[0] * _rule(c).weight_passes for c in learned),
            cores=pop.cluster, blocks=pop.input_slices, sent_rows=max(sent.values(), default=0),
            encoded=_encoded(graph, name))
    return demands


def _encoded(graph: Graph, name: str) -> tuple[int, int] | None:
    """:attr:`_Demand.encoded` of population ``name`` (None when its
    cores hold every dimension or no dimension is one neuron's alone)."""
    if not encodes_only(graph, name):
        return None
    nonzero = np.asarray(graph.populations[name].encoders) != 0
    users = nonzero.sum(axis=0)
    alone = (nonzero & (users == 1)).sum(axis=1)
    if not alone.any():
        return None
    return int(np.count_nonzero(users > 1)), int(alone.max())


def _held_rows(graph: Graph, probes_of: dict) -> dict:
    """(population, probe) -> (rows it learns, rows) of the probes of a
    learned matrix whose rows are cut over copies of its population
    (spinnc.mapper.row_copies), each recording its block: a weights probe,
    a probe of the rule's inputs.  Adds the copies' probes to ``probes_of``."""
    held = {}
    inputs = {}
    for p in graph.probes.values():
        if p.kind == "inputs":
            inputs.setdefault(p.rule, []).append(p)
    for c in graph.connections:
        block = getattr(c.learned, "row_block", None)
        if block is None or c.target not in ("weights", "value"):
            continue
        lo, hi, rows = block
        if c.target == "weights":  # (or an edge that only keeps its rule running)
            probes = [graph.probes[c.post]] if c.post in graph.probes else []
        else:
            probes = inputs.get(c.learned.rule_name, [])
        for p in probes:
            held[c.pre, p.name] = (hi - lo, rows)
            if c.pre != p.target:
                probes_of.setdefault(c.pre, []).append(p)
    return held


def _rule(learned):
    """The spinnc.learning module of a Graph Learned."""
    return learning.rule_for(learned.rule.learning_rule_type)


class _Budget:
    def __init__(self, machine: Machine, cycle_fraction: float):
        self.cycles = int(cycle_fraction * machine.cycles_per_tick)
        self.dtcm = min(costs.DTCM_BUDGET, machine.dtcm_bytes - costs.DTCM_RESERVE)


def _split(demand: _Demand, budget: _Budget, rx_packets: int, key_entries: int) -> int:
    """The fewest slices whose cores all fit, given the packets every slice
    receives (whole clusters when its cores share their input)."""
    k = _fewest_slices(demand, budget, rx_packets, key_entries)
    return demand.cluster * -(-k // demand.cluster)


def _fewest_slices(demand: _Demand, budget: _Budget, rx_packets: int, key_entries: int) -> int:
    n = demand.neurons
    k = np.arange(1, n + 1)
    size = -(-n // k)  # the largest slice of a split into k
    fixed_cycles = costs.receive_cycles(rx_packets, key_entries)
    fixed_dtcm = costs.KEY_ENTRY_BYTES * key_entries
    fits = ((demand.cycles(size) + fixed_cycles <= budget.cycles)
            & (demand.dtcm(size) + fixed_dtcm <= budget.dtcm))
    if fits.any():
        return int(k[np.argmax(fits)])
    one_cycles = demand.cycles(1) + fixed_cycles
    one_dtcm = demand.dtcm(1) + fixed_dtcm
    if one_cycles > budget.cycles:
        limit = (f"cycles: one neuron's core needs {one_cycles:,} per tick "
                 f"(receiving {rx_packets} packets, decoding {demand.output_dims} and "
                 f"filtering {_filtered(demand)}) of a budget of {budget.cycles:,}")
    else:
        limit = f"DTCM: one neuron's core needs {one_dtcm:,} bytes of a budget of {budget.dtcm:,}"
    raise DoesNotFit(
        f"population '{demand.name}' ({n} neurons) cannot be split to fit a core; the "
        f"binding limit is {limit}. Reduce its dimensions or the connections out of it "
        "and into it"
    )


def _filtered(demand: _Demand) -> str:
    """The input dimensions a core of it filters, in words."""
    if demand.encoded is not None:  # (a core holds those its neurons encode)
        return f"{demand.load(1).input_dims} of its {demand.input_dims} dimensions"
    if not demand.blocks:
        return f"{demand.input_dims} dimensions"
    own = max(hi - lo for lo, hi in demand.blocks)
    return f"its block of {own} of {demand.input_dims} dimensions"


def partition(graph: Graph, machine: Machine, n_steps: int = 1000,
              cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> Partition:
    """Split a fixed-point Graph into per-core vertices and the nets between them.

    Parameters
    ----------
    graph : Graph
        A quantised Graph (``graph.fixed``).
    machine : Machine
        Gives the per-core budgets (cycles per tick, DTCM).
    n_steps : int
        Steps the run will record and play back: sizes the SDRAM of recordings
        and of played-back inputs.
    cycle_fraction : float
        The share of a tick's cycles a core may plan to use.

    Raises
    ------
    DoesNotFit
        When a population cannot fit a core at any split, naming it and the
        binding limit.
    """
    if not graph.fixed:
        raise ValueError("partition a quantised Graph (spinnc.frontend.quantise)")
    budget = _Budget(machine, cycle_fraction)
    groups = connection_groups(graph)
    demands = _population_demands(graph, groups)
    splits, rx, entries = _grow_splits(graph, groups, demands, budget)
    return _build(graph, groups, demands, splits, rx, entries, budget, n_steps)


def planned_splits(graph: Graph, machine: Machine,
                   cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> dict[str, int]:
    """The cores :func:`partition` would split each population into (one
    that fits no split keeps the most it reached before), for the passes
    that run before it: a split source sends every row from each core."""
    return _planned(graph, machine, cycle_fraction, strict=False)


def planned_cores(graph: Graph, machine: Machine,
                  cycle_fraction: float = costs.CYCLE_BUDGET_FRACTION) -> int:
    """The cores :func:`partition` would split the populations into, for
    passes that try alternatives before it.

    Raises
    ------
    DoesNotFit
        As :func:`partition` would; its ``population`` attribute names the
        population that fits no split."""
    return sum(_planned(graph, machine, cycle_fraction, strict=True).values())


def _planned(graph: Graph, machine: Machine, cycle_fraction: float, strict: bool) -> dict:
    """Each population's split, as :func:`partition` grows it (``strict``:
    raising DoesNotFit for one that fits no split)."""
    budget = _Budget(machine, cycle_fraction)
    groups = connection_groups(graph)
    return _grow_splits(graph, groups, _population_demands(graph, groups), budget,
                        strict=strict)[0]


def _grow_splits(graph, groups, demands, budget, strict=True):
    """Splitting a source multiplies the packets its receivers get, which may
    split them in turn: the splits grown to a fixed point (they only grow),
    with the packets and nets into each population's cores.  ``strict``:
    a population that fits no split raises DoesNotFit (else it stays)."""
    splits = {name: 1 for name in demands}
    into = _groups_into(groups)
    memo: dict = {}  # the rows sent and needed, by group or connection and split
    loads, changed = _Loads(graph, groups, memo=memo), None
    while True:
        rx, entries = loads.update(splits, changed)
        grown = {}
        for name, d in demands.items():
            try:
                grown[name] = max(splits[name], _split(d, budget, rx[name], entries[name]))
            except DoesNotFit as error:
                more = _fewer_packets(graph, into.get(name, {}), splits, name, rx[name],
                                      d.neurons, memo)
                if more:  # its cores need fewer rows when there are more of them
                    grown[name] = more
                    continue
                if strict:
                    error = DoesNotFit(str(error) + _senders(graph, groups, splits, name)
                                       + _learned_matrices(graph, name))
                    error.population = name
                    raise error from None
                grown[name] = splits[name]
        if grown == splits:
            return splits, rx, entries
        changed = {name for name, k in grown.items() if k != splits[name]}
        splits = grown


def _groups_into(groups) -> dict:
    """post -> {pre: [the groups of pre with a connection into post]}."""
    into: dict = {}
    for pre, pre_groups in groups.items():
        for group in pre_groups:
            for post in {c.post for c in group.connections}:
                into.setdefault(post, {}).setdefault(pre, []).append(group)
    return into


def _fewer_packets(graph, groups, splits, name: str, packets: int, neurons: int,
                   memo: dict | None = None) -> int:
    """Twice ``name``'s cores, if then its busiest core receives fewer than
    ``packets`` a tick (its cores need only the rows into the dimensions
    their neurons encode: :func:`_needed_rows`), else 0.  ``groups``: those
    with connections into ``name`` (:func:`_groups_into`)."""
    more = min(neurons, 2 * splits[name])
    if more == splits[name]:
        return 0
    rx, _ = _Loads(graph, groups, only=name, memo=memo).update({**splits, name: more})
    return more if rx[name] < packets else 0


def _senders(graph, groups, splits, post: str) -> str:
    """What most of the packets into ``post`` are, when they are a split
    source's partial sums (each of its cores, or clusters, sends every row)."""
    sent: dict = {}  # pre -> [packets, rows, senders, what sends]
    for pre, pre_groups in groups.items():
        for g in pre_groups:
            if not any(c.post == post for c in g.connections):
                continue
            n, what = splits.get(pre, 1), "cores"
            if g.sent_by >= 0:  # a sum from each cluster
                n, what = -(-n // graph.populations[pre].cluster), "clusters of cores"
            entry = sent.setdefault(pre, [0, 0, n, what])
            entry[0] += g.size * n
            entry[1] += g.size
    if not sent:
        return ""
    pre, (total, rows, n, what) = max(sent.items(), key=lambda item: item[1][0])
    if n == 1:
        return ""
    return (f"; most of its packets are partial sums, {rows} row{'s' * (rows != 1)} from "
            f"each of the {n} "
            f"{what} of '{pre}' ({total:,} a tick): fewer neurons or dimensions in "
            f"'{pre}' reduce them")


def _learned_matrices(graph, name: str) -> str:
    """The full weight matrices learned out of or into ``name`` (BCM, Oja,
    PES into neurons), which cost a learning core every row it learns
    (spinnc.frontend.learning), and how their rows were cut."""
    found = {}
    for c in graph.outgoing(name) + graph.incoming(name):
        if c.learned is not None and c.learned.matrix and c.target == "value":
            found[c.learned.rule_name] = c
    notes = []
    for c in found.values():
        learned = c.learned
        rows = learned.row_block[2] if learned.row_block else c.size_out
        pre = graph.populations[c.pre].copy_of or c.pre
        blocks = sum(o.learned is not None and o.learned.rule_name == learned.rule_name
                     and o.target == "value" for o in graph.connections)
        cut = (f"its rows cut into {blocks} blocks, each learned by a copy of its neurons"
               if learned.row_block else
               "its rows not cut (spinnc learns blocks of rows on copies of the neurons, "
               "but not of an ensemble whose encoders learn too, that learns into itself "
               "or that another learned matrix reaches)")
        notes.append(
            f"; {describe(learned.rule.connection)} learns its full {rows} x "
            f"{c.weights.shape[1]} weight matrix ({_rule(learned).name}) on the cores of "
            f"'{pre}', {cut}: a core updates every row of its block, receives and filters "
            "each row's inputs and sends a partial sum of each row; learn into fewer neurons")
    return "".join(notes)


class _Loads:
    """The packets per tick and key entries that every group brings to the
    input blocks of the populations it reaches (of population ``only``
    alone, if given; at its busiest input block's slices when its cores
    share their input), kept as the splits grow: a group's share depends on
    its pre's split and its posts', so :meth:`update` recomputes only the
    shares of groups that touch a population whose split changed."""

    def __init__(self, graph, groups, only: str | None = None, memo: dict | None = None):
        pops = graph.populations
        self.graph = graph
        self.blocks = {name: pops[name].input_slices or ((0, pops[name].dimensions),)
                       for name in (pops if only is None else (only,))}
        self.rx = {name: np.zeros(len(b), dtype=np.int64) for name, b in self.blocks.items()}
        self.entries = {name: np.zeros(len(b), dtype=np.int64)
                        for name, b in self.blocks.items()}
        self.groups = []  # (pre, group, the posts it reaches here)
        self.touching: dict = {}  # population -> indices of the groups its split changes
        for pre, pre_groups in groups.items():
            for group in pre_groups:
                posts = sorted({c.post for c in group.connections
                                if c.target != "probe" and c.post in self.rx})
                for name in {pre, *posts}:
                    self.touching.setdefault(name, []).append(len(self.groups))
                self.groups.append((pre, group, posts))
        self.keys = [None] * len(self.groups)
        self.shares = [()] * len(self.groups)
        # A population whose cores all filter their whole input: the packets
        # into each of its cores, by its split (groups reach different cores).
        self.per_core: dict = {}
        # (id of a group, its pre's split) -> _sent_rows; (id of a connection,
        # its post's split) -> _planned_need; a group's shares by its posts and
        # their splits: shared by the _Loads of one growth
        self.memo = {} if memo is None else memo

    def update(self, splits, changed=None):
        """The busiest block's packets and entries of each population for
        ``splits``; ``changed``: the populations whose splits changed since
        the last update (None: any)."""
        indices = (range(len(self.groups)) if changed is None
                   else sorted({i for name in changed for i in self.touching.get(name, ())}))
        for i in indices:
            pre, group, posts = self.groups[i]
            key = (splits.get(pre, 1), *(splits.get(post, 1) for post in posts))
            if key == self.keys[i]:
                continue
            for post, where, packets, sources in self.shares[i]:
                self._add(post, where, packets, -1)
                self.entries[post][where] -= sources
            known = ("share", id(group), *posts, *key)
            share = self.memo.get(known)
            if share is None:
                share = self.memo[known] = self._share(i, splits)
            self.keys[i], self.shares[i] = key, share
            for post, where, packets, sources in self.shares[i]:
                self._add(post, where, packets, 1)
                self.entries[post][where] += sources
        rx = {name: int(r.max()) for name, r in self.rx.items()}
        for name, by_split in self.per_core.items():
            cores = by_split.get(splits.get(name, 1))
            if cores is not None:
                rx[name] = int(cores.max())
        return rx, {name: int(e.max()) for name, e in self.entries.items()}

    def _add(self, post, where, packets, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) a group's share of packets:
        per block, or per core (an array, one entry per core of the post)."""
        if np.ndim(packets):
            by_split = self.per_core.setdefault(post, {})
            by_split[len(packets)] = by_split.get(len(packets), 0) + sign * packets
        else:
            self.rx[post][where] += sign * packets

    def _share(self, i: int, splits) -> list:
        """(post, blocks reached, packets, key entries) of each post of group ``i``."""
        graph, (pre, group, _) = self.graph, self.groups[i]
        k = splits.get(pre, 1)
        sent = self.memo.get((id(group), k))
        if sent is None:
            sent = self.memo[id(group), k] = _sent_rows(graph, group, pre, k)
        reached: dict = {}
        into = {}  # a key entry per connection into a post (_charge_receiving)
        need: dict = {}  # the rows each core of a post needs (_needed_rows)
        for c in group.connections:
            if c.target != "probe" and c.post in self.rx:
                reached.setdefault(c.post, set()).update(
                    _blocks_reached(c, self.blocks[c.post]))
                into[c.post] = into.get(c.post, 0) + 1
                k = splits.get(c.post, 1)
                rows = self.memo.get((id(c), k))
                if rows is None:
                    rows = self.memo[id(c), k] = _planned_need(graph, c, k)
                need[c.post] = need.get(c.post, False) | rows
        shares = []
        for post, where in reached.items():
            counts = _counts(sent, need[post], group.size)
            busiest = int(np.argmax(counts.sum(axis=0)))
            packets = int(counts[:, busiest].sum())
            if len(self.blocks[post]) == 1:  # each core's own, not the group's busiest
                packets = np.broadcast_to(counts.sum(axis=0), (splits.get(post, 1),))
            shares.append((post, sorted(where), packets,
                           int(np.count_nonzero(counts[:, busiest])) * into[post]))
        return shares


def _sent_rows(graph, group: Group, pre: str, k: int) -> list:
    """The rows of ``group`` that each sending core of ``pre`` (split over
    ``k`` cores, as :func:`_build` slices it) sends (:func:`_core_rows`;
    None: every row); a cluster's sums, one per cluster."""
    if group.sent_by >= 0:
        return [None] * -(-k // graph.populations[pre].cluster)
    if k == 1 or pre not in graph.populations:
        return [None] * k
    bounds = even_bounds(graph.populations[pre].n_neurons, k)
    return [_slice_rows(group, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]


def _planned_need(graph, conn: Connection, k: int):
    """Which rows of ``conn`` each of the ``k`` cores of its post needs, as
    a (rows, k) array (:func:`_needed_rows`), True when all do."""
    pop = _pruning_post(graph, conn)
    if pop is None:
        return True
    bounds = even_bounds(pop.n_neurons, k)
    encoders = np.asarray(pop.encoders)[:, conn.post_indices] != 0
    return np.stack([encoders[lo:hi].any(axis=0) for lo, hi in zip(bounds[:-1], bounds[1:])],
                    axis=1)


def _counts(sent: list, need, size: int) -> np.ndarray:
    """(source cores, post cores; one when all need the same): the rows of
    the rows ``sent`` by each source core (:func:`_sent_rows`) that each
    core of a post needing rows ``need`` (:func:`_planned_need`) needs."""
    if need is True:  # every core of the post needs every row it is sent
        return np.array([[size if r is None else r.size] for r in sent], dtype=np.int64)
    rows = np.ones((len(sent), size), dtype=np.int64)  # which rows each source sends
    for i, r in enumerate(sent):
        if r is not None:
            rows[i] = 0
            rows[i, r] = 1
    return rows @ need.astype(np.int64)


def even_bounds(n: int, k: int) -> np.ndarray:
    """Where ``n`` things (a population's neurons over its cores, dimensions
    or rows over blocks) cut into ``k`` even runs are cut: ``k + 1`` bounds."""
    return np.linspace(0, n, k + 1).round().astype(int)


def _blocks_reached(conn: Connection, blocks) -> range | list:
    """Indices of the input blocks of ``conn.post`` whose cores receive it:
    every block's for neuron inputs, else the block of its dimensions
    (input_share splits connections by block)."""
    if conn.target == "neurons" or len(blocks) == 1:
        return range(len(blocks))
    first = int(conn.post_indices[0])
    return [next(j for j, (lo, hi) in enumerate(blocks) if lo <= first < hi)]


def _build(graph, groups, demands, splits, rx, entries, budget, n_steps) -> Partition:
    vertices: list[Vertex] = []
    vertices_of: dict[str, list[int]] = {}

    def add(vertex, objs):
        for obj in objs:
            vertices_of.setdefault(obj, []).append(len(vertices))
        vertex.chip = next((graph.settings[o]["chip"] for o in objs
                            if "chip" in graph.settings.get(o, {})), None)
        vertex.profile = any(graph.settings.get(o, {}).get("profile") for o in objs)
        vertices.append(vertex)

    def settings(name):  # small populations share a core only with equal settings
        return sorted(graph.settings.get(name, {}).items())

    # Ensembles: split populations get their own cores; whole small ones share.
    shared: list[tuple[str, int, int]] = []  # (population, cycles, dtcm) on the open core
    clusters = 0
    for name, demand in demands.items():
        n = demand.neurons
        if splits[name] == 1:
            # Packing bound: a member's own packets, as if no net were shared;
            # every packet searches the core's whole key table.
            receive_cycles = costs.receive_cycles(rx[name], entries[name])
            receive_dtcm = costs.KEY_ENTRY_BYTES * entries[name]
            cycles, dtcm = int(demand.cycles(n)), int(demand.dtcm(n))
            names = [m[0] for m in shared] + [name]
            receiving = costs.receive_cycles(sum(rx[m] for m in names),
                                             sum(entries[m] for m in names))
            if shared and (
                    settings(shared[0][0]) != settings(name)
                    or sum(c for _, c, _, _, _ in shared) + cycles + receiving
                    > budget.cycles
                    or sum(d + rd for _, _, d, _, rd in shared) + dtcm + receive_dtcm
                    > budget.dtcm):
                add(*_ensemble_vertex(shared, demands, n_steps))
                shared = []
            shared.append((name, cycles, dtcm, receive_cycles, receive_dtcm))
            continue
        bounds = even_bounds(n, splits[name])
        for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            size = int(hi - lo)
            member = (name, int(demand.cycles(size)), int(demand.dtcm(size)), 0, 0)
            vertex, objs = _ensemble_vertex([member], demands, n_steps, (lo, hi))
            if demand.cores:  # clusters of consecutive vertices, one per chip
                if i % demand.cluster == 0:
                    clusters += 1
                vertex.cluster, vertex.cluster_index = clusters - 1, i % demand.cluster
                if demand.blocks:
                    vertex.input_block = demand.blocks[vertex.cluster_index]
            add(vertex, objs)
    if shared:
        add(*_ensemble_vertex(shared, demands, n_steps))

    for name, inp in graph.inputs.items():
        out = sum(g.size for g in groups.get(name, []))
        if inp.kind == "interposer":  # mapper/interposers.py split it to fit
            if out:
                add(_interposer_vertex(graph, name, out), [name])
        elif out and inp.kind in ("constant", "time"):
            steps = n_steps if inp.kind == "time" else 1
            add(_source_vertex(name, "value_source", out, costs.WORD * out * steps,
                               inp.size_out), [name])
        elif out:
            add(_source_vertex(name, "host_in", out, 0, inp.size_out), [name])
        if inp.kind == "host" and graph.incoming(name):
            filters = _filters(graph.incoming(name), inp.size_in)
            add(_sink_vertex(name, "host_out", [(name, inp.size_in, filters, 0, 0)]), [name])

    for name, values in graph.settings.items():
        if name not in vertices_of:
            warnings.warn(
                f"'{name}' has the spinnc settings {values} but runs on no core of its own "
                "(a passthrough node folded into its connections, or an object computed on "
                "the host), so they do nothing")
    nets = _nets(graph, groups, vertices, vertices_of)
    _charge_receiving(vertices, nets, {c.name: c.post for c in graph.connections})
    for vertex in vertices:  # splits and packing planned for this; check it held
        if vertex.resources.cycles > budget.cycles or vertex.resources.dtcm > budget.dtcm:
            raise DoesNotFit(
                f"vertex '{vertex.name}' needs {vertex.resources.cycles:,} cycles per tick "
                f"and {vertex.resources.dtcm:,} bytes of DTCM; the budgets are "
                f"{budget.cycles:,} and {budget.dtcm:,}. Reduce the packets into it "
                "(fewer or narrower connections)")
    return Partition(vertices, nets, groups, vertices_of)


def _ensemble_vertex(members, demands, n_steps, bounds=None):
    slices, cycles, dtcm, sdram = [], 0, 0, 0
    for name, member_cycles, member_dtcm, _, _ in members:
        demand = demands[name]
        lo, hi = bounds if bounds is not None else (0, demand.neurons)
        slices.append(Slice(name, int(lo), int(hi)))
        cycles += member_cycles
        dtcm += member_dtcm
        # SDRAM: the region data the core copies into DTCM, and its recordings.
        sdram += member_dtcm + ceil(demand.recorded_bytes_per_step(hi - lo) * n_steps)
    label = "+".join(s.obj if s.size == demands[s.obj].neurons else f"{s.obj}[{s.lo}:{s.hi}]"
                     for s in slices)
    vertex = Vertex(label, "ensemble", tuple(slices), Resources(cycles, dtcm, sdram),
                    neurons=sum(s.size for s in slices),
                    input_dims=sum(demands[s.obj].input_dims for s in slices),
                    output_dims=sum(demands[s.obj].output_dims for s in slices))
    return vertex, [s.obj for s in slices]


def _source_vertex(name, application, dims, sdram, size_out):
    """A core sending ``dims`` values a tick, each a dot product of its
    ``size_out`` values with a row of weights."""
    app = apps.application(application)
    load = CoreLoad(sent_dims=dims, weights=dims * size_out)
    cycles, dtcm = int(app.cycles(load)), int(app.dtcm(load))
    return Vertex(name, application, (Slice(name, 0, dims),),
                  Resources(cycles, dtcm, sdram + dtcm), output_dims=dims)


def _interposer_vertex(graph, name, out):
    """A core that filters an interposer's inputs and sends ``out`` rows of
    weights times them (its receiving is charged with the others')."""
    app = apps.application("interposer")
    size = graph.inputs[name].size_in
    load = CoreLoad([MemberLoad(input_dims=size, filters=_filters(graph.incoming(name), size))],
                    sent_dims=out, weights=out * size)
    cycles, dtcm = int(app.cycles(load)), int(app.dtcm(load))
    return Vertex(name, "interposer", (Slice(name, 0, size),),
                  Resources(cycles, dtcm, dtcm + costs.WORD * load.weights),
                  input_dims=size, output_dims=out)


def _sink_vertex(name, application, members):
    """A core that filters inputs: members are (object, dims, filters,
    recorded words per step, recorded SDRAM bytes)."""
    app = apps.application(application)
    load = CoreLoad([MemberLoad(input_dims=dims, filters=filters, recorded_words=words)
                     for _, dims, filters, words, _ in members])
    cycles, dtcm = int(app.cycles(load)), int(app.dtcm(load))
    sdram = sum(m[4] for m in members)
    return Vertex(name, application, tuple(Slice(m[0], 0, m[1]) for m in members),
                  Resources(cycles, dtcm, sdram + dtcm),
                  input_dims=sum(m[1] for m in members))


def _nets(graph, groups, vertices, vertices_of) -> list[Net]:
    """A net per source core and group, or per block of the group's rows
    that the same sink cores need (:func:`_row_sinks`); each with the rows
    of the group its source core sends (:func:`_core_rows`)."""
    nets = []
    for pre, pre_groups in groups.items():
        for index, group in enumerate(pre_groups):
            sinks, need = _row_sinks(graph, group, vertices, vertices_of)
            names = tuple(c.name for c in group.connections)
            for source in vertices_of.get(pre, []):
                if not apps.application(vertices[source].application).sends:
                    continue  # e.g. a host node's input side
                if group.sent_by >= 0 and vertices[source].cluster_index != group.sent_by:
                    continue  # another core of its cluster adds and sends these rows
                sent = _core_rows(group, vertices[source], pre)
                for block_rows, block_sinks in need:
                    rows = _intersect(block_rows, sent)
                    if rows is not None and not rows.size:
                        continue  # none of its neurons reaches these rows
                    size = group.size if rows is None else int(rows.size)
                    nets.append(Net(source, sinks[block_sinks], index, size, names, pre, rows))
    return nets


def _intersect(a, b):
    """Rows in both (None: every row)."""
    if a is None or b is None:
        return b if a is None else a
    return np.intersect1d(a, b)


def _row_sinks(graph, group: Group, vertices, vertices_of):
    """The sink cores of ``group`` and its rows in blocks by the sinks that
    need them: [(rows, which sinks)], rows None for all of them.  A core of
    a population needs the rows into the dimensions its neurons encode
    (:func:`_needed_rows`); a block is a run of consecutive rows, so a
    learned group's rows stay in order (its rule decodes them in one run)."""
    sink_lists = [_sink_vertices(c, vertices, vertices_of) for c in group.connections]
    sinks = np.array(sorted(set().union(*sink_lists)), dtype=np.int64)
    need = np.zeros((group.size, len(sinks)), dtype=bool)
    column = {int(v): j for j, v in enumerate(sinks)}
    for conn, found in zip(group.connections, sink_lists):
        for v in found:
            need[:, column[v]] |= _needed_rows(graph, conn, vertices[v])
    every = np.ones(len(sinks), dtype=bool)
    if need.all():
        return sinks, [(None, every)]
    cuts = np.flatnonzero((need[1:] != need[:-1]).any(axis=1)) + 1
    blocks = [(rows, need[rows[0]]) for rows in np.split(np.arange(group.size), cuts)
              if need[rows[0]].any()]
    if group.connections[0].learned is not None and sum(r.size for r, _ in blocks) < group.size:
        return sinks, [(None, every)]  # learned rows are sent all, in one run
    return sinks, blocks


def _needed_rows(graph, conn: Connection, vertex: Vertex) -> np.ndarray:
    """Which rows of ``conn`` sink core ``vertex`` needs: those into the
    dimensions its neurons encode (the learned rows of a full matrix reach
    one neuron each), or every row (into a population that learns, whose
    rules read dimensions of zero encoders, or into anything else)."""
    pop = _pruning_post(graph, conn)
    if pop is None:
        return np.ones(conn.size_out, dtype=bool)
    s = next(s for s in vertex.slices if s.obj == conn.post)
    return np.asarray(pop.encoders)[s.lo:s.hi][:, conn.post_indices].any(axis=0)


def _pruning_post(graph, conn: Connection):
    """The population ``conn`` feeds, if its cores may get only the rows
    their neurons encode (:func:`_needed_rows`), else None: not into
    neurons, a shared input, or a population whose learning rules read its
    input (dimensions of zero encoders)."""
    if conn.target != "value" or not encodes_only(graph, conn.post):
        return None
    return graph.populations[conn.post]


def _core_rows(group: Group, vertex: Vertex, pre: str) -> np.ndarray | None:
    """The rows of ``group`` (out of population ``pre``) that ensemble core
    ``vertex`` sends: those its neurons decode into (a connection out of
    neurons sends each neuron's rows from its own core alone); None for all
    of them.  Learned rows and a cluster's sums are every core's."""
    if vertex.application != "ensemble":
        return None
    s = next(s for s in vertex.slices if s.obj == pre)
    return _slice_rows(group, s.lo, s.hi)


def _slice_rows(group: Group, lo: int, hi: int) -> np.ndarray | None:
    """The rows of ``group`` that neurons ``lo:hi`` of its population decode
    into (:func:`_core_rows`), None for all."""
    conn = group.connections[0]
    if conn.learned is not None or group.sent_by >= 0 or hi - lo == conn.weights.shape[1]:
        return None
    rows = np.flatnonzero(np.asarray(conn.weights)[:, lo:hi].any(axis=1))
    return None if rows.size == group.size else rows


def _sink_vertices(conn: Connection, vertices, vertices_of):
    """Vertices that hold the part of ``conn.post`` the connection reaches."""
    found = []
    for v in vertices_of.get(conn.post, []):
        vertex = vertices[v]
        if not apps.application(vertex.application).receives:
            continue  # e.g. a host node's output side
        if vertex.input_block is not None and conn.target != "neurons":
            lo, hi = vertex.input_block
            if not lo <= int(conn.post_indices[0]) < hi:
                continue  # another block of a shared input (input_share)
        if conn.target == "neurons":
            s = next(s for s in vertex.slices if s.obj == conn.post)
            if not np.any((conn.post_indices >= s.lo) & (conn.post_indices < s.hi)):
                continue
        found.append(v)
    return found


def _charge_receiving(vertices, nets, post_of):
    """Add each vertex's packet reception and key table to its resources: a
    key entry per connection of a net into one of its members (at least one
    per net), as the firmware's table has (``post_of``: connection -> its
    post)."""
    packets = np.zeros(len(vertices), dtype=np.int64)
    count = np.zeros(len(vertices), dtype=np.int64)
    for net in nets:
        packets[net.sinks] += net.size
        for sink in np.asarray(net.sinks).tolist():
            members = {s.obj for s in vertices[sink].slices}
            count[sink] += max(1, sum(post_of.get(c) in members for c in net.connections))
    for i, vertex in enumerate(vertices):
        r = vertex.resources
        extra_dtcm = costs.KEY_ENTRY_BYTES * int(count[i])
        vertex.resources = Resources(r.cycles + int(costs.receive_cycles(int(packets[i]),
                                                                         int(count[i]))),
                                     r.dtcm + extra_dtcm, r.sdram + extra_dtcm)
