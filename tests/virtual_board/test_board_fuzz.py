"""Fuzz: 100,000+ random and mutated datagrams never crash the virtual board,
always get a well-formed answer, and change no memory but the ranges the
datagrams themselves name."""

import struct

import numpy as np

from spinnc.virtual_board.board import VirtualBoard
from spinnc.virtual_board.board_memory import CHUNK, SDRAM_ALIAS, SDRAM_BASE
from spinnc.virtual_board.board_state import SYSTEM_HEAP
from spinnc.formats.scp import (SCP_MIN, SDP_HEADER, SDRAM_SYS, SV_BASE, VERSION_TEXT, Command, Signal,
                             parse_scp, request)
from spinnc.machine import Machine

N = 110_000
WINDOW = 0x60100000  # where the valid requests write
ALIAS_OFFSET = SDRAM_ALIAS - SDRAM_BASE
WINDOW_SIZE = 1 << 16
PATTERN = 0x60000400  # below the window, written before the fuzz: must survive it
CHIPS = [(255, 255), (0, 0), (1, 0), (0, 1), (1, 1), (5, 5)]
MAX_LENGTH = SCP_MIN + 256
CLIENT = ("127.0.0.1", 1234)


def valid_requests(rng, n=3000) -> list[bytes]:
    """Plausible requests of every command, mostly into the write window."""
    out = []
    for seq in range(n):
        cmd = int(rng.choice(list(Command)))
        dest = CHIPS[int(rng.integers(len(CHIPS)))]
        length = int(rng.integers(1, 257))
        address = WINDOW + 4 * int(rng.integers(0, (WINDOW_SIZE - 256) // 4))
        app = int(rng.integers(16, 20))
        mask = int(rng.integers(0, 1 << 18))
        args, data = [0, 0, 0], b""
        if cmd in (Command.READ, Command.WRITE):
            unit = int(rng.integers(0, 3))
            length -= length % (1 << unit) or 0
            length = max(length, 1 << unit)
            args = [address, length, unit]
            if cmd == Command.WRITE:
                data = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
        elif cmd == Command.FILL:
            args = [address, int(rng.integers(0, 1 << 32)), 4 * int(rng.integers(0, 64))]
        elif cmd == Command.COUNT:
            args = [app, int(rng.integers(0, 16)), 0]
        elif cmd in (Command.LINK_READ, Command.LINK_WRITE):
            length = 4 * int(rng.integers(1, 65))
            args = [address, length, int(rng.integers(0, 7))]
            if cmd == Command.LINK_WRITE:
                data = bytes(length)
        elif cmd in (Command.AR, Command.AS):
            spec = app << 24 | int(rng.integers(0, 2)) << 18 | mask
            args = [spec, 0, 0] if cmd == Command.AR else [SDRAM_SYS, spec, 0]
        elif cmd == Command.APP_COPY_RUN:
            args = [int(rng.integers(0, 1 << 32)) & ~7 | int(rng.integers(0, 6)),
                    int(rng.integers(1, 4096)), app << 24 | mask]
        elif cmd == Command.SIG:
            args = [int(rng.choice([0, 1, 2])),
                    int(rng.integers(0, 14)) << 16 | 0xFF << 8 | app, 0xFFFF]
        elif cmd == Command.IPTAG:
            args = [int(rng.integers(0, 5)) << 16 | int(rng.integers(0, 20)),
                    int(rng.integers(0, 1 << 32)), int(rng.integers(0, 1 << 32))]
        elif cmd == Command.ALLOC:
            args = [app << 8 | int(rng.integers(0, 7)), int(rng.integers(0, 4096)),
                    int(rng.integers(0, 1024))]
        elif cmd == Command.RTR:
            args = [int(rng.integers(0, 8)) << 16 | app << 8 | int(rng.integers(0, 4)),
                    address, int(rng.integers(0, 1024))]
        out.append(request(cmd, seq, *args, data=data, dest=dest))
    return out


def fuzz_datagrams(seed=0):
    """(N, MAX_LENGTH) bytes and lengths: valid requests, truncated, bit-flipped,
    with random lengths, unknown commands, random addresses, or pure noise."""
    rng = np.random.default_rng(seed)
    pool = valid_requests(rng)
    table = np.zeros((len(pool), MAX_LENGTH), dtype=np.uint8)
    sizes = np.array([len(p) for p in pool])
    for i, p in enumerate(pool):
        table[i, :len(p)] = np.frombuffer(p, np.uint8)
    pick = rng.integers(0, len(pool), N)
    data, length = table[pick].copy(), sizes[pick].copy()
    kind = rng.choice(7, N, p=[0.2, 0.15, 0.25, 0.1, 0.1, 0.1, 0.1])
    rows = np.arange(N)
    # 1: truncated
    cut = kind == 1
    length[cut] = (rng.random(cut.sum()) * length[cut]).astype(int)
    # 2: 1-4 bit flips within the datagram
    flip = np.flatnonzero(kind == 2)
    for _ in range(4):
        keep = flip[rng.random(flip.size) < 0.6]
        byte = (rng.random(keep.size) * length[keep]).astype(int)
        data[keep, byte] ^= (1 << rng.integers(0, 8, keep.size)).astype(np.uint8)
    # 3: random lengths, the tail random
    grow = kind == 3
    length[grow] = rng.integers(0, MAX_LENGTH + 1, grow.sum())
    tail = rng.integers(0, 256, (N, MAX_LENGTH), dtype=np.uint8)
    beyond = np.arange(MAX_LENGTH)[None, :] >= sizes[pick][:, None]
    data[grow[:, None] & beyond] = tail[grow[:, None] & beyond]
    # 4: unknown commands
    unknown = np.flatnonzero(kind == 4)
    codes = rng.integers(0, 1 << 16, unknown.size)
    codes[np.isin(codes, list(Command))] = 0xFFFF
    data[unknown, SDP_HEADER.size] = codes & 0xFF
    data[unknown, SDP_HEADER.size + 1] = codes >> 8
    # 5: random addresses (arg1)
    random_address = np.flatnonzero(kind == 5)
    data[random_address, SDP_HEADER.size + 4:SDP_HEADER.size + 8] = rng.integers(
        0, 256, (random_address.size, 4), dtype=np.uint8)
    # 6: noise
    noise = kind == 6
    data[noise] = tail[noise]
    length[noise] = rng.integers(0, MAX_LENGTH + 1, noise.sum())
    return data, length, rows


def permitted(datagram: bytes, machine) -> list:
    """(chip, start, end) ranges a datagram may write: what it names itself,
    if that lies wholly in SDRAM (at 0x60000000 or its alias 0x70000000) or
    the system variables."""
    named = [(c, s - ALIAS_OFFSET, e - ALIAS_OFFSET) if SDRAM_ALIAS <= s else (c, s, e)
             for c, s, e in _named(datagram, machine)]
    return [(c, s, e) for c, s, e in named
            if SDRAM_BASE <= s < e <= 0x68000000 or SV_BASE <= s < e <= SV_BASE + 256]


def _named(datagram: bytes, machine) -> list:
    if len(datagram) < SCP_MIN:
        return []
    dy, dx = datagram[6], datagram[7]
    chip = (0, 0) if (dx, dy) == (255, 255) else (dx, dy)
    cmd, _, a1, a2, a3 = struct.unpack_from("<HHIII", datagram, SDP_HEADER.size)
    if cmd == Command.WRITE:
        return [(chip, a1, a1 + a2)]
    if cmd == Command.FILL:
        return [(chip, a1, a1 + a3)]
    if cmd == Command.LINK_WRITE and a3 < 6 and machine.is_alive(*chip):
        other = machine.neighbour(*chip, a3)
        return [(other, a1, a1 + a2)] if other else []
    if cmd == Command.APP_COPY_RUN:
        return [(chip, SDRAM_SYS, SDRAM_SYS + a2)]
    return []


def memory(board):
    """Each chip's SDRAM chunks and system variables."""
    return {xy: (c.sdram.snapshot(), bytes(c.sv)) for xy, c in board.chips.items()}


def unexplained(before, after, ranges) -> list:
    """Addresses that changed outside every permitted range (and outside the
    board's own system heap; vcpu blocks and router state may change)."""
    bad = []
    for xy, (chunks, sv) in after.items():
        old_chunks, old_sv = before[xy]
        spans = sorted((s, e) for c, s, e in ranges if c == xy and e > s)
        merged = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        starts = np.array([s for s, _ in merged], dtype=np.int64)
        ends = np.array([e for _, e in merged], dtype=np.int64)

        def check(base, old, new):
            if base >= SYSTEM_HEAP and base < 0x68000000:
                return
            i = np.searchsorted(starts, base, side="right") - 1
            if i >= 0 and ends[i] >= base + len(new):
                return  # wholly inside one permitted range
            diff = np.flatnonzero(np.frombuffer(old, np.uint8) != np.frombuffer(new, np.uint8))
            at = base + diff
            j = np.searchsorted(starts, at, side="right") - 1
            ok = (j >= 0) & (at < ends[np.maximum(j, 0)])
            bad.extend((xy, hex(int(a))) for a in at[~ok][:5])

        check(SV_BASE, old_sv, sv)
        for index in set(chunks) | set(old_chunks):
            zero = bytes(CHUNK)
            check(SDRAM_BASE + index * CHUNK, old_chunks.get(index, zero),
                  chunks.get(index, zero))
    return bad


def test_fuzzed_datagrams_never_crash_or_corrupt_the_board():
    machine = Machine.spinn3()
    board = VirtualBoard(machine, booted=True)
    pattern = bytes(range(256))
    assert board.handle(request(Command.WRITE, 1, PATTERN, 256, 0, pattern, (1, 1)), CLIENT)
    for xy in machine.working_chips:
        board.chip(*xy)
    before = memory(board)
    data, length, _ = fuzz_datagrams()
    ranges = []
    answered = 0
    for row, n in zip(data, length):
        datagram = row[:n].tobytes()
        replies = board.handle(datagram, CLIENT)
        ranges += permitted(datagram, machine)
        if n < SDP_HEADER.size or not datagram[2] & 0x80:
            assert replies == []
            continue
        (reply,) = replies
        answer = parse_scp(reply, 0)
        assert 0x80 <= answer.cmd_rc <= 0x8F
        assert answer.sdp.flags == 0x07
        if n >= SDP_HEADER.size + 4:
            assert answer.seq == struct.unpack_from("<H", datagram, SDP_HEADER.size + 2)[0]
        answered += 1
    assert board.counts.requests == N + 1 and answered > N // 2
    assert board.counts.errors == 0, "a handler failed instead of answering deliberately"
    assert board.counts.rejected.get("CMD") and board.counts.rejected.get("LEN")
    assert board.counts.rejected.get("ARG") and board.counts.rejected.get("ROUTE")
    # Still answering correctly, and nothing changed but what was asked for.
    (ver,) = board.handle(request(Command.VER, 4242), ("10.0.0.1", 1))
    assert parse_scp(ver).args[0] >> 16 == 0 and parse_scp(ver).data == VERSION_TEXT
    assert not any(c == (1, 1) and s < PATTERN + 256 and e > PATTERN for c, s, e in ranges)
    (read,) = board.handle(request(Command.READ, 4243, PATTERN, 256, 0, dest=(1, 1)), CLIENT)
    assert parse_scp(read, 0).data == pattern
    board.wait_runs()
    assert unexplained(before, memory(board), ranges) == []


def test_fuzz_on_a_loaded_board_keeps_it_answering():
    """Signals, ALLOCs and writes hitting a loaded application (runs started,
    stopped and broken midway) never take the board down."""
    from spinnc.compiler import compile_network
    from spinnc.demo import demo_model

    from .test_board_run import Raw, load

    image = compile_network(demo_model(), Machine.spinn3(), n_steps=20, seed=0).image
    board = VirtualBoard(image.machine, booted=True)
    load(Raw(board), image)
    data, length, _ = fuzz_datagrams(seed=1)
    signals = {0: Signal.START, 1: Signal.SYNC0}
    for i, (row, n) in enumerate(zip(data[:20_000], length[:20_000])):
        if i in signals:  # a run goes on amid the noise
            board.handle(request(Command.SIG, 70_000 + i, 0,
                                 signals[i] << 16 | 0xFF << 8 | image.cores[0].app_id), CLIENT)
        board.handle(row[:n].tobytes(), CLIENT)
    board.wait_runs()
    assert board.counts.errors == 0 and board.counts.runs >= 1
    (ver,) = board.handle(request(Command.VER, 1), CLIENT)
    assert parse_scp(ver).data == VERSION_TEXT
