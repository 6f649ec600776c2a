"""The float reference: nengo's own simulator on the same network and seed.

To see exactly the inputs the machine saw, the reference can run a copy of
the network (the user's is left untouched) in which some nodes play values
given per step, nodes spinnc computed its own way (unseeded processes,
which spinnc seeds its own way; live nodes, which must not be called
again), and some ensembles' noise draws from spinnc's random streams.
"""

import copy

import nengo
import numpy as np

from .builder import _names, nengo_model


class Played(nengo.Process):
    """Plays ``values`` (one row per step, from t = dt): a node's output as
    spinnc computed it.  Past the last row it repeats the last row."""

    def __init__(self, values: np.ndarray):
        self.values = np.asarray(values, dtype=np.float64)
        super().__init__(default_size_in=0, default_size_out=self.values.shape[1])

    def make_step(self, shape_in, shape_out, dt, rng, state):
        values = self.values

        def step(t):
            return values[min(max(int(round(t / dt)) - 1, 0), len(values) - 1)]

        return step


class Reseeded(nengo.Process):
    """``process`` drawing from ``make_rng()`` (spinnc's stream for it)
    rather than nengo's."""

    def __init__(self, process: nengo.Process, make_rng):
        self.process, self.make_rng = process, make_rng
        super().__init__(default_size_in=process.default_size_in,
                         default_size_out=process.default_size_out)

    def make_state(self, *args, **kwargs):
        return self.process.make_state(*args, **kwargs)

    def make_step(self, shape_in, shape_out, dt, rng, state):
        return self.process.make_step(shape_in, shape_out, dt,
                                      self.process.get_rng(self.make_rng()), state)


def reference(network: nengo.Network, duration: float, dt: float = 0.001,
              seed: int | None = None, nodes: dict | None = None,
              noise: dict | None = None) -> dict[str, np.ndarray]:
    """Run ``nengo.Simulator`` and return its probe data keyed like the Graph's probes.

    The model is built exactly as :func:`spinnc.frontend.build` builds it
    (same seeding, see :func:`~spinnc.frontend.builder.nengo_model`), so every
    parameter is shared.  Probe data only: a probe may be labelled ``t``
    (the time of step n is ``n * dt``, as ``sim.trange()`` gives it).

    Parameters
    ----------
    network : nengo.Network
    duration : float
        Simulated seconds.
    dt : float
    seed : int, optional
        Seeds the build (when ``network.seed`` is None) and nengo's simulator.
    nodes : dict, optional
        ``{node: values}``: these nodes play ``values`` (``(steps,
        node.size_out)``, from t = dt) instead of computing their output;
        a node of ``size_out`` 0 is not called at all.
    noise : dict, optional
        ``{ensemble: make_rng}``: these ensembles' noise processes draw from
        ``make_rng()``.
    """
    names = _names(network)
    run, probes = network, {probe: probe for probe in network.all_probes}
    if nodes or noise:
        run, probes = _copy(network, nodes or {}, noise or {})
    model = nengo_model(run, dt, seed, built=False)  # the Simulator builds it
    with nengo.Simulator(run, dt=dt, seed=seed, model=model, progress_bar=False) as sim:
        sim.run(duration)
        return {names[probe]: np.array(sim.data[probes[probe]]) for probe in network.all_probes}


def _copy(network: nengo.Network, nodes: dict, noise: dict):
    """A copy of ``network`` with ``nodes`` playing and ``noise`` reseeded,
    and its probes by the original's.  Node functions are shared, not
    copied (nengo copies neither; a callable object may hold a lock)."""
    memo = {id(node.output): node.output for node in network.all_nodes
            if callable(node.output) and not isinstance(node.output, nengo.Process)}
    copied = copy.deepcopy(network, memo)
    for node, values in nodes.items():
        twin = memo[id(node)]
        twin.output = Played(values) if node.size_out else _silent
    for ens, make_rng in noise.items():
        memo[id(ens)].noise = Reseeded(ens.noise, make_rng)
    return copied, {probe: memo[id(probe)] for probe in network.all_probes}


def _silent(t):
    """A node of size_out 0 already called once per step by spinnc's run."""
    return None
