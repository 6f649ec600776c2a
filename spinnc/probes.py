"""What a probe's data mean, decided once for ``sim.data``,
:meth:`spinnc.Simulator.emulate` and ``spinnc run``.

The machine records each probe as the Graph says (its kind, its recording
period, the Lowpass synapse a recorder core applies); this module turns those
recordings (:meth:`~spinnc.firmware_sim.Emulator.recordings`, or a board's
read-back, in nengo's units) into what nengo's ``sim.data`` holds:

- a spike or state probe gets its synapse on the host, as nengo filters it
  (spikes scaled to the population's amplitude / dt);
- a probe's *host synapse* (one a recorder core cannot apply: not a
  Lowpass, or a second filter after a connection's) is applied on the host;
- a probe fed by nodes alone (their outputs, or passthrough nodes summing
  them) is computed on the host from the nodes' float outputs, as nengo
  computes it, rather than read from a copy that crossed the machine;
- a probe of a signal a run does not change (connection weights, scaled
  encoders) is nengo's built value at every step;
- ``sample_every`` keeps nengo's rows (steps n with ``n % period < 1``)
  where the machine recorded every step.
"""

from __future__ import annotations

from collections.abc import Callable

import nengo
import numpy as np

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
        ``name``), from the machine's ``recordings`` unless it is static or
        (with ``on_host``) fed by nodes alone."""
        graph = self.compilation.graph
        if name not in graph.probes:
            return self._subsample(probe, name, self.static(probe, n_steps), every_step=True)
        values = self.host_probe(name, n_steps) if on_host else None
        if values is not None:
            return self._subsample(probe, name, values, every_step=True)
        values = filtered(self._machine(name, recordings[name]),
                          graph.probes[name].host_synapse, self.dt)  # None: no filter
        return self._subsample(probe, name, values)

    def samples_of(self, name: str) -> np.ndarray:
        """A constant or function-of-time node's output over the horizon."""
        if name not in self._samples:
            inp, horizon = self.compilation.graph.inputs[name], self.compilation.image.n_steps
            self._samples[name] = np.reshape(inp.samples(horizon, self.dt),
                                             (horizon, inp.size_out))
        return self._samples[name]

    def host_probe(self, name: str, n_steps: int) -> np.ndarray | None:
        """A probe's data computed on the host when nodes alone feed it (a
        node's output, or passthrough nodes summing node outputs); None when
        something on the machine feeds it."""
        graph = self.compilation.graph
        probe = graph.probes[name].obj
        if isinstance(probe.obj, nengo.Node) and graph.names[probe.obj] in graph.inputs:
            values = self._node_outputs(graph.names[probe.obj], n_steps)
            return filtered(values[:, slice(None) if probe.slice is None else probe.slice],
                            probe.synapse, self.dt)
        edges = graph.incoming(name, probe=True)
        if not edges or any(edge.pre not in graph.inputs for edge in edges):
            return None
        values = np.zeros((n_steps, graph.probes[name].size))
        for edge in edges:
            outputs = self._node_outputs(edge.pre, n_steps) @ edge.weights.T
            values[:, edge.post_indices] += synapse_filter(outputs, edge.synapse, self.dt)
        return filtered(values, graph.probes[name].host_synapse, self.dt)  # not on the edges

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
        """The rows nengo keeps for ``probe.sample_every`` of ``values`` that
        has a row for every step (``every_step``, or the machine recorded
        every step; else the machine's recorders kept the rows already)."""
        if probe.sample_every is None:
            return values
        if not every_step and self.compilation.graph.probes[name].sample_every != 1:
            return values
        steps = np.arange(1, len(values) + 1)
        return values[steps % (probe.sample_every / self.dt) < 1]

    def _machine(self, name: str, raw: np.ndarray) -> np.ndarray:
        """A recording with its spike or state probe's Lowpass applied as
        nengo does (the sample of step n filters the recordings of steps
        before n); spikes scaled to the population's amplitude."""
        probe = self.compilation.graph.probes[name]
        if probe.kind == "value":
            return np.array(raw, dtype=float)
        if probe.kind == "spikes":  # nengo's spike output is amplitude / dt
            raw = raw * self.compilation.graph.populations[probe.target].amplitude
        return synapse_filter(raw, probe.synapse, self.dt)


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
