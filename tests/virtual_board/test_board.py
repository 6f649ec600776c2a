"""The virtual board answers every SC&MP 4.0 command as HOST_PROTOCOL.md says,
byte for byte, with the proper return codes for bad requests."""

import socket
import struct
import time

import numpy as np
import pytest

from spinnc.virtual_board.board import BUILD_DATE, BoardCounts, Faults, VirtualBoard, serve
from spinnc.virtual_board.board_faults import FaultInjector, Timers
from spinnc.formats.aplx import binary_checksum
from spinnc.firmware import binary as application_binary
from spinnc.formats.scp import (BOOT_BLOCK, BOOT_DATA, BOOT_END, BOOT_START, FLAG_NO_REPLY,
                             ROUTER_DIAGNOSTICS, ROUTER_ENTRY, SDRAM_SYS, SV_BASE, SV_HW_VER,
                             SV_P2P_ADDR, SV_P2P_DIMS, SV_SDRAM_SYS, SV_VCPU_BASE, VCPU_APP_NAME,
                             VCPU_BASE, VERSION_TEXT, BootPacket, Command, ReturnCode, SDPHeader,
                             Signal, State, parse_reply, parse_scp, request, vcpu_address)
from spinnc.machine import Machine

from .test_board_run import Raw

SDRAM = 0x60000000


@pytest.fixture
def board():
    return VirtualBoard(Machine.spinn5(), booted=True)


@pytest.fixture
def raw(board):
    return Raw(board)


def test_ver_reply_is_exact_and_comes_from_the_answering_chip(board):
    datagram = request(Command.VER, 0x1234, dest=(255, 255))
    (reply,) = board.handle(datagram, ("127.0.0.1", 9))
    sdp = SDPHeader.unpack(reply)
    assert sdp.flags == FLAG_NO_REPLY and sdp.tag == 0xFF
    assert (sdp.dest_port_cpu, sdp.src_port_cpu) == (0xFF, 0)  # swapped
    assert sdp.src == (0, 0) and sdp.dest == (0, 0)
    assert reply[10:] == struct.pack("<HHIII", 0x80, 0x1234, 0, 0xFFFF0100, BUILD_DATE) \
        + VERSION_TEXT
    (reply,) = board.handle(request(Command.VER, 5, dest=(2, 1)))
    ver = parse_reply(reply, Command.VER)
    assert ver.args[0] == (2 << 8 | 1) << 16 and ver.sdp.src == (2, 1)


def test_read_has_no_args_and_exactly_the_length_asked(raw):
    raw.ok(Command.WRITE, SDRAM + 8, 6, 0, b"abcdef")
    (reply,) = raw.board.handle(request(Command.READ, 3, SDRAM + 8, 5, 0))
    assert reply[10:] == struct.pack("<HH", 0x80, 3) + b"abcde"
    assert raw.ok(Command.READ, SDRAM + 6, 4, 1).data == b"\0\0ab"  # half-words


def test_write_units_lengths_and_ranges(raw):
    raw.ok(Command.WRITE, SDRAM, 4, 2, b"\1\2\3\4")
    assert raw.ok(Command.READ, SDRAM, 4, 2).data == b"\1\2\3\4"
    raw.ok(Command.WRITE, 0x67FFFFFF, 1, 0, b"z")  # the last SDRAM byte
    assert raw.rc(Command.WRITE, SDRAM + 2, 4, 2, b"abcd") == "ARG"  # misaligned word
    assert raw.rc(Command.READ, SDRAM + 1, 2, 1) == "ARG"
    assert raw.rc(Command.READ, SDRAM, 2, 3) == "ARG"  # no such unit
    assert raw.rc(Command.READ, SDRAM, 0, 0) == "ARG"
    assert raw.rc(Command.READ, SDRAM, 257, 0) == "ARG"
    assert raw.rc(Command.WRITE, SDRAM, 8, 0, b"abc") == "LEN"
    assert raw.rc(Command.READ, 0x67FFFFFF, 2, 0) == "ARG"  # runs past SDRAM
    assert raw.rc(Command.READ, 0x10000000, 4, 2) == "ARG"
    assert raw.rc(Command.WRITE, 0xF0000000, 4, 2, b"abcd") == "ARG"
    assert raw.rc(Command.READ, SDRAM, 4, 2, dest=(7, 0)) == "ROUTE"  # outside the outline
    assert raw.rc(Command.READ, SDRAM, 4, 2, dest=(20, 20)) == "ROUTE"


def test_sdram_answers_at_its_unbuffered_alias_too(raw):
    """A chip's SDRAM is at 0x60000000 and again at 0x70000000 (SpiNNMan
    reads and writes there)."""
    raw.ok(Command.WRITE, 0x70000010, 4, 2, b"\1\2\3\4")
    assert raw.ok(Command.READ, SDRAM + 0x10, 4, 2).data == b"\1\2\3\4"
    raw.ok(Command.WRITE, SDRAM + 0x20, 3, 0, b"xyz")
    assert raw.ok(Command.READ, 0x70000020, 3, 0).data == b"xyz"
    raw.ok(Command.FILL, 0x70000040, 0xCAFEF00D, 8)
    assert raw.ok(Command.READ, SDRAM + 0x40, 8, 0).data == struct.pack("<I", 0xCAFEF00D) * 2
    raw.ok(Command.WRITE, 0x77FFFFFF, 1, 0, b"q")  # the alias's last byte is SDRAM's
    assert raw.ok(Command.READ, 0x67FFFFFF, 1, 0).data == b"q"
    assert raw.rc(Command.READ, 0x77FFFFFF, 2, 0) == "ARG"  # runs past it
    assert raw.rc(Command.READ, 0x78000000, 4, 2) == "ARG"


def test_dead_chips_are_unreachable():
    raw = Raw(VirtualBoard(Machine.spinn5().with_dead(chips=[(1, 1)]), booted=True))
    assert raw.rc(Command.VER, dest=(1, 1)) == "ROUTE"
    assert raw.rc(Command.VER, dest=(1, 0)) == "OK"


def test_fill(raw):
    raw.ok(Command.FILL, SDRAM + 16, 0xDEADBEEF, 12)
    assert raw.ok(Command.READ, SDRAM + 12, 20, 0).data == \
        b"\0" * 4 + struct.pack("<I", 0xDEADBEEF) * 3 + b"\0" * 4
    assert raw.rc(Command.FILL, SDRAM + 2, 0, 8) == "ARG"
    assert raw.rc(Command.FILL, 0x68000000 - 4, 0, 8) == "ARG"


def test_system_variables(raw):
    sv = raw.ok(Command.READ, SV_BASE, 256, 0, dest=(3, 2)).data
    assert struct.unpack_from("<H", sv, SV_P2P_ADDR)[0] == 3 << 8 | 2
    assert struct.unpack_from("<H", sv, SV_P2P_DIMS)[0] == 8 << 8 | 8
    assert sv[SV_HW_VER] == 5
    assert struct.unpack_from("<II", sv, SV_SDRAM_SYS) == (SDRAM_SYS, VCPU_BASE)
    assert struct.unpack_from("<II", sv, SV_VCPU_BASE - 4)[1] == VCPU_BASE


def test_info_layout(raw):
    info = raw.ok(Command.INFO)
    arg1, largest_sdram, _ = info.args
    assert arg1 & 0x1F == 17  # the monitor and 16 application cores
    assert (arg1 >> 8) & 0x3F == 0b000111  # (0, 0): E, NE and N only
    assert (arg1 >> 14) & 0x7FF == 1023 and arg1 >> 25 & 1 == 1
    assert largest_sdram == SDRAM_SYS - SDRAM
    assert len(info.data) == 18 + 2 + 4 + 2
    assert info.data[0] == State.RUN and set(info.data[1:17]) == {State.IDLE}
    assert info.data[17] == State.DEAD  # spare core of a 16-core machine
    assert info.data[18:20] == b"\0\0" and info.data[20:24] == bytes([127, 0, 0, 1])
    other = raw.ok(Command.INFO, dest=(2, 1))
    assert other.args[0] >> 25 & 1 == 0 and (other.args[0] >> 8) & 0x3F == 0x3F
    assert struct.unpack_from("<H", other.data, 24)[0] in (3, 4, 5)  # W, SW or S to the root


def test_alloc_sdram_and_router_entries(raw, board):
    a = raw.ok(Command.ALLOC, 17 << 8, 100, 3).args[0]
    b = raw.ok(Command.ALLOC, 17 << 8, 8, 0).args[0]
    assert a == SDRAM and b >= a + 100 and b % 4 == 0
    free = raw.ok(Command.ALLOC, 6, n_args=2).args
    assert free == (SDRAM_SYS - SDRAM - (b + 8 - SDRAM),) * 2
    assert raw.ok(Command.ALLOC, 17 << 8, 1 << 30).args == (0,)  # does not fit
    raw.ok(Command.ALLOC, 1, a)
    assert raw.rc(Command.ALLOC, 1, a) == "ARG"  # already freed
    assert raw.ok(Command.ALLOC, 17 << 8 | 2).args == (1,)
    assert not board.chip(0, 0).heap.blocks
    first = raw.ok(Command.ALLOC, 17 << 8 | 3, 10).args[0]
    assert first == 1  # entry 0 is SC&MP's
    assert raw.ok(Command.ALLOC, 17 << 8 | 3, 1014).args == (0,)
    assert raw.ok(Command.ALLOC, 17 << 8 | 3, 1013).args == (11,)
    assert (raw.ok(Command.INFO).args[0] >> 14) & 0x7FF == 0
    raw.ok(Command.ALLOC, 4, first)
    assert raw.ok(Command.ALLOC, 17 << 8 | 5).args == (1,)
    assert raw.rc(Command.ALLOC, 8) == "ARG"


def test_a_tag_is_held_by_one_block_per_app_id(raw):
    """SC&MP's sark_xalloc: a non-zero tag is held by one block of an app id;
    the retry flag returns that block for the same size; op 7 finds it."""
    a = raw.ok(Command.ALLOC, 17 << 8, 64, 9).args[0]
    assert a and raw.ok(Command.ALLOC, 17 << 8, 64, 9).args == (0,)  # tag in use
    retry = 4 << 16  # ALLOC_TAG_RETRY
    assert raw.ok(Command.ALLOC, retry | 17 << 8, 64, 9).args == (a,)
    assert raw.ok(Command.ALLOC, retry | 17 << 8, 32, 9).args == (0,)  # another size
    other = raw.ok(Command.ALLOC, 18 << 8, 64, 9).args[0]  # another app's tag 9
    assert other not in (0, a)
    assert raw.ok(Command.ALLOC, 17 << 8 | 7, 9).args == (a,)
    assert raw.ok(Command.ALLOC, 18 << 8 | 7, 9).args == (other,)
    assert raw.ok(Command.ALLOC, 19 << 8 | 7, 9).args == (0,)
    assert raw.ok(Command.ALLOC, 17 << 8, 8, 256).args == (0,)  # tags are 0-255
    raw.ok(Command.ALLOC, 1, a)  # freeing the block frees its tag
    assert raw.ok(Command.ALLOC, 17 << 8 | 7, 9).args == (0,)
    assert raw.ok(Command.ALLOC, 17 << 8, 64, 9).args[0]


def test_router_load_clear_and_fixed_route(raw, board):
    first = raw.ok(Command.ALLOC, 20 << 8 | 3, 3).args[0]
    entries = b"".join(ROUTER_ENTRY.pack(0, 20, 1 << (6 + i), 0x100 * i, 0xFFFFFF00)
                       for i in range(3))
    buffer = raw.alloc((0, 0), 20, len(entries))
    raw.write((255, 255), buffer, entries)
    raw.ok(Command.RTR, 3 << 16 | 20 << 8 | 2, buffer, first)
    table = board.chip(0, 0).table()
    assert table["key"].tolist() == [0, 0x100, 0x200]
    assert table["route"].tolist() == [1 << 6, 1 << 7, 1 << 8]
    raw.ok(Command.RTR, 1, first + 1)
    assert board.chip(0, 0).table()["key"].tolist() == [0, 0x200]
    assert raw.rc(Command.RTR, 2 << 16 | 2, buffer, 500) == "ARG"  # not allocated
    assert raw.rc(Command.RTR, 1 << 16 | 2, 0x10, first) == "ARG"  # not SDRAM
    raw.ok(Command.RTR, 3, 0x123)
    assert raw.ok(Command.RTR, 3, 1 << 31, n_args=1).args == (0x123,)
    raw.ok(Command.RTR, 0)
    assert not len(board.chip(0, 0).table())
    assert raw.rc(Command.RTR, 4) == "ARG"


def test_iptag_set_get_clear_and_table_sizes(raw):
    ip = bytes([10, 1, 2, 3])
    raw.ok(Command.IPTAG, 1 << 28 | 1 << 16 | 2, 0x4567, struct.unpack("<I", ip)[0])
    get = raw.ok(Command.IPTAG, 2 << 16 | 2, 1)
    assert len(get.data) == 32 and not get.args  # the entry starts where arg1 would
    assert get.data[0:4] == ip
    assert struct.unpack_from("<HHH", get.data, 10) == (0x4567, 0, 0x8000 | 0x0100)
    tto = raw.ok(Command.IPTAG, 4 << 16, 255, n_args=1).args[0]
    assert tto.to_bytes(4, "little")[2:] == bytes([8, 8])  # pool, fixed
    assert raw.ok(Command.IPTAG, 0, 80, 0, n_args=1).args[0] == 8  # NEW: from the pool
    raw.ok(Command.IPTAG, 3 << 16 | 2)
    assert struct.unpack_from("<H", raw.ok(Command.IPTAG, 2 << 16 | 2, 1).data, 14)[0] == 0
    assert raw.rc(Command.IPTAG, 2 << 16 | 16, 1) == "ARG"
    assert raw.rc(Command.IPTAG, 5 << 16) == "ARG"


def test_count_ar_signals_and_bad_cores(raw, board):
    raw.write((1, 0), SDRAM_SYS, application_binary("host_out"))
    raw.ok(Command.AR, 40 << 24 | 1 << 18 | 0b110, dest=(1, 0))
    assert raw.count(40, State.WAIT) == 2 and raw.count(41, State.WAIT) == 0
    name = raw.ok(Command.READ, vcpu_address(2) + VCPU_APP_NAME, 16, 0, dest=(1, 0)).data
    assert name == b"host_out".ljust(16, b"\0")
    assert raw.rc(Command.AR, 40 << 24 | 1, dest=(1, 0)) == "CPU"  # the monitor
    assert raw.rc(Command.AR, 40 << 24 | 1 << 17, dest=(1, 0)) == "CPU"  # a spare core
    assert raw.rc(Command.COUNT, 40, 16) == "ARG"
    assert raw.rc(Command.SIG, 1, Signal.START << 16 | 0xFF << 8 | 40) == "ARG"  # gone in 4.0
    assert raw.rc(Command.SIG, 0, 99 << 16 | 0xFF << 8 | 40) == "ARG"
    raw.signal(40, Signal.START)  # no data at user0: both fail
    assert raw.count(40, State.RUNTIME_EXCEPTION) == 2
    raw.signal(40, Signal.STOP)
    assert raw.count(40, State.RUNTIME_EXCEPTION) == 0
    assert board.chip(1, 0).state(1) == State.IDLE
    raw.ok(Command.NNP, 1, 2, 1 << 31)


def test_link_read_write_and_dead_links():
    board = VirtualBoard(Machine.spinn5().with_dead(links=[(0, 0, 2)]), booted=True)
    raw = Raw(board)
    raw.ok(Command.LINK_WRITE, SDRAM, 8, 0, b"12345678")  # (0, 0) east -> (1, 0)
    assert raw.ok(Command.READ, SDRAM, 8, 0, dest=(1, 0)).data == b"12345678"
    assert raw.ok(Command.LINK_READ, SDRAM, 8, 3, dest=(1, 0)).data == b"\0" * 8
    assert raw.ok(Command.LINK_READ, SDRAM, 4, 0).data == b"1234"
    assert raw.rc(Command.LINK_READ, SDRAM, 4, 2) == "ROUTE"  # dead
    assert raw.rc(Command.LINK_READ, SDRAM, 4, 4) == "ROUTE"  # off the board
    assert raw.rc(Command.LINK_READ, SDRAM, 6, 0) == "ARG"
    assert raw.rc(Command.LINK_READ, SDRAM, 4, 6) == "ARG"


def test_app_copy_run_checks_the_checksum_and_as_runs_any_address(raw, board):
    binary = application_binary("ensemble")
    raw.write((0, 0), SDRAM_SYS, binary)
    checksum = binary_checksum(binary)
    assert checksum == sum(struct.unpack(f"<{len(binary) // 4}I", binary)) % (1 << 32)
    spec = 50 << 24 | 1 << 18 | 1 << 3
    assert raw.rc(Command.APP_COPY_RUN, ((checksum + 1) & 0x1FFFFFFF) << 3 | 3, len(binary),
                  spec, dest=(1, 0)) == "SUM"
    raw.ok(Command.APP_COPY_RUN, (checksum & 0x1FFFFFFF) << 3 | 3, len(binary), spec,
           dest=(1, 0))
    copied = b"".join(raw.ok(Command.READ, SDRAM_SYS + at, min(256, len(binary) - at), 0,
                             dest=(1, 0)).data for at in range(0, len(binary), 256))
    assert copied == binary
    assert board.chip(1, 0).app_name(3) == "ensemble" and raw.count(50, State.WAIT) == 1
    assert raw.rc(Command.APP_COPY_RUN, 4, len(binary), spec, dest=(1, 0)) == "ROUTE"
    address = raw.alloc((2, 2), 51, len(binary))
    raw.write((2, 2), address, application_binary("host_out"))
    raw.ok(Command.AS, address, 51 << 24 | 1 << 18 | 1 << 5, dest=(2, 2))
    assert board.chip(2, 2).app_name(5) == "host_out"


def test_malformed_datagrams_get_their_return_codes(board, raw):
    short = request(Command.READ, 9, SDRAM, 4, 2)[:20]
    (reply,) = board.handle(short)
    assert parse_scp(reply, 0).cmd_rc == ReturnCode.LEN and parse_scp(reply, 0).seq == 9
    assert board.handle(b"\0\0\x87") == []  # no SDP header: nothing to answer
    assert raw.rc(77) == "CMD"
    assert raw.rc(Command.VER, cpu=3) == "CPU"
    port = bytearray(request(Command.VER, 1))
    port[4] = 1 << 5
    assert parse_scp(board.handle(bytes(port))[0], 0).cmd_rc == ReturnCode.PORT
    assert board.handle(request(Command.VER, 1, reply=False)) == []
    assert board.counts.rejected["LEN"] >= 2


def test_an_unbooted_board_answers_ver_with_ffff_and_nothing_else():
    raw = Raw(VirtualBoard(Machine.spinn3()))
    assert raw.ok(Command.VER).args[0] >> 16 == 0xFFFF
    assert raw.rc(Command.READ, SDRAM, 4, 2) == "DEAD"


def test_a_repeated_request_is_answered_from_the_cache(board):
    alloc = request(Command.ALLOC, 77, 17 << 8, 64, 0)
    first = board.handle(alloc, ("127.0.0.1", 1))
    assert board.handle(alloc, ("127.0.0.1", 1)) == first
    assert len(board.chip(0, 0).heap.blocks) == 1 and board.counts.cached == 1
    board.handle(alloc, ("127.0.0.1", 2))  # another client's request is its own
    assert len(board.chip(0, 0).heap.blocks) == 2


# -- over UDP ----------------------------------------------------------------------------


class Client:
    """A minimal SCP client with a timeout and retries (the host's is spinnc.host)."""

    def __init__(self, address, timeout=0.05, retries=40):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.address, self.retries, self.seq, self.sent = address, retries, 0, 0

    def __call__(self, cmd, *args, data=b"", n_args=None):
        self.seq = (self.seq + 1) & 0xFFFF
        datagram = request(cmd, self.seq, *args, data=data)
        for _ in range(self.retries):
            self.sock.sendto(datagram, self.address)
            self.sent += 1
            deadline = time.monotonic() + self.sock.gettimeout()
            while time.monotonic() < deadline:
                try:
                    reply = parse_scp(self.sock.recv(2048), 3 if n_args is None else n_args)
                except socket.timeout:
                    break
                if reply.seq == self.seq:
                    return reply
        raise TimeoutError(f"no reply to command {cmd}")

    def close(self):
        self.sock.close()


@pytest.fixture
def udp_board():
    board = VirtualBoard(Machine.spinn3(), port=0, boot_port=0, boot_delay=0.05).start()
    yield board
    board.close()


def test_boot_sequence_over_udp(udp_board):
    client = Client(udp_board.address)
    try:
        assert client(Command.VER).args[0] >> 16 == 0xFFFF
        boot = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        image = bytes(range(256)) * 12  # 3 blocks
        blocks = [image[i:i + BOOT_BLOCK] for i in range(0, len(image), BOOT_BLOCK)]
        packets = [BootPacket(BOOT_DATA, 2000 << 8, data=b"x" * 8)]  # before start: refused
        packets += [BootPacket(BOOT_START, arg3=len(blocks) - 1)]
        packets += [BootPacket(BOOT_DATA, (len(b) // 4 - 1) << 8 | i, data=b)
                    for i, b in enumerate(blocks)]
        packets += [BootPacket(BOOT_END, 1)]
        for packet in packets:
            boot.sendto(packet.pack(), udp_board.boot_address)
            time.sleep(0.01)
        boot.close()
        for _ in range(100):
            ver = client(Command.VER)
            if ver.args[0] >> 16 != 0xFFFF:
                break
            time.sleep(0.02)
        assert ver.args[0] >> 16 == 0 and ver.data == VERSION_TEXT
        assert udp_board.counts.boot_errors == 1 and udp_board.counts.boot_packets == 6
    finally:
        client.close()


def test_boot_refuses_an_incomplete_image():
    board = VirtualBoard(Machine.spinn3(), port=0, boot_port=0, boot_delay=0.0)
    board.handle_boot(BootPacket(BOOT_START, arg3=1).pack())
    board.handle_boot(BootPacket(BOOT_DATA, 255 << 8 | 0, data=b"\0" * 1024).pack())
    board.handle_boot(BootPacket(BOOT_END, 1).pack())  # block 1 missing
    board.handle_boot(BootPacket(BOOT_START, arg3=40).pack())  # 41 KiB: too big
    board.handle_boot(b"\0\2junk")
    assert board.counts.boot_errors == 3 and not board._timers and not board.booted


def test_duplicated_requests_allocate_once_over_udp():
    with serve(Machine.spinn3(), port=0, boot_port=None, duplicate=1.0, seed=1,
               booted=True) as board:
        client = Client(board.address)
        try:
            address = client(Command.ALLOC, 17 << 8, 64, 0, n_args=1).args[0]
            assert address == SDRAM
            time.sleep(0.05)
            assert len(board.chip(0, 0).heap.blocks) == 1
            assert board.counts.duplicated >= 2 and board.counts.cached >= 1
        finally:
            client.close()


def test_lossy_delayed_reordered_board_still_answers_correctly():
    with serve(Machine.spinn3(), port=0, boot_port=None, loss=0.2, duplicate=0.1, delay=0.2,
               reorder=0.2, seed=3, booted=True) as board:
        client = Client(board.address)
        try:
            data = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
            for at in range(0, len(data), 256):
                client(Command.WRITE, SDRAM + at, 256, 0, data=data[at:at + 256])
            back = b"".join(client(Command.READ, SDRAM + at, 256, 0, n_args=0).data
                            for at in range(0, len(data), 256))
            assert back == data
            counts = board.counts
            assert counts.dropped and counts.duplicated and counts.delayed and counts.reordered
            assert client.sent > 32  # the losses cost retries
        finally:
            client.close()


def test_fault_injector_drops_delays_reorders_and_keeps_to_its_direction():
    counts, timers, done = BoardCounts(), Timers(), []
    reorder = FaultInjector(Faults(reorder=1.0, seed=0), timers, counts)
    reorder.through("requests", lambda: done.append(1))
    assert done == []  # held back
    reorder.through("requests", lambda: done.append(2))
    assert done == [2, 1] and counts.reordered == 1
    FaultInjector(Faults(loss=1.0), timers, counts).through("requests", lambda: done.append(3))
    FaultInjector(Faults(loss=1.0, requests=False), timers, counts).through(
        "requests", lambda: done.append(4))
    assert done == [2, 1, 4] and counts.dropped == 1
    delay = FaultInjector(Faults(delay=1.0, max_delay=0.0), Timers(), counts)
    delay.through("replies", lambda: done.append(5))
    assert done[-1] == 4 and len(delay.timers) == 1
    delay.timers.run_due()
    assert done[-1] == 5 and counts.delayed == 1


def test_faults_must_be_fractions():
    with pytest.raises(ValueError, match="loss=1.5"):
        Faults(loss=1.5)


def test_router_diagnostics_are_readable_and_writable(raw):
    raw.ok(Command.WRITE, ROUTER_DIAGNOSTICS, 4, 2, b"\1\0\0\0")
    assert raw.ok(Command.READ, ROUTER_DIAGNOSTICS, 64, 2).data[:4] == b"\1\0\0\0"


def test_count_is_per_board_on_a_machine_of_boards():
    machine = Machine.boards(3)
    raw = Raw(VirtualBoard(machine, booted=True))
    other = machine.ethernet_chips[1]
    raw.write(other, SDRAM_SYS, application_binary("host_out"))
    raw.ok(Command.AR, 60 << 24 | 1 << 18 | 0b110, dest=other)
    assert raw.ok(Command.COUNT, 60, State.WAIT, dest=other).args == (2,)
    assert raw.count(60, State.WAIT) == 0  # the first board's Ethernet chip


def test_serve_forever_serves_until_stopped(capsys):
    import argparse
    import threading

    from spinnc.virtual_board.board import add_arguments, serve_forever

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--machine", "spinn3", "--port", "0", "--boot-port", "0",
                              "--loss", "0.1", "--booted"])
    assert (args.loss, args.booted, args.port) == (0.1, True, 0)
    stop = threading.Event()
    thread = threading.Thread(target=serve_forever, args=(args, stop), daemon=True)
    thread.start()
    for _ in range(100):
        out = capsys.readouterr().out
        if "serving" in out:
            break
        time.sleep(0.02)
    assert "127.0.0.1:" in out and "booted" in out
    port = int(out.split("127.0.0.1:")[1].split(",")[0])
    client = Client(("127.0.0.1", port))
    try:
        assert client(Command.VER).data == VERSION_TEXT
    finally:
        client.close()
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and "stopped" in capsys.readouterr().out


def test_the_system_variables_clock_follows_the_boards_clock():
    now = [1_234_567.9]
    raw = Raw(VirtualBoard(Machine.spinn3(), booted=True, clock=lambda: now[0]))
    unix_time = SV_BASE + 0x1C
    assert struct.unpack("<I", raw.ok(Command.READ, unix_time, 4, 2).data)[0] == 1_234_567
    now[0] += 61
    assert struct.unpack("<I", raw.ok(Command.READ, unix_time, 4, 2).data)[0] == 1_234_628
