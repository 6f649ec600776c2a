"""``network.config[obj].profile = True``: the cores that run obj record each tick's cycles."""

import json

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

import spinnc
from spinnc.machine import Machine
from spinnc.report import write_provenance_report
from spinnc.virtual_board.board import serve


def model():
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(lambda t: np.sin(5 * t), label="stim")
        a = nengo.Ensemble(400, 1, label="a")
        b = nengo.Ensemble(50, 1, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        net.probe = nengo.Probe(b, synapse=0.01)
    spinnc.add_params(net)
    net.config[a].profile = True
    net.config[stim].profile = True
    return net, stim, a, b


def run(net, steps, **options):
    with spinnc.Simulator(net, progress_bar=False, **options) as sim:
        sim.run_steps(steps)
        return sim, {obj: sim.profile(obj) for obj in net.all_ensembles + net.all_nodes
                     if net.config[obj].profile}, sim.provenance()


@pytest.mark.parametrize("engine", ["python", "arm"])
def test_a_profile_is_each_ticks_cycles_of_each_core(engine):
    net, stim, a, b = model()
    sim, profiles, provenance = run(net, 60, horizon=60, engine=engine)
    cores_of_a = sim.compilation.partition.vertices_of["a"]
    assert len(profiles[a]) == len(cores_of_a) > 1
    for where, cycles in {**profiles[a], **profiles[stim]}.items():
        assert cycles.shape == (60,) and cycles.min() > 0
        # The counters the core kept agree with its rows: its most is their most.
        assert cycles.max() == provenance.core(*where).max_cycles
    # An ensemble's cycles follow its spikes: they vary from tick to tick.
    assert all(len(np.unique(c)) > 5 for c in profiles[a].values())


def test_the_python_kernels_profile_is_their_cost_models_ticks():
    net, stim, a, b = model()
    with spinnc.Simulator(net, progress_bar=False, horizon=20) as sim:
        seen = []
        for _ in range(20):
            sim.run_steps(1)
            seen.append(sim.tick_cycles())
        profile = sim.profile(a)
    for where, cycles in profile.items():
        assert list(cycles) == [tick[where] for tick in seen]


@pytest.mark.parametrize("engine", ["python", "arm"])
def test_a_board_gives_back_the_emulators_profile(engine):
    net, stim, a, b = model()
    _, want, _ = run(net, 50, horizon=50, engine=engine)
    board = serve(Machine.spinn5(), port=0, boot_port=0, booted=True, engine=engine)
    try:
        host, port = board.address
        with spinnc.Simulator(net, progress_bar=False, horizon=50, target="board", host=host,
                              port=port) as sim:
            sim.run_steps(30)
            sim.run_steps(20)
            got = sim.profile(a)
    finally:
        board.close()
    assert list(got) == list(want[a])
    for where in got:
        np.testing.assert_array_equal(got[where], want[a][where])


def test_a_profile_covers_runs_past_the_horizon():
    net, stim, a, b = model()
    _, profiles, _ = run(net, 70, horizon=40)
    assert {len(c) for c in profiles[a].values()} == {70}


def test_profiling_changes_no_value():
    net, stim, a, b = model()
    sim, _, _ = run(net, 80, horizon=80)
    profiled = sim.data[net.probe]
    net.config[a].profile = net.config[stim].profile = False
    sim, _, _ = run(net, 80, horizon=80)
    np.testing.assert_array_equal(sim.data[net.probe], profiled)


def test_an_object_not_profiled_is_named():
    net, stim, a, b = model()
    with spinnc.Simulator(net, progress_bar=False, horizon=10) as sim:
        sim.run_steps(10)
        with pytest.raises(ValidationError, match="'b' is not profiled.*profile = True"):
            sim.profile(b)


def test_the_provenance_report_has_the_profile(tmp_path):
    net, stim, a, b = model()
    sim, profiles, provenance = run(net, 30, horizon=30)
    write_provenance_report(provenance, tmp_path)
    data = json.loads((tmp_path / "provenance.json").read_text())
    summary = {(p["x"], p["y"], p["core"]): p for p in data["profiles"]}
    for where, cycles in {**profiles[a], **profiles[stim]}.items():
        assert summary[where]["max"] == cycles.max()
        assert summary[where]["mean"] == pytest.approx(cycles.mean())
    rows = np.loadtxt(tmp_path / "profile.csv", delimiter=",", skiprows=1, dtype=np.int64)
    assert rows.shape == (30, 1 + len(summary))
    assert "Profiled cores" in (tmp_path / "provenance.txt").read_text()
