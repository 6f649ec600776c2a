/* recorder: filters the probed values it receives and records each probe
 * every sample_every ticks (the emulator's FilterBank, MemberInputs and
 * Recorder; spinnc/recording.py's buffer). */
#include "runtime.h"
#include "spinnc_regions.h"
#include "receive.h"

const char app_name[] = "recorder";

static uint32_t n_steps, done;
static uint32_t n_recordings;
static recording_t recordings[MAX_MEMBERS];
static uint32_t member_of[MAX_MEMBERS], dims_of[MAX_MEMBERS];

static void tick(uint32_t t) {
    const int32_t *u = receive_tick();
    for (uint32_t i = 0; i < n_recordings; i++) {
        if ((t + 1) % recordings[i].every == 0)
            recording_row(&recordings[i], (t + 1) / recordings[i].every - 1,
                          u + receive_base(member_of[i]));
    }
    done = t + 1;
    if (done >= n_steps) rt_stop();
}

static void pause(void) { recording_finish(done); }

void c_main(void) {
    regions_init();
    const system_header_t *system = region(REGION_SYSTEM, 0);
    if (system->application != APPLICATION_RECORDER)
        rt_error(RTE_SWERR, "region data is for application %u, not recorder (%u)",
                 system->application, APPLICATION_RECORDER);
    n_steps = system->n_steps;
    const probes_header_t *ph = region(REGION_PROBES, 0);
    const recorded_probe_t *probes = (const recorded_probe_t *) (ph + 1);
    /* One recording per probed member, in first-probe order, the last
     * probe's size and period (spinnc.recording.core_recordings). */
    uint32_t member_dims[MAX_MEMBERS] = {0};
    n_recordings = 0;
    for (uint32_t p = 0; p < ph->n_probes; p++) {
        uint32_t m = probes[p].member;
        if (m >= MAX_MEMBERS || probes[p].sample_every == 0)
            rt_error(RTE_SWERR, "probe %u: member %u, sample_every %u", p, m,
                     probes[p].sample_every);
        uint32_t i = 0;
        while (i < n_recordings && member_of[i] != m) i++;
        if (i == n_recordings) n_recordings++;
        member_of[i] = m;
        dims_of[i] = probes[p].dims;
        recordings[i].row_bytes = 4 * probes[p].dims;
        recordings[i].every = probes[p].sample_every;
    }
    /* Inputs are laid out in probe order, the last probe of a member wins. */
    for (uint32_t i = 0; i < n_recordings; i++) member_dims[member_of[i]] = dims_of[i];
    receive_init(member_dims, MAX_MEMBERS);
    recording_init(recordings, n_recordings, n_steps);
    rt_on_tick(tick);
    rt_on_packet(receive_packet);
    rt_on_pause(pause);
    rt_run(system->timestep_us);
    recording_finish(done);  /* the checksums, outside the ticks' budget */
}
