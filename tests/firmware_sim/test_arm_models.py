"""The ARM engine on whole models: every example and hypothesis-generated
small networks give recordings equal, word for word, to the Python engine's,
and the same packet counts."""

from pathlib import Path

import nengo
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.arm import ArmEmulator
from spinnc.machine import Machine
from spinnc.modelfile import load_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NEURON_TYPES = [nengo.LIF, lambda: nengo.AdaptiveLIF(tau_n=0.05, inc_n=0.1),
                nengo.SpikingRectifiedLinear, nengo.Izhikevich,
                lambda: nengo.RegularSpiking(nengo.LIFRate()),
                lambda: nengo.RegularSpiking(nengo.RectifiedLinear())]


def assert_engines_agree(image, steps):
    python, arm = Emulator(image), ArmEmulator(image)
    python.run(steps)
    arm.run(steps)
    expected, found = python.recordings(), arm.recordings()
    assert sorted(found) == sorted(expected)
    for name in expected:
        assert found[name].shape == expected[name].shape, name
        assert np.array_equal(found[name], expected[name]), name
    sent = {(c.x, c.y, c.core): c.packets_sent for c in python.provenance().cores}
    assert {(c.x, c.y, c.core): c.packets_sent for c in arm.provenance().cores} == sent
    arm.close()


@pytest.mark.parametrize("example, steps", [
    ("channel", 100), ("integrator", 100), ("oscillator", 100), ("basal_ganglia", 100),
    ("pipeline", 15), ("circular_convolution", 20),
    ("demo", 100), ("neuron_types", 60), ("alpha_synapse", 100)])
def test_every_example_runs_word_for_word_on_the_firmware(example, steps):
    image = compile_network(load_model(EXAMPLES / f"{example}.py"), Machine.spinn5(),
                            n_steps=steps, seed=0, placer="hilbert").image
    assert_engines_agree(image, steps)


@st.composite
def networks(draw):
    """1-3 ensembles of any neuron type in a chain from a node, with
    functions, transforms, synapses, inhibition of neurons and probes."""
    seed = draw(st.integers(0, 2**16))
    with nengo.Network(seed=seed) as net:
        frequency = draw(st.floats(1, 20))
        dims = draw(st.integers(1, 2))
        if draw(st.booleans()):
            source = nengo.Node(lambda t, f=frequency, d=dims: np.sin(f * t + np.arange(d)))
        else:
            source = nengo.Node(draw(st.lists(st.floats(-1, 1), min_size=dims, max_size=dims)))
        previous = source
        for i in range(draw(st.integers(1, 3))):
            neuron_type = NEURON_TYPES[draw(st.integers(0, len(NEURON_TYPES) - 1))]()
            ens = nengo.Ensemble(draw(st.integers(5, 40)), dims, neuron_type=neuron_type)
            synapse = draw(st.sampled_from([None, 0.005, 0.02]))
            function = draw(st.sampled_from([None, np.square, np.tanh]))
            transform = draw(st.floats(-1.5, 1.5))
            nengo.Connection(previous, ens, synapse=synapse, transform=transform,
                             function=function if previous is not source else None)
            if i and draw(st.booleans()):  # inhibit this ensemble's neurons
                nengo.Connection(previous, ens.neurons, transform=-2 * np.ones((ens.n_neurons,
                                                                                 dims)))
            every = draw(st.sampled_from([None, 0.002, 0.003]))
            nengo.Probe(ens, synapse=draw(st.sampled_from([None, 0.01])), sample_every=every)
            nengo.Probe(ens.neurons, sample_every=every)
            if draw(st.booleans()):
                nengo.Probe(ens.neurons, "voltage")
            previous = ens
    return net


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks())
def test_generated_models_run_word_for_word_on_the_firmware(network):
    image = compile_network(network, Machine.spinn3(), n_steps=30, seed=0,
                            placer="hilbert").image
    assert_engines_agree(image, 30)
