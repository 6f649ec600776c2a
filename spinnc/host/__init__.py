"""Host: the SC&MP 4.0 host protocol (SDP/SCP over UDP, boot), machine
discovery, and loading an Image onto a board, running it and reading back
recordings and provenance.

- the wire format and application binaries: :mod:`spinnc.formats.scp`,
  :mod:`spinnc.formats.aplx` (shared with the virtual board).
- :mod:`.connection`: a UDP connection with retries and 8 requests in flight.
- :mod:`.controller`: :class:`BoardController`, one method per SC&MP command.
- :mod:`.boot`: :func:`boot` (UDP 54321); :mod:`.discovery`: :func:`discover`.
- :mod:`.claim`: :class:`BoardClaim`, one run at a time on a board (a tagged
  ALLOC on chip (0, 0), renewed while the run goes on).
- :mod:`.loader`: :func:`run_image`, load-run-read an Image -> :class:`BoardRun`
  (stale state of the run's app ids cleared first; a board in use refused with
  :class:`~spinnc.errors.BoardInUse`).
- :mod:`.boards`: :class:`BoardsConnection`, a machine of several boards
  loaded and read through each board's own Ethernet chip, in parallel.
- :mod:`.spalloc`: :class:`SpallocJob`, boards from a spalloc server (held,
  kept alive, booted, freed).

``run_image(image, host, port=17893, *, timeout=1.0, retries=10, window=8,
run_timeout=None) -> BoardRun(recordings, provenance, stats, machine)`` is the
entry point the runner, CLI and Simulator use for ``target="board"``.
"""

from .connection import ConnectionStats, Request, SCPConnection
from .boot import boot
from .claim import BoardClaim
from .controller import BoardController, ChipInfo, CoreStatus, IPTag, SystemVariables, Version
from .discovery import discover
from .loader import BoardRun, RunStats, run_image

__all__ = ["BoardClaim", "BoardController", "BoardRun", "ChipInfo", "ConnectionStats",
           "CoreStatus", "IPTag", "Request", "RunStats", "SCPConnection", "SystemVariables", "Version", "boot",
           "discover", "run_image"]
