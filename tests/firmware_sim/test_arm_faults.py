"""Firmware faults end their core in RTE with the reason in its IOBUF, which
the engine (and through a board, the host) shows: an undefined instruction,
a bad pointer (a load or store outside the memory map, a jump to nowhere), a
stack overflow (caught by the stack guards at the end of the tick, or, when
the stack runs out of DTCM, in the data abort).

The faults are real firmware: the value source's sources are copied into a
temporary tree, a fault is put into its tick (chosen by a preprocessor flag)
and the tree built with spinnc.firmware.build into a temporary directory."""

import shutil

import numpy as np
import pytest

pytest.importorskip("unicorn")
pytest.importorskip("capstone")

from spinnc import firmware
from spinnc.errors import CoreFailed
from spinnc.firmware import build
from spinnc.firmware_sim.arm import ArmEmulator
from tests.firmware_sim.images import KEY, core_route, source_to_recorder, table

pytestmark = pytest.mark.skipif(build.toolchain() is None,
                                reason="arm-none-eabi-gcc is not installed")

FAULT_TICK = 2
#: Put before value_source.c's tick: FAULT picks what tick FAULT_TICK does.
FAULTS_C = r"""
#ifdef FAULT
static volatile uint32_t fault_sink;
/* n frames of 32 words each, every word written. */
static uint32_t __attribute__((noinline, unused)) deep(uint32_t n) {
    volatile uint32_t frame[32];
    for (uint32_t i = 0; i < 32; i++) frame[i] = n + i;
    if (n == 0) return frame[0];
    return deep(n - 1) + frame[31];
}
static void fault(void) {
    switch (FAULT) {
    case 1: __builtin_trap(); break;  /* udf: an undefined instruction */
    case 2: fault_sink = *(volatile uint32_t *) 0xD0000000u; break;  /* nothing there */
    case 3: *(volatile uint16_t *) 0xD0000010u = 7; break;
    case 4: ((void (*)(void)) 0xD0000000u)(); break;  /* a jump to nowhere */
    case 5: fault_sink = deep(20); break;  /* 2.7 KiB: past the 1152 B SYS stack */
    case 6: fault_sink = deep(1000000); break;  /* down through all of DTCM */
    }
}
#endif
"""
UNDEFINED, BAD_READ, BAD_WRITE, BAD_JUMP, STACK_OVERFLOW, RUNAWAY_RECURSION = range(1, 7)
WHERE = "core 1 of chip (0, 0) ('source', application 'value_source')"


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """faulty(kind) -> a firmware directory whose value_source has the fault."""
    root = tmp_path_factory.mktemp("faulty")
    tree = root / "firmware"
    shutil.copytree(build.HERE, tree, ignore=shutil.ignore_patterns("bin", "__pycache__"))
    app = tree / "apps" / "value_source.c"
    text = app.read_text()
    head = "static void tick(uint32_t t) {\n"
    assert head in text
    app.write_text(text.replace(head, FAULTS_C + head + "#ifdef FAULT\n"
                                f"    if (t == {FAULT_TICK}) fault();\n#endif\n", 1))
    built = {}

    def get(kind):
        if kind not in built:
            out = root / f"bin{kind}"
            build.build(out, ["value_source"], source=tree, defines=[f"FAULT={kind}"])
            shutil.copy(build.BIN / "ensemble.aplx", out)  # the shipped ensemble (the sink)
            built[kind] = out
        return built[kind]
    return get


def image():
    return source_to_recorder(np.linspace(-1, 1, 5).reshape(5, 1),
                              {(0, 0): table((KEY, 0xFFFFFFFF, core_route(2)))}, n_steps=10)


def fails(firmware_dir) -> str:
    arm = ArmEmulator(image(), firmware=firmware_dir)
    arm.run(FAULT_TICK)  # the ticks before the fault run as ever
    with pytest.raises(CoreFailed) as failed:
        arm.run(1)
    message = str(failed.value)
    assert message.startswith(WHERE + " stopped in a runtime exception")
    return message


def test_an_undefined_instruction(faulty):
    message = fails(faulty(UNDEFINED))
    assert "(RTE 2, undefined instruction)" in message
    assert "RTE 2: undefined instruction at pc 0000" in message
    assert ": instruction e7f000f0" in message  # the udf gcc emits for __builtin_trap


def test_a_read_from_nowhere_is_a_data_abort_naming_the_address(faulty):
    message = fails(faulty(BAD_READ))
    assert "RTE 5: data abort at pc 0000" in message
    assert ": a word read at d0000000" in message
    assert "stack overflow" not in message


def test_a_write_to_nowhere_is_a_data_abort_naming_the_address(faulty):
    message = fails(faulty(BAD_WRITE))
    assert "RTE 5: data abort at pc 0000" in message
    assert ": a halfword write at d0000010" in message


def test_a_jump_to_nowhere_is_a_prefetch_abort(faulty):
    message = fails(faulty(BAD_JUMP))
    assert "(RTE 4, prefetch abort)" in message
    assert "RTE 4: prefetch abort at pc d0000000" in message
    # The interrupted code's lr: the return address into the tick, in ITCM.
    lr = int(message.split("RTE 4: ")[1].split("lr ")[1][:8], 16)
    assert 0 < lr < 0x8000


def test_a_stack_overflow_is_caught_at_the_end_of_the_tick(faulty):
    # The SYS stack runs 1.6 KiB into the DTCM heap below it; writes there
    # succeed (as on the chip), and the guard check at the end of the tick
    # finds the stack's lowest word overwritten.
    message = fails(faulty(STACK_OVERFLOW))
    assert "(RTE 13, software error)" in message
    assert (f"RTE 13: stack overflow (SYS stack): its lowest word at 0040f800 is "
            in message)
    assert f"not deaddead, at the end of tick {FAULT_TICK}" in message


def test_a_runaway_recursion_is_a_data_abort_below_dtcm_and_a_stack_overflow(faulty):
    # It overwrites all of DTCM (.bss included) before a store below 0x400000
    # aborts: the exception path still finds its vcpu block and IOBUF.
    message = fails(faulty(RUNAWAY_RECURSION))
    assert "RTE 5: data abort at pc 0000" in message
    assert ": a word write at 003fff" in message
    assert "; stack overflow (SYS stack: its lowest word at 0040f800 is " in message


def test_the_shipped_firmware_keeps_within_its_stacks():
    arm = ArmEmulator(image())
    arm.run()
    for core in arm.cores:
        words = np.frombuffer(bytes(core.uc.mem_read(0x40F800, 0x800)), "<u4")
        for bottom in (0x40F800, 0x40FC80, 0x40FD80, 0x40FE80):  # SYS, FIQ, IRQ, SVC
            assert words[(bottom - 0x40F800) // 4] == 0xDEADDEAD, (core.where, hex(bottom))


def test_the_host_shows_a_fault_on_the_virtual_board(faulty, monkeypatch):
    """Through a board: the host loads the faulty binary, the board's ARM
    engine runs it, the core fails with its IOBUF reason, the host raises it.
    (The virtual board names an application by its shipped bytes and treats
    other binaries as unknown applications, so it is told this one's name.)"""
    from spinnc.host import loader
    from spinnc.machine import Machine
    from spinnc.virtual_board import board as virtual_board
    from spinnc.virtual_board.board import serve

    bad = (faulty(BAD_READ) / "value_source.aplx").read_bytes()
    named = virtual_board.application_from_binary
    monkeypatch.setattr(virtual_board, "application_from_binary",
                        lambda blob: "value_source" if blob == bad else named(blob))

    class Faulty:
        region_version = staticmethod(firmware.region_version)

        @staticmethod
        def binary(name):
            return bad if name == "value_source" else firmware.binary(name)

    monkeypatch.setattr(loader, "firmware", Faulty)
    board = serve(Machine.spinn3(), port=0, boot_port=0, booted=True, engine="arm")
    try:
        with pytest.raises(CoreFailed) as failed:
            loader.run_image(image(), *board.address)
    finally:
        board.close()
    message = str(failed.value)
    assert "'source'" in message and "RUNTIME_EXCEPTION" in message
    assert "RTE 5: data abort at pc" in message and "a word read at d0000000" in message
