"""The interposer application: a passthrough node kept on a core of its own
(:mod:`spinnc.frontend.interposers`).  Each tick it filters and sums the
packets into it (its one member, the node's ``size_in`` dimensions, as a
host_out core does) and sends, a packet per weight row, the weights of the
connections out of it times that sum (fixed.dot: exact int64 products
rounded once, as a host_in core does with the host's answer).  Its packets
are sent in the tick it filtered them and used in the next.

The mapper may split one node over several cores (spinnc.mapper.interposers):
each then holds a block of its input dimensions and of its output rows, and
the receivers add the partial sums of the blocks."""

from .. import costs
from ..regions import Region
from . import Application, register
from ._writing import inputs, output_keys, system, weights


class Interposer(Application):
    name = "interposer"
    code = 6

    def dtcm(self, load):
        """The receiving core's, and its weights (copied into DTCM)."""
        return super().dtcm(load) + costs.WORD * load.weights

    def input_members(self, regions, host_spec=None):
        return [(0, int(regions[Region.WEIGHTS][0]["cols"]))]

    def write(self, context, index, vertex):
        name = vertex.slices[0].obj
        regions = {Region.SYSTEM: system(context, vertex, 1, self.code),
                   Region.OUTPUT_KEYS: output_keys(context, index, lambda net: 0),
                   Region.WEIGHTS: weights(context, index, name)}
        regions.update(inputs(context, index, vertex, lambda s: s.size))
        return regions

    def python_kernel(self, core, engine):
        engine.add_transform(core, 0, core.slots, core.region(Region.WEIGHTS)[1]["weights"])


register(Interposer())
