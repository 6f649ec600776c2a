"""spinnc.recording: recordings and provenance as the cores store them, and back."""

import nengo
import numpy as np
import pytest

from spinnc import recording
from spinnc.compiler import compile_network
from spinnc.errors import ImageError
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine
from tests.firmware_sim.images import KEY, core_route, source_to_recorder, table


def model():
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t), label="stim")
        a = nengo.Ensemble(40, 2, label="a")
        nengo.Connection(stim, a[0])
        nengo.Probe(stim, label="stim")
        nengo.Probe(a, synapse=0.01, label="a")
        nengo.Probe(a.neurons, label="spikes")
        nengo.Probe(a.neurons, "voltage", sample_every=0.003, label="voltage")
    return net


@pytest.fixture(scope="module")
def ran():
    image = compile_network(model(), Machine.spinn3(), n_steps=30, seed=0).image
    emulator = Emulator(image)
    emulator.run()
    return image, emulator


def buffers(emulator):
    return {(c.x, c.y, c.core): recording.pack_recordings(emulator, c.x, c.y, c.core)
            for c in emulator.image.cores}


def test_buffers_fill_exactly_their_size_and_give_the_recordings_back(ran):
    image, emulator = ran
    packed = buffers(emulator)
    for c in image.cores:
        assert len(packed[c.x, c.y, c.core]) == recording.recording_size(image, c)
    assert any(packed.values())
    got = recording.recordings_from_buffers(image, packed)
    assert set(got) == {"stim", "a", "spikes", "voltage"}
    assert got["voltage"].shape == (10, 40) and got["spikes"].shape == (30, 40)
    assert got["spikes"].any()
    for name, data in emulator.recordings().items():
        assert np.array_equal(got[name], data), name


def test_value_words_and_tick_count_are_laid_out_as_documented():
    image = source_to_recorder([[0.5, -0.25]], {(0, 0): table((KEY, 0xFFFFFFFE, core_route(2)))},
                               sample_every=2, n_steps=7)
    emulator = Emulator(image)
    emulator.run()
    buffer = recording.pack_recordings(emulator, 0, 0, 2)
    words = np.frombuffer(buffer, "<i4")
    assert words[0] == 7  # ticks
    assert len(words) == 1 + (7 // 2) * 2
    assert np.array_equal(words[1:].reshape(3, 2)[1:], [[1 << 14, -(1 << 13)]] * 2)
    assert recording.pack_recordings(emulator, 0, 0, 1) == b""  # a source records nothing
    assert recording.recording_size(image, image.core_at(0, 0, 1)) == 0


def test_a_partial_run_packs_the_ticks_it_ran(ran):
    image, _ = ran
    emulator = Emulator(image)
    emulator.run(7)
    packed = buffers(emulator)
    got = recording.recordings_from_buffers(image, packed)
    assert got["spikes"].shape == (7, 40) and got["voltage"].shape == (2, 40)
    for name, data in emulator.recordings().items():
        assert np.array_equal(got[name], data)


def test_spikes_are_bits_in_little_endian_words():
    core = recording.CoreRecording("spikes", 0, 33, 1)
    rows = np.zeros((1, 33), dtype=bool)
    rows[0, [0, 31, 32]] = True
    data = recording._encode(core, rows, "fixed")
    assert np.array_equal(np.frombuffer(data, "<u4"), [(1 << 31) | 1, 1])
    assert np.array_equal(recording._decode(core, data, 1, "fixed"), rows)


def test_short_or_missing_buffers_are_named(ran):
    image, emulator = ran
    packed = buffers(emulator)
    where = next(k for k, v in packed.items() if v)
    with pytest.raises(ImageError, match=rf"core {where[2]} of chip \({where[0]}, {where[1]}\)"):
        recording.recordings_from_buffers(image, {**packed, where: packed[where][:-4]})
    with pytest.raises(ImageError, match="no recording buffer"):
        recording.recordings_from_buffers(image, {k: v for k, v in packed.items() if k != where})


def test_provenance_round_trips_through_blocks_and_counters(ran):
    image, emulator = ran
    expected = emulator.provenance()
    blocks = {(c.x, c.y, c.core): recording.pack_provenance(c) for c in expected.cores}
    assert all(len(b) == recording.PROVENANCE_BYTES for b in blocks.values())
    counters = {(r.x, r.y): recording.pack_router_counters(r) for r in expected.routers}
    got = recording.provenance_from_buffers(image, blocks, counters, emulator.t)
    assert got.cores == expected.cores and got.routers == expected.routers
    assert got.ticks == expected.ticks and got.links == []
    assert sum(c.packets_sent for c in got.cores) > 0


def test_router_counters_sit_in_the_documented_registers():
    from spinnc.firmware_sim import RouterProvenance

    words = np.frombuffer(recording.pack_router_counters(
        RouterProvenance(0, 0, local_multicast=1, non_local_multicast=2, default_routed=3,
                         dropped=(1 << 32) + 4)), "<u4")
    assert words.size == 16
    assert (words[0], words[1], words[8], words[12]) == (1, 2, 4, 3)
    assert words.sum() == 10
