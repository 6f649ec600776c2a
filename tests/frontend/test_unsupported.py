"""Every unsupported feature raises UnsupportedFeature naming the object."""

import nengo
import pytest

from spinnc.errors import UnsupportedFeature
from spinnc.frontend import build


def ensemble(net_label="net", **kwargs):
    return nengo.Ensemble(20, 1, label="culprit", **kwargs)


def neuron_type(kind):
    def make():
        ensemble(neuron_type=kind)
    return make


def learning_rule():
    a, b = nengo.Ensemble(20, 1), nengo.Ensemble(20, 1)
    nengo.Connection(a, b, learning_rule_type=nengo.RLS(), label="culprit")


def triangle_synapse():
    a, b = nengo.Ensemble(20, 1), nengo.Ensemble(20, 1)
    nengo.Connection(a, b, synapse=nengo.synapses.Triangle(0.01), label="culprit")


def probe_refractory():
    nengo.Probe(nengo.Ensemble(20, 1).neurons, "refractory_time", label="culprit")


def passthrough_loop():
    relay = nengo.Node(size_in=1, label="culprit")
    nengo.Connection(relay, relay, synapse=0.01)


CASES = {
    "LIFRate neurons": (neuron_type(nengo.LIFRate()), "neuron type LIFRate"),
    "Sigmoid neurons": (neuron_type(nengo.Sigmoid()), "neuron type Sigmoid"),
    "learning rule": (learning_rule, "the learning rule RLS"),
    "triangle synapse": (triangle_synapse, "synapse Triangle"),
    "probe refractory": (probe_refractory, "probing 'refractory_time'"),
    "passthrough loop": (passthrough_loop, "connected to itself"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_unsupported_feature_names_object_and_feature(case):
    make, feature = CASES[case]
    with nengo.Network(seed=0) as network:
        make()
    with pytest.raises(UnsupportedFeature) as info:
        build(network)
    message = str(info.value)
    assert "'culprit'" in message, message
    assert feature in message, message
    assert info.value.obj.label == "culprit"


def test_unregistered_neuron_type_names_ensemble_type_and_the_types_spinnc_runs():
    with nengo.Network() as model:
        nengo.Ensemble(10, 1, neuron_type=nengo.Sigmoid(), label="squash")
    with pytest.raises(UnsupportedFeature) as err:
        build(model)
    message = str(err.value)
    assert "squash" in message and "Sigmoid" in message
    for name in ("nengo.LIF", "nengo.AdaptiveLIF", "nengo.SpikingRectifiedLinear"):
        assert name in message
