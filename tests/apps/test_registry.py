"""The application registry, and its promise: the partitioner plans each core
with the same cost function the emulator counts with."""

from pathlib import Path

import pytest

from spinnc import apps, costs
from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine
from spinnc.modelfile import load_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_every_application_is_registered_once_by_name_and_code():
    codes = apps.codes()
    assert set(codes) == {"ensemble", "value_source", "host_in", "host_out", "interposer"}
    assert 3 not in codes.values()  # the recorder's, retired: codes are never reused
    assert len(set(codes.values())) == len(codes)
    for name, code in codes.items():
        assert apps.application(name).code == code


def test_an_unknown_application_names_the_known_ones():
    with pytest.raises(KeyError, match="no application is called 'mystery'; spinnc's are "
                                       r"\['ensemble', 'host_in'"):
        apps.application("mystery")


def test_a_taken_name_or_code_is_refused():
    class Clash(apps.Application):
        name, code = "clash", apps.application("value_source").code

    with pytest.raises(ValueError, match="code 2 is already registered to value_source"):
        apps.register(Clash())
    with pytest.raises(KeyError):
        apps.application("clash")  # nothing was registered


@pytest.mark.parametrize("example", ["demo", "neuron_types", "basal_ganglia",
                                     "pipeline"])
def test_partitioner_plans_the_cycles_the_emulator_counts(example):
    """With every probe recording each tick, a core's planned cycles are its
    application's cost function on the core's data in the Image (the
    emulator's load) at the planning bound of the spikes, to the cycle; the
    emulator counts each tick's own spikes.  The bound is a plan, not a
    per-tick maximum: basal_ganglia's start synchronises 0.52 of a core's
    LIF neurons in tick 3 against the 0.25 planned, 1.2x the planned cycles,
    which the 40% budget absorbs (the tick is 2.5x the plan)."""
    compiled = compile_network(load_model(EXAMPLES / f"{example}.py"), Machine.spinn5(),
                               n_steps=10, seed=0, placer="hilbert")
    assert all(p.sample_every == 1 for p in compiled.graph.probes.values())
    emulator = Emulator(compiled.image)
    emulator.run(10)
    cores = emulator.provenance().cores
    assert len(cores) == len(compiled.partition.vertices)
    for vertex, core, c in zip(compiled.partition.vertices, cores, emulator.cores):
        load = c.app.load(c.regions, compiled.image.host_functions.get(c.name))
        load.sent_dims, load.received_packets = int(c.slots.size), c.received
        counted = int(c.app.cycles(load)) + costs.RECORD_CYCLES_PER_WORD * sum(
            r.words for r in c.recordings)
        assert (vertex.name, vertex.resources.cycles) == (core.name, counted)
        assert core.max_cycles <= min(1.5 * counted, compiled.image.machine.cycles_per_tick)
        if c.application != "ensemble":
            assert core.max_cycles == counted
