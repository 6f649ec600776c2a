"""Run an Image on a board: load it, run it for its ticks, read back the
recordings and provenance, stop it.

This follows the loading and running contract between the host and the
virtual board (and what SC&MP does on a real one):

1. routing tables: ALLOC op 3 for each chip's entries, the 16-byte entries
   staged in an SDRAM buffer, RTR LOAD, the buffer freed;
2. each core's data: ALLOC (tag = core number) and WRITE, its address in the
   core's vcpu ``user0``; a recording buffer (``user1``, 0 if it records
   nothing) and a provenance block (``user2``);
3. applications: each binary (:func:`spinnc.host.aplx.application_binary`)
   written to the chip's ``sdram_sys`` and started with AR and the wait flag;
4. COUNT until every core waits, signal start, COUNT(sync0), signal sync0,
   COUNT(exit) (a core in runtime exception or watchdog is an error carrying
   its IOBUF text);
5. the recording buffers, provenance blocks and router counters read back
   and turned into recordings and provenance by :mod:`spinnc.recording`;
6. signal stop, which frees the application's cores, SDRAM and router entries.

Every step sends its packets pipelined (up to 8 in flight) across all chips.
"""

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .. import recording
from ..errors import CoreFailed, DoesNotFit, ProtocolError, UnsupportedFeature
from ..image import Image
from ..machine import Machine
from . import scp
from .aplx import application_binary
from .connection import RETRIES, TIMEOUT, WINDOW, Request
from .controller import BoardController, app_word, router_entries
from .discovery import discover
from .scp import AllocOp, Command, RouterOp, Signal, State

FAILED = (State.RUNTIME_EXCEPTION, State.WATCHDOG)
POLL = 0.01  # seconds between COUNT polls
SETTLE_TIMEOUT = 10.0  # seconds for cores to reach wait and sync0


@dataclass
class RunStats:
    """How a board run went: for the run summary."""

    retries: int  # datagrams resent (after a timeout or a retryable return code)
    timeouts: int  # tries that got no reply in time
    datagrams: int  # datagrams sent
    load_seconds: float
    run_seconds: float
    read_seconds: float


@dataclass
class BoardRun:
    """The results of running an Image on a board."""

    recordings: dict[str, np.ndarray]  # probe name -> samples, as Emulator.recordings()
    provenance: object  # spinnc.firmware_sim.Provenance
    stats: RunStats
    machine: Machine  # what discovery found on the board


def run_image(image: Image, host: str, port: int = scp.SCP_PORT, *,
              timeout: float = TIMEOUT, retries: int = RETRIES, window: int = WINDOW,
              run_timeout: float | None = None) -> BoardRun:
    """Load ``image`` onto the booted board at ``host:port``, run it for
    ``image.n_steps`` ticks and read back what it recorded.

    Against the virtual board the recordings equal
    ``Emulator(image).recordings()`` bit for bit.

    Parameters
    ----------
    image : Image
        The compiled model.
    host : str
        Host name or IP address of the board's Ethernet chip.
    port : int
        Its SCP port.
    timeout : float
        Seconds to wait for each reply before resending.
    retries : int
        Resends of a request before giving up.
    window : int
        Requests in flight (1-8).
    run_timeout : float, optional
        Seconds to wait for the cores to finish the run (default: 60 s plus
        100 times the model's real time).

    Returns
    -------
    BoardRun
        ``recordings``, ``provenance``, ``stats`` (retries, timeouts, seconds to
        load, run and read) and the discovered ``machine``.

    Raises
    ------
    UnsupportedFeature
        If the Image has live host functions (run it on the emulator).
    DoesNotFit
        If the board lacks a chip, core, SDRAM or router entries it needs.
    BoardNotBooted, ProtocolTimeout, SCPError
        If the board is not booted, does not answer or refuses a command.
    CoreFailed
        If a core stops in runtime exception or watchdog (with its IOBUF text).
    """
    with BoardController(host, port, timeout, retries, window) as board:
        return run_on_board(board, image, run_timeout)


def check_host_functions(image: Image) -> None:
    """Live Python nodes need the host in the loop every tick: not over SCP yet."""
    if image.host_functions:
        names = ", ".join(sorted(image.host_functions))
        raise UnsupportedFeature(
            f"live Python node(s) {names}", "live host functions on a board",
            "run the model with the emulator target, or make the node a function of time")


def run_on_board(board: BoardController, image: Image,
                 run_timeout: float | None = None) -> BoardRun:
    """:func:`run_image` with an open controller."""
    check_host_functions(image)
    if run_timeout is None:
        run_timeout = 60.0 + 100 * image.n_steps * image.dt
    stats0 = (board.stats.retries, board.stats.timeouts, board.stats.sent)
    start = time.monotonic()
    board.ensure_booted()
    machine = discover(board)
    check_fits(image, machine)
    run = _Run(board, image, machine)
    try:
        run.load()
        loaded = time.monotonic()
        run.run(run_timeout)
        ran = time.monotonic()
        recordings, provenance = run.read()
        done = time.monotonic()
    finally:
        run.stop()
    s = board.stats
    stats = RunStats(s.retries - stats0[0], s.timeouts - stats0[1], s.sent - stats0[2],
                     loaded - start, ran - loaded, done - ran)
    return BoardRun(recordings, provenance, stats, machine)


def check_fits(image: Image, machine: Machine) -> None:
    """Every chip and core the Image uses exists and works on ``machine``.

    Raises
    ------
    DoesNotFit
        Naming the first core or chip that is missing or dead.
    """
    for c in image.cores:
        if not machine.is_alive(c.x, c.y):
            raise DoesNotFit(
                f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') is on a chip the board "
                f"does not have or that is dead ({machine}): compile for this board's machine")
        if c.core not in machine.cores(c.x, c.y):
            raise DoesNotFit(
                f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') is dead or missing on the "
                f"board ({machine}): compile for this board's machine")
    for x, y in image.tables:
        if len(image.tables[x, y]) and not machine.is_alive(x, y):
            raise DoesNotFit(f"chip ({x}, {y}) has a routing table but is missing or dead on "
                             f"the board ({machine}): compile for this board's machine")


class _Run:
    """The state of one load-run-read of an Image (what is where on the board)."""

    def __init__(self, board: BoardController, image: Image, machine: Machine):
        self.board, self.image, self.machine = board, image, machine
        self.app_ids = sorted({c.app_id for c in image.cores})
        self.n_cores = {a: sum(c.app_id == a for c in image.cores) for a in self.app_ids}
        self.ethernet = [tuple(e) for e in machine.ethernet_chips]
        self.addresses: dict = {}  # (x, y, core) -> (data, recording, provenance) addresses
        self.started = False

    def _transact(self, requests):
        return self.board.connection.transact_many(requests)

    # -- loading ------------------------------------------------------------------

    def load(self) -> None:
        self.started = True  # anything loaded from here on is freed by stop()
        self._load_tables()
        self._load_data()
        self._load_applications()

    def _load_tables(self) -> None:
        app_id = self.app_ids[0] if self.app_ids else 0
        chips = [(x, y) for (x, y), t in sorted(self.image.tables.items()) if len(t)]
        if not chips:
            return
        entries = {chip: router_entries(self.image.tables[chip], app_id) for chip in chips}
        replies = self._transact(
            Request(Command.ALLOC, chip, 0, app_id << 8 | AllocOp.RTR, len(entries[chip]),
                    what=f"ALLOC of {len(entries[chip])} router entries")
            for chip in chips)
        first = {chip: r.args[0] for chip, r in zip(chips, replies)}
        for chip, index in first.items():
            if index == 0:
                raise DoesNotFit(
                    f"chip {chip} cannot allocate {len(entries[chip])} router entries for app "
                    f"{app_id}: its table is full; stop the board's other applications")
        buffers = self.board.alloc_sdram_many((x, y, entries[x, y].nbytes, app_id, 0)
                                              for x, y in chips)
        self.board.write_many((x, y, b, entries[x, y].tobytes())
                              for (x, y), b in zip(chips, buffers))
        n = {chip: len(entries[chip]) for chip in chips}
        self._transact(
            Request(Command.RTR, chip, 0, n[chip] << 16 | app_id << 8 | RouterOp.LOAD, b,
                    first[chip], what=f"RTR LOAD of {n[chip]} entries at {first[chip]}")
            for chip, b in zip(chips, buffers))
        self._transact(Request(Command.ALLOC, chip, 0, AllocOp.FREE_SDRAM, b)
                       for chip, b in zip(chips, buffers))

    def _load_data(self) -> None:
        cores = self.image.cores
        sizes = [(len(c.data), _recording_size(self.image, c), recording.PROVENANCE_BYTES)
                 for c in cores]
        wanted = []  # (x, y, size, app_id, tag) of every block, 3 per core less empty ones
        for c, (data, rec, prov) in zip(cores, sizes):
            wanted.append((c.x, c.y, data, c.app_id, c.core))
            if rec:
                wanted.append((c.x, c.y, rec, c.app_id, 0))
            wanted.append((c.x, c.y, prov, c.app_id, 0))
        found = iter(self.board.alloc_sdram_many(wanted))
        for c, (_, rec, _) in zip(cores, sizes):
            data_at = next(found)
            rec_at = next(found) if rec else 0
            self.addresses[c.x, c.y, c.core] = (data_at, rec_at, next(found))
        blocks = [(c.x, c.y, self.addresses[c.x, c.y, c.core][0], c.data) for c in cores]
        # user0-user2 are consecutive words of the vcpu block: one write per core.
        blocks += [(c.x, c.y, scp.vcpu_address(c.core) + scp.VCPU_USER[0],
                    np.array(self.addresses[c.x, c.y, c.core], dtype="<u4").tobytes())
                   for c in cores]
        self.board.write_many(blocks)

    def _load_applications(self) -> None:
        # Cores of one chip, application and app id start together; the
        # binaries of one chip share its sdram_sys, so chips load their
        # applications in rounds: each round one binary per chip.
        groups = defaultdict(list)
        for c in self.image.cores:
            groups[c.x, c.y, c.application, c.app_id].append(c.core)
        per_chip = defaultdict(list)
        for (x, y, application, app_id), cores in sorted(groups.items()):
            per_chip[x, y].append((application, app_id, cores))
        chips = sorted(per_chip)
        sdram_sys = dict(zip(chips, (int.from_bytes(b, "little") for b in self.board.read_many(
            (x, y, scp.SV_BASE + scp.SV_SDRAM_SYS, 4) for x, y in chips))))
        for round_ in range(max((len(g) for g in per_chip.values()), default=0)):
            loads = [(chip, per_chip[chip][round_]) for chip in chips
                     if round_ < len(per_chip[chip])]
            self.board.write_many((x, y, sdram_sys[x, y], application_binary(app))
                                  for (x, y), (app, _, _) in loads)
            self._transact(
                Request(Command.AR, chip, 0, app_word(app_id, cores, wait=True),
                        what=f"AR of '{app}' (app {app_id}) on cores {cores}")
                for chip, (app, app_id, cores) in loads)

    # -- running ------------------------------------------------------------------

    def run(self, run_timeout: float) -> None:
        self._wait_for(State.WAIT, SETTLE_TIMEOUT, "load the applications")
        for app_id in self.app_ids:
            self.board.signal(Signal.START, app_id)
        self._wait_for(State.SYNC0, SETTLE_TIMEOUT, "set up after signal start")
        for app_id in self.app_ids:
            self.board.signal(Signal.SYNC0, app_id)
        self._wait_for(State.EXIT, run_timeout, f"run {self.image.n_steps} ticks")

    def _count(self, state: int) -> dict[int, int]:
        return {a: self.board.count(a, state, self.ethernet) for a in self.app_ids}

    def _wait_for(self, state: State, limit: float, doing: str) -> None:
        deadline = time.monotonic() + limit
        while True:
            if self._count(state) == self.n_cores:
                return
            if any(n for s in FAILED for n in self._count(s).values()):
                self._raise_failed()
            if time.monotonic() > deadline:
                raise ProtocolError(
                    f"the board's cores did not {doing} within {limit:g} s: "
                    f"{self._states_text(state)}; check the board's IOBUF and provenance")
            time.sleep(POLL)

    def _statuses(self):
        by_chip = defaultdict(list)
        for c in self.image.cores:
            by_chip[c.x, c.y].append(c)
        for (x, y), cores in sorted(by_chip.items()):
            for c, status in zip(cores, self.board.core_status(x, y, [c.core for c in cores])):
                yield c, status

    def _states_text(self, wanted: State) -> str:
        off = [f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') is in "
               f"{getattr(s.state, 'name', s.state)}" for c, s in self._statuses()
               if s.state != wanted]
        more = f" and {len(off) - 5} more" if len(off) > 5 else ""
        return f"{len(off)} not in {wanted.name}: " + "; ".join(off[:5]) + more

    def _raise_failed(self) -> None:
        for c, status in self._statuses():
            if status.state in FAILED:
                text = self.board.iobuf(c.x, c.y, c.core).strip() or "(its IOBUF is empty)"
                raise CoreFailed(
                    f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}', application "
                    f"'{c.application}') stopped in {State(status.state).name}: {text}")
        raise ProtocolError("COUNT reports failed cores but none of the Image's cores is in "
                            "runtime exception or watchdog: another application on the "
                            "board shares the app id; stop it and run again")

    # -- reading back and stopping ----------------------------------------------------

    def read(self):
        cores = self.image.cores
        sizes = {(c.x, c.y, c.core): _recording_size(self.image, c) for c in cores}
        keys = [(c.x, c.y, c.core) for c in cores]
        blocks = [(x, y, self.addresses[x, y, p][1], sizes[x, y, p]) for x, y, p in keys]
        blocks += [(x, y, self.addresses[x, y, p][2], recording.PROVENANCE_BYTES)
                   for x, y, p in keys]
        chips = list(self.machine.working_chips)
        blocks += [(x, y, scp.ROUTER_DIAGNOSTICS, recording.ROUTER_COUNTER_BYTES)
                   for x, y in chips]
        data = self.board.read_many(b for b in blocks)
        n = len(keys)
        buffers = dict(zip(keys, data[:n]))
        provenance_blocks = dict(zip(keys, data[n:2 * n]))
        # Chips whose router counted nothing are left out, as the emulator does.
        counters = {chip: words for chip, words in zip(chips, data[2 * n:]) if any(words)}
        recordings = recording.recordings_from_buffers(self.image, buffers)
        provenance = recording.provenance_from_buffers(self.image, provenance_blocks, counters,
                                                       self.image.n_steps)
        return recordings, provenance

    def stop(self) -> None:
        """Signal stop (frees cores, SDRAM and router entries), even after an
        error; a failure to stop does not hide the error that came first."""
        if not self.started:
            return
        for app_id in self.app_ids:
            try:
                self.board.stop(app_id)
            except ProtocolError:
                pass


def _recording_size(image: Image, core) -> int:
    """A core's recording buffer size; 0 if its data cannot be read: the core
    then fails on the board, which names it and says why in its IOBUF."""
    try:
        return recording.recording_size(image, core)
    except ValueError:
        return 0
