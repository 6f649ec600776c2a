"""Build spinnc's compiled extensions (the annealing placer's move loop, the
router's NER loop, the emulator's encoding, decoding and ensemble tick, and
the LIF model's update); everything else is configured in pyproject.toml."""

import os
import subprocess
import sysconfig
import tempfile

from Cython.Build import cythonize
from setuptools import Extension, setup


def openmp_flags() -> list[str]:
    """``-fopenmp`` if the C compiler builds an OpenMP program (gcc with
    libgomp does), else nothing: the emulator's ensemble tick then runs its
    parts one after the other, to the same bits."""
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "omp.c")
        with open(source, "w") as f:
            f.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        try:
            built = subprocess.run([*compiler, "-fopenmp", source, "-o",
                                    os.path.join(tmp, "omp")], capture_output=True)
        except OSError:
            return []
    return ["-fopenmp"] if built.returncode == 0 else []


OPENMP = openmp_flags()
EXTENSIONS = [
    Extension("spinnc.mapper._anneal", ["spinnc/mapper/_anneal.pyx"], extra_compile_args=["-O3"]),
    Extension("spinnc.router._ner", ["spinnc/router/_ner.pyx"], extra_compile_args=["-O3"]),
    # The C of encode_runs.h and lif_loop.h: their includes are spinnc/native.h.
    Extension("spinnc.firmware_sim._kernels", ["spinnc/firmware_sim/_kernels.pyx"],
              include_dirs=["spinnc", "spinnc/firmware_sim"],
              depends=["spinnc/native.h", "spinnc/firmware_sim/encode_runs.h"],
              extra_compile_args=["-O3", *OPENMP], extra_link_args=OPENMP),
    Extension("spinnc.neurons._lif", ["spinnc/neurons/_lif.pyx"],
              include_dirs=["spinnc", "spinnc/neurons"],
              depends=["spinnc/native.h", "spinnc/neurons/lif_loop.h"],
              extra_compile_args=["-O3"]),
]

setup(ext_modules=cythonize(EXTENSIONS, compiler_directives={"language_level": 3}))
