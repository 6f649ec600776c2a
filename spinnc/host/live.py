"""The host's end of a run's live I/O: host functions answered each tick over
IP tags (:mod:`spinnc.formats.host_io`, ``spinnaker/HOST_PROTOCOL.md`` Live
I/O), as SpiNNaker's own tools exchange live values with a board.

Before the cores start, :meth:`LiveHost.open` binds a UDP socket, points the
root Ethernet chip's IP tag :data:`~spinnc.formats.host_io.OUTPUT_TAG` at it
(SDP headers kept: the source core says whose message it is) and gives each
``host_in`` core a reverse IP tag on a board port.  A thread then answers:

- a ``host_out`` core's values of tick t (all its messages in) call the
  function with them, at time (t + 1) dt;
- a ``host_in`` core's request for tick t calls a function without input;
  a function with input is answered from its ``host_out`` values instead;
- a function with no core (one the machine neither feeds nor reads, such as
  nengo_gui's clock) is called for every tick too, in order, before the
  first function of that tick (by the wall clock, a tick a ``dt``, when the
  Image has no core of host functions at all).

The answer goes to the function's ``host_in`` core through its reverse tag.
Each tick's latency (first message in to answer out) is measured; ticks
whose messages never came complete are counted lost.  A function that
raises ends the serving: :attr:`LiveHost.error` keeps the exception, and
the run stops with it (:mod:`.loader`).  :meth:`close` clears the tags.
"""

import socket
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from .. import fixed
from ..errors import DoesNotFit, SCPError
from ..formats import host_io
from ..formats.scp import ReturnCode
from ..image import Image

#: Board UDP ports tried for the reverse tags, from this one up (a virtual
#: board on this computer shares its ports with everything else here).
RX_PORT_BASE = 17900
RX_PORT_TRIES = 64
POLL = 0.05  # seconds between looks at whether to stop
RECENT = 100_000  # latencies kept for the percentile (a long run keeps its last ones)

Call = Callable[[str, float, np.ndarray], np.ndarray]


def check_tags(image: Image) -> None:
    """The Image's host functions that answer the machine have a reverse IP
    tag each (checked before anything is loaded).

    Raises
    ------
    DoesNotFit
        Naming them and the tags there are.
    """
    names = sorted(c.name for c in image.cores if c.application == "host_in")
    if len(names) > host_io.MAX_INPUT_TAGS:
        raise DoesNotFit(
            f"{len(names)} host functions answer the machine ({', '.join(names)}), each "
            f"through a reverse IP tag of the root Ethernet chip, which has "
            f"{host_io.MAX_INPUT_TAGS} for them: combine host nodes into fewer (a node may "
            "have several outputs)")


class LiveHost:
    """Answers an Image's host functions during its run on a board.

    Parameters
    ----------
    board : BoardController
        The board's controller (its tags are set through it).
    image : Image
        The running Image.
    call : callable
        ``call(name, t, x) -> y``: the host function ``name`` at time ``t``.
    """

    def __init__(self, board, image: Image, call: Call):
        self.board, self.image, self.call = board, image, call
        self.error: BaseException | None = None
        self.where: dict[tuple, tuple[str, str]] = {}  # (x, y, cpu) -> (name, app)
        self.answer_to: dict[str, tuple] = {}  # name -> its host_in core
        check_tags(image)
        for c in image.cores:
            if c.application in ("host_in", "host_out"):
                self.where[c.x, c.y, c.core] = (c.name, c.application)
                if c.application == "host_in":
                    self.answer_to[c.name] = (c.x, c.y, c.core)
        self.rx_ports: dict[str, int] = {}
        self.served = {name for name, _ in self.where.values()}
        # the others, called each tick with zeros of their input size
        self.unserved = [(name, int(image.host_functions[name]["size_in"]))
                         for name in sorted(set(image.host_functions) - self.served)]
        self._clock_tick = -1  # the last tick they were called for
        self._opened = 0.0
        self.latencies: deque = deque(maxlen=RECENT)  # seconds from a tick's input to its answer
        self.latency_total = self.latency_max = 0.0
        self.answered = 0
        self.malformed = 0
        self._parts: dict[tuple[str, int], tuple[float, host_io.Values]] = {}
        self._last: dict[str, int] = {}  # name -> the last tick it answered
        self.lost = 0  # ticks of a function that never came complete
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._tags: list[int] = []

    # -- set up and tear down -----------------------------------------------------

    def open(self) -> "LiveHost":
        """Bind the socket, set the tags, start answering."""
        host, port = self.board.connection.address
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect((host, port))  # which of our addresses reaches the board
            local = probe.getsockname()[0]
        finally:
            probe.close()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((local, 0))
        self._board = (host, port)
        try:
            self.board.iptag_set(host_io.OUTPUT_TAG, local, self._sock.getsockname()[1],
                                 strip=False)
            self._tags.append(host_io.OUTPUT_TAG)
            rx_port = RX_PORT_BASE
            for i, (name, core) in enumerate(sorted(self.answer_to.items())):
                tag = host_io.FIRST_INPUT_TAG + i
                rx_port = self._reverse_tag(tag, core, rx_port)
                self._tags.append(tag)
                self.rx_ports[name] = rx_port
                rx_port += 1
        except BaseException:
            self.close()
            raise
        self._opened = time.perf_counter()
        self._thread = threading.Thread(target=self._serve, daemon=True,
                                        name="spinnc live host I/O")
        self._thread.start()
        return self

    def _reverse_tag(self, tag: int, core: tuple, rx_port: int) -> int:
        """Set ``tag`` on the first board port from ``rx_port`` it can bind."""
        for port in range(rx_port, rx_port + RX_PORT_TRIES):
            try:
                self.board.reverse_iptag_set(tag, port, core, host_io.APP_PORT)
                return port
            except SCPError as error:
                if error.rc != ReturnCode.BUF:  # BUF: the port is taken there
                    raise
        raise DoesNotFit(f"the board took none of the UDP ports {rx_port}-"
                         f"{rx_port + RX_PORT_TRIES - 1} for reverse IP tag {tag}")

    def finish(self) -> None:
        """After the run: stop answering, and call the functions without a
        core for the ticks the clock had not reached (a virtual board runs
        faster than real time), so that each is called every tick."""
        self._halt()
        self._call_unserved(self.image.n_steps - 1)

    def close(self) -> None:
        """Stop answering and clear the tags (a board that is gone is left)."""
        self._halt()
        for tag in self._tags:
            try:
                self.board.iptag_clear(tag)
            except Exception:  # closing after a failure: the board may not answer
                pass
        self._tags = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _halt(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    # -- answering -----------------------------------------------------------------

    def _serve(self) -> None:
        self._sock.settimeout(POLL if self.where else self.image.dt)
        while not self._stop.is_set():
            try:
                if not self.where:  # no message will come: the clock's ticks
                    self._call_unserved(int((time.perf_counter() - self._opened)
                                            / self.image.dt))
                datagram = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            except BaseException as error:  # the function's own error: the run stops
                self.error = error
                return
            arrived = time.perf_counter()
            try:
                message = host_io.unpack_machine_datagram(datagram)
            except ValueError:
                self.malformed += 1
                continue
            try:
                self._take(message, arrived)
            except BaseException as error:  # the function's own error: the run stops
                self.error = error
                return

    def _take(self, m: host_io.MachineMessage, arrived: float) -> None:
        name, app = self.where.get((m.x, m.y, m.cpu), (None, None))
        if name is None:
            self.malformed += 1
            return
        size_in = int(self.image.host_functions[name]["size_in"])
        if app == "host_in":
            if m.kind == host_io.REQUEST and size_in == 0:
                self._answer(name, m.tick, np.zeros(0), arrived)
            return
        key = (name, m.tick)
        start, values = self._parts.get(key) or (arrived, host_io.Values(size_in))
        try:
            complete = values.add(m.first, m.words)
        except ValueError:
            self.malformed += 1
            return
        if not complete:
            self._parts[key] = (start, values)
            return
        self._parts.pop(key, None)
        self._answer(name, m.tick, fixed.to_float(values.words), start)

    def _answer(self, name: str, tick: int, x: np.ndarray, start: float) -> None:
        last = self._last.get(name, -1)
        if tick <= last:
            return  # a duplicate, or a tick already past
        self.lost += tick - last - 1
        self._last[name] = tick
        self._call_unserved(tick)
        y = self.call(name, (tick + 1) * self.image.dt, x)
        if name in self.answer_to:
            words = fixed.to_fixed(np.reshape(np.asarray(y, dtype=float), -1))[0]
            address = (self._board[0], self.rx_ports[name])
            for datagram in host_io.answers(tick, words):
                self._sock.sendto(datagram, address)
        latency = time.perf_counter() - start
        self.latencies.append(latency)
        self.latency_total += latency
        self.latency_max = max(self.latency_max, latency)
        self.answered += 1

    def _call_unserved(self, tick: int) -> None:
        """Call the functions without a core for every tick up to ``tick``
        (within the run) not yet called for."""
        last = min(tick, self.image.n_steps - 1)
        for t in range(self._clock_tick + 1, last + 1):
            for name, size_in in self.unserved:  # a fresh input: a function may write it
                self.call(name, (t + 1) * self.image.dt, np.zeros(size_in))
        self._clock_tick = max(self._clock_tick, last)

    def summary(self) -> dict:
        """Ticks answered, lost (never complete, the run's last ones too) and
        malformed, and the latency per tick (its percentile over the last
        :data:`RECENT` ticks)."""
        recent = np.array(self.latencies) if self.latencies else np.zeros(1)
        never = sum(self.image.n_steps - 1 - self._last.get(name, -1)
                    for name in self.served)
        return {"ticks_answered": self.answered, "ticks_lost": self.lost + never,
                "malformed": self.malformed,
                "latency_ms_mean": round(1e3 * self.latency_total / max(self.answered, 1), 4),
                "latency_ms_p99": round(1e3 * float(np.percentile(recent, 99)), 4),
                "latency_ms_max": round(1e3 * self.latency_max, 4)}
