"""The firmware build: the shipped APLX binaries are what the sources build
to, byte for byte, and the APLX records are the loader's."""

import struct

import pytest

from spinnc.firmware import build
from spinnc.firmware.aplx_image import HEADER_BYTES, aplx_from_sections
from spinnc.formats.aplx import EXEC, FILL, RCOPY

needs_compiler = pytest.mark.skipif(build.toolchain() is None,
                                    reason="arm-none-eabi-gcc is not installed")


@needs_compiler
def test_shipped_binaries_are_reproducible(tmp_path):
    built = build.build(tmp_path)
    assert sorted(p.name for p in built) == sorted(f"{a}.aplx" for a in build.APPLICATIONS)
    for path in built:
        shipped = build.BIN / path.name
        assert shipped.exists(), f"{shipped} is not committed: run python -m spinnc.firmware.build"
        assert path.read_bytes() == shipped.read_bytes(), (
            f"{shipped.name} is stale: run python -m spinnc.firmware.build and commit it")


@needs_compiler
def test_two_builds_are_identical(tmp_path):
    one = build.build(tmp_path / "one", ["value_source"])[0].read_bytes()
    two = build.build(tmp_path / "two", ["value_source"])[0].read_bytes()
    assert one == two
    assert b"/work" not in one and str(build.HERE).encode() not in one


def test_every_application_is_shipped():
    for application in build.APPLICATIONS:
        data = (build.BIN / f"{application}.aplx").read_bytes()
        op, dest, src, length = struct.unpack_from("<4I", data, 0)
        assert (op, dest, src) == (RCOPY, 0, HEADER_BYTES)
        assert len(data) == HEADER_BYTES + length
        assert application.encode() in data  # the name SARK-style start-up copies to vcpu


def test_aplx_records():
    aplx = aplx_from_sections(b"\x01\x02\x03\x04\x05", 0x400040, 0x200)
    records = [struct.unpack_from("<4I", aplx, 16 * i) for i in range(4)]
    assert records == [(RCOPY, 0, 64, 8), (FILL, 0x400040, 0x200, 0), (EXEC, 0, 0, 0),
                       (0, 0, 0, 0)]
    assert aplx[64:] == b"\x01\x02\x03\x04\x05\0\0\0"
    no_bss = aplx_from_sections(b"\0" * 4, 0x400000, 0)
    assert struct.unpack_from("<4I", no_bss, 16) == (EXEC, 0, 0, 0)
    with pytest.raises(ValueError, match="0x7f00"):
        aplx_from_sections(b"\0" * 0x7F01, 0x400000, 0)


def test_without_the_compiler_the_build_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    assert build.main(["--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "apt-get install gcc-arm-none-eabi" in err and "shipped" in err
