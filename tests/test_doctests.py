"""The examples in spinnc's docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["spinnc.simulator", "spinnc.frontend", "spinnc.host.controller"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
