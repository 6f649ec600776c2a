"""The spinnc command against the virtual board: serve, boot and run --target board."""

import json
import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest

from spinnc import Simulator, cli
from spinnc.virtual_board.board import serve
from spinnc.machine import Machine
from spinnc.modelfile import load_model
from spinnc.runner import run_model

CHANNEL = str(Path(__file__).resolve().parent.parent / "examples" / "channel.py")


@pytest.fixture
def board():
    started = serve(Machine.spinn5(), port=0, boot_port=0, booted=True)
    yield started
    started.close()


def test_run_on_the_board_records_what_the_emulator_records(board, tmp_path, capsys):
    host, port = board.address
    out = tmp_path / "report"
    assert cli.main(["run", CHANNEL, "--target", "board", f"{host}:{port}", "--duration", "0.2",
                     "--placer", "hilbert", "--seed", "1", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"on the board at {host}:{port}" in printed and "0 retries" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["target"] == "board"
    assert summary["board"]["retries"] == 0 and summary["board"]["datagrams"] > 0
    assert summary["board"]["max_tries"] == 1 <= summary["board"]["tries_allowed"]
    # The same model compiled the same way and emulated here: identical samples.
    model = load_model(CHANNEL)
    with Simulator(model, seed=1, machine=Machine.spinn5(), placer="hilbert", horizon=200,
                   progress_bar=False) as sim:
        sim.run_steps(200)
        probes = np.load(out / "probes.npz")
        for probe in model.all_probes:
            name = sim.compilation.graph.name_of(probe)
            assert np.array_equal(probes[f"probe:{name}"], sim.data[probe]), name


def test_board_target_maps_onto_the_machine_the_board_reports(tmp_path):
    three = serve(Machine.spinn3(), port=0, boot_port=0, booted=True)
    try:
        host, port = three.address
        result = run_model(load_model(CHANNEL), None, 0.05, seed=1, placer="hilbert",
                           target="board", host=host, port=port)
    finally:
        three.close()
    assert (result.summary["machine"]["width"], result.summary["machine"]["height"]) == (2, 2)
    assert result.summary["machine"]["chips"] == 4


def test_board_target_with_loss_gives_the_same_samples_and_counts_retries():
    # Each lost datagram costs a 1 s timeout: a few per cent keeps the test short.
    lossy = serve(Machine.spinn5(), port=0, boot_port=0, booted=True, loss=0.03, seed=3)
    try:
        host, port = lossy.address
        model = load_model(CHANNEL)
        on_board = run_model(model, Machine.spinn5(), 0.02, seed=1, placer="hilbert",
                             target="board", host=host, port=port)
    finally:
        lossy.close()
    emulated = run_model(model, Machine.spinn5(), 0.02, seed=1, placer="hilbert")
    assert on_board.summary["board"]["retries"] > 0
    for name, data in emulated.recordings.items():
        assert np.array_equal(on_board.recordings[name], data), name


def test_a_board_that_does_not_answer_is_a_one_line_error(tmp_path, capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # takes datagrams, answers none
        port = silent.getsockname()[1]
        code = cli.main(["run", CHANNEL, "--target", "board", f"127.0.0.1:{port}",
                         "--machine", "spinn3", "--duration", "0.01", "--placer", "hilbert",
                         "--out", str(tmp_path), "--quiet"])
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith("spinnc: error: ") and "127.0.0.1" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("target", [["board"], ["board", "host:port"], ["chip"]])
def test_a_bad_target_is_a_one_line_error(target, tmp_path, capsys):
    code = cli.main(["run", CHANNEL, "--target", *target, "--out", str(tmp_path), "--quiet"])
    assert code == 1
    assert "give 'emulator' or 'board HOST[:PORT]'" in capsys.readouterr().err


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_board_serve_and_boot_through_the_console_script(tmp_path):
    command = shutil.which("spinnc")
    assert command, "the spinnc console script is not on PATH (pip install -e .)"
    port, boot_port = free_udp_port(), free_udp_port()
    server = subprocess.Popen([command, "board", "serve", "--machine", "spinn3", "--port",
                               str(port), "--boot-port", str(boot_port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        assert f"serving SC&MP 4.0 on 127.0.0.1:{port}" in banner
        assert f"waiting for boot on UDP {boot_port}" in banner
        booted = subprocess.run([command, "board", "boot", f"127.0.0.1:{port}", "--boot-port",
                                 str(boot_port)], capture_output=True, text=True, timeout=60)
        assert booted.returncode == 0, booted.stderr
        assert "booted in" in booted.stdout and "4.0.0" in booted.stdout
        ran = subprocess.run([command, "run", CHANNEL, "--target", "board", f"127.0.0.1:{port}",
                              "--duration", "0.05", "--placer", "hilbert", "--out",
                              str(tmp_path / "report")], capture_output=True, text=True,
                             timeout=300)
        assert ran.returncode == 0, ran.stderr
        assert "board load" in ran.stderr  # the stages of a board run
    finally:
        server.terminate()
        server.wait(timeout=10)


LIVE_MODEL = '''
import nengo

knob = {"value": 0.4}  # state outside the model: the node is live
with nengo.Network(seed=2) as model:
    reading = nengo.Node(lambda t: knob["value"], label="knob")
    motor = nengo.Ensemble(60, 1, label="motor")
    nengo.Connection(reading, motor)
    doubled = nengo.Node(lambda t, x: 2 * x, size_in=1, label="doubled")
    nengo.Connection(motor, doubled, synapse=0.01)
    nengo.Probe(motor, synapse=0.01, label="motor")
    nengo.Probe(doubled, label="doubled")
'''


def test_run_on_the_board_answers_live_nodes_and_reports_the_latency(board, tmp_path, capsys):
    model_file = tmp_path / "live.py"
    model_file.write_text(LIVE_MODEL)
    host, port = board.address
    out = tmp_path / "report"
    assert cli.main(["run", str(model_file), "--target", "board", f"{host}:{port}",
                     "--duration", "0.1", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "live host I/O: 200 ticks answered, 0 lost; latency" in printed
    live = json.loads((out / "summary.json").read_text())["board"]["live"]
    assert live["ticks_answered"] == 200 and live["ticks_lost"] == 0
    assert live["latency_ms_max"] >= live["latency_ms_mean"] > 0
    probes = np.load(out / "probes.npz")
    assert abs(probes["probe:doubled"][-20:].mean() - 0.8) < 0.15  # 2 x the knob, live
