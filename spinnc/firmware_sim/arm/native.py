"""The engine's hooks in C (``_hooks.c``), built once with the host's C
compiler into a per-user cache and loaded with ctypes; unicorn calls them
directly, so counting cycles costs no Python per block.  :func:`load`
returns None when there is no compiler (the engine then runs the same hooks
in Python, more slowly)."""

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("_hooks.c")


class HookState(ctypes.Structure):
    """``hook_state_t`` of ``_hooks.c``."""

    _fields_ = [("cycles", ctypes.c_uint64), ("instructions", ctypes.c_uint64),
                ("limit", ctypes.c_uint64), ("fall", ctypes.c_uint64),
                ("fault_address", ctypes.c_uint64), ("outside", ctypes.c_uint64),
                ("prefix", ctypes.c_void_p), ("refund", ctypes.c_void_p),
                ("emu_stop", ctypes.c_void_p), ("reg_read", ctypes.c_void_p),
                ("n_words", ctypes.c_uint32), ("last_refund", ctypes.c_uint32),
                ("penalty", ctypes.c_uint32), ("fault", ctypes.c_uint32),
                ("fault_pc", ctypes.c_uint32), ("pc_register", ctypes.c_uint32)]


def _cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "spinnc"


_LIBRARY = None
_TRIED = False


def load():
    """The compiled hooks (a ctypes CDLL), or None without a C compiler."""
    global _LIBRARY, _TRIED
    if _TRIED:
        return _LIBRARY
    _TRIED = True
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    for directory in (_cache(), Path(tempfile.gettempdir()) / f"spinnc-{os.getuid()}"):
        library = directory / f"arm_hooks_{digest}.so"
        try:
            if not library.exists():
                if compiler is None:
                    return None
                directory.mkdir(parents=True, exist_ok=True)
                partial = library.with_suffix(f".{os.getpid()}.tmp")
                subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", str(partial),
                                str(SOURCE)], check=True, capture_output=True)
                partial.replace(library)
            _LIBRARY = ctypes.CDLL(str(library))
            return _LIBRARY
        except (OSError, subprocess.CalledProcessError):
            continue
    return None
