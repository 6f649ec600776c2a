"""BoardEmulator: a board behind the emulator's interface."""

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.demo import demo_model
from spinnc.errors import SpinncError
from spinnc.firmware_sim import Emulator
from spinnc.host.target import BoardEmulator
from spinnc.machine import Machine


def test_partial_runs_hold_what_the_emulator_holds_after_the_same_ticks(virtual_board):
    model = demo_model(0)
    with model:  # a probe sampled every 3 ticks: its rows are cut by its own period
        nengo.Probe(model.ensembles[0], synapse=0.01, sample_every=0.003, label="x slow")
    image = compile_network(model, Machine.spinn5(), n_steps=100, seed=0).image
    board = BoardEmulator(image, *virtual_board().address)
    emulator = Emulator(image)
    assert all(len(data) == 0 for data in board.recordings().values())
    assert board._run is None  # nothing asked of the board before a tick has run
    for steps in (1, 40, 59):
        board.run(steps)
        emulator.run(steps)
        expected = emulator.recordings()
        got = board.recordings()
        assert got.keys() == expected.keys()
        for name in expected:
            assert np.array_equal(got[name], expected[name]), (steps, name)
    assert board.provenance().cores == emulator.provenance().cores
    with pytest.raises(SpinncError, match="records 100 ticks; 100 have run"):
        board.run(1)


def test_host_functions_run_all_ticks_at_once_before_anything_is_sent():
    with nengo.Network(seed=0) as model:
        a = nengo.Ensemble(20, 1, label="a")
        live = nengo.Node(lambda t, x: x, size_in=1, label="live")
        nengo.Connection(a, live)
        nengo.Connection(live, a)
    image = compile_network(model, Machine.spinn3(), n_steps=10, seed=0).image
    board = BoardEmulator(image, "127.0.0.1", 9)
    with pytest.raises(SpinncError, match="in one go, all its 10 ticks"):
        board.run(5, host=lambda name, t, x: x)
    with pytest.raises(SpinncError, match="pass host_call"):
        board.run(10)
    assert board._run is None and board.t == 0


def test_a_failed_run_is_not_repeated_when_asked_again():
    """A board that never answers costs one run's timeouts, however often the
    results are asked for (a Simulator asks for recordings and provenance)."""
    import socket

    from spinnc.errors import ProtocolTimeout

    from ..firmware_sim.images import source_to_recorder

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        image = source_to_recorder(np.zeros((1, 1)), {})
        board = BoardEmulator(image, "127.0.0.1", silent.getsockname()[1], timeout=0.02,
                              retries=1)
        board.run(5)
        with pytest.raises(ProtocolTimeout) as first:
            board.recordings()
        silent.settimeout(0)
        sent = 0
        while True:  # what the one run sent
            try:
                silent.recv(1024)
                sent += 1
            except BlockingIOError:
                break
        with pytest.raises(ProtocolTimeout) as again:
            board.provenance()
        assert again.value is first.value and sent == 2
        with pytest.raises(BlockingIOError):
            silent.recv(1024)  # nothing more was sent
