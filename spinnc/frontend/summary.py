"""Graph.summary(): the model as readable tables."""

from .. import neurons
from ..table import format_table
from . import synapses


def _synapse(synapse):
    synapse = synapses.as_synapse(synapse)
    return "none" if synapse is None else synapse.label


def graph_summary(graph) -> str:
    precision = "fixed point" if graph.fixed else "float"
    pops = graph.populations.values()
    head = (f"Graph ({precision}, dt={graph.dt:g}s): {len(graph.populations)} populations "
            f"({sum(p.n_neurons for p in pops)} neurons), {len(graph.inputs)} inputs, "
            f"{len(graph.connections)} connections, {len(graph.probes)} probes")
    sections = [head]
    if graph.populations:
        sections.append(format_table(
            ("population", "neurons", "dims", "radius", "model", "parameters"),
            [(p.name, p.n_neurons, p.dimensions, f"{p.radius:g}", p.model,
              neurons.model_named(p.model).describe(p.params)) for p in pops],
            "Populations"))
    if graph.inputs:
        sections.append(format_table(
            ("input", "kind", "size in", "size out"),
            [(i.name, i.kind, i.size_in, i.size_out) for i in graph.inputs.values()],
            "Inputs"))
    if graph.connections:
        sections.append(format_table(
            ("connection", "weights", "target", "synapse"),
            [(c.name, "x".join(map(str, c.weights.shape)), c.target, _synapse(c.synapse))
             for c in graph.connections],
            "Connections"))
    if graph.probes:
        sections.append(format_table(
            ("probe", "kind", "size", "of", "sample every", "synapse"),
            [(p.name, p.kind, p.size, p.target or "connections", f"{p.sample_every} steps",
              "on connections" if p.kind == "value" else _synapse(p.synapse))
             for p in graph.probes.values()],
            "Probes"))
    return "\n\n".join(sections)
