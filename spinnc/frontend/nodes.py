"""A nengo Node as the Graph carries it: which kind of Input, and what it computes.

- a constant output: ``constant``;
- one of nengo's own Processes without input, or a function of time alone
  (see :func:`spinnc.config.is_function_of_time` and the
  ``function_of_time`` setting): ``time``, sampled when compiling;
- any other function (a *live* node, with or without input) or Process (one
  with input, or another package's, such as nengo_gui's slider, which reads
  what the user sets): ``host``, called on the host once per step, in time
  order.

Functions on connections out of a node are applied where the node's value
is computed (on the constant, in the sampler, on the host after the call):
the Input's output is the node's own ``size_out`` columns followed by
``f(output[pre slice])`` for each such connection, and the connection reads
its columns (:func:`function_columns`).

A node's values are checked as nengo checks them (not None, the right size,
finite): a live node's at its step, a sampled node's when sampling, and the
Simulator raises at that node's bad step (:attr:`Sampler.error`), as nengo
would.
"""

import os
import traceback

import nengo
import numpy as np

from .. import config
from ..errors import NodeFunctionError, describe
from .graph import Input

_SPINNC = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_live(network: nengo.Network, node: nengo.Node) -> bool:
    """Whether ``node`` is called on the host each step (a callable output
    or a Process with no input that the user, nengo's own Processes or
    :func:`~spinnc.config.is_function_of_time` do not make a function of time)."""
    output = node.output
    if node.size_in > 0 or not (callable(output) or isinstance(output, nengo.Process)):
        return False
    declared = config.setting(network, node, "function_of_time")
    if declared is not None:
        return not declared
    return not config.is_function_of_time(output)


def function_columns(network: nengo.Network) -> dict:
    """Per node (and Direct-mode ensemble), its connections with a function,
    each with the output indices the function reads: ``{node: [(conn,
    indices), ...]}``."""
    out = {}
    for conn in network.all_connections:
        pre = conn.pre_obj
        if conn.function is not None and (
                (isinstance(pre, nengo.Node) and pre.output is not None) or is_direct(pre)):
            indices = np.arange(pre.size_out)[conn.pre_slice]
            out.setdefault(pre, []).append((conn, indices))
    return out


class Extend:
    """A node's output followed by the functions of its outgoing connections."""

    def __init__(self, size_out: int, functions: list):
        self.size_out, self.functions = size_out, functions  # [(conn, indices)]
        self.width = size_out + sum(conn.size_mid for conn, _ in functions)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if not self.functions:
            return y
        parts = [y] + [np.reshape(np.asarray(conn.function(y[indices]), dtype=float),
                                  conn.size_mid) for conn, indices in self.functions]
        return np.concatenate(parts)


def checked(node: nengo.Node, value, t: float) -> np.ndarray:
    """``value`` as a node's output at time ``t``, or NodeFunctionError."""
    if value is None:
        if node.size_out == 0:
            return np.zeros(0)
        raise NodeFunctionError(f"{describe(node)} returned None at t={t:g}; it must return "
                                f"{node.size_out} finite values (size_out={node.size_out})")
    try:
        y = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise NodeFunctionError(f"{describe(node)} returned {value!r} at t={t:g}: not "
                                f"numbers; it must return {node.size_out} finite values") from exc
    if y.size != node.size_out:
        raise NodeFunctionError(f"{describe(node)} returned {y.size} values (shape "
                                f"{y.shape}) at t={t:g}; it must return size_out="
                                f"{node.size_out}")
    if not np.all(np.isfinite(y)):
        raise NodeFunctionError(f"{describe(node)} returned non-finite values {y.ravel()} at "
                                f"t={t:g}; it must return finite values")
    return y.reshape(node.size_out)


def raised(node: nengo.Node, exc: Exception, t: float) -> NodeFunctionError:
    """The error for ``node``'s function raising ``exc`` at ``t``: it names
    the node and the line of the user's code that raised."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_SPINNC)]
    where = f" ({frames[-1].filename}, line {frames[-1].lineno}, in {frames[-1].name})" if (
        frames) else ""
    return NodeFunctionError(f"{describe(node)} raised {type(exc).__name__} at t={t:g}: "
                             f"{exc}{where}")


class HostFunction:
    """A node's function as the host calls it, ``f(t, x)``: the node's own
    call (an exception it raises becomes a NodeFunctionError naming it, with
    its traceback chained), its answer checked, then the connection
    functions appended.  :meth:`reset` starts a Process again."""

    def __init__(self, node: nengo.Node, function, extend: Extend, check: bool = True):
        self.node, self.function, self.extend, self.check = node, function, extend, check

    def reset(self) -> None:
        if hasattr(self.function, "reset"):
            self.function.reset()

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        try:
            value = self.function(t, x)
        except Exception as exc:
            raise raised(self.node, exc, t) from exc
        if not self.check:  # a Process: nengo takes what its step returns as it is
            return self.extend(np.array(value, dtype=float).reshape(-1))
        y = self.extend(checked(self.node, value, t))
        if not np.all(np.isfinite(y)):  # a connection's function: no packet can carry it
            raise NodeFunctionError(f"a function on a connection out of {describe(self.node)} "
                                    f"gave non-finite values at t={t:g}; it must give "
                                    "finite values")
        return y


class Sampler:
    """A function of time sampled ahead of the run, its values checked.

    A bad value (None, wrong size, not finite, or an exception) does not fail
    the compilation: the rows from it on are zeros and :attr:`error` holds
    ``(step, NodeFunctionError)``, which the Simulator raises when the run
    reaches that step (nengo raises then too)."""

    def __init__(self, node: nengo.Node, output, extend: Extend):
        self.node, self.output, self.extend = node, output, extend
        self.error: tuple[int, NodeFunctionError] | None = None
        self.arrays = config.arrays_read(output)  # taken as constants
        self.snapshots: list = []

    def changed(self, t: float) -> NodeFunctionError | None:
        """The error to raise if a numpy array the function reads is no
        longer what it was when sampled (None if none changed)."""
        if all(np.array_equal(a, s) for a, s in zip(self.arrays, self.snapshots)):
            return None
        return NodeFunctionError(
            f"{describe(self.node)} reads a numpy array that changed before t={t:g}; spinnc "
            "precomputed the node as a function of time alone, taking its arrays as constants. "
            "If the array changes during the run, make the node live: spinnc.add_params("
            "network); network.config[node].function_of_time = False")

    def __call__(self, n_steps: int, dt: float) -> np.ndarray:
        out = np.zeros((n_steps, self.extend.width))
        self.error = None
        self.snapshots = [np.array(a, copy=True) for a in self.arrays]
        for step in range(n_steps):
            t = (step + 1) * dt
            try:
                try:
                    value = self.output(t)
                except Exception as exc:
                    raise raised(self.node, exc, t) from exc
                out[step] = self.extend(checked(self.node, value, t))
            except NodeFunctionError as exc:
                self.error = (step, exc)
                break
        return out


class ProcessFunction:
    """A nengo Process run on the host as a node function ``f(t, x)`` (its
    step gets ``x`` if it has input, as nengo's); :meth:`reset` starts it
    again (as a simulator reset does)."""

    def __init__(self, process: nengo.Process, size_in: int, size_out: int, dt: float,
                 make_rng):
        self.process, self.shapes, self.dt, self.make_rng = (process, ((size_in,), (size_out,)),
                                                             dt, make_rng)
        self.reset()

    def reset(self) -> None:
        state = self.process.make_state(*self.shapes, self.dt)
        rng = self.process.get_rng(self.make_rng())
        self.step = self.process.make_step(*self.shapes, self.dt, rng, state)

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        return self.step(t, x) if self.shapes[0][0] else self.step(t)


def is_direct(ens) -> bool:
    """A Direct-mode ensemble: it represents its input exactly, no neurons."""
    return isinstance(ens, nengo.Ensemble) and type(ens.neuron_type) is nengo.Direct


def direct_input(ens: nengo.Ensemble, name: str, functions: list) -> Input:
    """A Direct-mode ensemble with functions on its connections: a host
    function whose output is its input (the filtered sum of what feeds it),
    followed by those functions' values, computed on the host each step as
    nengo computes them in float (no neurons to map)."""
    extend = Extend(ens.dimensions, functions)
    function = HostFunction(ens, lambda t, x: x, extend)
    return Input(name, "host", ens.dimensions, extend.width, function=function, obj=ens)


def node_input(node: nengo.Node, name: str, live: bool, functions: list, rng=None,
               dt: float = 0.001) -> Input:
    """The Graph Input of ``node`` (not a passthrough).

    ``live``: a callable with no input is called on the host each step
    (:func:`is_live`).  ``functions``: the node's connections with a
    function (:func:`function_columns`), whose values follow the node's own.
    ``rng``: a maker of RandomStates for an unseeded Process."""
    output, extend = node.output, Extend(node.size_out, functions)
    make_rng = rng or (lambda: np.random)  # a seeded process ignores the rng
    width = extend.width
    if isinstance(output, nengo.Process) and (node.size_in > 0 or live):
        function = HostFunction(node, ProcessFunction(output, node.size_in, node.size_out, dt,
                                                      make_rng), extend, check=False)
        return Input(name, "host", node.size_in, width, function=function, obj=node)
    if isinstance(output, nengo.Process):
        process = output
        shapes = ((0,), (node.size_out,))  # nengo's build checks it (e.g. WhiteSignal's high)
        process.make_step(*shapes, dt, np.random.RandomState(0), process.make_state(*shapes, dt))

        def sampler(n_steps, dt):
            values = process.run_steps(n_steps, d=node.size_out, dt=dt,
                                       rng=make_rng()).reshape(n_steps, -1)
            return np.array([extend(row) for row in values]) if functions else values

        return Input(name, "time", 0, width, sampler=sampler, obj=node)
    if not callable(output):
        value = extend(np.array(output, dtype=np.float64).reshape(node.size_out))
        return Input(name, "constant", 0, width, value=value, obj=node)
    if node.size_in == 0 and (live or node.size_out == 0):  # each step, on the host
        function = HostFunction(node, lambda t, x: output(t), extend)
        return Input(name, "host", 0, width, function=function, obj=node)
    if node.size_in == 0:
        return Input(name, "time", 0, width, sampler=Sampler(node, output, extend), obj=node)
    return Input(name, "host", node.size_in, width, function=HostFunction(node, output, extend),
                 obj=node)
