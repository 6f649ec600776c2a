"""The Image: everything a board (or the emulator) is given to run a model.

Per core: the application, its app id and its data regions as bytes (the
layout of :mod:`spinnc.mapper.regions`).  Per chip: the ordered routing
entries.  And what a host needs to read results back: where each probe is
recorded.  The emulator and the host read nothing else, so what the emulator
runs is what a board runs.

Saved as a directory, so that compiling and running can be separate steps::

    image.json          format, version, machine, dt, steps, cores, probes
    cores/X_Y_P.bin     each core's region data
    routing_tables.bin  every chip's table (the HPSR 2016 table format)

:meth:`Image.load` checks the manifest against itself, the machine and the
cores' data, and :meth:`Image.check` (which the emulator calls too) the
Image against its data: every core on a working core of the machine, once;
each core's SYSTEM region with the Image's application, ``dt`` and
``n_steps`` (what the cores run and size their recordings for); every probe
on one of the Image's cores.  A disagreement is an
:class:`~spinnc.errors.ImageError` naming the field, the value and what to do.
"""

import json
import math
from dataclasses import asdict, dataclass, field, fields
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .errors import ImageError, SpinncError
from .machine import Machine
from . import apps
from .neurons import probe_kinds
from .regions import Region, unpack_regions

FORMAT = "spinnc-image"
VERSION = 1
APP_ID = 16  # the application id the cores are loaded with (SC&MP allows 16-255 for users)
_RECOMPILE = "compile the model again"


@dataclass
class CoreImage:
    """One core's application and data."""

    x: int
    y: int
    core: int
    application: str
    name: str
    data: bytes = field(repr=False)
    app_id: int = APP_ID


@dataclass
class ProbeImage:
    """Where a probe's samples are recorded: the cores, and which member of
    each (an ensemble's population slice).

    A value probe's ``size`` columns are the decoded rows of the edges into
    it from populations (the host adds the nodes' parts and filters them):
    each core's entry records ``count`` of them from its member's value
    recording at ``first`` and adds them into columns ``columns[i]`` on (a
    split population's cores add into the same columns)."""

    name: str
    kind: str  # value, spikes, input or a neuron model's probe (voltage, ...)
    size: int
    sample_every: int
    cores: list  # [(x, y, core, member, first neuron or dimension, count)]
    neurons: list | None = None  # the probed neurons of a partial neuron probe
    columns: list | None = None  # a value probe's: each entry's first column
    #: fractional bits of its words (a rule's trace: the rule's trace_frac)
    frac: int = 15


#: The header-only regions whose one field is the Image's step count.
HORIZON_FIELDS = {Region.SYSTEM: "n_steps", Region.PROFILE: "ticks"}


def _probes_json(image: "Image") -> str:
    return json.dumps({name: asdict(p) for name, p in image.probes.items()}, sort_keys=True)


@dataclass
class Image:
    """A compiled model."""

    machine: Machine
    dt: float
    n_steps: int
    cores: list[CoreImage]
    tables: dict  # (x, y) -> routing ENTRY array, in first-match order
    probes: dict[str, ProbeImage] = field(default_factory=dict)
    host_functions: dict = field(default_factory=dict)  # name -> {"size_in", "size_out"}

    def core_at(self, x: int, y: int, core: int) -> CoreImage:
        for c in self.cores:
            if (c.x, c.y, c.core) == (x, y, core):
                return c
        raise KeyError(f"no application on core {core} of chip ({x}, {y})")

    def check(self) -> None:
        """Check that the Image agrees with its machine and its cores' data.

        Raises
        ------
        ImageError
            If ``n_steps`` or ``dt`` is not a positive number, a core is not on
            a working application core of the machine (or two share one), a
            core's SYSTEM region disagrees with the Image's application,
            ``dt`` or ``n_steps``, a routing table is for a chip the machine
            does not have, or a probe records on a core the Image does not load.
        """
        _integer("n_steps", self.n_steps, 1)
        if isinstance(self.dt, bool) or not isinstance(self.dt, Real) \
                or not math.isfinite(self.dt) or self.dt <= 0:
            raise ImageError(f"dt is {self.dt!r}; it must be a positive number of seconds: "
                             f"{_RECOMPILE}")
        timestep_us = round(self.dt * 1e6)
        seen = set()
        for c in self.cores:
            where = f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}')"
            if (c.x, c.y, c.core) in seen:
                raise ImageError(f"{where} is loaded twice: {_RECOMPILE}")
            seen.add((c.x, c.y, c.core))
            if c.core not in self.machine.cores(c.x, c.y):
                state = ("not a working application core" if self.machine.is_alive(c.x, c.y)
                         else "on a chip that is dead" if self.machine.exists(c.x, c.y)
                         else "on a chip that does not exist")
                raise ImageError(f"{where} is {state} in the Image's {self.machine}: "
                                 f"{_RECOMPILE} for this machine")
            system = _system(c)
            codes = apps.codes()
            if system["application"] != codes.get(c.application):
                names = {code: name for name, code in codes.items()}
                raise ImageError(
                    f"{where} is loaded with '{c.application}' but its data's SYSTEM region "
                    f"says application {system['application']} "
                    f"({names.get(system['application'], 'unknown')!r}): {_RECOMPILE}")
            for name, found, expected in (("timestep_us", system["timestep_us"], timestep_us),
                                          ("n_steps", system["n_steps"], self.n_steps)):
                if found != expected:
                    raise ImageError(
                        f"{where}: its data's SYSTEM region has {name} {found} but the Image "
                        f"says {name} {expected} (dt {self.dt:g} s, n_steps {self.n_steps}): "
                        f"the manifest and the data disagree; {_RECOMPILE}")
            if apps.application(c.application).host_function \
                    and c.name not in self.host_functions:
                raise ImageError(f"{where} runs '{c.application}' for host function "
                                 f"'{c.name}', which host_functions does not list "
                                 f"({sorted(self.host_functions)}): {_RECOMPILE}")
        for chip in self.tables:
            if not self.machine.exists(*chip):
                raise ImageError(f"routing table of chip {tuple(chip)}: the Image's "
                                 f"{self.machine} has no such chip: {_RECOMPILE}")
        for name, probe in self.probes.items():
            for x, y, core, *_ in probe.cores:
                if (x, y, core) not in seen:
                    raise ImageError(f"probe '{name}' records on core {core} of chip ({x}, "
                                     f"{y}), which the Image does not load: {_RECOMPILE}")

    def continues(self, shorter: "Image") -> bool:
        """Whether this Image is ``shorter`` compiled for a horizon at least as
        long and nothing else: the same machine, ``dt``, routing tables, probes,
        host functions and cores, each core's regions byte for byte but the
        step counts (:data:`HORIZON_FIELDS`) and its application's
        ``horizon_regions`` (a value source's samples).  An engine that ran
        ``shorter`` can then go on into this Image with its state as it is,
        instead of re-running it from the start."""
        if (self.n_steps < shorter.n_steps or self.dt != shorter.dt
                or self.machine.to_dict() != shorter.machine.to_dict()
                or self.host_functions != shorter.host_functions
                or _probes_json(self) != _probes_json(shorter)
                or self.tables.keys() != shorter.tables.keys()
                or len(self.cores) != len(shorter.cores)):
            return False
        if any(not np.array_equal(table, shorter.tables[chip])
               for chip, table in self.tables.items()):
            return False
        for a, b in zip(self.cores, shorter.cores):
            if (a.x, a.y, a.core, a.application, a.name, a.app_id) != (
                    b.x, b.y, b.core, b.application, b.name, b.app_id):
                return False
            ours, theirs = unpack_regions(a.data), unpack_regions(b.data)
            if ours.keys() != theirs.keys():
                return False
            skip = apps.application(a.application).horizon_regions
            for rid, data in ours.items():
                if rid in skip or data == theirs[rid]:
                    continue
                step_field = HORIZON_FIELDS.get(rid)
                if step_field is None:
                    return False
                layout = Region.layout(rid)
                headers = [layout.unpack(d)[0] for d in (data, theirs[rid])]
                for header in headers:
                    del header[step_field]
                if headers[0] != headers[1]:
                    return False
        return True

    def save(self, directory) -> Path:
        """Write the image as a directory (created if needed)."""
        from .router.files import write_tables

        directory = Path(directory)
        (directory / "cores").mkdir(parents=True, exist_ok=True)
        cores = []
        for c in self.cores:
            path = f"cores/{c.x}_{c.y}_{c.core}.bin"
            (directory / path).write_bytes(c.data)
            cores.append({"x": c.x, "y": c.y, "core": c.core, "application": c.application,
                          "name": c.name, "app_id": c.app_id, "data": path})
        write_tables(directory / "routing_tables.bin", self.tables)
        manifest = {
            "format": FORMAT, "version": VERSION, "machine": self.machine.to_dict(),
            "dt": self.dt, "n_steps": self.n_steps, "cores": cores,
            "probes": {name: asdict(p) for name, p in self.probes.items()},
            "host_functions": self.host_functions,
        }
        (directory / "image.json").write_text(json.dumps(manifest, indent=1))
        return directory

    @classmethod
    def load(cls, directory) -> "Image":
        """Read an image directory and check it (:meth:`check`).

        Raises
        ------
        ImageError
            If it is not an image this spinnc reads, a file is missing or
            broken, a manifest field is missing or of the wrong type, or the
            manifest disagrees with the machine or the cores' data; the
            message names the file or the field and its value.
        """
        from .router.files import read_tables

        directory = Path(directory)
        manifest_path = directory / "image.json"
        if not manifest_path.is_file():
            raise ImageError(f"{directory}: not a spinnc image (no image.json)")
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, UnicodeDecodeError) as error:
            raise ImageError(f"{manifest_path}: cannot be read ({error})") from None
        except json.JSONDecodeError as error:
            raise ImageError(f"{manifest_path}: broken JSON: {error.msg} at line "
                             f"{error.lineno} column {error.colno}") from None
        if not isinstance(manifest, dict):
            raise ImageError(f"{manifest_path}: not a spinnc image (a JSON object)")
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ImageError(
                f"{directory}: image format {manifest.get('format')!r} version "
                f"{manifest.get('version')!r}; this spinnc reads {FORMAT!r} version {VERSION}: "
                f"{_RECOMPILE}")
        try:
            image = cls._from_manifest(manifest, directory, read_tables)
            image.check()
        except ImageError as error:
            raise ImageError(f"{manifest_path}: {error}") from None
        return image

    @classmethod
    def _from_manifest(cls, manifest: dict, directory: Path, read_tables) -> "Image":
        for key in ("machine", "dt", "n_steps", "cores", "probes"):
            if key not in manifest:
                raise ImageError(f"the manifest has no {key!r}: {_RECOMPILE}")
        try:
            machine = Machine.from_dict(manifest["machine"])
        except SpinncError as error:
            raise ImageError(f"machine: {error}") from None
        n_steps = _integer("n_steps", manifest["n_steps"], 1)
        cores = [_core(i, c, directory) for i, c in enumerate(_listed("cores",
                                                                      manifest["cores"]))]
        probes = manifest["probes"]
        if not isinstance(probes, dict):
            raise ImageError(f"probes is {type(probes).__name__}, not an object of probes "
                             f"by name: {_RECOMPILE}")
        host_functions = manifest.get("host_functions", {})
        if not isinstance(host_functions, dict) or not all(
                isinstance(h, dict) and set(h) == {"size_in", "size_out"}
                and all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 0
                        for v in h.values()) for h in host_functions.values()):
            raise ImageError(f"host_functions must map names to {{'size_in': n, "
                             f"'size_out': n}}, not {host_functions!r}: {_RECOMPILE}")
        tables_path = directory / "routing_tables.bin"
        try:
            tables = {tuple(chip): np.asarray(t) for chip, t in read_tables(tables_path).items()}
        except (OSError, ValueError) as error:
            raise ImageError(f"{tables_path}: cannot be read ({error}): {_RECOMPILE}") from None
        return cls(machine, manifest["dt"], n_steps, cores, tables,
                   {name: _probe(name, p) for name, p in probes.items()}, host_functions)


# -- reading a manifest ---------------------------------------------------------------------


def _integer(name: str, value, low: int) -> int:
    """An integer (not a bool, not a float such as 1e12) of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ImageError(f"{name} is {value!r}; it must be an integer: {_RECOMPILE}")
    if value < low:
        raise ImageError(f"{name} is {value}; it must be at least {low}: {_RECOMPILE}")
    return int(value)


def _listed(name: str, value) -> list:
    if not isinstance(value, list):
        raise ImageError(f"{name} is {type(value).__name__}, not a list: {_RECOMPILE}")
    return value


def _core(index: int, entry, directory: Path) -> CoreImage:
    """A core of the manifest, its data read from its file."""
    where = f"cores[{index}]"
    if not isinstance(entry, dict):
        raise ImageError(f"{where} is {entry!r}, not an object: {_RECOMPILE}")
    wanted = {f.name: f for f in fields(CoreImage)}
    missing = sorted(set(wanted) - set(entry))
    if missing:
        raise ImageError(f"{where} has no {missing}: {_RECOMPILE}")
    values = {}
    for name in ("x", "y", "core"):
        values[name] = _integer(f"{where}.{name}", entry[name], 0)
    values["app_id"] = _integer(f"{where}.app_id", entry["app_id"], 0)
    for name in ("application", "name", "data"):
        if not isinstance(entry[name], str):
            raise ImageError(f"{where}.{name} is {entry[name]!r}, not a string: {_RECOMPILE}")
    if entry["application"] not in apps.codes():
        raise ImageError(f"{where}.application is {entry['application']!r}; spinnc's "
                         f"applications are {sorted(apps.codes())}: {_RECOMPILE}")
    path = directory / entry["data"]
    # A manifest only names files of its own directory.
    if not path.resolve().is_relative_to(directory.resolve()):
        raise ImageError(f"{where}.data {entry['data']!r} is outside the image directory: "
                         f"{_RECOMPILE}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImageError(f"{where}.data: {path} cannot be read ({error.strerror}): "
                         f"{_RECOMPILE}") from None
    return CoreImage(values["x"], values["y"], values["core"], entry["application"],
                     entry["name"], data, values["app_id"])


def _probe(name: str, entry) -> ProbeImage:
    """A probe of the manifest, its fields checked."""
    where = f"probes[{name!r}]"
    if not isinstance(entry, dict) or set(entry) != {f.name for f in fields(ProbeImage)}:
        raise ImageError(f"{where} must have the fields "
                         f"{sorted(f.name for f in fields(ProbeImage))}: {_RECOMPILE}")
    if not isinstance(entry["name"], str):
        raise ImageError(f"{where}.name is {entry['name']!r}, not a string: {_RECOMPILE}")
    kinds = ("value", "spikes", "input", "weights", "trace", "inputs", *probe_kinds())
    if entry["kind"] not in kinds:
        raise ImageError(f"{where}.kind is {entry['kind']!r}, not one of {kinds}: "
                         f"{_RECOMPILE}")
    size = _integer(f"{where}.size", entry["size"], 0)
    every = _integer(f"{where}.sample_every", entry["sample_every"], 1)
    cores = []
    for i, c in enumerate(_listed(f"{where}.cores", entry["cores"])):
        if not isinstance(c, list) or len(c) != 6:
            raise ImageError(f"{where}.cores[{i}] is {c!r}, not [x, y, core, member, first, "
                             f"count]: {_RECOMPILE}")
        cores.append(tuple(_integer(f"{where}.cores[{i}]", v, 0) for v in c))
    neurons = entry["neurons"]
    if neurons is not None:
        neurons = [_integer(f"{where}.neurons", n, 0) for n in _listed(f"{where}.neurons",
                                                                        neurons)]
    columns = entry["columns"]
    if columns is not None:
        columns = [_integer(f"{where}.columns", n, 0) for n in _listed(f"{where}.columns",
                                                                        columns)]
        if len(columns) != len(cores):
            raise ImageError(f"{where}.columns has {len(columns)} entries for "
                             f"{len(cores)} cores: {_RECOMPILE}")
    frac = _integer(f"{where}.frac", entry["frac"], 0)
    return ProbeImage(entry["name"], entry["kind"], size, every, cores, neurons, columns, frac)


def _system(c: CoreImage) -> dict:
    """A core's SYSTEM region header; ImageError naming the core if it has none."""
    where = f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}')"
    try:
        system = unpack_regions(c.data).get(Region.SYSTEM)
        if system is None:
            raise ValueError("its data has no SYSTEM region")
        return Region.LAYOUTS[Region.SYSTEM].unpack(system)[0]
    except ValueError as error:
        raise ImageError(f"{where}: {error}: {_RECOMPILE}") from None
