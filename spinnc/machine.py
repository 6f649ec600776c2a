"""The SpiNNaker machine model every stage uses: chips, cores, links, dead parts, budgets.

Chips sit on a triangular mesh: chip (x, y) links to its six neighbours by
the hardware's link numbers (HARDWARE.md): 0 east (+1, 0), 1 north-east
(+1, +1), 2 north (0, +1), 3 west, 4 south-west, 5 south; the opposite link
is ``(link + 3) % 6``.  A machine of three or more boards wraps around into a
torus.  Core 0 of every chip runs the monitor (SC&MP), so application cores
are numbered from 1.

JSON schema (``Machine.save`` / ``Machine.load``)::

    {
      "format": "spinnc-machine", "version": 1,
      "width": 8, "height": 8, "wrap": false,
      "chips": [[x, y], ...],          # chips that exist; null = the whole box
      "ethernet_chips": [[x, y], ...], # one per board
      "app_cores": 16,                 # application cores per chip (16 or 17)
      "sdram_bytes": 123469792,        # SDRAM per chip usable by applications
      "router_entries": 1023,          # routing-table entries per chip
      "dtcm_bytes": 65536,             # DTCM per core
      "cycles_per_tick": 200000,       # CPU cycles per core per tick
      "dead_chips": [[x, y], ...],
      "dead_cores": [[x, y, core], ...],
      "dead_links": [[x, y, link], ...], # each stored once; dead both ways
      "arch": "spinnaker1"             # the chip generation (spinnc.arch); absent = SpiNNaker1
    }

Only ``format``, ``version``, ``width`` and ``height`` are required; a missing
key takes the default of :class:`Machine`.  Every machine, from a file or
built in Python, is checked when it is made: a machine that cannot exist (a
size of 0 or over :data:`MAX_SIZE`, an Ethernet chip outside the machine or
dead, no cycles in a tick, negative memory, dead parts outside the machine,
``"wrap": "no"``, unknown keys, wrong types) is a
:class:`~spinnc.errors.MachineError` naming the field and its value.
"""

import json
import re
from dataclasses import dataclass, field, fields
from enum import IntEnum
from functools import cached_property
from math import isqrt
from numbers import Integral
from pathlib import Path

import numpy as np

from .arch import DEFAULT as DEFAULT_ARCH
from .arch import Architecture, architecture
from .errors import MachineError

# SpiNNaker1's budgets (spinnc.arch.spinn1), the defaults of a Machine.
SDRAM_BYTES = DEFAULT_ARCH.sdram_bytes
ROUTER_ENTRIES = DEFAULT_ARCH.router_entries
DTCM_BYTES = DEFAULT_ARCH.dtcm_bytes
CYCLES_PER_TICK = DEFAULT_ARCH.cycles_per_tick
APP_CORES = DEFAULT_ARCH.app_cores
MAX_APP_CORES = DEFAULT_ARCH.max_app_cores
MONITOR_CORE = DEFAULT_ARCH.monitor_core
#: Most chips along either side of a machine.  SC&MP's 16-bit p2p_addr holds a
#: chip's x and y in one byte each (HOST_PROTOCOL.md's VER), so no machine is
#: wider than 256; the largest ever built, 1,200 boards, is 240x240.
MAX_SIZE = 256
FORMAT = "spinnc-machine"
VERSION = 1


class Link(IntEnum):
    """Chip-to-chip links, numbered as the router's route bits 0-5."""

    EAST = 0
    NORTH_EAST = 1
    NORTH = 2
    WEST = 3
    SOUTH_WEST = 4
    SOUTH = 5

    @property
    def opposite(self) -> "Link":
        return Link(DEFAULT_ARCH.opposite_link(self))

    @property
    def vector(self) -> tuple[int, int]:
        return LINK_VECTORS[self]


LINK_VECTORS = DEFAULT_ARCH.link_vectors

# A SpiNN-5 board's 48 chips relative to its Ethernet chip: the hexagonal
# outline in an 8x8 box (rig.geometry.spinn5_chip_coord).
BOARD_OUTLINE = tuple((x, y) for x in range(8) for y in range(8) if y - x <= 3 and x - y <= 4)
# Ethernet chips of the three boards of a 12x12 triad (HARDWARE.md).
TRIAD_ETHERNET = ((0, 0), (4, 8), (8, 4))


def torus_hops(dx, dy, width: int, height: int, wrap: bool = True):
    """Shortest hop counts for displacements (dx, dy) on the triangular mesh.

    Links move by (1, 0), (0, 1) or (1, 1) and their negatives, so a
    displacement whose parts share a sign takes ``max(|dx|, |dy|)`` hops and
    otherwise ``|dx| + |dy|``; on a torus the best of the wrapped
    displacements counts.  Vectorised over numpy arrays.
    """
    dx = np.asarray(dx, dtype=np.int64)
    dy = np.asarray(dy, dtype=np.int64)
    if not wrap:
        return _mesh_hops(dx, dy)
    dx, dy = dx % width, dy % height
    return np.minimum.reduce([
        _mesh_hops(dx, dy), _mesh_hops(dx - width, dy),
        _mesh_hops(dx, dy - height), _mesh_hops(dx - width, dy - height),
    ])


def _mesh_hops(dx, dy):
    same_sign = (dx >= 0) == (dy >= 0)
    return np.where(same_sign, np.maximum(np.abs(dx), np.abs(dy)), np.abs(dx) + np.abs(dy))


@dataclass
class Machine:
    """A SpiNNaker machine: which chips, cores and links exist and work.

    Build one with :meth:`spinn3`, :meth:`spinn5`, :meth:`boards`,
    :meth:`grid`, :meth:`from_spec` or :meth:`load`; it is not changed after
    construction (use :meth:`with_dead` for a copy with more dead parts).
    """

    width: int
    height: int
    wrap: bool = False
    chips: frozenset | None = None  # None: every chip of the box
    ethernet_chips: tuple = ((0, 0),)
    # Budgets; None takes the architecture's figure (so a new generation needs no edit here).
    app_cores: int | None = None
    sdram_bytes: int | None = None
    router_entries: int | None = None
    dtcm_bytes: int | None = None
    cycles_per_tick: int | None = None
    dead_chips: frozenset = frozenset()
    dead_cores: frozenset = frozenset()  # (x, y, core)
    dead_links: frozenset = field(default=frozenset())  # (x, y, link), both directions
    arch: Architecture = DEFAULT_ARCH  # the chip generation's fixed facts (spinnc.arch)

    def __post_init__(self):
        # Every way of making a machine (a spec, a file, a board's answer,
        # with_dead) ends here, so an impossible machine is refused once.
        for side in ("width", "height"):
            setattr(self, side, _count(side, getattr(self, side), 1, MAX_SIZE,
                                       f" chips (MAX_SIZE: P2P addresses hold x and y in a "
                                       f"byte each; the largest machine, 1,200 boards, is "
                                       f"240x240)"))
        if not isinstance(self.wrap, (bool, np.bool_)):
            raise MachineError(f"wrap must be true or false, not {self.wrap!r}")
        self.wrap = bool(self.wrap)
        if not isinstance(self.arch, Architecture):
            self.arch = architecture(self.arch)  # a name, as in a machine file
        for budget in ("app_cores", "sdram_bytes", "router_entries", "dtcm_bytes",
                       "cycles_per_tick"):
            if getattr(self, budget) is None:
                setattr(self, budget, getattr(self.arch, budget))
        self.app_cores = _count("app_cores", self.app_cores, 1, self.arch.max_app_cores)
        self.sdram_bytes = _count("sdram_bytes", self.sdram_bytes, 1)
        self.dtcm_bytes = _count("dtcm_bytes", self.dtcm_bytes, 1)
        self.router_entries = _count("router_entries", self.router_entries, 0)
        self.cycles_per_tick = _count("cycles_per_tick", self.cycles_per_tick, 1)
        if self.chips is not None:
            self.chips = frozenset(_coordinates("chips", self.chips, ("x", "y")))
            if not self.chips:
                raise MachineError("chips is empty: a machine needs at least one chip "
                                   "(null means every chip of the box)")
            for x, y in self.chips:
                if not (0 <= x < self.width and 0 <= y < self.height):
                    raise MachineError(f"chips: chip ({x}, {y}) is outside the "
                                       f"{self.width}x{self.height} box")
        self.dead_chips = frozenset(self._on_chips("dead_chips", self.dead_chips, ("x", "y")))
        self.ethernet_chips = tuple(self._on_chips("ethernet_chips", self.ethernet_chips,
                                                   ("x", "y")))
        if not self.ethernet_chips:
            raise MachineError("ethernet_chips is empty: every machine has an Ethernet chip")
        for x, y in self.ethernet_chips:
            if (x, y) in self.dead_chips:
                raise MachineError(f"ethernet_chips: chip ({x}, {y}) is also in dead_chips; "
                                   "a board is reached through its Ethernet chip")
        self.dead_cores = frozenset(self._on_chips("dead_cores", self.dead_cores,
                                                   ("x", "y", "core")))
        for x, y, core in self.dead_cores:
            if core == self.arch.monitor_core:
                raise MachineError(f"dead_cores: core 0 of chip ({x}, {y}): core 0 is the "
                                   "monitor, not an application core")
            # Up to 17 even when fewer are used: a board may report any of them dead.
            if not 1 <= core <= self.arch.max_app_cores:
                raise MachineError(f"dead_cores: core {core} of chip ({x}, {y}) does not "
                                   f"exist (application cores are 1 to "
                                   f"{self.arch.max_app_cores})")
        links = set()
        for x, y, link in self._on_chips("dead_links", self.dead_links, ("x", "y", "link")):
            if not 0 <= link < len(Link):
                raise MachineError(f"dead_links: link {link} of chip ({x}, {y}) does not "
                                   "exist (links are 0 to 5)")
            links.add((x, y, Link(link)))
        # A dead link is dead in both directions.
        self.dead_links = frozenset(links | {self._reverse(*l) for l in links} - {None})

    def _on_chips(self, name: str, value, parts: tuple) -> list[tuple]:
        """``value`` as (x, y, ...) tuples of chips of this machine."""
        found = _coordinates(name, value, parts)
        for item in found:
            if not self.exists(item[0], item[1]):
                raise MachineError(f"{name}: chip ({item[0]}, {item[1]}) is not part of the "
                                   f"{self.width}x{self.height} machine")
        return found

    # -- constructors -------------------------------------------------------

    @classmethod
    def spinn3(cls, **budgets) -> "Machine":
        """A SpiNN-3 board: 2x2 chips, no wrap-around."""
        return cls(2, 2, wrap=False, **budgets)

    @classmethod
    def spinn5(cls, **budgets) -> "Machine":
        """One SpiNN-5 board: 48 chips in their hexagonal outline in an 8x8
        box, no wrap-around."""
        return cls(8, 8, wrap=False, chips=frozenset(BOARD_OUTLINE), **budgets)

    @classmethod
    def boards(cls, n: int, **budgets) -> "Machine":
        """``n`` SpiNN-5 boards: 1 board, or a multiple of three tiled as
        triads into a 12w x 12h torus with ``w x h = n / 3`` as square as
        possible (3 -> 12x12, 48 -> 48x48, 1200 -> 240x240)."""
        if n == 1:
            return cls.spinn5(**budgets)
        if n < 1 or n % 3:
            raise MachineError(f"a machine has 1 board or a multiple of 3, not {n}")
        # Checked before the factorisation below, which is slow for huge n.
        most = 3 * (MAX_SIZE // 12) ** 2
        if n > most:
            raise MachineError(f"{n} boards is more than the {most} that fit in "
                               f"{MAX_SIZE}x{MAX_SIZE} chips")
        triads = n // 3
        w = max(d for d in range(1, isqrt(triads) + 1) if triads % d == 0)
        h = triads // w
        w, h = max(w, h), min(w, h)
        if 12 * w > MAX_SIZE:
            raise MachineError(f"{n} boards tile only as {w}x{h} triads, {12 * w}x{12 * h} "
                               f"chips, wider than {MAX_SIZE}: use a number of boards whose "
                               "triads make a squarer rectangle")
        ethernet = tuple((12 * tx + ex, 12 * ty + ey)
                         for ty in range(h) for tx in range(w) for ex, ey in TRIAD_ETHERNET)
        return cls(12 * w, 12 * h, wrap=True, ethernet_chips=ethernet, **budgets)

    @classmethod
    def grid(cls, width: int, height: int, wrap: bool = False, **budgets) -> "Machine":
        """Any width x height of chips, with or without wrap-around."""
        if width < 1 or height < 1:
            raise MachineError(f"a machine needs at least one chip, not {width}x{height}")
        return cls(width, height, wrap=wrap, **budgets)

    @classmethod
    def from_spec(cls, spec: str) -> "Machine":
        """``spinn3``, ``spinn5``, ``N-boards``, ``WxH`` (``WxH-torus`` to
        wrap) or the path of a machine JSON file."""
        text = spec.strip().lower()
        if text == "spinn3":
            return cls.spinn3()
        if text == "spinn5":
            return cls.spinn5()
        boards = re.fullmatch(r"([0-9]+)-boards", text)
        if boards:
            return cls.boards(_spec_number("boards", boards[1]))
        box = re.fullmatch(r"([0-9]+)x([0-9]+)(-torus)?", text)
        if box:
            return cls.grid(_spec_number("width", box[1]), _spec_number("height", box[2]),
                            wrap=box[3] is not None)
        if Path(spec).is_file():
            return cls.load(spec)
        raise MachineError(
            f"unknown machine '{spec}': use spinn3, spinn5, N-boards (N = 1 or a "
            "multiple of 3), WxH, WxH-torus or a machine JSON file"
        )

    def with_dead(self, chips=(), cores=(), links=()) -> "Machine":
        """A copy with more dead chips (x, y), cores (x, y, core) and links (x, y, link)."""
        state = self.to_dict()
        state["dead_chips"] += [list(c) for c in chips]
        state["dead_cores"] += [list(c) for c in cores]
        state["dead_links"] += [list(c) for c in links]
        return Machine.from_dict(state)

    # -- chips and cores ----------------------------------------------------

    def exists(self, x: int, y: int) -> bool:
        """Whether chip (x, y) is part of the machine (dead or alive)."""
        in_box = 0 <= x < self.width and 0 <= y < self.height
        return in_box and (self.chips is None or (x, y) in self.chips)

    def is_alive(self, x: int, y: int) -> bool:
        return self.exists(x, y) and (x, y) not in self.dead_chips

    @cached_property
    def core_counts(self) -> np.ndarray:
        """Working application cores per chip, shape (width, height); 0 for
        missing or dead chips."""
        counts = np.zeros((self.width, self.height), dtype=np.int64)
        for x, y in self.working_chips:
            counts[x, y] = self.app_cores
        for x, y, core in self.dead_cores:
            if core <= self.app_cores and counts[x, y] > 0:
                counts[x, y] -= 1
        return counts

    @cached_property
    def working_chips(self) -> tuple:
        """Chips that exist and are not dead, in (x, y) order."""
        box = ((x, y) for x in range(self.width) for y in range(self.height))
        return tuple(c for c in box if self.is_alive(*c))

    def cores(self, x: int, y: int) -> list[int]:
        """The working application core numbers of chip (x, y)."""
        if not self.is_alive(x, y):
            return []
        return [p for p in range(1, self.app_cores + 1) if (x, y, p) not in self.dead_cores]

    @property
    def n_cores(self) -> int:
        return int(self.core_counts.sum())

    # -- links and geometry -------------------------------------------------

    def _wrapped(self, x: int, y: int):
        if self.wrap:
            x, y = x % self.width, y % self.height
        return (x, y) if self.exists(x, y) else None

    def neighbour(self, x: int, y: int, link: int):
        """The chip at the far end of a working link, or None."""
        if not self.is_alive(x, y) or (x, y, Link(link)) in self.dead_links:
            return None
        dx, dy = LINK_VECTORS[link]
        other = self._wrapped(x + dx, y + dy)
        return other if other is not None and other not in self.dead_chips else None

    def links(self, x: int, y: int) -> list[Link]:
        """The working links of chip (x, y)."""
        return [link for link in Link if self.neighbour(x, y, link) is not None]

    def hops(self, ax, ay, bx, by):
        """Shortest hop counts between chips on the full mesh (vectorised;
        dead parts are not taken into account)."""
        return torus_hops(np.asarray(bx) - np.asarray(ax), np.asarray(by) - np.asarray(ay),
                          self.width, self.height, self.wrap)

    @cached_property
    def ethernet_map(self) -> np.ndarray:
        """Each chip's board Ethernet chip, shape (width, height, 2)."""
        owner = np.zeros((self.width, self.height, 2), dtype=np.int64)
        if len(self.ethernet_chips) == 1:
            owner[...] = self.ethernet_chips[0]
            return owner
        for ex, ey in self.ethernet_chips:
            for dx, dy in BOARD_OUTLINE:
                owner[(ex + dx) % self.width, (ey + dy) % self.height] = (ex, ey)
        return owner

    def ethernet_chip(self, x: int, y: int) -> tuple[int, int]:
        """The Ethernet chip of the board that chip (x, y) is on."""
        ex, ey = self.ethernet_map[x, y]
        return int(ex), int(ey)

    # -- files --------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION,
            "width": self.width, "height": self.height, "wrap": self.wrap,
            "chips": None if self.chips is None else sorted(map(list, self.chips)),
            "ethernet_chips": [list(c) for c in self.ethernet_chips],
            "app_cores": self.app_cores, "sdram_bytes": self.sdram_bytes,
            "router_entries": self.router_entries, "dtcm_bytes": self.dtcm_bytes,
            "cycles_per_tick": self.cycles_per_tick,
            "dead_chips": sorted(map(list, self.dead_chips)),
            "dead_cores": sorted(map(list, self.dead_cores)),
            "dead_links": sorted([x, y, int(link)] for x, y, link in self.dead_links
                                 if link < 3 or self._reverse(x, y, link) not in self.dead_links),
            "arch": self.arch.name,
        }

    def _reverse(self, x: int, y: int, link: int):
        """The same link seen from its other end (saved once in JSON)."""
        dx, dy = LINK_VECTORS[link]
        other = self._wrapped(x + dx, y + dy)
        return None if other is None else (*other, Link(link).opposite)

    @classmethod
    def from_dict(cls, state: dict) -> "Machine":
        """A machine from its JSON form (the schema of the module docstring).

        Raises
        ------
        MachineError
            If ``state`` is not a version 1 spinnc machine, has unknown keys,
            or describes a machine that cannot exist.
        """
        if not isinstance(state, dict):
            raise MachineError(f"a machine description is a JSON object, not "
                               f"{type(state).__name__}")
        if state.get("format") != FORMAT or state.get("version") != VERSION:
            raise MachineError(f"not a spinnc machine description (format {FORMAT!r}, "
                               f"version {VERSION}): it has format {state.get('format')!r}, "
                               f"version {state.get('version')!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(state) - known - {"format", "version"})
        if unknown:
            raise MachineError(f"unknown keys {unknown}; a machine has {sorted(known)}")
        missing = [k for k in ("width", "height") if k not in state]
        if missing:
            raise MachineError(f"missing {' and '.join(missing)}")
        # __post_init__ checks each value's type and range.
        return cls(**{k: v for k, v in state.items() if k in known})

    def save(self, path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path) -> "Machine":
        """Read a machine JSON file.

        Raises
        ------
        MachineError
            Naming the file (and the line of a JSON syntax error, or the field
            that is wrong) when it cannot be read or is not a possible machine.
        """
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise MachineError(f"{path}: cannot read the machine file ({error})") from None
        try:
            state = json.loads(text)
        except json.JSONDecodeError as error:
            raise MachineError(f"{path}: not a valid machine JSON file: {error.msg} at line "
                               f"{error.lineno} column {error.colno}") from None
        try:
            return cls.from_dict(state)
        except MachineError as error:
            raise MachineError(f"{path}: {error}") from None

    def __str__(self) -> str:
        torus = "torus" if self.wrap else "no wrap-around"
        return (f"{self.width}x{self.height} machine ({torus}): "
                f"{len(self.working_chips)} working chips, {self.n_cores} application cores")


def _spec_number(name: str, digits: str) -> int:
    """A number of a machine spec; one too long to be a size is refused
    before int() (which refuses over 4,300 digits with a ValueError)."""
    if len(digits) > 9:
        raise MachineError(f"{name} {digits[:9]}... ({len(digits)} digits) is far more than a "
                           f"machine has: at most {MAX_SIZE}x{MAX_SIZE} chips")
    return int(digits)


def _count(name: str, value, low: int, high: int | None = None, unit: str = "") -> int:
    """An integer field in [low, high]; MachineError naming it otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise MachineError(f"{name} must be an integer, not {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f"{low} to {high}" if high is not None else f"at least {low}"
        raise MachineError(f"{name} must be {bound}{unit}, not {value}")
    return value


def _coordinates(name: str, value, parts: tuple) -> list[tuple]:
    """A list of integer tuples such as [x, y] or [x, y, core]; MachineError
    naming the field and the entry if it is anything else."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise MachineError(f"{name} must be a list of [{', '.join(parts)}], not {value!r}")
    out = []
    for i, item in enumerate(value):
        ok = (not isinstance(item, (str, bytes, dict)) and hasattr(item, "__len__")
              and len(item) == len(parts)
              and all(isinstance(v, Integral) and not isinstance(v, (bool, np.bool_))
                      for v in item))
        if not ok:
            raise MachineError(f"{name}[{i}] must be [{', '.join(parts)}] (integers), "
                               f"not {item!r}")
        out.append(tuple(int(v) for v in item))
    return out
