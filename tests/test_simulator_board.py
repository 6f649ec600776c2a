"""spinnc.Simulator(target="board"): a nengo model over the host protocol."""

import numpy as np
import pytest
from nengo.exceptions import ValidationError

import spinnc
from spinnc.demo import demo_model
from spinnc.virtual_board.board import serve
from spinnc.machine import Machine


@pytest.fixture
def board():
    started = serve(Machine.spinn5(), port=0, boot_port=0, booted=True)
    yield started
    started.close()


def test_probes_equal_the_emulator_target_after_several_runs(board):
    host, port = board.address
    model = demo_model(0)
    with spinnc.Simulator(model, seed=1, placer="hilbert", progress_bar=False) as emulated:
        emulated.run(0.1)
        emulated.run(0.05)
    with spinnc.Simulator(model, seed=1, placer="hilbert", progress_bar=False,
                          target="board", host=host, port=port) as on_board:
        on_board.run(0.1)
        assert on_board.data[model.probes[1]].shape == (100, 1)
        on_board.run(0.05)
        assert on_board.machine == Machine.spinn5()  # what the board reported
        assert on_board.provenance().packets_sent > 0
    for probe in model.probes:
        assert np.array_equal(on_board.data[probe], emulated.data[probe]), probe.label
    assert np.array_equal(on_board.trange(), emulated.trange())


@pytest.mark.parametrize("options, attr", [({"target": "chip"}, "target"),
                                           ({"target": "board"}, "host"),
                                           ({"target": "board", "host": "127.0.0.1",
                                             "precision": "float"}, "precision")])
def test_bad_target_options_are_validation_errors(options, attr):
    with pytest.raises(ValidationError, match=attr):
        spinnc.Simulator(demo_model(0), progress_bar=False, **options)


def test_a_board_gives_back_what_its_cores_learned(board):
    from tests.learning.test_pes import channel

    host, port = board.address
    net = channel()
    conn = next(c for c in net.all_connections if c.learning_rule_type is not None)
    with spinnc.Simulator(net, seed=1, progress_bar=False, horizon=200) as emulated:
        emulated.run_steps(200)
    with spinnc.Simulator(net, seed=1, progress_bar=False, horizon=200, target="board",
                          host=host, port=port) as on_board:
        on_board.run_steps(100)
        with pytest.raises(spinnc.errors.SpinncError, match="probe it instead"):
            on_board.data[conn]
        on_board.run_steps(100)
        learned = on_board.data[conn].weights
    assert np.array_equal(learned, emulated.data[conn].weights)
    assert not np.allclose(learned, on_board.model.params[conn].weights)
