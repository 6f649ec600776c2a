"""The Graph: the one intermediate representation every later stage reads.

A Graph holds populations of neurons (of the models in :mod:`spinnc.neurons`), inputs (nodes), connections and
probes, named by unique strings.  The frontend builds it in float from nengo's
own builder; :func:`spinnc.frontend.quantise` turns it into the fixed-point
Graph the mapper partitions.  Arrays in a float Graph are float64; in a fixed
Graph (``graph.fixed``) they are raw int32 values in the formats that
:mod:`spinnc.fixed` lists, and the neuron models' and filters' parameters are
replaced by the constants the kernels use.
"""

from dataclasses import InitVar, dataclass, field
from typing import Any, Callable

import numpy as np

from ..fixed import LIFConstants


@dataclass
class Population:
    """An ensemble of neurons of one model (:mod:`spinnc.neurons`).

    Float graph: ``encoders`` are nengo's unit encoders, and the input current
    is ``gain * (encoders @ x) / radius + bias``, plus ``gain`` times each
    input into the neurons (nengo applies the gains to connections into
    ``ens.neurons``).  Fixed graph: ``encoders`` hold nengo's scaled encoders
    (``encoders * gain / radius``) and ``bias`` and ``gain`` are in s16.15, so
    the current is ``encoders @ x + bias + gain * neuron inputs``.

    ``model`` names the neuron model; ``params`` are its parameters (floats,
    nengo's units) and ``state`` its initial state by variable (float arrays
    in a float graph, raw int32 words in the model's formats when fixed);
    ``constants`` are the fixed-point constants the model's update uses (None
    in a float graph).  The LIF keywords ``tau_rc``, ``tau_ref``,
    ``min_voltage``, ``initial_voltage`` and ``initial_refractory`` build a
    LIF population directly (and read back as attributes).
    """

    name: str
    n_neurons: int
    dimensions: int
    radius: float
    gain: np.ndarray
    bias: np.ndarray
    encoders: np.ndarray
    amplitude: float = 1.0
    #: per neuron, the current of constant inputs without a synapse (nengo adds
    #: it from step 1; the cores add it to the bias), or None
    constant_current: np.ndarray | None = None
    model: str = "LIF"
    params: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    constants: dict | None = None
    obj: Any = field(default=None, repr=False, compare=False)
    #: rules that learn its encoders (:class:`LearnedEncoders`)
    encoder_learning: list = field(default_factory=list)
    #: cores a cluster of its cores has, on one chip, when they share their
    #: input or their output (spinnc.mapper.clusters); 0: no clusters
    cluster: int = 0
    #: its input dimensions' blocks, one a core of a cluster, when they share
    #: one filtered input; () when every core filters all of its input
    input_slices: tuple = ()
    #: whether a cluster's cores add their partial sums before sending them
    #: (core j sending the rows of the connections out of it whose
    #: ``sent_by`` is j)
    shares_output: bool = False
    #: the population it copies, simulating the same neurons to learn a
    #: block of rows of its learned matrix (spinnc.mapper.row_copies); ""
    copy_of: str = ""
    tau_rc: InitVar[float | None] = None
    tau_ref: InitVar[float | None] = None
    min_voltage: InitVar[float | None] = None
    initial_voltage: InitVar[np.ndarray | None] = None
    initial_refractory: InitVar[np.ndarray | None] = None

    def __post_init__(self, tau_rc, tau_ref, min_voltage, initial_voltage,
                      initial_refractory):
        # The LIF keywords fill what params and state do not hold already
        # (dataclasses.replace passes their read-back values on again).
        legacy = {"tau_rc": tau_rc, "tau_ref": tau_ref, "min_voltage": min_voltage}
        self.params = {**{k: float(v) for k, v in legacy.items() if v is not None},
                       **self.params}
        legacy = {"voltage": initial_voltage, "refractory": initial_refractory}
        self.state = {**{k: v for k, v in legacy.items() if v is not None}, **self.state}

    @property
    def scaled_encoders(self) -> np.ndarray:
        return self.encoders * (self.gain / self.radius)[:, None]

    @property
    def size_out(self) -> int:
        """A population sends its spikes: one output per neuron."""
        return self.n_neurons

    @property
    def lif(self) -> LIFConstants | None:
        """A fixed LIF population's constants (None otherwise)."""
        if self.model != "LIF" or self.constants is None:
            return None
        return LIFConstants(**self.constants)


# The LIF keywords read back from the parameters and state (None for a
# model without them; set after the
# dataclass has made its __init__, so these do not become its defaults).
Population.tau_rc = property(lambda self: self.params.get("tau_rc"))
Population.tau_ref = property(lambda self: self.params.get("tau_ref"))
Population.min_voltage = property(lambda self: self.params.get("min_voltage"))
Population.initial_voltage = property(lambda self: self.state.get("voltage"))
Population.initial_refractory = property(lambda self: self.state.get("refractory"))


@dataclass
class Input:
    """A nengo Node that is not a passthrough.

    ``constant``: ``value`` holds the output.  ``time``: the output depends on
    time alone (a function of t, or a seeded nengo Process) and ``sampler(n_steps,
    dt)`` computes it ahead of the run.  ``host``: ``function(t, x)`` runs on the
    host each tick; its inputs arrive as connections into it.  ``interposer``:
    a passthrough node kept on a core of its own (:mod:`.interposers`): its
    ``size_in`` dimensions are the filtered sum of the connections into it,
    and the weights of the connections out of it apply the node's outgoing
    transforms to that sum.
    """

    name: str
    kind: str
    size_in: int
    size_out: int
    value: np.ndarray | None = None
    sampler: Callable[[int, float], np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )
    function: Callable | None = field(default=None, repr=False, compare=False)
    obj: Any = field(default=None, repr=False, compare=False)

    def samples(self, n_steps: int, dt: float) -> np.ndarray:
        """The float output for steps 1..n_steps (t = dt, 2 dt, ...), as nengo
        evaluates it; not available for host functions."""
        if self.kind == "constant":
            return np.tile(np.asarray(self.value, dtype=np.float64), (n_steps, 1))
        if self.kind == "time":
            return self.sampler(n_steps, dt)
        what = "a host function" if self.kind == "host" else f"an {self.kind}"
        raise TypeError(f"input '{self.name}' is {what}: it has no samples")


@dataclass
class Connection:
    """Values flowing from a source to a sink, through one synapse.

    ``weights`` maps the source's whole output (a population's spikes, an
    input's values) to the sink dimensions in ``post_indices``: for a
    population source these are nengo's decoders with function and transform
    applied (per unit of nengo's spike output in a float Graph, per spike in a
    fixed one).  ``target`` says what ``post`` names: ``"value"``, the decoded
    input of a population or host input; ``"neurons"``, an input to the
    neurons ``post_indices`` of a population (global inhibition: one row shared
    by those neurons, scaled by each neuron's gain as nengo does); ``"probe"``,
    a value probe (probes have their own names); ``"error"``, a learning
    rule's error (``post`` is its name until
    :func:`spinnc.frontend.learning.attach` makes it input dimensions of the
    population that learns); ``"weights"``, a probe of learned weights
    (nothing is decoded for it).  ``learned`` says what a learning rule changes.
    ``synapse`` is a :class:`~spinnc.frontend.synapses.Synapse` (nengo
    linear filters in series, discretised with nengo's own code for the run's
    dt; a Lowpass time constant in seconds in a hand-written Graph) or None;
    in a fixed Graph ``filter`` is the
    :class:`~spinnc.frontend.synapses.Filter` a core runs: order, coefficient
    format and raw coefficients.
    """

    name: str
    pre: str
    post: str
    weights: np.ndarray
    post_indices: np.ndarray
    synapse: Any
    target: str = "value"
    filter: Any = None
    obj: Any = field(default=None, repr=False, compare=False)
    #: the learning rule that changes these weights on the machine (or None)
    learned: "Learned | None" = None
    #: the core of each cluster of its pre population that sends it, when
    #: the cluster adds its partial sums (spinnc.mapper.clusters); -1:
    #: every core sends its own
    sent_by: int = -1

    @property
    def size_out(self) -> int:
        return self.weights.shape[0]


@dataclass
class Learned:
    """What a learning rule (:mod:`spinnc.learning`) changes in a connection's
    weights, and what it learns from.

    The rule learns ``weights``, the learned nengo connection's own (its
    ``size_out`` rows; per spike in a fixed Graph), on the cores of its pre
    population, from the error in ``error ..``, the population's input
    dimensions that the connections into ``conn.learning_rule`` (``rule_name``)
    feed (:func:`spinnc.frontend.learning.attach`).  An edge's rows are
    ``transform @ weights``: the identity on the connection itself, the
    product of the transforms of the passthrough nodes it was folded through
    otherwise (s16.15 in a fixed Graph); the cores decode them from the
    learned rows, so every edge follows the learning exactly.  ``constants``
    are the rule's fixed-point constants in a fixed Graph.  ``matrix``: the
    weights are a full matrix into the post's neurons, a row per neuron
    (:func:`spinnc.frontend.learning.learn_weights`); ``error_transform``
    multiplies the errors into the rule (PES into neurons: the post's scaled
    encoders, nengo's local error), None for none.  ``post_neurons``: a
    matrix into a slice of the post's neurons, the neuron of each row (None:
    every neuron, in order).  ``pre_neurons``: the pre neurons ``(lo, hi)``
    it learns from (PES from a slice of them; None: all), whose columns of
    ``weights`` alone may be non-zero.  ``row_block``: ``(lo, hi, rows)``
    when this edge carries rows ``lo:hi`` of the learned connection's
    ``rows`` (a copy of its population learns each block:
    :mod:`spinnc.mapper.row_copies`); None: every row.  ``shares``: the
    rule (its name) whose weights this one changes too, after it in the
    tick (several rules on one connection: nengo adds their changes), on an
    edge of its own that decodes nothing; None for a rule with its own.
    """

    rule: Any = field(repr=False, compare=False)  # the nengo LearningRule
    rule_name: str
    transform: np.ndarray
    weights: np.ndarray = field(repr=False, default=None)
    error: int = -1
    constants: Any = None
    matrix: bool = False
    error_transform: np.ndarray | None = field(repr=False, default=None)
    post_neurons: np.ndarray | None = field(repr=False, default=None)
    pre_neurons: tuple[int, int] | None = None
    row_block: tuple[int, int, int] | None = None
    shares: str | None = None


@dataclass
class LearnedEncoders:
    """A rule that learns a population's encoders (Voja): its first
    ``dims`` encoder columns, from the learned connection's output, which a
    copy of that connection feeds into input dimensions ``x ..`` (zero
    encoders), and the learning signal in dimension ``signal`` (the
    connections into ``rule_name``).  ``scale`` is each neuron's ``gain /
    radius`` (s16.15 in a fixed Graph) and ``constants`` the rule's
    fixed-point constants there."""

    rule: Any = field(repr=False, compare=False)  # the nengo LearningRule
    rule_name: str
    dims: int
    x: int
    signal: int
    scale: np.ndarray = field(repr=False, default=None)
    constants: Any = None


@dataclass
class Probe:
    """Something recorded during a run.

    A ``value`` probe records the sum of the connections into it (its own
    synapse is already on those connections); ``spikes`` and ``voltage``
    probes record the neurons ``indices`` of the population ``target`` and
    filter with ``synapse`` (None for raw).  A ``trace`` probe records the
    activity trace of learning rule ``rule`` on ``target``, an ``inputs``
    probe its first row of input dimensions (PES's error, BCM's and Oja's
    post activities).  ``sample_every`` is in steps.
    """

    name: str
    kind: str
    size: int
    sample_every: int
    target: str | None = None
    indices: np.ndarray | None = None
    synapse: float | None = None  # a Lowpass time constant
    filter: Any = None  # a core's Filter (fixed Graph)
    obj: Any = field(default=None, repr=False, compare=False)
    #: a nengo synapse the host applies to the recordings (made every step):
    #: one that is not a Lowpass, or a Lowpass after another synapse
    host_synapse: Any = field(default=None, repr=False, compare=False)
    #: a weights probe's: the matrix the host multiplies the learned rows by
    #: (a weight solver's post encoders: nengo's weights are ``E @ D``), or None
    host_transform: Any = field(default=None, repr=False, compare=False)
    #: a probe of a learning rule (kinds ``trace`` and ``inputs``): the
    #: rule's name (:func:`spinnc.frontend.learning.rule_name`)
    rule: str | None = None


@dataclass
class Graph:
    """A whole model: populations, inputs, connections and probes by name."""

    dt: float
    seed: int | None
    populations: dict[str, Population] = field(default_factory=dict)
    inputs: dict[str, Input] = field(default_factory=dict)
    connections: list[Connection] = field(default_factory=list)
    probes: dict[str, Probe] = field(default_factory=dict)
    fixed: bool = False
    names: dict[Any, str] = field(default_factory=dict, repr=False, compare=False)
    #: the nengo ``Model`` the parameters were read from (float Graph only)
    model: Any = field(default=None, repr=False, compare=False)
    #: per-object settings the mapper reads (placement hints, profiling), by
    #: population or input name: ``{name: {"chip": (x, y), "profile": True}}``
    #: (:func:`spinnc.config.object_settings`)
    settings: dict = field(default_factory=dict)

    def name_of(self, obj) -> str:
        """The Graph name of a nengo ensemble, node or probe."""
        return self.names[obj]

    #: connections by (post, into a probe) and by pre, for the list they index
    _edges: tuple = field(default=(None, 0, {}, {}), init=False, repr=False, compare=False)

    def incoming(self, name: str, probe: bool = False) -> list[Connection]:
        """Connections into a population or input (or, with ``probe``, a probe)."""
        return list(self._edge_index()[2].get((name, probe), ()))

    def outgoing(self, name: str) -> list[Connection]:
        return list(self._edge_index()[3].get(name, ()))

    def _edge_index(self) -> tuple:
        """The connections indexed once (not scanned per call: the mapper asks
        for every population's), again when ``connections`` is replaced or grows."""
        indexed, length, _, _ = self._edges
        if indexed is not self.connections or length != len(self.connections):
            by_post, by_pre = {}, {}
            for c in self.connections:
                by_post.setdefault((c.post, c.target == "probe"), []).append(c)
                by_pre.setdefault(c.pre, []).append(c)
            # Holding the list itself (not its id) means a new list is never mistaken for it.
            self._edges = (self.connections, len(self.connections), by_post, by_pre)
        return self._edges

    def summary(self) -> str:
        """Populations, inputs, connections and probes with their sizes."""
        from .summary import graph_summary

        return graph_summary(self)
