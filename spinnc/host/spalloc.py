"""Boards from a spalloc server: ask for a job, keep it alive, wait until its
boards are powered, boot them, and free the job afterwards
(``spinnaker/HOST_PROTOCOL.md``, "spalloc (v1)": one JSON object per line
over TCP 22244).

spinnc speaks the protocol itself rather than through the ``spalloc``
client from PyPI, because that client cannot serve here: its ``Job`` refuses
spalloc-server 1!7.0.0 (it parses the server's version "1!7.0.0" with
``int`` on each dotted part, and "1!7" is not a number), and the
``ProtocolClient`` beneath it changed ``create_job``'s and ``call``'s
signatures between releases 1!7.0.0 and 1!7.4.1 (the timeout became the
first positional argument), each release pinning its own SpiNNUtilities.
What spinnc needs is six calls; they are tested end to end against the real
spalloc-server (``tests/host/test_spalloc.py``).

A :class:`SpallocJob` is a context manager: entering creates the job, starts
a thread that sends ``job_keepalive`` every third of the keepalive period
(and notices when the server destroys the job), waits until the job is ready
(reporting queued and powering as they happen), reads which boards it holds
and boots them; leaving destroys the job, also on errors and Ctrl-C.
"""

import getpass
import json
import socket
import threading
import time
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable

from ..errors import SpallocError, SpinncError
from ..formats import scp
from ..machine import Machine

SPALLOC_PORT = 22244
#: Seconds the server keeps a job without a keepalive (the client sends one
#: every third of it).  spalloc's own client uses 60.
KEEPALIVE = 60.0
POLL = 0.5  # seconds between job-state polls while waiting for the boards


class JobState(IntEnum):
    """A job's state as ``get_job_state`` reports it (spalloc_server's JobState)."""

    UNKNOWN = 0
    QUEUED = 1
    POWER = 2
    READY = 3
    DESTROYED = 4


@dataclass(frozen=True)
class JobMachine:
    """The boards a ready job holds: the job's chip grid and the host of each
    board's Ethernet chip, in the job's chip coordinates."""

    width: int
    height: int
    hosts: dict  # (x, y) of an Ethernet chip -> host name or IP address
    machine_name: str

    @property
    def root(self) -> str:
        """The host of chip (0, 0): where the job's machine boots and is driven."""
        return self.hosts[0, 0]

    @classmethod
    def from_info(cls, info: dict) -> "JobMachine":
        """From ``get_job_machine_info``'s answer."""
        try:
            hosts = {tuple(xy): host for xy, host in info["connections"]}
            machine = cls(int(info["width"]), int(info["height"]), hosts,
                          str(info["machine_name"]))
        except (KeyError, TypeError, ValueError) as error:
            raise SpallocError(f"the spalloc server's machine info {info!r} lacks "
                               f"{error}: it is not a spalloc (v1) server") from None
        if (0, 0) not in hosts:
            raise SpallocError(f"the spalloc server granted boards without chip (0, 0): "
                               f"{hosts}")
        return machine


class SpallocClient:
    """One TCP connection to a spalloc server; :meth:`call` is thread-safe (the
    keepalive thread and the caller share the connection)."""

    def __init__(self, host: str, port: int = SPALLOC_PORT, timeout: float = 10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._lock = threading.Lock()
        try:
            self._sock = socket.create_connection((host, port), timeout)
        except OSError as error:
            raise SpallocError(f"the spalloc server {self}: cannot connect "
                               f"({error.strerror or error}); check the host name and port "
                               f"({SPALLOC_PORT} by default)") from None
        self._lines = self._sock.makefile("rb")

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    def call(self, command: str, *args, **kwargs):
        """``command(*args, **kwargs)`` on the server -> its return value.

        Raises
        ------
        SpallocError
            If the server answers with an exception (naming the command and
            the server's message), closes the connection or does not answer
            within ``timeout`` seconds.
        """
        request = json.dumps({"command": command, "args": list(args), "kwargs": kwargs})
        with self._lock:
            try:
                self._sock.sendall(request.encode() + b"\n")
                while True:
                    line = self._lines.readline()
                    if not line:
                        raise SpallocError(f"the spalloc server {self} closed the connection "
                                           f"during {command}")
                    answer = json.loads(line)
                    if "return" in answer:
                        return answer["return"]
                    if "exception" in answer:
                        raise SpallocError(f"the spalloc server {self} refused {command}: "
                                           f"{answer['exception']}")
                    # anything else is a notification, which spinnc does not ask for
            except (OSError, ValueError) as error:
                if isinstance(error, socket.timeout):
                    error = f"no answer in {self.timeout:g} s"
                raise SpallocError(f"the spalloc server {self}: {command} failed "
                                   f"({error})") from None

    def close(self) -> None:
        self._lines.close()
        self._sock.close()


class SpallocJob:
    """A job of ``boards`` boards on the spalloc server at ``host:port``, held
    while the ``with`` block runs.

    Parameters
    ----------
    host, port : str, int
        The spalloc server.
    boards : int
        Boards to ask for (the server picks a rectangle of them).
    owner : str, optional
        Who the job is for, as the server lists it (default: the user name).
    keepalive : float
        Seconds the server keeps the job without hearing from this client.
    wait : float, optional
        Seconds to wait for the job to be ready (queued, then powering) before
        giving up; None waits as long as it takes.
    on_state : callable, optional
        ``on_state(job, state)`` whenever the job's state changes while
        waiting (:class:`JobState`), e.g. to say it is queued.
    boot_image : path or bytes, optional
        SC&MP's ``scamp.boot`` to boot the boards with (a real machine needs
        it; see :func:`spinnc.host.boot`).
    timeout : float
        Seconds to wait for each answer of the server.
    boot_port, scp_port : int
        The boards' boot and SCP ports.

    Attributes
    ----------
    id : int
        The job's id on the server (once entered).
    machine : JobMachine
        The boards the job holds (once ready).
    """

    def __init__(self, host: str, port: int = SPALLOC_PORT, boards: int = 1, *,
                 owner: str | None = None, keepalive: float = KEEPALIVE,
                 wait: float | None = None, on_state: Callable | None = None,
                 boot_image=None, timeout: float = 10.0, boot_port: int = scp.BOOT_PORT,
                 scp_port: int = scp.SCP_PORT):
        if isinstance(boards, bool) or not isinstance(boards, int) or boards < 1:
            raise SpallocError(f"boards={boards!r}: ask spalloc for a whole number of "
                               "boards, 1 or more")
        self.host, self.port, self.boards = host, port, boards
        self.owner = owner or f"spinnc ({getpass.getuser()})"
        self.keepalive, self.wait, self.on_state = float(keepalive), wait, on_state
        self.boot_image, self.timeout = boot_image, timeout
        self.boot_port, self.scp_port = boot_port, scp_port
        self.id: int | None = None
        self.machine: JobMachine | None = None
        self.destroyed_reason: str | None = None  # why the server destroyed the job
        self.freed: str | None = None  # why this client destroyed it
        self._client: SpallocClient | None = None
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def __str__(self) -> str:
        return f"spalloc job {self.id} on {self.host}:{self.port}"

    # -- the job's life -------------------------------------------------------------

    def __enter__(self) -> "SpallocJob":
        self._client = SpallocClient(self.host, self.port, self.timeout)
        try:
            self.id = int(self._client.call("create_job", self.boards, owner=self.owner,
                                            keepalive=self.keepalive))
            self._keeper = threading.Thread(target=self._keep_alive, daemon=True,
                                            name=f"spalloc job {self.id} keepalive")
            self._keeper.start()
            self.machine = self._wait_until_ready()
            self._boot()
        except BaseException as error:
            self.close(f"spinnc: the job could not be used ({type(error).__name__})",
                       quiet=True)
            raise
        return self

    def __exit__(self, kind, error, traceback) -> None:
        reason = ("spinnc: done" if kind is None else
                  "spinnc: interrupted" if kind is KeyboardInterrupt else
                  f"spinnc: {kind.__name__}")
        self.close(reason, quiet=kind is not None)

    def close(self, reason: str = "spinnc: done", quiet: bool = False) -> None:
        """Destroy the job (if the server has not) and close the connection;
        calling it again does nothing.  ``quiet``: a server that cannot be
        told raises nothing (another error is on its way; the server frees
        the job when its keepalive lapses)."""
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join()
        if self._client is None:
            return
        client, self._client = self._client, None
        try:
            if self.id is not None and self.destroyed_reason is None:
                self.freed = reason
                client.call("destroy_job", self.id, reason)
        except SpinncError:
            if not quiet:
                raise
        finally:
            client.close()

    def state(self) -> JobState:
        """The job's state on the server (a destroyed job's reason is kept in
        :attr:`destroyed_reason`)."""
        answer = self._client.call("get_job_state", self.id)
        state = JobState(answer.get("state", 0))
        if state == JobState.DESTROYED and self.destroyed_reason is None:
            self.destroyed_reason = answer.get("reason") or "no reason given"
        return state

    def check(self) -> None:
        """Raise :class:`SpallocError` if the server destroyed the job (the
        reason it gives, e.g. a missed keepalive or an administrator), or this
        client has freed it."""
        if self.destroyed_reason is None and self._client is not None:
            self.state()
        if self.destroyed_reason is not None:
            raise SpallocError(f"{self} was destroyed by the server: "
                               f"{self.destroyed_reason}")
        if self.freed is not None:
            raise SpallocError(f"{self} was freed ({self.freed}): its boards are gone")

    def _keep_alive(self) -> None:
        while not self._stop.wait(self.keepalive / 3):
            try:
                self._client.call("job_keepalive", self.id)
                if self.state() == JobState.DESTROYED:
                    return
            except (SpinncError, AttributeError):  # closed under us: close() ends the job
                return

    def _wait_until_ready(self) -> JobMachine:
        deadline = None if self.wait is None else time.monotonic() + self.wait
        seen = None
        while True:
            state = self.state()
            if state != seen and self.on_state is not None:
                self.on_state(self, state)
            seen = state
            if state == JobState.READY:
                return JobMachine.from_info(self._client.call("get_job_machine_info", self.id))
            if state == JobState.DESTROYED:
                raise SpallocError(f"{self} was destroyed before it was ready: "
                                   f"{self.destroyed_reason}")
            if deadline is not None and time.monotonic() > deadline:
                raise SpallocError(f"{self} is still {state.name.lower()} after "
                                   f"{self.wait:g} s of waiting; wait longer or ask for "
                                   "fewer boards")
            time.sleep(POLL)

    def _boot(self) -> None:
        """Boot the job's machine from its chip (0, 0), as SC&MP floods the rest."""
        from .boot import boot

        try:
            boot(self.machine.root, self.boot_image, boot_port=self.boot_port,
                 port=self.scp_port)
        except SpinncError as error:
            raise SpallocError(f"{self}: the board at {self.machine.root} (chip 0, 0 of the "
                               f"job) did not boot: {error}") from None

    # -- what the job holds ----------------------------------------------------------

    def discover(self) -> Machine:
        """The machine the booted boards report, checked to be the job's boards
        and no others.

        Raises
        ------
        SpallocError
            If the boards report Ethernet chips the job was not granted (the
            machine answering at the job's address is not the job's), or
            cannot be explored.
        """
        from .controller import BoardController
        from .discovery import discover

        try:
            with BoardController(self.machine.root, self.scp_port) as board:
                machine = discover(board)
        except SpinncError as error:
            raise SpallocError(f"{self}: the machine of the job's boards could not be "
                               f"discovered from {self.machine.root}: {error}") from None
        extra = sorted(set(machine.ethernet_chips) - set(self.machine.hosts))
        if extra or machine.width > self.machine.width or machine.height > self.machine.height:
            raise SpallocError(
                f"{self} holds {len(self.machine.hosts)} board(s) of {self.machine.width}x"
                f"{self.machine.height} chips, but the machine at {self.machine.root} "
                f"reports {machine.width}x{machine.height} chips with boards at "
                f"{list(machine.ethernet_chips)}: it is not the job's machine alone (are "
                "the links at the job's edge stopped?)")
        return machine
