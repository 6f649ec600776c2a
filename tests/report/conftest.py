"""A short run of the demo model (with a voltage probe too), shared by the report tests."""

import nengo
import pytest

from spinnc.demo import demo_model
from spinnc.machine import Machine
from spinnc.runner import run_model


@pytest.fixture(scope="package")
def run_result():
    model = demo_model(seed=0)
    with model:
        nengo.Probe(model.ensembles[1].neurons, "voltage", label="y voltage")
    return run_model(model, Machine.spinn5(), duration=0.05, seed=0, placer="hilbert")
