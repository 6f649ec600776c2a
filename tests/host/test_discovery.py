"""Discovery believes only what a machine could answer: a board reporting
an impossible machine is a ProtocolError naming it, and a lying board cannot
make discovery send more INFO requests than the chips it claims."""

import struct

import pytest

from spinnc.errors import ProtocolError
from spinnc.host import BoardController, SCPConnection, discover
from spinnc.formats.scp import SV_BASE, SV_HW_VER, SV_P2P_DIMS, SV_SIZE, Command, ReturnCode
from spinnc.machine import Machine

from .fakepeer import FakePeer

ALL_LINKS = 0x3F


class LyingBoard(FakePeer):
    """Answers VER as booted, the system variables with ``dims`` and INFO with
    ``info(x, y) -> (n_cores, links, nearest_ethernet)``; counts INFO requests
    and answers RC_ARG after ``most`` of them (so that no test runs forever)."""

    def __init__(self, dims, info=lambda x, y: (17, ALL_LINKS, (0, 0)), most=500):
        self.dims, self.info, self.most, self.infos = dims, info, most, 0
        super().__init__(behave=LyingBoard.lie)

    def lie(self, packet):
        if packet.cmd_rc == Command.READ and packet.args[0] == SV_BASE:
            sv = bytearray(SV_SIZE)
            struct.pack_into("<H", sv, SV_P2P_DIMS, self.dims[0] << 8 | self.dims[1])
            sv[SV_HW_VER] = 5
            return [self.reply(packet, data=bytes(sv[:packet.args[1]]))]
        if packet.cmd_rc == Command.INFO:
            self.infos += 1
            if self.infos > self.most:
                return [self.reply(packet, ReturnCode.ARG)]
            x, y = packet.sdp.dest
            n_cores, links, (ex, ey) = self.info(x, y)
            data = bytes([6] + [15] * 17) + bytes([ey, ex]) + bytes(4) + b"\0\0"
            return [self.reply(packet, args=(n_cores | links << 8, 1 << 20, 0x6000),
                               data=data)]
        return [self.answer(packet)]


@pytest.fixture
def lying():
    made = []

    def make(*args, **kwargs):
        peer = LyingBoard(*args, **kwargs)
        made.append(peer)
        return peer, BoardController(connection=SCPConnection("127.0.0.1", peer.port,
                                                              timeout=0.2, retries=1))

    yield make
    for peer in made:
        peer.close()


def test_a_board_reporting_no_chips_is_refused_by_name(lying):
    peer, board = lying((0, 0))
    with pytest.raises(ProtocolError, match=rf"board at 127\.0\.0\.1:{peer.port} reports a "
                                            r"0x0 machine"):
        discover(board)
    assert peer.infos == 0


def test_a_board_claiming_a_huge_machine_gets_no_info_requests(lying):
    peer, board = lying((255, 255))
    with pytest.raises(ProtocolError, match=r"255x255 machine \(65,025 chips\), more than"):
        discover(board)
    assert peer.infos == 0


def test_a_lying_board_gets_at_most_one_info_per_chip_it_claims(lying):
    peer, board = lying((12, 12))  # every link of every chip "works": a 12x12 torus
    machine = discover(board)
    assert peer.infos == 144
    assert (machine.width, machine.height, machine.wrap) == (12, 12, True)


@pytest.mark.parametrize("info, what", [
    (lambda x, y: (0, ALL_LINKS, (0, 0)), r"chip \(\d, \d\) reports 0 working cores"),
    (lambda x, y: (25, ALL_LINKS, (0, 0)), "reports 25 working cores"),
    (lambda x, y: (17, ALL_LINKS, (9, 0)), r"names \(9, 0\) as its Ethernet chip, outside"),
])
def test_impossible_info_answers_are_refused(lying, info, what):
    peer, board = lying((4, 4), info)
    with pytest.raises(ProtocolError, match=what):
        discover(board)
    assert peer.infos <= 16


def test_discovery_of_the_virtual_board_is_unchanged(virtual_board, controller):
    for machine in (Machine.spinn3(), Machine.spinn5(), Machine.boards(3, app_cores=2),
                    Machine.spinn5().with_dead(chips=[(1, 1)], cores=[(2, 2, 3)],
                                               links=[(0, 0, 0)])):
        assert discover(controller(virtual_board(machine))) == machine
