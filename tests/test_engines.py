"""The ARM engine wherever an engine is chosen: spinnc.Simulator(engine="arm"),
``spinnc run --engine arm`` and ``spinnc board serve --engine arm`` give the
probes of the default (Python) engine bit for bit."""

import dataclasses
import threading
import time
from argparse import Namespace
from pathlib import Path

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

import spinnc
from spinnc import cli, firmware
from spinnc.demo import demo_model
from spinnc.errors import SpinncError
from spinnc.firmware_sim.engines import check_engine
from spinnc.machine import Machine
from spinnc.regions import VERSION
from spinnc.modelfile import load_model
from spinnc.virtual_board.board import serve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def probe_data(model, seconds, **options):
    with spinnc.Simulator(model, seed=1, progress_bar=False, **options) as sim:
        sim.run(seconds)
        return {p: np.array(sim.data[p]) for p in model.probes}


@pytest.mark.parametrize("example, seconds", [("demo", 0.3), ("neuron_types", 0.1)])
def test_simulator_arm_engine_equals_the_python_engine(example, seconds):
    model = load_model(EXAMPLES / f"{example}.py")
    python, arm = probe_data(model, seconds), probe_data(model, seconds, engine="arm")
    for probe in model.probes:
        assert np.array_equal(arm[probe], python[probe]), probe.label


def test_arm_engine_continues_across_runs_and_host_nodes():
    with nengo.Network(seed=3) as model:
        ens = nengo.Ensemble(40, 1)
        nengo.Connection(nengo.Node(lambda t: np.sin(8 * t)), ens)
        live = nengo.Node(lambda t, x: 2 * x, size_in=1)
        nengo.Connection(ens, live, synapse=0.01)
        probes = [nengo.Probe(live), nengo.Probe(ens, synapse=0.02), nengo.Probe(ens.neurons)]
    data = {}
    for engine in ("python", "arm"):
        with spinnc.Simulator(model, seed=1, progress_bar=False, engine=engine) as sim:
            sim.run(0.05)
            sim.run_steps(30)
            data[engine] = [np.array(sim.data[p]) for p in probes]
    for arm, python in zip(data["arm"], data["python"]):
        assert arm.shape == python.shape and np.array_equal(arm, python)


def test_spinnc_run_engine_arm_writes_the_default_engines_probes(tmp_path, capsys):
    for engine in ("python", "arm"):
        assert cli.main(["run", str(EXAMPLES / "demo.py"), "--duration", "0.2", "--placer",
                         "hilbert", "--engine", engine, "--quiet",
                         "--out", str(tmp_path / engine)]) == 0
    assert "(fixed point, ARM firmware)" in capsys.readouterr().out
    python, arm = (np.load(tmp_path / e / "probes.npz") for e in ("python", "arm"))
    assert sorted(arm.files) == sorted(python.files)
    for key in python.files:
        assert np.array_equal(arm[key], python[key]), key


def test_board_serve_engine_arm_executes_the_loaded_binaries(monkeypatch):
    from spinnc.firmware_sim.arm import ArmEmulator

    loaded = []  # the binaries the board's ARM engine was given
    original = ArmEmulator.__init__

    def spy(self, image, strict=False, check_alignment=True, firmware=None):
        loaded.append(dict(firmware))
        original(self, image, strict, check_alignment, firmware)

    monkeypatch.setattr(ArmEmulator, "__init__", spy)
    model = demo_model(0)
    emulated = probe_data(model, 0.1, placer="hilbert")
    assert not loaded
    board = serve(Machine.spinn5(), port=0, boot_port=0, booted=True, engine="arm")
    try:
        on_board = probe_data(model, 0.1, placer="hilbert", target="board",
                              host=board.address[0], port=board.address[1])
    finally:
        board.close()
    for probe in model.probes:
        assert np.array_equal(on_board[probe], emulated[probe]), probe.label
    assert loaded and loaded[0] == {name: firmware.binary(name) for name in loaded[0]}


def test_board_serve_takes_the_engine_option():
    from spinnc.virtual_board.board import serve_forever

    stop = threading.Event()
    args = Namespace(machine="spinn3", host="127.0.0.1", port=0, boot_port=None, loss=0.0,
                     duplicate=0.0, delay=0.0, reorder=0.0, seed=None, booted=True,
                     engine="nope")
    with pytest.raises(SpinncError, match="engine 'nope': spinnc's engines are python, arm"):
        serve_forever(args, stop)
    args.engine = "arm"
    thread = threading.Thread(target=serve_forever, args=(args, stop))
    thread.start()
    time.sleep(0.3)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_engine_choices_are_checked_with_what_to_do():
    model = demo_model(0)
    with pytest.raises(ValidationError, match="engine.*must be one of"):
        spinnc.Simulator(model, engine="fpga")
    with pytest.raises(ValidationError, match="arm engine runs the firmware.*fixed"):
        spinnc.Simulator(model, engine="arm", precision="float")
    with pytest.raises(ValidationError, match="a board runs its own firmware"):
        spinnc.Simulator(model, engine="arm", target="board", host="127.0.0.1",
                         machine=Machine.spinn3())
    with pytest.raises(SpinncError, match="precision 'float' runs on the python engine"):
        check_engine("arm", "float")


def test_a_firmware_fault_on_the_virtual_board_is_shown_with_its_iobuf(monkeypatch):
    """Data of another region version, let through the loader's own check,
    fails its core on start with both versions in its IOBUF (the board checks
    the data it rebuilds the Image from before the firmware runs; the
    firmware's own RTE 20 is tests/firmware_sim/test_arm_engine.py's); the
    host shows it."""
    from spinnc.errors import CoreFailed
    from spinnc.host import loader

    from .firmware_sim.images import source_to_recorder

    monkeypatch.setattr(loader, "check_firmware", lambda image: None)
    image = source_to_recorder(np.zeros((1, 1)), {})
    data = bytearray(image.cores[1].data)
    data[4:8] = (99).to_bytes(4, "little")  # the region table's version word
    image.cores[1] = dataclasses.replace(image.cores[1], data=bytes(data))
    board = serve(Machine.spinn3(), port=0, boot_port=0, booted=True, engine="arm")
    try:
        with pytest.raises(CoreFailed, match=r"'ensemble'.*RUNTIME_EXCEPTION.*version 99; "
                                             f"expected 0x434e5053 version {VERSION}"):
            loader.run_image(image, *board.address)
    finally:
        board.close()
