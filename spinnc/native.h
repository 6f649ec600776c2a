/* What spinnc's compiled kernels share (spinnc/neurons/lif_loop.h,
 * spinnc/firmware_sim/encode_runs.h). */
#ifndef SPINNC_NATIVE_H
#define SPINNC_NATIVE_H

#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* One clone per vector width (AVX-512, AVX2, SSE2), the loader picking the
 * machine's: the kernels' integer arithmetic gives the same bits in all. */
#define SPINNC_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SPINNC_CLONES
#endif

static inline int64_t spinnc_sat(int64_t x) {
    return x < INT32_MIN ? INT32_MIN : (x > INT32_MAX ? INT32_MAX : x);
}

#endif
