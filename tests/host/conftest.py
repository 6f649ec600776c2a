"""Virtual boards for the host tests: served on ephemeral ports in daemon
threads, closed after each test."""

import pytest

from spinnc.machine import Machine


@pytest.fixture
def virtual_board():
    """virtual_board(machine=None, booted=True, **faults) -> a started VirtualBoard."""
    serve = pytest.importorskip("spinnc.virtual_board.board").serve

    started = []

    def make(machine=None, booted=True, boot_delay=0.05, **faults):
        board = serve(machine or Machine.spinn5(), port=0, boot_port=0, booted=booted,
                      boot_delay=boot_delay, **faults)
        started.append(board)
        return board

    yield make
    for board in started:
        board.close()


@pytest.fixture
def controller():
    """controller(virtual_board, **connection options) -> an open BoardController."""
    from spinnc.host import BoardController, SCPConnection

    opened = []

    def make(board, **options):
        options.setdefault("timeout", 0.5)
        host, port = board.address
        c = BoardController(connection=SCPConnection(host, port, **options))
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()
