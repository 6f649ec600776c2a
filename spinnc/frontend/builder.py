"""nengo.Network -> float Graph, using nengo's own builder for every parameter.

Gains, biases, encoders, decoders (with function and transform applied) and
initial neuron states are read from the nengo ``Model`` that nengo's builder
fills, so they equal ``nengo.Simulator(network, dt=dt, seed=seed).data``.
Everything the Graph cannot express exactly raises
:class:`~spinnc.errors.UnsupportedFeature` before anything is built.
"""

from dataclasses import replace

import nengo
import numpy as np
from nengo.builder import Model
from nengo.cache import NoDecoderCache
from nengo.builder.transforms import ConvInc, ConvTransposeInc
from nengo.connection import LearningRule
from nengo.ensemble import Neurons
from nengo.transforms import Convolution, ConvolutionTranspose, Dense, NoTransform, Sparse

from .. import config, neurons
from ..errors import UnsupportedFeature, describe
from . import synapses
from .graph import Connection, Graph, Input, Learned, Population, Probe
from .learning import (attach as attach_learning, check_learning, check_rule_probe,
                       keep_learning, other_rules,
                       decoders_of_weights, encoder_learners, encoders_probe, learn_encoders,
                       learn_weights, learned_encoders, learning_rule, learns_matrix,
                       pre_neurons, rule_name, rule_probe, weights_probe)
from .nodes import direct_input, function_columns, is_direct, is_live, node_input
from .interposers import fold_with_interposers
from .shared_solves import shared_solves


#: Transforms spinnc runs as the dense matrix they are equivalent to (nengo's
#: builder refuses sparse and convolution transforms on decoded connections).
DENSE_EQUIVALENT = (Dense, NoTransform, Sparse, Convolution, ConvolutionTranspose)


def nengo_model(network: nengo.Network, dt: float = 0.001, seed: int | None = None,
                built: bool = True) -> Model:
    """A nengo ``Model`` of ``network``, built (or ready to build) as
    ``nengo.Simulator`` would build it.

    nengo seeds the build from ``network.seed`` alone (the Simulator's ``seed``
    only seeds noise and processes).  When the network has no seed and
    ``seed`` is given, ``seed`` seeds the build, so that spinnc's Graph and
    the float reference share every parameter.
    """
    model = Model(dt=float(dt), label=f"spinnc: {network}", decoder_cache=NoDecoderCache())
    if network.seed is None and seed is not None:
        model.seeds[network] = int(seed)
        model.seeded[network] = False
    if built:
        with shared_solves(network):  # the decoder solves on two cores
            model.build(network)
    return model


def build(network: nengo.Network, dt: float = 0.001, seed: int | None = None,
          process_seed: int | None = None) -> Graph:
    """Build the float Graph of a nengo network.

    Parameters
    ----------
    network : nengo.Network
        The model: LIF ensembles, nodes, connections and probes.
    dt : float
        Simulation time step in seconds.
    seed : int, optional
        Seeds the build when ``network.seed`` is None (see :func:`nengo_model`).
    process_seed : int, optional
        Seeds the nengo Processes that have no seed of their own, as the
        simulator's seed does in nengo (``seed`` when not given).  Each such
        process gets its own stream, from this seed and nengo's seed for its
        node.

    Returns
    -------
    Graph
        Populations, inputs, connections (passthrough nodes folded away, or
        kept as interposers where that saves traffic) and
        probes, with parameters equal to nengo's.

    Raises
    ------
    spinnc.errors.UnsupportedFeature
        For anything spinnc cannot run, naming the nengo object.
    """
    check_supported(network)
    model = nengo_model(network, dt, seed)
    names = _names(network)
    graph = Graph(dt=float(dt), seed=seed, names=names, model=model,
                  settings=config.object_settings(network, names))
    process_seed = seed if process_seed is None else process_seed
    passthroughs = {}
    functions = function_columns(network)  # computed with the node's value
    # A Direct ensemble that feeds itself cannot fold away: it runs on the host.
    looped = {c.pre_obj for c in network.all_connections if c.pre_obj is c.post_obj}

    for ens in network.all_ensembles:
        if is_direct(ens) and (ens in functions or ens in looped):  # on the host
            graph.inputs[graph.names[ens]] = direct_input(ens, graph.names[ens],
                                                          functions.get(ens, []))
        elif is_direct(ens):  # sums its inputs, as a passthrough node does
            passthroughs[graph.names[ens]] = ens
        else:
            graph.populations[graph.names[ens]] = _population(model, ens, graph.names[ens])
    for node in network.all_nodes:
        name = graph.names[node]
        if node.output is None:
            passthroughs[name] = node
        else:
            graph.inputs[name] = node_input(
                node, name, is_live(network, node), functions.get(node, []),
                process_rng(model, node, node.output, process_seed), float(dt))
    columns = {conn: _columns(node, functions[node], conn) for node in functions
               for conn, _ in functions[node]}

    edges = [_connection(model, graph, conn, columns.get(conn))
             for conn in network.all_connections]
    edges += [learn_encoders(model, graph, conn, edge)
              for conn, edge in zip(network.all_connections, list(edges))
              if conn.learning_rule_type is not None
              and learning_rule(conn).modifies == "encoders"]
    for ens in network.all_ensembles:
        if ens.noise is not None and not is_direct(ens):
            edges.append(_noise(model, graph, ens, process_seed))
    probe_conns = _probe_connections(model)
    into = list(edges)  # what an ensemble's input probe sums
    synapsed = {c.post_obj for c in network.all_connections if c.synapse is not None}
    learners = encoder_learners(network)
    for probe in network.all_probes:
        if is_static(probe, learners):  # nothing to record: the host knows the value
            continue
        if learned_encoders(probe, learners) is not None:
            graph.probes[graph.names[probe]] = encoders_probe(
                graph, probe, learners, _record_every(probe, graph.dt, False))
            continue
        if isinstance(probe.obj, nengo.Ensemble) and probe.attr == "input":
            graph.probes[graph.names[probe]], copies = _input_probe(graph, probe, into)
            edges.extend(copies)
            continue
        if isinstance(probe.obj, LearningRule):  # what the rule reads, recorded on the cores
            graph.probes[graph.names[probe]] = rule_probe(
                graph, probe, _record_every(probe, graph.dt, False))
            continue
        if isinstance(probe.obj, nengo.Connection) and probe.attr == "weights":
            graph.probes[graph.names[probe]], edge = weights_probe(
                model, graph, probe, _record_every(probe, graph.dt, False))
            edges.append(edge)
            continue
        if isinstance(probe.obj, nengo.Connection):  # its output: a node's, on the host
            graph.probes[graph.names[probe]], copy = _output_probe(graph, probe, into)
            edges.append(copy)
            continue
        graph.probes[graph.names[probe]], edge = _probe(graph, probe, probe_conns.get(probe),
                                                        model, synapsed)
        if edge is not None:
            edges.append(edge)

    # Folded, but for the nodes worth a core of their own (frontend/interposers.py).
    edges = other_rules(graph, edges)  # a connection's further rules: edges of their own
    folded = fold_with_interposers(edges, passthroughs, graph.inputs, graph.populations)
    folded = keep_learning(edges, folded)  # a rule learns where its output goes nowhere
    folded = attach_learning(graph, folded)  # errors become the learners' input dimensions
    connections = [_neuron_input(graph, _sum_repeated_posts(c)) for c in folded]
    graph.connections = _unique_names([c for c in connections if c is not None])
    return graph


# -- checks -------------------------------------------------------------------


def check_supported(network: nengo.Network) -> None:
    """Raise UnsupportedFeature for the first object spinnc cannot run."""
    for ens in network.all_ensembles:
        if is_direct(ens):
            continue
        if neurons.model_for(ens.neuron_type) is None:
            raise UnsupportedFeature(
                ens,
                f"neuron type {neurons.type_name(ens.neuron_type)}",
                f"spinnc runs {', '.join(neurons.supported_names())}; use one of them",
            )
        model = neurons.model_for(ens.neuron_type)
        if getattr(type(ens.neuron_type), "step", None) is not model.nengo_type.step:
            # A subclass runs as its registered base: only if it keeps its equations.
            raise UnsupportedFeature(
                ens, f"neuron type {type(ens.neuron_type).__name__} (its own step)",
                f"spinnc runs {model.nengo_type.__name__}'s equations for its subclasses; "
                "register a model for this type in spinnc.neurons")
    for conn in network.all_connections:
        _check_connection(conn)
    for probe in network.all_probes:
        _check_probe(probe, encoder_learners(network))


def _check_connection(conn: nengo.Connection) -> None:
    if conn.pre_obj is conn.post_obj and conn.synapse is None and (
            is_direct(conn.pre_obj) or getattr(conn.pre_obj, "output", 0) is None):
        # Its value would depend on itself in the same step (nengo: a cycle of operators).
        raise nengo.exceptions.BuildError(
            f"{describe(conn)} feeds {describe(conn.pre_obj)} back into itself without a "
            "synapse: an algebraic loop; give the connection a synapse")
    init = getattr(conn.transform, "init", None)
    if isinstance(init, np.ndarray) and not np.all(np.isfinite(init)):
        # nengo finds it only when building the weights, as "Signal(...) contains NaNs"
        raise nengo.exceptions.ValidationError(
            f"{conn} has NaN or infinite values in its transform; give finite numbers",
            attr="transform", obj=conn)
    if conn.learning_rule_type is not None:
        check_learning(conn)
    if not isinstance(conn.post_obj, (nengo.Ensemble, Neurons, nengo.Node, LearningRule)):
        raise UnsupportedFeature(conn, f"a connection into {type(conn.post_obj).__name__}")
    if not isinstance(conn.transform, DENSE_EQUIVALENT):
        raise UnsupportedFeature(
            conn, f"{type(conn.transform).__name__} transforms", "use a dense transform"
        )
    synapses.check(conn)


#: Probed attributes that stay constant during a run on spinnc (no learning):
#: the Simulator answers them from nengo's built model; the Graph has no probe.
STATIC_PROBES = {nengo.Connection: ("weights",), nengo.Ensemble: ("scaled_encoders",)}


def is_static(probe: nengo.Probe, learners: frozenset = frozenset()) -> bool:
    """Whether ``probe`` reads a signal that does not change during a run
    (a learned connection's weights do, and so do the encoders of the
    ensembles in ``learners``: :func:`encoder_learners`)."""
    if isinstance(probe.obj, nengo.Connection) and probe.obj.learning_rule_type is not None:
        return False
    if learned_encoders(probe, learners) is not None:
        return False
    return probe.attr in STATIC_PROBES.get(type(probe.obj), ())


def _model_probes(obj) -> str:
    """The state a probe can record on ``obj``'s neurons, for messages."""
    model = neurons.model_for(obj.ensemble.neuron_type) if isinstance(obj, Neurons) else None
    if model is None:
        return "voltage of LIF neurons; see spinnc.neurons"
    return ", ".join(model.probes) + f" of {model.name} neurons"


def _check_probe(probe: nengo.Probe, learners: frozenset = frozenset()) -> None:
    if is_static(probe, learners):
        return
    if learned_encoders(probe, learners) is not None:
        if probe.synapse is not None:
            raise UnsupportedFeature(probe, "a synapse on a probe of learned encoders",
                                     "probe them with synapse=None")
        return
    obj = probe.obj  # nengo keeps a probed slice's object here, the view in .target
    if isinstance(obj, LearningRule):
        check_rule_probe(probe)
        return
    supported = {nengo.Ensemble: ("decoded_output", "input"), nengo.Node: ("output",)}
    if isinstance(obj, nengo.Connection) and _from_node(obj):  # computed on the host
        supported[nengo.Connection] = ("output",)
    if isinstance(obj, nengo.Connection) and obj.learning_rule_type is not None:
        supported[nengo.Connection] = ("weights",)  # learned on the cores, recorded there
    if isinstance(obj, Neurons):  # spikes, and the state variables its model records
        model = neurons.model_for(obj.ensemble.neuron_type)
        supported[Neurons] = ("output", "input") + tuple(model.probes if model else ())
    # By isinstance: nengo_spa probes subclasses of Node (its Transcode, connectors).
    allowed = next((attrs for kind, attrs in supported.items() if isinstance(obj, kind)), ())
    if probe.attr not in allowed:
        raise UnsupportedFeature(
            probe,
            f"probing '{probe.attr}' of {type(obj).__name__}",
            "spinnc records an ensemble's decoded_output, its neurons' output "
            "(spikes) and the state its neuron model records ("
            + _model_probes(obj) + "), a node's output and the output of a connection "
            "out of a node (and a connection's weights and an ensemble's "
            "scaled_encoders: nengo's built ones, or the learned ones recorded on the "
            "cores; a learning rule's probes: see spinnc.learning)",
        )
    if probe.synapse is not None and not isinstance(probe.synapse, nengo.synapses.Synapse):
        raise UnsupportedFeature(probe, f"synapse {probe.synapse}", "use a nengo Synapse")


# -- names --------------------------------------------------------------------


def _names(network: nengo.Network) -> dict:
    """Unique readable names: labels, prefixed by their subnetworks' labels."""
    names, used = {}, set()

    def unique(base, used=used):
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}#{k}"
        used.add(name)
        return name

    def visit(net, prefix):
        for kind, objs in (("ensemble", net.ensembles), ("node", net.nodes)):
            for i, obj in enumerate(objs):
                names[obj] = unique(prefix + (obj.label or f"{kind}{i}"))
        for i, sub in enumerate(net.networks):
            visit(sub, prefix + (sub.label or f"network{i}") + ".")

    visit(network, "")
    probe_names = set()  # probes have their own namespace
    for probe in network.all_probes:  # after the objects, so defaults can name them
        target = probe.obj
        owner = target.ensemble if isinstance(target, Neurons) else target
        attr = ("spikes" if probe.attr == "output" else probe.attr) if isinstance(
            target, Neurons
        ) else {"decoded_output": "decoded", "output": "out"}.get(probe.attr, probe.attr)
        if isinstance(owner, LearningRule):  # a rule's: after its connection
            owner_name = _connection_name(owner.connection, names) + ".learning_rule"
        else:
            owner_name = names.get(owner) or _connection_name(owner, names)
        names[probe] = unique(probe.label or f"{owner_name}.{attr}", probe_names)
    return names


def _connection_name(conn: nengo.Connection, names: dict) -> str:
    """``pre->post`` for a nengo connection (by its ensembles' and nodes' names)."""
    ends = [o.ensemble if isinstance(o, Neurons) else o for o in (conn.pre_obj, conn.post_obj)]
    return "->".join(names.get(o, type(o).__name__) for o in ends)


def _unique_names(connections):
    seen = {}
    for conn in connections:
        post = f"probe:{conn.post}" if conn.target == "probe" else conn.post
        base = f"{conn.pre}->{post}"
        seen[base] = seen.get(base, 0) + 1
        conn.name = base if seen[base] == 1 else f"{base}#{seen[base]}"
    return connections


# -- objects ------------------------------------------------------------------


def _population(model: Model, ens: nengo.Ensemble, name: str) -> Population:
    built = model.params[ens]
    neuron_model = neurons.model_for(ens.neuron_type)
    signals = {key: sig.initial_value for key, sig in model.sig[ens.neurons].items()
               if hasattr(sig, "initial_value")}
    return Population(
        name=name,
        n_neurons=ens.n_neurons,
        dimensions=ens.dimensions,
        radius=float(ens.radius),
        gain=np.array(built.gain, dtype=np.float64),
        bias=np.array(built.bias, dtype=np.float64),
        encoders=np.array(built.encoders, dtype=np.float64),
        amplitude=float(getattr(ens.neuron_type, "amplitude", 1.0)),  # Izhikevich has none
        model=neuron_model.name,
        params=neuron_model.parameters(ens.neuron_type),
        state=neuron_model.initial_state(signals),
        obj=ens,
    )


def process_rng(model: Model, obj, process, process_seed: int | None):
    """A maker of fresh RandomStates for an unseeded Process on ``obj`` (a
    node's output, an ensemble's noise), None otherwise: the same for the same
    process seed, another for another, different per object."""
    if not isinstance(process, nengo.Process) or process.seed is not None:
        return None
    if process_seed is None:
        process_seed = np.random.randint(np.iinfo(np.int32).max)
    words = (np.array([process_seed, model.seeds[obj]], dtype=np.int64) % 2**32)
    return lambda: np.random.RandomState(words.astype(np.uint32))


def _noise(model: Model, graph: Graph, ens: nengo.Ensemble, process_seed) -> Connection:
    """An ensemble's noise: a function of time with one output per neuron
    (played back like a node's), added to each neuron's current as nengo
    adds it (no gain: the connection into the neurons divides it out)."""
    name = graph.names[ens]
    noise = f"{name}.noise"
    process, n = ens.noise, ens.n_neurons
    make_rng = process_rng(model, ens, process, process_seed) or (lambda: np.random)

    def sampler(n_steps, dt):
        return process.run_steps(n_steps, d=n, dt=dt, rng=make_rng()).reshape(n_steps, n)

    graph.inputs[noise] = Input(noise, "time", 0, n, sampler=sampler, obj=ens)
    weights = np.diag(1.0 / np.asarray(model.params[ens].gain, dtype=np.float64))
    return Connection("", noise, name, weights, np.arange(n), None, target="neurons",
                      obj=(ens,))


def _source(obj):
    """(underlying object, indices into its output) of a connection's pre."""
    if isinstance(obj, nengo.base.ObjView):
        return obj.obj, np.arange(obj.obj.size_out)[obj.slice]
    return obj, np.arange(obj.size_out)


def _matrix(weights, size_out, size_in):
    """A built transform or weight array as a (size_out, size_in) matrix."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 0:
        return w * np.eye(size_out, size_in)
    if w.ndim == 1:
        return np.diag(w)
    return w


def _dense(transform, weights, size_out, size_in):
    """The (size_out, size_in) matrix a built transform multiplies its input by."""
    if isinstance(transform, (Convolution, ConvolutionTranspose)):
        op = (ConvTransposeInc if isinstance(transform, ConvolutionTranspose) else ConvInc)
        signals = {"W": np.asarray(weights, dtype=np.float64), "X": np.zeros(size_in),
                   "Y": np.zeros(size_out)}
        step = op("W", "X", "Y", transform).make_step(signals, None, None)
        columns = []
        for i in range(size_in):  # the response to each unit input is a column
            signals["X"][:], signals["Y"][:] = 0.0, 0.0
            signals["X"][i] = 1.0
            step()
            columns.append(signals["Y"].copy())
        return np.stack(columns, axis=1)
    if hasattr(weights, "allocate"):  # nengo's SparseMatrix, allocated as nengo's simulator
        weights = weights.allocate()  # does: scipy's csr_matrix, or dense with its warning
    if hasattr(weights, "toarray"):  # Sparse: a scipy sparse matrix
        return np.asarray(weights.toarray(), dtype=np.float64)
    return _matrix(weights, size_out, size_in)


def _columns(node: nengo.Node, functions: list, conn: nengo.Connection) -> np.ndarray:
    """The columns of ``node``'s Input holding ``conn``'s function values
    (after the node's own, in the order of :func:`~.nodes.function_columns`)."""
    first = node.size_out
    for other, _ in functions:
        if other is conn:
            return np.arange(first, first + conn.size_mid)
        first += other.size_mid
    raise KeyError(conn)


def _connection(model: Model, graph: Graph, conn: nengo.Connection,
                columns: np.ndarray | None = None) -> Connection:
    """``columns``: for a connection with a function out of a node, the
    node Input's columns that hold the function's values."""
    pre_obj = conn.pre_obj
    owner = pre_obj.ensemble if isinstance(pre_obj, Neurons) else pre_obj
    _, pre_indices = _source(conn.pre)
    source_size = pre_obj.size_out
    if owner in graph.names and graph.names[owner] in graph.inputs:  # with function columns
        source_size = graph.inputs[graph.names[owner]].size_out
    if columns is not None:
        pre_indices = columns
    if isinstance(pre_obj, nengo.Ensemble) and not is_direct(pre_obj):
        weights = np.array(model.params[conn].weights, dtype=np.float64)  # (out, n)
    else:
        built = model.sig[conn]["weights"]
        if built is None:  # NoTransform: identity
            sliced = np.eye(conn.size_out)
        else:
            sliced = _dense(conn.transform, built.initial_value, conn.size_out,
                            len(pre_indices))
        weights = np.zeros((conn.size_out, source_size))
        np.add.at(weights, (slice(None), pre_indices), sliced)  # u[[1, 1]] adds up

    post_obj = conn.post_obj
    post_indices = np.arange(post_obj.size_in)[conn.post_slice]
    target, learned = "value", None
    if isinstance(post_obj, LearningRule):  # an error: attach_learning places it
        return Connection("", graph.names[owner], rule_name(graph, post_obj), weights,
                          post_indices, synapses.of(conn.synapse), target="error",
                          obj=(conn,))
    if conn.learning_rule_type is not None and learns_matrix(conn):
        return learn_weights(model, graph, conn, weights)  # a full matrix
    if conn.learning_rule_type is not None and learning_rule(conn).modifies != "encoders":
        if conn.solver.weights:  # PES learns decoders, which the weights encode
            weights = decoders_of_weights(model, conn, post_indices, weights)
        rule = learning_rule(conn)
        learned = Learned(rule, rule_name(graph, rule), np.eye(conn.size_out), weights,
                          pre_neurons=pre_neurons(conn))
    if isinstance(post_obj, Neurons):  # one row per neuron until _neuron_input
        target, post_obj = "neurons", post_obj.ensemble
    elif (isinstance(pre_obj, nengo.Ensemble) and not is_direct(pre_obj) and conn.solver.weights
          and learned is None):
        # nengo's neuron-to-neuron weights (encoders and gains included) into
        # every post neuron: as a connection into ens.neurons, without the gain
        target, post_indices = "neurons", np.arange(post_obj.n_neurons)
        weights = weights / model.params[post_obj].gain[:, None]
    return Connection(
        name="",
        pre=graph.names[owner],
        post=graph.names[post_obj],
        weights=weights,
        post_indices=post_indices,
        synapse=synapses.of(conn.synapse),
        target=target,
        obj=(conn,),
        learned=learned,
    )


def _sum_repeated_posts(conn: Connection) -> Connection:
    """One row per post dimension: rows into the same dimension (``b[[1, 1]]``)
    add up, as nengo adds them."""
    posts, row_of = np.unique(conn.post_indices, return_inverse=True)
    if len(posts) == len(conn.post_indices) or conn.target == "weights":
        return conn
    weights = np.zeros((len(posts), conn.weights.shape[1]))
    np.add.at(weights, row_of, conn.weights)
    learned = conn.learned
    if learned is not None:  # its rows are summed alike
        transform = np.zeros((len(posts), learned.transform.shape[1]))
        np.add.at(transform, row_of, learned.transform)
        learned = replace(learned, transform=transform)
    return replace(conn, weights=weights, post_indices=posts, learned=learned)


def _neuron_input(graph: Graph, conn: Connection) -> Connection | None:
    """A connection into neurons as the Graph carries it (None if all zero).

    Rows all equal (global inhibition): one row shared by the neurons it
    reaches.  Different rows W (a weight per neuron): W = U S V^T, and the
    population gets rank(W) more input dimensions whose encoders are the
    rows of U S (times the gain, as nengo applies it); the connection sends
    V^T x into them, so each neuron's current gains gain * (W x), still as
    decoded values.  Checked after folding passthroughs: a per-neuron
    identity out of a node (EnsembleArray.add_neuron_input) composed with an
    equal-rows transform into that node is global inhibition too."""
    if conn.target != "neurons":
        return conn
    reached = conn.weights.any(axis=1)
    weights, neurons = conn.weights[reached], conn.post_indices[reached]
    if not reached.any():  # all zero: reaches no neuron
        return None
    if np.all(weights == weights[:1]):
        return replace(conn, weights=weights[:1], post_indices=neurons)
    u, s, vt = np.linalg.svd(weights, full_matrices=False)
    rank = int(np.sum(s > s[0] * 1e-12))
    pop = graph.populations[conn.post]
    columns = np.zeros((pop.n_neurons, rank))
    columns[neurons] = u[:, :rank] * s[:rank] * pop.radius  # scaled: x gain / radius
    first = pop.dimensions
    pop.encoders = np.hstack([pop.encoders, columns])
    pop.dimensions += rank
    return replace(conn, weights=vt[:rank], target="value",
                   post_indices=np.arange(first, first + rank))


def _probe_connections(model: Model) -> dict:
    """The connections nengo's builder made for decoded-output probes."""
    return {
        conn.post_obj: conn
        for conn in model.params
        if isinstance(conn, nengo.Connection) and isinstance(conn.post_obj, nengo.Probe)
    }


def _input_probe(graph: Graph, probe: nengo.Probe, into: list[Connection]):
    """An ensemble's input probe (nengo's ``ens.input``: the sum of its
    filtered decoded inputs) and its edges: a copy of every value connection
    into the probed dimensions, so the recorder sums what the ensemble sums."""
    if probe.synapse is not None:
        raise UnsupportedFeature(probe, "a synapse on an ensemble's input probe",
                                 "probe the input with synapse=None")
    name, ens = graph.names[probe], graph.names[probe.obj]
    _, indices = _source(probe.target)
    position = {int(d): i for i, d in enumerate(indices)}
    copies = []
    for edge in into:
        rows = [r for r, d in enumerate(edge.post_indices) if int(d) in position]
        if edge.post != ens or edge.target != "value" or not rows:
            continue
        copies.append(replace(edge, post=name, target="probe", weights=edge.weights[rows],
                              post_indices=np.array([position[int(edge.post_indices[r])]
                                                     for r in rows]),
                              obj=edge.obj + (probe,)))
    sample_every = _record_every(probe, graph.dt, False)
    return Probe(name, "value", len(indices), sample_every, obj=probe), copies


def _from_node(conn: nengo.Connection) -> bool:
    """A connection out of a node with an output (the host computes its values)."""
    return isinstance(conn.pre_obj, nengo.Node) and conn.pre_obj.output is not None


def _output_probe(graph: Graph, probe: nengo.Probe, into: list[Connection]):
    """A probe of a connection's output (out of a node: ``_check_probe``):
    a copy of the connection into the probe, its synapse included, as nengo's
    ``out`` signal; the probe's own synapse is applied on the host after it."""
    edge = next(e for e in into if e.obj and e.obj[0] is probe.obj)
    name = graph.names[probe]
    size = len(edge.post_indices)
    copy = replace(edge, post=name, target="probe", post_indices=np.arange(size),
                   obj=edge.obj + (probe,))
    sample_every = _record_every(probe, graph.dt, False, probe.synapse)
    return Probe(name, "value", size, sample_every, obj=probe,
                 host_synapse=probe.synapse), copy


def _record_every(probe: nengo.Probe, dt: float, neurons: bool, host_synapse=None) -> int:
    """Steps between a probe's recordings on the machine.

    The machine records every ``sample_every / dt`` steps when that is a whole
    number.  Otherwise, and for probes whose synapse the host applies (spike
    and voltage probes with a synapse, any probe with a synapse other than
    Lowpass: it needs every step), it records every step and the simulator
    keeps the samples nengo keeps."""
    steps = 1.0 if probe.sample_every is None else probe.sample_every / dt
    if abs(steps - round(steps)) > 1e-9 or (neurons and probe.synapse is not None) or (
            host_synapse is not None):
        return 1
    return max(int(round(steps)), 1)


def _host_synapse(probe: nengo.Probe, synapsed: set):
    """The probe's synapse when the host must apply it to what the machine
    recorded (every step), else None (a Lowpass runs on the machine): a
    synapse other than Lowpass (the cores' filters are first order), or one on
    a passthrough node that a connection with a synapse feeds (two Lowpass
    filters in a row are not one)."""
    target = probe.obj
    if probe.synapse is None or (type(probe.synapse) is nengo.Lowpass and not (
            isinstance(target, nengo.Node) and target.output is None and target in synapsed)):
        return None
    return probe.synapse


def _probe(graph: Graph, probe: nengo.Probe, probe_conn, model: Model, synapsed: set):
    """The Graph probe and, for value probes, the connection that feeds it."""
    name = graph.names[probe]
    host_synapse = _host_synapse(probe, synapsed)  # else a Lowpass on the machine
    synapse = None if probe.synapse is None or host_synapse else float(probe.synapse.tau)
    target, indices = _source(probe.target)
    sample_every = _record_every(probe, graph.dt, isinstance(target, Neurons), host_synapse)

    if isinstance(target, Neurons):
        kind = "spikes" if probe.attr == "output" else probe.attr  # a model's probe
        return Probe(name, kind, len(indices), sample_every, graph.names[target.ensemble],
                     indices, synapse, obj=probe, host_synapse=host_synapse), None

    if isinstance(target, nengo.Ensemble) and not is_direct(target):  # decoded output
        weights = np.array(model.params[probe_conn].weights, dtype=np.float64)
    else:  # node output: identity on the probed slice (not its function columns)
        source = graph.inputs.get(graph.names[target])
        weights = np.zeros((len(indices), target.size_out if source is None else source.size_out))
        weights[np.arange(len(indices)), indices] = 1.0
    edge = Connection("", graph.names[target], name, weights, np.arange(len(indices)),
                      synapse, target="probe", obj=(probe,))
    return Probe(name, "value", len(indices), sample_every, obj=probe,
                 host_synapse=host_synapse), edge
