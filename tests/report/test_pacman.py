"""machine.json, placements.json and routing_tables.json in PACMAN's schemas:
what they hold is the compiled mapping, `spinnc tables minimise` reads and
writes the tables file, and a malformed one is refused naming the place."""

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.machine import Link, Machine
from spinnc.report.pacman import pacman_machine, write_pacman_files
from spinnc.router.commands import TableFileError, tables_check, tables_minimise
from spinnc.router.files import parse_pacman_tables, read_tables, write_tables
from spinnc.router.ordered_covering import minimise
from spinnc.router.table import is_default_routable, make_table


@pytest.fixture(scope="module")
def files(run_result, tmp_path_factory):
    directory = tmp_path_factory.mktemp("pacman")
    paths = write_pacman_files(run_result.compilation, directory)
    return {p.name: p for p in paths}


def test_placements_name_every_vertex_on_its_core(files, run_result):
    compiled = run_result.compilation
    placements = json.loads(files["placements.json"].read_text())
    assert len(placements) == len(compiled.partition.vertices)
    for i, (placement, vertex) in enumerate(zip(placements, compiled.partition.vertices)):
        assert set(placement) == {"vertex_label", "x", "y", "p"}
        assert placement["vertex_label"] == vertex.name
        assert (placement["x"], placement["y"], placement["p"]) == \
            tuple(compiled.placements.location(i))


def test_machine_lists_working_chips_with_cores_ethernet_and_dead_links():
    machine = Machine.spinn5().with_dead(chips=[(1, 1)], cores=[(0, 0, 3)])
    state = pacman_machine(machine)
    assert set(state) == {"width", "height", "root", "ethernetResources",
                          "standardResources", "chips"}
    assert (state["width"], state["height"], state["root"]) == (8, 8, [0, 0])
    assert state["ethernetResources"]["sdram"] == machine.sdram_bytes
    assert state["ethernetResources"]["routerEntries"] == machine.router_entries
    assert state["standardResources"]["tags"] == []
    chips = {(x, y): details for x, y, details in state["chips"]}
    assert len(chips) == 47 and (1, 1) not in chips
    # The monitor counts: a dead core leaves one fewer.
    assert chips[0, 0]["cores"] == machine.app_cores and chips[0, 1]["cores"] == \
        machine.app_cores + 1
    assert "ipAddress" in chips[0, 0] and "ipAddress" not in chips[0, 1]
    assert all(d["ethernet"] == [0, 0] for d in chips.values())
    # (0, 0) is a board corner: W, SW and S lead nowhere, and NE leads to the dead (1, 1).
    assert chips[0, 0]["deadLinks"] == [Link.NORTH_EAST, Link.WEST, Link.SOUTH_WEST, Link.SOUTH]
    assert "deadLinks" not in chips[3, 3]


def test_machine_of_three_boards_names_each_board_ethernet_chip():
    machine = Machine.boards(3)
    chips = {(x, y): d for x, y, d in pacman_machine(machine)["chips"]}
    for x, y in machine.working_chips:
        assert chips[x, y]["ethernet"] == list(machine.ethernet_chip(x, y))
    assert sorted(k for k, d in chips.items() if "ipAddress" in d) == \
        sorted(machine.ethernet_chips)


def test_routing_tables_read_back_as_compiled(files, run_result):
    tables = run_result.compilation.tables
    raw = json.loads(files["routing_tables.json"].read_text())
    assert [(t["x"], t["y"]) for t in raw] == sorted(tables)
    again = read_tables(files["routing_tables.json"])
    for chip, table in tables.items():
        for field in ("key", "mask", "route"):
            assert again[chip][field].tolist() == table[field].tolist()
        flags = [e["defaultable"] for e in next(t for t in raw if (t["x"], t["y"]) == chip)
                 ["entries"]]
        assert flags == is_default_routable(table).tolist()
        # Sources come back for exactly the defaultable entries, so default-route
        # removal finds the same entries.
        assert is_default_routable(again[chip]).tolist() == flags


def test_tables_minimise_reads_and_writes_pacman_json(files, run_result, tmp_path):
    out = tmp_path / "minimised.json"
    summary = tables_minimise(files["routing_tables.json"], out, full=True)
    assert summary["tables"] == len(run_result.compilation.tables)
    minimised = read_tables(out)
    for chip, table in run_result.compilation.tables.items():
        assert len(minimised[chip]) == len(minimise(table, 1, True))
    assert tables_check(files["routing_tables.json"], out)["chips"] == len(minimised)


u32 = st.integers(0, 0xFFFFFFFF)
route = st.integers(0, (1 << 24) - 1)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 255), st.integers(0, 255)),
                       st.lists(st.tuples(u32, u32, route, route), max_size=12), max_size=5))
def test_json_tables_round_trip_keys_masks_routes(tmp_path_factory, spec):
    tables = {chip: make_table(rows).reshape(-1) for chip, rows in spec.items()}
    path = tmp_path_factory.mktemp("t") / "tables.json"
    write_tables(path, tables)
    again = read_tables(path)
    assert list(again) == list(tables)
    for chip, table in tables.items():
        for field in ("key", "mask", "route"):
            assert again[chip][field].tolist() == table[field].tolist()
        np.testing.assert_array_equal(is_default_routable(again[chip]),
                                      is_default_routable(table))


ENTRY = {"key": 1, "mask": 0xFFFFFFFF, "defaultable": False, "spinnaker_route": 64}


@pytest.mark.parametrize("data, message", [
    ({"x": 0}, "a list of tables, not dict"),
    ([{"x": 0, "y": 0}], "table 0: missing entries"),
    ([{"x": 0, "y": 0, "entries": [], "colour": 1}], "unknown field 'colour'"),
    ([{"x": -1, "y": 0, "entries": []}], "table 0 x: -1 is outside"),
    ([{"x": 0, "y": 0, "entries": {}}], "entries is a list, not dict"),
    ([{"x": 0, "y": 0, "entries": [{**ENTRY, "key": 1 << 32}]}], "entry 0 key: 4294967296"),
    ([{"x": 0, "y": 0, "entries": [{**ENTRY, "mask": True}]}], "entry 0 mask: an integer"),
    ([{"x": 0, "y": 0, "entries": [{**ENTRY, "spinnaker_route": 1 << 24}]}],
     "entry 0 spinnaker_route: 16777216 is outside"),
    ([{"x": 0, "y": 0, "entries": [{**ENTRY, "defaultable": 1}]}], "defaultable is true or"),
    ([{"x": 0, "y": 0, "entries": [ENTRY, {"key": 2}]}], "entry 1: missing mask"),
    ([{"x": 2, "y": 3, "entries": []}, {"x": 2, "y": 3, "entries": []}],
     "table 1: chip (2, 3) has a second table"),
])
def test_malformed_pacman_tables_are_refused_naming_the_place(data, message):
    with pytest.raises(ValueError, match=r"^t\.json: .*" + re.escape(message)):
        parse_pacman_tables(data, name="t.json")


def test_minimise_names_a_broken_json_file_and_writes_nothing(tmp_path):
    bad = tmp_path / "routing_tables.json"
    bad.write_text('[{"x": 0, "y": 0, "entries": [')
    out = tmp_path / "out.json"
    with pytest.raises(TableFileError, match=r"routing_tables\.json: not valid JSON: .* "
                                             r"line 1 .*PACMAN's routing_tables\.json"):
        tables_minimise(bad, out)
    assert not out.exists()
