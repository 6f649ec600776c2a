"""The emulator runs compiled Images like nengo runs the models."""

import dataclasses
import json

import nengo
import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.demo import demo_model
from spinnc.errors import ImageError, SpinncError
from spinnc.firmware_sim import Emulator, TickOverrun
from spinnc.frontend import reference
from spinnc.machine import Machine
from spinnc.probes import probe_data
from tests.firmware_sim.images import KEY, core_route, source_to_recorder, table

STEPS = 1000


def rms(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def compiled(model, steps=STEPS, machine=None):
    """The model's Image; ``data`` reads its probes (the host needs the
    compilation's Graph: a value probe's edges, synapses and nodes)."""
    compilation = compile_network(model, machine or Machine.spinn5(), n_steps=steps, seed=0,
                                  placer="hilbert")
    _COMPILATIONS[id(compilation.image.probes)] = compilation  # kept by dataclasses.replace
    return compilation.image


_COMPILATIONS: dict = {}


def emulate(image, steps=None, **run):
    emulator = Emulator(image)
    emulator.run(steps or image.n_steps, **run)
    return emulator


def data(emulator, host_outputs=None):
    """Every probe's data as sim.data holds it."""
    compilation = _COMPILATIONS[id(emulator.image.probes)]
    return probe_data(compilation, emulator.recordings(), emulator.t, host_outputs)


def constant_model():
    with nengo.Network(seed=7, label="constant") as model:
        stim = nengo.Node(0.5, label="stim")
        a = nengo.Ensemble(50, 1, label="a")
        nengo.Connection(stim, a)
        nengo.Probe(a, synapse=0.01, label="a")
        nengo.Probe(a, synapse=0.01, sample_every=0.005, label="a every 5")
        nengo.Probe(a.neurons, "voltage", sample_every=0.002, label="a voltage")
    return model


@pytest.fixture(scope="module")
def demo():
    image = compiled(demo_model())
    return image, emulate(image), reference(demo_model(), STEPS * 0.001, seed=0)


@pytest.fixture(scope="module")
def constant():
    image = compiled(constant_model(), steps=500)
    return image, emulate(image), reference(constant_model(), 0.5, seed=0)


def test_constant_input_is_tracked(constant):
    _, emulator, ref = constant
    a = data(emulator)["a"]
    assert a.shape == ref["a"].shape == (500, 1)
    assert rms(a, ref["a"]) < 0.1
    assert abs(a[250:].mean() - 0.5) < 0.05


def test_sample_every_takes_nengos_steps(constant):
    _, emulator, ref = constant
    rec = data(emulator)
    assert rec["a every 5"].shape == ref["a every 5"].shape == (100, 1)
    np.testing.assert_array_equal(rec["a every 5"], rec["a"][4::5])  # steps 5, 10, ...
    assert rec["a voltage"].shape == ref["a voltage"].shape == (250, 50)
    assert rms(rec["a voltage"], ref["a voltage"]) < 0.1


def test_demo_matches_nengo(demo):
    _, emulator, ref = demo
    rec = data(emulator)
    for name in ("x", "x squared"):
        assert rec[name].shape == ref[name].shape
        assert rms(rec[name], ref[name]) < 0.1 * np.ptp(ref[name]), name
    # A node's probe is the host's: nengo's values, in nengo's steps.
    np.testing.assert_allclose(rec["sine"], ref["sine"], atol=1e-12)


def test_spike_probe_shape_and_scale(demo):
    image, emulator, ref = demo
    spikes = data(emulator)["x spikes"]
    assert spikes.shape == ref["x spikes"].shape == (STEPS, 100)
    assert set(np.unique(spikes)) <= {0.0, 1 / image.dt}
    # Fixed point keeps nengo's spike times almost everywhere.
    assert abs(spikes.sum() - ref["x spikes"].sum()) < 0.02 * ref["x spikes"].sum()


def test_runs_are_bit_exact_and_deterministic(demo):
    image, first, _ = demo
    again = emulate(image)
    for name, values in data(first).items():
        np.testing.assert_array_equal(data(again)[name], values)
    assert again.provenance() == first.provenance()


def test_placement_over_many_chips_gives_the_same_bits(demo):
    image, emulator, _ = demo
    spread = compiled(demo_model(), machine=Machine.spinn5(app_cores=1))
    assert len({(c.x, c.y) for c in spread.cores}) > 1
    other = emulate(spread)
    for name, values in data(emulator).items():
        np.testing.assert_array_equal(data(other)[name], values)
    assert other.provenance().routers  # packets crossed chips
    assert sum(r.non_local_multicast for r in other.provenance().routers) > 0


def test_provenance_counts(demo):
    image, emulator, _ = demo
    provenance = emulator.provenance()
    assert provenance.ticks == STEPS
    json.dumps(provenance.to_dict())
    sent = {c.name: c.packets_sent for c in provenance.cores}
    # Per tick: x sends 1 (x -> y), the sine 1 (to x); probes take no
    # packets: x and y record their decoded values, the host the sine's (x
    # and y have a core each: 100 LIF neurons plan ~43,000 cycles, over half
    # the 40% budget).
    assert sent == {"x": STEPS, "y": 0, "sine": STEPS}
    assert provenance.packets_sent == 2 * STEPS
    (router,) = provenance.routers  # everything on chip (0, 0)
    assert router.local_multicast == provenance.packets_sent and router.dropped == 0
    received = sum(c.packets_received for c in provenance.cores)
    assert received == 2 * STEPS
    assert all(c.max_cycles > 0 and c.overruns == 0 for c in provenance.cores)


def test_a_routing_bug_changes_the_result(demo):
    image, emulator, _ = demo
    tables = {chip: t.copy() for chip, t in image.tables.items()}
    loaded = Emulator(image)
    sine = next(c for c in loaded.cores if c.name == "sine")
    (sine_key,) = loaded.slot_key[loaded.slot_core == sine.index].tolist()  # to x only
    broken = tables[0, 0][tables[0, 0]["key"] != sine_key]  # entry removed at the source
    bad = emulate(dataclasses.replace(image, tables={(0, 0): broken}))
    assert bad.provenance().router(0, 0).dropped == STEPS
    assert rms(data(bad)["x"], data(emulator)["x"]) > 0.1
    # A corrupt route (to y's core, not x's) also shows.
    wrong = tables[0, 0].copy()
    y = next(c for c in image.cores if c.name == "y")
    wrong["route"][wrong["key"] == sine_key] = 1 << (6 + y.core)
    bad = emulate(dataclasses.replace(image, tables={(0, 0): wrong}))
    assert bad.provenance().router(0, 0).dropped == 0
    assert rms(data(bad)["x"], data(emulator)["x"]) > 0.1


def test_overruns_are_counted_and_strict_mode_raises(demo):
    image = dataclasses.replace(demo[0], machine=dataclasses.replace(demo[0].machine,
                                                                     cycles_per_tick=2000))
    emulator = emulate(image, steps=20)
    by_name = {c.name: c for c in emulator.provenance().cores}
    assert by_name["x"].overruns == 20 and by_name["x"].max_cycles > 2000
    assert by_name["sine"].overruns == 0
    strict = Emulator(image, strict=True)
    with pytest.raises(TickOverrun, match=r"core \d+ of chip \(0, 0\) \('x'.* cycles"):
        strict.run(5)
    assert strict.provenance().ticks == 1 and strict.provenance().cores[0].overruns == 1


def test_host_functions_are_called_each_tick():
    with nengo.Network(seed=3) as model:
        stim = nengo.Node(0.5, label="stim")
        a = nengo.Ensemble(50, 1, label="a")
        double = nengo.Node(lambda t, x: 2 * x, size_in=1, label="double")
        b = nengo.Ensemble(50, 1, radius=2, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, double)
        nengo.Connection(double, b)
        nengo.Probe(b, synapse=0.02, label="b")
    image = compiled(model, steps=300)
    with pytest.raises(SpinncError, match="host"):
        Emulator(image).run(1)
    calls = []

    def host(name, t, x):
        calls.append((name, t, np.array(x)))
        return 2 * np.asarray(x)

    rec = data(emulate(image, host=host))
    assert [c[0] for c in calls] == ["double"] * 300
    assert calls[0][1] == pytest.approx(0.001) and calls[-1][1] == pytest.approx(0.3)
    assert calls[0][2].shape == (1,)
    assert abs(rec["b"][200:].mean() - 1.0) < 0.1
    with pytest.raises(SpinncError, match="'double' returned 2 values"):
        Emulator(image).run(1, host=lambda name, t, x: [1.0, 2.0])


def test_neuron_inputs_reach_only_their_neurons():
    with nengo.Network(seed=5) as model:
        stim = nengo.Node(0.0, label="stim")
        inhibit = nengo.Node(1.0, label="inhibit")
        a = nengo.Ensemble(40, 1, label="a")
        nengo.Connection(stim, a)
        nengo.Connection(inhibit, a.neurons[:10], transform=-50 * np.ones((10, 1)))
        nengo.Probe(a.neurons, label="spikes")
    image = compiled(model, steps=200)
    spikes = data(emulate(image))["spikes"][50:]  # after the synapse settles
    assert not spikes[:, :10].any()
    assert spikes[:, 10:].sum() > 0
    ref = reference(model, 0.2, seed=0)["spikes"][50:]
    np.testing.assert_array_equal(spikes[:, 10:].sum(axis=0) > 0, ref[:, 10:].sum(axis=0) > 0)


def test_inhibition_is_scaled_by_each_neurons_gain_as_in_nengo():
    """Inputs into ens.neurons are multiplied by the neurons' gains (nengo
    does so); without the gains this model's outputs are off by ~0.4."""
    from ..frontend.models import ensemble_array_with_inhibition

    image = compiled(ensemble_array_with_inhibition(), steps=600)
    got = data(emulate(image))
    ref = reference(ensemble_array_with_inhibition(), 0.6, seed=0)
    for name in ("ea out", "squares"):
        assert rms(got[name][100:], ref[name][100:]) < 0.05, name


def test_probes_on_some_neurons_take_just_those():
    with nengo.Network(seed=0) as model:
        a = nengo.Ensemble(30, 1, label="a")
        nengo.Connection(nengo.Node(0.3), a)
        nengo.Probe(a.neurons, label="all")
        nengo.Probe(a.neurons[5:12], label="some")
        nengo.Probe(a.neurons[[1, 3, 20]], "voltage", label="three voltages")
        nengo.Probe(a.neurons, "voltage", label="all voltages")
    got = data(emulate(compiled(model, steps=200)))
    assert got["some"].shape == (200, 7) and got["three voltages"].shape == (200, 3)
    np.testing.assert_array_equal(got["some"], got["all"][:, 5:12])
    np.testing.assert_array_equal(got["three voltages"], got["all voltages"][:, [1, 3, 20]])


def test_runs_past_the_compiled_ticks_are_refused():
    # The cores play back and size their recordings for n_steps ticks, as on a
    # board; running on would record into memory the Image never allocated.
    image = source_to_recorder([[0.5]], {(0, 0): table((KEY, 0xFFFFFFFF, core_route(2)))},
                               n_steps=5)
    emulator = Emulator(image)
    emulator.run(3)
    with pytest.raises(ImageError, match="compiled for 5 ticks; 3 have run and 4 more"):
        emulator.run(4)
    assert emulator.t == 3  # nothing ran
    emulator.run()  # the rest of the compiled ticks
    assert emulator.t == 5
    with pytest.raises(ImageError, match="compiled for 5 ticks; 5 have run and 1 more"):
        emulator.run(1)
    for bad in (-1, 1.5, 10 ** 12):
        with pytest.raises(ImageError, match="ticks"):
            Emulator(image).run(bad)
