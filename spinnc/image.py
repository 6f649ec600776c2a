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
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .machine import Machine

FORMAT = "spinnc-image"
VERSION = 1
APP_ID = 16  # the application id the cores are loaded with (SC&MP allows 16-255 for users)


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
    """Where a probe's samples are recorded: the core, and which member of
    it (a recorder's probe or an ensemble's population slice)."""

    name: str
    kind: str  # value, spikes or voltage
    size: int
    sample_every: int
    cores: list  # [(x, y, core, member, first neuron or dimension, count)]
    neurons: list | None = None  # the probed neurons of a partial neuron probe


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
        """Read an image directory; ValueError if it is not one this spinnc reads."""
        from .router.files import read_tables

        directory = Path(directory)
        manifest_path = directory / "image.json"
        if not manifest_path.is_file():
            raise ValueError(f"{directory}: not a spinnc image (no image.json)")
        try:
            manifest = json.loads(manifest_path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{manifest_path}: broken ({error})") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ValueError(
                f"{directory}: image format {manifest.get('format')!r} version "
                f"{manifest.get('version')!r}; this spinnc reads {FORMAT!r} version {VERSION}: "
                "compile the model again")
        cores = [CoreImage(c["x"], c["y"], c["core"], c["application"], c["name"],
                           (directory / c["data"]).read_bytes(), c["app_id"])
                 for c in manifest["cores"]]
        probes = {name: ProbeImage(**{**p, "cores": [tuple(c) for c in p["cores"]]})
                  for name, p in manifest["probes"].items()}
        tables = {tuple(chip): np.asarray(t)
                  for chip, t in read_tables(directory / "routing_tables.bin").items()}
        return cls(Machine.from_dict(manifest["machine"]), manifest["dt"], manifest["n_steps"],
                   cores, tables, probes, manifest.get("host_functions", {}))
