"""The engines that run an Image, by name, with one interface (``run``,
``recordings``, ``provenance``, ``t``; DESIGN.md "Engines"):

- ``python``: :class:`~spinnc.firmware_sim.Emulator`, the applications'
  Python/Cython kernels, vectorised per tick (fixed or float point);
- ``arm``: :class:`~spinnc.firmware_sim.arm.ArmEmulator`, the applications'
  ARM firmware (``spinnc/firmware``) executed instruction by instruction, as
  a board's cores run it (fixed point only).

They agree word for word on every recording; ``arm`` is the reference for
what a board computes, ``python`` what one runs for speed.  The Python engine
also goes on into the same model compiled for a longer horizon
(``Emulator.extend``); the simulator re-runs the others from the start.
"""

import numpy as np

from ..errors import ImageError, SpinncError

ENGINES = ("python", "arm")


def check_engine(engine: str, precision: str = "fixed") -> str:
    """``engine`` if it runs at ``precision``, else SpinncError saying what to use."""
    if engine not in ENGINES:
        raise SpinncError(f"engine {engine!r}: spinnc's engines are {', '.join(ENGINES)}")
    if engine == "arm" and precision != "fixed":
        raise SpinncError(f"the arm engine runs the firmware, which computes in fixed "
                          f"point: precision {precision!r} runs on the python engine")
    return engine


def ticks_to_run(image, t: int, n_steps, host) -> int:
    """The ticks an engine's ``run(n_steps, host)`` runs from tick ``t``
    (the rest of the Image's by default), checked as both engines check them.

    Raises
    ------
    ImageError
        If ``n_steps`` is not a whole number of at least 0, or the ticks
        would pass the Image's ``n_steps`` (its cores play back and record
        for that many ticks only, as a board's do).
    SpinncError
        If the Image has host functions and no ``host`` computes them.
    """
    n_steps = image.n_steps - t if n_steps is None else n_steps
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) \
            or n_steps < 0:
        raise ImageError(f"run({n_steps!r}): the number of ticks must be an integer "
                         "of at least 0")
    if t + n_steps > image.n_steps:
        raise ImageError(f"the Image was compiled for {image.n_steps} ticks; {t} have run "
                         f"and {n_steps} more were asked for: compile with n_steps of at "
                         f"least {t + n_steps}")
    if image.host_functions and host is None:
        raise SpinncError(f"the image has host functions {sorted(image.host_functions)}: "
                          "pass run(host=...)")
    return int(n_steps)


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
