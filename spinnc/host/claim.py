"""A run's claim on a board, so that two clients never load one board at once.

SC&MP has no notion of a board's user, but it has an atomic test-and-set:
a tagged SDRAM allocation.  ``sark_xalloc`` gives a non-zero tag to one
block per app id at a time and refuses a second allocation with it, and
ALLOC op 7 finds the block holding a tag (spinnaker_tools, sark_alloc.c and
scamp-cmd.c).  So a run claims the board by allocating a small block with
:data:`CLAIM_APP_ID` and :data:`CLAIM_TAG` on chip (0, 0), the same chip for
every client of the machine, and writes a record into it:

====== ==== ==========================================================
offset size field
====== ==== ==========================================================
0      4    magic ``SPNC``
4      4    token: random, the run's own (also in each core's vcpu user3)
8      4    expires: board time (sv unix_time, seconds) the claim lapses at
12     4    renewed: board time of the last renewal
16     4    the app ids the run loads (0 = none)
20     12   who: host name and process id of the client, ASCII
====== ==== ==========================================================

While it runs, a thread renews the claim every ``lease / 3`` seconds.  A
client that finds a claim it does not hold refuses with :class:`BoardInUse`
if the claim is still live, and takes it over if it lapsed (its holder died:
nobody renewed it); taking over overwrites the record, waits
:data:`SETTLE` seconds and checks that its token is still there.  The
holder's renewals check the token too, so if two clients ever believe they
hold the board, at least one finds out and stops; a run also checks at the
end that its claim and its cores are still its own before it returns data.
Stopping the claim's app id (signal stop to 255) frees a claim by hand.

The board's own clock (sv unix_time, which SC&MP counts up every second) is
used for expiry, so clients on different computers need not agree on time.
"""

import os
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass

from ..errors import BoardInUse, ProtocolError
from ..formats import scp
from .connection import Request, SCPConnection
from .controller import BoardController
from ..formats.scp import AllocOp, Command

CLAIM_APP_ID = 255  # outside the ids tools hand out (17-254) and spinnc's 16
CLAIM_TAG = 255
CLAIM_CHIP = (0, 0)
MAGIC = b"SPNC"
RECORD = struct.Struct("<4sIII4s12s")  # magic, token, expires, renewed, app ids, who
LEASE = 30  # seconds a claim lives without renewal
SETTLE = 0.5  # seconds a takeover waits before checking it won
UNWRITTEN_WAIT = 1.0  # seconds to give a fresh claim's holder to write its record


@dataclass
class Record:
    """A claim record as it sits on the board."""

    token: int
    expires: int
    renewed: int
    app_ids: tuple[int, ...]
    who: str
    valid: bool = True  # False: the block holds no record (yet)

    def pack(self) -> bytes:
        apps = bytes(list(self.app_ids)[:4]).ljust(4, b"\0")
        return RECORD.pack(MAGIC, self.token, self.expires & 0xFFFFFFFF,
                           self.renewed & 0xFFFFFFFF, apps,
                           self.who.encode("ascii", "replace")[:12])

    @classmethod
    def unpack(cls, raw: bytes) -> "Record":
        magic, token, expires, renewed, apps, who = RECORD.unpack(raw[:RECORD.size])
        return cls(token, expires, renewed, tuple(a for a in apps if a),
                   who.rstrip(b"\0").decode("ascii", "replace"), magic == MAGIC)


def _who() -> str:
    return f"{socket.gethostname()[:5]}:{os.getpid()}"


def board_time(board: BoardController, chip=CLAIM_CHIP) -> int:
    """The board's clock: sv unix_time of ``chip`` (seconds)."""
    return board.read_word(*chip, scp.SV_BASE + scp.SV_UNIX_TIME)


def _where(board: BoardController) -> str:
    host, port = board.connection.address
    return f"the board at {host}:{port}"


class BoardClaim:
    """This client's claim on a board (see the module docstring).

    Use :meth:`acquire`, then :meth:`start_renewing`; :meth:`check` raises
    :class:`BoardInUse` once the claim is lost; :meth:`release` frees it.
    ``taken_from`` holds the app ids of the lapsed claim this one took over
    (their cores and allocations are stale and may be cleared).
    """

    def __init__(self, board: BoardController, address: int, record: Record, lease: int,
                 taken_from: tuple[int, ...] = ()):
        self.board, self.address, self.record, self.lease = board, address, record, lease
        self.taken_from = taken_from
        self.lost: str | None = None  # why the claim is no longer this client's
        self.renewals = 0
        self.failed_renewals = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: SCPConnection | None = None

    @property
    def token(self) -> int:
        return self.record.token

    # -- acquiring ------------------------------------------------------------

    @classmethod
    def acquire(cls, board: BoardController, app_ids=(), lease: int = LEASE) -> "BoardClaim":
        """Claim the board for a run loading ``app_ids``.

        Raises
        ------
        BoardInUse
            If another client holds a live claim (naming it and when it lapses).
        """
        lease = max(int(lease), 1)
        token = secrets.randbits(32) or 1
        unwritten_seen = False
        for _ in range(4):  # a claim freed or written while we looked: look again
            address = board.connection.transact(Request(
                Command.ALLOC, CLAIM_CHIP, 0, CLAIM_APP_ID << 8 | AllocOp.SDRAM, RECORD.size,
                CLAIM_TAG, what="ALLOC of the board claim")).args[0]
            if address:
                claim = cls(board, address, cls._record(board, token, lease, app_ids), lease)
                claim._write_and_confirm("claim")
                return claim
            address = board.connection.transact(Request(
                Command.ALLOC, CLAIM_CHIP, 0, CLAIM_APP_ID << 8 | AllocOp.TAG_POINTER,
                CLAIM_TAG, what="ALLOC op 7 (where the board claim is)")).args[0]
            if not address:
                continue  # released meanwhile
            held = Record.unpack(board.read(*CLAIM_CHIP, address, RECORD.size))
            now = board_time(board)
            if held.valid and held.expires >= now:
                raise BoardInUse(cls._in_use(board, held, now))
            if not held.valid and not unwritten_seen:
                unwritten_seen = True  # its holder is about to write it: give it a moment
                time.sleep(UNWRITTEN_WAIT)
                continue
            # Lapsed (or never written): its holder is gone.  Take it over.
            claim = cls(board, address, cls._record(board, token, lease, app_ids), lease,
                        held.app_ids if held.valid else ())
            claim._write_and_confirm("take over the lapsed claim", settle=SETTLE)
            return claim
        raise BoardInUse(f"{_where(board)}: its claim (app id {CLAIM_APP_ID}, tag "
                         f"{CLAIM_TAG} on chip {CLAIM_CHIP}) keeps changing hands: another "
                         "client is starting runs on it; wait and run again")

    @staticmethod
    def _record(board, token, lease, app_ids) -> Record:
        now = board_time(board)
        return Record(token, now + lease, now, tuple(app_ids), _who())

    def _write_and_confirm(self, doing: str, settle: float = 0.0) -> None:
        self.board.write(*CLAIM_CHIP, self.address, self.record.pack())
        if settle:
            time.sleep(settle)
        held = Record.unpack(self.board.read(*CLAIM_CHIP, self.address, RECORD.size))
        if held.token != self.token:
            raise BoardInUse(f"{_where(self.board)}: another client claimed it at the same "
                             f"moment (trying to {doing}): wait for its run and run again")

    @staticmethod
    def _in_use(board, held: Record, now: int) -> str:
        apps = ", ".join(str(a) for a in held.app_ids) or "none yet"
        return (f"{_where(board)} is in use by another spinnc run (client {held.who or '?'}, "
                f"app ids {apps}; its claim was renewed {max(now - held.renewed, 0)} s ago "
                f"and lapses in {held.expires - now + 1} s unless renewed): wait for that run "
                "to finish and run again; if that client has died, its claim lapses by "
                f"itself, or free it with a stop signal to app id {CLAIM_APP_ID} "
                f"(spinnc.host.BoardController(host, port).stop({CLAIM_APP_ID}))")

    # -- holding --------------------------------------------------------------

    def renew(self, board: BoardController | None = None) -> None:
        """Check that the claim is still ours and push its expiry on."""
        board = board or self.board
        held = Record.unpack(board.read(*CLAIM_CHIP, self.address, RECORD.size))
        if held.token != self.token:
            self.lost = (f"{_where(board)}: this run's claim was taken over by another client "
                         f"({held.who or '?'}) while it ran")
            return
        now = board_time(board)
        self.record.expires, self.record.renewed = now + self.lease, now
        board.write(*CLAIM_CHIP, self.address, self.record.pack())
        self.renewals += 1

    def check(self) -> None:
        """Raise :class:`BoardInUse` if the claim was lost (reads it once)."""
        if self.lost is None:
            held = Record.unpack(self.board.read(*CLAIM_CHIP, self.address, RECORD.size))
            if held.token != self.token:
                self.lost = (f"{_where(self.board)}: this run's claim was taken over by "
                             f"another client ({held.who or '?'}) while it ran")
        if self.lost is not None:
            raise BoardInUse(self.lost + "; its results are not used: run again when the "
                             "board is free")

    def start_renewing(self, every: float | None = None) -> None:
        """Renew in a thread, on a connection of its own, every ``every``
        seconds (a third of the lease by default)."""
        every = self.lease / 3 if every is None else every
        own = self.board.connection
        self._connection = SCPConnection(own.host, own.port, own.timeout, own.retries, 1)
        renewer = BoardController(connection=self._connection)

        def loop():
            while not self._stop.wait(every):
                try:
                    self.renew(renewer)
                except ProtocolError:
                    self.failed_renewals += 1  # the run's own requests will say why
                if self.lost:
                    return

        self._thread = threading.Thread(target=loop, daemon=True, name="spinnc-claim")
        self._thread.start()

    def release(self) -> None:
        """Stop renewing and free the claim if it is still ours (never raises
        a ProtocolError: a failure to release does not hide an earlier error,
        and a claim left behind lapses by itself)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._connection is not None:
            self._connection.close()
        try:
            held = Record.unpack(self.board.read(*CLAIM_CHIP, self.address, RECORD.size))
            if held.token == self.token:
                self.board.free_sdram(*CLAIM_CHIP, self.address)
        except ProtocolError:
            pass
