"""The ensemble application: population slices of spiking neurons.

Per tick a core filters its inputs, encodes each member's input (encoders x
gain + bias), updates its neurons with their model's step
(:mod:`spinnc.neurons`), decodes the spikes into one partial sum per output
dimension and sends them; it records spikes, the neurons' input currents, the
neuron models' probeable state and, in the tick it decodes them, the partial
sums of the value probes it feeds (its ``probe_decoders`` rows: sent nowhere,
the host adds the cores' parts and applies the probe's synapse, so a probe
shows each tick's value in that tick, as nengo's does).  One POPULATION
region per member (ids from ``Region.POPULATION``): its model code,
constants and state, and a recording period per recordable thing
(``spikes_every``, ``<probe>_every`` for each of the model's probes,
``decoded_every``, ``input_every``; 0 when not recorded).
"""

import math

import numpy as np

from .. import costs, neurons
from ..regions import Region, population_layout
from . import Application, CoreLoad, CoreRecording, MemberLoad, key_entries, register
from ._writing import filter_dims, inputs, output_keys, system


def probe_edges(graph, population: str) -> list:
    """The connections from ``population`` into value probes, in Graph order:
    its cores decode a block of probe rows for each (their weights)."""
    return [c for c in graph.connections if c.pre == population and c.target == "probe"]


def recording_period(graph, name: str) -> int:
    """Ticks between a value probe's recorded rows: every tick when the host
    filters what the cores record (a synapse on an edge into it, or the
    probe's own), else its ``sample_every``."""
    probe = graph.probes[name]
    edges = graph.incoming(name, probe=True)
    if probe.host_synapse is not None or any(e.synapse is not None for e in edges):
        return 1
    return probe.sample_every


def _populations(regions: dict):
    """(member, header, arrays) of each POPULATION region, in member order."""
    return [(rid - Region.POPULATION, h, a) for rid, (h, a) in sorted(regions.items())
            if rid >= Region.POPULATION]


class Ensemble(Application):
    name = "ensemble"
    code = 1

    def member_cycles(self, m: MemberLoad):
        return costs.ensemble_cycles(m.neurons, m.input_dims, m.output_dims, m.filters,
                                     m.recorded_words, m.model, m.spikes,
                                     m.later_spikes, m.probe_dims)

    def member_dtcm(self, m: MemberLoad):
        return costs.ensemble_dtcm(m.neurons, m.input_dims, m.output_dims, m.filters,
                                   m.recorded_words, m.model, m.probe_dims)

    def cycles(self, load: CoreLoad):
        """Its members (nengo_spinnaker's ensemble model, which includes
        sending the decoded values) and the packets it receives."""
        return (sum(self.member_cycles(m) for m in load.members)
                + costs.receive_cycles(load.received_packets, load.key_entries))

    def dtcm(self, load: CoreLoad):
        return (sum(self.member_dtcm(m) for m in load.members)
                + costs.KEY_ENTRY_BYTES * load.key_entries)

    def load(self, regions, host_spec=None) -> CoreLoad:
        filters = filter_dims(regions)
        return CoreLoad([MemberLoad(int(h["n_neurons"]), int(h["input_dims"]),
                                    int(h["output_dims"]), int(h["probe_dims"]),
                                    filters.get(m, []), model=neurons.model_by_code(h["model"]))
                         for m, h, _ in _populations(regions)],
                        key_entries=key_entries(regions))

    def input_members(self, regions, host_spec=None):
        return [(m, int(h["input_dims"])) for m, h, _ in _populations(regions)]

    def recordings(self, regions):
        """Per member, when recorded: spikes, each of its model's probes, its
        probes' decoded values, its neurons' input currents."""
        out = []
        for m, h, _ in _populations(regions):
            model = neurons.model_by_code(h["model"])
            n = int(h["n_neurons"])
            if h["spikes_every"]:
                out.append(CoreRecording("spikes", m, n, int(h["spikes_every"]), "spikes"))
            for probe, variable in model.probes.items():
                every = int(h[f"{probe}_every"])
                if every:
                    out.append(CoreRecording(probe, m, n, every, variable))
            if h["decoded_every"] and h["probe_dims"]:
                out.append(CoreRecording("value", m, int(h["probe_dims"]),
                                         int(h["decoded_every"]), "decoded"))
            if h["input_every"]:
                out.append(CoreRecording("input", m, n, int(h["input_every"]), "current"))
        return out

    def write(self, context, index, vertex):
        graph, groups = context.graph, context.partition.groups
        regions = {Region.SYSTEM: system(context, vertex, len(vertex.slices), self.code)}
        members = {s.obj: m for m, s in enumerate(vertex.slices)}
        regions[Region.OUTPUT_KEYS] = output_keys(context, index, lambda net: members[net.pre])
        regions.update(inputs(context, index, vertex,
                              lambda s: graph.populations[s.obj].dimensions))
        nets = context.nets_from(index)
        for m, s in enumerate(vertex.slices):
            pop = graph.populations[s.obj]
            rows = [groups[s.obj][net.group].connections[0].weights[:, s.lo:s.hi]
                    for _, net in nets if net.pre == s.obj]
            decoders = np.concatenate(rows) if rows else np.zeros((0, s.size), dtype=np.int32)
            probed = probe_edges(graph, s.obj)
            probe_rows = (np.concatenate([c.weights[:, s.lo:s.hi] for c in probed]) if probed
                          else np.zeros((0, s.size), dtype=np.int32))
            # One recording per kind: at the greatest common period of the kind's
            # probes; the host takes each probe's own samples from it.
            every = {}
            for p in graph.probes.values():
                if p.target == s.obj:
                    every[p.kind] = math.gcd(every.get(p.kind, 0), p.sample_every)
            for c in probed:
                every["decoded"] = math.gcd(every.get("decoded", 0),
                                            recording_period(graph, c.post))
            model = neurons.model_named(pop.model)
            recorded = {f"{kind}_every": every.get(kind, 0)
                        for kind in ("spikes", *model.probes, "decoded", "input")}
            header = dict(model=model.code, n_neurons=s.size, input_dims=pop.dimensions,
                          output_dims=decoders.shape[0], probe_dims=probe_rows.shape[0],
                          **pop.constants, **recorded)
            state = {name: words[s.lo:s.hi] for name, words in pop.state.items()}
            regions[Region.POPULATION + m] = population_layout(model).pack(
                header, encoders=pop.encoders[s.lo:s.hi], bias=pop.bias[s.lo:s.hi],
                gain=pop.gain[s.lo:s.hi], decoders=decoders, probe_decoders=probe_rows,
                **state)
        return regions

    def python_kernel(self, core, engine):
        nets = core.region(Region.OUTPUT_KEYS)[1].get("nets", [])
        for m, header, arrays in _populations(core.regions):
            slots = [s for net, s in zip(nets, core.net_slots) if int(net["member"]) == m]
            engine.add_member(core, m, header, arrays,
                              np.concatenate(slots) if slots else np.zeros(0, np.int64))


register(Ensemble())
