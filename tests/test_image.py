"""Compiling a network into an Image, and saving and loading it."""

import json

import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.image import Image
from spinnc.machine import Machine
from spinnc.regions import read_regions

from .frontend.models import MODELS


@pytest.fixture(scope="module")
def compiled():
    return compile_network(MODELS["two_dimensional"](), Machine.spinn5(), n_steps=100,
                           placer="hilbert")


def test_every_vertex_becomes_a_core_with_its_region_data(compiled):
    image = compiled.image
    assert len(image.cores) == len(compiled.partition.vertices)
    locations = {(c.x, c.y, c.core) for c in image.cores}
    assert len(locations) == len(image.cores)
    for c in image.cores:
        assert c.core >= 1 and image.machine.is_alive(c.x, c.y)
        assert read_regions(c.data)  # every core's data parses
    assert image.host_functions == {"host": {"size_in": 2, "size_out": 2}}


def test_probes_say_where_they_are_recorded(compiled):
    probes = compiled.image.probes
    assert set(probes) == {"a decoded", "b slice", "host out", "a voltage"}
    (x, y, core, member, first, count), = probes["a voltage"].cores
    assert (first, count) == (0, 80) and probes["a voltage"].sample_every == 5
    assert compiled.image.core_at(x, y, core).application == "ensemble"
    (location,) = probes["b slice"].cores
    assert compiled.image.core_at(*location[:3]).application == "recorder"


def test_image_round_trips_through_a_directory(compiled, tmp_path):
    compiled.image.save(tmp_path / "image")
    loaded = Image.load(tmp_path / "image")
    assert loaded.machine == compiled.image.machine
    assert (loaded.dt, loaded.n_steps) == (compiled.image.dt, compiled.image.n_steps)
    assert [c.data for c in loaded.cores] == [c.data for c in compiled.image.cores]
    assert loaded.probes == compiled.image.probes
    assert set(loaded.tables) == set(compiled.image.tables)
    for chip, table in compiled.image.tables.items():
        np.testing.assert_array_equal(loaded.tables[chip], table)


def test_loading_something_else_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no image.json"):
        Image.load(tmp_path)
    (tmp_path / "image.json").write_text(json.dumps({"format": "spinnc-image", "version": 99}))
    with pytest.raises(ValueError, match="compile the model again"):
        Image.load(tmp_path)


def test_stage_timings_are_recorded(compiled):
    assert set(compiled.seconds) == {"build", "quantise", "partition", "place", "keys", "route",
                                     "tables", "minimise", "check", "regions"}
