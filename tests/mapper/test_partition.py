"""Partitioning keeps every core within budget and covers every neuron once."""

import nengo
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc.errors import DoesNotFit
from spinnc.frontend import build, quantise
from spinnc.frontend.graph import Connection, Graph, Population, Probe
from spinnc.machine import Machine
from spinnc import costs
from spinnc.mapper.partition import partition

from ..frontend.models import MODELS

MACHINE = Machine.spinn5()
CYCLES = int(costs.CYCLE_BUDGET_FRACTION * MACHINE.cycles_per_tick)


def population(name, n, dims, rng):
    return Population(
        name=name, n_neurons=n, dimensions=dims, radius=1.0,
        gain=rng.uniform(1, 20, n), bias=rng.uniform(-5, 5, n),
        encoders=rng.uniform(-1, 1, (n, dims)), tau_rc=0.02, tau_ref=0.002,
        min_voltage=0.0, amplitude=1.0, initial_voltage=rng.uniform(0, 1, n),
        initial_refractory=np.zeros(n))


def chain(sizes, dims, seed=0, probe=True):
    """Populations p0 -> p1 -> ... with random decoders, and a probe on the last."""
    rng = np.random.RandomState(seed)
    graph = Graph(dt=0.001, seed=seed)
    for i, (n, d) in enumerate(zip(sizes, dims)):
        graph.populations[f"p{i}"] = population(f"p{i}", n, d, rng)
    for i in range(len(sizes) - 1):
        d_out = dims[i + 1]
        graph.connections.append(Connection(
            f"p{i}->p{i + 1}", f"p{i}", f"p{i + 1}", rng.uniform(-1e-3, 1e-3, (d_out, sizes[i])),
            np.arange(d_out), 0.005))
    if probe:
        last = f"p{len(sizes) - 1}"
        graph.probes["out"] = Probe("out", "value", dims[-1], 1)
        graph.probes["spikes"] = Probe("spikes", "spikes", sizes[-1], 1, target=last)
        graph.connections.append(Connection(
            f"{last}->probe", last, "out", rng.uniform(-1e-3, 1e-3, (dims[-1], sizes[-1])),
            np.arange(dims[-1]), 0.01, target="probe"))
    return quantise(graph)[0]


def check(result, graph):
    for vertex in result.vertices:
        assert vertex.resources.cycles <= CYCLES, vertex
        assert vertex.resources.dtcm <= costs.DTCM_BUDGET, vertex
        assert costs.DTCM_BUDGET + costs.DTCM_RESERVE == MACHINE.dtcm_bytes
    for name, pop in graph.populations.items():  # every neuron on exactly one core
        covered = np.zeros(pop.n_neurons, dtype=int)
        for v in result.vertices_of[name]:
            for s in result.vertices[v].slices:
                if s.obj == name:
                    covered[s.lo:s.hi] += 1
        assert (covered == 1).all(), name
    for net in result.nets:  # every slice of a receiver gets the net
        assert len(net.sinks) and np.all(np.diff(net.sinks) > 0)
        for conn_name in net.connections:
            conn = next(c for c in graph.connections if c.name == conn_name)
            assert conn.target != "probe"  # recorded where decoded: sent nowhere
            receivers = {v for v in result.vertices_of[conn.post]
                         if result.vertices[v].application != "host_in"}
            assert receivers <= set(net.sinks.tolist())


# Up to 3000 neurons of 16 dimensions: a split source then sends its receivers
# a few hundred packets per tick, within what one core can take in (see
# test_population_that_cannot_fit_names_the_binding_limit for beyond).
@settings(max_examples=40, deadline=None)
# Within what one core can take in: every packet costs its receiver cycles
# (costs.receive_cycles), so a large high-dimensional population
# split over many cores (3000 16-D neurons: ~135 slices) floods its receivers.
@given(st.lists(st.tuples(st.integers(1, 1000), st.integers(1, 4)), min_size=1, max_size=4))
def test_partitions_stay_within_every_budget(spec):
    graph = chain([n for n, _ in spec], [d for _, d in spec])
    check(partition(graph, MACHINE), graph)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_example_models_partition(name):
    graph = quantise(build(MODELS[name]()))[0]
    check(partition(graph, MACHINE), graph)


def test_large_ensembles_split_and_small_ones_share():
    graph = chain([5000, 30, 40], [16, 1, 1], probe=False)
    result = partition(graph, MACHINE)
    assert len(result.vertices_of["p0"]) > 10
    shared = result.vertices_of["p1"]
    assert shared == result.vertices_of["p2"] and len(shared) == 1
    vertex = result.vertices[shared[0]]
    assert [s.obj for s in vertex.slices] == ["p1", "p2"] and vertex.neurons == 70
    # Every slice of the split source sends its own partial sums.
    sources = result.vertices_of["p0"]
    into_shared = [net.source for net in result.nets if net.sinks.tolist() == shared]
    assert sorted(into_shared) == sorted(sources + shared)  # and p1 -> p2 on the core


def test_more_packets_in_mean_smaller_slices():
    alone = partition(chain([2000], [8], probe=False), MACHINE)
    fed = partition(chain([2000, 2000], [8, 8], probe=False), MACHINE)
    assert len(fed.vertices_of["p1"]) > len(alone.vertices_of["p0"])


def test_recording_sizes_sdram_with_the_run_length():
    graph = chain([100], [1])
    short = partition(graph, MACHINE, n_steps=1000)
    long = partition(graph, MACHINE, n_steps=10000)
    (v,) = short.vertices_of["p0"]
    words_per_tick = 4 + 1  # ceil(100 / 32) words of spikes, the probe's decoded row
    grown = long.vertices[v].resources.sdram - short.vertices[v].resources.sdram
    assert grown == 9000 * words_per_tick * 4


def test_population_that_cannot_fit_names_the_binding_limit():
    graph = chain([10, 10], [1, 1400], probe=False)  # 1400 outputs: 63 cycles each
    with pytest.raises(DoesNotFit, match=r"population 'p0' \(10 neurons\).*cycles"):
        partition(graph, MACHINE)
    # A source split over many cores sends every slice of p1 more packets a
    # tick than a core can take in.
    graph = chain([3000, 100], [24, 24], probe=False)
    with pytest.raises(DoesNotFit, match=r"population 'p1'.*receiving \d+ packets"):
        partition(graph, MACHINE)


def test_inputs_probes_and_host_functions_get_their_cores():
    graph = quantise(build(MODELS["two_dimensional"]()))[0]
    result = partition(graph, MACHINE)
    apps = {v.application for v in result.vertices}
    assert apps == {"ensemble", "value_source", "host_in", "host_out"}  # no recorder
    sources = [v for v in result.vertices if v.application == "value_source"]
    assert sorted(v.name for v in sources) == ["stim", "wave"]
    # Value probes cost the cores that decode them (a and b), nothing else.
    for name in ("a", "b"):
        (v,) = result.vertices_of[name]
        assert result.vertices[v].application == "ensemble"


def test_a_float_graph_is_refused():
    with nengo.Network() as network:
        nengo.Ensemble(10, 1)
    with pytest.raises(ValueError, match="quantise"):
        partition(build(network), MACHINE)
