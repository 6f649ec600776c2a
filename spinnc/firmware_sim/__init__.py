"""firmware_sim: the emulated SpiNNaker machine.

Its kernels use only :mod:`spinnc.fixed` arithmetic.  So far: the LIF neuron
update (:mod:`spinnc.firmware_sim.lif`); the machine, routers and the other
kernels come with the emulator issue.
"""

from .lif import LIFState, lif_step

__all__ = ["LIFState", "lif_step"]
