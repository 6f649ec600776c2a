"""spinnc: compile Nengo models for the SpiNNaker neuromorphic machine and run them.

The pipeline (see DESIGN.md): ``frontend`` (nengo -> Graph -> fixed point),
``mapper`` (partition, place, keys), ``router`` (multicast tables),
``firmware_sim`` (the emulated machine) and ``host`` (real boards).
"""

from . import errors, fixed
from .frontend import build, quantise, reference
from .simulator import Simulator

__version__ = "0.1.0"

__all__ = ["Simulator", "build", "quantise", "reference", "errors", "fixed", "__version__"]
