"""The virtual board loads, runs and reads back an Image by raw SCP, and the
recordings equal direct emulation of the same Image bit for bit."""

import struct
import threading

import numpy as np
import pytest

from spinnc import recording
from spinnc.compiler import compile_network
from spinnc.demo import demo_model
from spinnc.firmware_sim import Emulator
from spinnc.virtual_board.board import VirtualBoard
from spinnc.firmware import binary as application_binary
from spinnc.formats.scp import (IOBUF_HEADER, MAX_DATA, REPLY_ARGS, ROUTER_DIAGNOSTICS,
                             ROUTER_ENTRY, SDRAM_SYS, VCPU_IOBUF, VCPU_USER, Command,
                             ReturnCode, Signal, State, parse_scp, request, vcpu_address)
from spinnc.machine import Machine

CLIENT = ("127.0.0.1", 40000)


class Raw:
    """Raw SCP to a board's datagram handler, in-process."""

    def __init__(self, board: VirtualBoard):
        self.board, self.seq = board, 0

    def __call__(self, cmd, a1=0, a2=0, a3=0, data=b"", dest=(255, 255), n_args=None,
                 cpu=0):
        self.seq = (self.seq + 1) & 0xFFFF
        replies = self.board.handle(request(cmd, self.seq, a1, a2, a3, data, dest, cpu), CLIENT)
        assert len(replies) == 1
        reply = parse_scp(replies[0], REPLY_ARGS.get(cmd, 0) if n_args is None else n_args)
        assert reply.seq == self.seq
        return reply

    def ok(self, *args, **kwargs):
        reply = self(*args, **kwargs)
        assert reply.cmd_rc == ReturnCode.OK, ReturnCode(reply.cmd_rc).name
        return reply

    def rc(self, *args, **kwargs) -> str:
        return ReturnCode(self(*args, **kwargs).cmd_rc).name

    def write(self, dest, address, data):
        for at in range(0, len(data), MAX_DATA):
            chunk = data[at:at + MAX_DATA]
            self.ok(Command.WRITE, address + at, len(chunk), 0, chunk, dest)

    def read(self, dest, address, length) -> bytes:
        return b"".join(self.ok(Command.READ, address + at, min(MAX_DATA, length - at), 0,
                                dest=dest).data for at in range(0, length, MAX_DATA))

    def word(self, dest, address, value):
        self.ok(Command.WRITE, address, 4, 2, struct.pack("<I", value), dest)

    def alloc(self, dest, app_id, size, tag=0) -> int:
        address = self.ok(Command.ALLOC, app_id << 8, size, tag, dest=dest).args[0]
        assert address
        return address

    def count(self, app_id, state) -> int:
        return self.ok(Command.COUNT, app_id, state).args[0]

    def signal(self, app_id, signal):
        self.ok(Command.SIG, 0, signal << 16 | 0xFF << 8 | app_id, 0xFFFF)


def load(raw: Raw, image, wait: bool = True) -> dict:
    """Load an Image as the host/board contract says; the buffers' addresses."""
    app_id = image.cores[0].app_id
    for chip, table in image.tables.items():
        if not len(table):
            continue
        first = raw.ok(Command.ALLOC, app_id << 8 | 3, len(table), dest=chip).args[0]
        assert first
        entries = b"".join(ROUTER_ENTRY.pack(0, app_id, int(e["route"]), int(e["key"]),
                                             int(e["mask"])) for e in table)
        buffer = raw.alloc(chip, app_id, len(entries))
        raw.write(chip, buffer, entries)
        raw.ok(Command.RTR, len(table) << 16 | app_id << 8 | 2, buffer, first, dest=chip)
        raw.ok(Command.ALLOC, app_id << 8 | 1, buffer, dest=chip)
    where = {}
    for c in image.cores:
        chip, vcpu = (c.x, c.y), vcpu_address(c.core)
        data = raw.alloc(chip, app_id, len(c.data), c.core)
        raw.write(chip, data, c.data)
        size = recording.recording_size(image, c)
        buffers = (data, raw.alloc(chip, app_id, size) if size else 0,
                   raw.alloc(chip, app_id, recording.PROVENANCE_BYTES))
        for user, address in enumerate(buffers):
            raw.word(chip, vcpu + VCPU_USER[user], address)
        where[c.x, c.y, c.core] = buffers
    apps: dict = {}
    for c in image.cores:
        apps.setdefault((c.x, c.y, c.application), []).append(c.core)
    for (x, y, name), cores in apps.items():
        raw.write((x, y), SDRAM_SYS, application_binary(name))
        mask = sum(1 << core for core in cores)
        raw.ok(Command.AR, app_id << 24 | int(wait) << 18 | mask, dest=(x, y))
    return where


def iobuf(raw: Raw, x, y, core) -> str:
    pointer = struct.unpack("<I", raw.read((x, y), vcpu_address(core) + VCPU_IOBUF, 4))[0]
    length = IOBUF_HEADER.unpack(raw.read((x, y), pointer, IOBUF_HEADER.size))[3]
    return raw.read((x, y), pointer + IOBUF_HEADER.size, length).decode()


def run(raw: Raw, image) -> None:
    app_id, n = image.cores[0].app_id, len(image.cores)
    assert raw.count(app_id, State.WAIT) == n
    raw.signal(app_id, Signal.START)
    assert raw.count(app_id, State.SYNC0) == n
    raw.signal(app_id, Signal.SYNC0)
    raw.board.wait_runs()
    assert raw.count(app_id, State.EXIT) == n


def read_back(raw: Raw, image, where: dict):
    buffers, blocks = {}, {}
    for c in image.cores:
        data, rec, prov = where[c.x, c.y, c.core]
        size = recording.recording_size(image, c)
        buffers[c.x, c.y, c.core] = raw.read((c.x, c.y), rec, size) if size else b""
        blocks[c.x, c.y, c.core] = raw.read((c.x, c.y), prov, recording.PROVENANCE_BYTES)
    counters = {chip: raw.read(chip, ROUTER_DIAGNOSTICS, recording.ROUTER_COUNTER_BYTES)
                for chip in image.tables}
    return (recording.recordings_from_buffers(image, buffers),
            recording.provenance_from_buffers(image, blocks, counters, image.n_steps))


@pytest.fixture(scope="module")
def demo_image():
    machine = Machine.spinn5(app_cores=2)  # spread over chips: routes cross links
    return compile_network(demo_model(), machine, n_steps=60, seed=0).image


def test_load_run_read_back_equals_emulation_bit_for_bit(demo_image):
    image = demo_image
    assert len({(c.x, c.y) for c in image.cores}) > 1
    emulator = Emulator(image)
    emulator.run()
    expected = emulator.recordings()
    board = VirtualBoard(image.machine, booted=True)
    raw = Raw(board)
    where = load(raw, image)
    run(raw, image)
    got, provenance = read_back(raw, image, where)
    assert set(got) == set(expected) and expected
    for name, data in expected.items():
        assert np.array_equal(got[name], data), name
    reference = emulator.provenance()
    assert provenance.cores == reference.cores
    routers = {(r.x, r.y): r for r in reference.routers}
    assert any(r.non_local_multicast for r in provenance.routers)
    for r in provenance.routers:
        assert r == routers.get((r.x, r.y), type(r)(r.x, r.y))
    # Stop frees the application: cores idle, SDRAM and router entries back.
    app_id = image.cores[0].app_id
    raw.signal(app_id, Signal.STOP)
    assert raw.count(app_id, State.EXIT) == 0
    for x, y in {(c.x, c.y) for c in image.cores} | set(image.tables):
        chip = board.chip(x, y)
        assert not chip.heap.blocks and not chip.router["used"].any()
        assert all(chip.state(c) == State.IDLE for c in chip.cores)


def test_broken_data_is_a_runtime_exception_with_iobuf_text(demo_image):
    image = demo_image
    board = VirtualBoard(image.machine, booted=True)
    raw = Raw(board)
    where = load(raw, image)
    victim = image.cores[-1]
    chip = (victim.x, victim.y)
    raw.write(chip, where[victim.x, victim.y, victim.core][0], b"\xff" * 4)  # break the magic
    app_id = image.cores[0].app_id
    raw.signal(app_id, Signal.START)
    assert raw.count(app_id, State.SYNC0) == len(image.cores) - 1
    assert raw.count(app_id, State.RUNTIME_EXCEPTION) == 1
    states = raw.ok(Command.INFO, dest=chip).data[:18]
    assert states[victim.core] == State.RUNTIME_EXCEPTION
    text = iobuf(raw, *chip, victim.core)
    assert f"core {victim.core} of chip ({victim.x}, {victim.y})" in text and "magic" in text


def test_a_core_without_wait_starts_at_once_and_a_bad_binary_fails(demo_image):
    image = demo_image
    board = VirtualBoard(image.machine, booted=True)
    raw = Raw(board)
    load(raw, image, wait=False)
    app_id = image.cores[0].app_id
    assert raw.count(app_id, State.SYNC0) == len(image.cores)
    chip = next(c for c in image.machine.working_chips
                if c not in {(k.x, k.y) for k in image.cores})
    free = 1
    raw.write(chip, SDRAM_SYS, b"\0" * 64)  # not an APLX binary
    raw.ok(Command.AR, 30 << 24 | 1 << 18 | 1 << free, dest=chip)
    assert raw.count(30, State.WAIT) == 1
    raw.signal(30, Signal.START)
    assert raw.count(30, State.RUNTIME_EXCEPTION) == 1
    assert "not a spinnc application" in iobuf(raw, *chip, free)


def test_a_recording_buffer_too_small_fails_the_core_by_name(demo_image):
    image = demo_image
    board = VirtualBoard(image.machine, booted=True)
    raw = Raw(board)
    where = load(raw, image)
    c = next(c for c in image.cores if recording.recording_size(image, c))
    raw.word((c.x, c.y), vcpu_address(c.core) + VCPU_USER[1], raw.alloc((c.x, c.y), 16, 8))
    app_id = image.cores[0].app_id
    raw.signal(app_id, Signal.START)
    raw.signal(app_id, Signal.SYNC0)
    board.wait_runs()
    assert raw.count(app_id, State.EXIT) == len(image.cores) - 1
    assert "recording buffer at user1" in iobuf(raw, c.x, c.y, c.core)
    assert where


def test_cores_are_in_run_while_the_board_keeps_answering(demo_image, monkeypatch):
    from spinnc.firmware_sim import emulator

    release, real_run = threading.Event(), emulator.Emulator.run

    def held_run(self, *args, **kwargs):
        assert release.wait(30)
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(emulator.Emulator, "run", held_run)
    image = demo_image
    board = VirtualBoard(image.machine, booted=True)
    raw = Raw(board)
    load(raw, image)
    app_id, n = image.cores[0].app_id, len(image.cores)
    raw.signal(app_id, Signal.START)
    raw.signal(app_id, Signal.SYNC0)
    assert raw.count(app_id, State.RUN) == n
    assert raw.ok(Command.READ, SDRAM_SYS, 16, 0).data  # answering meanwhile
    release.set()
    board.wait_runs()
    assert raw.count(app_id, State.EXIT) == n
