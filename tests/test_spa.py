"""A small nengo_spa model runs on spinnc as on nengo."""

import nengo
import numpy as np
import pytest

import spinnc

spa = pytest.importorskip("nengo_spa")


def _similarities(simulator, network, probe, vocab, seconds):
    with simulator(network, progress_bar=False) as sim:
        sim.run(seconds)
    return spa.similarity(sim.data[probe][-1:], vocab)[0]


def test_a_state_holds_the_pointer_its_transcode_gives_as_nengo():
    with spa.Network(seed=1) as network:
        vocab = spa.Vocabulary(16, pointer_gen=np.random.RandomState(1))
        vocab.populate("A; B; C")
        stimulus = spa.Transcode("B", output_vocab=vocab)
        state = spa.State(vocab)
        stimulus >> state
        probe = nengo.Probe(state.output, synapse=0.03)
    ours = _similarities(spinnc.Simulator, network, probe, vocab, 0.3)
    reference = _similarities(nengo.Simulator, network, probe, vocab, 0.3)
    assert np.argmax(ours) == 1 and ours[1] > 0.8
    np.testing.assert_allclose(ours, reference, atol=0.1)
