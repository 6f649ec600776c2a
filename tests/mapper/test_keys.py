"""Key allocation never overlaps, avoids SC&MP's keys, and the checker catches faults."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.mapper.keys import (KeyAllocation, allocate_keys, block_size,
                                check_keys)
from spinnc.mapper.vertices import Net, Placements


def nets_of(sizes, sources=None):
    sources = sources or [0] * len(sizes)
    return [Net(s, np.array([1]), i, size) for i, (s, size) in enumerate(zip(sources, sizes))]


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 600)), min_size=1, max_size=80))
def test_allocated_blocks_hold_every_dimension_and_never_overlap(spec):
    nets = nets_of([size for _, size in spec], [source for source, _ in spec])
    allocation = allocate_keys(nets)
    check_keys(allocation)
    for i, net in enumerate(nets):
        last = allocation.packet_key(i, net.size - 1)
        assert last & int(allocation.masks[i]) == int(allocation.keys[i])
        assert (~int(allocation.masks[i]) & 0xFFFFFFFF) + 1 == block_size(net.size)


def test_placement_order_gives_nearby_sources_nearby_keys():
    nets = nets_of([4, 4, 4], sources=[0, 1, 2])
    placements = Placements(x=np.array([5, 0, 0]), y=np.array([0, 0, 0]),
                            core=np.array([1, 2, 1]))
    keys = allocate_keys(nets, placements).keys
    assert keys[2] < keys[1] < keys[0]  # (0,0,1), (0,0,2), then (5,0,1)


def test_reserved_keys_are_stepped_over():
    sizes = [1 << b for b in range(31, 15, -1)]  # fills keys up to 0xffff0000
    sizes += [0x4000, 0x4000]  # the second would cover 0xffff5554
    allocation = allocate_keys(nets_of(sizes))
    assert int(allocation.keys[-2]) == 0xFFFF0000
    assert int(allocation.keys[-1]) == 0xFFFF8000
    check_keys(allocation)


def test_key_space_exhaustion_is_does_not_fit():
    from spinnc.errors import DoesNotFit
    with pytest.raises(DoesNotFit, match="2\\^32"):
        allocate_keys(nets_of([1 << 31, 1 << 31]))


def alloc(pairs):
    keys, masks = zip(*pairs)
    return KeyAllocation(np.array(keys, dtype=np.uint32), np.array(masks, dtype=np.uint32))


def test_checker_finds_overlaps_loose_bits_and_reserved_keys():
    with pytest.raises(ValueError, match="nets 0 and 1 overlap"):
        check_keys(alloc([(0x100, 0xFFFFFF00), (0x180, 0xFFFFFFC0)]))
    with pytest.raises(ValueError, match="outside its mask"):
        check_keys(alloc([(0x101, 0xFFFFFF00)]))
    with pytest.raises(ValueError, match="SC&MP"):
        check_keys(alloc([(0xFFFF0000, 0xFFFF0000)]))
    # Non-contiguous masks take the general path.
    check_keys(alloc([(0x1, 0xFFFFFF0F), (0x2, 0xFFFFFF0F)]))
    with pytest.raises(ValueError, match="nets 0 and 1 overlap"):
        check_keys(alloc([(0x1, 0xFFFFFF0F), (0x10, 0xFFFFFFF0)]))
