/* Vectors, start-up and exception entries of spinnc's runtime (ARM state).
 * The layout follows FIRMWARE.md 3: vectors at 0, each but IRQ an
 * `ldr pc` from the word table at 0x20-0x3C; IRQ jumps to the VIC's
 * VectAddr (read at 0xFFFFF030). */
    .syntax unified
    .arm

    .section .vectors, "ax"
    .global _vectors
_vectors:
    ldr pc, [pc, #24]           @ 0x00 reset (after start: trap for a jump to 0)
    ldr pc, [pc, #24]           @ 0x04 undefined instruction
    ldr pc, [pc, #24]           @ 0x08 SVC
    ldr pc, [pc, #24]           @ 0x0C prefetch abort
    ldr pc, [pc, #24]           @ 0x10 data abort
    ldr pc, [pc, #24]           @ 0x14 unused
    ldr pc, [pc, #-0xff0]       @ 0x18 IRQ: VIC VectAddr
    ldr pc, [pc, #24]           @ 0x1C FIQ
    .global vector_table
vector_table:
    .word _start, undef_entry, svc_entry, pabt_entry
    .word dabt_entry, unused_entry, irq_entry, fiq_entry

    .text
    .global _start
_start:
    mov r4, r0                  @ (flags << 8) | app_id from the loader
    msr cpsr_c, #0xD3           @ SVC, IRQ and FIQ off
    ldr r0, =0x1F7E             @ CP15 c1 as SARK sets it (FIRMWARE.md 3 step 2)
    mcr p15, 0, r0, c1, c0, 0
    ldr r0, =__data_start       @ .data from its image in ITCM
    ldr r1, =__data_load
    ldr r2, =__data_end
1:  cmp r0, r2
    ldrlo r3, [r1], #4
    strlo r3, [r0], #4
    blo 1b
    ldr r0, =__bss_start        @ .bss zeroed
    ldr r2, =__bss_end
    mov r3, #0
2:  cmp r0, r2
    strlo r3, [r0], #4
    blo 2b
    ldr r0, =__stack_bottom     @ stack area filled with 0xDEADDEAD (FIRMWARE.md 3 step 4)
    ldr r2, =__stack_top
    ldr r3, =0xDEADDEAD
3:  cmp r0, r2
    strlo r3, [r0], #4
    blo 3b
    msr cpsr_c, #0xD2           @ IRQ stack
    ldr sp, =__irq_stack
    msr cpsr_c, #0xD1           @ FIQ stack
    ldr sp, =__fiq_stack
    msr cpsr_c, #0xD7           @ abort and undefined: the start-up (SVC) stack,
    ldr sp, =__svc_stack        @ which is not used after start-up
    msr cpsr_c, #0xDB
    ldr sp, =__svc_stack
    msr cpsr_c, #0xDF           @ SYS stack (the application's)
    ldr sp, =__sys_stack
    msr cpsr_c, #0xD3
    ldr sp, =__svc_stack
    mov r0, r4
    bl runtime_init
    ldr r0, =null_entry         @ a jump to address 0 is now RTE 1
    ldr r1, =vector_table
    str r0, [r1]
    msr cpsr_c, #0x1F           @ SYS mode, IRQ and FIQ on (FIRMWARE.md 3 step 12)
    bl runtime_main
4:  b 4b

/* Exception entries: r0-r12 and the return address on this mode's stack,
 * then rt_exception(code, saved registers, spsr, faulting address). */
    .macro exception name, code, back
\name:
    sub lr, lr, #\back
    stmfd sp!, {r0-r12, lr}
    mov r0, #\code
    mov r1, sp
    mrs r2, spsr
    mov r3, lr
    b rt_exception
    .endm

    exception null_entry, 1, 0
    exception undef_entry, 2, 4
    exception svc_entry, 3, 4
    exception pabt_entry, 4, 4
    exception dabt_entry, 5, 8
    exception unused_entry, 9, 0
    exception irq_entry, 6, 4
    exception fiq_entry, 7, 4

/* An IRQ with no vector slot (the VIC's default vector): just return. */
    .global vic_default_isr
vic_default_isr:
    subs pc, lr, #4

/* rt_banked_sp_lr(mode, out): out[0] = sp, out[1] = lr of another mode
 * (CPSR mode bits; user mode's are SYS's), interrupts kept off. */
    .global rt_banked_sp_lr
rt_banked_sp_lr:
    mrs r2, cpsr
    bic r3, r2, #0x1F
    orr r3, r3, r0
    orr r3, r3, #0xC0
    msr cpsr_c, r3
    str sp, [r1]
    str lr, [r1, #4]
    msr cpsr_c, r2
    bx lr

    .global cpu_int_disable
cpu_int_disable:
    mrs r0, cpsr
    orr r1, r0, #0xC0
    msr cpsr_c, r1
    bx lr

    .global cpu_int_restore
cpu_int_restore:
    msr cpsr_c, r0
    bx lr

    .global cpu_wait_for_interrupt
cpu_wait_for_interrupt:
    mcr p15, 0, r0, c7, c0, 4   @ WFI (FIRMWARE.md 13)
    bx lr

/* irq_nested_call(fn, arg): from an IRQ handler that has ended its VIC
 * interrupt, run fn(arg) in SYS mode with interrupts on, so that packets are
 * received while a tick runs (SARK runs its CPU_INT handler nested the same
 * way, FIRMWARE.md 7).  SPSR_irq and the SYS link register are kept. */
    .global irq_nested_call
irq_nested_call:
    mrs r2, spsr
    stmfd sp!, {r2, lr}
    msr cpsr_c, #0x1F
    stmfd sp!, {r3, lr}
    mov r2, r0
    mov r0, r1
    blx r2
    ldmfd sp!, {r3, lr}
    msr cpsr_c, #0xD2
    ldmfd sp!, {r2, lr}
    msr spsr_cxsf, r2
    bx lr
