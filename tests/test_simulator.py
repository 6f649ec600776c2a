"""spinnc.Simulator behaves as nengo.Simulator does for users."""

import dataclasses
import importlib.metadata

import nengo
import numpy as np
import pytest
from nengo.exceptions import ReadonlyError, SimulatorClosed

import spinnc
from spinnc import simulator as simulator_module
from spinnc import probes as probes_module
from spinnc.firmware_sim import Emulator, TickOverrun
from spinnc.frontend import nengo_model

STEPS = 300


def rms(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def model(calls=None):
    """A seeded network with every probe kind, sample_every and a host function
    (recording the times it is called at into ``calls``)."""

    def double(t, x):
        if calls is not None:
            calls.append(t)
        return 2 * x

    with nengo.Network(seed=11, label="simulator") as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * 2 * t), label="stim")
        a = nengo.Ensemble(60, 1, label="a")
        nengo.Connection(stim, a)
        host = nengo.Node(double, size_in=1, label="host")
        nengo.Connection(a, host, synapse=0.01)
        b = nengo.Ensemble(60, 1, radius=2, label="b")
        nengo.Connection(host, b)
        nengo.Probe(a, synapse=0.01, label="a")
        nengo.Probe(b, synapse=0.02, sample_every=0.005, label="b every 5")
        nengo.Probe(a.neurons, label="a spikes")
        nengo.Probe(b.neurons, synapse=0.01, label="b filtered spikes")
        nengo.Probe(b.neurons, "voltage", sample_every=0.002, label="b voltage")
        nengo.Probe(host, label="host out")
    if calls is not None:
        calls.clear()  # nengo calls the function once to find its output size
    return net


def probes(net):
    return {p.label: p for p in net.all_probes}


@pytest.fixture(scope="module")
def runs():
    """(network, spinnc sim, nengo sim, spinnc host times, nengo host times)."""
    spinnc_calls, nengo_calls = [], []
    net = model(spinnc_calls)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(STEPS * 0.001)
    ref_net = model(nengo_calls)
    with nengo.Simulator(ref_net, progress_bar=False) as ref:
        ref.run(STEPS * 0.001)
    return net, sim, ref_net, ref, spinnc_calls, nengo_calls


def test_probe_data_has_nengos_shapes_and_values(runs):
    net, sim, ref_net, ref, _, _ = runs
    ours, theirs = probes(net), probes(ref_net)
    for label, probe in ours.items():
        data, expected = sim.data[probe], ref.data[theirs[label]]
        assert data.shape == expected.shape, label
        assert not data.flags.writeable
    for label in ("a", "b every 5", "host out"):
        expected = ref.data[theirs[label]]
        assert rms(sim.data[ours[label]], expected) < 0.1 * np.ptp(expected), label
    spikes = sim.data[ours["a spikes"]]
    assert set(np.unique(spikes)) <= {0.0, 1 / sim.dt}
    filtered = ref.data[theirs["b filtered spikes"]]
    assert rms(sim.data[ours["b filtered spikes"]], filtered) < 0.1 * np.ptp(filtered)


def test_trange_steps_and_time_match_nengo(runs):
    _, sim, _, ref, _, _ = runs
    assert sim.n_steps == ref.n_steps == STEPS
    assert sim.time == pytest.approx(ref.time)
    np.testing.assert_allclose(sim.trange(), ref.trange())
    for every in (0.002, 0.005):
        np.testing.assert_allclose(sim.trange(sample_every=every),
                                   ref.trange(sample_every=every))
    assert sim.dt == ref.dt
    assert sim.seed == ref.seed == 12  # network.seed + 1, as nengo
    with pytest.raises(ReadonlyError):
        sim.dt = 0.002


def test_host_function_called_once_per_step_at_nengos_times(runs):
    _, _, _, _, spinnc_calls, nengo_calls = runs
    assert len(spinnc_calls) == STEPS
    np.testing.assert_allclose(spinnc_calls, nengo_calls)


def test_built_parameters_are_nengos(runs):
    net, sim, ref_net, ref, _, _ = runs
    for ens, ref_ens in zip(net.all_ensembles, ref_net.all_ensembles):
        ours, theirs = sim.data[ens], ref.data[ref_ens]
        assert type(ours) is type(theirs)
        for field in ("gain", "bias", "encoders", "scaled_encoders", "intercepts",
                      "max_rates", "eval_points"):
            np.testing.assert_array_equal(getattr(ours, field), getattr(theirs, field),
                                          err_msg=field)
    for conn, ref_conn in zip(net.all_connections, ref_net.all_connections):
        np.testing.assert_array_equal(sim.data[conn].weights, ref.data[ref_conn].weights)
    assert sim.model.params[net.all_ensembles[0]] is sim.data[net.all_ensembles[0]]


def test_unseeded_network_takes_parameters_from_the_simulator_seed():
    with nengo.Network() as net:
        ens = nengo.Ensemble(10, 1)
        nengo.Probe(ens)
    with spinnc.Simulator(net, seed=3, progress_bar=False) as sim:
        np.testing.assert_array_equal(sim.data[ens].gain,
                                      nengo_model(net, seed=3).params[ens].gain)


def test_two_runs_equal_one_bit_for_bit():
    with spinnc.Simulator(model([]), progress_bar=False) as sim:
        sim.run(0.1)
        sim.run(0.1)
        sim.step()
        first = {p.label: np.array(sim.data[p]) for p in sim.network.all_probes}
    with spinnc.Simulator(model([]), progress_bar=False) as sim:
        sim.run_steps(201)
        for p in sim.network.all_probes:
            np.testing.assert_array_equal(sim.data[p], first[p.label], err_msg=p.label)


@pytest.mark.parametrize("rerun", [False, True])
def test_runs_past_the_compiled_horizon_continue_exactly(monkeypatch, rerun):
    monkeypatch.setattr(simulator_module, "INITIAL_HORIZON", 50)
    if rerun:  # as on an engine that cannot go on into the longer Image
        monkeypatch.setattr(Emulator, "extend", lambda self, image: False)
    calls = []
    with spinnc.Simulator(model(calls), progress_bar=False) as sim:
        sim.run_steps(40)
        first = sim._emulator
        sim.run_steps(30)  # past 50: recompiled for 100, gone on into (or re-run to 40)
        assert sim.compilation.image.n_steps == 100
        assert (sim._emulator is first) != rerun
        assert sim._emulator.image is sim.compilation.image
        sim.run_steps(90)  # past 100: recompiled for 200
        assert sim.compilation.image.n_steps == 200
        pieces = {p.label: np.array(sim.data[p]) for p in sim.network.all_probes}
    np.testing.assert_allclose(calls, 0.001 * np.arange(1, 161))  # once per step
    with spinnc.Simulator(model([]), progress_bar=False) as sim:
        sim.run_steps(160)  # one run, compiled for 160 steps at once
        for p in sim.network.all_probes:
            np.testing.assert_array_equal(sim.data[p], pieces[p.label], err_msg=p.label)


def test_a_rerun_that_does_not_reproduce_the_past_is_an_error(monkeypatch):
    monkeypatch.setattr(simulator_module, "INITIAL_HORIZON", 20)
    monkeypatch.setattr(Emulator, "extend", lambda self, image: False)  # re-run it
    with spinnc.Simulator(model([]), progress_bar=False) as sim:
        sim.run_steps(10)
        x, y = sim._host_log[5]["host"]
        sim._host_log[5]["host"] = (x + 1, y)  # as if the first run had seen another input
        with pytest.raises(simulator_module.RerunMismatch, match="'host'"):
            sim.run_steps(20)


def test_host_sink_without_output():
    seen = []
    with nengo.Network(seed=2) as net:
        ens = nengo.Ensemble(20, 1)
        nengo.Connection(nengo.Node(0.5), ens)
        sink = nengo.Node(lambda t, x: seen.append(x[0]), size_in=1)
        nengo.Connection(ens, sink, synapse=0.01)
    seen.clear()  # nengo's call to find the output size
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(50)
    assert len(seen) == 50 and abs(np.mean(seen[-10:]) - 0.5) < 0.1


def test_reset_gives_identical_results():
    calls = []
    with spinnc.Simulator(model(calls), progress_bar=False) as sim:
        sim.run(0.1)
        first = {p: np.array(sim.data[p]) for p in sim.network.all_probes}
        sim.reset(seed=5)
        assert sim.n_steps == 0 and sim.time == 0 and sim.seed == 5
        assert all(len(sim.data[p]) == 0 for p in sim.network.all_probes)
        sim.run(0.1)
        for p, data in first.items():
            np.testing.assert_array_equal(sim.data[p], data)
    assert len(calls) == 200


def test_clear_probes_keeps_running():
    with spinnc.Simulator(model([]), progress_bar=False) as sim:
        sim.run_steps(20)
        sim.clear_probes()
        sim.run_steps(10)
        cleared = np.array(sim.data[probes(sim.network)["a"]])
    with spinnc.Simulator(model([]), progress_bar=False) as whole:
        whole.run_steps(30)
        np.testing.assert_array_equal(cleared, whole.data[probes(whole.network)["a"]][20:])


def test_closed_simulator_raises_and_keeps_its_data():
    net = model([])
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(10)
    assert sim.closed
    for call in (lambda: sim.run(0.01), lambda: sim.run_steps(1), sim.step, sim.reset):
        with pytest.raises(SimulatorClosed):
            call()
    with pytest.raises(SimulatorClosed):
        sim.__enter__()
    assert sim.data[probes(net)["a"]].shape == (10, 1)
    sim.close()  # closing twice is fine


def test_strict_overrun_raises_after_the_tick_has_run():
    with spinnc.Simulator(model([]), progress_bar=False, strict=True) as sim:
        sim.run_steps(3)
        emulator = sim._emulator  # a machine with far fewer cycles per tick, after mapping
        emulator.machine = dataclasses.replace(emulator.machine, cycles_per_tick=2000)
        with pytest.raises(TickOverrun):
            sim.run_steps(5)
        assert sim.n_steps == 4 and sim.data[probes(sim.network)["a"]].shape == (4, 1)
        assert max(core.overruns for core in sim.provenance().cores) == 1


def test_compare_reports_errors_against_the_reference():
    with spinnc.Simulator(model([]), progress_bar=False) as sim:
        sim.run(0.2)
        result = sim.compare()
        shorter = sim.compare(0.1)
        with pytest.raises(nengo.exceptions.ValidationError):
            sim.compare(0.3)
    assert set(result) == set(sim.compilation.graph.probes)
    a = result["a"]
    assert (a.name, a.kind, a.samples) == ("a", "value", 200)
    assert 0 <= a.rms_error < 0.1 * a.reference_rms
    assert a.relative_error == pytest.approx(a.rms_error / a.reference_rms)
    assert 0 <= a.float_rms_error < 0.1 * a.reference_rms
    assert a.float_rms_error != a.rms_error  # two emulations, not one reported twice
    assert result["b every 5"].samples == 40 and shorter["b every 5"].samples == 20
    assert result["a spikes"].kind == "spikes"


class RecordingBar(nengo.utils.progress.ProgressBar):
    """A progress bar that keeps what it was shown."""

    def __init__(self):
        super().__init__()
        self.shown = []

    def update(self, progress):
        self.shown.append((progress.name_during, progress.n_steps, progress.max_steps))

    def close(self):
        pass


def test_progress_bar_and_precision_options():
    net = model([])
    bar = RecordingBar()
    with spinnc.Simulator(net, progress_bar=bar) as sim:
        # the build's stages (how many updates the bar sees depends on the time taken)
        assert bar.shown and all(shown[0] in ("Building", "Compiling for SpiNNaker")
                                 for shown in bar.shown)
        sim.run_steps(20)
        assert ("Simulating", 20, 20) in bar.shown
        run_bar = RecordingBar()
        sim.run_steps(10, progress_bar=run_bar)
        assert ("Simulating", 10, 10) in run_bar.shown
        assert not [shown for shown in bar.shown if shown[2] == 10]
        sim.run_steps(5, progress_bar=False)
        assert not [shown for shown in bar.shown if shown[2] == 5]
        sim.run(0.007, progress_bar=None)  # None: the simulator's bar, as nengo
        assert ("Simulating", 7, 7) in bar.shown
    with spinnc.Simulator(net, progress_bar=None) as sim:  # None: no bar, as nengo
        sim.run_steps(3)
    with pytest.raises(nengo.exceptions.ValidationError):
        spinnc.Simulator(net, precision="half", progress_bar=False)
    with spinnc.Simulator(net, precision="float", progress_bar=False) as sim:
        sim.run_steps(50)
        floating = sim.data[probes(net)["a"]]
        assert floating.shape == (50, 1) and floating.dtype == np.float64
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(50)
        fixed = sim.data[probes(net)["a"]]
    # the probe's synapse is the host's (float64) at either precision; the
    # neurons differ a little
    assert not np.array_equal(fixed, floating)
    assert np.abs(fixed - floating).max() < 0.05


def test_filtered_spike_probe_every_few_steps_filters_every_step():
    with nengo.Network(seed=1) as net:
        ens = nengo.Ensemble(10, 1)
        nengo.Connection(nengo.Node(0.5), ens)
        raw = nengo.Probe(ens.neurons)
        every = nengo.Probe(ens.neurons, synapse=0.01, sample_every=0.002)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(100)
    filtered = probes_module.synapse_filter(sim.data[raw], 0.01, sim.dt)
    assert sim.data[raw].any()
    np.testing.assert_allclose(sim.data[every], filtered[1::2])


def test_probes_with_other_synapses_are_filtered_on_the_host():
    alpha = nengo.Alpha(0.005)
    with nengo.Network(seed=1) as net:
        ens = nengo.Ensemble(20, 1)
        nengo.Connection(nengo.Node(0.5), ens)
        relay = nengo.Node(size_in=1)
        nengo.Connection(ens, relay)
        raw = [nengo.Probe(ens), nengo.Probe(ens.neurons), nengo.Probe(relay),
               nengo.Probe(relay)]
        filtered = [nengo.Probe(ens, synapse=alpha, sample_every=0.002),
                    nengo.Probe(ens.neurons, synapse=alpha), nengo.Probe(relay, synapse=alpha),
                    nengo.Probe(relay, synapse=0.01)]  # a synapse on each side of relay
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(60)
    for before, after in zip(raw, filtered):
        expected = probes_module.filtered(sim.data[before], after.synapse, sim.dt)
        expected = expected[1::2] if after.sample_every else expected
        np.testing.assert_allclose(sim.data[after], expected, atol=1e-12)


def test_ensemble_input_probes_sum_the_filtered_inputs():
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(lambda t: [np.sin(10 * t), 0.25])
        a, b = nengo.Ensemble(30, 1), nengo.Ensemble(30, 2)
        nengo.Connection(stim[0], a)
        nengo.Connection(a, b[1], synapse=0.01)
        nengo.Connection(stim, b, transform=[[0, 2], [1, 0]], synapse=None)
        probes = [nengo.Probe(b, "input"), nengo.Probe(b[1], "input"), nengo.Probe(a, "input")]
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    for probe in probes:
        assert sim.data[probe].shape == ref.data[probe].shape
        assert rms(sim.data[probe], ref.data[probe]) < 0.05 * np.ptp(ref.data[probe]) + 0.01
    # fed by nodes alone, the input is the host's: exact
    np.testing.assert_allclose(sim.data[probes[2]], ref.data[probes[2]], atol=1e-9)


def test_spike_probes_scale_by_the_neurons_amplitude():
    with nengo.Network(seed=1) as net:
        ens = nengo.Ensemble(10, 1, neuron_type=nengo.LIF(amplitude=0.25))
        nengo.Connection(nengo.Node(0.5), ens)
        probe = nengo.Probe(ens.neurons)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(100)
    assert sim.data[probe].any()
    assert set(np.unique(sim.data[probe])) <= {0.0, 0.25 / sim.dt}


def test_node_probes_are_the_hosts_values_at_nengos_steps():
    with nengo.Network(seed=1) as net:
        time = nengo.Node(lambda t: [t, -t])
        square = nengo.Node(lambda t, x: x**2, size_in=1)
        nengo.Connection(time[0], square, synapse=None)
        p_time = nengo.Probe(time[1])
        p_every = nengo.Probe(time, sample_every=0.0015)
        p_every_2 = nengo.Probe(time, sample_every=0.002)
        relay = nengo.Node(size_in=2)
        nengo.Connection(time, relay, transform=[[0, 2], [1, 0]], synapse=0.003)
        p_relay = nengo.Probe(relay)
        p_alpha = nengo.Probe(time, synapse=nengo.Alpha(0.004))  # any synapse on the host
        calls = []
        nengo.Node(lambda t: calls.append(t), size_out=0)  # run for its effect each step
        p_filtered = nengo.Probe(time, synapse=0.005)
        p_square = nengo.Probe(square)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        assert calls == []
        sim.run_steps(30)
        sim.run_steps(1500)  # past the first horizon: recompiles and replays
    assert calls == pytest.approx(sim.trange())
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(1530)
    t = sim.trange()
    np.testing.assert_array_equal(sim.data[p_time][:, 0], -t)  # exact and not delayed
    for probe in (p_every, p_every_2, p_filtered, p_relay, p_alpha):
        np.testing.assert_allclose(sim.data[probe], ref.data[probe], atol=1e-12)
    np.testing.assert_allclose(sim.trange(sample_every=0.0015), ref.trange(sample_every=0.0015))
    # a host function fed by functions of time alone gets its input on the host
    np.testing.assert_allclose(sim.data[p_square][:, 0], t**2, rtol=1e-12)


def test_a_process_with_input_runs_on_the_host_and_restarts_on_reset():
    with nengo.Network(seed=1) as net:
        u = nengo.Node(lambda t: np.sin(50 * t))
        v = nengo.Node(nengo.Lowpass(0.01), size_in=1)  # a Process with input
        nengo.Connection(u, v, synapse=None)
        probe = nengo.Probe(v)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(50)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(50)
        first = np.array(sim.data[probe])
        np.testing.assert_allclose(first, ref.data[probe], atol=1e-12)
        sim.reset()
        sim.run_steps(50)
        np.testing.assert_array_equal(sim.data[probe], first)


def test_probes_of_weights_and_encoders_are_nengos_values():
    with nengo.Network(seed=1) as net:
        a, b = nengo.Ensemble(10, 2), nengo.Ensemble(10, 1)
        decoded = nengo.Connection(a, b, function=lambda x: x[0] * x[1])
        neurons = nengo.Connection(a.neurons, b, transform=np.ones((1, 10)))
        probes = [nengo.Probe(decoded, "weights"),
                  nengo.Probe(a, "scaled_encoders", sample_every=0.003),
                  nengo.Probe(neurons, "weights", synapse=0.01)]
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(10)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(10)
    assert set(sim.compilation.graph.probes).isdisjoint(sim._probe_names.values())
    for probe in probes:
        np.testing.assert_allclose(sim.data[probe], ref.data[probe], atol=1e-12)


def test_weights_per_neuron_run_as_nengos():
    """Full weight matrices (weights=True) and per-neuron weights into
    ens.neurons behave as in nengo."""
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t))
        a, b, c = nengo.Ensemble(50, 1), nengo.Ensemble(40, 1), nengo.Ensemble(30, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, b, function=lambda x: x**2,
                         solver=nengo.solvers.LstsqL2(weights=True))
        nengo.Connection(stim, c.neurons, transform=np.linspace(-2, 2, 30)[:, None])
        probes = [nengo.Probe(b, synapse=0.03), nengo.Probe(c.neurons, synapse=0.03)]
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.5)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
    for probe in probes:
        expected = ref.data[probe]
        assert rms(sim.data[probe], expected) < 0.1 * np.ptp(expected)


def test_direct_mode_ensembles_pass_their_input_on():
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: [np.sin(8 * t), t])
        direct = nengo.Ensemble(1, 2, neuron_type=nengo.Direct())
        b = nengo.Ensemble(60, 1)
        nengo.Connection(stim, direct, synapse=None)
        nengo.Connection(direct[0], b)
        probes = [nengo.Probe(direct, synapse=0.01), nengo.Probe(b, synapse=0.03)]
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    np.testing.assert_allclose(sim.data[probes[0]], ref.data[probes[0]], atol=1e-12)
    assert rms(sim.data[probes[1]], ref.data[probes[1]]) < 0.1 * np.ptp(ref.data[probes[1]])


def test_neuron_noise_adds_to_the_current():
    def rates(noise):
        with nengo.Network(seed=2) as net:
            ens = nengo.Ensemble(5, 1, noise=noise, intercepts=nengo.dists.Choice([0.5]),
                                 encoders=nengo.dists.Choice([[1]]))
            probe = nengo.Probe(ens.neurons)
        with spinnc.Simulator(net, progress_bar=False) as sim:
            sim.run(0.2)
        return sim.data[probe].sum()

    quiet = rates(None)
    assert rates(nengo.processes.WhiteNoise(nengo.dists.Uniform(2, 3))) > quiet + 100
    assert quiet == 0 and rates(nengo.processes.WhiteNoise(nengo.dists.Uniform(-3, -2))) == 0


def test_unseeded_processes_follow_the_simulator_seed():
    with nengo.Network(seed=1) as net:
        noise = nengo.Node(nengo.processes.WhiteNoise())
        probe = nengo.Probe(noise)

    def run(sim):
        sim.run_steps(20)
        return np.array(sim.data[probe])

    with spinnc.Simulator(net, seed=5, progress_bar=False) as sim:
        first = run(sim)
        sim.reset()
        np.testing.assert_array_equal(run(sim), first)
        sim.reset(seed=6)
        assert sim.seed == 6
        assert not np.allclose(run(sim), first)
    with spinnc.Simulator(net, seed=5, progress_bar=False) as again:
        np.testing.assert_array_equal(run(again), first)


def test_registered_as_a_nengo_backend():
    backends = {ep.name: ep for ep in importlib.metadata.entry_points(group="nengo.backends")}
    assert "spinnc" in backends
    assert backends["spinnc"].load() is spinnc.Simulator


def test_float_emulation_takes_node_probes_from_the_host_as_sim_data_does():
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t), label="stim")
        ens = nengo.Ensemble(30, 1, label="ens")
        nengo.Connection(stim, ens)
        node_probe = nengo.Probe(stim, label="stim probe")
        nengo.Probe(ens, synapse=0.01, label="ens probe")
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(100)
        floating = sim.emulate("float")
        # the node runs on the host: the same float values at either precision
        np.testing.assert_array_equal(floating.data["stim probe"], sim.data[node_probe])
        # the machine's decoded values, in float, through the host's synapse
        np.testing.assert_allclose(floating.data["ens probe"], sim.data[net.probes[1]],
                                   atol=0.05)
        compared = sim.compare()
    assert compared["stim probe"].rms_error == compared["stim probe"].float_rms_error == 0


def test_a_longer_horizon_compiles_what_was_built_not_the_network_now():
    """nengo_gui takes its nodes out of the network once the Simulator is
    built; running past the horizon must still run what was built."""
    def model():
        with nengo.Network(seed=0) as net:
            node = nengo.Node(lambda t: np.sin(8 * t), label="wave")
            ens = nengo.Ensemble(30, 1, label="ens")
            nengo.Connection(node, ens)
            probe = nengo.Probe(ens, synapse=0.01)
        return net, node, probe

    net, _, probe = model()
    with spinnc.Simulator(net, horizon=10, progress_bar=False) as sim:
        sim.run_steps(30)
        expected = sim.data[probe]
    net, node, probe = model()
    with spinnc.Simulator(net, horizon=10, progress_bar=False) as sim:
        node.output = 0.9  # changed after the build
        net.probes.remove(probe)  # and an object taken out
        sim.run_steps(30)
        assert np.array_equal(sim.data[probe], expected)
