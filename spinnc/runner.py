"""Map, run and compare a model in one go: what ``spinnc run`` does.

The run summary (``RunResult.summary``, written by ``spinnc run --json``)::

    machine:   width, height, chips, cores_used, chips_used
    mapping:   vertices, routing_entries_total, routing_entries_max,
               tables_over_1023, seconds {stage: seconds}
    run:       precision, steps, wall_seconds, wall_seconds_per_simulated_second,
               max_cycles_per_tick, overruns, packets_sent, packets_dropped
    compare:   {probe label: {rms_error_fixed, rms_error_float, reference_rms}}
               (value probes: decoded values and node outputs)
    reference: wall_seconds (nengo's run of the same network and seed)
"""

import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import nengo
import numpy as np

from .compiler import Compilation, compile_network
from .firmware_sim import Emulator
from .frontend import reference
from .machine import Machine


@dataclass
class RunResult:
    compilation: Compilation
    recordings: dict  # probe label -> samples, at the chosen precision
    trange: np.ndarray
    summary: dict
    provenance: object  # the chosen precision's firmware_sim Provenance
    reference: dict = field(default_factory=dict)  # nengo's probe data, for plots


def _rms(values) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if np.size(values) else 0.0


def run_model(network: nengo.Network, machine: Machine, duration: float = 1.0,
              dt: float = 0.001, seed: int | None = None, placer: str = "anneal",
              precision: str = "fixed", progress=None) -> RunResult:
    """Compile ``network`` for ``machine``, run it for ``duration`` seconds on
    the emulator in fixed and in float point, and compare both with nengo.

    ``progress``, if given (a :class:`spinnc.progress.Progress`), hears each
    stage's name and time as it finishes and shows a bar for long runs.
    """
    n_steps = max(1, round(duration / dt))
    compiled = compile_network(network, machine, dt=dt, seed=seed, n_steps=n_steps,
                               placer=placer, progress=progress)
    image = compiled.image
    runs, wall = {}, {}
    for mode in ("fixed", "float"):
        emulator = Emulator(image, precision=mode)
        start = time.perf_counter()
        _emulate(emulator, n_steps, progress and progress.bar(f"emulate {mode}", n_steps))
        wall[mode] = time.perf_counter() - start
        if progress is not None:
            progress.stage(f"emulate {mode}", wall[mode])
        runs[mode] = emulator
    with progress.timed("nengo reference") if progress is not None else nullcontext():
        start = time.perf_counter()
        expected = reference(network, n_steps * dt, dt=dt, seed=seed)
        reference_seconds = time.perf_counter() - start

    chosen = runs[precision]
    recorded = {mode: run.recordings() for mode, run in runs.items()}
    provenance = chosen.provenance()
    sizes = [len(t) for t in image.tables.values()] or [0]
    simulated = n_steps * dt
    summary = {
        "machine": {"width": machine.width, "height": machine.height,
                    "chips": len(machine.working_chips), "cores_used": len(image.cores),
                    "chips_used": len({(c.x, c.y) for c in image.cores})},
        "mapping": {"vertices": len(compiled.partition.vertices),
                    "routing_entries_total": int(sum(sizes)),
                    "routing_entries_max": int(max(sizes)),
                    "tables_over_1023": int(sum(s > 1023 for s in sizes)),
                    "seconds": {k: round(v, 4) for k, v in compiled.seconds.items()}},
        "run": {"precision": precision, "steps": n_steps,
                "wall_seconds": round(wall[precision], 4),
                "wall_seconds_per_simulated_second": round(wall[precision] / simulated, 4),
                "max_cycles_per_tick": max((c.max_cycles for c in provenance.cores),
                                           default=0),
                "overruns": sum(c.overruns for c in provenance.cores),
                "packets_sent": sum(c.packets_sent for c in provenance.cores),
                "packets_dropped": sum(r.dropped for r in provenance.routers)},
        "compare": {name: {"rms_error_fixed": _rms(recorded["fixed"][name] - expected[name]),
                           "rms_error_float": _rms(recorded["float"][name] - expected[name]),
                           "reference_rms": _rms(expected[name])}
                    for name, probe in compiled.graph.probes.items() if probe.kind == "value"},
        "reference": {"wall_seconds": round(reference_seconds, 4)},
    }
    return RunResult(compiled, recorded[precision], expected["t"], summary, provenance,
                     expected)


def _emulate(emulator: Emulator, n_steps: int, bar=None) -> None:
    """Run ``n_steps`` ticks; with a bar, in about a hundred chunks to update it."""
    if bar is None:
        emulator.run(n_steps)
        return
    chunk = max(1, n_steps // 100)
    for done in range(0, n_steps, chunk):
        emulator.run(min(chunk, n_steps - done))
        bar.update(min(done + chunk, n_steps))
    bar.close()
