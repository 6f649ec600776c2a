"""What a probe's data mean, decided once for ``sim.data``,
:meth:`spinnc.Simulator.emulate` and ``spinnc run``.

The machine records each probe as the Graph says (its kind, its recording
period); this module turns those recordings
(:meth:`~spinnc.firmware_sim.Emulator.recordings`, or a board's read-back,
in nengo's units) into what nengo's ``sim.data`` holds:

- a spike or state probe gets its synapse on the host, as nengo filters it
  (spikes scaled to the population's amplitude / dt);
- a value probe is the sum of its edges: the decoded rows the ensemble cores
  recorded in the tick they computed them (a split population's partial
  sums added, :func:`spinnc.recording.recordings_from_buffers`) and the
  nodes' float outputs (the host knows them), each through its edge's
  synapse, then the probe's host synapse, all in float64 as nengo filters
  (mode "update": the sample of step n filters the values of the steps
  before n), so the data are nengo's, timing and all;
- a probe of a signal a run does not change (connection weights, scaled
  encoders) is nengo's built value at every step;
- ``sample_every`` keeps nengo's rows (steps n with ``n % period < 1``)
  where the machine recorded every step.
"""

from __future__ import annotations

from collections.abc import Callable

import nengo
import numpy as np

from .apps.ensemble import recording_period
from .frontend.synapses import as_synapse


class ProbeData:
    """The host side of one compilation's probes.

    Parameters
    ----------
    compilation : spinnc.compiler.Compilation
        Its Graph names the probes and says how each is recorded.
    model : nengo.builder.Model
        nengo's build of the network (for static probes).
    dt : float
        The step.
    host_outputs : callable
        ``host_outputs(name, n_steps)``: a host function's answers over the
        first ``n_steps`` steps, shape ``(n_steps, size_out)``.
    """

    def __init__(self, compilation, model, dt: float,
                 host_outputs: Callable[[str, int], np.ndarray]):
        self.compilation, self.model, self.dt = compilation, model, dt
        self.host_outputs = host_outputs
        self._samples: dict[str, np.ndarray] = {}  # over the compilation's horizon

    def data(self, probe: nengo.Probe, name: str, recordings: dict, n_steps: int,
             on_host: bool = True) -> np.ndarray:
        """``probe``'s data over the first ``n_steps`` steps (Graph name
        ``name``), from the machine's ``recordings`` and (value probes) the
        nodes' outputs, unless it is static.  ``on_host`` is kept for
        callers: nodes' parts are always the host's."""
        graph = self.compilation.graph
        if name not in graph.probes:
            return self._subsample(probe, name, self.static(probe, n_steps), every_step=True)
        if graph.probes[name].kind == "value":
            return self._subsample(probe, name, self.value(name, recordings.get(name), n_steps),
                                   every_step=recording_period(graph, name) == 1)
        values = filtered(self._machine(name, recordings[name]),
                          graph.probes[name].host_synapse, self.dt)  # None: no filter
        return self._subsample(probe, name, values,
                               every_step=graph.probes[name].sample_every == 1)

    def samples_of(self, name: str) -> np.ndarray:
        """A constant or function-of-time node's output over the horizon."""
        if name not in self._samples:
            inp, horizon = self.compilation.graph.inputs[name], self.compilation.image.n_steps
            self._samples[name] = np.reshape(inp.samples(horizon, self.dt),
                                             (horizon, inp.size_out))
        return self._samples[name]

    def value(self, name: str, raw: np.ndarray | None, n_steps: int) -> np.ndarray:
        """A value probe's rows (one every :func:`recording_period` steps
        over ``n_steps``): each edge's part, the cores' recorded decoded rows
        (``raw``, columns in edge order) or a node's outputs, through the
        edge's synapse into its dimensions; then the probe's host synapse."""
        graph = self.compilation.graph
        probe = graph.probes[name]
        period = recording_period(graph, name)
        rows = n_steps // period
        values = np.zeros((rows, probe.size))
        column = 0
        for edge in graph.incoming(name, probe=True):
            if edge.pre in graph.populations:
                part = np.asarray(raw, dtype=float)[:rows, column:column + edge.size_out]
                column += edge.size_out
            else:  # a node: its float outputs, as nengo computes them
                outputs = self._node_outputs(edge.pre, rows * period)[period - 1::period]
                part = outputs @ np.asarray(edge.weights, dtype=float).T
            values[:, edge.post_indices] += synapse_filter(part, edge.synapse, self.dt)
        return filtered(values, probe.host_synapse, self.dt)  # after the edges' synapses

    def static(self, probe: nengo.Probe, n_steps: int) -> np.ndarray:
        """A signal a run does not change (connection weights, scaled
        encoders): its value from nengo's built model at every step."""
        signal = {"weights": "weights", "scaled_encoders": "encoders"}[probe.attr]  # nengo's
        value = np.asarray(self.model.sig[probe.obj][signal].initial_value, dtype=float)
        rows = np.broadcast_to(value.reshape(1, -1), (n_steps, value.size))
        return filtered(rows, probe.synapse, self.dt).reshape((n_steps,) + value.shape)

    def _node_outputs(self, name: str, n_steps: int) -> np.ndarray:
        if self.compilation.graph.inputs[name].kind == "host":
            return self.host_outputs(name, n_steps)
        return self.samples_of(name)[:n_steps]

    def _subsample(self, probe: nengo.Probe, name: str, values: np.ndarray,
                   every_step: bool = False) -> np.ndarray:
        """The rows nengo keeps for ``probe.sample_every`` of ``values`` when
        it has a row for every step (``every_step``; else the machine
        recorded nengo's rows already)."""
        if probe.sample_every is None or not every_step:
            return values
        steps = np.arange(1, len(values) + 1)
        return values[steps % (probe.sample_every / self.dt) < 1]

    def _machine(self, name: str, raw: np.ndarray) -> np.ndarray:
        """A recording with its spike or state probe's Lowpass applied as
        nengo does (the sample of step n filters the recordings of steps
        before n); spikes scaled to the population's amplitude."""
        probe = self.compilation.graph.probes[name]
        if probe.kind == "spikes":  # nengo's spike output is amplitude / dt
            raw = raw * self.compilation.graph.populations[probe.target].amplitude
        if probe.kind in ("weights", "encoders"):
            return learned_values(self.compilation.graph, probe, raw, self.dt)
        return synapse_filter(raw, probe.synapse, self.dt)


def learned_values(graph, probe, raw: np.ndarray, dt: float) -> np.ndarray:
    """Samples of learned weights or encoders (``raw``: one flat row each, in
    real units) as nengo shows them: weights (samples, rows, neurons) in
    nengo's units (the cores' are per spike: times ``dt / amplitude``; a
    weight solver's are ``E @ D``), encoders (samples, neurons, dimensions)."""
    pop = graph.populations[probe.target]
    raw = np.asarray(raw, dtype=float)
    if probe.kind == "encoders":
        return raw.reshape(len(raw), pop.n_neurons, probe.size // pop.n_neurons)
    neurons = pop.n_neurons if probe.indices is None else len(probe.indices)  # learned from
    # (sizes, not -1: a simulator closed before it ran has no samples)
    weights = (raw * (dt / pop.amplitude)).reshape(len(raw), probe.size // neurons, neurons)
    if probe.host_transform is not None:
        weights = np.einsum("ij,tjk->tik", probe.host_transform, weights)
    return weights


def probe_data(compilation, recordings: dict, n_steps: int, host_outputs=None) -> dict:
    """Every Graph probe's data as ``sim.data`` holds it (by Graph name), from
    an engine's ``recordings()`` over its first ``n_steps`` ticks: what a
    value probe's recorded rows mean needs the Graph (its edges' synapses,
    the nodes' parts), which the Image does not carry.  ``host_outputs`` as
    :class:`ProbeData` takes it (needed only for probes fed by host
    functions)."""
    def no_host(name, steps):
        raise ValueError(f"probe data need host function '{name}''s answers: pass "
                         "host_outputs")

    data = ProbeData(compilation, compilation.graph.model, compilation.image.dt,
                     host_outputs or no_host)
    return {name: data.data(p.obj, name, recordings, n_steps)
            for name, p in compilation.graph.probes.items()}


def filtered(values: np.ndarray, synapse, dt: float) -> np.ndarray:
    """Filter with any nengo synapse as nengo filters a probe: the sample of
    step n filters the values of the steps before n."""
    values = np.array(values, dtype=float)
    if synapse is None or values.size == 0:
        return values
    out = np.concatenate([synapse.filt(column[:, None], dt=dt, y0=0)
                          for column in values.T], axis=1)
    return np.concatenate([np.zeros_like(out[:1]), out[:-1]])


def synapse_filter(values: np.ndarray, synapse, dt: float) -> np.ndarray:
    """Filter as nengo filters a connection's or probe's values: the sample
    of step n filters the values of the steps before n.  ``synapse``: a
    Graph synapse (:class:`spinnc.frontend.synapses.Synapse`, any nengo
    LinearFilters in series), a nengo LinearFilter, a Lowpass time constant
    or None."""
    values = np.array(values, dtype=float)
    synapse = as_synapse(synapse)
    if synapse is None or len(values) == 0:
        return values
    return synapse.filt(values, dt)
