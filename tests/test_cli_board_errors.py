"""`spinnc board serve` and `spinnc board boot` with bad values: one line
`spinnc: error: ...` on standard error and exit 1, never a traceback."""

import socket
from pathlib import Path

import pytest

from spinnc import cli
from spinnc.errors import SpinncError
from spinnc.host.boot import boot, read_image


def one_line_error(capsys, argv) -> str:
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 1, captured
    error = captured.err
    assert error.startswith("spinnc: error: ") and error.count("\n") == 1, error
    assert "Traceback" not in error and "internal error" not in error, error
    return error


@pytest.mark.parametrize("option, value, says", [
    ("--port", "-1", "'-1': give a UDP port number from 0 to 65535"),
    ("--port", "65536", "'65536': give a UDP port number from 0 to 65535"),
    ("--port", "seventeen", "'seventeen': give a UDP port number"),
    ("--boot-port", "-5", "'-5': give a UDP port number"),
    ("--loss", "1.5", "'1.5': give a fraction of datagrams from 0 to 1"),
    ("--loss", "-0.1", "'-0.1': give a fraction"),
    ("--loss", "nan", "'nan': give a fraction"),
    ("--loss", "lots", "'lots': give a fraction"),
    ("--duplicate", "2", "'2': give a fraction"),
    ("--machine", "nonsense", "unknown machine 'nonsense'"),
    ("--machine", "0x0", "0x0"),
    ("--machine", "/no/such/machine.json", "machine.json"),
    ("--board-host", "8,4", "give a board's Ethernet chip and its address as X,Y=HOST"),
    ("--board-host", "1,1=127.0.0.1", "(1, 1) is not the Ethernet chip of a board after"),
])
def test_bad_serve_options_are_one_line(capsys, option, value, says):
    assert says in one_line_error(capsys, ["board", "serve", option, value])


def test_a_malformed_machine_file_is_one_line(capsys, tmp_path):
    bad = tmp_path / "machine.json"
    bad.write_text('{"width": 2, "height": ')
    one_line_error(capsys, ["board", "serve", "--machine", str(bad)])


def test_a_port_in_use_is_one_line(capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        error = one_line_error(capsys, ["board", "serve", "--port", str(port),
                                        "--boot-port", "0"])
    assert f"cannot serve SCP on 127.0.0.1:{port}" in error and "choose another port" in error
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        error = one_line_error(capsys, ["board", "serve", "--port", "0",
                                        "--boot-port", str(port)])
    assert f"cannot serve boot on 127.0.0.1:{port}" in error


def test_a_host_that_is_not_this_computers_is_one_line(capsys):
    error = one_line_error(capsys, ["board", "serve", "--host", "999.1.1.1", "--port", "0",
                                    "--boot-port", "0"])
    assert "cannot serve SCP on 999.1.1.1" in error


@pytest.mark.parametrize("make, says", [
    (lambda d: d / "missing.boot", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: _file(d, 100), "has 100 bytes: SC&MP's scamp.boot has 512 to 32,768"),
    (lambda d: _file(d, 40_000), "has 40,000 bytes"),
])
def test_a_bad_boot_image_is_one_line_and_nothing_is_sent(capsys, tmp_path, make, says):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rom:
        rom.bind(("127.0.0.1", 0))
        rom.settimeout(0)
        error = one_line_error(capsys, ["board", "boot", "127.0.0.1:17893", "--image",
                                        str(make(tmp_path)), "--boot-port",
                                        str(rom.getsockname()[1])])
        with pytest.raises(BlockingIOError):
            rom.recv(2048)  # refused before any boot packet went out
    assert says in error


def _file(directory: Path, size: int) -> Path:
    path = directory / f"scamp{size}.boot"
    path.write_bytes(bytes(size))
    return path


def test_an_unreadable_boot_image_is_an_error(tmp_path, monkeypatch):
    path = _file(tmp_path, 1024)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(SpinncError, match=r"cannot read it: Permission denied"):
        read_image(path)


@pytest.mark.parametrize("port", ["-5", "0", "70000"])
def test_a_bad_boot_port_is_one_line(capsys, port):
    assert f"boot port {port}: give a UDP port number from 1 to 65535" in one_line_error(
        capsys, ["board", "boot", "127.0.0.1", "--boot-port", port])


def test_boot_checks_its_ports_and_host():
    for bad in (dict(boot_port=0), dict(boot_port=65536), dict(port=-1), dict(port="17893")):
        with pytest.raises(SpinncError, match="give a UDP port number from 1 to 65535"):
            boot("127.0.0.1", **bad)
    with pytest.raises(SpinncError, match="cannot find the board 'no.such.host.invalid'"):
        boot("no.such.host.invalid")


def test_a_board_that_cannot_be_found_is_one_line(capsys, tmp_path):
    channel = str(Path(__file__).resolve().parent.parent / "examples" / "channel.py")
    error = one_line_error(capsys, ["run", channel, "--target", "board",
                                    "no.such.host.invalid", "--machine", "spinn3",
                                    "--duration", "0.01", "--placer", "hilbert", "--out",
                                    str(tmp_path / "out"), "--quiet"])
    assert "cannot find the board 'no.such.host.invalid'" in error


CHANNEL = str(Path(__file__).resolve().parent.parent / "examples" / "channel.py")


@pytest.mark.parametrize("options, says", [
    (["--spalloc", "server:port"], "--spalloc server:port: give the spalloc server as HOST"),
    (["--spalloc", "h", "--target", "board", "b"], "either --target board HOST or --spalloc"),
    (["--boards", "3"], "--boards and --boot-image are for --spalloc"),
    (["--spalloc", "h", "--boards", "0"], "'0': give a number of boards, 1 or more"),
])
def test_bad_spalloc_options_are_one_line(capsys, tmp_path, options, says):
    error = one_line_error(capsys, ["run", CHANNEL, "--out", str(tmp_path / "r"), *options])
    assert says in error
    assert not (tmp_path / "r").exists()


def test_a_spalloc_server_that_is_not_there_is_one_line(capsys, tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = one_line_error(capsys, ["run", CHANNEL, "--out", str(tmp_path / "r"),
                                    "--spalloc", f"127.0.0.1:{port}", "--quiet"])
    assert f"the spalloc server 127.0.0.1:{port}: cannot connect" in error
