"""The ``spinnc tables`` commands: minimise and check files of routing tables.

``spinnc tables minimise IN.bin --out OUT.bin [--target N | --full] [--json FILE]``
``spinnc tables check ORIGINAL.bin MINIMISED.bin``

Files are in the HPSR 2016 benchmark format or, ending in .json, in PACMAN's
routing_tables.json schema (:mod:`spinnc.router.files`).
"""

import json
import os
import time

import numpy as np

from ..arch import SPINN1
from ..errors import SpinncError
from ..outputs import check_output_file, check_outputs
from .equivalence import TablesDiffer, check_equivalent
from .files import is_json_path, read_tables, write_tables
from .ordered_covering import minimise

#: Entries a SpiNNaker router table holds for applications (spinnc.arch: one kept by SC&MP).
ROUTER_ENTRIES = SPINN1.router_entries


def _stats(sizes: list[int]) -> dict:
    return {"mean": float(np.mean(sizes)) if sizes else 0.0,
            "max": int(max(sizes, default=0)),
            "over_1023": int(sum(size > ROUTER_ENTRIES for size in sizes))}


class TableFileError(SpinncError):
    """A routing-table file cannot be read (missing, unreadable or malformed)."""


def _read(path):
    """:func:`read_tables`, its failures as one TableFileError naming the file."""
    try:
        return read_tables(path)
    except ValueError as error:  # parse_tables names the file and the byte offset
        kind = ("PACMAN's routing_tables.json schema" if is_json_path(path)
                else "an HPSR 2016 routing-table file; a name ending in .json is read as "
                "PACMAN's routing_tables.json")
        raise TableFileError(f"{error} ({kind})") from None
    except OSError as error:
        raise TableFileError(f"{os.fspath(path)}: cannot read it ({error.strerror})") from None


def tables_minimise(in_path, out_path, target: int = ROUTER_ENTRIES, full: bool = False,
                    json_path=None) -> dict:
    """Minimise every table of a file and write the results.

    Tables still over the target are written as far as they went and counted
    in the summary (not an error here: this is a tool for looking at tables).

    Parameters
    ----------
    in_path, out_path : path
        Table files to read and write (HPSR, or PACMAN's JSON if ending in .json).
    target : int
        Stop minimising a table once it has at most this many entries.
    full : bool
        Minimise every table as far as possible.
    json_path : path, optional
        Where to write the summary as JSON too.

    Returns
    -------
    dict
        ``tables``, ``target``, ``full``, ``before`` and ``after`` (each with
        ``mean``, ``max``, ``over_1023`` entries), ``seconds`` (total) and
        ``per_table`` (``chip``, ``before``, ``after``, ``seconds``), in file order.

    Raises
    ------
    TableFileError
        If ``in_path`` cannot be read as a table file.
    OutputRefused
        If an output path is the input, both outputs are one file, or one is
        a directory.
    """
    check_outputs({"--out": out_path, "--json": json_path}, [in_path])
    check_output_file("--out", out_path)
    check_output_file("--json", json_path)
    if target < 1:
        raise SpinncError(f"--target {target}: a table needs at least 1 entry")
    tables = _read(in_path)
    results, per_table = {}, []
    start = time.perf_counter()
    for chip, table in tables.items():
        began = time.perf_counter()
        results[chip] = minimise(table, target, full)
        per_table.append({"chip": list(chip), "before": len(table),
                          "after": len(results[chip]),
                          "seconds": round(time.perf_counter() - began, 6)})
    seconds = time.perf_counter() - start
    try:
        write_tables(out_path, results)
    except OSError as error:
        raise SpinncError(f"--out {os.fspath(out_path)}: cannot write it "
                          f"({error.strerror})") from None
    summary = {
        "input": os.fspath(in_path), "output": os.fspath(out_path),
        "tables": len(tables), "target": None if full else target, "full": full,
        "before": _stats([row["before"] for row in per_table]),
        "after": _stats([row["after"] for row in per_table]),
        "seconds": round(seconds, 6),
        "per_table": per_table,
    }
    if json_path is not None:
        with open(json_path, "w") as file:
            json.dump(summary, file, indent=1)
    return summary


def tables_check(original_path, minimised_path) -> dict:
    """Prove that each chip's minimised table routes like its original.

    Returns
    -------
    dict
        ``chips``, ``entries`` (totals ``original`` and ``minimised``) and
        ``seconds``.

    Raises
    ------
    TablesDiffer
        (a SpinncError) naming the chip and the first key that differ and
        both routes, or the chips that one file has and the other lacks.
    """
    original = _read(original_path)
    minimised = _read(minimised_path)
    missing = [chip for chip in original if chip not in minimised]
    extra = [chip for chip in minimised if chip not in original]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} chips missing from {os.fspath(minimised_path)} "
                         f"(first {missing[0]})")
        if extra:
            parts.append(f"{len(extra)} chips in it that {os.fspath(original_path)} "
                         f"does not have (first {extra[0]})")
        raise TablesDiffer("; ".join(parts))
    start = time.perf_counter()
    for chip, table in original.items():
        check_equivalent(table, minimised[chip], chip=chip)
    return {"chips": len(original),
            "entries": {"original": int(sum(len(t) for t in original.values())),
                        "minimised": int(sum(len(t) for t in minimised.values()))},
            "seconds": round(time.perf_counter() - start, 6)}


def _run_minimise(args) -> None:
    summary = tables_minimise(args.input, args.out, target=args.target, full=args.full,
                              json_path=args.json)
    before, after = summary["before"], summary["after"]
    print(f"minimised {summary['tables']} tables in {summary['seconds']:.2f} s: "
          f"mean {before['mean']:.1f} -> {after['mean']:.1f} entries, "
          f"max {before['max']} -> {after['max']}, "
          f"{after['over_1023']} over {ROUTER_ENTRIES}; wrote {args.out}")


def _run_check(args) -> None:
    summary = tables_check(args.original, args.minimised)
    print(f"{args.minimised}: all {summary['chips']} tables route like {args.original} "
          f"({summary['entries']['original']} -> {summary['entries']['minimised']} "
          f"entries; checked in {summary['seconds']:.2f} s)")


def add_commands(subparsers) -> None:
    """Add ``tables minimise`` and ``tables check`` to an argparse subparsers
    object; each sets ``run`` to a function taking the parsed ``args``."""
    tables = subparsers.add_parser(
        "tables", help="minimise and check routing-table files (HPSR 2016 format, or "
        "PACMAN's routing_tables.json)")
    commands = tables.add_subparsers(dest="tables_command", required=True)

    minimise_parser = commands.add_parser(
        "minimise", help="minimise every table of a file",
        description="Minimise every routing table of IN (default-route removal, then "
                    "ordered covering) and write them to OUT.  Files are in the HPSR 2016 "
                    "format, or in PACMAN's routing_tables.json schema when named *.json "
                    "(spinnc run and spinnc map write one).")
    minimise_parser.add_argument("input", metavar="IN.bin")
    minimise_parser.add_argument("--out", required=True, metavar="OUT.bin")
    how_far = minimise_parser.add_mutually_exclusive_group()
    how_far.add_argument("--target", type=int, default=ROUTER_ENTRIES, metavar="N",
                         help="stop once a table has at most N entries (default 1023)")
    how_far.add_argument("--full", action="store_true",
                         help="minimise as far as possible")
    minimise_parser.add_argument("--json", metavar="FILE",
                                 help="write a JSON summary (per-table sizes, times)")
    minimise_parser.set_defaults(run=_run_minimise)

    check_parser = commands.add_parser(
        "check", help="prove minimised tables route like the originals",
        description="Prove, for every chip, that the table in MINIMISED routes every key "
                    "of the table in ORIGINAL the same way.")
    check_parser.add_argument("original", metavar="ORIGINAL.bin")
    check_parser.add_argument("minimised", metavar="MINIMISED.bin")
    check_parser.set_defaults(run=_run_check)
