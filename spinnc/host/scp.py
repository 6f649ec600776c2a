"""The SC&MP wire format now lives in :mod:`spinnc.formats.scp`; this name is
kept for the callers that still import it from here."""

from ..formats.scp import *  # noqa: F401,F403
from ..formats.scp import ROUTER_ENTRY  # noqa: F401
