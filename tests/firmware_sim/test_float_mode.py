"""Float mode: the same kernels on the same Image in float64 with nengo's LIF,
to separate quantisation error from mapping and timing effects."""

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.demo import demo_model
from spinnc.firmware_sim import Emulator
from spinnc.firmware_sim.lif import FloatLIF, LIFState, float_lif_step
from spinnc.frontend import reference
from spinnc.machine import Machine
from spinnc.probes import probe_data

STEPS = 1000


def rms(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def compiled(model, steps=STEPS):
    compilation = compile_network(model, Machine.spinn5(), n_steps=steps, seed=0,
                                  placer="hilbert")
    _COMPILATIONS[id(compilation.image.probes)] = compilation
    return compilation.image


_COMPILATIONS: dict = {}


def data(emulator):
    """Every probe's data as sim.data holds it (the host needs the Graph)."""
    return probe_data(_COMPILATIONS[id(emulator.image.probes)], emulator.recordings(),
                      emulator.t)


def emulate(image, precision, **run):
    emulator = Emulator(image, precision=precision)
    emulator.run(**run)
    return emulator


@pytest.fixture(scope="module")
def demo():
    image = compiled(demo_model())
    return (image, emulate(image, "fixed"), emulate(image, "float"),
            reference(demo_model(), STEPS * 0.001, seed=0))


def test_float_mode_is_at_least_as_close_to_nengo_as_fixed(demo):
    _, fixed_run, float_run, ref = demo
    fixed_rec, float_rec = data(fixed_run), data(float_run)
    for name in ("x", "x squared"):
        assert float_rec[name].shape == fixed_rec[name].shape == ref[name].shape
        assert rms(float_rec[name], ref[name]) <= rms(fixed_rec[name], ref[name]), name


def test_float_and_fixed_differ_by_little(demo):
    _, fixed_run, float_run, _ = demo
    difference = rms(data(fixed_run)["x squared"], data(float_run)["x squared"])
    assert 0 < difference < 0.05


def test_recordings_have_the_fixed_modes_units_and_shapes(demo):
    image, fixed_run, float_run, _ = demo
    fixed_rec, float_rec = data(fixed_run), data(float_run)
    assert fixed_rec.keys() == float_rec.keys()
    for name in fixed_rec:
        assert float_rec[name].shape == fixed_rec[name].shape, name
        assert float_rec[name].dtype == np.float64, name
    assert set(np.unique(float_rec["x spikes"])) <= {0.0, 1 / image.dt}


def test_float_mode_keeps_provenance_and_cycles(demo):
    _, fixed_run, float_run, _ = demo
    assert float_run.provenance() == fixed_run.provenance()


def test_float_runs_are_deterministic(demo):
    image, _, first, _ = demo
    again = emulate(image, "float")
    for name, values in data(first).items():
        np.testing.assert_array_equal(data(again)[name], values)
    assert again.provenance() == first.provenance()


def test_an_unknown_precision_names_the_choices(demo):
    with pytest.raises(ValueError, match=r"'fixed', 'float'.*'double'"):
        Emulator(demo[0], precision="double")


def test_float_lif_step_is_nengos_lif_step():
    """Bit-identical to nengo.LIF.step, through spikes and partial refractory ticks."""
    rng = np.random.default_rng(0)
    n, dt = 200, 0.001
    neuron = nengo.LIF(tau_rc=0.02, tau_ref=0.0025)
    lif = FloatLIF(tau_rc=0.02, tau_ref=0.0025, min_voltage=0.0, dt=dt)
    state = LIFState(rng.uniform(0, 1, n), np.zeros(n))
    voltage, refractory, output = state.voltage.copy(), np.zeros(n), np.zeros(n)
    total = 0
    for _ in range(300):
        current = rng.uniform(-2, 30, n)
        spiked = float_lif_step(lif, current, state)
        neuron.step(dt, current, output, voltage, refractory)
        np.testing.assert_array_equal(spiked, output > 0)
        np.testing.assert_array_equal(state.voltage, voltage)
        np.testing.assert_array_equal(state.refractory, refractory)
        total += spiked.sum()
    assert total > 1000


def neuron_model():
    """Voltage probes with sample_every, inhibition into neurons (scaled by
    their gains) and a host function: the float paths the demo lacks."""
    with nengo.Network(seed=5) as model:
        stim = nengo.Node(0.5, label="stim")
        inhibit = nengo.Node(1.0, label="inhibit")
        a = nengo.Ensemble(40, 1, label="a")
        double = nengo.Node(lambda t, x: 2 * x, size_in=1, label="double")
        b = nengo.Ensemble(50, 1, radius=2, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(inhibit, a.neurons[:10], transform=-50 * np.ones((10, 1)))
        nengo.Connection(a, double)
        nengo.Connection(double, b)
        nengo.Probe(a.neurons, label="a spikes")
        nengo.Probe(a.neurons, "voltage", sample_every=0.002, label="a voltage")
        nengo.Probe(b, synapse=0.02, label="b")
    return model


def test_neuron_inputs_voltages_and_host_functions_in_float_mode():
    image = compiled(neuron_model(), steps=300)
    host = lambda name, t, x: 2 * np.asarray(x)
    runs = {p: data(emulate(image, p, host=host)) for p in ("fixed", "float")}
    ref = reference(neuron_model(), 0.3, seed=0)
    got = runs["float"]
    assert got["a voltage"].shape == ref["a voltage"].shape == (150, 40)
    assert rms(got["a voltage"], ref["a voltage"]) < 0.1
    assert not got["a spikes"][50:, :10].any()  # inhibited
    assert got["a spikes"][50:, 10:].any()
    assert rms(got["b"], ref["b"]) < 0.1  # a, partly inhibited, doubled by the host
    assert rms(got["b"], runs["fixed"]["b"]) < 0.05
