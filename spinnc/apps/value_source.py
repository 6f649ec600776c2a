"""The value source application: plays back a constant or a function of
time from SDRAM.  Its packets of every tick of the period (one row per tick,
repeating) are the input's values dotted with the weights of each group of
connections out of it; the mapper computes them (fixed.dot, exact int64
products rounded once, as the cores would) into the PLAYBACK region, so the
core only reads and sends row ``t % period``.  VALUES and WEIGHTS stay in the
data for the float mode, which plays back their real product."""

from .. import fixed
from ..regions import Region
from . import Application, register
from ._writing import output_keys, stacked_weights, system


class ValueSource(Application):
    name = "value_source"
    code = 2
    receives = False
    horizon_regions = (Region.VALUES, Region.PLAYBACK)  # its input sampled over the horizon

    def write(self, context, index, vertex):
        name = vertex.slices[0].obj
        inp = context.graph.inputs[name]
        if inp.kind == "time":
            raw = fixed.quantise(inp.samples(context.n_steps, context.graph.dt),
                                 what=f"input '{name}' values", hint="Scale the input down")
        else:
            raw = inp.value[None, :]
        weights = stacked_weights(context, index, name)
        payloads = fixed.saturate(fixed.dot(raw, weights.T))  # (period, rows)
        layouts = Region.LAYOUTS
        return {
            Region.SYSTEM: system(context, vertex, 1, self.code),
            Region.OUTPUT_KEYS: output_keys(context, index, lambda net: 0),
            Region.VALUES: layouts[Region.VALUES].pack(
                dict(dims=raw.shape[1], period=raw.shape[0]), values=raw),
            Region.WEIGHTS: layouts[Region.WEIGHTS].pack(
                dict(rows=weights.shape[0], cols=weights.shape[1]), weights=weights),
            Region.PLAYBACK: layouts[Region.PLAYBACK].pack(
                dict(rows=payloads.shape[1], period=payloads.shape[0]), payloads=payloads),
        }

    def python_kernel(self, core, engine):
        engine.add_playback(core.slots, core.region(Region.VALUES)[1]["values"],
                            core.region(Region.WEIGHTS)[1]["weights"],
                            core.region(Region.PLAYBACK)[1]["payloads"])


register(ValueSource())
