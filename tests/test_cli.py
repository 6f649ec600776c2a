"""The spinnc command."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spinnc import cli
from spinnc.errors import QuantisationError

CHANNEL = str(Path(__file__).resolve().parent.parent / "examples" / "channel.py")


def test_demo_prints_graph_summary_and_quantisation_report(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "2 populations (200 neurons)" in out
    assert "x->y" in out and "x squared" in out
    assert "Quantisation to fixed point (0 values saturated)" in out
    assert "weights per spike" in out


def test_demo_prints_partition_and_placement_on_a_spinn5_board(capsys):
    assert cli.main(["demo", "--placer", "hilbert"]) == 0
    out = capsys.readouterr().out
    assert "Mapping onto one SpiNN-5 board: 8x8 machine (no wrap-around): 48 working chips" in out
    assert "Partition: 3 vertices" in out
    assert "x+y" in out and "value_source" in out and "recorder" in out
    assert "Placement (hilbert" in out and "chips used" in out
    assert "Routing tables (1 chips; every net checked)" in out


def test_demo_runs_on_the_emulator_and_compares_with_nengo(capsys):
    assert cli.main(["demo", "--placer", "hilbert", "--duration", "0.5"]) == 0
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


def test_console_command_is_installed():
    command = shutil.which("spinnc")
    assert command, "the spinnc console script is not on PATH"
    result = subprocess.run([command, "demo"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Populations" in result.stdout


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
     "neuron_type=nengo.Direct(), label='d')\n", "Ensemble 'd': spinnc does not support"),
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
    assert set(probes) == {"t", "stimulus", "b"} and probes["b"].shape == (300, 1)
    np.testing.assert_allclose(probes["t"], 0.001 * np.arange(1, 301))


def test_map_writes_the_mapping_report(tmp_path, capsys):
    import json

    out = tmp_path / "report"
    assert cli.main(["map", CHANNEL, "--machine", "spinn3", "--placer", "hilbert",
                     "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    report = json.loads((out / "mapping.json").read_text())
    assert set(report) == {"quantisation", "vertices", "nets", "routing", "seconds"}
    assert {v["application"] for v in report["vertices"]} == {"ensemble", "value_source",
                                                             "recorder"}
    for net in report["nets"]:
        assert net["key"] & ~net["mask"] & 0xFFFFFFFF == 0 and net["sinks"]
    text = (out / "mapping.txt").read_text()
    for heading in ("Populations", "Quantisation", "Partition:", "Placement", "Keys per net",
                    "Routing tables"):
        assert heading in text
