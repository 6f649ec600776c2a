"""Synapses as the Graph carries them and as the cores run them: nengo's
timing, the formats of their coefficients, and what is refused."""

import nengo
import numpy as np
import pytest

from spinnc import fixed
from spinnc.errors import UnsupportedFeature
from spinnc.frontend import build, quantise
from spinnc.frontend.quantisation import _Quantiser, filter_coefficients
from spinnc.frontend.synapses import Synapse, as_synapse, in_series
from spinnc.firmware_sim.kernels import FilterBank

DT = 0.001
TAU = 0.004
THIRD_ORDER = nengo.LinearFilter([1.0], [TAU**3, 3 * TAU**2, 3 * TAU, 1.0])
HIGHPASS = nengo.LinearFilter([0.01, 0.0], [0.01, 1.0])  # feed-through (D != 0)


def nengo_chain(synapses, values, steps=200):
    """What nengo's post reads of ``values`` through nodes joined by
    connections with ``synapses`` (each built in mode "update")."""
    with nengo.Network() as net:
        source = nengo.Node(lambda t: values[int(round(t / DT)) - 1])
        previous = source
        for synapse in synapses:
            node = nengo.Node(size_in=1)
            nengo.Connection(previous, node, synapse=synapse)
            previous = node
        into, out = nengo.Probe(source), nengo.Probe(previous)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as sim:
        sim.run_steps(steps)
    return sim.data[into][:, 0], sim.data[out][:, 0]


@pytest.mark.parametrize("chain", [
    [nengo.Lowpass(0.005)], [nengo.Alpha(0.004)], [THIRD_ORDER], [HIGHPASS],
    [nengo.Lowpass(0.005), nengo.Lowpass(0.01)], [nengo.Lowpass(0), nengo.Alpha(0.003)],
    [nengo.Alpha(0.003), HIGHPASS],
], ids=["lowpass", "alpha", "third order", "feed-through", "two lowpass", "lowpass(0)+alpha",
        "alpha+feed-through"])
def test_synapses_in_series_read_as_nengos_chain_of_connections(chain):
    """Synapse.read is nengo's own discretisation and step of delay per
    connection, exactly (the passthrough fold relies on it)."""
    values = np.random.RandomState(0).uniform(-1, 1, 300)
    into, out = nengo_chain(chain, values)
    np.testing.assert_allclose(Synapse(tuple(chain)).filt(into, DT), out, atol=1e-12)


def test_the_machine_filter_is_the_read_one_less_its_packet_tick():
    num, den = Synapse((nengo.Alpha(0.005),)).read(DT)
    machine_num, machine_den = Synapse((nengo.Alpha(0.005),)).machine(DT)
    assert num[0] == 0 and np.allclose(machine_num, num[1:len(machine_num) + 1])
    assert np.array_equal(machine_den, den)


def lowpass_filter(tau):
    return filter_coefficients(_Quantiser(True), "c", tau, DT)


@pytest.mark.parametrize("tau", [0.0005, 0.001, 0.002, 0.005, 0.01, 0.0173, 0.05, 0.1, 1.0])
def test_a_lowpass_is_todays_first_order_s1_30_filter_bit_for_bit(tau):
    """The coefficients a Lowpass had before filters of any order: a =
    exp(-dt/tau) rounded to s1.30, b = 1 - a exactly."""
    f = lowpass_filter(tau)
    a = int(fixed.to_fixed(np.exp(-DT / tau), fixed.S1_30)[0][()])
    assert (f.order, f.frac_bits, f.den, f.num) == (1, 30, (a,), (fixed.S1_30.one - a,))


def test_no_synapse_is_the_value_a_tick_late():
    assert lowpass_filter(None).coefficients == (fixed.S1_30.one, 0)
    assert lowpass_filter(0.0).coefficients == (fixed.S1_30.one, 0)


def test_each_filter_takes_the_first_format_that_holds_its_coefficients():
    q = _Quantiser(True)
    alpha = filter_coefficients(q, "alpha", nengo.Alpha(0.005), DT)
    third = filter_coefficients(q, "third", THIRD_ORDER, DT)
    fourth = filter_coefficients(q, "fourth", nengo.LinearFilter(
        [1.0], np.polynomial.polynomial.polyfromroots([-1 / 0.01] * 4)[::-1] * 0.01**4), DT)
    assert (alpha.order, alpha.frac_bits) == (2, 30)
    assert (third.order, third.frac_bits) == (3, 29)  # a feedback term near 3 * 0.78
    assert (fourth.order, fourth.frac_bits) == (4, 28)  # one near 6 * 0.9**2
    formats = {e.format for e in q.report.entries}
    assert formats == {"s1.30", "s2.29", "s3.28"}
    unit = {f.name: 2.0**-f.frac_bits for f in fixed.FORMATS}
    for e in q.report.entries:  # the quantisation report has each filter's error
        if e.parameter.endswith("feedback"):  # rounded
            assert e.max_error <= unit[e.format] / 2
        else:  # rounded, then the DC gain's correction (at most 2 units a term)
            assert e.max_error <= (2 * e.count + 0.5) * unit[e.format]


@pytest.mark.parametrize("synapse", [nengo.Alpha(0.005), THIRD_ORDER])
def test_the_dc_gain_of_a_quantised_filter_is_the_float_ones(synapse):
    f = filter_coefficients(_Quantiser(True), "c", synapse, DT)
    one = 1 << f.frac_bits
    assert abs(sum(f.num) - (one - sum(f.den))) <= 0  # gain 1, to the unit


def test_fixed_and_float_filters_settle_as_nengos():
    """A step of 0.5 through the fixed-point bank (both arithmetic modes)."""
    from spinnc.firmware_sim.kernels import FloatArithmetic
    for synapse, units in [(nengo.Alpha(0.005), 16), (THIRD_ORDER, 60)]:
        f = filter_coefficients(_Quantiser(True), "c", synapse, DT)
        banks = [FilterBank(np.array([f.num]), np.array([f.den]), np.array([f.frac_bits]),
                            arith) for arith in (None, FloatArithmetic(DT))]
        expected = Synapse((synapse,)).filt(np.full(201, 0.5), DT)[1:]
        fixed_out = np.array([banks[0].step(np.array([1 << 14]))[0] for _ in range(200)])
        float_out = np.array([banks[1].step(np.array([0.5]))[0] for _ in range(200)])
        np.testing.assert_allclose(float_out, expected, atol=1e-6)
        assert np.abs(fixed_out * 2.0**-15 - expected).max() <= units * 2.0**-15


def test_orders_and_ranges_the_cores_cannot_hold_are_refused_naming_the_connection():
    slow6 = np.polynomial.polynomial.polyfromroots([-1 / 0.05] * 6)[::-1] * 0.05**6
    order9 = np.polynomial.polynomial.polyfromroots([-1 / 0.002] * 9)[::-1] * 0.002**9
    for den, feature in [(slow6, "a coefficient of"), (order9, "a synapse of order 9")]:
        with nengo.Network() as net:
            a, b = nengo.Ensemble(10, 1), nengo.Ensemble(10, 1)
            nengo.Connection(a, b, synapse=nengo.LinearFilter([1.0], den), label="culprit")
        with pytest.raises(UnsupportedFeature) as info:
            quantise(build(net))
        assert "'culprit'" in str(info.value) and feature in str(info.value), info.value


def test_graph_synapses_from_hand_written_graphs():
    assert as_synapse(None) is None
    assert as_synapse(0.005).tau == 0.005
    assert as_synapse(nengo.Alpha(0.01)).label == "alpha 0.01s"
    both = in_series(0.005, nengo.Alpha(0.01))
    assert both.label == "lowpass 0.005s then alpha 0.01s" and both.tau is None
    assert in_series(None, 0.01).tau == 0.01 and in_series(None, None) is None


def test_a_passthrough_with_synapses_on_both_sides_folds_into_one_filter_as_nengo():
    """Node -> passthrough -> Ensemble with the default synapses (an
    EnsembleArray's input): one second-order filter on the ensemble's core,
    and the decoded value follows nengo's."""
    import spinnc
    from spinnc.compiler import compile_network
    from spinnc.machine import Machine

    with nengo.Network(seed=1) as net:
        stim = nengo.Node(lambda t: np.sin(10 * t), label="stim")
        relay = nengo.Node(size_in=1, label="relay")
        ens = nengo.Ensemble(80, 1, label="ens")
        nengo.Connection(stim, relay)
        nengo.Connection(relay, ens)
        probe = nengo.Probe(ens, synapse=0.01, label="value")

    compiled = compile_network(net, Machine.spinn3(), n_steps=500, seed=0)
    (conn,) = [c for c in compiled.fixed_graph.connections if c.post == "ens"]
    assert (conn.filter.order, as_synapse(conn.synapse).label) == (
        2, "lowpass 0.005s then lowpass 0.005s")
    with spinnc.Simulator(net, seed=0, progress_bar=False) as ours:
        ours.run_steps(500)
    with nengo.Simulator(net, seed=0, progress_bar=False) as nengos:
        nengos.run_steps(500)
    expected = nengos.data[probe]
    # measured: 0.0009 (dropping one of the two Lowpass: 0.041) of a 2.0 range
    assert np.sqrt(np.mean((ours.data[probe] - expected) ** 2)) < 0.01 * np.ptp(expected)
