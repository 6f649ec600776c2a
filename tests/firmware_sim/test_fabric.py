"""Fabric.follow_all, every packet of a tick through the routers at once,
finds what following each packet alone (Fabric.trace) does: the cores
reached and what every router and link counted."""

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.packets import Fabric
from spinnc.machine import Machine


def spread_model(seed=3):
    """Ensembles on many chips, each feeding three others at random."""
    rng = np.random.default_rng(seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(np.sin)
        ensembles = [nengo.Ensemble(30, 1) for _ in range(150)]
        nengo.Connection(stim, ensembles[0][0])
        for i, a in enumerate(ensembles):
            for j in rng.choice(len(ensembles), 3, replace=False):
                if j != i:
                    nengo.Connection(a, ensembles[j], transform=0.3)
        nengo.Probe(ensembles[-1], synapse=0.01)
    return net


def test_all_at_once_is_each_alone():
    image = compile_network(spread_model(), Machine.spinn5(app_cores=2), n_steps=5,
                            placer="hilbert", seed=1).image
    emulator = Emulator(image)
    fabric = Fabric(emulator.machine, image.tables, set(emulator._where))
    senders = [emulator.cores[i] for i in emulator.slot_core]
    keys = emulator.slot_key
    together = fabric.follow_all(np.array([c.x for c in senders]),
                                 np.array([c.y for c in senders]), keys)
    reached, counts, links = [], {}, {}
    for slot, (c, key) in enumerate(zip(senders, keys.tolist())):
        trace = fabric.trace(c.x, c.y, key)
        reached += sorted((slot, *where) for where in trace.cores)
        for chip, n in trace.counts.items():
            total = counts.setdefault(chip, np.zeros(4, dtype=np.int64))
            total += list(vars(n).values())
        for link, n in trace.links.items():
            links[link] = links.get(link, 0) + n
    assert len({(c.x, c.y) for c in senders}) > 5 and len(links) > 10  # packets travel
    found = sorted(zip(together.packet.tolist(), together.x.tolist(), together.y.tolist(),
                       together.core.tolist()))
    assert found == sorted(reached) and len(found) > 100
    assert {chip: list(vars(n).values()) for chip, n in together.counts.items()} == \
        {chip: n.tolist() for chip, n in counts.items()}
    assert together.links == links
    assert np.all(np.diff(together.packet) >= 0)  # by packet, as the deliveries are used


def test_no_packets_reach_nothing():
    fabric = Fabric(Machine.spinn5(), {}, set())
    nothing = fabric.follow_all(np.zeros(0, np.int64), np.zeros(0, np.int64),
                                np.zeros(0, np.int64))
    assert nothing.packet.size == 0 and nothing.counts == {} and nothing.links == {}
