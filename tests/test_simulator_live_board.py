"""A Simulator's live run on a board as nengo_gui drives it: chosen through
the environment, run in one ``run_steps(max_steps)`` on a thread of its own,
stopped by closing; and nodes the machine neither feeds nor reads (the
GUI's clock) called every tick there, as nengo calls them."""

import pathlib
import subprocess
import sys
import threading
import time

import nengo
import pytest
from nengo.exceptions import ValidationError

import spinnc
from spinnc.machine import Machine
from spinnc.simulator import LiveRunStopped, from_environment
from spinnc.virtual_board.board import serve


@pytest.fixture
def board():
    started = serve(Machine.spinn5(), port=0, boot_port=0, booted=True)
    yield started
    started.close()


def network(clock: list, seen: list | None = None) -> nengo.Network:
    """A clock node of no input and output; with ``seen``, a value node too."""
    with nengo.Network(seed=2) as net:
        nengo.Node(lambda t: clock.append(t), size_out=0, label="clock")
        ens = nengo.Ensemble(50, 1)
        if seen is not None:
            stim = nengo.Node(lambda t: 0.5)
            nengo.Connection(stim, ens)
            out = nengo.Node(lambda t, x: seen.append(t), size_in=1, label="plot")
            nengo.Connection(ens, out)
        nengo.Probe(ens)
    return net


@pytest.mark.parametrize("with_cores", [True, False], ids=["beside cores", "no cores"])
def test_a_node_without_a_core_is_called_every_tick(board, with_cores):
    host, port = board.address
    clock, seen = [], []
    net = network(clock, seen if with_cores else None)
    with spinnc.Simulator(net, target="board", host=host, port=port,
                          progress_bar=False) as sim:
        sim.run_steps(150)
        live = sim.board_run().live
    assert clock == pytest.approx([0.001 * (i + 1) for i in range(150)])
    assert live["ticks_lost"] == 0
    if with_cores:
        assert live["ticks_answered"] == 150


def test_the_environment_picks_a_board_and_its_live_run(board, monkeypatch):
    host, port = board.address
    monkeypatch.setenv("SPINNC_TARGET", "board")
    monkeypatch.setenv("SPINNC_HOST", f"{host}:{port}")
    monkeypatch.setenv("SPINNC_HORIZON", "100000")
    clock, seen = [], []
    sim = spinnc.Simulator(network(clock, seen), progress_bar=False)
    assert (sim.target, sim.host, sim.port, sim.max_steps) == ("board", host, port, 100000)
    failed = []

    def run():  # as nengo_gui's runner thread does
        try:
            sim.run_steps(sim.max_steps)
        except Exception as error:
            failed.append(error)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    deadline = time.monotonic() + 60
    while len(seen) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(seen) >= 200, "the live run did not start"
    start = time.monotonic()
    sim.close()
    assert time.monotonic() - start < 5
    runner.join(5)
    assert not runner.is_alive()
    assert len(failed) == 1 and isinstance(failed[0], LiveRunStopped), failed
    assert "closed" in str(failed[0])
    assert_stopped(board)


def assert_stopped(board):
    """The board's cores send nothing more (through the tag, or without it),
    once the stop has reached them."""
    time.sleep(0.5)
    sent = board.live.to_host + board.live.no_tag
    time.sleep(0.3)
    assert board.live.to_host + board.live.no_tag == sent


EXITING = """
import threading, time, nengo, spinnc
from tests.test_simulator_live_board import network
seen = []
sim = spinnc.Simulator(network([], seen), target="board", host={host!r}, port={port},
                       progress_bar=False, horizon=100000)
threading.Thread(target=sim.run_steps, args=(sim.max_steps,), daemon=True).start()
while len(seen) < 100:
    time.sleep(0.01)
print("running", flush=True)
"""  # then the interpreter exits, its run on a daemon thread (nengo_gui's server)


def test_the_interpreters_exit_stops_a_live_run(board, tmp_path):
    host, port = board.address
    done = subprocess.run([sys.executable, "-c", EXITING.format(host=host, port=port)],
                          capture_output=True, text=True, timeout=120,
                          cwd=pathlib.Path(__file__).parent.parent)
    assert done.returncode == 0 and "running" in done.stdout, done.stderr
    assert board.live.to_host >= 100
    assert_stopped(board)


def test_only_a_live_run_on_a_board_has_max_steps(board):
    host, port = board.address
    assert not hasattr(spinnc.Simulator(network([], []), progress_bar=False), "max_steps")
    with nengo.Network() as quiet:  # nothing live: a board runs it a run() at a time
        nengo.Probe(nengo.Ensemble(10, 1))
    assert not hasattr(spinnc.Simulator(quiet, target="board", host=host, port=port,
                                        progress_bar=False), "max_steps")
    live = spinnc.Simulator(network([], []), target="board", host=host, port=port,
                            progress_bar=False, dt=0.002)
    assert live.max_steps == 300_000  # LIVE_SECONDS (600 s) of 2 ms steps


def test_environment_values(monkeypatch):
    monkeypatch.delenv("SPINNC_TARGET", raising=False)
    monkeypatch.delenv("SPINNC_HORIZON", raising=False)
    monkeypatch.setenv("SPINNC_HOST", "board.example")
    assert from_environment(None, None, None, None) == ("emulator", None, None, None)
    assert from_environment("board", None, None, None) == ("board", "board.example", None,
                                                           None)
    # what the caller gives wins
    assert from_environment("board", "other", 5, 7) == ("board", "other", 5, 7)
    monkeypatch.setenv("SPINNC_HOST", "10.0.0.2:17894")
    assert from_environment("board", None, None, None)[1:3] == ("10.0.0.2", 17894)
    monkeypatch.setenv("SPINNC_HOST", "10.0.0.2:port")
    with pytest.raises(ValidationError, match="SPINNC_HOST.*port"):
        from_environment("board", None, None, None)
    monkeypatch.setenv("SPINNC_TARGET", "chip")
    with pytest.raises(ValidationError, match="SPINNC_TARGET"):
        from_environment(None, None, None, None)
    monkeypatch.setenv("SPINNC_TARGET", "emulator")
    monkeypatch.setenv("SPINNC_HORIZON", "-3")
    with pytest.raises(ValidationError, match="SPINNC_HORIZON"):
        from_environment(None, None, None, None)
