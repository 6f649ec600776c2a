"""Compiling a network into an Image, and saving and loading it."""

import json

import numpy as np
import pytest

from spinnc.compiler import compile_network
from spinnc.errors import ImageError
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
    # Value probes are recorded where their rows are decoded; a node's on the host.
    (location,) = probes["b slice"].cores
    assert compiled.image.core_at(*location[:3]).application == "ensemble"
    assert (location[4:], probes["b slice"].columns) == ((0, 1), [0])
    assert probes["host out"].cores == [] and probes["host out"].size == 0


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
    with pytest.raises(ImageError, match="no image.json"):
        Image.load(tmp_path)
    (tmp_path / "image.json").write_text(json.dumps({"format": "spinnc-image", "version": 99}))
    with pytest.raises(ImageError, match="compile the model again"):
        Image.load(tmp_path)
    (tmp_path / "image.json").write_text("[1, 2]")
    with pytest.raises(ImageError, match="a JSON object"):
        Image.load(tmp_path)
    (tmp_path / "image.json").write_text('{\n "format": "spinnc-image",\n "version": 1,,\n}')
    with pytest.raises(ImageError, match=r"image\.json: broken JSON.*line 3"):
        Image.load(tmp_path)


def test_stage_timings_are_recorded(compiled):
    assert set(compiled.seconds) == {"build", "quantise", "partition", "place", "keys", "route",
                                     "tables", "minimise", "check", "regions"}


# -- manifests that disagree with their data, or are malformed (issue 12) ---------------


@pytest.fixture
def saved(compiled, tmp_path):
    """The compiled Image saved, and a function that rewrites its manifest."""
    directory = compiled.image.save(tmp_path / "image")
    path = directory / "image.json"

    def edit(change):
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))
        return directory

    return directory, edit


def _set(key, value):
    return lambda m: m.__setitem__(key, value)


def _core0(**changes):
    return lambda m: m["cores"][0].update(changes)


def _ensemble_core(**changes):
    def change(m):
        next(c for c in m["cores"] if c["application"] == "ensemble").update(changes)
    return change


@pytest.mark.parametrize("change, message", [
    (_set("n_steps", -5), "n_steps is -5; it must be at least 1"),
    (_set("n_steps", 0), "n_steps is 0; it must be at least 1"),
    (_set("n_steps", 200), "SYSTEM region has n_steps 100 but the Image says n_steps 200"),
    (_set("n_steps", 1e12), "n_steps is 1000000000000.0; it must be an integer"),
    (_set("n_steps", 10 ** 12), "n_steps 100 but the Image says n_steps 1000000000000"),
    (_set("n_steps", "100"), "n_steps is '100'; it must be an integer"),
    (_set("dt", 0.002), "timestep_us 1000 but the Image says timestep_us 2000"),
    (_set("dt", -0.001), "dt is -0.001"),
    (_set("dt", "0.001"), "dt is '0.001'"),
    (_core0(x=20, y=20), r"on a chip that does not exist"),
    (_core0(x=7, y=0), r"on a chip that does not exist"),  # outside the board's outline
    (_core0(core=0), "not a working application core"),
    (_core0(core=17), "not a working application core"),  # spinn5 has 16
    (_core0(x=-1), r"cores\[0\]\.x is -1"),
    (_core0(x="0"), r"cores\[0\]\.x is '0'; it must be an integer"),
    (_core0(application="lif"), r"cores\[0\]\.application is 'lif'"),
    (_core0(name=3), r"cores\[0\]\.name is 3, not a string"),
    (_core0(data="../../elsewhere.bin"), r"cores\[0\]\.data '\.\./\.\./elsewhere\.bin' is outside"),
    (_core0(data="cores/missing.bin"), r"cores\[0\]\.data: .*missing\.bin cannot be read"),
    (_ensemble_core(application="host_out"), "is loaded with 'host_out' but its data's SYSTEM "
                                             "region says application 1 \\('ensemble'\\)"),
    (lambda m: m["cores"][0].pop("data"), r"cores\[0\] has no \['data'\]"),
    (lambda m: m["cores"].append(dict(m["cores"][0])), "is loaded twice"),
    (_set("cores", {"x": 0}), "cores is dict, not a list"),
    (_set("cores", [7]), r"cores\[0\] is 7, not an object"),
    (lambda m: m.pop("n_steps"), "the manifest has no 'n_steps'"),
    (lambda m: m.pop("machine"), "the manifest has no 'machine'"),
    (lambda m: m["machine"].update(width=0), "machine: width must be 1 to 256"),
    (lambda m: m["machine"].update(wrap="no"), "machine: wrap must be true or false"),
    (_set("probes", []), "probes is list"),
    (lambda m: m["probes"]["a voltage"].pop("kind"), r"probes\['a voltage'\] must have"),
    (lambda m: m["probes"]["a voltage"].update(kind="current"),
     r"probes\['a voltage'\]\.kind is 'current'"),
    (lambda m: m["probes"]["a voltage"].update(sample_every=0),
     r"probes\['a voltage'\]\.sample_every is 0"),
    (lambda m: m["probes"]["a voltage"].update(cores=[[0, 0]]),
     r"probes\['a voltage'\]\.cores\[0\] is \[0, 0\]"),
    (lambda m: m["probes"]["a voltage"].update(cores=[[7, 7, 16, 0, 0, 80]]),
     "probe 'a voltage' records on core 16 of chip \\(7, 7\\), which the Image does not load"),
    (_set("host_functions", {"host": {"size_in": 2}}), "host_functions must map"),
    (_set("host_functions", {}), "host function 'host', which host_functions does not list"),
])
def test_manifests_that_disagree_or_are_malformed_are_refused(saved, change, message):
    directory, edit = saved
    with pytest.raises(ImageError, match=message) as error:
        Image.load(edit(change))
    assert "image.json" in str(error.value)


def test_missing_or_broken_files_are_named(saved):
    directory, _ = saved
    (directory / "routing_tables.bin").write_bytes(b"\x01\x02")
    with pytest.raises(ImageError, match=r"routing_tables\.bin: cannot be read \(.*truncated"):
        Image.load(directory)
    (directory / "routing_tables.bin").unlink()
    with pytest.raises(ImageError, match=r"routing_tables\.bin: cannot be read"):
        Image.load(directory)


def test_a_core_whose_data_is_broken_is_named(saved):
    directory, _ = saved
    manifest = json.loads((directory / "image.json").read_text())
    core = manifest["cores"][0]
    (directory / core["data"]).write_bytes(b"garbage")
    with pytest.raises(ImageError, match=rf"core {core['core']} of chip \({core['x']}, "
                                         rf"{core['y']}\).*region table"):
        Image.load(directory)


def test_an_image_changed_in_memory_is_refused_by_the_emulator(compiled):
    from dataclasses import replace

    from spinnc.firmware_sim import Emulator

    image = compiled.image
    moved = replace(image, cores=[replace(image.cores[0], x=30)] + image.cores[1:])
    with pytest.raises(ImageError, match="on a chip that does not exist"):
        Emulator(moved)
    with pytest.raises(ImageError, match="n_steps 100 but the Image says n_steps 200"):
        Emulator(replace(image, n_steps=200))


def horizon_model(seed=4):
    import nengo

    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t))  # a function of time: sampled
        ens = nengo.Ensemble(40, 1)
        nengo.Connection(stim, ens)
        nengo.Probe(ens, synapse=0.01)
    return net


def test_a_longer_horizon_continues_an_image_and_nothing_else_does():
    from dataclasses import replace

    from spinnc.regions import Region, pack_regions, unpack_regions

    net = horizon_model()
    short, long = (compile_network(net, Machine.spinn5(), n_steps=n, seed=1).image
                   for n in (50, 120))
    assert long.continues(short) and short.continues(short)
    assert not short.continues(long)  # a shorter horizon
    other = compile_network(horizon_model(seed=5), Machine.spinn5(), n_steps=120).image
    assert not other.continues(short)  # another seed: other encoders
    # one byte of an ensemble's POPULATION region differs
    index = next(i for i, c in enumerate(long.cores) if c.application == "ensemble")
    regions = unpack_regions(long.cores[index].data)
    population = bytearray(regions[Region.POPULATION])
    population[-1] ^= 1
    regions[Region.POPULATION] = bytes(population)
    cores = list(long.cores)
    cores[index] = replace(cores[index], data=pack_regions(regions))
    assert not replace(long, cores=cores).continues(short)
    assert not replace(long, dt=0.002).continues(short)


def test_the_emulator_goes_on_into_a_longer_horizon_as_if_compiled_for_it():
    from spinnc.firmware_sim import Emulator

    net = horizon_model()
    short, long = (compile_network(net, Machine.spinn5(), n_steps=n, seed=1).image
                   for n in (50, 120))
    went_on = Emulator(short)
    went_on.run(50)
    assert went_on.extend(long) and went_on.image is long
    went_on.run(70)
    whole = Emulator(long)
    whole.run(120)
    recordings = whole.recordings()
    assert recordings
    for name, data in recordings.items():
        np.testing.assert_array_equal(went_on.recordings()[name], data, err_msg=name)
    assert went_on.provenance().to_dict() == whole.provenance().to_dict()
    different = compile_network(horizon_model(seed=5), Machine.spinn5(), n_steps=120).image
    assert not Emulator(short).extend(different)
