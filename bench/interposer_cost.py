"""The interposer's cost constants (spinnc/costs.py: APP_TICK_CYCLES,
SEND_CYCLES_OF and WEIGHT_CYCLES_OF of "interposer") against the firmware's
cycles on the ARM engine, as bench/cost_model.py measures the other
applications (its ``measure``: every cycle of a core in a tick, its
receive interrupts too; the last tick, which ends the run, left out).

Grid: an interposer of ``din`` dimensions and ``dout`` rows between a
function of time and an ensemble, fed by one connection (one key entry;
every node is kept for this, whatever the frontend's rule would say), and
fed by ``sources`` one-dimensional ensembles (a key entry each, as a
circular convolution's product ensembles are).  The fit: least squares of
the one-entry points' cycles on a tick, a row sent and a weight, the filter
and receive constants fixed at spinnc.costs'.  Prints JSON.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/interposer_cost.py [--steps N]
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import nengo
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cost_model  # noqa: E402  (bench/cost_model.py: measure)

from spinnc import costs  # noqa: E402
from spinnc.frontend import interposers  # noqa: E402

ONE_ENTRY = [(1, 1), (4, 4), (16, 4), (4, 16), (16, 16), (32, 8), (8, 32)]
MANY_ENTRIES = [(8, 8, 8), (8, 8, 32), (36, 16, 72), (16, 32, 16), (64, 8, 64), (32, 32, 64)]


def interposer_net(din, dout, sources=0, seed=0):
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: 0.5 * np.sin(10 * t + np.arange(din)))
        node = nengo.Node(size_in=din)
        if sources:
            for s in range(sources):
                ens = nengo.Ensemble(10, 1)
                nengo.Connection(stim[s % din], ens, synapse=None)
                nengo.Connection(ens, node[s % din], synapse=0.005)
        else:
            nengo.Connection(stim, node, synapse=0.005)
        post = nengo.Ensemble(20, dout)
        nengo.Connection(node, post, transform=rng.uniform(-0.3, 0.3, (dout, din)),
                         synapse=0.005)
    return net


def known(row):
    """The cycles the filter and receive constants account for."""
    return (costs.filter_cycles(row["din"])
            + costs.receive_cycles(row["received"], row["key_entries"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = []
    ratios = interposers.EXACT_RATIO, interposers.LATE_RATIO
    interposers.EXACT_RATIO = interposers.LATE_RATIO = 0  # keep every node
    try:
        for point in [p + (0,) for p in ONE_ENTRY] + MANY_ENTRIES:
            din, dout, sources = point
            for r in cost_model.measure(interposer_net(din, dout, sources), args.steps):
                if r["app"] == "interposer":
                    ticks = r["per_tick"][3:-1]
                    rows.append(dict(din=din, dout=dout, sources=sources,
                                     received=r["received"], key_entries=r["key_entries"],
                                     sent=r["sent"], weights=r["weights"],
                                     measured=max(ticks), model=r["model"], ticks=ticks))
    finally:
        interposers.EXACT_RATIO, interposers.LATE_RATIO = ratios
    X, y = [], []
    for r in rows:
        if r["key_entries"] == 1:
            for c in r["ticks"]:
                X.append([1, r["sent"], r["weights"]])
                y.append(c - known(r))
    X, y = np.array(X, float), np.array(y, float)
    tick, sent, weight = np.linalg.lstsq(X / y[:, None], np.ones_like(y), rcond=None)[0]
    for r in rows:
        r["ratio"] = round(r["measured"] / r["model"], 3)
        del r["ticks"]
    print(json.dumps(dict(fit={"costs.APP_TICK_CYCLES['interposer']": round(tick, 1),
                               "costs.SEND_CYCLES_OF['interposer']": round(sent, 1),
                               "costs.WEIGHT_CYCLES_OF['interposer']": round(weight, 2)},
                          cores=rows), indent=1))


if __name__ == "__main__":
    main()
