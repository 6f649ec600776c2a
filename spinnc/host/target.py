"""A board behind the emulator's interface, so that ``spinnc.Simulator`` runs
on a board (or a virtual board) with the code that drives the emulator.

A board runs an Image's whole horizon, from load to exit, in one go.  So
``run(n)`` here only advances the tick count; the first time results are
asked for, the Image is loaded, run and read back (once per Image), and each
probe is cut to the ticks run so far: what the emulator would hold after the
same ticks, as the Image is deterministic.

An Image with host functions is different: they answer live while the
cores run (:mod:`.live`), so it runs when ``run`` is called, all its ticks
in that one call.
"""

import numpy as np

from ..apps.ensemble import learned_words
from ..errors import SpallocError, SpinncError
from ..regions import Region, read_regions
from ..image import Image
from ..formats import scp
from .loader import BoardRun, check_host_functions, run_image
from .spalloc import SpallocJob


class BoardEmulator:
    """An Image on the board at ``host:port``, used as an ``Emulator`` is.

    Parameters
    ----------
    image : Image
        The compiled model.
    host : str
        The board's host name or IP address.
    port : int
        Its SCP port.
    job : SpallocJob, optional
        The spalloc job that holds the board: if the run fails, the job is
        checked (a job the server destroyed is the error to report) and freed.
    **options
        Passed to :func:`~spinnc.host.run_image` (timeout, retries, window).
    """

    def __init__(self, image: Image, host: str, port: int = scp.SCP_PORT,
                 job: SpallocJob | None = None, **options):
        self.image, self.host, self.port, self.options = image, host, port, options
        self.job = job
        if job is not None:  # each of the job's boards through its own Ethernet chip
            self.options.setdefault("hosts", job.machine.hosts)
        self.t = 0
        self._run: BoardRun | None = None
        self._error: SpinncError | None = None  # why the one run failed

    def run(self, n_steps: int | None = None, host=None) -> None:
        """Count ``n_steps`` more ticks (the Image's horizon by default); with
        host functions, run the Image's ticks on the board now, ``host``
        answering them live."""
        n_steps = self.image.n_steps - self.t if n_steps is None else int(n_steps)
        if self.t + n_steps > self.image.n_steps:
            raise SpinncError(f"the Image records {self.image.n_steps} ticks; {self.t} have "
                              f"run and {n_steps} more were asked for: compile for longer")
        if self.image.host_functions and n_steps:
            if (self.t, n_steps) != (0, self.image.n_steps):
                raise SpinncError(
                    f"a board runs an Image with host functions "
                    f"({', '.join(sorted(self.image.host_functions))}) in one go, all its "
                    f"{self.image.n_steps} ticks, answering them live; {self.t} have run "
                    f"and {n_steps} more were asked for")
            check_host_functions(self.image, host)
            self.options["host_call"] = host
            self.board_run  # noqa: B018 (runs it; a failure is kept and raised)
        self.t += n_steps

    @property
    def board_run(self) -> BoardRun:
        """The Image's run on the board (loaded, run and read back on first use;
        if that fails, asking again raises the same error rather than running
        the Image again)."""
        if self._error is not None:
            raise self._error
        if self._run is None:
            try:
                if self.job is not None:
                    self.job.check()  # a job the server destroyed has no boards to run on
                self._run = run_image(self.image, self.host, self.port, **self.options)
            except SpinncError as error:
                self._error = error if self.job is None else self._job_failed(error)
                # (a host function's error keeps its own traceback as its cause)
                raise self._error from self._error.__cause__
            except KeyboardInterrupt:  # never run it again (closing would, to keep the data)
                self._error = SpinncError(f"the run on the board at {self.host} was "
                                          "interrupted (Ctrl-C)")
                if self.job is not None:
                    self.job.close("spinnc: interrupted", quiet=True)
                raise
        return self._run

    def _job_failed(self, error: SpinncError) -> SpinncError:
        """What to report of a failed run on a spalloc job's boards: that the
        server destroyed the job, if it did; the job is freed either way (a
        failed run is not retried)."""
        try:
            if not isinstance(error, SpallocError):  # else it says so already
                self.job.check()
        except SpinncError as destroyed:
            error = SpallocError(f"{destroyed}; the run on {self.host} failed: {error}")
        finally:
            self.job.close("spinnc: the run failed", quiet=True)
        return error

    def recordings(self) -> dict[str, np.ndarray]:
        """Every probe's samples over the ticks run so far, as
        :meth:`spinnc.firmware_sim.Emulator.recordings` gives them."""
        if self.t == 0:  # nothing to ask the board yet
            return {name: np.zeros((0, p.size)) for name, p in self.image.probes.items()}
        recorded = self.board_run.recordings
        return {name: recorded[name][:self.t // p.sample_every]
                for name, p in self.image.probes.items()}

    def learned(self, x: int, y: int, core: int, rule: int) -> np.ndarray:
        """A learning rule's values on a core (s16.15 words) at the end of the
        Image's run, as its firmware wrote them back (a board runs the whole
        horizon at once: earlier steps' values are the probes' to keep)."""
        if self.t != self.image.n_steps:
            raise SpinncError(f"a board runs the Image's {self.image.n_steps} ticks at once "
                              f"and keeps what was learned at the end; at step {self.t} "
                              "probe it instead (nengo.Probe(conn, 'weights'))")
        data = self.board_run.learned[x, y, core]
        return learned_words(read_regions(data)[Region.LEARNING][1], rule)

    def provenance(self):
        """What the board's cores and routers counted over the Image's whole run."""
        return self.board_run.provenance
