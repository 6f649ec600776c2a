"""Hand-built Images for targeted emulator tests: a value source on one chip
sending to a core that records what it receives (an ensemble recording its
neurons' input currents through identity encoders), through routing tables
the test writes itself."""

import nengo
import numpy as np

from spinnc import fixed, neurons
from spinnc.arch import SPINN1
from spinnc.image import CoreImage, Image, ProbeImage
from spinnc.machine import Machine
from spinnc.apps import codes
from spinnc.regions import (FILTER, INPUT_KEY, OUTPUT_KEY, Region, pack_regions,
                            population_layout)

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


class _Quantise:
    """The quantiser's converter, without its report."""

    def __call__(self, owner, parameter, values, fmt=fixed.S16_15):
        return fixed.quantise(values, fmt)

    def record(self, *args):
        pass


def recorder_core(x, y, core, dims, key=KEY, sample_every=1, n_steps=10) -> CoreImage:
    """A core recording what ``key`` brings it, unfiltered (a = 0, b = 1): an
    ensemble of ``dims`` LIF neurons whose identity encoders make each
    neuron's input current one received value (bias 0), recorded every
    ``sample_every`` ticks; it sends nothing."""
    layouts = Region.LAYOUTS
    lif = neurons.model_named("LIF")
    constants, state = lif.quantise(_Quantise(), "probe", lif.parameters(nengo.LIF()),
                                    {"voltage": np.zeros(dims), "refractory": np.zeros(dims)},
                                    0.001)
    header = dict(model=lif.code, n_neurons=dims, input_dims=dims, output_dims=0, probe_dims=0,
                  spikes_every=0, voltage_every=0, decoded_every=0, input_every=sample_every,
                  **constants)
    regions = {
        Region.SYSTEM: _system("ensemble", 1, n_steps),
        Region.OUTPUT_KEYS: layouts[Region.OUTPUT_KEYS].pack(
            dict(n_nets=0), nets=np.zeros(0, dtype=OUTPUT_KEY)),
        Region.INPUT_KEYS: layouts[Region.INPUT_KEYS].pack(
            dict(n_entries=1), entries=np.array([(key, 0xFFFFFFFF - (dims - 1), dims, 0, 0, 0)],
                                                dtype=INPUT_KEY)),
        Region.FILTERS: layouts[Region.FILTERS].pack(
            dict(n_filters=1, n_coefficients=2),  # synapse=None: g0 = 1, p1 = 0
            filters=np.array([(0, 0, dims, 0, 0, 1, 30, 0, 0)], dtype=FILTER),
            coefficients=np.array([fixed.S1_30.one, 0], dtype=np.int32)),
        Region.INDEX_MAP: layouts[Region.INDEX_MAP].pack(
            dict(length=dims), indices=np.arange(dims, dtype=np.uint32)),
        Region.POPULATION: population_layout(lif).pack(
            header, encoders=np.eye(dims, dtype=np.int32) * fixed.S16_15.one,
            bias=np.zeros(dims, np.int32), gain=np.zeros(dims, np.int32),
            decoders=np.zeros((0, dims), np.int32), probe_decoders=np.zeros((0, dims), np.int32),
            **state),
    }
    return CoreImage(x, y, core, "ensemble", "probe", pack_regions(regions))


def source_to_recorder(values, tables, machine=None, source_at=(0, 0, 1),
                       recorder_at=(0, 0, 2), sample_every=1, n_steps=10) -> Image:
    """An Image of a source sending ``values`` to a recording core
    (:func:`recorder_core`) through ``tables``."""
    values = np.atleast_2d(values)
    dims = values.shape[1]
    cores = [source_core(*source_at, values, n_steps=n_steps),
             recorder_core(*recorder_at, dims, sample_every=sample_every, n_steps=n_steps)]
    probes = {"probe": ProbeImage("probe", "input", dims, sample_every,
                                  [(*recorder_at, 0, 0, dims)])}
    return Image(machine or Machine.spinn3(), 0.001, n_steps, cores, tables, probes)
