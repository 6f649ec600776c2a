"""The cost model (spinnc.costs, assembled by spinnc.apps' cost functions)
against the firmware's cycles measured on the ARM engine.

For each application (the ensemble per neuron model, value_source,
host_in/host_out) over a grid of sizes (neurons, input dims, output dims,
probe rows, filters, packets received per tick), a small model is compiled for a SpiNN-5
(``placer="hilbert"``, seed 0) and run for ``--steps`` ticks on both engines:

- ``measured``: the most cycles a core used in a tick on the ARM engine:
  its timer tick (what the firmware's provenance reports as max_cycles)
  plus the receive interrupts of the packets it took in that tick (the
  engine delivers them after the tick; on a board they interrupt it), i.e.
  every cycle the core executed in the tick;
- ``tick``: the timer tick alone (provenance max_cycles);
- ``model``: the Python engine's count for the core (the cost model at
  each tick's own spikes); ``ratio`` = measured / model;
- ``planned``: the cost function at the partitioner's spike bound (each
  model's ``spikes_per_tick``): what the partitioner plans for the core;
- ``spikes``: the core's spikes in the tick of ``measured`` and the most in
  any tick (the engines are bit-exact, so the Python engine's counts).

With ``--fit`` it also fits the cost model's constants by least squares to
every core's cycles in every tick (see ``fit``) and prints them with the
worst ratio of a core-tick to the fit (spinnc/costs.py cites this).
``--ticks`` keeps every tick's cycles and spikes in the output.  The default
grid runs in about a minute on two cores.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/cost_model.py [--steps N] [--fit] [--quick]
"""

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import nengo
import numpy as np

from spinnc import costs
from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.arm import ArmEmulator
from spinnc.machine import Machine
from spinnc.regions import Region

MODELS = {
    "LIF": nengo.LIF,
    "AdaptiveLIF": nengo.AdaptiveLIF,
    "SpikingRectifiedLinear": nengo.SpikingRectifiedLinear,
    "Izhikevich": nengo.Izhikevich,
    "RegularSpiking": lambda: nengo.RegularSpiking(nengo.LIFRate()),
}


def _stimulus(dims):
    freqs = 2 + np.arange(dims)
    return lambda t: 0.9 * np.sin(2 * np.pi * freqs * t)


def ensemble_net(model="LIF", n=100, din=1, dout=1, filters=1, probe=1, seed=0):
    """A function of time (din dims) into ``n`` neurons over ``filters``
    connections of distinct synapses (din packets each per tick), decoding
    ``dout`` dimensions sent to a host function and, for a probe, ``probe``
    rows recorded every tick."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(_stimulus(din), label="stim")
        ens = nengo.Ensemble(n, din, neuron_type=MODELS[model](), label="ens")
        for k in range(filters):
            nengo.Connection(stim, ens, synapse=0.005 * (k + 1), transform=1.0 / filters)
        sink = nengo.Node(lambda t, x: None, size_in=dout, label="sink")
        nengo.Connection(ens, sink, function=lambda x, d=dout: np.resize(x, d))
        if probe:
            out = nengo.Node(size_in=probe, label="probed")
            nengo.Connection(ens, out, function=lambda x, d=probe: np.resize(x, d) * 0.5)
            nengo.Probe(out, synapse=0.01, label="out")
    return net


def host_net(dims=1, seed=0):
    """A host function of ``dims`` values (host_out filters its input,
    host_in sends its answer) between a function of time and an ensemble."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(_stimulus(dims), label="stim")
        fn = nengo.Node(lambda t, x: -x, size_in=dims, label="fn")
        nengo.Connection(stim, fn, synapse=0.005)
        nengo.Connection(fn, nengo.Ensemble(20, dims, label="ens"))
    return net


def grid(quick=False):
    """(label, builder, kwargs) of each grid point."""
    points = []
    # (neurons, input dims, output dims, filters, probe rows)
    sizes = {"LIF": [(50, 1, 1, 1, 1), (200, 1, 1, 1, 0), (400, 1, 1, 1, 1),
                     (200, 4, 1, 1, 4), (200, 1, 8, 1, 1), (200, 2, 2, 3, 8), (100, 8, 8, 1, 16),
                     (600, 2, 2, 1, 2), (200, 1, 1, 1, 32)],
             "AdaptiveLIF": [(50, 1, 1, 1, 1), (200, 1, 1, 1, 0), (200, 4, 4, 1, 8),
                             (400, 2, 2, 2, 2)],
             "SpikingRectifiedLinear": [(50, 1, 1, 1, 1), (200, 1, 1, 1, 0),
                                        (200, 4, 4, 1, 8), (400, 2, 2, 2, 2)],
             "Izhikevich": [(50, 1, 1, 1, 1), (200, 1, 1, 1, 0), (200, 4, 4, 1, 8),
                            (400, 2, 2, 2, 2)],
             "RegularSpiking": [(50, 1, 1, 1, 1), (200, 1, 1, 1, 0), (200, 4, 4, 1, 8),
                                (400, 2, 2, 2, 2)]}
    for model, rows in sizes.items():
        for n, din, dout, filters, probe in (rows[:2] if quick else rows):
            points.append((f"ensemble {model} n={n} din={din} dout={dout} filters={filters} "
                           f"probe={probe}", ensemble_net,
                           dict(model=model, n=n, din=din, dout=dout, filters=filters,
                                probe=probe)))
    for dims in ([2] if quick else [1, 2, 8]):
        points.append((f"host dims={dims}", host_net, dict(dims=dims)))
    return points


def planned(core, py):
    """The cost function at the planning bound of the spikes (as the
    partitioner plans), every recording due."""
    load = core.app.load(core.regions, py.image.host_functions.get(core.name))
    load.sent_dims, load.received_packets = int(core.slots.size), core.received
    return int(core.app.cycles(load)) + costs.RECORD_CYCLES_PER_WORD * sum(
        r.words for r in core.recordings)


def features(core, py):
    """The load the cost model sees for a core (what the fit regresses on)."""
    load = core.app.load(core.regions, py.image.host_functions.get(core.name))
    members = []
    for m in load.members:
        members.append(dict(neurons=int(m.neurons), input_dims=int(m.input_dims),
                            output_dims=int(m.output_dims), probe_dims=int(m.probe_dims),
                            filters=list(map(int, m.filters)),
                            model=getattr(m.model, "name", None) if m.model else None))
    weights = core.region(Region.WEIGHTS)[0]
    return dict(members=members, sent=int(core.slots.size), received=int(core.received),
                key_entries=int(load.key_entries),
                weights=int(weights.get("rows", 0)) * int(weights.get("cols", 0)),
                recorded_words=int(sum(r.words for r in core.recordings)),
                recordings=[(int(r.words), int(r.every)) for r in core.recordings])


def measure(net, steps, per_tick_out=None):
    """Per core: measured (ARM), tick, model (Python engine) and spikes."""
    # One tick more than is run: the last tick of an Image ends the run
    # (the recordings' CRC-32s, outside the ticks' budget), which is not a
    # tick's work.
    image = compile_network(net, Machine.spinn5(), n_steps=steps + 1, seed=0,
                            placer="hilbert").image
    # A host function answers -x (the grid's sinks answer nothing).
    host = lambda name, t, x: np.zeros(0) if name == "sink" else -np.asarray(x)  # noqa: E731
    py = Emulator(image)
    spikes = np.zeros((steps, len(py.cores)), dtype=np.int64)
    if py.ensembles is not None:
        kernel = py.ensembles
        core_of = np.repeat([m.core for m in kernel.members],
                            np.diff(kernel.start)).astype(np.int64)
        step = kernel.step

        def counting(y, u, payloads):
            s = step(y, u, payloads)
            spikes[py.t] = np.bincount(core_of[s], minlength=len(py.cores))
            return s
        kernel.step = counting
    py.run(steps, host=host)
    arm = ArmEmulator(image)
    per_tick = np.zeros((steps, len(arm.cores)), dtype=np.int64)
    for t in range(steps):
        before = [c.cycles for c in arm.cores]
        arm.run(1, host=host)
        per_tick[t] = [c.cycles - b for c, b in zip(arm.cores, before)]
    if per_tick_out is not None:
        per_tick_out.append((per_tick, spikes))
    pp, ap = py.provenance(), arm.provenance()
    rows = []
    for i, c in enumerate(py.cores):
        worst = int(np.argmax(per_tick[:, i]))
        measured = int(per_tick[worst, i])
        model = int(pp.cores[i].max_cycles)
        rows.append(dict(core=f"{c.x},{c.y},{c.core}", name=c.name, app=c.application,
                         **features(c, py), measured=measured,
                         tick=int(ap.cores[i].max_cycles), model=model,
                         ratio=round(measured / model, 3) if model else None,
                         planned=planned(c, py),
                         spikes=int(spikes[worst, i]), max_spikes=int(spikes[:, i].max()),
                         overruns=int(ap.cores[i].overruns),
                         per_tick=per_tick[:, i].tolist(), spikes_per_tick=spikes[:, i].tolist()))
    arm.close()
    return rows


# -- the fit -----------------------------------------------------------------------------

TERMS = ["filter", "filter_dim", "packet", "packet_entry", "record_word", "ensemble", "encode",
         *(f"neuron_{m}" for m in MODELS), *(f"spike_{m}" for m in MODELS),
         *(f"spike_later_{m}" for m in MODELS), "decode", "send_dim", "probe_dim",
         *(f"tick_{a}" for a in ("value_source", "host_in", "host_out")),
         "sent_value_source", "weight_value_source", "sent_host_in", "weight_host_in",
         "host_value"]
#: Where each term is in the cost model.
CONSTANTS = {
    "filter": "costs.FILTER_CYCLES", "filter_dim": "costs.FILTER_CYCLES_PER_DIM",
    "packet": "costs.PACKET_RECEIVE_CYCLES", "packet_entry": "costs.KEY_SEARCH_CYCLES",
    "record_word": "costs.RECORD_CYCLES_PER_WORD",
    "ensemble": "costs.NEURON_CYCLES", "encode": "costs.NEURON_CYCLES_PER_NEURON_DIM",
    **{f"neuron_{m}": f"{m}.cycles_per_neuron" for m in MODELS},
    **{f"spike_{m}": f"{m}.cycles_per_spike" for m in MODELS},
    **{f"spike_later_{m}": f"{m}.cycles_per_spike_later" for m in MODELS},
    "decode": "costs.DECODE_CYCLES_PER_SPIKE_DIM", "send_dim": "costs.DECODE_CYCLES_PER_DIM",
    "probe_dim": "costs.PROBE_CYCLES_PER_DIM",
    **{f"tick_{a}": f"costs.APP_TICK_CYCLES['{a}']"
       for a in ("value_source", "host_in", "host_out")},
    "sent_value_source": "costs.SEND_CYCLES_PER_DIM", "weight_value_source": "costs.WEIGHT_CYCLES",
    "sent_host_in": "costs.SEND_CYCLES_OF['host_in']",
    "weight_host_in": "costs.WEIGHT_CYCLES_OF['host_in']",
    "host_value": "costs.HOST_VALUE_CYCLES",
}
#: How many ticks after a spike its model pays again (LIF's refractory
#: period ends part-way through a tick 2 ticks on: the decay series).
LATER = 2


def design(row, t):
    """The cost model's terms for a core in tick ``t`` (its spikes then and
    ``LATER`` ticks before, its recordings due then)."""
    f = dict.fromkeys(TERMS, 0.0)
    ms = row["members"]
    for m in ms:
        f["filter"] += len(m["filters"])
        f["filter_dim"] += sum(m["filters"])
    if row["app"] == "ensemble":
        spikes = row["spikes_per_tick"]
        s, later = spikes[t], (spikes[t - LATER] if t >= LATER else 0)
        for m in ms:  # the grid's ensemble cores have one member
            n, model = m["neurons"], m["model"]
            f["ensemble"] += 1
            f["encode"] += n * m["input_dims"]
            f[f"neuron_{model}"] += n
            f[f"spike_{model}"] += s
            f[f"spike_later_{model}"] += later
            f["decode"] += s * (m["output_dims"] + m["probe_dims"])
            f["send_dim"] += m["output_dims"]
            f["probe_dim"] += m["probe_dims"]
    else:
        f[f"tick_{row['app']}"] += 1
        if row["app"] in ("value_source", "host_in"):
            f[f"sent_{row['app']}"] += row["sent"]
            f[f"weight_{row['app']}"] += row["weights"]
        if row["app"] == "host_out":  # the values handed to the host
            f["host_value"] += sum(m["input_dims"] for m in ms)
    f["packet"] += row["received"]
    f["packet_entry"] += row["received"] * costs.search_steps(row["key_entries"])
    f["record_word"] += sum(w for w, every in row["recordings"] if (t + 1) % every == 0)
    return f


def fit(rows, skip=3):
    """Least squares (relative: each tick weighted by 1 / its cycles) of
    every core's cycles in every tick after the first ``skip`` on the terms;
    then, per core, the model at its measured tick's spikes against the
    measured maximum."""
    X, y = [], []
    for r in rows:
        for t in range(skip, len(r["per_tick"])):
            X.append([design(r, t)[k] for k in TERMS])
            y.append(r["per_tick"][t])
    X, y = np.array(X), np.array(y, dtype=float)
    used = X.any(axis=0)
    coef = np.zeros(len(TERMS))
    w = 1.0 / y
    sol, *_ = np.linalg.lstsq(X[:, used] * w[:, None], y * w, rcond=None)
    coef[used] = sol
    ratio = y / (X @ coef)
    return dict(constants={CONSTANTS[k]: round(float(c), 2) for k, c in zip(TERMS, coef)},
                ticks=len(y), worst_under=round(float(ratio.max()), 4),
                worst_over=round(float(ratio.min()), 4))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--ticks", action="store_true", help="print every tick's cycles")
    parser.add_argument("--quick", action="store_true", help="two sizes per application")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = []
    warnings.simplefilter("ignore")
    for label, build, kwargs in grid(args.quick):
        t0 = time.perf_counter()
        rows = measure(build(**kwargs), args.steps)
        out.append(dict(point=label, params=kwargs, seconds=round(time.perf_counter() - t0, 2),
                        cores=rows))
        print(f"{label}: " + ", ".join(f"{r['app']} {r['measured']}/{r['model']}"
                                       for r in rows), file=sys.stderr)
    result = dict(steps=args.steps, cycles_per_tick=Machine.spinn5().cycles_per_tick,
                  points=out)
    if args.fit:
        result["fit"] = fit([r for p in out for r in p["cores"]])
    if not args.ticks:
        for p in out:
            for r in p["cores"]:
                del r["per_tick"], r["spikes_per_tick"]
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
