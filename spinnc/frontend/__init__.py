"""Frontend: nengo.Network -> float Graph -> fixed-point Graph, and the float reference.

>>> graph = build(network, dt=0.001, seed=0)        # doctest: +SKIP
>>> fixed_graph, report = quantise(graph)           # doctest: +SKIP
>>> data = reference(network, 1.0, seed=0)          # doctest: +SKIP
"""

from .builder import build, nengo_model
from .float_reference import reference
from .graph import Connection, Graph, Input, LIFConstants, Population, Probe
from .quantisation import QuantisationReport, quantise

__all__ = [
    "build", "nengo_model", "quantise", "reference", "QuantisationReport",
    "Graph", "Population", "Input", "Connection", "Probe", "LIFConstants",
]
