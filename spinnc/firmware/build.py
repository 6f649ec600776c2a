"""Build spinnc's ARM applications into APLX files: ``python -m spinnc.firmware.build``.

Each application is its ``apps/<name>.c`` (plus the sources it lists in
:data:`APPLICATIONS`: shared app code and the portable kernels of
``kernels/``) and the runtime (``runtime/*.c``, ``*.S``),
compiled for the ARM968E-S in ARM state with Debian's gcc-arm-none-eabi
(flags: ``spinnaker/FIRMWARE.md`` section 12), linked with
``runtime/spinnc.ld`` and libgcc, and turned into an APLX
(:func:`spinnc.firmware.aplx_image.aplx_from_sections`) at
``spinnc/firmware/bin/<name>.aplx``, which ship as package data.

The build is reproducible: inputs in sorted order, relative paths mapped
away (``-ffile-prefix-map``), no debug information, build ids or
timestamps; the APLX holds only the linked bytes.  So a rebuild gives the
same files byte for byte (tests/firmware/test_build.py checks the shipped
ones).

Without the cross-compiler the build says how to install it; the shipped
binaries work without it.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .aplx_image import aplx_from_sections

HERE = Path(__file__).resolve().parent
BIN = HERE / "bin"
PREFIX = "arm-none-eabi-"
#: Application -> its sources besides apps/<name>.c (relative to firmware/).
APPLICATIONS = {
    "value_source": (),
    "host_in": (),
    "host_out": ("apps/receive.c", "kernels/filter.c", "kernels/fixed.c"),
    "interposer": ("apps/receive.c", "kernels/filter.c", "kernels/fixed.c"),
    "ensemble": ("apps/receive.c", "kernels/filter.c", "kernels/fixed.c", "kernels/ensemble.c",
                 "kernels/learning.c",
                 "kernels/neurons/adaptive_lif.c", "kernels/neurons/izhikevich.c",
                 "kernels/neurons/lif.c", "kernels/neurons/neurons.c",
                 "kernels/neurons/regular_spiking.c", "kernels/neurons/spiking_relu.c"),
}
CFLAGS = ("-mcpu=arm968e-s", "-marm", "-mfloat-abi=soft", "-ffreestanding", "-std=gnu99",
          "-O2", "-ffunction-sections", "-fdata-sections", "-fno-common", "-Wall", "-Wextra",
          "-Wno-unused-parameter", "-Werror")
LDFLAGS = ("-nostartfiles", "-nostdlib", "-static", "-Wl,--gc-sections", "-Wl,--use-blx",
           "-Wl,--build-id=none")
INCLUDES = ("runtime", "include", "kernels", "apps")
INSTALL = ("the ARM cross-compiler arm-none-eabi-gcc was not found: install it with "
           "`apt-get install gcc-arm-none-eabi` (Debian/Ubuntu) to rebuild the firmware; "
           "the binaries shipped in spinnc/firmware/bin work without it")


class BuildError(Exception):
    """The cross-compiler is missing or a compile or link failed."""


def toolchain() -> str | None:
    """The cross-compiler's path, or None."""
    return shutil.which(PREFIX + "gcc")


def sources(application: str, source: Path = HERE) -> list[str]:
    """The sources of ``application`` relative to ``source`` (by default
    ``spinnc/firmware``), sorted."""
    runtime = sorted(str(p.relative_to(source)) for p in (source / "runtime").iterdir()
                     if p.suffix in (".c", ".S"))
    return runtime + sorted([f"apps/{application}.c", *APPLICATIONS[application]])


def _run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode:
        raise BuildError(f"{' '.join(command)} failed:\n{result.stderr}{result.stdout}")
    return result.stdout


def _symbols(nm_output: str) -> dict[str, int]:
    out = {}
    for line in nm_output.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out[parts[2]] = int(parts[0], 16)
    return out


def build_application(application: str, out_dir: Path, work: Path, source: Path = HERE,
                      defines=()) -> Path:
    """Compile, link and package one application; returns its APLX path.

    ``source`` is the firmware tree (``runtime/``, ``apps/``, ...) to build
    from, ``spinnc/firmware`` by default; ``defines`` are extra ``-D``
    options (the tests build faulty variants this way)."""
    source = Path(source).resolve()
    gcc = PREFIX + "gcc"
    objects = []
    for file in sources(application, source):
        obj = work / (application + "__" + file.replace("/", "_") + ".o")
        _run([gcc, *CFLAGS, *(f"-D{d}" for d in defines), *(f"-I{i}" for i in INCLUDES),
              f"-ffile-prefix-map={source}=.", f"-ffile-prefix-map={work}=build", "-c", file,
              "-o", str(obj)], source)
        objects.append(str(obj))
    elf = work / f"{application}.elf"
    _run([gcc, *CFLAGS, *LDFLAGS, "-T", "runtime/spinnc.ld", *objects, "-lgcc", "-o", str(elf)],
         source)
    raw = work / f"{application}.bin"
    _run([PREFIX + "objcopy", "-O", "binary", "-j", "RO_DATA", "-j", "EX_DATA", "-j", "RW_DATA",
          str(elf), str(raw)], source)
    symbols = _symbols(_run([PREFIX + "nm", str(elf)], source))
    image = raw.read_bytes()
    if len(image) != symbols["RO_LENGTH"]:
        raise BuildError(f"{application}: the binary image is {len(image)} bytes but the "
                         f"linker's RO_LENGTH is {symbols['RO_LENGTH']}")
    aplx = aplx_from_sections(image, symbols["ZI_BASE"], symbols["ZI_LENGTH"])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{application}.aplx"
    path.write_bytes(aplx)
    return path


def build(out_dir: Path = BIN, applications=None, source: Path = HERE,
          defines=()) -> list[Path]:
    """Build ``applications`` (all by default) into ``out_dir``, from the
    firmware tree ``source`` (``spinnc/firmware`` by default) with extra
    ``-D`` ``defines``.

    Raises
    ------
    BuildError
        If the cross-compiler is missing (saying how to install it) or a
        step fails (with the compiler's messages).
    """
    if toolchain() is None:
        raise BuildError(INSTALL)
    with tempfile.TemporaryDirectory(prefix="spinnc-firmware-") as work:
        return [build_application(a, Path(out_dir), Path(work), source, defines)
                for a in sorted(applications or APPLICATIONS)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spinnc.firmware.build",
                                     description="Build spinnc's ARM applications (APLX).")
    parser.add_argument("--out", type=Path, default=BIN, help="output directory "
                        "(default: spinnc/firmware/bin)")
    parser.add_argument("--source", type=Path, default=HERE, help="the firmware tree to "
                        "build from (a copy of spinnc/firmware; default: spinnc/firmware)")
    parser.add_argument("-D", dest="defines", action="append", default=[],
                        metavar="NAME[=VALUE]", help="an extra preprocessor definition")
    parser.add_argument("applications", nargs="*", help=f"default: all of "
                        f"{', '.join(sorted(APPLICATIONS))}")
    args = parser.parse_args(argv)
    try:
        for path in build(args.out, args.applications or None, args.source,
                          args.defines):
            print(f"{path}: {path.stat().st_size} bytes")
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
