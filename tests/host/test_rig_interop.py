"""rig 2.4.1's MachineController talks to the virtual board (issue 7, item 5).

rig targets SC&MP 3.x.  What it does that SC&MP 4.0 (HOST_PROTOCOL.md) no
longer provides, and so is not tested here:

- ``count_cores_in_state`` counts with a point-to-point signal (SIG type 1),
  which SC&MP 4.0 removed (COUNT, command 15, replaces it): RC_ARG.
- ``get_system_info`` and ``get_p2p_routing_table`` read the router's P2P
  table registers (0xE1010000), which are not among the memory a host
  touches in SC&MP 4.0; exploring with ``get_chip_info`` per chip (what
  :func:`spinnc.host.discover` does) works.
- ``get_routing_table_entries`` reads SC&MP 3's SysRAM copy of the router
  table through ``sv.rtr_copy``; ``get_num_working_cores`` reads
  ``sv.num_cpus``: the virtual board leaves both 0.
"""

import pytest

from spinnc.formats import scp
from spinnc.host import BoardController
from spinnc.machine import Machine

APP = 66


@pytest.fixture
def rig_controller(virtual_board):
    interop = pytest.importorskip("spinnc.interop")
    try:
        interop.import_rig()
        from rig.machine_control import MachineController
    except ImportError:
        pytest.skip("rig is not installed (pip install -e '.[interop]')")
    board = virtual_board(Machine.spinn5())
    host, port = board.address
    return board, MachineController(host, scp_port=port, boot_port=board.boot_address[1],
                                    timeout=0.5, n_tries=3)


def test_version_and_memory(rig_controller):
    board, mc = rig_controller
    info = mc.get_software_version(255, 255)
    assert info.position == (0, 0) and info.software_version == (4, 0, 0)
    assert (info.version_string, info.buffer_size) == ("SC&MP/SpiNNaker", 256)
    assert mc.get_software_version(2, 3).position == (2, 3)
    data = bytes(i * 13 % 256 for i in range(3000))
    mc.write(0x60000000, data, 1, 1)
    assert mc.read(0x60000000, len(data), 1, 1) == data
    assert board.chip(1, 1).read(0x60000000, 16) == data[:16]
    assert mc.read_struct_field("sv", "p2p_dims", 0, 0) == 8 << 8 | 8
    assert mc.read_vcpu_struct_field("cpu_state", 0, 0, 1) == scp.State.IDLE


def test_chip_info(rig_controller):
    from rig.links import Links
    from rig.machine_control.consts import AppState

    board, mc = rig_controller
    info = mc.get_chip_info(1, 1)
    assert info.num_cores == 17  # the monitor and 16 application cores
    assert info.core_states[0] == AppState.run and info.core_states[1] == AppState.idle
    assert info.working_links == {Links(int(link)) for link in board.machine.links(1, 1)}
    assert info.local_ethernet_chip == (0, 0)
    assert info.largest_free_sdram_block > 100 << 20
    assert mc.get_chip_info(0, 0).ethernet_up


def test_iptags(rig_controller):
    _, mc = rig_controller
    mc.iptag_set(1, "127.0.0.1", 5000, 0, 0)
    tag = mc.iptag_get(1, 0, 0)
    assert (tag.addr, tag.port, tag.flags & 0x8000) == ("127.0.0.1", 5000, 0x8000)
    mc.iptag_clear(1, 0, 0)
    assert mc.iptag_get(1, 0, 0).flags == 0


def test_sdram_alloc(rig_controller):
    board, mc = rig_controller
    first = mc.sdram_alloc(1000, tag=3, x=0, y=0, app_id=APP)
    second = mc.sdram_alloc(100, x=0, y=0, app_id=APP, clear=True)
    assert 0x60000000 <= first < second < scp.SDRAM_SYS
    assert mc.read(second, 100, 0, 0) == bytes(100)
    # Both blocks belong to the app: freeing it by app id frees two.
    with BoardController(*board.address) as ours:
        assert ours.free_sdram_by_app(0, 0, APP) == 2


def test_load_routing_tables(rig_controller):
    from rig.routing_table import RoutingTableEntry, Routes

    board, mc = rig_controller
    tables = {(0, 0): [RoutingTableEntry({Routes.core(1)}, 0x100, 0xFFFFFF00),
                       RoutingTableEntry({Routes.east, Routes.north}, 0x200, 0xFFFFFF00)],
              (1, 0): [RoutingTableEntry({Routes.core(2)}, 0x200, 0xFFFFFF00)]}
    mc.load_routing_tables(tables, app_id=APP)
    loaded = board.chip(0, 0).table()
    assert [(int(e["key"]), int(e["mask"]), int(e["route"])) for e in loaded] == [
        (0x100, 0xFFFFFF00, 1 << (6 + 1)), (0x200, 0xFFFFFF00, 1 << 0 | 1 << 2)]
    assert [int(e["route"]) for e in board.chip(1, 0).table()] == [1 << (6 + 2)]
