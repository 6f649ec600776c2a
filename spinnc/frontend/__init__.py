"""Frontend: nengo.Network -> float Graph -> fixed-point Graph, and the float reference.

>>> import nengo
>>> with nengo.Network(seed=0) as network:
...     ens = nengo.Ensemble(20, 1, label="ens")
...     _ = nengo.Connection(nengo.Node(0.5), ens)
...     _ = nengo.Probe(ens, synapse=0.01, label="value")
>>> graph = build(network, dt=0.001)
>>> graph.populations["ens"].n_neurons
20
>>> fixed_graph, report = quantise(graph)
>>> report.saturated
0
>>> reference(network, 0.1)["value"].shape
(100, 1)
"""

from .builder import build, nengo_model
from .float_reference import reference
from .graph import Connection, Graph, Input, LIFConstants, Population, Probe
from .quantisation import QuantisationReport, quantise

__all__ = [
    "build", "nengo_model", "quantise", "reference", "QuantisationReport",
    "Graph", "Population", "Input", "Connection", "Probe", "LIFConstants",
]
