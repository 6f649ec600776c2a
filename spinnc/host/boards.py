"""Requests to a machine of several boards, each through its own board's
Ethernet chip, the boards in parallel.

A machine of many boards answers at every board's Ethernet chip (each has its
own IP address, e.g. the ``connections`` of a spalloc job). SC&MP routes a
request to any chip from any Ethernet chip, so one connection can reach the
whole machine, but then every datagram crosses one Ethernet link and the
chips around the root. :class:`BoardsConnection` has the interface of
:class:`~.connection.SCPConnection` that :class:`~.controller.BoardController`
uses: it sends each request through the connection of the board its chip is
on, up to a window per board at once, and the boards' batches concurrently;
replies come back in request order and the counts add up in one
:class:`~.connection.ConnectionStats`.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields

from ..errors import ProtocolError
from ..formats import scp
from ..formats.scp import ETHERNET_CHIP, Command
from ..machine import Machine
from .connection import Request, SCPConnection

log = logging.getLogger(__name__)


class BoardsConnection:
    """``root`` (the connection to the machine's chip (0, 0) board) and one
    connection per other board in ``hosts`` ((x, y) of its Ethernet chip ->
    host), with ``root``'s timeouts, retries and window.

    A board that does not answer VER at its own address is reached through
    ``root`` instead (logged): slower, not wrong.  :attr:`direct` lists the
    boards reached through their own Ethernet chip.
    """

    def __init__(self, root: SCPConnection, machine: Machine, hosts: dict):
        self.root, self.machine = root, machine
        self.stats = root.stats  # the others' counts are added after each batch
        self.host, self.port, self.address = root.host, root.port, root.address
        self.retries, self.timeout = root.retries, root.timeout
        self._root_chip = root_chip = machine.ethernet_chip(0, 0)
        self._connections = {root_chip: root}
        for chip, host in sorted(hosts.items()):
            chip = tuple(chip)
            if chip == root_chip or chip not in machine.ethernet_chips:
                continue
            connection = SCPConnection(host, root.port, root.timeout, 1, root.window)
            try:
                connection.transact(Request(Command.VER, what=f"VER of the board at {host}"))
            except ProtocolError as error:
                connection.close()
                log.warning("the board of Ethernet chip %s does not answer at %s (%s): "
                            "reaching it through %s", chip, host, error, root.host)
                continue
            connection.retries = root.retries
            self._connections[chip] = connection
        self.direct = sorted(self._connections)
        self._pool = ThreadPoolExecutor(len(self._connections), "spinnc-board")
        self._lock = threading.Lock()

    def close_boards(self) -> None:
        """Close the other boards' connections (``root`` stays open)."""
        self._pool.shutdown(wait=True)
        for connection in self._connections.values():
            if connection is not self.root:
                connection.close()

    def close(self) -> None:
        self.close_boards()
        self.root.close()

    def _board(self, chip: tuple) -> tuple:
        """The Ethernet chip whose connection carries requests to ``chip``."""
        if tuple(chip) != ETHERNET_CHIP:
            board = self.machine.ethernet_chip(*chip)
            if board in self._connections:
                return board
        return self._root_chip

    def transact(self, request: Request) -> scp.SCPPacket:
        return self.transact_many([request])[0]

    def transact_many(self, requests: Iterable[Request],
                      window: int | None = None) -> list[scp.SCPPacket]:
        """As :meth:`SCPConnection.transact_many`, each board's requests
        through its own connection, the boards at once.  The first error (of
        the board whose requests came first) is raised once all have ended."""
        requests = list(requests)
        batches = defaultdict(list)  # Ethernet chip -> indices of its requests
        for i, request in enumerate(requests):
            batches[self._board(request.chip)].append(i)
        if set(batches) <= {self._root_chip}:  # the root's alone: its counts are ours
            return self.root.transact_many(requests, window)
        futures = {board: self._pool.submit(self._connections[board].transact_many,
                                            [requests[i] for i in indices], window)
                   for board, indices in batches.items()}
        replies: list = [None] * len(requests)
        error = None
        for board, future in futures.items():
            try:
                for i, reply in zip(batches[board], future.result()):
                    replies[i] = reply
            except ProtocolError as failed:
                error = error or failed
        self._gather_stats()
        if error is not None:
            raise error
        return replies

    def _gather_stats(self) -> None:
        """Add the other boards' counts into the one ``stats`` (after their
        threads have finished, so no count is lost to a race)."""
        with self._lock:
            for connection in self._connections.values():
                if connection is self.root:
                    continue
                theirs = connection.stats
                for f in fields(theirs):
                    mine, value = getattr(self.stats, f.name), getattr(theirs, f.name)
                    setattr(self.stats, f.name,
                            max(mine, value) if f.name == "max_tries" else mine + value)
                    setattr(theirs, f.name, 0)
