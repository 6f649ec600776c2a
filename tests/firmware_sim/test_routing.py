"""Packets through hand-built routing tables: timing, hops, default routing, drops."""

import json

import numpy as np
import pytest

from spinnc.firmware_sim import Emulator, ImageError
from spinnc.machine import Machine

from .images import KEY, core_route, source_to_recorder, table

E, NE = 1 << 0, 1 << 1
RAMP = (np.arange(10) / 16)[:, None]  # exact in s16.15; the source sends row t in tick t
ALL = 0xFFFFFFFF


def run(image, steps=10):
    emulator = Emulator(image)
    emulator.run(steps)
    return emulator.recordings()["probe"], emulator.provenance()


def test_a_packet_sent_in_tick_t_is_used_in_tick_t_plus_1():
    image = source_to_recorder(RAMP, {(0, 0): table((KEY, ALL, core_route(2)))})
    recorded, _ = run(image)
    assert recorded[0, 0] == 0  # nothing has arrived in the first tick
    np.testing.assert_array_equal(recorded[1:], RAMP[:-1])


def test_packets_hop_across_chips():
    tables = {(0, 0): table((KEY, ALL, NE)), (1, 1): table((KEY, ALL, core_route(2)))}
    image = source_to_recorder(RAMP, tables, source_at=(0, 0, 1), recorder_at=(1, 1, 2))
    recorded, provenance = run(image)
    np.testing.assert_array_equal(recorded[1:], RAMP[:-1])
    assert provenance.router(0, 0).local_multicast == 10
    assert provenance.router(1, 1).non_local_multicast == 10
    assert provenance.dropped == 0
    assert provenance.core(1, 1, 2).packets_received == 10


def test_a_miss_on_a_link_is_default_routed_straight_on():
    tables = {(0, 0): table((KEY, ALL, E)), (2, 0): table((KEY, ALL, core_route(2)))}
    image = source_to_recorder(RAMP, tables, Machine.grid(3, 1), recorder_at=(2, 0, 2))
    recorded, provenance = run(image)
    np.testing.assert_array_equal(recorded[1:], RAMP[:-1])
    assert provenance.router(1, 0).default_routed == 10
    assert provenance.router(1, 0).non_local_multicast == 10
    assert [(l.x, l.y, l.link, l.packets) for l in provenance.links] == [(0, 0, 0, 10),
                                                                          (1, 0, 0, 10)]


def test_a_miss_at_the_source_chip_is_dropped():
    image = source_to_recorder(RAMP, {(0, 0): table()})
    recorded, provenance = run(image)
    assert not recorded.any()
    assert provenance.router(0, 0).dropped == 10
    assert provenance.core(0, 0, 1).packets_sent == 10


def test_a_dead_link_or_the_machine_edge_drops_packets():
    tables = {(0, 0): table((KEY, ALL, E)), (1, 0): table((KEY, ALL, core_route(2)))}
    dead = Machine.grid(2, 1).with_dead(links=[(0, 0, 0)])
    recorded, provenance = run(source_to_recorder(RAMP, tables, dead, recorder_at=(1, 0, 2)))
    assert not recorded.any() and provenance.router(0, 0).dropped == 10
    off_edge = {(0, 0): table((KEY, ALL, E))}
    _, provenance = run(source_to_recorder(RAMP, off_edge, Machine.grid(1, 1)))
    assert provenance.router(0, 0).dropped == 10


def test_the_first_matching_entry_wins():
    wrong_first = table((KEY, ALL, core_route(3)), (KEY, ALL, core_route(2)))
    recorded, provenance = run(source_to_recorder(RAMP, {(0, 0): wrong_first}))
    assert not recorded.any()
    assert provenance.router(0, 0).dropped == 10  # core 3 runs nothing


def test_multidimensional_keys_and_sample_every():
    values = np.array([[0.25, -0.5], [1.0, 2.0], [-3.0, 0.125]])
    tables = {(0, 0): table((KEY, ALL - 1, core_route(2)))}
    image = source_to_recorder(values, tables, sample_every=2, n_steps=10)
    recorded, provenance = run(image)
    assert recorded.shape == (5, 2)  # nengo: steps 2, 4, ... -> ticks 1, 3, ...
    sent = np.vstack([np.zeros((1, 2)), np.tile(values, (4, 1))])  # arriving in tick t
    np.testing.assert_array_equal(recorded, sent[1:10:2])
    assert provenance.packets_sent == 20
    json.dumps(provenance.to_dict())


def test_broken_core_data_is_an_image_error():
    image = source_to_recorder(RAMP, {(0, 0): table((KEY, ALL, core_route(2)))})
    image.cores[0].data = b"\0" * 12 + image.cores[0].data[12:]
    with pytest.raises(ImageError, match=r"core 1 of chip \(0, 0\).*magic"):
        Emulator(image)
    image = source_to_recorder(RAMP, {(0, 0): table((KEY, ALL, core_route(2)))})
    image.cores[0].application = "recorder"
    with pytest.raises(ImageError, match="loaded with 'recorder'"):
        Emulator(image)


def test_a_routing_loop_ends_in_a_drop():
    W = 1 << 3
    tables = {(0, 0): table((KEY, ALL, E)), (1, 0): table((KEY, ALL, W))}
    recorded, provenance = run(source_to_recorder(RAMP, tables, Machine.grid(2, 1)))
    assert not recorded.any()
    assert provenance.dropped == 10
