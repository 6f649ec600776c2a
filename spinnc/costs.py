"""Cost model: cycles per tick, DTCM and SDRAM of each application's core.

Constants tagged [C] come from what the official toolchains use (see
../shared/spinnaker/HARDWARE.md), [M] are measured on the ARM engine (the
firmware's cycles, bench/cost_model.py), [E] are estimates.
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

# -- cycles per tick: measured [M] ------------------------------------------------------
#
# [M]: fitted by least squares to the ARM engine's cycles (the firmware in
# spinnc/firmware executed in unicorn, capstone block costs) over the grid of
# bench/cost_model.py (2026-12-02, 40 ticks, 3,996 core-ticks of 32 models):
# every core's cycles in a tick, its timer tick plus the receive interrupts
# of its packets, on each tick's own spikes.  With the constants below (the
# fit rounded) the Python engine's count of every grid core's most cycles in
# a tick is within 2% of the firmware's (`python bench/cost_model.py --fit`
# prints both and the fit).  nengo_spinnaker's figures (39 D + 135 per
# filter, 9 n D + 61 n + 174, 2 N d + 143 d + 173, HARDWARE.md) were 3.5x under
# the firmware's: its LIF spikes cost a division and a log series, its filters
# are 64-bit, its value sources read SDRAM, a packet scans the whole key table.
#
# What depends on the data: a tick's spikes (LIF and AdaptiveLIF ~1,160
# cycles each, every spike 14 per output dimension); the partitioner plans
# with each model's ``spikes_per_tick`` (spinnc.neurons), the Python engine
# counts the tick's own.  The plan is not a per-tick maximum (a start-up
# transient synchronises up to half a core's LIF neurons in one tick); the
# 40% budget absorbs it: a core planned at 40% at 0.25 spikes per neuron per
# tick takes under 70% of the tick at 0.5.

#: Per filter: its loop and coefficients [M]; per filtered dimension: the
#: 64-bit accumulator's two s1.30 products and saturation [M] (a first-order
#: filter: every Lowpass).  Filters of higher order (fitted 2026-12-02 to a
#: host_out core's filter of 1, 8 and 16 dimensions, orders 1-4, on the ARM
#: engine): per dimension, the loop over its partial sums [M] and per order
#: above the first two products and a partial sum [M]; per dimension and
#: order in a format other than s1.30 (a shift by a variable) [M].
FILTER_CYCLES = 123
FILTER_CYCLES_PER_DIM = 119
FILTER_CYCLES_HIGHER_ORDER_DIM = 22
FILTER_CYCLES_PER_ORDER_DIM = 63
FILTER_CYCLES_PER_WIDE_ORDER_DIM = 23
#: Per ensemble member: the tick's fixed work (timer interrupt, the receive
#: bank swap, the member's loops) [M].
NEURON_CYCLES = 688
#: Encoding: per neuron and input dimension, one multiply-accumulate [M].
NEURON_CYCLES_PER_NEURON_DIM = 9
#: Decoding: per spike and output dimension, a 64-bit add of its decoder [M]
#: (the firmware decodes spikes, not neurons: see DECODE_CYCLES_PER_SPIKE_DIM's
#: use in ensemble_cycles).
DECODE_CYCLES_PER_SPIKE_DIM = 14
#: Per output dimension: saturate the sum and send its packet [M].
DECODE_CYCLES_PER_DIM = 63
#: Per probe row (decoded for a value probe, recorded, not sent) besides its
#: per-spike decode and its recorded word (RECORD_CYCLES_PER_WORD): its
#: saturation, a few cycles [M]: bench/cost_model.py's grid with probe rows
#: (2026-12-02, 1 to 32 rows a core) fits it, the other constants fixed, at
#: -37 (the per-spike decode term, fitted on short rows, counts long rows
#: a little high), so 0; the model then counts a 32-row core ~3% high.
PROBE_CYCLES_PER_DIM = 0
#: Learning (spinnc.learning), per rule on a member: per neuron, its trace
#: and its rate-scaled activity (two rounded products) [M]; per learned
#: weight, its update (a 64-bit product, rounding, clamp, a 64-bit store)
#: [M]; per spike and learned row, decoding the 64-bit weight besides
#: DECODE_CYCLES_PER_SPIKE_DIM [M]; per rule, its calls and loops [M].
#: [M] 2026-12-02 on the ARM engine (cycles counted per basic block): each
#: core's cycles per tick with the shipped ensemble.aplx minus those with a
#: build whose learned_rows/learn/record_learned return at once (the same
#: spikes: the error dimensions have zero encoders), over PES models of 50
#: to 400 LIF neurons (members of 50 to 133), 1 to 4 rows, pre_synapse
#: Lowpass or None, 40 ticks each (840 core-ticks), fitted by least squares
#: on (rules, neurons, weights updated, spikes x rows); 97% of core-ticks
#: within 8% of the fit, 98% within 15%, the worst 31% below and 42% above
#: (probably packets the receive interrupt took in another tick).
#: The firmware skips a neuron whose rate-scaled activity rounds to 0, so
#: the per-weight term counted per neuron x row here is an upper bound.
LEARN_CYCLES_PER_NEURON = 67
LEARN_CYCLES_PER_WEIGHT = 48
LEARN_DECODE_CYCLES_PER_SPIKE_ROW = 10
LEARN_CYCLES_PER_RULE = 839
#: A cluster's shared input (spinnc.mapper.clusters): per tick its
#: bookkeeping [E]; per dimension of the shared input, a word copied from
#: SDRAM to DTCM (memcpy: a load with its SDRAM penalty and a store) [M];
#: per dimension of its own block, a word copied to SDRAM [E].  [M]
#: 2026-12-02 on the ARM engine: cores of 24- to 256-dimensional ensembles,
#: shared and not, each core's most cycles in a tick (ticks 5-30) less the
#: model's, fitted on (1, filtered dimensions, shared dimensions).  The same
#: fit finds ~108 cycles a filtered (and received) dimension and ~2,400 a
#: core that the model does not count, shared or not: wide inputs cost
#: more than on the grid the other constants were fitted on.
SHARE_CYCLES = 60
SHARE_CYCLES_PER_DIM = 32
SHARE_CYCLES_PER_OWN_DIM = 10
#: A cluster adding its partial sums: per tick [E]; per row, its sum
#: copied to SDRAM [E]; per row sent and core of the cluster, a sum read
#: from SDRAM and added [E].  Checked 2026-12-02 on the ARM engine: over
#: 128 cores of clusters of 16 adding 4 to 16 rows, each core's most cycles
#: in a tick (ticks 5-30) is within 5% of the model's on average (a fit of
#: the residuals is not better determined: most of those cores send 0 or 1
#: rows).
SUMS_CYCLES = 80
SUMS_CYCLES_PER_ROW = 10
SUMS_CYCLES_PER_ADD = 32
#: A multicast packet received: the interrupt [M]; and per step of the
#: binary search of the core's key table (sorted by key) for its entry [M].
PACKET_RECEIVE_CYCLES = 140
KEY_SEARCH_CYCLES = 19
#: Sending one value of a value source or host_in core [M]; per weight of
#: its rows, the multiply-accumulate of a value and a weight read from
#: SDRAM [M] (SDRAM_ACCESS_CYCLES each on the ARM engine).
SEND_CYCLES_PER_DIM = 77
WEIGHT_CYCLES = 49
#: A host_in core's own: its answer's values are in DTCM (an SDP message),
#: only its weights in SDRAM [M].  A value source multiplies no weights: the
#: mapper computed its payloads (its PLAYBACK region; refitted 0 [M]).
SEND_CYCLES_OF = {"host_in": 136,  # from host dims 1, 2 and 8 (3 points, exact)
                  "interposer": 72}
#: An interposer's weights are in DTCM (copied there at start), its input
#: too: 10 cycles a weight [M] (fitted with its tick and send costs over 7
#: interposers of 1-32 dimensions by 1-32 rows, the filter and receive
#: constants fixed, 2026-12-02, bench/interposer_cost.py: within 2% of every
#: core's cycles a tick on the ARM engine; with 8-72 key entries the model is
#: up to 11% over, the search steps of its table costing ~12 cycles, not 19).
WEIGHT_CYCLES_OF = {"host_in": 25, "value_source": 0, "interposer": 10}
#: Writing one recorded word to the recording buffer (SDRAM) [M].  The
#: recordings' CRC-32s are computed after the last tick, outside the ticks'
#: budget, so they cost nothing here.
RECORD_CYCLES_PER_WORD = 29
#: Fixed per-tick cost of a core that is not an ensemble (timer interrupt,
#: its loops) [M], and each application's own (a value source's refitted after it
#: played back precomputed payloads, 2026-12-02; host_in's and host_out's after
#: they exchanged their values with the host as SDP through IP tags, 2026-12-04:
#: host_in's request, host_out's message headers, exact at 2-40 dimensions).
TICK_CYCLES = 338
APP_TICK_CYCLES = {"value_source": 323, "host_in": 919, "host_out": 918, "interposer": 451}
#: Per member of an application besides the ensemble's (none today: the
#: recorder, whose members were probes, is gone).
MEMBER_CYCLES: dict = {}
#: Per value a host_out core hands to the host (copied into its SDP
#: message) [M].
HOST_VALUE_CYCLES = 33
#: A receiving core's key table: key, mask, size, member, filter and index
#: map offset (the firmware's input_key_t, copied to DTCM).
KEY_ENTRY_BYTES = 6 * WORD
#: Per filter: the firmware's filter_t (member, neurons, dims, map offset and
#: size, order, format, coefficients' offset), its first dimension and its
#: first partial sum.
FILTER_HEADER_BYTES = 10 * WORD


def search_steps(key_entries: int) -> int:
    """Steps of a binary search over ``key_entries`` sorted entries
    (ceil(log2(n + 1)))."""
    return int(key_entries).bit_length()


def receive_cycles(packets, key_entries: int = 1):
    """Cycles per tick of receiving ``packets`` packets with a key table of
    ``key_entries`` entries."""
    return packets * (PACKET_RECEIVE_CYCLES + KEY_SEARCH_CYCLES * search_steps(key_entries))


class FilterLoad(int):
    """A filter's dimensions (an int, so a list of them is a list of widths)
    with its order and its coefficients' fractional bits: a plain int is a
    first-order s1.30 filter (every Lowpass)."""

    def __new__(cls, dims: int, order: int = 1, frac_bits: int = 30):
        load = super().__new__(cls, dims)
        load.order, load.frac_bits = int(order), int(frac_bits)
        return load


def filter_cycles(dims: int) -> int:
    """Cycles per tick of a filter of ``dims`` dimensions (a
    :class:`FilterLoad` for one of higher order or another format)."""
    order, frac_bits = getattr(dims, "order", 1), getattr(dims, "frac_bits", 30)
    per_dim = (FILTER_CYCLES_PER_DIM
               + (FILTER_CYCLES_HIGHER_ORDER_DIM + FILTER_CYCLES_PER_ORDER_DIM * (order - 1)
                  if order > 1 else 0)
               + (FILTER_CYCLES_PER_WIDE_ORDER_DIM * order if frac_bits != 30 else 0))
    return per_dim * int(dims) + FILTER_CYCLES


def filter_dtcm(dims: int) -> int:
    """Per dimension: the two 64-bit accumulator banks and the output word,
    and a partial sum per order above the first; plus the filter's entry,
    first dimension, first partial sum and coefficients
    (spinnc/firmware/apps/receive.c)."""
    order = getattr(dims, "order", 1)
    return (4 + order) * WORD * int(dims) + FILTER_HEADER_BYTES + 2 * order * WORD


def planned_spikes(neurons, model=None):
    """The spikes per tick the partitioner plans for (an upper bound at the
    model's ``spikes_per_tick``; LIF's when None)."""
    from . import neurons as _neurons

    model = model or _neurons.model_named("LIF")
    return neurons * model.spikes_per_tick


def ensemble_cycles(neurons, input_dims: int, output_dims: int, filters: list[int],
                    recorded_words: int = 0, model=None, spikes=None, later_spikes=None,
                    probe_dims: int = 0):
    """Cycles per tick of ``neurons`` neurons (an int or numpy array)
    encoding ``input_dims`` dimensions and decoding ``spikes`` spikes into
    ``output_dims`` partial sums, one packet each; the update costs
    ``model.cycles_per_neuron`` per neuron, ``model.cycles_per_spike`` per
    spike and ``model.cycles_per_spike_later`` per spike of
    ``model.spike_later_ticks`` ticks before, ``later_spikes`` (a
    :mod:`spinnc.neurons` model; LIF's when None); ``probe_dims`` rows more
    are decoded for value probes and recorded (``recorded_words`` counts
    them), not sent.

    ``spikes`` and ``later_spikes`` are spike counts (the Python engine's,
    each tick); None plans for :func:`planned_spikes`, an upper bound, as
    the partitioner does.  The firmware's cost depends on the spikes: an LIF
    spike costs a division and a log series (~1,160 cycles, against ~133 a
    neuron), and each spike adds its decoders into every output dimension."""
    from . import neurons as _neurons

    n = neurons
    model = model or _neurons.model_named("LIF")
    if spikes is None:
        spikes = planned_spikes(n, model)
    if later_spikes is None:
        later_spikes = planned_spikes(n, model)
    return (sum(filter_cycles(d) for d in filters)
            + NEURON_CYCLES_PER_NEURON_DIM * n * input_dims + model.cycles_per_neuron * n
            + NEURON_CYCLES
            + (model.cycles_per_spike
               + DECODE_CYCLES_PER_SPIKE_DIM * (output_dims + probe_dims)) * spikes
            + model.cycles_per_spike_later * later_spikes
            + DECODE_CYCLES_PER_DIM * output_dims + PROBE_CYCLES_PER_DIM * probe_dims
            + RECORD_CYCLES_PER_WORD * recorded_words)


def share_cycles(shared_dims: int, own_dims: int):
    """Cycles per tick of a core of a cluster that shares one filtered input
    of ``shared_dims`` dimensions, writing its own block of ``own_dims``."""
    if not shared_dims:
        return 0
    return SHARE_CYCLES + SHARE_CYCLES_PER_DIM * shared_dims + SHARE_CYCLES_PER_OWN_DIM * own_dims


def sums_cycles(rows: int, cores: int, sent: int):
    """Cycles per tick of a core of a cluster of ``cores`` that adds its
    partial sums: writing its ``rows`` sums to SDRAM and adding the
    cluster's sums of the ``sent`` rows it sends, against sending all
    ``rows`` (DECODE_CYCLES_PER_DIM each, which ensemble_cycles counted)."""
    if not cores:
        return 0
    return (SUMS_CYCLES + SUMS_CYCLES_PER_ROW * rows + SUMS_CYCLES_PER_ADD * cores * sent
            - DECODE_CYCLES_PER_DIM * (rows - sent))


def learning_cycles(neurons, rows: int, rules: int, spikes=None, model=None,
                    derived_products: int = 0, updates: int | None = None):
    """Cycles per tick of ``rules`` learning rules learning ``rows`` rows in
    all over ``neurons`` neurons that spike ``spikes`` times (planned as
    :func:`planned_spikes` when None), passing over ``updates`` rows of
    weights (``rows`` when None; Oja passes twice), and of the rows derived
    from them (``derived_products`` multiply-accumulates, as encoding's)."""
    if not rules:
        return 0
    if spikes is None:
        spikes = planned_spikes(neurons, model)
    return (LEARN_CYCLES_PER_RULE * rules + LEARN_CYCLES_PER_NEURON * neurons * rules
            + LEARN_CYCLES_PER_WEIGHT * neurons * (rows if updates is None else updates)
            + LEARN_DECODE_CYCLES_PER_SPIKE_ROW * spikes * rows
            + NEURON_CYCLES_PER_NEURON_DIM * derived_products)


def learning_dtcm(neurons, rows: int, rules: int):
    """DTCM bytes of learning: 64-bit weights, a trace word per neuron per
    rule, and the rules' records (spinnc.regions.LEARNING_RULE)."""
    return 2 * WORD * neurons * rows + WORD * neurons * rules + 16 * WORD * rules


#: The words of a POPULATION region's header besides the model's constants
#: (model, n_neurons, input_dims, output_dims, probe_dims, and at most five
#: recording periods).
POPULATION_HEADER_WORDS = 10
#: Per neuron scratch of the ensemble firmware: its current, its spike index
#: and its 64-bit sum of neuron inputs.
SCRATCH_BYTES_PER_NEURON = 4 * WORD


def ensemble_dtcm(neurons, input_dims: int, output_dims: int, filters: list[int],
                  recorded_words: int = 0, model=None, probe_dims: int = 0):
    """DTCM bytes: the POPULATION region the firmware copies into DTCM
    (header, encoders, bias, gain, the model's state words per neuron
    (``model.state_words``; LIF's 2 when None) and per-spike decoders), the
    per-neuron scratch, filters, output keys (and the probe rows' sums) and
    one tick's recording row."""
    n = neurons
    state_words = 2 if model is None else model.state_words
    constants = 0 if model is None else len(model.constants)
    return (WORD * (POPULATION_HEADER_WORDS + constants)
            + WORD * n * (input_dims + 2 + state_words + output_dims + probe_dims)
            + SCRATCH_BYTES_PER_NEURON * n
            + sum(filter_dtcm(d) for d in filters) + WORD * (output_dims + probe_dims)
            + WORD * recorded_words)


def spike_words(neurons):
    """Words of one tick's spike bit-vector (int or numpy array)."""
    return -(-neurons // 32)
