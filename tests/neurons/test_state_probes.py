"""Probes of a neuron model's state beyond the voltage: AdaptiveLIF's
``adaptation`` and Izhikevich's ``recovery``, recorded on the ensemble cores
as the models' probes say, close to nengo, identical through a board, and
refused with the probeable states named for a model that lacks them."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc import neurons
from spinnc.errors import UnsupportedFeature
from spinnc.machine import Machine
from spinnc.virtual_board.board import serve


def model():
    with nengo.Network(seed=5) as net:
        stim = nengo.Node(lambda t: np.sin(6 * t))
        alif = nengo.Ensemble(20, 1, neuron_type=nengo.AdaptiveLIF(tau_n=0.1, inc_n=0.05))
        izh = nengo.Ensemble(20, 1, neuron_type=nengo.Izhikevich())
        nengo.Connection(stim, alif)
        nengo.Connection(stim, izh)
        net.adaptation = nengo.Probe(alif.neurons, "adaptation")
        net.voltage = nengo.Probe(alif.neurons, "voltage", sample_every=0.002)
        net.recovery = nengo.Probe(izh.neurons, "recovery", sample_every=0.003)
        net.izh_spikes = nengo.Probe(izh.neurons)
    return net


def relative_rms(found, expected):
    return np.sqrt(np.mean((found - expected) ** 2)) / np.sqrt(np.mean(expected ** 2))


@pytest.fixture(scope="module")
def runs():
    net = model()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.5)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
    return net, ref, sim


def test_state_probes_are_close_to_nengo(runs):
    net, ref, sim = runs
    for probe in (net.adaptation, net.voltage, net.recovery):
        assert sim.data[probe].shape == ref.data[probe].shape, probe.attr
    assert np.abs(ref.data[net.adaptation]).max() > 1  # the adaptation builds up
    # A spike a tick apart moves a neuron's adaptation by inc_n for a while.
    assert relative_rms(sim.data[net.adaptation], ref.data[net.adaptation]) < 1e-2
    # Izhikevich's recovery jumps by d at a spike: a spike a tick apart moves
    # a few samples a lot; most agree to within s16.15's rounding.
    recovery = np.abs(sim.data[net.recovery] - ref.data[net.recovery])
    assert np.median(recovery) < 1e-2 and np.mean(recovery > 0.5) < 0.05
    assert relative_rms(sim.data[net.recovery], ref.data[net.recovery]) < 0.05


def test_state_is_recorded_on_the_ensemble_core(runs):
    """Each kind at its own period in the POPULATION region (not in the host)."""
    _, _, sim = runs
    compiled = sim.compilation
    kinds = {p.kind for p in compiled.image.probes.values()}
    assert {"adaptation", "recovery", "voltage", "spikes"} <= kinds
    from spinnc import recording
    recorded = {(r.kind, r.every) for c in compiled.image.cores
                for r in recording.core_recordings(c)}
    assert {("adaptation", 1), ("voltage", 2), ("recovery", 3), ("spikes", 1)} <= recorded


def test_state_probes_through_a_board_equal_the_emulator():
    net = model()
    board = serve(Machine.spinn3(), port=0, boot_port=0, booted=True)
    try:
        with spinnc.Simulator(net, progress_bar=False) as emulated:
            emulated.run(0.2)
        with spinnc.Simulator(net, progress_bar=False, target="board",
                              host=board.address[0], port=board.address[1]) as on_board:
            on_board.run(0.2)
    finally:
        board.close()
    for probe in (net.adaptation, net.voltage, net.recovery, net.izh_spikes):
        assert np.array_equal(on_board.data[probe], emulated.data[probe]), probe.attr


def test_a_state_a_model_does_not_have_is_refused_naming_what_it_records():
    with nengo.Network() as net:
        ens = nengo.Ensemble(10, 1)  # nengo's LIF has it, spinnc's does not record it
        nengo.Probe(ens.neurons, "refractory_time")
    with pytest.raises(UnsupportedFeature, match="probing 'refractory_time'.*voltage of LIF"):
        spinnc.Simulator(net)


def test_a_probe_must_record_an_s16_15_state_variable():
    class Broken(neurons.NeuronModel):
        name, code = "Broken", 999
        nengo_type = type("BrokenType", (nengo.neurons.NeuronType,), {})
        state = (neurons.Variable("voltage", None),)
        probes = {"voltage": "voltage"}

    with pytest.raises(ValueError, match="probe 'voltage' records 'voltage'.*s16.15"):
        neurons.register(Broken())
    with pytest.raises(KeyError):
        neurons.model_by_code(999)  # nothing was registered
