"""Placement: put each vertex (one core's worth of the model) on a chip and core.

Every placer has the same signature, ``placer(vertices, nets, machine,
seed=None) -> Placements``, so they are interchangeable (as in rig); pick one
by name with :func:`place`, which looks it up in :data:`PLACERS`.

- :func:`hilbert` fills chips in Hilbert-curve order with the vertices in
  the order given.  The partitioner keeps the slices of a population
  adjacent, and the curve keeps chips that are adjacent in its order close on
  the mesh, so slices of one population land close together.  Fast.
- :func:`anneal` starts from the Hilbert placement and improves it by
  simulated annealing (moves and swaps in a shrinking window, after the VPR
  schedule of Betz and Rose 1997, which rig's placer also uses), minimising
  :func:`wirelength`.  The move loop is compiled (``_anneal.pyx``).

Both never use dead chips or cores or core 0 (the monitor), put at most one
vertex on a core and keep each chip's SDRAM within ``machine.sdram_bytes``.
Chip ``(x, y)`` has index ``x * machine.height + y`` inside this module, the
order of ``machine.core_counts.ravel()``.
"""

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from spinnc.errors import DoesNotFit
from spinnc.machine import Machine
from spinnc.mapper.vertices import Net, Placements, Vertex

#: Seed used when a placer is given ``seed=None``: compiling the same model
#: twice gives the same placement; pass another seed to explore.
DEFAULT_SEED = 0


# -- the cost placers minimise and reports print ----------------------------

def _net_arrays(nets: Sequence[Net]):
    """Flatten nets: per member (source first, then sinks) its net index and
    vertex, and per net its weight."""
    sizes = np.fromiter((1 + len(n.sinks) for n in nets), dtype=np.int64, count=len(nets))
    members = np.concatenate(
        [np.r_[n.source, np.asarray(n.sinks, dtype=np.int64)] for n in nets]
    ).astype(np.int64) if nets else np.zeros(0, dtype=np.int64)
    net_of = np.repeat(np.arange(len(nets)), sizes)
    weights = np.fromiter((n.weight for n in nets), dtype=np.float64, count=len(nets))
    return net_of, members, weights


def _spans(net_of: np.ndarray, coord: np.ndarray, n_nets: int, length: int, wrap: bool):
    """Per net, the length of the shortest interval (arc on a torus) covering
    its members' coordinates on one axis.

    On a ring the covering arc is the ring's length less the largest gap
    between circularly consecutive coordinates.
    """
    spans = np.zeros(n_nets, dtype=np.int64)
    if len(net_of) == 0:
        return spans
    order = np.lexsort((coord, net_of))
    c, n = coord[order], net_of[order]
    starts = np.flatnonzero(np.r_[True, n[1:] != n[:-1]])
    ends = np.r_[starts[1:], len(n)] - 1
    if not wrap:
        spans[n[starts]] = c[ends] - c[starts]
        return spans
    gaps = np.diff(c, prepend=0)
    # The gap that closes each net's ring: from its largest coordinate round to its smallest.
    gaps[starts] = c[starts] + length - c[ends]
    spans[n[starts]] = length - np.maximum.reduceat(gaps, starts)
    return spans


def net_costs(placements: Placements, nets: Sequence[Net], machine: Machine) -> np.ndarray:
    """Each net's weight x the half-perimeter of its chips' bounding box.

    On a torus the box spans, in each axis, the shortest arc that covers
    every chip of the net (the axis length less the largest circular gap).
    """
    net_of, members, weights = _net_arrays(nets)
    x, y = np.asarray(placements.x)[members], np.asarray(placements.y)[members]
    half_perimeter = (_spans(net_of, x, len(nets), machine.width, machine.wrap)
                      + _spans(net_of, y, len(nets), machine.height, machine.wrap))
    return weights * half_perimeter


def wirelength(placements: Placements, nets: Sequence[Net], machine: Machine) -> float:
    """Total over nets of weight x wrap-aware bounding-box half-perimeter:
    the cost :func:`anneal` minimises (see :func:`net_costs`)."""
    return float(net_costs(placements, nets, machine).sum())


def total_hops(placements: Placements, nets: Sequence[Net], machine: Machine) -> float:
    """Total over nets of weight x the sum over sinks of the shortest hop
    count from the source chip to the sink chip (``machine.hops``)."""
    sizes = np.fromiter((len(n.sinks) for n in nets), dtype=np.int64, count=len(nets))
    if sizes.sum() == 0:
        return 0.0
    sources = np.repeat([n.source for n in nets], sizes)
    sinks = np.concatenate([np.asarray(n.sinks, dtype=np.int64) for n in nets])
    weights = np.repeat([n.weight for n in nets], sizes)
    x, y = np.asarray(placements.x), np.asarray(placements.y)
    hops = machine.hops(x[sources], y[sources], x[sinks], y[sinks])
    return float((weights * hops).sum())


# -- the machine as placers see it ------------------------------------------

def hilbert_order(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The chips of a width x height box in Hilbert-curve order.

    The curve covers the smallest power-of-two square holding the box (the
    usual iterative index-to-coordinates mapping, vectorised); points outside
    the box are dropped.
    """
    side = 1 << max(0, math.ceil(math.log2(max(width, height, 1))))
    t = np.arange(side * side, dtype=np.int64)
    x = np.zeros_like(t)
    y = np.zeros_like(t)
    s = 1
    while s < side:
        rx = (t >> 1) & 1
        ry = (t ^ rx) & 1
        # Rotate the quadrant so that the sub-curves join end to end.
        flip = (ry == 0) & (rx == 1)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        x, y = np.where(ry == 0, y, x), np.where(ry == 0, x, y)
        x += s * rx
        y += s * ry
        t >>= 2
        s <<= 1
    inside = (x < width) & (y < height)
    return x[inside], y[inside]


def _core_table(machine: Machine) -> tuple[np.ndarray, np.ndarray]:
    """Per chip index, its number of working application cores and their
    core numbers (padded with -1)."""
    counts = machine.core_counts.ravel()
    table = np.tile(np.arange(1, machine.app_cores + 1), (len(counts), 1))
    for x, y in {(x, y) for x, y, _ in machine.dead_cores}:
        cores = machine.cores(x, y)
        table[x * machine.height + y] = -1
        table[x * machine.height + y, :len(cores)] = cores
    return counts, table


def _sdram(vertices: Sequence[Vertex]) -> np.ndarray:
    return np.fromiter((v.resources.sdram for v in vertices), dtype=np.int64,
                       count=len(vertices))


def _check_fits(vertices: Sequence[Vertex], sdram: np.ndarray, machine: Machine) -> None:
    """Raise DoesNotFit for the problems no placer can get round."""
    cores = machine.n_cores
    if len(vertices) > cores:
        raise DoesNotFit(
            f"the model needs {len(vertices)} cores but the machine has {cores} working "
            f"application cores ({machine}); use a bigger machine (more boards) or "
            f"partition into fewer vertices"
        )
    too_big = np.flatnonzero(sdram > machine.sdram_bytes)
    if len(too_big):
        v = int(too_big[0])
        raise DoesNotFit(
            f"vertex {v} ('{vertices[v].name}') needs {int(sdram[v])} bytes of SDRAM but a "
            f"chip has {machine.sdram_bytes}; split it into smaller vertices (e.g. "
            f"record fewer probes or shorter runs)"
        )


def _clusters(vertices: Sequence[Vertex]) -> tuple[np.ndarray, np.ndarray]:
    """Per vertex, its cluster (-1: none) and the index of its cluster's
    first vertex (its own when none); a cluster's vertices are consecutive
    and no more than a chip's cores (the partitioner's)."""
    cluster = np.fromiter((v.cluster for v in vertices), dtype=np.int64, count=len(vertices))
    index = np.arange(len(vertices))
    first = (cluster < 0) | (cluster != np.concatenate(([-2], cluster[:-1])))
    return cluster, np.maximum.accumulate(np.where(first, index, 0))


def _placements(machine: Machine, chip: np.ndarray, core: np.ndarray, placer: str,
                **stats) -> Placements:
    x, y = np.divmod(chip, machine.height)
    return Placements(x=x, y=y, core=core, placer=placer, stats=stats)


# -- placers ------------------------------------------------------------------

def hilbert(vertices: Sequence[Vertex], nets: Sequence[Net], machine: Machine,
            seed: int | None = None) -> Placements:
    """Fill chips in Hilbert-curve order with the vertices in the order given.

    Vertices with a placement hint (``vertex.chip``, from the ``chip``
    setting) go first: each on its chip, or when that chip is full on the
    nearest chip (in hops) with room.  Each chip (missing, dead and
    coreless chips skipped) then takes the next of the other vertices while
    it has working cores and SDRAM for them.  ``nets`` and ``seed`` are not
    used: the result depends on the vertex order alone.

    Raises
    ------
    DoesNotFit
        If the machine has too few working cores or too little SDRAM, or a
        hint names a chip the machine does not have.
    """
    sdram = _sdram(vertices)
    _check_fits(vertices, sdram, machine)
    counts, table = _core_table(machine)
    free_cores = counts.copy()
    free_sdram = np.where(counts > 0, machine.sdram_bytes, 0).astype(np.int64)
    chip = np.full(len(vertices), -1, dtype=np.int64)
    hinted = _hints(vertices, machine, counts)
    if (hinted >= 0).any():
        _place_hinted(vertices, hinted, sdram, machine, free_cores, free_sdram, chip)
    rest = np.flatnonzero(hinted < 0)
    cluster, start = _clusters([vertices[i] for i in rest])
    hx, hy = hilbert_order(machine.width, machine.height)
    order = hx * machine.height + hy
    order = order[free_cores[order] > 0]

    # Per chip in curve order, how many of the next vertices it takes: the
    # most that fit both its free cores and (by the prefix sums) its SDRAM.
    used = np.concatenate(([0], np.cumsum(sdram[rest])))
    taken = np.zeros(len(order), dtype=np.int64)
    first = 0
    for i, c in enumerate(order):
        if first == len(rest):
            break
        last = np.searchsorted(used, used[first] + free_sdram[c], side="right") - 1
        last = min(last, first + free_cores[c], len(rest))
        cut = first < last < len(rest) and cluster[last] >= 0
        if cut and cluster[last - 1] == cluster[last]:
            last = max(start[last], first)  # a cluster shares a chip: it starts the next
        taken[i] = last - first
        first = last
    if first < len(rest):
        raise DoesNotFit(
            f"the {len(vertices)} vertices need {int(sdram.sum())} bytes of SDRAM in total; "
            f"the machine ({machine}) has {machine.sdram_bytes} bytes per chip "
            f"({machine.sdram_bytes * int(np.count_nonzero(counts))} in all) and only "
            f"{first + len(vertices) - len(rest)} vertices fitted in placement order; use a "
            f"bigger machine (more boards) or vertices that need less SDRAM"
        )
    chip[rest] = np.repeat(order, taken)
    # Cores in vertex order on each chip: a chip's k-th vertex takes its k-th working core.
    by_chip = np.argsort(chip, kind="stable")
    first_of_chip = np.searchsorted(chip[by_chip], chip[by_chip])
    slot = np.empty(len(vertices), dtype=np.int64)
    slot[by_chip] = np.arange(len(vertices)) - first_of_chip
    return _placements(machine, chip, table[chip, slot], "hilbert",
                       **_hint_stats(hinted, chip))


def _hints(vertices: Sequence[Vertex], machine: Machine, counts: np.ndarray) -> np.ndarray:
    """Per vertex, the chip index its hint names (-1: no hint); a hint
    outside the machine or on a chip without working cores is DoesNotFit."""
    hinted = np.full(len(vertices), -1, dtype=np.int64)
    for i, v in enumerate(vertices):
        if v.chip is None:
            continue
        x, y = v.chip
        if not (x < machine.width and y < machine.height) or counts[x * machine.height + y] == 0:
            where = ("is not in the machine" if not (x < machine.width and y < machine.height)
                     else "has no working application cores")
            raise DoesNotFit(
                f"'{v.name}' has the placement hint chip=({x}, {y}), but that chip {where} "
                f"({machine}: x < {machine.width}, y < {machine.height}); set "
                f"network.config[obj].chip to a working chip of the machine, or to None")
        hinted[i] = x * machine.height + y
    return hinted


def _place_hinted(vertices, hinted, sdram, machine, free_cores, free_sdram, chip) -> None:
    """Put each hinted vertex (a cluster's cores together) on its chip, or on
    the nearest chip with room; takes the room from ``free_cores`` and
    ``free_sdram`` and writes each one's chip index into ``chip``."""
    cluster, start = _clusters(vertices)
    xs, ys = np.divmod(np.arange(len(free_cores)), machine.height)
    nearest = {}
    for first in np.flatnonzero(hinted >= 0):
        if start[first] != first and cluster[first] >= 0:
            continue  # placed with its cluster's first core
        members = np.flatnonzero((start == first) & (cluster == cluster[first])) \
            if cluster[first] >= 0 else np.array([first])
        want = int(hinted[first])
        if want not in nearest:
            hops = machine.hops(xs[want], ys[want], xs, ys)
            nearest[want] = np.lexsort((np.arange(len(hops)), hops))
        candidates = nearest[want]
        room = (free_cores[candidates] >= len(members)) & (
            free_sdram[candidates] >= sdram[members].sum())
        if not room.any():
            raise DoesNotFit(
                f"'{vertices[first].name}' ({len(members)} cores, {int(sdram[members].sum())} "
                f"bytes of SDRAM) has the placement hint chip={_xy(want, machine)}, "
                f"but no chip of the machine ({machine}) has room left for it; use a bigger "
                f"machine or fewer hints")
        c = int(candidates[np.argmax(room)])
        chip[members] = c
        free_cores[c] -= len(members)
        free_sdram[c] -= int(sdram[members].sum())


def _xy(index: int, machine: Machine) -> tuple[int, int]:
    """Chip ``index`` (this module's numbering) as (x, y)."""
    x, y = divmod(int(index), machine.height)
    return x, y


def _hint_stats(hinted: np.ndarray, chip: np.ndarray) -> dict:
    """How many vertices had a placement hint, and how many landed on its chip."""
    if not (hinted >= 0).any():
        return {}
    on = int(np.count_nonzero(chip[hinted >= 0] == hinted[hinted >= 0]))
    return {"hinted": int(np.count_nonzero(hinted >= 0)), "on_hinted_chip": on}


def anneal(vertices: Sequence[Vertex], nets: Sequence[Net], machine: Machine,
           seed: int | None = None, *, effort: float = 1.0) -> Placements:
    """Improve the Hilbert placement by simulated annealing on :func:`wirelength`.

    A move picks a random vertex and a random core on a chip within a window
    around it: a free core takes the vertex, an occupied one swaps the two
    (either only if cores and SDRAM allow; the cores of a cluster sharing an
    input stay where the Hilbert placement put them, on one chip).  The schedule follows VPR (Betz
    and Rose 1997): the starting temperature comes from the spread of move
    costs, the cooling factor from the acceptance rate, and the window shrinks
    to keep acceptance near 0.44 (Lam and Delosme 1988).  As the start is
    already good, the first temperature is low: it loosens the Hilbert
    placement enough to reshape it without scrambling it.  A greedy pass
    between neighbouring chips ends the run, and a result worse than the
    start (possible on tiny problems) gives way to the start.

    Parameters
    ----------
    seed
        Seeds the annealer's random numbers (None: :data:`DEFAULT_SEED`); the
        result is the same for the same inputs and seed.
    effort
        Scales the number of moves per temperature (and so the run time).

    Raises
    ------
    DoesNotFit
        As :func:`hilbert`.
    """
    from spinnc.mapper import _anneal

    start = hilbert(vertices, nets, machine)
    n = len(vertices)
    nets = [net for net in nets if net.weight > 0]
    net_of, members, weights = _net_arrays(nets)
    if n < 2 or len(nets) == 0:
        start.placer = "anneal"
        return start

    if len(members) and not 0 <= members.min() <= members.max() < n:
        raise ValueError(f"a net names a vertex outside 0..{n - 1}")
    # Nets as sorted unique members, leaving out nets of one vertex (they cost nothing).
    key = np.unique(net_of * n + members)
    net_of, members = key // n, key % n
    sizes = np.bincount(net_of, minlength=len(nets))
    kept = sizes > 1
    members, net_of, weights = members[kept[net_of]], net_of[kept[net_of]], weights[kept]
    net_of = (np.cumsum(kept) - 1)[net_of]
    net_ptr = np.searchsorted(net_of, np.arange(len(weights) + 1))
    by_vertex = np.argsort(members, kind="stable")
    vertex_ptr = np.searchsorted(members[by_vertex], np.arange(n + 1))

    counts, table = _core_table(machine)
    chip_ptr = np.concatenate(([0], np.cumsum(counts)))
    chip = start.x * machine.height + start.y
    slot = chip_ptr[chip] + np.argmax(table[chip] == start.core[:, None], axis=1)
    sdram = _sdram(vertices)
    free_sdram = machine.sdram_bytes * (counts > 0) - np.bincount(
        chip, weights=sdram, minlength=len(counts)).astype(np.int64)

    rng = np.random.default_rng(DEFAULT_SEED if seed is None else seed)
    kernel = _anneal.Annealer(
        machine.width, machine.height, bool(machine.wrap), start.x, start.y, slot, chip_ptr,
        sdram, free_sdram, net_ptr, members, weights, vertex_ptr, net_of[by_vertex],
        int(rng.integers(1, 2**63)),
        # a cluster stays on its chip, a hinted vertex where its hint put it
        pinned=(_clusters(vertices)[0] >= 0) | np.fromiter(
            (v.chip is not None for v in vertices), dtype=bool, count=n))
    initial_cost = kernel.cost
    temperatures, moves = _schedule(kernel, n, max(1, len(weights)),
                                    max(machine.width, machine.height), effort)
    cost = kernel.recompute_cost()
    stats = dict(initial_cost=initial_cost, cost=cost, temperatures=temperatures, moves=moves,
                 **{k: start.stats[k] for k in ("hinted", "on_hinted_chip") if k in start.stats})
    if cost > initial_cost:  # rare, on tiny problems: never hand back worse than the start
        start.placer, start.stats = "anneal", {**stats, "cost": initial_cost}
        return start
    slot = kernel.slots()
    chip = np.searchsorted(chip_ptr, slot, side="right") - 1
    return _placements(machine, chip, table[chip, slot - chip_ptr[chip]], "anneal", **stats)


def _schedule(kernel, n: int, n_nets: int, side: int, effort: float) -> tuple[int, int]:
    """Run the annealing schedule on ``kernel``; returns the number of
    temperatures and of moves attempted.

    The constants were tuned on bench/bench_place.py's graph (20,000
    vertices on 48 boards): a first window of a quarter of the machine and a
    first temperature of 0.15 standard deviations of the cost changes
    reshape the Hilbert placement without scrambling it; 16 moves per vertex
    per temperature.
    """
    steps = max(1, int(effort * 16 * n))
    radius = max(1.0, side / 4)
    # Probe the spread of cost changes greedily, so the start is not scrambled.
    _, _, _, spread = kernel.run_steps(steps, math.ceil(radius), 0.0)
    temperature = 0.15 * spread
    temperatures, moves = 0, steps
    # VPR's stopping rule: the temperature is small beside the average net's cost.
    while temperature > 0.005 * kernel.cost / n_nets and temperatures < 200:
        evaluated, accepted, _, _ = kernel.run_steps(steps, math.ceil(radius), temperature)
        moves += steps
        temperatures += 1
        rate = accepted / max(1, evaluated)
        # VPR's cooling: slowest where the acceptance rate is moderate.
        temperature *= 0.5 if rate > 0.96 else 0.9 if rate > 0.8 else 0.95 if rate > 0.15 else 0.8
        # Lam and Delosme: resize the window to keep acceptance near 0.44.
        radius = min(max(radius * (1.0 - 0.44 + rate), 1.0), side)
    # A final greedy pass between neighbouring chips.
    kernel.run_steps(steps, 1, 0.0)
    return temperatures, moves + steps


#: Placers by name; each is ``placer(vertices, nets, machine, seed=None) -> Placements``.
PLACERS: dict[str, Callable[..., Placements]] = {"hilbert": hilbert, "anneal": anneal}


def place(vertices: Sequence[Vertex], nets: Sequence[Net], machine: Machine,
          placer: str = "hilbert", seed: int | None = None) -> Placements:
    """Place vertices with the placer named ``placer`` (a key of :data:`PLACERS`),
    recording its name and run time in the result.

    Raises
    ------
    DoesNotFit
        If the vertices do not fit the machine.
    ValueError
        For an unknown placer name.
    """
    try:
        function = PLACERS[placer]
    except KeyError:
        raise ValueError(f"unknown placer '{placer}': use one of {', '.join(PLACERS)}") from None
    start = time.perf_counter()
    placements = function(vertices, nets, machine, seed=seed)
    placements.placer = placer
    placements.seconds = time.perf_counter() - start
    return placements
