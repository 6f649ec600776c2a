"""scripts/nengo_suite.py: its reading of pytest's counts and its ini."""

import configparser
import importlib.util
import shlex
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script():
    spec = importlib.util.spec_from_file_location("nengo_suite", SCRIPTS / "nengo_suite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_counts_read_pytests_summary_line():
    counts = load_script().counts(
        "= 15 failed, 219 passed, 153 skipped, 1191 deselected, 1 error, 2 xfailed in 66.10s =")
    assert counts == {"passed": 219, "failed": 15, "errors": 1, "skipped": 153, "xfailed": 2,
                      "xpassed": 0, "deselected": 1191}
    assert load_script().counts("no tests ran in 0.01s")["passed"] == 0
    summary = load_script().SUMMARY
    assert summary.search("==== 15 failed, 219 passed, 2 warnings in 66.10s (0:01:06) ====")
    assert not summary.search("FAILED nengo/tests/test_node.py::test_args - 1 passed")


def test_every_unsupported_entry_has_a_reason():
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(SCRIPTS / "nengo_suite.ini")
    section = ini["pytest"]
    assert section["nengo_simulator"] == "spinnc.Simulator"
    words = shlex.split(section["nengo_test_unsupported"].replace("\n", " "))
    assert len(words) % 2 == 0
    patterns, reasons = words[0::2], words[1::2]
    assert all(p.startswith("nengo/") and "::" in p for p in patterns)
    assert all(len(reason.split()) >= 8 for reason in reasons)  # a what and a why
