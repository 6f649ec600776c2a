"""A nengo-compatible Simulator that runs a network on the emulated SpiNNaker.

>>> import nengo, spinnc
>>> with nengo.Network(seed=0) as network:
...     ens = nengo.Ensemble(20, 1)
...     _ = nengo.Connection(nengo.Node(0.5), ens)
...     probe = nengo.Probe(ens, synapse=0.01)
>>> with spinnc.Simulator(network, seed=0, progress_bar=False) as sim:
...     sim.run(0.1)
...     print(sim.trange().shape, sim.data[probe].shape)
(100,) (100, 1)

``spinnc.Simulator`` compiles the network with
:func:`spinnc.compiler.compile_network`'s stages (frontend, quantisation, mapping,
routing, Image) when it is constructed, and runs the Image on
:class:`spinnc.firmware_sim.Emulator`.  It is registered as the ``spinnc``
entry of nengo's ``nengo.backends`` entry points.

Run length
----------
An Image records (and plays back functions of time) for the number of steps it
was compiled for, its *horizon*: the first compilation covers
``INITIAL_HORIZON`` steps.  The emulator continues from its current tick when
run again, so runs within the horizon simply continue.  A run that would go
past the horizon recompiles for a longer one (twice as long, or as long as the
run needs).  When the new Image maps the model as the last did, which is the
usual case (:meth:`~spinnc.image.Image.continues`: only the step count and the
value sources' samples differ), the Python engine goes on into it as it is
(``Emulator.extend``), so a long interactive session (nengo_gui) does not pause
at each doubling.  Otherwise, and on the other engines, the new Image re-runs
from the start up to the current step
before continuing.  The re-run is deterministic and bit-exact; it does not call
the network's host functions again but replays their recorded answers (and
checks that each replayed call gets the same input as the first time), and
the recordings of the re-run are checked to equal those already made.  So the
host functions see exactly one call per step, in order, whatever the runs.

Nodes run as nengo runs them: called once per step, in time order, never
past the run.  Only nodes that are functions of time alone (constants,
Processes, and functions spinnc can prove read nothing that changes, or that
``network.config[node].function_of_time = True`` declares: see
:mod:`spinnc.config`) are sampled for the whole horizon when compiling and
played back from SDRAM; any other node is *live*, a host function without
input.  Its answer enters the machine one tick after nengo's (the host answers
in tick t, the cores use it in t + 1).  The re-run of a recompiled Image,
:meth:`Simulator.emulate` and :meth:`Simulator.compare` replay a live node's
logged answers rather than call it again.

Seeds
-----
As in nengo, ``seed=None`` means ``network.seed + 1`` when the network has a
seed, else a random seed.  When ``network.seed`` is None the seed also seeds the
build (see :func:`spinnc.frontend.nengo_model`), so ``data[ensemble]``, the
compiled Graph and :meth:`Simulator.compare`'s reference share every
parameter.  ``reset(seed)`` changes ``sim.seed`` only: built parameters stay,
as in nengo, and spinnc has no unseeded noise for the seed to change.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import nengo
import numpy as np
from nengo.exceptions import ReadonlyError, SimulatorClosed, ValidationError
from nengo.utils.progress import Progress, ProgressTracker

from .comparison import rms, rms_error
from .pacing import Pacer, PacingReport
from . import fixed
from .compiler import Compilation, build_graph, compile_graph, learned_state
from .errors import DoesNotFit, SpinncError
from .firmware_sim import Emulator
from .firmware_sim.engines import ENGINES, make_engine
from .frontend import reference as nengo_reference
from .frontend.builder import process_rng
from .formats.scp import SCP_PORT
from .host.target import BoardEmulator
from .machine import Machine
from .probes import ProbeData, learned_values, synapse_filter

#: Where a Simulator (and ``spinnc run``) runs the Image.
TARGETS = ("emulator", "board", "spalloc")
#: The targets whose fixed-point run goes over the host protocol to a machine.
BOARD_TARGETS = ("board", "spalloc")

INITIAL_HORIZON = 1000  # steps the first compilation records and plays back
#: Seconds a live run on a board lasts when nengo_gui runs it (``max_steps``),
#: unless ``horizon`` (or SPINNC_HORIZON) says otherwise.
LIVE_SECONDS = 600.0

PRECISIONS = ("fixed", "float")


#: Seconds closing waits for a live run on a board to stop.
STOP_WAIT = 10.0


class LiveRunStopped(SpinncError):
    """A live run on a board stopped because its Simulator was closed."""


#: The Simulators in a live run on a board, stopped when the interpreter exits
#: (nengo_gui's server, whose run is on a daemon thread).
_LIVE_RUNS: "weakref.WeakSet[Simulator]" = weakref.WeakSet()


@atexit.register
def _stop_live_runs() -> None:
    for sim in list(_LIVE_RUNS):
        sim._stop_live_run(STOP_WAIT)


def from_environment(target, host, port, horizon):
    """``target``, ``host``, ``port`` and ``horizon``, each taken from the
    environment when not given: SPINNC_TARGET, SPINNC_HOST (HOST or
    HOST:PORT, for a board target) and SPINNC_HORIZON (steps).  nengo_gui
    builds a Simulator from the network alone, so this is how its user runs
    it on a board."""
    env = os.environ
    if target is None:
        target = env.get("SPINNC_TARGET") or "emulator"
        if target not in TARGETS:
            raise ValidationError(f"SPINNC_TARGET: must be one of {TARGETS} (got {target!r})",
                                  attr="target")
    spec = env.get("SPINNC_HOST")
    if host is None and target in BOARD_TARGETS and spec:
        host, colon, given = spec.rpartition(":")
        if not colon:
            host, given = given, ""
        if port is None and given:
            port = _environment_int("SPINNC_HOST", given, "port")
    if horizon is None and env.get("SPINNC_HORIZON"):
        horizon = _environment_int("SPINNC_HORIZON", env["SPINNC_HORIZON"], "horizon")
    return target, host, port, horizon


def _environment_int(variable: str, text: str, attr: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError(f"{variable}: {text!r} is not a positive whole number "
                              f"(the {attr})", attr=attr)
    return value


class RerunMismatch(SpinncError):
    """Re-running a recompiled Image did not reproduce the steps already run."""


@dataclass
class ProbeComparison:
    """One probe's emulation compared with nengo's float reference.

    Attributes
    ----------
    name : str
        The probe's Graph name.
    kind : str
        ``"value"``, ``"spikes"`` or ``"voltage"``.
    samples : int
        Samples compared (the first ``samples`` of both).
    rms_error : float
        RMS of (this simulator's emulation - reference): fixed point, unless
        the simulator was made with ``precision="float"``.
    reference_rms : float
        RMS of the reference itself, the scale ``rms_error`` is small against.
    float_rms_error : float
        RMS of (float emulation - reference): ``rms_error - float_rms_error``
        is what quantisation adds, and ``float_rms_error`` what mapping and
        timing (one tick per hop of a value) add.
    """

    name: str
    kind: str
    samples: int
    rms_error: float
    reference_rms: float
    float_rms_error: float

    @property
    def relative_error(self) -> float:
        """``rms_error / reference_rms`` (inf when the reference is all 0)."""
        return self.rms_error / self.reference_rms if self.reference_rms else float("inf")


@dataclass
class Emulation:
    """A separate emulation of a simulator's Image (:meth:`Simulator.emulate`)."""

    data: dict[str, np.ndarray]  # by the probes' Graph names, processed as sim.data's
    provenance: Any  # what the emulated cores and routers counted
    seconds: float  # wall-clock seconds the emulation took


class SimulationData(Mapping):
    """``sim.data``: probe data by nengo Probe, and built parameters
    (``BuiltEnsemble``, ``BuiltConnection``, ...) by any other nengo object,
    as ``nengo.Simulator.data`` gives them."""

    def __init__(self, sim: Simulator):
        self._sim = sim

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, nengo.Probe) and key in self._sim._probe_names:
            return self._sim._probe_data()[self._sim._probe_names[key]]
        built = self._sim.model.params[key]
        # A learned connection's weights as the cores hold them now.  (An
        # ensemble keeps its built encoders, as nengo's: Voja's are probed.)
        learned = (self._sim._learned_now(key) if isinstance(key, nengo.Connection)
                   else None)
        return built if learned is None else built._replace(weights=learned)

    def __iter__(self) -> Iterator:
        return iter(self._sim.model.params)

    def __len__(self) -> int:
        return len(self._sim.model.params)


@contextmanager
def _paused_after(pacer: Pacer | None):
    """Pause ``pacer`` when the run ends, however it ends."""
    try:
        yield
    finally:
        if pacer is not None:
            pacer.pause()


class Simulator:
    """Runs a nengo network on the emulated SpiNNaker, as ``nengo.Simulator`` runs it.

    Parameters
    ----------
    network : nengo.Network
        The model (LIF ensembles, nodes, connections, probes; see
        :func:`spinnc.frontend.check_supported`).
    dt : float
        Time step in seconds (one machine tick).
    seed : int, optional
        Seed of the simulator (and of the build when ``network.seed`` is
        None); see the module docstring.
    machine : Machine, optional
        The machine to map onto; one SpiNN-5 board by default.
    progress_bar : bool, None or nengo.utils.progress.ProgressBar
        As in nengo: True for the default bar (nengo.rc's ``[progress]
        progress_bar``: ``auto`` draws one for builds and runs that take
        more than a second, ``none`` never does, or a ProgressBar class),
        False or None for none, or a ProgressBar instance.  The build shows
        one step per compiler stage; ``run``, ``run_steps`` take their own
        ``progress_bar`` (None: this one).
    precision : {"fixed", "float"}
        The emulator's arithmetic: s16.15 as the cores compute, or the same
        kernels in float64 (to tell quantisation error from mapping and timing).
    placer : str
        Placement algorithm (see :func:`spinnc.mapper.place`).
    strict : bool
        Raise on the first tick a core overruns (see :class:`~.Emulator`).
    target : {"emulator", "board", "spalloc"}, optional
        Where the model runs (SPINNC_TARGET's value when not given, else
        the emulator; :func:`from_environment`): the emulator here, the
        board (or virtual board, ``spinnc board serve``) at ``host:port``
        over the SpiNNaker host protocol, or ``boards`` boards that the
        spalloc server at ``host:port`` grants
        (:class:`spinnc.host.spalloc.SpallocJob`: the job is held until
        :meth:`close`, also on errors).  A board runs the
        compiled horizon in one go when data is first read
        (:class:`spinnc.host.target.BoardEmulator`), in fixed point; a
        model with live host functions runs in one ``run``, compiled for
        exactly its steps, the host answering each tick over IP tags
        (:mod:`spinnc.host.live`).  Without ``machine`` the model is mapped
        onto the machine the board (or the job's boards) report.
    host : str, optional
        The board's (``target="board"``) or the spalloc server's
        (``target="spalloc"``) host name or IP address (SPINNC_HOST, HOST or
        HOST:PORT, when not given).
    port : int, optional
        The board's SCP port (17893) or the spalloc server's port (22244).
    boards : int
        Boards to ask spalloc for (``target="spalloc"``).
    boot_image : path or bytes, optional
        SC&MP's ``scamp.boot``, to boot the boards spalloc grants (a real
        machine needs it; the virtual board does not).
    horizon : int, optional
        Steps the first compilation records and plays back (see the module
        docstring); ``INITIAL_HORIZON`` by default (SPINNC_HORIZON when not
        given).  Give the steps you will run to compile once (``spinnc run``
        does).  On a board with live host functions, also the steps of the
        run nengo_gui asks for (:attr:`max_steps`).
    on_stage : callable, optional
        ``on_stage(stage, seconds)`` as each compiler stage of the first
        compilation finishes (e.g. a :class:`spinnc.progress.Progress`).
    engine : {"python", "arm"}
        What runs the Image on the emulator target
        (:mod:`spinnc.firmware_sim.engines`): the Python kernels, or the
        applications' ARM firmware executed instruction by instruction
        (fixed point; bit-exact with the Python kernels, far slower).  The
        float emulation that :meth:`compare` adds always runs on the Python
        kernels.
    realtime : bool
        Pace the emulator's ticks to the wall clock, one every ``dt``, with
        its live nodes called in time (:mod:`spinnc.pacing`); :attr:`pacing`
        says how often and how far it fell behind.  A board runs in real time
        by construction; there it changes nothing.

    Raises
    ------
    spinnc.errors.SpinncError
        The compiler's errors (unsupported feature, does not fit, ...), and
        over a board the host protocol's (timeouts, refused commands).
    """

    def __init__(self, network: nengo.Network, dt: float = 0.001, seed: int | None = None,
                 machine: Machine | None = None, progress_bar: Any = True,
                 precision: str = "fixed", placer: str = "anneal", strict: bool = False,
                 target: str | None = None, host: str | None = None, port: int | None = None,
                 horizon: int | None = None, on_stage: Callable | None = None,
                 engine: str = "python", realtime: bool = False, boards: int = 1,
                 boot_image=None):
        self.closed = True  # until constructed, as nengo's
        self.spalloc_job = None  # the SpallocJob held for target="spalloc"
        self._live_stop = threading.Event()  # set to stop a live run on a board
        self._live_running = threading.RLock()  # held while one runs
        target, host, port, horizon = from_environment(target, host, port, horizon)
        self._horizon = horizon
        self._failure = None  # a board's failed run, raised again when data is read
        if engine not in ENGINES:
            raise ValidationError(f"must be one of {ENGINES} (got {engine!r})",
                                  attr="engine", obj=self)
        if engine == "arm" and precision != "fixed":
            raise ValidationError("the arm engine runs the firmware, which computes in fixed "
                                  "point (precision='fixed')", attr="precision", obj=self)
        if precision not in PRECISIONS:
            raise ValidationError(f"must be one of {PRECISIONS} (got {precision!r})",
                                  attr="precision", obj=self)
        if target not in TARGETS:
            raise ValidationError(f"must be one of {TARGETS} (got {target!r})",
                                  attr="target", obj=self)
        if engine != "python" and target in BOARD_TARGETS:
            raise ValidationError("engine selects what runs the emulator target; a board runs "
                                  "its own firmware (a virtual board's engine: spinnc board "
                                  "serve --engine)", attr="engine", obj=self)
        self.engine = engine
        if target in BOARD_TARGETS:
            if host is None:
                what = "board" if target == "board" else "spalloc server"
                raise ValidationError(f"target={target!r} needs the {what}'s host name or "
                                      "address", attr="host", obj=self)
            if precision != "fixed":
                raise ValidationError("a board computes in fixed point (precision='fixed')",
                                      attr="precision", obj=self)
        if target == "spalloc":
            self.spalloc_job = hold_job(host, port, boards, boot_image)
            host, port = self.spalloc_job.machine.root, SCP_PORT
            # a Simulator never closed frees its job when collected or at exit
            weakref.finalize(self, self.spalloc_job.close, "spinnc: the Simulator was not "
                             "closed", True)
        try:
            self._construct(network, dt, seed, machine, progress_bar, precision, placer,
                            strict, target, host, port or SCP_PORT, horizon, on_stage,
                            realtime)
        except BaseException:
            if self.spalloc_job is not None:
                self.spalloc_job.close("spinnc: the Simulator could not be built", quiet=True)
            raise

    def _construct(self, network, dt, seed, machine, progress_bar, precision, placer, strict,
                   target, host, port, horizon, on_stage, realtime) -> None:
        if machine is None and target == "board":
            machine = board_machine(host, port)
        elif machine is None and target == "spalloc":
            machine = self.spalloc_job.discover()
        self.target, self.host, self.port = target, host, port
        self._pacer = Pacer(dt) if realtime and target == "emulator" else None
        if seed is None:
            seed = (network.seed + 1 if network.seed is not None
                    else int(np.random.randint(np.iinfo(np.int32).max)))
        self.network, self.progress_bar, self.precision = network, progress_bar, precision
        self.machine, self.placer, self.strict = machine or Machine.spinn5(), placer, strict
        self._dt, self.seed, self._build_seed = float(dt), int(seed), int(seed)
        self._graph = None  # built once (see _compile)
        with (ProgressTracker(progress_bar, Progress("Building", "Build")) as pt,
              pt.next_stage("Compiling for SpiNNaker", "Compilation") as stages):
            def stage_done(stage: str, seconds: float) -> None:
                stages.step()  # one step per compiler stage (build, quantise, place, ...)
                if on_stage is not None:
                    on_stage(stage, seconds)

            self._use(self._compile(INITIAL_HORIZON if horizon is None else max(1, int(horizon)),
                                    stage_done))
        self._model = self.compilation.graph.model  # built now, as nengo's data is
        graph = self.compilation.graph
        self._probe_names = {probe: graph.name_of(probe) for probe in network.all_probes}
        self.data = SimulationData(self)
        self.closed = False
        self.reset()

    # -- nengo's interface ------------------------------------------------------

    @property
    def dt(self) -> float:
        """The time step in seconds."""
        return self._dt

    @dt.setter
    def dt(self, value: float) -> None:
        raise ReadonlyError(attr="dt", obj=self)

    @property
    def n_steps(self) -> int:
        """Steps run since the last reset."""
        return self._n_steps

    @property
    def time(self) -> float:
        """Simulated time since the last reset, ``n_steps * dt``."""
        return self._n_steps * self._dt

    @property
    def model(self) -> nengo.builder.Model:
        """nengo's built model of the network, the one spinnc compiled from."""
        return self._model

    def __enter__(self) -> Simulator:
        if self.closed:
            raise SimulatorClosed("Cannot re-open after simulator is closed")
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "closed", True):
            warnings.warn("spinnc Simulator was deallocated while open; close simulators "
                          "(or use them as context managers)", ResourceWarning)

    def close(self) -> None:
        """Close the simulator: run, step and reset raise SimulatorClosed;
        ``data`` stays readable.  A live run on a board that another thread
        is in (nengo_gui's) is stopped first."""
        if self in _LIVE_RUNS:
            self._stop_live_run(STOP_WAIT)
        try:
            if not self.closed:
                self._probe_data()  # keep the recordings and what was learned
                self._kept = {obj: self._learned_now(obj) for obj in self._learned_objects()}
        except SpinncError as error:  # a board's failed run: reading data raises it again
            self._failure = error
        finally:
            self._emulator = None  # let the emulator (or the board) go
            self.closed = True
            if self.spalloc_job is not None:
                self.spalloc_job.close(quiet=True)

    def reset(self, seed: int | None = None) -> None:
        """Go back to time 0 and clear the probe data.

        Parameters
        ----------
        seed : int, optional
            The new ``sim.seed``; built parameters do not change (as in nengo).
        """
        if self.closed:
            raise SimulatorClosed("Cannot reset closed Simulator.")
        if seed is not None and int(seed) != self.seed:
            self.seed = int(seed)
            if any(isinstance(node.output, nengo.Process) and node.output.seed is None
                   for node in self.network.all_nodes):  # their noise follows the seed
                self._use(self._compile(self.compilation.image.n_steps, rebuild=True))
        for inp in self.compilation.graph.inputs.values():
            if hasattr(inp.function, "reset"):  # a Process with input starts again
                inp.function.reset()
        self._emulator = self._new_emulator()
        self._n_steps = 0
        self._host_log: list[dict] = []  # per step: {name: (x, y)}
        self._failed: Exception | None = None  # a host function's error in this tick
        self._cache: tuple[int, dict] | None = None
        self._cleared: dict[str, int] = {}  # probe name -> samples before clear_probes()

    def clear_probes(self) -> None:
        """Forget the probe data recorded so far (the run continues)."""
        self._cleared = {name: len(data) + self._cleared.get(name, 0)
                         for name, data in self._probe_data().items()}
        self._cache = None

    def run(self, time_in_seconds: float, progress_bar: Any = None) -> None:
        """Simulate ``time_in_seconds``, rounded to whole steps (as nengo)."""
        if time_in_seconds < 0:
            raise ValidationError(f"Must be positive (got {time_in_seconds:g})",
                                  attr="time_in_seconds")
        steps = int(np.round(float(time_in_seconds) / self.dt))
        if steps == 0:
            warnings.warn(f"{time_in_seconds} results in running for 0 timesteps. "
                          f"Simulator still at time {self.time}.")
        else:
            self.run_steps(steps, progress_bar=progress_bar)

    def run_steps(self, steps: int, progress_bar: Any = None) -> None:
        """Simulate ``steps`` time steps."""
        if self.closed:
            raise SimulatorClosed("Simulator cannot run because it is closed.")
        self._check_constants()  # before a recompilation samples them again
        if self.target in BOARD_TARGETS and self.compilation.image.host_functions:
            self._run_live_on_board(steps)
            return
        if self._n_steps + steps > self.compilation.image.n_steps:
            self._extend(self._n_steps + steps)
        bad = self._bad_sample(self._n_steps + steps)  # nengo raises at that step
        progress_bar = self.progress_bar if progress_bar is None else progress_bar
        if self._pacer is not None:
            self._pacer.resume()  # the time between runs is the caller's, not lateness
        with (ProgressTracker(progress_bar, Progress("Simulating", "Simulation", steps)) as pt,
              _paused_after(self._pacer)):
            for _ in range(steps):
                if bad is not None and self._n_steps == bad[0]:
                    raise bad[1]
                if self._pacer is not None:
                    self._pacer.wait()
                self._check_constants()
                self._call_live(self._n_steps)  # may raise: before the tick, none lost
                try:
                    self._emulator.run(1, host=self._host)
                finally:  # a tick that overran in strict mode has still run
                    self._n_steps = self._emulator.t
                if self._failed is not None:  # a host function with input raised
                    failed, self._failed = self._failed, None
                    raise failed
                pt.total_progress.step()

    @property
    def max_steps(self) -> int:
        """The steps of a live run on a board when nengo_gui runs it: a
        Simulator with this attribute is run with one ``run_steps(max_steps)``
        instead of a ``step()`` at a time (a board cannot pause between steps).
        ``horizon`` if given, else :data:`LIVE_SECONDS`.  Only a board target
        with live host functions has it (AttributeError otherwise)."""
        if self.target not in BOARD_TARGETS or not self.compilation.image.host_functions:
            raise AttributeError("max_steps: only a live run on a board has a fixed length")
        return max(1, int(self._horizon) if self._horizon is not None
                   else round(LIVE_SECONDS / self.dt))

    def _run_live_on_board(self, steps: int) -> None:
        """A board with host functions: the Image, compiled for exactly these
        steps, runs now, the host answering each tick live (spinnc.host.live).
        :meth:`close` from another thread (or the interpreter's exit) stops it."""
        with self._live_running:
            _LIVE_RUNS.add(self)
            try:
                self._run_live(steps)
            finally:
                _LIVE_RUNS.discard(self)

    def _run_live(self, steps: int) -> None:
        if self._n_steps:
            raise SpinncError(
                f"this model has live host functions, which a board answers during one run: "
                f"{self._n_steps} steps have run, so it cannot run {steps} more; run the "
                "whole time in one sim.run (or use the emulator target)")
        if self.compilation.image.n_steps != steps:  # never call a node past the run
            self._use(self._compile(steps))
            self._emulator = self._new_emulator()
        bad = self._bad_sample(steps)
        if bad is not None:
            raise bad[1]  # a precomputed node's bad value: before anything runs
        self._emulator.run(steps, host=self._live_host)
        self._n_steps = steps

    def _live_host(self, name: str, t: float, x: np.ndarray) -> np.ndarray:
        """A host function called by a board's live I/O (on its thread): as
        nengo calls it, logged; an error stops the run."""
        if self._live_stop.is_set():
            raise LiveRunStopped(f"the live run on the board at {self.host} was stopped at "
                                 f"{t:g} s: the Simulator was closed")
        return self._call(name, round(t / self.dt) - 1, t, x)

    def _stop_live_run(self, wait: float) -> None:
        """Stop this Simulator's live run on a board if one is running (on
        another thread), waiting up to ``wait`` seconds for the board's cores
        to be stopped and its tags cleared."""
        self._live_stop.set()
        if self._live_running.acquire(timeout=wait):
            self._live_running.release()

    def _log(self, step: int, name: str, x: np.ndarray, y: np.ndarray) -> None:
        while len(self._host_log) <= step:
            self._host_log.append({})
        self._host_log[step][name] = (x, y)

    @property
    def pacing(self) -> PacingReport | None:
        """How the real-time runs so far kept to the clock (None unless
        ``realtime=True`` on the emulator)."""
        return None if self._pacer is None else self._pacer.report

    def step(self) -> None:
        """Advance one step (``dt`` seconds)."""
        self.run_steps(1, progress_bar=False)

    def trange(self, dt: float | None = None, sample_every: float | None = None) -> np.ndarray:
        """The times of the recorded steps, ``dt * (1 .. n_steps)``, every
        ``sample_every`` seconds when given (nengo 4's semantics)."""
        if dt is not None:
            if sample_every is not None:
                raise ValidationError("Cannot specify both `dt` and `sample_every`. "
                                      "Use `sample_every` only.", attr="dt", obj=self)
            warnings.warn("`dt` is deprecated. Use `sample_every` instead.",
                          DeprecationWarning)
            sample_every = dt
        period = 1 if sample_every is None else sample_every / self.dt
        steps = np.arange(1, self.n_steps + 1)
        return self.dt * steps[steps % period < 1]

    # -- spinnc's additions -----------------------------------------------------

    @property
    def build_seed(self) -> int:
        """The seed the network was built with when ``network.seed`` is None
        (and the reference of :meth:`compare` is run with)."""
        return self._build_seed

    def board_run(self):
        """The board's run of the Image (:class:`spinnc.host.BoardRun`: its
        ``stats`` count datagrams and retries), or None on the emulator target
        or before any data was read."""
        return (getattr(self._emulator, "_run", None) if self.target in BOARD_TARGETS
                else None)

    def emulate(self, precision: str, steps: int | None = None) -> Emulation:
        """A separate emulation of the same Image at ``precision``, from time 0
        for ``steps`` (the steps run since the last reset by default).

        Host functions with input are called directly, once per step, in
        order; live nodes without input replay their logged answers (they are
        not called again), so ``steps`` cannot pass the steps run then.  Probe
        data are processed as ``sim.data``'s are (spike scaling, probe
        synapses, ``sample_every``); probes fed by nodes alone are computed
        on the host, in float, whatever the precision, as in ``sim.data``
        (over the steps this simulator has run; beyond them, what the
        machine recorded).
        """
        steps = self.n_steps if steps is None else int(steps)
        inputs = self.compilation.graph.inputs
        live = {n for n, i in inputs.items() if i.kind == "host" and i.size_in == 0}
        if live and steps > self.n_steps:
            raise ValidationError(
                f"emulate() replays the live nodes {sorted(live)}, which have run "
                f"{self.n_steps} steps; it cannot emulate {steps}: run the simulator first",
                attr="steps", obj=self)
        emulator = self._new_emulator(precision=precision)

        def host(name, t, x):
            if name in live:
                return self._host_log[round(t / self.dt) - 1][name][1]
            y = inputs[name].function(t, x)
            return np.zeros(0) if y is None else y

        start = time.perf_counter()
        emulator.run(steps, host=host)
        data = emulator.recordings()
        seconds = time.perf_counter() - start
        graph = self.compilation.graph
        processed = {name: self._probes.data(probe, name, data, steps,
                                             on_host=steps == self.n_steps)
                     for probe, name in self._probe_names.items() if name in graph.probes}
        return Emulation(processed, emulator.provenance(), seconds)

    def provenance(self):
        """What the emulated cores and routers counted since the last reset
        (:class:`~spinnc.formats.provenance.Provenance`)."""
        if self.closed:
            raise SimulatorClosed("Simulator is closed.")
        return self._emulator.provenance()

    def profile(self, obj) -> dict:
        """The cycles each core that runs ``obj`` (an ensemble or node whose
        ``profile`` setting is True, :func:`spinnc.add_params`) spent in each
        tick run: ``{(x, y, core): int64 array of one value per tick}``, in
        the order of its cores.  The cores record them as they run (a
        board's runtime reads its timer; the Python kernels count by the
        cost model), so the arrays come back with the provenance."""
        if self.closed:
            raise SimulatorClosed("Simulator is closed.")
        names = self.compilation.graph.names
        name = names.get(obj.ensemble if isinstance(obj, nengo.ensemble.Neurons) else obj)
        parts = self.compilation.partition
        vertices = [v for piece, of in parts.vertices_of.items()
                    if name is not None and (piece == name or piece.startswith(name + "/"))
                    for v in of if parts.vertices[v].profile]
        if not vertices:
            label = name or repr(obj)
            raise ValidationError(
                f"'{label}' is not profiled: call spinnc.add_params(network) and set "
                f"network.config[obj].profile = True before making the Simulator (only "
                f"ensembles and nodes that run on cores of their own are)",
                attr="profile", obj=self)
        profiles = self.provenance().profiles
        placements = self.compilation.placements
        return {placements.location(v): profiles[placements.location(v)]
                for v in dict.fromkeys(vertices)}

    def tick_cycles(self) -> dict:
        """Each core's cycles in the last tick run, (x, y, core) -> cycles
        (empty on a board: it reports its cores' most, in provenance)."""
        if self.closed:
            raise SimulatorClosed("Simulator is closed.")
        last = getattr(self._emulator, "last_tick_cycles", None)
        return {} if last is None else last()

    def machine_view(self, host: str = "127.0.0.1", port: int = 0):
        """Serve a page showing the machine while it runs (each chip's
        packets per tick, each core's load), updating a few times a second:
        a :class:`spinnc.report.live_view.MachineView`; open its ``url``,
        ``close()`` it when done."""
        from .report.live_view import MachineView

        return MachineView(self, host, port)

    def compare(self, duration: float | None = None) -> dict[str, ProbeComparison]:
        """Compare the emulation with nengo's float reference, per probe.

        Runs :meth:`reference` (``nengo.Simulator``, same network, dt and
        seed, so the same parameters, and the inputs this run had) for
        ``duration`` and compares each probe's first samples.  The reference
        calls the network's host functions with input too (it is a separate
        run); live nodes without input replay their answers.  A float
        emulation of the same Image is run as well (calling the host functions
        with input again), unless this simulator is the float one.

        Parameters
        ----------
        duration : float, optional
            Seconds to compare from time 0; by default all that has been run
            since the last reset.  It cannot exceed that.

        Returns
        -------
        dict of str to ProbeComparison
            Keyed by the probes' Graph names (``sim.compilation.graph.probes``).
        """
        steps = self.n_steps if duration is None else int(np.round(duration / self.dt))
        if steps > self.n_steps or steps <= 0:
            raise ValidationError(
                f"compare() needs 0 < duration <= the time run since the last reset "
                f"({self.time:g} s); got {steps} steps: run the simulator first",
                attr="duration", obj=self)
        if self._cleared:
            raise SpinncError("compare() needs the data from time 0: clear_probes() "
                              "dropped some; reset() and run again")
        ref = self.reference(steps * self.dt)
        fixed = self._probe_data()
        floating = fixed if self.precision == "float" else self.emulate("float", steps).data
        comparisons = {}
        for name, probe in self.compilation.graph.probes.items():
            comparisons[name] = ProbeComparison(
                name, probe.kind, len(ref[name]), rms_error(fixed[name], ref[name]),
                rms(ref[name]), rms_error(floating[name], ref[name]))
        return comparisons

    def reference(self, duration: float | None = None) -> dict[str, np.ndarray]:
        """nengo's run of the network (:func:`spinnc.frontend.reference`) for
        ``duration`` (all run since the last reset by default), fed exactly
        what the machine was fed: nodes sampled when compiling play their
        samples, live nodes their logged answers (neither is called again),
        and unseeded noise draws spinnc's streams.  Works once closed too.

        Returns
        -------
        dict of str to numpy.ndarray
            Probe data keyed by the probes' Graph names.
        """
        steps = self.n_steps if duration is None else int(np.round(duration / self.dt))
        graph = self.compilation.graph
        if steps > self.n_steps and any(i.kind == "host" and i.size_in == 0
                                        for i in graph.inputs.values()):
            raise ValidationError(f"reference() replays the live nodes' answers of the "
                                  f"{self.n_steps} steps run; it cannot run {steps}",
                                  attr="duration", obj=self)
        nodes, noise = {}, {}
        for node in self.network.all_nodes:
            inp = graph.inputs.get(graph.names.get(node))
            if inp is not None and inp.kind != "constant" and inp.size_in == 0:
                values = (self._host_outputs(inp.name, steps) if inp.kind == "host"
                          else self._probes.samples_of(inp.name)[:steps])
                nodes[node] = values[:, :node.size_out]  # not its function columns
        for ens in self.network.all_ensembles:
            make_rng = process_rng(graph.model, ens, ens.noise, self.seed)
            if make_rng is not None:
                noise[ens] = make_rng
        return nengo_reference(self.network, steps * self.dt, self.dt, self._build_seed,
                               nodes=nodes, noise=noise)

    # -- internals --------------------------------------------------------------

    def _bad_sample(self, steps: int):
        """(step, error) of the first bad value a node sampled when compiling
        returns within ``steps`` steps, else None."""
        errors = [getattr(inp.sampler, "error", None)
                  for inp in self.compilation.graph.inputs.values()]
        errors = [e for e in errors if e is not None and e[0] < steps]
        return min(errors, key=lambda e: e[0]) if errors else None

    def _use(self, compilation: Compilation) -> None:
        """Run ``compilation`` from now on; forget what was cached for the last."""
        self.compilation = compilation
        self._learned = None  # learned_state(compilation), when sim.data asks
        model = getattr(self, "_model", compilation.graph.model)  # the first build's
        self._probes = ProbeData(compilation, model, self.dt, self._host_outputs)
        self._host_inputs = {}  # over the compilation's horizon

    def _compile(self, n_steps: int, progress: Callable | None = None,
                 rebuild: bool = False) -> Compilation:
        """The network compiled for ``n_steps``, from the Graph built the first
        time (unless ``rebuild``): what was built is what runs, even if the
        network changed since (nengo_gui takes its nodes out after the build)."""
        if self._graph is None or rebuild:
            start = time.perf_counter()
            self._graph = build_graph(self.network, self._dt, self._build_seed, self.seed)
            self._built_seconds = time.perf_counter() - start
            if progress is not None:
                progress("build", self._built_seconds)
        compilation = compile_graph(self._graph, self.machine, n_steps, self.placer, progress,
                                    self._build_seed)
        compilation.seconds = {"build": self._built_seconds, **compilation.seconds}
        return compilation

    def _new_emulator(self, compilation: Compilation | None = None,
                      precision: str | None = None) -> Emulator:
        compilation = compilation or self.compilation
        precision = precision or self.precision
        if self.target in BOARD_TARGETS and precision == "fixed":
            return BoardEmulator(compilation.image, self.host, self.port, job=self.spalloc_job)
        engine = self.engine if precision == "fixed" else "python"
        return make_engine(engine, compilation.image, strict=self.strict, precision=precision)

    def _check_constants(self) -> None:
        """Stop before the next step if a numpy array that a precomputed node
        reads has changed since it was sampled (see spinnc.config)."""
        t = (self._n_steps + 1) * self.dt
        for inp in self.compilation.graph.inputs.values():
            error = inp.sampler.changed(t) if hasattr(inp.sampler, "changed") else None
            if error is not None:
                raise error

    def _call_live(self, step: int) -> None:
        """Call the live nodes without input for ``step`` before its tick (they
        need nothing from the machine), logging their answers for the tick.  If
        one raises, the machine has not started the tick: what ran is kept."""
        logged = self._host_log[step] if step < len(self._host_log) else {}
        for name, inp in self.compilation.graph.inputs.items():
            if inp.kind == "host" and inp.size_in == 0 and name not in logged:
                self._call(name, step, (step + 1) * self.dt, np.zeros(0))

    def _host(self, name: str, t: float, x: np.ndarray) -> np.ndarray:
        """Call a host function as nengo would, logging its input and answer
        (a live node without input answers from the log :meth:`_call_live`
        made).  An error is raised once the tick has run (see run_steps)."""
        inp = self.compilation.graph.inputs[name]
        step = round(t / self.dt) - 1
        if inp.size_in == 0 and step < len(self._host_log) and name in self._host_log[step]:
            return self._host_log[step][name][1]
        try:
            return self._call(name, step, t, x)
        except SpinncError as exc:  # finish the tick: the recordings stay consistent
            self._failed = exc
            return np.zeros(inp.size_out)

    def _call(self, name: str, step: int, t: float, x: np.ndarray) -> np.ndarray:
        """Call host function ``name`` at ``step`` (time ``t``) as nengo would,
        logging its input and answer; its errors are named
        (:class:`spinnc.frontend.nodes.HostFunction`)."""
        inp = self.compilation.graph.inputs[name]
        x = self._host_input(name, step, x)
        logged_x = np.array(x, copy=True)  # before the function can change x
        y = inp.function(t, x)
        y = np.zeros(0) if y is None and inp.size_out == 0 else np.array(y, dtype=float)
        self._log(step, name, logged_x, y)
        return y

    def _host_input(self, name: str, step: int, x: np.ndarray) -> np.ndarray:
        """A host function's input at ``step``: computed on the host when only
        nodes that do not run each step (constants, functions of time) feed
        it, as nengo computes it (no tick of delay, float); else ``x``, the
        filtered input the machine delivered."""
        if name not in self._host_inputs:
            graph = self.compilation.graph
            edges = graph.incoming(name)
            if edges and all(graph.inputs.get(e.pre) and graph.inputs[e.pre].kind != "host"
                             for e in edges):
                horizon = self.compilation.image.n_steps
                inputs = np.zeros((horizon, graph.inputs[name].size_in))
                for e in edges:
                    values = self._probes.samples_of(e.pre) @ e.weights.T
                    inputs[:, e.post_indices] += synapse_filter(values, e.synapse, self.dt)
                self._host_inputs[name] = inputs
            else:
                self._host_inputs[name] = None
        inputs = self._host_inputs[name]
        return x if inputs is None else inputs[step].copy()

    def _replay(self, name: str, t: float, x: np.ndarray) -> np.ndarray:
        """Answer a host call of a re-run from the log, checking its input."""
        step = round(t / self.dt) - 1
        x = self._host_input(name, step, x)
        logged_x, y = self._host_log[step][name]
        if not np.array_equal(logged_x, x):
            raise RerunMismatch(f"re-running the recompiled Image gave host function "
                                f"'{name}' a different input at t={t:g}")
        return y

    def _extend(self, needed: int) -> None:
        """Recompile for a horizon of at least ``needed`` steps and go on into
        it, or re-run it up to the current step (see the module docstring)."""
        horizon = max(2 * self.compilation.image.n_steps, needed)
        try:
            compilation = self._compile(horizon)
        except DoesNotFit:
            if horizon == needed:
                raise
            compilation = self._compile(needed)
        for name, inp in compilation.graph.inputs.items():  # keep the host functions' state
            inp.function = self.compilation.graph.inputs[name].function
        extend = getattr(self._emulator, "extend", None)  # the Python engine's
        if self._n_steps and extend is not None and extend(compilation.image):
            self._use(compilation)  # mapped the same: the emulator went on into it
            return
        emulator = self._new_emulator(compilation)
        if self._n_steps:
            before = self._emulator.recordings()
            emulator.run(self._n_steps, host=self._replay)
            after = emulator.recordings()
            for name, data in before.items():
                if not np.array_equal(data, after[name]):
                    raise RerunMismatch(
                        f"re-running the Image recompiled for {horizon} steps did not "
                        f"reproduce probe '{name}' over the first {self._n_steps} steps")
        self._use(compilation)
        self._emulator = emulator

    def _probe_data(self) -> dict[str, np.ndarray]:
        """Every probe's data since the last reset (or clear_probes), read-only."""
        if self._cache is None or self._cache[0] != self._n_steps:
            if self._emulator is None:  # closed
                if self._cache is None and self._failure is not None:
                    raise self._failure
                return self._cache[1] if self._cache else {}
            recordings = self._emulator.recordings()
            data = {}
            for probe, name in self._probe_names.items():
                values = self._probes.data(probe, name, recordings, self._n_steps)
                values = values[self._cleared.get(name, 0):]
                values.setflags(write=False)
                data[name] = values
            self._cache = (self._n_steps, data)
        return self._cache[1]

    def _learned_now(self, obj: Any) -> np.ndarray | None:
        """A learned connection's weights or an ensemble's learned encoders as
        the cores hold them now (None for anything a run does not change,
        and before the first step)."""
        if self._emulator is None:  # closed: what it had learned then
            return getattr(self, "_kept", {}).get(obj)
        if not self._n_steps or obj not in self._learned_objects():
            return None
        probe, image = self._learned_objects()[obj]
        row = np.concatenate([self._emulator.learned(x, y, core, rule)[first:first + count]
                              for x, y, core, rule, first, count in image.cores])
        real = fixed.to_float(row) if self.precision == "fixed" else row
        values = learned_values(self.compilation.fixed_graph, probe,
                                real[np.asarray(image.neurons)][None, :], self.dt)[0]
        return values

    def _learned_objects(self) -> dict:
        """:func:`~spinnc.compiler.learned_state` of the compilation, made once."""
        if self._learned is None:
            self._learned = learned_state(self.compilation)
        return self._learned

    def _host_outputs(self, name: str, n_steps: int) -> np.ndarray:
        """A host function's answers over the first ``n_steps`` steps (its log;
        NaN in a step it was not called in: a board's input for it was lost)."""
        size = self.compilation.graph.inputs[name].size_out
        out = np.full((n_steps, size), np.nan)
        for step in range(min(n_steps, len(self._host_log))):
            if name in self._host_log[step]:
                out[step] = self._host_log[step][name][1]
        return out


def hold_job(host: str, port: int | None, boards: int, boot_image):
    """A ready, booted :class:`~spinnc.host.spalloc.SpallocJob` of ``boards``
    boards, saying on stderr when it waits (queued or powering: a wait that
    may be long, whatever the progress bar)."""
    from .host.spalloc import SPALLOC_PORT, JobState, SpallocJob

    def say(job, state: JobState) -> None:
        if state in (JobState.QUEUED, JobState.POWER):
            waiting = "queued until boards are free" if state == JobState.QUEUED else \
                "powering its boards on"
            print(f"{job}: {waiting}", file=sys.stderr, flush=True)

    job = SpallocJob(host, port or SPALLOC_PORT, boards, on_state=say, boot_image=boot_image)
    return job.__enter__()


def board_machine(host: str, port: int) -> Machine:
    """The machine the board at ``host:port`` reports (chips, cores, dead parts)."""
    from .host import BoardController, discover

    with BoardController(host, port) as board:
        return discover(board)
