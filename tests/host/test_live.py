"""Live host I/O on a (virtual) board: host functions answered each tick over
IP tags and reverse IP tags, bit-exact with the emulator when the host keeps
up, and what happens when it does not, raises, or asks too much."""

import socket
import time

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.compiler import compile_network
from spinnc.errors import DoesNotFit, SpinncError
from spinnc.firmware_sim import Emulator
from spinnc.formats import host_io
from spinnc.frontend.nodes import NodeFunctionError
from spinnc.host import BoardController
from spinnc.host.loader import run_image
from spinnc.machine import Machine


def live_model(fail_at=None):
    """A live node (its own state: not a function of time) into an ensemble,
    whose value a host function squares into a second ensemble."""
    state = {"calls": 0}

    def slider(t):
        state["calls"] += 1
        if fail_at is not None and state["calls"] == fail_at:
            raise RuntimeError("the slider broke")
        return 0.8 if state["calls"] > 100 else -0.3

    with nengo.Network(seed=3) as net:
        u = nengo.Node(slider, label="slider")
        a = nengo.Ensemble(60, 1, label="a")
        nengo.Connection(u, a)
        square = nengo.Node(lambda t, x: x ** 2, size_in=1, label="square")
        nengo.Connection(a, square, synapse=0.01)
        b = nengo.Ensemble(60, 1, label="b")
        nengo.Connection(square, b)
        probes = [nengo.Probe(a, synapse=0.02), nengo.Probe(b, synapse=0.02),
                  nengo.Probe(square), nengo.Probe(u)]
    return net, probes, state


def run(target, steps=300, **options):
    net, probes, state = live_model()
    with spinnc.Simulator(net, machine=Machine.spinn3(), progress_bar=False, target=target,
                          **options) as sim:
        sim.run_steps(steps)
        return [np.array(sim.data[p]) for p in probes], state, sim.board_run()


@pytest.mark.parametrize("engine", ["python", "arm"])
def test_live_nodes_on_a_board_equal_the_emulator(virtual_board, engine):
    if engine == "arm":
        pytest.importorskip("unicorn")
    emulated, emulated_state, _ = run("emulator")
    board = virtual_board(Machine.spinn3(), engine=engine)
    on_board, state, board_run = run("board", host=board.address[0], port=board.address[1])
    for got, expected in zip(on_board, emulated):
        assert np.array_equal(got, expected)
    # once a step, never past the run (and once when nengo made the Node)
    assert state["calls"] == emulated_state["calls"] == 1 + 300
    assert on_board[0][-1, 0] > 0.6  # the slider moved the decoded value
    live = board_run.live
    assert live["ticks_answered"] == 600 and live["ticks_lost"] == live["malformed"] == 0
    assert 0 < live["latency_ms_mean"] <= live["latency_ms_max"]
    assert board.live.answers == 600 and board.live.late == 0
    with BoardController(*board.address) as c:  # the run's tags are gone
        assert not any(c.iptag_get(tag).in_use for tag in range(host_io.N_TAGS))


def test_a_second_run_is_refused_and_runs_are_compiled_for_their_steps(virtual_board):
    board = virtual_board(Machine.spinn3())
    net, probes, state = live_model()
    with spinnc.Simulator(net, machine=Machine.spinn3(), progress_bar=False, target="board",
                          host=board.address[0], port=board.address[1]) as sim:
        sim.run_steps(50)  # shorter than the first horizon: recompiled for 50
        assert state["calls"] == 1 + 50
        assert sim.data[probes[0]].shape == (50, 1)
        with pytest.raises(SpinncError, match="during one run: 50 steps have run"):
            sim.run_steps(10)


def test_a_raising_node_stops_the_run_naming_it_with_its_traceback(virtual_board):
    board = virtual_board(Machine.spinn3())
    net, probes, state = live_model(fail_at=40)
    with spinnc.Simulator(net, machine=Machine.spinn3(), progress_bar=False, target="board",
                          host=board.address[0], port=board.address[1]) as sim:
        with pytest.raises(NodeFunctionError, match="slider") as raised:
            sim.run_steps(300)
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert state["calls"] == 40  # stopped there: not called on (call 1 was nengo's)
    board.wait_runs(5)
    assert board.counts.runs_stopped == 1
    # the board is free again: the next run goes through
    again, _, _ = run("board", steps=20, host=board.address[0], port=board.address[1])
    assert again[0].shape == (20, 1)


def test_a_late_host_is_counted_and_the_core_resends(virtual_board):
    """A host slower than the board's wait: those ticks go on without the
    answer (counted late on the board, the core resending its last one), the
    answers that come after their tick are dropped as stale."""
    net, probes, state = live_model()
    image = compile_network(net, Machine.spinn3(), n_steps=60, seed=0).image
    board = virtual_board(Machine.spinn3(), answer_timeout=0.02)
    calls = []

    def host_call(name, t, x):
        calls.append((name, t))
        if 20 <= len(calls) <= 22:
            time.sleep(0.1)
        return [0.5] if name == "slider" else x ** 2

    result = run_image(image, *board.address, host_call=host_call)
    assert board.live.late >= 1 and board.live.stale >= 1
    assert board.live.answers + board.live.late == 2 * 60
    emulated = Emulator(image)
    emulated.run(host=lambda name, t, x: [0.5] if name == "slider" else x ** 2)
    assert any(not np.array_equal(result.recordings[n], emulated.recordings()[n])
               for n in emulated.recordings())
    assert result.live["ticks_answered"] + result.live["ticks_lost"] == 2 * 60


def test_datagrams_that_are_not_answers_are_counted_and_ignored(virtual_board):
    net, probes, state = live_model()
    image = compile_network(net, Machine.spinn3(), n_steps=40, seed=0).image
    board = virtual_board(Machine.spinn3())
    sent = []

    def host_call(name, t, x):
        if not sent:  # junk at every reverse tag's port, mid-run
            with BoardController(*board.address) as c:
                for tag in range(host_io.FIRST_INPUT_TAG, host_io.N_TAGS):
                    entry = c.iptag_get(tag)
                    if entry.in_use:
                        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                            s.sendto(b"\x01\x02junk", (board.address[0], entry.rx_port))
                            sent.append(entry.rx_port)
        return [0.5] if name == "slider" else x ** 2

    result = run_image(image, *board.address, host_call=host_call)
    assert len(sent) == 2
    emulated = Emulator(image)
    emulated.run(host=lambda name, t, x: [0.5] if name == "slider" else x ** 2)
    for name, expected in emulated.recordings().items():
        assert np.array_equal(result.recordings[name], expected), name
    assert board.live.malformed == 2 and board.live.late == 0


def test_more_live_nodes_than_reverse_tags_is_one_clear_error(virtual_board):
    knobs = {}  # set from outside while running: live nodes
    with nengo.Network(seed=0) as net:
        ens = nengo.Ensemble(20, 1, label="ens")
        for i in range(host_io.MAX_INPUT_TAGS + 1):
            nengo.Connection(nengo.Node(lambda t, i=i: knobs.get(i, 0.0), label=f"knob{i}"),
                             ens)
    board = virtual_board(Machine.spinn3())
    with spinnc.Simulator(net, machine=Machine.spinn3(), progress_bar=False, target="board",
                          host=board.address[0], port=board.address[1]) as sim:
        with pytest.raises(DoesNotFit, match=r"7 host functions answer the machine .*knob0.*"
                                             r"6 for them: combine host nodes"):
            sim.run_steps(5)
    assert board.counts.runs == 0 and board.counts.requests == 0  # refused before loading


def test_a_board_port_in_use_moves_the_reverse_tag_to_the_next(virtual_board):
    from spinnc.host import live

    board = virtual_board(Machine.spinn3())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        try:  # someone else's port on the board's host (or already another program's)
            taken.bind((board.address[0], live.RX_PORT_BASE))
        except OSError:
            pass
        on_board, _, board_run = run("board", steps=30, host=board.address[0],
                                     port=board.address[1])
    emulated, _, _ = run("emulator", steps=30)
    for got, expected in zip(on_board, emulated):
        assert np.array_equal(got, expected)
    assert board.counts.rejected.get("BUF", 0) >= 1  # the taken port, refused
    assert board_run.live["ticks_lost"] == 0
