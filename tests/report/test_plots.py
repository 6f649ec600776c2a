"""Plots: the machine map in SpiNNaker's hexagonal layout, and the run plots."""

import gc

import matplotlib.image
import nengo
import numpy as np
from matplotlib.figure import Figure

from spinnc.machine import Machine
from spinnc.report.plots import (DEAD, chip_layers, hex_centres, lif_rates, machine_map,
                                 probed_populations, write_mapping_plots, write_plots)


def _pixels(path, colour: str) -> int:
    """How many pixels of a PNG have exactly ``colour`` (#rrggbb)."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    image = np.round(matplotlib.image.imread(path)[..., :3] * 255).astype(int)
    return int(np.all(image == rgb, axis=-1).sum())


def test_neighbouring_chips_are_neighbouring_hexagons():
    machine = Machine.spinn5()
    centres = hex_centres(machine)
    assert len(centres) == 48
    for (x, y), (cx, cy) in centres.items():
        for link in machine.links(x, y):
            nx, ny = machine.neighbour(x, y, link)
            assert np.isclose(np.hypot(centres[nx, ny][0] - cx, centres[nx, ny][1] - cy), 1)
    points = np.array(list(centres.values()))
    distances = np.hypot(*(points[:, None] - points[None]).transpose(2, 0, 1))
    assert distances[~np.eye(len(points), dtype=bool)].min() > 0.99  # hexagons never overlap


def test_machine_map_marks_dead_chips(tmp_path):
    layers = [("cores used", {(0, 0): 3, (1, 1): 5}), ("routing entries", {(0, 0): 2})]
    alive = machine_map(Machine.spinn5(), layers, tmp_path / "alive.png")
    dead = machine_map(Machine.spinn5().with_dead(chips=[(3, 3)], links=[(1, 1, 0)]), layers,
                       tmp_path / "dead.png")
    # A dead chip fills two hexagons of about 30x35 pixels in DEAD (text antialiasing
    # may hit the colour on a few pixels anyway).
    assert _pixels(dead, DEAD) > _pixels(alive, DEAD) + 1000
    height, width = matplotlib.image.imread(dead).shape[:2]
    assert width > 1.5 * height  # two panels side by side


def test_chip_layers_count_cores_entries_and_packets(run_result):
    compiled, provenance = run_result.compilation, run_result.provenance
    layers = dict(chip_layers(compiled, provenance))
    assert sum(layers["cores used"].values()) == len(compiled.image.cores)
    assert layers["routing entries"] == {tuple(c): len(t)
                                         for c, t in compiled.image.tables.items()}
    per_tick = sum(layers["packets per tick"].values())
    routers = provenance.routers
    assert per_tick * provenance.ticks == sum(r.local_multicast + r.non_local_multicast
                                              for r in routers) > 0
    assert list(dict(chip_layers(compiled))) == ["cores used", "routing entries"]


def test_tuning_curves_use_nengos_lif_rates(run_result):
    graph = run_result.compilation.graph
    populations = probed_populations(graph)
    assert [p.name for p in populations] == ["x", "y"]  # y: its voltage probe
    x = populations[0]
    points = np.linspace(-1, 1, 21)
    expected = nengo.LIF(tau_rc=x.tau_rc, tau_ref=x.tau_ref).rates(
        np.outer(points, x.encoders[:, 0]) / x.radius, x.gain, x.bias)
    np.testing.assert_allclose(lif_rates(x, points), expected, rtol=1e-9, atol=1e-9)


def test_write_plots_draws_every_kind_and_keeps_no_figures(run_result, tmp_path):
    write_plots(run_result, tmp_path / "warm")  # the first call loads fonts and caches
    gc.collect()
    before = sum(isinstance(o, Figure) for o in gc.get_objects())
    plots = write_plots(run_result, tmp_path)
    gc.collect()
    assert sum(isinstance(o, Figure) for o in gc.get_objects()) == before
    sections = [p.section for p in plots]
    assert sections[0] == "machine"
    assert sorted(p.title for p in plots if p.section == "values") == ["sine", "x",
                                                                      "x squared"]
    assert [p.title for p in plots if p.section == "spikes"] == ["x spikes"]
    assert [p.title for p in plots if p.section == "state"] == ["y voltage"]
    assert [p.title for p in plots if p.section == "tuning"] == ["x", "y"]
    for plot in plots:
        assert plot.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert matplotlib.image.imread(plot.path).shape[0] > 100
    assert len({p.path for p in plots}) == len(plots)


def test_mapping_plots_have_no_packet_panel(run_result, tmp_path):
    (plot,) = write_mapping_plots(run_result.compilation, tmp_path)
    assert plot.path == tmp_path / "machine_map.png"
    with_run = write_plots(run_result, tmp_path / "run")[0].path
    width = matplotlib.image.imread(plot.path).shape[1]
    assert width < matplotlib.image.imread(with_run).shape[1]  # two panels, not three
