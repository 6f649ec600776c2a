"""Unlabelled objects are named in errors by where they are (spinnc.names)."""

import inspect

import nengo
import pytest

import spinnc  # noqa: F401  (importing spinnc starts recording creation sites)
from spinnc.errors import UnsupportedFeature, describe


def test_an_unlabelled_object_is_named_by_type_size_path_and_creation_line():
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)
        with nengo.Network(label="inner"):
            with nengo.Network():
                ens = nengo.Ensemble(50, 2)
                line = inspect.currentframe().f_lineno - 1
    assert describe(ens) == ("Ensemble (50 neurons, 2-D) 'inner.network0.ensemble0' "
                             f"(created at test_names.py:{line})")
    assert describe(net.ensembles[0]).startswith("Ensemble (10 neurons, 1-D) 'ensemble0'")


def test_labelled_objects_keep_their_label():
    with nengo.Network():
        ens = nengo.Ensemble(10, 1, label="motor")
    assert describe(ens) == "Ensemble 'motor'"


def test_connections_probes_and_neurons_name_their_ends():
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 1, label="a")
        node = nengo.Node(size_in=1)
        conn = nengo.Connection(a, node)
        probe = nengo.Probe(node)
    assert describe(conn).startswith("Connection (Ensemble 'a' -> Node 'node0')")
    assert describe(probe).startswith("Probe ('output' of Node 'node0')")
    assert describe(a.neurons) == "the neurons of Ensemble 'a'"
    assert net.nodes == [node]


def test_an_unsupported_feature_names_an_unlabelled_object_by_where_it_is():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(20, 1, neuron_type=nengo.Sigmoid())
    with pytest.raises(UnsupportedFeature) as info:
        spinnc.build(net)
    assert str(info.value).startswith("Ensemble (20 neurons, 1-D) 'ensemble0' (created at "
                                      "test_names.py:")
    assert "0x" not in str(info.value) and a is not None
