"""Direct-mode ensembles: folded when linear, on the host when they compute functions."""

import nengo
import numpy as np
import pytest

import spinnc


def test_a_direct_ensemble_computes_its_function_on_the_host_as_nengo():
    with nengo.Network(seed=1) as network:
        u = nengo.Node(lambda t: np.sin(6 * t))
        direct = nengo.Ensemble(10, 1, neuron_type=nengo.Direct())
        ens = nengo.Ensemble(100, 1)
        nengo.Connection(u, direct)
        nengo.Connection(direct, ens, function=np.square)
        probe, direct_probe = nengo.Probe(ens, synapse=0.02), nengo.Probe(direct)
    with nengo.Simulator(network, progress_bar=False) as ref:
        ref.run(0.3)
    with spinnc.Simulator(network, progress_bar=False) as sim:
        sim.run(0.3)
    assert spinnc.frontend.build(network).inputs  # the Direct ensemble is a host input
    np.testing.assert_allclose(sim.data[direct_probe], ref.data[direct_probe], atol=1e-12)
    assert np.sqrt(np.mean((sim.data[probe] - ref.data[probe]) ** 2)) < 0.05


def test_a_synapse_free_loop_on_a_direct_ensemble_is_refused_as_nengo_refuses_it():
    with nengo.Network() as network:
        direct = nengo.Ensemble(1, 1, neuron_type=nengo.Direct())
        nengo.Connection(direct, direct, synapse=None)
    with pytest.raises(nengo.exceptions.BuildError, match="algebraic loop"):
        spinnc.Simulator(network, progress_bar=False)


def test_a_direct_ensemble_only_probed_keeps_its_probe():
    with nengo.Network(seed=1) as network:
        u = nengo.Node(0.4)
        direct = nengo.Ensemble(1, 1, neuron_type=nengo.Direct())
        nengo.Connection(u, direct, synapse=None)
        nengo.Connection(direct, direct, synapse=0.01)
        probe = nengo.Probe(direct)
    with nengo.Simulator(network, progress_bar=False) as ref:
        ref.run(0.05)
    with spinnc.Simulator(network, progress_bar=False) as sim:
        sim.run(0.05)
    # Its input crosses the machine (a loop through host_out and host_in):
    # one tick later than nengo's, as README's Timing section says.
    assert np.abs(sim.data[probe][1:] - ref.data[probe][:-1]).max() < 1e-3
