"""spinnc's applications as ARM firmware: C sources (``apps/``, ``kernels/``,
``runtime/``), their build (:mod:`spinnc.firmware.build`) and the APLX
binaries shipped as package data (``bin/``), which the host loads onto a
board and the ARM engine executes.  See ``README.md`` here for the build.
"""

import re
from functools import lru_cache
from pathlib import Path

from ..errors import SpinncError
from ..formats.aplx import binary_length

BIN = Path(__file__).resolve().parent / "bin"
HEADER = Path(__file__).resolve().parent / "include" / "spinnc_regions.h"


@lru_cache(maxsize=None)
def region_version() -> int:
    """The region format version the shipped binaries read: the
    ``SPINNC_REGIONS_VERSION`` of the header they were built with (CI
    rebuilds them from it and checks they are the shipped bytes)."""
    found = re.search(r"#define SPINNC_REGIONS_VERSION (\d+)u", HEADER.read_text())
    if found is None:
        raise SpinncError(f"{HEADER} defines no SPINNC_REGIONS_VERSION: reinstall spinnc")
    return int(found.group(1))


def shipped() -> list[str]:
    """The applications that have a shipped binary."""
    return sorted(p.stem for p in BIN.glob("*.aplx"))


@lru_cache(maxsize=None)
def binary(application: str) -> bytes:
    """The shipped APLX binary of ``application``.

    Raises
    ------
    SpinncError
        Naming the application and the ones shipped, if it has none.
    """
    path = BIN / f"{application}.aplx"
    if not path.is_file():
        raise SpinncError(f"application '{application}' has no ARM binary ({path} is missing; "
                          f"the shipped ones are {', '.join(shipped()) or 'none'}): "
                          "reinstall spinnc or rebuild with python -m spinnc.firmware.build")
    return path.read_bytes()


def application_of(blob: bytes) -> str:
    """The application whose shipped binary starts ``blob`` ('' if none)."""
    try:
        found = blob[:binary_length(blob)]
    except Exception:  # any bytes at all may be staged
        return ""
    return next((name for name in shipped() if binary(name) == found), "")
