"""The examples run on the emulator close to nengo's float reference."""

from pathlib import Path

import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.frontend import reference
from spinnc.machine import Machine
from spinnc.modelfile import load_model
from spinnc.probes import probe_data

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(name, seconds):
    """(emulated recordings, nengo's) for an example file."""
    steps = int(round(seconds / 0.001))
    compilation = compile_network(load_model(EXAMPLES / f"{name}.py"), Machine.spinn5(),
                                  n_steps=steps, seed=0, placer="hilbert")
    emulator = Emulator(compilation.image)
    emulator.run(steps)
    return (probe_data(compilation, emulator.recordings(), steps),
            reference(load_model(EXAMPLES / f"{name}.py"), seconds, seed=0))


def rms(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


@pytest.mark.parametrize("name, probe, seconds", [
    ("demo", "x squared", 1.0),
    ("channel", "b", 1.0),
    ("integrator", "memory", 2.0),
    ("ensemble_array", "after", 1.0),
    ("pipeline", "output", 0.5),
    ("circular_convolution", "result", 0.3),
    ("alpha_synapse", "b", 1.0),
    ("alpha_synapse", "c", 1.0),
])
def test_decoded_output_within_a_tenth_of_the_range(name, probe, seconds):
    got, ref = run(name, seconds)
    assert got[probe].shape == ref[probe].shape
    assert rms(got[probe], ref[probe]) <= 0.1 * np.ptp(ref[probe])


def frequency(state, dt=0.001):
    """Turns per second of a 2-D oscillator's state around the origin."""
    angle = np.unwrap(np.arctan2(state[:, 1], state[:, 0]))
    return abs(angle[-1] - angle[0]) / (2 * np.pi) / (len(angle) * dt)


def test_oscillator_frequency_within_ten_percent():
    got, ref = run("oscillator", 3.0)
    ours = frequency(got["oscillator"][500:])
    nengos = frequency(ref["oscillator"][500:])
    assert abs(ours - nengos) <= 0.1 * nengos
    assert np.ptp(got["oscillator"][500:, 0]) > 0.5  # it keeps oscillating


def test_basal_ganglia_selects_the_same_action():
    got, ref = run("basal_ganglia", 1.5)
    # Judge each half second after the selection settles (its last 350 ms).
    for start in (150, 650, 1150):
        window = slice(start, start + 350)
        ours = np.argmax(got["selection"][window], axis=1)
        nengos = np.argmax(ref["selection"][window], axis=1)
        utilities = np.argmax(ref["utilities"][window], axis=1)
        assert np.mean(ours == nengos) > 0.95
        assert np.mean(ours == utilities) > 0.95


def test_every_neuron_type_decodes_the_sine_close_to_nengo():
    got, ref = run("neuron_types", 1.0)
    for name in ("LIF", "AdaptiveLIF", "SpikingRectifiedLinear", "Izhikevich",
                 "RegularSpiking(LIFRate)"):
        probe = f"{name} value"
        assert rms(got[probe], ref[probe]) <= 0.05 * np.ptp(ref[probe]), name
        assert got[f"{name} spikes"].any(), name  # the neurons fire


def test_spinnc_run_plots_every_neuron_types_state_and_tuning(tmp_path, capsys):
    from spinnc import cli

    out = tmp_path / "run"
    assert cli.main(["run", str(EXAMPLES / "neuron_types.py"), "--duration", "0.2",
                     "--out", str(out)]) == 0
    plots = {p.name for p in (out / "plots").iterdir()}
    for name in ("LIF", "AdaptiveLIF", "SpikingRectifiedLinear", "Izhikevich",
                 "RegularSpiking_LIFRate"):
        assert f"tuning_{name}.png" in plots
        assert f"voltage_{name}_voltage.png" in plots
    assert {"adaptation_AdaptiveLIF_adaptation.png", "recovery_Izhikevich_recovery.png"} <= plots
    report = (out / "report.html").read_text()
    assert "Neuron state traces" in report and "Izhikevich recovery" in report
    data = np.load(out / "probes.npz")
    assert data["probe:Izhikevich recovery"].shape == (200, 3)


def test_a_live_node_turned_from_outside_follows_as_in_nengo():
    import runpy

    import nengo

    import spinnc

    results = []
    for simulator in (spinnc.Simulator, nengo.Simulator):
        example = runpy.run_path(str(EXAMPLES / "live_node.py"))  # a fresh knob each time
        model = example["model"]
        probes = {p.label: p for p in model.probes}
        with simulator(model, progress_bar=False) as sim:
            for step in range(500):
                example["on_step"](step)
                sim.step()
            results.append({label: sim.data[p] for label, p in probes.items()})
    ours, nengos = results
    np.testing.assert_array_equal(ours["knob"], nengos["knob"])
    assert rms(ours["motor"], nengos["motor"]) <= 0.05 * np.ptp(nengos["motor"])
    assert ours["motor"][299, 0] == pytest.approx(0.8, abs=0.05)
    assert ours["motor"][499, 0] == pytest.approx(-0.4, abs=0.05)


@pytest.mark.parametrize("name, output, target, seconds", [
    ("learn_channel", "post", lambda s: s, 4.0),
    ("learn_square", "square", np.square, 6.0),
])
def test_a_learned_output_errs_as_nengos(name, output, target, seconds):
    """PES on the cores: the learned output's error against what it learns
    (last second) within 0.05 of nengo's, and well below where it started."""
    got, ref = run(name, seconds)
    steps = len(ref[output])

    def error(data, window):
        return rms(data[output][window], target(data["stimulus"][window]))

    late, early = slice(steps - 1000, steps), slice(0, 100)
    assert abs(error(got, late) - error(ref, late)) < 0.05
    assert error(got, late) < 0.5 * error(got, early)


def test_learned_associations_recall_as_nengos():
    """Voja and PES on the cores: after learning stops, each key recalls its
    value with an error within 0.05 of nengo's, well below the values' size."""
    got, ref = run("learn_associations", 2.4)
    recall = slice(1250, 2400)  # the second half: keys alone

    def error(data):
        return rms(data["recall"][recall], data["values"][recall])

    assert abs(error(got) - error(ref)) < 0.05
    assert error(got) < 0.5 * rms(ref["values"][recall], 0)
