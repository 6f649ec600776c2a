"""Each model's parameters and initial state come from nengo's build, and the
POPULATION region carries the model code, its constants and its state."""

import nengo
import numpy as np

from spinnc import neurons
from spinnc.compiler import compile_network
from spinnc.frontend import build, quantise
from spinnc.regions import Region, read_regions


def network():
    with nengo.Network(seed=2) as net:
        nengo.Ensemble(30, 1, neuron_type=nengo.AdaptiveLIF(tau_n=0.2, inc_n=0.03),
                       label="alif")
        nengo.Ensemble(20, 2, neuron_type=nengo.SpikingRectifiedLinear(), label="relu")
    return net


def test_parameters_and_state_are_nengos():
    net = network()
    graph = build(net)
    with nengo.Simulator(net, progress_bar=False) as sim:
        for ens in net.all_ensembles:
            pop = graph.populations[ens.label]
            signals = sim.model.sig[ens.neurons]
            np.testing.assert_array_equal(pop.state["voltage"],
                                          sim.signals[signals["voltage"]])
            if ens.label == "alif":
                assert pop.model == "AdaptiveLIF"
                assert pop.params["tau_n"] == 0.2 and pop.params["inc_n"] == 0.03
                np.testing.assert_array_equal(pop.state["adaptation"],
                                              sim.signals[signals["adaptation"]])
            else:
                assert pop.model == "SpikingRectifiedLinear"
    fixed_graph, _ = quantise(graph)
    alif = fixed_graph.populations["alif"]
    assert alif.constants["dt_over_tau_n"] == round(0.001 / 0.2 * 2**30)
    assert alif.constants["jump"] == round(0.03 / 0.2 * 2**15)
    assert set(alif.state) == {"voltage", "refractory", "adaptation"}


def test_population_regions_carry_the_model_code_constants_and_state():
    compilation = compile_network(network(), n_steps=10)
    fixed_graph = compilation.fixed_graph
    seen = set()
    for core in compilation.image.cores:
        if core.application != "ensemble":
            continue
        for rid, (header, arrays) in read_regions(core.data).items():
            if rid < Region.POPULATION:
                continue
            model = neurons.model_by_code(header["model"])
            pop = next(p for p in fixed_graph.populations.values() if p.model == model.name)
            seen.add(model.name)
            for name, value in pop.constants.items():
                assert header[name] == value
            assert set(arrays) >= {v.name for v in model.state}
            for v in model.state:
                assert arrays[v.name].size == header["n_neurons"]
    assert seen == {"AdaptiveLIF", "SpikingRectifiedLinear"}
