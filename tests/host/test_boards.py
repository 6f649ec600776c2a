"""Loading and reading a machine of several boards through each board's own
Ethernet chip, the boards in parallel (spinnc.host.boards)."""

import numpy as np
import pytest

from spinnc.firmware_sim import Emulator
from spinnc.host import run_image
from spinnc.machine import Machine
from spinnc.virtual_board import VirtualBoard

from ..three_boards import chain_image

HOSTS = {(0, 0): "127.0.2.1", (4, 8): "127.0.2.2", (8, 4): "127.0.2.3"}


@pytest.mark.parametrize("answering", [((4, 8), (8, 4)), ((8, 4),)])
def test_each_board_is_loaded_through_its_own_ethernet_chip(answering):
    machine, image = chain_image()
    extra = {chip: HOSTS[chip] for chip in answering}
    with VirtualBoard(machine, HOSTS[0, 0], port=0, boot_port=None, booted=True,
                      ethernet_hosts=extra) as board:
        port = board.address[1]
        run = run_image(image, HOSTS[0, 0], port, hosts=HOSTS, timeout=0.3)
    expected = Emulator(image)
    expected.run(image.n_steps)
    for name, samples in expected.recordings().items():
        assert np.array_equal(run.recordings[name], samples)
    # a board that does not answer at its own address is reached through the root
    assert run.stats.boards == 1 + len(answering)
    reached = {machine.ethernet_chips[b] for b, n in board.counts.by_board.items() if n}
    assert reached == {(0, 0), *answering}
    # every board's datagrams are counted in the run's stats, none twice
    assert run.stats.retries == 0 and run.stats.datagrams == board.counts.requests


def test_ethernet_hosts_must_name_other_boards_ethernet_chips():
    with pytest.raises(ValueError, match=r"\(1, 1\) is not the Ethernet chip"):
        VirtualBoard(Machine.boards(3), ethernet_hosts={(1, 1): "127.0.2.9"})
