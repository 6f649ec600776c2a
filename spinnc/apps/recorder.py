"""The recorder application: filters the values a probe reads (one member
per probe) and records them every ``sample_every`` ticks.  It sends nothing."""

import numpy as np

from ..regions import RECORDED_PROBE, Region
from . import Application, CoreRecording, register
from ._writing import inputs, system


def _probes(regions):
    return regions.get(Region.PROBES, ({}, {}))[1].get("probes", [])


class Recorder(Application):
    name = "recorder"
    code = 3
    sends = False

    def input_members(self, regions, host_spec=None):
        return [(int(p["member"]), int(p["dims"])) for p in _probes(regions)]

    def recordings(self, regions):
        """One value recording per probed member (a member probed twice keeps
        its last probe)."""
        found = {}
        for p in _probes(regions):
            found[int(p["member"])] = CoreRecording("value", int(p["member"]), int(p["dims"]),
                                                    int(p["sample_every"]))
        return list(found.values())

    def write(self, context, index, vertex):
        probes = [(m, s.size, context.graph.probes[s.obj].sample_every)
                  for m, s in enumerate(vertex.slices)]
        regions = {Region.SYSTEM: system(context, vertex, len(probes), self.code)}
        regions.update(inputs(context, index, vertex, lambda s: s.size, probes=True))
        regions[Region.PROBES] = Region.LAYOUTS[Region.PROBES].pack(
            dict(n_probes=len(probes)), probes=np.array(probes, dtype=RECORDED_PROBE))
        return regions


register(Recorder())
