"""Map, run and compare a model in one go: what ``spinnc run`` does.

A run is a :class:`spinnc.Simulator` of the network, so ``spinnc run`` gives
the probe data ``sim.data`` gives (host functions called each step, nengo's
``sample_every`` rule, probe synapses, spikes scaled to amplitude / dt), plus a
separate emulation at the other precision and nengo's reference.

The run summary (``RunResult.summary``, written by ``spinnc run --json``)::

    machine:   width, height, chips, cores_used, chips_used
    mapping:   vertices, routing_entries_total, routing_entries_max,
               tables_over_1023, seconds {stage: seconds}
    run:       target (emulator or board), engine (python or arm), precision,
               steps, wall_seconds,
               wall_seconds_per_simulated_second, max_cycles_per_tick, overruns,
               packets_sent, packets_dropped
    compare:   {probe label: {rms_error_fixed, rms_error_float, reference_rms}}
               (value probes: decoded values and node outputs)
    reference: wall_seconds (nengo's run of the same network and seed, fed the
               inputs the machine was fed: Simulator.reference)
    board:     (target board only) host, port, retries, timeouts, datagrams,
               load_seconds, run_seconds, read_seconds, retry_codes, ignored,
               max_tries, tries_allowed, cleared (spinnc.host.RunStats)
"""

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import nengo
import numpy as np

from . import energy
from .comparison import rms, rms_error
from .compiler import Compilation
from .errors import SpinncError
from .firmware_sim.engines import check_engine
from .formats.scp import SCP_PORT
from .machine import Machine
from .simulator import BOARD_TARGETS, TARGETS, Simulator, board_machine

@dataclass
class RunResult:
    compilation: Compilation
    recordings: dict  # probe label -> samples, at the chosen precision (as sim.data)
    trange: np.ndarray  # the time of every step
    summary: dict
    provenance: object  # the chosen precision's firmware_sim Provenance
    reference: dict = field(default_factory=dict)  # nengo's probe data, for plots
    times: dict = field(default_factory=dict)  # probe label -> the time of each sample


def run_steps(duration: float, dt: float) -> int:
    """Ticks of ``duration`` seconds at ``dt``: at least one, whole.

    Raises
    ------
    SpinncError
        If ``dt`` or ``duration`` is not a positive finite number, or the
        duration is shorter than half a tick (which would run none).
    """
    for name, value in (("dt", dt), ("duration", duration)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise SpinncError(f"{name} {value!r}: give a positive number of seconds")
    steps = round(duration / dt)
    if steps < 1:
        raise SpinncError(f"duration {duration:g} s is less than one tick of dt {dt:g} s: "
                          f"run for at least {dt:g} s")
    return steps


def run_model(network: nengo.Network, machine: Machine | None = None, duration: float = 1.0,
              dt: float = 0.001, seed: int | None = None, placer: str = "anneal",
              precision: str = "fixed", progress=None, target: str = "emulator",
              host: str | None = None, port: int | None = None,
              engine: str = "python", realtime: bool = False, boards: int = 1,
              boot_image=None, on_view=None) -> RunResult:
    """Compile ``network`` for ``machine``, run it for ``duration`` seconds in
    fixed and in float point, and compare both with nengo.

    With ``target="emulator"`` both runs are emulated here.  With
    ``target="board"`` the fixed-point run goes over the host protocol to the
    board (or virtual board) at ``host:port`` (the float run, which no board
    computes, stays on the emulator); ``machine`` defaults to what the board
    reports, and the summary's ``board`` section counts the retries.  With
    ``target="spalloc"`` the run goes to ``boards`` boards that the spalloc
    server at ``host:port`` grants, booted with ``boot_image``
    (:class:`spinnc.host.spalloc.SpallocJob`; the job is freed when the run
    ends, also on errors and Ctrl-C), and the ``board`` section names the job.

    ``engine`` chooses what runs the emulator target's fixed-point run
    (:mod:`spinnc.firmware_sim.engines`: the Python kernels or the ARM
    firmware); the float run is always the Python kernels'.  ``realtime``
    paces the emulator target's run to the wall clock (:mod:`spinnc.pacing`;
    the summary's ``run.realtime`` says how it kept to it); the float run and
    nengo's are not paced.

    ``progress``, if given (a :class:`spinnc.progress.Progress`), hears each
    stage's name and time as it finishes and shows a bar for long runs.
    ``on_view``, if given, is called with the URL of the machine's live view
    (:meth:`spinnc.Simulator.machine_view`), served while the emulator target
    runs.
    """
    n_steps = run_steps(duration, dt)
    if target not in TARGETS:
        raise ValueError(f"target {target!r}: spinnc runs on {', '.join(TARGETS)}")
    check_engine(engine, precision)
    if target in BOARD_TARGETS:
        if engine != "python":
            raise SpinncError(f"engine {engine!r} runs the emulator target; a board runs its "
                              "own firmware (a virtual board's engine is spinnc board serve "
                              "--engine)")
        if host is None:
            raise ValueError(f"target {target!r} needs the host name or IP address of the "
                             f"{'board' if target == 'board' else 'spalloc server'}")
        if precision != "fixed":
            raise SpinncError("a board computes in fixed point: run with precision 'fixed' "
                              "(the float run is always emulated for the comparison)")
    if machine is None and target == "board":
        machine = board_machine(host, port or SCP_PORT)
    machine = Machine.spinn5() if machine is None and target == "emulator" else machine
    other = {"fixed": "float", "float": "fixed"}[precision]
    with Simulator(network, dt=dt, seed=seed, machine=machine, progress_bar=False,
                   precision=precision, placer=placer, target=target, host=host, port=port,
                   horizon=n_steps, on_stage=progress, engine=engine,
                   realtime=realtime, boards=boards, boot_image=boot_image) as sim:
        machine, job = sim.machine, sim.spalloc_job
        compiled, graph = sim.compilation, sim.compilation.graph
        names = {probe: graph.name_of(probe) for probe in network.all_probes}
        start = time.perf_counter()
        bar = None  # a board runs its whole horizon when the data are first read
        if progress is not None and target == "emulator":
            bar = progress.bar(f"emulate {precision}", n_steps)
        with (sim.machine_view() if on_view is not None and target == "emulator"
              else nullcontext()) as view:
            if view is not None:
                on_view(view.url)
            _run(sim, n_steps, bar)
        recorded = {precision: {names[p]: np.array(sim.data[p]) for p in names}}
        wall = time.perf_counter() - start  # on a board: load, run and read back
        provenance = sim.provenance()
        pacing = sim.pacing
        board = sim.board_run()
        if board is not None:
            wall = board.stats.run_seconds
            if progress is not None:
                for stage in ("load", "run", "read"):
                    progress.stage(f"board {stage}", getattr(board.stats, f"{stage}_seconds"))
        elif progress is not None:
            progress.stage(f"emulate {precision}", wall)
        emulation = sim.emulate(other)
        recorded[other] = emulation.data
        if progress is not None:
            progress.stage(f"emulate {other}", emulation.seconds)
        times = {names[p]: sim.trange(sample_every=p.sample_every) for p in names}
        trange = sim.trange()
    with progress.timed("nengo reference") if progress is not None else nullcontext():
        start = time.perf_counter()  # fed what the machine was fed; live nodes not called
        expected = sim.reference(n_steps * dt)
        reference_seconds = time.perf_counter() - start

    image = compiled.image
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
        "run": {"target": target, "engine": engine, "precision": precision, "steps": n_steps,
                "wall_seconds": round(wall, 4),
                "wall_seconds_per_simulated_second": round(wall / simulated, 4),
                "max_cycles_per_tick": max((c.max_cycles for c in provenance.cores),
                                           default=0),
                "overruns": sum(c.overruns for c in provenance.cores),
                "packets_sent": sum(c.packets_sent for c in provenance.cores),
                "packets_dropped": sum(r.dropped for r in provenance.routers)},
        "compare": {name: {"rms_error_fixed": rms_error(recorded["fixed"][name], expected[name]),
                           "rms_error_float": rms_error(recorded["float"][name], expected[name]),
                           "reference_rms": rms(expected[name])}
                    for name, probe in graph.probes.items()
                    if probe.kind == "value" and name in recorded[precision]},
        "reference": {"wall_seconds": round(reference_seconds, 4)},
        "energy": energy.estimate(provenance, len(machine.working_chips), simulated).summary(),
    }
    if pacing is not None:
        summary["run"]["realtime"] = pacing.summary()
    if board is not None:
        summary["board"] = {"host": sim.host, "port": sim.port, **board.stats.summary()}
        if board.live is not None:  # the host functions answered over IP tags
            summary["board"]["live"] = board.live
        if job is not None:
            summary["board"]["spalloc"] = {"server": f"{job.host}:{job.port}", "job": job.id,
                                           "boards": len(job.machine.hosts)}
    return RunResult(compiled, recorded[precision], trange, summary, provenance, expected,
                     times)


def _run(sim, n_steps: int, bar=None) -> None:
    """Run ``n_steps``; with a bar, in about a hundred chunks to update it."""
    chunk = n_steps if bar is None else max(1, n_steps // 100)
    for done in range(0, n_steps, chunk):
        sim.run_steps(min(chunk, n_steps - done), progress_bar=False)
        if bar is not None:
            bar.update(min(done + chunk, n_steps))
    if bar is not None:
        bar.close()
