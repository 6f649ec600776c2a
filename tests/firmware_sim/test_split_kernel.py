"""A big ensemble kernel splits its neurons over two threads: the same bits as one."""

import threading

import nengo
import numpy as np

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator, kernels
from spinnc.machine import Machine


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
        nengo.Probe(b, synapse=0.01)
        nengo.Probe(a.neurons)
        nengo.Probe(c.neurons, "voltage")
    return net


def emulate(image, monkeypatch, threads):
    monkeypatch.setenv("SPINNC_THREADS", str(threads))
    emulator = Emulator(image)
    emulator.run(150)
    return emulator


def test_two_threads_give_one_threads_bits(monkeypatch):
    monkeypatch.setattr(kernels, "SPLIT_NEURONS", 50)
    image = compile_network(model(), Machine.spinn5(), n_steps=150, placer="hilbert").image
    one, two = emulate(image, monkeypatch, 1), emulate(image, monkeypatch, 2)
    assert one.ensembles.halves is None
    split = two.ensembles
    assert tuple(split.halves) == ((0, split.n_neurons // 2), (split.n_neurons // 2, split.n_neurons))
    assert threading.active_count() == 1  # its thread ended with the run
    recordings = one.recordings()
    assert recordings and any(r.any() for r in recordings.values())
    for key, recording in recordings.items():
        np.testing.assert_array_equal(two.recordings()[key], recording)
    assert one.provenance().to_dict() == two.provenance().to_dict()


def test_models_that_do_not_step_in_place_stay_on_one_thread(monkeypatch):
    monkeypatch.setattr(kernels, "SPLIT_NEURONS", 50)
    image = compile_network(model(alif=True), Machine.spinn5(), n_steps=150).image
    assert emulate(image, monkeypatch, 2).ensembles.halves is None
