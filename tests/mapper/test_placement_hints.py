"""Placement hints: ``network.config[obj].chip = (x, y)`` puts obj's cores on that chip."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

import spinnc
from spinnc.compiler import compile_network
from spinnc.config import object_settings
from spinnc.errors import DoesNotFit
from spinnc.machine import Machine


def model(big=3000):
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t), label="stim")
        a = nengo.Ensemble(60, 1, label="a")
        b = nengo.Ensemble(big, 1, label="b")
        c = nengo.Ensemble(40, 1, label="c")
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        nengo.Connection(b, c)
        net.probe = nengo.Probe(c, synapse=0.01)
    spinnc.add_params(net)
    return net, stim, a, b, c


def chips_of(compiled, name):
    vertices = compiled.partition.vertices_of[name]
    return [compiled.placements.chip(v) for v in vertices]


@pytest.mark.parametrize("placer", ["hilbert", "anneal"])
def test_hinted_cores_sit_on_their_chip(placer):
    net, stim, a, b, c = model(big=600)
    net.config[a].chip = (3, 4)
    net.config[b].chip = (7, 5)
    net.config[stim].chip = (0, 1)
    compiled = compile_network(net, Machine.spinn5(), n_steps=50, placer=placer)
    assert set(chips_of(compiled, "a")) == {(3, 4)}
    assert set(chips_of(compiled, "b")) == {(7, 5)}
    assert set(chips_of(compiled, "stim")) == {(0, 1)}
    hinted = len(chips_of(compiled, "a") + chips_of(compiled, "b") + chips_of(compiled, "stim"))
    assert compiled.placements.stats["hinted"] == compiled.placements.stats["on_hinted_chip"] \
        == hinted


def test_cores_beyond_a_chip_go_to_the_nearest_chips():
    net, stim, a, b, c = model(big=4000)
    net.config[b].chip = (2, 2)
    machine = Machine.spinn5()
    compiled = compile_network(net, machine, n_steps=50, placer="anneal")
    chips = chips_of(compiled, "b")
    assert len(chips) > machine.app_cores  # more cores than one chip has
    assert chips.count((2, 2)) == machine.app_cores
    hops = [int(machine.hops(2, 2, x, y)) for x, y in chips if (x, y) != (2, 2)]
    assert max(hops) == 1
    stats = compiled.placements.stats
    assert stats["on_hinted_chip"] == machine.app_cores < stats["hinted"] == len(chips)


def test_hints_change_where_not_what():
    net, stim, a, b, c = model(big=300)
    with spinnc.Simulator(net, horizon=200, progress_bar=False) as sim:
        sim.run_steps(200)
        free = sim.data[net.probe].copy()
        free_chip = sim.compilation.placements.chip(sim.compilation.partition.vertices_of["c"][0])
    net.config[c].chip = (6, 6) if free_chip != (6, 6) else (1, 0)
    with spinnc.Simulator(net, horizon=200, progress_bar=False) as sim:
        sim.run_steps(200)
        hinted = sim.data[net.probe].copy()
        assert chips_of(sim.compilation, "c") == [net.config[c].chip]
    np.testing.assert_array_equal(hinted, free)


def test_a_hint_outside_the_machine_names_the_object_and_chip():
    net, stim, a, b, c = model(big=100)
    net.config[a].chip = (8, 3)
    with pytest.raises(DoesNotFit, match=r"'a' has the placement hint chip=\(8, 3\).*not in "
                                         r"the machine"):
        compile_network(net, Machine.spinn5(), n_steps=10)


def test_a_hint_on_a_chip_without_cores_is_refused():
    net, stim, a, b, c = model(big=100)
    machine = Machine.spinn5()
    missing = next((x, y) for x in range(machine.width) for y in range(machine.height)
                   if machine.core_counts[x, y] == 0)
    net.config[a].chip = missing
    with pytest.raises(DoesNotFit, match="has no working application cores"):
        compile_network(net, machine, n_steps=10)


@pytest.mark.parametrize("value", [(1, -1), (1, 2, 3), (1.5, 2), ("a", 0), (True, 0)])
def test_a_malformed_chip_is_refused_when_set(value):
    net, stim, a, b, c = model(big=100)
    with pytest.raises(ValidationError):
        net.config[a].chip = value


def test_a_hint_on_a_folded_passthrough_warns_that_it_does_nothing():
    net, stim, a, b, c = model(big=100)
    with net:
        through = nengo.Node(size_in=1, label="through")
        nengo.Connection(c, through)
        nengo.Connection(through, a)
    net.config[through].chip = (1, 1)
    with pytest.warns(UserWarning, match="'through' has the spinnc settings.*do nothing"):
        compile_network(net, Machine.spinn5(), n_steps=10)


def test_small_ensembles_share_a_core_only_with_equal_settings():
    with nengo.Network(seed=1) as net:
        ens = [nengo.Ensemble(10, 1, label=f"e{i}") for i in range(4)]
        for pre, post in zip(ens, ens[1:]):
            nengo.Connection(pre, post)
    spinnc.add_params(net)
    compiled = compile_network(net, Machine.spinn5(), n_steps=10)
    assert len({v for e in ens for v in compiled.partition.vertices_of[e.label]}) == 1
    net.config[ens[1]].chip = (2, 0)
    compiled = compile_network(net, Machine.spinn5(), n_steps=10)
    of = compiled.partition.vertices_of
    assert of["e1"] not in (of["e0"], of["e2"], of["e3"]) and of["e2"] == of["e3"]
    assert chips_of(compiled, "e1") == [(2, 0)]


def test_the_innermost_network_that_sets_a_value_wins():
    with nengo.Network() as outer:
        with nengo.Network(label="inner") as inner:
            e = nengo.Ensemble(10, 1, label="e")
            f = nengo.Ensemble(10, 1, label="f")
    spinnc.add_params(outer)
    spinnc.add_params(inner)
    outer.config[e].chip = (1, 1)
    outer.config[f].chip = (2, 2)
    inner.config[e].chip = (3, 3)
    inner.config[f].profile = True
    assert object_settings(outer, {e: "inner.e", f: "inner.f"}) == {
        "inner.e": {"chip": (3, 3)}, "inner.f": {"chip": (2, 2), "profile": True}}
