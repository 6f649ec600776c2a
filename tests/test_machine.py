"""The machine model: constructors, geometry, dead parts, JSON."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.machine import BOARD_OUTLINE, LINK_VECTORS, Link, Machine


def bfs_hops(machine, source):
    """Hop counts from ``source`` by breadth-first search over working links."""
    hops = {source: 0}
    queue = deque([source])
    while queue:
        chip = queue.popleft()
        for link in machine.links(*chip):
            other = machine.neighbour(*chip, link)
            if other not in hops:
                hops[other] = hops[chip] + 1
                queue.append(other)
    return hops


def test_spinn3_and_spinn5():
    spinn3 = Machine.spinn3()
    assert (spinn3.width, spinn3.height, spinn3.wrap) == (2, 2, False)
    assert spinn3.n_cores == 4 * 16
    board = Machine.spinn5()
    assert len(board.working_chips) == 48 and board.n_cores == 768
    assert not board.exists(7, 0) and not board.exists(0, 7) and board.exists(7, 7)
    assert board.neighbour(4, 0, Link.EAST) is None  # (5, 0) is outside the outline
    assert board.neighbour(7, 7, Link.NORTH) is None  # no wrap-around on one board


@pytest.mark.parametrize("boards, size", [(3, 12), (48, 48), (1200, 240)])
def test_boards_tile_square_tori(boards, size):
    machine = Machine.boards(boards)
    assert (machine.width, machine.height, machine.wrap) == (size, size, True)
    assert len(machine.ethernet_chips) == boards


def test_every_chip_of_a_torus_belongs_to_exactly_one_board():
    machine = Machine.boards(12)
    owners = machine.ethernet_map.reshape(-1, 2)
    ethernet = {tuple(map(int, e)) for e in owners}
    assert ethernet == set(machine.ethernet_chips)
    counts = {e: 0 for e in ethernet}
    for e in map(tuple, owners.tolist()):
        counts[e] += 1
    assert set(counts.values()) == {48}
    # A chip's offset from its Ethernet chip is on the board outline.
    for x, y in [(0, 7), (5, 1), (11, 11), (20, 3)]:
        ex, ey = machine.ethernet_chip(x, y)
        assert ((x - ex) % machine.width, (y - ey) % machine.height) in BOARD_OUTLINE


def test_board_outline_has_48_chips_and_both_ethernet_corners():
    assert len(BOARD_OUTLINE) == 48
    assert (0, 0) in BOARD_OUTLINE and (7, 7) in BOARD_OUTLINE


def test_boards_must_be_one_or_a_multiple_of_three():
    with pytest.raises(ValueError, match="multiple of 3"):
        Machine.boards(4)


def test_links_and_opposites():
    for link in Link:
        dx, dy = link.vector
        assert link.opposite.vector == (-dx, -dy)
        assert link.opposite.opposite == link
    torus = Machine.grid(4, 3, wrap=True)
    assert torus.neighbour(3, 2, Link.NORTH_EAST) == (0, 0)
    assert torus.neighbour(0, 0, Link.SOUTH_WEST) == (3, 2)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.booleans())
def test_hop_distance_matches_breadth_first_search(width, height, wrap):
    machine = Machine.grid(width, height, wrap=wrap)
    for source in [(0, 0), (width - 1, height // 2)]:
        hops = bfs_hops(machine, source)
        chips = np.array(list(hops))
        computed = machine.hops(source[0], source[1], chips[:, 0], chips[:, 1])
        assert computed.tolist() == list(hops.values())


def test_dead_parts():
    machine = Machine.boards(3).with_dead(chips=[(1, 1)], cores=[(2, 2, 5)],
                                           links=[(3, 3, Link.EAST)])
    assert not machine.is_alive(1, 1) and machine.cores(1, 1) == []
    assert 5 not in machine.cores(2, 2) and len(machine.cores(2, 2)) == 15
    assert machine.core_counts[2, 2] == 15 and machine.core_counts[1, 1] == 0
    # A dead link is dead both ways; a dead chip takes its links with it.
    assert machine.neighbour(3, 3, Link.EAST) is None
    assert machine.neighbour(4, 3, Link.WEST) is None
    assert machine.neighbour(0, 0, Link.NORTH_EAST) is None
    assert machine.neighbour(2, 1, Link.WEST) is None
    hops = bfs_hops(machine, (0, 0))
    assert (1, 1) not in hops and len(hops) == 143


def test_monitor_core_is_never_an_application_core():
    assert 0 not in Machine.spinn3().cores(0, 0)
    assert Machine.spinn3(app_cores=17).cores(1, 1) == list(range(1, 18))
    with pytest.raises(ValueError):
        Machine.spinn3(app_cores=18)
    with pytest.raises(ValueError, match="monitor"):
        Machine.spinn3().with_dead(cores=[(0, 0, 0)])


def test_json_round_trip(tmp_path):
    machine = Machine.spinn5(app_cores=17).with_dead(
        chips=[(4, 4)], cores=[(0, 0, 3)], links=[(2, 2, Link.NORTH), (6, 5, Link.SOUTH_WEST)])
    path = tmp_path / "machine.json"
    machine.save(path)
    loaded = Machine.load(path)
    assert loaded == machine
    assert loaded.to_dict() == machine.to_dict()
    assert len(loaded.to_dict()["dead_links"]) == 2  # each saved once


def test_bad_json_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid machine JSON"):
        Machine.load(path)
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="spinnc-machine"):
        Machine.load(path)


def test_specs(tmp_path):
    assert Machine.from_spec("spinn3") == Machine.spinn3()
    assert Machine.from_spec("SpiNN5") == Machine.spinn5()
    assert Machine.from_spec("48-boards") == Machine.boards(48)
    assert Machine.from_spec("5x3") == Machine.grid(5, 3)
    assert Machine.from_spec("5x3-torus").wrap
    path = tmp_path / "m.json"
    Machine.spinn3().save(path)
    assert Machine.from_spec(str(path)) == Machine.spinn3()
    with pytest.raises(ValueError, match="unknown machine 'nonsense'"):
        Machine.from_spec("nonsense")


def test_link_vectors_follow_hardware_numbering():
    assert LINK_VECTORS == ((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1))
