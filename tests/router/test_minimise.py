"""Minimisation keeps every key's route (checked two independent ways), stops
at the target, and names the chip when a table does not fit."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinnc.errors import RoutingTableOverflow
from spinnc.router.equivalence import check_equivalent
from spinnc.router.files import read_tables
from spinnc.router.ordered_covering import minimise, minimise_chip
from spinnc.router.table import ENTRY, is_default_routable, make_table

WIDTH = 8  # random tables use the low 8 key bits only: every key can be tried
HIGH = 0xFFFFFFFF ^ ((1 << WIDTH) - 1)
DATA = Path(__file__).resolve().parents[3] / "shared/data/routing_tables/hpsr2016"


@st.composite
def tables(draw, max_entries=40):
    """Ordered tables over the low WIDTH key bits: overlapping entries, a
    few shared routes (so merges exist), default-routable entries, and the
    odd entry that can never match."""
    routes = draw(st.lists(st.integers(1, (1 << 24) - 1), min_size=1, max_size=5))
    n = draw(st.integers(0, max_entries))
    rows = []
    for _ in range(n):
        cares = draw(st.one_of(st.just((1 << WIDTH) - 1),  # a single key
                               st.integers(0, (1 << WIDTH) - 1)))
        mask = HIGH | cares
        key = draw(st.integers(0, (1 << WIDTH) - 1))
        if draw(st.integers(0, 20)):  # else: 1s under Xs, never matches
            key &= mask
        if draw(st.booleans()):  # default-routable: in by link l, out of l + 3
            link = draw(st.integers(0, 5))
            rows.append((key, mask, 1 << (link + 3) % 6, 1 << link))
        else:
            rows.append((key, mask, draw(st.sampled_from(routes)),
                         draw(st.integers(0, (1 << 24) - 1))))
    return make_table(rows).reshape(-1)


@st.composite
def point_tables(draw, width=10):
    """Tables like the benchmark's: one entry per source key (no overlaps),
    many entries sharing a few routes, some default-routable."""
    keys = draw(st.lists(st.integers(0, (1 << width) - 1), min_size=20, max_size=200,
                         unique=True))
    routes = draw(st.lists(st.integers(1, (1 << 24) - 1), min_size=1, max_size=6))
    rows = []
    for key in keys:
        link = draw(st.integers(0, 5))
        if draw(st.integers(0, 4)) == 0:
            rows.append((key, 0xFFFFFFFF, 1 << (link + 3) % 6, 1 << link))
        else:
            rows.append((key, 0xFFFFFFFF, draw(st.sampled_from(routes)), 1 << link))
    return make_table(rows).reshape(-1)


def brute_force_mismatches(original, minimised, width=WIDTH):
    """Keys (of the 2**width) that the two tables route differently, by trying them all."""
    keys = np.arange(1 << width, dtype=np.uint32)[:, None]

    def first(table):
        hit = (keys & table["mask"]) == table["key"]
        return hit.any(axis=1), hit.argmax(axis=1) if len(table) else np.zeros(len(keys), int)

    routed, o = first(original)
    if len(original) == 0:
        return []
    expected = original["route"][o]
    default_ok = is_default_routable(original)[o]
    if len(minimised):
        hit, m = first(minimised)
        right = np.where(hit, minimised["route"][m] == expected, default_ok)
    else:
        right = default_ok
    return np.flatnonzero(routed & ~right).tolist()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans())
def test_minimise_keeps_every_route(table, clustered):
    result = minimise(table, full=True, clustered=clustered)
    assert result.dtype == ENTRY
    assert brute_force_mismatches(table, result) == []
    check_equivalent(table, result)
    assert len(result) <= len(table)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(point_tables(), st.booleans())
def test_minimise_keeps_every_route_of_benchmark_like_tables(table, clustered):
    result = minimise(table, full=True, clustered=clustered)
    assert brute_force_mismatches(table, result, width=10) == []
    check_equivalent(table, result)


@settings(max_examples=50, deadline=None)
@given(tables(), st.integers(0, 30))
def test_minimise_to_a_target_keeps_every_route(table, target):
    result = minimise(table, target=target)
    assert brute_force_mismatches(table, result) == []


def test_mergeable_entries_become_one_and_default_routes_go():
    # Keys 0-3 to core 1 merge into 0b000000XX; key 4 arrives from the west
    # and leaves east, as default routing would send it.
    table = make_table([(k, 0xFFFFFFFF, 1 << 7, 1 << 3) for k in range(4)]
                       + [(4, 0xFFFFFFFF, 1 << 0, 1 << 3)])
    result = minimise(table, full=True)
    assert result.tolist() == [(0, 0xFFFFFFFC, 1 << 7, 1 << 3)]


def test_a_merge_never_steals_default_routed_keys():
    # Merging keys 0 and 3 (same route) would give XX, catching key 1, which
    # must keep being default routed; key 2 is fine to catch (it has that route).
    core = 1 << 8
    table = make_table([(0, 0xFF, core, 1), (3, 0xFF, core, 1),
                        (1, 0xFF, 1 << 3, 1 << 0), (2, 0xFF, core, 1 << 0)])
    result = minimise(table, full=True)
    check_equivalent(table, result)
    assert len(result) == 2  # 0X and 1X/X0: some pair merges, key 1 stays missing


def test_order_of_overlapping_entries_is_kept():
    # The specific entry must stay above the general one it overlaps.
    table = make_table([(0b0101, 0xFF, 1 << 6), (0, 0xF0, 1 << 7), (0b0111, 0xFF, 1 << 6)])
    result = minimise(table, full=True)
    check_equivalent(table, result)
    assert brute_force_mismatches(table, result) == []


def sixteen_routes_of_four():
    """64 entries: 16 routes, each on four keys that merge into one entry."""
    return make_table([(4 * r + k, 0xFFFFFFFF, 1 << (6 + r), 1 << 6)
                       for r in range(16) for k in range(4)])


def test_minimise_stops_as_soon_as_the_table_fits():
    table = sixteen_routes_of_four()
    assert len(minimise(table, target=100)) == 64  # fits already: untouched
    assert minimise(table, target=100).tolist() == table.tolist()
    assert len(minimise(table, target=50)) == 49  # five merges of four
    assert len(minimise(table, target=50, full=True)) == 16
    assert len(minimise(table, target=None)) == 16


def test_overflow_names_the_chip_and_the_counts():
    table = make_table([(k, 0xFFFFFFFF, 1 << (6 + k), 1 << 6) for k in range(12)])
    with pytest.raises(RoutingTableOverflow) as error:
        minimise_chip(table, chip=(3, 5), target=10)
    message = str(error.value)
    assert "(3, 5)" in message and "12" in message and "10" in message
    assert (error.value.chip, error.value.original, error.value.minimised,
            error.value.limit) == ((3, 5), 12, 12, 10)
    assert len(minimise_chip(sixteen_routes_of_four(), chip=(0, 0), target=20)) <= 20


@pytest.mark.skipif(not DATA.is_dir(), reason="HPSR 2016 tables not available")
def test_a_real_table_fits_and_keeps_its_routes():
    tables = read_tables(DATA / "centroid_12_12_xyp.bin")
    chip, table = next(iter(tables.items()))
    result = minimise_chip(table, chip, target=1023, full=True)
    check_equivalent(table, result, chip)
    assert len(result) < 1000 < len(table)


@pytest.mark.parametrize("workers", [1, 2])
def test_minimise_tables_in_processes_as_in_one(monkeypatch, workers):
    """Chips that do not fit are spread over processes when the work is
    big enough (here: any), with the same results; an overflow still names
    its chip."""
    import threading

    from spinnc.router import ordered_covering

    monkeypatch.setattr(ordered_covering, "PARALLEL_EXCESS", 1)
    pools = []
    real_pool = ordered_covering.ProcessPoolExecutor
    monkeypatch.setattr(ordered_covering, "ProcessPoolExecutor",
                        lambda *a, **k: pools.append(a) or real_pool(*a, **k))
    tables = {(x, 0): make_table([(4 * r + k + 1024 * x, 0xFFFFFFFF, 1 << (6 + r), 1 << 6)
                                  for r in range(16) for k in range(4)]) for x in range(3)}
    tables[5, 5] = sixteen_routes_of_four()[:10]  # fits already
    result = ordered_covering.minimise_tables(tables, target=50, workers=workers)
    assert list(result) == list(tables)
    for chip, table in tables.items():
        assert result[chip].tolist() == minimise_chip(table, chip, 50).tolist()
    # forked only without other threads (another test's may still be winding down)
    assert len(pools) == (workers > 1 and threading.active_count() == 1)
    twelve = make_table([(k, 0xFFFFFFFF, 1 << (6 + k), 1 << 6) for k in range(12)])
    with pytest.raises(RoutingTableOverflow, match=r"chip \(1, 0\).*12 before"):
        ordered_covering.minimise_tables({(1, 0): twelve, (2, 0): twelve}, target=10,
                                         workers=workers)
