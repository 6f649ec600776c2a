"""Provenance summed per board of a machine of several boards."""

import json

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine
from spinnc.report import provenance_text, write_provenance_report


def test_each_board_sums_its_cores_routers_and_the_packets_it_sends_off(tmp_path):
    # one application core on three chips of each board: the model must span them
    machine = Machine.boards(3, app_cores=1)
    alive = {(x + dx, y) for x, y in machine.ethernet_chips for dx in (0, 1, 2)}
    machine = machine.with_dead(cores=[(x, y, 1) for x, y in machine.working_chips
                                       if (x, y) not in alive])
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(np.sin)
        chain = [nengo.Ensemble(100, 1) for _ in range(6)]
        nengo.Connection(stim, chain[0])
        for pre, post in zip(chain, chain[1:]):
            nengo.Connection(pre, post)
    image = compile_network(net, machine, n_steps=20, placer="hilbert").image
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
