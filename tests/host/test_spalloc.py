"""spinnc against the real spalloc-server (PyPI 1!7.0.0), started on loopback
with a frame of three virtual boards: the server powers the boards through
the frame's virtual BMP (SpiNNMan's BMP requests), spinnc asks for a job,
waits, boots, runs and frees it."""

import argparse
import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from spinnc import Simulator, cli
from spinnc.errors import ProtocolTimeout, SpallocError, SpinncError
from spinnc.firmware_sim import Emulator
from spinnc.formats.bmp import VERSION_TEXT, BMPCommand
from spinnc.formats.scp import Command, ReturnCode, parse_scp, request
from spinnc.host.spalloc import JobState, SpallocClient, SpallocJob
from spinnc.virtual_board import VirtualBoard
from spinnc.virtual_board.board import serve_forever
from spinnc.virtual_board.bmp import VirtualBMP

from ..three_boards import chain, three_small_boards

# Found, not imported: importing spalloc_server opens a job log in the directory.
if importlib.util.find_spec("spalloc_server") is None:
    pytest.skip("spalloc-server is not installed (pip install -e '.[interop]')",
                allow_module_level=True)

# Linux answers on all of 127.0.0.0/8: each board and the BMP get an address
# of their own at the ports a real frame uses.
BOARD_IPS = ("127.0.1.1", "127.0.1.2", "127.0.1.3")
BMP_IP = "127.0.1.100"

# One triad (x=0, y=0, z=0..2) in cabinet 0, frame 0.  spalloc's z=1 board is
# at chip (8, 4) and z=2 at (4, 8): the virtual BMP's boards 2 and 1
# (Machine.boards lists Ethernet chips in (x, y) order).
CONFIG = """
from spalloc_server.configuration import Configuration, Machine
configuration = Configuration(
    ip="127.0.0.1", timeout_check_interval=0.5, seconds_before_free=1,
    machines=[Machine(name="virtual", width=1, height=1,
                      board_locations={{(0, 0, 0): (0, 0, 0), (0, 0, 1): (0, 0, 2),
                                       (0, 0, 2): (0, 0, 1)}},
                      bmp_ips={{(0, 0): "{bmp}"}},
                      spinnaker_ips={{(0, 0, z): ip for z, ip in enumerate({ips!r})}})])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def frame(tmp_path):
    """(virtual board, BMP, spalloc server port): the frame's boards start off."""
    # each board answers at its own address, as spalloc lists them
    board = VirtualBoard(three_small_boards(), host=BOARD_IPS[0], boot_delay=0.05,
                         ethernet_hosts={(8, 4): BOARD_IPS[1], (4, 8): BOARD_IPS[2]}).start()
    bmp = VirtualBMP(board, host=BMP_IP).start()
    port = free_port()
    config = tmp_path / "spalloc.cfg"
    config.write_text(CONFIG.format(bmp=BMP_IP, ips=BOARD_IPS))
    server = subprocess.Popen([sys.executable, "-m", "spalloc_server.server", str(config),
                               "--cold-start", "-q", "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                SpallocClient("127.0.0.1", port, timeout=5).close()
                break
            except SpallocError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.terminate()
                    raise RuntimeError(f"spalloc-server did not start: "
                                       f"{server.communicate()[1].decode()}") from None
                time.sleep(0.2)
        yield board, bmp, port
    finally:
        server.terminate()
        server.wait(10)
        bmp.close()
        board.close()


def jobs(port) -> list:
    client = SpallocClient("127.0.0.1", port)
    try:
        return client.call("list_jobs")
    finally:
        client.close()


def test_a_model_runs_across_three_boards_of_a_spalloc_job(frame):
    board, bmp, port = frame
    net = chain()
    with Simulator(net, target="spalloc", host="127.0.0.1", port=port, boards=3,
                   progress_bar=False) as sim:
        job = sim.spalloc_job
        assert job.machine.root == BOARD_IPS[0] and len(job.machine.hosts) == 3
        assert board.unpowered == set() and bmp.power_commands >= 1
        sim.run(0.3)
        used = {sim.machine.ethernet_chip(c.x, c.y) for c in sim.compilation.image.cores}
        assert used == set(sim.machine.ethernet_chips)  # every board has cores of the model
        assert sim.data[net.probe].shape == (300, 1)  # read back from the boards
        assert sim.board_run().stats.boards == 3  # each through its own Ethernet chip
        assert sorted(board.counts.by_board) == [0, 1, 2]
        expected = Emulator(sim.compilation.image)
        expected.run(sim.n_steps)
        for probe in (net.probe, net.spikes):
            name = sim.compilation.graph.name_of(probe)
            assert np.array_equal(sim.board_run().recordings[name][:sim.n_steps],
                                  expected.recordings()[name])
        assert [j["job_id"] for j in jobs(port)] == [job.id]
    assert jobs(port) == []  # freed by close
    assert wait_for(lambda: board.unpowered == {0, 1, 2})  # and powered off by the server


def wait_for(condition, seconds=10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_job_waits_in_the_queue_until_the_boards_are_free(frame):
    _, _, port = frame
    states = []
    with SpallocJob("127.0.0.1", port, 3, owner="someone else") as holder:
        def free_when_queued():
            wait_for(lambda: JobState.QUEUED in states, 30)
            holder.close()

        threading.Thread(target=free_when_queued, daemon=True).start()
        with SpallocJob("127.0.0.1", port, 3, on_state=lambda job, s: states.append(s)) as job:
            assert job.machine.root == BOARD_IPS[0]
            assert holder.freed == "spinnc: done"
    assert states[0] == JobState.QUEUED and states[-1] == JobState.READY
    assert jobs(port) == []


def test_a_job_that_waits_too_long_is_freed(frame):
    _, _, port = frame
    with SpallocJob("127.0.0.1", port, 3):
        with pytest.raises(SpallocError, match=r"still queued after 1 s"):
            with SpallocJob("127.0.0.1", port, 3, wait=1.0):
                pass
        assert len(jobs(port)) == 1  # only the holder's
    assert jobs(port) == []


def test_a_server_that_refuses_leaves_nothing_allocated(frame):
    _, _, port = frame
    with pytest.raises(SpallocError, match=r"destroyed before it was ready: Cancelled: No "
                       "suitable machines"):
        SpallocJob("127.0.0.1", port, 4).__enter__()  # the frame has three
    assert jobs(port) == []
    client = SpallocClient("127.0.0.1", port)
    with pytest.raises(SpallocError, match=r"refused get_job_state: .*"):
        client.call("get_job_state")  # no job id
    client.close()
    with pytest.raises(SpallocError, match=r"cannot connect"):
        SpallocJob("127.0.0.1", free_port(), 1).__enter__()


def test_a_board_that_stops_answering_frees_the_job(frame):
    board, _, port = frame
    net = chain()
    sim = Simulator(net, target="spalloc", host="127.0.0.1", port=port, boards=3,
                    progress_bar=False)
    board.faults.loss = 1.0  # from now on nothing arrives
    sim.run(0.1)
    with pytest.raises(ProtocolTimeout, match=r"no reply .* from 127\.0\.1\.1:17893"):
        sim.data[net.probe]
    assert jobs(port) == []  # freed as the run failed, before close
    sim.close()


def test_a_job_destroyed_while_held_is_named(frame):
    _, _, port = frame
    net = chain()
    sim = Simulator(net, target="spalloc", host="127.0.0.1", port=port, boards=3,
                    progress_bar=False)
    admin = SpallocClient("127.0.0.1", port)
    admin.call("destroy_job", sim.spalloc_job.id, "maintenance")
    admin.close()
    sim.run(0.1)
    with pytest.raises(SpallocError, match=r"destroyed by the server: maintenance"):
        sim.data[net.probe]
    sim.close()
    assert jobs(port) == []


MODEL_FILE = """
import nengo, numpy as np
with nengo.Network(seed=3) as model:
    stim = nengo.Node(lambda t: np.sin(4 * t))
    chain = [nengo.Ensemble(100, 1, label=name) for name in "abcdef"]
    nengo.Connection(stim, chain[0])
    for pre, post in zip(chain, chain[1:]):
        nengo.Connection(pre, post)
    nengo.Probe(chain[-1], synapse=0.01, label="out")
"""


def test_spinnc_run_on_a_spalloc_job(frame, tmp_path, capsys):
    board, _, port = frame
    path = tmp_path / "chain.py"
    path.write_text(MODEL_FILE)
    out = tmp_path / "report"
    assert cli.main(["run", str(path), "--spalloc", f"127.0.0.1:{port}", "--boards", "3",
                     "--duration", "0.2", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert f"spalloc job 1 on 127.0.0.1:{port}: powering its boards on" in captured.err
    assert "spalloc job 1 on 127.0.0.1" in printed and "3 board(s), freed" in printed
    assert f"on the board at {BOARD_IPS[0]}:17893" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["target"] == "spalloc"
    assert summary["board"]["spalloc"] == {"server": f"127.0.0.1:{port}", "job": 1,
                                           "boards": 3}
    assert summary["machine"]["chips"] == 144 and summary["machine"]["cores_used"] == 7
    assert summary["compare"]["out"]["rms_error_fixed"] < 0.1
    boards = json.loads((out / "provenance.json").read_text())["boards"]
    assert [b["cores"] >= 1 for b in boards] == [True] * 3  # read back from every board
    assert jobs(port) == []


def test_board_serve_answers_as_the_frames_bmp_and_at_each_boards_address(capsys):
    stop = threading.Event()
    port = free_port()
    args = argparse.Namespace(machine="3-boards", host=BOARD_IPS[0], port=port, boot_port=0,
                              booted=False, bmp=BMP_IP, engine="python",
                              board_host=[((8, 4), BOARD_IPS[1])])
    served = []
    thread = threading.Thread(target=lambda: served.append(serve_forever(args, stop)))
    thread.start()

    def ask(command, address, cpu=0, a1=0, a2=0):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2)
            sock.sendto(request(command, 1, a1, a2, dest=(0, 0), cpu=cpu), address)
            return parse_scp(sock.recv(512), 0)

    try:
        assert wait_for(lambda: "Ctrl-C" in capsys.readouterr().out, 10)
        reply = ask(BMPCommand.VER, (BMP_IP, 17893), cpu=2)
        assert reply.cmd_rc == ReturnCode.OK and reply.data[12:] == VERSION_TEXT
        with pytest.raises(socket.timeout):  # a managed frame starts without power
            ask(Command.VER, (BOARD_IPS[1], port))
        assert ask(BMPCommand.POWER, (BMP_IP, 17893), a1=1, a2=0b111).cmd_rc == ReturnCode.OK
        assert ask(Command.VER, (BOARD_IPS[1], port)).cmd_rc == ReturnCode.OK
    finally:
        stop.set()
        thread.join(10)
    assert served == [0]


def test_a_machine_with_boards_the_job_was_not_granted_is_refused(frame):
    _, _, port = frame
    # The virtual frame answers as one machine of three boards at board 0's
    # address (its links to the unpowered boards look alive): a job of one
    # board is refused rather than mapped onto boards it was not granted.
    with pytest.raises(SpallocError, match=r"spalloc job 1 .*: the machine of the job's "
                       r"boards could not be discovered from 127\.0\.1\.1: .*RC_ROUTE"):
        Simulator(chain(), target="spalloc", host="127.0.0.1", port=port, boards=1,
                  progress_bar=False)
    assert jobs(port) == []


def test_ctrl_c_frees_the_job_while_queued_and_while_running(frame, monkeypatch):
    _, _, port = frame

    def interrupt(job, state):
        if state == JobState.QUEUED:
            raise KeyboardInterrupt

    with SpallocJob("127.0.0.1", port, 3):
        with pytest.raises(KeyboardInterrupt):
            SpallocJob("127.0.0.1", port, 3, on_state=interrupt).__enter__()
        assert len(jobs(port)) == 1  # the queued job is gone, the holder stays
    assert jobs(port) == []

    import spinnc.host.target as target

    runs = []

    def run_image(*args, **kwargs):
        runs.append(args)
        raise KeyboardInterrupt

    monkeypatch.setattr(target, "run_image", run_image)
    net = chain()
    with pytest.raises(KeyboardInterrupt):
        with Simulator(net, target="spalloc", host="127.0.0.1", port=port, boards=3,
                       progress_bar=False) as sim:
            sim.run(0.1)
            sim.data[net.probe]
    assert len(runs) == 1  # closing did not start the run again
    assert jobs(port) == []
    with pytest.raises(SpinncError, match="interrupted"):
        sim.data[net.probe]


def test_a_job_whose_boards_do_not_boot_is_freed(frame):
    _, _, port = frame
    # the boot image goes to a port the board does not listen on: it stays unbooted
    with pytest.raises(SpallocError, match=r"spalloc job 1 .*: the board at 127\.0\.1\.1 "
                       r"\(chip 0, 0 of the job\) did not boot: .*not booted"):
        SpallocJob("127.0.0.1", port, 3, boot_port=free_port()).__enter__()
    assert jobs(port) == []
