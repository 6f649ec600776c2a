"""Map, run and compare a model in one go: what ``spinnc run`` does.

The run summary (``RunResult.summary``, written by ``spinnc run --json``)::

    machine:   width, height, chips, cores_used, chips_used
    mapping:   vertices, routing_entries_total, routing_entries_max,
               tables_over_1023, seconds {stage: seconds}
    run:       target (emulator or board), precision, steps, wall_seconds,
               wall_seconds_per_simulated_second, max_cycles_per_tick, overruns,
               packets_sent, packets_dropped
    compare:   {probe label: {rms_error_fixed, rms_error_float, reference_rms}}
               (value probes: decoded values and node outputs)
    reference: wall_seconds (nengo's run of the same network and seed)
    board:     (target board only) host, port, retries, timeouts, datagrams,
               load_seconds, run_seconds, read_seconds
"""

import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import nengo
import numpy as np

from .compiler import Compilation, compile_network
from .errors import SpinncError
from .firmware_sim import Emulator
from .frontend import reference
from .host.scp import SCP_PORT
from .machine import Machine

TARGETS = ("emulator", "board")


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


def run_model(network: nengo.Network, machine: Machine | None = None, duration: float = 1.0,
              dt: float = 0.001, seed: int | None = None, placer: str = "anneal",
              precision: str = "fixed", progress=None, target: str = "emulator",
              host: str | None = None, port: int = SCP_PORT) -> RunResult:
    """Compile ``network`` for ``machine``, run it for ``duration`` seconds in
    fixed and in float point, and compare both with nengo.

    With ``target="emulator"`` both runs are emulated here.  With
    ``target="board"`` the fixed-point run goes over the host protocol to the
    board (or virtual board) at ``host:port`` (the float run, which no board
    computes, stays on the emulator); ``machine`` defaults to what the board
    reports, and the summary's ``board`` section counts the retries.

    ``progress``, if given (a :class:`spinnc.progress.Progress`), hears each
    stage's name and time as it finishes and shows a bar for long runs.
    """
    if target not in TARGETS:
        raise ValueError(f"target {target!r}: spinnc runs on {' or '.join(TARGETS)}")
    if target == "board":
        if host is None:
            raise ValueError("target 'board' needs the board's host name or IP address")
        if precision != "fixed":
            raise SpinncError("a board computes in fixed point: run with precision 'fixed' "
                              "(the float run is always emulated for the comparison)")
        if machine is None:
            machine = board_machine(host, port)
    machine = Machine.spinn5() if machine is None else machine
    n_steps = max(1, round(duration / dt))
    compiled = compile_network(network, machine, dt=dt, seed=seed, n_steps=n_steps,
                               placer=placer, progress=progress)
    image = compiled.image
    recorded, provenances, wall = {}, {}, {}
    for mode in ("fixed", "float"):
        start = time.perf_counter()
        if mode == "fixed" and target == "board":
            board = _on_board(image, host, port, progress)
            recorded[mode], provenances[mode] = board.recordings, board.provenance
            wall[mode] = board.stats.run_seconds
        else:
            emulator = Emulator(image, precision=mode)
            _emulate(emulator, n_steps, progress and progress.bar(f"emulate {mode}", n_steps))
            recorded[mode], provenances[mode] = emulator.recordings(), emulator.provenance()
            wall[mode] = time.perf_counter() - start
            if progress is not None:
                progress.stage(f"emulate {mode}", wall[mode])
    with progress.timed("nengo reference") if progress is not None else nullcontext():
        start = time.perf_counter()
        expected = reference(network, n_steps * dt, dt=dt, seed=seed)
        reference_seconds = time.perf_counter() - start

    provenance = provenances[precision]
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
        "run": {"target": target, "precision": precision, "steps": n_steps,
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
    if target == "board":
        stats = board.stats
        summary["board"] = {"host": host, "port": port, "retries": stats.retries,
                            "timeouts": stats.timeouts, "datagrams": stats.datagrams,
                            "load_seconds": round(stats.load_seconds, 4),
                            "run_seconds": round(stats.run_seconds, 4),
                            "read_seconds": round(stats.read_seconds, 4)}
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


def board_machine(host: str, port: int) -> Machine:
    """The machine the board at ``host:port`` reports (chips, cores, dead parts)."""
    from .host import BoardController, discover

    with BoardController(host, port) as board:
        return discover(board)


def _on_board(image, host: str, port: int, progress):
    """Load, run and read back ``image`` on the board at ``host:port``."""
    from .host import run_image

    board = run_image(image, host, port)
    if progress is not None:
        for stage in ("load", "run", "read"):
            progress.stage(f"board {stage}", getattr(board.stats, f"{stage}_seconds"))
    return board
