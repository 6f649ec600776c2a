"""Full weight matrices too large for their ensemble's cores, learned in row
blocks by copies of the ensemble (spinnc.mapper.row_copies): what nengo
learns at nengo's own sizes, and what the copies record."""

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.compiler import compile_network
from spinnc.machine import Machine

from ..firmware_sim.test_arm_learning import matrix_12x20
from .test_weight_rules import RULES, assert_learns_as_nengo, unsupervised


def copies(compilation) -> dict:
    """copy -> the population it copies, in a compilation's fixed Graph."""
    return {name: pop.copy_of for name, pop in compilation.fixed_graph.populations.items()
            if pop.copy_of}


@pytest.mark.parametrize("rule", ["BCM", "Oja", "Oja+BCM"])
def test_a_201_x_200_matrix_learns_what_nengo_learns(rule):
    """nengo's test_unsupervised's size: one core could hold no row block of
    it whole, so copies of the pre ensemble learn blocks of its rows (both
    rules' rows, when two change the matrix)."""
    net = unsupervised(RULES[rule](), n=200)
    with nengo.Simulator(net, seed=4, progress_bar=False) as ref:
        ref.run(0.5)
    with spinnc.Simulator(net, seed=4, progress_bar=False) as sim:
        sim.run(0.5)
    made = copies(sim.compilation)
    assert made and set(made.values()) == {"ensemble0"}
    assert sim.data[net.weights].shape == (50, 201, 200)
    assert_learns_as_nengo(net, ref, sim, output_error=0.02)
    assert np.array_equal(sim.data[net.conn].weights, sim.data[net.weights][-1])


def small_bcm():
    return matrix_12x20(nengo.BCM())


#: A core's cycles a tick with which small_bcm's 12 rows need copies of its
#: pre ensemble (a board's 200,000 fit them whole).
TIGHT = 25_000


def test_copies_learn_the_rows_one_population_would():
    """The same network with the rows cut over copies (a tight cycle
    budget) and whole: the same weights and rule inputs, within the
    rounding of partial sums split over other cores."""
    net = small_bcm()
    runs = {}
    for cycles in (TIGHT, 200_000):
        with spinnc.Simulator(net, seed=4, progress_bar=False,
                              machine=Machine.spinn3(cycles_per_tick=cycles)) as sim:
            sim.run(0.3)
            runs[cycles] = sim
    cut, whole = runs[TIGHT], runs[200_000]
    assert len(copies(cut.compilation)) >= 1 and not copies(whole.compilation)
    for probe in (net.weights, net.post):
        assert cut.data[probe].shape == whole.data[probe].shape
    assert cut.data[net.weights].shape == (30, 12, 20) and cut.data[net.post].shape == (150, 12)
    change = np.abs(whole.data[net.weights][-1] - whole.data[net.weights][0]).mean()
    assert change > 0
    assert np.abs(cut.data[net.weights] - whole.data[net.weights]).max() < 0.05 * change
    assert np.allclose(cut.data[net.post], whole.data[net.post], atol=0.5)
    assert np.abs(whole.data[net.post]).max() > 20  # the post neurons fire
    assert np.allclose(cut.data[net.out], whole.data[net.out], atol=0.02)


def test_a_copy_holds_only_its_rows_inputs():
    compilation = compile_network(small_bcm(), Machine.spinn3(cycles_per_tick=TIGHT),
                                  n_steps=10)
    graph = compilation.fixed_graph
    pre = graph.populations["ensemble0"]
    blocks = []
    for name in ["ensemble0", *copies(compilation)]:
        (piece,) = [c for c in graph.outgoing(name) if c.target == "value"]
        lo, hi, rows = piece.learned.row_block
        assert rows == 12 and piece.size_out == hi - lo
        # the ensemble's 2 dimensions, then p and theta of each of its rows
        assert graph.populations[name].dimensions == 2 + 2 * (hi - lo)
        assert np.array_equal(graph.populations[name].encoders[:, :2], pre.encoders[:, :2])
        blocks.append((lo, hi))
    assert sorted(blocks)[0][0] == 0 and sorted(blocks)[-1][1] == 12
    assert sum(hi - lo for lo, hi in blocks) == 12
