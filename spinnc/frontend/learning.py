"""Learning rules in the Graph: which connections learn (:func:`check_learning`),
what a rule learns (:class:`~.graph.Learned` on an edge, a
:class:`~.graph.LearnedEncoders` on a population), the probes of learned
values, and where a rule's error enters (:func:`attach`).

nengo sums the connections into ``conn.learning_rule`` into the rule's error.
spinnc gives the population that learns (the connection's pre ensemble) one
input dimension per row of the learned connection, with zero encoders (they
change no current): the error connections are routed there like any decoded
input, filtered by their synapses on the learning cores, and the rule reads
them from the member's input.  A rule learning a full weight matrix (BCM,
Oja) has a row per post neuron, decoded into an input dimension of that
neuron alone (:func:`learn_weights`), and reads the post neurons' activities
the same way: connections from the post's neurons through the rule's
synapses into its input dimensions.  Every edge that carries the learned weights
(the connection, and what folding passthrough nodes made of it, an error
connection included) is decoded by the cores from the one set of learned
weights (:class:`~.graph.Learned`), so nothing needs an error of its own.
"""

from dataclasses import replace

import numpy as np

import nengo
from nengo.connection import LearningRule

from .. import learning
from ..errors import UnsupportedFeature, describe
from . import synapses
from .graph import Connection, Graph, Learned, LearnedEncoders, Probe


def rule_name(graph: Graph, rule) -> str:
    """The Graph name of a nengo LearningRule (its connection's ends, and
    its key or index among the connection's rules when it has several)."""
    conn = rule.connection
    ends = [getattr(o, "ensemble", o) for o in (conn.pre_obj, conn.post_obj)]
    name = "->".join(graph.names.get(o, type(o).__name__) for o in ends) + ".learning_rule"
    rules = conn.learning_rule  # (new objects each time: known by their types)
    same = (lambda r: r.learning_rule_type is rule.learning_rule_type)
    if isinstance(rules, dict):
        return name + next(f"[{key}]" for key, r in rules.items() if same(r))
    if isinstance(rules, (list, tuple)) and len(rules) > 1:
        return name + next(f"[{i}]" for i, r in enumerate(rules) if same(r))
    return name


def attach(graph: Graph, connections: list[Connection]) -> list[Connection]:
    """Give every learned connection its error dimensions on its pre
    population and turn the error connections into inputs there (the
    ``"error"`` edges are replaced).

    Raises
    ------
    UnsupportedFeature
        If a learned connection reaches neurons through a passthrough node.
    """
    first: dict = {}  # rule name -> its first error dimension
    extra = []  # the post activities rules read
    local = {c.learned.rule_name: c.learned.error_transform for c in connections
             if c.learned is not None and c.learned.error_transform is not None}
    for c in connections:
        if c.learned is None:
            continue
        if c.target == "neurons":
            raise UnsupportedFeature(c.learned.rule.connection,
                                     "a learned connection into neurons through a "
                                     "passthrough node", "connect it into an ensemble")
        if c.learned.rule_name not in first:
            pop = graph.populations[c.pre]
            rows = c.learned.transform.shape[1]
            rule_type = c.learned.rule.learning_rule_type
            module = learning.rule_for(rule_type)
            first[c.learned.rule_name] = at = pop.dimensions
            width = rows * module.inputs_per_row
            pop.encoders = np.hstack([pop.encoders, np.zeros((pop.n_neurons, width))])
            pop.dimensions += width
            post = graph.names[_ensemble(c.learned.rule.connection.post_obj)]
            for block, synapse in enumerate(module.activities(rule_type)):
                # the activities of the post neurons of its rows
                reads = np.eye(graph.populations[post].n_neurons)
                reads = reads[c.learned.post_neurons] if c.learned.post_neurons is not None \
                    else reads[:rows]
                extra.append(Connection("", post, c.pre, reads,
                                        at + block * rows + np.arange(rows),
                                        synapses.of(synapse), obj=(c.learned.rule.connection,)))
    into = {name: learner.pre for name in first for learner in connections
            if learner.learned is not None and learner.learned.rule_name == name}
    for pop in graph.populations.values():  # rules that learn encoders: their signal
        for rule in pop.encoder_learning:
            first[rule.rule_name], into[rule.rule_name] = rule.signal, pop.name
    out = []
    for c in connections:
        if c.target == "error":
            if c.post not in into:  # nothing learns: the error goes nowhere
                continue
            if c.post in local:  # a local error per post neuron
                encoders = local[c.post][:, c.post_indices]
                c = replace(c, weights=encoders @ c.weights,
                            post_indices=np.arange(len(encoders)))
            c = replace(c, post=into[c.post], target="value",
                        post_indices=first[c.post] + c.post_indices)
        if c.learned is not None:  # (an error may carry learned weights too)
            c = replace(c, learned=replace(c.learned, error=first[c.learned.rule_name]))
        out.append(c)
    return out + extra


def keep_learning(edges: list[Connection], folded: list[Connection]) -> list[Connection]:
    """``folded`` (``edges`` with the passthrough nodes folded away) with
    an edge for each rule whose learned connection the folding left going
    nowhere (into a node that feeds nothing): nengo learns its weights all
    the same, so the cores run the rule (a weights edge, which decodes
    nothing: as a weights probe's) and ``sim.data[conn].weights`` reads
    them back."""
    running = {c.learned.rule_name for c in folded if c.learned is not None}
    kept = []
    for c in edges:
        learned = c.learned
        if (learned is None or learned.rule_name in running
                or learned.transform.shape != (c.size_out,) * 2):
            continue
        running.add(learned.rule_name)
        kept.append(replace(c, name="", post=f"{learned.rule_name}.weights", target="weights",
                            post_indices=np.arange(c.size_out), synapse=None))
    return folded + kept


def _ensemble(obj):
    """The ensemble of ``obj`` (an ensemble or its neurons)."""
    return getattr(obj, "ensemble", obj)


def learning_types(conn: nengo.Connection) -> list:
    """The learning rule types of ``conn`` (nengo takes one, a list or a dict)."""
    types = conn.learning_rule_type
    if isinstance(types, dict):
        return list(types.values())
    return list(types) if isinstance(types, (list, tuple)) else [types]


def learning_rules(conn: nengo.Connection) -> list[LearningRule]:
    """The LearningRules of a learned connection in the order its cores run
    them: one that reads the weights (Oja's forgetting) first, as nengo
    computes every rule's change from the weights before the step and adds
    them all (``check_learning``: at most one such rule)."""
    rules = conn.learning_rule
    rules = (list(rules.values()) if isinstance(rules, dict)
             else list(rules) if isinstance(rules, (list, tuple)) else [rules])
    return sorted(rules, key=lambda r: not getattr(learning.rule_for(r.learning_rule_type),
                                                   "reads_weights", False))


def learning_rule(conn: nengo.Connection) -> LearningRule:
    """The LearningRule of a learned connection that holds its weights (the
    first its cores run, :func:`learning_rules`)."""
    return learning_rules(conn)[0]


def check_learning(conn: nengo.Connection) -> None:
    """Rules that spinnc runs, on a connection it can learn: one, or several
    learning one weight matrix (BCM and Oja, at most one of them Oja)."""
    runs = ", ".join(learning.supported_names())
    types = learning_types(conn)
    for rule_type in types:
        if learning.rule_for(rule_type) is None:
            raise UnsupportedFeature(conn, f"the learning rule {type(rule_type).__name__}",
                                     f"spinnc runs {runs} on the cores")
    names = " and ".join(type(t).__name__ for t in types)
    if len(types) > 1 and not all(t.modifies == "weights" for t in types):
        raise UnsupportedFeature(conn, f"{len(types)} learning rules on one connection ({names})",
                                 "several rules learn one connection when they all learn its "
                                 "weight matrix (BCM, Oja); give it one rule")
    if sum(learning.rule_for(t).reads_weights for t in types) > 1:
        raise UnsupportedFeature(conn, f"{names} on one connection",
                                 "each reads the weights before the other's change; give it "
                                 "one of them")
    for rule_type in types:
        learning.rule_for(rule_type).check(conn, rule_type)


def other_rules(graph: Graph, edges: list[Connection]) -> list[Connection]:
    """``edges`` with an edge for each further rule of a connection with
    several (:func:`learning_rules`): it decodes nothing and changes the
    weights of the connection's first rule (``Learned.shares``), from
    inputs of its own (:func:`attach`)."""
    out = list(edges)
    for c in edges:
        learned = c.learned
        if learned is None or learned.shares is not None or c.target != "value":
            continue
        for rule in learning_rules(learned.rule.connection)[1:]:
            name = rule_name(graph, rule)
            out.append(replace(c, name="", post=f"{name}.shared", target="weights",
                               post_indices=np.arange(c.size_out), synapse=None,
                               learned=replace(learned, rule=rule, rule_name=name,
                                               shares=learned.rule_name)))
    return out


def encoder_learners(network: nengo.Network) -> frozenset:
    """The ensembles of ``network`` whose encoders a learning rule changes."""
    return frozenset(c.post_obj for c in network.all_connections
                     if c.learning_rule_type is not None
                     and learning_rule(c).modifies == "encoders")


def learned_encoders(probe: nengo.Probe, learners: frozenset):
    """The ensemble whose learned encoders ``probe`` reads (an ensemble's or
    a Voja rule's ``scaled_encoders``), else None."""
    if probe.attr != "scaled_encoders":
        return None
    obj = probe.obj
    if isinstance(obj, LearningRule):
        return obj.connection.post_obj if obj.modifies == "encoders" else None
    return obj if obj in learners else None


def learn_encoders(model, graph: Graph, conn: nengo.Connection,
                    edge: Connection) -> Connection:
    """A rule learning the post's encoders from ``conn`` (Voja): its input
    dimensions (the connection's output, then the learning signal) and a
    copy of ``conn``'s edge into them."""
    post = graph.populations[graph.names[conn.post_obj]]
    rule = learning_rule(conn)
    if post.encoder_learning:  # nengo adds both deltas into one signal
        raise UnsupportedFeature(conn, f"a second rule learning the encoders of "
                                 f"{describe(conn.post_obj)}", "learn them with one rule")
    size = conn.size_out
    first = post.dimensions
    post.encoders = np.hstack([post.encoders, np.zeros((post.n_neurons, size + 1))])
    post.dimensions += size + 1
    built = model.params[conn.post_obj]
    post.encoder_learning.append(LearnedEncoders(
        rule, rule_name(graph, rule), conn.post_obj.dimensions, first, first + size,
        scale=np.asarray(built.gain, dtype=np.float64) / conn.post_obj.radius))
    return replace(edge, post_indices=first + np.arange(size), obj=edge.obj + (rule,))


def encoders_probe(graph: Graph, probe: nengo.Probe, learners: frozenset,
                   sample_every: int) -> Probe:
    """A probe of learned encoders (Voja's): the encoders the cores of the
    ensemble learn, recorded there (each core its neurons' rows)."""
    ens = learned_encoders(probe, learners)
    return Probe(graph.names[probe], "encoders", ens.n_neurons * ens.dimensions,
                 sample_every, graph.names[ens], obj=probe)


def pre_neurons(conn: nengo.Connection) -> tuple[int, int] | None:
    """The pre neurons ``(lo, hi)`` a learned connection from a slice of an
    ensemble's neurons learns from (a slice of step 1: the rule's check),
    None from all of them or from an ensemble."""
    pre = conn.pre_obj
    if not isinstance(pre, nengo.ensemble.Neurons):
        return None
    every = np.arange(pre.size_out)[conn.pre_slice]
    if np.array_equal(every, np.arange(pre.size_out)):
        return None
    return int(every[0]), int(every[-1]) + 1


def learns_matrix(conn: nengo.Connection) -> bool:
    """Whether the rule of learned ``conn`` learns its full weight matrix:
    BCM's and Oja's, PES's into an ensemble's neurons (from neurons, or from
    decoders: nengo folds the transform into them and learns the product),
    else decoders."""
    return learning_rule(conn).modifies == "weights" or isinstance(
        conn.post_obj, nengo.ensemble.Neurons)


def learn_weights(model, graph: Graph, conn: nengo.Connection,
                  weights: np.ndarray) -> Connection:
    """A rule learning the full weight matrix ``weights`` of ``conn`` (post
    neurons x pre neurons; :func:`learns_matrix`): the learned rows of the pre ensemble,
    one per post neuron, each decoded into an input dimension of the post
    whose encoders reach that neuron alone, with the current as nengo adds
    it: times the neuron's gain into neurons (the scaled encoder is the
    gain), as is from a weight solver, whose weights hold the gains (the
    scaled encoder is 1: ``radius / gain`` before scaling).

    Raises
    ------
    UnsupportedFeature
        If a weight solver's post neuron has no gain to divide by.
    """
    post_ens = _ensemble(conn.post_obj)
    post = graph.populations[graph.names[post_ens]]
    gain = np.asarray(model.params[post_ens].gain, dtype=np.float64)
    into_neurons = isinstance(conn.post_obj, nengo.ensemble.Neurons)
    if not into_neurons and not np.all(gain != 0):
        raise UnsupportedFeature(conn, f"{type(learning_rule(conn).learning_rule_type).__name__} "
                                 f"into neurons of zero gain in {describe(post_ens)}",
                                 "give every post neuron a gain (max_rates, intercepts)")
    first = post.dimensions
    # The post neurons it reaches (a slice of its neurons: some), a row each.
    neurons = np.arange(post.n_neurons)[conn.post_slice] if into_neurons else \
        np.arange(post.n_neurons)
    n = len(neurons)
    scale = np.ones(post.n_neurons) if into_neurons else 1.0 / gain
    columns = np.zeros((post.n_neurons, n))
    columns[neurons, np.arange(n)] = post.radius * scale[neurons]
    post.encoders = np.hstack([post.encoders, columns])
    post.dimensions += n
    rule = learning_rule(conn)
    local_error = None  # PES: nengo's error times the post's scaled encoders
    if rule.modifies != "weights":
        local_error = np.asarray(model.params[post_ens].scaled_encoders,
                                 dtype=np.float64)[neurons]
    some = None if n == post.n_neurons and np.array_equal(neurons, np.arange(n)) else neurons
    return Connection("", graph.names[_ensemble(conn.pre_obj)], graph.names[post_ens],
                      weights, first + np.arange(n), synapses.of(conn.synapse), obj=(conn,),
                      learned=Learned(rule, rule_name(graph, rule), np.eye(n), weights,
                                      matrix=True, error_transform=local_error,
                                      post_neurons=some, pre_neurons=pre_neurons(conn)))


def decoders_of_weights(model, conn: nengo.Connection, post_indices: np.ndarray,
                         weights: np.ndarray) -> np.ndarray:
    """The decoders ``D`` of a weight solver's ``W = E D`` (``E`` the post's
    scaled encoders of the dimensions it reaches): PES changes ``W`` by ``E``
    times a decoder update (nengo's local error is ``E e``), so learning
    ``D`` into the post's decoded input is the same learning.

    Raises
    ------
    UnsupportedFeature
        If ``W`` is not ``E D`` for any ``D`` (a solver that did not encode).
    """
    encoders = np.asarray(model.params[conn.post_obj].scaled_encoders)[:, post_indices]
    decoders = np.linalg.lstsq(encoders, weights, rcond=None)[0]
    if not np.allclose(encoders @ decoders, weights, rtol=1e-6,
                       atol=1e-9 * max(np.abs(weights).max(), 1e-300)):
        raise UnsupportedFeature(conn, "PES on weights that are not the post's encoders "
                                 "times decoders", "use a decoder solver (weights=False)")
    return decoders


def solver_encoders(model, conn: nengo.Connection) -> np.ndarray | None:
    """The post's scaled encoders ``E`` when the cores learn the decoders
    ``D`` of a weight solver's ``W = E D`` (PES), else None (decoders, or a
    full matrix that BCM and Oja learn as it is)."""
    if not conn.solver.weights or learns_matrix(conn):
        return None
    post_indices = np.arange(conn.post_obj.size_in)[conn.post_slice]
    return np.asarray(model.params[conn.post_obj].scaled_encoders)[:, post_indices]


def weights_probe(model, graph: Graph, probe: nengo.Probe, sample_every: int):
    """A probe of a learned connection's weights: the weights the cores of
    its ensemble learn, recorded there (each core its neurons' columns)."""
    conn, name = probe.obj, graph.names[probe]
    if probe.synapse is not None:
        raise UnsupportedFeature(probe, "a synapse on a probe of learned weights",
                                 "probe the weights with synapse=None")
    pre = graph.names[getattr(conn.pre_obj, "ensemble", conn.pre_obj)]
    weights = np.array(model.params[conn].weights, dtype=np.float64)
    encoders = solver_encoders(model, conn)
    if encoders is not None:
        post_indices = np.arange(conn.post_obj.size_in)[conn.post_slice]
        weights = decoders_of_weights(model, conn, post_indices, weights)
    some = pre_neurons(conn)  # the neurons it learns from, when not all
    every = weights
    if some:  # the edge's columns are all the pre's neurons, as the connection's are
        every = np.zeros((weights.shape[0], conn.pre_obj.ensemble.n_neurons))
        every[:, some[0]:some[1]] = weights
    edge = Connection("", pre, name, every, np.arange(weights.shape[0]),
                      None, target="weights", obj=(conn, probe),
                      learned=Learned(learning_rule(conn),
                                      rule_name(graph, learning_rule(conn)),
                                      np.eye(weights.shape[0]), every, pre_neurons=some))
    return Probe(name, "weights", weights.size, sample_every, pre,
                 np.arange(*some) if some else None, obj=probe,
                 host_transform=encoders), edge


def check_rule_probe(probe: nengo.Probe) -> str:
    """What a probe of a learning rule records on the cores (its module's
    :attr:`~spinnc.learning.LearningRule.probeables`): ``"trace"``, its
    activity trace, or ``"inputs"``, its first row of input dimensions.

    Raises
    ------
    UnsupportedFeature
        For an attribute the cores do not record, a synapse on the probe, or
        PES's error into neurons (the cores receive the local error).
    """
    rule = probe.obj
    conn, module = rule.connection, learning.rule_for(rule.learning_rule_type)
    source = module.probeables.get(probe.attr)
    if source is None:
        recorded = ", ".join(module.probeables) or "nothing"
        raise UnsupportedFeature(probe, f"probing '{probe.attr}' of a {module.name} rule",
                                 f"the cores record {recorded} of it (probe the learned "
                                 "connection's weights for what it learns)")
    if probe.synapse is not None:
        raise UnsupportedFeature(probe, f"a synapse on a probe of a rule's {probe.attr}",
                                 "probe it with synapse=None")
    if source == "inputs" and module.name == "PES" and learns_matrix(conn):
        raise UnsupportedFeature(probe, "probing the error of PES into neurons",
                                 "the cores receive its local error (the error times the "
                                 "post's encoders); probe the error's source instead")
    return source


def rule_probe(graph: Graph, probe: nengo.Probe, sample_every: int) -> Probe:
    """A probe of what a learning rule reads on the cores
    (:func:`check_rule_probe`): its trace, recorded by each core of the
    population it learns on, or its first row of input dimensions (one per
    row of the learned connection), recorded by the population's first core."""
    rule = probe.obj
    conn, name = rule.connection, rule_name(graph, rule)
    if check_rule_probe(probe) == "trace":
        ens = _ensemble(conn.post_obj if rule.modifies == "encoders" else conn.pre_obj)
        lo, hi = (pre_neurons(conn) if rule.modifies != "encoders" else None) or (
            0, ens.n_neurons)
        return Probe(graph.names[probe], "trace", hi - lo, sample_every,
                     graph.names[ens], obj=probe, rule=name)
    rows = _ensemble(conn.post_obj).n_neurons if learns_matrix(conn) else conn.size_out
    return Probe(graph.names[probe], "inputs", rows, sample_every,
                 graph.names[_ensemble(conn.pre_obj)], obj=probe, rule=name)
