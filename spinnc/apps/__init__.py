"""Applications as plug-ins: one module per application, a registry by name.

An application (an :class:`Application`) is the program a core runs.  Its
module owns what every stage and engine must agree on about it:

- its **code** in the SYSTEM region and its name in the Image;
- its **cost function** (:meth:`Application.cycles`, :meth:`Application.dtcm`)
  over a :class:`CoreLoad`: the partitioner plans with it from the Graph, the
  emulator counts with it from the region data, so the two cannot drift;
- its **region writer** (:meth:`Application.write`) for the mapper;
- what a core of it **receives** (its input members) and **records**
  (:class:`CoreRecording`, in the order of its recording buffer);
- its **Python kernel** (:meth:`Application.python_kernel`): what the core
  does each tick, said in the Python engine's vocabulary (the engine passes
  itself and offers ``add_member``, ``add_playback``, ``add_host_in``,
  ``add_host_out``), so this package does not import the engine.  The ARM
  engine runs the application's C source instead (``spinnc/firmware``).

Adding an application is adding a module here that defines an
:class:`Application` subclass and calls :func:`register` on an instance
(every module whose name does not start with ``_`` is imported), plus its
firmware.  The writers take the mapper's context by duck typing (its
``graph``, ``partition``, ``keys``, ``n_steps``, ``nets_from``,
``nets_into``), so applications sit below both the mapper and the engines.
"""

from dataclasses import dataclass, field

from .. import costs

_BY_NAME: dict[str, "Application"] = {}
_BY_CODE: dict[int, "Application"] = {}


@dataclass(frozen=True)
class CoreRecording:
    """One thing a core records: ``width`` dimensions or neurons of ``member``
    every ``every`` ticks.

    ``kind`` is the probe kind (``value``: a population's probes' decoded
    values; ``spikes``; ``input``: its neurons' input currents; or a neuron
    model's probeable state such as ``voltage``; for the learning rule
    ``member`` of the core, ``weights`` (its learned values), ``trace`` (its
    activity trace) and ``inputs`` (its first row of input dimensions));
    ``source`` is what the engine samples: ``decoded`` (the member's probe
    rows, decoded this tick), ``spikes``, ``current``, ``weights``,
    ``trace``, ``inputs``, or the name of a neuron state variable.
    """

    kind: str
    member: int
    width: int
    every: int
    source: str = "decoded"

    @property
    def words(self) -> int:
        """32-bit words of one recorded row (fixed point)."""
        return int(costs.spike_words(self.width)) if self.kind == "spikes" else self.width


@dataclass
class MemberLoad:
    """What one member of a core computes per tick (a population slice, a
    probe, a host function's input).  ``neurons`` may be a numpy array: the
    cost functions are vectorised over it, for the partitioner's splits."""

    neurons: object = 0
    input_dims: int = 0
    output_dims: int = 0
    probe_dims: int = 0  # rows decoded for probes (recorded, not sent)
    filters: list = field(default_factory=list)  # dimensions of each input filter
    recorded_words: object = 0  # words recorded per tick (at most)
    model: object = None  # a spinnc.neurons model (ensembles)
    #: Spikes in the tick (the Python engine's count); None: the planning
    #: bound, costs.planned_spikes (the partitioner's).
    spikes: object = None
    later_spikes: object = None  # spikes model.spike_later_ticks ticks before
    learned_rows: int = 0  # rows of weights its learning rules change (spinnc.learning)
    learned_updates: int = 0  # rows its rules pass over per tick (Oja twice)
    learning_rules: int = 0
    derived_products: int = 0  # multiplies of the rows derived from learned ones
    #: the width of the input it encodes from a cluster's shared input (its
    #: own filtered block is its filters'); 0 when it filters all its input
    shared_dims: int = 0
    own_dims: int = 0  # the block of the shared input it filters and writes
    #: when a cluster of ``sum_cores`` cores adds its partial sums: the rows
    #: it adds and sends (else every one of its ``output_dims`` is sent)
    sum_cores: int = 0
    sent_rows: int = 0


@dataclass
class CoreLoad:
    """What a core does per tick, for the cost model."""

    members: list = field(default_factory=list)
    sent_dims: int = 0  # values sent (packets) per tick, for non-ensembles
    weights: int = 0  # words of the weights the sent values are dot products with
    received_packets: int = 0
    key_entries: int = 0  # rows of its input key table


class Application:
    """What an application provides; subclasses fill in every part.

    Class attributes
    ----------------
    name : str
        Its name in the Image and in reports.
    code : int
        Its code in the SYSTEM region (unique, never reused).
    sends, receives : bool
        Whether its cores send packets (have output keys) and receive them
        (have input keys and filters).
    host_function : bool
        Whether it stands for a host function of the Image (its core's name
        is the function's).
    horizon_regions : tuple of int
        The regions whose data depend on the Image's step count (a value
        source's samples of its input over the horizon).  An engine that goes
        on into the same model compiled for a longer horizon
        (``Image.continues``) takes them from it; the Python engine re-runs
        the core's ``python_kernel`` on them, which must then add nothing but
        playback (``add_playback``).
    """

    name: str = ""
    code: int = -1
    sends: bool = True
    receives: bool = True
    host_function: bool = False
    horizon_regions: tuple = ()

    # -- the cost model: one function for the partitioner and the emulator ----------------
    def member_cycles(self, m: MemberLoad):
        """Cycles per tick of one member (vectorised over ``m.neurons``): its
        filters, its recording, the application's per-member work and, for
        a host function's input, handing its values to the host."""
        return (sum(costs.filter_cycles(d) for d in m.filters)
                + costs.RECORD_CYCLES_PER_WORD * m.recorded_words
                + costs.MEMBER_CYCLES.get(self.name, 0)
                + (costs.HOST_VALUE_CYCLES * m.input_dims
                   if self.host_function and self.receives else 0))

    def member_dtcm(self, m: MemberLoad):
        """DTCM bytes of one member."""
        return sum(costs.filter_dtcm(d) for d in m.filters) + costs.WORD * m.recorded_words

    def cycles(self, load: CoreLoad):
        """Cycles per tick of a core: its members, what it sends, what it receives."""
        return (costs.APP_TICK_CYCLES.get(self.name, costs.TICK_CYCLES)
                + costs.SEND_CYCLES_OF.get(self.name, costs.SEND_CYCLES_PER_DIM) * load.sent_dims
                + costs.WEIGHT_CYCLES_OF.get(self.name, costs.WEIGHT_CYCLES) * load.weights
                + sum(self.member_cycles(m) for m in load.members)
                + costs.receive_cycles(load.received_packets, load.key_entries))

    def dtcm(self, load: CoreLoad):
        """DTCM bytes of a core: its members, one tick's sent values and their
        keys, and its input key table."""
        return (2 * costs.WORD * load.sent_dims + sum(self.member_dtcm(m) for m in load.members)
                + costs.KEY_ENTRY_BYTES * load.key_entries)

    def load(self, regions: dict, host_spec: dict | None = None) -> CoreLoad:
        """A core's load from its region data (``regions`` as
        :func:`spinnc.regions.read_regions` gives; ``host_spec`` the Image's
        entry of its host function).  Sent and received packets are the
        engine's to fill in."""
        from ..regions import Region
        from ._writing import filter_dims

        inputs = (dict(self.input_members(regions, host_spec))
                  if host_spec is not None or not self.host_function else {})
        weights = regions.get(Region.WEIGHTS, ({}, {}))[0]
        return CoreLoad([MemberLoad(input_dims=inputs.get(m, 0), filters=dims)
                         for m, dims in sorted(filter_dims(regions).items())],
                        key_entries=key_entries(regions),
                        weights=int(weights.get("rows", 0)) * int(weights.get("cols", 0)))

    # -- the stages ---------------------------------------------------------------------
    def write(self, context, index: int, vertex) -> dict[int, bytes]:
        """The regions of vertex ``index`` (region id -> bytes)."""
        raise NotImplementedError

    def input_members(self, regions: dict, host_spec: dict | None = None) -> list:
        """(member, dimensions) of each member that takes filtered input."""
        return []

    def recordings(self, regions: dict) -> list[CoreRecording]:
        """What a core records, in its recording buffer's order."""
        return []

    def python_kernel(self, core, engine) -> None:
        """Add what ``core`` computes each tick to the Python engine."""


def key_entries(regions: dict) -> int:
    """Entries of a core's input key table (from its INPUT_KEYS region)."""
    from ..regions import Region

    return int(regions.get(Region.INPUT_KEYS, ({}, {}))[0].get("n_entries", 0))


def register(app: Application) -> Application:
    """Add ``app`` to the registry (by name and code)."""
    for key, table, what in ((app.name, _BY_NAME, "name"), (app.code, _BY_CODE, "code")):
        if key in table and table[key] is not app:
            raise ValueError(f"application {app.name}: {what} {key!r} is already "
                             f"registered to {table[key].name}")
    _BY_NAME[app.name] = app
    _BY_CODE[app.code] = app
    return app


def application(name: str) -> Application:
    """The application called ``name`` (KeyError naming spinnc's if none)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no application is called {name!r}; spinnc's are "
                       f"{sorted(_BY_NAME)}") from None


def codes() -> dict[str, int]:
    """Application name -> SYSTEM region code."""
    return {name: app.code for name, app in sorted(_BY_NAME.items(), key=lambda i: i[1].code)}


def _register_modules() -> None:
    """Import every application module (each registers its application)."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register_modules()
