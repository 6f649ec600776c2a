"""Exceptions raised by spinnc.

Every error names the object it is about and the numbers involved, and says
what the user can change.  All derive from :class:`SpinncError`, so a caller
can catch everything spinnc raises on purpose with one ``except``.
"""

from nengo.exceptions import SimulationError

from .names import describe  # an object's label, or its type, size, path and creation site


class SpinncError(Exception):
    """Base class of every error spinnc raises on purpose."""


class UnsupportedFeature(SpinncError):
    """The model uses something spinnc cannot run on SpiNNaker."""

    def __init__(self, obj, feature, hint=""):
        self.obj = obj
        self.feature = feature
        message = f"{describe(obj)}: spinnc does not support {feature}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)


class QuantisationError(SpinncError):
    """A value does not fit the fixed-point format it must be stored in."""


class DoesNotFit(SpinncError):
    """The model, or a part of it, does not fit the machine."""


class RoutingTableOverflow(SpinncError):
    """A chip's routing table is still too large after minimisation."""


class ProtocolError(SpinncError):
    """A board answered with an error, or did not answer."""


class NodeFunctionError(SpinncError, SimulationError):
    """A node's function raised, or returned None, the wrong size or
    non-finite values, at the step it did (a nengo SimulationError too)."""


class ModelFileError(SpinncError):
    """A model file is missing, broken, or defines no ``model``."""


class ImageError(SpinncError):
    """The Image's data cannot be run as it is."""


# -- host protocol (spinnc.host) ---------------------------------------------------


class ProtocolTimeout(ProtocolError):
    """A board did not answer a request, even after resending it."""


class SCPError(ProtocolError):
    """A board answered a request with a non-OK SCP return code.

    ``rc`` is the return code (a :class:`spinnc.formats.scp.ReturnCode` when known).
    """

    def __init__(self, message, rc=None):
        self.rc = rc
        super().__init__(message)


class BoardNotBooted(ProtocolError):
    """A board answers but SC&MP has not booted it (VER's p2p_addr is 0xFFFF)."""


class CoreFailed(ProtocolError):
    """An application core stopped in runtime exception or watchdog state;
    the message carries its IOBUF text."""


class MachineError(SpinncError, ValueError):
    """A machine description (a spec, a machine JSON file or what a board
    reports) is impossible: the message names the field and its value."""


class RecordingError(SpinncError):
    """What a core recorded cannot be what its Image says it records: a
    checksum that does not match, or a header that disagrees with the Image.
    The message names the core."""


class SpallocError(SpinncError):
    """A spalloc server refused a request, did not answer, or destroyed the
    job; or the job's boards did not boot: the message names the server and
    the job."""


class BoardInUse(ProtocolError):
    """The board's cores, app id or router entries belong to another
    application: the message names them and the app id."""
