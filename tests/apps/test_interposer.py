"""The interposer application: the firmware and the Python kernel agree word
for word, the mapper's split into blocks keeps the transform, the cost
function is the firmware's, and a 64-D circular convolution runs close to
nengo."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.arm import ArmEmulator
from spinnc.frontend import build, quantise
from spinnc.machine import Machine
from spinnc.mapper.interposers import split_interposers
from tests.firmware_sim.test_arm_models import assert_engines_agree


def convolution(dims, neurons=10, probe=True, seed=0):
    """A CircularConvolution of two constant vectors into an EnsembleArray."""
    rng = np.random.RandomState(seed)
    a, b = rng.randn(2, dims) / np.sqrt(dims)
    with nengo.Network(seed=seed) as network:
        stimulus_a, stimulus_b = nengo.Node(a), nengo.Node(b)
        bind = nengo.networks.CircularConvolution(neurons, dims)
        nengo.Connection(stimulus_a, bind.input_a)
        nengo.Connection(stimulus_b, bind.input_b)
        array = nengo.networks.EnsembleArray(neurons, dims)
        nengo.Connection(bind.output, array.input)
        if probe:
            nengo.Probe(array.output, synapse=0.01, label="result")
    network.vectors = a, b
    return network


def compiled(network, steps, machine=None):
    return compile_network(network, machine or Machine.spinn5(), n_steps=steps, seed=0,
                           placer="hilbert")


def interposer_cores(compilation):
    return [i for i, v in enumerate(compilation.partition.vertices)
            if v.application == "interposer"]


@pytest.mark.parametrize("dims, neurons, steps, cores", [(16, 10, 30, 1), (64, 50, 30, 3)])
def test_the_firmware_computes_what_the_python_kernel_does(dims, neurons, steps, cores):
    """One interposer, and one split over three cores by input dimensions."""
    compilation = compiled(convolution(dims, neurons), steps)
    assert len(interposer_cores(compilation)) == cores
    assert_engines_agree(compilation.image, steps)


def test_the_cost_function_is_the_firmwares():
    """The partitioner's plan and the Python engine's count are one function,
    within a few percent of the firmware's cycles."""
    steps = 20
    compilation = compiled(convolution(16), steps)
    python, arm = Emulator(compilation.image), ArmEmulator(compilation.image)
    python.run(steps)
    per_tick = []  # every cycle of each tick, its receive interrupts too
    for _ in range(steps):
        before = [c.cycles for c in arm.cores]
        arm.run(1)
        per_tick.append([c.cycles - b for c, b in zip(arm.cores, before)])
    for i in interposer_cores(compilation):
        planned = compilation.partition.vertices[i].resources.cycles
        counted = python.provenance().cores[i].max_cycles
        measured = max(tick[i] for tick in per_tick[3:-1])  # the last tick ends the run
        assert counted == planned
        # The shared key-search constant is high for a table of 72 entries
        # (about 12 cycles a step here, not 19): conservative by ~10%.
        assert 0.85 <= measured / counted <= 1.02, (measured, counted)
    arm.close()


def effective(graph, name_of_interposers):
    """source -> sink weights through the named interposers (raw words), as
    a dict of (pre, post, post index) -> row."""
    out = {}
    for mid in name_of_interposers:
        size = graph.inputs[mid].size_in
        for first in graph.incoming(mid):
            spread = np.zeros((size, first.weights.shape[1]), dtype=np.int64)
            spread[first.post_indices] = first.weights
            for second in graph.outgoing(mid):
                rows = second.weights.astype(np.int64) @ spread
                for i, post in enumerate(second.post_indices):
                    key = (first.pre, second.post, int(post))
                    out[key] = out.get(key, 0) + rows[i]
    return {k: v for k, v in out.items() if np.any(v)}


def test_the_split_keeps_the_transform():
    graph, _ = quantise(build(convolution(64, 50, probe=False)))
    (name,) = [n for n, i in graph.inputs.items() if i.kind == "interposer"]
    split = split_interposers(graph, Machine.spinn5())
    pieces = [n for n, i in split.inputs.items() if i.kind == "interposer"]
    assert len(pieces) == 3 and name not in split.inputs
    whole, parts = effective(graph, [name]), effective(split, pieces)
    assert whole.keys() == parts.keys()
    for key in whole:
        np.testing.assert_array_equal(whole[key], parts[key])


def test_64_dimensions_bind_as_in_nengo():
    """Through spinnc.Simulator (the public interface, whatever records the probe)."""
    network = convolution(64, 50)
    with spinnc.Simulator(network, seed=0) as sim:
        sim.run(0.3)
    with nengo.Simulator(network, seed=0, progress_bar=False) as ref:
        ref.run(0.3)
    ours, nengos = sim.data[network.probes[0]][-1], ref.data[network.probes[0]][-1]
    cosine = ours @ nengos / np.linalg.norm(ours) / np.linalg.norm(nengos)
    assert cosine > 0.9
    a, b = network.vectors
    exact = np.real(np.fft.ifft(np.fft.fft(a) * np.fft.fft(b)))
    assert ours @ exact / np.linalg.norm(ours) / np.linalg.norm(exact) > 0.8


def test_128_dimensions_fit_one_board():
    compilation = compiled(convolution(128, 50, probe=False), 10)
    assert len(compilation.image.cores) <= Machine.spinn5().n_cores
    assert max(v.resources.cycles for v in compilation.partition.vertices) <= 80_000
