"""Real time on the emulator (spinnc.pacing): ticks paced to the clock."""

import time

import nengo
import numpy as np
import pytest

import spinnc
from spinnc.pacing import Pacer, PacingReport


class FakeClock:
    """A clock that moves when slept on or told to, and a microsecond a read
    (the pacer polls it for the last stretch before a deadline)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        self.now += 1e-6
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_ticks_start_at_their_deadlines():
    clock = FakeClock()
    pacer = Pacer(0.001, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        pacer.wait()
        starts.append(clock.now)
        clock.now += 0.0002  # a quick tick
    assert np.allclose(np.diff(starts), 0.001, atol=1e-5)
    assert pacer.report == PacingReport(ticks=5)


def test_a_slow_tick_puts_the_next_behind_and_the_run_catches_up():
    clock = FakeClock()
    pacer = Pacer(0.001, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 0.0035  # three and a half ticks' work
    starts = []
    for _ in range(5):
        pacer.wait()
        starts.append(clock.now - 100.0)
        clock.now += 0.0001
    # ticks 1 to 3 start late, at once; tick 4 is on time again
    assert pacer.report.behind == 3
    assert pacer.report.max_lag == pytest.approx(0.0025, abs=1e-4)
    assert starts[-2:] == pytest.approx([0.004, 0.005], abs=1e-4)
    assert "3 of 6 ticks behind the clock (50.0%), at most 2.5 ms late" in pacer.report.describe()


def test_the_time_between_runs_is_not_lateness():
    clock = FakeClock()
    pacer = Pacer(0.001, clock=clock, sleep=clock.sleep)
    pacer.resume()
    pacer.wait()
    pacer.pause()
    clock.now += 5.0  # the caller's own work
    pacer.resume()
    pacer.wait()
    assert pacer.report.behind == 0
    before = clock.now
    pacer.wait()
    assert clock.now - before == pytest.approx(0.001, abs=1e-4)


def test_a_summary_describes_what_its_report_did():
    report = PacingReport(ticks=10, behind=2, max_lag=0.003, total_lag=0.004)
    assert PacingReport.from_summary(report.summary()).describe() == report.describe()


def test_a_live_node_follows_the_wall_clock():
    """The node's value changes 0.1 s of wall-clock time after the run
    starts: paced, the model sees it by simulated time 0.1 s, since the
    emulator never runs ahead of the clock."""
    start = []

    def wall_step(t):
        start.append(start[0] if start else time.perf_counter())
        return float(time.perf_counter() - start[0] > 0.1)

    with nengo.Network() as net:
        probe = nengo.Probe(nengo.Node(wall_step))
    with spinnc.Simulator(net, realtime=True, progress_bar=False) as sim:
        sim.run(0.3)
        switched = sim.data[probe][:, 0] > 0.5
        assert switched[-1] and not switched[0]
        assert sim.trange()[np.argmax(switched)] <= 0.102
        assert sim.pacing.ticks == 300
    with spinnc.Simulator(net, progress_bar=False) as sim:
        assert sim.pacing is None


def test_sim_step_loops_are_paced():
    with nengo.Network() as net:
        nengo.Probe(nengo.Node(lambda t: t))
    with spinnc.Simulator(net, realtime=True, progress_bar=False) as sim:
        start = time.perf_counter()
        for _ in range(50):
            sim.step()
        assert time.perf_counter() - start >= 0.049  # never ahead of the clock
        assert sim.pacing.ticks == 50
