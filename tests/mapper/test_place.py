"""Placement: validity on machines with dead parts, errors, determinism,
annealing quality, the wirelength metric and interoperability with rig."""

import itertools
import math
import sys

import numpy as np
import pytest

from spinnc.errors import DoesNotFit
from spinnc.machine import Machine
from spinnc.mapper.place import (PLACERS, hilbert_order, net_costs, place, total_hops,
                                 wirelength)
from spinnc.mapper.vertices import Net, Placements, Resources, Slice, Vertex

MIB = 1 << 20


def make_vertices(n, sdram=MIB, rng=None):
    sizes = rng.integers(sdram // 2, 2 * sdram, n) if rng is not None else [sdram] * n
    return [Vertex(f"v{i}", "ensemble", (Slice("pop", i, i + 1),),
                   Resources(cycles=1000, dtcm=1024, sdram=int(s)))
            for i, s in enumerate(sizes)]


def chain_nets(n, reach=3, order=None):
    """Each vertex sends to the next ``reach`` vertices in ``order``
    (default: index order): a graph with a clear good placement."""
    order = np.arange(n) if order is None else order
    return [Net(int(order[i]), order[i + 1:i + 1 + reach].copy(), 0, 1 + i % 3)
            for i in range(n - 1)]


def random_nets(n, fan_out, rng):
    return [Net(s, rng.choice(np.delete(np.arange(n), s), fan_out, replace=False), 0,
                int(rng.integers(1, 5))) for s in range(n)]


def damaged_spinn5():
    """One board with a dead chip, dead cores (one of them the highest) and a dead link."""
    return Machine.spinn5().with_dead(chips=[(1, 1), (4, 4)],
                                      cores=[(0, 0, 1), (2, 3, 7), (3, 3, 16)],
                                      links=[(0, 0, 0), (2, 2, 1)])


def assert_valid(placements, vertices, machine):
    assert len(placements) == len(vertices)
    seen = set()
    used = {}
    for v in range(len(vertices)):
        x, y, core = placements.location(v)
        assert machine.is_alive(x, y), f"vertex {v} on dead or missing chip {(x, y)}"
        assert core != 0, f"vertex {v} on the monitor core"
        assert core in machine.cores(x, y), f"vertex {v} on dead core {(x, y, core)}"
        assert (x, y, core) not in seen, f"two vertices on {(x, y, core)}"
        seen.add((x, y, core))
        used[x, y] = used.get((x, y), 0) + vertices[v].resources.sdram
    assert max(used.values()) <= machine.sdram_bytes


@pytest.mark.parametrize("placer", sorted(PLACERS))
def test_valid_on_damaged_machine(placer):
    machine = damaged_spinn5()
    rng = np.random.default_rng(3)
    n = machine.n_cores - 5  # nearly full: every dead part is in the way
    vertices = make_vertices(n, rng=rng)
    placements = place(vertices, random_nets(n, 4, rng), machine, placer=placer, seed=1)
    assert_valid(placements, vertices, machine)
    assert placements.placer == placer and placements.seconds > 0


@pytest.mark.parametrize("placer", sorted(PLACERS))
def test_sdram_binds(placer):
    # 4 MiB chips and 0.5-2 MiB vertices: SDRAM, not the 16 cores, limits each chip.
    machine = Machine.grid(4, 4, wrap=True, sdram_bytes=4 * MIB)
    rng = np.random.default_rng(6)
    vertices = make_vertices(36, rng=rng)
    placements = place(vertices, random_nets(36, 3, rng), machine, placer=placer, seed=2)
    assert_valid(placements, vertices, machine)
    assert np.bincount(placements.x * 4 + placements.y).max() <= 8


@pytest.mark.parametrize("placer", sorted(PLACERS))
def test_too_many_vertices(placer):
    machine = Machine.spinn3()  # 4 chips x 16 cores
    with pytest.raises(DoesNotFit, match=r"65 cores.*64 working application cores.*bigger"):
        place(make_vertices(65), [], machine, placer=placer)


@pytest.mark.parametrize("placer", sorted(PLACERS))
def test_too_little_sdram(placer):
    machine = Machine.spinn3(sdram_bytes=4 * MIB)
    with pytest.raises(DoesNotFit, match=rf"{20 * MIB} bytes of SDRAM.*{4 * MIB} bytes per chip"):
        place(make_vertices(20), [], machine, placer=placer)
    with pytest.raises(DoesNotFit, match=rf"vertex 0 .*{5 * MIB} bytes.*{4 * MIB}"):
        place(make_vertices(1, sdram=5 * MIB), [], machine, placer=placer)


def test_unknown_placer():
    with pytest.raises(ValueError, match="hilbert"):
        place([], [], Machine.spinn3(), placer="magic")


@pytest.mark.parametrize("placer", sorted(PLACERS))
def test_empty(placer):
    placements = place([], [], Machine.spinn3(), placer=placer)
    assert len(placements) == 0


@pytest.mark.parametrize("placer", sorted(PLACERS))
def test_deterministic(placer):
    machine = Machine.boards(3)
    rng = np.random.default_rng(5)
    vertices, nets = make_vertices(300), random_nets(300, 6, rng)
    a = place(vertices, nets, machine, placer=placer, seed=7)
    b = place(vertices, nets, machine, placer=placer, seed=7)
    for field in ("x", "y", "core"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_anneal_seed_matters():
    machine = Machine.boards(3)
    rng = np.random.default_rng(5)
    vertices, nets = make_vertices(300), random_nets(300, 6, rng)
    a = place(vertices, nets, machine, placer="anneal", seed=1)
    b = place(vertices, nets, machine, placer="anneal", seed=2)
    assert not np.array_equal(a.x * 100 + a.y, b.x * 100 + b.y)


# A torus over 64 chips wide takes the kernel's general (sorting) cost path.
MACHINES = [Machine.boards(3), Machine.spinn5(), Machine.grid(70, 4, wrap=True)]


@pytest.mark.parametrize("machine", MACHINES, ids=str)
def test_anneal_never_worse_on_structured_graph(machine):
    n = 400
    vertices, nets = make_vertices(n), chain_nets(n)
    start = wirelength(place(vertices, nets, machine, "hilbert"), nets, machine)
    annealed = place(vertices, nets, machine, "anneal", seed=3)
    assert wirelength(annealed, nets, machine) <= start
    assert annealed.stats["cost"] == pytest.approx(wirelength(annealed, nets, machine))


@pytest.mark.parametrize("machine", MACHINES, ids=str)
def test_anneal_much_better_on_shuffled_graph(machine):
    n = 400
    order = np.random.default_rng(4).permutation(n)
    vertices, nets = make_vertices(n), chain_nets(n, order=order)
    start = wirelength(place(vertices, nets, machine, "hilbert"), nets, machine)
    annealed = place(vertices, nets, machine, "anneal", seed=3)
    assert wirelength(annealed, nets, machine) < 0.3 * start
    assert annealed.stats["cost"] == pytest.approx(wirelength(annealed, nets, machine))


def brute_force_span(coords, length, wrap):
    """Shortest covering interval by trying every start and length."""
    if not wrap:
        return max(coords) - min(coords)
    for span in range(length):
        for start in range(length):
            if all((c - start) % length <= span for c in coords):
                return span
    return length - 1


@pytest.mark.parametrize("width,height,wrap", [(5, 3, True), (7, 7, True), (6, 4, False)])
def test_wirelength_matches_brute_force(width, height, wrap):
    machine = Machine.grid(width, height, wrap=wrap)
    rng = np.random.default_rng(width * height)
    n = 30
    placements = Placements(x=rng.integers(0, width, n), y=rng.integers(0, height, n),
                            core=np.ones(n, dtype=int))
    nets = [Net(int(rng.integers(n)), rng.integers(0, n, int(rng.integers(0, 6))), 0,
                int(rng.integers(1, 4))) for _ in range(60)]
    expected = []
    for net in nets:
        members = [net.source, *net.sinks]
        xs, ys = placements.x[members], placements.y[members]
        expected.append(net.weight * (brute_force_span(list(xs), width, wrap)
                                      + brute_force_span(list(ys), height, wrap)))
    np.testing.assert_allclose(net_costs(placements, nets, machine), expected)
    assert wirelength(placements, nets, machine) == pytest.approx(sum(expected))


def test_wirelength_uses_wrap():
    torus, mesh = Machine.grid(8, 8, wrap=True), Machine.grid(8, 8, wrap=False)
    placements = Placements(x=np.array([0, 7, 6]), y=np.array([0, 0, 1]), core=np.ones(3))
    nets = [Net(0, np.array([1, 2]), 0, 2)]
    assert wirelength(placements, nets, torus) == 2 * (2 + 1)  # x covers 6, 7, 0
    assert wirelength(placements, nets, mesh) == 2 * (7 + 1)


def test_total_hops():
    machine = Machine.grid(8, 8, wrap=True)
    placements = Placements(x=np.array([0, 7, 2, 3]), y=np.array([0, 7, 2, 0]),
                            core=np.ones(4))
    nets = [Net(0, np.array([1, 2, 3]), 0, 2), Net(3, np.array([0]), 0, 1)]
    # (0,0)->(7,7) is one hop (-1,-1) across the wrap; ->(2,2) two; ->(3,0) three.
    assert total_hops(placements, nets, machine) == 2 * (1 + 2 + 3) + 3


def test_hilbert_order_is_a_curve():
    x, y = hilbert_order(8, 8)
    assert len(set(zip(x, y))) == 64
    assert np.all(np.abs(np.diff(x)) + np.abs(np.diff(y)) == 1)
    x, y = hilbert_order(12, 5)  # box not a power of two: a subset of the 16x16 curve
    assert sorted(zip(x, y)) == sorted(itertools.product(range(12), range(5)))


def test_hilbert_keeps_populations_close():
    machine = Machine.grid(16, 16)
    n = 16 * 64
    placements = place(make_vertices(n), [], machine, "hilbert")
    # Each run of 4**k chips' worth of vertices fills a 2**k x 2**k square.
    for k in (1, 2, 3):
        block = 16 * 4**k
        for lo in range(0, n, block):
            xs, ys = placements.x[lo:lo + block], placements.y[lo:lo + block]
            assert np.ptp(xs) == np.ptp(ys) == 2**k - 1
    # A run of up to 4**k chips lies in two neighbouring aligned 4**k blocks:
    # within a 2**k x 2**(k+1) box.
    rng = np.random.default_rng(0)
    edges = np.unique(np.r_[0, np.cumsum(rng.integers(1, 100, n)), n].clip(0, n))
    for lo, hi in zip(edges[:-1], edges[1:]):
        chips = np.unique(placements.x[lo:hi] * 16 + placements.y[lo:hi])
        k = math.ceil(math.log(len(chips), 4))
        box = sorted([np.ptp(chips // 16) + 1, np.ptp(chips % 16) + 1])
        assert box[0] <= 2**k and box[1] <= 2**(k + 1), (lo, hi, box)


# -- rig interoperability ---------------------------------------------------

def _rig_or_skip():
    from spinnc.interop import import_rig

    try:
        return import_rig()
    except ImportError as error:
        pytest.skip(str(error))


def test_import_rig_says_how_to_install(monkeypatch):
    from spinnc.interop import import_rig

    monkeypatch.setitem(sys.modules, "rig", None)  # as if rig were not installed
    with pytest.raises(ImportError, match=r"pip install -e '\.\[interop\]'"):
        import_rig()


@pytest.mark.parametrize("machine", [
    Machine.boards(3).with_dead(chips=[(5, 5)], cores=[(0, 0, 2)]), damaged_spinn5()], ids=str)
def test_wirelength_of_rig_placement(machine):
    """Our wirelength of rig's Hilbert placement equals the cost rig's own
    annealer kernel computes (which has an extra sqrt(net size) factor)."""
    _rig_or_skip()
    from rig.place_and_route.place.hilbert import place as rig_hilbert
    from rig.place_and_route.place.sa.python_kernel import _net_cost

    from spinnc.interop import placements_from_rig, rig_problem

    rng = np.random.default_rng(8)
    n = 500
    vertices, nets = make_vertices(n, rng=rng), random_nets(n, 5, rng)
    resources, rig_nets, rig_machine, constraints = rig_problem(vertices, nets, machine)
    assert rig_machine.has_wrap_around_links() == machine.wrap
    chips = rig_hilbert(resources, rig_nets, rig_machine, constraints)
    placements = placements_from_rig(chips, machine)
    assert_valid(placements, vertices, machine)
    theirs = [_net_cost(net, chips, machine.wrap, rig_machine) / math.sqrt(len(net.sinks) + 1)
              for net in rig_nets]
    np.testing.assert_allclose(net_costs(placements, nets, machine), theirs)
