"""Clusters of cores sharing one filtered input (spinnc.mapper.clusters):
which populations share, how their connections split, where their cores go,
and what the Python engine computes with them (the firmware's agreement is
tests/firmware_sim/test_arm_share.py)."""

from dataclasses import replace

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.errors import ImageError
from spinnc.firmware_sim import Emulator
from spinnc.frontend import build, quantise
from spinnc.machine import Machine
from spinnc.mapper.clusters import form_clusters
from spinnc.mapper.place import place
from spinnc.mapper.vertices import Resources, Slice, Vertex
from spinnc.regions import Region, pack_regions, read_regions, unpack_regions


def wide(dims, n_neurons, seed=1, probe_neurons=False):
    rng = np.random.RandomState(0)
    x = rng.randn(dims)
    x *= 0.5 / np.linalg.norm(x)
    with nengo.Network(seed=seed) as net:
        a = nengo.Ensemble(n_neurons, dims)
        nengo.Connection(nengo.Node(x), a)
        nengo.Connection(nengo.Node(np.ones(dims) * 0.01), a, synapse=0.01)
        probe = nengo.Probe(a, synapse=0.02)
        if probe_neurons:
            nengo.Probe(a.neurons)
    return net, probe, x


def fixed_graph(net):
    return quantise(build(net))[0]


def test_a_513_dimensional_ensemble_shares_its_input_in_blocks():
    net, _, _ = wide(513, 1000)
    graph = fixed_graph(net)
    shared = form_clusters(graph, Machine.spinn5())
    (pop,) = shared.populations.values()
    blocks = pop.input_slices
    assert 2 <= len(blocks) <= Machine.spinn5().app_cores
    assert blocks[0][0] == 0 and blocks[-1][1] == 513
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    # Every connection's rows are in exactly one piece, each piece in one block.
    for conn in graph.incoming(pop.name):
        pieces = [c for c in shared.incoming(pop.name) if c.name.startswith(conn.name + "[")]
        assert sum(c.size_out for c in pieces) == conn.size_out
        assert np.array_equal(np.sort(np.concatenate([c.post_indices for c in pieces])),
                              np.sort(conn.post_indices))
        for c in pieces:
            lo, hi = next(b for b in blocks if b[0] <= c.post_indices[0] < b[1])
            assert np.all((c.post_indices >= lo) & (c.post_indices < hi))


def test_narrow_and_learning_ensembles_keep_their_own_inputs():
    net, _, _ = wide(16, 200)
    graph = fixed_graph(net)
    assert form_clusters(graph, Machine.spinn5()) is graph
    with nengo.Network(seed=1) as net:
        a = nengo.Ensemble(200, 400)
        nengo.Connection(nengo.Node(np.zeros(400)), a)
        b = nengo.Node(size_in=1)
        conn = nengo.Connection(a, b, function=lambda x: 0,
                                learning_rule_type=nengo.PES(1e-4))
        nengo.Connection(b, conn.learning_rule)
    graph = fixed_graph(net)
    shared = form_clusters(graph, Machine.spinn5())
    assert all(not p.input_slices for p in shared.populations.values())


def test_clusters_are_placed_on_one_chip_and_receive_their_blocks_only():
    net, _, _ = wide(513, 300)
    compiled = compile_network(net, Machine.spinn5(), n_steps=10, seed=0, placer="anneal")
    parts, placements = compiled.partition, compiled.placements
    clusters: dict = {}
    for i, v in enumerate(parts.vertices):
        if v.cluster >= 0:
            clusters.setdefault(v.cluster, []).append(i)
    assert clusters
    emulator = Emulator(compiled.image)
    by_place = {(c.x, c.y, c.core): c for c in emulator.cores}
    for members in clusters.values():
        assert len({placements.chip(v) for v in members}) == 1
        blocks = [parts.vertices[v].input_block for v in members]
        assert sorted(blocks) == sorted(set(blocks))  # one core a block
        for v in members:
            lo, hi = parts.vertices[v].input_block
            core = by_place[placements.location(v)]
            # Two nodes feed every dimension: two packets a dimension of its block.
            assert core.received == 2 * (hi - lo)
            assert core.region(Region.INPUT_SHARE)[0]["width"] == hi - lo
    # The mapping report shows each core's block and cluster.
    from spinnc.report.mapping import mapping_report
    shown = [v for v in mapping_report(compiled)["vertices"] if v["cluster"] >= 0]
    assert len(shown) == sum(len(m) for m in clusters.values())
    assert all(tuple(v["input_block"]) == parts.vertices[v["vertex"]].input_block
               for v in shown)
    # Each core's plan is within the budget, and no tick overruns.
    machine = compiled.image.machine
    assert max(v.resources.cycles for v in parts.vertices) <= 0.4 * machine.cycles_per_tick
    emulator.run(10)
    assert not emulator.overruns.any()


def test_a_shared_input_decodes_as_nengo_does():
    net, probe, x = wide(300, 1500)
    import spinnc
    with spinnc.Simulator(net) as sim:
        sim.run(0.2)
        assert any(v.cluster >= 0 for v in sim.compilation.partition.vertices)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.2)
    ours, theirs = sim.data[probe][-50:].mean(axis=0), ref.data[probe][-50:].mean(axis=0)
    # Both represent x equally badly (1,500 neurons in 300 dimensions) and alike.
    assert np.sqrt(np.mean((ours - theirs) ** 2)) < 0.1 * np.sqrt(np.mean(x ** 2))
    assert abs(np.sqrt(np.mean((ours - x) ** 2)) - np.sqrt(np.mean((theirs - x) ** 2))) < 0.002


def test_the_python_engine_encodes_what_the_cluster_wrote_the_tick_before():
    """A shared core's neurons see each input one tick later than an
    unshared core's: the same model with sharing turned off, shifted."""
    import spinnc.mapper.clusters as input_share
    with nengo.Network(seed=2) as net:
        a = nengo.Ensemble(40, 48)
        nengo.Connection(nengo.Node(lambda t: 0.4 * np.sin(20 * t + np.arange(48))), a,
                         synapse=None)
        nengo.Probe(a.neurons, "input")
    machine = Machine.spinn3(cycles_per_tick=60000)

    def currents(saved):
        old, input_share.CORES_SAVED = input_share.CORES_SAVED, saved
        try:
            image = compile_network(net, machine, n_steps=30, seed=0).image
        finally:
            input_share.CORES_SAVED = old
        emulator = Emulator(image)
        emulator.run(30)
        shared = any(c.region(Region.INPUT_SHARE)[0] for c in emulator.cores)
        (data,) = [v for k, v in emulator.recordings().items() if k.endswith(".input")]
        return shared, data

    shared, late = currents(0.0)
    alone, on_time = currents(2.0)
    assert shared and not alone
    assert np.array_equal(late[1:], on_time[:-1])


def test_a_cluster_that_does_not_cover_its_input_is_refused():
    net, _, _ = wide(48, 60)
    compiled = compile_network(net, Machine.spinn3(cycles_per_tick=60000), n_steps=5, seed=0)
    image = compiled.image
    cores = list(image.cores)
    i = next(i for i, c in enumerate(cores)
             if Region.INPUT_SHARE in read_regions(c.data)
             and read_regions(c.data)[Region.INPUT_SHARE][0]["first"] > 0)
    raw = unpack_regions(cores[i].data)
    header, arrays = read_regions(cores[i].data)[Region.INPUT_SHARE]
    raw[Region.INPUT_SHARE] = Region.LAYOUTS[Region.INPUT_SHARE].pack(
        {**header, "first": 0}, **arrays)
    cores[i] = replace(cores[i], data=pack_regions(raw))
    with pytest.raises(ImageError, match="cover each of its 48 dimensions once"):
        Emulator(replace(image, cores=cores))


def test_hilbert_starts_a_cluster_on_a_fresh_chip():
    machine = Machine.spinn3()
    def vertex(i, cluster=-1):
        return Vertex(f"v{i}", "ensemble", (Slice("p", i, i + 1),), Resources(1, 1, 1),
                      cluster=cluster)
    # 10 loose vertices, then a cluster of 12: it cannot share the first chip.
    vertices = [vertex(i) for i in range(10)] + [vertex(10 + i, 0) for i in range(12)]
    for placer in ("hilbert", "anneal"):
        placements = place(vertices, [], machine, placer=placer)
        chips = {placements.chip(v) for v in range(10, 22)}
        assert len(chips) == 1, placer
        assert placements.chip(0) not in chips


def chain(dims, n_neurons):
    rng = np.random.RandomState(0)
    x = rng.randn(dims)
    x *= 0.5 / np.linalg.norm(x)
    with nengo.Network(seed=1) as net:
        a, b = nengo.Ensemble(n_neurons, dims), nengo.Ensemble(n_neurons, dims)
        nengo.Connection(nengo.Node(x), a)
        nengo.Connection(a, b)
        probe = nengo.Probe(b, synapse=0.02)
    return net, probe, x


def test_the_receiver_of_a_split_ensembles_partial_sums_shares_its_input():
    """2,000 neurons on 44 cores send 64 partial sums each: 2,816 packets a
    tick, more than any core takes, unless the receiver's cores share blocks."""
    import spinnc
    net, probe, x = chain(64, 2000)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.2)
        vertices = sim.compilation.partition.vertices
    receivers = [v for v in vertices if v.slices[0].obj == "ensemble1"]
    assert all(v.cluster >= 0 for v in receivers)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.2)
    ours, theirs = sim.data[probe][-50:].mean(axis=0), ref.data[probe][-50:].mean(axis=0)
    assert np.sqrt(np.mean((ours - theirs) ** 2)) < 0.05 * np.sqrt(np.mean(x ** 2))


def test_too_many_partial_sums_are_named_with_their_source():
    from spinnc.frontend.graph import Connection
    from spinnc.mapper.partition import Group, _senders

    conn = Connection("a->b", "a", "b", np.zeros((64, 10), np.int32), np.arange(64), None)
    groups = {"a": [Group("a", 64, [conn])]}
    assert _senders(None, groups, {"a": 44}, "b") == (
        "; most of its packets are partial sums, 64 rows from each of the 44 cores of 'a' "
        "(2,816 a tick): fewer neurons or dimensions in 'a' reduce them")
    assert _senders(None, groups, {"a": 1}, "b") == ""  # one core: no partial sums


def test_clusters_add_the_sums_no_receiver_could_take():
    import spinnc
    from spinnc.mapper.clusters import _row_blocks

    rng = np.random.RandomState(0)
    x = rng.randn(8)
    x *= 0.5 / np.linalg.norm(x)
    with nengo.Network(seed=1) as net:
        a, b = nengo.Ensemble(800, 8), nengo.Ensemble(800, 8)
        nengo.Connection(nengo.Node(x), a)
        nengo.Connection(a, b)
        probe = nengo.Probe(b, synapse=0.02)
    machine = Machine.spinn5(cycles_per_tick=30000)  # a small budget: 64 cores of a
    with spinnc.Simulator(net, progress_bar=False, machine=machine) as sim:
        sim.run(0.2)
        compiled = sim.compilation
    pop = compiled.fixed_graph.populations["ensemble0"]
    assert pop.shares_output and pop.cluster >= 2
    # Each row out of it is sent by one core of each cluster.
    pieces = [c for c in compiled.fixed_graph.outgoing("ensemble0") if c.target == "value"]
    assert sorted(np.concatenate([c.post_indices for c in pieces]).tolist()) == list(range(8))
    assert all(0 <= c.sent_by < pop.cluster for c in pieces)
    senders = [v for v in compiled.partition.vertices if v.slices[0].obj == "ensemble0"]
    for net_ in compiled.partition.nets:
        if net_.pre == "ensemble0":
            sender = compiled.partition.vertices[net_.source]
            group = compiled.partition.groups["ensemble0"][net_.group]
            assert sender.cluster_index == group.sent_by
    assert len({v.cluster for v in senders}) == len(senders) // pop.cluster
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.2)
    ours, theirs = sim.data[probe][-50:].mean(axis=0), ref.data[probe][-50:].mean(axis=0)
    assert np.sqrt(np.mean((ours - theirs) ** 2)) < 0.02 * np.sqrt(np.mean(x ** 2))
    # Row blocks: even over all the rows out, cut at the blocks' bounds.
    cut = _row_blocks(pieces[:1] * 3, 4)
    assert [c.size_out for c in cut] == [c.size_out for c in cut] and sum(
        c.size_out for c in cut) == 3 * pieces[0].size_out


def test_a_256_dimensional_chain_fits_three_boards():
    net, probe, x = chain(256, 2000)
    compiled = compile_network(net, Machine.boards(3), n_steps=10, seed=0)
    pops = compiled.fixed_graph.populations
    assert pops["ensemble0"].shares_output and pops["ensemble1"].input_slices
