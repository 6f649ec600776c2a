"""The spinnc command."""

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spinnc import cli
from spinnc.errors import QuantisationError

CHANNEL = str(Path(__file__).resolve().parent.parent / "examples" / "channel.py")


def spinnc(*args, cwd=None):
    """Run the installed ``spinnc`` console script."""
    command = shutil.which("spinnc")
    assert command, "the spinnc console script is not on PATH (pip install -e .)"
    return subprocess.run([command, *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_demo_prints_graph_summary_and_quantisation_report(tmp_path, capsys):
    assert cli.main(["demo", "--duration", "0.1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 populations (200 neurons)" in out
    assert "x->y" in out and "x squared" in out
    assert "Quantisation to fixed point (0 values saturated)" in out
    assert "weights per spike" in out


def test_demo_prints_partition_and_placement_on_a_spinn5_board(tmp_path, capsys):
    assert cli.main(["demo", "--placer", "hilbert", "--duration", "0.1", "--out",
                     str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Mapping onto one SpiNN-5 board: 8x8 machine (no wrap-around): 48 working chips" in out
    assert "Partition: 3 vertices" in out  # x and y on a core each (measured costs)
    assert "ensemble" in out and "value_source" in out and "recorder" not in out
    assert "Placement (hilbert" in out and "chips used" in out
    assert "Routing tables (1 chips; every net checked)" in out


def test_demo_runs_on_the_emulator_and_compares_with_nengo(tmp_path, capsys):
    assert cli.main(["demo", "--placer", "hilbert", "--duration", "0.5", "--out",
                     str(tmp_path)]) == 0
    out = capsys.readouterr().out
    table = out[out.index("Emulation against nengo's float reference"):]
    rows = {}
    for line in table.splitlines()[3:6]:
        name, *numbers = line.rsplit(None, 3)
        rows[name] = [float(n) for n in numbers]
    assert set(rows) == {"sine", "x", "x squared"}
    for fixed_error, float_error, reference_rms in rows.values():
        assert fixed_error < 0.1 * reference_rms and float_error < 0.1 * reference_rms
    assert "Ran 0.5 s (500 ticks) on 3 cores of 1 chip" in out
    assert "overruns: 0" in out and "dropped: 0" in out


def test_errors_are_one_line_without_traceback(monkeypatch, capsys):
    def failing(args):
        raise QuantisationError("'x' bias: does not fit")

    monkeypatch.setattr(cli, "demo", failing)
    assert cli.main(["demo"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "spinnc: error: 'x' bias: does not fit"
    with pytest.raises(QuantisationError):
        cli.main(["--debug", "demo"])


def test_console_demo_writes_and_names_its_report(tmp_path):
    result = spinnc("demo", "--duration", "0.1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Populations" in result.stdout and "Emulation against nengo" in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("report: demo_report/report.html")
    for name in ("report.html", "probes.npz", "summary.json", "mapping.json",
                 "provenance.json", "plots/machine_map.png"):
        assert (tmp_path / "demo_report" / name).is_file(), name
    other = spinnc("demo", "--duration", "0.1", "--quiet", "--out", "elsewhere", cwd=tmp_path)
    assert other.returncode == 0 and other.stderr == ""
    assert "report: elsewhere/report.html" in other.stdout


def test_module_runs_as_script():
    result = subprocess.run([sys.executable, "-m", "spinnc.cli", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "demo" in result.stdout


def test_compile_writes_an_image(tmp_path, capsys):
    from spinnc.image import Image

    out = tmp_path / "image"
    assert cli.main(["compile", CHANNEL, "--machine", "spinn3",
                     "--duration", "0.2", "--placer", "hilbert", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    image = Image.load(out)
    assert image.n_steps == 200 and image.machine.width == 2
    assert set(image.probes) == {"stimulus", "b"}


@pytest.mark.parametrize("text, message", [
    (None, "no such model file"),
    ("x = 1\n", "defines no `model`"),
    ("model = 3\n", "not a nengo.Network"),
    ("import nengo\nmodel = nengo.Network()\n1 / 0\n", "ZeroDivisionError at line 3"),
    ("import nengo\nwith nengo.Network() as model:\n    nengo.Ensemble(5, 1, "
     "neuron_type=nengo.LIFRate(), label='d')\n", "Ensemble 'd': spinnc does not support"),
])
def test_model_file_errors_are_one_clear_line(tmp_path, capsys, text, message):
    path = tmp_path / "model.py"
    if text is not None:
        path.write_text(text)
    assert cli.main(["compile", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_unknown_machine_is_an_error(capsys):
    assert cli.main(["compile", CHANNEL, "--machine", "4x", "--out", "x"]) == 1
    assert "unknown machine '4x'" in capsys.readouterr().err


def test_machine_describes_chips_cores_links_and_dead_parts(tmp_path, capsys):
    from spinnc.machine import Machine

    assert cli.main(["machine", "3-boards"]) == 0
    out = capsys.readouterr().out
    assert "12x12 machine (torus): 144 working chips, 2304 application cores" in out
    assert "links: 432 working" in out  # 3 links a chip on a torus
    path = tmp_path / "dead.json"
    Machine.spinn5().with_dead(chips=[(3, 3)], cores=[(0, 0, 4)], links=[(1, 1, 0)]).save(path)
    assert cli.main(["machine", str(path)]) == 0
    out = capsys.readouterr().out
    assert "47 working chips" in out
    assert "dead: 1 chips [(3, 3)], 1 cores [(0, 0, 4)], 1 links [(1, 1, 0)]" in out


def test_run_writes_probes_and_the_documented_summary(tmp_path, capsys):
    import json

    import numpy as np

    out, summary = tmp_path / "report", tmp_path / "summary.json"
    assert cli.main(["run", CHANNEL, "--duration", "0.3", "--placer", "hilbert",
                     "--out", str(out), "--json", str(summary)]) == 0
    assert "RMS error fixed" in capsys.readouterr().out
    data = json.loads(summary.read_text())
    assert data == json.loads((out / "summary.json").read_text())
    assert set(data["machine"]) == {"width", "height", "chips", "cores_used", "chips_used"}
    assert set(data["mapping"]) == {"vertices", "routing_entries_total", "routing_entries_max",
                                    "tables_over_1023", "seconds"}
    assert data["run"]["steps"] == 300 and data["run"]["overruns"] == 0
    assert data["run"]["packets_dropped"] == 0 and data["run"]["packets_sent"] > 0
    b = data["compare"]["b"]
    assert b["rms_error_fixed"] < 0.1 * b["reference_rms"]
    assert b["rms_error_float"] < 0.1 * b["reference_rms"]
    assert data["reference"]["wall_seconds"] > 0
    provenance = json.loads((out / "provenance.json").read_text())
    assert sum(c["packets_sent"] for c in provenance["cores"]) == data["run"]["packets_sent"]
    assert "Routers (multicast packets)" in (out / "provenance.txt").read_text()
    assert (out / "mapping.json").is_file() and (out / "mapping.txt").is_file()
    probes = np.load(out / "probes.npz")
    assert set(probes) == {"t", "probe:stimulus", "t:stimulus", "probe:b", "t:b"}
    assert probes["probe:b"].shape == (300, 1)
    np.testing.assert_allclose(probes["t"], 0.001 * np.arange(1, 301))
    np.testing.assert_array_equal(probes["t:b"], probes["t"])


def test_run_realtime_paces_and_reports_the_clock(tmp_path, capsys):
    import json

    out = tmp_path / "report"
    assert cli.main(["run", CHANNEL, "--duration", "0.2", "--placer", "hilbert",
                     "--realtime", "--out", str(out)]) == 0
    assert "real time: " in capsys.readouterr().out
    run = json.loads((out / "summary.json").read_text())["run"]
    assert run["realtime"]["ticks"] == 200
    assert run["wall_seconds"] >= 0.199  # never ahead of the clock
    assert set(run["realtime"]) == {"ticks", "behind", "fraction_behind", "max_lag_seconds",
                                    "mean_lag_seconds_when_behind"}


def test_map_writes_the_mapping_report(tmp_path, capsys):
    import json

    out = tmp_path / "report"
    assert cli.main(["map", CHANNEL, "--machine", "spinn3", "--placer", "hilbert",
                     "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    report = json.loads((out / "mapping.json").read_text())
    assert set(report) == {"quantisation", "vertices", "nets", "routing", "seconds", "learning"}
    assert report["learning"] == []  # the channel learns nothing
    assert {v["application"] for v in report["vertices"]} == {"ensemble", "value_source"}
    for net in report["nets"]:
        assert net["key"] & ~net["mask"] & 0xFFFFFFFF == 0 and net["sinks"]
    text = (out / "mapping.txt").read_text()
    for heading in ("Populations", "Quantisation", "Partition:", "Placement", "Keys per net",
                    "Routing tables"):
        assert heading in text


# -- each command through the console entry point ----------------------------------

STAGE = re.compile(r"^(\S+(?: \S+)*) +(\d+\.\d\d) s$")


def stages(stderr: str) -> list[str]:
    """The stage names of the progress lines on standard error."""
    return [m.group(1) for m in map(STAGE.match, stderr.splitlines()) if m]


def test_console_run_writes_the_report_and_shows_progress(tmp_path):
    result = spinnc("run", CHANNEL, "--machine", "spinn3", "--duration", "0.1",
                    "--placer", "hilbert", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"report: {tmp_path / 'out' / 'report.html'}" in result.stdout
    assert "RMS error fixed" in result.stdout
    assert stages(result.stderr) == ["build", "quantise", "partition", "place", "keys",
                                     "route", "tables", "minimise", "check", "regions",
                                     "emulate fixed", "emulate float", "nengo reference",
                                     "report"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="machine-map"' in html and 'id="comparison"' in html


def test_console_run_json_follows_the_documented_schema(tmp_path):
    summary = tmp_path / "summary.json"
    result = spinnc("run", CHANNEL, "--duration", "0.1", "--placer", "hilbert", "--quiet",
                    "--out", tmp_path / "out", "--json", summary)
    assert result.returncode == 0, result.stderr
    data = json.loads(summary.read_text())
    schema = {
        "machine": {"width": int, "height": int, "chips": int, "cores_used": int,
                    "chips_used": int},
        "mapping": {"vertices": int, "routing_entries_total": int, "routing_entries_max": int,
                    "tables_over_1023": int, "seconds": dict},
        "run": {"target": str, "engine": str, "precision": str, "steps": int, "wall_seconds": float,
                "wall_seconds_per_simulated_second": float, "max_cycles_per_tick": int,
                "overruns": int, "packets_sent": int, "packets_dropped": int},
        "compare": dict, "reference": {"wall_seconds": float},
        "energy": {"joules": float, "chips_joules": float, "cores_joules": float,
                   "packets_joules": float, "mean_watts": float, "chips": int,
                   "active_cores": int, "packet_hops": int},
    }
    assert set(data) == set(schema)
    for part, fields in schema.items():
        if isinstance(fields, dict):
            assert set(data[part]) == set(fields), part
            for name, kind in fields.items():
                assert isinstance(data[part][name], kind), (part, name)
    assert data["machine"] == {"width": 8, "height": 8, "chips": 48, "cores_used": 3,
                               "chips_used": 1}
    assert {"build", "place", "route", "minimise"} <= set(data["mapping"]["seconds"])
    assert set(data["compare"]) == {"stimulus", "b"}
    for values in data["compare"].values():
        assert set(values) == {"rms_error_fixed", "rms_error_float", "reference_rms"}
        assert all(isinstance(v, float) for v in values.values())


def test_console_map_writes_the_html_report(tmp_path):
    result = spinnc("map", CHANNEL, "--machine", "spinn3", "--placer", "hilbert", "--out",
                    tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert f"report: {tmp_path / 'out' / 'report.html'}" in result.stdout
    assert stages(result.stderr) == ["build", "quantise", "partition", "place", "keys",
                                     "route", "tables", "minimise", "check", "regions",
                                     "report"]
    assert (tmp_path / "out" / "plots" / "machine_map.png").is_file()
    assert 'id="machine-map"' in (tmp_path / "out" / "report.html").read_text()


def test_console_machine_describes_a_machine():
    result = spinnc("machine", "spinn5", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("8x8 machine (no wrap-around): 48 working chips, "
                                    "768 application cores")
    assert "dead: 0 chips" in result.stdout and result.stderr == ""


def test_console_compile_writes_an_image(tmp_path):
    from spinnc.image import Image

    result = spinnc("compile", CHANNEL, "--machine", "spinn3", "--duration", "0.1",
                    "--placer", "hilbert", "--out", tmp_path / "image")
    assert result.returncode == 0, result.stderr
    assert "seconds per stage" in result.stdout and "place" in stages(result.stderr)
    assert Image.load(tmp_path / "image").n_steps == 100


def test_console_tables_minimise_and_check(tmp_path):
    from spinnc.router.files import write_tables
    from spinnc.router.table import make_table

    # Eight keys differing in the low bits, all going to core 1: one entry after merging.
    original = tmp_path / "original.bin"
    write_tables(original, {(0, 0): make_table([(k, 0xFFFFFFFF, 1 << 7, 0)
                                                 for k in range(8)])})
    minimised, summary = tmp_path / "minimised.bin", tmp_path / "summary.json"
    result = spinnc("tables", "minimise", original, "--out", minimised, "--full", "--json",
                    summary, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "minimised 1 tables" in result.stdout
    assert json.loads(summary.read_text())["after"]["max"] == 1
    result = spinnc("tables", "check", original, minimised)
    assert result.returncode == 0 and "all 1 tables route like" in result.stdout


def _does_not_fit(tmp_path) -> list:
    """A model of two 1000-neuron ensembles (a core each) and a machine with one core."""
    from spinnc.machine import Machine

    machine = tmp_path / "tiny.json"
    Machine.grid(1, 1, app_cores=1).save(machine)
    return ["--machine", machine, "import nengo\nwith nengo.Network(seed=0) as model:\n"
            "    for _ in range(2):\n        nengo.Ensemble(1000, 1)\n"]


@pytest.mark.parametrize("case, message", [
    ("missing", "no such model file"),
    ("no model", "defines no `model`"),
    ("unsupported", "spinnc does not support"),
    ("does not fit", "the model needs 12 cores but the machine has 1"),
])
@pytest.mark.parametrize("command", ["run", "map"])
def test_console_errors_are_one_line_with_nonzero_exit(tmp_path, case, message, command):
    texts = {"no model": "x = 1\n",
             "unsupported": "import nengo\nwith nengo.Network() as model:\n    nengo.Ensemble("
                            "5, 1, neuron_type=nengo.LIFRate(), label='d')\n"}
    options = []
    if case == "does not fit":
        *options, texts[case] = _does_not_fit(tmp_path)
    path = tmp_path / "model.py"
    if case in texts:
        path.write_text(texts[case])
    result = spinnc(command, path, "--duration", "0.1", "--out", tmp_path / "out", *options)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("spinnc: error: ") and message in last
    # Besides the message, standard error holds only progress lines.
    assert len(result.stderr.strip().splitlines()) == 1 + len(stages(result.stderr))
    quiet = spinnc(command, path, "--duration", "0.1", "--quiet", "--out", tmp_path / "out",
                   *options)
    assert quiet.returncode == 1 and quiet.stderr == last + "\n"


def test_debug_shows_the_traceback(tmp_path):
    result = spinnc("--debug", "map", tmp_path / "missing.py")
    assert result.returncode != 0 and "Traceback" in result.stderr


# -- progress ----------------------------------------------------------------------

def test_progress_reports_stages_and_draws_a_bar_only_when_slow():
    from spinnc.progress import Progress

    stream = io.StringIO()
    progress = Progress(stream, delay=0)
    progress("place", 0.1234)
    with progress.timed("emulate"):
        pass
    bar = progress.bar("emulate fixed", 10)
    for done in range(1, 11):
        bar.update(done)
    bar.close()
    lines = stream.getvalue().split("\r")
    assert stages(lines[0]) == ["place", "emulate"] and "place            0.12 s" in lines[0]
    assert any("[" + "#" * 30 + "] 100%" in part for part in lines)
    assert lines[-1].strip() == ""  # the bar's line is cleared for the next stage

    quiet = io.StringIO()
    slow_to_show = Progress(quiet, delay=60).bar("emulate fixed", 10)
    slow_to_show.update(10)
    slow_to_show.close()
    assert quiet.getvalue() == ""


def test_runner_and_compiler_are_silent_without_progress(capsys):
    from spinnc.machine import Machine
    from spinnc.modelfile import load_model
    from spinnc.progress import Progress
    from spinnc.runner import run_model

    model = load_model(CHANNEL)
    run_model(model, Machine.spinn3(), duration=0.02, placer="hilbert")
    assert capsys.readouterr().err == ""
    stream = io.StringIO()
    result = run_model(model, Machine.spinn3(), duration=0.02, placer="hilbert",
                       progress=Progress(stream, delay=0))
    assert "emulate float" in stages(stream.getvalue())
    assert result.reference["b"].shape == result.recordings["b"].shape
