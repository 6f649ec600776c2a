"""The live view of the machine: its state while a model runs, and its page
in headless Chromium updating as the ticks go by."""

import json
import threading
import urllib.request

import numpy as np
import pytest

import spinnc
from spinnc.demo import demo_model

from ..chromium import Chromium


def test_the_state_counts_packets_per_tick_and_each_core_s_load():
    with spinnc.Simulator(demo_model(0), progress_bar=False) as sim:
        with sim.machine_view() as view:
            empty = json.load(urllib.request.urlopen(view.url + "state.json"))
            assert empty["steps"] == 0
            sim.run_steps(50)
            state = json.load(urllib.request.urlopen(view.url + "state.json"))
            provenance = sim.provenance()
    assert state["steps"] == 50 and np.isclose(state["time"], 0.05)
    routed = sum(r.local_multicast + r.non_local_multicast for r in provenance.routers)
    assert np.isclose(sum(c["packets_per_tick"] for c in state["chips"]), routed / 50)
    assert len(state["cores"]) == len(provenance.cores)
    assert all(0 < c["load"] <= c["max_load"] for c in state["cores"])
    with pytest.raises(urllib.error.URLError):  # closed with the view
        urllib.request.urlopen(view.url + "state.json", timeout=2)


def test_the_page_updates_while_the_model_runs(tmp_path):
    # in real time: 3 s of ticks, a dozen of the page's updates (unpaced, the
    # emulator can finish before the page asks twice)
    with spinnc.Simulator(demo_model(0), progress_bar=False, horizon=3000,
                          realtime=True) as sim, \
            sim.machine_view() as view, Chromium(tmp_path / "profile") as page:
        page.open(view.url)
        page.wait_for("Number(document.body.dataset.updates) > 0", 30, "the first update")
        running = threading.Thread(target=sim.run_steps, args=(3000,))
        running.start()
        try:
            first = int(page.wait_for("Number(document.body.dataset.steps) > 0 && "
                                      "document.body.dataset.steps", 60, "ticks shown"))
            later = int(page.wait_for(f"Number(document.body.dataset.steps) > {first} && "
                                      "document.body.dataset.steps", 60, "more ticks shown"))
            assert later > first
            assert float(page.evaluate("document.body.dataset.packets")) > 0
            assert 0 < float(page.evaluate("document.body.dataset.load")) < 1
            rows = page.evaluate("document.querySelectorAll('#cores tbody tr').length")
            assert rows == len(sim.compilation.image.cores)
        finally:
            running.join()


def test_spinnc_run_serves_the_view_while_the_emulator_runs(tmp_path, capsys):
    from pathlib import Path

    from spinnc import cli
    from spinnc.runner import run_model

    seen = []

    def on_view(url):
        seen.append(json.load(urllib.request.urlopen(url + "state.json")))
        seen.append(url)

    run_model(demo_model(0), duration=0.05, on_view=on_view)
    assert seen[0]["steps"] == 0 and seen[0]["cores"]
    with pytest.raises(urllib.error.URLError):  # the view ends with the run
        urllib.request.urlopen(seen[1] + "state.json", timeout=2)
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
    assert cli.main(["run", str(demo), "--machine-view", "--duration", "0.05", "--quiet",
                     "--out", str(tmp_path / "out")]) == 0
    assert "the machine, live: http://127.0.0.1:" in capsys.readouterr().err
