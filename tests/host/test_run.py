"""Load, run and read back Images over SCP: the recordings equal direct
emulation bit for bit, also with lost, duplicated and reordered datagrams."""

import dataclasses
import socket
from types import SimpleNamespace

import numpy as np
import pytest

from spinnc import firmware, regions
from spinnc.compiler import compile_network
from spinnc.demo import demo_model
from spinnc.errors import CoreFailed, DoesNotFit, ImageError, ProtocolTimeout, SpinncError
from spinnc.firmware_sim import Emulator
from spinnc.host import BoardController
from spinnc.host import loader
from spinnc.host.loader import run_image, run_on_board
from spinnc.formats.scp import State
from spinnc.machine import Machine

from ..firmware_sim.images import KEY, core_route, source_to_recorder, table

ALL = 0xFFFFFFFF
NE = 1 << 1


@pytest.fixture(scope="module")
def demo():
    """The demo model's Image on a SpiNN-5 (200 ticks) and its emulation."""
    image = compile_network(demo_model(0), Machine.spinn5(), n_steps=200, seed=0).image
    emulator = Emulator(image)
    emulator.run()
    return image, emulator.recordings(), emulator.provenance()


@pytest.fixture(scope="module")
def spread():
    """The demo on a SpiNN-5 with one application core per chip: its cores and
    routes span several chips."""
    machine = Machine.spinn5(app_cores=1)
    image = compile_network(demo_model(0), machine, n_steps=100, seed=0).image
    assert len({(c.x, c.y) for c in image.cores}) == len(image.cores) > 1
    emulator = Emulator(image)
    emulator.run()
    return image, emulator.recordings()


def assert_same(recordings, expected):
    assert recordings.keys() == expected.keys()
    for name in expected:
        assert np.array_equal(recordings[name], expected[name]), name


def test_demo_equals_emulation(virtual_board, demo):
    image, expected, provenance = demo
    vboard = virtual_board()
    run = run_image(image, *vboard.address)
    assert_same(run.recordings, expected)
    assert run.provenance.cores == provenance.cores
    assert run.provenance.routers == provenance.routers
    assert run.machine == Machine.spinn5()
    assert run.stats.retries == 0 and run.stats.datagrams > 0
    # Stop freed the application: cores idle, SDRAM and router entries back.
    with BoardController(*vboard.address) as board:
        assert board.count(image.cores[0].app_id, State.EXIT) == 0
        assert {s.state for s in board.core_status(0, 0, range(1, 17))} == {State.IDLE}
        assert board.info(0, 0).largest_free_router_block == 1023
    # The same board runs the same Image again to the same result.
    assert_same(run_image(image, *vboard.address).recordings, expected)


def test_multi_chip_images(virtual_board, spread):
    image, expected = spread
    assert_same(run_image(image, *virtual_board(Machine.spinn5()).address).recordings, expected)
    # A hand-built source on (0, 0) sending to a recorder on (1, 1) of a SpiNN-3.
    ramp = (np.arange(10) / 16)[:, None]
    tables = {(0, 0): table((KEY, ALL, NE)), (1, 1): table((KEY, ALL, core_route(2)))}
    small = source_to_recorder(ramp, tables, Machine.spinn3(), recorder_at=(1, 1, 2))
    emulator = Emulator(small)
    emulator.run()
    run = run_image(small, *virtual_board(Machine.spinn3()).address)
    assert_same(run.recordings, emulator.recordings())
    assert run.provenance.routers == emulator.provenance().routers


@pytest.mark.parametrize("fault", [dict(loss=0.1), dict(duplicate=0.2, reorder=0.2)])
def test_faulty_network_gives_identical_results(virtual_board, demo, fault):
    image, expected, _ = demo
    vboard = virtual_board(seed=1, **fault)
    run = run_image(image, *vboard.address, timeout=0.05)
    assert_same(run.recordings, expected)
    if "loss" in fault:
        assert run.stats.retries > 0 and run.stats.timeouts > 0
        assert vboard.counts.dropped > 0
    else:
        assert vboard.counts.duplicated > 0 and vboard.counts.reordered > 0


def test_silent_board_times_out():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        image = source_to_recorder(np.zeros((1, 1)), {})
        with pytest.raises(ProtocolTimeout, match="VER .* after 2 tries"):
            run_image(image, "127.0.0.1", silent.getsockname()[1], timeout=0.02, retries=1)
    finally:
        silent.close()


def test_runtime_exception_surfaces_iobuf(virtual_board, demo):
    image, _, _ = demo
    broken = dataclasses.replace(image, cores=list(image.cores))
    c = broken.cores[1]
    # The region table claims far more data than was loaded.
    broken.cores[1] = dataclasses.replace(c, data=c.data[:8] + b"\xff" * 8)
    with pytest.raises(CoreFailed, match=rf"core {c.core} of chip \({c.x}, {c.y}\) \('{c.name}'"
                                         r".*RUNTIME_EXCEPTION: .*bad data"):
        run_image(broken, *virtual_board().address)


def test_an_application_without_firmware_is_refused_before_anything_is_sent(virtual_board):
    image = source_to_recorder(np.zeros((1, 1)), {})
    image.cores[0] = dataclasses.replace(image.cores[0], application="mystery")
    board = virtual_board(Machine.spinn3())
    with pytest.raises(ImageError, match=r"\('source'\): application 'mystery' has no ARM "
                                         "binary.*the shipped ones are ensemble, host_in"):
        run_image(image, *board.address)
    assert board.counts.requests == 0


def test_data_of_another_region_version_is_refused_naming_both(virtual_board):
    image = source_to_recorder(np.zeros((1, 1)), {})
    data = bytearray(image.cores[1].data)
    data[4:8] = (2).to_bytes(4, "little")  # the table's version word
    image.cores[1] = dataclasses.replace(image.cores[1], data=bytes(data))
    board = virtual_board(Machine.spinn3())
    with pytest.raises(ImageError, match="region format version 2, but the firmware reads "
                                         f"version {firmware.region_version()}"):
        run_image(image, *board.address)
    assert board.counts.requests == 0
    assert firmware.region_version() == regions.VERSION  # the shipped header's is the mapper's


def test_a_binary_the_board_does_not_know_fails_its_cores(virtual_board, monkeypatch):
    """What a board does with a binary that is not an application: the
    virtual board fails its cores with the reason in IOBUF, which the host shows."""
    def binary(name):  # the host loads an ensemble that is not the shipped one
        return firmware.binary(name)[:-4] + b"\0\0\0\1" if name == "ensemble" \
            else firmware.binary(name)

    monkeypatch.setattr(loader, "firmware", SimpleNamespace(
        binary=binary, region_version=firmware.region_version))
    image = source_to_recorder(np.zeros((1, 1)), {})
    with pytest.raises(CoreFailed, match="unknown application ''.*not a spinnc application"):
        run_image(image, *virtual_board(Machine.spinn3()).address)


def test_image_must_fit_the_board(virtual_board, controller):
    image = source_to_recorder(np.zeros((1, 1)), {}, Machine.spinn5(),
                               recorder_at=(4, 4, 2))
    with pytest.raises(DoesNotFit, match=r"core 2 of chip \(4, 4\) \('probe'\) is on a chip "
                                         "the board does not have"):
        run_image(image, *virtual_board(Machine.spinn3()).address)
    dead_core = Machine.spinn3().with_dead(cores=[(0, 0, 2)])
    with pytest.raises(DoesNotFit, match=r"core 2 of chip \(0, 0\) .* dead or missing"):
        run_on_board(controller(virtual_board(dead_core)), source_to_recorder(
            np.zeros((1, 1)), {}))


def test_host_functions_need_a_host_call_before_anything_is_sent():
    image = source_to_recorder(np.zeros((1, 1)), {})
    image.host_functions = {"live": {"size_in": 1, "size_out": 1}}
    with pytest.raises(SpinncError, match=r"host functions \(live\): pass host_call"):
        run_image(image, "127.0.0.1", 1)


def test_three_boards(virtual_board):
    """Cores on two boards of a 3-board torus: COUNT goes to each board's
    Ethernet chip, and discovery finds the same machine."""
    machine = Machine.boards(3, app_cores=1)
    # seed 6: the annealer spreads the demo's three cores over two boards.
    image = compile_network(demo_model(0), machine, n_steps=50, seed=6).image
    assert len({machine.ethernet_chip(c.x, c.y) for c in image.cores}) > 1
    emulator = Emulator(image)
    emulator.run()
    run = run_image(image, *virtual_board(machine).address)
    assert_same(run.recordings, emulator.recordings())
    assert run.machine == machine
