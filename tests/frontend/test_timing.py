"""Values known in advance reach the neurons in nengo's step (frontend/timing.py)."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.frontend import build
from spinnc.frontend.timing import EARLY, play_early


def _voltage_lag(make_input, synapse):
    """The shift (in steps) that best aligns spinnc's voltage with nengo's."""
    with nengo.Network(seed=1) as network:
        ens = nengo.Ensemble(1, 1, encoders=[[1]], intercepts=[0.5], max_rates=[100.0],
                             noise=nengo.processes.WhiteNoise(seed=3) if make_input is None
                             else None)
        if make_input is not None:
            nengo.Connection(nengo.Node(make_input()), ens, synapse=synapse)
        probe = nengo.Probe(ens.neurons, "voltage")
    with nengo.Simulator(network, progress_bar=False, seed=5) as ref:
        ref.run(0.06)
    with spinnc.Simulator(network, precision="float", progress_bar=False, seed=5) as sim:
        sim.run(0.06)
    errors = {k: np.abs(np.roll(sim.data[probe], -k, axis=0)[5:55] - ref.data[probe][5:55]).mean()
              for k in (-1, 0, 1)}
    return min(errors, key=errors.get), errors


STEPS = lambda: nengo.processes.Piecewise({0: 0, 0.02: 0.7, 0.04: 0.2})  # noqa: E731


@pytest.mark.parametrize("make_input, synapse", [
    (STEPS, None), (STEPS, 0.0), (STEPS, 0.005), (lambda: np.sin, None), (None, None)],
    ids=["piecewise-none", "piecewise-0", "piecewise-lowpass", "function-none", "noise"])
def test_inputs_known_in_advance_reach_the_neurons_in_nengos_step(make_input, synapse):
    lag, errors = _voltage_lag(make_input, synapse)
    assert lag == 0, errors
    assert errors[0] < 0.5 * min(errors[-1], errors[1])


def test_only_synapse_free_connections_into_populations_play_early():
    with nengo.Network(seed=0) as network:
        u = nengo.Node(nengo.processes.Piecewise({0: 0.5}))
        a, b = nengo.Ensemble(10, 1), nengo.Ensemble(10, 1)
        nengo.Connection(u, a, synapse=None)
        nengo.Connection(u, b)
        probe = nengo.Probe(u)
    graph = play_early(build(network))
    name = graph.name_of(u)
    pres = {c.post: c.pre for c in graph.connections if c.target != "probe"}
    assert pres == {graph.name_of(a): name + EARLY, graph.name_of(b): name}
    assert [c.pre for c in graph.incoming(graph.name_of(probe), probe=True)] == [name]
    early = graph.inputs[name + EARLY].samples(5, 0.001)
    np.testing.assert_array_equal(early[:-1], graph.inputs[name].samples(5, 0.001)[1:])


@pytest.mark.parametrize("into_neurons", [False, True])
def test_a_constant_without_a_synapse_is_in_the_bias_from_step_one(into_neurons):
    with nengo.Network(seed=2) as network:
        ens = nengo.Ensemble(5, 1, encoders=np.ones((5, 1)), intercepts=np.full(5, 0.2),
                             max_rates=np.full(5, 150.0))
        constant = nengo.Node([0.6] if not into_neurons else [1.5])
        nengo.Connection(constant, ens.neurons if into_neurons else ens,
                         transform=np.ones((5, 1)) if into_neurons else 1.0, synapse=None)
        probe = nengo.Probe(ens.neurons, "voltage")
    graph = play_early(build(network))
    assert not [c for c in graph.connections if c.pre == graph.name_of(constant)]
    with nengo.Simulator(network, progress_bar=False) as ref:
        ref.run(0.02)
    with spinnc.Simulator(network, precision="float", progress_bar=False) as sim:
        sim.run(0.02)
    assert ref.data[probe][0].max() > 0.1  # the current acts in step 1
    # (the float emulation computes on the stored s16.15 parameters)
    np.testing.assert_allclose(sim.data[probe], ref.data[probe], atol=1e-3)
