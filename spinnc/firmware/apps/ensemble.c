/* ensemble: a core's population slices (members).  Each tick, per member:
 * its filtered inputs (receive.c), the neurons' currents, the neuron model's
 * step and the decoded partial sums (the shared kernels' ensemble.h,
 * bit-exact with the Python engine's EnsembleKernel), one multicast packet
 * per sent decoder row; recorded when due (spinnc.apps.ensemble's
 * recordings: per member, spikes, each of the model's probes, the probe rows
 * decoded this tick, the input currents).
 * Its tables are sized by its data in the DTCM heap; the population regions
 * are copied into what DTCM is left, in member order, while they fit. */
#include "runtime.h"
#include "spinnc_regions.h"
#include "receive.h"
#include "ensemble.h"
#include "learning.h"

const char app_name[] = "ensemble";

#define MAX_PROBES 2

/* Per model: the byte offsets of spikes_every and each probe's period in
 * its POPULATION header, and the state variable each probe records; the
 * offset of decoded_every (input_every is the word after it). */
typedef struct {
    uint32_t code, spikes_every, n_probes;
    uint32_t every[MAX_PROBES], variable[MAX_PROBES];
    uint32_t decoded_every;
} model_probes_t;

#define P(type, field) offsetof(type, field)
static const model_probes_t MODELS[] = {
    {NEURON_MODEL_LIF, P(population_lif_header_t, spikes_every), 1,
     {P(population_lif_header_t, voltage_every)}, {0},
     P(population_lif_header_t, decoded_every)},
    {NEURON_MODEL_ADAPTIVELIF, P(population_adaptivelif_header_t, spikes_every), 2,
     {P(population_adaptivelif_header_t, voltage_every),
      P(population_adaptivelif_header_t, adaptation_every)}, {0, 2},
     P(population_adaptivelif_header_t, decoded_every)},
    {NEURON_MODEL_SPIKINGRECTIFIEDLINEAR,
     P(population_spikingrectifiedlinear_header_t, spikes_every), 1,
     {P(population_spikingrectifiedlinear_header_t, voltage_every)}, {0},
     P(population_spikingrectifiedlinear_header_t, decoded_every)},
    {NEURON_MODEL_IZHIKEVICH, P(population_izhikevich_header_t, spikes_every), 2,
     {P(population_izhikevich_header_t, voltage_every),
      P(population_izhikevich_header_t, recovery_every)}, {0, 1},
     P(population_izhikevich_header_t, decoded_every)},
    {NEURON_MODEL_REGULARSPIKING, P(population_regularspiking_header_t, spikes_every), 1,
     {P(population_regularspiking_header_t, voltage_every)}, {0},
     P(population_regularspiking_header_t, decoded_every)},
};
_Static_assert(offsetof(population_lif_header_t, input_every)
               == offsetof(population_lif_header_t, decoded_every) + 4,
               "input_every follows decoded_every");

typedef struct {
    spinnc_population_t pop;
    uint32_t first_key;  /* its decoder rows' keys from keys[first_key] */
    uint32_t has_neuron_inputs;
    int32_t spikes_recording, probe_recording[MAX_PROBES];  /* -1: not recorded */
    int32_t decoded_recording, input_recording;
    uint32_t probe_variable[MAX_PROBES], n_probes;
} member_t;

/* A learning rule (the LEARNING region, spinnc/learning/; learning.h). */
typedef struct {
    const learning_rule_t *rule;
    int64_t *values;           /* learned weights (PES, BCM, Oja), Voja's encoders */
    int32_t *trace;            /* n_neurons words (Voja: then its scales) */
    const int32_t *transform;  /* a derived rule's */
    int32_t *sums;             /* a rule's decoded rows this tick */
    int32_t *signals;          /* BCM's row signals this tick */
    int32_t recording;         /* of its values; -1: not recorded */
    int32_t trace_recording, inputs_recording;  /* of its trace, its input rows */
} learner_t;

static learner_t *learners;
static uint32_t n_learners;
static int64_t *learned_values;   /* every rule's values, in DTCM */
static void *learning_sdram;      /* where the region holds them, for the host */
static uint32_t n_learned_values;
static int32_t *learned_words;  /* scratch: one recorded row of learned values */

static member_t *members;
static uint32_t n_members, n_steps;
static uint32_t *keys;
static recording_t *recordings;
static uint32_t n_recordings;
static int32_t *current, *payloads;
static uint32_t *spikes, *spike_bits;
static int64_t *summed;

static void *take(uint32_t bytes, const char *what, uint32_t count) {
    void *p = dtcm_alloc(bytes ? bytes : 4);
    if (p == 0) rt_error(RTE_MALLOC, "no DTCM for %u %s (%u bytes; %u free)", count, what,
                         bytes, dtcm_free_bytes());
    return p;
}

/* A cluster's shared input (INPUT_SHARE; spinnc/mapper/clusters.py):
 * this core filters block first:first+width of it, writes that into the
 * cluster's input in SDRAM (two ticks' of dims words in the region of the
 * cluster's lead core) and encodes from the whole input as written in the
 * tick before: the cores of a chip are not in lock step within a tick. */
static const input_share_header_t *share;
static int32_t *shared_input;           /* DTCM: the input of the tick before */
static int32_t *share_buffer;  /* SDRAM: the lead's two ticks' */

static void share_init(void) {
    uint32_t length;
    share = region_or_null(REGION_INPUT_SHARE, &length);
    if (share == 0) return;
    if (length != sizeof(*share) + 4ull * share->n_buffer || n_members != 1
            || members[0].pop.input_dims != share->dims
            || share->first + (uint64_t) share->width > share->dims
            || (share->n_buffer != 0 && share->n_buffer != 2 * share->dims)
            || region_or_null(REGION_LEARNING, 0) != 0)
        rt_error(RTE_SWERR, "input share region (block %u+%u of %u) does not match the core's "
                 "one member of %u input dimensions without learning", share->first,
                 share->width, share->dims, members[0].pop.input_dims);
    shared_input = take(4 * share->dims, "shared input dimensions", share->dims);
}

/* The lead's two ticks' of input: found in the first tick, when every core
 * of the chip has its region data. */
static int32_t *share_find(void) {
    if (share->n_buffer) return (int32_t *) (share + 1);
    uint32_t length;
    const input_share_header_t *lead = core_region_or_null(share->lead_core,
                                                           REGION_INPUT_SHARE, &length);
    if (lead == 0 || lead->dims != share->dims || lead->n_buffer != 2 * share->dims
            || length != sizeof(*lead) + 8 * share->dims)
        rt_error(RTE_SWERR, "core %u holds no shared input of %u dimensions",
                 share->lead_core, share->dims);
    return (int32_t *) (lead + 1);
}

/* This tick's own block out, the input of the tick before in. */
static const int32_t *share_exchange(uint32_t t, const int32_t *own) {
    if (share_buffer == 0) share_buffer = share_find();
    int32_t *now = share_buffer + (t & 1) * share->dims;
    const int32_t *before = share_buffer + ((t + 1) & 1) * share->dims;
    memcpy(now + share->first, own, 4 * share->width);
    memcpy(shared_input, before, 4 * share->dims);
    return shared_input;
}

/* A cluster adding its partial sums (OUTPUT_SHARE): every core writes its
 * sums of every row into the cluster's SDRAM (two ticks' of cores x rows
 * words in the region of the cluster's lead core); this one adds the
 * cluster's sums of the tick before of rows first:first+width and sends
 * them. */
static const output_share_header_t *sums_share;
static int32_t *sums_buffer;  /* SDRAM: the lead's two ticks' */
static int32_t *sums_sent;    /* DTCM: the rows it sends this tick */

static void sums_init(void) {
    uint32_t length;
    const output_share_header_t *h = region_or_null(REGION_OUTPUT_SHARE, &length);
    if (h == 0) return;
    uint64_t expected = 2ull * h->cores * h->rows;
    if (length != sizeof(*h) + 4ull * h->n_buffer || n_members != 1
            || members[0].pop.output_dims != h->rows || h->first + (uint64_t) h->width > h->rows
            || h->index >= h->cores || (h->n_buffer != 0 && h->n_buffer != expected)
            || region_or_null(REGION_LEARNING, 0) != 0)
        rt_error(RTE_SWERR, "output share region (rows %u+%u of %u, core %u of %u) does not "
                 "match the core's one member of %u rows without learning", h->first,
                 h->width, h->rows, h->index, h->cores, members[0].pop.output_dims);
    sums_share = h;
    sums_sent = take(4 * h->width, "rows sent", h->width);
}

/* The lead's two ticks' of sums: found in the first tick, when every core
 * of the chip has its region data. */
static int32_t *sums_find(void) {
    const output_share_header_t *h = sums_share;
    if (h->n_buffer) return (int32_t *) (h + 1);
    uint32_t length;
    const output_share_header_t *lead = core_region_or_null(h->lead_core, REGION_OUTPUT_SHARE,
                                                            &length);
    if (lead == 0 || lead->rows != h->rows || lead->cores != h->cores
            || lead->n_buffer != 2 * h->cores * h->rows
            || length != sizeof(*lead) + 4ull * lead->n_buffer)
        rt_error(RTE_SWERR, "core %u holds no sums of %u cores of %u rows", h->lead_core,
                 h->cores, h->rows);
    return (int32_t *) (lead + 1);
}

/* This tick's sums out, the cluster's of the tick before added and sent. */
static void send_sums(uint32_t t, const member_t *mb) {
    const output_share_header_t *h = sums_share;
    if (sums_buffer == 0) sums_buffer = sums_find();
    uint32_t tick_words = h->cores * h->rows;
    memcpy(sums_buffer + (t & 1) * tick_words + h->index * h->rows, payloads, 4 * h->rows);
    const int32_t *before = sums_buffer + ((t + 1) & 1) * tick_words + h->first;
    for (uint32_t d = 0; d < h->width; d++) {
        int64_t sum = 0;
        for (uint32_t i = 0; i < h->cores; i++) sum += before[i * h->rows + d];
        sums_sent[d] = spinnc_sat(sum);
    }
    for (uint32_t d = 0; d < h->width; d++)
        cc_send(keys[mb->first_key + d], (uint32_t) sums_sent[d]);
}

/* The rows member m sends: all it decodes, or its block of its cluster's. */
static uint32_t sent_rows(uint32_t m) {
    return sums_share ? sums_share->width : members[m].pop.output_dims;
}

/* Recording `index` (-1: none) takes `data` as its row when tick t ends one. */
static void record_due(int32_t index, uint32_t t, const void *data) {
    if (index < 0) return;
    const recording_t *r = &recordings[index];
    if ((t + 1) % r->every == 0) recording_row(r, (t + 1) / r->every - 1, data);
}

static void record_spikes(const recording_t *r, uint32_t row, uint32_t n, uint32_t count) {
    for (uint32_t w = 0; w < (n + 31) / 32; w++) spike_bits[w] = 0;
    for (uint32_t i = 0; i < count; i++) spike_bits[spikes[i] >> 5] |= 1u << (spikes[i] & 31);
    recording_row(r, row, spike_bits);
}

/* The run of this tick's spikes (increasing member indices) of the neurons
 * rule r learns from, first .. first + n_neurons: *n of them. */
static const uint32_t *rule_spikes(const learning_rule_t *r, uint32_t count, uint32_t *n) {
    uint32_t lo = 0, hi;
    while (lo < count && spikes[lo] < r->first) lo++;
    for (hi = lo; hi < count && spikes[hi] < r->first + r->n_neurons; hi++) continue;
    *n = hi - lo;
    return spikes + lo;
}

/* Member m's learned rows this tick, into its payloads (sent rows, then
 * probe rows), before they are sent. */
static void learned_rows(uint32_t m, uint32_t count) {
    for (uint32_t k = 0; k < n_learners; k++) {
        learner_t *l = &learners[k];
        const learning_rule_t *r = l->rule;
        if (r->member != m) continue;
        if (spinnc_learns_rows(r->kind)) {
            uint32_t n;
            const uint32_t *mine = rule_spikes(r, count, &n);
            spinnc_pes_decode(l->values, r->rows, r->n_neurons, mine, n, r->first, l->sums);
            if (r->decoded)
                for (uint32_t j = 0; j < r->rows; j++) payloads[r->row + j] = l->sums[j];
        } else if (r->kind == SPINNC_LEARN_DERIVED) {
            const learner_t *src = &learners[r->source];
            spinnc_derived(l->transform, r->rows, src->rule->rows, src->sums,
                           payloads + r->row);
        }
    }
}

/* Member m's learning after tick t: u its input, this tick's spikes; then
 * the traces (with this tick's spikes) and input rows the rules record. */
static void learn(uint32_t m, const int32_t *u, uint32_t count, uint32_t t) {
    for (uint32_t k = 0; k < n_learners; k++) {
        learner_t *l = &learners[k];
        const learning_rule_t *r = l->rule;
        if (r->member != m || r->kind == SPINNC_LEARN_DERIVED) continue;
        if (r->kind == SPINNC_LEARN_PES) {
            spinnc_pes_update(l->values, r->rows, r->n_neurons, l->trace, u + r->error,
                              r->rate, r->rate_shift, r->delta_shift);
        } else if (r->kind == SPINNC_LEARN_BCM) {  /* p, then theta */
            spinnc_bcm_signals(u + r->error, u + r->error + r->rows, r->rows, l->signals);
            spinnc_pes_update(l->values, r->rows, r->n_neurons, l->trace, l->signals,
                              r->rate, r->rate_shift, r->delta_shift);
        } else if (r->kind == SPINNC_LEARN_OJA) {  /* forgetting first: nengo's order */
            spinnc_oja_forget(l->values, r->rows, r->n_neurons, u + r->error, r->forget,
                              r->forget_shift);
            spinnc_pes_update(l->values, r->rows, r->n_neurons, l->trace, u + r->error,
                              r->rate, r->rate_shift, r->delta_shift);
        } else {
            int32_t signal = spinnc_sat((int64_t) SPINNC_ONE_15 + u[r->row]);
            spinnc_population_t *pop = &members[m].pop;
            spinnc_voja_update(l->values, r->n_neurons, r->rows, l->trace,
                               l->trace + r->n_neurons, u + r->error, signal, r->rate,
                               r->rate_shift, r->delta_shift, (int32_t *) pop->encoders,
                               pop->input_dims);
        }
        uint32_t n;
        const uint32_t *mine = rule_spikes(r, count, &n);
        spinnc_trace_step(l->trace, r->n_neurons, mine, n, r->first, r->spike, r->decay);
        record_due(l->trace_recording, t, l->trace);
        record_due(l->inputs_recording, t, u + r->error);
    }
}

/* The learned values of the rules that record them, when due (after this
 * tick's learning): s16.15 words, learned weights by row, Voja's encoders by
 * neuron. */
static void record_learned(uint32_t t) {
    for (uint32_t k = 0; k < n_learners; k++) {
        const learner_t *l = &learners[k];
        if (l->recording < 0) continue;
        const recording_t *rec = &recordings[l->recording];
        if ((t + 1) % rec->every) continue;
        const learning_rule_t *r = l->rule;
        spinnc_learned_words(l->values, r->rows * r->n_neurons,
                             spinnc_learns_rows(r->kind) ? 24 : 16, learned_words);
        recording_row(rec, (t + 1) / rec->every - 1, learned_words);
    }
}

/* The LEARNING region (if any): its rules checked against the members, its
 * values and traces copied into DTCM (8-byte aligned, writable), each rule's
 * recording after every member's. */
static void learning_init(void) {
    uint32_t length;
    const learning_header_t *h = region_or_null(REGION_LEARNING, &length);
    if (h == 0) return;
    uint64_t expected = sizeof(*h) + 8ull * h->n_weights + sizeof(learning_rule_t) * (uint64_t) h->n_rules
                        + 4ull * h->n_traces + 4ull * h->n_transforms;
    if (expected != length)
        rt_error(RTE_SWERR, "learning region of %u bytes does not match its header", length);
    const uint8_t *at = (const uint8_t *) (h + 1);
    int64_t *values = take(8 * h->n_weights, "learned values", h->n_weights);
    memcpy(values, at, 8 * h->n_weights);
    learned_values = values;
    learning_sdram = (void *) at;
    n_learned_values = h->n_weights;
    const learning_rule_t *rules = (const learning_rule_t *) (at + 8 * h->n_weights);
    const int32_t *traces0 = (const int32_t *) (rules + h->n_rules);
    int32_t *traces = take(4 * h->n_traces, "learning traces", h->n_traces);
    memcpy(traces, traces0, 4 * h->n_traces);
    const int32_t *transforms = traces0 + h->n_traces;
    n_learners = h->n_rules;
    learners = take(n_learners * sizeof(learner_t), "learning rules", n_learners);
    uint32_t widest = 0;
    for (uint32_t k = 0; k < n_learners; k++) {
        const learning_rule_t *r = &rules[k];
        learner_t *l = &learners[k];
        l->rule = r;
        l->recording = l->trace_recording = l->inputs_recording = -1;
        if (r->member >= n_members || (uint64_t) r->first + r->n_neurons
                                          > members[r->member].pop.n_neurons
                || (r->kind == SPINNC_LEARN_VOJA
                    && r->n_neurons != members[r->member].pop.n_neurons))
            rt_error(RTE_SWERR, "learning rule %u: neurons %u+%u of member %u do not match", k,
                     r->first, r->n_neurons, r->member);
        const spinnc_population_t *pop = &members[r->member].pop;
        uint64_t size = (uint64_t) r->rows * r->n_neurons;
        uint32_t decoded_rows = pop->output_dims + pop->probe_dims;
        if (r->kind == SPINNC_LEARN_DERIVED) {
            if (r->source >= k || !spinnc_learns_rows(learners[r->source].rule->kind)
                || learners[r->source].rule->member != r->member || !r->decoded
                || r->transform + (uint64_t) r->rows * learners[r->source].rule->rows
                   > h->n_transforms || r->row + r->rows > decoded_rows)
                rt_error(RTE_SWERR, "learning rule %u: a derived rule out of range", k);
            l->transform = transforms + r->transform;
            continue;
        }
        if (!spinnc_learns_rows(r->kind) && r->kind != SPINNC_LEARN_VOJA)
            rt_error(RTE_SWERR, "learning rule %u: kind %u is not a rule of this firmware", k,
                     r->kind);
        uint32_t trace_words = r->kind == SPINNC_LEARN_VOJA ? 2 * r->n_neurons : r->n_neurons;
        uint32_t inputs = r->kind == SPINNC_LEARN_BCM ? 2 * r->rows : r->rows;
        if (r->weights + size > h->n_weights || r->trace + trace_words > h->n_traces
            || r->error + (uint64_t) inputs > pop->input_dims
            || (spinnc_learns_rows(r->kind) && r->decoded && r->row + r->rows > decoded_rows)
            || (r->kind == SPINNC_LEARN_VOJA && (r->row >= pop->input_dims
                                                 || r->rows > pop->input_dims)))
            rt_error(RTE_SWERR, "learning rule %u: its arrays or dimensions are out of range", k);
        l->values = values + r->weights;
        l->trace = traces + r->trace;
        if (spinnc_learns_rows(r->kind)) l->sums = take(4 * r->rows, "learned rows", r->rows);
        if (r->kind == SPINNC_LEARN_BCM)
            l->signals = take(4 * r->rows, "BCM row signals", r->rows);
        if (r->weights_every) {
            recordings[n_recordings].row_bytes = 4 * (uint32_t) size;
            recordings[n_recordings].every = r->weights_every;
            l->recording = (int32_t) n_recordings++;
            if (size > widest) widest = (uint32_t) size;
        }
        if (r->trace_every) {
            recordings[n_recordings].row_bytes = 4 * r->n_neurons;
            recordings[n_recordings].every = r->trace_every;
            l->trace_recording = (int32_t) n_recordings++;
        }
        if (r->inputs_every) {
            recordings[n_recordings].row_bytes = 4 * r->rows;
            recordings[n_recordings].every = r->inputs_every;
            l->inputs_recording = (int32_t) n_recordings++;
        }
    }
    learned_words = take(4 * widest, "a learned row", widest);
}

static void tick(uint32_t t) {
    const int32_t *u = receive_tick();
    uint32_t n_filters;
    const filter_t *filters = receive_filters(&n_filters);
    const uint32_t *indices = receive_indices();
    for (uint32_t m = 0; m < n_members; m++) {
        member_t *mb = &members[m];
        spinnc_population_t *pop = &mb->pop;
        const int64_t *neuron_sums = 0;
        if (mb->has_neuron_inputs) {
            for (uint32_t i = 0; i < pop->n_neurons; i++) summed[i] = 0;
            for (uint32_t f = 0; f < n_filters; f++)
                if (filters[f].member == m && filters[f].neurons)
                    spinnc_neuron_input(summed, receive_filter_output(f),
                                        indices + filters[f].map_offset, filters[f].map_size);
            neuron_sums = summed;
        }
        const int32_t *encoded = share ? share_exchange(t, u) : u + receive_base(m);
        int32_t count = spinnc_ensemble_step(pop, encoded, neuron_sums, current, spikes,
                                             payloads);
        if (count < 0) rt_error(RTE_SWERR, "member %u: no step for model %u", m, pop->model);
        learned_rows(m, (uint32_t) count);
        if (sums_share) {
            send_sums(t, mb);
        } else {
            for (uint32_t d = 0; d < pop->output_dims; d++)
                cc_send(keys[mb->first_key + d], (uint32_t) payloads[d]);
        }
        /* The probe rows in the tick they are decoded: nengo's timing. */
        record_due(mb->decoded_recording, t, payloads + pop->output_dims);
        if (mb->spikes_recording >= 0) {
            const recording_t *r = &recordings[mb->spikes_recording];
            if ((t + 1) % r->every == 0)
                record_spikes(r, (t + 1) / r->every - 1, pop->n_neurons, (uint32_t) count);
        }
        for (uint32_t p = 0; p < mb->n_probes; p++)
            record_due(mb->probe_recording[p], t,
                       pop->state + mb->probe_variable[p] * pop->n_neurons);
        record_due(mb->input_recording, t, current);
        learn(m, u + receive_base(m), (uint32_t) count, t);
    }
    record_learned(t);
    if (t + 1 >= n_steps) rt_stop();
}

static uint32_t done_ticks(void);
static uint32_t ticks_done;
static void count_tick(uint32_t t) { tick(t); ticks_done = t + 1; }
static uint32_t done_ticks(void) { return ticks_done; }
/* The learned values back into the LEARNING region in SDRAM, where the
 * host reads what the cores have learned (when they pause or stop). */
static void learned_write_back(void) {
    if (n_learned_values) memcpy(learning_sdram, learned_values, 8 * n_learned_values);
}
static void pause(void) { learned_write_back(); recording_finish(done_ticks()); }

static const model_probes_t *model_of(uint32_t code) {
    for (uint32_t i = 0; i < sizeof(MODELS) / sizeof(MODELS[0]); i++)
        if (MODELS[i].code == code) return &MODELS[i];
    return 0;
}

void c_main(void) {
    regions_init();
    const system_header_t *system = region(REGION_SYSTEM, 0);
    if (system->application != APPLICATION_ENSEMBLE)
        rt_error(RTE_SWERR, "region data is for application %u, not ensemble (%u)",
                 system->application, APPLICATION_ENSEMBLE);
    n_steps = system->n_steps;
    n_members = system->n_members;
    if (n_members > MAX_MEMBERS) rt_error(RTE_SWERR, "%u members, at most %u", n_members,
                                          MAX_MEMBERS);
    members = take(n_members * sizeof(member_t), "members", n_members);
    memset(members, 0, n_members * sizeof(member_t));
    uint32_t learning_bytes;  /* three recordings at most per learning rule */
    const learning_header_t *learning = region_or_null(REGION_LEARNING, &learning_bytes);
    uint32_t most_recordings = n_members * (3 + MAX_PROBES) + (learning ? 3 * learning->n_rules : 0);
    recordings = take(most_recordings * sizeof(recording_t), "recordings", most_recordings);
    const output_keys_header_t *out = region(REGION_OUTPUT_KEYS, 0);
    const output_key_t *nets = (const output_key_t *) (out + 1);
    static uint32_t member_dims[MAX_MEMBERS], lengths[MAX_MEMBERS], found[MAX_MEMBERS];
    static uint32_t *data[MAX_MEMBERS];  /* static: the SYS stack is 1152 bytes */
    uint32_t n_keys = 0, most = 0, widest = 0;
    for (uint32_t m = 0; m < n_members; m++) {
        member_t *mb = &members[m];
        data[m] = (uint32_t *) region(REGION_POPULATION + m, &lengths[m]);
        int32_t view = spinnc_population_view(data[m], lengths[m], &mb->pop);
        if (view == -1) rt_error(RTE_SWERR, "member %u: neuron model %u has no C step", m,
                                 data[m][0]);
        if (view != 0) rt_error(RTE_SWERR, "member %u: population region of %u bytes does not "
                                "match its header", m, lengths[m]);
        spinnc_population_t *pop = &mb->pop;
        if (pop->n_neurons > most) most = pop->n_neurons;
        if (pop->output_dims + pop->probe_dims > widest)
            widest = pop->output_dims + pop->probe_dims;
        member_dims[m] = pop->input_dims;
        /* What it records: spikes, then each of its model's probes. */
        const model_probes_t *model = model_of(pop->model);
        if (model == 0) rt_error(RTE_SWERR, "member %u: unknown neuron model %u", m, pop->model);
        const uint8_t *head = (const uint8_t *) data[m];
        uint32_t every = *(const uint32_t *) (head + model->spikes_every);
        mb->spikes_recording = -1;
        if (every) {
            recordings[n_recordings].row_bytes = 4 * ((pop->n_neurons + 31) / 32);
            recordings[n_recordings].every = every;
            mb->spikes_recording = (int32_t) n_recordings++;
        }
        mb->n_probes = model->n_probes;
        for (uint32_t p = 0; p < model->n_probes; p++) {
            every = *(const uint32_t *) (head + model->every[p]);
            mb->probe_variable[p] = model->variable[p];
            mb->probe_recording[p] = -1;
            if (every) {
                recordings[n_recordings].row_bytes = 4 * pop->n_neurons;
                recordings[n_recordings].every = every;
                mb->probe_recording[p] = (int32_t) n_recordings++;
            }
        }
        /* Then its probe rows (when it has some) and its input currents. */
        every = *(const uint32_t *) (head + model->decoded_every);
        mb->decoded_recording = -1;
        if (every && pop->probe_dims) {
            recordings[n_recordings].row_bytes = 4 * pop->probe_dims;
            recordings[n_recordings].every = every;
            mb->decoded_recording = (int32_t) n_recordings++;
        }
        every = *(const uint32_t *) (head + model->decoded_every + 4);
        mb->input_recording = -1;
        if (every) {
            recordings[n_recordings].row_bytes = 4 * pop->n_neurons;
            recordings[n_recordings].every = every;
            mb->input_recording = (int32_t) n_recordings++;
        }
    }
    /* Each member's sent rows are the keys of its nets, in net order. */
    sums_init();
    for (uint32_t m = 0; m < n_members; m++) {
        members[m].first_key = n_keys;
        n_keys += sent_rows(m);
    }
    keys = take(4 * n_keys, "output keys", n_keys);
    for (uint32_t i = 0; i < out->n_nets; i++) {
        uint32_t m = nets[i].member;
        if (m >= n_members || found[m] + nets[i].size > sent_rows(m))
            rt_error(RTE_SWERR, "output net %u of member %u does not match the decoders", i, m);
        for (uint32_t d = 0; d < nets[i].size; d++)
            keys[members[m].first_key + found[m]++] = nets[i].key + d;
    }
    for (uint32_t m = 0; m < n_members; m++)
        if (found[m] != sent_rows(m))
            rt_error(RTE_SWERR, "member %u: %u decoder rows but %u output keys", m,
                     sent_rows(m), found[m]);
    current = take(4 * most, "neurons", most);
    spikes = take(4 * most, "neurons", most);
    summed = take(8 * most, "neurons", most);
    spike_bits = take(4 * ((most + 31) / 32), "neurons", most);
    payloads = take(4 * widest, "decoder rows", widest);
    share_init();
    if (share) member_dims[0] = share->width;  /* it filters its block */
    receive_init(member_dims, n_members);
    uint32_t n_filters;
    const filter_t *filters = receive_filters(&n_filters);
    for (uint32_t f = 0; f < n_filters; f++)
        if (filters[f].neurons && filters[f].member < n_members)
            members[filters[f].member].has_neuron_inputs = 1;
    /* Population regions into what DTCM is left, state and all, in member
     * order while they fit; the rest run from SDRAM. */
    for (uint32_t m = 0; m < n_members; m++) {
        uint32_t *copy = dtcm_alloc(lengths[m]);
        if (copy == 0) continue;
        memcpy(copy, data[m], lengths[m]);
        spinnc_population_view(copy, lengths[m], &members[m].pop);
    }
    learning_init();  /* after the populations' copies: Voja writes their encoders */
    recording_init(recordings, n_recordings, n_steps);
    rt_on_tick(count_tick);
    rt_on_packet(receive_packet);
    rt_on_pause(pause);
    rt_run(system->timestep_us);
    learned_write_back();
    recording_finish(ticks_done);
}
