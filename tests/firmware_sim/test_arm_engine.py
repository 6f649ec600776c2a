"""The ARM engine (the firmware itself, in unicorn) against the Python
engine, word for word, on models without ensembles; and a firmware fault."""

import dataclasses

import nengo
import numpy as np
import pytest

pytest.importorskip("unicorn")
pytest.importorskip("capstone")

from spinnc.compiler import compile_network
from spinnc.errors import CoreFailed, ImageError, SpinncError
from spinnc.firmware_sim import Emulator, TickOverrun
from spinnc.firmware_sim.arm import ArmEmulator, native
from spinnc.firmware_sim.arm.engine import FIRMWARE
from spinnc.image import Image
from spinnc.machine import Machine
from spinnc.regions import VERSION, Region
from tests.firmware_sim.images import KEY, core_route, source_to_recorder, table

pytestmark = pytest.mark.skipif(not (FIRMWARE / "ensemble.aplx").exists(),
                                reason="the ARM binaries are not built")
STEPS = 120


def both(image, steps=None):
    arm = ArmEmulator(image)
    arm.run(steps)
    py = Emulator(image)
    py.run(steps)
    return arm, py


def assert_same_recordings(arm, py):
    a, p = arm.recordings(), py.recordings()
    assert a.keys() == p.keys()
    for name in p:
        assert a[name].shape == p[name].shape, name
        # Bit-exact: the same s16.15 words, so the same reals.
        np.testing.assert_array_equal(a[name], p[name], err_msg=name)


def assert_same_counts(arm, py):
    a, p = arm.provenance(), py.provenance()
    assert a.ticks == p.ticks
    assert [(c.x, c.y, c.core, c.packets_sent, c.packets_received) for c in a.cores] == \
        [(c.x, c.y, c.core, c.packets_sent, c.packets_received) for c in p.cores]
    assert a.routers == p.routers
    assert a.links == p.links
    assert all(0 < c.max_cycles < a.cycles_per_tick and c.overruns == 0 for c in a.cores)


def nodes_model():
    """Nodes into an ensemble whose decoded value and input currents its
    core records in every way (a node's own probe is the host's)."""
    with nengo.Network(seed=3) as model:
        const = nengo.Node([0.5, -0.25], label="const")
        wave = nengo.Node(lambda t: [np.sin(10 * t), 0.8 * np.cos(7 * t)], label="wave")
        a = nengo.Ensemble(60, 2, label="a")
        nengo.Connection(const, a)
        nengo.Connection(wave, a, synapse=0.01)
        nengo.Probe(const, synapse=None, label="const raw")
        nengo.Probe(a, synapse=None, label="a raw")
        nengo.Probe(a, synapse=0.005, label="a filtered")
        nengo.Probe(a, synapse=0.02, sample_every=0.005, label="a every 5")
        nengo.Probe(a[1], synapse=None, sample_every=0.003, label="a every 3")
        nengo.Probe(a.neurons, "input", sample_every=0.002, label="a input")
    return model


@pytest.fixture(scope="module")
def nodes():
    image = compile_network(nodes_model(), Machine.spinn3(), n_steps=STEPS, seed=0).image
    return image, *both(image)


def test_nodes_are_bit_exact(nodes):
    image, arm, py = nodes
    assert {c.application for c in image.cores} == {"value_source", "ensemble"}
    assert any(len(p.cores) and p.sample_every > 1 for p in image.probes.values())
    assert_same_recordings(arm, py)


def test_probes_are_recorded_on_the_ensembles_core(nodes):
    image, _, _ = nodes
    (core,) = [c for c in image.cores if c.application == "ensemble"]
    for name, p in image.probes.items():
        assert [c[:3] for c in p.cores] == ([] if name == "const raw"
                                            else [(core.x, core.y, core.core)]), name


def test_counts_match(nodes):
    _, arm, py = nodes
    assert_same_counts(arm, py)
    assert arm.t == py.t == STEPS
    assert arm.instructions > 0


def test_the_firmware_records_what_the_python_kernels_compute():
    # The decoded constant settles on the constant.
    with nengo.Network(seed=1) as model:
        stim = nengo.Node(0.75, label="stim")
        ens = nengo.Ensemble(80, 1, label="ens")
        nengo.Connection(stim, ens)
        nengo.Probe(ens, synapse=0.005, label="p")
    image = compile_network(model, Machine.spinn3(), n_steps=200, seed=0).image
    arm, py = both(image)
    assert_same_recordings(arm, py)
    assert abs(arm.recordings()["p"][100:, 0].mean() - 0.75) < 0.05


def test_partial_runs_read_back_as_far_as_they_ran(nodes):
    image, _, py = nodes
    arm = ArmEmulator(image)
    arm.run(50)
    first = arm.recordings()  # the cores pause and write their headers
    np.testing.assert_array_equal(first["a raw"], py.recordings()["a raw"][:50])
    arm.run(STEPS - 50)
    assert_same_recordings(arm, py)


def test_packets_cross_chips():
    # A source on chip (0, 0) and its recorder on chip (1, 1): over link 1 (NE).
    values = np.linspace(-2, 2, 21).reshape(7, 3)
    tables = {(0, 0): table((KEY, 0xFFFFFFFC, 1 << 1)),
              (1, 1): table((KEY, 0xFFFFFFFC, core_route(3)))}
    image = source_to_recorder(values, tables, source_at=(0, 0, 2), recorder_at=(1, 1, 3),
                               sample_every=2, n_steps=30)
    arm, py = both(image)
    assert_same_recordings(arm, py)
    assert_same_counts(arm, py)
    assert arm.provenance().links[0].packets == 30 * 3


def test_wrong_region_version_is_a_runtime_exception(monkeypatch):
    image = source_to_recorder([[0.5]], {(0, 0): table((KEY, 0xFFFFFFFF, core_route(2)))})
    bad = image.cores[1]
    data = bytearray(bad.data)
    data[4:8] = (99).to_bytes(4, "little")  # the region table's format version
    bad.data = bytes(data)
    with pytest.raises(ImageError):
        ArmEmulator(image)  # the Image's own check refuses it first
    monkeypatch.setattr(Image, "check", lambda self: None)  # as a board would take it
    with pytest.raises(CoreFailed) as failed:
        ArmEmulator(image)
    message = str(failed.value)
    assert "core 2 of chip (0, 0)" in message and "RTE 20" in message
    assert "version 99" in message and f"version {VERSION}" in message


def test_an_application_without_a_binary_is_refused(nodes, tmp_path):
    image, _, _ = nodes
    with pytest.raises(ImageError, match="runs '(value_source|ensemble)', which has no ARM "
                                         "firmware"):
        ArmEmulator(image, firmware=tmp_path)


def ensembles_model():
    with nengo.Network(seed=2) as model:
        stim = nengo.Node(lambda t: np.sin(8 * t), label="stim")
        a = nengo.Ensemble(40, 1, label="a")
        b = nengo.Ensemble(30, 2, neuron_type=nengo.AdaptiveLIF(), label="b")
        c = nengo.Ensemble(20, 1, neuron_type=nengo.Izhikevich(), label="c")
        d = nengo.Ensemble(25, 1, neuron_type=nengo.SpikingRectifiedLinear(), label="d")
        nengo.Connection(stim, a)
        nengo.Connection(a, b[0], synapse=0.01)
        nengo.Connection(a, b[1], function=lambda x: x ** 2, synapse=0.005)
        nengo.Connection(b[0], c)
        nengo.Connection(c, d, synapse=0.01)
        inhibit = nengo.Node(1.0, label="inhibit")
        nengo.Connection(inhibit, a.neurons[:5], transform=-3 * np.ones((5, 1)))
        nengo.Probe(a, synapse=0.01, label="a")
        nengo.Probe(b, synapse=0.01, label="b")
        nengo.Probe(d, synapse=0.01, label="d")
        nengo.Probe(a.neurons, label="a spikes")
        nengo.Probe(b.neurons, "voltage", sample_every=0.002, label="b voltage")
        nengo.Probe(b.neurons, "adaptation", label="b adaptation")
        nengo.Probe(c.neurons, "recovery", label="c recovery")
        nengo.Probe(d.neurons, "voltage", label="d voltage")
    return model


def test_ensembles_are_bit_exact():
    # LIF, AdaptiveLIF, Izhikevich and SpikingRectifiedLinear members, neuron
    # inputs, several members and filters: the C kernels on the ARM.
    image = compile_network(ensembles_model(), Machine.spinn3(), n_steps=100, seed=0).image
    assert "ensemble" in {c.application for c in image.cores}
    arm, py = both(image)
    assert_same_recordings(arm, py)
    assert_same_counts(arm, py)
    assert arm.recordings()["a spikes"].any()


def test_runs_no_further_than_compiled(nodes):
    image, _, _ = nodes
    arm = ArmEmulator(image)
    with pytest.raises(ImageError, match="compiled for"):
        arm.run(STEPS + 1)


def host_model():
    with nengo.Network(seed=1) as model:
        wave = nengo.Node(lambda t: [np.sin(10 * t), np.cos(7 * t)], label="wave")
        mix = nengo.Node(lambda t, x: [x[0] * x[1], x[0] - x[1], 3 * x[0]], size_in=2,
                         label="mix")
        nengo.Connection(wave, mix, synapse=0.005)
        ens = nengo.Ensemble(40, 3, radius=3, label="ens")
        nengo.Connection(mix, ens)  # the answer crosses the machine (host_in)
        nengo.Probe(mix, label="mix raw")
        nengo.Probe(ens, synapse=0.01, sample_every=0.002, label="ens filtered")
    return model


def test_host_nodes_are_bit_exact():
    image = compile_network(host_model(), Machine.spinn3(), n_steps=80, seed=0).image
    assert {"host_in", "host_out"} <= {c.application for c in image.cores}
    calls = {"arm": [], "python": []}

    def host_for(engine):
        def host(name, t, x):
            calls[engine].append((name, t, np.array(x)))
            return [x[0] * x[1], x[0] - x[1], 3 * x[0]]
        return host

    arm = ArmEmulator(image)
    with pytest.raises(SpinncError, match="host"):
        arm.run(1)
    arm.run(host=host_for("arm"))
    py = Emulator(image)
    py.run(host=host_for("python"))
    assert len(calls["arm"]) == len(calls["python"]) == 80
    for (name, t, x), (name2, t2, x2) in zip(calls["arm"], calls["python"]):
        assert (name, t) == (name2, t2)
        np.testing.assert_array_equal(x, x2)  # the host_out core's words, as reals
    assert_same_recordings(arm, py)
    assert_same_counts(arm, py)
    with pytest.raises(SpinncError, match="'mix' returned 2 values"):
        ArmEmulator(image).run(1, host=lambda name, t, x: [1.0, 2.0])


def test_an_unaligned_access_is_a_data_abort(monkeypatch):
    # The PLAYBACK region moved one byte in the value source's region table:
    # its header words are then unaligned, which the ARM968 aborts on.
    image = source_to_recorder([[0.5]], {(0, 0): table((KEY, 0xFFFFFFFF, core_route(2)))})
    source = image.cores[0]
    data = bytearray(source.data)
    count = int.from_bytes(data[8:12], "little")
    for i in range(count):
        entry = 12 + 12 * i
        if int.from_bytes(data[entry:entry + 4], "little") == Region.PLAYBACK:
            offset = int.from_bytes(data[entry + 4:entry + 8], "little")
            data[entry + 4:entry + 8] = (offset + 1).to_bytes(4, "little")
    source.data = bytes(data)
    monkeypatch.setattr(Image, "check", lambda self: None)
    with pytest.raises(CoreFailed) as failed:
        ArmEmulator(image)
    message = str(failed.value)
    assert "core 1 of chip (0, 0) ('source'" in message
    assert "RTE 5" in message and "data abort at pc" in message
    assert "unaligned access at" in message  # what the engine saw


def test_python_hooks_count_as_the_c_hooks(monkeypatch):
    # Without a C compiler the engine counts in Python: the same cycles.
    values = np.linspace(-1, 1, 10).reshape(5, 2)
    image = source_to_recorder(values, {(0, 0): table((KEY, 0xFFFFFFFE, core_route(2)))},
                               sample_every=3, n_steps=20)
    fast = ArmEmulator(image)
    fast.run()
    monkeypatch.setattr(native, "load", lambda: None)
    slow = ArmEmulator(image)
    assert not slow.cores[0].native
    slow.run()
    assert_same_recordings(slow, fast)
    assert (slow.cycles, slow.instructions) == (fast.cycles, fast.instructions)
    assert slow.provenance() == fast.provenance()


def test_a_chain_of_ensembles_on_several_cores_is_bit_exact():
    with nengo.Network(seed=4) as model:
        stim = nengo.Node(lambda t: [np.sin(5 * t), np.cos(3 * t)], label="stim")
        previous, chain = stim, []
        for i in range(5):
            ensemble = nengo.Ensemble(700 if i == 2 else 150, 2, label=f"e{i}")
            nengo.Connection(previous, ensemble, synapse=0.005)
            previous = ensemble
            chain.append(ensemble)
        nengo.Probe(previous, synapse=0.01, label="out")
        nengo.Probe(chain[2].neurons, sample_every=0.004, label="mid spikes")
    image = compile_network(model, Machine.spinn5(), n_steps=40, seed=0, placer="hilbert").image
    assert sum(c.application == "ensemble" for c in image.cores) >= 3
    arm = ArmEmulator(image, check_alignment=False)
    arm.run()
    py = Emulator(image)
    py.run()
    assert_same_recordings(arm, py)
    a, p = arm.provenance(), py.provenance()
    assert [c.packets_sent for c in a.cores] == [c.packets_sent for c in p.cores]
    assert [c.packets_received for c in a.cores] == [c.packets_received for c in p.cores]
    for core in a.cores:  # the firmware's own overrun count agrees with its cycles
        assert (core.overruns > 0) == (core.max_cycles > a.cycles_per_tick)
    if any(core.overruns for core in a.cores):  # strict mode stops at the first overrun
        with pytest.raises(TickOverrun, match=r"core \d+ of chip \(0, 0\).* cycles in tick 0"):
            ArmEmulator(image, strict=True, check_alignment=False).run(2)


def test_instruction_timings():
    from spinnc.firmware_sim.arm.timing import instruction_costs
    code = [0xE5910000,  # ldr r0, [r1]: 1, +1 as the next instruction uses r0
            0xE2802001,  # add r2, r0, #1: 1
            0xEAFFFFFE,  # b: 3
            0xE0030594,  # mul r3, r4, r5: 2
            0x1AFFFFFE,  # bne: 3, 2 back when it falls through
            0xE1A00211,  # mov r0, r1, lsl r2: 1 + 1 for the register shift
            0xE5D10000,  # ldrb r0, [r1]: 1, +2 as the next uses r0
            0xE2802001]  # add r2, r0, #1
    prefix, refund = instruction_costs(b"".join(w.to_bytes(4, "little") for w in code), 10)
    assert np.diff(prefix).tolist() == [2, 1, 3, 2, 3, 2, 3, 1, 1, 1]
    assert refund.tolist() == [0, 0, 0, 0, 2, 0, 0, 0, 0, 0]


def test_a_wide_host_answer_takes_several_messages():
    # 70 outputs: two SDP messages of up to 64 words each per tick.
    with nengo.Network(seed=1) as model:
        wave = nengo.Node(lambda t: np.sin(10 * t), label="wave")
        wide = nengo.Node(lambda t, x: x[0] * np.linspace(-1, 1, 70), size_in=1, label="wide")
        nengo.Connection(wave, wide, synapse=None)
        ens = nengo.Ensemble(40, 1, label="ens")
        nengo.Connection(wide, ens, transform=np.ones((1, 70)) / 70 + np.linspace(0, 0.02, 70))
        nengo.Probe(ens, label="wide")
    machine = Machine.spinn3()
    image = compile_network(model, machine, n_steps=20, seed=0).image
    assert image.host_functions["wide"]["size_out"] == 70

    def host(name, t, x):
        return x[0] * np.linspace(-1, 1, 70)

    arm, py = ArmEmulator(image), Emulator(image)
    arm.run(host=host)
    py.run(host=host)
    assert_same_recordings(arm, py)
    assert np.abs(arm.recordings()["wide"]).max() > 0.1


def test_a_late_host_is_resent_the_same_way_by_both_engines():
    """A host that misses ticks (None: its answer did not come in time, as on
    a board that does not wait) leaves the host_in core resending its last
    answer, once per tick, in both engines alike."""
    image = compile_network(host_model(), Machine.spinn3(), n_steps=60, seed=0).image
    late = {3, 4, 10, 11, 12, 30, 45, 46}

    def host(name, t, x):
        step = round(t / image.dt) - 1
        if step in late or step == 0:  # none yet in the first tick, too
            return None
        return [x[0] * x[1], x[0] - x[1], 3 * x[0]]

    arm, py = ArmEmulator(image), Emulator(image)
    arm.run(host=host)
    py.run(host=host)
    assert_same_recordings(arm, py)
    assert_same_counts(arm, py)
    # Silent: the first tick (no answer yet) and the first tick of each late
    # run (3, 10, 30, 45); each later tick of a run resends, as does the tick
    # after it (whose answer came after the resend).
    host_in = next(c for c in py.provenance().cores if c.application == "host_in")
    assert host_in.packets_sent == (60 - 5) * 3
    on_time = Emulator(image)
    on_time.run(host=lambda name, t, x: [x[0] * x[1], x[0] - x[1], 3 * x[0]])
    assert not np.array_equal(py.recordings()["ens filtered"],
                              on_time.recordings()["ens filtered"])


def test_a_wide_host_input_takes_several_messages():
    # 70 inputs: host_out sends two SDP messages of up to 64 words a tick.
    with nengo.Network(seed=1) as model:
        wave = nengo.Node(lambda t: np.sin(10 * t) * np.linspace(-1, 1, 70), label="wave")
        total = nengo.Node(lambda t, x: [x.sum() / 70, x[69]], size_in=70, label="total")
        nengo.Connection(wave, total, synapse=0.005)
        ens = nengo.Ensemble(40, 2, label="ens")
        nengo.Connection(total, ens)
        nengo.Probe(ens, label="ens")
    image = compile_network(model, Machine.spinn3(), n_steps=20, seed=0).image
    assert image.host_functions["total"]["size_in"] == 70
    seen = {"arm": [], "python": []}

    def host_for(engine):
        def host(name, t, x):
            seen[engine].append(np.array(x))
            return [x.sum() / 70, x[69]]
        return host

    arm, py = ArmEmulator(image), Emulator(image)
    arm.run(host=host_for("arm"))
    py.run(host=host_for("python"))
    np.testing.assert_array_equal(seen["arm"], seen["python"])
    assert np.abs(seen["arm"][-1]).max() > 0.1
    assert_same_recordings(arm, py)
