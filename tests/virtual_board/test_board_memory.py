"""The virtual board cannot be exhausted: memory costs what is written (fills
are runs), everything it stores is within a budget, allocation work does not
grow with the blocks allocated, and a stop ends the emulation it started.

Memory is measured by the board's own accounting (``stored_bytes``) and,
where a datagram used to cost a lot, by tracemalloc; work is measured in
lines of Python executed, never in seconds.
"""

import struct
import sys
import tracemalloc

import numpy as np

from spinnc.virtual_board import board_memory
from spinnc.virtual_board.board import VirtualBoard
from spinnc.virtual_board.board_memory import (EXTENT_COST, SDRAM_BASE, SDRAM_END, Allocator,
                                              MemoryBudget, SparseMemory)
from spinnc.formats.scp import Command, Signal, State, request
from spinnc.machine import Machine

from ..firmware_sim.images import source_core
from .test_board_run import CLIENT, Raw, load

MiB = 1 << 20


def allocated_by(action) -> int:
    """Bytes of Python memory still allocated after ``action()`` (tracemalloc)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_a_fill_of_all_sdram_costs_one_extent():
    board = VirtualBoard(Machine.spinn5(), booted=True)
    raw = Raw(board)
    for x, y in board.machine.working_chips:
        board.chip(x, y)
    datagram = request(Command.FILL, 1, SDRAM_BASE, 0xA5A5A5A5, SDRAM_END - SDRAM_BASE)
    assert len(datagram) == 26
    grown = allocated_by(lambda: board.handle(datagram, CLIENT))
    assert grown < MiB  # 128 MiB before
    assert board.stored_bytes == EXTENT_COST
    for x, y in list(board.machine.working_chips)[1:]:  # 48 of them: still 48 extents
        raw.ok(Command.FILL, SDRAM_BASE, 0xA5A5A5A5, SDRAM_END - SDRAM_BASE, dest=(x, y))
    assert board.stored_bytes == 48 * EXTENT_COST
    assert raw.ok(Command.READ, SDRAM_END - 8, 8, 2).data == b"\xa5" * 8
    assert raw.ok(Command.READ, SDRAM_BASE + 3, 3, 0).data == b"\xa5" * 3


def test_small_writes_far_apart_cost_what_they_write():
    board = VirtualBoard(Machine.spinn3(), booted=True)
    datagrams = [request(Command.WRITE, i, SDRAM_BASE + i * (64 << 10), 4, 2,
                         struct.pack("<I", i)) for i in range(1, 1001)]
    grown = allocated_by(lambda: [board.handle(d, CLIENT) for d in datagrams])
    assert grown < 2 * MiB  # 1000 64 KiB chunks (63 MiB) before
    assert board.stored_bytes == 1000 * (4 + EXTENT_COST)
    assert Raw(board).ok(Command.READ, SDRAM_BASE + 7 * (64 << 10), 4, 2).data == \
        struct.pack("<I", 7)


def test_the_extents_read_back_what_was_written_and_filled():
    """Random writes, fills and reads over a small window against a bytearray."""
    rng = np.random.default_rng(5)
    memory = SparseMemory()
    reference = bytearray(4096)
    base = SDRAM_BASE + 4096
    for _ in range(3000):
        op = rng.integers(3)
        lo = int(rng.integers(0, 4096))
        n = int(rng.integers(1, min(600, 4096 - lo) + 1))
        if op == 0:
            data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
            memory.write(base + lo, data)
            reference[lo:lo + n] = data
        elif op == 1:
            lo -= lo % 4
            n = max(4, n - n % 4)
            n = min(n, 4096 - lo)
            word = bytes(rng.integers(0, 256, 4, dtype=np.uint8)) if rng.random() < 0.8 \
                else b"\0\0\0\0"
            memory.fill(base + lo, word, n)
            reference[lo:lo + n] = word * (n // 4)
        else:
            assert memory.read(base + lo, n) == bytes(reference[lo:lo + n])
    assert memory.read(base, 4096) == bytes(reference)
    assert memory.read(SDRAM_BASE, 4096) == bytes(4096)
    # The accounting is the bytes held plus the extents' bookkeeping.
    held = sum(len(e.data) for e in memory._extents.values() if e.data is not None)
    assert memory.stored == held + EXTENT_COST * memory.extents <= 4096 + EXTENT_COST * 1500


def test_the_board_refuses_to_store_past_its_budget():
    board = VirtualBoard(Machine.spinn3(), booted=True, memory_limit=64 << 10)
    raw = Raw(board)
    chunk = bytes(256)
    written = 0
    for i in range(400):  # 100 KiB asked for, 64 KiB allowed
        rc = raw.rc(Command.WRITE, SDRAM_BASE + 512 * i, 256, 2, chunk, dest=(i % 2, 0))
        assert rc in ("OK", "BUF")
        written += rc == "OK"
        assert board.stored_bytes <= 64 << 10
    assert 200 < written < 260 and board.counts.memory_refused == 400 - written
    assert board.counts.rejected["BUF"] == 400 - written
    fills = [raw.rc(Command.FILL, SDRAM_BASE + (3 + i) * MiB, 1, 4096) for i in range(10)]
    assert "BUF" in fills and board.stored_bytes <= 64 << 10  # a fill costs an extent
    # What is already stored can still be rewritten: it costs nothing new.
    assert raw.rc(Command.WRITE, SDRAM_BASE, 256, 2, b"\1" * 256) == "OK"
    assert raw.ok(Command.READ, SDRAM_BASE, 4, 2).data == b"\1" * 4


def lines_run(action, module=board_memory) -> int:
    """Lines of ``module`` executed by ``action()``: work as a count."""
    count = 0
    name = module.__file__

    def trace(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename != name:
            return None
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        action()
    finally:
        sys.settrace(None)
    return count


def test_alloc_and_free_work_does_not_grow_with_the_blocks():
    board = VirtualBoard(Machine.spinn3(), booted=True)
    raw = Raw(board)
    heap = board.chip(0, 0).heap
    starts = [heap.alloc(64, 17) for _ in range(10_000)]
    assert all(starts) and len(heap.blocks) == 10_000
    costs = [lines_run(lambda: raw.ok(Command.ALLOC, 17 << 8, 100, 0)),
             lines_run(lambda: raw.ok(Command.ALLOC, 17 << 8 | 1, starts[5000])),
             lines_run(lambda: raw.ok(Command.ALLOC, 17 << 8, 60, 0)),  # into the hole
             lines_run(lambda: raw.ok(Command.INFO)),
             lines_run(lambda: raw.ok(Command.ALLOC, 6, n_args=2))]
    assert max(costs) < 300, costs  # tens of thousands when every block was visited
    assert heap.find(starts[5000]).size == 60


def test_the_allocator_keeps_blocks_apart_and_joins_free_gaps():
    rng = np.random.default_rng(2)
    heap = Allocator(0, 1 << 20, align=4)
    live = {}
    for _ in range(3000):
        if live and rng.random() < 0.45:
            start = list(live)[int(rng.integers(len(live)))]
            assert heap.free(start).size == live.pop(start)
        else:
            size = int(rng.integers(1, 5000))
            at = heap.alloc(size, 1)
            if at is None:
                assert heap.largest_free() < -(-size // 4) * 4
                continue
            live[at] = -(-size // 4) * 4
    spans = sorted(live.items())
    for (a, n), (b, _) in zip(spans, spans[1:]):
        assert a + n <= b  # no two blocks overlap
    assert heap.free_total() == (1 << 20) - sum(live.values())
    for start in list(live):
        heap.free(start)
    assert heap.largest_free() == heap.free_total() == 1 << 20  # all joined again
    assert heap.owner(0, 4) is None and heap.alloc(1 << 20, 1) == 0


def test_a_stop_ends_the_emulation_and_what_it_held():
    machine = Machine.spinn3()
    from spinnc.image import Image

    forever = 10 ** 9  # ticks: a core that records nothing may ask for as many as it likes
    image = Image(machine, 0.001, forever, [source_core(0, 0, 1, [[0.5]], n_steps=forever)],
                  {})
    board = VirtualBoard(machine, booted=True)
    raw = Raw(board)
    load(raw, image)
    raw.signal(16, Signal.START)
    raw.signal(16, Signal.SYNC0)
    assert raw.count(16, State.RUN) == 1
    (run,) = board._runs
    raw.signal(16, Signal.STOP)
    board.wait_runs(30)
    assert not run.alive() and run.ticks < forever
    assert board.counts.runs_stopped == 1
    assert raw.count(16, State.RUN) == 0 and board.chip(0, 0).state(1) == State.IDLE


def test_closing_the_board_ends_its_emulations():
    machine = Machine.spinn3()
    from spinnc.image import Image

    forever = 10 ** 9
    image = Image(machine, 0.001, forever, [source_core(0, 0, 1, [[0.5]], n_steps=forever)],
                  {})
    board = VirtualBoard(machine, booted=True)
    raw = Raw(board)
    load(raw, image)
    raw.signal(16, Signal.START)
    raw.signal(16, Signal.SYNC0)
    board.close()
    board.wait_runs(30)
    assert not any(r.alive() for r in board._runs)


def test_budget_counts_are_shared_by_the_chips():
    budget = MemoryBudget(1000)
    a, b = SparseMemory(budget=budget), SparseMemory(budget=budget)
    a.write(SDRAM_BASE, bytes(300))
    b.write(SDRAM_BASE, bytes(300))
    assert budget.used == a.stored + b.stored == 600 + 2 * EXTENT_COST
