"""Interoperability with rig 2.4.1 (the place-and-route library nengo_spinnaker used).

rig is an optional extra (``pip install -e '.[interop]'``) for benchmarks
and cross-checks.  It predates Python 3.11, so :func:`import_rig` puts back
the two things it needs that newer Pythons removed before importing it.
"""

import collections
import collections.abc
import inspect
from collections.abc import Sequence

import numpy as np

from spinnc.machine import LINK_VECTORS, Machine
from spinnc.mapper.vertices import Net, Placements, Vertex

# The abstract base classes rig (and six) look up on ``collections``; Python
# 3.10 removed these aliases of ``collections.abc``.
_ABC_ALIASES = ("Callable", "Hashable", "Iterable", "Iterator", "Mapping",
                "MutableMapping", "MutableSequence", "MutableSet", "Sequence", "Set")


def _getargspec(function):
    """``inspect.getargspec`` (removed in Python 3.11): rig unpacks its four
    fields ``args, varargs, keywords, defaults``, so a bare
    ``getfullargspec`` (seven fields) would not do."""
    spec = inspect.getfullargspec(function)
    return spec.args, spec.varargs, spec.varkw, spec.defaults


def import_rig():
    """Import and return the ``rig`` package, after restoring what rig 2.4.1
    needs on Python >= 3.11 (only where missing).

    Raises
    ------
    ImportError
        If rig is not installed, saying how to install it.
    """
    if not hasattr(inspect, "getargspec"):
        inspect.getargspec = _getargspec
    for name in _ABC_ALIASES:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    try:
        import rig
        import rig.netlist
        import rig.place_and_route
        import rig.place_and_route.place.hilbert
        import rig.place_and_route.place.sa
    except ImportError as error:
        raise ImportError(
            f"rig 2.4.1 is needed for this ({error}); install it with "
            "pip install -e '.[interop]'"
        ) from error
    return rig


def rig_problem(vertices: Sequence[Vertex], nets: Sequence[Net], machine: Machine):
    """The same placement problem in rig's terms.

    Vertices are their indices; each needs one core and its SDRAM.  rig
    counts the monitor among a chip's cores, so chips get one core more than
    their working application cores and a reservation of core 0.  Missing
    chips count as dead.

    Returns
    -------
    (vertices_resources, nets, machine, constraints)
        The arguments of rig's placers.
    """
    rig = import_rig()
    from rig.links import Links
    from rig.place_and_route import Cores, SDRAM
    from rig.place_and_route.constraints import ReserveResourceConstraint

    resources = {i: {Cores: 1, SDRAM: int(v.resources.sdram)} for i, v in enumerate(vertices)}
    rig_nets = [rig.netlist.Net(int(n.source), [int(s) for s in n.sinks], n.weight)
                for n in nets]
    counts = machine.core_counts
    full = {Cores: machine.app_cores + 1, SDRAM: machine.sdram_bytes}
    exceptions = {(x, y): {Cores: int(counts[x, y]) + 1, SDRAM: machine.sdram_bytes}
                  for x, y, _ in machine.dead_cores if counts[x, y] > 0}
    dead = {(x, y) for x in range(machine.width) for y in range(machine.height)
            if counts[x, y] == 0}
    # rig.links.Links numbers links as we do; our dead links hold both directions.
    dead_links = {(x, y, Links(int(link))) for x, y, link in machine.dead_links}
    if not machine.wrap:
        # rig infers wrap-around from working links across the edges of the box.
        dead_links |= {(x, y, link) for x in range(machine.width)
                       for y in range(machine.height) for link in Links
                       if not machine.exists(x + LINK_VECTORS[link][0],
                                             y + LINK_VECTORS[link][1])}
    rig_machine = rig.place_and_route.Machine(
        machine.width, machine.height, chip_resources=full,
        chip_resource_exceptions=exceptions, dead_chips=dead, dead_links=dead_links)
    constraints = [ReserveResourceConstraint(Cores, slice(0, 1))]
    return resources, rig_nets, rig_machine, constraints


def placements_from_rig(chips: dict, machine: Machine, placer: str = "rig") -> Placements:
    """Turn rig's ``{vertex index: (x, y)}`` into Placements.

    rig places onto chips only; each chip's vertices take its working
    application cores in vertex order (wirelength and hops depend on chips
    alone).
    """
    n = len(chips)
    xy = np.array([chips[i] for i in range(n)], dtype=np.int64).reshape(n, 2)
    x, y = xy[:, 0], xy[:, 1]
    chip = x * machine.height + y
    order = np.argsort(chip, kind="stable")
    starts = np.searchsorted(chip[order], chip[order], side="left")
    slot = np.empty(n, dtype=np.int64)
    slot[order] = np.arange(n) - starts
    cores = {int(c): machine.cores(*divmod(int(c), machine.height)) for c in np.unique(chip)}
    core = np.array([cores[c][s] for c, s in zip(chip.tolist(), slot.tolist())],
                    dtype=np.int64)
    return Placements(x=x, y=y, core=core, placer=placer)
