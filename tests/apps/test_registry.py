"""The application registry, and its promise: the partitioner plans each core
with the same cost function the emulator counts with."""

from pathlib import Path

import pytest

from spinnc import apps
from spinnc.compiler import compile_network
from spinnc.firmware_sim import Emulator
from spinnc.machine import Machine
from spinnc.modelfile import load_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_every_application_is_registered_once_by_name_and_code():
    codes = apps.codes()
    assert set(codes) == {"ensemble", "value_source", "recorder", "host_in", "host_out"}
    assert len(set(codes.values())) == len(codes)
    for name, code in codes.items():
        assert apps.application(name).code == code


def test_an_unknown_application_names_the_known_ones():
    with pytest.raises(KeyError, match="no application is called 'mystery'; spinnc's are "
                                       r"\['ensemble', 'host_in'"):
        apps.application("mystery")


def test_a_taken_name_or_code_is_refused():
    class Clash(apps.Application):
        name, code = "clash", apps.application("recorder").code

    with pytest.raises(ValueError, match="code 3 is already registered to recorder"):
        apps.register(Clash())
    with pytest.raises(KeyError):
        apps.application("clash")  # nothing was registered


@pytest.mark.parametrize("example", ["demo", "neuron_types", "basal_ganglia", "pipeline"])
def test_partitioner_plans_the_cycles_the_emulator_counts(example):
    """With every probe recording each tick, a core's planned cycles are its
    cycles in every tick of the emulation, to the cycle."""
    compiled = compile_network(load_model(EXAMPLES / f"{example}.py"), Machine.spinn5(),
                               n_steps=10, seed=0, placer="hilbert")
    assert all(p.sample_every == 1 for p in compiled.graph.probes.values())
    emulator = Emulator(compiled.image)
    emulator.run(10)
    cores = emulator.provenance().cores
    assert len(cores) == len(compiled.partition.vertices)
    for vertex, core in zip(compiled.partition.vertices, cores):
        assert (vertex.name, vertex.resources.cycles) == (core.name, core.max_cycles)
