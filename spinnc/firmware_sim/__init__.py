"""firmware_sim: the emulated SpiNNaker machine.

:class:`Emulator` loads an :class:`~spinnc.image.Image` and runs it tick by
tick: routers (:mod:`.packets`), the applications' kernels (:mod:`.kernels`),
cycle accounting and provenance (:mod:`.provenance`).  The virtual board (SC&MP
4.0 over UDP in front of the emulator) is :mod:`spinnc.virtual_board`.  The kernels compute in
:mod:`spinnc.fixed` arithmetic with the LIF update of :mod:`.lif`, or, with
``Emulator(image, precision="float")``, in float64 with nengo's LIF update.
"""

from .emulator import Emulator, ImageError, TickOverrun
from .kernels import PRECISIONS
from .lif import FloatLIF, LIFState, float_lif_step, lif_step
from ..formats.provenance import CoreProvenance, LinkProvenance, Provenance, RouterProvenance

__all__ = ["Emulator", "ImageError", "TickOverrun", "PRECISIONS", "LIFState", "lif_step",
           "FloatLIF", "float_lif_step", "Provenance", "CoreProvenance", "RouterProvenance",
           "LinkProvenance"]
