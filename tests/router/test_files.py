"""HPSR 2016 table files (and rig's entries) round-trip; bad files are named
with the byte offset; the ``tables`` commands write the documented JSON."""

import argparse
import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.errors import SpinncError
from spinnc.router.commands import add_commands, tables_check, tables_minimise
from spinnc.router.files import (encode_tables, from_rig, parse_tables, read_tables, to_rig,
                                 write_tables)
from spinnc.router.table import make_table

from .test_minimise import DATA, sixteen_routes_of_four

u32 = st.integers(0, 0xFFFFFFFF)
entries = st.lists(st.tuples(u32, u32, st.integers(0, (1 << 24) - 1),
                             st.integers(0, (1 << 24) - 1)), max_size=20)
chips = st.dictionaries(st.tuples(st.integers(0, 255), st.integers(0, 255)), entries,
                        max_size=6)


@settings(max_examples=50, deadline=None)
@given(chips)
def test_tables_round_trip_in_order(spec):
    tables = {chip: make_table(rows).reshape(-1) for chip, rows in spec.items()}
    again = parse_tables(encode_tables(tables))
    assert list(again) == list(tables)
    for chip in tables:
        assert again[chip].tolist() == tables[chip].tolist()


def test_the_file_has_source_before_route():
    data = encode_tables({(1, 2): make_table([(0xA, 0xB, 0xC, 0xD)])})
    assert data == struct.pack("<BBH4I", 1, 2, 1, 0xA, 0xB, 0xD, 0xC)


def test_bad_files_are_named_with_the_offset(tmp_path):
    good = encode_tables({(0, 0): make_table([(1, 2, 3, 4)]), (0, 1): make_table([])})
    cases = {
        "truncated table header": good + b"\x01\x02",
        "declares 2 entries.*truncated": good + struct.pack("<BBH", 5, 5, 2) + b"\0" * 16,
        "second table": good + struct.pack("<BBH", 0, 0, 0),
        "above bit 23": good + struct.pack("<BBH4I", 9, 9, 1, 0, 0, 0, 1 << 24),
    }
    offset = len(good)
    for what, data in cases.items():
        path = tmp_path / "bad.bin"
        path.write_bytes(data)
        with pytest.raises(ValueError, match=what) as error:
            read_tables(path)
        assert str(path) in str(error.value)
        assert f"byte {offset}" in str(error.value) or f"byte {offset + 4}" in str(error.value)
    assert parse_tables(b"") == {}


def test_rig_entries_round_trip():
    pytest.importorskip("rig")
    from spinnc.interop import import_rig

    import_rig()
    from rig.routing_table import Routes

    table = make_table([(0x10, 0xF0, 1 << 2 | 1 << 9, 1 << 3), (0x20, 0xF0, 1 << 23, 0)])
    entries = to_rig(table)
    assert entries[0].route == {Routes.north, Routes.core(3)}
    assert entries[0].sources == {Routes.west} and entries[1].sources == {None}
    assert from_rig(entries).tolist() == table.tolist()


@pytest.mark.skipif(not DATA.is_dir(), reason="HPSR 2016 tables not available")
def test_reads_a_real_benchmark_file():
    tables = read_tables(DATA / "gaussian_12_12_xyp.bin")
    sizes = [len(t) for t in tables.values()]
    assert len(tables) == 144 and max(sizes) == 1139
    assert np.mean(sizes) == pytest.approx(1082.8, abs=0.05)  # as the README says


def test_minimise_and_check_commands_write_and_prove(tmp_path):
    source = tmp_path / "in.bin"
    write_tables(source, {(0, 0): sixteen_routes_of_four(), (2, 1): make_table([(1, 0xFF, 4, 8)])})
    out, summary_path = tmp_path / "out.bin", tmp_path / "summary.json"
    summary = tables_minimise(source, out, full=True, json_path=summary_path)
    assert json.loads(summary_path.read_text()) == summary
    assert summary["tables"] == 2 and summary["full"] is True
    assert summary["before"] == {"mean": 32.5, "max": 64, "over_1023": 0}
    assert summary["after"] == {"mean": 8.5, "max": 16, "over_1023": 0}
    assert [row["chip"] for row in summary["per_table"]] == [[0, 0], [2, 1]]
    assert set(summary["per_table"][0]) == {"chip", "before", "after", "seconds"}
    assert summary["seconds"] >= 0
    assert tables_check(source, out)["chips"] == 2

    broken = read_tables(out)
    broken[(0, 0)]["route"][3] ^= 1 << 20
    write_tables(out, broken)
    with pytest.raises(SpinncError, match=r"chip \(0, 0\): key 0x"):
        tables_check(source, out)
    del broken[(2, 1)]
    write_tables(out, broken)
    with pytest.raises(SpinncError, match="missing"):
        tables_check(source, out)


def test_commands_parse_and_run(tmp_path, capsys):
    source, out = tmp_path / "in.bin", tmp_path / "out.bin"
    write_tables(source, {(0, 0): sixteen_routes_of_four()})
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["tables", "minimise", str(source), "--out", str(out),
                              "--target", "50"])
    args.run(args)
    assert len(read_tables(out)[(0, 0)]) == 49
    args = parser.parse_args(["tables", "check", str(source), str(out)])
    args.run(args)
    assert "route like" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parser.parse_args(["tables", "minimise", str(source), "--out", str(out),
                           "--target", "5", "--full"])
