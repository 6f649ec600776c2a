"""The float reference: nengo's own simulator on the same network and seed."""

import nengo
import numpy as np

from .builder import _names, nengo_model


def reference(network: nengo.Network, duration: float, dt: float = 0.001,
              seed: int | None = None) -> dict[str, np.ndarray]:
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
    """
    model = nengo_model(network, dt, seed, built=False)  # the Simulator builds it
    names = _names(network)
    with nengo.Simulator(network, dt=dt, seed=seed, model=model, progress_bar=False) as sim:
        sim.run(duration)
        return {names[probe]: np.array(sim.data[probe]) for probe in network.all_probes}
