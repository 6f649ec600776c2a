"""Real time on the emulator: ticks paced to the wall clock.

A board's timer starts a tick every ``dt``; the emulator, run with
``realtime=True`` (``spinnc run --realtime``), waits before each tick until
its deadline, ``start + k dt`` for the run's k-th tick, so the model, its
live nodes and its host I/O see the wall clock's time.  A tick that cannot
start by its deadline (the ticks before it took longer than ``dt``) starts at
once and counts as *behind*; the deadlines stay where they were, so a run
that falls behind catches up when its ticks are quick again, as a board's
queued timer events would.  Between runs (``run_steps``, ``step``) the
clock is paused: time the caller spends past the next deadline is not
lateness, so a loop of ``sim.step()`` is paced tick by tick and a pause of
the caller's shifts the deadlines after it.
"""

import time
from dataclasses import dataclass

#: A tick this late (a fraction of ``dt``) or less is on time: the
#: scheduler's wake-up jitter.
TOLERANCE = 0.25
#: The last stretch before a deadline (seconds) is waited for by polling the
#: clock: a sleep can wake a good part of a millisecond late.
SPIN = 0.0005


@dataclass
class PacingReport:
    """How a real-time run kept to the clock."""

    ticks: int = 0  # ticks paced
    behind: int = 0  # of them, ticks that started after their deadline
    max_lag: float = 0.0  # seconds the latest tick started after its deadline
    total_lag: float = 0.0  # seconds late, summed over the behind ticks

    @property
    def fraction_behind(self) -> float:
        return self.behind / self.ticks if self.ticks else 0.0

    def summary(self) -> dict:
        return {"ticks": self.ticks, "behind": self.behind,
                "fraction_behind": round(self.fraction_behind, 4),
                "max_lag_seconds": round(self.max_lag, 6),
                "mean_lag_seconds_when_behind": round(self.total_lag / self.behind, 6)
                if self.behind else 0.0}

    @classmethod
    def from_summary(cls, summary: dict) -> "PacingReport":
        """The report a :meth:`summary` was made of (the lag totals rounded)."""
        behind = summary["behind"]
        return cls(summary["ticks"], behind, summary["max_lag_seconds"],
                   summary["mean_lag_seconds_when_behind"] * behind)

    def describe(self) -> str:
        if not self.behind:
            return f"real time: {self.ticks:,} ticks, all on time"
        return (f"real time: {self.behind:,} of {self.ticks:,} ticks behind the clock "
                f"({100 * self.fraction_behind:.1f}%), at most {1000 * self.max_lag:.1f} ms late")


class Pacer:
    """Waits for each tick's deadline (see the module's docstring)."""

    def __init__(self, dt: float, clock=time.perf_counter, sleep=time.sleep):
        self.dt, self.clock, self.sleep = float(dt), clock, sleep
        self.report = PacingReport()
        self._start, self._tick, self._paused = None, 0, None

    def resume(self) -> None:
        """Before a run: start the clock (the first tick's deadline is now),
        or move the deadlines on by the time spent past the next one since
        :meth:`pause`."""
        now = self.clock()
        if self._start is None:
            self._start = now
        elif self._paused is not None:
            next_deadline = self._start + self._tick * self.dt
            self._start += max(0.0, now - max(self._paused, next_deadline))
        self._paused = None

    def pause(self) -> None:
        """After a run."""
        self._paused = self.clock()

    def wait(self) -> None:
        """Return at the next tick's deadline (at once if it has passed)."""
        if self._start is None:
            self.resume()
        deadline = self._start + self._tick * self.dt
        self._tick += 1
        self.report.ticks += 1
        now = self.clock()
        if now < deadline:
            if deadline - now > SPIN:
                self.sleep(deadline - now - SPIN)
            while self.clock() < deadline:
                self.sleep(0)  # (yields the CPU)
            return
        lag = now - deadline
        if lag > TOLERANCE * self.dt:
            self.report.behind += 1
            self.report.total_lag += lag
            self.report.max_lag = max(self.report.max_lag, lag)
