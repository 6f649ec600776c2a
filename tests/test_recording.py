"""spinnc.recording: recordings and provenance as the cores store them, and back."""

import zlib

import nengo
import numpy as np
import pytest

from spinnc import fixed, recording
from spinnc.compiler import compile_network
from spinnc.errors import ImageError, RecordingError, SpinncError
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


def recorded_directly(emulator, name):
    """A probe's samples from the emulator's own recorder arrays, before any
    packing: what the buffers must give back."""
    probe = emulator.image.probes[name]
    (x, y, core, member, first, count), = probe.cores  # each probe of model() is on one core

    c = emulator._where[x, y, core]
    recorder = emulator.recorders[c.index, probe.kind, member]
    assert recorder.every == probe.sample_every
    raw = recorder.data()[:, first:first + count]
    return raw / emulator.dt if probe.kind == "spikes" else fixed.to_float(raw)


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
    assert got["stim"].shape == (0, 0)  # a node's probe: the host computes it
    for name in got.keys() - {"stim"}:
        assert np.array_equal(got[name], recorded_directly(emulator, name)), name


def test_value_words_tick_count_and_checksum_are_laid_out_as_documented():
    image = source_to_recorder([[0.5, -0.25]], {(0, 0): table((KEY, 0xFFFFFFFE, core_route(2)))},
                               sample_every=2, n_steps=7)
    emulator = Emulator(image)
    emulator.run()
    buffer = recording.pack_recordings(emulator, 0, 0, 2)
    words = np.frombuffer(buffer, "<i4")
    assert words[0] == 7 and words[1] == 1  # ticks, one recording
    rows = words[3:]
    assert len(rows) == (7 // 2) * 2
    assert np.array_equal(rows.reshape(3, 2), [[1 << 14, -(1 << 13)]] * 3)
    assert words.view("<u4")[2] == zlib.crc32(rows.tobytes())
    assert np.array_equal(recording.recordings_from_buffers(image, {(0, 0, 2): buffer})["probe"],
                          [[0.5, -0.25]] * 3)
    assert recording.pack_recordings(emulator, 0, 0, 1) == b""  # a source records nothing
    assert recording.recording_size(image, image.core_at(0, 0, 1)) == 0


def test_a_partial_run_fills_the_rows_it_ran_at_the_places_of_a_full_run():
    image = source_to_recorder([[0.5, -0.25]], {(0, 0): table((KEY, 0xFFFFFFFE, core_route(2)))},
                               n_steps=7)
    emulator = Emulator(image)
    emulator.run(4)
    buffer = recording.pack_recordings(emulator, 0, 0, 2)
    assert len(buffer) == recording.recording_size(image, image.core_at(0, 0, 2))
    words = np.frombuffer(buffer, "<i4")
    assert words[0] == 4
    rows = words[3:].reshape(7, 2)
    # The source's values arrive one tick late: from the second row on.
    assert np.array_equal(rows[1:4], [[1 << 14, -(1 << 13)]] * 3) and not rows[4:].any()
    assert words.view("<u4")[2] == zlib.crc32(rows[:4].tobytes())  # the rows recorded
    got = recording.recordings_from_buffers(image, {(0, 0, 2): buffer}, ticks=4)
    assert np.array_equal(got["probe"], [[0, 0]] + [[0.5, -0.25]] * 3)
    assert np.array_equal(emulator.recordings()["probe"], got["probe"])


def test_a_partial_run_packs_the_ticks_it_ran(ran):
    image, _ = ran
    emulator = Emulator(image)
    emulator.run(7)
    got = recording.recordings_from_buffers(image, buffers(emulator), ticks=7)
    assert got["spikes"].shape == (7, 40) and got["voltage"].shape == (2, 40)
    for name in got.keys() - {"stim"}:
        assert np.array_equal(got[name], recorded_directly(emulator, name)), name


def test_the_checksum_is_zlibs_crc32():
    assert recording.checksum(b"123456789") == 0xCBF43926  # CRC-32's check value
    assert recording.checksum(b"") == 0
    assert recording.checksum(bytes(8)) != 0  # zeroed memory does not pass as empty rows


def test_spikes_are_bits_in_little_endian_words():
    core = recording.CoreRecording("spikes", 0, 33, 1)
    rows = np.zeros((1, 33), dtype=bool)
    rows[0, [0, 31, 32]] = True
    data = recording._encode(core, rows, "fixed")
    assert np.array_equal(np.frombuffer(data, "<u4"), [(1 << 31) | 1, 1])
    assert np.array_equal(recording._decode(core, data, 1, "fixed"), rows)


def test_missing_buffers_are_named(ran):
    image, emulator = ran
    packed = buffers(emulator)
    where = next(k for k, v in packed.items() if v)
    with pytest.raises(ImageError, match="no recording buffer"):
        recording.recordings_from_buffers(image, {k: v for k, v in packed.items() if k != where})


def _words(buffer):
    return np.frombuffer(buffer, "<u4").copy()


def _corrupt_payload(buffer):
    words = _words(buffer)
    words[-1] ^= 1 << 7  # one bit of the last recording's last row
    return words.tobytes()


def _ticks(n):
    def change(buffer):
        words = _words(buffer)
        words[0] = n
        return words.tobytes()
    return change


def _count(n):
    def change(buffer):
        words = _words(buffer)
        words[1] = n
        return words.tobytes()
    return change


def _checksum_zeroed(buffer):
    words = _words(buffer)
    words[2] = 0
    return words.tobytes()


@pytest.mark.parametrize("change, message", [
    (_corrupt_payload, r"value recording of member 0 \(30 rows\) has CRC-32 0x[0-9a-f]{8}, but "
                       r"the core recorded 0x[0-9a-f]{8}: the read-back is corrupt"),
    (_checksum_zeroed, "spikes recording of member 0 .* but the core recorded 0x00000000"),
    (_ticks(0), "says it ran 0 ticks \\(the core did not run.*the Image ran 30"),
    (_ticks(29), "says it ran 29 ticks; the Image ran 30"),
    (_ticks(31), "says it ran 31 ticks; the Image ran 30"),
    (_count(1), "lists 1 recordings; its data says it makes 3"),
    (lambda b: b[:-4], r"holds \d+ bytes; 30 ticks of its recordings take"),
    (lambda b: b + bytes(4), r"holds \d+ bytes; 30 ticks of its recordings take"),
    (lambda b: b"", r"holds 0 bytes"),
])
def test_corrupt_or_inconsistent_buffers_are_refused_naming_the_core(ran, change, message):
    image, emulator = ran
    packed = buffers(emulator)
    c = next(c for c in image.cores if c.application == "ensemble")
    # The core, the chip and the vertex's name, and what disagreed.
    where = rf"core {c.core} of chip \({c.x}, {c.y}\) \('{c.name}'\)"
    with pytest.raises(RecordingError, match=where + ".*" + message):
        recording.recordings_from_buffers(image, {**packed, (c.x, c.y, c.core):
                                                  change(packed[c.x, c.y, c.core])})


def test_a_buffer_read_as_the_wrong_precision_is_refused(ran):
    image, emulator = ran
    with pytest.raises(RecordingError, match="bytes"):
        recording.recordings_from_buffers(image, buffers(emulator), precision="float")


def test_recording_errors_are_spinnc_errors():
    assert issubclass(RecordingError, SpinncError)


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
