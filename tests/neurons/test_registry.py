"""The neuron-model registry: lookup by nengo type with subclass lookup, codes."""

import nengo
import pytest

from spinnc import neurons
from spinnc.regions import Region, population_layout, read_regions


def test_lookup_by_type_and_instance_and_by_code():
    for nengo_type, name in ((nengo.LIF, "LIF"), (nengo.AdaptiveLIF, "AdaptiveLIF"),
                             (nengo.SpikingRectifiedLinear, "SpikingRectifiedLinear")):
        model = neurons.model_for(nengo_type())
        assert model.name == name and neurons.model_for(nengo_type) is model
        assert neurons.model_by_code(model.code) is model is neurons.model_named(name)
    assert neurons.model_for(nengo.Sigmoid()) is None
    assert neurons.model_for(nengo.LIFRate()) is None  # LIF's base, not a subclass


def test_a_subclass_runs_as_its_nearest_registered_base():
    class MyLIF(nengo.LIF):
        pass

    class MyALIF(nengo.AdaptiveLIF):
        pass

    assert neurons.model_for(MyLIF()).name == "LIF"
    assert neurons.model_for(MyALIF()).name == "AdaptiveLIF"  # nearer than LIF


def test_codes_and_types_are_unique():
    with pytest.raises(ValueError, match="already registered"):
        class Clash(neurons.NeuronModel):
            name, code, nengo_type = "clash", neurons.model_named("LIF").code, nengo.Sigmoid
        neurons.register(Clash())
    assert neurons.model_for(nengo.Sigmoid) is None  # nothing half-registered


def test_unknown_code_in_a_population_region_is_a_clear_error():
    import numpy as np
    from spinnc.regions import pack_regions
    layout = population_layout(neurons.model_named("SpikingRectifiedLinear"))
    data = bytearray(layout.pack(dict(model=99, n_neurons=0, input_dims=0, output_dims=0,
                                      probe_dims=0, dt=0, spikes_every=0, voltage_every=0,
                                      decoded_every=0, input_every=0),
                                 encoders=np.zeros((0, 0)), bias=[], gain=[], voltage=[],
                                 decoders=np.zeros((0, 0)), probe_decoders=np.zeros((0, 0))))
    with pytest.raises(ValueError, match="no neuron model has code 99"):
        read_regions(pack_regions({Region.POPULATION: bytes(data)}))


def test_every_model_declares_formats_for_its_constants_and_state():
    for model in neurons.models():
        assert model.constants and model.state and model.cycles_per_neuron > 0
        assert "voltage" in {v.name for v in model.state}
        for variable in model.constants + model.state:
            assert variable.reason
        assert all(v.fmt is not None for v in model.state)


def test_a_subclass_with_its_own_step_is_refused_by_the_frontend():
    from spinnc.errors import UnsupportedFeature
    from spinnc.frontend import build

    class Faster(nengo.LIF):
        def step(self, dt, J, output, voltage, refractory_time):
            super().step(2 * dt, J, output, voltage, refractory_time)

    class Same(nengo.LIF):
        pass

    with nengo.Network() as net:
        nengo.Ensemble(5, 1, neuron_type=Same(), label="same")
    assert build(net).populations["same"].model == "LIF"
    with nengo.Network() as net:
        nengo.Ensemble(5, 1, neuron_type=Faster(), label="fast")
    with pytest.raises(UnsupportedFeature, match="fast.*Faster \\(its own step\\)"):
        build(net)
