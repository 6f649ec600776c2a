"""The same sine through ensembles of each neuron type spinnc runs: each
decodes it close to nengo, and its spikes and state are probed."""

import nengo
import numpy as np

TYPES = {
    "LIF": nengo.LIF(),
    "AdaptiveLIF": nengo.AdaptiveLIF(tau_n=0.1, inc_n=0.02),
    "SpikingRectifiedLinear": nengo.SpikingRectifiedLinear(),
    "Izhikevich": nengo.Izhikevich(),
    "RegularSpiking(LIFRate)": nengo.RegularSpiking(nengo.LIFRate()),
}
#: The neuron state each type's probe records besides its voltage.
STATE = {"AdaptiveLIF": "adaptation", "Izhikevich": "recovery"}

with nengo.Network(label="neuron types", seed=2) as model:
    stimulus = nengo.Node(lambda t: np.sin(2 * np.pi * t), label="stimulus")
    nengo.Probe(stimulus, label="stimulus")
    for name, neuron_type in TYPES.items():
        ens = nengo.Ensemble(60, 1, neuron_type=neuron_type, label=name)
        nengo.Connection(stimulus, ens)
        nengo.Probe(ens, synapse=0.03, label=f"{name} value")
        nengo.Probe(ens.neurons[:10], label=f"{name} spikes")
        nengo.Probe(ens.neurons[:3], "voltage", label=f"{name} voltage")
        if name in STATE:
            nengo.Probe(ens.neurons[:3], STATE[name], label=f"{name} {STATE[name]}")
