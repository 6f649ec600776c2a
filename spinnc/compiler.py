"""nengo.Network -> Image: every stage of the pipeline, in order, timed.

build -> play early -> quantise -> partition (interposers first split into blocks
that fit a core, learned matrices' rows over copies of their ensembles, wide
ensembles' inputs into blocks their cores share) -> place -> allocate keys -> route -> tables -> minimise -> check
-> region data -> Image.
"""

import time
from dataclasses import dataclass, field

import nengo

import numpy as np

from .apps.ensemble import planned_rules, probe_edges, recording_period, rule_neurons
from .frontend import Graph, QuantisationReport, build, quantise
from .errors import UnsupportedFeature
from .frontend.graph import Probe
from .frontend.learning import solver_encoders
from .frontend.timing import play_early
from .image import CoreImage, Image, ProbeImage
from .machine import Machine
from .mapper import (KeyAllocation, Partition, Placements, allocate_keys, check_keys,
                     partition, place, region_data)
from .mapper.clusters import form_clusters
from .mapper.interposers import split_interposers
from .mapper.row_copies import copy_learned_rows
from .router import check, minimise_tables, route, routing_tables


@dataclass
class Compilation:
    """Every stage's output, for reports, and the Image."""

    graph: Graph
    fixed_graph: Graph
    quantisation: QuantisationReport
    partition: Partition
    placements: Placements
    keys: KeyAllocation
    tables: dict  # as generated, before minimisation
    image: Image
    seconds: dict = field(default_factory=dict)


def compile_network(network: nengo.Network, machine: Machine | None = None, dt: float = 0.001,
                    seed: int | None = None, n_steps: int = 1000,
                    placer: str = "anneal", progress=None,
                    process_seed: int | None = None) -> Compilation:
    """Compile a nengo network into an Image for ``machine`` (one SpiNN-5
    board by default), recording ``n_steps`` steps.

    ``progress(stage, seconds)``, if given, is called as each stage finishes
    (e.g. a :class:`spinnc.progress.Progress`).

    ``process_seed`` seeds unseeded nengo Processes (``seed`` by default; see
    :func:`spinnc.frontend.build`).

    Raises the stages' errors: UnsupportedFeature, QuantisationError,
    DoesNotFit, UnroutableNet, RoutingTableOverflow.
    """
    start = time.perf_counter()
    graph = build_graph(network, dt, seed, process_seed)
    built = time.perf_counter() - start
    if progress is not None:
        progress("build", built)
    compilation = compile_graph(graph, machine, n_steps, placer, progress, seed)
    compilation.seconds = {"build": built, **compilation.seconds}
    return compilation


def build_graph(network: nengo.Network, dt: float = 0.001, seed: int | None = None,
                process_seed: int | None = None) -> Graph:
    """The pipeline's first stage: the network as a Graph, whatever the
    horizon (a Simulator builds it once and compiles it again for a longer
    horizon, as the network may have changed since: nengo_gui removes the
    nodes it added once the model is built)."""
    return play_early(build(network, dt=dt, seed=seed, process_seed=process_seed))


def compile_graph(graph: Graph, machine: Machine | None = None, n_steps: int = 1000,
                  placer: str = "anneal", progress=None, seed: int | None = None
                  ) -> Compilation:
    """The stages after the build (:func:`compile_network`), for ``n_steps``."""
    machine = machine or Machine.spinn5()
    dt = graph.dt
    seconds = {}

    def timed(stage, function, *args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        seconds[stage] = time.perf_counter() - start
        if progress is not None:
            progress(stage, seconds[stage])
        return result

    fixed_graph, report = timed("quantise", quantise, graph)

    def split_and_partition(graph):
        graph = split_interposers(graph, machine)  # interposers as blocks that fit a core
        graph = copy_learned_rows(graph, machine)  # learned matrices' rows over copies
        graph = form_clusters(graph, machine)  # cores sharing wide inputs, adding their sums
        return graph, partition(graph, machine, n_steps=n_steps)

    fixed_graph, parts = timed("partition", split_and_partition, fixed_graph)
    placements = timed("place", place, parts.vertices, parts.nets, machine, placer=placer,
                       seed=seed)
    keys = timed("keys", allocate_keys, parts.nets, placements)
    check_keys(keys)
    routes = timed("route", route, parts.nets, placements, machine)
    tables = timed("tables", routing_tables, routes, keys)
    minimised = timed("minimise", minimise_tables, tables, machine.router_entries)
    timed("check", check, parts.nets, placements, keys, minimised, machine)
    data = timed("regions", region_data, fixed_graph, parts, keys, n_steps, placements)

    cores = [CoreImage(*placements.location(i), v.application, v.name, data[i])
             for i, v in enumerate(parts.vertices)]
    image = Image(machine, dt, n_steps, cores, minimised, _probes(fixed_graph, parts, placements),
                  {name: {"size_in": inp.size_in, "size_out": inp.size_out}
                   for name, inp in fixed_graph.inputs.items() if inp.kind == "host"})
    return Compilation(graph, fixed_graph, report, parts, placements, keys, tables, image,
                       seconds)


def _probes(graph: Graph, parts: Partition, placements: Placements) -> dict:
    """Where each probe is recorded: the population slices of every core that
    holds a probed population, or (value probes) that decodes an edge into it."""
    probes = {}
    for name, probe in graph.probes.items():
        if probe.kind == "value":
            probes[name] = _value_probe(graph, parts, placements, name)
            continue
        if probe.kind in ("weights", "encoders"):
            probes[name] = _weights_probe(graph, parts, placements, name)
            continue
        if probe.kind in ("trace", "inputs"):
            probes[name] = _rule_probe(graph, parts, placements, probe)
            continue
        cores = []
        for v in parts.vertices_of[probe.target]:
            for member, s in enumerate(parts.vertices[v].slices):
                if s.obj == probe.target:
                    cores.append((*placements.location(v), member, s.lo, s.size))
        partial = probe.size != graph.populations[probe.target].n_neurons
        probes[name] = ProbeImage(name, probe.kind, probe.size, probe.sample_every, cores,
                                  probe.indices.tolist() if partial else None)
    return probes


def _value_probe(graph: Graph, parts: Partition, placements: Placements, name: str):
    """A value probe's columns: the rows of each edge into it from a
    population, recorded by every core of the population (each a partial
    sum), at the probe row where its member's probe decoders hold them."""
    cores, columns, width = [], [], 0
    for edge in graph.incoming(name, probe=True):
        if edge.pre not in graph.populations:
            continue  # a node's part: the host computes it
        first = 0
        for other in probe_edges(graph, edge.pre):
            if other.name == edge.name:
                break
            first += other.size_out
        for v in parts.vertices_of[edge.pre]:
            for member, s in enumerate(parts.vertices[v].slices):
                if s.obj == edge.pre:
                    cores.append((*placements.location(v), member, first, edge.size_out))
                    columns.append(width)
        width += edge.size_out
    return ProbeImage(name, "value", width, recording_period(graph, name), cores,
                      columns=columns)


def _weights_probe(graph: Graph, parts: Partition, placements: Placements, name: str):
    """A probe of learned weights or encoders: where the rule it records is
    (:func:`_learned_image`)."""
    probe = graph.probes[name]
    return _learned_image(graph, parts, placements, probe,
                          lambda rule: name in rule.probes)


def _rule_spans(graph: Graph, parts: Partition, placements: Placements, probe, which,
                copies: bool = False):
    """Per core of the population ``probe`` (a Graph Probe) reads (and, with
    ``copies``, of its copies that learn rows of the rule: spinnc.mapper.row_copies),
    the learning rule ``which(rule)`` picks there (as the ensemble application
    numbers its rules): (the core's location, the rule's index, its slice of
    the population, the neurons ``(lo, hi)`` of the slice the rule learns
    from: ``lo == hi`` for none, the rows ``(lo, hi)`` of the rule it
    learns (None: all of them), the PlannedRule).

    Raises
    ------
    UnsupportedFeature
        If a core of the population runs no such rule: the learned
        connection's output reaches nothing, so the mapper dropped it."""
    target = probe.target
    holders = [target] + [name for name, pop in graph.populations.items()
                          if copies and pop.copy_of == target]
    for name in holders:
        for v in parts.vertices_of[name]:
            slices = parts.vertices[v].slices
            nets = [net for net in parts.nets if net.source == v]
            index, rule = next(((i, r) for i, r in enumerate(
                planned_rules(graph, parts.groups, nets, slices)) if which(r)), (None, None))
            if rule is None and name != target:
                break  # a copy learning another rule's rows
            if rule is None:  # the learned connection was pruned: its output reaches nothing
                raise UnsupportedFeature(probe.obj or probe.name,
                                         "a probe of a learning rule whose connection's output "
                                         "reaches nothing (spinnc then runs no rule)",
                                         "probe the connection's output or its weights too")
            s = next(s for s in slices if s.obj == name)
            block = getattr(rule.learned, "row_block", None)
            yield (placements.location(v), index, s, rule_neurons(rule.learned, s),
                   block and block[:2], rule)


def _rule_probe(graph: Graph, parts: Partition, placements: Placements, probe) -> ProbeImage:
    """A probe of a learning rule's trace (each core of the population holds
    its neurons') or input rows (the first core of the population, and of
    each copy learning a block of its rows, records them)."""
    cores, order, frac = [], [], 15
    for where, index, s, (lo, hi), rows, rule in _rule_spans(
            graph, parts, placements, probe, lambda r: probe.name in r.rule_probes,
            copies=probe.kind == "inputs"):
        if probe.kind == "trace":  # its words have the rule's fractional bits
            frac = int(rule.learned.constants["trace_frac"])
        if probe.kind == "inputs" and s.lo == 0:
            top, bottom = rows or (0, probe.size)
            cores.append((*where, index, 0, bottom - top))
            order.append(top)
        elif probe.kind == "trace" and hi > lo:  # (a core of none of them records none)
            cores.append((*where, index, 0, hi - lo))
            order.append(lo)
    # the neurons' (rows') order (argsort: the same whatever the rule's first neuron)
    columns = np.concatenate([lo + np.arange(c[-1]) for lo, c in zip(order, cores)])
    return ProbeImage(probe.name, probe.kind, probe.size, probe.sample_every, cores,
                      np.argsort(columns).tolist(), frac=frac)


def _learned_image(graph: Graph, parts: Partition, placements: Placements, probe,
                   which) -> ProbeImage:
    """Where learned weights or encoders are (``probe``: a Graph Probe of kind
    ``weights`` or ``encoders``): on each core of the population (and of its
    copies learning blocks of rows), the learning rule ``which(rule)`` picks
    (:func:`_rule_spans`); each holds its neurons' columns of its rows
    (weights; of the neurons the rule learns from) or its neurons' rows
    (encoders), and ``neurons`` puts them back in (rows, neurons) or
    (neurons, dimensions) order."""
    first, last = probe.indices[[0, -1]] + [0, 1] if probe.indices is not None else (
        0, graph.populations[probe.target].n_neurons)
    rows = probe.size // (last - first)
    cores, order = [], []
    for where, index, _, (lo, hi), block, _ in _rule_spans(
            graph, parts, placements, probe, which, copies=probe.kind == "weights"):
        if hi > lo:  # (a core of none of the rule's neurons records nothing)
            top, bottom = block or (0, rows)
            cores.append((*where, index, 0, (bottom - top) * (hi - lo)))
            order.append((lo - first, hi - lo, (top, bottom)))
    if probe.kind == "encoders":  # by neuron: the cores' rows follow one another
        columns = np.concatenate([lo * rows + np.arange(rows * size) for lo, size, _ in order])
        return ProbeImage(probe.name, "weights", probe.size, probe.sample_every, cores,
                          np.argsort(columns).tolist())
    columns, at = np.zeros((rows, last - first), dtype=np.int64), 0
    for lo, size, (top, bottom) in order:  # core by core: its rows x size, row-major
        count = (bottom - top) * size
        columns[top:bottom, lo:lo + size] = at + np.arange(count).reshape(bottom - top, size)
        at += count
    return ProbeImage(probe.name, "weights", probe.size, probe.sample_every, cores,
                      columns.ravel().tolist())


def learned_state(compilation: Compilation) -> dict:
    """nengo object (a learned connection, an ensemble whose encoders are
    learned) -> (Graph Probe describing it, ProbeImage of where the cores
    hold it): what ``sim.data`` reads back after a run."""
    graph, parts, places = compilation.fixed_graph, compilation.partition, compilation.placements
    out = {}
    for name, pop in graph.populations.items():
        for rule in pop.encoder_learning:
            probe = Probe(f"{name}.encoders", "encoders", pop.n_neurons * rule.dims, 1, name)
            out[pop.obj] = (probe, _learned_image(graph, parts, places, probe,
                                                  lambda r, rule=rule: r.learned is rule))
    for c in graph.connections:
        learned = c.learned
        if learned is None or learned.shares is not None or learned.rule.connection in out:
            continue  # (a further rule of a connection changes its first rule's weights)
        conn = learned.rule.connection
        pop = graph.populations[c.pre]
        lo, hi = learned.pre_neurons or (0, pop.n_neurons)
        rows = learned.row_block[2] if learned.row_block else learned.weights.shape[0]
        probe = Probe(f"{learned.rule_name}.weights", "weights", rows * (hi - lo), 1,
                      pop.copy_of or c.pre,
                      np.arange(lo, hi) if learned.pre_neurons else None,
                      host_transform=solver_encoders(graph.model, conn))
        out[conn] = (probe, _learned_image(
            graph, parts, places, probe,
            lambda r, n=learned.rule_name: r.source is None
            and getattr(r.learned, "rule_name", None) == n))
    return out
