"""An LIF ensemble kernel's compiled tick (encoding, the model's compiled
loop, decoding in one call) gives the bits of the generic numpy path, on
one thread or split over two."""

import threading

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator, kernels
from spinnc.machine import Machine
from spinnc.neurons.lif import LIF


def model(alif=False):
    with nengo.Network(seed=2) as net:
        stim = nengo.Node(lambda t: [np.sin(6 * t), np.cos(4 * t)])
        a = nengo.Ensemble(700, 2, label="a")
        b = nengo.Ensemble(500, 2, label="b")
        c = nengo.Ensemble(300, 1, label="c",
                           neuron_type=nengo.AdaptiveLIF() if alif else nengo.LIF())
        nengo.Connection(stim, a)
        nengo.Connection(a, b, synapse=0.005)
        nengo.Connection(b[0], c)
        nengo.Connection(b, b, synapse=0.05, transform=0.5)
        # neuron inputs: the gain times them joins the encoded current
        nengo.Connection(stim[0], b.neurons, transform=np.linspace(-2, 2, 500)[:, None])
        nengo.Probe(b, synapse=0.01)
        nengo.Probe(a.neurons)
        nengo.Probe(b.neurons, "input")
        nengo.Probe(c.neurons, "voltage")
    return net


def emulate(image, monkeypatch, threads):
    monkeypatch.setenv("SPINNC_THREADS", str(threads))
    emulator = Emulator(image)
    emulator.run(150)
    return emulator


def assert_same_run(a, b):
    recordings = a.recordings()
    assert recordings and all(r.any() for r in recordings.values())
    assert recordings.keys() == b.recordings().keys()
    for key, recording in recordings.items():
        np.testing.assert_array_equal(b.recordings()[key], recording)
    assert a.provenance().to_dict() == b.provenance().to_dict()


@pytest.fixture(scope="module")
def image():
    return compile_network(model(), Machine.spinn5(), n_steps=150, placer="hilbert").image


def test_two_threads_give_one_threads_bits(image, monkeypatch):
    monkeypatch.setattr(kernels, "SPLIT_NEURONS", 50)
    one, two = emulate(image, monkeypatch, 1), emulate(image, monkeypatch, 2)
    assert one.ensembles.threads == 1 and one.ensembles.parts.tolist() == [0, 1500]
    assert two.ensembles.threads == 2 and two.ensembles.parts.tolist() == [0, 750, 1500]
    assert threading.active_count() == 1  # no Python thread: the minimiser may fork
    assert_same_run(one, two)


def test_compiled_tick_gives_the_numpy_paths_bits(image, monkeypatch):
    monkeypatch.setattr(kernels, "SPLIT_NEURONS", 50)
    compiled = emulate(image, monkeypatch, 2)
    assert compiled.ensembles.compiled is not None
    monkeypatch.setattr(LIF, "compiled_loop", lambda self, constants: None)
    generic = emulate(image, monkeypatch, 2)
    assert generic.ensembles.compiled is None and generic.ensembles.threads == 1
    assert_same_run(compiled, generic)


def test_models_without_a_compiled_loop_stay_on_one_thread(monkeypatch):
    monkeypatch.setattr(kernels, "SPLIT_NEURONS", 50)
    image = compile_network(model(alif=True), Machine.spinn5(), n_steps=150).image
    ensembles = emulate(image, monkeypatch, 2).ensembles
    assert ensembles.compiled is None and ensembles.threads == 1
