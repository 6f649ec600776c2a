"""The equivalence checker is exact: it agrees with trying every key, and it
names the chip, a differing key and both routes."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinnc.errors import SpinncError
from spinnc.router.equivalence import RoutingMismatch, check_equivalent
from spinnc.router.ordered_covering import minimise
from spinnc.router.table import make_table

from .test_minimise import DATA, brute_force_mismatches, tables

CORE = [1 << (6 + c) for c in range(18)]
EAST, WEST = 1 << 0, 1 << 3


def test_identical_and_reordered_disjoint_tables_pass():
    table = make_table([(0x100, 0xFFFFFF00, CORE[1]), (0x200, 0xFFFFFF00, CORE[2])])
    check_equivalent(table, table)
    check_equivalent(table, table[::-1])


def test_a_changed_route_is_named_with_key_chip_and_both_routes():
    table = make_table([(0x100, 0xFFFFFF00, CORE[1]), (0x200, 0xFFFFFF00, CORE[2])])
    wrong = table.copy()
    wrong["route"][1] = CORE[3]
    with pytest.raises(RoutingMismatch) as error:
        check_equivalent(table, wrong, chip=(4, 7))
    message = str(error.value)
    assert "chip (4, 7)" in message and "0x00000200" in message
    assert "core 2" in message and "core 3" in message
    assert isinstance(error.value, ValueError) and isinstance(error.value, SpinncError)
    assert (error.value.key, error.value.expected, error.value.got) == (0x200, CORE[2], CORE[3])


def test_default_routed_keys_may_miss_but_others_may_not():
    passing = (0x300, 0xFFFFFF00, EAST, WEST)  # in from the west, out to the east
    local = (0x400, 0xFFFFFF00, CORE[5], CORE[0])
    table = make_table([passing, local])
    check_equivalent(table, table[1:])  # the default-routable entry may go
    with pytest.raises(RoutingMismatch, match="0x00000400.*a miss"):
        check_equivalent(table, table[:1])
    # ... but not be caught by an entry with another route.
    with pytest.raises(RoutingMismatch, match="0x00000300"):
        check_equivalent(table, make_table([local, (0, 0, CORE[5])]))
    # An entry with exactly the default route may catch it.
    check_equivalent(table, make_table([local, (0, 0, EAST)]))


def test_order_matters_where_entries_overlap():
    table = make_table([(0x12, 0xFF, CORE[1]), (0x10, 0xF0, CORE[2])])
    with pytest.raises(RoutingMismatch, match="0x00000012"):
        check_equivalent(table, table[::-1])
    # A shadowed entry's keys belong to the entry above: covering them with
    # that entry's route is fine, wherever the general entry goes.
    check_equivalent(table, make_table([(0x12, 0xFF, CORE[1]), (0x10, 0xF0, CORE[2]),
                                        (0x12, 0xFF, CORE[9])]))


def test_a_partly_wrong_general_entry_is_split_to_find_the_key():
    original = make_table([(k, 0xFFFFFFFF, CORE[1]) for k in range(16)])
    minimised = make_table([(0xB, 0xFFFFFFFF, CORE[2]), (0, 0xFFFFFFF0, CORE[1])])
    with pytest.raises(RoutingMismatch) as error:
        check_equivalent(original, minimised)
    assert error.value.key == 0xB


@st.composite
def table_pairs(draw):
    """An original table and a candidate: its minimisation, perhaps damaged,
    or an unrelated table."""
    original = draw(tables(max_entries=30))
    how = draw(st.sampled_from(["minimised", "damaged", "unrelated", "shuffled"]))
    if how == "unrelated":
        return original, draw(tables(max_entries=30))
    candidate = minimise(original, full=True)
    if how == "shuffled":
        order = draw(st.permutations(range(len(candidate))))
        return original, candidate[list(order)]
    if how == "damaged" and len(candidate):
        i = draw(st.integers(0, len(candidate) - 1))
        field = draw(st.sampled_from(["key", "mask", "route", "drop"]))
        if field == "drop":
            candidate = np.delete(candidate, i)
        else:
            bit = draw(st.integers(0, 23 if field == "route" else 7))
            candidate[field][i] ^= np.uint32(1 << bit)
    return original, candidate


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_pairs())
def test_checker_agrees_with_trying_every_key(pair):
    original, candidate = pair
    wrong = brute_force_mismatches(original, candidate)
    if wrong:
        with pytest.raises(RoutingMismatch) as error:
            check_equivalent(original, candidate)
        assert error.value.key in wrong
    else:
        check_equivalent(original, candidate)


@pytest.mark.skipif(not DATA.is_dir(), reason="HPSR 2016 tables not available")
def test_on_chip_ordered_covering_results_check_out():
    from spinnc.router.files import read_tables

    original = read_tables(DATA / "gaussian_12_12_xyp.bin")
    minimised = read_tables(DATA / "oc_on_chip" / "oc_spinnaker_gaussian_12_12_xyp.bin")
    for chip in list(original)[:3]:
        check_equivalent(original[chip], minimised[chip], chip)
        broken = minimised[chip].copy()
        broken["route"][len(broken) // 2] ^= np.uint32(CORE[17])
        with pytest.raises(RoutingMismatch, match=re.escape(f"chip {chip}")):
            check_equivalent(original[chip], broken, chip)
