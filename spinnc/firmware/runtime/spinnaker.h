/* SpiNNaker1 application-core addresses and register offsets that spinnc's
 * runtime uses.  Facts only, from ../shared/spinnaker/FIRMWARE.md, which
 * cites spinnaker_tools include/spinnaker.h and include/sark.h for each; the
 * section of FIRMWARE.md is given with every group. */
#ifndef SPINNC_SPINNAKER_H
#define SPINNC_SPINNAKER_H

#include <stdint.h>

/* Memory map (FIRMWARE.md 1). */
#define ITCM_BASE        0x00000000u
#define DTCM_BASE        0x00400000u
#define DTCM_TOP         0x00410000u
#define SDRAM_BASE       0x60000000u
#define SYSRAM_BASE      0xE5000000u

/* Peripherals (FIRMWARE.md 1, 7-11); the buffered aliases except the VIC,
 * which SARK uses unbuffered. */
#define CC_BASE          0x20000000u
#define TIMER_BASE       0x21000000u
#define VIC_BASE         0x1F000000u
#define DMA_BASE         0x40000000u
#define SC_BASE          0xE2000000u

#define REG(base, off)   (*(volatile uint32_t *) ((base) + (off)))

/* Communications controller (FIRMWARE.md 9). */
#define CC_TCR           0x00u
#define CC_TXDATA        0x04u
#define CC_TXKEY         0x08u
#define CC_RSR           0x0Cu
#define CC_RXDATA        0x10u
#define CC_RXKEY         0x14u
#define CC_TCR_MC_PAYLOAD 0x00020000u  /* multicast, payload present */
#define CC_TCR_FULL      (1u << 30)
#define CC_RSR_PAYLOAD   (1u << 17)

/* Timer 1 (FIRMWARE.md 8). */
#define T1_LOAD          0x00u
#define T1_COUNT         0x04u
#define T1_CONTROL       0x08u
#define T1_INT_CLR       0x0Cu
#define T1_RAW_INT       0x10u
#define T1_MASK_INT      0x14u
#define T1_BG_LOAD       0x18u
#define T1_CONTROL_TICK  0xE2u  /* enable, periodic, interrupt, 32-bit, /1 */

/* VIC, ARM PL190 (FIRMWARE.md 7). */
#define VIC_IRQST        0x00u
#define VIC_RAW          0x08u
#define VIC_SELECT       0x0Cu
#define VIC_ENABLE       0x10u
#define VIC_DISABLE      0x14u
#define VIC_SOFT_SET     0x18u
#define VIC_SOFT_CLR     0x1Cu
#define VIC_VADDR        0x30u
#define VIC_DEFADDR      0x34u
#define VIC_ADDR(n)      (0x100u + 4u * (n))
#define VIC_CNTL(n)      (0x200u + 4u * (n))
#define VIC_CNTL_ENABLE  0x20u

/* VIC lines (FIRMWARE.md 7). */
#define LINE_TIMER1      4u
#define LINE_CC_RDY      6u
#define LINE_CPU_INT     18u
#define LINE_CC_MC       24u

/* The runtime's vector slots (slot 0 is the highest priority). */
#define SLOT_CPU_INT     0u
#define SLOT_TIMER1      1u
#define SLOT_CC_MC       2u

/* DMA controller: STAT bits 31:24 are the physical core (FIRMWARE.md 10). */
#define DMA_STAT         0x14u

/* System controller (FIRMWARE.md 11). */
#define SC_CHIP_ID       0x00u
#define SC_SET_IRQ       0x08u
#define SC_CLR_IRQ       0x0Cu
#define SC_MON_ID        0x34u
#define SC_FLAG          0x58u  /* read: sync flags; write: set bits */
#define SC_CLRFLAG       0x5Cu
#define SC_CODE          0x5EC00000u
#define SC_LOCK_TAS(n)   (0x100u + 4u * (n))  /* read: take; bit 31 = was held */
#define SC_LOCK_TAC(n)   (0x180u + 4u * (n))  /* read: release */
#define LOCK_HEAP        6u  /* SARK's lock for the shared heaps (FIRMWARE.md 5) */

/* System variables, sv_t at the top of System RAM (FIRMWARE.md 1, 3, 6, 8;
 * HOST_PROTOCOL.md). */
#define SV_BASE          0xE5007F00u
#define SV_CPU_CLK       0x24u  /* u16, MHz */
#define SV_IOBUF_SIZE    0x50u  /* u32 */
#define SV_P2V_MAP       0x94u  /* u8[18] */
#define SV_UNIX_TIME     0x1Cu
#define SV_SYS_HEAP      0xD0u  /* heap_t * */
#define SV_VCPU_BASE     0xCCu
#define SV_SW_VER        0xFCu

/* The vcpu block of each virtual core, 128 bytes from 0xE5007000
 * (FIRMWARE.md 4). */
#define VCPU_BASE        0xE5007000u
#define CORES_PER_CHIP   18u
typedef struct {
    uint32_t r[8];          /* 0: r0-r7 dump on RTE */
    uint32_t psr;           /* 32 */
    uint32_t sp;            /* 36 */
    uint32_t lr;            /* 40 */
    uint8_t rt_code;        /* 44 */
    uint8_t phys_cpu;       /* 45 */
    uint8_t cpu_state;      /* 46 */
    uint8_t app_id;         /* 47 */
    void *mbox_ap_msg;      /* 48 */
    void *mbox_mp_msg;      /* 52 */
    uint8_t mbox_ap_cmd;    /* 56 */
    uint8_t mbox_mp_cmd;    /* 57 */
    uint16_t sw_count;      /* 58 */
    char *sw_file;          /* 60 */
    uint32_t sw_line;       /* 64 */
    uint32_t time;          /* 68 */
    char app_name[16];      /* 72 */
    void *iobuf;            /* 88 */
    uint32_t sw_ver;        /* 92 */
    uint32_t pad[4];        /* 96 */
    uint32_t user0;         /* 112: the core's region data */
    uint32_t user1;         /* 116: its recording buffer */
    uint32_t user2;         /* 120: its provenance block */
    uint32_t user3;         /* 124 */
} vcpu_t;
_Static_assert(sizeof(vcpu_t) == 128, "vcpu_t is 128 bytes");

/* SDP messages in SC&MP's shared buffers (FIRMWARE.md 5): sdp_msg_t. */
typedef struct sdp_msg {
    struct sdp_msg *next;   /* 0 */
    uint16_t length;        /* 4: bytes from flags on */
    uint16_t checksum;      /* 6 */
    uint8_t flags;          /* 8 */
    uint8_t tag;            /* 9 */
    uint8_t dest_port;      /* 10: port << 5 | cpu */
    uint8_t srce_port;      /* 11 */
    uint16_t dest_addr;     /* 12 */
    uint16_t srce_addr;     /* 14 */
    uint16_t cmd_rc;        /* 16 */
    uint16_t seq;           /* 18 */
    uint32_t arg1, arg2, arg3;  /* 20, 24, 28 */
    uint8_t data[256];      /* 32 */
} sdp_msg_t;
_Static_assert(sizeof(sdp_msg_t) == 288, "sdp_msg_t is 288 bytes before its padding");

/* sv->shm_root, the free list of shared SDP buffers, and sv->mbox_flags
 * (FIRMWARE.md 5). */
#define SV_SHM_ROOT      0x68u
#define SV_MBOX_FLAGS    0xECu
#define LOCK_MSG         0u
#define LOCK_MBOX        1u
#define MBOX_MSG         1u
#define SDP_HEADER_BYTES 24u  /* flags .. arg3: SDP length without data */

/* Core states (FIRMWARE.md 4). */
enum cpu_state {
    CPU_STATE_RTE = 2, CPU_STATE_INIT = 4, CPU_STATE_WAIT = 5, CPU_STATE_SARK = 6,
    CPU_STATE_RUN = 7, CPU_STATE_SYNC0 = 8, CPU_STATE_SYNC1 = 9, CPU_STATE_PAUSE = 10,
    CPU_STATE_EXIT = 11,
};

/* Mailbox commands and signals (FIRMWARE.md 5). */
#define MBOX_NOP         2u
#define MBOX_SIGNAL      3u
#define SIG_START        3u
#define SIG_PAUSE        6u
#define SIG_CONT         7u
#define SIG_EXIT         8u

/* Runtime error codes (FIRMWARE.md 3). */
enum rte_code {
    RTE_RESET = 1, RTE_UNDEF = 2, RTE_SVC = 3, RTE_PABT = 4, RTE_DABT = 5, RTE_IRQ = 6,
    RTE_FIQ = 7, RTE_VIC = 8, RTE_ABORT = 9, RTE_MALLOC = 10, RTE_DIV0 = 11,
    RTE_SWERR = 13, RTE_IOBUF = 14, RTE_PKT = 17, RTE_TIMER = 18, RTE_API = 19,
    RTE_VER = 20,
};

#define SW_VER           0x040000u  /* 4.0.0, as SARK writes it (FIRMWARE.md 3 step 8) */
#define SDRAM_UNBUFFERED 0x10000000u  /* 0x6.. -> 0x7.. (FIRMWARE.md 10) */

#endif
