"""The value source application: plays back a constant or a function of
time from SDRAM (row ``t % period`` of its VALUES each tick), dotted with the
weights of each group of connections out of it."""

from .. import fixed
from ..regions import Region
from . import Application, register
from ._writing import output_keys, system, weights


class ValueSource(Application):
    name = "value_source"
    code = 2
    receives = False

    def write(self, context, index, vertex):
        name = vertex.slices[0].obj
        inp = context.graph.inputs[name]
        if inp.kind == "time":
            raw = fixed.quantise(inp.samples(context.n_steps, context.graph.dt),
                                 what=f"input '{name}' values", hint="Scale the input down")
        else:
            raw = inp.value[None, :]
        return {
            Region.SYSTEM: system(context, vertex, 1, self.code),
            Region.OUTPUT_KEYS: output_keys(context, index, lambda net: 0),
            Region.VALUES: Region.LAYOUTS[Region.VALUES].pack(
                dict(dims=raw.shape[1], period=raw.shape[0]), values=raw),
            Region.WEIGHTS: weights(context, index, name),
        }

    def python_kernel(self, core, engine):
        engine.add_playback(core.slots, core.region(Region.VALUES)[1]["values"],
                            core.region(Region.WEIGHTS)[1]["weights"])


register(ValueSource())
