"""Machine generations: one module per architecture and a registry by name.

Adding a generation (SpiNNaker2, say) is adding a module that builds an
:class:`Architecture` and one line in :data:`ARCHITECTURES`.
"""

from ..errors import MachineError
from .spinn1 import SPINN1, Architecture

#: Every known architecture by its name (the ``arch`` field of a machine file).
ARCHITECTURES: dict[str, Architecture] = {SPINN1.name: SPINN1}
DEFAULT = SPINN1


def architecture(name: str) -> Architecture:
    """The architecture called ``name``.

    Raises
    ------
    MachineError
        If no architecture has that name.
    """
    try:
        return ARCHITECTURES[name]
    except (KeyError, TypeError):
        raise MachineError(f"unknown architecture {name!r}; spinnc knows "
                           f"{sorted(ARCHITECTURES)}") from None


__all__ = ["ARCHITECTURES", "DEFAULT", "SPINN1", "Architecture", "architecture"]
