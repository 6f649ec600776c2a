"""The SCP connection and controller against a scripted UDP peer: sequence
numbers, retries, the in-flight window, reordering, duplicates, errors."""

import socket

import pytest

from spinnc.errors import BoardNotBooted, ProtocolTimeout, SCPError
from spinnc.formats import scp
from spinnc.host.connection import Request, SCPConnection
from spinnc.host.controller import BoardController
from spinnc.formats.scp import Command, ReturnCode

from .fakepeer import FakePeer

BASE = 0x60000000


@pytest.fixture
def make():
    """make(behave=None, batch=0, **connection options) -> (peer, controller)."""
    opened = []

    def make(behave=None, batch=0, **options):
        peer = FakePeer(behave, batch)
        options.setdefault("timeout", 0.2)
        board = BoardController(connection=SCPConnection("127.0.0.1", peer.port, **options))
        opened.append((peer, board))
        return peer, board

    yield make
    for peer, board in opened:
        board.close()
        peer.close()


def test_read_write_in_chunks_by_alignment(make):
    peer, board = make()
    data = bytes(range(256)) * 4 + b"xyz"
    board.write(0, 0, BASE + 2, data)
    assert board.read(0, 0, BASE + 2, len(data)) == data
    writes = [p for p in peer.requests if p.cmd_rc == Command.WRITE]
    # 1027 bytes -> 4 full packets and one of 3 bytes; half-word aligned, then bytes.
    assert [p.args[1] for p in writes] == [256, 256, 256, 256, 3]
    assert [p.args[2] for p in writes] == [1, 1, 1, 1, 0]
    board.write(0, 0, BASE + 1024, b"\x01\x02\x03\x04")
    assert peer.requests[-1].args[2] == 2  # word aligned: word unit
    assert all(p.sdp.dest == (0, 0) for p in peer.requests)


def test_version_and_not_booted(make):
    peer, board = make()
    version = board.version()
    assert (version.name, version.version, version.chip) == ("SC&MP/SpiNNaker", "4.0.0", (0, 0))
    assert version.buffer_size == 256

    def unbooted(peer, packet):
        return [peer.reply(packet, args=(0xFFFF << 16, 0xFFFF0100, 0), data=scp.VERSION_TEXT)]

    _, cold = make(unbooted)
    assert not cold.version().booted
    with pytest.raises(BoardNotBooted, match="boot"):
        cold.ensure_booted()


def test_lost_datagrams_are_resent(make):
    def drop_first_two(peer, packet):
        return [] if peer.tries[packet.seq] <= 2 else [peer.answer(packet)]

    peer, board = make(drop_first_two, timeout=0.02)
    board.write(0, 0, BASE, bytes(range(200)) * 3)
    assert peer.memory[:600] == bytes(range(200)) * 3
    assert board.stats.timeouts == board.stats.retries == 2 * 3
    assert board.stats.requests == 3


def test_silent_board_times_out_naming_the_request():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    try:
        with SCPConnection("127.0.0.1", port, timeout=0.02, retries=2) as connection:
            with pytest.raises(ProtocolTimeout) as error:
                connection.transact(Request(Command.READ, (1, 2), 0, BASE, 4, 2))
    finally:
        silent.close()
    message = str(error.value)
    for part in ("READ of 4 bytes at 0x60000000", "chip (1, 2)", f"127.0.0.1:{port}",
                 "3 tries", "powered"):
        assert part in message
    assert connection.stats.timeouts == 3 and connection.stats.retries == 2


def test_error_return_code_by_name(make):
    def reject(peer, packet):
        return [peer.reply(packet, ReturnCode.ARG)]

    peer, board = make(reject)
    with pytest.raises(SCPError, match=r"READ of 256 bytes at 0x60000000 on chip \(0, 0\): "
                                       r"RC_ARG") as error:
        board.read(0, 0, BASE, 256)
    assert error.value.rc == ReturnCode.ARG
    assert len(peer.requests) == 1  # not retryable: sent once


def test_retryable_return_codes(make):
    def busy_once(peer, packet):
        if peer.tries[packet.seq] == 1:
            return [peer.reply(packet, ReturnCode.P2P_BUSY)]
        return [peer.answer(packet)]

    peer, board = make(busy_once, retry_delay=0.01)
    board.write(0, 0, BASE, b"abcd")
    assert peer.memory[:4] == b"abcd"
    assert board.stats.retry_codes == 1 and board.stats.retries == 1
    assert board.stats.timeouts == 0

    def always_busy(peer, packet):
        return [peer.reply(packet, ReturnCode.P2P_BUSY)]

    peer, board = make(always_busy, retries=3, retry_delay=0.001)
    with pytest.raises(SCPError, match="RC_P2P_BUSY, still after 4 tries"):
        board.fill(0, 0, BASE, 0, 4)
    assert len(peer.requests) == 4


@pytest.mark.parametrize("window", [1, 8])
def test_window_and_reordered_replies(make, window):
    """The peer holds requests until it has 8 and answers them last first: the
    host never has more than ``window`` out and matches replies by seq."""
    peer, board = make(batch=8, window=window)
    peer.memory[:] = bytes(i % 251 for i in range(4096))
    blocks = [(0, 0, BASE + 64 * i, 64) for i in range(12)]
    assert board.read_many(blocks) == [bytes(peer.memory[64 * i:64 * i + 64])
                                       for i in range(12)]
    assert peer.most_held == window
    assert board.stats.timeouts == 0


def test_duplicates_and_strangers_are_ignored(make):
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(("127.0.0.1", 0))

    def noisy(peer, packet):
        reply = peer.answer(packet)
        # A reply with the right seq but from another port carries wrong data.
        wrong = peer.reply(packet, data=b"\xee" * packet.args[1])
        stranger.sendto(wrong, ("127.0.0.1", board.connection.local_port))
        return [reply, reply]

    peer, board = make(noisy)
    try:
        peer.memory[:512] = bytes(range(256)) * 2
        assert board.read(0, 0, BASE, 512) == bytes(range(256)) * 2
        assert board.read(0, 0, BASE, 4) == bytes(range(4))
    finally:
        stranger.close()
    assert board.stats.requests == 3
    assert board.stats.ignored >= 3  # at least the duplicates (strangers may still be queued)


def test_sequence_numbers_wrap(make):
    peer, board = make()
    board.connection._seq = 0xFFFD
    for _ in range(4):
        board.version()
    assert [p.seq for p in peer.requests] == [0xFFFE, 0xFFFF, 0, 1]
