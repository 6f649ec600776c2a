"""Float Graph -> fixed-point Graph, with a report of what rounding cost.

The formats and arithmetic are those of :mod:`spinnc.fixed`; this module
only decides which parameter goes into which format and measures the error.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from .. import fixed, learning, neurons
from ..errors import QuantisationError, UnsupportedFeature, describe
from ..fixed import S1_30, S16_15, Format
from ..table import format_table
from . import synapses
from .graph import Connection, Graph, Input, Population, Probe


@dataclass
class QuantisedArray:
    """How one parameter array fared in fixed point (errors in real units)."""

    owner: str
    parameter: str
    format: str
    count: int
    max_error: float
    rms_error: float
    saturated: int


@dataclass
class QuantisationReport:
    """Per parameter array: max and RMS absolute error and saturated values."""

    entries: list[QuantisedArray] = field(default_factory=list)

    @property
    def saturated(self) -> int:
        return sum(e.saturated for e in self.entries)

    def to_dict(self) -> list[dict]:
        return [vars(e).copy() for e in self.entries]

    def __str__(self) -> str:
        header = ("owner", "parameter", "format", "values", "max |error|", "rms error",
                  "saturated")
        rows = [(e.owner, e.parameter, e.format, e.count, f"{e.max_error:.3g}",
                 f"{e.rms_error:.3g}", e.saturated) for e in self.entries]
        return format_table(header, rows)


GAIN_HINT = ("Gains grow without bound as intercepts approach 1, and encoders x "
             "gain / radius as the radius shrinks: keep intercepts further below 1, "
             "lower max_rates or use a larger radius")
WEIGHTS_HINT = "Use a smaller transform or function output (or a larger post radius)"


class _Quantiser:
    """Converts arrays and records each in the report."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.report = QuantisationReport()

    def __call__(self, owner: str, parameter: str, values, fmt: Format = S16_15,
                 hint: str = ""):
        values = np.asarray(values, dtype=np.float64)
        if self.strict:
            raw = fixed.quantise(values, fmt, f"'{owner}' {parameter}", hint)
            saturated = np.zeros(values.shape, dtype=bool)
        else:
            raw, saturated = fixed.to_fixed(values, fmt)
        error = (fixed.to_float(raw, fmt) - values)[~saturated & np.isfinite(values)]
        self.record(owner, parameter, fmt.name, error, int(saturated.sum()), values.size)
        return raw

    def record(self, owner, parameter, fmt_name, error, saturated, count=None):
        error = np.abs(np.asarray(error, dtype=np.float64))
        self.report.entries.append(QuantisedArray(
            owner, parameter, fmt_name, int(error.size if count is None else count),
            float(error.max(initial=0.0)),
            float(np.sqrt(np.mean(error**2))) if error.size else 0.0,
            saturated,
        ))

    def scalar(self, owner, parameter, value, fmt):
        return int(self(owner, parameter, [value], fmt)[0])


def quantise(graph: Graph, strict: bool = True) -> tuple[Graph, QuantisationReport]:
    """Convert a float Graph to fixed point.

    Parameters
    ----------
    graph : Graph
        A float Graph from :func:`spinnc.frontend.build`.
    strict : bool
        If True (the default), a parameter that saturates raises
        QuantisationError naming it; if False it is clipped and counted in the
        report, so that a user can see everything that does not fit at once.

    Returns
    -------
    fixed_graph : Graph
        The same model with raw int32 arrays (``fixed_graph.fixed`` is True).
    report : QuantisationReport
    """
    if graph.fixed:
        raise ValueError("the graph is already in fixed point")
    q = _Quantiser(strict)
    dt = graph.dt
    populations = {name: _population(q, p, dt) for name, p in graph.populations.items()}
    inputs = {name: _input(q, i) for name, i in graph.inputs.items()}
    connections = [_connection(q, c, graph, dt) for c in graph.connections]
    probes = {name: _probe(q, p, dt) for name, p in graph.probes.items()}
    fixed_graph = replace(graph, populations=populations, inputs=inputs,
                          connections=connections, probes=probes, fixed=True)
    return fixed_graph, q.report


def _population(q, pop: Population, dt: float) -> Population:
    name = pop.name
    encoders = q(name, "encoders x gain / radius", pop.scaled_encoders, hint=GAIN_HINT)
    # The current is a dot product of encoders and s16.15 inputs: prove that its
    # int64 accumulator cannot overflow for any input (a neuron's sum of
    # magnitudes bounds it: dimensions of zero encoders, a rule's, add nothing).
    largest = int(np.abs(encoders.astype(np.int64)).sum(axis=1).max(initial=0))
    if not fixed.dot_fits(largest, -fixed.INT32_MIN, 1):
        raise QuantisationError(
            f"'{name}': a neuron's encoders x gain / radius add up to "
            f"{largest * S16_15.resolution:g} over its {pop.dimensions} dimensions, which "
            "could overflow the 64-bit accumulator"
        )
    return replace(
        pop,
        encoders=encoders,
        bias=q(name, "bias", pop.bias if pop.constant_current is None
               else pop.bias + pop.constant_current, hint=GAIN_HINT),
        gain=q(name, "gain", pop.gain, hint=GAIN_HINT),
        encoder_learning=[_encoder_learning(q, pop, r, dt) for r in pop.encoder_learning],
        **_neuron_model(q, pop, dt),
    )


def _encoder_learning(q, pop: Population, rule, dt: float):
    """A rule learning ``pop``'s encoders with its fixed-point constants."""
    rule_type = rule.rule.learning_rule_type
    constants = learning.rule_for(rule_type).quantise(rule_type, pop, dt,
                                                      describe(rule.rule.connection))
    return replace(rule, constants=constants,
                   scale=q(pop.name, "encoder scale (gain / radius)", rule.scale, hint=GAIN_HINT))


def _neuron_model(q, pop: Population, dt: float) -> dict:
    """The population's model constants and initial state in fixed point
    (the model's own quantisation, :mod:`spinnc.neurons`)."""
    constants, state = neurons.model_named(pop.model).quantise(q, pop.name, pop.params,
                                                               pop.state, dt)
    return {"constants": constants, "state": state}


def _input(q, inp: Input) -> Input:
    if inp.kind != "constant":
        return replace(inp)  # sampled values are converted when the run plays them
    return replace(inp, value=q(inp.name, "value", inp.value))


def filter_coefficients(q, owner: str, synapse, dt: float, obj=None) -> synapses.Filter:
    """A synapse as a core runs it (:class:`~spinnc.frontend.synapses.Filter`).

    The coefficients take the first of :data:`spinnc.fixed.FILTER_FORMATS`
    that holds them all.  The numerator is then corrected, by the fewest
    units on its largest coefficient, so that the quantised filter's DC gain
    is the float one as closely as the format allows: a Lowpass keeps
    ``a + b == 1`` exactly, so a constant passes unchanged.

    Raises
    ------
    UnsupportedFeature
        For an order above :data:`~spinnc.frontend.synapses.MAX_ORDER` or a
        coefficient beyond s4.27's range, naming ``obj``.
    """
    if synapses.as_synapse(synapse) is None:  # the value itself, a tick late: exact
        return synapses.Filter(S1_30.frac_bits, (S1_30.one,), (0,))
    g, p, label = synapses.machine_filter(synapse, dt, obj)
    fmt = next((f for f in fixed.FILTER_FORMATS
                if not fixed.to_fixed(np.concatenate([g, p]), f)[1].any()), None)
    if fmt is None:
        largest = np.abs(np.concatenate([g, p])).max()
        raise UnsupportedFeature(
            obj, f"synapse {label}: a coefficient of {largest:g} on the cores (at most "
            f"{fixed.FILTER_FORMATS[-1].max_value:g}, {fixed.FILTER_FORMATS[-1].name})",
            "use a filter of lower order or with faster poles")
    p_raw = q(owner, f"synapse {label} feedback", p, fmt)
    g_raw = fixed.to_fixed(g, fmt)[0].astype(np.int64)
    if abs(1.0 - p.sum()) > 1e-12:  # a finite DC gain to keep
        gain = g.sum() / (1.0 - p.sum())
        target = np.floor(gain * (fmt.one - p_raw.astype(np.int64).sum()) + 0.5)
        k = int(np.argmax(np.abs(g)))
        corrected = g_raw[k] + int(target) - g_raw.sum()
        small = abs(corrected - g_raw[k]) <= 2 * len(g)  # rounding, not ill-conditioning
        if small and fixed.INT32_MIN <= corrected <= fixed.INT32_MAX:
            g_raw[k] = corrected
    q.record(owner, f"synapse {label} numerator", fmt.name,
             fixed.to_float(g_raw, fmt) - g, 0, g.size)
    return synapses.Filter(fmt.frac_bits, tuple(int(v) for v in g_raw),
                           tuple(int(v) for v in p_raw))


def _connection(q, conn: Connection, graph: Graph, dt: float) -> Connection:
    source = graph.populations.get(conn.pre)
    if source is not None:  # one spike contributes weights * amplitude / dt
        weights = q(conn.name, "weights per spike", conn.weights * source.amplitude / dt,
                    hint=WEIGHTS_HINT)
    else:
        weights = q(conn.name, "weights", conn.weights, hint=WEIGHTS_HINT)
    learned = conn.learned
    if learned is not None:  # the rule's constants, from the population that learns
        rule_type = learned.rule.learning_rule_type
        some = learned.pre_neurons  # PES from a slice of neurons: their count
        constants = learning.rule_for(rule_type).quantise(
            rule_type, source, dt, describe(learned.rule.connection),
            **({"neurons": some[1] - some[0]} if some else {}))
        learned = replace(
            learned, constants=constants,
            weights=q(learned.rule_name, "learned weights per spike",
                      learned.weights * source.amplitude / dt, hint=WEIGHTS_HINT),
            transform=q(conn.name, "transform of the learned rows", learned.transform,
                        hint=WEIGHTS_HINT))
    return replace(conn, weights=weights, learned=learned,
                   filter=filter_coefficients(q, conn.name, conn.synapse, dt, _named(conn)))


def _named(conn: Connection):
    """What an error about ``conn`` names: its nengo connection, or the Graph's
    name of a folded one (several nengo connections)."""
    return conn.obj[0] if conn.obj and len(conn.obj) == 1 else conn.name


def _probe(q, probe: Probe, dt: float) -> Probe:
    if probe.kind == "value":
        return replace(probe)
    return replace(probe, filter=filter_coefficients(q, probe.name, probe.synapse, dt,
                                                     probe.obj))
