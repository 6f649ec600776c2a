"""The machine model: constructors, geometry, dead parts, JSON."""

import json
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.errors import MachineError, SpinncError
from spinnc.machine import BOARD_OUTLINE, LINK_VECTORS, MAX_SIZE, Link, Machine


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
    with pytest.raises(MachineError, match="unknown machine '2x²'"):
        Machine.from_spec("2x²")  # a digit to str.isdigit, not to int


def test_link_vectors_follow_hardware_numbering():
    assert LINK_VECTORS == ((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1))


# -- impossible machines (issue 12) -----------------------------------------------------


def spinn3_dict(**changes):
    state = Machine.spinn3().to_dict()
    state.update(changes)
    return state


@pytest.mark.parametrize("changes, field", [
    (dict(width=0), "width"),
    (dict(height=-2), "height"),
    (dict(width=257), "width"),
    (dict(width="8"), "width"),
    (dict(height=2.0), "height"),
    (dict(width=True), "width"),
    (dict(wrap="no"), "wrap"),
    (dict(wrap=0), "wrap"),
    (dict(ethernet_chips=[[5, 5]]), "ethernet_chips"),
    (dict(ethernet_chips=[]), "ethernet_chips"),
    (dict(ethernet_chips=[[0, 0]], dead_chips=[[0, 0]]), "ethernet_chips"),
    (dict(cycles_per_tick=0), "cycles_per_tick"),
    (dict(cycles_per_tick=-200000), "cycles_per_tick"),
    (dict(sdram_bytes=-1), "sdram_bytes"),
    (dict(dtcm_bytes=-65536), "dtcm_bytes"),
    (dict(router_entries=-1), "router_entries"),
    (dict(app_cores=0), "app_cores"),
    (dict(dead_cores=[[0, 0, 99]]), "dead_cores"),
    (dict(dead_cores=[[0, 0, -1]]), "dead_cores"),
    (dict(dead_cores=[[0, 0]]), r"dead_cores\[0\]"),
    (dict(dead_cores=[[9, 0, 3]]), "dead_cores"),
    (dict(dead_chips=[[2, 0]]), "dead_chips"),
    (dict(dead_chips=[[0, -1]]), "dead_chips"),
    (dict(dead_chips=[[0, "1"]]), r"dead_chips\[0\]"),
    (dict(dead_chips="0,0"), "dead_chips"),
    (dict(dead_links=[[3, 3, 0]]), "dead_links"),
    (dict(dead_links=[[0, 0, 6]]), "dead_links"),
    (dict(chips=[[0, 0], [2, 2]]), "chips"),
    (dict(chips=[]), "chips"),
    (dict(colour="blue"), "unknown keys.*colour"),
])
def test_impossible_machines_are_refused_naming_the_field(changes, field):
    with pytest.raises(MachineError, match=field):
        Machine.from_dict(spinn3_dict(**changes))


def test_missing_size_and_non_objects_are_refused():
    state = spinn3_dict()
    del state["height"]
    with pytest.raises(MachineError, match="missing height"):
        Machine.from_dict(state)
    with pytest.raises(MachineError, match="JSON object"):
        Machine.from_dict([1, 2])
    # Optional keys take the defaults.
    assert Machine.from_dict({"format": "spinnc-machine", "version": 1, "width": 2,
                              "height": 2}) == Machine.spinn3()


def test_machines_built_in_python_are_checked_too():
    with pytest.raises(MachineError, match="cycles_per_tick"):
        Machine.spinn3(cycles_per_tick=0)
    with pytest.raises(MachineError, match="ethernet_chips"):
        Machine(4, 4, ethernet_chips=((4, 0),))
    with pytest.raises(MachineError, match="dead_cores"):
        Machine.spinn5().with_dead(cores=[(0, 0, 18)])
    with pytest.raises(MachineError, match="dead_chips"):
        Machine.spinn5().with_dead(chips=[(7, 0)])  # outside the board's outline
    # A core above app_cores but on the chip is a fact a board may report.
    assert Machine.spinn3().with_dead(cores=[(0, 0, 17)]).n_cores == 64


def test_machine_errors_are_value_errors_and_spinnc_errors():
    assert issubclass(MachineError, ValueError) and issubclass(MachineError, SpinncError)


def test_malformed_machine_files_name_the_file_and_line(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{\n "format": "spinnc-machine",\n "width": 2,,\n}')
    with pytest.raises(MachineError, match=r"m\.json.*line 3"):
        Machine.load(path)
    path.write_text(json.dumps(spinn3_dict(wrap="no")))
    with pytest.raises(MachineError, match=r"m\.json: wrap must be true or false, not 'no'"):
        Machine.load(path)
    with pytest.raises(MachineError, match="missing.json: cannot read"):
        Machine.load(tmp_path / "missing.json")
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(MachineError, match=r"m\.json"):
        Machine.load(path)


@pytest.mark.parametrize("spec, message", [
    ("100000x100000", "width must be 1 to 256"),
    ("3x100000-torus", "height must be 1 to 256"),
    ("0x4", "at least one chip"),
    ("1326-boards", "more than the 1323"),
    ("303-boards", "1212x12 chips, wider than 256"),
    pytest.param("9" * 5000 + "x2", r"width 999999999\.\.\. \(5000 digits\)",
                 id="5000-digit-width"),
    pytest.param("9" * 5000 + "-boards", r"boards 999999999\.\.\. \(5000 digits\)",
                 id="5000-digit-boards"),
])
def test_specs_of_impossible_sizes_fail_at_once(spec, message):
    # Checked before anything per chip is built (it was a MemoryError after ~30 s).
    with pytest.raises(MachineError, match=message):
        Machine.from_spec(spec)


def test_the_largest_machine_fits_the_size_limit():
    assert MAX_SIZE == 256
    assert Machine.grid(MAX_SIZE, MAX_SIZE).width == MAX_SIZE
    assert Machine.from_spec("1200-boards").width == 240
