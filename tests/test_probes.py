"""spinnc.probes: value probes have nengo's timing (each tick's decoded value
in that tick) and nengo's filtering (any synapse, on the host, in float64)."""

import nengo
import numpy as np
import pytest

import spinnc


def lags(x, y, lag):
    """x shifted by ``lag`` steps against y, over the rows both have."""
    if lag >= 0:
        return x[lag:], y[:len(y) - lag]
    return x[:lag], y[-lag:]


def rms(x, y):
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


def network():
    with nengo.Network(seed=4) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t), label="stim")
        a = nengo.Ensemble(60, 1, label="a")
        b = nengo.Ensemble(50, 1, label="b")
        total = nengo.Node(size_in=1, label="total")  # a passthrough summing a, b, stim
        nengo.Connection(stim, a)
        nengo.Connection(a, b, function=np.square)
        nengo.Connection(a, total, synapse=None)
        nengo.Connection(b, total, synapse=0.01)
        nengo.Connection(stim, total, transform=0.5, synapse=None)
        probes = {
            "raw": nengo.Probe(a),
            "lowpass": nengo.Probe(a, synapse=0.01),
            "alpha": nengo.Probe(b, synapse=nengo.Alpha(0.005)),
            "sampled": nengo.Probe(a, sample_every=0.003),
            "sampled filtered": nengo.Probe(b, synapse=0.02, sample_every=0.002),
            "sum": nengo.Probe(total),
            "sum filtered": nengo.Probe(total, synapse=0.005),
        }
    return net, probes


@pytest.fixture(scope="module")
def runs():
    net, probes = network()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.2)
    with spinnc.Simulator(net, precision="float", progress_bar=False) as sim:
        sim.run(0.2)
    return probes, ref, sim


@pytest.mark.parametrize("name", ["raw", "lowpass", "alpha", "sampled", "sampled filtered",
                                  "sum", "sum filtered"])
def test_float_mode_gives_nengos_decoded_values_with_no_lag(runs, name):
    probes, ref, sim = runs
    ours, theirs = sim.data[probes[name]], ref.data[probes[name]]
    assert ours.shape == theirs.shape
    # Float mode runs nengo's LIF update on the Image's parameters (the
    # decoders as stored, s16.15 per spike): the same spikes, so nengo's
    # decoded values in the same steps, to the decoders' rounding.
    # (A neuron whose rounded parameters move a spike by a step shows at
    # the step it moves: compare typical steps.)
    assert np.median(np.abs(ours - theirs)) < 1e-3
    off_by_one = min(rms(*lags(ours, theirs, lag)) for lag in (-1, 1))
    assert rms(ours, theirs) < 0.2 * off_by_one, (rms(ours, theirs), off_by_one)


def test_a_split_populations_partial_sums_add_up_on_the_host():
    with nengo.Network(seed=5) as net:
        stim = nengo.Node(lambda t: [np.sin(6 * t)] * 8)
        a = nengo.Ensemble(2400, 8, label="a")  # too much decoding for one core
        nengo.Connection(stim, a)
        p = nengo.Probe(a, synapse=0.005)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.05)
    with spinnc.Simulator(net, precision="float", progress_bar=False) as sim:
        sim.run(0.05)
        assert len(sim.compilation.image.probes[sim.compilation.graph.name_of(p)].cores) > 1
    assert np.median(np.abs(sim.data[p] - ref.data[p])) < 1e-3


def test_a_node_probe_needs_no_core():
    """What nodes alone feed is computed on the host: a 500-D node probe
    costs the machine nothing (a recorder core could not take it)."""
    with nengo.Network(seed=6) as net:
        wide = nengo.Node(nengo.processes.WhiteSignal(0.1, high=10, seed=1), size_out=500)
        p = nengo.Probe(wide, synapse=0.01)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.05)
    with spinnc.Simulator(net, progress_bar=False) as sim:
        sim.run(0.05)
        assert sim.compilation.image.probes[sim.compilation.graph.name_of(p)].cores == []
    np.testing.assert_allclose(sim.data[p], ref.data[p], atol=1e-9)
