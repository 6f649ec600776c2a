"""nengo's decoder solves shared with a forked copy of the build.

nengo's build solves for the decoders of every decoded connection in turn
(the pre's rates at the eval points, then the solver): two thirds of the
build of a Spaun-sized model.  On a machine of two cores or more,
:func:`shared_solves` forks a helper that runs the same build (the same
seeds, the same order: deterministic) and solves about half of the work,
sending the decoders back in build order, while this process solves the
rest and takes the helper's.  Both split the solves alike, each to whichever
has had the less work so far (:func:`_split`), from what each solve is given.  Both run the same arithmetic on the same
inputs, so the decoders are a serial build's, bit for bit.  Each connection
has its own random stream (nengo seeds one per connection), so a solve the
helper skips changes no other.  If the helper stops or disagrees about
which connection comes next, this process solves the rest itself.
"""

import contextlib
import itertools
import os
import pickle
import signal
import threading

import nengo
import nengo.builder.connection as nengo_connection
import numpy as np

#: Networks with fewer decoded connections build serially (a fork costs more).
MIN_SOLVES = 200


def decoded_connections(network: nengo.Network) -> int:
    """The connections nengo solves decoders for: out of ensembles."""
    return sum(isinstance(c.pre_obj, nengo.Ensemble) for c in network.all_connections)


@contextlib.contextmanager
def shared_solves(network: nengo.Network):
    """Around ``model.build(network)``: its decoder solves shared with a
    forked helper (serially without ``os.fork``, on one core, for fewer than
    :data:`MIN_SOLVES` decoded connections, or while other threads run: a
    fork copies only this one, and any lock another holds)."""
    if (not hasattr(os, "fork") or (os.cpu_count() or 1) < 2
            or threading.active_count() > 1 or decoded_connections(network) < MIN_SOLVES):
        yield
        return
    serial = nengo_connection.solve_for_decoders
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            with os.fdopen(write_fd, "wb") as out:
                quiet = os.open(os.devnull, os.O_WRONLY)
                os.dup2(quiet, 1)
                os.dup2(quiet, 2)
                nengo_connection.solve_for_decoders = _helper(serial, out)
                yield  # the build runs here too, then the helper ends
        finally:
            os._exit(0)
    os.close(write_fd)
    incoming = os.fdopen(read_fd, "rb")
    nengo_connection.solve_for_decoders = _sharing(serial, incoming)
    try:
        yield
    finally:
        nengo_connection.solve_for_decoders = serial
        incoming.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # done, or not needed any more
        os.waitpid(pid, 0)


def _split():
    """``helper_solves(x, gain)``: whether the helper solves the next solve,
    given its eval points' encoded values ``x`` and its neurons' gains: the
    process with the less work so far does, counted in the rates' and the
    solver's multiplications (points x neurons, plus neurons squared)."""
    work = [0, 0]  # the builder's, the helper's

    def helper_solves(x, gain):
        points, neurons = np.shape(x)[0], np.size(gain)
        side = int(work[1] < work[0])
        work[side] += neurons * (points + neurons)
        return bool(side)

    return helper_solves


def _helper(serial, out):
    """The helper's solver: its share of the solves, sent to the builder."""
    calls, helper_solves = itertools.count(), _split()

    def solve(conn, gain, bias, x, targets, rng):
        i = next(calls)
        if not helper_solves(x, gain):  # the builder's: a stand-in of the decoders' shape
            return np.zeros((np.size(gain), targets.shape[1])), {}
        try:
            result = serial(conn, gain, bias, x, targets, rng)
        except Exception as error:  # the builder raises it at the same connection
            pickle.dump((i, id(conn), error), out)
            out.flush()
            raise
        pickle.dump((i, id(conn), result), out)
        out.flush()
        return result

    return solve


def _sharing(serial, incoming):
    """The builder's solver: its share of the solves, and the helper's."""
    calls, helper_solves = itertools.count(), _split()
    state = {"helper": True}

    def solve(conn, gain, bias, x, targets, rng):
        i = next(calls)
        if not helper_solves(x, gain) or not state["helper"]:
            return serial(conn, gain, bias, x, targets, rng)
        try:
            j, which, result = pickle.load(incoming)
        except (EOFError, pickle.UnpicklingError):
            j, which, result = None, None, None
        if j != i or which != id(conn):  # the helper stopped or lost its way
            state["helper"] = False
            return serial(conn, gain, bias, x, targets, rng)
        if isinstance(result, Exception):
            raise result
        return result

    return solve
