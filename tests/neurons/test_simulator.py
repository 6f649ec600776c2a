"""AdaptiveLIF and SpikingRectifiedLinear ensembles in spinnc.Simulator:
spike rates and decoded values close to nengo's, in fixed point and float."""

import nengo
import numpy as np
import pytest

import spinnc

TYPES = {"AdaptiveLIF": lambda: nengo.AdaptiveLIF(tau_n=0.1, inc_n=0.05),
         "SpikingRectifiedLinear": nengo.SpikingRectifiedLinear}


def run(simulator, neuron_type, **kwargs):
    with nengo.Network(seed=3) as net:
        ens = nengo.Ensemble(60, 1, neuron_type=neuron_type)
        nengo.Connection(nengo.Node(0.5), ens)
        spikes = nengo.Probe(ens.neurons)
        value = nengo.Probe(ens, synapse=0.03)
        voltage = nengo.Probe(ens.neurons, "voltage")
    with simulator(net, **kwargs) as sim:
        sim.run(1.0)
    return (sim.data[spikes].sum(axis=0) * sim.dt, sim.data[value][-300:].mean(),
            sim.data[voltage])


@pytest.mark.parametrize("name", sorted(TYPES))
@pytest.mark.parametrize("precision", ["fixed", "float"])
def test_rates_and_values_close_to_nengo(name, precision):
    nengo_rates, nengo_value, nengo_voltage = run(nengo.Simulator, TYPES[name](),
                                                  progress_bar=False)
    rates, value, voltage = run(spinnc.Simulator, TYPES[name](), precision=precision)
    assert nengo_rates.mean() > 20  # the neurons fire
    # Over 1 s a rate of r Hz is r spikes: at most one spike's difference.
    assert np.abs(rates - nengo_rates).max() <= 1
    assert abs(value - nengo_value) < 1e-3
    assert voltage.shape == nengo_voltage.shape
    # A spike a tick earlier or later moves one trace a lot for a while, not most.
    assert np.median(np.abs(voltage - nengo_voltage)) < 1e-3
