"""How an emulation is compared with nengo's float reference, in one place
(:meth:`spinnc.Simulator.compare` and ``spinnc run``'s summary)."""

import numpy as np


def rms(values) -> float:
    """The root mean square of ``values`` (0 for none)."""
    return float(np.sqrt(np.mean(np.square(values)))) if np.size(values) else 0.0


def rms_error(data, reference) -> float:
    """RMS of ``data - reference`` over the reference's samples (the first
    ``len(reference)`` of ``data``: a run may be longer than its reference)."""
    reference = np.asarray(reference)
    return rms(np.asarray(data)[:len(reference)] - reference)
