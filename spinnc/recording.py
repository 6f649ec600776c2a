"""Recordings and provenance as a core stores them in SDRAM, and back.

The emulator (:meth:`spinnc.firmware_sim.Emulator.recordings`) and the host
reading a board both go through these functions, so the two paths give the
same arrays, bit for bit.

A core's **recording buffer** (its vcpu ``user1`` points at it)::

    u32 ticks             ticks the core ran (and recorded)
    then each of its recordings, one after the other, in the order of
    :func:`core_recordings`: ticks // every rows of
        value, voltage:   one little-endian word per dimension or neuron
                          (s16.15 int32; float64 in the emulator's float mode)
        spikes:           a bit per neuron, little-endian bit order within
                          little-endian 32-bit words (costs.spike_words)

:func:`recording_size` is the buffer's size for the Image's ``n_steps``; a
core with nothing to record needs no buffer (size 0).

A core's **provenance block** (vcpu ``user2``) is :data:`PROVENANCE_BYTES`
bytes: u32 max cycles in a tick, overruns, packets sent, packets received.
A chip's **router diagnostic counters** (16 u32 registers at
``ROUTER_DIAGNOSTICS``) hold local multicast in counter 0, external
(non-local) multicast in 1, dropped multicast in 8 and default-routed
multicast in 12.  Both wrap at 2**32, as the hardware's counters do.
"""

from dataclasses import dataclass

import numpy as np

from . import fixed
from .costs import spike_words
from .errors import ImageError
from .image import CoreImage, Image
from .regions import Region, read_regions

TICKS = np.dtype("<u4")
PROVENANCE = np.dtype([("max_cycles", "<u4"), ("overruns", "<u4"),
                       ("packets_sent", "<u4"), ("packets_received", "<u4")])
PROVENANCE_BYTES = PROVENANCE.itemsize
ROUTER_COUNTERS = 16
ROUTER_COUNTER_BYTES = 4 * ROUTER_COUNTERS
#: Diagnostic counter of each RouterProvenance field.
ROUTER_COUNTER_INDEX = {"local_multicast": 0, "non_local_multicast": 1, "dropped": 8,
                        "default_routed": 12}
KINDS = ("value", "spikes", "voltage")
_WORD = {"fixed": np.dtype("<i4"), "float": np.dtype("<f8")}


@dataclass(frozen=True)
class CoreRecording:
    """One thing a core records: ``width`` dimensions or neurons of ``member``
    every ``every`` ticks."""

    kind: str  # value, spikes or voltage
    member: int
    width: int
    every: int

    def row_bytes(self, precision: str = "fixed") -> int:
        if self.kind == "spikes":
            return 4 * int(spike_words(self.width))
        return _WORD[precision].itemsize * self.width


def core_recordings(core_image: CoreImage) -> list[CoreRecording]:
    """What a core records, in the order its buffer holds them (from its data).

    Recorders: one value recording per probed member (a member probed twice
    keeps its last probe, as the emulator does).  Ensembles: per population
    member in region order, spikes then voltage, when their period is set.
    """
    regions = read_regions(core_image.data)
    if core_image.application == "recorder":
        found = {}
        for p in regions.get(Region.PROBES, ({}, {}))[1].get("probes", []):
            found[int(p["member"])] = CoreRecording("value", int(p["member"]), int(p["dims"]),
                                                    int(p["sample_every"]))
        return list(found.values())
    out = []
    if core_image.application == "ensemble":
        for rid, (h, _) in sorted(regions.items()):
            if rid < Region.POPULATION:
                continue
            for kind in ("spikes", "voltage"):
                if h[f"{kind}_every"]:
                    out.append(CoreRecording(kind, rid - Region.POPULATION, int(h["n_neurons"]),
                                             int(h[f"{kind}_every"])))
    return out


def recording_size(image: Image, core_image: CoreImage, precision: str = "fixed") -> int:
    """Bytes of a core's recording buffer for ``image.n_steps`` ticks (0 if it
    records nothing)."""
    recordings = core_recordings(core_image)
    if not recordings:
        return 0
    return TICKS.itemsize + sum((image.n_steps // r.every) * r.row_bytes(precision)
                                for r in recordings)


def _encode(recording: CoreRecording, rows: np.ndarray, precision: str) -> bytes:
    if recording.kind == "spikes":
        bits = np.packbits(np.asarray(rows, dtype=bool), axis=1, bitorder="little")
        padded = np.zeros((bits.shape[0], recording.row_bytes()), dtype=np.uint8)
        padded[:, :bits.shape[1]] = bits
        return padded.tobytes()
    return np.ascontiguousarray(rows, dtype=_WORD[precision]).tobytes()


def _decode(recording: CoreRecording, data: bytes, rows: int, precision: str) -> np.ndarray:
    if recording.kind == "spikes":
        raw = np.frombuffer(data, dtype=np.uint8).reshape(rows, recording.row_bytes())
        bits = np.unpackbits(raw, axis=1, count=recording.width, bitorder="little")
        return bits.astype(bool)
    return np.frombuffer(data, dtype=_WORD[precision]).reshape(rows, recording.width)


def pack_recordings(emulator, x: int, y: int, core: int) -> bytes:
    """A core's recorded samples so far, as its firmware would store them
    (empty if it records nothing).

    Parameters
    ----------
    emulator : spinnc.firmware_sim.Emulator
        The emulator that ran the core.
    x, y, core : int
        Where the core is.
    """
    c = emulator._where[x, y, core]
    recordings = core_recordings(emulator.image.cores[c.index])  # cores in Image order
    if not recordings:
        return b""
    recorders = {"value": emulator.value_recorders, "spikes": emulator.spike_recorders,
                 "voltage": emulator.voltage_recorders}
    parts = [np.array(emulator.t, dtype=TICKS).tobytes()]
    for r in recordings:
        parts.append(_encode(r, recorders[r.kind][c.index, r.member].data(), emulator.precision))
    return b"".join(parts)


def unpack_recordings(core_image: CoreImage, buffer: bytes, precision: str = "fixed",
                      recordings: list[CoreRecording] | None = None
                      ) -> dict[tuple[str, int], np.ndarray]:
    """A core's recordings from its buffer: (kind, member) -> raw samples
    (words, or booleans for spikes), one row per sample.  ``recordings`` is
    :func:`core_recordings` of the core, when the caller has it already.

    Raises
    ------
    ImageError
        If the buffer is shorter than its tick count says.
    """
    if recordings is None:
        recordings = core_recordings(core_image)
    where = f"core {core_image.core} of chip ({core_image.x}, {core_image.y})"
    if not recordings:
        return {}
    if len(buffer) < TICKS.itemsize:
        raise ImageError(f"{where} ('{core_image.name}'): recording buffer of {len(buffer)} "
                         "bytes has no tick count")
    ticks = int(np.frombuffer(buffer, dtype=TICKS, count=1)[0])
    out, offset = {}, TICKS.itemsize
    for r in recordings:
        rows = ticks // r.every
        size = rows * r.row_bytes(precision)
        if offset + size > len(buffer):
            raise ImageError(f"{where} ('{core_image.name}'): its recording buffer holds "
                             f"{len(buffer)} bytes, fewer than {ticks} ticks of recordings need")
        out[r.kind, r.member] = _decode(r, buffer[offset:offset + size], rows, precision)
        offset += size
    return out


def recordings_from_buffers(image: Image, buffers: dict, precision: str = "fixed"
                            ) -> dict[str, np.ndarray]:
    """Every probe's samples from the cores' recording buffers, in nengo's
    units and shape ``(n_samples, size)``: values and voltages as reals,
    spikes as ``1 / dt`` per spike (what ``Emulator.recordings()`` returns).

    Parameters
    ----------
    image : Image
        The Image that ran (its cores' data say what each buffer holds).
    buffers : dict
        ``(x, y, core) -> bytes`` for every core a probe records on.
    precision : {"fixed", "float"}
        The arithmetic the run used (a board always runs fixed).

    Raises
    ------
    ImageError
        If a probe's core has no buffer, or the buffers disagree with the probes.
    """
    to_real = fixed.to_float if precision == "fixed" else (lambda a: np.array(a, np.float64))
    core_images = {(c.x, c.y, c.core): c for c in image.cores}
    unpacked: dict = {}  # (x, y, core) -> {(kind, member): raw samples}
    periods: dict = {}  # (x, y, core) -> {(kind, member): ticks between samples}
    out = {}
    for name, probe in image.probes.items():
        parts = []
        for x, y, core, member, first, count in probe.cores:
            if (x, y, core) not in unpacked:
                if (x, y, core) not in buffers:
                    raise ImageError(f"probe '{name}': no recording buffer read from core "
                                     f"{core} of chip ({x}, {y})")
                core_image = core_images.get((x, y, core)) or image.core_at(x, y, core)
                recordings = core_recordings(core_image)
                unpacked[x, y, core] = unpack_recordings(core_image, buffers[x, y, core],
                                                         precision, recordings)
                periods[x, y, core] = {(r.kind, r.member): r.every for r in recordings}
            raw = unpacked[x, y, core].get((probe.kind, member))
            if raw is None:
                raise ImageError(f"probe '{name}': core {core} of chip ({x}, {y}) records no "
                                 f"{probe.kind} of member {member}")
            if probe.kind == "value":
                parts.append(to_real(raw)[:, first:first + count])
            else:
                # A population records each kind at the common period of its
                # probes of that kind: take this probe's own samples.
                ratio = probe.sample_every // periods[x, y, core][probe.kind, member]
                samples = raw[ratio - 1::ratio]
                parts.append(samples / image.dt if probe.kind == "spikes" else to_real(samples))
        data = np.concatenate(parts, axis=1) if parts else np.zeros((0, probe.size))
        if probe.neurons is not None:  # a probe on some of the neurons
            data = data[:, probe.neurons]
        if data.shape[1] != probe.size:
            raise ImageError(f"probe '{name}' has {probe.size} columns but its cores "
                             f"record {data.shape[1]}")
        out[name] = data
    return out


# -- provenance -------------------------------------------------------------------------


def pack_provenance(core_provenance) -> bytes:
    """A core's provenance block (:data:`PROVENANCE_BYTES` bytes; counts wrap at 2**32)."""
    block = np.zeros((), dtype=PROVENANCE)
    for name in PROVENANCE.names:
        block[name] = int(getattr(core_provenance, name)) & 0xFFFFFFFF
    return block.tobytes()


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
        Cores in Image order, routers by chip; no link counts (a board does
        not report them).

    Raises
    ------
    ImageError
        If a core's block is missing or short.
    """
    from .firmware_sim.provenance import CoreProvenance, Provenance, RouterProvenance

    cores = []
    for c in image.cores:
        block = core_blocks.get((c.x, c.y, c.core))
        if block is None or len(block) < PROVENANCE_BYTES:
            raise ImageError(f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}'): provenance "
                             f"block missing or shorter than {PROVENANCE_BYTES} bytes")
        values = np.frombuffer(block, dtype=PROVENANCE, count=1)[0]
        cores.append(CoreProvenance(c.x, c.y, c.core, c.name, c.application,
                                    *(int(values[n]) for n in PROVENANCE.names)))
    routers = []
    for (x, y), data in sorted(router_counters.items()):
        words = np.frombuffer(bytes(data[:ROUTER_COUNTER_BYTES]).ljust(ROUTER_COUNTER_BYTES,
                                                                       b"\0"), dtype="<u4")
        routers.append(RouterProvenance(x, y, **{name: int(words[i])
                                                 for name, i in ROUTER_COUNTER_INDEX.items()}))
    return Provenance(ticks, image.machine.cycles_per_tick, cores, routers, [])
