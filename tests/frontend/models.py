"""Nengo models the frontend tests build, each seeded and fully labelled."""

import nengo
import numpy as np

from spinnc.demo import demo_model


def two_dimensional(seed=1):
    """Radius, intercepts, max_rates, custom encoders and eval points, a
    solver, slices, functions and transforms."""
    with nengo.Network(seed=seed, label="2d") as net:
        stim = nengo.Node([0.3, -0.2, 0.5], label="stim")
        wave = nengo.Node(lambda t: [np.sin(t), np.cos(t)], label="wave")
        a = nengo.Ensemble(
            80, 2, radius=1.5, label="a",
            intercepts=nengo.dists.Uniform(-0.5, 0.8),
            max_rates=nengo.dists.Uniform(150, 300),
            encoders=nengo.dists.Choice([[1, 0], [0, 1], [-1, 0], [0, -1]]),
            eval_points=nengo.dists.Gaussian(0, 0.7),
        )
        b = nengo.Ensemble(60, 3, label="b")
        host = nengo.Node(lambda t, x: x * 2, size_in=2, label="host")
        nengo.Connection(stim[[0, 2]], a, transform=[[1, 0.5], [0, -1]])
        nengo.Connection(wave, a, synapse=None)
        nengo.Connection(a, b[1:], function=lambda x: [x[0] * x[1], x[1]],
                         solver=nengo.solvers.LstsqL2(reg=0.05), synapse=0.02)
        nengo.Connection(a[0], b[0], transform=-2)
        nengo.Connection(b[:2], host)
        nengo.Connection(host, a, transform=0.1)
        nengo.Connection(stim[1], host[0], synapse=0.01)  # node -> node
        nengo.Probe(a, synapse=0.01, label="a decoded")
        nengo.Probe(b[1], label="b slice")
        nengo.Probe(host, label="host out")
        nengo.Probe(a.neurons, "voltage", sample_every=0.005, label="a voltage")
    return net


def integrator(seed=2, tau=0.1):
    with nengo.Network(seed=seed, label="integrator") as net:
        stim = nengo.Node(lambda t: 1.0 if t < 0.2 else 0.0, label="stim")
        memory = nengo.Ensemble(100, 1, label="memory")
        nengo.Connection(stim, memory, transform=tau, synapse=tau)
        nengo.Connection(memory, memory, synapse=tau)
        nengo.Probe(memory, synapse=0.01, label="memory")
    return net


def oscillator(seed=3, tau=0.1, frequency=2.0):
    omega = 2 * np.pi * frequency
    with nengo.Network(seed=seed, label="oscillator") as net:
        kick = nengo.Node(lambda t: [1, 0] if t < 0.05 else [0, 0], label="kick")
        osc = nengo.Ensemble(200, 2, label="osc")
        nengo.Connection(kick, osc)
        nengo.Connection(osc, osc, transform=[[1, -omega * tau], [omega * tau, 1]],
                         synapse=tau)
        nengo.Probe(osc, synapse=0.01, label="osc")
    return net


def action_selection(seed=4):
    """BasalGanglia and Thalamus with passthrough nodes and a constant bias."""
    with nengo.Network(seed=seed, label="actions") as net:
        utilities = nengo.Node([0.8, 0.4, 0.3], label="utilities")
        bg = nengo.networks.BasalGanglia(3, n_neurons_per_ensemble=20, label="bg")
        thal = nengo.networks.Thalamus(3, n_neurons_per_ensemble=20, label="thal")
        nengo.Connection(utilities, bg.input)
        nengo.Connection(bg.output, thal.input)
        nengo.Probe(thal.output, synapse=0.01, label="selected")
    return net


def ensemble_array_with_inhibition(seed=5):
    with nengo.Network(seed=seed, label="ea") as net:
        stim = nengo.Node(lambda t: [0.5, -0.5, np.sin(4 * t)], label="stim")
        ea = nengo.networks.EnsembleArray(30, 3, label="ea")
        gate = nengo.Ensemble(40, 1, label="gate")
        nengo.Connection(stim, ea.input)
        nengo.Connection(stim[2], gate)
        nengo.Connection(gate, ea.ensembles[0].neurons, transform=-3 * np.ones((30, 1)))
        squares = ea.add_output("squares", np.square)
        nengo.Probe(ea.output, synapse=0.01, label="ea out")
        nengo.Probe(squares, synapse=0.01, label="squares")
        nengo.Probe(gate.neurons, synapse=0.005, label="gate rates")
    return net


def gated_memory(seed=6):
    """InputGatedMemory: its gate reaches neurons through a passthrough node
    (EnsembleArray.add_neuron_input) with a per-neuron identity."""
    with nengo.Network(seed=seed, label="gated") as net:
        stim = nengo.Node(lambda t: [np.sin(3 * t), 0.5], label="stim")
        gate = nengo.Node(lambda t: 1.0 if t > 0.5 else 0.0, label="gate")
        memory = nengo.networks.InputGatedMemory(30, 2, label="memory")
        nengo.Connection(stim, memory.input)
        nengo.Connection(gate, memory.gate)
        nengo.Probe(memory.output, synapse=0.01, label="memory")
    return net


MODELS = {
    "demo": demo_model,
    "two_dimensional": two_dimensional,
    "integrator": integrator,
    "oscillator": oscillator,
    "action_selection": action_selection,
    "ensemble_array": ensemble_array_with_inhibition,
    "gated_memory": gated_memory,
}
