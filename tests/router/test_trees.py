"""Routing trees reach their sinks over working links; the checker catches faults."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.machine import Link, Machine
from spinnc.mapper.keys import allocate_keys
from spinnc.mapper.vertices import Net, Placements
from spinnc.router.verify import RoutingError, check
from spinnc.router.generate import routing_tables
from spinnc.router.trees import UnroutableNet, route
from spinnc.router.table import is_default_routable


def random_mapping(machine, n_vertices, n_nets, seed, fan_out=4):
    """Vertices on random working cores, nets with random sinks."""
    rng = np.random.RandomState(seed)
    cores = [(x, y, p) for x, y in machine.working_chips for p in machine.cores(x, y)]
    chosen = rng.choice(len(cores), n_vertices, replace=False)
    x, y, p = (np.array([cores[i][k] for i in chosen]) for k in range(3))
    placements = Placements(x, y, p)
    nets = []
    for i in range(n_nets):
        sinks = np.unique(rng.choice(n_vertices, rng.randint(1, fan_out + 1)))
        nets.append(Net(int(rng.randint(n_vertices)), sinks, 0, int(rng.randint(1, 9)),
                        pre=f"v{i}"))
    return nets, placements


def routed(machine, nets, placements):
    keys = allocate_keys(nets, placements)
    trees = route(nets, placements, machine)
    return keys, trees, routing_tables(trees, keys)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["4x4-torus", "spinn5", "6x5", "spinn3"]))
def test_trees_reach_exactly_their_sinks(seed, spec):
    machine = Machine.from_spec(spec)
    nets, placements = random_mapping(machine, 20, 15, seed)
    keys, routes, tables = routed(machine, nets, placements)
    check(nets, placements, keys, tables, machine)
    for index, net in enumerate(nets):
        source = placements.chip(net.source)
        hops = [int(machine.hops(*source, *placements.chip(v))) for v in net.sinks]
        assert max(hops) <= routes.links_used(index) <= sum(hops)  # shared branches


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_trees_avoid_dead_chips_and_links(seed):
    rng = np.random.RandomState(seed)
    healthy = Machine.grid(6, 6, wrap=True)
    dead_links = [(int(rng.randint(6)), int(rng.randint(6)), int(rng.randint(6)))
                  for _ in range(8)]
    machine = healthy.with_dead(chips=[(2, 2), (3, 3)], links=dead_links)
    nets, placements = random_mapping(machine, 20, 15, seed)
    keys, routes, tables = routed(machine, nets, placements)
    check(nets, placements, keys, tables, machine)  # a dead link used would fail here
    for index in range(len(nets)):
        tree = routes.tree(index)
        assert (2, 2) not in tree and (3, 3) not in tree


def test_default_routable_entries_appear_on_straight_runs():
    machine = Machine.grid(8, 1)
    placements = Placements(np.array([0, 7]), np.array([0, 0]), np.array([1, 1]))
    nets = [Net(0, np.array([1]), 0, 4, pre="a")]
    keys, routes, tables = routed(machine, nets, placements)
    middle = np.concatenate([tables[(x, 0)] for x in range(1, 7)])
    assert is_default_routable(middle).all()
    # Without them, default routing still carries the packets.
    thinned = {chip: t[~is_default_routable(t)] for chip, t in tables.items()}
    check(nets, placements, keys, thinned, machine)


def test_a_split_machine_is_an_error_naming_the_net():
    machine = Machine.grid(4, 4).with_dead(chips=[(2, y) for y in range(4)])
    placements = Placements(np.array([0, 3]), np.array([0, 0]), np.array([1, 1]))
    nets = [Net(0, np.array([1]), 0, 1, pre="lonely")]
    with pytest.raises(UnroutableNet, match="net 0 .*'lonely'.*chip \\(3, 0\\)"):
        route(nets, placements, machine)


def test_checker_catches_corrupted_tables():
    machine = Machine.grid(4, 4, wrap=True)
    nets, placements = random_mapping(machine, 12, 8, seed=3)
    keys, routes, tables = routed(machine, nets, placements)
    check(nets, placements, keys, tables, machine)
    source_chip = placements.chip(nets[0].source)

    dropped = {c: t.copy() for c, t in tables.items()}
    table = dropped[source_chip]
    dropped[source_chip] = table[table["key"] != keys.keys[0]]
    with pytest.raises(RoutingError, match=f"net 0 .*key {int(keys.keys[0]):#010x}"):
        check(nets, placements, keys, dropped, machine)

    wrong = {c: t.copy() for c, t in tables.items()}
    row = np.flatnonzero(wrong[source_chip]["key"] == keys.keys[0])[0]
    wrong[source_chip]["route"][row] ^= 1 << (6 + 17)  # an extra core
    with pytest.raises(RoutingError, match="net 0 "):
        check(nets, placements, keys, wrong, machine)


def test_checker_catches_loops():
    machine = Machine.grid(3, 1, wrap=True)
    placements = Placements(np.array([0, 0]), np.array([0, 0]), np.array([1, 2]))
    nets = [Net(0, np.array([1]), 0, 1, pre="a")]
    keys = allocate_keys(nets, placements)
    from spinnc.router.table import make_table
    east = 1 << Link.EAST
    tables = {(x, 0): make_table([(int(keys.keys[0]), int(keys.masks[0]), east, 0)])
              for x in range(3)}
    with pytest.raises(RoutingError, match="twice"):
        check(nets, placements, keys, tables, machine)


def test_no_nets_no_routes():
    from spinnc.compiler import compile_network
    import nengo

    with nengo.Network(seed=0) as model:
        e = nengo.Ensemble(10, 1, label="alone")
        nengo.Probe(e.neurons, label="spikes")
    compiled = compile_network(model, Machine.spinn3(), n_steps=10, placer="hilbert")
    assert compiled.image.tables == {} and len(compiled.image.cores) == 1


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["4x4-torus", "6x5", "spinn3"]),
       st.sampled_from(["drop entry", "flip route bit", "change key", "none"]))
def test_batched_check_agrees_with_following_each_net(seed, spec, corruption):
    """check() follows all nets at once; it must fail exactly when following
    some net on its own fails, and then with that net's message."""
    from spinnc.router.verify import _check_net

    machine = Machine.from_spec(spec)
    nets, placements = random_mapping(machine, 20, 15, seed)
    keys, routes, tables = routed(machine, nets, placements)
    rng = np.random.RandomState(seed)
    tables = {c: t.copy() for c, t in tables.items()}
    chip = sorted(tables)[rng.randint(len(tables))]
    row = rng.randint(len(tables[chip]))
    if corruption == "drop entry":
        tables[chip] = np.delete(tables[chip], row)
    elif corruption == "flip route bit":
        tables[chip]["route"][row] ^= 1 << int(rng.randint(24))
    elif corruption == "change key":
        tables[chip]["key"][row] ^= 1 << int(rng.randint(4))
    first_error = None
    for index, net in enumerate(nets):
        try:
            _check_net(index, net, placements, keys, tables, machine)
        except RoutingError as error:
            first_error = str(error)
            break
    if first_error is None:
        check(nets, placements, keys, tables, machine)
    else:
        with pytest.raises(RoutingError) as raised:
            check(nets, placements, keys, tables, machine)
        assert str(raised.value) == first_error
