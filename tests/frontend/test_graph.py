"""Graph's connection index follows its connections list."""

import numpy as np

from spinnc.frontend.graph import Connection, Graph


def conn(name, pre, post, target="value"):
    return Connection(name, pre, post, np.ones((1, 1)), np.zeros(1, int), 0.005, target)


def test_incoming_and_outgoing_follow_the_list_as_it_is_replaced_or_grows():
    graph = Graph(dt=0.001, seed=0)
    graph.connections = [conn("a->b", "a", "b"), conn("c->b", "c", "b"),
                         conn("b->p", "b", "p", "probe"), conn("a->c", "a", "c")]
    assert [c.name for c in graph.incoming("b")] == ["a->b", "c->b"]  # in list order
    assert [c.name for c in graph.incoming("p", probe=True)] == ["b->p"]
    assert graph.incoming("p") == [] and graph.incoming("nothing") == []
    assert [c.name for c in graph.outgoing("a")] == ["a->b", "a->c"]
    graph.connections.append(conn("d->b", "d", "b"))
    assert [c.name for c in graph.incoming("b")] == ["a->b", "c->b", "d->b"]
    graph.connections = [conn("x->b", "x", "b")]
    assert [c.name for c in graph.incoming("b")] == ["x->b"]
    assert graph.outgoing("a") == []
    graph.incoming("b").clear()  # a caller's list is its own
    assert len(graph.incoming("b")) == 1
