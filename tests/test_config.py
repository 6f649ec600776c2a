"""spinnc.config: per-object settings and which node outputs are functions of time."""

import math
import random
import time

import nengo
import numpy as np
import pytest

from spinnc.config import add_params, arrays_read, is_function_of_time, setting

STATE = {"v": 0.0}
GAIN = 2.0
BUFFER = np.zeros(3)


def helper(t):
    return np.sin(GAIN * t)


def calls_helper(t):
    return [helper(t), math.cos(t)]


def counts(t):
    global GAIN
    GAIN += 1
    return t


def closure(value):
    return lambda t: value * t


class Callable:
    def __call__(self, t):
        return t

    def method(self, t):
        return t


@pytest.mark.parametrize("output", [
    np.sin, math.sin, abs, helper, calls_helper, closure(3.0), closure((1, 2)),
    lambda t: [np.sin(t * k) for k in range(3)],
    lambda t: np.array([t, np.cos(t)]),
    lambda t: np.linalg.norm([t, 1]),
    lambda t: float(t > 0.5),
    lambda t: np.sin(t + BUFFER), closure(BUFFER),  # arrays: constants, checked each step
    nengo.processes.WhiteSignal(1.0, high=5),
])
def test_functions_of_time_alone(output):
    assert is_function_of_time(output)


@pytest.mark.parametrize("output", [
    lambda t: STATE["v"], counts, closure([1]), closure(np.array([None])),
    lambda t: np.random.rand(), lambda t: random.random(), lambda t: time.time(),
    lambda t: print(t), Callable(), Callable().method, lambda t: undefined_name,  # noqa: F821
])
def test_anything_that_may_change_is_live(output):
    assert not is_function_of_time(output)


def test_the_arrays_a_function_of_time_reads_are_listed():
    other = np.ones(2)
    arrays = arrays_read(lambda t: calls_helper(t) + BUFFER[:1] + other[0])
    assert any(a is BUFFER for a in arrays) and any(a is other for a in arrays)
    assert arrays_read(np.sin) == [] and arrays_read(nengo.processes.WhiteSignal(1, 5)) == []


def test_nested_functions_assigning_their_own_variables_stay_pure():
    def output(t):
        total = 0.0

        def add(x):
            nonlocal total
            total += x

        add(t)
        return total

    assert is_function_of_time(output)


def test_add_params_and_the_innermost_setting():
    with nengo.Network() as net:
        node = nengo.Node(np.sin)
        with nengo.Network() as sub:
            inner = nengo.Node(np.sin)
    assert setting(net, node, "function_of_time") is None  # no params: no setting
    add_params(net)
    add_params(net)
    assert setting(net, node, "function_of_time") is None
    net.config[inner].function_of_time = False
    assert setting(net, inner, "function_of_time") is False
    add_params(sub)
    sub.config[inner].function_of_time = True
    assert setting(net, inner, "function_of_time") is True
    with pytest.raises(Exception):
        net.config[node].function_of_time = "yes"  # a BoolParam
