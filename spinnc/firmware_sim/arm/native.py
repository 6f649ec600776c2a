"""The engine's hooks in C (``_hooks.c``), built once with the host's C
compiler into a per-user cache and loaded with ctypes; unicorn calls them
directly, so counting cycles costs no Python per block, and the hot
peripherals and the run loop are there too (``periph_t``, ``core_run``).  :func:`load`
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
                ("fault_pc", ctypes.c_uint32), ("pc_register", ctypes.c_uint32),
                ("reg_write", ctypes.c_void_p), ("emu_start", ctypes.c_void_p),
                ("regs", ctypes.c_uint32 * 4), ("exception_cycles", ctypes.c_uint32),
                ("asleep", ctypes.c_uint32), ("intr", ctypes.c_uint32),
                ("intr_pc", ctypes.c_uint32), ("check_tcm", ctypes.c_uint32)]


class PeriphState(ctypes.Structure):
    """``periph_t`` of ``_hooks.c``: a core's VIC, timer 1 and communications
    controller when they run in C."""

    _fields_ = [("core", ctypes.c_void_p), ("outbox", ctypes.c_void_p),
                ("out_n", ctypes.c_uint32), ("out_cap", ctypes.c_uint32),
                ("raw", ctypes.c_uint32), ("soft", ctypes.c_uint32),
                ("enable", ctypes.c_uint32), ("select", ctypes.c_uint32),
                ("vect_addr", ctypes.c_uint32 * 16), ("vect_cntl", ctypes.c_uint32 * 16),
                ("default_addr", ctypes.c_uint32), ("priority", ctypes.c_uint32),
                ("depth", ctypes.c_uint32), ("stack", ctypes.c_uint32 * 32),
                ("load", ctypes.c_uint32), ("bg_load", ctypes.c_uint32),
                ("control", ctypes.c_uint32), ("t_raw", ctypes.c_uint32),
                ("started", ctypes.c_uint64),
                ("tcr", ctypes.c_uint32), ("tx_data", ctypes.c_uint32),
                ("rx_full", ctypes.c_uint32), ("rx_key", ctypes.c_uint32),
                ("rx_payload", ctypes.c_uint32), ("rx_has_payload", ctypes.c_uint32),
                ("overflow", ctypes.c_uint32)]


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
            _LIBRARY = _declare(ctypes.CDLL(str(library)))
            return _LIBRARY
        except (OSError, subprocess.CalledProcessError):
            continue
    return None


def _declare(library):
    """Argument and result types of the functions the engine calls itself."""
    periph = ctypes.POINTER(PeriphState)
    for name, args, result in (("vic_irq", [periph], ctypes.c_int),
                               ("vic_fiq", [periph], ctypes.c_int),
                               ("vic_set_line", [periph, ctypes.c_int, ctypes.c_int], None),
                               ("timer_tick", [periph], None),
                               ("cc_receive", [periph, ctypes.c_uint32, ctypes.c_uint32,
                                               ctypes.c_int], ctypes.c_int),
                               ("core_run", [ctypes.c_void_p, ctypes.POINTER(HookState), periph,
                                             ctypes.c_int, ctypes.POINTER(ctypes.c_int)],
                                ctypes.c_int)):
        function = getattr(library, name)
        function.argtypes, function.restype = args, result
    return library
