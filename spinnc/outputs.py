"""Where the command line writes: never over a user's own files.

A directory that spinnc writes a report (or an Image) into is marked as
spinnc's: a report directory holds :data:`REPORT_MARKER`, an Image directory
its ``image.json``.  Writing into an existing directory is allowed when it is
empty or carries the marker of what is about to be written; anything else is
the user's and is refused unless they pass ``--force``.  An output path that
names one of the command's input files is always refused.
"""

import os
from pathlib import Path

from .errors import SpinncError

#: The file that marks a directory as a spinnc report directory.
REPORT_MARKER = ".spinnc-report"
#: The file that marks a directory as a spinnc Image (see :mod:`spinnc.image`).
IMAGE_MARKER = "image.json"


class OutputRefused(SpinncError):
    """An output path would overwrite something spinnc did not write."""


def _same(a, b) -> bool:
    a, b = Path(a), Path(b)
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: dict[str, object], inputs: list) -> None:
    """Refuse an output that is one of the inputs, or two outputs that are one file.

    Parameters
    ----------
    outputs : dict
        Option name (``--out``, ``--json``) -> path, None where not given.
    inputs : list of path
        The files the command reads.

    Raises
    ------
    OutputRefused
        Naming the option, the path and the input it would replace.
    """
    given = {option: Path(path) for option, path in outputs.items() if path is not None}
    for option, path in given.items():
        for source in inputs:
            if path.resolve() == Path(source).resolve() or _same(path, source):
                raise OutputRefused(f"{option} {path} is the input {source}: it would be "
                                    "overwritten; write the output somewhere else")
    seen: dict[Path, str] = {}
    for option, path in given.items():
        if path.resolve() in seen:
            raise OutputRefused(f"{seen[path.resolve()]} and {option} are both {path}: "
                                "give each output its own path")
        seen[path.resolve()] = option


def check_output_file(option: str, path) -> None:
    """A file output (``--json``, ``--out OUT.bin``) must not be a directory,
    and its directory must exist (checked before the command works for it)."""
    if path is None:
        return
    if Path(path).is_dir():
        raise OutputRefused(f"{option} {path} is a directory: give a file name")
    if not Path(path).parent.is_dir():
        raise OutputRefused(f"{option} {path}: there is no directory {Path(path).parent} "
                            "to write it in")


def prepare_directory(path, marker: str = REPORT_MARKER, force: bool = False,
                      option: str = "--out") -> Path:
    """Make ``path`` ready to be written as a spinnc directory and mark it.

    Parameters
    ----------
    path : path
        The directory (created with its parents when missing).
    marker : str
        The file that marks it as spinnc's (:data:`REPORT_MARKER` or
        :data:`IMAGE_MARKER`); a report's marker is written here.
    force : bool
        Write into a non-empty directory without the marker all the same.

    Raises
    ------
    OutputRefused
        If ``path`` is a file, or a non-empty directory without ``marker``
        (and not ``force``).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputRefused(f"{option} {path} is a file, not a directory: give a directory "
                            "name (it is created if missing)")
    if not force and path.is_dir() and not (path / marker).exists() and any(path.iterdir()):
        what = "report" if marker == REPORT_MARKER else "Image"
        raise OutputRefused(f"{option} {path} is a directory of other files, not a spinnc "
                            f"{what} (no {marker}): its files would be overwritten; give a "
                            "new or empty directory, or --force")
    try:
        path.mkdir(parents=True, exist_ok=True)
        if marker == REPORT_MARKER:
            (path / marker).write_text("This directory is a spinnc report; spinnc may "
                                       "overwrite its files.\n")
    except OSError as error:
        raise OutputRefused(f"{option} {path}: cannot write there ({error.strerror})") from None
    return path
