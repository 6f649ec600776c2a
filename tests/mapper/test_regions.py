"""Region data round-trips: what the writer packs, the reader gets back."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc import fixed
from spinnc.frontend import build, quantise
from spinnc.machine import Machine
from spinnc.mapper.keys import allocate_keys
from spinnc.mapper.partition import partition
from spinnc.mapper.regions import region_data
from spinnc.regions import Region, pack_regions, read_regions, unpack_regions

from ..frontend.models import MODELS

N_STEPS = 50


@pytest.fixture(scope="module", params=sorted(MODELS))
def mapped(request):
    graph = quantise(build(MODELS[request.param]()))[0]
    result = partition(graph, Machine.spinn5(), n_steps=N_STEPS)
    keys = allocate_keys(result.nets)
    return graph, result, keys, region_data(graph, result, keys, N_STEPS)


def random_region(layout, data):
    sizes = {}
    header = {}
    for name in layout.header.names:
        sizes[name] = data.draw(st.integers(0, 5))
        header[name] = sizes[name]
    arrays = {}
    for name, dtype, dims in layout.arrays:
        shape = tuple(sizes[d] if isinstance(d, str) else d for d in dims)
        dtype = np.dtype(dtype)
        raw = data.draw(st.binary(min_size=dtype.itemsize * int(np.prod(shape)),
                                  max_size=dtype.itemsize * int(np.prod(shape))))
        arrays[name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
    return header, arrays


@settings(max_examples=60)
@given(st.sampled_from(sorted(Region.LAYOUTS)), st.data())
def test_every_layout_round_trips(region_id, data):
    layout = Region.LAYOUTS[region_id]
    header, arrays = random_region(layout, data)
    packed = layout.pack(header, **arrays)
    got_header, got_arrays = layout.unpack(packed)
    assert got_header == header
    for name in arrays:
        assert got_arrays[name].tobytes() == arrays[name].tobytes()


def test_region_table_round_trips():
    regions = {0: b"abcd", 5: b"", 16: bytes(range(12))}
    assert unpack_regions(pack_regions(regions)) == regions


def test_ensemble_regions_hold_the_graph(mapped):
    graph, result, keys, blobs = mapped
    for index, vertex in enumerate(result.vertices):
        regions = read_regions(blobs[index])
        system = regions[Region.SYSTEM][0]
        assert system["n_steps"] == N_STEPS and system["timestep_us"] == 1000
        nets = [i for i, net in enumerate(result.nets) if net.source == index]
        if Region.OUTPUT_KEYS in regions:
            out = regions[Region.OUTPUT_KEYS][1]["nets"]
            assert out["key"].tolist() == keys.keys[nets].tolist()
            assert out["size"].tolist() == [result.nets[i].size for i in nets]
        if vertex.application != "ensemble":
            continue
        for m, s in enumerate(vertex.slices):
            pop = graph.populations[s.obj]
            header, arrays = regions[Region.POPULATION + m]
            assert header["n_neurons"] == s.size and header["decay"] == pop.lif.decay
            np.testing.assert_array_equal(arrays["encoders"], pop.encoders[s.lo:s.hi])
            np.testing.assert_array_equal(arrays["bias"], pop.bias[s.lo:s.hi])
            np.testing.assert_array_equal(arrays["voltage"], pop.initial_voltage[s.lo:s.hi])
            groups = result.groups.get(s.obj, [])
            expected = [groups[result.nets[i].group].connections[0].weights[:, s.lo:s.hi]
                        for i in nets if result.nets[i].pre == s.obj]
            if expected:
                np.testing.assert_array_equal(arrays["decoders"], np.concatenate(expected))


def test_input_keys_map_every_arriving_net_to_a_filter(mapped):
    graph, result, keys, blobs = mapped
    for index, vertex in enumerate(result.vertices):
        regions = read_regions(blobs[index])
        if Region.INPUT_KEYS not in regions:
            continue
        entries = regions[Region.INPUT_KEYS][1]["entries"]
        filters = regions[Region.FILTERS][1]["filters"]
        index_map = regions[Region.INDEX_MAP][1]["indices"]
        arriving = {int(keys.keys[i]) for i, net in enumerate(result.nets)
                    if index in net.sinks.tolist()}
        assert {int(k) for k in entries["key"]} == arriving
        for entry in entries:
            filt = filters[entry["filter"]]
            assert filt["member"] == entry["member"]
            dims = index_map[entry["map_offset"]:entry["map_offset"] + (
                1 if filt["neurons"] else entry["size"])]
            assert np.all(dims < filt["dims"])
        for filt in filters[filters["neurons"] == 1]:  # global inhibition targets
            member = vertex.slices[filt["member"]]
            targets = index_map[filt["map_offset"]:filt["map_offset"] + filt["map_size"]]
            assert np.all(targets < member.size) and len(targets) > 0


def test_value_sources_play_the_quantised_samples():
    graph = quantise(build(MODELS["two_dimensional"]()))[0]
    result = partition(graph, Machine.spinn5(), n_steps=N_STEPS)
    blobs = region_data(graph, result, allocate_keys(result.nets), N_STEPS)
    (wave,) = result.vertices_of["wave"]
    regions = read_regions(blobs[wave])
    expected = fixed.quantise(graph.inputs["wave"].samples(N_STEPS, graph.dt))
    np.testing.assert_array_equal(regions[Region.VALUES][1]["values"], expected)
    weights = regions[Region.WEIGHTS][1]["weights"]
    assert weights.shape == (2, 2)  # wave -> a, identity
    np.testing.assert_array_equal(weights, fixed.quantise(np.eye(2)))
    (stim,) = result.vertices_of["stim"]
    assert read_regions(blobs[stim])[Region.VALUES][0]["period"] == 1


def test_broken_region_data_is_a_clear_error():
    good = pack_regions({0: b"abcd"})
    with pytest.raises(ValueError, match="magic"):
        unpack_regions(b"XXXX" + good[4:])
    with pytest.raises(ValueError, match="no region table"):
        unpack_regions(good[:5])
    with pytest.raises(ValueError, match="runs past"):
        unpack_regions(good[:12] + good[12:20])
    with pytest.raises(ValueError, match="outside"):
        unpack_regions(good[:-1])
    layout = Region.LAYOUTS[Region.VALUES]
    with pytest.raises(ValueError, match="header says"):
        layout.pack(dict(dims=2, period=1), values=np.zeros((1, 3)))
    packed = layout.pack(dict(dims=2, period=1), values=np.zeros((1, 2)))
    with pytest.raises(ValueError, match="runs past"):
        layout.unpack(packed[:-4])
    with pytest.raises(ValueError, match="left over"):
        layout.unpack(packed + b"\0\0\0\0")
