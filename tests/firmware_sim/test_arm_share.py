"""The firmware's shared inputs (apps/ensemble.c, INPUT_SHARE) against the
Python engine's, word for word: clusters on one chip, each core filtering
its block and encoding its cluster's input of the tick before."""

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.errors import CoreFailed
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.arm import ArmEmulator
from spinnc.machine import Machine
from spinnc.regions import Region, read_regions

STEPS = 40


def shared_model(dims=48):
    with nengo.Network(seed=3) as net:
        u = nengo.Node(lambda t: np.sin(8 * t + np.arange(dims)) * 0.15)
        a = nengo.Ensemble(60, dims)
        nengo.Connection(u, a)
        nengo.Connection(nengo.Node(lambda t: -float(t > 0.02)), a.neurons,
                         transform=np.ones((60, 1)))  # neuron inputs still reach their cores
        b = nengo.Ensemble(20, 1)
        nengo.Connection(a, b, function=lambda x: x[0])
        nengo.Probe(a, synapse=0.01)
        nengo.Probe(b, synapse=0.01)
        nengo.Probe(a.neurons)
        nengo.Probe(a.neurons, "input")
    # A small budget makes 48 dimensions worth sharing.
    return compile_network(net, Machine.spinn3(cycles_per_tick=60000), n_steps=STEPS, seed=0,
                           placer="hilbert").image


def test_shared_inputs_agree_with_the_python_engine():
    image = shared_model()
    shared = [c for c in image.cores if Region.INPUT_SHARE in read_regions(c.data)]
    assert len(shared) >= 4
    python, arm = Emulator(image), ArmEmulator(image)
    python.run(STEPS)
    arm.run(STEPS)
    expected, found = python.recordings(), arm.recordings()
    arm.close()
    assert sorted(found) == sorted(expected)
    for name in expected:
        assert np.array_equal(found[name], expected[name]), name
    spikes = next(v for k, v in found.items() if k.endswith(".spikes"))
    assert spikes[:20].any()


def test_a_core_whose_lead_holds_no_input_stops_with_an_error():
    from dataclasses import replace

    from spinnc.regions import pack_regions, unpack_regions

    image = shared_model()
    cores = list(image.cores)
    i = next(i for i, c in enumerate(cores)
             if read_regions(c.data).get(Region.INPUT_SHARE, ({"n_buffer": 1},))[0]
             .get("n_buffer") == 0)
    raw = unpack_regions(cores[i].data)
    header, arrays = read_regions(cores[i].data)[Region.INPUT_SHARE]
    raw[Region.INPUT_SHARE] = Region.LAYOUTS[Region.INPUT_SHARE].pack(
        {**header, "lead_core": 17}, **arrays)  # a core with no region data
    cores[i] = replace(cores[i], data=pack_regions(raw))
    arm = ArmEmulator(replace(image, cores=cores))
    with pytest.raises(CoreFailed, match="core 17 holds no shared input of 48 dimensions"):
        arm.run(2)
    arm.close()


def test_clusters_adding_their_sums_agree_with_the_python_engine():
    """800 neurons on 64 cores send 8 partial sums each, more than a core of
    the receiver takes at this budget: the cores add them in clusters."""
    with nengo.Network(seed=3) as net:
        u = nengo.Node(lambda t: np.sin(8 * t + np.arange(8)) * 0.3)
        a, b = nengo.Ensemble(800, 8), nengo.Ensemble(800, 8)
        nengo.Connection(u, a)
        nengo.Connection(a, b)
        nengo.Probe(b, synapse=0.01)
        nengo.Probe(b.neurons)
    image = compile_network(net, Machine.spinn5(cycles_per_tick=30000), n_steps=30, seed=0,
                            placer="hilbert").image
    assert sum(Region.OUTPUT_SHARE in read_regions(c.data) for c in image.cores) >= 32
    python, arm = Emulator(image), ArmEmulator(image)
    python.run(30)
    arm.run(30)
    expected, found = python.recordings(), arm.recordings()
    arm.close()
    for name in expected:
        assert np.array_equal(found[name], expected[name]), name
    assert next(v for k, v in found.items() if k.endswith(".spikes"))[10:].any()
