"""Table entries: default-routability, first-match lookups with default
routing, and removal of the entries default routing can replace."""

import numpy as np

from spinnc.router.table import (ENTRY, describe_route, is_default_routable, make_table,
                                 popcount, remove_default_routes, route_of)

E, NE, N, W, SW, S = (1 << link for link in range(6))
CORE = [1 << (6 + c) for c in range(18)]


def test_make_table_fills_source_and_copies_arrays():
    table = make_table([(1, 0xFF, N), (2, 0xFF, S, W)])
    assert table.dtype == ENTRY
    assert table.tolist() == [(1, 0xFF, N, 0), (2, 0xFF, S, W)]
    assert make_table(table) is not table and make_table([]).shape == (0,)


def test_default_routable_is_one_link_in_and_the_opposite_link_out():
    table = make_table([
        (0, 0, E, W), (0, 0, W, E), (0, 0, NE, SW), (0, 0, S, N),  # straight through
        (0, 0, N, W),           # turns
        (0, 0, E | N, W),       # forks
        (0, 0, E, W | N),       # two sources
        (0, 0, E, CORE[1]),     # from a core
        (0, 0, CORE[2], W),     # to a core
        (0, 0, E, 0),           # unknown source
    ])
    assert is_default_routable(table).tolist() == [True] * 4 + [False] * 6


def test_route_of_first_match_then_default_routing():
    table = make_table([(0x10, 0xF0, CORE[1]), (0x12, 0xFF, CORE[2]), (0x20, 0xF0, N)])
    assert route_of(table, 0x12) == CORE[1]  # the first match wins
    assert route_of(table, 0x25) == N
    assert route_of(table, 0x35, arrival_link=3) == E  # in from the west, out east
    assert route_of(table, 0x35, arrival_link=1) == SW
    assert route_of(table, 0x35) is None  # from a local core: dropped
    assert route_of(make_table([(1, 0, N)]), 1) is None  # 1 under an X: never matches


def test_default_routes_go_only_where_no_later_entry_matches_their_keys():
    table = make_table([
        (0x100, 0xFFFFFF00, E, W),    # alone: goes
        (0x2100, 0xFFFFFF00, E, W),   # overlapped by the general entry below: stays
        (0x2000, 0xFFFFF000, N, W),
        (0x300, 0xFFFFFF00, CORE[0], W),
        (0x400, 0xFFFFFF00, S, N),    # goes
        (0x500, 0xFFFFFF00, S, N),    # overlaps a never-matching entry only: goes
        (0x501, 0x00000000, N, E),    # never matches (1 under an X)
        (0x601, 0x00000000, W, E),    # never matches, default-routable: goes
        (0x300, 0xFFFFFFF0, W, E),    # overlaps an earlier entry only: goes
    ])
    kept = remove_default_routes(table)
    assert kept["key"].tolist() == [0x2100, 0x2000, 0x300, 0x501]


def test_popcount_and_route_names():
    assert popcount(np.array([0, 1, 0xFFFFFFFF, 0x80000001], dtype=np.uint32)).tolist() == [
        0, 1, 32, 2]
    assert describe_route(N | CORE[3]) == "0x000204 (N, core 3)"
    assert describe_route(None) == "dropped"
