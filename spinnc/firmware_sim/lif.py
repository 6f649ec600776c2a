"""The LIF update, now owned by :mod:`spinnc.neurons.lif` (re-exported here
for the callers that import it from the emulator's package)."""

from ..neurons.lif import (FloatLIF, LIFState, decay_table, float_lif_step, lif_step,
                           lif_update)

__all__ = ["FloatLIF", "LIFState", "decay_table", "float_lif_step", "lif_step", "lif_update"]
