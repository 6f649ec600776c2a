"""Run an Image on a board: load it, run it for its ticks, read back the
recordings and provenance, stop it.

This follows the loading and running contract between the host and the
virtual board (and what SC&MP does on a real one):

0. the board is claimed (:mod:`.claim`: another client's live claim is
   :class:`~spinnc.errors.BoardInUse`); every working chip's cores are
   surveyed (INFO, then the app id of each busy core): cores of another app
   id that are not idle, dead or powered down mean the board is in use
   (BoardInUse naming them); what the run's own app ids left behind (a
   client that died after loading tables, data or while running) is cleared
   as SpiNNaker's tools do: signal stop, then on every chip free the app's
   router entries (ALLOC op 5) and SDRAM (ALLOC op 2), and wait until its
   cores are idle;
1. routing tables: ALLOC op 3 for each chip's entries, the 16-byte entries
   staged in an SDRAM buffer, RTR LOAD, the buffer freed;
2. each core's data: ALLOC (tag = core number, with the retry flag so that
   a resent ALLOC gets its block) and WRITE, its address in the core's vcpu
   ``user0``; a recording buffer (``user1``, 0 if it records nothing), a
   provenance block (``user2``) and the claim's token (``user3``);
3. applications: each one's ARM binary (:func:`spinnc.firmware.binary`)
   written to the chip's ``sdram_sys`` and started with AR and the wait flag;
4. COUNT until every core waits, signal start, COUNT(sync0), signal sync0,
   COUNT(exit) (a core in runtime exception or watchdog is an error carrying
   its IOBUF text);
5. the recording buffers, provenance blocks and router counters read back
   and turned into recordings and provenance by :mod:`spinnc.recording`;
   then each core's vcpu block is checked (EXIT, its app id, user0-3 as this
   run wrote them) and the claim too: a board another client took over meanwhile
   is BoardInUse, never someone else's data;
6. signal stop, which frees the application's cores, SDRAM and router
   entries, and the claim freed (unless another client holds it by then).

Every step sends its packets pipelined (up to 8 in flight) across all chips.
"""

import dataclasses
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .. import firmware, recording
from ..errors import (BoardInUse, CoreFailed, DoesNotFit, ImageError, ProtocolError,
                      ProtocolTimeout, SpinncError)
from ..image import Image
from ..machine import Machine
from ..regions import TABLE_HEADER, Region, unpack_regions
from ..formats import scp
from .claim import CLAIM_APP_ID, LEASE, BoardClaim
from .connection import RETRIES, TIMEOUT, WINDOW, Request
from .boards import BoardsConnection
from .controller import BoardController, app_word, parse_vcpu, router_entries
from .discovery import discover
from .live import LiveHost, check_tags
from ..formats.scp import AllocOp, Command, RouterOp, Signal, State

FAILED = (State.RUNTIME_EXCEPTION, State.WATCHDOG)
FREE = (State.IDLE, State.DEAD, State.POWER_DOWN)  # states of cores nobody is using
POLL = 0.01  # seconds between COUNT polls
SETTLE_TIMEOUT = 10.0  # seconds for cores to reach wait and sync0 (or idle after a stop)
SHOWN = 6  # cores named in a message before "and N more"
OWNERSHIP_CHECK = 0.5  # seconds between checks, while waiting, that the cores are still ours


@dataclass
class RunStats:
    """How a board run went: for the run summary."""

    retries: int  # datagrams resent (after a timeout or a retryable return code)
    timeouts: int  # tries that got no reply in time
    datagrams: int  # datagrams sent
    load_seconds: float
    run_seconds: float
    read_seconds: float
    retry_codes: int = 0  # replies with a retryable return code (resent after a pause)
    ignored: int = 0  # replies nobody waited for any more (late duplicates)
    max_tries: int = 0  # the most tries one request needed
    tries_allowed: int = 0  # tries a request gets before the run gives up (1 + retries)
    cleared: int = 0  # stale cores of the run's app ids stopped before loading
    boards: int = 1  # boards loaded and read through their own Ethernet chip, at once

    def summary(self) -> dict:
        """The counts as a run summary shows them (seconds rounded)."""
        out = dataclasses.asdict(self)
        for name in ("load_seconds", "run_seconds", "read_seconds"):
            out[name] = round(out[name], 4)
        return out


@dataclass
class BoardRun:
    """The results of running an Image on a board."""

    recordings: dict[str, np.ndarray]  # probe name -> samples, as Emulator.recordings()
    provenance: object  # spinnc.firmware_sim.Provenance
    stats: RunStats
    machine: Machine  # what discovery found on the board
    #: (x, y, core) -> the region data of each core that learns, read back after
    #: the run (its firmware writes what it learned into its LEARNING region)
    learned: dict = field(default_factory=dict)
    #: the live host I/O (LiveHost.summary), if the Image has host functions
    live: dict | None = None


def run_image(image: Image, host: str, port: int = scp.SCP_PORT, *,
              timeout: float = TIMEOUT, retries: int = RETRIES, window: int = WINDOW,
              run_timeout: float | None = None, lease: int = LEASE,
              hosts: dict | None = None, host_call=None) -> BoardRun:
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
    lease : int
        Seconds the run's claim on the board lives without renewal (it is
        renewed every third of that while the run goes on; a client that
        dies leaves a claim that lapses after this long).
    hosts : dict, optional
        The host of each board's Ethernet chip ((x, y) -> host, e.g. a
        spalloc job's): each board is then loaded and read through its own
        Ethernet chip, the boards in parallel (:mod:`.boards`).
    host_call : callable, optional
        ``host_call(name, t, x) -> y`` answers the Image's host functions
        live while the cores run (:mod:`.live`); needed if it has any.

    Returns
    -------
    BoardRun
        ``recordings``, ``provenance``, ``stats`` (datagrams sent, resent,
        timed out, the most tries a request needed of those allowed, seconds
        to load, run and read), the discovered ``machine`` and ``live``
        (the host I/O's ticks answered and lost, and latency per tick).

    Raises
    ------
    SpinncError
        If the Image has host functions and no ``host_call``; the error a
        host function raised (the run is stopped).
    DoesNotFit
        If the board lacks a chip, core, SDRAM or router entries it needs.
    BoardInUse
        If another client holds the board, or another application's cores
        are busy on it (naming them and the app id), or the board was taken
        over during the run (its results are then not returned).
    BoardNotBooted, ProtocolTimeout, SCPError
        If the board is not booted, does not answer or refuses a command (a
        timeout names the request, the chip, host:port and the tries, and
        counts what the run had sent and resent).
    CoreFailed
        If a core stops in runtime exception or watchdog (with its IOBUF text).
    """
    with BoardController(host, port, timeout, retries, window) as board:
        return run_on_board(board, image, run_timeout, lease, hosts, host_call)


def check_host_functions(image: Image, host_call) -> None:
    """Live Python nodes need the host in the loop every tick: a host_call,
    and a reverse IP tag for each that answers the machine."""
    if image.host_functions and host_call is None:
        names = ", ".join(sorted(image.host_functions))
        raise SpinncError(f"the Image has host functions ({names}): pass host_call to "
                          "answer them live while the board runs")
    check_tags(image)


def check_firmware(image: Image) -> None:
    """Every application has a shipped ARM binary, and every core's data is
    in the region format those binaries read: checked before anything is sent.

    Raises
    ------
    ImageError
        Naming the core, its application or version, and the firmware's.
    """
    expected = firmware.region_version()
    for c in image.cores:
        where = f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}')"
        try:
            firmware.binary(c.application)
        except SpinncError as error:
            raise ImageError(f"{where}: {error}") from None
        header = np.frombuffer(c.data[:TABLE_HEADER.itemsize].ljust(TABLE_HEADER.itemsize,
                                                                     b"\0"), TABLE_HEADER)[0]
        if int(header["version"]) != expected:
            raise ImageError(f"{where}: its data is in region format version "
                             f"{int(header['version'])}, but the firmware reads version "
                             f"{expected}: compile the model again with this spinnc")


def run_on_board(board: BoardController, image: Image, run_timeout: float | None = None,
                 lease: int = LEASE, hosts: dict | None = None, host_call=None) -> BoardRun:
    """:func:`run_image` with an open controller."""
    check_host_functions(image, host_call)
    check_app_ids(image)
    check_firmware(image)
    if run_timeout is None:
        run_timeout = 60.0 + 100 * image.n_steps * image.dt
    s = board.stats
    before = dataclasses.replace(s)
    s.max_tries = 0  # the most tries a request of this run needed
    start = time.monotonic()
    root, spread = board.connection, None
    try:
        board.ensure_booted()
        machine = discover(board)
        check_fits(image, machine)
        if hosts and len(machine.ethernet_chips) > 1:
            spread = board.connection = BoardsConnection(root, machine, hosts)
        run = _Run(board, image, machine)
        claim = BoardClaim.acquire(board, run.app_ids, lease)
        try:
            claim.start_renewing()
            run.claim = claim
            run.prepare(claim.taken_from)
            run.load()
            loaded = time.monotonic()
            if image.host_functions:  # the tags set before the cores start sending
                run.live = LiveHost(board, image, host_call).open()
            run.run(run_timeout)
            if run.live is not None:
                run.live.finish()
            ran = time.monotonic()
            recordings, provenance, learned = run.read()
            run.verify()
            done = time.monotonic()
        finally:
            if run.live is not None:
                run.live.close()
            run.stop()
            claim.release()
    except ProtocolTimeout as error:
        raise ProtocolTimeout(f"{error} (this run had sent {s.sent - before.sent:,} datagrams, "
                              f"{s.retries - before.retries:,} of them resends after "
                              f"{s.timeouts - before.timeouts:,} timeouts)") from None
    finally:
        if spread is not None:
            board.connection = root
            spread.close_boards()
        run_max, s.max_tries = s.max_tries, max(before.max_tries, s.max_tries)
    stats = RunStats(s.retries - before.retries, s.timeouts - before.timeouts,
                     s.sent - before.sent, loaded - start, ran - loaded, done - ran,
                     s.retry_codes - before.retry_codes, s.ignored - before.ignored, run_max,
                     board.connection.retries + 1, run.cleared,
                     len(spread.direct) if spread is not None else 1)
    return BoardRun(recordings, provenance, stats, machine, learned,
                    run.live.summary() if run.live is not None else None)


def check_app_ids(image: Image) -> None:
    """The Image's app ids are 8-bit and leave the board claim's id alone."""
    for c in image.cores:
        if not 0 < c.app_id < CLAIM_APP_ID:
            raise ImageError(
                f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') has app id {c.app_id}: "
                f"app ids are 1-{CLAIM_APP_ID - 1} ({CLAIM_APP_ID} is spinnc's board claim)")


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
        self.claim: BoardClaim | None = None
        self.live: LiveHost | None = None  # answering the host functions while it runs
        self.cleared = 0  # stale cores stopped by prepare()

    @property
    def token(self) -> int:
        return self.claim.token if self.claim is not None else 0

    def _transact(self, requests):
        return self.board.connection.transact_many(requests)

    def _where(self) -> str:
        host, port = self.board.connection.address
        return f"the board at {host}:{port}"

    # -- a free board ----------------------------------------------------------------

    def _busy_cores(self, chips) -> list[tuple[int, int, int, int, int]]:
        """(x, y, core, state, app id) of every application core of ``chips``
        that is neither idle, dead nor powered down."""
        chips = list(chips)
        busy = [(x, y, core, state) for (x, y), info in zip(chips, self.board.info_many(chips))
                for core, state in enumerate(info.core_states)
                if core and state not in FREE]
        # The state and app id bytes of each busy core's vcpu block, read together.
        words = self.board.read_many((x, y, scp.vcpu_address(core) + scp.VCPU_STATE, 2)
                                     for x, y, core, _ in busy)
        return [(x, y, core, word[0], word[1]) for (x, y, core, _), word in zip(busy, words)]

    def prepare(self, taken_from=()) -> None:
        """Refuse a board another application uses; clear what this run's app
        ids (and those of a lapsed claim taken over) left behind."""
        ours = sorted(set(self.app_ids) | set(taken_from))
        chips = list(self.machine.working_chips)
        busy = self._busy_cores(chips)
        foreign = [b for b in busy if b[4] not in ours]
        if foreign:
            raise BoardInUse(self._in_use(foreign))
        self.started = True  # from here on stop() stops this run's app ids
        stale = [b for b in busy if b[4] in ours]
        for app_id in ours:
            self.board.signal(Signal.STOP, app_id)
        # What a stop frees on SC&MP, freed again chip by chip: a lost or
        # late stop signal must not leave entries that shadow this run's.
        self._transact(
            Request(Command.ALLOC, chip, 0, app_id << 8 | op, 1,
                    what=f"ALLOC op {int(op)} (free what app {app_id} left)")
            for chip in chips for app_id in ours
            for op in (AllocOp.FREE_RTR_BY_APP, AllocOp.FREE_SDRAM_BY_APP))
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while stale:
            stale = [b for b in self._busy_cores(sorted({(x, y) for x, y, *_ in stale}))
                     if b[4] in ours]
            if stale and time.monotonic() > deadline:
                raise BoardInUse(f"{self._where()}: after a stop signal these cores of this "
                                 f"run's app ids are still busy: {self._cores_text(stale)}; "
                                 "the board may be in use by another tool with the same "
                                 "app id")
            if stale:
                time.sleep(POLL)
        self.cleared = sum(b[4] in ours for b in busy)

    @staticmethod
    def _cores_text(cores) -> str:
        text = [f"core {core} of chip ({x}, {y}) in {_state_name(s)}"
                for x, y, core, s, _ in cores[:SHOWN]]
        more = f" and {len(cores) - SHOWN} more" if len(cores) > SHOWN else ""
        return ", ".join(text) + more

    def _in_use(self, foreign) -> str:
        by_app = defaultdict(list)
        for b in foreign:
            by_app[b[4]].append(b)
        host, port = self.board.connection.address
        apps = "; ".join(f"app id {app}: {len(cores)} core{'s' * (len(cores) > 1)} "
                         f"({self._cores_text(cores)})" for app, cores in sorted(by_app.items()))
        ids = ", ".join(str(a) for a in sorted(by_app))
        return (f"{self._where()} is in use by another application: {apps}; wait for it to "
                f"finish, or, if nobody is using it, signal stop to app id {ids} "
                f"(spinnc.host.BoardController('{host}', {port}).stop(APP_ID)) and run again")

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
        sizes = [(len(c.data), _recording_size(self.image, c), recording.provenance_bytes(c))
                 for c in cores]
        wanted = []  # (x, y, size, app_id, tag) of every block, 3 per core less empty ones
        for c, (data, rec, prov) in zip(cores, sizes):
            wanted.append((c.x, c.y, data, c.app_id, c.core))
            if rec:
                wanted.append((c.x, c.y, rec, c.app_id, 0))
            wanted.append((c.x, c.y, prov, c.app_id, 0))
        # The data blocks are tagged, and SC&MP lets a tag be held once per app
        # id: the retry flag makes a resent ALLOC (reply lost) get the same block.
        found = iter(self.board.alloc_sdram_many(wanted, retry=True))
        for c, (_, rec, _) in zip(cores, sizes):
            data_at = next(found)
            rec_at = next(found) if rec else 0
            self.addresses[c.x, c.y, c.core] = (data_at, rec_at, next(found))
        blocks = [(c.x, c.y, self.addresses[c.x, c.y, c.core][0], c.data) for c in cores]
        # user0-user3 are consecutive words of the vcpu block: one write per core
        # (user3: the claim's token, so that the end of the run can tell its cores).
        blocks += [(c.x, c.y, scp.vcpu_address(c.core) + scp.VCPU_USER[0],
                    np.array(self._users(c), dtype="<u4").tobytes()) for c in cores]
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
            self.board.write_many((x, y, sdram_sys[x, y], firmware.binary(app))
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

    def _users(self, c) -> tuple[int, int, int, int]:
        """What this run writes to a core's user0-user3."""
        return (*self.addresses[c.x, c.y, c.core], self.token)

    def _wait_for(self, state: State, limit: float, doing: str) -> None:
        deadline = time.monotonic() + limit
        check_at = time.monotonic() + OWNERSHIP_CHECK
        while True:
            if self.claim is not None and self.claim.lost:
                self.claim.check()  # raises BoardInUse: another client has the board
            if self.live is not None and self.live.error is not None:
                raise self.live.error  # a host function failed: the run stops
            counts = self._count(state)
            if counts == self.n_cores:
                return
            for app_id, n in counts.items():
                if n > self.n_cores[app_id]:
                    raise BoardInUse(
                        f"{self._where()}: {n} cores of app id {app_id} are in {state.name}, "
                        f"but this run loaded {self.n_cores[app_id]}: another client is "
                        "running the same app id on the board; run again when it is free")
            if time.monotonic() > check_at:  # a stop or load by someone else shows here
                self._check_cores()
                check_at = time.monotonic() + OWNERSHIP_CHECK
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
        blocks += [(c.x, c.y, self.addresses[c.x, c.y, c.core][2], recording.provenance_bytes(c))
                   for c in cores]
        chips = list(self.machine.working_chips)
        blocks += [(x, y, scp.ROUTER_DIAGNOSTICS, recording.ROUTER_COUNTER_BYTES)
                   for x, y in chips]
        learners = [c for c in cores if Region.LEARNING in unpack_regions(c.data)]
        blocks += [(c.x, c.y, self.addresses[c.x, c.y, c.core][0], len(c.data))
                   for c in learners]
        data = self.board.read_many(b for b in blocks)
        n = len(keys)
        buffers = dict(zip(keys, data[:n]))
        provenance_blocks = dict(zip(keys, data[n:2 * n]))
        # Chips whose router counted nothing are left out, as the emulator does.
        counters = {chip: words for chip, words in zip(chips, data[2 * n:2 * n + len(chips)])
                    if any(words)}
        learned = {(c.x, c.y, c.core): bytes(block)
                   for c, block in zip(learners, data[2 * n + len(chips):])}
        recordings = recording.recordings_from_buffers(self.image, buffers)
        provenance = recording.provenance_from_buffers(self.image, provenance_blocks, counters,
                                                       self.image.n_steps)
        return recordings, provenance, learned

    def verify(self) -> None:
        """After the read-back: every core is still this run's, in EXIT with
        its app id and the user0-user3 words this run wrote, and the claim is
        still this run's; otherwise another client had the board meanwhile."""
        self._check_cores(State.EXIT)
        if self.claim is not None:
            self.claim.check()

    def _check_cores(self, state: State | None = None) -> None:
        """Raise BoardInUse unless every core has this run's app id and user
        words (and is in ``state``, if given)."""
        cores = self.image.cores
        blocks = self.board.read_many((c.x, c.y, scp.vcpu_address(c.core), scp.VCPU_SIZE)
                                      for c in cores)
        for c, block in zip(cores, blocks):
            status = parse_vcpu(c.core, block)
            if (status.app_id, status.user) != (c.app_id, self._users(c)) or \
                    state is not None and status.state != state:
                now = getattr(status.state, "name", status.state)
                by = "" if status.user[3] == self.token else ", loaded by another client"
                raise BoardInUse(
                    f"{self._where()}: core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') is no "
                    f"longer this run's (it is in {now} with app id {status.app_id}{by}): "
                    "another client used the board during the run; its results are not "
                    "used: run again when the board is free")

    def stop(self) -> None:
        """Signal stop (frees cores, SDRAM and router entries), even after an
        error, unless another client has taken the board over (its app ids
        are its own now); a failure to stop does not hide the error that came
        first."""
        if not self.started:
            return
        try:
            if self.claim is not None:
                self.claim.check()
        except BoardInUse:
            return
        except ProtocolError:
            pass
        for app_id in self.app_ids:
            try:
                self.board.stop(app_id)
            except ProtocolError:
                pass


def _state_name(state: int) -> str:
    try:
        return State(state).name
    except ValueError:
        return f"state {state}"


def _recording_size(image: Image, core) -> int:
    """A core's recording buffer size; 0 if its data cannot be read: the core
    then fails on the board, which names it and says why in its IOBUF."""
    try:
        return recording.recording_size(image, core)
    except ValueError:
        return 0
