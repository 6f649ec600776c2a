"""SpiNNaker1's facts, in one place (``spinnaker/HARDWARE.md``).

Every stage that needs a number about the chip (cores, router entries, route
bits, link geometry, memory, the clock) reads it from :data:`SPINN1` (through
``machine.arch``) instead of writing it down again.  The letters in the
comments are HARDWARE.md's sources: [C] spinnaker_tools / SpiNNMan / rig code,
[P] the papers and datasheets.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Architecture:
    """The fixed facts of one SpiNNaker generation.

    Router entries: a chip's router has ``router_entries_hardware`` TCAM
    entries, of which SC&MP keeps entry 0 for itself, so applications get
    ``router_entries`` (ALLOC op 3 hands out 1 to ``router_entries``).  The
    compiler's budget, the router's limit and the virtual board's allocator
    all derive from these two numbers.
    """

    name: str
    cores_per_chip: int  # physical cores, the monitor included
    monitor_core: int  # core that runs SC&MP after boot
    app_cores: int  # application cores typically used
    router_entries_hardware: int  # TCAM entries of the router
    router_entries: int  # entries applications may allocate
    n_links: int  # chip-to-chip links, route bits 0..n_links-1
    link_vectors: tuple  # (dx, dy) of each link, by link number
    clock_hz: int  # core clock
    tick_seconds: float  # the usual timer tick
    sdram_bytes: int  # SDRAM per chip usable by applications
    sdram_total_bytes: int  # SDRAM per chip
    dtcm_bytes: int  # data memory per core
    itcm_bytes: int  # instruction memory per core
    sysram_bytes: int  # System RAM per chip

    @property
    def core_bit(self) -> int:
        """Route bit of core 0: bits 0..n_links-1 are links, then one per core."""
        return self.n_links

    @property
    def route_bits(self) -> int:
        """Bits of a route word (links then cores)."""
        return self.n_links + self.cores_per_chip

    @property
    def route_mask(self) -> int:
        return (1 << self.route_bits) - 1

    @property
    def link_mask(self) -> int:
        return (1 << self.n_links) - 1

    @property
    def max_app_cores(self) -> int:
        """Application cores when every core of a chip works."""
        return self.cores_per_chip - 1

    @property
    def cycles_per_tick(self) -> int:
        return round(self.clock_hz * self.tick_seconds)

    def opposite_link(self, link: int) -> int:
        """The link a packet sent on ``link`` arrives on at the neighbour."""
        return (link + self.n_links // 2) % self.n_links


SPINN1 = Architecture(
    name="spinnaker1",
    cores_per_chip=18,  # [C] 18 ARM968E-S cores per chip
    monitor_core=0,  # [C] core 0 runs SC&MP after boot
    app_cores=16,  # [C] typically used; 17 where all 18 cores work
    # [C] 1024 TCAM entries; SC&MP reserves one, so 1023 usable (HARDWARE.md, Router).
    router_entries_hardware=1024,
    router_entries=1023,
    n_links=6,  # [C] route bits 0-5 are links E, NE, N, W, SW, S; bits 6-23 cores 0-17
    link_vectors=((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1)),
    clock_hz=200_000_000,  # [C] 200 MHz
    tick_seconds=0.001,  # the usual 1 ms timer tick
    sdram_bytes=123_469_792,  # [C] ~117.7 MiB of SDRAM usable by applications
    sdram_total_bytes=128 * 1024 * 1024,  # [C] 128 MiB
    dtcm_bytes=64 * 1024,  # [P] 64 KiB at 0x00400000
    itcm_bytes=32 * 1024,  # [P] 32 KiB at 0x00000000
    sysram_bytes=32 * 1024,  # [C] 32 KiB
)
