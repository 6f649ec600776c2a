"""Provenance summed per board of a machine of several boards."""

import json

from spinnc.firmware_sim import Emulator
from spinnc.report import provenance_text, write_provenance_report

from ..three_boards import chain_image


def test_each_board_sums_its_cores_routers_and_the_packets_it_sends_off(tmp_path):
    machine, image = chain_image(20)
    emulator = Emulator(image)
    emulator.run(20)
    provenance = emulator.provenance()
    boards = provenance.by_board(machine)
    assert [b["ethernet_chip"] for b in boards] == [list(c) for c in machine.ethernet_chips]
    assert sum(b["cores"] for b in boards) == len(image.cores) == 7
    assert all(b["cores"] >= 1 for b in boards)
    assert sum(b["packets_sent"] for b in boards) == provenance.packets_sent > 0
    assert sum(b["dropped"] for b in boards) == provenance.dropped
    assert max(b["max_cycles"] for b in boards) == max(c.max_cycles for c in provenance.cores)
    off = sum(b["packets_off_board"] for b in boards)
    assert 0 < off <= sum(link.packets for link in provenance.links)
    text = provenance_text(provenance, machine)
    assert text.startswith("Boards") and "off the board" in text
    assert not provenance_text(provenance).startswith("Boards")
    write_provenance_report(provenance, tmp_path, machine)
    assert json.loads((tmp_path / "provenance.json").read_text())["boards"] == boards
