"""Host: the SC&MP 4.0 host protocol (SDP/SCP over UDP, boot), machine
discovery, and loading an Image onto a board, running it and reading back
recordings and provenance.

- :mod:`.scp`: the wire format; :mod:`.aplx`: application binaries.
- :mod:`.connection`: a UDP connection with retries and 8 requests in flight.
- :mod:`.controller`: :class:`BoardController`, one method per SC&MP command.
"""

from .connection import ConnectionStats, Request, SCPConnection
from .controller import BoardController, ChipInfo, CoreStatus, IPTag, SystemVariables, Version

__all__ = ["BoardController", "ChipInfo", "ConnectionStats", "CoreStatus", "IPTag", "Request",
           "SCPConnection", "SystemVariables", "Version"]
