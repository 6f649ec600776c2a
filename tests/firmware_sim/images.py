"""Hand-built Images for targeted emulator tests: a value source on one chip
sending to a recorder, through routing tables the test writes itself."""

import numpy as np

from spinnc import fixed
from spinnc.arch import SPINN1
from spinnc.image import CoreImage, Image, ProbeImage
from spinnc.machine import Machine
from spinnc.apps import codes
from spinnc.regions import (FILTER, INPUT_KEY, OUTPUT_KEY, RECORDED_PROBE,
                            Region, pack_regions)

ENTRY = np.dtype([("key", "<u4"), ("mask", "<u4"), ("route", "<u4"), ("source", "<u4")])
KEY = 0x100
CORE_BIT = SPINN1.core_bit  # route bits 6-23 are cores 0-17


def core_route(core: int) -> int:
    return 1 << (CORE_BIT + core)


def table(*rows) -> np.ndarray:
    """A routing table from (key, mask, route) rows."""
    return np.array([(k, m, r, 0) for k, m, r in rows], dtype=ENTRY)


def _system(application: str, members: int, n_steps: int) -> bytes:
    return Region.LAYOUTS[Region.SYSTEM].pack(dict(
        application=codes()[application], timestep_us=1000, n_steps=n_steps,
        n_members=members))


def source_core(x, y, core, values, key=KEY, n_steps=10) -> CoreImage:
    """A value source playing back ``values`` (period x dims, floats), sent unchanged."""
    raw = fixed.quantise(np.atleast_2d(values))
    dims = raw.shape[1]
    layouts = Region.LAYOUTS
    regions = {
        Region.SYSTEM: _system("value_source", 1, n_steps),
        Region.OUTPUT_KEYS: layouts[Region.OUTPUT_KEYS].pack(
            dict(n_nets=1), nets=np.array([(key, 0xFFFFFFFF - (dims - 1), dims, 0)],
                                          dtype=OUTPUT_KEY)),
        Region.VALUES: layouts[Region.VALUES].pack(dict(dims=dims, period=raw.shape[0]),
                                                   values=raw),
        Region.WEIGHTS: layouts[Region.WEIGHTS].pack(
            dict(rows=dims, cols=dims), weights=np.eye(dims, dtype=np.int32) * fixed.S16_15.one),
        Region.PLAYBACK: layouts[Region.PLAYBACK].pack(dict(rows=dims, period=raw.shape[0]),
                                                       payloads=raw),  # times the identity
    }
    return CoreImage(x, y, core, "value_source", "source", pack_regions(regions))


def recorder_core(x, y, core, dims, key=KEY, sample_every=1, n_steps=10) -> CoreImage:
    """A recorder of one probe fed by ``key`` with no synapse (a = 0, b = 1)."""
    layouts = Region.LAYOUTS
    regions = {
        Region.SYSTEM: _system("recorder", 1, n_steps),
        Region.INPUT_KEYS: layouts[Region.INPUT_KEYS].pack(
            dict(n_entries=1), entries=np.array([(key, 0xFFFFFFFF - (dims - 1), dims, 0, 0, 0)],
                                                dtype=INPUT_KEY)),
        Region.FILTERS: layouts[Region.FILTERS].pack(
            dict(n_filters=1, n_coefficients=2),  # synapse=None: g0 = 1, p1 = 0
            filters=np.array([(0, 0, dims, 0, 0, 1, 30, 0)], dtype=FILTER),
            coefficients=np.array([fixed.S1_30.one, 0], dtype=np.int32)),
        Region.INDEX_MAP: layouts[Region.INDEX_MAP].pack(
            dict(length=dims), indices=np.arange(dims, dtype=np.uint32)),
        Region.PROBES: layouts[Region.PROBES].pack(
            dict(n_probes=1), probes=np.array([(0, dims, sample_every)], dtype=RECORDED_PROBE)),
    }
    return CoreImage(x, y, core, "recorder", "probe", pack_regions(regions))


def source_to_recorder(values, tables, machine=None, source_at=(0, 0, 1),
                       recorder_at=(0, 0, 2), sample_every=1, n_steps=10) -> Image:
    """An Image of a source sending ``values`` to a recorder through ``tables``."""
    values = np.atleast_2d(values)
    dims = values.shape[1]
    cores = [source_core(*source_at, values, n_steps=n_steps),
             recorder_core(*recorder_at, dims, sample_every=sample_every, n_steps=n_steps)]
    probes = {"probe": ProbeImage("probe", "value", dims, sample_every,
                                  [(*recorder_at, 0, 0, dims)])}
    return Image(machine or Machine.spinn3(), 0.001, n_steps, cores, tables, probes)
