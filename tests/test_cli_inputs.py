"""The spinnc command with what users give it: every probe kept, every model
that the Simulator runs run, every bad input one line with exit 1, and no
file of the user's overwritten."""

import json
from pathlib import Path

import nengo
import numpy as np
import pytest

from spinnc import Simulator, cli
from spinnc.machine import Machine
from spinnc.modelfile import load_model

FAST = ["--machine", "spinn3", "--placer", "hilbert", "--quiet"]


def run(*argv) -> int:
    """``spinnc argv`` in this process (paths as strings, as a shell passes them)."""
    return cli.main([str(a) for a in argv])

HEADER = "import nengo\nimport numpy as np\nmodel = nengo.Network(seed=1)\nwith model:\n"


def model_file(tmp_path, body: str, name: str = "model.py") -> Path:
    """A model file whose ``with model:`` block is ``body`` (indented here)."""
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"    {line}\n" for line in body.strip().splitlines()))
    return path


def one_line_error(capsys, argv, message: str) -> str:
    """Run ``spinnc argv``: exit 1 and a single ``spinnc: error:`` line holding ``message``."""
    assert run(*argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spinnc: error: "), captured.err
    assert message in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


# -- probes.npz keeps every probe ----------------------------------------------------

def test_probes_npz_keeps_probes_labelled_t_and_t_colon(tmp_path, capsys):
    path = model_file(tmp_path, """
a = nengo.Ensemble(40, 1, label="a")
nengo.Connection(nengo.Node(0.5), a)
nengo.Probe(a, synapse=0.01, label="t")
nengo.Probe(a, synapse=0.01, label="x", sample_every=0.002)
nengo.Probe(a, synapse=0.03, label="t:x")
""")
    out = tmp_path / "report"
    assert run("run", path, "--duration", "0.04", "--out", out, *FAST) == 0
    probes = np.load(out / "probes.npz")
    np.testing.assert_allclose(probes["t"], 0.001 * np.arange(1, 41))
    assert probes["probe:t"].shape == (40, 1) and probes["probe:x"].shape == (20, 1)
    assert probes["probe:t:x"].shape == (40, 1)
    np.testing.assert_allclose(probes["t:x"], 0.002 * np.arange(1, 21))
    np.testing.assert_array_equal(probes["t:t:x"], probes["t"])
    # three different probes, three different arrays (none overwrote another)
    assert not np.array_equal(probes["probe:t"], probes["probe:t:x"])
    assert probes["probe:t"][-1, 0] > 0.1  # the ensemble's value, not a time


# -- models the Simulator runs, spinnc run runs -----------------------------------------

def test_run_calls_a_host_node_fed_by_the_machine(tmp_path, capsys):
    path = model_file(tmp_path, """
a = nengo.Ensemble(40, 1, label="a")
nengo.Connection(nengo.Node(0.5), a)
h = nengo.Node(lambda t, x: -x, size_in=1, label="h")
b = nengo.Ensemble(40, 1, label="b")
nengo.Connection(a, h)
nengo.Connection(h, b)
nengo.Probe(b, synapse=0.01, label="b")
""")
    out = tmp_path / "report"
    assert run("run", path, "--duration", "0.1", "--seed", "2", "--out", out, *FAST) == 0
    probes = np.load(out / "probes.npz")
    model = load_model(path)
    with Simulator(model, seed=2, machine=Machine.spinn3(), placer="hilbert",
                   progress_bar=False) as sim:
        sim.run_steps(100)
        np.testing.assert_array_equal(probes["probe:b"], sim.data[model.probes[0]])
    summary = json.loads((out / "summary.json").read_text())
    assert probes["probe:b"][-1, 0] < -0.2  # -x of 0.5, through the host
    assert summary["compare"]["b"]["rms_error_fixed"] < 0.2 * summary["compare"]["b"][
        "reference_rms"]


@pytest.mark.parametrize("every", [0.0015, 0.0025])
def test_run_samples_as_nengo_for_periods_that_are_not_whole_ticks(tmp_path, capsys, every):
    path = model_file(tmp_path, f"""
a = nengo.Ensemble(40, 1, label="a")
nengo.Connection(nengo.Node(0.5), a)
nengo.Probe(a, synapse=0.01, label="p", sample_every={every})
""")
    out = tmp_path / "report"
    assert run("run", path, "--duration", "0.1", "--out", out, *FAST) == 0
    probes = np.load(out / "probes.npz")
    with nengo.Simulator(load_model(path), progress_bar=False) as sim:
        sim.run(0.1)
        expected_t = sim.trange(sample_every=every)
    assert probes["probe:p"].shape == (len(expected_t), 1)
    np.testing.assert_allclose(probes["t:p"], expected_t)
    summary = json.loads((out / "summary.json").read_text())
    p = summary["compare"]["p"]
    assert p["rms_error_fixed"] < 0.1 * p["reference_rms"]
    assert (out / "report.html").is_file()


def test_run_with_a_period_longer_than_the_run_writes_the_whole_report(tmp_path, capsys):
    path = model_file(tmp_path, """
a = nengo.Ensemble(40, 1, label="a")
nengo.Connection(nengo.Node(0.5), a)
nengo.Probe(a, synapse=0.01, label="rare", sample_every=0.5)
nengo.Probe(a, synapse=0.01, label="every")
""")
    out = tmp_path / "report"
    assert run("run", path, "--duration", "0.05", "--out", out, *FAST) == 0
    probes = np.load(out / "probes.npz")
    assert probes["probe:rare"].shape == (0, 1) and probes["t:rare"].shape == (0,)
    assert probes["probe:every"].shape == (50, 1)
    assert "rare" in (out / "report.html").read_text()


# -- bad input: one line, exit 1 ------------------------------------------------------

@pytest.mark.parametrize("duration", ["0", "-1", "1e-9", "nan", "inf", "soon"])
def test_durations_that_run_no_tick_are_refused(tmp_path, capsys, duration):
    path = model_file(tmp_path, "nengo.Ensemble(10, 1)")
    out = tmp_path / "report"
    one_line_error(capsys, ["run", path, "--duration", duration, "--out", out, *FAST],
                   "duration")
    assert not out.exists()  # refused before anything was written


@pytest.mark.parametrize("option, value, message", [
    ("--dt", "0", "--dt"), ("--dt", "-0.001", "--dt"), ("--dt", "x", "--dt"),
    ("--seed", "-1", "--seed"), ("--seed", "2.5", "--seed"), ("--seed", str(2 ** 32), "--seed"),
    ("--placer", "random", "--placer"),
])
@pytest.mark.parametrize("command", ["run", "map", "compile"])
def test_bad_option_values_are_one_line(tmp_path, capsys, command, option, value, message):
    path = model_file(tmp_path, "nengo.Ensemble(10, 1)")
    one_line_error(capsys, [command, path, option, value, "--out", tmp_path / "out", *FAST],
                   message)


@pytest.mark.parametrize("address", ["localhost:0", "localhost:65536", "localhost:x", ":17893"])
def test_bad_board_addresses_are_one_line(tmp_path, capsys, address):
    path = model_file(tmp_path, "nengo.Ensemble(10, 1)")
    one_line_error(capsys, ["run", path, "--target", "board", address, *FAST], address)


def test_an_unwritable_json_path_is_one_line(tmp_path, capsys):
    path = model_file(tmp_path, "a = nengo.Ensemble(20, 1)\nnengo.Probe(a)")
    one_line_error(capsys, ["run", path, "--duration", "0.01", "--out", tmp_path / "out",
                            "--json", tmp_path / "no" / "such" / "dir.json", *FAST],
                   "there is no directory")
    assert not (tmp_path / "out").exists()  # refused before the run


def test_a_missing_argument_is_one_line(capsys):
    one_line_error(capsys, ["run"], "MODEL.py")


@pytest.mark.parametrize("command", ["run", "map", "compile"])
def test_a_missing_model_creates_no_output_directory(tmp_path, capsys, command):
    out = tmp_path / "out"
    one_line_error(capsys, [command, tmp_path / "missing.py", "--out", out, *FAST],
                   "no such model file")
    assert not out.exists()


@pytest.mark.parametrize("body, message", [
    ("pass", "empty network"),
    ("a = nengo.Ensemble(20, 1)\nb = nengo.Ensemble(20, 1)\n"
     "nengo.Connection(a, b, function=lambda x: 1 / 0)", "ZeroDivisionError"),
    ("def f(t):\n        raise RuntimeError('sensor unplugged')\n"
     "nengo.Connection(nengo.Node(f), nengo.Ensemble(20, 1))", "sensor unplugged"),
    ("a = nengo.Ensemble(20, 1, label='a')\nb = nengo.Ensemble(20, 1, label='b')\n"
     "nengo.Connection(a, b, transform=np.nan)", "Ensemble 'a'"),
    ("a = nengo.Ensemble(20, 1, intercepts=nengo.dists.Uniform(0.99999, 0.999999))\n"
     "nengo.Probe(a)", "nengo could not build the model: BuildError"),
    ("nengo.Probe(nengo.Ensemble(20, 1, neuron_type=nengo.LIF(tau_rc=0.0001)))", "tau_rc"),
])
def test_model_errors_are_one_line_naming_the_cause(tmp_path, capsys, body, message):
    path = model_file(tmp_path, body)
    one_line_error(capsys, ["run", path, "--duration", "0.01", "--out", tmp_path / "out",
                            *FAST], message)


@pytest.mark.parametrize("node", ["nengo.Node(f)", "nengo.Node(lambda t, x: f(t), size_in=1)"])
def test_a_model_function_that_raises_while_running_names_its_line(tmp_path, capsys, node):
    # nengo calls f(0) when the node is made; spinnc calls it later, while
    # sampling a function of time or on the host each step
    path = model_file(tmp_path, "def f(t):\n        if t > 0.0005:\n"
                                "            raise RuntimeError('no sensor')\n        return 0\n"
                                f"n = {node}\n"
                                "nengo.Connection(n, nengo.Ensemble(20, 1))")
    line = one_line_error(capsys, ["run", path, "--duration", "0.01", "--out",
                                   tmp_path / "out", *FAST], "no sensor")
    assert f"{path}, line 7, in f" in line


def test_internal_errors_are_one_line_and_debug_shows_them(monkeypatch, tmp_path, capsys):
    def broken(args):
        raise KeyError("oops")

    monkeypatch.setattr(cli, "machine_command", broken)
    parser_default = ["machine", "spinn3"]
    one_line_error(capsys, parser_default, "internal error: KeyError")
    with pytest.raises(KeyError):
        cli.main(["--debug", *parser_default])


def _zero_width() -> str:
    state = Machine.spinn3().to_dict()
    state["width"] = 0
    return json.dumps(state)


@pytest.mark.parametrize("content, message", [
    ("{", "line 1"), (_zero_width(), "width"), ("[]", "machine"),
])
def test_malformed_machine_files_are_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "machine.json"
    path.write_text(content)
    one_line_error(capsys, ["machine", path], message)


@pytest.mark.parametrize("data, message", [
    (b"\x01", "truncated table header"),
    (b"\x00\x00\x05\x00" + b"\x00" * 8, "truncated"),
    (None, "cannot read it"),
])
@pytest.mark.parametrize("command", ["minimise", "check"])
def test_malformed_table_files_are_one_line(tmp_path, capsys, command, data, message):
    path = tmp_path / "tables.bin"
    if data is not None:
        path.write_bytes(data)
    argv = (["tables", "minimise", path, "--out", tmp_path / "out.bin"] if command == "minimise"
            else ["tables", "check", path, path])
    one_line_error(capsys, argv, message)


# -- nothing of the user's overwritten -----------------------------------------------

def test_out_onto_a_directory_of_the_users_files_is_refused(tmp_path, capsys):
    path = model_file(tmp_path, "a = nengo.Ensemble(20, 1)\nnengo.Probe(a)")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.json").write_text("my own notes")
    for command in ("run", "map", "compile"):
        one_line_error(capsys, [command, path, "--duration", "0.01", "--out", mine, *FAST],
                       "--force")
    assert (mine / "summary.json").read_text() == "my own notes"
    assert sorted(p.name for p in mine.iterdir()) == ["summary.json"]
    # with --force it is written, and marked as a report from then on
    assert run("run", path, "--duration", "0.01", "--out", mine, "--force", *FAST) == 0
    assert run("run", path, "--duration", "0.01", "--out", mine, *FAST) == 0


def test_a_report_directory_is_written_again_and_an_image_directory_too(tmp_path, capsys):
    path = model_file(tmp_path, "a = nengo.Ensemble(20, 1)\nnengo.Probe(a)")
    out, image = tmp_path / "report", tmp_path / "image"
    for _ in range(2):
        assert run("run", path, "--duration", "0.01", "--out", out, *FAST) == 0
        assert run("compile", path, "--duration", "0.01", "--out", image, *FAST) == 0
    # a report directory is not an Image directory, nor the other way round
    one_line_error(capsys, ["compile", path, "--out", out, *FAST], "not a spinnc Image")
    one_line_error(capsys, ["run", path, "--out", image, *FAST], "not a spinnc report")


def test_outputs_equal_to_inputs_or_files_are_refused(tmp_path, capsys):
    path = model_file(tmp_path, "a = nengo.Ensemble(20, 1)\nnengo.Probe(a)")
    text = path.read_text()
    one_line_error(capsys, ["run", path, "--json", path, "--out", tmp_path / "o", *FAST],
                   "is the input")
    one_line_error(capsys, ["run", path, "--out", path, *FAST], "is the input")
    other = tmp_path / "notes.txt"
    other.write_text("notes")
    one_line_error(capsys, ["map", path, "--out", other, *FAST], "is a file")
    assert path.read_text() == text and other.read_text() == "notes"
    tables = tmp_path / "t.bin"
    tables.write_bytes(b"")
    for argv in (["--out", tables], ["--out", tmp_path / "m.bin", "--json", tables]):
        one_line_error(capsys, ["tables", "minimise", tables, *argv], "is the input")
