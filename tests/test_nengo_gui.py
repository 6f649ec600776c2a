"""nengo_gui with spinnc as its backend (``nengo -b spinnc model.py``),
driven in headless Chromium through the DevTools protocol: press play, move
a slider, and read the plotted value back; on the emulator, and on a virtual
board (SPINNC_TARGET=board), where the host answers the board live."""

import os
import socket
import subprocess
import sys
import time

import pytest

from spinnc.machine import Machine
from spinnc.virtual_board.board import serve

from .chromium import Chromium

pytest.importorskip("nengo_gui")

MODEL = '''
import nengo

with nengo.Network(seed=2) as model:
    stim = nengo.Node([0.0], label="stim")
    ens = nengo.Ensemble(100, 1, label="ens")
    nengo.Connection(stim, ens)
'''
#: nengo_gui's layout file: a slider on the node, a value plot of the ensemble.
LAYOUT = '''
_viz_0 = nengo_gui.components.Slider(stim)
_viz_config[_viz_0].label_visible = True
_viz_config[_viz_0].width = 0.1
_viz_config[_viz_0].height = 0.2
_viz_config[_viz_0].x = 0.1
_viz_config[_viz_0].y = 0.2
_viz_config[_viz_0].min_value = -1
_viz_config[_viz_0].max_value = 1
_viz_1 = nengo_gui.components.Value(ens)
_viz_config[_viz_1].label_visible = True
_viz_config[_viz_1].width = 0.2
_viz_config[_viz_1].height = 0.2
_viz_config[_viz_1].x = 0.5
_viz_config[_viz_1].y = 0.2
_viz_config[_viz_1].min_value = -1
_viz_config[_viz_1].max_value = 1
_viz_config[_viz_1].synapse = 0.01
_viz_config[_viz_1].show_legend = False
_viz_config[_viz_1].legend_labels = ['']
'''
VALUE = "Nengo.Component.components.find(c => c instanceof Nengo.Value)"
SLIDER = "Nengo.Component.components.find(c => c instanceof Nengo.Slider)"
#: The value plot's last point: [time, value].
LAST = (f"(() => {{ const d = {VALUE}.data_store; const n = d.times.length;"
        " return n ? [d.times[n - 1], d.data[0][n - 1]] : null; })()")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gui(tmp_path, env=None):
    """The nengo_gui server on the model, with spinnc as the backend (in the
    environment ``env`` adds to): its URL."""
    (tmp_path / "slider.py").write_text(MODEL)
    (tmp_path / "slider.py.cfg").write_text(LAYOUT)
    log = tmp_path / "nengo_gui.log"  # a file: a pipe nobody reads would block the server
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "nengo_gui.main", "-b", "spinnc", "--no-browser",
             "-P", str(free_port()), "--auto-shutdown", "0", str(tmp_path / "slider.py")],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 60
        while "token=" not in log.read_text():
            if server.poll() is not None:
                pytest.fail(f"nengo_gui exited with {server.returncode}: {log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"nengo_gui printed no URL: {log.read_text()}")
            time.sleep(0.1)
        yield next(w for w in log.read_text().split() if "token=" in w)
    finally:
        server.kill()
        server.wait(10)


@pytest.fixture
def gui(tmp_path):
    yield from start_gui(tmp_path)


@pytest.fixture
def board_gui(tmp_path):
    """The GUI with spinnc running the model on a virtual board."""
    board = serve(Machine.spinn5(), port=0, boot_port=0, booted=True)
    host, port = board.address
    try:
        for url in start_gui(tmp_path, {"SPINNC_TARGET": "board",
                                        "SPINNC_HOST": f"{host}:{port}",
                                        "SPINNC_HORIZON": "120000"}):
            yield url, board
    finally:
        board.close()


def test_a_slider_moves_the_plotted_value(gui, tmp_path):
    follow_the_slider(gui, tmp_path)


def test_a_slider_moves_the_plotted_value_on_a_board(board_gui, tmp_path):
    url, board = board_gui
    follow_the_slider(url, tmp_path)
    # the board ran it, answered live each tick (nengo_gui paces it to real time)
    assert board.live.answers > 300 and board.live.to_host > 300
    log = (tmp_path / "nengo_gui.log").read_text()
    assert "Traceback" not in log, log


def follow_the_slider(url, tmp_path):
    with Chromium(tmp_path / "chromium-profile") as page:
        page.open(url)
        page.wait_for("Nengo.Component.components.length >= 2", 60, "the slider and plot")
        page.wait_for(f"{SLIDER}.sim.ws.readyState === WebSocket.OPEN", 60,
                      "the simulation control's connection")
        # built and paused: the play button enabled (while building it is a cog)
        page.wait_for(f"{SLIDER}.sim.paused === true && "
                      "!document.getElementById('pause_button').disabled", 120,
                      "the model built, paused")
        page.evaluate("document.getElementById('pause_button').click()")  # play
        # The server's next status says running (one sent before it took the
        # click can still say paused for a moment).
        page.wait_for(f"!{SLIDER}.sim.paused && document.getElementById('pause_button')"
                      ".querySelector('.glyphicon-pause') !== null", 60,
                      "the simulation running after play")
        before = page.wait_for(f"{LAST} && {LAST}[0] > 0.1 && {LAST}", 60,
                               "the value plot showing 0.1 s")
        assert abs(before[1]) < 0.25  # the slider starts at 0
        page.evaluate(f"{SLIDER}.sliders[0].set_value(0.8)")  # as a drag ends
        after = page.wait_for(f"{LAST} && {LAST}[1] > 0.6 && {LAST}", 60,
                              "the plotted value following the slider")
        assert after[0] > before[0]
        page.evaluate(f"{SLIDER}.sliders[0].set_value(-0.5)")
        back = page.wait_for(f"{LAST} && {LAST}[1] < -0.3 && {LAST}", 60,
                             "the plotted value following the slider back")
        assert back[0] > after[0]
