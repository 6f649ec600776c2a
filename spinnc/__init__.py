"""spinnc: compile Nengo models for the SpiNNaker neuromorphic machine and run them.

The pipeline (see DESIGN.md): ``frontend`` (nengo -> Graph -> fixed point),
``mapper`` (partition, place, keys), ``router`` (multicast tables),
``firmware_sim`` (the emulated machine) and ``host`` (real boards).
"""

from . import errors, fixed, names
from .config import add_params
from .frontend import build, quantise, reference
from .simulator import Simulator

# Unlabelled objects made from here on are named in messages by where they
# were created (file:line); nengo does not record it (see spinnc.names).
names.record_sites()

__version__ = "0.1.0"

__all__ = ["Simulator", "add_params", "build", "quantise", "reference", "errors", "fixed",
           "__version__"]
