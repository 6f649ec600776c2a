"""The engines that run an Image, by name, with one interface (``run``,
``recordings``, ``provenance``, ``t``; DESIGN.md "Engines"):

- ``python``: :class:`~spinnc.firmware_sim.Emulator`, the applications'
  Python/Cython kernels, vectorised per tick (fixed or float point);
- ``arm``: :class:`~spinnc.firmware_sim.arm.ArmEmulator`, the applications'
  ARM firmware (``spinnc/firmware``) executed instruction by instruction, as
  a board's cores run it (fixed point only).

They agree word for word on every recording; ``arm`` is the reference for
what a board computes, ``python`` what one runs for speed.
"""

from ..errors import SpinncError

ENGINES = ("python", "arm")


def check_engine(engine: str, precision: str = "fixed") -> str:
    """``engine`` if it runs at ``precision``, else SpinncError saying what to use."""
    if engine not in ENGINES:
        raise SpinncError(f"engine {engine!r}: spinnc's engines are {', '.join(ENGINES)}")
    if engine == "arm" and precision != "fixed":
        raise SpinncError(f"the arm engine runs the firmware, which computes in fixed "
                          f"point: precision {precision!r} runs on the python engine")
    return engine


def make_engine(engine: str, image, strict: bool = False, precision: str = "fixed",
                firmware=None):
    """An engine of kind ``engine`` loaded with ``image``; ``firmware`` gives
    the ARM engine its binaries (a directory, or bytes by application; the
    shipped ones by default)."""
    check_engine(engine, precision)
    if engine == "arm":
        from .arm import ArmEmulator  # unicorn is loaded only when the ARM engine is used

        return ArmEmulator(image, strict=strict, firmware=firmware)
    from .emulator import Emulator

    return Emulator(image, strict=strict, precision=precision)
