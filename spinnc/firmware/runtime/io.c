/* The DTCM heap; IOBUF text and the shared system heap, in SARK's formats (FIRMWARE.md 6):
 * a heap is {free list, first block, last block, free bytes} and blocks of
 * {next, free}; an IOBUF block is {next, unix_time, time_ms, ptr} then text,
 * ptr the count of valid bytes, the first block at vcpu iobuf. */
#include "runtime.h"

typedef struct block {
    struct block *next;
    struct block *free;  /* while allocated: 0xFFFF0000 | app_id << 8 | tag */
} block_t;

typedef struct {
    block_t *free;
    block_t *first;
    block_t *last;
    uint32_t free_bytes;
} heap_t;

typedef struct iobuf {
    struct iobuf *next;
    uint32_t unix_time;
    uint32_t time_ms;
    uint32_t ptr;
    char text[];
} iobuf_t;

void *sys_heap_alloc(uint32_t bytes, uint32_t tag) {
    heap_t *heap = *(heap_t **) (SV_BASE + SV_SYS_HEAP);
    if (heap == 0) return 0;
    uint32_t size = ((bytes + 3) & ~3u) + sizeof(block_t);
    uint32_t cpsr = cpu_int_disable();
    while (REG(SC_BASE, SC_LOCK_TAS(LOCK_HEAP)) & 0x80000000u) continue;
    void *found = 0;
    block_t **link = &heap->free;
    for (block_t *b = heap->free; b; link = &b->free, b = b->free) {
        uint32_t have = (uint32_t) b->next - (uint32_t) b;
        if (have < size) continue;
        if (have - size > sizeof(block_t)) {  /* split: the rest stays free */
            block_t *rest = (block_t *) ((uint8_t *) b + size);
            rest->next = b->next;
            rest->free = b->free;
            b->next = rest;
            *link = rest;
            heap->free_bytes -= size;
        } else {
            *link = b->free;
            heap->free_bytes -= have;
        }
        b->free = (block_t *) (0xFFFF0000u | rt_app_id << 8 | tag);
        found = b + 1;
        break;
    }
    (void) REG(SC_BASE, SC_LOCK_TAC(LOCK_HEAP));
    cpu_int_restore(cpsr);
    return found;
}

extern uint8_t HEAP_BASE[], __stack_bottom[];
static uint8_t *dtcm_next;

void *dtcm_alloc(uint32_t bytes) {
    if (dtcm_next == 0) dtcm_next = HEAP_BASE;
    uint8_t *p = (uint8_t *) (((uint32_t) dtcm_next + 7u) & ~7u);
    if (bytes > (uint32_t) (__stack_bottom - p)) return 0;
    dtcm_next = p + bytes;
    return p;
}

uint32_t dtcm_free_bytes(void) {
    uint8_t *p = (uint8_t *) (((uint32_t) (dtcm_next ? dtcm_next : HEAP_BASE) + 7u) & ~7u);
    return p < __stack_bottom ? (uint32_t) (__stack_bottom - p) : 0;
}

static iobuf_t *iobuf_current;
static uint32_t iobuf_size;

static iobuf_t *iobuf_block(void) {
    iobuf_t *b = sys_heap_alloc(sizeof(iobuf_t) + iobuf_size, 0);
    if (b) {
        b->next = 0;
        b->unix_time = *(volatile uint32_t *) (SV_BASE + SV_UNIX_TIME);
        b->time_ms = 0;
        b->ptr = 0;
    }
    return b;
}

void iobuf_init(void) {
    iobuf_size = *(volatile uint32_t *) (SV_BASE + SV_IOBUF_SIZE);
    iobuf_current = iobuf_size ? iobuf_block() : 0;
    rt_vcpu->iobuf = iobuf_current;
}

static uint32_t pending;  /* characters written after ptr, not yet counted */

/* For the exception path, which does not trust DTCM (a stack that ran down
 * through .bss may have overwritten these variables): the IOBUF's state again
 * from System RAM and SDRAM, the chain at vcpu iobuf and sv->iobuf_size; text
 * not yet counted in ptr is dropped. */
void iobuf_recover(void) {
    iobuf_size = *(volatile uint32_t *) (SV_BASE + SV_IOBUF_SIZE);
    iobuf_t *b = rt_vcpu->iobuf;
    for (uint32_t n = 0; b && n < 1024 && b->next; n++) {
        uint32_t next = (uint32_t) b->next;
        if (next < 0x60000000u || next >= 0x80000000u) break;  /* SDRAM (sys_heap) only */
        b = b->next;
    }
    iobuf_current = b;
    pending = 0;
}

static void io_putc(char c) {
    iobuf_t *b = iobuf_current;
    if (b == 0) return;
    if (b->ptr + pending >= iobuf_size) {  /* full: chain another block */
        b->ptr = iobuf_size;
        pending = 0;
        iobuf_t *next = iobuf_block();
        if (next == 0) { iobuf_current = 0; return; }
        b->next = next;
        iobuf_current = b = next;
    }
    b->text[b->ptr + pending++] = c;
    if (c == '\n' || c == 0) {
        b->ptr += pending;
        pending = 0;
    }
}

static void put_number(uint32_t value, uint32_t base, int negative, int width, char fill) {
    char digits[12];
    int n = 0;
    do {
        uint32_t d = value % base;
        digits[n++] = (char) (d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value);
    if (negative) {
        if (fill == '0') { io_putc('-'); }
        width--;
    }
    for (int i = n; i < width; i++) io_putc(fill);
    if (negative && fill != '0') io_putc('-');
    while (n) io_putc(digits[--n]);
}

void io_vprintf(const char *fmt, __builtin_va_list args) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') { io_putc(*fmt); continue; }
        fmt++;
        char fill = ' ';
        int width = 0;
        if (*fmt == '0') { fill = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 'd': {
            int32_t v = __builtin_va_arg(args, int32_t);
            put_number(v < 0 ? -(uint32_t) v : (uint32_t) v, 10, v < 0, width, fill);
            break;
        }
        case 'u': put_number(__builtin_va_arg(args, uint32_t), 10, 0, width, fill); break;
        case 'x': put_number(__builtin_va_arg(args, uint32_t), 16, 0, width, fill); break;
        case 'c': io_putc((char) __builtin_va_arg(args, int)); break;
        case 's': {
            const char *s = __builtin_va_arg(args, const char *);
            while (*s) io_putc(*s++);
            break;
        }
        case '%': io_putc('%'); break;
        case 0: return;
        default: io_putc('%'); io_putc(*fmt); break;
        }
    }
}

void io_printf(const char *fmt, ...) {
    __builtin_va_list args;
    __builtin_va_start(args, fmt);
    io_vprintf(fmt, args);
    __builtin_va_end(args);
}
