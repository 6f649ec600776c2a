"""Recordings and provenance as a core stores them in SDRAM, and back.

The emulator (:meth:`spinnc.firmware_sim.Emulator.recordings`) and the host
reading a board both go through these functions, so the two paths give the
same arrays, bit for bit.

A core's **recording buffer** (its vcpu ``user1`` points at it), little-endian
32-bit words::

    u32 ticks             ticks the core ran (and recorded)
    u32 count             how many recordings follow (len(core_recordings))
    u32 crc[count]        CRC-32 of each recording's recorded rows
    then each of its recordings, one after the other, in the order of
    :func:`core_recordings`, each with room for the Image's n_steps //
    every rows, of which the first ticks // every are recorded:
        value, input,     one little-endian word per dimension or neuron
        state:            (s16.15 int32; float64 in the emulator's float mode):
                          value is a population's probe rows (the decoded
                          partial sums of the value probes it feeds), input
                          its neurons' input currents, state a neuron model's
                          probe (voltage, adaptation..)
        spikes:           a bit per neuron, little-endian bit order within
                          little-endian 32-bit words (costs.spike_words)

Each recording starts at an offset fixed by ``n_steps``, not by the ticks run,
because a core writes its rows there as it runs; rows not yet recorded are
left as they are (zeros in the emulator's buffers).  :func:`recording_size`
is the buffer's size; a core with nothing to record needs no buffer (size 0).

The checksum is CRC-32 as zlib computes it (IEEE 802.3 polynomial,
reflected, initial value and final xor 0xFFFFFFFF; ``zlib.crc32``) over the
bytes of the recorded rows of one recording.  The firmware computes it after
its last tick, before it signals exit, over the rows in SDRAM (a 256-word
table in DTCM, four lookups per word): outside the ticks' real-time budget,
so the cost model charges recording only its stores.  CRC-32 rather than the cheaper Fletcher-32: Fletcher's sums are mod
65535, so a halfword 0x0000 and 0xFFFF are the same to it, and recorded data
is full of both (no spikes and 32 spikes in a word, a value of 0 and of -1
LSB): a word of spike bits or a small negative value flipped to zeros, or
SDRAM filled with ones, would pass.  CRC-32 catches every error burst up to
32 bits and every odd number of flipped bits.

Reading a buffer back (:func:`unpack_recordings`) checks it against the
Image before it returns anything: its size, its tick count (not 0, and the
ticks the Image ran), its recording count and every checksum; a
disagreement is a :class:`~spinnc.errors.RecordingError` naming the core.

A core's **provenance block** (vcpu ``user2``) is :data:`PROVENANCE_BYTES`
bytes: u32 max cycles in a tick, overruns, packets sent, packets received.
A profiled core's (one with a PROFILE region, the ``profile`` setting) goes
on with a u32 per tick for the region's ``ticks`` ticks: the cycles that
tick took (:func:`provenance_bytes`); its runtime writes each at the end of
its tick, so the rows of ticks not run are left as they are.
A chip's **router diagnostic counters** (16 u32 registers at
``ROUTER_DIAGNOSTICS``) hold local multicast in counter 0, external
(non-local) multicast in 1, dropped multicast in 8 and default-routed
multicast in 12.  Both wrap at 2**32, as the hardware's counters do.
"""

import zlib

import numpy as np

from . import apps, fixed
from .apps import CoreRecording
from .errors import ImageError, RecordingError
from .formats.provenance import CoreProvenance, Provenance, RouterProvenance
from .image import CoreImage, Image
from .regions import Region, read_regions, unpack_regions

TICKS = np.dtype("<u4")
WORD = np.dtype("<u4")  # the recording count and each checksum
PROVENANCE = np.dtype([("max_cycles", "<u4"), ("overruns", "<u4"),
                       ("packets_sent", "<u4"), ("packets_received", "<u4")])
PROVENANCE_BYTES = PROVENANCE.itemsize
ROUTER_COUNTERS = 16
ROUTER_COUNTER_BYTES = 4 * ROUTER_COUNTERS
#: Diagnostic counter of each RouterProvenance field.
ROUTER_COUNTER_INDEX = {"local_multicast": 0, "non_local_multicast": 1, "dropped": 8,
                        "default_routed": 12}
_WORD = {"fixed": np.dtype("<i4"), "float": np.dtype("<f8")}


def core_recordings(core_image: CoreImage) -> list[CoreRecording]:
    """What a core records, in the order its buffer holds them: its
    application's :meth:`~spinnc.apps.Application.recordings` of its data
    (nothing for an application spinnc does not know: a board fails its core,
    and a probe on it finds no recording)."""
    try:
        app = apps.application(core_image.application)
    except KeyError:
        return []
    return app.recordings(read_regions(core_image.data))


def row_bytes(recording: CoreRecording, precision: str = "fixed") -> int:
    """Bytes of one recorded row: spike bits in words, else a word per column."""
    if recording.kind == "spikes":
        return 4 * recording.words
    return _WORD[precision].itemsize * recording.width


def header_bytes(recordings: list[CoreRecording]) -> int:
    """Bytes of a recording buffer's header: ticks, count and a checksum each."""
    return TICKS.itemsize + WORD.itemsize * (1 + len(recordings))


def recording_size(image: Image, core_image: CoreImage, precision: str = "fixed",
                   recordings: list[CoreRecording] | None = None) -> int:
    """Bytes of a core's recording buffer for ``image.n_steps`` ticks (0 if it
    records nothing).  ``recordings`` is :func:`core_recordings` of the core,
    when the caller has it already."""
    if recordings is None:
        recordings = core_recordings(core_image)
    if not recordings:
        return 0
    return header_bytes(recordings) + sum((image.n_steps // r.every) * row_bytes(r, precision)
                                          for r in recordings)


def checksum(data: bytes) -> int:
    """The CRC-32 of a recording's rows (zlib's; see the module docstring)."""
    return zlib.crc32(data) & 0xFFFFFFFF


def _encode(recording: CoreRecording, rows: np.ndarray, precision: str) -> bytes:
    if recording.kind == "spikes":
        bits = np.packbits(np.asarray(rows, dtype=bool), axis=1, bitorder="little")
        padded = np.zeros((bits.shape[0], row_bytes(recording)), dtype=np.uint8)
        padded[:, :bits.shape[1]] = bits
        return padded.tobytes()
    return np.ascontiguousarray(rows, dtype=_WORD[precision]).tobytes()


def _decode(recording: CoreRecording, data: bytes, rows: int, precision: str) -> np.ndarray:
    if recording.kind == "spikes":
        raw = np.frombuffer(data, dtype=np.uint8).reshape(rows, row_bytes(recording))
        bits = np.unpackbits(raw, axis=1, count=recording.width, bitorder="little")
        return bits.astype(bool)
    return np.frombuffer(data, dtype=_WORD[precision]).reshape(rows, recording.width)


def pack_recordings(emulator, x: int, y: int, core: int) -> bytes:
    """A core's recording buffer after the ticks run so far, as its firmware
    would leave it (empty if it records nothing): the header, then each
    recording's rows, in room for the Image's ``n_steps``.

    Parameters
    ----------
    emulator : spinnc.firmware_sim.Emulator
        The emulator that ran the core.
    x, y, core : int
        Where the core is.
    """
    c = emulator._where[x, y, core]
    image = emulator.image
    recordings = core_recordings(image.cores[c.index])  # cores in Image order
    if not recordings:
        return b""
    rows, checksums = [], []
    for r in recordings:
        data = _encode(r, emulator.recorders[c.index, r.kind, r.member].data(),
                       emulator.precision)
        checksums.append(checksum(data))
        room = (image.n_steps // r.every) * row_bytes(r, emulator.precision)
        rows.append(data.ljust(room, b"\0"))
    header = np.array([emulator.t, len(recordings), *checksums], dtype=WORD)
    return header.tobytes() + b"".join(rows)


def unpack_recordings(image: Image, core_image: CoreImage, buffer: bytes,
                      precision: str = "fixed", ticks: int | None = None,
                      recordings: list[CoreRecording] | None = None
                      ) -> dict[tuple[str, int], np.ndarray]:
    """A core's recordings from its buffer, checked: (kind, member) -> raw
    samples (words, or booleans for spikes), one row per sample.

    Parameters
    ----------
    image : Image
        The Image that ran (its ``n_steps`` places the recordings).
    core_image : CoreImage
        The core (its data say what it records).
    buffer : bytes
        Its recording buffer, as read back.
    precision : {"fixed", "float"}
        The arithmetic the run used.
    ticks : int, optional
        The ticks the Image ran (``image.n_steps`` by default).
    recordings : list of CoreRecording, optional
        :func:`core_recordings` of the core, when the caller has it already.

    Raises
    ------
    RecordingError
        Naming the core, if the buffer's size is not the Image's, its tick
        count is 0 or not ``ticks``, its recording count is not the core's,
        or a recording's rows do not match their checksum.
    """
    if recordings is None:
        recordings = core_recordings(core_image)
    if not recordings:
        return {}
    ticks = image.n_steps if ticks is None else ticks
    where = (f"core {core_image.core} of chip ({core_image.x}, {core_image.y}) "
             f"('{core_image.name}')")
    size = recording_size(image, core_image, precision, recordings)
    if len(buffer) != size:
        raise RecordingError(f"{where}: its recording buffer holds {len(buffer)} bytes; "
                             f"{image.n_steps} ticks of its recordings take {size}")
    head = np.frombuffer(buffer, dtype=WORD, count=2 + len(recordings))
    recorded, count, checksums = int(head[0]), int(head[1]), head[2:]
    if recorded != ticks:
        why = (" (the core did not run, or its header was never written)" if recorded == 0
               else "")
        raise RecordingError(f"{where}: its recording header says it ran {recorded} ticks"
                             f"{why}; the Image ran {ticks}")
    if count != len(recordings):
        raise RecordingError(f"{where}: its recording header lists {count} recordings; "
                             f"its data says it makes {len(recordings)}")
    out, offset = {}, header_bytes(recordings)
    for r, expected in zip(recordings, checksums.tolist()):
        rows = ticks // r.every
        data = buffer[offset:offset + rows * row_bytes(r, precision)]
        found = checksum(data)
        if found != expected:
            raise RecordingError(f"{where}: its {r.kind} recording of member {r.member} "
                                 f"({rows} rows) has CRC-32 {found:#010x}, but the core "
                                 f"recorded {expected:#010x}: the read-back is corrupt")
        out[r.kind, r.member] = _decode(r, data, rows, precision)
        offset += (image.n_steps // r.every) * row_bytes(r, precision)
    return out


def recordings_from_buffers(image: Image, buffers: dict, precision: str = "fixed",
                            ticks: int | None = None) -> dict[str, np.ndarray]:
    """Every probe's samples from the cores' recording buffers, in nengo's
    units and shape ``(n_samples, size)``: values and neuron states as reals,
    spikes as ``1 / dt`` per spike (what ``Emulator.recordings()`` returns).
    A value probe's columns are the sums of its cores' partial sums
    (:class:`~spinnc.image.ProbeImage`), unfiltered: :mod:`spinnc.probes`
    adds the nodes' parts and applies the synapses.

    Parameters
    ----------
    image : Image
        The Image that ran (its cores' data say what each buffer holds).
    buffers : dict
        ``(x, y, core) -> bytes`` for every core a probe records on.
    precision : {"fixed", "float"}
        The arithmetic the run used (a board always runs fixed).
    ticks : int, optional
        The ticks the Image ran (``image.n_steps`` by default).

    Raises
    ------
    RecordingError
        If a buffer fails its checks (:func:`unpack_recordings`).
    ImageError
        If a probe's core has no buffer, or the buffers disagree with the probes.
    """
    if precision == "fixed":  # words with the probe's fractional bits (s16.15 but traces)
        def to_real(words, frac=fixed.S16_15.frac_bits):
            return np.asarray(words, np.float64) * 2.0**-frac
    else:
        def to_real(values, frac=None):
            return np.array(values, np.float64)
    core_images = {(c.x, c.y, c.core): c for c in image.cores}
    unpacked: dict = {}  # (x, y, core) -> {(kind, member): raw samples}
    periods: dict = {}  # (x, y, core) -> {(kind, member): ticks between samples}
    out = {}
    for name, probe in image.probes.items():
        parts, value = [], None
        for i, (x, y, core, member, first, count) in enumerate(probe.cores):
            if (x, y, core) not in unpacked:
                if (x, y, core) not in buffers:
                    raise ImageError(f"probe '{name}': no recording buffer read from core "
                                     f"{core} of chip ({x}, {y})")
                core_image = core_images.get((x, y, core)) or image.core_at(x, y, core)
                recordings = core_recordings(core_image)
                unpacked[x, y, core] = unpack_recordings(image, core_image,
                                                         buffers[x, y, core], precision,
                                                         ticks, recordings)
                periods[x, y, core] = {(r.kind, r.member): r.every for r in recordings}
            raw = unpacked[x, y, core].get((probe.kind, member))
            if raw is None:
                raise ImageError(f"probe '{name}': core {core} of chip ({x}, {y}) records no "
                                 f"{probe.kind} of member {member}")
            # A population records each kind at the common period of its
            # probes of that kind: take this probe's own samples.
            ratio = probe.sample_every // periods[x, y, core][probe.kind, member]
            samples = raw[ratio - 1::ratio]
            if probe.kind == "value":  # partial sums: the cores' parts add up
                if value is None:
                    value = np.zeros((len(samples), probe.size))
                column = probe.columns[i]
                value[:, column:column + count] += to_real(samples[:, first:first + count])
            else:
                parts.append(samples / image.dt if probe.kind == "spikes"
                             else to_real(samples, probe.frac))
        if value is not None:
            parts = [value]
        data = np.concatenate(parts, axis=1) if parts else np.zeros((0, probe.size))
        if probe.neurons is not None:  # a probe on some of the neurons
            data = data[:, probe.neurons]
        if data.shape[1] != probe.size:
            raise ImageError(f"probe '{name}' has {probe.size} columns but its cores "
                             f"record {data.shape[1]}")
        out[name] = data
    return out


# -- provenance -------------------------------------------------------------------------


def profile_ticks(core_image: CoreImage) -> int:
    """The ticks a core records its cycles of (its PROFILE region's; 0: none,
    also for data its firmware will refuse to read: it fails before a tick)."""
    try:
        data = unpack_regions(memoryview(core_image.data)).get(Region.PROFILE)  # no copies
    except ValueError:
        return 0
    return 0 if data is None else int(Region.layout(Region.PROFILE).unpack(data)[0]["ticks"])


def provenance_bytes(core_image: CoreImage) -> int:
    """Bytes of a core's provenance block: the counters, then a profiled
    core's cycles of each tick (module docstring)."""
    return PROVENANCE_BYTES + WORD.itemsize * profile_ticks(core_image)


def pack_provenance(core_provenance, profile: np.ndarray | None = None, ticks: int = 0) -> bytes:
    """A core's provenance block (:data:`PROVENANCE_BYTES` bytes; counts wrap
    at 2**32), and a profiled core's ``profile`` (the cycles of the ticks
    run) in room for ``ticks`` ticks."""
    block = np.zeros((), dtype=PROVENANCE)
    for name in PROVENANCE.names:
        block[name] = int(getattr(core_provenance, name)) & 0xFFFFFFFF
    rows = np.zeros(ticks, dtype=WORD)
    if ticks and profile is not None:
        rows[:len(profile)] = np.asarray(profile, dtype=np.int64) & 0xFFFFFFFF
    return block.tobytes() + rows.tobytes()


def pack_router_counters(router_provenance) -> bytes:
    """A chip's 16 router diagnostic counters (64 bytes) from its RouterProvenance."""
    words = np.zeros(ROUTER_COUNTERS, dtype="<u4")
    for name, index in ROUTER_COUNTER_INDEX.items():
        words[index] = int(getattr(router_provenance, name)) & 0xFFFFFFFF
    return words.tobytes()


def provenance_from_buffers(image: Image, core_blocks: dict, router_counters: dict,
                            ticks: int):
    """A run's :class:`~spinnc.firmware_sim.Provenance` from what a board holds.

    Parameters
    ----------
    image : Image
        The Image that ran (names and applications of the cores).
    core_blocks : dict
        ``(x, y, core) -> bytes``: each core's provenance block (user2).
    router_counters : dict
        ``(x, y) -> bytes``: each chip's 64 bytes of diagnostic counters.
    ticks : int
        Ticks run.

    Returns
    -------
    Provenance
        Cores in Image order, routers by chip, profiled cores' cycles of the
        ticks run; no link counts (a board does not report them).

    Raises
    ------
    ImageError
        If a core's block is missing or short.
    """
    cores, profiles = [], {}
    for c in image.cores:
        block = core_blocks.get((c.x, c.y, c.core))
        size = provenance_bytes(c)
        if block is None or len(block) < size:
            raise ImageError(f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}'): provenance "
                             f"block missing or shorter than {size} bytes")
        values = np.frombuffer(block, dtype=PROVENANCE, count=1)[0]
        cores.append(CoreProvenance(c.x, c.y, c.core, c.name, c.application,
                                    *(int(values[n]) for n in PROVENANCE.names)))
        if size > PROVENANCE_BYTES:
            rows = min(ticks, profile_ticks(c))
            profiles[c.x, c.y, c.core] = np.frombuffer(
                block, dtype=WORD, count=rows, offset=PROVENANCE_BYTES).astype(np.int64)
    routers = []
    for (x, y), data in sorted(router_counters.items()):
        words = np.frombuffer(bytes(data[:ROUTER_COUNTER_BYTES]).ljust(ROUTER_COUNTER_BYTES,
                                                                       b"\0"), dtype="<u4")
        routers.append(RouterProvenance(x, y, **{name: int(words[i])
                                                 for name, i in ROUTER_COUNTER_INDEX.items()}))
    return Provenance(ticks, image.machine.cycles_per_tick, cores, routers, [], profiles)
