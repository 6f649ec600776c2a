"""Plots of a mapped or run model, as PNG files.

The machine map draws the chips in SpiNNaker's hexagonal layout, coloured by
cores used, routing entries and packets per tick; the run plots show each
value probe against nengo's float reference, spike rasters, voltage traces
and the tuning curves of probed ensembles.

Figures are made with :class:`matplotlib.figure.Figure` and the Agg canvas,
never through pyplot: nothing is registered globally, so a figure is freed as
soon as it is saved and no backend has to be chosen.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.figure import Figure

from .. import neurons
from ..machine import LINK_VECTORS

#: Most plots of one kind (value, spikes, state, tuning) a report draws.
MAX_PLOTS = 24
#: Most neurons a raster or a tuning-curve plot shows, and state traces.
MAX_NEURONS, MAX_TRACES = 200, 5
#: Chips a machine map labels with their numbers (beyond, the text is unreadable).
MAX_LABELLED_CHIPS = 150

UNUSED, DEAD = "#e6e6e6", "#303030"


@dataclass
class Plot:
    """A PNG written for a report: its section, title and file."""

    section: str  # "machine", "values", "spikes", "state" (neuron state) or "tuning"
    title: str
    path: Path


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=100)
    figure.clear()  # drop the artists now rather than at garbage collection
    return path


def _file_name(prefix: str, name: str, used: set) -> str:
    """A file name for a probe or population label, unique within a report."""
    stem = f"{prefix}_{re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_') or 'unnamed'}"
    candidate, n = stem, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}_{n}"
    used.add(candidate)
    return candidate + ".png"


# -- the machine map -----------------------------------------------------------

def hex_centres(machine) -> dict:
    """Each existing chip's centre in the drawing: links east (1, 0), north
    (0, 1) and north-east (1, 1) all join neighbouring hexagons, so the mesh
    is a hexagonal tiling and a SpiNN-5 board shows its hexagonal outline."""
    return {(x, y): (x - 0.5 * y, y * np.sqrt(3) / 2)
            for x in range(machine.width) for y in range(machine.height)
            if machine.exists(x, y)}


def machine_map(machine, layers: list, path, title: str | None = None) -> Path:
    """Draw the chips of ``machine`` as hexagons, one panel per layer.

    Parameters
    ----------
    machine : spinnc.machine.Machine
    layers : list of (str, dict)
        Panel title and a value per chip ``{(x, y): number}``; chips without a
        value, or with 0, are drawn grey.  Dead chips are drawn black with a
        cross, dead links as red stubs.
    path : path
        The PNG to write.
    title : str, optional
        The figure's title.

    Returns
    -------
    Path
        ``path``.
    """
    centres = hex_centres(machine)
    chips = list(centres)
    xy = np.array([centres[c] for c in chips]).reshape(-1, 2)
    angles = np.radians(30 + 60 * np.arange(6))
    radius = 0.95 / np.sqrt(3)  # neighbours are 1 apart; leave a small gap
    hexagons = xy[:, None, :] + radius * np.stack([np.cos(angles), np.sin(angles)], 1)
    dead = np.array([c in machine.dead_chips for c in chips], dtype=bool)
    span = np.ptp(xy, axis=0) + 2 if len(xy) else np.ones(2)
    height = 4.2 * min(1.2, max(span[1] / span[0], 0.3))  # follow the machine's shape
    figure = Figure(figsize=(5 * len(layers), height + 0.9), layout="constrained")
    for i, (name, values) in enumerate(layers):
        ax = figure.add_subplot(1, len(layers), i + 1)
        value = np.array([values.get(c, 0) for c in chips], dtype=float)
        norm = Normalize(0, max(value.max(initial=0), 1))
        cmap = _cmap()
        colours = cmap(norm(value))
        colours[value <= 0] = to_rgba(UNUSED)
        colours[dead] = to_rgba(DEAD)
        ax.add_collection(PolyCollection(hexagons, facecolors=colours,
                                         edgecolors="white",
                                         linewidths=0.5 if len(chips) < 2000 else 0))
        if dead.any():
            ax.scatter(xy[dead, 0], xy[dead, 1], marker="x", color="white", s=20, lw=1.2)
        for x, y, link in machine.dead_links:
            if (x, y) in centres:
                cx, cy = centres[x, y]
                dx, dy = LINK_VECTORS[link]
                ux, uy = dx - 0.5 * dy, dy * np.sqrt(3) / 2  # towards the neighbour
                # From inside the hexagon to its edge; the reverse link's stub
                # continues it into the neighbour.
                ax.plot([cx + 0.25 * ux, cx + 0.5 * ux], [cy + 0.25 * uy, cy + 0.5 * uy],
                        color="red", lw=2.5)
        if len(chips) <= MAX_LABELLED_CHIPS:
            for (cx, cy), v, is_dead in zip(xy, value, dead):
                if v > 0 and not is_dead:
                    ax.text(cx, cy, f"{v:.3g}", ha="center", va="center", fontsize=7,
                            color="white" if norm(v) < 0.6 else "black")
        ax.set_xlim(xy[:, 0].min() - 1, xy[:, 0].max() + 1)
        ax.set_ylim(xy[:, 1].min() - 1, xy[:, 1].max() + 1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(f"{name}\n(total {value.sum():.4g}, max {value.max(initial=0):.4g})",
                     fontsize=10)
        figure.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.8)
    figure.suptitle(title or str(machine), fontsize=10)
    return _save(figure, Path(path))


def _cmap():
    from matplotlib import colormaps

    return colormaps["viridis"]


def chip_layers(compiled, provenance=None) -> list:
    """The machine map's layers for a compiled model: cores used and routing
    entries (after minimisation) per chip, and with a run's ``provenance``,
    multicast packets per tick through each chip's router."""
    cores, entries = {}, {}
    for core in compiled.image.cores:
        cores[core.x, core.y] = cores.get((core.x, core.y), 0) + 1
    for chip, table in compiled.image.tables.items():
        entries[tuple(chip)] = len(table)
    layers = [("cores used", cores), ("routing entries", entries)]
    if provenance is not None:
        ticks = max(provenance.ticks, 1)
        layers.append(("packets per tick", {
            (r.x, r.y): (r.local_multicast + r.non_local_multicast) / ticks
            for r in provenance.routers}))
    return layers


# -- run plots -----------------------------------------------------------------

def value_plot(name: str, t, emulated, reference, path, label: str = "emulation") -> Path:
    """A value probe over time: the emulation against nengo's float reference."""
    figure = Figure(figsize=(7, 3))
    ax = figure.add_subplot()
    emulated = np.asarray(emulated).reshape(len(t), -1)
    if reference is not None:  # broad and grey underneath, so both stay visible
        reference = np.asarray(reference).reshape(len(t), -1)
        ax.plot(t, reference, lw=3.5, color="#bbbbbb")
        ax.plot([], [], lw=3.5, color="#bbbbbb", label="nengo reference")
    for d in range(emulated.shape[1]):
        ax.plot(t, emulated[:, d], lw=0.9, color=f"C{d % 10}",
                label=label if d == 0 else None)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("value")
    ax.set_title(f"'{name}' ({emulated.shape[1]} dimension{'s' * (emulated.shape[1] != 1)})",
                 loc="left")
    # Above the axes, right of the title: never over the data.
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncol=2, frameon=False, fontsize=8)
    figure.tight_layout()
    return _save(figure, Path(path))


def spike_raster(name: str, t, spikes, path) -> Path:
    """The spike times of up to MAX_NEURONS neurons of a spike probe."""
    figure = Figure(figsize=(7, 3))
    ax = figure.add_subplot()
    spikes = np.asarray(spikes)[:, :MAX_NEURONS]
    steps, neurons = np.nonzero(spikes)
    ax.scatter(np.asarray(t)[steps], neurons, marker="|", s=12, lw=0.8, color="black")
    ax.set_xlim(0, t[-1] if len(t) else 1)
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("neuron")
    ax.set_title(f"'{name}': {len(steps)} spikes of {spikes.shape[1]} neurons")
    figure.tight_layout()
    return _save(figure, Path(path))


def state_plot(name: str, kind: str, t, values, path) -> Path:
    """A neuron state (``kind``: voltage, adaptation, recovery, ...) of the
    first MAX_TRACES neurons of a probe."""
    figure = Figure(figsize=(7, 3))
    ax = figure.add_subplot()
    values = np.asarray(values)[:, :MAX_TRACES]
    for i in range(values.shape[1]):
        ax.plot(t, values[:, i], lw=0.8, label=f"neuron {i}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(kind)
    ax.set_title(f"'{name}'")
    ax.legend(loc="upper right", fontsize=7)
    figure.tight_layout()
    return _save(figure, Path(path))


def rates(population, x, dt: float = 0.001) -> np.ndarray:
    """Firing rates (Hz) of a float Graph population's neurons for inputs
    ``x`` along its first dimension, by its neuron model's rate curve
    (:mod:`spinnc.neurons`); shape ``(len(x), n_neurons)``."""
    current = (population.gain * np.outer(x, population.encoders[:, 0]) / population.radius
               + population.bias)
    return neurons.model_named(population.model).rates(population.params, current, dt)


lif_rates = rates  # the name from when every population was LIF


def tuning_curves(population, path, dt: float = 0.001) -> Path:
    """Rates of up to MAX_NEURONS neurons of a population across its first
    dimension (from the gains, biases and encoders nengo built)."""
    x = np.linspace(-population.radius, population.radius, 201)
    curves = rates(population, x, dt)[:, :MAX_NEURONS]
    figure = Figure(figsize=(7, 3))
    ax = figure.add_subplot()
    ax.plot(x, curves, lw=0.7)
    ax.set_xlabel("x" if population.dimensions == 1 else "x[0] (other dimensions 0)")
    ax.set_ylabel("rate (Hz)")
    ax.set_title(f"'{population.name}': {population.n_neurons} {population.model} neurons")
    figure.tight_layout()
    return _save(figure, Path(path))


def probed_populations(graph) -> list:
    """Populations with a spike or state probe, or whose decoded value is probed."""
    names = {p.target for p in graph.probes.values() if p.kind != "value"}
    names |= {c.pre for c in graph.connections
              if c.target == "probe" and c.pre in graph.populations}
    return [graph.populations[n] for n in graph.populations if n in names]


def write_mapping_plots(compiled, out_dir, provenance=None) -> list[Plot]:
    """The machine map of a compiled model (and its run's ``provenance``,
    if given) as ``machine_map.png`` in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = machine_map(compiled.image.machine, chip_layers(compiled, provenance),
                       out_dir / "machine_map.png")
    return [Plot("machine", "Machine map", path)]


def write_plots(result, out_dir) -> list[Plot]:
    """Every plot of a run (a :class:`spinnc.runner.RunResult`) into ``out_dir``:
    the machine map, each value probe against nengo's reference, spike rasters,
    neuron state traces (voltage, adaptation, ...) and tuning curves of probed ensembles (at most MAX_PLOTS of
    each kind).

    Returns
    -------
    list of Plot
        In report order.
    """
    out_dir = Path(out_dir)
    plots = write_mapping_plots(result.compilation, out_dir, result.provenance)
    graph, used = result.compilation.graph, set()
    label = f"{result.summary['run']['precision']} point emulation"
    counts = {}
    for name, probe in graph.probes.items():
        section = {"value": "values", "spikes": "spikes"}.get(probe.kind, "state")
        counts[section] = counts.get(section, 0) + 1
        if counts[section] > MAX_PLOTS or name not in result.recordings:
            continue
        t, data = result.times[name], result.recordings[name]
        if not len(t):  # sample_every longer than the run: nothing to draw
            continue
        path = out_dir / _file_name(probe.kind, name, used)
        if probe.kind == "value":
            value_plot(name, t, data, result.reference.get(name), path, label)
        elif probe.kind == "spikes":
            spike_raster(name, t, data, path)
        else:
            state_plot(name, probe.kind, t, data, path)
        plots.append(Plot(section, name, path))
    for population in probed_populations(graph)[:MAX_PLOTS]:
        path = out_dir / _file_name("tuning", population.name, used)
        plots.append(Plot("tuning", population.name, tuning_curves(population, path, graph.dt)))
    return plots
