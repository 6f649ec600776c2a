"""Neuron models as plug-ins: one module per model, a registry by nengo type.

A model (a :class:`NeuronModel`) owns everything about a neuron type that the
rest of spinnc must not know: its parameters and initial state from nengo's
build, its quantisation (a :mod:`spinnc.fixed` format per constant and state
variable), its fixed-point and float64 updates (vectorised over every neuron
of every core of that model), its cycles and DTCM per neuron for
:mod:`spinnc.costs`, the state variables a probe can record, and its rate
curve for the tuning-curve plot.

The registry is keyed by nengo neuron type with subclass lookup, as nengo's
``Builder.register``: :func:`model_for` walks the type's MRO, so a subclass of
a registered type runs as its base unless it is registered itself.  The
POPULATION region stores :attr:`NeuronModel.code`; :func:`model_by_code` maps
it back.

Adding a model is adding a module here that defines a :class:`NeuronModel`
subclass and calls :func:`register` on an instance: every module of this
package whose name does not start with ``_`` is imported when it is.
"""

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..fixed import Format

#: nengo type -> model; code -> model.
_BY_TYPE: dict[type, "NeuronModel"] = {}
_BY_CODE: dict[int, "NeuronModel"] = {}


@dataclass(frozen=True)
class Variable:
    """A constant (one header word) or a state variable (one word per neuron).

    ``fmt`` is its :mod:`spinnc.fixed` format, or None for an unsigned count
    (series terms).  ``reason`` says why the format was chosen.
    """

    name: str
    fmt: Format | None
    reason: str = ""


class State(dict):
    """A population's state variables by name (arrays), also as attributes."""

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class NeuronModel:
    """What a neuron model provides; subclasses fill in every part.

    Class attributes
    ----------------
    name : str
        Its name in reports ("LIF").
    code : int
        The model code in the POPULATION region (unique, never reused).
    nengo_type : type
        The nengo neuron type it runs (and, by subclass lookup, its subclasses).
    constants, state : tuple of Variable
        The header words and the per-neuron state words of the POPULATION
        region, in order.
    probes : dict
        nengo probe attribute -> the s16.15 state variable it records
        (besides ``output``, the spikes); the attribute is the probe's kind.
    cycles_per_neuron : int
        Cycles per neuron per tick of the update (:mod:`spinnc.costs`).
    cycles_per_spike : int
        Cycles per spike of the update in its tick, besides decoding it
        (:mod:`spinnc.costs`).
    cycles_per_spike_later, spike_later_ticks : int
        Cycles a spike costs again ``spike_later_ticks`` ticks later (LIF's
        refractory period ending part-way through a tick).
    spikes_per_tick : float
        The spikes per neuron per tick the partitioner plans for: an upper
        bound of what its cores will spike (the cost of a tick depends on it).
    """

    name: str = ""
    code: int = -1
    nengo_type: type = object
    constants: tuple[Variable, ...] = ()
    state: tuple[Variable, ...] = ()
    probes: dict[str, str] = {}
    cycles_per_neuron: int = 0
    cycles_per_spike: int = 0
    cycles_per_spike_later: int = 0
    spike_later_ticks: int = 2
    spikes_per_tick: float = 1.0

    def runs(self, neuron_type) -> bool:
        """Whether this model runs the instance ``neuron_type`` of its nengo
        type (a type wrapping another, as RegularSpiking its base type, may
        run only some); :func:`model_for` passes over an instance it does not."""
        return True

    def supported(self) -> str:
        """What it runs, for error messages."""
        return f"nengo.{self.nengo_type.__name__}"

    @property
    def state_words(self) -> int:
        """DTCM words of state per neuron."""
        return len(self.state)

    # -- from nengo's build ------------------------------------------------------
    def parameters(self, neuron_type) -> dict[str, float]:
        """The type's parameters as floats (nengo's units)."""
        raise NotImplementedError

    def initial_state(self, signals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The initial state (float, nengo's units) from nengo's built
        signals of the ensemble's neurons (``model.sig[ens.neurons]``)."""
        return {v.name: np.array(signals[v.name], dtype=np.float64) for v in self.state}

    # -- quantisation -------------------------------------------------------------
    def quantise(self, q: Callable, owner: str, params: dict, state: dict,
                 dt: float) -> tuple[dict[str, int], dict[str, np.ndarray]]:
        """The fixed-point constants (raw ints by name) and initial state
        (int32 arrays by name).  ``q(owner, parameter, values, fmt)`` converts
        and reports; it raises QuantisationError naming ``owner``, the
        parameter, the value and the range when a value saturates."""
        raise NotImplementedError

    # -- the updates ---------------------------------------------------------------
    def fixed_constants(self, header: dict) -> Any:
        """The stored constants as the fixed step takes them (hashable: the
        emulator groups neurons with equal constants)."""
        return tuple(int(header[v.name]) for v in self.constants)

    def fixed_state(self, arrays: dict) -> dict[str, np.ndarray]:
        """The stored state as int64 arrays of int32 words."""
        return {v.name: np.asarray(arrays[v.name], np.int32).astype(np.int64)
                for v in self.state}

    def fixed_step(self, constants, current: np.ndarray, state: dict) -> np.ndarray:
        """Advance the neurons one tick in fixed point; ``current`` is int64
        s16.15 words, ``state`` is updated in place.  Returns the indices of
        the neurons that spiked, in increasing order."""
        raise NotImplementedError

    def compiled_loop(self, constants):
        """:meth:`fixed_step` as a compiled loop, or None: ``(loop, packed)``,
        a ``"spinnc.neuron_loop"`` capsule (its C signature in
        ``neurons/_lif.pyx``) and its constants in one int64 array.  The loop
        updates each neuron from its own state and current alone, so the
        emulator calls it on parts of a population at once, on threads of
        its own and without Python between encoding, update and decoding."""
        return None

    def float_constants(self, header: dict, dt: float) -> Any:
        """The real values of the stored constants (hashable)."""
        raise NotImplementedError

    def float_state(self, arrays: dict, dt: float) -> dict[str, np.ndarray]:
        """The stored state as float64 in nengo's units."""
        raise NotImplementedError

    def float_step(self, constants, current: np.ndarray, state: dict) -> np.ndarray:
        """nengo's own float64 update over ``state`` (updated in place);
        returns the indices of the neurons that spiked."""
        raise NotImplementedError

    # -- reports -------------------------------------------------------------------------
    def rates(self, params: dict, current: np.ndarray, dt: float) -> np.ndarray:
        """Firing rates (Hz) for constant input currents (tuning curves)."""
        raise NotImplementedError

    def describe(self, params: dict) -> str:
        """A short summary of the parameters for the model summary."""
        return " ".join(f"{k}={v:g}" for k, v in params.items())


def register(model: NeuronModel) -> NeuronModel:
    """Add ``model`` to the registry (by its nengo type and its code)."""
    entries = ((model.nengo_type, _BY_TYPE, "type"), (model.code, _BY_CODE, "code"))
    for key, table, what in entries:  # check both before adding either
        if key in table and table[key] is not model:
            raise ValueError(f"neuron model {model.name}: {what} {key!r} is already "
                             f"registered to {table[key].name}")
    for probe, variable in model.probes.items():
        fmt = next((v.fmt for v in model.state if v.name == variable), None)
        if fmt is None or fmt.frac_bits != 15:
            raise ValueError(f"neuron model {model.name}: probe {probe!r} records "
                             f"{variable!r}, which must be an s16.15 state variable "
                             "(recordings hold s16.15 words)")
    for key, table, _ in entries:
        table[key] = model
    return model


def model_for(neuron_type) -> NeuronModel | None:
    """The model that runs ``neuron_type`` (a nengo neuron type or instance):
    the nearest registered class in its MRO, or None (also for an instance
    that model does not run, :meth:`NeuronModel.runs`)."""
    cls = neuron_type if isinstance(neuron_type, type) else type(neuron_type)
    for base in cls.__mro__:
        if base in _BY_TYPE:
            model = _BY_TYPE[base]
            return model if cls is neuron_type or model.runs(neuron_type) else None
    return None


def model_by_code(code: int) -> NeuronModel:
    """The model stored as ``code`` in a POPULATION region (KeyError if none)."""
    try:
        return _BY_CODE[int(code)]
    except KeyError:
        raise KeyError(f"no neuron model has code {code}; spinnc's codes are "
                       f"{sorted(_BY_CODE)}") from None


def model_named(name: str) -> NeuronModel:
    """The model called ``name`` (as a Population records it)."""
    for model in _BY_CODE.values():
        if model.name == name:
            return model
    raise KeyError(f"no neuron model is called {name!r}; spinnc's are {supported_names()}")


def supported_names() -> list[str]:
    """The nengo types spinnc runs, for error messages."""
    return sorted(model.supported() for model in _BY_TYPE.values())


def type_name(neuron_type) -> str:
    """A neuron type instance's name for messages, with the base type of a
    type that wraps one (``RegularSpiking(Sigmoid)``)."""
    base = getattr(neuron_type, "base_type", None)
    name = type(neuron_type).__name__
    return name if base is None else f"{name}({type(base).__name__})"


def probe_kinds() -> list[str]:
    """Every state a probe can record on some model (besides spikes)."""
    return sorted({probe for model in _BY_CODE.values() for probe in model.probes})


def models() -> list[NeuronModel]:
    """Every registered model, by code."""
    return [_BY_CODE[c] for c in sorted(_BY_CODE)]


def _register_modules() -> None:
    """Import every model module of this package (each registers its model),
    so that adding a model is adding a module."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register_modules()
