"""At 30% loss each way a board run either completes bit for bit or ends in
a clear timeout (the command, the chip, host:port, the tries and what the
run had sent); the run's statistics say what it resent and how close it came
to giving up."""

import re

import numpy as np
import pytest

from spinnc.errors import ProtocolTimeout
from spinnc.firmware_sim import Emulator
from spinnc.host.loader import run_image
from spinnc.machine import Machine

from ..firmware_sim.images import KEY, core_route, source_to_recorder, table

ALL = 0xFFFFFFFF
IMAGE = source_to_recorder((np.arange(20) / 32)[:, None],
                           {(0, 0): table((KEY, ALL, core_route(2)))}, Machine.spinn3(),
                           n_steps=20)
TIMEOUT = re.compile(r"no reply to (?P<what>.+) on (the Ethernet chip|chip \(\d+, \d+\))"
                     r"( core \d+)? from 127\.0\.0\.1:(?P<port>\d+) after (?P<tries>\d+) "
                     r"tries \(0\.05 s each\).*\(this run had sent [\d,]+ datagrams, [\d,]+ "
                     r"of them resends after [\d,]+ timeouts\)")


def expected():
    emulator = Emulator(IMAGE)
    emulator.run()
    return emulator.recordings()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thirty_percent_loss_each_way_is_exact_or_a_clear_timeout(virtual_board, seed):
    vboard = virtual_board(Machine.spinn3(), loss=0.3, seed=seed)
    try:
        run = run_image(IMAGE, *vboard.address, timeout=0.05)
    except ProtocolTimeout as error:
        match = TIMEOUT.search(str(error))
        assert match and int(match["port"]) == vboard.address[1], error
        assert int(match["tries"]) == 11
        return
    want = expected()
    assert run.recordings.keys() == want.keys()
    for name in want:
        assert np.array_equal(run.recordings[name], want[name]), name
    s = run.stats
    assert vboard.counts.dropped > 0 and s.retries > 0 and s.timeouts > 0
    assert s.datagrams > s.retries and 1 < s.max_tries <= s.tries_allowed == 11
    assert s.summary()["retries"] == s.retries


def test_loss_beyond_the_retries_is_a_timeout_naming_the_request(virtual_board):
    vboard = virtual_board(Machine.spinn3(), loss=0.3, seed=4)
    with pytest.raises(ProtocolTimeout) as raised:
        run_image(IMAGE, *vboard.address, timeout=0.05, retries=1)
    match = TIMEOUT.search(str(raised.value))
    assert match and int(match["tries"]) == 2, raised.value


def test_a_clean_run_needs_one_try_per_request(virtual_board):
    run = run_image(IMAGE, *virtual_board(Machine.spinn3()).address)
    assert (run.stats.retries, run.stats.timeouts, run.stats.max_tries) == (0, 0, 1)
    assert run.stats.tries_allowed == 11 and run.stats.cleared == 0
