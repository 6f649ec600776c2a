"""Progress on the command line: stage names and times, and a bar for long runs.

The compiler and the runner take an optional ``progress`` and stay silent
without one; the command line passes a :class:`Progress` unless ``--quiet``.
"""

import sys
import time
from contextlib import contextmanager


class Progress:
    """Writes each stage's name and time as it finishes, and a progress bar
    for steps that take longer than ``delay`` seconds.

    Parameters
    ----------
    stream : file, optional
        Where to write (standard error by default).
    delay : float
        Seconds a bar waits before it first draws, so short runs stay quiet.
    """

    def __init__(self, stream=None, delay: float = 3.0):
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay

    def stage(self, name: str, seconds: float) -> None:
        """Report that stage ``name`` took ``seconds``."""
        self.stream.write(f"{name:<16} {seconds:.2f} s\n")
        self.stream.flush()

    __call__ = stage  # so a Progress is also the compiler's per-stage callback

    @contextmanager
    def timed(self, name: str):
        """Time the ``with`` block and report it as stage ``name``."""
        start = time.perf_counter()
        yield
        self.stage(name, time.perf_counter() - start)

    def bar(self, name: str, total: int) -> "Bar":
        """A bar for ``total`` steps of stage ``name``."""
        return Bar(self.stream, name, total, self.delay)


class Bar:
    """A one-line text bar, redrawn in place; draws nothing before ``delay``."""

    width = 30

    def __init__(self, stream, name: str, total: int, delay: float):
        self.stream, self.name, self.total, self.delay = stream, name, max(total, 1), delay
        self.start = time.perf_counter()
        self.drawn_at = None  # when the bar was last drawn; None: never

    def update(self, done: int) -> None:
        """Record that ``done`` of the steps are finished."""
        now = time.perf_counter()
        if now - self.start < self.delay:
            return
        if self.drawn_at is not None and now - self.drawn_at < 0.2 and done < self.total:
            return  # redraw at most five times a second
        self.drawn_at = now
        filled = self.width * done // self.total
        self.stream.write(f"\r{self.name:<16} [{'#' * filled}{'-' * (self.width - filled)}] "
                          f"{100 * done // self.total:3d}% {now - self.start:.1f} s")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line, if it was drawn."""
        if self.drawn_at is not None:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()
