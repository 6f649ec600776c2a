"""The host applications: a host function (a nengo Node with a Python
function) runs on the host each tick.  A ``host_out`` core filters the
function's input and hands it to the host; a ``host_in`` core sends the
host's answer, times the weights of each group of connections out of it."""

from ..regions import Region
from . import Application, register
from ._writing import inputs, output_keys, system, weights


class HostIn(Application):
    name = "host_in"
    code = 4
    receives = False
    host_function = True

    def write(self, context, index, vertex):
        return {Region.SYSTEM: system(context, vertex, 1, self.code),
                Region.OUTPUT_KEYS: output_keys(context, index, lambda net: 0),
                Region.WEIGHTS: weights(context, index, vertex.slices[0].obj)}

    def python_kernel(self, core, engine):
        engine.add_host_in(core.name, core.slots, core.region(Region.WEIGHTS)[1]["weights"])

    def host_spec(self, regions) -> dict:
        """What a board knows of the function from the core's data: the
        answer's size (its weights' columns), as the firmware reads it."""
        return {"size_in": 0, "size_out": int(regions[Region.WEIGHTS][0]["cols"])}


class HostOut(Application):
    name = "host_out"
    code = 5
    sends = False
    host_function = True

    def input_members(self, regions, host_spec=None):
        return [(0, int(host_spec["size_in"]))]

    def write(self, context, index, vertex):
        regions = {Region.SYSTEM: system(context, vertex, 1, self.code)}
        regions.update(inputs(context, index, vertex, lambda s: s.size))
        return regions

    def python_kernel(self, core, engine):
        engine.add_host_out(core)

    def host_spec(self, regions) -> dict:
        """The input's size: the widest value filter of member 0, as the
        firmware reads it."""
        filters = regions[Region.FILTERS][1]["filters"]
        dims = [int(f["dims"]) for f in filters if f["member"] == 0 and not f["neurons"]]
        return {"size_in": max(dims, default=0), "size_out": 0}


register(HostIn())
register(HostOut())
