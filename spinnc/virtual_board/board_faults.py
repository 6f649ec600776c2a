"""Faults the virtual board can inject into its datagrams: loss,
duplication, delay and reordering, as fractions drawn from a seed.

The server hands every datagram it receives or sends to
:meth:`FaultInjector.through` as an *action* (a callable that handles or
sends it); the injector performs it, drops it, performs it twice, or holds it
on a timer.  Timers run on the server's thread (:meth:`Timers.run_due`), so
no datagram is ever handled concurrently with another.
"""

import heapq
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Faults:
    """Fractions of datagrams to drop, duplicate, delay and reorder.

    A duplicated datagram is handled (or sent) twice; a delayed one is held
    for up to ``max_delay`` seconds; a reordered one is held until the next
    datagram in the same direction has passed (at most ``max_delay``).
    """

    loss: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    reorder: float = 0.0
    seed: int | None = None
    max_delay: float = 0.05
    requests: bool = True  # apply to incoming requests
    replies: bool = True  # and to outgoing replies

    def __post_init__(self):
        for name in ("loss", "duplicate", "delay", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:  # NaN fails this too
                raise ValueError(f"fault fraction {name}={value} must be between 0 and 1")
        if not self.max_delay >= 0.0:
            raise ValueError(f"max_delay={self.max_delay} must be at least 0 seconds")

    @property
    def any(self) -> bool:
        return bool(self.loss or self.duplicate or self.delay or self.reorder)


class Timers:
    """Actions due at a time, run by the server loop."""

    def __init__(self):
        self._heap: list = []
        self._n = 0  # ties keep their order

    def __len__(self) -> int:
        return len(self._heap)

    def later(self, seconds: float, action) -> None:
        self._n += 1
        heapq.heappush(self._heap, (time.monotonic() + seconds, self._n, action))

    def wait(self, longest: float) -> float:
        """Seconds until the next action is due, at most ``longest``."""
        if not self._heap:
            return longest
        return max(0.0, min(longest, self._heap[0][0] - time.monotonic()))

    def run_due(self) -> None:
        while self._heap and self._heap[0][0] <= time.monotonic():
            heapq.heappop(self._heap)[2]()


class FaultInjector:
    """Applies :class:`Faults` to actions, counting into ``counts`` (an object
    with ``dropped``, ``duplicated``, ``delayed`` and ``reordered``)."""

    def __init__(self, faults: Faults, timers: Timers, counts):
        self.faults, self.timers, self.counts = faults, timers, counts
        self._rng = np.random.default_rng(faults.seed)
        self._held: dict = {}  # direction -> the action held back to be reordered

    def through(self, direction: str, action) -> None:
        """Perform ``action`` (``direction`` "requests" or "replies") subject to the faults."""
        faults = self.faults
        if not faults.any or not getattr(faults, direction):
            return action()
        lose, duplicate, delay, reorder = self._rng.random(4)
        if lose < faults.loss:
            self.counts.dropped += 1
            return None
        repeats = 2 if duplicate < faults.duplicate else 1
        self.counts.duplicated += repeats - 1
        for _ in range(repeats):
            if delay < faults.delay:
                self.counts.delayed += 1
                self.timers.later(self._rng.uniform(0, faults.max_delay), action)
            elif reorder < faults.reorder and direction not in self._held:
                self.counts.reordered += 1
                self._held[direction] = action
                self.timers.later(faults.max_delay, lambda: self._release(direction, action))
            else:
                action()
                self._release(direction)
        return None

    def _release(self, direction: str, only=None) -> None:
        """Let the datagram held back go (``only``: if it is still that one)."""
        held = self._held.get(direction)
        if held is not None and (only is None or held is only):
            del self._held[direction]
            held()
