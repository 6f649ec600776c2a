"""The architecture object: SpiNNaker1's facts, reached through the Machine."""

import json

import pytest

from spinnc.arch import ARCHITECTURES, SPINN1, architecture
from spinnc.errors import MachineError
from spinnc.machine import Link, Machine
from spinnc.router import commands
from spinnc.router.table import N_CORES, ROUTE_BITS
from spinnc.router.trees import CORE_BIT


def test_spinnaker1_facts():
    # HARDWARE.md: 18 cores, core 0 the monitor, 1024 TCAM entries of which SC&MP keeps one.
    assert SPINN1.cores_per_chip == 18 and SPINN1.monitor_core == 0
    assert SPINN1.max_app_cores == 17
    assert (SPINN1.router_entries_hardware, SPINN1.router_entries) == (1024, 1023)
    assert SPINN1.route_bits == 24 and SPINN1.core_bit == 6
    assert SPINN1.route_mask == 0xFFFFFF and SPINN1.link_mask == 0x3F
    assert SPINN1.cycles_per_tick == 200_000
    assert (SPINN1.dtcm_bytes, SPINN1.itcm_bytes, SPINN1.sysram_bytes) == (65536, 32768, 32768)
    assert all(SPINN1.opposite_link(link) == Link(link).opposite for link in Link)


def test_one_truth_used_everywhere():
    assert CORE_BIT == SPINN1.core_bit and N_CORES == SPINN1.cores_per_chip
    assert ROUTE_BITS == SPINN1.route_mask
    assert commands.ROUTER_ENTRIES == SPINN1.router_entries


def test_reached_through_the_machine():
    machine = Machine.spinn5()
    assert machine.arch is SPINN1
    assert machine.router_entries == machine.arch.router_entries == 1023
    assert machine.cycles_per_tick == machine.arch.cycles_per_tick
    assert machine.app_cores == machine.arch.app_cores
    assert tuple(Link(l).vector for l in Link) == machine.arch.link_vectors


def test_json_round_trip(tmp_path):
    machine = Machine.spinn3(app_cores=17)
    machine.save(tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["arch"] == "spinnaker1"
    loaded = Machine.load(tmp_path / "m.json")
    assert loaded.arch is SPINN1 and loaded.to_dict() == machine.to_dict()


def test_a_file_without_arch_is_spinnaker1(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps(
        {"format": "spinnc-machine", "version": 1, "width": 2, "height": 2}))
    assert Machine.load(tmp_path / "m.json").arch is SPINN1


def test_unknown_architecture_is_named():
    state = Machine.spinn3().to_dict() | {"arch": "spinnaker9"}
    with pytest.raises(MachineError, match="spinnaker9.*spinnaker1"):
        Machine.from_dict(state)
    assert architecture("spinnaker1") is ARCHITECTURES["spinnaker1"]
