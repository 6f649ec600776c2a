/* What GCC may call even in freestanding code (FIRMWARE.md 12), and the
 * division-by-zero hooks of libgcc's division routines (RTE 11, as SARK). */
#include "runtime.h"

void *memcpy(void *dest, const void *src, size_t n) {
    uint8_t *d = dest;
    const uint8_t *s = src;
    if ((((uint32_t) d | (uint32_t) s | n) & 3u) == 0) {
        uint32_t *dw = dest;
        const uint32_t *sw = src;
        for (size_t i = 0; i < n / 4; i++) dw[i] = sw[i];
        return dest;
    }
    for (size_t i = 0; i < n; i++) d[i] = s[i];
    return dest;
}

void *memmove(void *dest, const void *src, size_t n) {
    uint8_t *d = dest;
    const uint8_t *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--) d[i - 1] = s[i - 1];
    }
    return dest;
}

void *memset(void *dest, int c, size_t n) {
    uint8_t *d = dest;
    for (size_t i = 0; i < n; i++) d[i] = (uint8_t) c;
    return dest;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

int __aeabi_idiv0(int r) {
    rt_error(RTE_DIV0, "division by zero");
    return r;
}

long long __aeabi_ldiv0(long long r) {
    rt_error(RTE_DIV0, "division by zero");
    return r;
}
