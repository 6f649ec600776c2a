"""Per-object settings in nengo's Config, and which nodes spinnc may precompute.

Settings (after ``spinnc.add_params(network)``)::

    network.config[node].function_of_time = True   # precompute it (played from SDRAM)
    network.config[node].function_of_time = False  # call it on the host each step
    # None (the default): spinnc decides, by is_function_of_time()
    network.config[ens].chip = (x, y)   # place its cores on chip (x, y) (a hint)
    network.config[ens].profile = True  # record its cores' cycles in each tick

``chip`` and ``profile`` apply to ensembles and nodes.  The setting of the
innermost network that sets it wins, as nengo's own configs do.
``function_of_time`` and ``profile`` are the old nengo_spinnaker backend's
names.

A node with a callable output and no input is *live* (called on the host
once per step, in time order, as nengo calls it) unless spinnc can prove
that its output is a function of time alone, which only then it samples
when compiling.  The rule is conservative: a function whose output might
depend on anything that can change during the run (a dict, a list, an
object's attributes, a random generator, the clock) is live; the numpy
arrays it reads are taken as constants and checked each step.
"""

import dis
import math
import cmath
import types

import nengo
import numpy as np
from nengo.exceptions import ConfigError, ValidationError
from nengo.params import BoolParam, TupleParam


class ChipParam(TupleParam):
    """A chip's coordinates: two integers, both at least 0, or None."""

    def __init__(self, name):
        super().__init__(name, default=None, length=2, optional=True)

    def coerce(self, instance, value):
        value = super().coerce(instance, value)
        if value is None:
            return None
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
                   for v in value):
            raise ValidationError(f"a chip is (x, y) with integers x, y >= 0, not {value!r}",
                                  attr=self.name, obj=instance)
        return tuple(int(v) for v in value)


def _placement_params():
    return {"chip": lambda: ChipParam("chip"),
            "profile": lambda: BoolParam("profile", default=False)}


#: spinnc's settings, by the nengo class they configure.
PARAMS = {
    nengo.Node: {"function_of_time": lambda: BoolParam("function_of_time", default=None,
                                                       optional=True),
                 **_placement_params()},
    nengo.Ensemble: _placement_params(),
}

#: The settings the mapper reads (:func:`object_settings`), by name.
MAPPER_SETTINGS = ("chip", "profile")

#: Builtins that compute from their arguments alone.
PURE_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "complex", "divmod", "enumerate", "float", "frozenset",
    "int", "isinstance", "len", "list", "map", "max", "min", "pow", "range", "reversed",
    "round", "slice", "sorted", "str", "sum", "tuple", "zip", "dict", "set",
})

#: Modules whose functions read state (a generator, the clock, the process).
IMPURE_MODULES = ("random", "numpy.random", "time", "datetime", "os", "sys", "threading",
                  "queue", "socket", "secrets", "io", "builtins")


def add_params(network: nengo.Network) -> None:
    """Add spinnc's per-object settings to ``network.config`` (idempotent).

    ``network.config[node].function_of_time``: True precomputes ``node``'s
    output when compiling (say so only for a function of time alone: spinnc
    calls it ahead of the run, for the whole horizon); False calls it on the
    host once per step; None (default) lets spinnc decide
    (:func:`is_function_of_time`).

    ``network.config[obj].chip = (x, y)`` (an ensemble or a node): place the
    cores that run ``obj`` on chip (x, y), and on the chips nearest it when
    they do not all fit there.  The placers never move them.

    ``network.config[obj].profile = True``: record the cycles each core that
    runs ``obj`` spends in each tick (``sim.profile(obj)``).
    """
    for cls, params in PARAMS.items():
        class_config = network.config[cls]
        for name, make in params.items():
            if not _has_param(class_config, name):
                class_config.set_param(name, make())


def setting(network: nengo.Network, obj, name: str):
    """The value of spinnc setting ``name`` for ``obj``: from the innermost
    network containing ``obj`` (``network`` or one inside it) that sets it
    for ``obj``, else None."""
    for net in reversed(_path(network, obj) or [network]):
        class_config = net.config[type(obj)]
        if _has_param(class_config, name) and name in net.config[obj]:
            return getattr(net.config[obj], name)
    return None


def object_settings(network: nengo.Network, names: dict) -> dict:
    """The :data:`MAPPER_SETTINGS` set for the objects of ``network``, by
    their names in ``names`` (nengo object -> name): ``{name: {setting:
    value}}``, settings left at their defaults omitted.

    One pass per network that has spinnc's settings (outer ones first, so
    the innermost network that sets a value wins), not one walk per object.
    """
    out: dict = {}

    def visit(net):
        for cls, objs in ((nengo.Ensemble, net.all_ensembles), (nengo.Node, net.all_nodes)):
            params = [n for n in MAPPER_SETTINGS if _has_param(net.config[cls], n)]
            for obj in objs if params else ():
                instance = net.config[obj]
                for name in params:
                    if name in instance:
                        value = getattr(instance, name)
                        if value not in (None, False):
                            out.setdefault(names[obj], {})[name] = value
                        else:
                            out.get(names[obj], {}).pop(name, None)
        for sub in net.networks:
            visit(sub)

    visit(network)
    return {name: values for name, values in out.items() if values}


def _has_param(class_config, name: str) -> bool:
    try:
        class_config.get_param(name)
    except (ConfigError, AttributeError):
        return False
    return True


def _path(network: nengo.Network, obj) -> list | None:
    """The networks from ``network`` down to the one holding ``obj``."""
    if obj in network.nodes or obj in network.ensembles or obj in network.connections:
        return [network]
    for sub in network.networks:
        path = _path(sub, obj)
        if path is not None:
            return [network] + path
    return None


# -- the rule ------------------------------------------------------------------


def is_function_of_time(output) -> bool:
    """Whether a node output callable provably depends on time alone.

    True for nengo's own Processes (noise, signals, PresentInput, Piecewise:
    time and their seed alone; another package's may read state that
    changes, as nengo_gui's slider reads the browser's), numpy ufuncs,
    functions of numpy (outside
    ``numpy.random``), ``math`` and ``cmath``, the builtins in
    :data:`PURE_BUILTINS`, and Python functions that assign no global or
    closure variable and whose every outside value (the globals they load,
    their closure cells and default arguments) is immutable: None, numbers,
    strings, bytes, tuples and frozensets of such values, modules (each
    attribute read from them, ``np.sin``, checked by this rule), and
    functions satisfying this rule.  Numpy arrays (of numbers) are taken as
    constants, as models use them (a vocabulary, phases): the Simulator
    checks each step that they have not changed and stops the run, naming
    the node, if one did (:func:`arrays_read`).  Anything else (a dict, a
    list, an object, a bound method, a callable instance) may change during
    the run, so the node is live.
    """
    if isinstance(output, nengo.Process):
        return type(output).__module__.split(".")[0] == "nengo"
    return _pure(output, set(), [])


def arrays_read(output) -> list:
    """The numpy arrays a function of time alone reads (its globals, closure
    cells, defaults, and those of the functions it calls): taken as
    constants when it is precomputed, so the Simulator checks each step
    that they have not changed."""
    arrays: list = []
    if not isinstance(output, nengo.Process):
        _pure(output, set(), arrays)
    return arrays


def _pure(value, seen: set, arrays: list) -> bool:
    if id(value) in seen:  # recursion: decided by the rest
        return True
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return True
    if isinstance(value, (tuple, frozenset)):
        return all(_pure(v, seen, arrays) for v in value)
    if isinstance(value, np.ndarray):  # a constant, checked each step (arrays_read)
        if value.dtype == object:
            return False
        arrays.append(value)
        return True
    if isinstance(value, types.ModuleType):
        return not _impure_module(value.__name__)
    if isinstance(value, np.ufunc):
        return True
    if isinstance(value, types.FunctionType) and not _from_library(value):
        seen.add(id(value))
        return _pure_function(value, seen, arrays)
    if callable(value) and not isinstance(value, (types.MethodType, type)):
        return _from_library(value)
    if isinstance(value, type):  # a builtin type converts its argument
        return value.__module__ == "builtins" and value.__name__ in PURE_BUILTINS
    return False


def _impure_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in IMPURE_MODULES)


def _from_library(function) -> bool:
    """A function of numpy, math or cmath (or a pure builtin)."""
    module = getattr(function, "__module__", None) or ""
    if module == "builtins":
        return getattr(function, "__name__", "") in PURE_BUILTINS
    if _impure_module(module):
        return False
    if getattr(function, "__self__", None) not in (None, math, cmath, np) and not isinstance(
            getattr(function, "__self__", None), types.ModuleType):
        return False  # a method of some object: it may read the object
    return module in ("math", "cmath") or module == "numpy" or module.startswith("numpy.")


def _pure_function(function: types.FunctionType, seen: set, arrays: list) -> bool:
    code = function.__code__
    defaults = (function.__defaults__ or ()) + tuple((function.__kwdefaults__ or {}).values())
    if not all(_pure(v, seen, arrays) for v in defaults):
        return False
    for cell in function.__closure__ or ():
        try:
            contents = cell.cell_contents
        except ValueError:  # not yet assigned
            return False
        if not _pure(contents, seen, arrays):
            return False
    return _pure_code(code, function.__globals__, set(code.co_freevars), seen, arrays)


def _pure_code(code: types.CodeType, globals_: dict, freevars: set, seen: set,
               arrays: list) -> bool:
    builtins = globals_.get("__builtins__", {})
    builtins = builtins if isinstance(builtins, dict) else vars(builtins)
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME"):
            return False
        if ins.opname in ("STORE_DEREF", "DELETE_DEREF") and ins.argval in freevars:
            return False  # assigns a variable of the enclosing scope: state
        if ins.opname == "LOAD_GLOBAL":
            name = ins.argval
            if name in globals_:
                value = globals_[name]
            elif name in builtins:
                if name not in PURE_BUILTINS:
                    return False
                continue
            else:
                return False  # not defined yet: cannot tell
            # follow np.linalg.norm: each attribute read from a module
            for follow in instructions[i + 1:]:
                if not isinstance(value, types.ModuleType) or follow.opname not in (
                        "LOAD_ATTR", "LOAD_METHOD"):
                    break
                if _impure_module(value.__name__) or not hasattr(value, follow.argval):
                    return False
                value = getattr(value, follow.argval)
            if not _pure(value, seen, arrays):
                return False
    nested = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return all(_pure_code(c, globals_, set(), seen, arrays) for c in nested)
