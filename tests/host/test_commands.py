"""Each SC&MP command through BoardController against the virtual board;
boot and discovery."""

import pytest

from spinnc.errors import BoardNotBooted, DoesNotFit, SCPError
from spinnc.formats import scp
from spinnc.firmware import binary as application_binary
from spinnc.host.boot import boot
from spinnc.host.discovery import discover
from spinnc.formats.scp import ReturnCode, Signal, State
from spinnc.machine import Link, Machine
from spinnc.router.table import make_table

BASE = 0x60000000
APP = 30


def test_version_memory_and_system_variables(virtual_board, controller):
    board = controller(virtual_board())
    version = board.ensure_booted()
    assert (version.chip, version.name, version.version) == ((0, 0), "SC&MP/SpiNNaker", "4.0.0")
    assert board.version(2, 1).chip == (2, 1)
    data = bytes(i * 7 % 256 for i in range(1500))
    board.write(1, 1, BASE + 3, data)  # odd address: byte units, 6 packets
    assert board.read(1, 1, BASE + 3, len(data)) == data
    assert board.read(0, 0, BASE + 3, 16) == bytes(16)  # another chip's memory is apart
    board.fill(1, 1, BASE + 4, 0xA5A5A5A5, 8)
    assert board.read(1, 1, BASE + 3, 10) == data[:1] + b"\xa5" * 8 + data[9:10]
    board.write_word(1, 1, BASE + 2048, 0x12345678)
    assert board.read_word(1, 1, BASE + 2048) == 0x12345678
    sv = board.system_variables(3, 2)
    assert (sv.p2p_addr, sv.p2p_dims, sv.hw_ver) == ((3, 2), (8, 8), 5)
    assert (sv.sdram_sys, sv.vcpu_base) == (scp.SDRAM_SYS, scp.VCPU_BASE)


def test_errors_by_name(virtual_board, controller):
    board = controller(virtual_board())
    with pytest.raises(SCPError, match=r"READ of 16 bytes at 0x10000000 on chip \(0, 0\): "
                                       "RC_ARG") as error:
        board.read(0, 0, 0x10000000, 16)
    assert error.value.rc == ReturnCode.ARG
    with pytest.raises(SCPError, match=r"chip \(7, 0\): RC_ROUTE"):  # outside SpiNN-5's outline
        board.read(7, 0, BASE, 4)


def test_info_and_discovery(virtual_board, controller):
    machine = Machine.spinn5().with_dead(chips=[(3, 3)], cores=[(1, 0, 5)],
                                         links=[(0, 0, Link.NORTH)])
    board = controller(virtual_board(machine))
    info = board.info(1, 0)
    assert info.n_cores == 16  # the monitor and 15 working application cores
    assert info.core_states[0] == State.RUN and info.core_states[5] == State.DEAD
    assert info.core_states[1] == State.IDLE
    assert set(info.working_links) == {int(link) for link in machine.links(1, 0)}
    assert info.nearest_ethernet == (0, 0) and info.largest_free_sdram > 100 << 20
    assert discover(board) == machine
    assert discover(controller(virtual_board(Machine.grid(3, 2, wrap=True)))) == \
        Machine.grid(3, 2, wrap=True)


def test_sdram_and_router_allocation(virtual_board, controller):
    vboard = virtual_board()
    board = controller(vboard)
    total, largest = board.free_space(0, 0)
    a = board.alloc_sdram(0, 0, 1000, APP, tag=1)
    b = board.alloc_sdram(0, 0, 500, APP)
    assert BASE <= a < scp.SDRAM_SYS and a != b
    assert board.free_space(0, 0)[0] <= total - 1500
    board.free_sdram(0, 0, b)
    assert board.free_sdram_by_app(0, 0, APP) == 1
    assert board.free_space(0, 0) == (total, largest)
    with pytest.raises(DoesNotFit, match=r"chip \(0, 0\) cannot allocate"):
        board.alloc_sdram(0, 0, 200 << 20, APP)

    table = make_table([(0x100, 0xFFFFFF00, 1 << 8), (0x200, 0xFFFFFF00, 1 << 2)])
    free_entries = board.info(0, 0).largest_free_router_block
    index = board.load_routing_table(0, 0, table, APP)
    assert index > 0 and board.info(0, 0).largest_free_router_block == free_entries - 2
    loaded = vboard.chip(0, 0).table()
    assert [(int(e["key"]), int(e["route"])) for e in loaded] == [(0x100, 1 << 8), (0x200, 4)]
    board.router_clear(0, 0, index)
    assert len(vboard.chip(0, 0).table()) == 1
    second = board.alloc_router_entries(0, 0, 10, APP)
    board.free_router_entries(0, 0, second)
    assert board.free_router_entries_by_app(0, 0, APP) == 1
    board.router_init(0, 0)
    board.fixed_route(0, 0, 0x1234)
    assert board.fixed_route(0, 0) == 0x1234
    assert board.router_counters(0, 0).tolist() == [0] * 16


def test_iptags(virtual_board, controller):
    board = controller(virtual_board())
    assert board.iptag_sizes() == (8, 8)
    board.iptag_set(3, "127.0.0.1", 5000, strip=True)
    tag = board.iptag_get(3)
    assert (tag.in_use, tag.ip_address, tag.port, tag.strip) == (True, "127.0.0.1", 5000, True)
    new = board.iptag_new("127.0.0.1", 6000, strip=False)
    assert new >= 8 and board.iptag_get(new).port == 6000
    board.iptag_clear(3)
    assert not board.iptag_get(3).in_use


def test_applications_and_signals(virtual_board, controller):
    board = controller(virtual_board())
    binary = application_binary("host_out")
    board.write(0, 0, scp.SDRAM_SYS, binary)
    board.app_run(0, 0, APP, [1, 2])
    status = board.core_status(0, 0, [1, 2, 3])
    assert [(s.state, s.app_id, s.app_name) for s in status] == [
        (State.WAIT, APP, "host_out"), (State.WAIT, APP, "host_out"), (State.IDLE, 0, "")]
    # The binary copied from (0, 0) to its east neighbour (1, 0), over (1, 0)'s west link.
    board.app_copy_run(1, 0, Link.WEST, binary, APP, [4])
    assert board.core_status(1, 0, [4])[0].app_name == "host_out"
    assert board.count(APP, State.WAIT) == 3
    with pytest.raises(SCPError, match="RC_SUM"):
        board.app_copy_run(1, 0, Link.WEST, binary + b"\x01\x00\x00\x00", APP, [5])
    # Started with no data at user0: each core fails with the reason in its IOBUF.
    board.signal(Signal.START, APP)
    assert board.count(APP, State.RUNTIME_EXCEPTION) == 3
    assert "user0" in board.iobuf(0, 0, 1)
    board.stop(APP)
    assert board.count(APP, State.RUNTIME_EXCEPTION) == 0
    assert board.core_status(0, 0, [1])[0].state == State.IDLE


def test_boot_sequence(virtual_board, controller):
    vboard = virtual_board(booted=False)
    board = controller(vboard, timeout=0.2, retries=0)
    assert not board.version().booted
    with pytest.raises(BoardNotBooted, match="boot"):
        board.ensure_booted()
    host, port = vboard.address
    result = boot(host, port=port, boot_port=vboard.boot_address[1], packet_delay=0.001,
                  poll=0.02)
    assert result.version.booted and result.version.chip == (0, 0)
    assert board.ensure_booted().version == "4.0.0"
    assert vboard.counts.boot_packets == 34 and vboard.counts.boot_errors == 0
