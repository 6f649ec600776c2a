#!/usr/bin/env python
"""Run nengo's own backend test suite against spinnc.Simulator (LIF neurons).

    python scripts/nengo_suite.py            # the whole suite; prints pytest's counts
    python scripts/nengo_suite.py --check    # ... and fails below the recorded baseline
    python scripts/nengo_suite.py --record   # ... and records the counts as the baseline
    python scripts/nengo_suite.py -- -k probe -x   # extra arguments go to pytest

It runs ``pytest --pyargs nengo`` with nengo's pytest plugin configured by
``scripts/nengo_suite.ini`` (``nengo_simulator = spinnc.Simulator``,
``nengo_neurons = nengo.LIF`` and the ``nengo_test_unsupported`` list, each
entry with its reason), on the spinnc of this checkout.  nengo's tests need the
pytest plugins of the ``nengo-suite`` extra: ``pip install -e '.[nengo-suite]'``.

``--check`` exits non-zero when fewer tests pass than
``scripts/nengo_suite_baseline.json`` records, or when pytest could not run
the suite (usage, collection or internal errors).  Failing tests alone do not
fail the check: the suite has known failures (see the README section "Nengo's
backend test suite"); the baseline guards the number that pass.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INI = HERE / "nengo_suite.ini"
BASELINE = HERE / "nengo_suite_baseline.json"
#: pytest's last line, e.g. ``== 3 failed, 250 passed, 2 skipped in 61.2s ==``
SUMMARY = re.compile(r"\d+ (passed|failed|skipped|deselected|errors?|xfailed|xpassed)\b.* in "
                     r"[\d.]+s")
OUTCOMES = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed", "deselected")


def pytest_command(extra: list[str]) -> list[str]:
    """The pytest command line: nengo's tests, this ini, ids like ``nengo/tests/...``."""
    import nengo

    site = Path(nengo.__file__).resolve().parent.parent
    command = [sys.executable, "-m", "pytest", "-c", str(INI), "--rootdir", str(site),
               "--pyargs", "nengo", "-p", "no:cacheprovider", "-q", "-rfE",
               "-W", "ignore::DeprecationWarning"]
    if _has_module("pytest_timeout"):
        command += ["--timeout", "600"]  # a hung test fails instead of hanging CI
    return command + extra


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def counts(summary: str) -> dict[str, int]:
    """pytest's final counts (``3 failed, 250 passed, 2 skipped in 1.0s``)."""
    found = {outcome: 0 for outcome in OUTCOMES}
    for number, outcome in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|"
                                      r"deselected)\b", summary):
        found["errors" if outcome.startswith("error") else outcome] = int(number)
    return found


def run(extra: list[str]) -> tuple[int, dict[str, int]]:
    """Run the suite, echoing pytest's output; (pytest's exit code, counts)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(pytest_command(extra), cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    summary = ""
    for line in process.stdout:
        sys.stdout.write(line)
        if SUMMARY.search(line):
            summary = line
    return process.wait(), counts(summary) if summary else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="fail if fewer tests pass than the recorded baseline")
    mode.add_argument("--record", action="store_true",
                      help="record this run's counts as the baseline")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)

    code, found = run(args.pytest_args)
    if found is None:
        print(f"no pytest summary line to read the counts from (exit code {code}); "
              "do not pass -qq", file=sys.stderr)
        return code or 3
    ran = found["passed"] + found["failed"] + found["errors"]
    share = (found["failed"] + found["errors"]) / ran if ran else 0.0
    print(f"nengo suite on spinnc: {json.dumps(found)}; "
          f"{share:.1%} of the tests that ran failed")
    if code not in (0, 1):  # 2: interrupted, 3: internal error, 4: usage, 5: no tests
        print(f"pytest could not run the suite (exit code {code})", file=sys.stderr)
        return code
    if args.record:
        BASELINE.write_text(json.dumps(found, indent=2) + "\n")
        print(f"recorded in {BASELINE.relative_to(ROOT)}")
    if args.check:
        baseline = json.loads(BASELINE.read_text())
        if found["passed"] < baseline["passed"]:
            print(f"FAIL: {found['passed']} tests passed; the baseline is "
                  f"{baseline['passed']} ({BASELINE.relative_to(ROOT)})", file=sys.stderr)
            return 1
        print(f"OK: {found['passed']} passed, baseline {baseline['passed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
