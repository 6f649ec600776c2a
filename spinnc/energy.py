"""The energy of a run, by the official tools' model (HARDWARE.md, "Energy
model of the official tools" [C]):

    E = 0.35 W x chips x T  +  0.034 W x active cores x T  +  1 nJ x packet hops

``T`` the simulated time (a board runs in real time), ``chips`` every
working chip of the machine (a booted board's chips draw their idle power
whether the model uses them or not), ``active cores`` the application cores
the Image loads, and a packet hop one multicast packet through one router
(each router counts the packets from its own cores and those arriving over
its links: the provenance's local and non-local multicast).
"""

from dataclasses import dataclass

from .formats.provenance import Provenance

IDLE_CHIP_WATTS = 0.35
ACTIVE_CORE_WATTS = 0.034
JOULES_PER_HOP = 1e-9  # a 40-bit packet at 25 pJ a bit


@dataclass
class EnergyEstimate:
    chips: int
    cores: int
    hops: int
    seconds: float  # simulated

    @property
    def chips_joules(self) -> float:
        return IDLE_CHIP_WATTS * self.chips * self.seconds

    @property
    def cores_joules(self) -> float:
        return ACTIVE_CORE_WATTS * self.cores * self.seconds

    @property
    def packets_joules(self) -> float:
        return JOULES_PER_HOP * self.hops

    @property
    def joules(self) -> float:
        return self.chips_joules + self.cores_joules + self.packets_joules

    def summary(self) -> dict:
        return {"joules": round(self.joules, 6), "chips_joules": round(self.chips_joules, 6),
                "cores_joules": round(self.cores_joules, 6),
                "packets_joules": round(self.packets_joules, 9),
                "mean_watts": round(self.joules / self.seconds, 4) if self.seconds else 0.0,
                "chips": self.chips, "active_cores": self.cores, "packet_hops": self.hops}

    def describe(self) -> str:
        return (f"energy (the official tools' model): {self.joules:.3f} J over "
                f"{self.seconds:g} s, {self.joules / self.seconds:.2f} W: {self.chips} chips "
                f"idle {self.chips_joules:.3f} J, {self.cores} active cores "
                f"{self.cores_joules:.3f} J, {self.hops:,} packet hops "
                f"{self.packets_joules * 1e3:.3f} mJ")


def estimate(provenance: Provenance, chips: int, seconds: float) -> EnergyEstimate:
    """The energy of a run that ``provenance`` counted, on a machine of
    ``chips`` working chips, for ``seconds`` of simulated time."""
    hops = sum(r.local_multicast + r.non_local_multicast for r in provenance.routers)
    return EnergyEstimate(chips, len(provenance.cores), hops, seconds)


def from_summary(summary: dict, seconds: float) -> EnergyEstimate:
    """The estimate a :meth:`EnergyEstimate.summary` was made of."""
    return EnergyEstimate(summary["chips"], summary["active_cores"], summary["packet_hops"],
                          seconds)
