"""The firmware's C header of the region layouts is generated from the layouts
the mapper packs with, and the committed one is up to date."""

import shutil
import subprocess

import pytest

from spinnc import c_header, neurons, regions


def test_committed_header_equals_a_fresh_one():
    assert c_header.HEADER_PATH.read_text() == c_header.c_header(), (
        "spinnc/firmware/include/spinnc_regions.h is stale: run python -m spinnc.c_header")


def test_header_names_the_version_and_every_layout():
    text = c_header.c_header()
    assert f"#define SPINNC_REGIONS_VERSION {regions.VERSION}u" in text
    for model in neurons.models():
        layout = regions.population_layout(model)
        for field in layout.header.names:
            assert f"{field};" in text
        assert f"= {model.code}," in text


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler")
def test_header_compiles_and_its_sizes_and_offsets_are_the_layouts(tmp_path):
    # every struct carries _Static_asserts of its size and field offsets,
    # taken from the numpy dtypes: the compiler checks them
    source = tmp_path / "check.c"
    source.write_text(f'#include "{c_header.HEADER_PATH}"\nint main(void) {{ return 0; }}\n')
    result = subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                             str(source)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    broken = tmp_path / "broken.c"  # the asserts can fail: a wrong size does not compile
    broken.write_text(c_header.c_header().replace("== 16, \"system_header_t", "== 12, \"x"))
    assert subprocess.run(["gcc", "-std=c11", "-fsyntax-only", "-x", "c", str(broken)],
                          capture_output=True, timeout=60).returncode != 0
