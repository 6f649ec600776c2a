"""Folding passthrough nodes: composed weights, pruned to the rows a source reaches."""

import nengo
import numpy as np
import pytest

from spinnc.frontend import build


@pytest.mark.parametrize("dimensions", [3, 8])
def test_ensemble_array_sends_one_row_per_sub_ensemble(dimensions):
    with nengo.Network(seed=0) as network:
        array = nengo.networks.EnsembleArray(10, dimensions)
        after = nengo.Ensemble(20, dimensions)
        nengo.Connection(array.output, after)
        probe = nengo.Probe(array.output)
    graph = build(network)
    for i, ens in enumerate(array.ea_ensembles):
        name = graph.name_of(ens)
        (to_probe,) = [c for c in graph.outgoing(name) if c.target == "probe"]
        (to_after,) = [c for c in graph.outgoing(name) if c.post == graph.name_of(after)]
        for conn in (to_probe, to_after):
            assert conn.post_indices.tolist() == [i]
            assert conn.weights.shape == (1, 10)
    assert graph.probes[graph.name_of(probe)].size == dimensions


def test_pruned_rows_compose_to_nengos_values():
    x = np.array([0.3, -0.2, 0.5])
    transform = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 2.0, -1.0], [0.0, 0.0, 0.0]])
    with nengo.Network(seed=0) as network:
        node = nengo.Node(x)
        middle = nengo.Node(size_in=3)
        out = nengo.Node(size_in=4)
        nengo.Connection(node, middle, synapse=None)
        nengo.Connection(middle, out, transform=transform, synapse=None)
        probe = nengo.Probe(out)
    graph = build(network)
    (conn,) = graph.incoming(graph.name_of(probe), probe=True)
    assert conn.post_indices.tolist() == [0, 2]
    np.testing.assert_allclose(conn.weights @ x, (transform @ x)[[0, 2]])
