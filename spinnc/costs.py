"""Cost model: cycles per tick, DTCM and SDRAM of each application's core.

Constants tagged [C] come from what the official toolchains use (see
../shared/spinnaker/HARDWARE.md), [E] are estimates, kept here as named
constants so that measurements can replace them.
"""

WORD = 4  # bytes in a 32-bit word

# -- budgets --------------------------------------------------------------------

#: nengo_spinnaker partitioned so that a core used at most 40% of its tick [C].
CYCLE_BUDGET_FRACTION = 0.4
#: nengo_spinnaker kept DTCM use under 75% of 56 KiB [C]; the rest of the 64 KiB
#: is the runtime reserve: stack, spin1_api's event and 16-packet transmit
#: queues, and the C runtime's data.
DTCM_BUDGET = int(0.75 * 56 * 1024)
DTCM_RESERVE = 64 * 1024 - DTCM_BUDGET

# -- ensemble cores: nengo_spinnaker's model (HARDWARE.md) [C] ----------------------

FILTER_CYCLES_PER_DIM = 39  # input filtering: 39 D + 135 per filter
FILTER_CYCLES = 135
NEURON_CYCLES_PER_NEURON_DIM = 9  # neuron update: 9 n D + 61 n + 174
NEURON_CYCLES_PER_NEURON = 61  # LIF's; each neuron model states its own
NEURON_CYCLES = 174
DECODE_CYCLES_PER_NEURON_DIM = 2  # decode and transmit: 2 N d + 143 d + 173
DECODE_CYCLES_PER_DIM = 143
DECODE_CYCLES = 173

# -- everything else [E] -----------------------------------------------------------

#: A multicast packet with payload: the spin1_api callback adds the payload
#: into a filter's accumulator [E].
PACKET_RECEIVE_CYCLES = 100
#: Sending one value: read it (from SDRAM for played-back inputs), build and
#: send the packet; close to nengo_spinnaker's 143 per decoded dimension [E].
SEND_CYCLES_PER_DIM = 143
#: Writing one recorded word to the recording buffer [E].  The recordings'
#: CRC-32s (spinnc.recording) are computed after the last tick, outside the
#: ticks' budget, so they cost nothing here.
RECORD_CYCLES_PER_WORD = 10
#: Fixed per-tick cost of a core that is not an ensemble (timer callback) [E].
TICK_CYCLES = 200
#: A receiving core's key table: key, mask, and (filter, first dimension) [E].
KEY_ENTRY_BYTES = 3 * WORD
#: Per filter: coefficients a, b and its dimension count [E].
FILTER_HEADER_BYTES = 3 * WORD


def filter_cycles(dims: int) -> int:
    return FILTER_CYCLES_PER_DIM * dims + FILTER_CYCLES


def filter_dtcm(dims: int) -> int:
    """Accumulator and state per dimension, plus the coefficients."""
    return 2 * WORD * dims + FILTER_HEADER_BYTES


def ensemble_cycles(neurons, input_dims: int, output_dims: int, filters: list[int],
                    recorded_words: int = 0, model=None):
    """Cycles per tick of ``neurons`` neurons (an int or numpy array)
    encoding ``input_dims`` dimensions and decoding their own spikes into
    ``output_dims`` partial sums (nengo_spinnaker's model); the update costs
    ``model.cycles_per_neuron`` per neuron (a :mod:`spinnc.neurons` model;
    LIF's NEURON_CYCLES_PER_NEURON when None)."""
    n = neurons
    per_neuron = NEURON_CYCLES_PER_NEURON if model is None else model.cycles_per_neuron
    return (sum(filter_cycles(d) for d in filters)
            + NEURON_CYCLES_PER_NEURON_DIM * n * input_dims + per_neuron * n
            + NEURON_CYCLES
            + DECODE_CYCLES_PER_NEURON_DIM * n * output_dims
            + DECODE_CYCLES_PER_DIM * output_dims + DECODE_CYCLES
            + RECORD_CYCLES_PER_WORD * recorded_words)


def ensemble_dtcm(neurons, input_dims: int, output_dims: int, filters: list[int],
                  recorded_words: int = 0, model=None):
    """DTCM bytes: encoders, bias, gain, the model's state words per neuron
    (``model.state_words``; LIF's 2 when None), per-spike decoders, filters,
    output keys and one tick's recording buffer."""
    n = neurons
    state_words = 2 if model is None else model.state_words
    return (WORD * n * (input_dims + 1 + state_words) + WORD * n * output_dims
            + sum(filter_dtcm(d) for d in filters) + WORD * output_dims
            + WORD * recorded_words)


def spike_words(neurons):
    """Words of one tick's spike bit-vector (int or numpy array)."""
    return -(-neurons // 32)
