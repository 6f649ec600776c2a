"""RegularSpiking (of LIFRate and of RectifiedLinear): the fixed-point step
against a per-neuron integer reference written from the module docstring's
specification, the float step against nengo's own ``step``, rates and runs
close to nengo, the voltage probe, and the refusal of other base types."""

import math

import nengo
import numpy as np
import pytest

import spinnc
from spinnc import neurons
from spinnc.errors import UnsupportedFeature
from spinnc.frontend import build
from spinnc.neurons.regular_spiking import FloatRS, float_rs_step, rate_per_tick

from ..firmware_sim.test_against_reference import ONE, sat
from .test_models import DT, INT32_MAX, currents, quantised

RS = neurons.model_named("RegularSpiking")
BITS = 3  # the docstring's B


def params_of(base_type) -> dict:
    return RS.parameters(nengo.RegularSpiking(base_type))


# -- the per-neuron reference (plain ints; the docstring's algorithm) -----------------

def reference_table(params: dict) -> list[int]:
    """The knots and their rates per tick in s1.30, from the docstring."""
    xs = list(range(2 ** (BITS + 1)))  # every raw value below 16
    for e in range(1, 32 - BITS - 1):  # then 8 knots per octave
        xs += [m << e for m in range(2**BITS, 2 ** (BITS + 1))]
    xs.append(2**31)
    table = []
    for x in xs:
        real = x / ONE
        if x == 0:
            rate = 0.0
        elif params["base"] == 0:
            rate = params["rate_amplitude"] * real
        else:
            rate = params["rate_amplitude"] / (params["tau_ref"]
                                               + params["tau_rc"] * math.log1p(1 / real))
        table.append(min(math.floor(rate * DT * 2**30 + 0.5), INT32_MAX))
    return table


def rs_neuron(table: list[int], threshold: int, current: int, v: int):
    """One RegularSpiking neuron, one tick, in plain integers."""
    p = 0
    if current > threshold:
        x = current - threshold
        e = max(x.bit_length() - 1 - BITS, 0)
        i = (e << BITS) + (x >> e)
        f = x - ((x >> e) << e)
        p = table[i] + (((table[i + 1] - table[i]) * f + ((1 << e) >> 1)) >> e)
    v = sat(v + ((p + (1 << 14)) >> 15))
    return v % ONE, v >= ONE  # Python's % is v - floor(v) for either sign


BASES = {
    "LIFRate": nengo.LIFRate(),
    "LIFRate-tau_ref0": nengo.LIFRate(tau_rc=0.05, tau_ref=0.0),
    "LIFRate-amplitude": nengo.LIFRate(tau_rc=0.01, tau_ref=0.004, amplitude=0.7),
    "RectifiedLinear": nengo.RectifiedLinear(),
    "RectifiedLinear-amplitude": nengo.RectifiedLinear(amplitude=3.0),
}


@pytest.mark.parametrize("name", sorted(BASES))
@pytest.mark.parametrize("seed", range(3))
def test_fixed_step_matches_the_per_neuron_reference(name, seed):
    rng = np.random.default_rng(seed)
    params = params_of(BASES[name])
    n = 60
    initial = rng.uniform(0, 1, n)
    initial[:3] = (-0.75, 2.5, 1.0)  # beyond nengo's default Uniform(0, 1)
    header, words = quantised(RS, params, {"voltage": initial})
    table = [int(header[f"rate_{i:03d}"]) for i in range(len(reference_table(params)))]
    assert table == reference_table(params)
    threshold = header["threshold"]
    assert threshold == (ONE if name.startswith("LIF") else 0)
    constants, state = RS.fixed_constants(header), RS.fixed_state(words)
    ref = list(map(int, words["voltage"]))
    scale = 1 if name.startswith("LIF") else 40  # ReLU currents up to ~1000: 1/dt
    for j in currents(rng, n, 60):
        j = np.clip(j * scale, -(2**31), INT32_MAX)
        j[:4] = (ONE, ONE + 1, 2 * ONE - 1, 0)  # at and just above the thresholds
        spikes = RS.fixed_step(constants, j.astype(np.int64), state)
        expected = []
        for i in range(n):
            ref[i], s = rs_neuron(table, threshold, int(j[i]), ref[i])
            expected.append(s)
        assert spikes.tolist() == np.flatnonzero(expected).tolist()
        assert state["voltage"].tolist() == ref


def test_every_current_indexes_the_table_within_bounds():
    params = params_of(nengo.LIFRate(tau_ref=0.0))
    header, _ = quantised(RS, params, {"voltage": np.zeros(1)})
    c = RS.fixed_constants(header)
    j = np.array([-(2**31), -1, 0, ONE, ONE + 1, 2**30, INT32_MAX], dtype=np.int64)
    p = rate_per_tick(c, j)
    assert p.tolist()[:4] == [0, 0, 0, 0] and np.all(np.diff(p) >= 0)
    assert p[-1] == INT32_MAX  # tau_ref = 0: unbounded rates clamp below 2 a tick


# -- the rate against nengo's -------------------------------------------------------

@pytest.mark.parametrize("base_type, tolerance", [
    # The module docstring's bound for nengo's defaults: 0.25 Hz (linear
    # interpolation between 8 knots an octave) plus the rounding of knots.
    (nengo.LIFRate(), 0.25),
    (nengo.LIFRate(tau_rc=0.05, tau_ref=0.0), 0.25),
    # A line: interpolation is exact up to the knots' rounding (2**-30 a tick).
    (nengo.RectifiedLinear(), 1e-5),
])
def test_fixed_rate_per_tick_is_nengos_rate(base_type, tolerance):
    params = params_of(base_type)
    header, _ = quantised(RS, params, {"voltage": np.zeros(1)})
    c = RS.fixed_constants(header)
    j = np.concatenate([np.linspace(-2, 40, 20001), np.geomspace(1, 60000, 2001)])
    raw = np.round(j * ONE).astype(np.int64)
    theirs = base_type.rates(raw / ONE, 1.0, 0.0).ravel()
    below = theirs < 0.9 / DT  # rates per tick of 2 or more are clamped
    mine = rate_per_tick(c, raw) / 2**30 / DT
    assert np.abs(mine - theirs)[below].max() < tolerance


def test_rate_curve_is_the_base_types_capped_at_a_spike_a_tick():
    j = np.linspace(-2, 1500, 400)
    for base_type in (nengo.LIFRate(tau_rc=0.03), nengo.RectifiedLinear(amplitude=2)):
        theirs = base_type.rates(j, 1.0, 0.0).ravel()
        np.testing.assert_allclose(RS.rates(params_of(base_type), j, DT),
                                   np.minimum(theirs, 1 / DT), rtol=1e-12)


# -- the float step is nengo's --------------------------------------------------------

@pytest.mark.parametrize("base_type", [nengo.LIFRate(tau_rc=0.03, tau_ref=0.003,
                                                     amplitude=0.8),
                                       nengo.RectifiedLinear(amplitude=2.0)])
def test_float_step_is_nengos_step(base_type):
    rng = np.random.default_rng(4)
    nt = nengo.RegularSpiking(base_type)
    params = params_of(base_type)
    c = FloatRS(int(params["base"]), params["rate_amplitude"], params.get("tau_rc", 0.0),
                params.get("tau_ref", 0.0), DT)
    n = 80
    v = rng.uniform(0, 1, n)
    mine = {"voltage": v.copy()}
    rate, output = np.zeros(n), np.zeros(n)
    for _ in range(200):
        j = rng.uniform(-5, 40 if params["base"] else 450, n)  # below a spike a tick
        base_type.step(DT, j, rate)
        nt.step(DT, rate, output, v)
        spikes = float_rs_step(c, j, mine)
        assert spikes.tolist() == np.flatnonzero(output).tolist()
        np.testing.assert_array_equal(mine["voltage"], v)


def test_float_constants_are_the_stored_parameters():
    params = params_of(nengo.LIFRate(tau_rc=0.03, tau_ref=0.003, amplitude=0.8))
    header, _ = quantised(RS, params, {"voltage": np.zeros(1)})
    c = RS.float_constants(header, DT)
    assert c.base == 1 and c.dt == DT
    np.testing.assert_allclose([c.rate_amplitude, c.tau_rc, c.tau_ref], [0.8, 0.03, 0.003],
                               atol=2**-15 * DT + 2**-16)


# -- runs through spinnc.Simulator ----------------------------------------------------

TYPES = {"LIFRate": nengo.LIFRate, "RectifiedLinear": nengo.RectifiedLinear}


def channel(simulator, base, **kwargs):
    """A sine through an ensemble of RegularSpiking(base) into another."""
    with nengo.Network(seed=5) as net:
        u = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        a = nengo.Ensemble(80, 1, neuron_type=nengo.RegularSpiking(TYPES[base]()))
        b = nengo.Ensemble(80, 1, neuron_type=nengo.RegularSpiking(TYPES[base]()))
        nengo.Connection(u, a)
        nengo.Connection(a, b)
        out = nengo.Probe(b, synapse=0.02)
        spikes = nengo.Probe(a.neurons)
        voltage = nengo.Probe(a.neurons, "voltage")
    with simulator(net, **kwargs) as sim:
        sim.run(1.0)
    return (sim.trange(), sim.data[out][:, 0], sim.data[spikes].sum(axis=0) * sim.dt,
            sim.data[voltage])


@pytest.mark.parametrize("base", sorted(TYPES))
@pytest.mark.parametrize("precision", ["fixed", "float"])
def test_channel_decodes_a_sine_close_to_nengo(base, precision):
    t, theirs, their_counts, their_voltage = channel(nengo.Simulator, base,
                                                     progress_bar=False)
    _, mine, counts, voltage = channel(spinnc.Simulator, base, precision=precision)
    assert their_counts.mean() > 20  # the neurons fire
    # Each spike count within 2 of nengo's over 1 s: the rate (0.25 Hz) and
    # the s16.15 input filter move a spike of the second tick of an interval.
    assert np.abs(counts - their_counts).max() <= 2
    # The decoded value follows nengo's: the two runs differ by less than
    # nengo's own distance from the (delayed, filtered) sine.
    assert np.abs(mine - theirs).max() < 0.05
    assert np.abs(mine - theirs).mean() < 0.01
    ideal = np.sin(2 * np.pi * (t - 0.03))
    assert np.abs(mine - ideal)[100:].mean() < 0.1
    # The voltage probe: nengo's shape; a spike a tick apart moves one trace
    # a lot for a while, not most of them.
    assert voltage.shape == their_voltage.shape
    assert np.median(np.abs(voltage - their_voltage)) < 0.02


def test_voltage_starts_from_nengos_initial_state():
    with nengo.Network(seed=2) as net:
        ens = nengo.Ensemble(30, 1, neuron_type=nengo.RegularSpiking(
            nengo.LIFRate(), initial_state={"voltage": nengo.dists.Uniform(0.2, 0.4)}))
        voltage = nengo.Probe(ens.neurons, "voltage")
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(0.005)
    with spinnc.Simulator(net) as mine:
        mine.run(0.005)
    assert np.all((mine.data[voltage][0] > 0.2) & (mine.data[voltage][0] < 1))
    # No spike yet: after k ticks the traces differ by at most the initial
    # rounding and, per tick, the rate's 0.25 Hz and the voltage's rounding.
    ticks = np.arange(1, 6)[:, None]
    assert np.all(np.abs(mine.data[voltage] - sim.data[voltage])
                  <= 2**-16 + ticks * (0.25 * DT + 2**-16))


# -- other base types ---------------------------------------------------------------

@pytest.mark.parametrize("base_type, name", [(nengo.Sigmoid(), "Sigmoid"),
                                             (nengo.Tanh(), "Tanh"),
                                             (nengo.AdaptiveLIFRate(), "AdaptiveLIFRate")])
def test_another_base_type_is_unsupported_naming_ensemble_type_and_bases(base_type, name):
    with nengo.Network() as net:
        nengo.Ensemble(5, 1, neuron_type=nengo.RegularSpiking(base_type), label="odd")
    with pytest.raises(UnsupportedFeature,
                       match=rf"Ensemble 'odd'.*neuron type RegularSpiking\({name}\).*"
                             r"nengo\.RegularSpiking of nengo\.LIFRate or "
                             r"nengo\.RectifiedLinear"):
        build(net)
    assert neurons.model_for(nengo.RegularSpiking(base_type)) is None
    assert neurons.model_for(nengo.RegularSpiking(nengo.LIFRate())) is RS
