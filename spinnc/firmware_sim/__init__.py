"""firmware_sim: the emulated SpiNNaker machine.

:class:`Emulator` loads an :class:`~spinnc.image.Image` and runs it tick by
tick: routers (:mod:`.packets`), the applications' kernels (:mod:`.kernels`,
using only :mod:`spinnc.fixed` arithmetic, with the LIF update of
:mod:`.lif`), cycle accounting and provenance (:mod:`.provenance`).
"""

from .emulator import Emulator, ImageError, TickOverrun
from .lif import LIFState, lif_step
from .provenance import CoreProvenance, LinkProvenance, Provenance, RouterProvenance

__all__ = ["Emulator", "ImageError", "TickOverrun", "LIFState", "lif_step", "Provenance",
           "CoreProvenance", "RouterProvenance", "LinkProvenance"]
