"""Live nodes: called once per step, in time order, never past the run."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc import config
from spinnc.errors import NodeFunctionError, SpinncError
from spinnc.frontend import build


def slider_model(state, calls):
    def slider(t):
        calls.append(t)
        return state["v"]

    with nengo.Network(seed=0) as net:
        node = nengo.Node(slider, label="slider")
        ens = nengo.Ensemble(50, 1)
        nengo.Connection(node, ens)
        probe = nengo.Probe(ens, synapse=0.01)
        node_probe = nengo.Probe(node)
    calls.clear()  # nengo calls it once when the node is made
    return net, probe, node_probe


def run_slider(simulator, steps=300, **kwargs):
    state, calls = {"v": 0.0}, []
    net, probe, node_probe = slider_model(state, calls)
    sim = simulator(net, progress_bar=False, **kwargs)
    for i in range(steps):
        if i == 100:
            state["v"] = 0.8
        sim.step()
    return sim, probe, node_probe, calls


def test_a_node_reading_outside_state_is_live_and_follows_it_as_nengo():
    sim, probe, node_probe, calls = run_slider(spinnc.Simulator)
    ref, ref_probe, ref_node_probe, ref_calls = run_slider(nengo.Simulator)
    with sim, ref:
        assert sim.compilation.graph.inputs["slider"].kind == "host"
        assert sim.data[probe][-1, 0] == pytest.approx(ref.data[ref_probe][-1, 0], abs=0.03)
        assert sim.data[probe][-1, 0] == pytest.approx(0.79, abs=0.03)
        np.testing.assert_array_equal(sim.data[node_probe], ref.data[ref_node_probe])
    assert calls == pytest.approx(ref_calls)  # once per step, in order: t = dt .. 0.3


def test_no_call_again_past_the_horizon_nor_in_compare():
    # 1500 steps pass the initial horizon (1000): the Image is recompiled and
    # re-run from the log; compare() emulates in float and runs nengo.
    sim, probe, node_probe, calls = run_slider(spinnc.Simulator, steps=1500)
    with sim:
        assert sim.compilation.image.n_steps >= 1500
        assert calls == pytest.approx(np.arange(1, 1501) * 0.001)
        comparison = sim.compare()
        assert len(calls) == 1500
        assert comparison["slider.out"].rms_error == 0
        assert comparison["ensemble0.decoded"].relative_error < 0.05
        emulation = sim.emulate("float")
        assert len(calls) == 1500
        np.testing.assert_array_equal(emulation.data["slider.out"], sim.data[node_probe])
        with pytest.raises(nengo.exceptions.ValidationError, match="live nodes"):
            sim.emulate("float", steps=1501)


def test_spinnc_run_calls_a_live_node_once_per_step():
    from spinnc.runner import run_model

    state, calls = {"v": 0.5}, []
    net, _, _ = slider_model(state, calls)
    result = run_model(net, duration=0.2)
    assert calls == pytest.approx(np.arange(1, 201) * 0.001)
    assert result.summary["compare"]["slider.out"]["rms_error_fixed"] == 0


def pure_wave(t):
    return np.sin(2 * np.pi * t)


@pytest.mark.parametrize("output, kind", [
    (np.sin, "time"),
    (pure_wave, "time"),
    (lambda t: [np.cos(t), np.sin(t)], "time"),
    (nengo.processes.WhiteSignal(1.0, high=5), "time"),
    (0.5, "constant"),
])
def test_functions_of_time_alone_are_precomputed(output, kind):
    with nengo.Network() as net:
        nengo.Node(output, label="n")
    assert build(net, seed=0).inputs["n"].kind == kind


def test_declared_settings_win():
    state = {"v": 0.0}
    with nengo.Network() as net:
        live = nengo.Node(lambda t: state["v"], label="live")
        declared = nengo.Node(lambda t: state["v"], label="declared")
        forced = nengo.Node(np.sin, label="forced")
        with nengo.Network() as sub:
            inner = nengo.Node(lambda t: state["v"], label="inner")
    spinnc.add_params(net)
    spinnc.add_params(net)  # idempotent
    net.config[declared].function_of_time = True
    net.config[forced].function_of_time = False
    net.config[inner].function_of_time = True
    spinnc.add_params(sub)
    sub.config[inner].function_of_time = False  # the innermost network's wins
    inputs = build(net, seed=0).inputs
    assert inputs["live"].kind == "host"
    assert inputs["declared"].kind == "time"
    assert inputs["forced"].kind == "host"
    assert inputs["network0.inner"].kind == "host"
    assert config.setting(net, declared, "function_of_time") is True
    assert config.setting(net, live, "function_of_time") is None


def test_a_raising_live_node_stops_the_run_named_with_its_traceback():
    def broken(t):
        if t > 0.0105:
            raise KeyError("sensor unplugged")
        return 0.3

    with nengo.Network(seed=0) as net:
        node = nengo.Node(broken, label="sensor")
        p = nengo.Probe(node)
        ens = nengo.Ensemble(20, 1)
        nengo.Connection(node, ens)
        pe = nengo.Probe(ens)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        with pytest.raises(SpinncError, match="Node 'sensor' raised KeyError at t=0.011") as info:
            sim.run(0.1)
        assert isinstance(info.value.__cause__, KeyError)
        assert sim.n_steps == 10  # what ran before is kept
        assert sim.data[p].shape == (10, 1) and sim.data[pe].shape == (10, 1)
        np.testing.assert_array_equal(sim.data[p], 0.3)


@pytest.mark.parametrize("bad, message", [
    (lambda t: [1.0, 2.0], "returned 2 values"),
    (lambda t: np.nan, "non-finite"),
    (lambda t: None, "returned None"),
])
@pytest.mark.parametrize("live", [True, False])
def test_bad_values_fail_at_their_step(bad, message, live):
    def output(t):
        return 0.0 if t < 0.0045 else bad(t)

    with nengo.Network(seed=0) as net:
        node = nengo.Node(output, size_out=1)
        nengo.Connection(node, nengo.Ensemble(10, 1))
        probe = nengo.Probe(node)
    spinnc.add_params(net)
    net.config[node].function_of_time = not live
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(3)
        with pytest.raises(NodeFunctionError, match=message) as info:
            sim.run_steps(10)
        assert isinstance(info.value, nengo.exceptions.SimulationError)
        assert "Node (size_in 0, size_out 1) 'node0'" in str(info.value)
        assert "t=0.005" in str(info.value)
        assert sim.n_steps == 4 and len(sim.data[probe]) == 4


def test_an_array_a_precomputed_node_reads_is_checked_each_step():
    phases = np.zeros(2)
    with nengo.Network(seed=0) as net:
        node = nengo.Node(lambda t: np.sin(t + phases), label="wave")
        nengo.Connection(node, nengo.Ensemble(20, 2))
    with spinnc.Simulator(net, progress_bar=False) as sim:
        assert sim.compilation.graph.inputs["wave"].kind == "time"  # arrays: constants
        sim.run_steps(5)
        phases[1] = 0.5  # changed from outside between steps
        with pytest.raises(NodeFunctionError, match="Node 'wave' reads a numpy array that "
                                                    "changed.*function_of_time = False"):
            sim.step()
        assert sim.n_steps == 5


class Knob(nengo.Process):
    """A Process of another package (as nengo_gui's slider is): its step
    reads what is set from outside."""

    def __init__(self, box):
        super().__init__()
        self.box = box

    def make_step(self, shape_in, shape_out, dt, rng, state=None):
        return lambda t: self.box.copy()


def test_a_process_of_another_package_is_live_and_nengo_s_own_are_sampled():
    box = np.zeros(1)
    with nengo.Network(seed=1) as net:
        knob = nengo.Node(Knob(box), size_out=1, label="knob")
        noise = nengo.Node(nengo.processes.WhiteSignal(1, 5), size_out=1, label="noise")
        ens = nengo.Ensemble(50, 1, label="ens")
        nengo.Connection(knob, ens)
        nengo.Connection(noise, ens, transform=0)
        probe = nengo.Probe(knob)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        inputs = sim.compilation.graph.inputs
        assert (inputs["knob"].kind, inputs["noise"].kind) == ("host", "time")
        sim.run_steps(10)
        box[0] = 0.8  # set from outside between steps
        sim.run_steps(10)
        assert sim.data[probe][9, 0] == 0 and sim.data[probe][10, 0] == 0.8
    spinnc.add_params(net)
    net.config[knob].function_of_time = True  # the user says it is known ahead
    with spinnc.Simulator(net, progress_bar=False) as sim:
        assert sim.compilation.graph.inputs["knob"].kind == "time"
