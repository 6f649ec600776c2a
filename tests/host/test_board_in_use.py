"""A board holds one run at a time: what a dead client left behind is cleared
before loading, a board another client or application is using is refused
by name (BoardInUse), and a run whose board was taken over meanwhile never
returns someone else's data."""

import threading

import numpy as np
import pytest

from spinnc.errors import BoardInUse
from spinnc.firmware_sim import Emulator
from spinnc.host import BoardController
from spinnc.firmware import binary as application_binary
from spinnc.host.claim import CLAIM_APP_ID, BoardClaim
from spinnc.host.discovery import discover
from spinnc.host.loader import _Run, run_image
from spinnc.formats.scp import SDRAM_SYS, State
from spinnc.machine import Machine

from ..firmware_sim.images import KEY, core_route, source_to_recorder, table

ALL = 0xFFFFFFFF
APP = 16  # every spinnc Image's app id


def image_on(cores, values):
    """A source on core ``cores[0]`` of (0, 0) sending ``values`` to a
    recorder on core ``cores[1]``, through one entry for KEY: two such Images
    on other cores use the same key, so a stale entry shadows the new one."""
    source, recorder = cores
    tables = {(0, 0): table((KEY, ALL, core_route(recorder)))}
    return source_to_recorder(values, tables, Machine.spinn3(), source_at=(0, 0, source),
                              recorder_at=(0, 0, recorder), n_steps=20)


FIRST = image_on((1, 2), np.full((20, 1), 0.25))
SECOND = image_on((3, 4), (np.arange(20) / 32)[:, None])


def emulated(image):
    emulator = Emulator(image)
    emulator.run()
    return emulator.recordings()


def assert_same(recordings, expected):
    assert recordings.keys() == expected.keys()
    for name in expected:
        assert np.array_equal(recordings[name], expected[name]), name


def die_after(board_address, image, stage):
    """A client that loads ``image`` up to ``stage`` and dies there (no stop,
    no clean-up), as a killed process would."""
    with BoardController(*board_address, timeout=0.5) as board:
        run = _Run(board, image, discover(board))
        run._load_tables()
        if stage == "tables":
            return
        run._load_data()
        if stage == "data":
            return
        run._load_applications()
        run.run(10.0)  # cores in EXIT: it dies before reading back


@pytest.mark.parametrize("stage", ["tables", "data", "running"])
def test_what_a_dead_client_left_is_cleared_before_loading(virtual_board, stage):
    vboard = virtual_board(Machine.spinn3())
    die_after(vboard.address, FIRST, stage)
    run = run_image(SECOND, *vboard.address)
    assert_same(run.recordings, emulated(SECOND))  # not zeros from a shadowing entry
    assert run.stats.cleared == (2 if stage == "running" else 0)
    assert vboard.chip(0, 0).router["used"].sum() == 0  # and the run cleaned up after itself
    assert not vboard.chip(0, 0).heap.blocks


def test_a_dead_clients_claim_refuses_the_board_until_it_lapses(virtual_board):
    now = [1_000_000.0]
    vboard = virtual_board(Machine.spinn3(), clock=lambda: now[0])
    with BoardController(*vboard.address, timeout=0.5) as board:
        BoardClaim.acquire(board, [APP], lease=20)  # then the client dies, claim held
        run = _Run(board, FIRST, discover(board))
        run.load()
    with pytest.raises(BoardInUse, match=r"in use by another spinnc run \(client .*app ids "
                                         r"16.*lapses in 21 s.*stop signal to app id 255"):
        run_image(SECOND, *vboard.address)
    now[0] += 25  # nobody renewed it: the claim lapsed
    run = run_image(SECOND, *vboard.address)
    assert_same(run.recordings, emulated(SECOND))
    assert run.stats.cleared == 2  # the dead run's cores in WAIT


def test_another_application_on_the_board_is_refused_by_name(virtual_board):
    vboard = virtual_board(Machine.spinn3())
    with BoardController(*vboard.address, timeout=0.5) as board:
        board.write(1, 0, SDRAM_SYS, application_binary("host_out"))
        board.app_run(1, 0, 30, [5, 6], wait=True)
        with pytest.raises(BoardInUse, match=r"is in use by another application: app id 30: "
                                             r"2 cores \(core 5 of chip \(1, 0\) in WAIT, core "
                                             r"6 of chip \(1, 0\) in WAIT\); wait for it to "
                                             r"finish, or.*signal stop to app id 30"):
            run_image(SECOND, *vboard.address)
        assert board.count(30, State.WAIT) == 2  # refused: nothing of app 30 was touched
        board.stop(30)
    assert_same(run_image(SECOND, *vboard.address).recordings, emulated(SECOND))


def held_after(monkeypatch, method, name):
    """Make ``_Run.method`` of the thread called ``name`` wait, after the
    steps before it, until the returned ``release`` is set; ``reached`` is set
    when it gets there."""
    reached, release = threading.Event(), threading.Event()
    real = getattr(_Run, method)

    def held(self, *args, **kwargs):
        if threading.current_thread().name == name:
            reached.set()
            assert release.wait(30)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_Run, method, held)
    return reached, release


def run_in_thread(name, image, address, **options):
    outcome = {}

    def target():
        try:
            outcome["run"] = run_image(image, *address, **options)
        except Exception as error:  # the test looks at what it was
            outcome["error"] = error

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread, outcome


def test_a_second_client_is_refused_while_the_first_runs(virtual_board, monkeypatch):
    vboard = virtual_board(Machine.spinn3())
    reached, release = held_after(monkeypatch, "run", "first")
    first, outcome = run_in_thread("first", FIRST, vboard.address)
    assert reached.wait(30)  # the first client has loaded and is about to run
    with pytest.raises(BoardInUse, match="in use by another spinnc run"):
        run_image(SECOND, *vboard.address)
    release.set()
    first.join(30)
    assert "error" not in outcome, outcome.get("error")
    assert_same(outcome["run"].recordings, emulated(FIRST))


def test_a_board_stopped_under_a_run_is_an_error_not_data(virtual_board, monkeypatch):
    """A tool that ignores claims stops the run's app id while it waits for
    its cores: the run says so at once (not after a 10 s timeout)."""
    vboard = virtual_board(Machine.spinn3())
    reached, release = held_after(monkeypatch, "run", "victim")
    victim, outcome = run_in_thread("victim", FIRST, vboard.address)
    assert reached.wait(30)
    with BoardController(*vboard.address) as rogue:
        rogue.stop(APP)
    release.set()
    victim.join(30)
    assert isinstance(outcome.get("error"), BoardInUse), outcome
    assert "core 1 of chip (0, 0) ('source') is no longer this run's (it is in IDLE" in \
        str(outcome["error"])


def test_a_board_reloaded_before_the_read_back_is_an_error_not_data(virtual_board,
                                                                      monkeypatch):
    """Between the run and its read-back a tool that ignores claims stops the
    app id and runs other data on the same cores: the run does not return it."""
    vboard = virtual_board(Machine.spinn3())
    reached, release = held_after(monkeypatch, "read", "victim")
    victim, outcome = run_in_thread("victim", FIRST, vboard.address)
    assert reached.wait(30)
    other = image_on((1, 2), np.full((20, 1), -0.5))  # same cores, other values
    with BoardController(*vboard.address) as rogue:
        rogue.stop(APP)
        run = _Run(rogue, other, discover(rogue))
        run.load()
        run.run(10.0)
    release.set()
    victim.join(30)
    assert isinstance(outcome.get("error"), BoardInUse), outcome
    assert "loaded by another client" in str(outcome["error"])


def test_two_clients_at_once_never_mix(virtual_board):
    """Two clients start together, three times: each either gets its own
    model's samples bit for bit or is refused; at least one runs each time."""
    vboard = virtual_board(Machine.spinn3())
    expected = {"a": emulated(FIRST), "b": emulated(SECOND)}
    for _ in range(3):
        threads = {name: run_in_thread(name, image, vboard.address)
                   for name, image in (("a", FIRST), ("b", SECOND))}
        ran = 0
        for name, (thread, outcome) in threads.items():
            thread.join(60)
            assert not thread.is_alive()
            if "run" in outcome:
                assert_same(outcome["run"].recordings, expected[name])
                ran += 1
            else:
                assert isinstance(outcome["error"], BoardInUse), outcome["error"]
        assert ran >= 1
    assert all(b.app_id != CLAIM_APP_ID for b in vboard.chip(0, 0).heap.blocks.values())


def test_a_run_renews_its_claim_and_frees_it(virtual_board, monkeypatch):
    now = [2_000_000.0]
    vboard = virtual_board(Machine.spinn3(), clock=lambda: now[0])
    reached, release = held_after(monkeypatch, "run", "long")
    long_run, outcome = run_in_thread("long", FIRST, vboard.address, lease=3)
    assert reached.wait(30)
    claim = vboard.chip(0, 0).heap.tagged(CLAIM_APP_ID, 255)
    assert claim is not None
    with BoardController(*vboard.address) as other:
        for _ in range(3):  # time passes, but the run renews its claim
            renewed = vboard.chip(0, 0).sdram.read(claim.start + 12, 4)
            now[0] += 2
            for _ in range(100):
                if vboard.chip(0, 0).sdram.read(claim.start + 12, 4) != renewed:
                    break
                threading.Event().wait(0.05)
            with pytest.raises(BoardInUse, match="in use by another spinnc run"):
                BoardClaim.acquire(other, [APP])
    release.set()
    long_run.join(30)
    assert "run" in outcome, outcome.get("error")
    assert vboard.chip(0, 0).heap.tagged(CLAIM_APP_ID, 255) is None
