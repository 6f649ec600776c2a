"""Benchmark spinnc's routing-table minimiser on the HPSR 2016 tables, against
rig 2.4.1's ordered covering.

For each of the eight benchmark files (144 tables each; Mundy, Heathcote and
Garside, IEEE HPSR 2016) this minimises every table with spinnc

* fully (``full=True``: the paper's figures are for full minimisation),
* to the router's 1023 entries (``target=1023``, what the compiler does),
* fully with the paper's merge rule (``clustered=False``), for comparison,

and a subset of the tables with rig's ordered covering (``target_length=None``;
rig is pure Python and takes seconds a table; ``--rig-tables``).  Every
result, rig's included, is proved equivalent to the original with
:func:`spinnc.router.equivalence.check_equivalent` (timed separately).  The
on-chip ordered-covering results shipped with the benchmark are summarised
as the reference to beat.

Prints JSON: per file and mode the mean and max entries, tables over 1023,
seconds in total and per table and checking seconds; for rig, the same on its
subset with spinnc's full results on the same tables, and the ratios
(``speedup``: rig's seconds per table / spinnc's; ``mean_entries_ratio``:
spinnc's mean / rig's).  Targets (from the routing issue): at least 20x
faster per table than rig; gaussian_12_12_xyp fully minimised with every
table <= 1023 and mean <= 947.5; centroid_12_12_xyp with fewer than 49 of
144 tables over 1023.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/bench_minimise.py [--data DIR] [--rig-tables N]
        [--files NAME ...] [--out FILE]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from spinnc.router.equivalence import check_equivalent
from spinnc.router.files import from_rig, read_tables, to_rig
from spinnc.router.ordered_covering import minimise

FILES = [f"{network}_12_12_{keys}" for network in ("gaussian", "centroid")
         for keys in ("xyp", "xyzp", "hilbert", "rnd")]
DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/data/routing_tables/hpsr2016"
LIMIT = 1023


def sizes_summary(sizes) -> dict:
    sizes = np.asarray(sizes)
    return {"mean": round(float(sizes.mean()), 2), "max": int(sizes.max()),
            "over_1023": int((sizes > LIMIT).sum())}


def run_mode(tables: dict, minimiser) -> tuple[dict, dict]:
    """Minimise and check every table; returns (summary, per-chip results)."""
    results, seconds, check_seconds = {}, {}, 0.0
    for chip, table in tables.items():
        start = time.perf_counter()
        results[chip] = minimiser(table)
        seconds[chip] = time.perf_counter() - start
        start = time.perf_counter()
        check_equivalent(table, results[chip], chip)
        check_seconds += time.perf_counter() - start
    total = sum(seconds.values())
    summary = sizes_summary([len(t) for t in results.values()])
    summary.update(seconds=round(total, 3), seconds_per_table=round(total / len(tables), 5),
                   check_seconds_per_table=round(check_seconds / len(tables), 5))
    return summary, {chip: (len(results[chip]), seconds[chip]) for chip in tables}


def rig_minimiser():
    """rig's ordered covering (then its default-route removal), or None."""
    from spinnc.interop import import_rig

    try:
        import_rig()
        from rig.routing_table.ordered_covering import minimise as rig_minimise
    except ImportError:
        return None
    return rig_minimise


def bench_file(path: Path, reference: Path, rig_minimise, rig_tables: int) -> dict:
    tables = read_tables(path)
    out = {"tables": len(tables), "original": sizes_summary([len(t) for t in tables.values()])}
    if reference.exists():
        out["on_chip_ordered_covering"] = sizes_summary(
            [len(t) for t in read_tables(reference).values()])
    out["spinnc_full"], full = run_mode(tables, lambda t: minimise(t, full=True))
    out["spinnc_target_1023"], _ = run_mode(tables, lambda t: minimise(t, target=LIMIT))
    out["spinnc_paper_rule_full"], _ = run_mode(
        tables, lambda t: minimise(t, full=True, clustered=False))
    if rig_minimise is not None and rig_tables > 0:
        chips = list(tables)[::max(1, len(tables) // rig_tables)][:rig_tables]
        sizes, seconds, check_seconds = [], [], 0.0
        for chip in chips:
            entries = to_rig(tables[chip])  # conversions are not timed
            start = time.perf_counter()
            result = rig_minimise(entries, None)
            seconds.append(time.perf_counter() - start)
            result = from_rig(result)
            start = time.perf_counter()
            check_equivalent(tables[chip], result, chip)
            check_seconds += time.perf_counter() - start
            sizes.append(len(result))
        rig_per_table = float(np.mean(seconds))
        spinnc_sizes = [full[chip][0] for chip in chips]
        spinnc_per_table = float(np.mean([full[chip][1] for chip in chips]))
        out["rig"] = {
            "tables": len(chips), "chips": [f"{x},{y}" for x, y in chips],
            **sizes_summary(sizes), "seconds": round(sum(seconds), 3),
            "seconds_per_table": round(rig_per_table, 5),
            "check_seconds_per_table": round(check_seconds / len(chips), 5),
            "spinnc_full_same_tables": {**sizes_summary(spinnc_sizes),
                                        "seconds_per_table": round(spinnc_per_table, 5)},
            "speedup": round(rig_per_table / spinnc_per_table, 1),
            "mean_entries_ratio": round(float(np.mean(spinnc_sizes) / np.mean(sizes)), 4),
        }
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="directory of the HPSR 2016 .bin files")
    parser.add_argument("--rig-tables", type=int, default=12,
                        help="tables per file to run rig on, evenly spread (0: skip rig; "
                             "the default keeps the whole bench near 8 minutes)")
    parser.add_argument("--files", nargs="+", default=FILES, choices=FILES)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    rig_minimise = rig_minimiser() if args.rig_tables > 0 else None
    report = {"data": str(args.data.resolve()), "rig_available": rig_minimise is not None,
              "rig_tables_per_file": args.rig_tables if rig_minimise else 0, "files": {}}
    start = time.perf_counter()
    for name in args.files:
        report["files"][name] = bench_file(
            args.data / f"{name}.bin", args.data / "oc_on_chip" / f"oc_spinnaker_{name}.bin",
            rig_minimise, args.rig_tables)
    if rig_minimise is not None:
        rigs = [f["rig"] for f in report["files"].values() if "rig" in f]
        rig_time = sum(r["seconds_per_table"] * r["tables"] for r in rigs)
        spinnc_time = sum(r["spinnc_full_same_tables"]["seconds_per_table"] * r["tables"]
                          for r in rigs)
        report["rig_overall_speedup"] = round(rig_time / spinnc_time, 1)
    report["bench_seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return report


if __name__ == "__main__":
    main()
